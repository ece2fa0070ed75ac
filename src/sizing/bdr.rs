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

/// The first month in which tranche `j` and the tranches above it exceed the performing
/// pool and the reserve (SPEC §7.4's first loss month of `grid.csv`), or the legal final
/// when it loses principal without that happening before; `None` when neither happens.
pub fn first_uncovered_month(run: &DeterministicRun, j: usize) -> Option<u32> {
    run.pool
        .iter()
        .zip(&run.tranches)
        .find(|(pool, tranches)| {
            let notes: f64 = tranches[..=j].iter().map(|t| t.end_balance).sum();
            notes > pool.end_balance + pool.reserve_end + LOSS_THRESHOLD_CNY
        })
        .map(|(pool, _)| pool.month)
        .or_else(|| {
            (run.outcome.principal_loss[j] > LOSS_THRESHOLD_CNY)
                .then(|| run.pool.last().map(|p| p.month))
                .flatten()
        })
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
    /// Found on the pool itself; `false`: on its representative lines only
    /// ([`Pool::representative_lines`]).
    pub exact: bool,
}

/// How far tranche `j` is from being repaid in a run: its principal loss and, for the
/// senior-most, its largest monthly interest shortfall (0 when repaid). Continuous in the
/// default level above the break-even, so two failing runs extrapolate to it.
fn shortfall(run: &DeterministicRun, j: usize) -> f64 {
    let interest = if j == 0 {
        run.tranches
            .iter()
            .map(|m| m[0].interest_shortfall)
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    run.outcome.principal_loss[j] + interest
}

/// A tranche's search: the largest level known to repay it, the smallest known not to
/// (with its shortfall and first loss month) and the next failing level above it.
#[derive(Debug, Clone, Default)]
struct Search {
    /// `(level, cumulative default rate)`.
    passing: Option<(f64, f64)>,
    /// `(level, shortfall, first loss month)`.
    failing: Option<(f64, f64, u32)>,
    /// `(level, shortfall)` of the failing run above `failing`.
    failing_above: Option<(f64, f64)>,
    /// Steps since the bracket last halved (in ratio), to fall back to bisection.
    slow_steps: u32,
    /// Levels to run first, in order (a confirmation of an approximate break-even).
    aims: Vec<f64>,
    /// The factor of the next outward step while a side is unknown, squared after each
    /// step (up to [`OUTWARD_STEP`]), when the search starts near the answer (a
    /// confirmation, a neighbouring case's break-even); `None`: [`OUTWARD_STEP`] at once.
    creep: Option<f64>,
}

/// The outward step of a search that knows nothing of where the answer is.
const OUTWARD_STEP: f64 = 8.0;

/// The first outward step of a search started at a neighbouring category's break-even:
/// 2 %, doubling (in logarithm) at every step, so a start within 2^n × 2 % of the answer
/// brackets it in n + 1 runs.
pub const WARM_STEP: f64 = 1.02;

impl Search {
    fn record(&mut self, level: f64, run: &DeterministicRun, closing: f64, j: usize) {
        if repaid(run, j) {
            if self.passing.is_none_or(|(l, _)| level > l) {
                self.passing = Some((level, cumulative_default_rate(run, closing)));
            }
            return;
        }
        let gap = shortfall(run, j);
        match self.failing {
            Some((l, g, _)) if level < l => {
                self.failing_above = Some((l, g));
                self.failing = Some((level, gap, first_loss_month(run, j)));
            }
            None => self.failing = Some((level, gap, first_loss_month(run, j))),
            Some((l, _, _)) if level > l && self.failing_above.is_none_or(|(a, _)| level < a) => {
                self.failing_above = Some((level, gap));
            }
            _ => {}
        }
    }

    /// The bracket's ratio (infinite while one side is unknown).
    fn width(&self) -> f64 {
        match (self.passing, self.failing) {
            (Some((low, _)), Some((high, _, _))) => high / low,
            _ => f64::INFINITY,
        }
    }

    /// Whether the search is over: the bracket is narrow, or the tranche is repaid at the
    /// top of the range or fails at its bottom.
    fn done(&self) -> bool {
        self.width() <= 1.0 + LEVEL_TOLERANCE
            || self.passing.is_some_and(|(l, _)| l >= MAX_LEVEL)
            || self.failing.is_some_and(|(l, _, _)| l <= MIN_LEVEL)
    }

    /// This outward step's factor (and the next one's set up).
    fn outward(&mut self) -> f64 {
        match self.creep {
            Some(factor) => {
                self.creep = Some((factor * factor).min(OUTWARD_STEP));
                factor
            }
            None => OUTWARD_STEP,
        }
    }

    /// The next level to run: outward by a factor 8 while a side is unknown (by a creeping
    /// factor when the search starts near the answer, [`Search::creep`]); inside the
    /// bracket, near the level where the two failing runs' shortfalls extrapolate to zero
    /// (just below it after a failing run, just above after a passing one, so that a good
    /// estimate closes the bracket in two runs), else the geometric midpoint.
    fn next_level(&mut self, hint: f64) -> f64 {
        while !self.aims.is_empty() {
            let aim = self.aims.remove(0);
            let inside = self.passing.is_none_or(|(l, _)| aim > l)
                && self.failing.is_none_or(|(h, _, _)| aim < h);
            if inside {
                return aim.clamp(MIN_LEVEL, MAX_LEVEL);
            }
        }
        let (low, high) = match (self.passing, self.failing) {
            (None, None) => return hint.clamp(MIN_LEVEL, MAX_LEVEL),
            (None, Some((high, _, _))) => return (high / self.outward()).max(MIN_LEVEL),
            (Some((low, _)), None) => return (low * self.outward()).min(MAX_LEVEL),
            (Some((low, _)), Some((high, _, _))) => (low, high),
        };
        let midpoint = (low * high).sqrt();
        self.slow_steps += 1;
        if self.slow_steps > 2 {
            // the extrapolation is not closing in: bisect once
            self.slow_steps = 0;
            return midpoint;
        }
        let (Some((k1, g1, _)), Some((k2, g2))) = (self.failing, self.failing_above) else {
            return midpoint;
        };
        if g2 <= g1 || g1 <= 0.0 {
            return midpoint;
        }
        let estimate = k1 - g1 * (k2 - k1) / (g2 - g1);
        let step = 1.0 + LEVEL_TOLERANCE / 3.0;
        let aim = if self.width() < 4.0 && estimate * step < high {
            // alternate sides of the estimate so one run of each closes the bracket
            if self.slow_steps % 2 == 1 {
                estimate / step
            } else {
                estimate * step
            }
        } else {
            estimate / step
        };
        let margin = 1.0 + LEVEL_TOLERANCE / 10.0;
        if aim > low * margin && aim < high / margin {
            aim
        } else {
            midpoint
        }
    }
}

/// Break-evens of tranches `0..tranches` under one stress case, all from the same runs
/// (each run tells every tranche whether it is repaid), the search starting at level 1.
pub fn break_evens(
    pool: &Pool,
    deal: &Deal,
    case: &StressCase,
    tranches: usize,
) -> Result<Vec<BreakEven>, WaterfallError> {
    break_evens_from(pool, deal, case, &vec![None; tranches])
}

/// [`break_evens`] of tranches `0..hints.len()`, each search starting at its hint (a
/// neighbouring case's break-even level, say) and stepping outward from it by
/// [`WARM_STEP`], growing; from level 1 by a factor 8 without one. The result does not
/// depend on the hints beyond the search's precision.
pub fn break_evens_from(
    pool: &Pool,
    deal: &Deal,
    case: &StressCase,
    hints: &[Option<f64>],
) -> Result<Vec<BreakEven>, WaterfallError> {
    let tranches = hints.len();
    let layout = case.layout(pool);
    let closing = pool.closing_balance;
    let run_at = |level: f64| case.run(pool, &layout, deal, level);
    let mut searches: Vec<Search> = hints
        .iter()
        .map(|hint| Search {
            // the hint runs first unless another tranche's runs already put it outside the
            // bracket
            aims: hint.map(|h| vec![h]).unwrap_or_default(),
            creep: hint.map(|_| WARM_STEP),
            ..Search::default()
        })
        .collect();
    let mut top: Option<DeterministicRun> = None;
    while let Some(j) = (0..tranches)
        .filter(|&j| !searches[j].done())
        .max_by(|&a, &b| {
            searches[a]
                .width()
                .total_cmp(&searches[b].width())
                .then(b.cmp(&a))
        })
    {
        let level = searches[j].next_level(hints[j].unwrap_or(1.0));
        let run = run_at(level)?;
        for (k, search) in searches.iter_mut().enumerate() {
            if !search.done() || k == j {
                search.record(level, &run, closing, k);
            }
        }
        if level >= MAX_LEVEL {
            top = Some(run);
        }
    }
    let mut bottom: Option<DeterministicRun> = None;
    searches
        .iter()
        .map(|search| finish(search, top.as_ref(), &mut bottom, &run_at, closing))
        .collect()
}

/// The break-even a finished search found. `top` is the run at [`MAX_LEVEL`] when one was
/// made; `bottom` the run at level 0, made here when first needed.
fn finish(
    search: &Search,
    top: Option<&DeterministicRun>,
    bottom: &mut Option<DeterministicRun>,
    run_at: &impl Fn(f64) -> Result<DeterministicRun, WaterfallError>,
    closing: f64,
) -> Result<BreakEven, WaterfallError> {
    Ok(match (search.passing, search.failing) {
        (Some((low, rate)), _) if low >= MAX_LEVEL => BreakEven {
            level: None,
            bdr: top.map_or(rate, |run| cumulative_default_rate(run, closing)),
            first_loss_month: None,
            exact: true,
        },
        (Some((low, rate)), Some((_, _, month))) => BreakEven {
            level: Some(low),
            bdr: rate,
            first_loss_month: Some(month),
            exact: true,
        },
        (None, Some((_, _, month))) => {
            // not repaid even at the smallest level: the default rate with no default
            // stress at all is what it breaks at
            if bottom.is_none() {
                *bottom = Some(run_at(0.0)?);
            }
            BreakEven {
                level: Some(0.0),
                bdr: bottom
                    .as_ref()
                    .map_or(0.0, |run| cumulative_default_rate(run, closing)),
                first_loss_month: Some(month),
                exact: true,
            }
        }
        (Some(_), None) | (None, None) => {
            unreachable!("a finished search has a failing run or passed at the top")
        }
    })
}

/// Tranche `j`'s break-even on `pool` itself, confirming `approximate` (found on the
/// pool's representative lines, [`Pool::representative_lines`]): the runs just below and
/// just above its level close the bracket when the approximation is within a third of
/// the tolerance, and the search goes on from there when it is not. The result is that of
/// an exact search, to its precision.
pub fn confirm(
    pool: &Pool,
    deal: &Deal,
    case: &StressCase,
    layout: &DeterministicLayout,
    j: usize,
    approximate: &BreakEven,
) -> Result<BreakEven, WaterfallError> {
    let closing = pool.closing_balance;
    let run_at = |level: f64| case.run(pool, layout, deal, level);
    let step = 1.0 + LEVEL_TOLERANCE / 3.0;
    // the answer is near: past the two aims, step outward from them by the tolerance,
    // growing, rather than by a factor 8 and all the way back
    let mut search = Search {
        aims: match approximate.level {
            Some(level) if level > 0.0 => vec![level / step, level * step],
            Some(_) => vec![MIN_LEVEL],
            None => vec![MAX_LEVEL],
        },
        creep: Some(1.0 + LEVEL_TOLERANCE),
        ..Search::default()
    };
    let mut top = None;
    while !search.done() {
        let level = search.next_level(1.0);
        let run = run_at(level)?;
        search.record(level, &run, closing, j);
        if level >= MAX_LEVEL {
            top = Some(run);
        }
    }
    finish(&search, top.as_ref(), &mut None, &run_at, closing)
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
