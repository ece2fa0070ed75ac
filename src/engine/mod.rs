//! The path runner (SPEC §4–§6): every Monte Carlo path's pool ([`crate::sim::montecarlo`])
//! through the deal's real waterfall ([`crate::waterfall`]), in parallel, gathered in path
//! order into [`MonteCarloRun`]; a path replayed alone for its per-period detail; and the
//! importance sampling of the paths' factors ([`importance`]).
//!
//! Sits after `waterfall` and before `metrics`: it is the first stage that needs both the
//! paths and the deal, which is why the importance sampling lives here whole — its pilot runs
//! paths through the waterfall, and `sim` only draws each path's factors through the
//! [`FactorSampler`](crate::sim::montecarlo::FactorSampler) this module hands it.
//!
//! Reproducibility (SPEC §4.5): path `i` draws only from its own stream (seed, i); paths
//! run in blocks of [`BLOCK_PATHS`] consecutive paths, each block's sums are taken in path
//! order and the block totals in block order, so results are bit-identical whatever the
//! number of threads. Memory holds one block of per-period flows at a time, never paths ×
//! receivables.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

pub mod importance;

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use importance::{
    FactorSampling, PILOT_MAX_SHIFT, factor_sampling, find_tail_shifts, run_sampling,
};

use crate::scenario::Deal;
use crate::sim::montecarlo::{PathLog, PathScratch, StochasticPool};
use crate::waterfall::{PeriodReport, TranchePeriod, WaterfallError, run_deal};

/// Paths per block of the fixed-order reduction (SPEC §4.5).
pub const BLOCK_PATHS: usize = 4096;

/// Paths run in parallel between two progress reports (a divisor of [`BLOCK_PATHS`]).
pub const PROGRESS_SLICE_PATHS: usize = 512;

/// Declares a per-period field enum: its variants in recording order, each with the
/// column name it has in `expected_cashflows.csv`, and the value it records from a month's
/// [`PeriodReport`] (`$report`) — one list, so order, names and values cannot drift apart.
macro_rules! period_fields {
    (
        $(#[$doc:meta])* $name:ident($source:ident: $source_type:ty) {
            $($(#[$vdoc:meta])* $variant:ident = $column:literal => $value:expr,)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every field, in recording order.
            pub const ALL: [$name; [$($column),+].len()] = [$($name::$variant),+];
            /// How many fields are recorded.
            pub const COUNT: usize = $name::ALL.len();

            /// The field's column name.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $column,)+
                }
            }

            /// The field's value in a month.
            #[inline]
            pub fn value($source: $source_type, field: $name) -> f64 {
                match field {
                    $($name::$variant => $value,)+
                }
            }
        }
    };
}

period_fields! {
    /// A pool field recorded per period and path.
    PoolField(report: &PeriodReport) {
        BeginBalance = "begin_balance" => report.pool.begin_balance,
        Defaults = "defaults" => report.pool.defaults,
        Interest = "interest" => report.pool.interest,
        ScheduledPrincipal = "scheduled_principal" => report.pool.scheduled_principal,
        Prepayments = "prepayments" => report.pool.prepayments,
        Recoveries = "recoveries" => report.pool.recoveries,
        Purchases = "purchases" => report.purchases,
        EndBalance = "end_balance" => report.end_balance,
        SeniorFees = "senior_fees" => report.senior_fees_paid,
        /// Step-5 cash, the residual holder's.
        Residual = "residual" => report.residual,
        SaleProceeds = "sale_proceeds" => report.sale_proceeds,
        ReserveBalance = "reserve_balance" => report.reserve_end,
        AvailableFunds = "available_funds" => report.available_funds,
    }
}

period_fields! {
    /// A tranche field recorded per period, path and tranche.
    TrancheField(tranche: &TranchePeriod) {
        InterestPaid = "interest_paid" => tranche.interest_paid,
        PrincipalPaid = "principal_paid" => tranche.principal_paid,
        EndBalance = "end_balance" => tranche.end_balance,
        InterestShortfall = "interest_shortfall" => tranche.interest_shortfall,
    }
}

/// What one path leaves for the distributions (shares of the closing pool or of each
/// tranche's original balance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathResult {
    pub path: u64,
    /// Likelihood ratio of the path's factors (1 for plain Monte Carlo), not normalised.
    pub likelihood_ratio: f64,
    /// Cumulative defaulted balance ÷ closing balance.
    pub pool_default: f64,
    /// (Cumulative defaults − recoveries received) ÷ closing balance.
    pub pool_net_loss: f64,
    /// The cumulative default rate of SPEC §7.3: cumulative defaulted principal, cut-off and
    /// purchased receivables, ÷ (closing balance + purchases) — the variable the target
    /// default rates are quantiles of.
    pub cumulative_default_rate: f64,
    /// Unpaid principal at the legal final ÷ original balance, per tranche.
    pub tranche_loss: Vec<f64>,
    /// Interest unpaid at the legal final, CNY, per tranche.
    pub tranche_interest_shortfall: Vec<f64>,
    /// Month each trigger first breached, in the deal's order (0 = never). Triggers are
    /// tested every month until the pool is sold (SPEC §5), so this is the breach by the
    /// legal final; `≤ revolving_months` is a breach within the revolving period.
    pub trigger_breach_month: Vec<u32>,
    /// Month of the clean-up call (0 = none).
    pub call_month: u32,
    /// Performing balance at the end of each month (after purchases, call and buy-back).
    pub end_balance: Vec<f64>,
    /// Receivables simulated: the closing pool plus purchases.
    pub receivable_lives: u64,
}

/// Sums over paths of `likelihood ratio × flow`, by period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodSums {
    pub months: usize,
    pub tranches: usize,
    /// `pool[(month − 1) × PoolField::COUNT + field]`.
    pub pool: Vec<f64>,
    /// `tranche[((month − 1) × tranches + j) × TrancheField::COUNT + field]`.
    pub tranche: Vec<f64>,
}

impl PeriodSums {
    fn new(months: usize, tranches: usize) -> PeriodSums {
        PeriodSums {
            months,
            tranches,
            pool: vec![0.0; months * PoolField::COUNT],
            tranche: vec![0.0; months * tranches * TrancheField::COUNT],
        }
    }

    fn add_scaled(&mut self, other: &PeriodSums, scale: f64) {
        for (a, b) in self.pool.iter_mut().zip(&other.pool) {
            *a += scale * b;
        }
        for (a, b) in self.tranche.iter_mut().zip(&other.tranche) {
            *a += scale * b;
        }
    }

    /// A pool field in a month (1-based).
    pub fn pool_value(&self, month: usize, field: PoolField) -> f64 {
        self.pool[(month - 1) * PoolField::COUNT + field as usize]
    }

    /// A tranche field in a month (1-based).
    pub fn tranche_value(&self, month: usize, tranche: usize, field: TrancheField) -> f64 {
        self.tranche[((month - 1) * self.tranches + tranche) * TrancheField::COUNT + field as usize]
    }
}

/// Settings of a Monte Carlo run.
#[derive(Debug, Clone, PartialEq)]
pub struct MonteCarloSettings {
    pub paths: usize,
    pub seed: u64,
    pub importance_sampling: bool,
    /// With importance sampling, further factor shifts (≤ 0, along the direction that moves
    /// every segment factor by one) the mixture centres a component on: `Φ⁻¹(PD_R(w))` for
    /// the ratings whose target default rate (SPEC §7.3) the run estimates, so the paths
    /// reach those quantiles and not only where the tranches start to lose.
    pub tail_targets: Vec<f64>,
}

/// The whole run: per-path results in path order and weighted period sums.
#[derive(Debug, Clone)]
pub struct MonteCarloRun {
    pub settings: MonteCarloSettings,
    /// The pool's closing balance, CNY.
    pub closing_balance: f64,
    pub sampling: FactorSampling,
    /// Factor shifts found by the pilot for each rated tranche (`None`: no loss even at
    /// the largest shift searched).
    pub tail_shifts: Vec<Option<f64>>,
    pub paths: Vec<PathResult>,
    /// Sum of likelihood ratios (normalises weights and period sums).
    pub ratio_sum: f64,
    /// Σ ratio × flow by period (divide by `ratio_sum` for expected flows).
    pub period_sums: PeriodSums,
    pub receivable_lives: u64,
}

impl MonteCarloRun {
    /// Normalised path weights (sum to 1), in path order.
    pub fn weights(&self) -> Vec<f64> {
        self.paths
            .iter()
            .map(|p| p.likelihood_ratio / self.ratio_sum)
            .collect()
    }

    /// Expected value of a pool field in a month.
    pub fn expected_pool(&self, month: usize, field: PoolField) -> f64 {
        self.period_sums.pool_value(month, field) / self.ratio_sum
    }

    /// Expected value of a tranche field in a month.
    pub fn expected_tranche(&self, month: usize, tranche: usize, field: TrancheField) -> f64 {
        self.period_sums.tranche_value(month, tranche, field) / self.ratio_sum
    }
}

/// One path's result, its per-period flows and, when asked for, its log.
struct PathOutput {
    result: PathResult,
    periods: PeriodSums,
    log: Option<PathLog>,
}

/// Runs path `path` through the deal.
fn simulate_path<'p>(
    model: &StochasticPool<'p>,
    deal: &Deal,
    scratch: &mut PathScratch<'p>,
    seed: u64,
    path: u64,
    sampling: &FactorSampling,
    logged: bool,
) -> Result<PathOutput, WaterfallError> {
    let months = deal.horizon_months as usize;
    let tranche_count = deal.tranches.len();
    let mut periods = PeriodSums::new(months, tranche_count);
    let mut end_balance = Vec::with_capacity(months);
    let mut log = logged.then(PathLog::default);
    let (mut collateral, likelihood_ratio) = match log.as_mut() {
        Some(log) => model.start_path_logged(scratch, seed, path, sampling, log),
        None => model.start_path(scratch, seed, path, sampling),
    };
    let outcome = run_deal(deal, &mut collateral, |report| {
        let m = report.month as usize - 1;
        let pool = &mut periods.pool[m * PoolField::COUNT..(m + 1) * PoolField::COUNT];
        for (slot, field) in pool.iter_mut().zip(PoolField::ALL) {
            *slot = PoolField::value(report, field);
        }
        for (j, t) in report.tranches.iter().enumerate() {
            let at = (m * tranche_count + j) * TrancheField::COUNT;
            let slots = &mut periods.tranche[at..at + TrancheField::COUNT];
            for (slot, field) in slots.iter_mut().zip(TrancheField::ALL) {
                *slot = TrancheField::value(t, field);
            }
        }
        end_balance.push(report.end_balance);
    })?;
    let closing = model.pool.closing_balance;
    let receivable_lives = (model.receivables() + collateral.purchased_receivables()) as u64;
    let result = PathResult {
        path,
        likelihood_ratio,
        pool_default: outcome.cumulative_defaults / closing,
        pool_net_loss: (outcome.cumulative_defaults - outcome.cumulative_recoveries) / closing,
        cumulative_default_rate: outcome.cumulative_defaults
            / (closing + outcome.cumulative_purchases),
        tranche_loss: outcome.loss_shares(),
        tranche_interest_shortfall: outcome.interest_shortfall.clone(),
        trigger_breach_month: outcome
            .trigger_breach_month
            .iter()
            .map(|m| m.unwrap_or(0))
            .collect(),
        call_month: outcome.call_month.unwrap_or(0),
        end_balance,
        receivable_lives,
    };
    if let Some(log) = log.as_mut() {
        log.shrink_to_fit();
    }
    Ok(PathOutput {
        result,
        periods,
        log,
    })
}

/// Runs `settings.paths` paths of `model` through `deal`. `on_progress` is called with the
/// number of paths finished, every [`PROGRESS_SLICE_PATHS`] paths (for a progress bar).
pub fn run_monte_carlo(
    model: &StochasticPool,
    deal: &Deal,
    settings: &MonteCarloSettings,
    on_progress: impl FnMut(usize),
) -> Result<MonteCarloRun, WaterfallError> {
    Ok(run_monte_carlo_logged(model, deal, settings, false, on_progress)?.0)
}

/// [`run_monte_carlo`], also returning every path's [`PathLog`] (in path order) when
/// `logged`, so that other structures can be evaluated on the same paths (sizing).
pub fn run_monte_carlo_logged(
    model: &StochasticPool,
    deal: &Deal,
    settings: &MonteCarloSettings,
    logged: bool,
    on_progress: impl FnMut(usize),
) -> Result<(MonteCarloRun, Vec<PathLog>), WaterfallError> {
    let (sampling, tail_shifts) = run_sampling(
        model,
        deal,
        settings.seed,
        settings.importance_sampling,
        &settings.tail_targets,
    )?;
    let blocks = 0..block_count(settings.paths);
    let run = run_blocks(
        model,
        deal,
        settings,
        &sampling,
        blocks,
        logged,
        on_progress,
    )?;
    let (blocks, paths, logs) = (run.blocks, run.paths, run.logs);
    let run = assemble_run(
        deal,
        settings,
        model.pool.closing_balance,
        sampling,
        tail_shifts,
        &blocks,
        paths,
    );
    Ok((run, logs))
}

/// Number of [`BLOCK_PATHS`]-path blocks of a run of `paths` paths (the last one may be
/// short).
pub fn block_count(paths: usize) -> usize {
    paths.div_ceil(BLOCK_PATHS)
}

/// The paths of blocks `blocks` of a run of `paths` paths.
pub fn block_paths(blocks: &Range<usize>, paths: usize) -> Range<usize> {
    (blocks.start * BLOCK_PATHS).min(paths)..(blocks.end * BLOCK_PATHS).min(paths)
}

/// One block's totals: Σ ratio × flow by period over the block's paths (in path order), the
/// sum of their likelihood ratios and the receivables they simulated. A run's totals are
/// these summed in block order ([`assemble_run`]), so any split of a run into ranges of
/// whole blocks (SPEC §9) adds up to the same bits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockTotals {
    pub period_sums: PeriodSums,
    pub ratio_sum: f64,
    pub receivable_lives: u64,
}

/// What a range of whole blocks of a run leaves: each block's totals, its paths' results in
/// path order and, when logged, their logs.
#[derive(Debug, Clone)]
pub struct BlockRun {
    /// Block indices run.
    pub range: Range<usize>,
    pub blocks: Vec<BlockTotals>,
    pub paths: Vec<PathResult>,
    pub logs: Vec<PathLog>,
}

/// Runs blocks `range` of a run of `settings.paths` paths, their factors drawn from
/// `sampling` (the run's, [`run_sampling`]). `on_progress` is called with the number of
/// paths of the range finished, every [`PROGRESS_SLICE_PATHS`] paths.
pub fn run_blocks(
    model: &StochasticPool,
    deal: &Deal,
    settings: &MonteCarloSettings,
    sampling: &FactorSampling,
    range: Range<usize>,
    logged: bool,
    mut on_progress: impl FnMut(usize),
) -> Result<BlockRun, WaterfallError> {
    let months = deal.horizon_months as usize;
    let tranche_count = deal.tranches.len();
    let path_range = block_paths(&range, settings.paths);
    let mut paths = Vec::with_capacity(path_range.len());
    let mut logs = Vec::with_capacity(if logged { path_range.len() } else { 0 });
    let mut blocks = Vec::with_capacity(range.len());
    let mut start = path_range.start;
    while start < path_range.end {
        let end = (start + BLOCK_PATHS).min(path_range.end);
        let mut block = BlockTotals {
            period_sums: PeriodSums::new(months, tranche_count),
            ratio_sum: 0.0,
            receivable_lives: 0,
        };
        // the block runs in slices so the progress bar moves; sums stay in path order
        let mut slice_start = start;
        while slice_start < end {
            let slice_end = (slice_start + PROGRESS_SLICE_PATHS).min(end);
            let outputs: Vec<Result<PathOutput, WaterfallError>> = (slice_start..slice_end)
                .into_par_iter()
                .map_init(
                    || model.scratch(),
                    |scratch, path| {
                        simulate_path(
                            model,
                            deal,
                            scratch,
                            settings.seed,
                            path as u64,
                            sampling,
                            logged,
                        )
                    },
                )
                .collect();
            for output in outputs {
                let output = output?;
                block
                    .period_sums
                    .add_scaled(&output.periods, output.result.likelihood_ratio);
                block.ratio_sum += output.result.likelihood_ratio;
                block.receivable_lives += output.result.receivable_lives;
                logs.extend(output.log);
                paths.push(output.result);
            }
            on_progress(slice_end - path_range.start);
            slice_start = slice_end;
        }
        blocks.push(block);
        start = end;
    }
    Ok(BlockRun {
        range,
        blocks,
        paths,
        logs,
    })
}

/// The run made of every block's totals, in block order, and every path's result, in path
/// order (from one [`run_blocks`] over all blocks, or from the shards of SPEC §9).
pub fn assemble_run(
    deal: &Deal,
    settings: &MonteCarloSettings,
    closing_balance: f64,
    sampling: FactorSampling,
    tail_shifts: Vec<Option<f64>>,
    blocks: &[BlockTotals],
    paths: Vec<PathResult>,
) -> MonteCarloRun {
    let mut totals = PeriodSums::new(deal.horizon_months as usize, deal.tranches.len());
    let mut ratio_sum = 0.0;
    let mut receivable_lives = 0;
    for block in blocks {
        totals.add_scaled(&block.period_sums, 1.0);
        ratio_sum += block.ratio_sum;
        receivable_lives += block.receivable_lives;
    }
    MonteCarloRun {
        settings: settings.clone(),
        closing_balance,
        sampling,
        tail_shifts,
        paths,
        ratio_sum,
        period_sums: totals,
        receivable_lives,
    }
}

/// Re-runs one path and returns its per-period report (for `paths_detail.csv`): the same
/// stream and factor sampling give the same path as in the run.
pub fn replay_path<'p>(
    model: &StochasticPool<'p>,
    deal: &Deal,
    seed: u64,
    path: u64,
    sampling: &FactorSampling,
    observe: impl FnMut(&crate::waterfall::PeriodReport),
) -> Result<crate::waterfall::DealOutcome, WaterfallError> {
    let mut scratch = model.scratch();
    let (mut collateral, _) = model.start_path(&mut scratch, seed, path, sampling);
    run_deal(deal, &mut collateral, observe)
}
