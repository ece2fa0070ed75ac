//! A frontier's `summary.json`: the command that reproduces it, the scenario's structure, the
//! applicants, the credit model and base policy, how the pools were originated, the grid,
//! the targets, the recommendation with its treasury view, and every grid point.

use std::path::Path;

use super::schema::*;
use super::{
    RunsKey, expected_loss_sizing, method_capacity, round_cents, tdr_bdr_sizing, treasury,
};
use crate::credit::Policy;
use crate::report::manifest::Manifest;
use crate::report::sizing::{APPROVAL_POLICY_FILE, describe_shortfall};
use crate::report::terms::TargetTerms;
use crate::scenario::{Scenario, SizingMethod};
use crate::sizing::frontier::{Frontier, FrontierPoint, Recommendation, Shortfall, TargetKind};

/// The files a `frontier` command was given, as given on the command line.
#[derive(Clone, Copy)]
pub struct FrontierCommand<'a> {
    pub scenario: &'a Path,
    pub applicants: &'a Path,
    /// `--model`, when given.
    pub model: Option<&'a Path>,
    /// `--policy`, when given.
    pub policy: Option<&'a Path>,
}

/// Everything a frontier found, as the report stage takes it.
#[derive(Clone, Copy)]
pub struct FrontierResults<'a> {
    /// The scenario as run (after `--paths` and `--seed`).
    pub scenario: &'a Scenario,
    pub manifest: &'a Manifest,
    pub command: FrontierCommand<'a>,
    /// The credit model used: its file, `None` for the built-in one.
    pub model: Option<&'a Path>,
    /// The base policy used: its file (`None` for the built-in one) and the policy.
    pub base_policy: (Option<&'a Path>, &'a Policy),
    /// Applicants in the file.
    pub applicants: usize,
    pub frontier: &'a Frontier,
    /// The policy written to `approval_policy.toml`, when one is recommended.
    pub recommended_policy: Option<&'a Policy>,
    pub warnings: &'a [String],
}

/// A grid point, money to the cent.
fn point(point: &FrontierPoint) -> PointSummary {
    PointSummary {
        cutoff: point.cutoff,
        limit_multiplier: point.limit_multiplier,
        applicants: point.applicants,
        approved: point.approved,
        approval_rate: point.approval_rate,
        approved_limits: round_cents(point.approved_limits),
        receivables: point.receivables,
        pool_balance: round_cents(point.pool_balance),
        weighted_pd: point.weighted_pd,
        pool_el: point.pool_el,
        pool_el_se: point.pool_el_se,
        senior_credit_enhancement: point.senior_credit_enhancement,
        funding_capacity: round_cents(point.funding_capacity),
        advance_rate: point.advance_rate,
        meets_targets: point.meets_targets,
        recommended: point.recommended,
        shortfalls: point
            .shortfalls
            .iter()
            .map(|s| ShortfallSummary {
                target: s.target,
                required: shortfall_amount(s, s.required),
                achieved: s.achieved.map(|a| shortfall_amount(s, a)),
                shortfall: s.shortfall.map(|g| shortfall_amount(s, g)),
                relative: s.relative.is_finite().then_some(s.relative),
                text: describe_shortfall(s),
            })
            .collect(),
        sizing_method: point.method,
        funding_capacity_by_method: SizingMethod::ALL
            .iter()
            .map(|&m| method_capacity(m, capacity_by(point, m)))
            .collect(),
        sizing: point.sizing.as_ref().map(|s| expected_loss_sizing(s, true)),
        sizing_tdr_bdr: point
            .sizing_tdr_bdr
            .as_ref()
            .map(|s| tdr_bdr_sizing(s, RunsKey::Runs)),
    }
}

/// A point's funding capacity (CNY) and advance rate sized by `method`.
fn capacity_by(point: &FrontierPoint, method: SizingMethod) -> Option<(f64, f64)> {
    match method {
        SizingMethod::TdrBdr => point
            .sizing_tdr_bdr
            .as_ref()
            .map(|s| (s.funding_capacity, s.advance_rate)),
        SizingMethod::ExpectedLoss => point
            .sizing
            .as_ref()
            .map(|s| (s.funding_capacity, s.advance_rate)),
    }
}

/// A shortfall's number as written: CNY to the cent for `funding_need`, a share as it is.
fn shortfall_amount(shortfall: &Shortfall, value: f64) -> f64 {
    match shortfall.target {
        TargetKind::FundingNeed => round_cents(value),
        TargetKind::MaxPoolEl | TargetKind::MinAdvanceRate => value,
    }
}

/// The recommendation, and the point whose capacity the treasury sees with its role.
fn recommendation<'a>(
    frontier: &'a Frontier,
    recommended_policy: Option<&Policy>,
) -> (
    RecommendationSummary,
    Option<(&'static str, &'a FrontierPoint)>,
) {
    match &frontier.recommendation {
        Recommendation::Recommended { point: index } => {
            let p = &frontier.points[*index];
            (
                RecommendationSummary::Recommended {
                    cutoff: p.cutoff,
                    limit_multiplier: p.limit_multiplier,
                    policy_file: APPROVAL_POLICY_FILE.into(),
                    policy: recommended_policy.cloned(),
                    volume_measure: "pool_balance".into(),
                    point: Box::new(point(p)),
                },
                Some(("recommended", p)),
            )
        }
        Recommendation::Infeasible {
            point: index,
            binding,
            relaxation,
        } => {
            let p = &frontier.points[*index];
            let binding_shortfall = p.shortfalls.iter().find(|s| s.target == *binding);
            (
                RecommendationSummary::Infeasible {
                    message: "no grid point meets every target; no approval policy written".into(),
                    closest: PolicyPoint {
                        cutoff: p.cutoff,
                        limit_multiplier: p.limit_multiplier,
                    },
                    binding_target: *binding,
                    binding_shortfall: binding_shortfall
                        .and_then(|s| Some(shortfall_amount(s, s.shortfall?))),
                    binding_text: binding_shortfall.map(describe_shortfall),
                    relaxation_needed: relaxation.is_finite().then_some(*relaxation),
                    shortfalls: p.shortfalls.iter().map(describe_shortfall).collect(),
                    point: Box::new(point(p)),
                },
                Some(("closest", p)),
            )
        }
        Recommendation::NothingApproved => (
            RecommendationSummary::NothingApproved {
                message: "no grid point approves any applicant; no approval policy written".into(),
            },
            None,
        ),
    }
}

/// A frontier's `summary.json`.
pub fn frontier_summary(results: &FrontierResults) -> Summary {
    let FrontierResults {
        scenario,
        manifest,
        command,
        model,
        base_policy,
        applicants,
        frontier,
        recommended_policy,
        warnings,
    } = *results;
    let deal = &scenario.deal;
    let file_or_built_in = |path: Option<&Path>| {
        path.map_or_else(|| "built-in".to_string(), |p| p.display().to_string())
    };
    let (recommendation, treasury_point) = recommendation(frontier, recommended_policy);
    let sized = |m: SizingMethod| treasury_point.and_then(|(_, p)| capacity_by(p, m));
    let mut treasury = treasury(
        deal.sizing_method,
        treasury_point.map(|(_, p)| p.funding_capacity),
        treasury_point.and_then(|(_, p)| p.advance_rate),
        scenario.targets.funding_need,
        SizingMethod::ALL
            .iter()
            .map(|&m| method_capacity(m, sized(m)))
            .collect(),
    );
    treasury.policy = Some(treasury_point.map(|(which, _)| which.to_string()));
    treasury.cutoff = Some(treasury_point.map(|(_, p)| p.cutoff));
    treasury.limit_multiplier = Some(treasury_point.map(|(_, p)| p.limit_multiplier));
    treasury.pool_balance = Some(treasury_point.map(|(_, p)| round_cents(p.pool_balance)));
    let path_text = |path: Option<&Path>| path.map(|p| p.display().to_string());
    Summary {
        manifest: manifest.clone(),
        // what reproduces the folder (with `--out`, which is left out so the bytes do not
        // depend on where the folder went): the files as given on the command line
        command: Some(CommandInfo {
            command: "frontier".into(),
            scenario: command.scenario.display().to_string(),
            applicants: command.applicants.display().to_string(),
            model: path_text(command.model),
            policy: path_text(command.policy),
            paths: manifest.paths,
            seed: manifest.seed,
        }),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            file: scenario.file.as_ref().map(|f| f.display().to_string()),
            rating_table: deal.rating_table.source.clone(),
            sizing_method: deal.sizing_method,
            pd_table: deal.pd_table.source.clone(),
            stress_table: deal.stress_table.source.clone(),
            tranches: Some(
                deal.tranches
                    .iter()
                    .map(|t| ScenarioTranche {
                        name: t.name.clone(),
                        scenario_share: t.share,
                        coupon: t.coupon,
                        target_rating: t.target_rating.clone(),
                    })
                    .collect(),
            ),
        },
        applicants: Some(ApplicantsInfo {
            file: command.applicants.display().to_string(),
            count: applicants,
        }),
        credit: Some(CreditInfo {
            model: file_or_built_in(model),
            base_policy: file_or_built_in(base_policy.0),
            base_cutoff: base_policy.1.cutoff,
            base_limit_multiplier: base_policy.1.limit_multiplier,
        }),
        origination: Some(OriginationInfo {
            seed: manifest.seed,
            term_and_fee_mix: "the scenario's eligible pool, weighted by balance".into(),
            utilization:
                "Beta(2, 2.5) of the limit, one draw per approved applicant from its own stream"
                    .into(),
            pool_scaling: "none: the pool is the approved applicants' drawn balances; [pool] target_balance is not applied".into(),
        }),
        grid: Some(GridInfo {
            cutoffs: frontier.grid.cutoffs.clone(),
            limit_multipliers: frontier.grid.limit_multipliers.clone(),
            points: frontier.points.len(),
            paths_per_point: manifest.paths,
            importance_sampling: scenario.simulation.importance_sampling,
            cutoffs_source: if scenario.frontier.cutoffs.is_some() {
                "scenario [frontier] cutoffs"
            } else {
                "default: the base policy's cut-off −40 to +50 in steps of 10"
            }
            .into(),
        }),
        targets: Some(TargetTerms::of(scenario)),
        recommendation: Some(recommendation),
        treasury: Some(treasury),
        points: Some(frontier.points.iter().map(point).collect()),
        warnings: warnings.to_vec(),
        ..Summary::default()
    }
}
