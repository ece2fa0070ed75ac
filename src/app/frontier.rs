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
use crate::report::manifest::InputDigest;
use crate::report::manifest::Manifest;
use crate::report::sizing::{APPROVAL_POLICY_FILE, approval_policy_toml, frontier_csv};
use crate::report::summary::{FrontierCommand, FrontierResults, frontier_summary};
use crate::report::{ReportDir, ReportKind, terminal};
use crate::sizing::frontier::{
    Frontier, FrontierError, FrontierInputs, FrontierPoint, Grid, Recommendation, default_cutoffs,
    evaluate_point, grid_policy, recommend,
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

/// Everything a frontier reads before its first policy point: the scenario with its pool,
/// the credit model and base policy, the applicants, the term and fee mix, the grid and the
/// Monte Carlo settings, and the digest of every input.
pub struct FrontierSetup {
    pub prepared: Prepared,
    pub model_path: Option<PathBuf>,
    pub policy_path: Option<PathBuf>,
    pub scorecard: credit::Scorecard,
    pub base_policy: credit::Policy,
    pub digest: InputDigest,
    pub applicants: credit::ApplicantFile,
    pub mix: OriginationMix,
    pub grid: Grid,
    pub settings: MonteCarloSettings,
}

impl FrontierSetup {
    /// Reads and checks the frontier's inputs (exit 2 for a bad one).
    pub fn load(request: &FrontierRequest) -> Result<FrontierSetup, AppError> {
        let common = &request.common;
        let prepared = prepare_frontier(common)?;
        let scenario = &prepared.scenario;
        let model_path = request.model.clone().or(scenario.credit.model.clone());
        let policy_path = request.policy.clone().or(scenario.credit.policy.clone());
        let (scorecard, base_policy) =
            load_model_and_policy(model_path.as_deref(), policy_path.as_deref())?;
        let mut digest = prepared.digest.clone();
        for (label, given) in [("model", &request.model), ("policy", &request.policy)] {
            if let Some(path) = given {
                add_input_file(&mut digest, &format!("credit {label}"), path)?;
            }
        }
        let applicants = credit::read_applicants(&request.applicants).map_err(applicant_error)?;
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
        Ok(FrontierSetup {
            prepared,
            model_path,
            policy_path,
            scorecard,
            base_policy,
            digest,
            applicants,
            mix,
            grid,
            settings,
        })
    }

    /// The frontier's report folder: `--out`, else `reports/<scenario name>_frontier/`.
    pub fn report_folder(&self, request: &FrontierRequest) -> PathBuf {
        request.common.out.clone().unwrap_or_else(|| {
            Path::new("reports").join(format!("{}_frontier", self.prepared.scenario.name))
        })
    }

    /// The manifest of the frontier's folder (and of its shards' partials).
    pub fn manifest(&self) -> Manifest {
        Manifest::new(
            &self.prepared.scenario.name,
            self.digest.clone(),
            self.settings.seed,
            self.settings.paths,
        )
    }

    /// Evaluates the grid's points `range` (cut-offs outer, multipliers inner), calling
    /// `on_point` with the number done.
    pub fn evaluate_points(
        &self,
        request: &FrontierRequest,
        range: std::ops::Range<usize>,
        mut on_point: impl FnMut(usize),
    ) -> Result<Vec<FrontierPoint>, AppError> {
        let scenario = &self.prepared.scenario;
        let inputs = FrontierInputs {
            applicants: &self.applicants.applicants,
            scorecard: &self.scorecard,
            base_policy: &self.base_policy,
            mix: &self.mix,
            assumptions: &scenario.assumptions,
            deal: &scenario.deal,
            monte_carlo: self.settings.clone(),
            origination_seed: scenario.simulation.seed,
        };
        let grid_points = self.grid.points();
        let mut points = Vec::with_capacity(range.len());
        for (done, &(cutoff, multiplier)) in grid_points[range].iter().enumerate() {
            let point = evaluate_point(&inputs, cutoff, multiplier).map_err(|e| match e {
                FrontierError::Pool(problem) => AppError::Input(format!(
                    "{}: the receivables the applicants of {} would draw do not fit the scenario: {problem}",
                    request.common.scenario.display(),
                    request.applicants.display()
                )),
                FrontierError::Waterfall(bug) => AppError::Failure(bug.into()),
            })?;
            points.push(point);
            on_point(done + 1);
        }
        Ok(points)
    }
}

/// `frontier`: the approval-policy frontier of an applicant file under a scenario's deal,
/// and the recommended policy, written atomically into the report folder (SPEC §7.2).
pub fn frontier(request: &FrontierRequest) -> Result<FrontierReport, AppError> {
    let setup = FrontierSetup::load(request)?;
    // the destination is checked, locked and found writable before any work (SPEC §8)
    let report = ReportDir::create(&setup.report_folder(request), ReportKind::Frontier)
        .map_err(output_error)?;
    let total = setup.grid.points().len();
    let bar = progress_bar(
        request.common.quiet,
        total,
        "Frontier {bar:40} {pos}/{len} policies, {elapsed} elapsed, about {eta} left",
    );
    bar.tick();
    let started = Instant::now();
    let points = setup.evaluate_points(request, 0..total, |done| bar.set_position(done as u64))?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    finish_frontier(request, &setup, report, points, seconds, None)
}

/// The frontier of every grid point (evaluated here, or gathered from shards by `merge`):
/// targets checked, the policy recommended, the files, `summary.json` (with the record of a
/// split, for `merge`), chart and report written, and the folder put in place.
pub fn finish_frontier(
    request: &FrontierRequest,
    setup: &FrontierSetup,
    report: ReportDir,
    mut points: Vec<FrontierPoint>,
    seconds: f64,
    split: Option<&crate::report::summary::SplitRecord>,
) -> Result<FrontierReport, AppError> {
    let common = &request.common;
    let prepared = &setup.prepared;
    let scenario = &prepared.scenario;
    let base_policy = &setup.base_policy;
    let recommendation = recommend(&mut points, &scenario.targets);
    let frontier = Frontier {
        grid: setup.grid.clone(),
        points,
        recommendation,
    };
    let out_dir = setup.report_folder(request);

    write_file(
        &report,
        "frontier.csv",
        frontier_csv(&frontier, scenario.targets.funding_need),
    )?;
    let recommended_policy = match frontier.recommendation {
        Recommendation::Recommended { point } => {
            let p = &frontier.points[point];
            let policy = grid_policy(base_policy, p.cutoff, p.limit_multiplier);
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
    let manifest = setup.manifest();
    let warnings = frontier_warnings(prepared, &setup.applicants.warnings, &common.scenario);
    let results = FrontierResults {
        scenario,
        manifest: &manifest,
        command: FrontierCommand {
            scenario: &common.scenario,
            applicants: &request.applicants,
            model: request.model.as_deref(),
            policy: request.policy.as_deref(),
        },
        model: setup.model_path.as_deref(),
        base_policy: (setup.policy_path.as_deref(), base_policy),
        applicants: setup.applicants.applicants.len(),
        frontier: &frontier,
        recommended_policy: recommended_policy.as_ref(),
        warnings: &warnings,
    };
    if common.xlsx {
        super::write_workbook(&report)?;
    }
    let mut summary = frontier_summary(&results);
    if let Some(split) = split {
        super::partial::add_split_record(&mut summary, split);
    }
    // the frontier chart and report.html, drawn from the files just written
    let out_dir = write_report(report, &summary, Some(&out_dir), scenario.report.lang)?;
    let terminal_summary = terminal::frontier_summary(&results, seconds, &out_dir);
    Ok(FrontierReport {
        terminal_summary,
        out_dir,
        warnings,
        frontier,
    })
}

/// The scenario with its pool, `--paths` (paths per policy), `--seed` and `--lang` applied.
fn prepare_frontier(common: &RunRequest) -> Result<Prepared, AppError> {
    let mut prepared = prepare_with(&common.scenario, &common.overrides)?;
    if let Some(paths) = common.paths {
        prepared.scenario.frontier.paths = paths.get();
    }
    if let Some(seed) = common.seed {
        prepared.scenario.simulation.seed = seed;
    }
    if let Some(lang) = common.lang {
        prepared.scenario.report.lang = lang;
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
