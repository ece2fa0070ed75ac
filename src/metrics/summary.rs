//! Monte Carlo results (SPEC §6): pool and tranche loss distributions, expected loss with
//! its standard error, PD, VaR, ES, WAL and yield of the expected flows, implied ratings,
//! trigger breach probabilities (within the revolving period and by the legal final, SPEC
//! §5) and the pool's balance bands.

use serde::Serialize;

use super::cashflow::{annual_yield, weighted_average_life_years};
use super::distribution::{LossStatistics, block_sum, loss_statistics, weighted_quantile};
use crate::engine::{MonteCarloRun, PoolField, TrancheField};
use crate::scenario::Deal;

/// One tranche's Monte Carlo metrics (`tranches.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrancheMetrics {
    pub tranche: String,
    pub share: f64,
    /// Original balance, CNY.
    pub amount: f64,
    pub coupon: Option<f64>,
    /// Loss share statistics (loss ÷ original balance).
    pub loss: LossStatistics,
    /// WAL in years of the expected principal flows.
    pub wal_years: Option<f64>,
    /// Annual nominal IRR of the expected cash flows at par.
    #[serde(rename = "yield")]
    pub annual_yield: Option<f64>,
    /// Whether the tranche is rated: every tranche but the last, the residual holder, which
    /// has no coupon and gets no rating (SPEC §5).
    pub rated: bool,
    /// Best rating whose idealized EL at the WAL covers the EL; `None` for the residual
    /// tranche (not rated) and for a rated tranche below the table's scale.
    pub implied_rating: Option<String>,
    pub target_rating: Option<String>,
    /// Idealized EL of the target rating at the tranche's WAL.
    pub target_el: Option<f64>,
    /// Expected interest unpaid at the legal final, CNY.
    pub expected_interest_shortfall: f64,
}

/// A trigger's breach probabilities (SPEC §5: within the revolving period and by the legal
/// final) and the distribution of its breach month, each a weighted share of paths.
///
/// "Within the revolving period" means a first breach in one of the deal's scheduled
/// revolving months `1..=revolving_months`, whether or not the deal still revolves then: a
/// breach that itself ends the revolving period early counts (its month is ≤
/// `revolving_months`), and so does a breach after another trigger has already ended it. So
/// the probability is a property of the trigger alone, comparable across triggers and
/// structures, and it equals the cumulative breach probability at month `revolving_months`
/// (0 for a deal without a revolving period). "By the legal final" counts a breach in any
/// month tested (SPEC §5: every month until the pool is sold by a call or at the legal final).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerStatistics {
    pub trigger: String,
    /// Probability of a breach by the legal final (the same number as
    /// `probability_by_legal_final`, under the name earlier reports used).
    pub probability: f64,
    /// Probability of a breach in months `1..=revolving_months`.
    pub probability_within_revolving_period: f64,
    /// Standard error of `probability_within_revolving_period`.
    pub probability_within_revolving_period_se: f64,
    /// Probability of a breach in any month up to the legal final.
    pub probability_by_legal_final: f64,
    /// Standard error of `probability_by_legal_final`.
    pub probability_by_legal_final_se: f64,
    /// `by_month[m − 1]` = probability of first breaching in month `m`.
    pub by_month: Vec<f64>,
}

/// The weighted probability of an event over paths and its standard error.
///
/// # Formula
/// `p = Σ wᵢ 1{eventᵢ}` summed in the fixed block order of SPEC §4.5 (so it is exactly the
/// weighted count of the paths in `path_results.csv`), with standard error
/// `√(Σ wᵢ² (1{eventᵢ} − p)²)` of the self-normalised estimator (Owen, *Monte Carlo theory,
/// methods and examples*, §9.2), `√(p(1 − p)/n)` for plain Monte Carlo.
pub fn weighted_probability(events: &[bool], weights: &[f64]) -> (f64, f64) {
    let pairs = || events.iter().zip(weights);
    let probability = block_sum(pairs().map(|(&e, &w)| if e { w } else { 0.0 }));
    let error_variance = block_sum(pairs().map(|(&e, &w)| {
        let indicator = if e { 1.0 } else { 0.0 };
        (w * (indicator - probability)).powi(2)
    }));
    (probability, error_variance.sqrt())
}

/// Percentiles of the performing balance by month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceBand {
    pub month: u32,
    pub mean: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// Everything §6 asks of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonteCarloSummary {
    pub paths: usize,
    pub importance_sampling: bool,
    /// Centres of the sampling mixture in factor standard deviations (0 = plain).
    pub sampling_shifts: Vec<f64>,
    pub pool_default: LossStatistics,
    pub pool_net_loss: LossStatistics,
    pub tranches: Vec<TrancheMetrics>,
    pub triggers: Vec<TriggerStatistics>,
    /// Probability that the clean-up call is exercised.
    pub call_probability: f64,
    pub balance_bands: Vec<BalanceBand>,
    /// Receivables simulated (closing pool + purchases), summed over paths.
    pub receivable_lives: u64,
}

/// Computes the summary of a run.
pub fn summarize(run: &MonteCarloRun, deal: &Deal) -> MonteCarloSummary {
    let weights = run.weights();
    let months = deal.horizon_months as usize;
    let column = |f: &dyn Fn(&crate::engine::PathResult) -> f64| -> Vec<f64> {
        run.paths.iter().map(f).collect()
    };
    let pool_default = loss_statistics(&column(&|p| p.pool_default), &weights);
    let pool_net_loss = loss_statistics(&column(&|p| p.pool_net_loss), &weights);
    let last = deal.tranches.len() - 1;
    let tranches = deal
        .tranches
        .iter()
        .enumerate()
        .map(|(j, tranche)| {
            let loss = loss_statistics(&column(&|p| p.tranche_loss[j]), &weights);
            let principal: Vec<f64> = (1..=months)
                .map(|m| run.expected_tranche(m, j, TrancheField::PrincipalPaid))
                .collect();
            let cash: Vec<f64> = (1..=months)
                .map(|m| {
                    let residual = if j == last {
                        run.expected_pool(m, PoolField::Residual)
                    } else {
                        0.0
                    };
                    run.expected_tranche(m, j, TrancheField::InterestPaid)
                        + run.expected_tranche(m, j, TrancheField::PrincipalPaid)
                        + residual
                })
                .collect();
            let amount = tranche.share * run.closing_balance;
            let wal_years = weighted_average_life_years(&principal);
            let wal_for_rating = wal_years.unwrap_or(f64::from(deal.horizon_months) / 12.0);
            TrancheMetrics {
                tranche: tranche.name.clone(),
                share: tranche.share,
                amount,
                coupon: tranche.coupon,
                rated: j != last,
                implied_rating: if j == last {
                    None
                } else {
                    deal.rating_table
                        .implied_rating(loss.mean, wal_for_rating)
                        .map(str::to_string)
                },
                target_el: tranche
                    .target_rating
                    .as_deref()
                    .and_then(|r| deal.rating_table.idealized_el(r, wal_for_rating)),
                target_rating: tranche.target_rating.clone(),
                expected_interest_shortfall: block_sum(
                    run.paths
                        .iter()
                        .zip(&weights)
                        .map(|(p, w)| w * p.tranche_interest_shortfall[j]),
                ),
                annual_yield: annual_yield(amount, &cash),
                wal_years,
                loss,
            }
        })
        .collect();
    let triggers = deal
        .triggers
        .iter()
        .enumerate()
        .map(|(k, trigger)| {
            let by_month: Vec<f64> = (1..=months as u32)
                .map(|month| {
                    block_sum(run.paths.iter().zip(&weights).map(|(p, w)| {
                        if p.trigger_breach_month[k] == month {
                            *w
                        } else {
                            0.0
                        }
                    }))
                })
                .collect();
            let breach_months: Vec<u32> = run
                .paths
                .iter()
                .map(|p| p.trigger_breach_month[k])
                .collect();
            let events = |breached: &dyn Fn(u32) -> bool| -> Vec<bool> {
                breach_months.iter().map(|&m| breached(m)).collect()
            };
            let (within_revolving, within_revolving_se) = weighted_probability(
                &events(&|m| (1..=deal.revolving_months).contains(&m)),
                &weights,
            );
            let (by_legal_final, by_legal_final_se) =
                weighted_probability(&events(&|m| m > 0), &weights);
            TriggerStatistics {
                trigger: trigger.label(),
                probability: by_legal_final,
                probability_within_revolving_period: within_revolving,
                probability_within_revolving_period_se: within_revolving_se,
                probability_by_legal_final: by_legal_final,
                probability_by_legal_final_se: by_legal_final_se,
                by_month,
            }
        })
        .collect();
    let call_probability = block_sum(
        run.paths
            .iter()
            .zip(&weights)
            .map(|(p, w)| if p.call_month > 0 { *w } else { 0.0 }),
    );
    let balance_bands = (1..=months)
        .map(|m| {
            let balances: Vec<f64> = run.paths.iter().map(|p| p.end_balance[m - 1]).collect();
            let q = |level| weighted_quantile(&balances, &weights, level);
            BalanceBand {
                month: m as u32,
                mean: block_sum(balances.iter().zip(&weights).map(|(b, w)| b * w)),
                p5: q(0.05),
                p25: q(0.25),
                p50: q(0.5),
                p75: q(0.75),
                p95: q(0.95),
            }
        })
        .collect();
    MonteCarloSummary {
        paths: run.paths.len(),
        importance_sampling: run.settings.importance_sampling,
        sampling_shifts: run
            .sampling
            .components
            .iter()
            .map(|(_, shift)| shift.first().copied().unwrap_or(0.0))
            .collect(),
        pool_default,
        pool_net_loss,
        tranches,
        triggers,
        call_probability,
        balance_bands,
        receivable_lives: run.receivable_lives,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_probability_is_the_weighted_count_with_its_standard_error() {
        // p = 0.1 + 0.3 = 0.4; se² = 0.1²·0.6² + 0.2²·0.4² + 0.3²·0.6² + 0.4²·0.4² = 0.068
        let (p, se) = weighted_probability(&[true, false, true, false], &[0.1, 0.2, 0.3, 0.4]);
        assert!((p - 0.4).abs() < 1e-15);
        assert!((se - 0.068_f64.sqrt()).abs() < 1e-15);
        // equal weights: the binomial standard error √(p(1 − p)/n)
        let events: Vec<bool> = (0..1000).map(|i| i % 4 == 0).collect();
        let (p, se) = weighted_probability(&events, &[1e-3; 1000]);
        assert!((p - 0.25).abs() < 1e-12);
        assert!((se - (0.25 * 0.75 / 1000.0_f64).sqrt()).abs() < 1e-12);
        assert_eq!(weighted_probability(&[], &[]), (0.0, 0.0));
    }
}
