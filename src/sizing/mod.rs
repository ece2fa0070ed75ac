//! Deal sizing and funding capacity (SPEC §7.1), and deterministic breakevens.
//!
//! For each tranche with a `target_rating`, in order of seniority, the largest share of the
//! pool whose expected loss stays within the idealized EL of its target at its WAL, holding
//! the tranches above at their sized shares; the tranches below share the rest in their
//! scenario proportions while a tranche is being sized, and the last tranche takes what is
//! left at the end.
//!
//! Candidates are compared on common random numbers: the pool paths are simulated once and
//! their collections recorded; a candidate structure re-runs only the waterfall on the
//! recorded collections. A path whose waterfall makes a different purchase or sells the
//! pool in a different month than the recorded run (the tranching can change both, through
//! the funds left for purchases or the excess-spread trigger) is simulated again in full
//! from its own random stream, so every candidate is evaluated exactly.

pub mod breakeven;
pub mod frontier;

use rayon::prelude::*;
use serde::Serialize;

use crate::metrics::cashflow::weighted_average_life_years;
use crate::metrics::distribution::{block_sum, loss_statistics};
use crate::montecarlo::{BLOCK_PATHS, MonteCarloSettings, factor_sampling, find_tail_shifts};
use crate::scenario::Deal;
use crate::sim::montecarlo::{FactorSampling, PathScratch, StochasticPool};
use crate::sim::{Collateral, PoolFlows};
use crate::waterfall::{WaterfallError, run_deal};

/// Sizing stops when the bracket around a tranche's largest share is narrower than this
/// share of the pool (0.05 %, inside the 0.1 % the issue asks for).
pub const SHARE_TOLERANCE: f64 = 0.0005;

/// Smallest share left to the tranches below the one being sized.
pub const MIN_SUBORDINATE_SHARE: f64 = 0.001;

/// What a path's pool did in the recorded run.
#[derive(Debug, Clone)]
struct RecordedPath {
    likelihood_ratio: f64,
    flows: Vec<PoolFlows>,
    purchases: Vec<f64>,
    sale_month: Option<u32>,
}

/// Replays recorded collections while the waterfall makes the same decisions.
struct Replay<'r> {
    closing_balance: f64,
    path: &'r RecordedPath,
    diverged: bool,
}

impl Collateral for Replay<'_> {
    fn closing_balance(&self) -> f64 {
        self.closing_balance
    }

    fn collect(&mut self, month: u32) -> PoolFlows {
        self.path.flows[month as usize - 1]
    }

    fn purchase(&mut self, month: u32, amount: f64) {
        if amount.to_bits() != self.path.purchases[month as usize - 1].to_bits() {
            self.diverged = true;
        }
    }

    fn sell_performing(&mut self, month: u32) -> f64 {
        if self.path.sale_month != Some(month) {
            self.diverged = true;
        }
        self.path.flows[month as usize - 1].end_balance
    }
}

/// Records a live path's collections and decisions.
struct Recorder<C> {
    inner: C,
    flows: Vec<PoolFlows>,
    purchases: Vec<f64>,
    sale_month: Option<u32>,
}

impl<C: Collateral> Collateral for Recorder<C> {
    fn closing_balance(&self) -> f64 {
        self.inner.closing_balance()
    }

    fn collect(&mut self, month: u32) -> PoolFlows {
        let flows = self.inner.collect(month);
        self.flows.push(flows);
        self.purchases.push(0.0);
        flows
    }

    fn purchase(&mut self, month: u32, amount: f64) {
        self.purchases[month as usize - 1] = amount;
        self.inner.purchase(month, amount);
    }

    fn sell_performing(&mut self, month: u32) -> f64 {
        // only the first sale matters: afterwards the pool is gone
        self.sale_month.get_or_insert(month);
        self.inner.sell_performing(month)
    }
}

/// One path of a candidate structure: tranche loss shares and principal by month.
struct CandidatePath {
    likelihood_ratio: f64,
    loss: Vec<f64>,
    principal: Vec<Vec<f64>>,
    resimulated: bool,
}

/// The paths of the sizing run, recorded once.
pub struct SizingPaths<'m, 'p> {
    model: &'m StochasticPool<'p>,
    seed: u64,
    sampling: FactorSampling,
    paths: Vec<RecordedPath>,
}

/// Result of evaluating one candidate structure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateMetrics {
    pub el: Vec<f64>,
    pub el_se: Vec<f64>,
    pub wal_years: Vec<Option<f64>>,
    /// Paths that had to be simulated again because the waterfall's decisions changed.
    pub resimulated_paths: usize,
}

fn simulate_recorded<'p>(
    model: &StochasticPool<'p>,
    deal: &Deal,
    scratch: &mut PathScratch<'p>,
    seed: u64,
    path: u64,
    sampling: &FactorSampling,
) -> Result<RecordedPath, WaterfallError> {
    let (collateral, likelihood_ratio) = model.start_path(scratch, seed, path, sampling);
    let months = deal.horizon_months as usize;
    let mut recorder = Recorder {
        inner: collateral,
        flows: Vec::with_capacity(months),
        purchases: Vec::with_capacity(months),
        sale_month: None,
    };
    run_deal(deal, &mut recorder, |_| {})?;
    Ok(RecordedPath {
        likelihood_ratio,
        flows: recorder.flows,
        purchases: recorder.purchases,
        sale_month: recorder.sale_month,
    })
}

impl<'m, 'p> SizingPaths<'m, 'p> {
    /// Simulates and records the paths of `deal` (the scenario's structure), choosing the
    /// importance-sampling mixture from it; every candidate then reuses these paths.
    pub fn record(
        model: &'m StochasticPool<'p>,
        deal: &Deal,
        settings: &MonteCarloSettings,
    ) -> Result<SizingPaths<'m, 'p>, WaterfallError> {
        let shifts = if settings.importance_sampling {
            find_tail_shifts(model, deal, settings.seed)?
        } else {
            Vec::new()
        };
        let sampling = factor_sampling(model, &shifts);
        let mut paths = Vec::with_capacity(settings.paths);
        for start in (0..settings.paths).step_by(BLOCK_PATHS) {
            let end = (start + BLOCK_PATHS).min(settings.paths);
            let block: Vec<Result<RecordedPath, WaterfallError>> = (start..end)
                .into_par_iter()
                .map_init(
                    || model.scratch(),
                    |scratch, path| {
                        simulate_recorded(
                            model,
                            deal,
                            scratch,
                            settings.seed,
                            path as u64,
                            &sampling,
                        )
                    },
                )
                .collect();
            for path in block {
                paths.push(path?);
            }
        }
        Ok(SizingPaths {
            model,
            seed: settings.seed,
            sampling,
            paths,
        })
    }

    /// Tranche EL (loss ÷ original balance), its standard error and WAL under `deal`.
    pub fn evaluate(&self, deal: &Deal) -> Result<CandidateMetrics, WaterfallError> {
        let tranche_count = deal.tranches.len();
        let months = deal.horizon_months as usize;
        let closing = self.model.pool.closing_balance;
        let results: Vec<Result<CandidatePath, WaterfallError>> = self
            .paths
            .par_iter()
            .enumerate()
            .map_init(
                || self.model.scratch(),
                |scratch, (index, recorded)| {
                    let mut principal = vec![vec![0.0; months]; tranche_count];
                    let mut replay = Replay {
                        closing_balance: closing,
                        path: recorded,
                        diverged: false,
                    };
                    let mut observe = |report: &crate::waterfall::PeriodReport| {
                        for (j, t) in report.tranches.iter().enumerate() {
                            principal[j][report.month as usize - 1] = t.principal_paid;
                        }
                    };
                    let mut outcome = run_deal(deal, &mut replay, &mut observe);
                    let resimulated = replay.diverged;
                    if resimulated {
                        let (mut live, _) =
                            self.model
                                .start_path(scratch, self.seed, index as u64, &self.sampling);
                        outcome = run_deal(deal, &mut live, &mut observe);
                    }
                    let outcome = outcome?;
                    let loss = outcome.loss_shares();
                    Ok(CandidatePath {
                        likelihood_ratio: recorded.likelihood_ratio,
                        loss,
                        principal,
                        resimulated,
                    })
                },
            )
            .collect();
        let mut paths = Vec::with_capacity(results.len());
        for r in results {
            paths.push(r?);
        }
        let ratio_sum = block_sum(paths.iter().map(|p| p.likelihood_ratio));
        let weights: Vec<f64> = paths
            .iter()
            .map(|p| p.likelihood_ratio / ratio_sum)
            .collect();
        let mut el = Vec::with_capacity(tranche_count);
        let mut el_se = Vec::with_capacity(tranche_count);
        let mut wal_years = Vec::with_capacity(tranche_count);
        for j in 0..tranche_count {
            let losses: Vec<f64> = paths.iter().map(|p| p.loss[j]).collect();
            let stats = loss_statistics(&losses, &weights);
            el.push(stats.mean);
            el_se.push(stats.standard_error);
            let expected: Vec<f64> = (0..months)
                .map(|m| {
                    block_sum(
                        paths
                            .iter()
                            .zip(&weights)
                            .map(|(p, w)| w * p.principal[j][m]),
                    )
                })
                .collect();
            wal_years.push(weighted_average_life_years(&expected));
        }
        Ok(CandidateMetrics {
            el,
            el_se,
            wal_years,
            resimulated_paths: paths.iter().filter(|p| p.resimulated).count(),
        })
    }
}

/// One row of `sizing.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// The sized structure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizingResult {
    pub tranches: Vec<SizedTranche>,
    /// Rated notes' total, CNY.
    pub funding_capacity: f64,
    /// Rated notes ÷ pool.
    pub advance_rate: f64,
    /// Candidate structures evaluated.
    pub evaluations: usize,
    /// Paths re-simulated in full across all candidates (the rest replayed).
    pub resimulated_paths: usize,
    pub share_tolerance: f64,
}

/// `deal` with tranche shares replaced: `fixed` shares for the first tranches, `share` for
/// tranche `j`, and the rest split among the tranches below in their original proportions.
pub fn candidate_deal(deal: &Deal, fixed: &[f64], j: usize, share: f64) -> Deal {
    let mut candidate = deal.clone();
    let used: f64 = fixed.iter().sum::<f64>() + share;
    let below: f64 = deal.tranches[j + 1..].iter().map(|t| t.share).sum();
    for (k, tranche) in candidate.tranches.iter_mut().enumerate() {
        tranche.share = if k < j {
            fixed[k]
        } else if k == j {
            share
        } else {
            (1.0 - used) * deal.tranches[k].share / below
        };
    }
    candidate
}

/// Sizes every tranche with a target rating, in seniority order (SPEC §7.1).
pub fn size_deal(paths: &SizingPaths, deal: &Deal) -> Result<SizingResult, WaterfallError> {
    let closing = paths.model.pool.closing_balance;
    let rated = deal.rated_count();
    let mut fixed: Vec<f64> = Vec::new();
    let mut evaluations = 0;
    let mut resimulated_paths = 0;
    let mut feasible = Vec::new();
    for j in 0..rated {
        if deal.tranches[j].target_rating.is_none() {
            // not sized: keep its scenario share (within what is left)
            let left = 1.0 - fixed.iter().sum::<f64>() - MIN_SUBORDINATE_SHARE;
            fixed.push(deal.tranches[j].share.min(left.max(0.0)));
            feasible.push(true);
            continue;
        }
        let rating = deal.tranches[j].target_rating.clone().unwrap_or_default();
        let mut meets = |share: f64| -> Result<bool, WaterfallError> {
            let candidate = candidate_deal(deal, &fixed, j, share);
            let metrics = paths.evaluate(&candidate)?;
            evaluations += 1;
            resimulated_paths += metrics.resimulated_paths;
            let wal = metrics.wal_years[j].unwrap_or(f64::from(deal.horizon_months) / 12.0);
            let target = deal.rating_table.idealized_el(&rating, wal).unwrap_or(0.0);
            Ok(metrics.el[j] <= target)
        };
        let upper = 1.0 - fixed.iter().sum::<f64>() - MIN_SUBORDINATE_SHARE;
        let share = if upper <= SHARE_TOLERANCE {
            feasible.push(false);
            0.0
        } else if meets(upper)? {
            feasible.push(true);
            upper
        } else if !meets(SHARE_TOLERANCE)? {
            feasible.push(false);
            0.0
        } else {
            // invariant: `low` meets the target, `high` does not
            let (mut low, mut high) = (SHARE_TOLERANCE, upper);
            while high - low > SHARE_TOLERANCE {
                let mid = 0.5 * (low + high);
                if meets(mid)? {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            feasible.push(true);
            low
        };
        fixed.push(share);
    }
    // the last tranche takes the rest
    let mut shares = fixed.clone();
    shares.push(1.0 - fixed.iter().sum::<f64>());
    let mut sized = deal.clone();
    for (t, &s) in sized.tranches.iter_mut().zip(&shares) {
        t.share = s;
    }
    let metrics = paths.evaluate(&sized)?;
    evaluations += 1;
    resimulated_paths += metrics.resimulated_paths;
    let tranches = sized
        .tranches
        .iter()
        .enumerate()
        .map(|(j, t)| {
            let below: f64 = shares[j + 1..].iter().sum();
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
    let advance_rate: f64 = shares[..rated].iter().sum();
    Ok(SizingResult {
        tranches,
        funding_capacity: advance_rate * closing,
        advance_rate,
        evaluations,
        resimulated_paths,
        share_tolerance: SHARE_TOLERANCE,
    })
}
