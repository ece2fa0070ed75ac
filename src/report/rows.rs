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
}
