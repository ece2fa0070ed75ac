//! The deterministic base case (SPEC §4.4): the pool's expected path through the waterfall,
//! kept period by period for `deterministic_pool.csv` / `deterministic_tranches.csv`, with
//! each tranche's WAL, yield and loss.

use serde::Serialize;

use super::cashflow::{annual_yield, weighted_average_life_years};
use crate::scenario::{Assumptions, Deal, DeterministicStress};
use crate::sim::{DeterministicCollateral, DeterministicRates, Pool, PoolFlows};
use crate::waterfall::{DealOutcome, TranchePeriod, TriggerMetrics, WaterfallError, run_deal};

/// One month of the pool and deal-level accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolPeriod {
    pub month: u32,
    pub flows: PoolFlows,
    pub revolving: bool,
    pub called: bool,
    pub sale_proceeds: f64,
    pub purchases: f64,
    pub end_balance: f64,
    pub available_funds: f64,
    pub senior_fees_paid: f64,
    pub senior_fees_shortfall: f64,
    pub reserve_end: f64,
    pub residual: f64,
    pub metrics: TriggerMetrics,
    /// Number of triggers breached after this month's test.
    pub triggers_breached: usize,
}

/// A tranche's results over the run (money in CNY).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrancheSummary {
    pub tranche: String,
    pub original_balance: f64,
    pub principal_paid: f64,
    pub interest_paid: f64,
    /// Step-5 cash (residual holder only).
    pub residual_received: f64,
    /// Unpaid principal at the legal final.
    pub principal_loss: f64,
    /// `principal_loss / original_balance`.
    pub loss_share: f64,
    pub interest_shortfall: f64,
    /// Years; `None` when no principal was paid.
    pub wal_years: Option<f64>,
    /// Annual nominal IRR of the tranche's cash flows at par; `None` when it receives nothing.
    #[serde(rename = "yield")]
    pub annual_yield: Option<f64>,
}

/// The deterministic run, period by period.
#[derive(Debug, Clone)]
pub struct DeterministicRun {
    pub pool: Vec<PoolPeriod>,
    /// `tranches[month − 1][j]`.
    pub tranches: Vec<Vec<TranchePeriod>>,
    pub summaries: Vec<TrancheSummary>,
    pub outcome: DealOutcome,
}

/// Runs the pool's expected path through the deal.
pub fn run_deterministic(
    pool: &Pool,
    assumptions: &Assumptions,
    stress: &DeterministicStress,
    deal: &Deal,
) -> Result<DeterministicRun, WaterfallError> {
    let rates = DeterministicRates::new(assumptions, stress);
    let collateral = DeterministicCollateral::new(pool, assumptions, rates, deal.horizon_months);
    run_deterministic_on(collateral, deal)
}

/// [`run_deterministic`] on collateral the caller built (e.g. with
/// [`DeterministicCollateral::with_layout`], for a search that reruns one pool many times).
pub fn run_deterministic_on(
    mut collateral: DeterministicCollateral<'_>,
    deal: &Deal,
) -> Result<DeterministicRun, WaterfallError> {
    let mut pool_periods = Vec::with_capacity(deal.horizon_months as usize);
    let mut tranche_periods = Vec::with_capacity(deal.horizon_months as usize);
    let outcome = run_deal(deal, &mut collateral, |report| {
        pool_periods.push(PoolPeriod {
            month: report.month,
            flows: report.pool,
            revolving: report.revolving,
            called: report.called,
            sale_proceeds: report.sale_proceeds,
            purchases: report.purchases,
            end_balance: report.end_balance,
            available_funds: report.available_funds,
            senior_fees_paid: report.senior_fees_paid,
            senior_fees_shortfall: report.senior_fees_due - report.senior_fees_paid,
            reserve_end: report.reserve_end,
            residual: report.residual,
            metrics: report.metrics,
            triggers_breached: report.breached.iter().filter(|&&b| b).count(),
        });
        tranche_periods.push(report.tranches.to_vec());
    })?;
    let summaries = summarize(deal, &pool_periods, &tranche_periods, &outcome);
    Ok(DeterministicRun {
        pool: pool_periods,
        tranches: tranche_periods,
        summaries,
        outcome,
    })
}

fn summarize(
    deal: &Deal,
    pool: &[PoolPeriod],
    tranches: &[Vec<TranchePeriod>],
    outcome: &DealOutcome,
) -> Vec<TrancheSummary> {
    let last = deal.tranches.len() - 1;
    deal.tranches
        .iter()
        .enumerate()
        .map(|(j, tranche)| {
            let principal: Vec<f64> = tranches.iter().map(|m| m[j].principal_paid).collect();
            let cash: Vec<f64> = tranches
                .iter()
                .zip(pool)
                .map(|(m, p)| {
                    let residual = if j == last { p.residual } else { 0.0 };
                    m[j].interest_paid + m[j].principal_paid + residual
                })
                .collect();
            let original = outcome.original_balance[j];
            TrancheSummary {
                tranche: tranche.name.clone(),
                original_balance: original,
                principal_paid: principal.iter().sum(),
                interest_paid: tranches.iter().map(|m| m[j].interest_paid).sum(),
                residual_received: if j == last {
                    pool.iter().map(|p| p.residual).sum()
                } else {
                    0.0
                },
                principal_loss: outcome.principal_loss[j],
                loss_share: if original > 0.0 {
                    outcome.principal_loss[j] / original
                } else {
                    0.0
                },
                interest_shortfall: outcome.interest_shortfall[j],
                wal_years: weighted_average_life_years(&principal),
                annual_yield: annual_yield(original, &cash),
            }
        })
        .collect()
}
