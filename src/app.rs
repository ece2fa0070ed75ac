//! The jobs the command line runs, each reading top to bottom like the pipeline it is:
//! scenario → tape → pool → deterministic run → report. Errors are split into bad input
//! (exit code 2, one line per problem) and everything else (exit code 1).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use indicatif::{ProgressBar, ProgressStyle};

use crate::credit;
use crate::engine::{MonteCarloRun, MonteCarloSettings, replay_path, run_monte_carlo_logged};
use crate::metrics::distribution::quantile_path;
use crate::metrics::montecarlo::{MonteCarloSummary, summarize};
use crate::metrics::{DeterministicRun, run_deterministic};
use crate::report::format::{funding_position, funding_position_text, funding_surplus};
use crate::report::manifest::{InputDigest, Manifest, TOOL_NAME, TOOL_VERSION};
use crate::report::montecarlo as mc_report;
use crate::report::sizing as sizing_report;
use crate::report::{OutputError, ReportDir, ReportKind, deterministic as det_report};
use crate::scenario::{self, PoolSource, Scenario};
use crate::sim::Pool;
use crate::sim::montecarlo::StochasticPool;
use crate::sim::pool::receivable_pd;
use crate::sizing::breakeven::{Breakeven, breakevens};
use crate::sizing::frontier::{
    Frontier, FrontierError, FrontierInputs, FrontierPoint, Grid, Recommendation, Shortfall,
    TargetKind, default_cutoffs, grid_policy, run_frontier,
};
use crate::sizing::{SizingPaths, SizingResult, size_deal};
use crate::tape::{self, Receivable};
use crate::units::stressed_pd;

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

/// A `--paths` override, checked: at least one path.
fn paths_option(paths: Option<usize>) -> Result<Option<usize>, AppError> {
    match paths {
        Some(0) => Err(AppError::Input("--paths: must be at least 1".into())),
        other => Ok(other),
    }
}

/// `run`: the pipeline on a scenario, written atomically into its report folder.
pub fn run(options: &RunOptions) -> Result<RunResult, AppError> {
    let mut prepared = prepare(&options.scenario)?;
    if let Some(paths) = paths_option(options.paths)? {
        prepared.scenario.simulation.paths = paths;
    }
    if let Some(seed) = options.seed {
        prepared.scenario.simulation.seed = seed;
    }
    let scenario = &prepared.scenario;
    // the destination is checked, locked and found writable before any work (SPEC §8)
    let out_dir = options
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(&scenario.name));
    let report = ReportDir::create(&out_dir, ReportKind::Run).map_err(output_error)?;
    let deterministic = run_deterministic(
        &prepared.pool,
        &scenario.assumptions,
        &scenario.deterministic,
        &scenario.deal,
    )
    .map_err(|e| AppError::Failure(e.into()))?;
    let breakevens = breakevens(&prepared.pool, &scenario.assumptions, &scenario.deal)
        .map_err(|e| AppError::Failure(e.into()))?;
    let monte_carlo = run_monte_carlo_stage(&prepared, options.quiet)?;

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
    let csv_files: [(&str, Result<Vec<u8>, csv::Error>); 8] = [
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
        ("breakevens.csv", breakevens_csv(&breakevens)),
    ];
    let sizing_files = mc.sizing.as_ref().map(|stage| {
        [
            ("sizing.csv", sizing_report::sizing_csv(&stage.result)),
            (
                "sizing_curve.csv",
                sizing_report::sizing_curve_csv(&stage.result),
            ),
        ]
    });
    for (name, bytes) in sizing_files.into_iter().flatten() {
        write(name, &bytes.map_err(|e| failure(name, e))?)?;
    }
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
    let summary = summary_json(
        &prepared,
        &manifest,
        &deterministic,
        &breakevens,
        &monte_carlo,
    );
    let mut summary_bytes =
        serde_json::to_vec_pretty(&summary).map_err(|e| failure("summary.json", e))?;
    summary_bytes.push(b'\n');
    write("summary.json", &summary_bytes)?;
    // charts and report.html, drawn from the files just written (SPEC §8); the page's
    // "reproduce with" names the folder when `--out` chose it (the default needs no flag)
    match &options.out {
        Some(out) => crate::report::render_charts_and_html_as(report.path(), out),
        None => crate::report::render_charts_and_html(report.path()),
    }
    .map_err(|e| failure("charts and report.html", e))?;
    let out_dir = report.commit().map_err(output_error)?;

    Ok(RunResult {
        terminal_summary: terminal_summary(
            &prepared,
            &deterministic,
            &breakevens,
            &monte_carlo,
            &out_dir,
        ),
        out_dir,
        warnings: prepared.warnings.clone(),
    })
}

/// `breakevens.csv`: each tranche's breakeven PD multiple (empty = no loss up to the
/// largest multiple searched).
fn breakevens_csv(breakevens: &[Breakeven]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["tranche", "breakeven_pd_multiple"])?;
    for b in breakevens {
        out.write_record([
            b.tranche.clone(),
            b.pd_multiple.map(|m| format!("{m:.6}")).unwrap_or_default(),
        ])?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// The Monte Carlo stage's results.
pub struct MonteCarloStage {
    pub run: MonteCarloRun,
    pub summary: MonteCarloSummary,
    /// Replays of the median, 99th-percentile and worst pool-loss paths.
    pub details: Vec<mc_report::PathDetail>,
    pub seconds: f64,
    /// Present when a tranche has a target rating.
    pub sizing: Option<SizingStage>,
}

/// Sizing on the Monte Carlo stage's paths (SPEC §7.1).
pub struct SizingStage {
    pub result: SizingResult,
    pub seconds: f64,
}

/// The treasury view: funding capacity against the funding need of `[targets]`.
pub fn treasury_json(
    sizing: Option<&SizingResult>,
    funding_need: Option<f64>,
) -> serde_json::Value {
    let capacity = sizing.map(|s| s.funding_capacity);
    let mut treasury = json!({
        "funding_capacity": capacity.map(round_cents),
        "advance_rate": sizing.map(|s| s.advance_rate),
        "funding_need": funding_need.map(round_cents),
    });
    add_funding_position(&mut treasury, capacity, funding_need);
    treasury
}

/// What `sign_convention` says in every `treasury` object.
pub const FUNDING_SIGN_CONVENTION: &str =
    "surplus = funding_capacity − funding_need (CNY): positive is a surplus, negative a shortfall";

/// Adds the funding position to a `treasury` object, in the one sign convention of
/// [`funding_surplus`]: `surplus` (capacity − need), `position` (`surplus` or `shortfall`),
/// `gap` (the same number under its earlier name), `sign_convention` and
/// `meets_funding_need`; `null` without a need.
fn add_funding_position(
    treasury: &mut serde_json::Value,
    capacity: Option<f64>,
    need: Option<f64>,
) {
    let surplus = capacity.zip(need).map(|(c, n)| funding_surplus(c, n));
    if let Some(object) = treasury.as_object_mut() {
        for (key, value) in [
            ("surplus", json!(surplus.map(round_cents))),
            ("position", json!(surplus.map(funding_position))),
            ("gap", json!(surplus.map(round_cents))),
            ("sign_convention", json!(FUNDING_SIGN_CONVENTION)),
            ("meets_funding_need", json!(surplus.map(|s| s >= 0.0))),
        ] {
            object.insert(key.to_string(), value);
        }
    }
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
    // sizing replays the run's own paths: log them when any tranche has a target
    let sizes = deal.tranches.iter().any(|t| t.target_rating.is_some());
    let (run, logs) = run_monte_carlo_logged(&model, deal, &settings, sizes, |done| {
        bar.set_position(done as u64)
    })
    .map_err(|e| AppError::Failure(e.into()))?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let summary = summarize(&run, deal);
    let sizing = if sizes {
        let started = std::time::Instant::now();
        let paths = SizingPaths::from_run(&model, &run, logs);
        let result = size_deal(&paths, deal).map_err(|e| AppError::Failure(e.into()))?;
        Some(SizingStage {
            result,
            seconds: started.elapsed().as_secs_f64(),
        })
    } else {
        None
    };

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
        sizing,
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
    breakevens: &[Breakeven],
    monte_carlo: &MonteCarloStage,
) -> serde_json::Value {
    let scenario = &prepared.scenario;
    let pool = &prepared.pool;
    let triggers: Vec<_> = scenario
        .deal
        .triggers
        .iter()
        .zip(&run.outcome.trigger_breach_month)
        .map(|(t, month)| {
            json!({
                "trigger": t.label(),
                "breach_month": month,
                "breached_within_revolving_period": month.is_some_and(|m| m <= scenario.deal.revolving_months),
            })
        })
        .collect();
    let mut summary = json!({
        "manifest": manifest,
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "file": scenario.file.as_ref().map(|f| f.display().to_string()),
            "rating_table": scenario.deal.rating_table.source,
        },
        "terms": crate::report::terms::scenario_terms(scenario),
        "pool": {
            "receivables": pool.assets.len(),
            "closing_balance": round_cents(pool.closing_balance),
            "scale_factor": pool.scale,
            "weighted_pd_12m": pool.weighted_pd(),
            "pd_multiplier": scenario.assumptions.pd_multiplier,
            "weighted_pd_12m_stressed": weighted_stressed_pd(pool, scenario.assumptions.pd_multiplier),
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
        "breakevens": breakevens,
        "monte_carlo": monte_carlo.summary,
        "sizing": monte_carlo.sizing.as_ref().map(|stage| json!({
            "funding_capacity": round_cents(stage.result.funding_capacity),
            "advance_rate": stage.result.advance_rate,
            "share_tolerance": stage.result.share_tolerance,
            "evaluations": stage.result.evaluations,
            "rounds": stage.result.rounds,
            "differing_paths": stage.result.differing_paths,
            "tranches": stage.result.tranches,
        })),
        "treasury": treasury_json(
            monte_carlo.sizing.as_ref().map(|s| &s.result),
            scenario.targets.funding_need,
        ),
        "named_paths": monte_carlo.details.iter().map(|d| json!({
            "label": d.label, "path": d.path, "weight": d.weight, "pool_net_loss": d.pool_net_loss,
        })).collect::<Vec<_>>(),
        "path_results": path_results_json(monte_carlo.summary.importance_sampling),
        "warnings": prepared.warnings,
    });
    // money is rounded to cents when written (SPEC), in the engine's structs too
    for (pointer, keys) in [
        (
            "/deterministic/tranches",
            &[
                "original_balance",
                "principal_paid",
                "interest_paid",
                "residual_received",
                "principal_loss",
                "interest_shortfall",
            ][..],
        ),
        (
            "/monte_carlo/tranches",
            &["amount", "expected_interest_shortfall"],
        ),
        (
            "/monte_carlo/balance_bands",
            &["mean", "p5", "p25", "p50", "p75", "p95"],
        ),
        ("/sizing/tranches", &["amount"]),
    ] {
        if let Some(value) = summary.pointer_mut(pointer) {
            round_money_fields(value, keys);
        }
    }
    summary
}

/// How to read `path_results.csv`: whether its paths were importance-sampled (unequal
/// weights) and how to average them, for a reader who opens the file without the report.
fn path_results_json(importance_sampling: bool) -> serde_json::Value {
    json!({
        "file": "path_results.csv",
        "importance_sampling": importance_sampling,
        "weights": if importance_sampling {
            "unequal: the paths over-sample bad economies and each carries its likelihood ratio, normalised to sum to 1; an unweighted mean of a column is wrong"
        } else {
            "equal: 1 / paths each"
        },
        "weighted_mean": "sum of weight × value over the rows; pandas: (df.loss_A * df.weight).sum()",
    })
}

/// Rounds the named money fields (CNY) of an object, or of every object of an array, to
/// cents: money is rounded to cents when written (SPEC); shares and rates keep their digits.
fn round_money_fields(value: &mut serde_json::Value, keys: &[&str]) {
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                round_money_fields(item, keys);
            }
        }
        serde_json::Value::Object(object) => {
            for key in keys {
                if let Some(amount) = object.get(*key).and_then(serde_json::Value::as_f64) {
                    object.insert((*key).to_string(), json!(round_cents(amount)));
                }
            }
        }
        _ => {}
    }
}

/// Balance-weighted 12-month PD of the closing pool after `pd_multiplier`, each PD capped as
/// the model caps it: the PD the simulation and the deterministic run use (the tape's is
/// [`Pool::weighted_pd`]).
///
/// # Formula
/// Σᵢ balanceᵢ × min(pdᵢ × multiplier, 0.999) ÷ Σᵢ balanceᵢ
pub fn weighted_stressed_pd(pool: &Pool, pd_multiplier: f64) -> f64 {
    pool.assets
        .iter()
        .map(|a| a.balance * stressed_pd(a.pd_12m, pd_multiplier))
        .sum::<f64>()
        / pool.closing_balance
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
    breakevens: &[Breakeven],
    monte_carlo: &MonteCarloStage,
    out_dir: &Path,
) -> String {
    let scenario = &prepared.scenario;
    let mut text = String::new();
    let multiplier = scenario.assumptions.pd_multiplier;
    let _ = writeln!(
        text,
        "Scenario {}: {} receivables, closing balance {} CNY, weighted 12-month PD: tape {:.2}%, stressed {:.2}% (× PD multiplier {multiplier}, used by the model)",
        scenario.name,
        prepared.pool.assets.len(),
        thousands(prepared.pool.closing_balance),
        100.0 * prepared.pool.weighted_pd(),
        100.0 * weighted_stressed_pd(&prepared.pool, multiplier)
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
    let quoted: Vec<String> = breakevens
        .iter()
        .map(|b| match b.pd_multiple {
            Some(m) => format!("{} {m:.2}x", b.tranche),
            None => format!("{} never", b.tranche),
        })
        .collect();
    let _ = writeln!(
        text,
        "Breakeven PD multiple (first principal loss, deterministic run): {}",
        quoted.join(", ")
    );
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
            if t.rated {
                format!(
                    "{}/{}",
                    t.implied_rating.as_deref().unwrap_or("below scale"),
                    t.target_rating.as_deref().unwrap_or("-")
                )
            } else {
                "not rated".to_string()
            },
        );
    }
    for t in &mc.triggers {
        let _ = writeln!(
            text,
            "trigger {}: breach probability {:.2e} within the revolving period, {:.2e} by the legal final",
            t.trigger, t.probability_within_revolving_period, t.probability_by_legal_final
        );
    }
    if let Some(stage) = &monte_carlo.sizing {
        let sizing = &stage.result;
        let _ = writeln!(
            text,
            "Sizing on the same paths ({} candidates in {:.1} s, shares to {:.2}% of the pool):",
            sizing.evaluations,
            stage.seconds,
            100.0 * sizing.share_tolerance
        );
        let _ = writeln!(
            text,
            "{:<8} {:>8} {:>8} {:>15} {:>8} {:>22} {:>10} {:>6}",
            "tranche", "target", "share", "amount CNY", "CE", "EL ± se", "target EL", "WAL"
        );
        for t in &sizing.tranches {
            let _ = writeln!(
                text,
                "{:<8} {:>8} {:>8} {:>15} {:>8} {:>22} {:>10} {:>6}{}",
                t.tranche,
                t.target_rating.as_deref().unwrap_or("-"),
                percent(Some(t.share)),
                thousands(t.amount),
                percent(Some(t.credit_enhancement.max(0.0))),
                format!("{:.2e} ± {:.1e}", t.el, t.el_se),
                t.target_el
                    .map_or_else(|| "-".into(), |e| format!("{e:.2e}")),
                t.wal.map_or_else(|| "-".into(), |w| format!("{w:.2}")),
                if t.feasible {
                    ""
                } else {
                    "  target not met at any size"
                }
            );
        }
        let need = scenario.targets.funding_need;
        let _ = writeln!(
            text,
            "Treasury: funding capacity {} CNY (advance rate {}){}",
            thousands(sizing.funding_capacity),
            percent(Some(sizing.advance_rate)),
            need.map_or_else(String::new, |n| {
                format!(
                    "; funding need {} CNY: {}",
                    thousands(n),
                    funding_position_text(funding_surplus(sizing.funding_capacity, n))
                )
            })
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

/// `gen-applicants`: a synthetic applicant population written atomically.
pub fn gen_applicants(
    applicants: usize,
    seed: u64,
    with_outcomes: bool,
    out: &Path,
) -> Result<usize, AppError> {
    if applicants == 0 {
        return Err(AppError::Input("--applicants: must be at least 1".into()));
    }
    let population = credit::generate_applicants(applicants, seed, with_outcomes);
    credit::write_applicants(out, &population)
        .map_err(|e| failure(&out.display().to_string(), e))?;
    Ok(population.len())
}

/// The model and policy a command uses: the files given, else the built-in ones.
fn load_model_and_policy(
    model: Option<&Path>,
    policy: Option<&Path>,
) -> Result<(credit::Scorecard, credit::Policy), AppError> {
    // an unreadable file named on the command line is the user's to fix, like a bad one;
    // both files are read so that the problems of both are reported at once
    let scorecard = model.map_or_else(
        || Ok(credit::Scorecard::built_in()),
        credit::Scorecard::read,
    );
    let policy = policy.map_or_else(|| Ok(credit::Policy::built_in()), credit::Policy::read);
    match (scorecard, policy) {
        (Ok(scorecard), Ok(policy)) => Ok((scorecard, policy)),
        (scorecard, policy) => Err(AppError::Input(
            [scorecard.err(), policy.err()]
                .into_iter()
                .flatten()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        )),
    }
}

fn applicant_error(error: credit::ApplicantError) -> AppError {
    // a missing or unreadable input file is the user's to fix, like bad rows
    if error.is_bad_input() || matches!(error, credit::ApplicantError::Io { .. }) {
        AppError::Input(error.to_string())
    } else {
        AppError::Failure(anyhow::anyhow!(error.to_string()))
    }
}

/// `decide`: decisions with reasons and limits for every applicant of a file.
pub fn decide(
    applicants: &Path,
    model: Option<&Path>,
    policy: Option<&Path>,
    out: &Path,
) -> Result<credit::DecisionSummary, AppError> {
    let (scorecard, policy) = load_model_and_policy(model, policy)?;
    credit::decide_file(applicants, &scorecard, &policy, out).map_err(applicant_error)
}

/// Score bands of the calibration table written by `fit`.
pub const CALIBRATION_BANDS: [f64; 9] = [
    520.0, 550.0, 570.0, 590.0, 610.0, 630.0, 650.0, 680.0, 720.0,
];

/// Share of the history held out to measure the fitted model.
pub const HOLDOUT_SHARE: f64 = 0.3;

/// Seed of the hold-out split (fixed, so a refit on the same file splits the same way).
pub const HOLDOUT_SEED: u64 = 20_151_024;

/// What `fit` found, for the terminal.
pub struct FitReport {
    pub model_path: PathBuf,
    pub calibration_path: PathBuf,
    pub text: String,
    pub warnings: Vec<String>,
}

/// `fit`: maximum-likelihood fit of the scorecard's features on a labelled history; writes
/// the model and, beside it, its calibration table on the hold-out share.
pub fn fit(history: &Path, out: &Path) -> Result<FitReport, AppError> {
    use credit::fit::{FitOptions, fit_logistic};
    use credit::performance::{calibration_table, discrimination, holdout_split};

    let file = credit::read_applicants(history).map_err(applicant_error)?;
    let label = history.display().to_string();
    let features = credit::Scorecard::built_in().features();
    let names: Vec<String> = features.iter().map(|f| f.name().to_string()).collect();
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    let mut missing_outcome = Vec::new();
    let mut missing_count = 0usize;
    let mut unscored = 0usize;
    for (index, applicant) in file.applicants.iter().enumerate() {
        let Some(defaulted) = applicant.defaulted_12m else {
            missing_count += 1;
            if missing_outcome.len() < 10 {
                missing_outcome.push(format!(
                    "{label}:{}: column `defaulted_12m`: empty; a history file needs the outcome of every applicant",
                    index + 2
                ));
            }
            continue;
        };
        match credit::Feature::design_row(&features, applicant) {
            Some(row) => {
                rows.push(row);
                outcomes.push(defaulted);
            }
            None => unscored += 1,
        }
    }
    if missing_count == file.applicants.len() {
        return Err(AppError::Input(format!(
            "{label}: no `defaulted_12m` outcomes: `fit` needs a history file (e.g. `gen-applicants --with-outcomes`)"
        )));
    }
    if !missing_outcome.is_empty() {
        if missing_count > missing_outcome.len() {
            missing_outcome.push(format!(
                "... and {} more rows without `defaulted_12m`",
                missing_count - missing_outcome.len()
            ));
        }
        return Err(AppError::Input(missing_outcome.join("\n")));
    }
    let split = holdout_split(rows.len(), HOLDOUT_SHARE, HOLDOUT_SEED)
        .map_err(|e| AppError::Input(format!("{label}: {e}")))?;
    let take = |indices: &[usize]| -> (Vec<f64>, Vec<bool>) {
        let mut flat = Vec::with_capacity(indices.len() * features.len());
        let mut y = Vec::with_capacity(indices.len());
        for &i in indices {
            flat.extend_from_slice(&rows[i]);
            y.push(outcomes[i]);
        }
        (flat, y)
    };
    let (train_rows, train_y) = take(&split.train);
    let fitted = fit_logistic(&train_rows, &train_y, &names, FitOptions::default())
        .map_err(|e| AppError::Input(format!("{label}: {e}")))?;
    let k = features.len();
    let means: Vec<f64> = (0..k)
        .map(|j| split.train.iter().map(|&i| rows[i][j]).sum::<f64>() / split.train.len() as f64)
        .collect();
    let mut scorecard = credit::Scorecard::new(
        fitted.intercept,
        features
            .iter()
            .copied()
            .zip(fitted.coefficients.iter().copied())
            .collect(),
        means,
    )
    .map_err(|problems| {
        AppError::Input(format!(
            "{label}: the fitted model is not usable: {}",
            problems.join("; ")
        ))
    })?;
    scorecard.standard_errors = fitted.standard_errors[1..]
        .iter()
        .map(|&se| Some(se))
        .collect();

    let evaluate = |indices: &[usize]| {
        let pd: Vec<f64> = indices
            .iter()
            .map(|&i| fitted.probability(&rows[i]))
            .collect();
        let y: Vec<bool> = indices.iter().map(|&i| outcomes[i]).collect();
        (pd, y)
    };
    let (train_pd, train_outcomes) = evaluate(&split.train);
    let (test_pd, test_outcomes) = evaluate(&split.test);
    let train_metrics = discrimination(&train_pd, &train_outcomes)
        .map_err(|e| AppError::Input(format!("{label}: {e}")))?;
    let test_metrics = discrimination(&test_pd, &test_outcomes)
        .map_err(|e| AppError::Input(format!("{label}: {e}")))?;
    let test_scores: Vec<f64> = test_pd
        .iter()
        .map(|&p| crate::units::score_from_pd(p))
        .collect();
    let calibration = calibration_table(&test_pd, &test_outcomes, &test_scores, &CALIBRATION_BANDS)
        .map_err(|e| AppError::Input(format!("{label}: {e}")))?;
    let calibration_path = out.with_file_name(format!(
        "{}_calibration.csv",
        out.file_stem()
            .map_or("model".into(), |s| s.to_string_lossy().into_owned())
    ));
    let mut csv_out = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| failure(&calibration_path.display().to_string(), e);
    csv_out
        .write_record([
            "score_from",
            "score_to",
            "count",
            "defaults",
            "mean_predicted_pd",
            "observed_default_rate",
            "observed_lower_95",
            "observed_upper_95",
            "predicted_within_interval",
        ])
        .map_err(write_err)?;
    for band in &calibration {
        csv_out
            .write_record([
                band.score_from.to_string(),
                band.score_to.to_string(),
                band.count.to_string(),
                band.defaults.to_string(),
                format!("{:.6}", band.mean_predicted_pd),
                format!("{:.6}", band.observed_default_rate),
                format!("{:.6}", band.interval.lower),
                format!("{:.6}", band.interval.upper),
                band.predicted_within_interval.to_string(),
            ])
            .map_err(write_err)?;
    }
    let bytes = csv_out
        .into_inner()
        .map_err(|e| failure(&calibration_path.display().to_string(), e.into_error()))?;
    // the model and its calibration table appear together or not at all
    let model_text = scorecard.to_toml();
    crate::files::write_all_or_nothing(&[
        (out, model_text.as_bytes()),
        (&calibration_path, &bytes),
    ])
    .map_err(|(path, e)| failure(&path.display().to_string(), e))?;

    let mut text = String::new();
    let _ = writeln!(
        text,
        "{label}: fitted on {} applicants ({} defaults), {} held out; {} without an external score left out; {} iterations",
        split.train.len(),
        train_y.iter().filter(|&&d| d).count(),
        split.test.len(),
        unscored,
        fitted.iterations
    );
    let _ = writeln!(
        text,
        "{:<22} {:>10} {:>10} {:>8}",
        "feature", "beta", "std err", "z"
    );
    let _ = writeln!(
        text,
        "{:<22} {:>10.4} {:>10.4} {:>8.2}",
        "intercept",
        fitted.intercept,
        fitted.standard_errors[0],
        fitted.intercept / fitted.standard_errors[0]
    );
    for (j, name) in names.iter().enumerate() {
        let (beta, se) = (fitted.coefficients[j], fitted.standard_errors[j + 1]);
        let _ = writeln!(
            text,
            "{name:<22} {beta:>10.4} {se:>10.4} {:>8.2}",
            beta / se
        );
    }
    let _ = writeln!(
        text,
        "AUC {:.4}  KS {:.4}  Gini {:.4} (hold-out);  AUC {:.4}  KS {:.4}  Gini {:.4} (training)",
        test_metrics.auc,
        test_metrics.ks,
        test_metrics.gini,
        train_metrics.auc,
        train_metrics.ks,
        train_metrics.gini
    );
    let outside = calibration
        .iter()
        .filter(|b| !b.predicted_within_interval)
        .count();
    let _ = write!(
        text,
        "calibration: {} of {} score bands have the predicted PD inside the 95 % interval of the observed rate ({})",
        calibration.len() - outside,
        calibration.len(),
        calibration_path.display()
    );
    Ok(FitReport {
        model_path: out.to_path_buf(),
        calibration_path,
        text,
        warnings: file.warnings,
    })
}

/// `gen-tape --from-applicants`: decides on the applicants and originates one receivable per
/// approval, in the product, term and fee mix of the synthetic tape.
pub fn gen_tape_from_applicants(
    applicants: &Path,
    model: Option<&Path>,
    policy: Option<&Path>,
    seed: u64,
    out: &Path,
) -> Result<(usize, usize), AppError> {
    let (scorecard, policy) = load_model_and_policy(model, policy)?;
    let file = credit::read_applicants(applicants).map_err(applicant_error)?;
    let decisions = credit::decide_all(&file.applicants, &scorecard, &policy);
    let mix = credit::origination::OriginationMix::from_receivables(&tape::synthetic::generate(
        20_000, seed,
    ))
    .ok_or_else(|| AppError::Failure(anyhow::anyhow!("the synthetic mix is empty")))?;
    let receivables = credit::origination::originate(&file.applicants, &decisions, &mix, seed);
    if receivables.is_empty() {
        return Err(AppError::Input(format!(
            "{}: no applicant is approved under this policy, so there is nothing to originate",
            applicants.display()
        )));
    }
    tape::write_tape(out, &receivables).map_err(|e| failure(&out.display().to_string(), e))?;
    Ok((file.applicants.len(), receivables.len()))
}

/// Options of `frontier`, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct FrontierOptions {
    pub scenario: PathBuf,
    pub applicants: PathBuf,
    /// Credit model (default: the scenario's `[credit] model`, else the built-in one).
    pub model: Option<PathBuf>,
    /// Base approval policy (default: the scenario's `[credit] policy`, else the built-in one).
    pub policy: Option<PathBuf>,
    /// Monte Carlo paths per grid point (overrides `[frontier] paths`).
    pub paths: Option<usize>,
    /// Seed of the origination draws and the paths (overrides `[simulation] seed`).
    pub seed: Option<u64>,
    pub out: Option<PathBuf>,
    pub quiet: bool,
}

/// What `frontier` produced.
pub struct FrontierReport {
    pub out_dir: PathBuf,
    pub warnings: Vec<String>,
    pub terminal_summary: String,
    pub frontier: Frontier,
}

/// The columns of `frontier.csv`, in order (SPEC §7.2 first, then extensions).
pub const FRONTIER_COLUMNS: [&str; 22] = [
    "cutoff",
    "limit_multiplier",
    "applicants",
    "approved",
    "approval_rate",
    "approved_limits",
    "pool_balance",
    "weighted_pd",
    "pool_el",
    "senior_credit_enhancement",
    "funding_capacity",
    "advance_rate",
    "meets_targets",
    "recommended",
    "receivables",
    "pool_el_se",
    "senior_share",
    "senior_el",
    "senior_el_se",
    "missed_targets",
    "relaxation_needed",
    "funding_surplus",
];

/// The file `frontier` writes the recommended policy to.
pub const APPROVAL_POLICY_FILE: &str = "approval_policy.toml";

/// `frontier`: the approval-policy frontier of an applicant file under a scenario's deal,
/// and the recommended policy, written atomically into the report folder (SPEC §7.2).
pub fn frontier(options: &FrontierOptions) -> Result<FrontierReport, AppError> {
    let mut prepared = prepare(&options.scenario)?;
    if let Some(paths) = paths_option(options.paths)? {
        prepared.scenario.frontier.paths = paths;
    }
    if let Some(seed) = options.seed {
        prepared.scenario.simulation.seed = seed;
    }
    let scenario = &prepared.scenario;
    // the destination is checked, locked and found writable before any work (SPEC §8)
    let out_dir = options
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(format!("{}_frontier", scenario.name)));
    let report = ReportDir::create(&out_dir, ReportKind::Frontier).map_err(output_error)?;
    let model_path = options
        .model
        .as_deref()
        .or(scenario.credit.model.as_deref());
    let policy_path = options
        .policy
        .as_deref()
        .or(scenario.credit.policy.as_deref());
    let (scorecard, base_policy) = load_model_and_policy(model_path, policy_path)?;
    let mut digest = prepared.digest.clone();
    for (label, given) in [("model", &options.model), ("policy", &options.policy)] {
        if let Some(path) = given {
            digest
                .add_file(&format!("credit {label} {}", path.display()), path)
                .map_err(|e| {
                    AppError::Input(format!(
                        "{}: cannot read the credit {label}: {e}",
                        path.display()
                    ))
                })?;
        }
    }
    let file = credit::read_applicants(&options.applicants).map_err(applicant_error)?;
    digest
        .add_file(
            &format!("applicants {}", options.applicants.display()),
            &options.applicants,
        )
        .map_err(|e| {
            AppError::Input(format!(
                "{}: cannot read the applicants: {e}",
                options.applicants.display()
            ))
        })?;
    let mix = credit::origination::OriginationMix::from_receivables(&prepared.receivables)
        .ok_or_else(|| {
            AppError::Input(format!(
                "{}: the scenario's pool has no eligible receivable to take the term and fee mix from",
                options.scenario.display()
            ))
        })?;
    let grid = Grid {
        cutoffs: scenario
            .frontier
            .cutoffs
            .clone()
            .unwrap_or_else(|| default_cutoffs(&base_policy)),
        limit_multipliers: scenario.frontier.limit_multipliers.clone(),
    };
    let settings = MonteCarloSettings {
        paths: scenario.frontier.paths,
        seed: scenario.simulation.seed,
        importance_sampling: scenario.simulation.importance_sampling,
    };
    let inputs = FrontierInputs {
        applicants: &file.applicants,
        scorecard: &scorecard,
        base_policy: &base_policy,
        mix: &mix,
        assumptions: &scenario.assumptions,
        deal: &scenario.deal,
        monte_carlo: settings.clone(),
        origination_seed: scenario.simulation.seed,
    };

    let points = grid.points().len();
    let bar = if options.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(points as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "Frontier {bar:40} {pos}/{len} policies, {elapsed} elapsed, about {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.tick();
    let started = std::time::Instant::now();
    let frontier = run_frontier(&inputs, &grid, &scenario.targets, |done| {
        bar.set_position(done as u64)
    })
    .map_err(|e| match e {
        FrontierError::Pool(problem) => AppError::Input(format!(
            "{}: the receivables the applicants of {} would draw do not fit the scenario: {problem}",
            options.scenario.display(),
            options.applicants.display()
        )),
        FrontierError::Waterfall(bug) => AppError::Failure(bug.into()),
    })?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    let write = |name: &str, bytes: &[u8]| {
        report
            .write(name, bytes)
            .map_err(|e| failure(&report.file(name).display().to_string(), e))
    };
    write(
        "frontier.csv",
        &frontier_csv(&frontier, scenario.targets.funding_need)
            .map_err(|e| failure("frontier.csv", e))?,
    )?;
    let recommended_policy = match frontier.recommendation {
        Recommendation::Recommended { point } => {
            let p = &frontier.points[point];
            let policy = grid_policy(&base_policy, p.cutoff, p.limit_multiplier);
            let text = format!(
                "# Approval policy recommended by `{TOOL_NAME} frontier` (version {TOOL_VERSION}) for scenario `{}`\n# on {}: cut-off {}, limit multiplier {}, the largest pool balance of the grid meeting [targets].\n# `decide --policy {APPROVAL_POLICY_FILE}` applies it; frontier.csv has its row.\n{}",
                scenario.name,
                options.applicants.display(),
                p.cutoff,
                p.limit_multiplier,
                policy.to_toml()
            );
            write(APPROVAL_POLICY_FILE, text.as_bytes())?;
            Some(policy)
        }
        _ => None,
    };
    let (inputs_digest, inputs_list) = digest.finish();
    let manifest = Manifest {
        tool: TOOL_NAME.into(),
        version: TOOL_VERSION.into(),
        scenario: scenario.name.clone(),
        inputs_digest,
        inputs: inputs_list,
        seed: settings.seed,
        paths: settings.paths,
    };
    // the scenario's own pool only lends its term and fee mix: its past-due receivables
    // are no concern of the frontier's
    let past_due = prepared.pool.past_due_warning();
    let mut warnings: Vec<String> = prepared
        .warnings
        .iter()
        .filter(|w| Some(*w) != past_due.as_ref())
        .cloned()
        .collect();
    warnings.extend(file.warnings.iter().cloned());
    if scenario
        .deal
        .tranches
        .iter()
        .all(|t| t.target_rating.is_none())
    {
        warnings.push(format!(
            "{}: `deal.tranches`: no tranche has a `target_rating`, so the frontier sizes nothing: funding capacity and advance rate follow the scenario's shares",
            options.scenario.display()
        ));
    }
    let summary = frontier_summary_json(FrontierContext {
        prepared: &prepared,
        manifest: &manifest,
        options,
        model: model_path,
        base_policy: (policy_path, &base_policy),
        applicants: file.applicants.len(),
        frontier: &frontier,
        recommended_policy: recommended_policy.as_ref(),
        warnings: &warnings,
    });
    let mut summary_bytes =
        serde_json::to_vec_pretty(&summary).map_err(|e| failure("summary.json", e))?;
    summary_bytes.push(b'\n');
    write("summary.json", &summary_bytes)?;
    // the frontier chart and report.html, drawn from the files just written
    crate::report::render_charts_and_html_as(report.path(), &out_dir)
        .map_err(|e| failure("charts and report.html", e))?;
    let out_dir = report.commit().map_err(output_error)?;
    Ok(FrontierReport {
        terminal_summary: frontier_terminal(
            &prepared.scenario,
            &frontier,
            options,
            seconds,
            &out_dir,
        ),
        out_dir,
        warnings,
        frontier,
    })
}

/// `frontier.csv`: one row per grid point, cut-offs outer, multipliers inner;
/// `funding_surplus` is funding capacity − `funding_need` (negative: a shortfall), empty
/// without a need.
pub fn frontier_csv(frontier: &Frontier, funding_need: Option<f64>) -> Result<Vec<u8>, csv::Error> {
    use crate::report::{cents, decimal};
    let optional = |value: Option<f64>| value.map(decimal).unwrap_or_default();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(FRONTIER_COLUMNS)?;
    for p in &frontier.points {
        let senior = p.sizing.as_ref().and_then(|s| s.tranches.first());
        let missed: Vec<&str> = p.shortfalls.iter().map(|s| s.target.key()).collect();
        out.write_record([
            decimal(p.cutoff),
            decimal(p.limit_multiplier),
            p.applicants.to_string(),
            p.approved.to_string(),
            decimal(p.approval_rate),
            cents(p.approved_limits),
            cents(p.pool_balance),
            optional(p.weighted_pd),
            optional(p.pool_el),
            optional(p.senior_credit_enhancement),
            cents(p.funding_capacity),
            optional(p.advance_rate),
            p.meets_targets.to_string(),
            p.recommended.to_string(),
            p.receivables.to_string(),
            optional(p.pool_el_se),
            optional(senior.map(|t| t.share)),
            optional(senior.map(|t| t.el)),
            optional(senior.map(|t| t.el_se)),
            missed.join(";"),
            if p.shortfalls.is_empty() {
                String::new()
            } else if p.distance().is_finite() {
                decimal(p.distance())
            } else {
                "inf".into()
            },
            funding_need
                .map(|need| cents(funding_surplus(p.funding_capacity, need)))
                .unwrap_or_default(),
        ])?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Everything `summary.json` of `frontier` says.
struct FrontierContext<'a> {
    prepared: &'a Prepared,
    manifest: &'a Manifest,
    options: &'a FrontierOptions,
    model: Option<&'a Path>,
    base_policy: (Option<&'a Path>, &'a credit::Policy),
    applicants: usize,
    frontier: &'a Frontier,
    recommended_policy: Option<&'a credit::Policy>,
    warnings: &'a [String],
}

/// One shortfall for people: `max_pool_el: pool EL 2.31% exceeds 2.00% by 0.31 points`.
fn describe_shortfall(shortfall: &Shortfall) -> String {
    let Some(achieved) = shortfall.achieved else {
        return format!(
            "{}: nothing approved, so there is no pool to measure",
            shortfall.target.key()
        );
    };
    let gap = shortfall.shortfall.unwrap_or(0.0);
    match shortfall.target {
        TargetKind::MaxPoolEl => format!(
            "max_pool_el: pool EL {:.3}% exceeds the maximum {:.3}% by {:.3} percentage points",
            100.0 * achieved,
            100.0 * shortfall.required,
            100.0 * gap
        ),
        TargetKind::MinAdvanceRate => format!(
            "min_advance_rate: advance rate {:.2}% is below the minimum {:.2}% by {:.2} percentage points",
            100.0 * achieved,
            100.0 * shortfall.required,
            100.0 * gap
        ),
        TargetKind::FundingNeed => format!(
            "funding_need: funding capacity {} CNY is short of the need {} CNY by {} CNY",
            thousands(achieved),
            thousands(shortfall.required),
            thousands(gap)
        ),
    }
}

fn point_json(point: &FrontierPoint) -> serde_json::Value {
    json!({
        "cutoff": point.cutoff,
        "limit_multiplier": point.limit_multiplier,
        "applicants": point.applicants,
        "approved": point.approved,
        "approval_rate": point.approval_rate,
        "approved_limits": round_cents(point.approved_limits),
        "receivables": point.receivables,
        "pool_balance": round_cents(point.pool_balance),
        "weighted_pd": point.weighted_pd,
        "pool_el": point.pool_el,
        "pool_el_se": point.pool_el_se,
        "senior_credit_enhancement": point.senior_credit_enhancement,
        "funding_capacity": round_cents(point.funding_capacity),
        "advance_rate": point.advance_rate,
        "meets_targets": point.meets_targets,
        "recommended": point.recommended,
        "shortfalls": point.shortfalls.iter().map(|s| json!({
            "target": s.target,
            "required": shortfall_amount(s, s.required),
            "achieved": s.achieved.map(|a| shortfall_amount(s, a)),
            "shortfall": s.shortfall.map(|g| shortfall_amount(s, g)),
            "relative": s.relative.is_finite().then_some(s.relative),
            "text": describe_shortfall(s),
        })).collect::<Vec<_>>(),
        "sizing": point.sizing.as_ref().map(|sizing| {
            let mut sizing = json!(sizing);
            round_money_fields(&mut sizing, &["funding_capacity"]);
            if let Some(tranches) = sizing.get_mut("tranches") {
                round_money_fields(tranches, &["amount"]);
            }
            sizing
        }),
    })
}

/// A shortfall's number as written: CNY to the cent for `funding_need`, a share as it is.
fn shortfall_amount(shortfall: &Shortfall, value: f64) -> f64 {
    match shortfall.target {
        TargetKind::FundingNeed => round_cents(value),
        TargetKind::MaxPoolEl | TargetKind::MinAdvanceRate => value,
    }
}

fn frontier_summary_json(context: FrontierContext) -> serde_json::Value {
    let FrontierContext {
        prepared,
        manifest,
        options,
        model,
        base_policy,
        applicants,
        frontier,
        recommended_policy,
        warnings,
    } = context;
    let scenario = &prepared.scenario;
    let targets = &scenario.targets;
    let file_or_built_in = |path: Option<&Path>| {
        path.map_or_else(|| "built-in".to_string(), |p| p.display().to_string())
    };
    let (recommendation, treasury_point) = match &frontier.recommendation {
        Recommendation::Recommended { point } => {
            let p = &frontier.points[*point];
            (
                json!({
                    "status": "recommended",
                    "cutoff": p.cutoff,
                    "limit_multiplier": p.limit_multiplier,
                    "policy_file": APPROVAL_POLICY_FILE,
                    "policy": recommended_policy,
                    "volume_measure": "pool_balance",
                    "point": point_json(p),
                }),
                Some(("recommended", p)),
            )
        }
        Recommendation::Infeasible {
            point,
            binding,
            relaxation,
        } => {
            let p = &frontier.points[*point];
            let binding_shortfall = p.shortfalls.iter().find(|s| s.target == *binding);
            (
                json!({
                    "status": "infeasible",
                    "message": "no grid point meets every target; no approval policy written",
                    "closest": { "cutoff": p.cutoff, "limit_multiplier": p.limit_multiplier },
                    "binding_target": binding,
                    "binding_shortfall": binding_shortfall
                        .and_then(|s| Some(shortfall_amount(s, s.shortfall?))),
                    "binding_text": binding_shortfall.map(describe_shortfall),
                    "relaxation_needed": relaxation.is_finite().then_some(*relaxation),
                    "shortfalls": p.shortfalls.iter().map(describe_shortfall).collect::<Vec<_>>(),
                    "point": point_json(p),
                }),
                Some(("closest", p)),
            )
        }
        Recommendation::NothingApproved => (
            json!({
                "status": "nothing_approved",
                "message": "no grid point approves any applicant; no approval policy written",
            }),
            None,
        ),
    };
    let mut treasury = json!({
        "funding_need": targets.funding_need.map(round_cents),
        "policy": treasury_point.map(|(which, _)| which),
        "cutoff": treasury_point.map(|(_, p)| p.cutoff),
        "limit_multiplier": treasury_point.map(|(_, p)| p.limit_multiplier),
        "pool_balance": treasury_point.map(|(_, p)| round_cents(p.pool_balance)),
        "funding_capacity": treasury_point.map(|(_, p)| round_cents(p.funding_capacity)),
        "advance_rate": treasury_point.and_then(|(_, p)| p.advance_rate),
    });
    add_funding_position(
        &mut treasury,
        treasury_point.map(|(_, p)| p.funding_capacity),
        targets.funding_need,
    );
    let path_text = |path: &Option<PathBuf>| path.as_ref().map(|p| p.display().to_string());
    json!({
        "manifest": manifest,
        // what reproduces the folder (with `--out`, which is left out so the bytes do not
        // depend on where the folder went): the files as given on the command line
        "command": {
            "command": "frontier",
            "scenario": options.scenario.display().to_string(),
            "applicants": options.applicants.display().to_string(),
            "model": path_text(&options.model),
            "policy": path_text(&options.policy),
            "paths": manifest.paths,
            "seed": manifest.seed,
        },
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "file": scenario.file.as_ref().map(|f| f.display().to_string()),
            "rating_table": scenario.deal.rating_table.source,
            "tranches": scenario.deal.tranches.iter().map(|t| json!({
                "name": t.name, "scenario_share": t.share, "coupon": t.coupon, "target_rating": t.target_rating,
            })).collect::<Vec<_>>(),
        },
        "applicants": {
            "file": options.applicants.display().to_string(),
            "count": applicants,
        },
        "credit": {
            "model": file_or_built_in(model),
            "base_policy": file_or_built_in(base_policy.0),
            "base_cutoff": base_policy.1.cutoff,
            "base_limit_multiplier": base_policy.1.limit_multiplier,
        },
        "origination": {
            "seed": manifest.seed,
            "term_and_fee_mix": "the scenario's eligible pool, weighted by balance",
            "utilization": "Beta(2, 2.5) of the limit, one draw per approved applicant from its own stream",
            "pool_scaling": "none: the pool is the approved applicants' drawn balances; [pool] target_balance is not applied",
        },
        "grid": {
            "cutoffs": frontier.grid.cutoffs,
            "limit_multipliers": frontier.grid.limit_multipliers,
            "points": frontier.points.len(),
            "paths_per_point": manifest.paths,
            "importance_sampling": scenario.simulation.importance_sampling,
            "cutoffs_source": if scenario.frontier.cutoffs.is_some() { "scenario [frontier] cutoffs" } else { "default: the base policy's cut-off −40 to +50 in steps of 10" },
        },
        "targets": {
            "max_pool_el": targets.max_pool_el,
            "min_advance_rate": targets.min_advance_rate,
            "funding_need": targets.funding_need,
        },
        "recommendation": recommendation,
        "treasury": treasury,
        "points": frontier.points.iter().map(point_json).collect::<Vec<_>>(),
        "warnings": warnings,
    })
}

fn frontier_terminal(
    scenario: &Scenario,
    frontier: &Frontier,
    options: &FrontierOptions,
    seconds: f64,
    out_dir: &Path,
) -> String {
    let mut text = String::new();
    let first = frontier.points.first();
    let _ = writeln!(
        text,
        "Frontier of scenario {} on {} ({} applicants): {} policies × {} paths in {:.1} s",
        scenario.name,
        options.applicants.display(),
        first.map_or(0, |p| p.applicants),
        frontier.points.len(),
        scenario.frontier.paths,
        seconds
    );
    let _ = writeln!(
        text,
        "{:>7} {:>5} {:>8} {:>15} {:>15} {:>7} {:>13} {:>8} {:>15} {:>8} {:>5}",
        "cutoff",
        "mult",
        "approval",
        "limits CNY",
        "pool CNY",
        "wPD",
        "pool EL ± se",
        "sen. CE",
        "capacity CNY",
        "advance",
        "meets"
    );
    for p in &frontier.points {
        let _ = writeln!(
            text,
            "{:>7} {:>5} {:>8} {:>15} {:>15} {:>7} {:>13} {:>8} {:>15} {:>8} {:>5}{}",
            format!("{}", p.cutoff),
            format!("{:.2}", p.limit_multiplier),
            percent(Some(p.approval_rate)),
            thousands(p.approved_limits),
            thousands(p.pool_balance),
            percent(p.weighted_pd),
            match (p.pool_el, p.pool_el_se) {
                (Some(el), Some(se)) => format!("{:.2}±{:.2}%", 100.0 * el, 100.0 * se),
                _ => "-".into(),
            },
            percent(p.senior_credit_enhancement),
            thousands(p.funding_capacity),
            percent(p.advance_rate),
            if p.meets_targets { "yes" } else { "no" },
            if p.recommended {
                "  <- recommended"
            } else {
                ""
            },
        );
    }
    let targets = &scenario.targets;
    if targets == &crate::scenario::Targets::default() {
        let _ = writeln!(
            text,
            "No [targets] in the scenario: every policy with a pool qualifies."
        );
    }
    match &frontier.recommendation {
        Recommendation::Recommended { point } => {
            let p = &frontier.points[*point];
            let _ = writeln!(
                text,
                "Recommended: cut-off {}, limit multiplier {} (largest pool balance meeting the targets) -> {}",
                p.cutoff,
                p.limit_multiplier,
                out_dir.join(APPROVAL_POLICY_FILE).display()
            );
            treasury_line(&mut text, "recommended policy", p, targets.funding_need);
        }
        Recommendation::Infeasible { point, binding, .. } => {
            let p = &frontier.points[*point];
            let _ = writeln!(
                text,
                "No policy of the grid meets the targets; no approval policy written. Closest: cut-off {}, limit multiplier {}; binding target:",
                p.cutoff, p.limit_multiplier
            );
            let mut shortfalls: Vec<&Shortfall> = p.shortfalls.iter().collect();
            shortfalls.sort_by_key(|s| s.target != *binding);
            for s in shortfalls {
                let _ = writeln!(text, "  {}", describe_shortfall(s));
            }
            treasury_line(&mut text, "closest policy", p, targets.funding_need);
        }
        Recommendation::NothingApproved => {
            let _ = writeln!(
                text,
                "No policy of the grid approves any applicant; no approval policy written."
            );
        }
    }
    let _ = write!(text, "Report: {}", out_dir.display());
    text
}

fn treasury_line(text: &mut String, which: &str, point: &FrontierPoint, need: Option<f64>) {
    let capacity = point.funding_capacity;
    let _ = match need {
        Some(need) => writeln!(
            text,
            "Treasury: funding capacity of the {which} {} CNY vs need {} CNY: {}",
            thousands(capacity),
            thousands(need),
            funding_position_text(funding_surplus(capacity, need))
        ),
        None => writeln!(
            text,
            "Treasury: funding capacity of the {which} {} CNY (no funding_need in [targets])",
            thousands(capacity)
        ),
    };
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
