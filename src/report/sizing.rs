//! Sizing tables (SPEC §7.1, §7.2): `sizing.csv`, one row per tranche of the sized
//! structure; `sizing_curve.csv`, every candidate share evaluated while sizing (the
//! EL-against-size curve behind each sized point); and a frontier's `frontier.csv`, one row
//! per approval policy of the grid, with the recommended policy's `approval_policy.toml`.

use std::path::Path;

use super::CsvResult;
use super::format::{cny, funding_surplus};
use super::manifest::{TOOL_NAME, TOOL_VERSION};
use super::rows::{self, FrontierRow, SizingCurvePoint, SizingRow};
use crate::credit::Policy;
use crate::i18n::{Lang, fill, tr};
use crate::scenario::SizingMethod;
use crate::sizing::SizingResult;
use crate::sizing::frontier::{Frontier, FrontierPoint, Shortfall, TargetKind};
use crate::sizing::rating_test::RatingTests;
use crate::sizing::tdr_bdr::TdrBdrSizing;

/// `sizing.csv`: one row per tranche and sizing method ([`SizingRow`]), the TDR/BDR rows
/// first.
pub fn sizing_csv(result: &SizingResult, tdr_bdr: &TdrBdrSizing) -> CsvResult {
    let by_tdr_bdr = tdr_bdr.tranches.iter().map(|t| SizingRow {
        method: Some(SizingMethod::TdrBdr.as_str().into()),
        tranche: t.tranche.clone(),
        target_rating: t.target_rating.clone(),
        share: t.share,
        amount: Some(t.amount),
        credit_enhancement: Some(t.credit_enhancement.max(0.0)),
        wal: Some(t.wal),
        feasible: Some(t.feasible),
        tdr: t.tdr,
        tdr_se: t.tdr_se,
        bdr: t.bdr,
        binding_scenario: t.binding_scenario.clone(),
        ..SizingRow::default()
    });
    let by_expected_loss = result.tranches.iter().map(|t| SizingRow {
        method: Some(SizingMethod::ExpectedLoss.as_str().into()),
        tranche: t.tranche.clone(),
        target_rating: t.target_rating.clone(),
        share: t.share,
        amount: Some(t.amount),
        credit_enhancement: Some(t.credit_enhancement.max(0.0)),
        el: Some(t.el),
        el_se: Some(t.el_se),
        wal: t.wal,
        target_el: t.target_el,
        feasible: Some(t.feasible),
        ..SizingRow::default()
    });
    rows::table(by_tdr_bdr.chain(by_expected_loss))
}

/// `rating_tests.csv` (SPEC §7.3): every rated tranche at every rating ([`super::rows::RatingTestRow`]).
pub fn rating_tests_csv(tests: &RatingTests) -> CsvResult {
    rows::table(tests.tests.iter().cloned())
}

/// `stress_bdr.csv` (SPEC §7.3): every rated tranche's break-even under every scenario at
/// every stress category ([`super::rows::StressBdrRow`]; a `category` column beside SPEC's, the levels
/// differing by category, and `exact`).
pub fn stress_bdr_csv(tests: &RatingTests) -> CsvResult {
    rows::table(tests.stress.iter().cloned())
}

/// `sizing_curve.csv`: every candidate evaluated, in the order evaluated.
pub fn sizing_curve_csv(result: &SizingResult) -> CsvResult {
    rows::table(result.curve.iter().map(|p| SizingCurvePoint {
        tranche: p.tranche.clone(),
        share: p.share,
        el: p.el,
        el_se: Some(p.el_se),
        wal: p.wal,
        target_el: Some(p.target_el),
        meets: Some(p.meets),
    }))
}

/// `frontier.csv`: one row per grid point, cut-offs outer, multipliers inner;
/// `funding_surplus` is funding capacity − `funding_need` (negative: a shortfall), empty
/// without a need.
pub fn frontier_csv(frontier: &Frontier, funding_need: Option<f64>) -> CsvResult {
    rows::table(frontier.points.iter().map(|p| {
        let senior = p.sizing.as_ref().and_then(|s| s.tranches.first());
        let el = p.sizing.as_ref();
        let tdr_bdr = p.sizing_tdr_bdr.as_ref();
        let tdr_senior = tdr_bdr.and_then(|s| s.tranches.first());
        let missed: Vec<&str> = p.shortfalls.iter().map(|s| s.target.key()).collect();
        FrontierRow {
            cutoff: p.cutoff,
            limit_multiplier: p.limit_multiplier,
            applicants: Some(p.applicants as u64),
            approved: Some(p.approved as u64),
            approval_rate: Some(p.approval_rate),
            approved_limits: Some(p.approved_limits),
            pool_balance: Some(p.pool_balance),
            weighted_pd: p.weighted_pd,
            pool_el: p.pool_el,
            senior_credit_enhancement: p.senior_credit_enhancement,
            funding_capacity: Some(p.funding_capacity),
            advance_rate: p.advance_rate,
            meets_targets: Some(p.meets_targets),
            recommended: p.recommended,
            receivables: Some(p.receivables as u64),
            pool_el_se: p.pool_el_se,
            senior_share: senior.map(|t| t.share),
            senior_el: senior.map(|t| t.el),
            senior_el_se: senior.map(|t| t.el_se),
            missed_targets: (!missed.is_empty()).then(|| missed.join(";")),
            // `inf` when no relaxation of the targets would do
            relaxation_needed: (!p.shortfalls.is_empty()).then(|| p.distance()),
            funding_surplus: funding_need.map(|need| funding_surplus(p.funding_capacity, need)),
            sizing_method: Some(p.method.as_str().to_owned()),
            funding_capacity_tdr_bdr: tdr_bdr.map(|s| s.funding_capacity),
            advance_rate_tdr_bdr: tdr_bdr.map(|s| s.advance_rate),
            senior_credit_enhancement_tdr_bdr: tdr_senior.map(|t| t.credit_enhancement),
            funding_capacity_expected_loss: el.map(|s| s.funding_capacity),
            advance_rate_expected_loss: el.map(|s| s.advance_rate),
            senior_credit_enhancement_expected_loss: senior.map(|t| t.credit_enhancement),
            senior_tdr: tdr_senior.and_then(|t| t.tdr),
            senior_tdr_se: tdr_senior.and_then(|t| t.tdr_se),
            senior_bdr: tdr_senior.and_then(|t| t.bdr),
            senior_binding_scenario: tdr_senior.and_then(|t| t.binding_scenario.clone()),
        }
    }))
}

/// The file `frontier` writes the recommended policy to.
pub const APPROVAL_POLICY_FILE: &str = "approval_policy.toml";

/// `approval_policy.toml`: the recommended policy, headed by where it comes from.
pub fn approval_policy_toml(
    scenario: &str,
    applicants: &Path,
    point: &FrontierPoint,
    policy: &Policy,
) -> String {
    format!(
        "# Approval policy recommended by `{TOOL_NAME} frontier` (version {TOOL_VERSION}) for scenario `{scenario}`\n# on {}: cut-off {}, limit multiplier {}, the largest pool balance of the grid meeting [targets].\n# `decide --policy {APPROVAL_POLICY_FILE}` applies it; frontier.csv has its row.\n{}",
        applicants.display(),
        point.cutoff,
        point.limit_multiplier,
        policy.to_toml()
    )
}

/// One shortfall for people: `max_pool_el: pool EL 2.310% exceeds the maximum 2.000% by
/// 0.310 percentage points` (English: what `summary.json` records).
pub fn describe_shortfall(shortfall: &Shortfall) -> String {
    describe_shortfall_in(Lang::En, shortfall)
}

/// [`describe_shortfall`] in `lang`.
pub fn describe_shortfall_in(lang: Lang, shortfall: &Shortfall) -> String {
    let Some(achieved) = shortfall.achieved else {
        return fill(
            tr(lang, "terminal.shortfall.nothing_approved"),
            &[("target", &shortfall.target.key())],
        );
    };
    let gap = shortfall.shortfall.unwrap_or(0.0);
    let pct = |value: f64, digits: usize| format!("{:.*}%", digits, 100.0 * value);
    let (key, achieved, required, gap) = match shortfall.target {
        TargetKind::MaxPoolEl => (
            "terminal.shortfall.max_pool_el",
            pct(achieved, 3),
            pct(shortfall.required, 3),
            format!("{:.3}", 100.0 * gap),
        ),
        TargetKind::MinAdvanceRate => (
            "terminal.shortfall.min_advance_rate",
            pct(achieved, 2),
            pct(shortfall.required, 2),
            format!("{:.2}", 100.0 * gap),
        ),
        TargetKind::FundingNeed => (
            "terminal.shortfall.funding_need",
            cny(achieved),
            cny(shortfall.required),
            cny(gap),
        ),
    };
    fill(
        tr(lang, key),
        &[
            ("achieved", &achieved),
            ("required", &required),
            ("gap", &gap),
        ],
    )
}
