//! Deal sizing and funding capacity (SPEC §7.1), and deterministic breakevens.
//!
//! For each tranche with a `target_rating`, in order of seniority, the largest share of the
//! pool whose expected loss stays within the idealized EL of its target at its WAL, holding
//! the tranches above at their sized shares; the tranches below share the rest in their
//! scenario proportions while a tranche is being sized, and the last tranche takes what is
//! left at the end.
//!
//! Candidates are compared on common random numbers: the Monte Carlo paths are simulated
//! once, logging each path's pool flows and purchases ([`PathLog`]); a candidate structure
//! replays every path through its own waterfall. Where its purchases differ from the
//! logged ones (the tranching changes the cash left to buy with, and the triggers), only
//! the purchases that differ are drawn again, from the same purchase streams, so each
//! candidate is evaluated on exactly the paths a full simulation would give (up to the
//! rounding of sums).

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

pub mod bdr;
pub mod breakeven;
pub mod frontier;
pub mod rating_test;
pub mod tdr;
pub mod tdr_bdr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::{FactorSampling, MonteCarloRun, MonteCarloSettings, run_monte_carlo_logged};
use crate::metrics::cashflow::weighted_average_life_years;
use crate::metrics::distribution::{block_sum, block_sums, mean_and_standard_error};
use crate::scenario::Deal;
use crate::sim::montecarlo::{PathLog, StochasticPool};
use crate::waterfall::{PeriodReport, WaterfallError, run_deal};

/// Sized shares are whole steps of the pool: a share is `steps / SHARE_STEPS`, so a sized
/// share, the advance rate and every credit enhancement are exact decimals (`0.9955`), as a
/// spreadsheet holds them, and not bisection midpoints (`0.99584791946411…`). Sums of shares
/// are sums of steps ([`sum_shares`]).
pub const SHARE_STEPS: u32 = 2_000;

/// Sizing stops when the bracket around a tranche's largest share is one step of
/// [`SHARE_STEPS`]: 0.05 % of the pool, inside the 0.1 % the issue asks for.
pub const SHARE_TOLERANCE: f64 = 1.0 / SHARE_STEPS as f64;

/// Smallest share left to the tranches below the one being sized, in steps.
const MIN_SUBORDINATE_STEPS: u32 = 2;

/// Smallest share left to the tranches below the one being sized (0.1 %).
pub const MIN_SUBORDINATE_SHARE: f64 = MIN_SUBORDINATE_STEPS as f64 / SHARE_STEPS as f64;

/// The share of `steps` steps: `steps / SHARE_STEPS`, the double nearest the exact decimal.
pub fn grid_share(steps: u32) -> f64 {
    f64::from(steps) / f64::from(SHARE_STEPS)
}

/// The steps of a share that is exactly a whole number of steps ([`grid_share`] gives it
/// back), `None` for any other share (a scenario's share of an unsized tranche, say).
fn share_steps(share: f64) -> Option<u32> {
    let steps = (share * f64::from(SHARE_STEPS)).round();
    (0.0..=f64::from(SHARE_STEPS))
        .contains(&steps)
        .then_some(steps as u32)
        .filter(|&k| grid_share(k) == share)
}

/// The sum of shares: of their steps when every share is whole steps (so `0.9795 + 0.0165`
/// is `0.996`, exactly as written), else the floating-point sum.
pub fn sum_shares(shares: &[f64]) -> f64 {
    match shares.iter().map(|&s| share_steps(s)).sum::<Option<u32>>() {
        Some(steps) => grid_share(steps),
        None => shares.iter().sum::<f64>() + 0.0,
    }
}

/// What the shares leave of the pool, 1 − Σ shares: exact in steps when every share is.
fn rest_of_pool(shares: &[f64]) -> f64 {
    match shares.iter().map(|&s| share_steps(s)).sum::<Option<u32>>() {
        Some(steps) if steps <= SHARE_STEPS => grid_share(SHARE_STEPS - steps),
        _ => 1.0 - shares.iter().sum::<f64>(),
    }
}

/// The paths of the sizing run, logged once.
pub struct SizingPaths<'m, 'p> {
    model: &'m StochasticPool<'p>,
    seed: u64,
    sampling: FactorSampling,
    likelihood_ratios: Vec<f64>,
    logs: Vec<PathLog>,
}

/// Result of evaluating one candidate structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateMetrics {
    pub el: Vec<f64>,
    pub el_se: Vec<f64>,
    pub wal_years: Vec<Option<f64>>,
    /// Paths whose purchases differed from the logged run's (their differences re-drawn).
    pub differing_paths: usize,
}

impl<'m, 'p> SizingPaths<'m, 'p> {
    /// Simulates and logs the paths of `deal` (the scenario's structure), choosing the
    /// importance-sampling mixture from it; every candidate then reuses these paths.
    pub fn record(
        model: &'m StochasticPool<'p>,
        deal: &Deal,
        settings: &MonteCarloSettings,
    ) -> Result<SizingPaths<'m, 'p>, WaterfallError> {
        let (run, logs) = run_monte_carlo_logged(model, deal, settings, true, |_| {})?;
        Ok(SizingPaths::from_run(model, &run, logs))
    }

    /// The paths of a Monte Carlo run made with its logs
    /// ([`run_monte_carlo_logged`]).
    pub fn from_run(
        model: &'m StochasticPool<'p>,
        run: &MonteCarloRun,
        logs: Vec<PathLog>,
    ) -> SizingPaths<'m, 'p> {
        assert_eq!(logs.len(), run.paths.len(), "one log per path");
        SizingPaths {
            model,
            seed: run.settings.seed,
            sampling: run.sampling.clone(),
            likelihood_ratios: run.paths.iter().map(|p| p.likelihood_ratio).collect(),
            logs,
        }
    }

    /// Paths logged.
    pub fn len(&self) -> usize {
        self.logs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.logs.is_empty()
    }

    /// Tranche EL (loss ÷ original balance), its standard error and WAL under `deal`.
    ///
    /// Each path's replay writes one row of a paths × (tranches × (1 + months)) matrix:
    /// its tranche loss shares, then each tranche's principal by month. The sums over
    /// paths are then taken column by column in path order ([`block_sum`], several columns
    /// side by side), the same sums as summarising each column on its own.
    pub fn evaluate(&self, deal: &Deal) -> Result<CandidateMetrics, WaterfallError> {
        let tranche_count = deal.tranches.len();
        let months = deal.horizon_months as usize;
        let width = tranche_count * (1 + months);
        let mut rows = vec![0.0; self.logs.len() * width];
        let replays: Vec<Result<bool, WaterfallError>> = rows
            .par_chunks_mut(width.max(1))
            .zip(self.logs.par_iter())
            .enumerate()
            .map_init(
                || self.model.scratch(),
                |scratch, (index, (row, log))| {
                    let (loss, principal) = row.split_at_mut(tranche_count);
                    let mut replay = self.model.replay_path(
                        scratch,
                        self.seed,
                        index as u64,
                        &self.sampling,
                        log,
                    );
                    let outcome = run_deal(deal, &mut replay, |report: &PeriodReport| {
                        let m = report.month as usize - 1;
                        for (j, t) in report.tranches.iter().enumerate() {
                            principal[j * months + m] = t.principal_paid;
                        }
                    })?;
                    loss.copy_from_slice(&outcome.loss_shares());
                    Ok(replay.differed())
                },
            )
            .collect();
        let mut differing_paths = 0;
        for differed in replays {
            differing_paths += usize::from(differed?);
        }
        let ratio_sum = block_sum(self.likelihood_ratios.iter().copied());
        let weights: Vec<f64> = self
            .likelihood_ratios
            .iter()
            .map(|r| r / ratio_sum)
            .collect();
        let paths = || rows.chunks_exact(width.max(1));
        // Σ w × principal for every tranche and month: the expected principal by month
        let mut expected = vec![0.0; tranche_count * months];
        block_sums(
            paths().map(|row| &row[tranche_count..]),
            &weights,
            &mut expected,
        );
        let mut el = Vec::with_capacity(tranche_count);
        let mut el_se = Vec::with_capacity(tranche_count);
        let mut wal_years = Vec::with_capacity(tranche_count);
        for j in 0..tranche_count {
            let (mean, standard_error) =
                mean_and_standard_error(paths().map(|row| row[j]), &weights);
            el.push(mean);
            el_se.push(standard_error);
            wal_years.push(weighted_average_life_years(
                &expected[j * months..(j + 1) * months],
            ));
        }
        Ok(CandidateMetrics {
            el,
            el_se,
            wal_years,
            differing_paths,
        })
    }
}

/// One row of `sizing.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizedTranche {
    pub tranche: String,
    pub target_rating: Option<String>,
    pub share: f64,
    /// CNY.
    pub amount: f64,
    /// Share of the pool below this tranche.
    pub credit_enhancement: f64,
    pub el: f64,
    pub el_se: f64,
    pub wal: Option<f64>,
    /// Idealized EL of the target at the sized WAL.
    pub target_el: Option<f64>,
    /// Whether the target could be met at all (a share of at least the tolerance).
    pub feasible: bool,
}

/// One candidate evaluated while sizing a tranche (a row of `sizing_curve.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub tranche: String,
    pub share: f64,
    pub el: f64,
    pub el_se: f64,
    pub wal: Option<f64>,
    pub target_el: f64,
    pub meets: bool,
}

/// The sized structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizingResult {
    pub tranches: Vec<SizedTranche>,
    /// Rated notes' total, CNY.
    pub funding_capacity: f64,
    /// Rated notes ÷ pool.
    pub advance_rate: f64,
    /// Candidate structures evaluated.
    pub evaluations: usize,
    /// Paths whose purchases differed from the logged run's, summed over candidates.
    pub differing_paths: usize,
    pub share_tolerance: f64,
    /// Every candidate evaluated in the last round, tranche by tranche, in the order
    /// evaluated.
    pub curve: Vec<CurvePoint>,
    /// Rounds of sequential sizing (see [`size_deal`]).
    pub rounds: usize,
}

/// `deal` with tranche shares replaced: `fixed` shares for the first tranches, `share` for
/// tranche `j`, and the rest split among the tranches below in their original proportions.
pub fn candidate_deal(deal: &Deal, fixed: &[f64], j: usize, share: f64) -> Deal {
    let mut candidate = deal.clone();
    let used: f64 = fixed.iter().sum::<f64>() + share;
    let below: f64 = deal.tranches[j + 1..].iter().map(|t| t.share).sum();
    let count_below = (deal.tranches.len() - j - 1) as f64;
    for (k, tranche) in candidate.tranches.iter_mut().enumerate() {
        tranche.share = if k < j {
            fixed[k]
        } else if k == j {
            share
        } else if below > 0.0 {
            (1.0 - used) * deal.tranches[k].share / below
        } else {
            // no proportions to keep (every tranche below had no share): equal parts
            (1.0 - used) / count_below
        };
    }
    candidate
}

/// The largest whole number of steps tranche `fixed.len()` may take: what the tranches
/// above leave, less the minimum of the tranches below.
fn upper_steps(fixed: &[f64]) -> u32 {
    let rest = rest_of_pool(fixed);
    match share_steps(rest) {
        Some(rest) => rest.saturating_sub(MIN_SUBORDINATE_STEPS),
        None => ((rest - MIN_SUBORDINATE_SHARE) * f64::from(SHARE_STEPS))
            .floor()
            .max(0.0) as u32,
    }
}

/// The largest number of steps up to `upper` whose share passes (`passes` is monotone:
/// true up to some share, false above), by bisection; and whether the target is feasible
/// (false when not even one step passes: the share is then 0). With no room (`upper ≤ 1`)
/// the share is 0 and the target is not what fails. Both sizing methods search this way.
fn largest_passing_steps<E>(
    upper: u32,
    passes: &mut impl FnMut(f64) -> Result<bool, E>,
) -> Result<(u32, bool), E> {
    if upper <= 1 {
        return Ok((0, true));
    }
    if passes(grid_share(upper))? {
        return Ok((upper, true));
    }
    if !passes(grid_share(1))? {
        return Ok((0, false));
    }
    // invariant: `low` steps pass, `high` steps do not
    let (mut low, mut high) = (1, upper);
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if passes(grid_share(mid))? {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok((low, true))
}

/// Rounds of sequential sizing at most (see [`size_deal`]).
pub const MAX_SIZING_ROUNDS: usize = 4;

/// Sizes every tranche with a target rating, in seniority order (SPEC §7.1).
///
/// While a tranche is sized, the tranches below it share the rest of the pool in given
/// proportions; sizing them afterwards changes those proportions, and with them the
/// interest paid below and so the excess spread that protects the tranches above. The
/// sizing is therefore repeated with the proportions of the previous round until every
/// target is met at the final structure (or the shares stop moving), at most
/// [`MAX_SIZING_ROUNDS`] times; the first round uses the scenario's shares.
pub fn size_deal(paths: &SizingPaths, deal: &Deal) -> Result<SizingResult, WaterfallError> {
    let mut layout = deal.clone();
    let (mut evaluations, mut differing_paths) = (0, 0);
    let mut round = 1;
    loop {
        let mut result = size_round(paths, &layout)?;
        evaluations += result.evaluations;
        differing_paths += result.differing_paths;
        let targets_met = result
            .tranches
            .iter()
            .all(|t| !t.feasible || t.target_el.is_none_or(|target| t.el <= target));
        let settled = layout
            .tranches
            .iter()
            .zip(&result.tranches)
            .all(|(l, t)| (l.share - t.share).abs() <= SHARE_TOLERANCE);
        if targets_met || settled || round == MAX_SIZING_ROUNDS {
            result.evaluations = evaluations;
            result.differing_paths = differing_paths;
            result.rounds = round;
            return Ok(result);
        }
        for (l, t) in layout.tranches.iter_mut().zip(&result.tranches) {
            l.share = t.share;
        }
        round += 1;
    }
}

/// One round of sequential sizing, the tranches below the one sized sharing the rest in
/// `layout`'s proportions.
fn size_round(paths: &SizingPaths, deal: &Deal) -> Result<SizingResult, WaterfallError> {
    let closing = paths.model.pool.closing_balance;
    let rated = deal.rated_count();
    let mut fixed: Vec<f64> = Vec::new();
    let mut evaluations = 0;
    let mut differing_paths = 0;
    let mut feasible = Vec::new();
    let mut curve = Vec::new();
    for j in 0..rated {
        if deal.tranches[j].target_rating.is_none() {
            // not sized: keep its scenario share (within what is left)
            let left = rest_of_pool(&fixed) - MIN_SUBORDINATE_SHARE;
            fixed.push(deal.tranches[j].share.min(left.max(0.0)));
            feasible.push(true);
            continue;
        }
        let rating = deal.tranches[j].target_rating.clone().unwrap_or_default();
        let mut meets = |share: f64| -> Result<bool, WaterfallError> {
            let candidate = candidate_deal(deal, &fixed, j, share);
            let metrics = paths.evaluate(&candidate)?;
            evaluations += 1;
            differing_paths += metrics.differing_paths;
            let wal = metrics.wal_years[j].unwrap_or(f64::from(deal.horizon_months) / 12.0);
            let target = deal.rating_table.idealized_el(&rating, wal).unwrap_or(0.0);
            let meets = metrics.el[j] <= target;
            curve.push(CurvePoint {
                tranche: deal.tranches[j].name.clone(),
                share,
                el: metrics.el[j],
                el_se: metrics.el_se[j],
                wal: metrics.wal_years[j],
                target_el: target,
                meets,
            });
            Ok(meets)
        };
        let (steps, met) = largest_passing_steps(upper_steps(&fixed), &mut meets)?;
        feasible.push(met);
        fixed.push(grid_share(steps));
    }
    // the last tranche takes the rest
    let mut shares = fixed.clone();
    shares.push(rest_of_pool(&fixed));
    let mut sized = deal.clone();
    for (t, &s) in sized.tranches.iter_mut().zip(&shares) {
        t.share = s;
    }
    let metrics = paths.evaluate(&sized)?;
    evaluations += 1;
    differing_paths += metrics.differing_paths;
    let tranches = sized
        .tranches
        .iter()
        .enumerate()
        .map(|(j, t)| {
            let below = sum_shares(&shares[j + 1..]);
            let wal = metrics.wal_years[j];
            SizedTranche {
                tranche: t.name.clone(),
                target_rating: t.target_rating.clone(),
                share: shares[j],
                amount: shares[j] * closing,
                credit_enhancement: below,
                el: metrics.el[j],
                el_se: metrics.el_se[j],
                wal,
                target_el: t.target_rating.as_deref().and_then(|r| {
                    deal.rating_table
                        .idealized_el(r, wal.unwrap_or(f64::from(deal.horizon_months) / 12.0))
                }),
                feasible: feasible.get(j).copied().unwrap_or(true),
            }
        })
        .collect();
    let advance_rate = sum_shares(&shares[..rated]);
    Ok(SizingResult {
        tranches,
        funding_capacity: advance_rate * closing,
        advance_rate,
        evaluations,
        differing_paths,
        share_tolerance: SHARE_TOLERANCE,
        curve,
        rounds: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_on_the_grid_add_up_exactly() {
        assert_eq!(SHARE_TOLERANCE, 0.0005);
        assert_eq!(MIN_SUBORDINATE_SHARE, 0.001);
        assert_eq!(grid_share(1959), 0.9795);
        // in floating point 0.1 + 0.2 is 0.30000000000000004 and 1 − 0.999 is
        // 0.0010000000000000009; in steps they are 0.3 and 0.001
        assert_ne!(0.1 + 0.2, 0.3);
        assert_eq!(sum_shares(&[0.1, 0.2]), 0.3);
        assert_ne!(1.0 - 0.9795 - 0.0165, 0.004);
        assert_eq!(rest_of_pool(&[0.9795, 0.0165]), 0.004);
        assert_eq!(rest_of_pool(&[0.999]), 0.001);
        assert_eq!(sum_shares(&[]).to_bits(), 0.0_f64.to_bits());
        // a share off the grid (a scenario's) falls back to the floating-point sum
        assert_eq!(share_steps(0.123_456), None);
        assert_eq!(sum_shares(&[0.123_456, 0.5]), 0.123_456 + 0.5);
        assert_eq!(share_steps(0.15), Some(300));
    }
}
