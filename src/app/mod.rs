//! The jobs the command line runs, each reading top to bottom like the pipeline it is. This
//! module orchestrates: the stages upstream compute, `report` writes, and what is here names
//! the stages in order and turns their errors into the two kinds the command line knows:
//! bad input (exit code 2, one line per problem) and everything else (exit code 1).
//!
//! - [`run`](run()): a scenario through the deterministic case, breakevens, Monte Carlo and
//!   sizing into its report folder;
//! - [`frontier`](frontier()): the approval-policy frontier of an applicant file;
//! - [`calibrate`](calibrate()): a static-pool history into its calibration folder (SPEC §4.6);
//! - [`credit`]: `gen-applicants`, `decide`, `fit` and `gen-tape --from-applicants`;
//! - `gen-history`, the synthetic static-pool history, in [`history`];
//! - [`run_shard`] and [`frontier_point_shard`]: one shard's partial of a run or a frontier,
//!   and [`merge`](merge()): the partials into the single run's folder (SPEC §9);
//! - here: loading a scenario with its pool ([`prepare`]), `validate` and `gen-tape`.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

pub mod calibrate;
pub mod credit;
pub mod frontier;
pub mod grid;
pub mod history;
pub mod merge;
pub mod partial;
pub mod run;
pub mod shard;

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use crate::report::format::cny;
use crate::report::manifest::InputDigest;
use crate::report::{OutputError, ReportDir, render_report};
use crate::scenario::overrides::Override;
use crate::scenario::{self, PoolSource, Scenario};
use crate::sim::Pool;
use crate::tape::{self, Receivable};
use crate::units::MAX_PATHS;

pub use calibrate::{CalibrateRequest, CalibrateResult, calibrate};
pub use credit::{
    FitReport, decide, fit, gen_applicants, gen_tape_from_applicants, load_model_and_policy,
};
pub use frontier::{FrontierReport, FrontierRequest, frontier};
pub use grid::{GridRequest, GridResult, grid};
pub use history::{GenHistoryReport, GenHistoryRequest, gen_history};
pub use merge::{MergeRequest, MergeResult, merge};
pub use run::{RunRequest, RunResult, run};
pub use shard::{PointShardRequest, ShardRequest, ShardResult, frontier_point_shard, run_shard};

/// Why a job failed, and which exit code that earns.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input or usage: each line names the file, line or field and the rule broken.
    #[error("{0}")]
    Input(String),
    /// Anything else (I/O while writing, a bug caught by an invariant).
    #[error(transparent)]
    Failure(#[from] anyhow::Error),
}

impl AppError {
    /// SPEC §1: 2 for bad input or usage, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Input(_) => 2,
            AppError::Failure(_) => 1,
        }
    }
}

fn failure(context: &str, error: impl std::fmt::Display) -> AppError {
    AppError::Failure(anyhow::anyhow!("{context}: {error}"))
}

/// A report folder that may not be written is the user's to fix (exit 2); an I/O failure
/// is not.
fn output_error(error: OutputError) -> AppError {
    if error.is_bad_input() {
        AppError::Input(error.to_string())
    } else {
        AppError::Failure(error.into())
    }
}

/// A number of Monte Carlo paths from 1 to [`MAX_PATHS`]: what `--paths` may override a
/// scenario's paths with, checked where it is made, so a request never holds another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathCount(usize);

impl PathCount {
    /// `paths` when it is from 1 to [`MAX_PATHS`]; else what is wrong with it.
    pub fn new(paths: usize) -> Result<PathCount, String> {
        if (1..=MAX_PATHS).contains(&paths) {
            Ok(PathCount(paths))
        } else {
            Err(format!("{paths} is not in 1..={MAX_PATHS}"))
        }
    }

    pub fn get(self) -> usize {
        self.0
    }
}

/// A scenario with its pool, ready to run.
pub struct Prepared {
    pub scenario: Scenario,
    pub receivables: Vec<Receivable>,
    pub pool: Pool,
    pub warnings: Vec<String>,
    pub digest: InputDigest,
}

/// Loads and checks a scenario and every file it names, and builds its pool.
pub fn prepare(scenario_path: &Path) -> Result<Prepared, AppError> {
    prepare_with(scenario_path, &[])
}

/// As [`prepare`], with `--set` overrides on the scenario. The digest covers every file of
/// the scenario's `extends` chain and every override (`--set KEY=VALUE` in the manifest's
/// inputs).
pub fn prepare_with(scenario_path: &Path, overrides: &[Override]) -> Result<Prepared, AppError> {
    let layered = scenario::overrides::load(scenario_path, overrides)
        .map_err(|e| AppError::Input(e.to_string()))?;
    let scenario = layered.loaded.scenario;
    let mut warnings = layered.loaded.warnings;
    let mut digest = InputDigest::default();
    for file in &layered.files {
        add_input_file(&mut digest, "scenario", file)?;
    }
    for o in overrides {
        digest.add(&format!("--set {}", o.text()), o.text().as_bytes());
    }

    let (receivables, tape_label) = match &scenario.pool.source {
        PoolSource::Tape(path) => {
            let tape = tape::read_tape(path).map_err(|e| AppError::Input(e.to_string()))?;
            add_input_file(&mut digest, "tape", path)?;
            warnings.extend(tape.warnings);
            (tape.receivables, path.display().to_string())
        }
        PoolSource::Synthetic { receivables, seed } => (
            tape::synthetic::generate(*receivables, *seed),
            format!("synthetic tape ({receivables} receivables, seed {seed})"),
        ),
    };
    for (label, path) in [
        ("model", &scenario.credit.model),
        ("policy", &scenario.credit.policy),
    ] {
        if let Some(path) = path {
            add_input_file(&mut digest, &format!("credit {label}"), path)?;
        }
    }
    let pool = Pool::build(&receivables, &scenario, &tape_label)
        .map_err(|e| AppError::Input(e.to_string()))?;
    if matches!(scenario.pool.source, PoolSource::Synthetic { .. }) {
        // a tape's reader has already reported its past-due receivables
        warnings.extend(pool.past_due_warning());
    }
    warnings.extend(pool.warnings(&scenario.deal));
    Ok(Prepared {
        scenario,
        receivables,
        pool,
        warnings,
        digest,
    })
}

/// Adds an input file to the digest as `what PATH`; a file that cannot be read is the
/// user's to fix.
fn add_input_file(digest: &mut InputDigest, what: &str, path: &Path) -> Result<(), AppError> {
    digest
        .add_file(&format!("{what} {}", path.display()), path)
        .map_err(|e| AppError::Input(format!("{}: cannot read the {what}: {e}", path.display())))
}

impl Prepared {
    /// The eligible receivables of the tape, scaled as in the pool, for stratification.
    fn receivables_eligible(&self) -> Vec<Receivable> {
        self.receivables
            .iter()
            .filter(|r| r.is_eligible())
            .map(|r| Receivable {
                balance: r.balance * self.pool.scale,
                original_principal: r.original_principal * self.pool.scale,
                ..r.clone()
            })
            .collect()
    }
}

/// `validate SCENARIO`: everything `run` checks, nothing run. Returns the lines to print.
pub fn validate(scenario_path: &Path, overrides: &[Override]) -> Result<Vec<String>, AppError> {
    let prepared = prepare_with(scenario_path, overrides)?;
    let mut lines: Vec<String> = prepared
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    let pool = &prepared.pool;
    lines.push(format!(
        "{}: valid. Pool: {} eligible receivables, closing balance {} CNY, balance-weighted 12-month PD {:.3}%; deal: {} tranches, {} months ({} revolving).",
        scenario_path.display(),
        pool.assets.len(),
        cny(pool.closing_balance),
        100.0 * pool.weighted_pd(),
        prepared.scenario.deal.tranches.len(),
        prepared.scenario.deal.horizon_months,
        prepared.scenario.deal.revolving_months,
    ));
    lines.extend(crate::report::terminal::calibration_lines(
        &prepared.scenario.assumptions,
    ));
    Ok(lines)
}

/// `gen-tape`: `receivables` synthetic receivables written atomically.
pub fn gen_tape(
    receivables: std::num::NonZeroUsize,
    seed: u64,
    out: &Path,
) -> Result<usize, AppError> {
    let tape = tape::synthetic::generate(receivables.get(), seed);
    tape::write_tape(out, &tape).map_err(|e| failure(&out.display().to_string(), e))?;
    Ok(tape.len())
}

/// A progress bar of `len` steps drawn with `template` (hidden with `--quiet`, and by
/// indicatif off a terminal).
fn progress_bar(quiet: bool, len: usize, template: &str) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(len as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Writes one file of a report folder from its bytes, or from the error that stopped them.
fn write_file(
    report: &ReportDir,
    name: &str,
    bytes: Result<Vec<u8>, impl std::fmt::Display>,
) -> Result<(), AppError> {
    let bytes = bytes.map_err(|e| failure(name, e))?;
    report
        .write(name, &bytes)
        .map_err(|e| failure(&report.file(name).display().to_string(), e))
}

/// `report.xlsx`: the folder's CSV tables written so far, one sheet each.
fn write_workbook(report: &ReportDir) -> Result<(), AppError> {
    write_file(
        report,
        crate::report::xlsx::XLSX_FILE,
        crate::report::xlsx::workbook(report.path()),
    )
}

/// The last steps of every report folder (SPEC §8): `summary.json`, then the charts and
/// `report.html` drawn from the folder's files, then the folder put in place. `published`
/// is the folder `--out` chose, which the page's "reproduce with" command names; `None`
/// when the default needs no flag.
fn write_report(
    report: ReportDir,
    summary: &crate::report::summary::Summary,
    published: Option<&Path>,
    lang: crate::i18n::Lang,
) -> Result<PathBuf, AppError> {
    write_file(
        &report,
        "summary.json",
        crate::report::summary::to_bytes(summary),
    )?;
    render_report(report.path(), published, lang)
        .map_err(|e| failure("charts and report.html", e))?;
    report.commit().map_err(output_error)
}
