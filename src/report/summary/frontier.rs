//! A frontier's `summary.json`: the command that reproduces it, the scenario's structure, the
//! applicants, the credit model and base policy, how the pools were originated, the grid,
//! the targets, the recommendation with its treasury view, and every grid point.

use std::path::Path;

use serde_json::json;

use super::{add_funding_position, round_cents, round_money_fields};
use crate::credit::Policy;
use crate::report::manifest::Manifest;
use crate::report::sizing::{APPROVAL_POLICY_FILE, describe_shortfall};
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
        "sizing_method": point.method,
        "funding_capacity_by_method": SizingMethod::ALL.iter().map(|&m| json!({
            "method": m.as_str(),
            "funding_capacity": capacity_by(point, m).map(|c| round_cents(c.0)),
            "advance_rate": capacity_by(point, m).map(|c| c.1),
        })).collect::<Vec<_>>(),
        "sizing": point.sizing.as_ref().map(sizing_json),
        "sizing_tdr_bdr": point.sizing_tdr_bdr.as_ref().map(sizing_json),
    })
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

/// A sized structure with its money rounded to the cent.
fn sizing_json(sizing: &impl serde::Serialize) -> serde_json::Value {
    let mut sizing = json!(sizing);
    round_money_fields(&mut sizing, &["funding_capacity"]);
    if let Some(tranches) = sizing.get_mut("tranches") {
        round_money_fields(tranches, &["amount"]);
    }
    sizing
}

/// A shortfall's number as written: CNY to the cent for `funding_need`, a share as it is.
fn shortfall_amount(shortfall: &Shortfall, value: f64) -> f64 {
    match shortfall.target {
        TargetKind::FundingNeed => round_cents(value),
        TargetKind::MaxPoolEl | TargetKind::MinAdvanceRate => value,
    }
}

/// A frontier's `summary.json`.
pub fn frontier_summary(results: &FrontierResults) -> serde_json::Value {
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
        "method": scenario.deal.sizing_method,
        "by_method": SizingMethod::ALL.iter().map(|&m| {
            let sized = treasury_point.and_then(|(_, p)| capacity_by(p, m));
            json!({
                "method": m.as_str(),
                "funding_capacity": sized.map(|c| round_cents(c.0)),
                "advance_rate": sized.map(|c| c.1),
            })
        }).collect::<Vec<_>>(),
    });
    add_funding_position(
        &mut treasury,
        treasury_point.map(|(_, p)| p.funding_capacity),
        targets.funding_need,
    );
    let path_text = |path: Option<&Path>| path.map(|p| p.display().to_string());
    json!({
        "manifest": manifest,
        // what reproduces the folder (with `--out`, which is left out so the bytes do not
        // depend on where the folder went): the files as given on the command line
        "command": {
            "command": "frontier",
            "scenario": command.scenario.display().to_string(),
            "applicants": command.applicants.display().to_string(),
            "model": path_text(command.model),
            "policy": path_text(command.policy),
            "paths": manifest.paths,
            "seed": manifest.seed,
        },
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "file": scenario.file.as_ref().map(|f| f.display().to_string()),
            "rating_table": scenario.deal.rating_table.source,
            "sizing_method": scenario.deal.sizing_method,
            "pd_table": scenario.deal.pd_table.source,
            "stress_table": scenario.deal.stress_table.source,
            "tranches": scenario.deal.tranches.iter().map(|t| json!({
                "name": t.name, "scenario_share": t.share, "coupon": t.coupon, "target_rating": t.target_rating,
            })).collect::<Vec<_>>(),
        },
        "applicants": {
            "file": command.applicants.display().to_string(),
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
