//! Break-even default rates under stress scenarios (SPEC §7.3): for a tranche, a rating
//! category's stress levels and a scenario, the largest default level `k` at which the
//! tranche receives all its principal by the legal final (the senior-most rated tranche also
//! all its interest when due), found by bisection on the deterministic run; the break-even
//! default rate (BDR) is that run's cumulative default rate.
//!
//! One deterministic run tells every tranche whether it is repaid, so the search brackets
//! every tranche's `k` at once from the same runs; the pool's layout is built once.

use rayon::prelude::*;
use serde::Serialize;

use crate::metrics::deterministic::{DeterministicRun, run_deterministic_on};
use crate::scenario::stress::{PrepaymentLevel, StressLevels, StressTable};
use crate::scenario::{Assumptions, Deal};
use crate::sim::{
    DefaultStress, DeterministicCollateral, DeterministicLayout, DeterministicRates, Pool,
};
use crate::waterfall::{LOSS_THRESHOLD_CNY, WaterfallError};

/// Largest default level searched: beyond it every stressed rate is at its cap for any PD a
/// tape can hold (the lowest PD of 1e-6 a year times 1e6 is a year's default rate above 0.5).
pub const MAX_LEVEL: f64 = 1e6;

/// Smallest positive level searched; below it a tranche that still fails is reported at 0.
pub const MIN_LEVEL: f64 = 1e-4;

/// The level is found to this relative precision (the bracket's ratio).
pub const LEVEL_TOLERANCE: f64 = 1e-3;

/// A scenario's stresses at a category, on the scenario's assumptions: what the default
/// level `k` is varied under.
#[derive(Debug, Clone)]
pub struct StressCase {
    /// The assumptions with the category's yield compression, recovery haircut and lag.
    pub assumptions: Assumptions,
    /// The scenario's shape weights by deal month (`None` before the stress starts).
    pub weights: Vec<Option<f64>>,
    /// The CPR multiple of the scenario's prepayment level.
    pub cpr_multiple: f64,
}

impl StressCase {
    /// The case of scenario `scenario` of `table` at `levels`, for `deal`.
    pub fn new(
        assumptions: &Assumptions,
        deal: &Deal,
        table: &StressTable,
        levels: &StressLevels,
        scenario: usize,
    ) -> StressCase {
        let scenario = &table.scenarios[scenario];
        let shape = &table.shapes[scenario.shape];
        let mut stressed = assumptions.clone();
        stressed.yield_haircut =
            1.0 - (1.0 - assumptions.yield_haircut) * (1.0 - levels.yield_compression);
        stressed.recovery_rate = assumptions.recovery_rate * (1.0 - levels.recovery_haircut);
        stressed.recovery_lag_months =
            assumptions.recovery_lag_months + levels.recovery_lag_extra_months;
        StressCase {
            assumptions: stressed,
            weights: shape.weights(deal.horizon_months, deal.revolving_months),
            cpr_multiple: levels.prepayment_multiple(scenario.prepayment),
        }
    }

    /// The rates of the deterministic run at default level `level`.
    fn rates(&self, level: f64) -> DeterministicRates {
        DeterministicRates {
            cdr: None,
            cpr: None,
            pd_multiplier: self.assumptions.pd_multiplier,
            default_stress: Some(DefaultStress {
                level,
                weights: self.weights.clone(),
            }),
            cpr_multiple: self.cpr_multiple,
        }
    }

    /// The layout every run of this case shares.
    pub fn layout(&self, pool: &Pool) -> DeterministicLayout {
        DeterministicLayout::new(pool, &self.rates(1.0))
    }

    /// The deterministic run at default level `level`.
    pub fn run(
        &self,
        pool: &Pool,
        layout: &DeterministicLayout,
        deal: &Deal,
        level: f64,
    ) -> Result<DeterministicRun, WaterfallError> {
        let collateral = DeterministicCollateral::with_layout(
            pool,
            layout,
            &self.assumptions,
            self.rates(level),
            deal.horizon_months,
        );
        run_deterministic_on(collateral, deal)
    }
}

/// The cumulative default rate of a run (SPEC §7.3): principal defaulted over the deal's
/// life ÷ (closing balance + purchases).
pub fn cumulative_default_rate(run: &DeterministicRun, closing_balance: f64) -> f64 {
    let outcome = &run.outcome;
    outcome.cumulative_defaults / (closing_balance + outcome.cumulative_purchases)
}

/// Whether tranche `j` is repaid in a run: all its principal by the legal final and, for
/// the senior-most tranche, all its interest when due (no shortfall in any month).
pub fn repaid(run: &DeterministicRun, j: usize) -> bool {
    let principal = run.outcome.principal_loss[j] <= LOSS_THRESHOLD_CNY;
    principal
        && (j > 0
            || run
                .tranches
                .iter()
                .all(|m| m[0].interest_shortfall <= LOSS_THRESHOLD_CNY))
}

/// The first month in which tranche `j` and the tranches above it exceed the performing
/// pool and the reserve (the month it starts to be uncovered), or has an interest
/// shortfall if it is the senior-most; the legal final when neither happens before it.
fn first_loss_month(run: &DeterministicRun, j: usize) -> u32 {
    for (pool, tranches) in run.pool.iter().zip(&run.tranches) {
        let notes: f64 = tranches[..=j].iter().map(|t| t.end_balance).sum();
        let short = j == 0 && tranches[0].interest_shortfall > LOSS_THRESHOLD_CNY;
        if short || notes > pool.end_balance + pool.reserve_end + LOSS_THRESHOLD_CNY {
            return pool.month;
        }
    }
    run.pool.last().map_or(0, |p| p.month)
}

/// One tranche's break-even under one scenario (a row of `stress_bdr.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakEven {
    /// The largest default level at which the tranche is repaid; `None` when it is repaid
    /// even at [`MAX_LEVEL`] (every stressed rate at its cap).
    pub level: Option<f64>,
    /// The cumulative default rate at that level (at [`MAX_LEVEL`] when `level` is `None`).
    pub bdr: f64,
    /// The month the tranche is first uncovered at the smallest failing level found;
    /// `None` when it never fails.
    pub first_loss_month: Option<u32>,
}

/// Break-evens of tranches `0..tranches` under one stress case, all from the same runs.
pub fn break_evens(
    pool: &Pool,
    deal: &Deal,
    case: &StressCase,
    tranches: usize,
) -> Result<Vec<BreakEven>, WaterfallError> {
    let layout = case.layout(pool);
    let closing = pool.closing_balance;
    let run_at = |level: f64| case.run(pool, &layout, deal, level);
    // invariant per tranche: repaid at `low` (when Some), not at `high` (when Some)
    let top = run_at(MAX_LEVEL)?;
    let bottom = run_at(0.0)?;
    // below MIN_LEVEL only the level-0 run decides; the brackets start there
    let mut brackets: Vec<(f64, f64)> = vec![(MIN_LEVEL, MAX_LEVEL); tranches];
    let mut results: Vec<Option<BreakEven>> = (0..tranches)
        .map(|j| {
            if repaid(&top, j) {
                Some(BreakEven {
                    level: None,
                    bdr: cumulative_default_rate(&top, closing),
                    first_loss_month: None,
                })
            } else if !repaid(&bottom, j) {
                Some(BreakEven {
                    level: Some(0.0),
                    bdr: cumulative_default_rate(&bottom, closing),
                    first_loss_month: Some(first_loss_month(&bottom, j)),
                })
            } else {
                None
            }
        })
        .collect();
    let open = |results: &[Option<BreakEven>], brackets: &[(f64, f64)]| {
        (0..tranches)
            .filter(|&j| {
                results[j].is_none() && brackets[j].1 / brackets[j].0 > 1.0 + LEVEL_TOLERANCE
            })
            .max_by(|&a, &b| {
                let width = |j: usize| brackets[j].1 / brackets[j].0;
                width(a).total_cmp(&width(b))
            })
    };
    let mut runs: Vec<(f64, DeterministicRun)> = Vec::new();
    while let Some(j) = open(&results, &brackets) {
        let (low, high) = brackets[j];
        let mid = (low * high).sqrt();
        let run = run_at(mid)?;
        for (k, bracket) in brackets.iter_mut().enumerate() {
            if results[k].is_some() || mid <= bracket.0 || mid >= bracket.1 {
                continue;
            }
            if repaid(&run, k) {
                bracket.0 = mid;
            } else {
                bracket.1 = mid;
            }
        }
        runs.push((mid, run));
    }
    let mut out = Vec::with_capacity(tranches);
    for j in 0..tranches {
        if let Some(result) = results[j].take() {
            out.push(result);
            continue;
        }
        let (low, high) = brackets[j];
        let find = |level: f64| runs.iter().find(|(l, _)| *l == level).map(|(_, r)| r);
        let passing = match find(low) {
            Some(run) => cumulative_default_rate(run, closing),
            // the bracket's low end is MIN_LEVEL, never run: run it now
            None => {
                let run = run_at(low)?;
                if !repaid(&run, j) {
                    out.push(BreakEven {
                        level: Some(0.0),
                        bdr: cumulative_default_rate(&bottom, closing),
                        first_loss_month: Some(first_loss_month(&run, j)),
                    });
                    continue;
                }
                cumulative_default_rate(&run, closing)
            }
        };
        let failing = match find(high) {
            Some(run) => first_loss_month(run, j),
            None => first_loss_month(&top, j),
        };
        out.push(BreakEven {
            level: Some(low),
            bdr: passing,
            first_loss_month: Some(failing),
        });
    }
    Ok(out)
}

/// Break-evens of tranches `0..tranches` under every scenario of `table` at `levels`:
/// `[scenario][tranche]`, scenarios in parallel.
pub fn scenario_break_evens(
    pool: &Pool,
    assumptions: &Assumptions,
    deal: &Deal,
    table: &StressTable,
    levels: &StressLevels,
    tranches: usize,
) -> Result<Vec<Vec<BreakEven>>, WaterfallError> {
    (0..table.scenarios.len())
        .into_par_iter()
        .map(|s| {
            let case = StressCase::new(assumptions, deal, table, levels, s);
            break_evens(pool, deal, &case, tranches)
        })
        .collect()
}

/// Whether a scenario changes nothing from another at these levels (the low and high
/// prepayment levels equal the base one): its break-evens repeat that one's.
pub fn same_case(table: &StressTable, levels: &StressLevels, a: usize, b: usize) -> bool {
    let (a, b) = (&table.scenarios[a], &table.scenarios[b]);
    let multiple = |p: PrepaymentLevel| levels.prepayment_multiple(p);
    a.shape == b.shape && multiple(a.prepayment) == multiple(b.prepayment)
}
