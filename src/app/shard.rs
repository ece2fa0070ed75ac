//! `run SCENARIO --shard I/K --partial-out DIR` (SPEC §9): one shard of a run. It repeats the
//! run's deterministic preparation — the pool, the base-case deterministic run the
//! importance sampling aims from, the sampling's pilot — so every shard agrees on it, runs
//! its contiguous range of whole blocks of paths, and writes its partial folder: the blocks'
//! totals, its paths' results and, when the run sizes, their logs. The rating test, both
//! sizings, the tables and the report are `merge`'s, once, on all paths.
//!
//! `frontier ... --point I/K --partial-out DIR` is the same for a frontier: a contiguous
//! share of its policy points, each evaluated in full (origination, paths, both sizings);
//! `merge` checks the targets and recommends over all of them.

use std::path::PathBuf;
use std::time::Instant;

use super::AppError;
use super::frontier::{FrontierRequest, FrontierSetup};
use super::partial::{
    FrontierPartialData, PartialKind, PartialManifest, RecordedRequest, RunPartialData, Share,
    commit_partial, empty_data_record, path_pair, start_partial,
};
use super::run::{RunRequest, monte_carlo_settings, prepare_run, run_wal, sizes, stochastic_pool};
use crate::engine::{block_count, run_blocks, run_sampling};
use crate::report::manifest::{Manifest, TOOL_VERSION};

/// `run --shard`, as the command line asks for it.
#[derive(Debug, Clone)]
pub struct ShardRequest {
    /// The scenario, `--paths`, `--seed` and `--quiet` (`out` unused).
    pub run: RunRequest,
    pub share: Share,
    pub partial_out: PathBuf,
}

/// What a shard did, for its log.
pub struct ShardResult {
    pub partial: PathBuf,
    pub warnings: Vec<String>,
    pub line: String,
}

/// A progress line on the shard's log (stderr) at every tenth of its paths.
struct ProgressLog {
    label: String,
    total: usize,
    started: Instant,
    reported: usize,
    quiet: bool,
}

impl ProgressLog {
    fn update(&mut self, done: usize) {
        if self.quiet || self.total == 0 {
            return;
        }
        let tenths = done * 10 / self.total;
        if tenths > self.reported || done == self.total {
            self.reported = tenths.max(self.reported + 1);
            eprintln!(
                "{}: {done}/{} paths, {:.1} s",
                self.label,
                self.total,
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Runs shard `request.share` of the scenario's run into its partial folder.
pub fn run_shard(request: &ShardRequest) -> Result<ShardResult, AppError> {
    let started = Instant::now();
    let prepared = prepare_run(&request.run)?;
    // the destination is checked and locked before any work, as a report folder's
    let folder = start_partial(&request.partial_out)?;
    let scenario = &prepared.scenario;
    let deal = &scenario.deal;
    let model = stochastic_pool(&prepared);
    let wal = run_wal(&prepared)?;
    let settings = monte_carlo_settings(&prepared, &wal);
    let (sampling, tail_shifts) = run_sampling(
        &model,
        deal,
        settings.seed,
        settings.importance_sampling,
        &settings.tail_targets,
    )
    .map_err(|e| AppError::Failure(e.into()))?;
    let blocks = block_count(settings.paths);
    let share = request.share;
    let range = share.range(blocks);
    let (first_path, end_path) = path_pair(&range, settings.paths);
    let label = format!("shard {share} of `{}`", scenario.name);
    if !request.run.quiet {
        eprintln!(
            "{label}: blocks {}..{} of {blocks} (paths {first_path}..{end_path} of {}), preparation {:.1} s",
            range.start,
            range.end,
            settings.paths,
            started.elapsed().as_secs_f64()
        );
    }
    let mut progress = ProgressLog {
        label: label.clone(),
        total: end_path - first_path,
        started: Instant::now(),
        reported: 0,
        quiet: request.run.quiet,
    };
    let logged = sizes(deal);
    let simulated = Instant::now();
    let run = run_blocks(
        &model,
        deal,
        &settings,
        &sampling,
        range.clone(),
        logged,
        |done| progress.update(done),
    )
    .map_err(|e| AppError::Failure(e.into()))?;

    let manifest = Manifest::new(
        &scenario.name,
        prepared.digest.clone(),
        settings.seed,
        settings.paths,
    );
    let partial = PartialManifest {
        format: super::partial::PARTIAL_FORMAT,
        kind: PartialKind::Run,
        tool: manifest.tool,
        version: TOOL_VERSION.into(),
        scenario: scenario.name.clone(),
        inputs_digest: manifest.inputs_digest,
        inputs: manifest.inputs,
        seed: settings.seed,
        paths: settings.paths,
        request: RecordedRequest {
            scenario: request.run.scenario.clone(),
            paths: request.run.paths.map(|p| p.get()),
            seed: request.run.seed,
            applicants: None,
            model: None,
            policy: None,
            overrides: override_texts(&request.run.overrides),
        },
        shard: share,
        units: blocks,
        first: range.start,
        end: range.end,
        path_range: Some((first_path, end_path)),
        logged,
        seconds: simulated.elapsed().as_secs_f64(),
        data: empty_data_record(),
    };
    let data = RunPartialData {
        sampling,
        tail_shifts,
        blocks: run.blocks,
        paths: run.paths,
        logs: run.logs,
    };
    let out = commit_partial(folder, partial, &data)?;
    Ok(ShardResult {
        line: format!(
            "{label}: {} paths in {:.1} s → {}",
            end_path - first_path,
            started.elapsed().as_secs_f64(),
            out.display()
        ),
        partial: out,
        warnings: prepared.warnings.clone(),
    })
}

/// `frontier --point`, as the command line asks for it.
#[derive(Debug, Clone)]
pub struct PointShardRequest {
    /// The frontier's scenario, applicants, model and policy (`common.out` unused).
    pub frontier: FrontierRequest,
    pub share: Share,
    pub partial_out: PathBuf,
}

/// Evaluates shard `request.share` of the frontier's policy points into its partial folder.
pub fn frontier_point_shard(request: &PointShardRequest) -> Result<ShardResult, AppError> {
    let started = Instant::now();
    let frontier = &request.frontier;
    let setup = FrontierSetup::load(frontier)?;
    let folder = start_partial(&request.partial_out)?;
    let scenario = &setup.prepared.scenario;
    let total = setup.grid.points().len();
    let share = request.share;
    let range = share.range(total);
    let label = format!("frontier shard {share} of `{}`", scenario.name);
    let quiet = frontier.common.quiet;
    if !quiet {
        eprintln!(
            "{label}: policy points {}..{} of {total}, {} paths each",
            range.start, range.end, setup.settings.paths
        );
    }
    let evaluated = Instant::now();
    let points = setup.evaluate_points(frontier, range.clone(), |done| {
        if !quiet {
            eprintln!(
                "{label}: {done}/{} points, {:.1} s",
                range.len(),
                started.elapsed().as_secs_f64()
            );
        }
    })?;
    let manifest = setup.manifest();
    let partial = PartialManifest {
        format: super::partial::PARTIAL_FORMAT,
        kind: PartialKind::Frontier,
        tool: manifest.tool,
        version: TOOL_VERSION.into(),
        scenario: scenario.name.clone(),
        inputs_digest: manifest.inputs_digest,
        inputs: manifest.inputs,
        seed: manifest.seed,
        paths: manifest.paths,
        request: RecordedRequest {
            scenario: frontier.common.scenario.clone(),
            paths: frontier.common.paths.map(|p| p.get()),
            seed: frontier.common.seed,
            applicants: Some(frontier.applicants.clone()),
            model: frontier.model.clone(),
            policy: frontier.policy.clone(),
            overrides: override_texts(&frontier.common.overrides),
        },
        shard: share,
        units: total,
        first: range.start,
        end: range.end,
        path_range: None,
        logged: false,
        seconds: evaluated.elapsed().as_secs_f64(),
        data: empty_data_record(),
    };
    let count = points.len();
    let out = commit_partial(folder, partial, &FrontierPartialData { points })?;
    Ok(ShardResult {
        line: format!(
            "{label}: {count} points in {:.1} s → {}",
            started.elapsed().as_secs_f64(),
            out.display()
        ),
        partial: out,
        warnings: setup.prepared.warnings.clone(),
    })
}

/// The `--set` overrides as given, for the partial's record (merge parses them again).
fn override_texts(overrides: &[crate::scenario::overrides::Override]) -> Vec<String> {
    overrides.iter().map(|o| o.text().to_string()).collect()
}
