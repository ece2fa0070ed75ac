//! Reading a report folder back into plain structs, for the charts, `report.html` and
//! `compare`. Everything here comes from the files a run (or `frontier`) wrote, never from
//! the engine's in-memory types, so a folder can be re-rendered or compared on any machine.
//!
//! Every file but `summary.json` is optional: a section whose file is absent is skipped.
//! Columns are found by name, so columns added later do not disturb the reader.

use std::path::{Path, PathBuf};

use super::ReportError;
use super::rows::read_table;
pub use super::rows::{
    BalanceBand, BreakevenRow, DeterministicPoolRow, ExpectedCashflows, FrontierRow, LossBin,
    PathResults, RatingTestRow, SizingCurvePoint, SizingRow, StressBdrRow, TrancheRow,
};
pub use super::summary::Summary;

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
    pub expected_cashflows: Option<ExpectedCashflows>,
    pub deterministic_pool: Vec<DeterministicPoolRow>,
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
    /// The language the folder's charts and report.html are drawn in (not a file of the
    /// folder: the command rendering it chooses).
    pub lang: crate::i18n::Lang,
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
        let summary = Summary::parse(&summary_path, &text)?;

        let present = |name: &str| Some(dir.join(name)).filter(|path| path.is_file());
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
            expected_cashflows: present("expected_cashflows.csv")
                .map(|path| ExpectedCashflows::read(&path))
                .transpose()?,
            deterministic_pool: rows(present("deterministic_pool.csv"))?,
            ..ReportFolder::default()
        };
        folder.path_results = present("path_results.csv")
            .map(|path| PathResults::read(&path))
            .transpose()?;
        Ok(folder)
    }

    /// The scenario's name: the manifest's, else the summary's, else the folder's name.
    pub fn scenario_name(&self) -> String {
        [&self.summary.manifest.scenario, &self.summary.scenario.name]
            .into_iter()
            .find(|name| !name.is_empty())
            .cloned()
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
            .map(|p| p.closing_balance)
            .or_else(|| {
                (!self.tranches.is_empty()).then(|| self.tranches.iter().map(|t| t.amount).sum())
            })
    }

    /// Months of the scheduled revolving period: the scenario's terms, else the months the
    /// deterministic run revolved.
    pub fn revolving_months(&self) -> Option<u32> {
        let from_terms = self.summary.terms.as_ref().map(|t| t.deal.revolving_months);
        from_terms.or_else(|| {
            (!self.deterministic_pool.is_empty()).then(|| {
                self.deterministic_pool
                    .iter()
                    .filter(|r| r.revolving)
                    .count() as u32
            })
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
            || self.summary.grid.is_some()
    }

    /// Funding capacity (CNY): sizing's, else the treasury's.
    pub fn funding_capacity(&self) -> Option<f64> {
        // the treasury's is the capacity of the scenario's sizing method
        self.summary
            .treasury
            .as_ref()
            .and_then(|t| t.funding_capacity)
            .or_else(|| Some(self.summary.sizing()?.funding_capacity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(folder.summary.manifest.paths, 10);
        assert_eq!(folder.funding_capacity(), None);
    }
}
