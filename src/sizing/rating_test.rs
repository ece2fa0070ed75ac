//! The rating test of SPEC §7.3: each rated tranche's break-even default rate (BDR) under
//! every stress scenario of each rating category, against the target default rate (TDR) of
//! each rating at the tranche's WAL; the binding scenario, the margin and the implied rating.
//!
//! The WAL a tranche's TDR is read at is its WAL in the deterministic base case (the
//! scenario's assumptions, no stress and no `[deterministic]` override): the base-case WAL,
//! as rating reports quote it, and a number that does not move with the Monte Carlo noise.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bdr::{BreakEven, StressCase, break_evens_from, confirm, same_case};
use super::tdr::{WeightedDistribution, factor_level};
use crate::metrics::deterministic::run_deterministic;
use crate::scenario::stress::StressLevels;
use crate::scenario::{Assumptions, Deal, DeterministicStress};
use crate::sim::Pool;
use crate::waterfall::WaterfallError;

/// One row of `rating_tests.csv`: a tranche tested at a rating.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RatingTest {
    pub tranche: String,
    pub rating: String,
    /// The rating's stress category (the levels its BDR is found under).
    pub category: String,
    /// Base-case WAL, years.
    pub wal: f64,
    /// PD_R(wal) from the idealized default table.
    pub idealized_pd: f64,
    pub tdr: f64,
    /// Standard error of the TDR (infinite: the paths do not reach the quantile).
    pub tdr_se: f64,
    pub bdr: f64,
    pub binding_scenario: String,
    /// `bdr − tdr`.
    pub margin: f64,
    pub passes: bool,
}

/// One row of `stress_bdr.csv`: a tranche's break-even under one scenario at one
/// category's levels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StressBreakEven {
    pub tranche: String,
    pub category: String,
    pub scenario: String,
    /// The largest default level at which the tranche is repaid (`None`: repaid at every
    /// level searched).
    pub k: Option<f64>,
    pub bdr: f64,
    pub first_loss_month: Option<u32>,
    /// Found on the pool itself (the binding scenario and those near it); `false`: on the
    /// pool's representative lines ([`LINE_PD_RATIO`]) only.
    pub exact: bool,
}

/// A tranche's BDR at one category: the minimum over scenarios and the scenario giving it.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryBdr {
    pub bdr: f64,
    /// Index of the binding scenario (the first of equal minima).
    pub binding: usize,
    /// Repaid at every level searched under every scenario (every stressed default rate at
    /// its cap): it passes whatever the target, and `bdr` is the largest rate reached.
    pub unbreakable: bool,
}

impl CategoryBdr {
    /// Whether the tranche passes a target default rate.
    pub fn passes(&self, tdr: f64) -> bool {
        self.unbreakable || self.bdr >= tdr
    }
}

/// Tranche `j`'s BDR over the scenarios: the minimum over the scenarios under which it
/// breaks (one under which it never breaks cannot bind), and where it binds.
pub fn category_bdr(by_scenario: &[Vec<BreakEven>], j: usize) -> CategoryBdr {
    let breaking = by_scenario
        .iter()
        .enumerate()
        .filter(|(_, results)| results[j].level.is_some());
    let unbreakable = breaking.clone().next().is_none();
    let candidates: Vec<(usize, f64)> = if unbreakable {
        by_scenario.iter().map(|r| r[j].bdr).enumerate().collect()
    } else {
        breaking.map(|(s, r)| (s, r[j].bdr)).collect()
    };
    let mut best = CategoryBdr {
        bdr: f64::INFINITY,
        binding: 0,
        unbreakable,
    };
    for (s, bdr) in candidates {
        if bdr < best.bdr {
            best.bdr = bdr;
            best.binding = s;
        }
    }
    best
}

/// Every tranche's rating tests.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingTests {
    /// Tranche by tranche (rated tranches only), ratings best first.
    pub tests: Vec<RatingTest>,
    /// Tranche by tranche, categories in the stress table's order, scenarios in its order.
    pub stress: Vec<StressBreakEven>,
    /// The best rating each rated tranche passes (`None`: none).
    pub implied: Vec<Option<String>>,
}

/// Each tranche's WAL in the deterministic base case, years (the horizon when it is never
/// repaid).
pub fn base_case_wal(
    pool: &Pool,
    assumptions: &Assumptions,
    deal: &Deal,
) -> Result<Vec<f64>, WaterfallError> {
    let run = run_deterministic(pool, assumptions, &DeterministicStress::default(), deal)?;
    let horizon = f64::from(deal.horizon_months) / 12.0;
    Ok(run
        .summaries
        .iter()
        .map(|s| s.wal_years.unwrap_or(horizon))
        .collect())
}

/// The factor levels importance sampling should reach for the rated tranches' target
/// ratings at their base-case WAL: `Φ⁻¹(PD_R(w))`.
pub fn tail_targets(deal: &Deal, wal: &[f64]) -> Vec<f64> {
    (0..deal.rated_count())
        .filter_map(|j| {
            let rating = deal.tranches[j].target_rating.as_deref()?;
            let pd = deal.pd_table.idealized_pd(rating, wal[j])?;
            Some(factor_level(pd))
        })
        .collect()
}

/// Width of the PD buckets of the representative lines the searches run on (ratio of a
/// bucket's ends): 10 %, a judgement. On base (196,907 receivables → 10,251 lines, 3,306
/// purchase lines; `cargo run --release --example bdr_probe`) a stressed run takes 8 ms on
/// the lines against 55 ms on the pool, and the break-even levels found on the lines are
/// within 1–3e-4 of the pool's (all below), inside a third of [`super::bdr::LEVEL_TOLERANCE`],
/// so that confirming on the pool mostly takes two runs. (2 %: 2× faster, 1e-5; 30 %: 13×
/// faster, 2e-3.)
pub const LINE_PD_RATIO: f64 = 1.1;

/// Break-evens within this relative distance of a tranche's lowest one at a category are
/// confirmed on the pool itself: the binding scenario always, and any that the lines'
/// approximation could make bind instead.
pub const CONFIRM_BAND: f64 = 0.02;

/// Break-evens of the rated tranches under every scenario at `levels`:
/// `[scenario][tranche]`, searched on the pool's representative `lines` and confirmed on
/// `pool` itself for the scenarios that bind or come within [`CONFIRM_BAND`] of binding
/// (the others are marked not exact). A scenario that changes nothing from an earlier one
/// at these levels ([`same_case`]) repeats its results without running again.
pub fn category_break_evens(
    pool: &Pool,
    lines: &Pool,
    assumptions: &Assumptions,
    deal: &Deal,
    levels: &StressLevels,
) -> Result<Vec<Vec<BreakEven>>, WaterfallError> {
    category_break_evens_from(pool, lines, assumptions, deal, levels, &[])
}

/// The break-even levels of `[scenario][tranche]` results, as hints for a neighbouring
/// search.
pub fn levels_of(results: &[Vec<BreakEven>]) -> Vec<Vec<Option<f64>>> {
    results
        .iter()
        .map(|r| r.iter().map(|b| b.level.filter(|&l| l > 0.0)).collect())
        .collect()
}

/// [`category_break_evens`], each scenario's searches starting from `hints[scenario]
/// [tranche]` when given (another category's break-even levels, say, [`levels_of`]): the
/// levels move little from one category to the next, so a search started there brackets
/// its answer in a few runs ([`super::bdr::WARM_STEP`]). The results do not depend on the
/// start beyond the searches' precision.
pub fn category_break_evens_from(
    pool: &Pool,
    lines: &Pool,
    assumptions: &Assumptions,
    deal: &Deal,
    levels: &StressLevels,
    hints: &[Vec<Option<f64>>],
) -> Result<Vec<Vec<BreakEven>>, WaterfallError> {
    let table = &deal.stress_table;
    let count = table.scenarios.len();
    let rated = deal.rated_count();
    let first_of: Vec<usize> = (0..count)
        .map(|s| {
            (0..s)
                .find(|&a| same_case(table, levels, a, s))
                .unwrap_or(s)
        })
        .collect();
    let distinct: Vec<usize> = (0..count).filter(|&s| first_of[s] == s).collect();
    let cases: Vec<StressCase> = distinct
        .iter()
        .map(|&s| StressCase::new(assumptions, deal, table, levels, s))
        .collect();
    let mut results: Vec<Vec<BreakEven>> = cases
        .par_iter()
        .zip(&distinct)
        .map(|(case, &s)| {
            let hints: Vec<Option<f64>> = (0..rated)
                .map(|j| hints.get(s).and_then(|h| h.get(j).copied().flatten()))
                .collect();
            let mut found = break_evens_from(lines, deal, case, &hints)?;
            for b in &mut found {
                b.exact = false;
            }
            Ok(found)
        })
        .collect::<Result<_, WaterfallError>>()?;
    // confirm on the pool the break-evens that bind or nearly do, in parallel
    let mut to_confirm: Vec<(usize, usize)> = Vec::new();
    for j in 0..rated {
        let lowest = results
            .iter()
            .map(|r| r[j].bdr)
            .fold(f64::INFINITY, f64::min);
        for (d, r) in results.iter().enumerate() {
            if r[j].bdr <= lowest * (1.0 + CONFIRM_BAND) + 1e-12 {
                to_confirm.push((d, j));
            }
        }
    }
    // one layout of the pool per scenario, whatever number of its tranches are confirmed
    let mut scenarios: Vec<usize> = to_confirm.iter().map(|&(d, _)| d).collect();
    scenarios.sort_unstable();
    scenarios.dedup();
    let confirmed: Vec<Vec<(usize, BreakEven)>> = scenarios
        .par_iter()
        .map(|&d| {
            let layout = cases[d].layout(pool);
            to_confirm
                .iter()
                .filter(|&&(e, _)| e == d)
                .map(|&(_, j)| {
                    Ok((
                        j,
                        confirm(pool, deal, &cases[d], &layout, j, &results[d][j])?,
                    ))
                })
                .collect::<Result<Vec<_>, WaterfallError>>()
        })
        .collect::<Result<_, WaterfallError>>()?;
    for (&d, found) in scenarios.iter().zip(confirmed) {
        for (j, exact) in found {
            results[d][j] = exact;
        }
    }
    Ok((0..count)
        .map(|s| {
            let at = distinct.iter().position(|&d| d == first_of[s]).unwrap_or(0);
            results[at].clone()
        })
        .collect())
}

/// The rating tests of `deal`'s rated tranches at every rating of its rating table.
pub fn rating_tests(
    pool: &Pool,
    assumptions: &Assumptions,
    deal: &Deal,
    distribution: &WeightedDistribution,
    wal: &[f64],
) -> Result<RatingTests, WaterfallError> {
    let table = &deal.stress_table;
    let rated = deal.rated_count();
    let lines = pool.representative_lines(LINE_PD_RATIO);
    // categories in the table's order, each run once whatever number of ratings it has,
    // each category's searches starting from the one before
    let mut by_category: Vec<Vec<Vec<BreakEven>>> = Vec::with_capacity(table.categories.len());
    for levels in &table.categories {
        let found = category_break_evens_from(
            pool,
            &lines,
            assumptions,
            deal,
            levels,
            &by_category.last().map(|c| levels_of(c)).unwrap_or_default(),
        )?;
        by_category.push(found);
    }
    let mut tests = Vec::new();
    let mut stress = Vec::new();
    let mut implied = vec![None; rated];
    for j in 0..rated {
        let name = &deal.tranches[j].name;
        for (c, levels) in table.categories.iter().enumerate() {
            for (s, scenario) in table.scenarios.iter().enumerate() {
                let result = &by_category[c][s][j];
                stress.push(StressBreakEven {
                    tranche: name.clone(),
                    category: levels.category.clone(),
                    scenario: scenario.name.clone(),
                    k: result.level,
                    bdr: result.bdr,
                    first_loss_month: result.first_loss_month,
                    exact: result.exact,
                });
            }
        }
        for rating in deal.rating_table.ratings() {
            let Some(c) = table
                .categories
                .iter()
                .position(|l| table.levels(rating) == Some(l))
            else {
                continue;
            };
            let pd = deal.pd_table.idealized_pd(rating, wal[j]).unwrap_or(0.0);
            let target = distribution.target(pd);
            let bdr = category_bdr(&by_category[c], j);
            let passes = bdr.passes(target.rate);
            if passes && implied[j].is_none() {
                implied[j] = Some(rating.clone());
            }
            tests.push(RatingTest {
                tranche: name.clone(),
                rating: rating.clone(),
                category: table.categories[c].category.clone(),
                wal: wal[j],
                idealized_pd: pd,
                tdr: target.rate,
                tdr_se: target.se,
                bdr: bdr.bdr,
                binding_scenario: table.scenarios[bdr.binding].name.clone(),
                margin: bdr.bdr - target.rate,
                passes,
            });
        }
    }
    Ok(RatingTests {
        tests,
        stress,
        implied,
    })
}
