//! Sizing by target against break-even default rates (SPEC §7.3), the default method: in
//! seniority order, the largest share (whole steps of [`SHARE_STEPS`]) at which the tranche
//! passes its target rating — its BDR under every stress scenario of the target's category
//! at least the TDR at its base-case WAL — the tranches above held at their sized shares
//! and the tranches below sharing the rest in their scenario proportions, as §7.1 does.
//!
//! # Why it is fast
//! A naive search bisects the share, and for each candidate bisects the default level `k`
//! of every scenario: thousands of deterministic runs. Whether a tranche passes a scenario
//! needs much less: with the tranche repaid for every level up to `k*` and the cumulative
//! default rate rising with the level, BDR ≥ TDR exactly when the tranche is repaid at some
//! level whose cumulative default rate is at least the TDR, and fails exactly when it is not
//! repaid at some level whose rate is at most the TDR. A run at a level `k` therefore
//! decides the scenario in one of those two cases, and otherwise moves `k` towards the level
//! where the rate equals the TDR (multiplicatively, the rate being close to proportional to
//! `k` for small rates). The last level found per scenario starts the next candidate's
//! search, so most candidates cost one run per scenario.
//!
//! [`SHARE_STEPS`]: super::SHARE_STEPS

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bdr::{
    LEVEL_TOLERANCE, MAX_LEVEL, MIN_LEVEL, StressCase, cumulative_default_rate, repaid,
};
use super::rating_test::{LINE_PD_RATIO, base_case_wal, category_bdr, category_break_evens_from};
use super::tdr::WeightedDistribution;
use super::{
    MIN_SUBORDINATE_SHARE, candidate_deal, grid_share, largest_passing_steps, rest_of_pool,
    sum_shares, upper_steps,
};
use crate::scenario::{Assumptions, Deal};
use crate::sim::{DeterministicLayout, Pool};
use crate::waterfall::WaterfallError;

/// One tranche of the TDR/BDR-sized structure (the `tdr_bdr` rows of `sizing.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TdrBdrTranche {
    pub tranche: String,
    pub target_rating: Option<String>,
    pub share: f64,
    /// CNY.
    pub amount: f64,
    pub credit_enhancement: f64,
    /// Base-case WAL at the sized structure, years.
    pub wal: f64,
    /// TDR of the target at that WAL, with its standard error.
    pub tdr: Option<f64>,
    pub tdr_se: Option<f64>,
    /// BDR at the target's category and its binding scenario, at the sized structure.
    pub bdr: Option<f64>,
    pub binding_scenario: Option<String>,
    /// Whether the target could be met at all (a share of at least one step).
    pub feasible: bool,
}

/// The TDR/BDR-sized structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TdrBdrSizing {
    pub tranches: Vec<TdrBdrTranche>,
    /// Rated notes' total, CNY.
    pub funding_capacity: f64,
    pub advance_rate: f64,
    /// Candidate structures tested.
    pub evaluations: usize,
    /// Deterministic runs made.
    pub runs: usize,
}

/// A scenario's stress case at the target's category, with its layout and the level its
/// last search ended at.
struct ScenarioSearch {
    case: StressCase,
    layout: DeterministicLayout,
    level: f64,
}

/// Whether tranche `j` of `candidate` has BDR ≥ `tdr` under one scenario (module docs);
/// the runs made are added to `runs`.
fn passes_scenario(
    pool: &Pool,
    candidate: &Deal,
    j: usize,
    tdr: f64,
    search: &mut ScenarioSearch,
    runs: &mut usize,
) -> Result<bool, WaterfallError> {
    let closing = pool.closing_balance;
    // invariant: the answer's level lies in (low, high)
    let (mut low, mut high) = (0.0, MAX_LEVEL);
    let mut level = search.level.clamp(MIN_LEVEL, MAX_LEVEL);
    loop {
        let run = search.case.run(pool, &search.layout, candidate, level)?;
        *runs += 1;
        let rate = cumulative_default_rate(&run, closing);
        let ok = repaid(&run, j);
        if ok && rate >= tdr {
            search.level = level;
            return Ok(true);
        }
        if !ok && rate <= tdr {
            search.level = level;
            return Ok(false);
        }
        if ok {
            // repaid, and the rate is still below the TDR: more defaults
            if level >= MAX_LEVEL {
                // repaid with every rate at its cap: the scenario cannot break it
                // ([`super::rating_test::CategoryBdr::unbreakable`])
                search.level = level;
                return Ok(true);
            }
            low = level;
        } else {
            high = level;
        }
        if low > 0.0 && high / low <= 1.0 + LEVEL_TOLERANCE {
            // the rate jumps across the TDR (a trigger switching): the tranche fails
            // between, so it is not repaid at a rate of the TDR
            search.level = level;
            return Ok(false);
        }
        // aim a little past the level where the rate is the TDR, on the side that decides
        // (above it when repaid, below when not), so a near-proportional rate decides in
        // one more run
        let past = 1.0 + LEVEL_TOLERANCE;
        let proposed = match (rate > 0.0, ok) {
            (true, true) => level * tdr / rate * past,
            (true, false) => level * tdr / rate / past,
            (false, _) => level * 16.0,
        };
        level = if proposed > low && proposed < high && proposed != level {
            proposed
        } else if ok && high == MAX_LEVEL && level < MAX_LEVEL && proposed >= high {
            // the top of the range has not been run: run it (a scenario may not break
            // the tranche at all)
            MAX_LEVEL
        } else if low > 0.0 {
            (low * high).sqrt()
        } else {
            level / 16.0
        };
        if level < MIN_LEVEL {
            // the tranche fails even with (almost) no defaults under this scenario
            search.level = MIN_LEVEL;
            return Ok(false);
        }
    }
}

/// Sizes the rated tranches with target ratings by TDR/BDR (module docs). `distribution`
/// is the Monte Carlo distribution of the cumulative default rate.
pub fn size_by_tdr_bdr(
    pool: &Pool,
    assumptions: &Assumptions,
    deal: &Deal,
    distribution: &WeightedDistribution,
) -> Result<TdrBdrSizing, WaterfallError> {
    let closing = pool.closing_balance;
    let rated = deal.rated_count();
    let table = &deal.stress_table;
    let lines = pool.representative_lines(LINE_PD_RATIO);
    let mut fixed: Vec<f64> = Vec::new();
    let mut feasible = Vec::new();
    // where each target tranche's scenario searches ended, per scenario: the record of
    // the sized structure below starts its break-even searches there
    let mut ends: Vec<Vec<f64>> = Vec::new();
    let (mut evaluations, mut runs) = (0, 0);
    for j in 0..rated {
        let Some(rating) = deal.tranches[j].target_rating.clone() else {
            let left = rest_of_pool(&fixed) - MIN_SUBORDINATE_SHARE;
            fixed.push(deal.tranches[j].share.min(left.max(0.0)));
            feasible.push(true);
            ends.push(Vec::new());
            continue;
        };
        let levels = table
            .levels(&rating)
            .expect("the stress table covers every rating (checked when read)")
            .clone();
        let mut searches: Vec<ScenarioSearch> = (0..table.scenarios.len())
            .map(|s| {
                let case = StressCase::new(assumptions, deal, table, &levels, s);
                let layout = case.layout(&lines);
                ScenarioSearch {
                    case,
                    layout,
                    level: 1.0,
                }
            })
            .collect();
        // the search runs on the representative lines; its answer is confirmed below
        let mut passes = |share: f64| -> Result<bool, WaterfallError> {
            let candidate = candidate_deal(deal, &fixed, j, share);
            let wal = base_case_wal(&lines, assumptions, &candidate)?[j];
            let pd = deal.pd_table.idealized_pd(&rating, wal).unwrap_or(0.0);
            let tdr = distribution.target(pd).rate;
            evaluations += 1;
            runs += 1;
            let outcomes: Vec<Result<(bool, usize), WaterfallError>> = searches
                .par_iter_mut()
                .map(|search| {
                    let mut count = 0;
                    let pass = passes_scenario(&lines, &candidate, j, tdr, search, &mut count)?;
                    Ok((pass, count))
                })
                .collect();
            let mut all = true;
            for outcome in outcomes {
                let (pass, count) = outcome?;
                runs += count;
                all &= pass;
            }
            Ok(all)
        };
        let upper = upper_steps(&fixed);
        let (steps, met) = largest_passing_steps(upper, &mut passes)?;
        feasible.push(met);
        // confirmed on the pool: the share found passes and one step more fails, else the
        // share moves a step at a time until both hold
        let mut steps = steps;
        ends.push(searches.iter().map(|s| s.level).collect());
        if steps > 0 && feasible.last() == Some(&true) {
            // on the pool itself, each scenario's search starting where the lines' ended
            let mut on_pool: Vec<ScenarioSearch> = searches
                .iter()
                .map(|search| ScenarioSearch {
                    case: search.case.clone(),
                    layout: search.case.layout(pool),
                    level: search.level,
                })
                .collect();
            let mut passes_at = |steps: u32| -> Result<bool, WaterfallError> {
                let candidate = candidate_deal(deal, &fixed, j, grid_share(steps));
                let wal = base_case_wal(pool, assumptions, &candidate)?[j];
                let pd = deal.pd_table.idealized_pd(&rating, wal).unwrap_or(0.0);
                let tdr = distribution.target(pd).rate;
                runs += 1;
                let outcomes: Vec<Result<(bool, usize), WaterfallError>> = on_pool
                    .par_iter_mut()
                    .map(|search| {
                        let mut count = 0;
                        let pass = passes_scenario(pool, &candidate, j, tdr, search, &mut count)?;
                        Ok((pass, count))
                    })
                    .collect();
                let mut all = true;
                for outcome in outcomes {
                    let (pass, count) = outcome?;
                    runs += count;
                    all &= pass;
                }
                Ok(all)
            };
            if passes_at(steps)? {
                while steps < upper && passes_at(steps + 1)? {
                    steps += 1;
                }
            } else {
                while steps > 0 && !passes_at(steps)? {
                    steps -= 1;
                }
                if steps == 0 {
                    *feasible.last_mut().expect("pushed above") = false;
                }
            }
            *ends.last_mut().expect("pushed above") = on_pool.iter().map(|s| s.level).collect();
        }
        fixed.push(grid_share(steps));
    }
    let mut shares = fixed.clone();
    shares.push(rest_of_pool(&fixed));
    let mut sized = deal.clone();
    for (t, &s) in sized.tranches.iter_mut().zip(&shares) {
        t.share = s;
    }
    // the sized structure's WAL, TDR and BDR at each target, for the record
    let wal = base_case_wal(pool, assumptions, &sized)?;
    runs += 1;
    let mut tranches = Vec::with_capacity(sized.tranches.len());
    for (j, t) in sized.tranches.iter().enumerate() {
        let target = t.target_rating.as_deref().filter(|_| j < rated);
        let (tdr, bdr) = match target {
            Some(rating) => {
                let pd = deal.pd_table.idealized_pd(rating, wal[j]).unwrap_or(0.0);
                let levels = table.levels(rating).expect("covered");
                // every rated tranche's search under each scenario starts where this
                // tranche's sizing search ended (near its break-even when it binds)
                let hints: Vec<Vec<Option<f64>>> = ends[j]
                    .iter()
                    .map(|&level| vec![Some(level).filter(|&l| l > 0.0); rated])
                    .collect();
                let by_scenario =
                    category_break_evens_from(pool, &lines, assumptions, &sized, levels, &hints)?;
                let bdr = category_bdr(&by_scenario, j);
                (
                    Some(distribution.target(pd)),
                    Some((bdr.bdr, table.scenarios[bdr.binding].name.clone())),
                )
            }
            None => (None, None),
        };
        tranches.push(TdrBdrTranche {
            tranche: t.name.clone(),
            target_rating: t.target_rating.clone(),
            share: shares[j],
            amount: shares[j] * closing,
            credit_enhancement: sum_shares(&shares[j + 1..]),
            wal: wal[j],
            tdr: tdr.map(|t| t.rate),
            tdr_se: tdr.map(|t| t.se),
            bdr: bdr.as_ref().map(|b| b.0),
            binding_scenario: bdr.map(|b| b.1),
            feasible: feasible.get(j).copied().unwrap_or(true),
        });
    }
    let advance_rate = sum_shares(&shares[..rated]);
    Ok(TdrBdrSizing {
        tranches,
        funding_capacity: advance_rate * closing,
        advance_rate,
        evaluations,
        runs,
    })
}
