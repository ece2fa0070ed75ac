//! One row type per CSV file of the report folder with fixed columns (SPEC §8, §7): the
//! writers build these rows and the report reader ([`super::folder`]) reads them back, so
//! a column's name, order and text format are written down once, here.
//!
//! Fields are in column order. A column a reader can do without is an `Option` (an empty
//! cell, or absent from a folder written before the column existed); numbers are written
//! by the [`cells`] helpers so every file keeps the text every version wrote.

use std::path::Path;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::{CsvResult, ReportError, cells, into_bytes};
use crate::engine::{PoolField, TrancheField};

/// The columns of a row type, in order: the names its `Deserialize` asks for.
pub fn columns<T: DeserializeOwned>() -> &'static [&'static str] {
    /// A deserializer that only records the field names a struct asks for.
    struct FieldNames<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for FieldNames<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("a row type is a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("field names only"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    // the error is expected: the names are what is wanted
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// A table of rows as CSV: the header from the row type (written even without rows), then
/// one line per row.
pub fn table<T, I>(rows: I) -> CsvResult
where
    T: Serialize + DeserializeOwned,
    I: IntoIterator<Item = T>,
{
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    out.write_record(columns::<T>())?;
    for row in rows {
        out.serialize(row)?;
    }
    into_bytes(out)
}

/// Reads a CSV file of rows by column name (columns in any order, unknown columns ignored).
pub fn read_table<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, ReportError> {
    let bad = |error: csv::Error| ReportError::Parse {
        path: path.to_path_buf(),
        line: error.position().map(|p| p.line() as usize),
        message: match error.kind() {
            csv::ErrorKind::Deserialize { err, .. } => match err.field() {
                Some(field) => format!("column {}: {}", field + 1, err.kind()),
                None => err.kind().to_string(),
            },
            _ => error.to_string(),
        },
    };
    let text = std::fs::read(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .from_reader(text.as_slice())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(bad)
}

/// A row of `tranches.csv`: SPEC §8's columns, then ours.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrancheRow {
    pub tranche: String,
    #[serde(serialize_with = "cells::decimal")]
    pub share: f64,
    #[serde(serialize_with = "cells::cents")]
    pub amount: f64,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub coupon: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub el: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub el_se: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub pd: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub var95: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub var99: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub var999: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub es95: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub es99: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub es999: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub wal: Option<f64>,
    #[serde(rename = "yield", serialize_with = "cells::opt_decimal")]
    pub annual_yield: Option<f64>,
    /// Empty for the residual tranche (not rated); `below table` for a rated tranche below
    /// the scale.
    pub implied_rating: Option<String>,
    pub target_rating: Option<String>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub target_el: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub loss_sd: Option<f64>,
    #[serde(serialize_with = "cells::opt_cents")]
    pub expected_interest_shortfall: Option<f64>,
    #[serde(serialize_with = "cells::opt_tenths")]
    pub effective_paths: Option<f64>,
}

/// A bin of `pool_loss_distribution.csv`: the pool's net loss share in `[from, to)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LossBin {
    #[serde(rename = "loss_from", serialize_with = "cells::decimal")]
    pub from: f64,
    #[serde(rename = "loss_to", serialize_with = "cells::decimal")]
    pub to: f64,
    #[serde(serialize_with = "cells::sci")]
    pub probability: f64,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub cumulative_probability: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub exceedance_probability: Option<f64>,
}

/// A row of `triggers.csv`: one trigger in one month, with the trigger's probabilities
/// over the deal repeated on each of its rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriggerRow {
    pub trigger: String,
    pub month: u32,
    #[serde(serialize_with = "cells::opt_sci")]
    pub breach_probability: Option<f64>,
    #[serde(serialize_with = "cells::sci")]
    pub cumulative_probability: f64,
    #[serde(serialize_with = "cells::opt_sci")]
    pub probability_within_revolving_period: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub probability_within_revolving_period_se: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub probability_by_legal_final: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub probability_by_legal_final_se: Option<f64>,
}

/// A month of `pool_balance_bands.csv`: the performing balance, deterministic and
/// Monte Carlo percentiles (CNY). A folder without `deterministic` or `mean` reads NaN.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BalanceBand {
    pub period: u32,
    #[serde(
        serialize_with = "cells::cents",
        default = "cells::nan",
        deserialize_with = "cells::or_nan"
    )]
    pub deterministic: f64,
    #[serde(
        serialize_with = "cells::cents",
        default = "cells::nan",
        deserialize_with = "cells::or_nan"
    )]
    pub mean: f64,
    #[serde(serialize_with = "cells::cents")]
    pub p5: f64,
    #[serde(serialize_with = "cells::cents")]
    pub p25: f64,
    #[serde(serialize_with = "cells::cents")]
    pub p50: f64,
    #[serde(serialize_with = "cells::cents")]
    pub p75: f64,
    #[serde(serialize_with = "cells::cents")]
    pub p95: f64,
}

/// A row of `deterministic_pool.csv`: SPEC §8's columns, then ours.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeterministicPoolRow {
    pub period: u32,
    #[serde(serialize_with = "cells::cents")]
    pub begin_balance: f64,
    #[serde(serialize_with = "cells::cents")]
    pub defaults: f64,
    #[serde(serialize_with = "cells::cents")]
    pub interest: f64,
    #[serde(serialize_with = "cells::cents")]
    pub scheduled_principal: f64,
    #[serde(serialize_with = "cells::cents")]
    pub prepayments: f64,
    #[serde(serialize_with = "cells::cents")]
    pub recoveries: f64,
    #[serde(serialize_with = "cells::cents")]
    pub purchases: f64,
    #[serde(serialize_with = "cells::cents")]
    pub end_balance: f64,
    #[serde(serialize_with = "cells::cents")]
    pub senior_fees: f64,
    #[serde(serialize_with = "cells::cents")]
    pub residual: f64,
    #[serde(serialize_with = "cells::cents")]
    pub sale_proceeds: f64,
    #[serde(serialize_with = "cells::cents")]
    pub available_funds: f64,
    #[serde(serialize_with = "cells::cents")]
    pub senior_fees_shortfall: f64,
    #[serde(serialize_with = "cells::cents")]
    pub reserve_balance: f64,
    #[serde(serialize_with = "cells::decimal")]
    pub cumulative_net_loss: f64,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub excess_spread_3m: Option<f64>,
    pub revolving: bool,
    pub called: bool,
    pub triggers_breached: u32,
}

/// A row of `deterministic_tranches.csv`: one tranche in one period (SPEC §8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeterministicTrancheRow {
    pub period: u32,
    pub tranche: String,
    #[serde(serialize_with = "cells::cents")]
    pub begin_balance: f64,
    /// Coupon plus shortfall carried in.
    #[serde(serialize_with = "cells::cents")]
    pub interest_due: f64,
    #[serde(serialize_with = "cells::cents")]
    pub interest_paid: f64,
    #[serde(serialize_with = "cells::cents")]
    pub principal_paid: f64,
    #[serde(serialize_with = "cells::cents")]
    pub end_balance: f64,
    /// Unpaid interest outstanding at the end of the period.
    #[serde(serialize_with = "cells::cents")]
    pub interest_shortfall: f64,
}

/// A row of `breakevens.csv`: the tranche's breakeven PD multiple, empty when it takes no
/// loss up to the largest multiple searched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BreakevenRow {
    pub tranche: String,
    #[serde(serialize_with = "cells::opt_six_decimals")]
    pub breakeven_pd_multiple: Option<f64>,
    /// The largest flat annual CDR with no principal loss (SPEC §7.4), every digit (a
    /// reader checks that 1 % more loses); empty when none loses it.
    #[serde(default)]
    pub breakeven_cdr: Option<f64>,
}

/// A row of `sizing.csv`: the sizing method (SPEC §7.3: `tdr_bdr`, then `expected_loss`),
/// SPEC §7.1's columns, whether the target could be met, and the TDR/BDR method's target
/// and break-even default rates. A column a method does not compute is empty in its rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SizingRow {
    #[serde(default)]
    pub method: Option<String>,
    pub tranche: String,
    pub target_rating: Option<String>,
    #[serde(serialize_with = "cells::decimal")]
    pub share: f64,
    #[serde(serialize_with = "cells::opt_cents")]
    pub amount: Option<f64>,
    /// Share of the pool below the tranche (never negative).
    #[serde(serialize_with = "cells::opt_decimal")]
    pub credit_enhancement: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub el: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub el_se: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub wal: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub target_el: Option<f64>,
    #[serde(default, deserialize_with = "cells::flag")]
    pub feasible: Option<bool>,
    #[serde(default, serialize_with = "cells::opt_sci")]
    pub tdr: Option<f64>,
    #[serde(default, serialize_with = "cells::opt_sci")]
    pub tdr_se: Option<f64>,
    #[serde(default, serialize_with = "cells::opt_sci")]
    pub bdr: Option<f64>,
    #[serde(default)]
    pub binding_scenario: Option<String>,
}

/// A row of `rating_tests.csv` and of `stress_bdr.csv` (SPEC §7.3): the sizing stage's own
/// types, which the report reads back.
pub use crate::sizing::rating_test::{
    RatingTest as RatingTestRow, StressBreakEven as StressBdrRow,
};

/// A row of `sizing_curve.csv`: a share tried while sizing a tranche, in the order tried.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SizingCurvePoint {
    pub tranche: String,
    #[serde(serialize_with = "cells::decimal")]
    pub share: f64,
    #[serde(serialize_with = "cells::sci")]
    pub el: f64,
    #[serde(serialize_with = "cells::opt_sci")]
    pub el_se: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub wal: Option<f64>,
    #[serde(serialize_with = "cells::opt_sci")]
    pub target_el: Option<f64>,
    #[serde(default, deserialize_with = "cells::flag")]
    pub meets: Option<bool>,
}

/// A row of `frontier.csv`: one approval policy of the grid (SPEC §7.2), then ours.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrontierRow {
    #[serde(serialize_with = "cells::decimal")]
    pub cutoff: f64,
    #[serde(serialize_with = "cells::decimal")]
    pub limit_multiplier: f64,
    pub applicants: Option<u64>,
    pub approved: Option<u64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub approval_rate: Option<f64>,
    #[serde(serialize_with = "cells::opt_cents")]
    pub approved_limits: Option<f64>,
    #[serde(serialize_with = "cells::opt_cents")]
    pub pool_balance: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub weighted_pd: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub pool_el: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_credit_enhancement: Option<f64>,
    #[serde(serialize_with = "cells::opt_cents")]
    pub funding_capacity: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub advance_rate: Option<f64>,
    #[serde(default, deserialize_with = "cells::flag")]
    pub meets_targets: Option<bool>,
    #[serde(default, deserialize_with = "cells::yes")]
    pub recommended: bool,
    pub receivables: Option<u64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub pool_el_se: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_share: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_el: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_el_se: Option<f64>,
    /// The `[targets]` keys missed, `;`-separated.
    pub missed_targets: Option<String>,
    /// `inf` when no relaxation of the targets would do.
    #[serde(serialize_with = "cells::opt_decimal")]
    pub relaxation_needed: Option<f64>,
    /// Funding capacity − `funding_need` (CNY, negative: a shortfall); empty without a need.
    #[serde(serialize_with = "cells::opt_cents")]
    pub funding_surplus: Option<f64>,
    /// The sizing method of `senior_credit_enhancement`, `funding_capacity` and
    /// `advance_rate` (and of the targets): `tdr_bdr` or `expected_loss`. `senior_share`,
    /// `senior_el` and `senior_el_se` are the expected-loss sizing's.
    pub sizing_method: Option<String>,
    #[serde(serialize_with = "cells::opt_cents")]
    pub funding_capacity_tdr_bdr: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub advance_rate_tdr_bdr: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_credit_enhancement_tdr_bdr: Option<f64>,
    #[serde(serialize_with = "cells::opt_cents")]
    pub funding_capacity_expected_loss: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub advance_rate_expected_loss: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_credit_enhancement_expected_loss: Option<f64>,
    /// The TDR/BDR-sized senior's TDR at its target and base-case WAL, its standard error,
    /// its BDR and the binding stress scenario.
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_tdr: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_tdr_se: Option<f64>,
    #[serde(serialize_with = "cells::opt_decimal")]
    pub senior_bdr: Option<f64>,
    pub senior_binding_scenario: Option<String>,
}

/// `path_results.csv`, by column: one row per path with its normalised weight; SPEC §8's
/// columns (`path`, `weight`, `pool_default`, `pool_net_loss`, `loss_<tranche>`), then each
/// tranche's interest shortfall, the call month and each trigger's breach month (0 = none),
/// so every probability of `triggers.csv` is a weighted count of its rows. The tranche and
/// trigger columns are named by the deal, so this file has its own writer and reader here
/// instead of a row type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathResults {
    pub path: Vec<u64>,
    pub weights: Vec<f64>,
    pub pool_default: Vec<f64>,
    pub pool_net_loss: Vec<f64>,
    /// Tranche name and its loss share in each path (`loss_<tranche>`).
    pub tranche_losses: Vec<(String, Vec<f64>)>,
    /// Each tranche's interest unpaid at the legal final, CNY, in the order of
    /// `tranche_losses` (`interest_shortfall_<tranche>`); empty in folders without them.
    pub interest_shortfalls: Vec<Vec<f64>>,
    /// Month of the clean-up call (0 = none); empty in folders without it.
    pub call_month: Vec<u32>,
    /// Each trigger's first breach month (0 = none), in the deal's order
    /// (`trigger_<k>_breach_month`, `k` from 1).
    pub trigger_breach_months: Vec<Vec<u32>>,
}

impl PathResults {
    /// The header: the fixed columns, then the columns named by tranche and trigger.
    fn header(&self) -> Vec<String> {
        let mut header: Vec<String> = ["path", "weight", "pool_default", "pool_net_loss"]
            .map(String::from)
            .into();
        header.extend(self.tranche_losses.iter().map(|(t, _)| format!("loss_{t}")));
        header.extend(
            self.tranche_losses
                .iter()
                .map(|(t, _)| format!("interest_shortfall_{t}")),
        );
        header.push("call_month".into());
        // 1-based in the deal's order, as `triggers.csv` and `summary.json` list them
        header.extend(
            (1..=self.trigger_breach_months.len()).map(|k| format!("trigger_{k}_breach_month")),
        );
        header
    }

    /// The file's bytes: weights in scientific notation (they span many orders of
    /// magnitude under importance sampling), shares as decimals, money in cents.
    pub fn to_csv(&self) -> CsvResult {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(self.header())?;
        for i in 0..self.path.len() {
            let mut row = vec![
                self.path[i].to_string(),
                format!("{:e}", self.weights[i]),
                super::decimal(self.pool_default[i]),
                super::decimal(self.pool_net_loss[i]),
            ];
            row.extend(
                self.tranche_losses
                    .iter()
                    .map(|(_, l)| super::decimal(l[i])),
            );
            row.extend(self.interest_shortfalls.iter().map(|s| super::cents(s[i])));
            row.push(self.call_month[i].to_string());
            row.extend(self.trigger_breach_months.iter().map(|m| m[i].to_string()));
            out.write_record(&row)?;
        }
        into_bytes(out)
    }

    /// Reads the file by column name: `weight` and `pool_net_loss` are required, the other
    /// columns are read when present.
    pub fn read(path: &Path) -> Result<PathResults, ReportError> {
        let table = WideTable::read(path)?;
        let tranches: Vec<String> = table
            .header
            .iter()
            .filter_map(|c| c.strip_prefix("loss_").map(str::to_string))
            .collect();
        let optional = |name: &str| -> Result<Vec<f64>, ReportError> {
            Ok(table.column(name)?.unwrap_or_default())
        };
        Ok(PathResults {
            path: table.column("path")?.unwrap_or_default(),
            weights: table.required("weight")?,
            pool_default: optional("pool_default")?,
            pool_net_loss: table.required("pool_net_loss")?,
            tranche_losses: tranches
                .iter()
                .map(|t| Ok((t.clone(), table.required(&format!("loss_{t}"))?)))
                .collect::<Result<_, ReportError>>()?,
            interest_shortfalls: tranches
                .iter()
                .map_while(|t| table.column(&format!("interest_shortfall_{t}")).transpose())
                .collect::<Result<_, _>>()?,
            call_month: table.column("call_month")?.unwrap_or_default(),
            trigger_breach_months: (1..)
                .map_while(|k| {
                    table
                        .column(&format!("trigger_{k}_breach_month"))
                        .transpose()
                })
                .collect::<Result<_, _>>()?,
        })
    }
}

/// `expected_cashflows.csv`, by column: the probability-weighted mean of every pool and
/// tranche flow by period (CNY). The columns are `period`, every [`PoolField`] by its name,
/// then every [`TrancheField`] of each tranche as `<tranche>_<name>`: the engine's enums name
/// them, so writer and reader cannot disagree on a column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpectedCashflows {
    pub periods: Vec<u32>,
    /// `pool[i]`: the field `PoolField::ALL[i]` by period (empty when a folder lacks it).
    pub pool: Vec<Vec<f64>>,
    /// Each tranche's name and, for `TrancheField::ALL[i]`, its values by period.
    pub tranches: Vec<(String, Vec<Vec<f64>>)>,
}

impl ExpectedCashflows {
    /// A pool field by period; `None` when the folder lacks its column.
    pub fn pool(&self, field: PoolField) -> Option<&[f64]> {
        Some(self.pool.get(field as usize)?.as_slice()).filter(|v| !v.is_empty())
    }

    /// A tranche's field by period; `None` when the folder lacks its column.
    pub fn tranche(&self, name: &str, field: TrancheField) -> Option<&[f64]> {
        let (_, fields) = self.tranches.iter().find(|(t, _)| t == name)?;
        Some(fields.get(field as usize)?.as_slice()).filter(|v| !v.is_empty())
    }

    /// The file's bytes, money in cents.
    pub fn to_csv(&self) -> CsvResult {
        let mut out = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = vec!["period".into()];
        header.extend(PoolField::ALL.map(|f| f.name().to_string()));
        for (t, _) in &self.tranches {
            header.extend(TrancheField::ALL.map(|f| format!("{t}_{}", f.name())));
        }
        out.write_record(&header)?;
        for (m, period) in self.periods.iter().enumerate() {
            let mut row = vec![period.to_string()];
            row.extend(self.pool.iter().map(|values| super::cents(values[m])));
            for (_, fields) in &self.tranches {
                row.extend(fields.iter().map(|values| super::cents(values[m])));
            }
            out.write_record(&row)?;
        }
        into_bytes(out)
    }

    /// Reads the file by column name (`period` required; a missing flow column reads as
    /// absent); tranches are found by their `<tranche>_interest_paid` columns.
    pub fn read(path: &Path) -> Result<ExpectedCashflows, ReportError> {
        let table = WideTable::read(path)?;
        let column = |name: &str| -> Result<Vec<f64>, ReportError> {
            Ok(table.column(name)?.unwrap_or_default())
        };
        let suffix = format!("_{}", TrancheField::InterestPaid.name());
        let names: Vec<String> = table
            .header
            .iter()
            .filter_map(|c| c.strip_suffix(&suffix).map(str::to_string))
            .collect();
        Ok(ExpectedCashflows {
            periods: table.required("period")?,
            pool: PoolField::ALL
                .iter()
                .map(|f| column(f.name()))
                .collect::<Result<_, _>>()?,
            tranches: names
                .into_iter()
                .map(|t| {
                    let fields = TrancheField::ALL
                        .iter()
                        .map(|f| column(&format!("{t}_{}", f.name())))
                        .collect::<Result<_, _>>()?;
                    Ok((t, fields))
                })
                .collect::<Result<_, ReportError>>()?,
        })
    }
}

/// A CSV file whose columns are named by the deal (`loss_<tranche>`, `<tranche>_end_balance`):
/// read whole, its columns found by name and parsed by the type the reader asks for.
struct WideTable {
    path: std::path::PathBuf,
    header: Vec<String>,
    records: Vec<csv::StringRecord>,
}

impl WideTable {
    fn read(path: &Path) -> Result<WideTable, ReportError> {
        let bad = |error: csv::Error| ReportError::Parse {
            path: path.to_path_buf(),
            line: error.position().map(|p| p.line() as usize),
            message: error.to_string(),
        };
        let text = std::fs::read(path).map_err(|source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::Headers)
            .from_reader(text.as_slice());
        let header = reader
            .headers()
            .map_err(bad)?
            .iter()
            .map(str::to_string)
            .collect();
        let records = reader.records().collect::<Result<_, _>>().map_err(bad)?;
        Ok(WideTable {
            path: path.to_path_buf(),
            header,
            records,
        })
    }

    /// A whole column; `None` when the file has no such column, an error naming the line
    /// and column when a cell does not parse.
    fn column<T: std::str::FromStr>(&self, name: &str) -> Result<Option<Vec<T>>, ReportError> {
        let Some(index) = self.header.iter().position(|c| c == name) else {
            return Ok(None);
        };
        self.records
            .iter()
            .map(|record| {
                let text = record.get(index).unwrap_or("").trim();
                text.parse().map_err(|_| ReportError::Parse {
                    path: self.path.clone(),
                    line: record.position().map(|p| p.line() as usize),
                    message: format!("column `{name}`: `{text}` is not a number"),
                })
            })
            .collect::<Result<Vec<T>, _>>()
            .map(Some)
    }

    /// A column the file must have.
    fn required<T: std::str::FromStr>(&self, name: &str) -> Result<Vec<T>, ReportError> {
        self.column(name)?.ok_or_else(|| ReportError::Parse {
            path: self.path.clone(),
            line: Some(1),
            message: format!("missing column `{name}`"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_the_fields_in_order_with_their_file_names() {
        assert_eq!(
            &columns::<TrancheRow>()[..17],
            [
                "tranche",
                "share",
                "amount",
                "coupon",
                "el",
                "el_se",
                "pd",
                "var95",
                "var99",
                "var999",
                "es95",
                "es99",
                "es999",
                "wal",
                "yield",
                "implied_rating",
                "target_rating"
            ]
        );
        assert_eq!(columns::<LossBin>()[..2], ["loss_from", "loss_to"]);
        assert_eq!(
            columns::<DeterministicPoolRow>()[..11],
            [
                "period",
                "begin_balance",
                "defaults",
                "interest",
                "scheduled_principal",
                "prepayments",
                "recoveries",
                "purchases",
                "end_balance",
                "senior_fees",
                "residual"
            ]
        );
    }

    #[test]
    fn an_empty_table_has_its_header_and_reads_back_empty() {
        let bytes = table(Vec::<BreakevenRow>::new()).unwrap();
        assert_eq!(bytes, b"tranche,breakeven_pd_multiple,breakeven_cdr\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("breakevens.csv");
        std::fs::write(&path, &bytes).unwrap();
        assert!(read_table::<BreakevenRow>(&path).unwrap().is_empty());
    }

    #[test]
    fn rows_round_trip_and_missing_optional_columns_read_empty() {
        let row = FrontierRow {
            cutoff: 600.0,
            limit_multiplier: 1.25,
            applicants: Some(10),
            relaxation_needed: Some(f64::INFINITY),
            recommended: true,
            ..FrontierRow::default()
        };
        let bytes = table([row.clone()]).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.ends_with("\n600,1.25,10,,,,,,,,,,,true,,,,,,,inf,,,,,,,,,,,,\n"),
            "{text}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frontier.csv");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_table::<FrontierRow>(&path).unwrap(), [row]);
        std::fs::write(&path, " cutoff ,limit_multiplier,recommended\n1,2,TRUE\n").unwrap();
        let rows = read_table::<FrontierRow>(&path).unwrap();
        assert!(rows[0].recommended && rows[0].applicants.is_none());
        std::fs::write(&path, "cutoff\n1\n").unwrap();
        let error = read_table::<FrontierRow>(&path).unwrap_err().to_string();
        assert!(error.contains("limit_multiplier"), "{error}");
        std::fs::write(&path, "cutoff,limit_multiplier\n1,x\n").unwrap();
        let error = read_table::<FrontierRow>(&path).unwrap_err().to_string();
        assert!(error.contains("frontier.csv:2"), "{error}");
    }

    #[test]
    fn path_results_round_trip_and_name_a_bad_cell() {
        let written = PathResults {
            path: vec![0, 1],
            weights: vec![0.25, 0.75],
            pool_default: vec![0.02, 0.03],
            pool_net_loss: vec![0.018, 0.027],
            tranche_losses: vec![("A".into(), vec![0.0, 0.5]), ("Sub".into(), vec![0.1, 1.0])],
            interest_shortfalls: vec![vec![0.0, 12.5], vec![0.0, 0.0]],
            call_month: vec![0, 17],
            trigger_breach_months: vec![vec![0, 4]],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("path_results.csv");
        let bytes = written.to_csv().unwrap();
        assert!(String::from_utf8_lossy(&bytes).starts_with(
            "path,weight,pool_default,pool_net_loss,loss_A,loss_Sub,interest_shortfall_A,interest_shortfall_Sub,call_month,trigger_1_breach_month\n0,2.5e-1,0.02,0.018,0,0.1,0.00,0.00,0,0\n"
        ));
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(PathResults::read(&path).unwrap(), written);
        std::fs::write(&path, "weight,pool_net_loss\n1,0.1\nx,0.2\n").unwrap();
        let error = PathResults::read(&path).unwrap_err().to_string();
        assert!(
            error.contains("path_results.csv:3") && error.contains("`weight`"),
            "{error}"
        );
    }

    #[test]
    fn expected_cashflows_round_trip() {
        let written = ExpectedCashflows {
            periods: vec![1, 2],
            pool: (0..PoolField::COUNT).map(|i| vec![i as f64, 0.5]).collect(),
            tranches: vec![(
                "A".into(),
                (0..TrancheField::COUNT)
                    .map(|i| vec![10.0 * i as f64, 1.25])
                    .collect(),
            )],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("expected_cashflows.csv");
        std::fs::write(&path, written.to_csv().unwrap()).unwrap();
        let read = ExpectedCashflows::read(&path).unwrap();
        assert_eq!(read, written);
        assert_eq!(
            read.tranche("A", TrancheField::PrincipalPaid),
            Some(&[10.0, 1.25][..])
        );
        assert_eq!(read.pool(PoolField::BeginBalance), Some(&[0.0, 0.5][..]));
        assert_eq!(read.tranche("B", TrancheField::PrincipalPaid), None);
    }
}
