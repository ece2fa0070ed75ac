//! Reading a report folder back into plain structs, for the charts, `report.html` and
//! `compare`. Everything here comes from the files a run (or `frontier`) wrote, never from
//! the engine's in-memory types, so a folder can be re-rendered or compared on any machine.
//!
//! Every file but `summary.json` is optional: a section whose file is absent is skipped.
//! Columns are found by name, so columns added later do not disturb the reader.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ReportError;
use super::rows::read_table;
pub use super::rows::{
    BalanceBand, BreakevenRow, FrontierRow, LossBin, RatingTestRow, SizingCurvePoint, SizingRow,
    StressBdrRow, TrancheRow,
};

/// A CSV file held as text, with its columns found by name.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads a whole CSV file with a header row.
    pub fn read(path: &Path) -> Result<Table, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Table::parse(path, &text)
    }

    /// Parses CSV text; `path` only names the file in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Table, ReportError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let bad = |line: Option<u64>, message: String| ReportError::Parse {
            path: path.to_path_buf(),
            line: line.map(|l| l as usize),
            message,
        };
        let columns = reader
            .headers()
            .map_err(|e| bad(Some(1), e.to_string()))?
            .iter()
            .map(|c| c.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| bad(e.position().map(|p| p.line()), e.to_string()))?;
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(Table {
            path: path.to_path_buf(),
            columns,
            rows,
        })
    }

    /// Index of a column.
    pub fn index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    /// Whether the table has every one of these columns.
    pub fn has(&self, columns: &[&str]) -> bool {
        columns.iter().all(|c| self.index(c).is_some())
    }

    /// The text of a cell; `None` when the column is absent.
    pub fn text(&self, row: usize, column: &str) -> Option<&str> {
        let index = self.index(column)?;
        self.rows[row].get(index).map(String::as_str)
    }

    /// A numeric cell: `Ok(None)` when the column is absent or the cell is empty; an error
    /// naming the file, line and column when the cell is not a number.
    pub fn number(&self, row: usize, column: &str) -> Result<Option<f64>, ReportError> {
        let Some(text) = self.text(row, column) else {
            return Ok(None);
        };
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<f64>()
            .map(Some)
            .map_err(|_| ReportError::Parse {
                path: self.path.clone(),
                line: Some(row + 2),
                message: format!("column `{column}`: `{text}` is not a number"),
            })
    }

    /// A numeric cell that must be there.
    pub fn required(&self, row: usize, column: &str) -> Result<f64, ReportError> {
        self.number(row, column)?.ok_or_else(|| ReportError::Parse {
            path: self.path.clone(),
            line: Some(row + 2),
            message: format!("column `{column}`: missing; it must be a number"),
        })
    }

    /// A whole numeric column (empty cells as NaN); `None` when the column is absent.
    pub fn column(&self, column: &str) -> Result<Option<Vec<f64>>, ReportError> {
        if self.index(column).is_none() {
            return Ok(None);
        }
        (0..self.rows.len())
            .map(|row| Ok(self.number(row, column)?.unwrap_or(f64::NAN)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A boolean cell (`true`/`false`); `None` when absent or empty.
    pub fn boolean(&self, row: usize, column: &str) -> Option<bool> {
        match self.text(row, column)?.trim() {
            "true" | "TRUE" | "True" | "1" => Some(true),
            "false" | "FALSE" | "False" | "0" => Some(false),
            _ => None,
        }
    }

    /// Checks the table has the columns a reader needs.
    fn expect(&self, columns: &[&str]) -> Result<(), ReportError> {
        let missing: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| self.index(c).is_none())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ReportError::Parse {
                path: self.path.clone(),
                line: Some(1),
                message: format!("missing column(s) {}", missing.join(", ")),
            })
        }
    }
}

/// Loss statistics of the pool or a tranche (shares of the original balance); `var` and `es`
/// at 95 %, 99 % and 99.9 %.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LossStats {
    pub mean: Option<f64>,
    pub standard_error: Option<f64>,
    pub standard_deviation: Option<f64>,
    pub probability_of_loss: Option<f64>,
    pub var: [Option<f64>; 3],
    pub es: [Option<f64>; 3],
}

/// The run manifest (tool, version, seed, paths, inputs' digest).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestInfo {
    pub tool: Option<String>,
    pub version: Option<String>,
    pub scenario: Option<String>,
    pub inputs_digest: Option<String>,
    pub inputs: Vec<String>,
    pub seed: Option<u64>,
    pub paths: Option<u64>,
}

/// `summary.json` read into what the report shows. Every part is optional but the manifest.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub manifest: ManifestInfo,
    pub scenario_name: Option<String>,
    pub description: Option<String>,
    pub scenario_file: Option<String>,
    pub rating_table: Option<String>,
    /// `terms`: the scenario's assumptions, deal, simulation and targets as run.
    pub terms: Option<Value>,
    pub pool: Option<PoolInfo>,
    pub deterministic: Option<DeterministicInfo>,
    pub monte_carlo: Option<MonteCarloInfo>,
    pub sizing: Option<SizingSummary>,
    pub treasury: Option<Treasury>,
    /// Whether the paths were importance-sampled (unequal weights): from `monte_carlo` in a
    /// run, `grid` in a frontier, else the scenario's `terms`.
    pub importance_sampling: Option<bool>,
    /// The command that wrote the folder, with the options that matter to reproduce it.
    pub command: Option<CommandInfo>,
    /// A frontier's recommendation (`recommendation` of a frontier's `summary.json`).
    pub recommendation: Option<FrontierRecommendation>,
    pub warnings: Vec<String>,
    /// The whole document, for parts written by later versions.
    pub raw: Value,
}

/// `summary.json` → `command`: what was run, as given on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandInfo {
    /// `run` or `frontier`.
    pub command: String,
    pub scenario: Option<String>,
    pub applicants: Option<String>,
    /// `--model`, when given on the command line.
    pub model: Option<String>,
    /// `--policy`, when given on the command line.
    pub policy: Option<String>,
    pub paths: Option<u64>,
    pub seed: Option<u64>,
}

/// A frontier's recommendation, as `summary.json` records it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontierRecommendation {
    /// `recommended`, `infeasible` or `nothing_approved`.
    pub status: String,
    /// The recommended policy's, or the closest one's when infeasible.
    pub cutoff: Option<f64>,
    pub limit_multiplier: Option<f64>,
    pub policy_file: Option<String>,
    /// The `[targets]` key that binds when infeasible.
    pub binding_target: Option<String>,
    /// The binding target's shortfall in words.
    pub binding_text: Option<String>,
    /// Every shortfall of the closest policy in words.
    pub shortfalls: Vec<String>,
    /// The share by which every target would have to be relaxed for the closest policy.
    pub relaxation_needed: Option<f64>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolInfo {
    pub receivables: Option<f64>,
    pub closing_balance: Option<f64>,
    /// Balance-weighted 12-month PD of the tape, before `pd_multiplier`.
    pub weighted_pd_12m: Option<f64>,
    /// The same after `pd_multiplier` (capped): the PD the model uses.
    pub weighted_pd_12m_stressed: Option<f64>,
    pub pd_multiplier: Option<f64>,
    pub ineligible_receivables: Option<f64>,
    pub scale_factor: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeterministicInfo {
    pub cdr_override: bool,
    pub cpr_override: bool,
    pub cumulative_defaults: Option<f64>,
    pub cumulative_recoveries: Option<f64>,
    pub cumulative_purchases: Option<f64>,
    pub cumulative_net_loss_share: Option<f64>,
    pub last_revolving_month: Option<u32>,
    pub call_month: Option<u32>,
    /// Trigger label and its breach month (`None` = never).
    pub triggers: Vec<(String, Option<u32>)>,
    pub tranches: Vec<DeterministicTranche>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeterministicTranche {
    pub tranche: String,
    pub principal_loss: Option<f64>,
    pub loss_share: Option<f64>,
    pub interest_shortfall: Option<f64>,
    pub wal_years: Option<f64>,
    pub annual_yield: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonteCarloInfo {
    pub paths: Option<u64>,
    pub importance_sampling: Option<bool>,
    pub pool_default: LossStats,
    pub pool_net_loss: LossStats,
    pub effective_paths: Option<f64>,
    pub call_probability: Option<f64>,
    /// Trigger label and its breach probability over the deal (by the legal final).
    pub triggers: Vec<(String, f64)>,
    /// Trigger label and its breach probability within the revolving period (absent from
    /// reports written before it was recorded).
    pub triggers_within_revolving_period: Vec<(String, f64)>,
}

/// `summary.json` → `sizing` (SPEC §7.1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SizingSummary {
    pub funding_capacity: Option<f64>,
    pub advance_rate: Option<f64>,
}

/// `summary.json` → `treasury`: capacity against the treasury's funding need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Treasury {
    pub funding_capacity: Option<f64>,
    pub funding_need: Option<f64>,
    /// Funding capacity − funding need, CNY: positive is a surplus, negative a shortfall
    /// (`surplus`, or `gap` in folders of earlier versions, which had the same sign).
    pub surplus: Option<f64>,
    /// Whose capacity it is in a frontier folder: `recommended` or `closest` policy.
    pub policy: Option<String>,
    /// The sizing method the capacity is from (`tdr_bdr`, `expected_loss`; `None` in
    /// folders of earlier versions, which had only expected loss).
    pub method: Option<String>,
    pub advance_rate: Option<f64>,
    /// `(method, capacity, advance rate)` of every sizing method, when recorded.
    pub by_method: Vec<(String, Option<f64>, Option<f64>)>,
}

/// `path_results.csv`: each path's weight, pool net loss and tranche losses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathResults {
    pub weights: Vec<f64>,
    pub pool_net_loss: Vec<f64>,
    /// Tranche name and its loss share in each path.
    pub tranche_losses: Vec<(String, Vec<f64>)>,
}

/// One trigger's breach probabilities by month (`triggers.csv`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriggerSeries {
    pub trigger: String,
    pub months: Vec<u32>,
    pub cumulative_probability: Vec<f64>,
}

impl TriggerSeries {
    /// The rows of `triggers.csv` gathered by trigger, in the order the triggers first
    /// appear.
    fn of_rows(rows: Vec<super::rows::TriggerRow>) -> Vec<TriggerSeries> {
        let mut series: Vec<TriggerSeries> = Vec::new();
        for row in rows {
            let at = match series.iter().position(|s| s.trigger == row.trigger) {
                Some(at) => at,
                None => {
                    series.push(TriggerSeries {
                        trigger: row.trigger,
                        ..TriggerSeries::default()
                    });
                    series.len() - 1
                }
            };
            series[at].months.push(row.month);
            series[at]
                .cumulative_probability
                .push(row.cumulative_probability);
        }
        series
    }
}

/// One row of `pool_strats.csv`.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct StratRow {
    pub dimension: String,
    pub bucket: String,
    pub count: Option<f64>,
    pub balance: Option<f64>,
    pub balance_share: Option<f64>,
    pub wa_pd_12m: Option<f64>,
    /// The tape's `rate` averaged over a bucket of one product (empty where products mix).
    pub wa_rate: Option<f64>,
    pub wa_remaining_months: Option<f64>,
    pub wa_annual_interest_rate_annuity: Option<f64>,
    pub wa_monthly_fee_rate_installment: Option<f64>,
    pub wa_monthly_fee_rate_bullet: Option<f64>,
    pub annualised_yield_on_balance: Option<f64>,
}

/// A report folder, read.
#[derive(Debug, Clone, Default)]
pub struct ReportFolder {
    pub path: PathBuf,
    pub summary: Summary,
    pub tranches: Vec<TrancheRow>,
    pub path_results: Option<PathResults>,
    pub loss_distribution: Vec<LossBin>,
    pub triggers: Vec<TriggerSeries>,
    pub balance_bands: Vec<BalanceBand>,
    pub expected_cashflows: Option<Table>,
    pub deterministic_pool: Option<Table>,
    pub breakevens: Vec<BreakevenRow>,
    pub strats: Vec<StratRow>,
    /// `sizing.csv`'s expected-loss rows (all rows of a file from before `method`).
    pub sizing: Vec<SizingRow>,
    /// `sizing.csv`'s TDR/BDR rows (SPEC §7.3).
    pub sizing_tdr_bdr: Vec<SizingRow>,
    /// `rating_tests.csv` (SPEC §7.3).
    pub rating_tests: Vec<RatingTestRow>,
    /// `stress_bdr.csv` (SPEC §7.3).
    pub stress_bdr: Vec<StressBdrRow>,
    pub sizing_curve: Vec<SizingCurvePoint>,
    pub frontier: Vec<FrontierRow>,
    /// Where the folder is published when it is read from a temporary folder (the `--out`
    /// folder of the command writing it); `None` when unknown.
    pub published_path: Option<PathBuf>,
}

/// The file every report folder has.
pub const SUMMARY_FILE: &str = "summary.json";

impl ReportFolder {
    /// Reads every file of a report folder that is there. The folder must be a directory
    /// with a `summary.json` holding a `manifest`; anything else is optional.
    pub fn read(dir: &Path) -> Result<ReportFolder, ReportError> {
        let not_a_report = |rule: &str| ReportError::NotAReport {
            path: dir.to_path_buf(),
            rule: rule.to_string(),
        };
        if !dir.is_dir() {
            return Err(not_a_report(if dir.exists() {
                "not a folder; give a report folder written by `run` or `frontier`"
            } else {
                "no such folder"
            }));
        }
        let summary_path = dir.join(SUMMARY_FILE);
        if !summary_path.is_file() {
            return Err(not_a_report(
                "no summary.json: not a report folder written by `run` or `frontier`",
            ));
        }
        let text = std::fs::read_to_string(&summary_path).map_err(|source| ReportError::Read {
            path: summary_path.clone(),
            source,
        })?;
        let raw: Value = serde_json::from_str(&text).map_err(|e| ReportError::Parse {
            path: summary_path.clone(),
            line: Some(e.line()),
            message: format!("not valid JSON: {e}"),
        })?;
        if !raw.get("manifest").is_some_and(Value::is_object) {
            return Err(ReportError::Parse {
                path: summary_path,
                line: None,
                message: "no `manifest` object: not a summary written by `run` or `frontier`"
                    .into(),
            });
        }
        let summary = Summary::from_json(raw);

        let present = |name: &str| Some(dir.join(name)).filter(|path| path.is_file());
        let table = |name: &str| present(name).map(|path| Table::read(&path)).transpose();
        fn rows<T: serde::de::DeserializeOwned>(
            path: Option<PathBuf>,
        ) -> Result<Vec<T>, ReportError> {
            path.map_or(Ok(Vec::new()), |path| read_table(&path))
        }
        let sizing_rows: Vec<SizingRow> = rows(present("sizing.csv"))?;
        let mut folder = ReportFolder {
            path: dir.to_path_buf(),
            summary,
            tranches: rows(present("tranches.csv"))?,
            loss_distribution: rows(present("pool_loss_distribution.csv"))?,
            triggers: TriggerSeries::of_rows(rows(present("triggers.csv"))?),
            balance_bands: rows(present("pool_balance_bands.csv"))?,
            breakevens: rows(present("breakevens.csv"))?,
            strats: rows(present("pool_strats.csv"))?,
            // a file from before `method` has only expected-loss rows
            sizing: sizing_rows
                .iter()
                .filter(|r| r.method.as_deref().is_none_or(|m| m == "expected_loss"))
                .cloned()
                .collect(),
            sizing_tdr_bdr: sizing_rows
                .iter()
                .filter(|r| r.method.as_deref() == Some("tdr_bdr"))
                .cloned()
                .collect(),
            rating_tests: rows(present("rating_tests.csv"))?,
            stress_bdr: rows(present("stress_bdr.csv"))?,
            sizing_curve: rows(present("sizing_curve.csv"))?,
            frontier: rows(present("frontier.csv"))?,
            expected_cashflows: table("expected_cashflows.csv")?,
            deterministic_pool: table("deterministic_pool.csv")?,
            ..ReportFolder::default()
        };
        if let Some(t) = table("path_results.csv")? {
            folder.path_results = Some(read_path_results(&t)?);
        }
        Ok(folder)
    }

    /// The scenario's name: the manifest's, else the summary's, else the folder's name.
    pub fn scenario_name(&self) -> String {
        self.summary
            .manifest
            .scenario
            .clone()
            .or_else(|| self.summary.scenario_name.clone())
            .unwrap_or_else(|| {
                self.path
                    .file_name()
                    .map_or("report".into(), |n| n.to_string_lossy().into_owned())
            })
    }

    /// Tranche names in order of seniority: `tranches.csv`, else `sizing.csv`, else the
    /// deterministic summary.
    pub fn tranche_names(&self) -> Vec<String> {
        if !self.tranches.is_empty() {
            return self.tranches.iter().map(|t| t.tranche.clone()).collect();
        }
        if !self.sizing.is_empty() {
            return self.sizing.iter().map(|t| t.tranche.clone()).collect();
        }
        self.summary
            .deterministic
            .as_ref()
            .map(|d| d.tranches.iter().map(|t| t.tranche.clone()).collect())
            .unwrap_or_default()
    }

    /// The closing balance of the pool (CNY), from the summary or the tranches.
    pub fn closing_balance(&self) -> Option<f64> {
        self.summary
            .pool
            .as_ref()
            .and_then(|p| p.closing_balance)
            .or_else(|| {
                (!self.tranches.is_empty()).then(|| self.tranches.iter().map(|t| t.amount).sum())
            })
    }

    /// Months of the scheduled revolving period: the scenario's terms, else the months the
    /// deterministic run revolved.
    pub fn revolving_months(&self) -> Option<u32> {
        let from_terms = self
            .summary
            .terms
            .as_ref()
            .and_then(|t| t.pointer("/deal/revolving_months"))
            .and_then(Value::as_u64)
            .map(|m| m as u32);
        from_terms.or_else(|| {
            let table = self.deterministic_pool.as_ref()?;
            let count = (0..table.rows.len())
                .filter(|&row| table.boolean(row, "revolving") == Some(true))
                .count();
            Some(count as u32)
        })
    }

    /// Whether `frontier` wrote the folder (it has `frontier.csv`, or says so).
    pub fn is_frontier(&self) -> bool {
        !self.frontier.is_empty()
            || self
                .summary
                .command
                .as_ref()
                .is_some_and(|c| c.command == "frontier")
            || self.summary.raw.get("grid").is_some_and(Value::is_object)
    }

    /// Funding capacity (CNY): sizing's, else the treasury's.
    pub fn funding_capacity(&self) -> Option<f64> {
        // the treasury's is the capacity of the scenario's sizing method
        self.summary
            .treasury
            .as_ref()
            .and_then(|t| t.funding_capacity)
            .or_else(|| self.summary.sizing.as_ref()?.funding_capacity)
    }
}

fn number_at(value: &Value, pointer: &str) -> Option<f64> {
    value.pointer(pointer).and_then(Value::as_f64)
}

fn text_at(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn loss_stats(value: Option<&Value>) -> LossStats {
    let Some(value) = value else {
        return LossStats::default();
    };
    let level = |key: &str, i: usize| {
        value
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.get(i))
            .and_then(Value::as_f64)
    };
    LossStats {
        mean: number_at(value, "/mean"),
        standard_error: number_at(value, "/standard_error"),
        standard_deviation: number_at(value, "/standard_deviation"),
        probability_of_loss: number_at(value, "/probability_of_loss"),
        var: [level("var", 0), level("var", 1), level("var", 2)],
        es: [level("es", 0), level("es", 1), level("es", 2)],
    }
}

impl Summary {
    /// Picks what the report shows out of a `summary.json` document.
    pub fn from_json(raw: Value) -> Summary {
        let manifest = raw
            .get("manifest")
            .map(|m| ManifestInfo {
                tool: text_at(m, "/tool"),
                version: text_at(m, "/version"),
                scenario: text_at(m, "/scenario"),
                inputs_digest: text_at(m, "/inputs_digest"),
                inputs: m
                    .get("inputs")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                seed: m.get("seed").and_then(Value::as_u64),
                paths: m.get("paths").and_then(Value::as_u64),
            })
            .unwrap_or_default();
        let pool = raw.get("pool").filter(|p| p.is_object()).map(|p| PoolInfo {
            receivables: number_at(p, "/receivables"),
            closing_balance: number_at(p, "/closing_balance"),
            weighted_pd_12m: number_at(p, "/weighted_pd_12m"),
            weighted_pd_12m_stressed: number_at(p, "/weighted_pd_12m_stressed"),
            pd_multiplier: number_at(p, "/pd_multiplier")
                .or_else(|| number_at(&raw, "/terms/assumptions/pd_multiplier")),
            ineligible_receivables: number_at(p, "/ineligible_receivables"),
            scale_factor: number_at(p, "/scale_factor"),
        });
        let deterministic =
            raw.get("deterministic")
                .filter(|d| d.is_object())
                .map(|d| DeterministicInfo {
                    cdr_override: d.get("cdr_override").and_then(Value::as_bool) == Some(true),
                    cpr_override: d.get("cpr_override").and_then(Value::as_bool) == Some(true),
                    cumulative_defaults: number_at(d, "/cumulative_defaults"),
                    cumulative_recoveries: number_at(d, "/cumulative_recoveries"),
                    cumulative_purchases: number_at(d, "/cumulative_purchases"),
                    cumulative_net_loss_share: number_at(d, "/cumulative_net_loss_share"),
                    last_revolving_month: number_at(d, "/last_revolving_month").map(|m| m as u32),
                    call_month: number_at(d, "/call_month").map(|m| m as u32),
                    triggers: d
                        .get("triggers")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|t| {
                                    (
                                        text_at(t, "/trigger").unwrap_or_default(),
                                        number_at(t, "/breach_month").map(|m| m as u32),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    tranches: d
                        .get("tranches")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|t| DeterministicTranche {
                                    tranche: text_at(t, "/tranche").unwrap_or_default(),
                                    principal_loss: number_at(t, "/principal_loss"),
                                    loss_share: number_at(t, "/loss_share"),
                                    interest_shortfall: number_at(t, "/interest_shortfall"),
                                    wal_years: number_at(t, "/wal_years"),
                                    annual_yield: number_at(t, "/yield"),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                });
        let monte_carlo =
            raw.get("monte_carlo")
                .filter(|m| m.is_object())
                .map(|m| MonteCarloInfo {
                    paths: m.get("paths").and_then(Value::as_u64),
                    importance_sampling: m.get("importance_sampling").and_then(Value::as_bool),
                    pool_default: loss_stats(m.get("pool_default")),
                    pool_net_loss: loss_stats(m.get("pool_net_loss")),
                    effective_paths: number_at(m, "/pool_net_loss/effective_paths"),
                    call_probability: number_at(m, "/call_probability"),
                    triggers: m
                        .get("triggers")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|t| {
                                    (
                                        text_at(t, "/trigger").unwrap_or_default(),
                                        number_at(t, "/probability").unwrap_or(0.0),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    triggers_within_revolving_period: m
                        .get("triggers")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|t| {
                                    Some((
                                        text_at(t, "/trigger").unwrap_or_default(),
                                        number_at(t, "/probability_within_revolving_period")?,
                                    ))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                });
        let sizing = raw
            .get("sizing")
            .filter(|s| s.is_object())
            .map(|s| SizingSummary {
                funding_capacity: number_at(s, "/funding_capacity"),
                advance_rate: number_at(s, "/advance_rate"),
            });
        let treasury = raw
            .get("treasury")
            .filter(|s| s.is_object())
            .map(|s| Treasury {
                funding_capacity: number_at(s, "/funding_capacity"),
                funding_need: number_at(s, "/funding_need"),
                surplus: number_at(s, "/surplus").or_else(|| number_at(s, "/gap")),
                policy: text_at(s, "/policy"),
                method: text_at(s, "/method"),
                advance_rate: number_at(s, "/advance_rate"),
                by_method: s
                    .get("by_method")
                    .and_then(Value::as_array)
                    .map(|all| {
                        all.iter()
                            .filter_map(|m| {
                                Some((
                                    text_at(m, "/method")?,
                                    number_at(m, "/funding_capacity"),
                                    number_at(m, "/advance_rate"),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        let importance_sampling = [
            "/monte_carlo/importance_sampling",
            "/grid/importance_sampling",
            "/terms/simulation/importance_sampling",
        ]
        .iter()
        .find_map(|p| raw.pointer(p).and_then(Value::as_bool));
        let command = raw
            .get("command")
            .filter(|c| c.is_object())
            .map(|c| CommandInfo {
                command: text_at(c, "/command").unwrap_or_default(),
                scenario: text_at(c, "/scenario"),
                applicants: text_at(c, "/applicants"),
                model: text_at(c, "/model"),
                policy: text_at(c, "/policy"),
                paths: c.get("paths").and_then(Value::as_u64),
                seed: c.get("seed").and_then(Value::as_u64),
            });
        let recommendation = raw
            .get("recommendation")
            .filter(|r| r.is_object())
            .map(|r| FrontierRecommendation {
                status: text_at(r, "/status").unwrap_or_default(),
                cutoff: number_at(r, "/cutoff").or_else(|| number_at(r, "/closest/cutoff")),
                limit_multiplier: number_at(r, "/limit_multiplier")
                    .or_else(|| number_at(r, "/closest/limit_multiplier")),
                policy_file: text_at(r, "/policy_file"),
                binding_target: text_at(r, "/binding_target"),
                binding_text: text_at(r, "/binding_text"),
                shortfalls: r
                    .get("shortfalls")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                relaxation_needed: number_at(r, "/relaxation_needed"),
                message: text_at(r, "/message"),
            });
        Summary {
            manifest,
            scenario_name: text_at(&raw, "/scenario/name"),
            description: text_at(&raw, "/scenario/description"),
            scenario_file: text_at(&raw, "/scenario/file"),
            rating_table: text_at(&raw, "/scenario/rating_table"),
            terms: raw.get("terms").filter(|t| t.is_object()).cloned(),
            pool,
            deterministic,
            monte_carlo,
            sizing,
            treasury,
            importance_sampling,
            command,
            recommendation,
            warnings: raw
                .get("warnings")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|w| w.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            raw,
        }
    }
}

fn read_path_results(t: &Table) -> Result<PathResults, ReportError> {
    t.expect(&["weight", "pool_net_loss"])?;
    let weights = t.column("weight")?.unwrap_or_default();
    let pool_net_loss = t.column("pool_net_loss")?.unwrap_or_default();
    let mut tranche_losses = Vec::new();
    for column in &t.columns {
        if let Some(name) = column.strip_prefix("loss_") {
            tranche_losses.push((name.to_string(), t.column(column)?.unwrap_or_default()));
        }
    }
    Ok(PathResults {
        weights,
        pool_net_loss,
        tranche_losses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_by_column_name() {
        let t = Table::parse(Path::new("x.csv"), "a,b,flag\n1,,true\n2.5,x,false\n").unwrap();
        assert_eq!(t.number(0, "a").unwrap(), Some(1.0));
        assert_eq!(t.number(0, "b").unwrap(), None);
        assert_eq!(t.number(0, "missing").unwrap(), None);
        assert_eq!(t.boolean(1, "flag"), Some(false));
        let error = t.number(1, "b").unwrap_err().to_string();
        assert!(
            error.contains("x.csv:3") && error.contains("`b`"),
            "{error}"
        );
        assert!(t.column("a").unwrap().unwrap() == vec![1.0, 2.5]);
    }

    #[test]
    fn folder_without_summary_is_not_a_report() {
        let dir = tempfile::tempdir().unwrap();
        let error = ReportFolder::read(dir.path()).unwrap_err();
        assert!(error.is_bad_input());
        assert!(error.to_string().contains("summary.json"), "{error}");
        std::fs::write(dir.path().join("summary.json"), "{\"x\": 1}").unwrap();
        let error = ReportFolder::read(dir.path()).unwrap_err().to_string();
        assert!(error.contains("manifest"), "{error}");
    }

    #[test]
    fn minimal_folder_reads_with_every_section_absent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("summary.json"),
            r#"{"manifest": {"tool": "baitiao-abs", "scenario": "f", "seed": 1, "paths": 10}}"#,
        )
        .unwrap();
        let folder = ReportFolder::read(dir.path()).unwrap();
        assert_eq!(folder.scenario_name(), "f");
        assert!(folder.tranches.is_empty() && folder.frontier.is_empty());
        assert_eq!(folder.summary.manifest.paths, Some(10));
        assert_eq!(folder.funding_capacity(), None);
    }
}
