//! `frontier`: the approval-policy frontier of an applicant file under a scenario's deal, and
//! the recommended policy, written atomically into the report folder (SPEC §7.2), stage by
//! stage: prepare → destination → model, policy and applicants → grid → frontier → files →
//! render → commit.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::credit::{applicant_error, load_model_and_policy};
use super::{
    AppError, Prepared, add_input_file, output_error, prepare_with, progress_bar, write_file,
    write_report,
};
use crate::credit::{self, origination::OriginationMix};
use crate::engine::MonteCarloSettings;
use crate::report::manifest::Manifest;
use crate::report::sizing::{APPROVAL_POLICY_FILE, approval_policy_toml, frontier_csv};
use crate::report::summary::{FrontierCommand, FrontierResults, frontier_summary};
use crate::report::{ReportDir, ReportKind, terminal};
use crate::sizing::frontier::{
    Frontier, FrontierError, FrontierInputs, Grid, Recommendation, default_cutoffs, grid_policy,
    run_frontier,
};

use super::run::RunRequest;

/// `frontier`, as the command line asks for it: every value already checked.
#[derive(Debug, Clone, Default)]
pub struct FrontierRequest {
    /// The scenario, paths per policy (overriding `[frontier] paths`), seed of the origination
    /// draws and the paths, folder (`reports/<scenario name>_frontier/` when `None`) and
    /// quiet flag, as `run` takes them.
    pub common: RunRequest,
    pub applicants: PathBuf,
    /// Credit model (default: the scenario's `[credit] model`, else the built-in one).
    pub model: Option<PathBuf>,
    /// Base approval policy (default: the scenario's `[credit] policy`, else the built-in one).
    pub policy: Option<PathBuf>,
}

/// What `frontier` produced.
pub struct FrontierReport {
    pub out_dir: PathBuf,
    pub warnings: Vec<String>,
    pub terminal_summary: String,
    pub frontier: Frontier,
}

/// `frontier`: the approval-policy frontier of an applicant file under a scenario's deal,
/// and the recommended policy, written atomically into the report folder (SPEC §7.2).
pub fn frontier(request: &FrontierRequest) -> Result<FrontierReport, AppError> {
    let common = &request.common;
    let prepared = prepare_frontier(common)?;
    let scenario = &prepared.scenario;
    // the destination is checked, locked and found writable before any work (SPEC §8)
    let out_dir = common
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(format!("{}_frontier", scenario.name)));
    let report = ReportDir::create(&out_dir, ReportKind::Frontier).map_err(output_error)?;

    let model_path = request
        .model
        .as_deref()
        .or(scenario.credit.model.as_deref());
    let policy_path = request
        .policy
        .as_deref()
        .or(scenario.credit.policy.as_deref());
    let (scorecard, base_policy) = load_model_and_policy(model_path, policy_path)?;
    let mut digest = prepared.digest.clone();
    for (label, given) in [("model", &request.model), ("policy", &request.policy)] {
        if let Some(path) = given {
            add_input_file(&mut digest, &format!("credit {label}"), path)?;
        }
    }
    let file = credit::read_applicants(&request.applicants).map_err(applicant_error)?;
    add_input_file(&mut digest, "applicants", &request.applicants)?;
    let mix = OriginationMix::from_receivables(&prepared.receivables).ok_or_else(|| {
        AppError::Input(format!(
            "{}: the scenario's pool has no eligible receivable to take the term and fee mix from",
            common.scenario.display()
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
        tail_targets: Vec::new(),
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
    let bar = progress_bar(
        common.quiet,
        grid.points().len(),
        "Frontier {bar:40} {pos}/{len} policies, {elapsed} elapsed, about {eta} left",
    );
    bar.tick();
    let started = Instant::now();
    let frontier = run_frontier(&inputs, &grid, &scenario.targets, |done| {
        bar.set_position(done as u64)
    })
    .map_err(|e| match e {
        FrontierError::Pool(problem) => AppError::Input(format!(
            "{}: the receivables the applicants of {} would draw do not fit the scenario: {problem}",
            common.scenario.display(),
            request.applicants.display()
        )),
        FrontierError::Waterfall(bug) => AppError::Failure(bug.into()),
    })?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    write_file(
        &report,
        "frontier.csv",
        frontier_csv(&frontier, scenario.targets.funding_need),
    )?;
    let recommended_policy = match frontier.recommendation {
        Recommendation::Recommended { point } => {
            let p = &frontier.points[point];
            let policy = grid_policy(&base_policy, p.cutoff, p.limit_multiplier);
            let text = approval_policy_toml(&scenario.name, &request.applicants, p, &policy);
            write_file(
                &report,
                APPROVAL_POLICY_FILE,
                Ok::<_, String>(text.into_bytes()),
            )?;
            Some(policy)
        }
        _ => None,
    };
    let manifest = Manifest::new(&scenario.name, digest, settings.seed, settings.paths);
    let warnings = frontier_warnings(&prepared, &file.warnings, &common.scenario);
    let results = FrontierResults {
        scenario,
        manifest: &manifest,
        command: FrontierCommand {
            scenario: &common.scenario,
            applicants: &request.applicants,
            model: request.model.as_deref(),
            policy: request.policy.as_deref(),
        },
        model: model_path,
        base_policy: (policy_path, &base_policy),
        applicants: file.applicants.len(),
        frontier: &frontier,
        recommended_policy: recommended_policy.as_ref(),
        warnings: &warnings,
    };
    if common.xlsx {
        super::write_workbook(&report)?;
    }
    // the frontier chart and report.html, drawn from the files just written
    let out_dir = write_report(report, &frontier_summary(&results), Some(&out_dir))?;
    let terminal_summary = terminal::frontier_summary(&results, seconds, &out_dir);
    Ok(FrontierReport {
        terminal_summary,
        out_dir,
        warnings,
        frontier,
    })
}

/// The scenario with its pool, `--paths` (paths per policy) and `--seed` applied.
fn prepare_frontier(common: &RunRequest) -> Result<Prepared, AppError> {
    let mut prepared = prepare_with(&common.scenario, &common.overrides)?;
    if let Some(paths) = common.paths {
        prepared.scenario.frontier.paths = paths.get();
    }
    if let Some(seed) = common.seed {
        prepared.scenario.simulation.seed = seed;
    }
    Ok(prepared)
}

/// The frontier's warnings: the scenario's and the applicants', and a word when nothing is
/// sized. The scenario's own pool only lends its term and fee mix: its past-due receivables
/// are no concern of the frontier's.
fn frontier_warnings(
    prepared: &Prepared,
    applicant_warnings: &[String],
    scenario_path: &Path,
) -> Vec<String> {
    let past_due = prepared.pool.past_due_warning();
    let mut warnings: Vec<String> = prepared
        .warnings
        .iter()
        .filter(|w| Some(*w) != past_due.as_ref())
        .cloned()
        .collect();
    warnings.extend(applicant_warnings.iter().cloned());
    if prepared
        .scenario
        .deal
        .tranches
        .iter()
        .all(|t| t.target_rating.is_none())
    {
        warnings.push(format!(
            "{}: `deal.tranches`: no tranche has a `target_rating`, so the frontier sizes nothing: funding capacity and advance rate follow the scenario's shares",
            scenario_path.display()
        ));
    }
    warnings
}
