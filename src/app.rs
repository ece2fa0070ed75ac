//! The jobs the command line runs, each reading top to bottom like the pipeline it is:
//! scenario → tape → pool → deterministic run → report. Errors are split into bad input
//! (exit code 2, one line per problem) and everything else (exit code 1).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::metrics::{DeterministicRun, run_deterministic};
use crate::report::manifest::{InputDigest, Manifest, TOOL_NAME, TOOL_VERSION};
use crate::report::{ReportDir, deterministic as det_report};
use crate::scenario::{self, PoolSource, Scenario};
use crate::sim::Pool;
use crate::sim::pool::receivable_pd;
use crate::tape::{self, Receivable};

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

/// Options of `run`, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub scenario: PathBuf,
    pub paths: Option<usize>,
    pub seed: Option<u64>,
    pub out: Option<PathBuf>,
    pub quiet: bool,
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
    let loaded = scenario::load(scenario_path).map_err(|e| AppError::Input(e.to_string()))?;
    let scenario = loaded.scenario;
    let mut warnings = loaded.warnings;
    let mut digest = InputDigest::default();
    let scenario_bytes = std::fs::read(scenario_path).map_err(|e| {
        AppError::Input(format!(
            "{}: cannot read the scenario: {e}",
            scenario_path.display()
        ))
    })?;
    digest.add(
        &format!("scenario {}", scenario_path.display()),
        &scenario_bytes,
    );

    let (receivables, tape_label) = match &scenario.pool.source {
        PoolSource::Tape(path) => {
            let tape = tape::read_tape(path).map_err(|e| AppError::Input(e.to_string()))?;
            digest
                .add_file(&format!("tape {}", path.display()), path)
                .map_err(|e| {
                    AppError::Input(format!("{}: cannot read the tape: {e}", path.display()))
                })?;
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
            let bytes = std::fs::read(path).map_err(|e| {
                AppError::Input(format!(
                    "{}: cannot read the credit {label}: {e}",
                    path.display()
                ))
            })?;
            digest.add(&format!("credit {label} {}", path.display()), &bytes);
        }
    }
    let pool = Pool::build(&receivables, &scenario, &tape_label)
        .map_err(|e| AppError::Input(e.to_string()))?;
    warnings.extend(pool.warnings(&scenario.deal));
    Ok(Prepared {
        scenario,
        receivables,
        pool,
        warnings,
        digest,
    })
}

/// `validate SCENARIO`: everything `run` checks, nothing run. Returns the lines to print.
pub fn validate(scenario_path: &Path) -> Result<Vec<String>, AppError> {
    let prepared = prepare(scenario_path)?;
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
        thousands(pool.closing_balance),
        100.0 * pool.weighted_pd(),
        prepared.scenario.deal.tranches.len(),
        prepared.scenario.deal.horizon_months,
        prepared.scenario.deal.revolving_months,
    ));
    Ok(lines)
}

/// What `run` produced, for the terminal.
pub struct RunResult {
    pub out_dir: PathBuf,
    pub warnings: Vec<String>,
    pub terminal_summary: String,
}

/// `run`: the pipeline on a scenario, written atomically into its report folder.
pub fn run(options: &RunOptions) -> Result<RunResult, AppError> {
    let mut prepared = prepare(&options.scenario)?;
    if let Some(paths) = options.paths {
        if paths == 0 {
            return Err(AppError::Input("--paths: must be at least 1".into()));
        }
        prepared.scenario.simulation.paths = paths;
    }
    if let Some(seed) = options.seed {
        prepared.scenario.simulation.seed = seed;
    }
    let scenario = &prepared.scenario;
    let deterministic = run_deterministic(
        &prepared.pool,
        &scenario.assumptions,
        &scenario.deterministic,
        &scenario.deal,
    )
    .map_err(|e| AppError::Failure(e.into()))?;

    let out_dir = options
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(&scenario.name));
    let report =
        ReportDir::create(&out_dir).map_err(|e| failure(&out_dir.display().to_string(), e))?;
    let write = |name: &str, bytes: &[u8]| {
        report
            .write(name, bytes)
            .map_err(|e| failure(&report.file(name).display().to_string(), e))
    };
    let strats = tape::strats::stratify(&prepared.receivables_eligible(), |r| {
        receivable_pd(r).unwrap_or(f64::NAN)
    });
    tape::strats::write_strats(&report.file("pool_strats.csv"), &strats)
        .map_err(|e| failure("pool_strats.csv", e))?;
    write(
        "deterministic_pool.csv",
        &det_report::pool_csv(&deterministic).map_err(|e| failure("deterministic_pool.csv", e))?,
    )?;
    write(
        "deterministic_tranches.csv",
        &det_report::tranches_csv(&deterministic, &scenario.deal)
            .map_err(|e| failure("deterministic_tranches.csv", e))?,
    )?;

    let (inputs_digest, inputs) = prepared.digest.clone().finish();
    let manifest = Manifest {
        tool: TOOL_NAME.into(),
        version: TOOL_VERSION.into(),
        scenario: scenario.name.clone(),
        inputs_digest,
        inputs,
        seed: scenario.simulation.seed,
        paths: scenario.simulation.paths,
    };
    let summary = summary_json(&prepared, &manifest, &deterministic);
    let mut summary_bytes =
        serde_json::to_vec_pretty(&summary).map_err(|e| failure("summary.json", e))?;
    summary_bytes.push(b'\n');
    write("summary.json", &summary_bytes)?;
    let out_dir = report
        .commit()
        .map_err(|e| failure(&out_dir.display().to_string(), e))?;

    Ok(RunResult {
        terminal_summary: terminal_summary(&prepared, &deterministic, &out_dir),
        out_dir,
        warnings: prepared.warnings.clone(),
    })
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

fn summary_json(
    prepared: &Prepared,
    manifest: &Manifest,
    run: &DeterministicRun,
) -> serde_json::Value {
    let scenario = &prepared.scenario;
    let pool = &prepared.pool;
    let triggers: Vec<_> = scenario
        .deal
        .triggers
        .iter()
        .zip(&run.outcome.trigger_breach_month)
        .map(|(t, month)| json!({ "trigger": t.label(), "breach_month": month }))
        .collect();
    json!({
        "manifest": manifest,
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "file": scenario.file.as_ref().map(|f| f.display().to_string()),
            "rating_table": scenario.deal.rating_table.source,
        },
        "pool": {
            "receivables": pool.assets.len(),
            "closing_balance": round_cents(pool.closing_balance),
            "scale_factor": pool.scale,
            "weighted_pd_12m": pool.weighted_pd(),
            "ineligible_receivables": pool.ineligible_count,
            "ineligible_balance_before_scaling": round_cents(pool.ineligible_balance),
        },
        "deterministic": {
            "cdr_override": scenario.deterministic.cdr.is_some(),
            "cpr_override": scenario.deterministic.cpr.is_some(),
            "cumulative_defaults": round_cents(run.outcome.cumulative_defaults),
            "cumulative_recoveries": round_cents(run.outcome.cumulative_recoveries),
            "cumulative_purchases": round_cents(run.outcome.cumulative_purchases),
            "cumulative_net_loss_share": (run.outcome.cumulative_defaults - run.outcome.cumulative_recoveries)
                / (pool.closing_balance + run.outcome.cumulative_purchases),
            "reserve_funding_at_closing": round_cents(run.outcome.reserve_funding),
            "last_revolving_month": run.outcome.last_revolving_month,
            "call_month": run.outcome.call_month,
            "triggers": triggers,
            "tranches": run.summaries,
        },
        "warnings": prepared.warnings,
    })
}

fn round_cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// A CNY amount with thousands separators and no decimals: `800,000,000`.
pub fn thousands(amount: f64) -> String {
    let rounded = amount.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{:.2}%", 100.0 * v))
}

fn terminal_summary(prepared: &Prepared, run: &DeterministicRun, out_dir: &Path) -> String {
    let scenario = &prepared.scenario;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Scenario {}: {} receivables, closing balance {} CNY, weighted 12-month PD {:.2}%",
        scenario.name,
        prepared.pool.assets.len(),
        thousands(prepared.pool.closing_balance),
        100.0 * prepared.pool.weighted_pd()
    );
    let _ = writeln!(
        text,
        "Deterministic run: cumulative defaults {} CNY, purchases {} CNY, revolving until month {}{}",
        thousands(run.outcome.cumulative_defaults),
        thousands(run.outcome.cumulative_purchases),
        run.outcome.last_revolving_month,
        run.outcome
            .call_month
            .map_or_else(String::new, |m| format!(", clean-up call in month {m}"))
    );
    let _ = writeln!(
        text,
        "{:<10} {:>16} {:>16} {:>9} {:>9} {:>9}",
        "tranche", "balance CNY", "loss CNY", "loss", "WAL y", "yield"
    );
    for s in &run.summaries {
        let _ = writeln!(
            text,
            "{:<10} {:>16} {:>16} {:>9} {:>9} {:>9}",
            s.tranche,
            thousands(s.original_balance),
            thousands(s.principal_loss),
            percent(Some(s.loss_share)),
            s.wal_years
                .map_or_else(|| "-".into(), |w| format!("{w:.2}")),
            percent(s.annual_yield)
        );
    }
    let _ = write!(text, "Report: {}", out_dir.display());
    text
}

/// `gen-tape`: a synthetic tape written atomically.
pub fn gen_tape(receivables: usize, seed: u64, out: &Path) -> Result<usize, AppError> {
    if receivables == 0 {
        return Err(AppError::Input("--receivables: must be at least 1".into()));
    }
    let tape = tape::synthetic::generate(receivables, seed);
    tape::write_tape(out, &tape).map_err(|e| failure(&out.display().to_string(), e))?;
    Ok(tape.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(800_000_000.0), "800,000,000");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(-1234.0), "-1,234");
        assert_eq!(thousands(0.0), "0");
    }
}
