//! Sizing tables (SPEC §7.1, §7.2): `sizing.csv`, one row per tranche of the sized
//! structure; `sizing_curve.csv`, every candidate share evaluated while sizing (the
//! EL-against-size curve behind each sized point); and a frontier's `frontier.csv`, one row
//! per approval policy of the grid, with the recommended policy's `approval_policy.toml`.

use std::path::Path;

use super::format::{cny, funding_surplus};
use super::manifest::{TOOL_NAME, TOOL_VERSION};
use super::{CsvResult, cents, decimal, into_bytes, optional};
use crate::credit::Policy;
use crate::scenario::SizingMethod;
use crate::sizing::SizingResult;
use crate::sizing::frontier::{Frontier, FrontierPoint, Shortfall, TargetKind};
use crate::sizing::rating_test::RatingTests;
use crate::sizing::tdr_bdr::TdrBdrSizing;

/// `sizing.csv`: one row per tranche and sizing method (`method` first: `tdr_bdr`, SPEC
/// §7.3, then `expected_loss`, SPEC §7.1), SPEC §7.1's columns, whether the target could be
/// met, and the TDR/BDR method's target and break-even default rates. A column a method does
/// not compute is empty in its rows.
pub fn sizing_csv(result: &SizingResult, tdr_bdr: &TdrBdrSizing) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "method",
        "tranche",
        "target_rating",
        "share",
        "amount",
        "credit_enhancement",
        "el",
        "el_se",
        "wal",
        "target_el",
        "feasible",
        "tdr",
        "tdr_se",
        "bdr",
        "binding_scenario",
    ])?;
    for t in &tdr_bdr.tranches {
        out.write_record([
            SizingMethod::TdrBdr.as_str().to_string(),
            t.tranche.clone(),
            t.target_rating.clone().unwrap_or_default(),
            decimal(t.share),
            cents(t.amount),
            decimal(t.credit_enhancement.max(0.0)),
            String::new(),
            String::new(),
            decimal(t.wal),
            String::new(),
            t.feasible.to_string(),
            t.tdr.map(|r| format!("{r:e}")).unwrap_or_default(),
            t.tdr_se.map(|r| format!("{r:e}")).unwrap_or_default(),
            t.bdr.map(|r| format!("{r:e}")).unwrap_or_default(),
            t.binding_scenario.clone().unwrap_or_default(),
        ])?;
    }
    for t in &result.tranches {
        out.write_record([
            SizingMethod::ExpectedLoss.as_str().to_string(),
            t.tranche.clone(),
            t.target_rating.clone().unwrap_or_default(),
            decimal(t.share),
            cents(t.amount),
            decimal(t.credit_enhancement.max(0.0)),
            format!("{:e}", t.el),
            format!("{:e}", t.el_se),
            optional(t.wal),
            t.target_el.map(|e| format!("{e:e}")).unwrap_or_default(),
            t.feasible.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ])?;
    }
    into_bytes(out)
}

/// `rating_tests.csv` (SPEC §7.3): every rated tranche at every rating, with the stress
/// category its BDR is found under.
pub fn rating_tests_csv(tests: &RatingTests) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in &tests.tests {
        out.serialize(row)?;
    }
    into_bytes(out)
}

/// `stress_bdr.csv` (SPEC §7.3): every rated tranche's break-even under every scenario at
/// every stress category (a `category` column beside SPEC's, the levels differing by
/// category).
pub fn stress_bdr_csv(tests: &RatingTests) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in &tests.stress {
        out.serialize(row)?;
    }
    into_bytes(out)
}

/// `sizing_curve.csv`: every candidate evaluated, in the order evaluated.
pub fn sizing_curve_csv(result: &SizingResult) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "tranche",
        "share",
        "el",
        "el_se",
        "wal",
        "target_el",
        "meets",
    ])?;
    for p in &result.curve {
        out.write_record([
            p.tranche.clone(),
            decimal(p.share),
            format!("{:e}", p.el),
            format!("{:e}", p.el_se),
            optional(p.wal),
            format!("{:e}", p.target_el),
            p.meets.to_string(),
        ])?;
    }
    into_bytes(out)
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

/// `frontier.csv`: one row per grid point, cut-offs outer, multipliers inner;
/// `funding_surplus` is funding capacity − `funding_need` (negative: a shortfall), empty
/// without a need.
pub fn frontier_csv(frontier: &Frontier, funding_need: Option<f64>) -> CsvResult {
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
    into_bytes(out)
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

/// One shortfall for people: `max_pool_el: pool EL 2.31% exceeds 2.00% by 0.31 points`.
pub fn describe_shortfall(shortfall: &Shortfall) -> String {
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
            cny(achieved),
            cny(shortfall.required),
            cny(gap)
        ),
    }
}
