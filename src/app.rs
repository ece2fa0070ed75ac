//! The jobs the command line runs, each reading top to bottom like the pipeline it is:
//! scenario → tape → pool → deterministic run → report. Errors are split into bad input
//! (exit code 2, one line per problem) and everything else (exit code 1).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use indicatif::{ProgressBar, ProgressStyle};

use crate::metrics::distribution::quantile_path;
use crate::metrics::montecarlo::{MonteCarloSummary, summarize};
use crate::metrics::{DeterministicRun, run_deterministic};
use crate::montecarlo::{MonteCarloRun, MonteCarloSettings, replay_path, run_monte_carlo};
use crate::report::manifest::{InputDigest, Manifest, TOOL_NAME, TOOL_VERSION};
use crate::report::montecarlo as mc_report;
use crate::report::{ReportDir, deterministic as det_report};
use crate::scenario::{self, PoolSource, Scenario};
use crate::sim::Pool;
use crate::sim::montecarlo::StochasticPool;
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
    let monte_carlo = run_monte_carlo_stage(&prepared, options.quiet)?;

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

    let deal = &scenario.deal;
    let mc = &monte_carlo;
    let csv_files: [(&str, Result<Vec<u8>, csv::Error>); 7] = [
        ("tranches.csv", mc_report::tranches_csv(&mc.summary)),
        (
            "path_results.csv",
            mc_report::path_results_csv(&mc.run, deal),
        ),
        (
            "pool_loss_distribution.csv",
            mc_report::pool_loss_distribution_csv(&mc.run),
        ),
        ("triggers.csv", mc_report::triggers_csv(&mc.summary)),
        (
            "pool_balance_bands.csv",
            mc_report::balance_bands_csv(
                &mc.summary,
                &deterministic
                    .pool
                    .iter()
                    .map(|p| p.end_balance)
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "expected_cashflows.csv",
            mc_report::expected_cashflows_csv(&mc.run, deal),
        ),
        (
            "paths_detail.csv",
            mc_report::paths_detail_csv(deal, &mc.details),
        ),
    ];
    for (name, bytes) in csv_files {
        write(name, &bytes.map_err(|e| failure(name, e))?)?;
    }

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
    let summary = summary_json(&prepared, &manifest, &deterministic, &monte_carlo);
    let mut summary_bytes =
        serde_json::to_vec_pretty(&summary).map_err(|e| failure("summary.json", e))?;
    summary_bytes.push(b'\n');
    write("summary.json", &summary_bytes)?;
    let out_dir = report
        .commit()
        .map_err(|e| failure(&out_dir.display().to_string(), e))?;

    Ok(RunResult {
        terminal_summary: terminal_summary(&prepared, &deterministic, &monte_carlo, &out_dir),
        out_dir,
        warnings: prepared.warnings.clone(),
    })
}

/// The Monte Carlo stage's results.
pub struct MonteCarloStage {
    pub run: MonteCarloRun,
    pub summary: MonteCarloSummary,
    /// Replays of the median, 99th-percentile and worst pool-loss paths.
    pub details: Vec<mc_report::PathDetail>,
    pub seconds: f64,
}

/// Runs the scenario's paths with a progress bar (hidden with `--quiet` or off a terminal),
/// summarises them and replays the named paths.
pub fn run_monte_carlo_stage(
    prepared: &Prepared,
    quiet: bool,
) -> Result<MonteCarloStage, AppError> {
    let scenario = &prepared.scenario;
    let deal = &scenario.deal;
    let model = StochasticPool::new(
        &prepared.pool,
        &scenario.assumptions,
        deal.horizon_months,
        deal.revolving_months,
    );
    let settings = MonteCarloSettings {
        paths: scenario.simulation.paths,
        seed: scenario.simulation.seed,
        importance_sampling: scenario.simulation.importance_sampling,
    };
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(settings.paths as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "Monte Carlo {bar:40} {pos}/{len} paths, {elapsed} elapsed, about {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let run = run_monte_carlo(&model, deal, &settings, |done| {
        bar.set_position(done as u64)
    })
    .map_err(|e| AppError::Failure(e.into()))?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let summary = summarize(&run, deal);

    let weights = run.weights();
    let losses: Vec<f64> = run.paths.iter().map(|p| p.pool_net_loss).collect();
    let worst = (0..losses.len())
        .max_by(|&a, &b| losses[a].total_cmp(&losses[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    let named = [
        ("median_pool_loss", quantile_path(&losses, &weights, 0.5)),
        ("p99_pool_loss", quantile_path(&losses, &weights, 0.99)),
        ("worst_pool_loss", worst),
    ];
    let mut details = Vec::new();
    for (label, index) in named {
        let path = &run.paths[index];
        let mut rows = Vec::new();
        replay_path(
            &model,
            deal,
            settings.seed,
            path.path,
            &run.sampling,
            |report| rows.push(mc_report::path_detail_row(report)),
        )
        .map_err(|e| AppError::Failure(e.into()))?;
        details.push(mc_report::PathDetail {
            label: label.into(),
            path: path.path,
            weight: weights[index],
            pool_net_loss: path.pool_net_loss,
            rows,
        });
    }
    Ok(MonteCarloStage {
        run,
        summary,
        details,
        seconds,
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
    monte_carlo: &MonteCarloStage,
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
        "monte_carlo": monte_carlo.summary,
        "named_paths": monte_carlo.details.iter().map(|d| json!({
            "label": d.label, "path": d.path, "weight": d.weight, "pool_net_loss": d.pool_net_loss,
        })).collect::<Vec<_>>(),
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

fn terminal_summary(
    prepared: &Prepared,
    run: &DeterministicRun,
    monte_carlo: &MonteCarloStage,
    out_dir: &Path,
) -> String {
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
    let mc = &monte_carlo.summary;
    let _ = writeln!(
        text,
        "Monte Carlo: {} paths{} in {:.1} s ({:.0} M receivable-lives/s); pool net loss EL {:.3}% ± {:.3}%, VaR 99% {:.2}%, ES 99% {:.2}%",
        mc.paths,
        if mc.importance_sampling {
            " (importance-sampled factor)"
        } else {
            ""
        },
        monte_carlo.seconds,
        mc.receivable_lives as f64 / monte_carlo.seconds.max(1e-9) / 1e6,
        100.0 * mc.pool_net_loss.mean,
        100.0 * mc.pool_net_loss.standard_error,
        100.0 * mc.pool_net_loss.var[1],
        100.0 * mc.pool_net_loss.es[1],
    );
    let _ = writeln!(
        text,
        "{:<8} {:>15} {:>22} {:>10} {:>8} {:>8} {:>6} {:>7} {:>13}",
        "tranche", "amount CNY", "EL ± se", "PD", "VaR99", "ES99", "WAL", "yield", "rating/target"
    );
    for t in &mc.tranches {
        let _ = writeln!(
            text,
            "{:<8} {:>15} {:>22} {:>10.3e} {:>8} {:>8} {:>6} {:>7} {:>13}",
            t.tranche,
            thousands(t.amount),
            format!("{:.2e} ± {:.1e}", t.loss.mean, t.loss.standard_error),
            t.loss.probability_of_loss,
            percent(Some(t.loss.var[1])),
            percent(Some(t.loss.es[1])),
            t.wal_years
                .map_or_else(|| "-".into(), |w| format!("{w:.2}")),
            percent(t.annual_yield),
            format!(
                "{}/{}",
                t.implied_rating.as_deref().unwrap_or("<B3"),
                t.target_rating.as_deref().unwrap_or("-")
            ),
        );
    }
    for t in &mc.triggers {
        let _ = writeln!(
            text,
            "trigger {}: breach probability {:.2e}",
            t.trigger, t.probability
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
