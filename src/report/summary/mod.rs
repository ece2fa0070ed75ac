//! `summary.json` (SPEC §8): what a run or a frontier found, with the manifest, for people
//! and programs that open the folder without the report. [`schema`] is the file's one type,
//! [`Summary`]; [`run`] fills a run's, [`frontier`] a frontier's; the treasury view and the
//! rounding of money are shared.

pub mod frontier;
pub mod run;
pub mod schema;

use super::format::{funding_position, funding_surplus};
use crate::scenario::SizingMethod;
use crate::sizing::SizingResult;
use crate::sizing::tdr_bdr::TdrBdrSizing;

pub use frontier::{FrontierCommand, FrontierResults, frontier_summary};
pub use run::{RunResults, run_summary};
pub use schema::*;

/// What `sign_convention` says in every `treasury` object.
pub const FUNDING_SIGN_CONVENTION: &str =
    "surplus = funding_capacity − funding_need (CNY): positive is a surplus, negative a shortfall";

/// The bytes of `summary.json`: pretty-printed, with a final newline, every object's keys in
/// alphabetical order (through `serde_json::Value`, whose maps are sorted), as every version
/// wrote them.
pub fn to_bytes(summary: &Summary) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(&serde_json::to_value(summary)?)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Money as `summary.json` holds it: CNY rounded to cents (SPEC).
pub(crate) fn round_cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// A treasury with its funding position in the one sign convention of [`funding_surplus`]:
/// `surplus` (capacity − need), `position` (`surplus` or `shortfall`), `gap` (the same
/// number under its earlier name), `sign_convention` and `meets_funding_need`; `null`
/// without a need. The capacity and need are rounded to cents, the surplus from them
/// unrounded.
fn treasury(
    method: SizingMethod,
    capacity: Option<f64>,
    advance_rate: Option<f64>,
    need: Option<f64>,
    by_method: Vec<MethodCapacity>,
) -> Treasury {
    let surplus = capacity.zip(need).map(|(c, n)| funding_surplus(c, n));
    Treasury {
        method: Some(method),
        funding_capacity: capacity.map(round_cents),
        advance_rate,
        funding_need: need.map(round_cents),
        by_method,
        surplus: surplus.map(round_cents),
        position: surplus.map(|s| funding_position(s).to_string()),
        gap: surplus.map(round_cents),
        sign_convention: FUNDING_SIGN_CONVENTION.to_string(),
        meets_funding_need: surplus.map(|s| s >= 0.0),
        ..Treasury::default()
    }
}

/// One method's capacity (CNY, rounded to cents) and advance rate.
fn method_capacity(method: SizingMethod, sized: Option<(f64, f64)>) -> MethodCapacity {
    MethodCapacity {
        method,
        funding_capacity: sized.map(|c| round_cents(c.0)),
        advance_rate: sized.map(|c| c.1),
    }
}

/// A structure sized by expected loss, money to the cent; with its curve for a frontier.
fn expected_loss_sizing(result: &SizingResult, with_curve: bool) -> ExpectedLossSizing {
    ExpectedLossSizing {
        funding_capacity: round_cents(result.funding_capacity),
        advance_rate: result.advance_rate,
        share_tolerance: result.share_tolerance,
        evaluations: result.evaluations,
        rounds: result.rounds,
        differing_paths: result.differing_paths,
        tranches: result
            .tranches
            .iter()
            .map(|t| SizedTrancheSummary {
                tranche: t.tranche.clone(),
                target_rating: t.target_rating.clone(),
                share: t.share,
                amount: round_cents(t.amount),
                credit_enhancement: t.credit_enhancement,
                el: t.el,
                el_se: t.el_se,
                wal: t.wal,
                target_el: t.target_el,
                feasible: t.feasible,
            })
            .collect(),
        curve: with_curve.then(|| {
            result
                .curve
                .iter()
                .map(|c| CurvePointSummary {
                    tranche: c.tranche.clone(),
                    share: c.share,
                    el: c.el,
                    el_se: c.el_se,
                    wal: c.wal,
                    target_el: c.target_el,
                    meets: c.meets,
                })
                .collect()
        }),
    }
}

/// Which name a TDR/BDR sizing's count of deterministic runs goes under.
#[derive(Clone, Copy)]
enum RunsKey {
    /// A run's `deterministic_runs`.
    DeterministicRuns,
    /// A frontier point's `runs`.
    Runs,
}

/// A structure sized by TDR/BDR, money to the cent.
fn tdr_bdr_sizing(result: &TdrBdrSizing, runs_key: RunsKey) -> TdrBdrSizingSummary {
    TdrBdrSizingSummary {
        funding_capacity: round_cents(result.funding_capacity),
        advance_rate: result.advance_rate,
        evaluations: result.evaluations,
        deterministic_runs: matches!(runs_key, RunsKey::DeterministicRuns).then_some(result.runs),
        runs: matches!(runs_key, RunsKey::Runs).then_some(result.runs),
        tranches: result
            .tranches
            .iter()
            .map(|t| TdrBdrTrancheSummary {
                tranche: t.tranche.clone(),
                target_rating: t.target_rating.clone(),
                share: t.share,
                amount: round_cents(t.amount),
                credit_enhancement: t.credit_enhancement,
                wal: t.wal,
                tdr: t.tdr,
                tdr_se: t.tdr_se,
                bdr: t.bdr,
                binding_scenario: t.binding_scenario.clone(),
                feasible: t.feasible,
            })
            .collect(),
    }
}
