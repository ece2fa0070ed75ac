//! `merge DIR... [--out DIR]` (SPEC §9): the partials of a run's shards (or of a frontier's)
//! into the single run's report folder, byte for byte, but for `summary.json`'s `split`.
//!
//! Order of work: every partial's `partial.json` is read and the set is checked — one tool
//! version, kind, scenario, inputs' digest, seed, paths and shard count; every shard `0..K`
//! present exactly once with the range it gets — and each problem is one line naming the
//! folder (exit 2). Then the inputs are read again from the request the shards recorded (and
//! must digest as the shards' did), the report folder is checked and locked, the partials'
//! data are read (their lengths and digests checked), and the run is assembled: block totals
//! in block order, paths in path order ([`assemble_run`]). From there it is `run`'s own
//! finishing stage ([`finish_run`]) — summary, named paths, rating test, both sizings on all
//! paths, tables, report — so the files cannot drift from a single run's.
//!
//! What sizing needs from the shards: expected-loss sizing replays every path's log (its
//! pool flows and purchases, a few KB a path) under each candidate structure, so the logs
//! travel in the partials and the merge holds them all in memory; the TDR/BDR sizing and the
//! rating test need only the paths' cumulative default rates and weights (in the results)
//! and deterministic runs of the pool. See the README's scale-out section for the bound.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::frontier::{FrontierRequest, FrontierSetup, finish_frontier};
use super::partial::{
    FrontierPartialData, PartialKind, PartialManifest, RunPartialData, Share, read_data,
    read_manifest, split_record,
};
use super::run::{
    MonteCarloPaths, RunRequest, finish_run, monte_carlo_settings, prepare_run, report_folder,
    run_wal, stochastic_pool,
};
use super::{AppError, PathCount, output_error};
use crate::engine::{assemble_run, block_paths};
use crate::i18n::Lang;
use crate::report::manifest::InputDigest;
use crate::report::{ReportDir, ReportKind};
use crate::scenario::overrides::Override;

/// `merge`, as the command line asks for it.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    pub partials: Vec<PathBuf>,
    /// The report folder; as `run` (or `frontier`) would choose when `None`.
    pub out: Option<PathBuf>,
    pub quiet: bool,
    /// Overrides `[report] lang` for the report written.
    pub lang: Option<Lang>,
    /// Also write `report.xlsx` (`--xlsx`).
    pub xlsx: bool,
}

/// What `merge` produced.
pub struct MergeResult {
    pub out_dir: PathBuf,
    pub warnings: Vec<String>,
    /// What the merge found: the partials, shards, blocks and paths.
    pub found: Vec<String>,
    pub terminal_summary: String,
}

/// `merge`: the partials into the report folder of the run (or frontier) they split.
pub fn merge(request: &MergeRequest) -> Result<MergeResult, AppError> {
    if request.partials.is_empty() {
        return Err(AppError::Input(
            "merge: give the partial folders of every shard".into(),
        ));
    }
    let mut problems = Vec::new();
    let mut read = Vec::new();
    for dir in &request.partials {
        match read_manifest(dir) {
            Ok(manifest) => read.push((dir.clone(), manifest)),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Input(problems.join("\n")));
    }
    let partials = check_partials(read)?;
    let found = found_lines(&partials);
    if !request.quiet {
        for line in &found {
            eprintln!("{line}");
        }
    }
    let mut result = match partials[0].1.kind {
        PartialKind::Run => merge_run(request, &partials)?,
        PartialKind::Frontier => merge_frontier(request, &partials)?,
    };
    result.found = found;
    Ok(result)
}

/// What identifies the work a partial is a part of; every partial of one merge has the same.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Identity {
    kind: String,
    version: String,
    scenario: String,
    inputs_digest: String,
    seed: u64,
    paths: usize,
    count: usize,
    units: usize,
}

impl Identity {
    fn of(m: &PartialManifest) -> Identity {
        Identity {
            kind: format!("{:?}", m.kind).to_lowercase(),
            version: m.version.clone(),
            scenario: m.scenario.clone(),
            inputs_digest: m.inputs_digest.clone(),
            seed: m.seed,
            paths: m.paths,
            count: m.shard.count(),
            units: m.units,
        }
    }

    /// How `self` differs from `reference`, in words.
    fn differences(&self, reference: &Identity) -> Vec<String> {
        let mut out = Vec::new();
        let mut differ = |what: &str, mine: String, theirs: String| {
            if mine != theirs {
                out.push(format!("{what} {mine} (the other partials': {theirs})"));
            }
        };
        differ("kind", self.kind.clone(), reference.kind.clone());
        differ(
            "tool version",
            self.version.clone(),
            reference.version.clone(),
        );
        differ(
            "scenario",
            self.scenario.clone(),
            reference.scenario.clone(),
        );
        differ(
            "inputs' digest",
            self.inputs_digest.clone(),
            reference.inputs_digest.clone(),
        );
        differ("seed", self.seed.to_string(), reference.seed.to_string());
        differ("paths", self.paths.to_string(), reference.paths.to_string());
        differ(
            "shard count",
            self.count.to_string(),
            reference.count.to_string(),
        );
        differ("units", self.units.to_string(), reference.units.to_string());
        out
    }
}

/// The range shard `share` gets, in words.
fn expected_range(kind: PartialKind, share: Share, units: usize, paths: usize) -> String {
    let range = share.range(units);
    match kind {
        PartialKind::Run => {
            let p = block_paths(&range, paths);
            format!(
                "blocks {}..{}, paths {}..{}",
                range.start, range.end, p.start, p.end
            )
        }
        PartialKind::Frontier => format!("points {}..{}", range.start, range.end),
    }
}

/// Checks that the partials are the shards of one run, each present once with its range,
/// and returns them in shard order. Every problem is a line naming the folder.
fn check_partials(
    read: Vec<(PathBuf, PartialManifest)>,
) -> Result<Vec<(PathBuf, PartialManifest)>, AppError> {
    // the work most partials are a part of is the merge's; the others are foreign
    let mut counts: BTreeMap<Identity, (usize, usize)> = BTreeMap::new();
    for (order, (_, m)) in read.iter().enumerate() {
        let entry = counts.entry(Identity::of(m)).or_insert((0, order));
        entry.0 += 1;
    }
    let reference = counts
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
        .map(|(identity, _)| identity.clone())
        .unwrap_or_else(|| Identity::of(&read[0].1));
    let mut problems = Vec::new();
    let mut by_index: BTreeMap<usize, Vec<(PathBuf, PartialManifest)>> = BTreeMap::new();
    for (dir, manifest) in read {
        let identity = Identity::of(&manifest);
        if identity != reference {
            problems.push(format!(
                "{}: a foreign shard (not a part of the same run as the others): {}",
                dir.display(),
                identity.differences(&reference).join("; ")
            ));
            continue;
        }
        let share = manifest.shard;
        let range = share.range(manifest.units);
        let path_range = (manifest.kind == PartialKind::Run)
            .then(|| block_paths(&range, manifest.paths))
            .map(|p| (p.start, p.end));
        if manifest.range() != range || manifest.path_range != path_range {
            problems.push(format!(
                "{}: shard {share} records {}, but shard {share} has {}: damaged partial; rerun the shard",
                dir.display(),
                manifest.describe_range(),
                expected_range(manifest.kind, share, manifest.units, manifest.paths)
            ));
            continue;
        }
        by_index
            .entry(share.index())
            .or_default()
            .push((dir, manifest));
    }
    let kind = if reference.kind == "run" {
        PartialKind::Run
    } else {
        PartialKind::Frontier
    };
    for index in 0..reference.count {
        let share = Share::new(index, reference.count).map_err(AppError::Input)?;
        match by_index.get(&index).map(Vec::len).unwrap_or(0) {
            0 => problems.push(format!(
                "shard {share} ({}) is missing: give its partial folder, or run it (`{} --{} {share} --partial-out DIR`)",
                expected_range(kind, share, reference.units, reference.paths),
                if kind == PartialKind::Run {
                    "run SCENARIO"
                } else {
                    "frontier SCENARIO --applicants FILE"
                },
                if kind == PartialKind::Run { "shard" } else { "point" },
            )),
            1 => {}
            _ => problems.push(format!(
                "shard {share} is given more than once: {}; give each shard once",
                by_index[&index]
                    .iter()
                    .map(|(d, _)| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Input(problems.join("\n")));
    }
    Ok(by_index.into_values().flatten().collect())
}

/// What the merge found, for its log.
fn found_lines(partials: &[(PathBuf, PartialManifest)]) -> Vec<String> {
    let first = &partials[0].1;
    let mut lines = vec![match first.kind {
        PartialKind::Run => format!(
            "merge: {} shards of run `{}` (seed {}): {} blocks of up to {} paths, {} paths, each block once",
            partials.len(),
            first.scenario,
            first.seed,
            first.units,
            crate::engine::BLOCK_PATHS,
            first.paths
        ),
        PartialKind::Frontier => format!(
            "merge: {} shards of the frontier of `{}` (seed {}): {} policy points of {} paths, each point once",
            partials.len(),
            first.scenario,
            first.seed,
            first.units,
            first.paths
        ),
    }];
    for (dir, m) in partials {
        lines.push(format!(
            "  shard {}: {} ← {}",
            m.shard,
            m.describe_range(),
            dir.display()
        ));
    }
    lines
}

/// The digest of the inputs as the merge reads them must be the shards'.
fn check_inputs(
    digest: &InputDigest,
    partials: &[(PathBuf, PartialManifest)],
    scenario: &Path,
) -> Result<(), AppError> {
    let (now, _) = digest.clone().finish();
    let recorded = &partials[0].1.inputs_digest;
    if &now != recorded {
        return Err(AppError::Input(format!(
            "{}: the inputs (this scenario and the files it names, as read from here) digest to {now}, but the shards read inputs digesting to {recorded}: a file changed since the shards ran, or merge runs where the relative paths name other files; merge from the folder the shards ran in",
            scenario.display()
        )));
    }
    Ok(())
}

/// The request a shard recorded, as `run`'s, writing into `out`.
fn run_request(
    partial: &PartialManifest,
    out: Option<PathBuf>,
    quiet: bool,
    lang: Option<Lang>,
    xlsx: bool,
) -> Result<RunRequest, AppError> {
    let recorded = &partial.request;
    let overrides = recorded
        .overrides
        .iter()
        .map(|text| {
            Override::parse(text)
                .map_err(|e| AppError::Input(format!("{PARTIAL_NAME}: --set {text}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RunRequest {
        scenario: recorded.scenario.clone(),
        paths: recorded
            .paths
            .map(PathCount::new)
            .transpose()
            .map_err(|e| AppError::Input(format!("{PARTIAL_NAME}: paths: {e}")))?,
        seed: recorded.seed,
        out,
        quiet,
        lang,
        overrides,
        xlsx,
    })
}

/// How errors name the manifest of a partial.
const PARTIAL_NAME: &str = super::partial::PARTIAL_FILE;

fn merge_run(
    request: &MergeRequest,
    partials: &[(PathBuf, PartialManifest)],
) -> Result<MergeResult, AppError> {
    let first = &partials[0].1;
    let run_request = run_request(
        first,
        request.out.clone(),
        request.quiet,
        request.lang,
        request.xlsx,
    )?;
    let prepared = prepare_run(&run_request)?;
    check_inputs(&prepared.digest, partials, &run_request.scenario)?;
    let report = ReportDir::create(&report_folder(&run_request, &prepared), ReportKind::Run)
        .map_err(output_error)?;
    let model = stochastic_pool(&prepared);
    let wal = run_wal(&prepared)?;
    let settings = monte_carlo_settings(&prepared, &wal);

    let started = Instant::now();
    let mut sampling = None;
    let (mut blocks, mut paths, mut logs) = (Vec::new(), Vec::new(), Vec::new());
    for (dir, manifest) in partials {
        let data: RunPartialData = read_data(dir, manifest)?;
        let (a, b) = manifest.path_range.unwrap_or((0, 0));
        let whole = data.blocks.len() == manifest.end - manifest.first
            && data.paths.len() == b - a
            && data.logs.len() == if manifest.logged { b - a } else { 0 }
            && data.paths.iter().zip(a..b).all(|(p, i)| p.path == i as u64);
        if !whole {
            return Err(AppError::Input(format!(
                "{}: its data do not hold the blocks and paths its {PARTIAL_NAME} records: damaged partial; rerun shard {}",
                dir.display(),
                manifest.shard
            )));
        }
        match &sampling {
            None => sampling = Some((data.sampling, data.tail_shifts)),
            Some((s, t)) if *s == data.sampling && *t == data.tail_shifts => {}
            Some(_) => {
                return Err(AppError::Input(format!(
                    "{}: shard {} sampled the factors otherwise than shard {} (its preparation differs): a foreign shard; rerun it",
                    dir.display(),
                    manifest.shard,
                    first.shard
                )));
            }
        }
        blocks.extend(data.blocks);
        paths.extend(data.paths);
        logs.extend(data.logs);
    }
    let read_seconds = started.elapsed().as_secs_f64();
    let (sampling, tail_shifts) =
        sampling.ok_or_else(|| AppError::Failure(anyhow::anyhow!("merge: no partial was read")))?;
    let deal = &prepared.scenario.deal;
    let run = assemble_run(
        deal,
        &settings,
        model.pool.closing_balance,
        sampling,
        tail_shifts,
        &blocks,
        paths,
    );
    let split = split_record(&partials.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>());
    let shard_seconds: f64 = partials.iter().map(|(_, m)| m.seconds).sum();
    let result = finish_run(
        &run_request,
        &prepared,
        &model,
        report,
        MonteCarloPaths {
            run,
            logs,
            seconds: shard_seconds,
        },
        &wal,
        Some(&split),
    )?;
    Ok(MergeResult {
        out_dir: result.out_dir,
        warnings: result.warnings,
        found: Vec::new(),
        terminal_summary: format!(
            "{}\n(Monte Carlo time summed over the shards; partials read in {read_seconds:.1} s)",
            result.terminal_summary
        ),
    })
}

fn merge_frontier(
    request: &MergeRequest,
    partials: &[(PathBuf, PartialManifest)],
) -> Result<MergeResult, AppError> {
    let first = &partials[0].1;
    let recorded = &first.request;
    let common = run_request(
        first,
        request.out.clone(),
        request.quiet,
        request.lang,
        request.xlsx,
    )?;
    let frontier_request = FrontierRequest {
        common,
        applicants: recorded.applicants.clone().ok_or_else(|| {
            AppError::Input(format!(
                "{}: a frontier shard's {PARTIAL_NAME} names no applicants: damaged partial",
                partials[0].0.display()
            ))
        })?,
        model: recorded.model.clone(),
        policy: recorded.policy.clone(),
    };
    let setup = FrontierSetup::load(&frontier_request)?;
    check_inputs(&setup.digest, partials, &frontier_request.common.scenario)?;
    let report = ReportDir::create(
        &setup.report_folder(&frontier_request),
        ReportKind::Frontier,
    )
    .map_err(output_error)?;
    let grid = setup.grid.points();
    if grid.len() != first.units {
        return Err(AppError::Input(format!(
            "{}: the frontier's grid has {} policy points, the shards' {}: merge from the folder the shards ran in",
            frontier_request.common.scenario.display(),
            grid.len(),
            first.units
        )));
    }
    let mut points = Vec::with_capacity(first.units);
    for (dir, manifest) in partials {
        let data: FrontierPartialData = read_data(dir, manifest)?;
        let expected = &grid[manifest.first..manifest.end];
        let same_points = data.points.len() == expected.len()
            && data
                .points
                .iter()
                .zip(expected)
                .all(|(p, &(c, m))| p.cutoff == c && p.limit_multiplier == m);
        if !same_points {
            return Err(AppError::Input(format!(
                "{}: its data hold {} points, its {PARTIAL_NAME} records {}: damaged partial; rerun shard {}",
                dir.display(),
                data.points.len(),
                manifest.end - manifest.first,
                manifest.shard
            )));
        }
        points.extend(data.points);
    }
    let split = split_record(&partials.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>());
    let seconds: f64 = partials.iter().map(|(_, m)| m.seconds).sum();
    let report = finish_frontier(
        &frontier_request,
        &setup,
        report,
        points,
        seconds,
        Some(&split),
    )?;
    Ok(MergeResult {
        out_dir: report.out_dir,
        warnings: report.warnings,
        found: Vec::new(),
        terminal_summary: report.terminal_summary,
    })
}
