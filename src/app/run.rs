//! `run`: a scenario through the whole pipeline into its report folder (SPEC §8), stage by
//! stage: prepare → destination → deterministic case → breakevens → Monte Carlo → sizing →
//! files → render → commit.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{
    AppError, PathCount, Prepared, output_error, prepare_with, progress_bar, write_file,
    write_report,
};
use crate::engine::{MonteCarloRun, MonteCarloSettings, replay_path, run_monte_carlo_logged};
use crate::i18n::Lang;
use crate::metrics::distribution::quantile_path;
use crate::metrics::summary::{MonteCarloSummary, summarize};
use crate::metrics::{DeterministicRun, run_deterministic};
use crate::report::manifest::Manifest;
use crate::report::summary::{RunResults, run_summary};
use crate::report::tables::{self as mc_report, PathDetail};
use crate::report::terminal::{self, RunTimings};
use crate::report::{ReportDir, ReportKind, deterministic as det_report, sizing as sizing_report};
use crate::scenario::Deal;
use crate::sim::montecarlo::{PathLog, StochasticPool};
use crate::sim::pool::receivable_pd;
use crate::sizing::breakeven::{Breakeven, breakevens};
use crate::sizing::rating_test::{RatingTests, base_case_wal, rating_tests, tail_targets};
use crate::sizing::tdr::WeightedDistribution;
use crate::sizing::tdr_bdr::{TdrBdrSizing, size_by_tdr_bdr};
use crate::sizing::{SizingPaths, SizingResult, size_deal};
use crate::tape;

/// `run`, as the command line asks for it: every value already checked.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub scenario: PathBuf,
    /// Overrides `[simulation] paths`.
    pub paths: Option<PathCount>,
    /// Overrides `[simulation] seed`.
    pub seed: Option<u64>,
    /// The report folder; `reports/<scenario name>/` when `None`.
    pub out: Option<PathBuf>,
    /// No progress bar.
    pub quiet: bool,
    /// Overrides `[report] lang`: the language of the terminal summary and the report.
    pub lang: Option<Lang>,
    /// `--set KEY=VALUE` on the scenario, in order.
    pub overrides: Vec<crate::scenario::overrides::Override>,
    /// Also write the tables as one workbook, `report.xlsx` (`--xlsx`).
    pub xlsx: bool,
}

/// What `run` produced, for the terminal.
pub struct RunResult {
    pub out_dir: PathBuf,
    pub warnings: Vec<String>,
    pub terminal_summary: String,
}

/// The Monte Carlo stage's results.
pub struct MonteCarloStage {
    pub run: MonteCarloRun,
    pub summary: MonteCarloSummary,
    /// Replays of the median, 99th-percentile and worst pool-loss paths.
    pub details: Vec<PathDetail>,
    pub seconds: f64,
}

/// Sizing on the Monte Carlo stage's paths (SPEC §7.1) and by target against break-even
/// default rates (SPEC §7.3).
pub struct SizingStage {
    pub result: SizingResult,
    pub tdr_bdr: TdrBdrSizing,
    /// Seconds of the expected-loss sizing and of the TDR/BDR sizing.
    pub seconds: f64,
    pub tdr_bdr_seconds: f64,
}

/// The rating test of the scenario's structure (SPEC §7.3).
pub struct RatingStage {
    pub tests: RatingTests,
    /// The Monte Carlo distribution of the cumulative default rate.
    pub distribution: WeightedDistribution,
    pub seconds: f64,
}

/// `run`: the pipeline on a scenario, written atomically into its report folder.
pub fn run(request: &RunRequest) -> Result<RunResult, AppError> {
    let prepared = prepare_run(request)?;
    // the destination is checked, locked and found writable before any work (SPEC §8)
    let report = ReportDir::create(&report_folder(request, &prepared), ReportKind::Run)
        .map_err(output_error)?;
    let model = stochastic_pool(&prepared);
    // the base-case WAL the target default rates are read at, known before the paths so
    // that importance sampling can aim at those quantiles
    let wal = run_wal(&prepared)?;
    let (run, logs, seconds) = simulate(&model, &prepared, &wal, request.quiet)?;
    finish_run(
        request,
        &prepared,
        &model,
        report,
        MonteCarloPaths { run, logs, seconds },
        &wal,
        None,
    )
}

/// The report folder of a run: `--out`, else `reports/<scenario name>/`.
pub fn report_folder(request: &RunRequest, prepared: &Prepared) -> PathBuf {
    request
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(&prepared.scenario.name))
}

/// The scenario's pool as the Monte Carlo draws it.
pub fn stochastic_pool(prepared: &Prepared) -> StochasticPool<'_> {
    let scenario = &prepared.scenario;
    StochasticPool::new(
        &prepared.pool,
        &scenario.assumptions,
        scenario.deal.horizon_months,
        scenario.deal.revolving_months,
    )
}

/// Each tranche's WAL in the deterministic base case: where the target default rates are
/// read, and so where importance sampling aims.
pub fn run_wal(prepared: &Prepared) -> Result<Vec<f64>, AppError> {
    let scenario = &prepared.scenario;
    base_case_wal(&prepared.pool, &scenario.assumptions, &scenario.deal)
        .map_err(|e| AppError::Failure(e.into()))
}

/// The Monte Carlo settings of a run: the scenario's paths, seed and importance sampling,
/// aimed at the target ratings' tails at the base-case WAL.
pub fn monte_carlo_settings(prepared: &Prepared, wal: &[f64]) -> MonteCarloSettings {
    let scenario = &prepared.scenario;
    MonteCarloSettings {
        paths: scenario.simulation.paths,
        seed: scenario.simulation.seed,
        importance_sampling: scenario.simulation.importance_sampling,
        tail_targets: tail_targets(&scenario.deal, wal),
    }
}

/// A run's paths as simulated (by one process, or assembled from shards by `merge`), with
/// their logs when the run sizes, and the seconds they took.
pub struct MonteCarloPaths {
    pub run: MonteCarloRun,
    pub logs: Vec<PathLog>,
    pub seconds: f64,
}

/// Everything after the paths, in one process: the deterministic case and breakevens, the
/// Monte Carlo tables, the rating test and sizing, the files, `summary.json` (with the
/// record of a split, for `merge`), charts and report — then the folder put in place.
pub fn finish_run(
    request: &RunRequest,
    prepared: &Prepared,
    model: &StochasticPool,
    report: ReportDir,
    paths: MonteCarloPaths,
    wal: &[f64],
    split: Option<&crate::report::summary::SplitRecord>,
) -> Result<RunResult, AppError> {
    let scenario = &prepared.scenario;
    let deal = &scenario.deal;
    let deterministic = run_deterministic(
        &prepared.pool,
        &scenario.assumptions,
        &scenario.deterministic,
        deal,
    )
    .map_err(|e| AppError::Failure(e.into()))?;
    let breakevens = breakevens(
        &prepared.pool,
        &scenario.assumptions,
        &scenario.deterministic,
        deal,
    )
    .map_err(|e| AppError::Failure(e.into()))?;
    let MonteCarloPaths { run, logs, seconds } = paths;
    let summary = summarize(&run, deal);
    let details = named_paths(model, deal, &run)?;
    let monte_carlo = MonteCarloStage {
        run,
        summary,
        details,
        seconds,
    };
    let rating = rating_stage(prepared, &monte_carlo.run, wal)?;
    let sizing = sizing_stage(model, &monte_carlo.run, logs, prepared, &rating)?;

    write_tables(
        &report,
        prepared,
        &deterministic,
        &breakevens,
        &monte_carlo,
        &rating,
        sizing.as_ref(),
    )?;
    if request.xlsx {
        super::write_workbook(&report)?;
    }
    let manifest = Manifest::new(
        &scenario.name,
        prepared.digest.clone(),
        scenario.simulation.seed,
        scenario.simulation.paths,
    );
    let results = RunResults {
        scenario,
        pool: &prepared.pool,
        manifest: &manifest,
        deterministic: &deterministic,
        breakevens: &breakevens,
        monte_carlo: &monte_carlo.summary,
        named_paths: &monte_carlo.details,
        sizing: sizing.as_ref().map(|s| &s.result),
        rating_tests: &rating.tests,
        tdr_bdr_sizing: sizing.as_ref().map(|s| &s.tdr_bdr),
        warnings: &prepared.warnings,
    };
    let mut summary = run_summary(&results);
    if let Some(split) = split {
        super::partial::add_split_record(&mut summary, split);
    }
    let out_dir = write_report(
        report,
        &summary,
        request.out.as_deref(),
        scenario.report.lang,
    )?;

    let timings = RunTimings {
        monte_carlo: monte_carlo.seconds,
        rating_tests: rating.seconds,
        sizing: sizing.as_ref().map(|s| s.seconds),
        tdr_bdr_sizing: sizing.as_ref().map(|s| s.tdr_bdr_seconds),
    };
    Ok(RunResult {
        terminal_summary: terminal::run_summary(&results, timings, &out_dir),
        out_dir,
        warnings: prepared.warnings.clone(),
    })
}

/// The scenario with its pool, `--paths` and `--seed` applied.
pub fn prepare_run(request: &RunRequest) -> Result<Prepared, AppError> {
    let mut prepared = prepare_with(&request.scenario, &request.overrides)?;
    let simulation = &mut prepared.scenario.simulation;
    if let Some(paths) = request.paths {
        simulation.paths = paths.get();
    }
    if let Some(seed) = request.seed {
        simulation.seed = seed;
    }
    if let Some(lang) = request.lang {
        prepared.scenario.report.lang = lang;
    }
    Ok(prepared)
}

/// Runs the scenario's paths with a progress bar. The paths' logs are kept when a tranche
/// has a target rating, for sizing.
fn simulate(
    model: &StochasticPool,
    prepared: &Prepared,
    wal: &[f64],
    quiet: bool,
) -> Result<(MonteCarloRun, Vec<PathLog>, f64), AppError> {
    let deal = &prepared.scenario.deal;
    let settings = monte_carlo_settings(prepared, wal);
    let bar = progress_bar(
        quiet,
        settings.paths,
        "Monte Carlo {bar:40} {pos}/{len} paths, {elapsed} elapsed, about {eta} left",
    );
    let started = Instant::now();
    // sizing replays the run's own paths: log them when any tranche has a target
    let (run, logs) = run_monte_carlo_logged(model, deal, &settings, sizes(deal), |done| {
        bar.set_position(done as u64)
    })
    .map_err(|e| AppError::Failure(e.into()))?;
    bar.finish_and_clear();
    Ok((run, logs, started.elapsed().as_secs_f64()))
}

/// Whether the run sizes the deal: when any tranche has a target rating.
pub fn sizes(deal: &Deal) -> bool {
    deal.tranches.iter().any(|t| t.target_rating.is_some())
}

/// Replays of the median, 99th-percentile and worst pool-loss paths, month by month.
fn named_paths(
    model: &StochasticPool,
    deal: &Deal,
    run: &MonteCarloRun,
) -> Result<Vec<PathDetail>, AppError> {
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
            model,
            deal,
            run.settings.seed,
            path.path,
            &run.sampling,
            |report| rows.push(mc_report::path_detail_row(report)),
        )
        .map_err(|e| AppError::Failure(e.into()))?;
        details.push(PathDetail {
            label: label.into(),
            path: path.path,
            weight: weights[index],
            pool_net_loss: path.pool_net_loss,
            rows,
        });
    }
    Ok(details)
}

/// The rating test of the scenario's structure: every rated tranche at every rating of
/// the table, the TDRs from the Monte Carlo distribution of the cumulative default rate.
fn rating_stage(
    prepared: &Prepared,
    run: &MonteCarloRun,
    wal: &[f64],
) -> Result<RatingStage, AppError> {
    let started = Instant::now();
    let scenario = &prepared.scenario;
    let rates: Vec<f64> = run
        .paths
        .iter()
        .map(|p| p.cumulative_default_rate)
        .collect();
    let distribution = WeightedDistribution::new(&rates, &run.weights());
    let tests = rating_tests(
        &prepared.pool,
        &scenario.assumptions,
        &scenario.deal,
        &distribution,
        wal,
    )
    .map_err(|e| AppError::Failure(e.into()))?;
    Ok(RatingStage {
        tests,
        distribution,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Sizes the deal both ways: by expected loss on the Monte Carlo stage's own paths (SPEC
/// §7.1) and by TDR/BDR (SPEC §7.3); `None` when no tranche has a target rating.
fn sizing_stage(
    model: &StochasticPool,
    run: &MonteCarloRun,
    logs: Vec<PathLog>,
    prepared: &Prepared,
    rating: &RatingStage,
) -> Result<Option<SizingStage>, AppError> {
    let scenario = &prepared.scenario;
    let deal = &scenario.deal;
    if !sizes(deal) {
        return Ok(None);
    }
    let started = Instant::now();
    let paths = SizingPaths::from_run(model, run, logs);
    let result = size_deal(&paths, deal).map_err(|e| AppError::Failure(e.into()))?;
    let seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let tdr_bdr = size_by_tdr_bdr(
        &prepared.pool,
        &scenario.assumptions,
        deal,
        &rating.distribution,
    )
    .map_err(|e| AppError::Failure(e.into()))?;
    Ok(Some(SizingStage {
        result,
        tdr_bdr,
        seconds,
        tdr_bdr_seconds: started.elapsed().as_secs_f64(),
    }))
}

/// Every table of the run's folder: the pool's strats, the deterministic case and its
/// breakevens, the Monte Carlo tables and, when sized, the sizing tables.
fn write_tables(
    report: &ReportDir,
    prepared: &Prepared,
    deterministic: &DeterministicRun,
    breakevens: &[Breakeven],
    monte_carlo: &MonteCarloStage,
    rating: &RatingStage,
    sizing: Option<&SizingStage>,
) -> Result<(), AppError> {
    let deal = &prepared.scenario.deal;
    let strats = tape::strats::stratify(&prepared.receivables_eligible(), |r| {
        receivable_pd(r).unwrap_or(f64::NAN)
    });
    tape::strats::write_strats(&report.file("pool_strats.csv"), &strats)
        .map_err(|e| super::failure("pool_strats.csv", e))?;
    write_file(
        report,
        "deterministic_pool.csv",
        det_report::pool_csv(deterministic),
    )?;
    write_file(
        report,
        "deterministic_tranches.csv",
        det_report::tranches_csv(deterministic, deal),
    )?;
    write_file(
        report,
        "rating_tests.csv",
        sizing_report::rating_tests_csv(&rating.tests),
    )?;
    write_file(
        report,
        "stress_bdr.csv",
        sizing_report::stress_bdr_csv(&rating.tests),
    )?;
    if let Some(stage) = sizing {
        write_file(
            report,
            "sizing.csv",
            sizing_report::sizing_csv(&stage.result, &stage.tdr_bdr),
        )?;
        write_file(
            report,
            "sizing_curve.csv",
            sizing_report::sizing_curve_csv(&stage.result),
        )?;
    }
    let (run, summary) = (&monte_carlo.run, &monte_carlo.summary);
    let end_balances: Vec<f64> = deterministic.pool.iter().map(|p| p.end_balance).collect();
    for (name, bytes) in [
        ("tranches.csv", mc_report::tranches_csv(summary)),
        ("path_results.csv", mc_report::path_results_csv(run, deal)),
        (
            "pool_loss_distribution.csv",
            mc_report::pool_loss_distribution_csv(run),
        ),
        ("triggers.csv", mc_report::triggers_csv(summary)),
        (
            "pool_balance_bands.csv",
            mc_report::balance_bands_csv(summary, &end_balances),
        ),
        (
            "expected_cashflows.csv",
            mc_report::expected_cashflows_csv(run, deal),
        ),
        (
            "paths_detail.csv",
            mc_report::paths_detail_csv(deal, &monte_carlo.details),
        ),
        ("breakevens.csv", det_report::breakevens_csv(breakevens)),
    ] {
        write_file(report, name, bytes)?;
    }
    Ok(())
}
