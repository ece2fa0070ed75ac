//! The approval-policy frontier (SPEC §7.2): what each approval policy of a grid — a score
//! cut-off and a limit multiplier applied to a base policy — would originate, how the
//! resulting pool performs in the Monte Carlo, and how much of it the deal can fund at its
//! target ratings; then the policy with the largest volume that meets the scenario's
//! `[targets]`.
//!
//! Pure functions over data in memory (applicants, scorecard, policy, scenario parts); the
//! files, report folder and terminal are `app`'s. For each grid point, in the order
//! cut-offs × multipliers:
//! 1. decide on every applicant ([`decide_all`]) under the base policy with the point's
//!    `cutoff` and `limit_multiplier` ([`grid_policy`]);
//! 2. originate one receivable per approval ([`originate`]: limit × utilization, the
//!    reference term and fee mix), each applicant from its own random stream, so the pools of
//!    two cut-offs with the same multiplier are nested: raising the cut-off only removes
//!    receivables;
//! 3. build the closing pool from them **as drawn** (no rescaling to a target balance: the
//!    volume a policy approves is what the frontier measures);
//! 4. run the Monte Carlo on the scenario's structure for the pool's expected net loss (the
//!    importance sampling aimed, as `run`'s, at the target ratings' default probabilities at
//!    the base-case WAL), and size the deal both ways on it: by expected loss (SPEC §7.1) on
//!    the same paths, and by target against break-even default rates (SPEC §7.3), the TDRs
//!    from the same paths' cumulative default rates. The point's funding capacity, advance
//!    rate and senior credit enhancement — and so the targets and the recommendation — are
//!    those of the method `[deal] sizing_method` names; both are recorded.
//!
//! Every grid point uses the same seed, so the comparison between points is on common random
//! numbers as far as the pools allow: path `i` draws its systematic factor from the same
//! stream at every point (the importance-sampling centres can move with the pool).
//! Results are bit-identical for any number of threads (each stage is).

use serde::{Deserialize, Serialize};

use super::rating_test::{base_case_wal, tail_targets};
use super::tdr::WeightedDistribution;
use super::tdr_bdr::{TdrBdrSizing, size_by_tdr_bdr};
use super::{SizingPaths, SizingResult, size_deal};
use crate::credit::origination::{OriginationMix, originate};
use crate::credit::{Applicant, Outcome, Policy, Scorecard, decide_all};
use crate::engine::{MonteCarloSettings, run_monte_carlo_logged};
use crate::metrics::distribution::loss_statistics;
use crate::scenario::{Assumptions, Deal, SizingMethod, Targets};
use crate::sim::montecarlo::StochasticPool;
use crate::sim::{Pool, PoolError};
use crate::waterfall::WaterfallError;

/// Offsets from the base policy's cut-off of the default grid of cut-offs (score points):
/// ten cut-offs from 40 points below to 50 points above, which on the synthetic population
/// runs from approving most scored applicants to approving a few percent of them.
pub const DEFAULT_CUTOFF_OFFSETS: [f64; 10] = [
    -40.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0,
];

/// Lowest and highest score a cut-off can take (the policy file's rule).
pub const CUTOFF_RANGE: (f64, f64) = (300.0, 1000.0);

/// The default cut-offs: the base policy's cut-off plus [`DEFAULT_CUTOFF_OFFSETS`], kept
/// within [`CUTOFF_RANGE`].
pub fn default_cutoffs(policy: &Policy) -> Vec<f64> {
    let mut cutoffs: Vec<f64> = DEFAULT_CUTOFF_OFFSETS
        .iter()
        .map(|offset| (policy.cutoff + offset).clamp(CUTOFF_RANGE.0, CUTOFF_RANGE.1))
        .collect();
    cutoffs.dedup();
    cutoffs
}

/// The base policy with the grid point's cut-off and limit multiplier; knock-outs, limit
/// table, cap and spending scaling unchanged.
///
/// The standard cut-off (`base_cutoff`) stays the base policy's when the point is stricter,
/// so `decide` tells the applicants in between that the minimum was raised
/// (`POLICY_TIGHTENING`), and follows the cut-off down when the point is looser. Which of
/// the two reasons an applicant gets never changes who is approved.
pub fn grid_policy(base: &Policy, cutoff: f64, limit_multiplier: f64) -> Policy {
    Policy {
        cutoff,
        base_cutoff: Some(base.standard_cutoff().min(cutoff)),
        limit_multiplier,
        ..base.clone()
    }
}

/// The grid: every cut-off with every multiplier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grid {
    pub cutoffs: Vec<f64>,
    pub limit_multipliers: Vec<f64>,
}

impl Grid {
    /// The points, cut-offs outer and multipliers inner, in increasing order of each.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.cutoffs
            .iter()
            .flat_map(|&c| self.limit_multipliers.iter().map(move |&m| (c, m)))
            .collect()
    }
}

/// What the frontier needs, all validated upstream.
#[derive(Debug, Clone)]
pub struct FrontierInputs<'a> {
    pub applicants: &'a [Applicant],
    pub scorecard: &'a Scorecard,
    /// The policy whose cut-off and multiplier the grid replaces.
    pub base_policy: &'a Policy,
    /// Products, terms and fee rates the new receivables copy.
    pub mix: &'a OriginationMix,
    pub assumptions: &'a Assumptions,
    /// The scenario's structure: tranches, target ratings, waterfall, triggers.
    pub deal: &'a Deal,
    /// Paths per grid point, seed and importance sampling.
    pub monte_carlo: MonteCarloSettings,
    /// Seed of the origination draws (utilization, product, term, fee).
    pub origination_seed: u64,
}

/// A target of `[targets]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Pool EL ≤ `max_pool_el`.
    MaxPoolEl,
    /// Advance rate ≥ `min_advance_rate`.
    MinAdvanceRate,
    /// Funding capacity ≥ `funding_need` (CNY).
    FundingNeed,
}

impl TargetKind {
    /// The key in `[targets]`.
    pub fn key(self) -> &'static str {
        match self {
            TargetKind::MaxPoolEl => "max_pool_el",
            TargetKind::MinAdvanceRate => "min_advance_rate",
            TargetKind::FundingNeed => "funding_need",
        }
    }
}

/// A target a grid point misses, and by how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shortfall {
    pub target: TargetKind,
    /// The target's level (a share, or CNY for `funding_need`).
    pub required: f64,
    /// What the point achieves; `None` when nothing was approved (no pool to measure).
    pub achieved: Option<f64>,
    /// How far the point is from the target, in the target's unit (positive); `None` when
    /// nothing was approved.
    pub shortfall: Option<f64>,
    /// `shortfall ÷ required`: the share by which the target would have to be relaxed;
    /// infinite when nothing was approved.
    pub relative: f64,
}

/// One grid point: the policy, what it approves and originates, and the deal it funds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    pub cutoff: f64,
    pub limit_multiplier: f64,
    pub applicants: usize,
    pub approved: usize,
    /// Approved ÷ all applicants (pending ones included in the denominator, as `decide`).
    pub approval_rate: f64,
    /// Sum of the approved limits, CNY.
    pub approved_limits: f64,
    /// Receivables originated (one per approval).
    pub receivables: usize,
    /// Closing balance of the originated pool, CNY.
    pub pool_balance: f64,
    /// Balance-weighted 12-month PD of the pool, before `pd_multiplier`.
    pub weighted_pd: Option<f64>,
    /// Expected pool net loss (defaults − recoveries received) ÷ closing balance, Monte Carlo.
    pub pool_el: Option<f64>,
    /// Standard error of `pool_el`.
    pub pool_el_se: Option<f64>,
    /// The sizing method the three fields below (and the targets) use: the scenario's
    /// `[deal] sizing_method`.
    pub method: SizingMethod,
    /// Share of the pool below the most senior tranche, sized by `method`.
    pub senior_credit_enhancement: Option<f64>,
    /// Rated notes of the deal sized by `method`, CNY (0 without a pool).
    pub funding_capacity: f64,
    /// Rated notes ÷ pool, sized by `method`.
    pub advance_rate: Option<f64>,
    /// The structure sized by expected loss (SPEC §7.1); `None` without a pool.
    pub sizing: Option<SizingResult>,
    /// The structure sized by TDR/BDR (SPEC §7.3); `None` without a pool.
    pub sizing_tdr_bdr: Option<TdrBdrSizing>,
    /// The targets the point misses (empty when it meets them all).
    pub shortfalls: Vec<Shortfall>,
    pub meets_targets: bool,
    pub recommended: bool,
}

impl FrontierPoint {
    /// The volume the recommendation maximises: the pool balance (the drawn receivables the
    /// deal funds).
    pub fn volume(&self) -> f64 {
        self.pool_balance
    }

    /// The largest relative shortfall, 0 when every target is met.
    pub fn distance(&self) -> f64 {
        self.shortfalls
            .iter()
            .map(|s| s.relative)
            .fold(0.0, f64::max)
    }

    /// The shortfall with the largest relative size: the target that binds.
    pub fn binding(&self) -> Option<&Shortfall> {
        self.shortfalls
            .iter()
            .max_by(|a, b| a.relative.total_cmp(&b.relative))
    }
}

/// The frontier's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Recommendation {
    /// The point (index into the points) with the largest pool balance among those meeting
    /// every target.
    Recommended { point: usize },
    /// No point meets the targets; `closest` needs the smallest relaxation: relaxing every
    /// target by the share `relaxation` of its level would make it qualify, and `binding`
    /// is the target that needs it.
    Infeasible {
        point: usize,
        binding: TargetKind,
        relaxation: f64,
    },
    /// No point of the grid approves anybody: there is no pool to fund.
    NothingApproved,
}

/// The whole frontier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frontier {
    pub grid: Grid,
    pub points: Vec<FrontierPoint>,
    pub recommendation: Recommendation,
}

/// Why a grid point could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum FrontierError {
    /// The originated receivables do not fit the scenario (a term missing from
    /// `cpr_by_term`, a segment missing from `[assumptions.segments]`): bad input.
    #[error("{0}")]
    Pool(#[from] PoolError),
    /// The waterfall broke an invariant (a bug).
    #[error(transparent)]
    Waterfall(#[from] WaterfallError),
}

/// Decides, originates, simulates and sizes one grid point (targets not checked yet).
///
/// # Errors
/// [`FrontierError`] as for the pool and the waterfall.
pub fn evaluate_point(
    inputs: &FrontierInputs,
    cutoff: f64,
    limit_multiplier: f64,
) -> Result<FrontierPoint, FrontierError> {
    let policy = grid_policy(inputs.base_policy, cutoff, limit_multiplier);
    let decisions = decide_all(inputs.applicants, inputs.scorecard, &policy);
    let approved: Vec<_> = decisions
        .iter()
        .filter(|d| d.decision == Outcome::Approve)
        .collect();
    let approved_limits: f64 = approved.iter().map(|d| d.limit).sum();
    let applicants = inputs.applicants.len();
    let mut point = FrontierPoint {
        cutoff,
        limit_multiplier,
        applicants,
        approved: approved.len(),
        approval_rate: if applicants == 0 {
            0.0
        } else {
            approved.len() as f64 / applicants as f64
        },
        approved_limits,
        receivables: 0,
        pool_balance: 0.0,
        weighted_pd: None,
        pool_el: None,
        pool_el_se: None,
        method: inputs.deal.sizing_method,
        senior_credit_enhancement: None,
        funding_capacity: 0.0,
        advance_rate: None,
        sizing: None,
        sizing_tdr_bdr: None,
        shortfalls: Vec::new(),
        meets_targets: false,
        recommended: false,
    };
    let receivables = originate(
        inputs.applicants,
        &decisions,
        inputs.mix,
        inputs.origination_seed,
    );
    drop(decisions);
    if receivables.is_empty() {
        return Ok(point);
    }
    let label =
        format!("receivables originated at cut-off {cutoff}, limit multiplier {limit_multiplier}");
    let pool = Pool::build_with(&receivables, inputs.assumptions, None, &label)?;
    drop(receivables);
    let deal = inputs.deal;
    let model = StochasticPool::new(
        &pool,
        inputs.assumptions,
        deal.horizon_months,
        deal.revolving_months,
    );
    // importance sampling aimed at the target ratings' tails, as `run` aims it
    let wal = base_case_wal(&pool, inputs.assumptions, deal)?;
    let settings = MonteCarloSettings {
        tail_targets: tail_targets(deal, &wal),
        ..inputs.monte_carlo.clone()
    };
    // one run gives the pool's loss distribution, the cumulative default rates the TDRs
    // are read from, and the logged paths expected-loss sizing replays
    let (run, logs) = run_monte_carlo_logged(&model, deal, &settings, true, |_| {})?;
    let weights = run.weights();
    let losses: Vec<f64> = run.paths.iter().map(|p| p.pool_net_loss).collect();
    let pool_loss = loss_statistics(&losses, &weights);
    let rates: Vec<f64> = run
        .paths
        .iter()
        .map(|p| p.cumulative_default_rate)
        .collect();
    let distribution = WeightedDistribution::new(&rates, &weights);
    let paths = SizingPaths::from_run(&model, &run, logs);
    drop(run);
    let sizing = size_deal(&paths, deal)?;
    drop(paths);
    let tdr_bdr = size_by_tdr_bdr(&pool, inputs.assumptions, deal, &distribution)?;

    point.receivables = pool.assets.len();
    point.pool_balance = pool.closing_balance;
    point.weighted_pd = Some(pool.weighted_pd());
    point.pool_el = Some(pool_loss.mean);
    point.pool_el_se = Some(pool_loss.standard_error);
    let (senior_ce, capacity, advance_rate) = match point.method {
        SizingMethod::ExpectedLoss => (
            sizing.tranches.first().map(|t| t.credit_enhancement),
            sizing.funding_capacity,
            sizing.advance_rate,
        ),
        SizingMethod::TdrBdr => (
            tdr_bdr.tranches.first().map(|t| t.credit_enhancement),
            tdr_bdr.funding_capacity,
            tdr_bdr.advance_rate,
        ),
    };
    point.senior_credit_enhancement = senior_ce;
    point.funding_capacity = capacity;
    point.advance_rate = Some(advance_rate);
    point.sizing = Some(sizing);
    point.sizing_tdr_bdr = Some(tdr_bdr);
    Ok(point)
}

/// The targets `point` misses (SPEC §7.2; each compares the point estimate with the level).
pub fn shortfalls(point: &FrontierPoint, targets: &Targets) -> Vec<Shortfall> {
    let mut missed = Vec::new();
    let mut check =
        |target: TargetKind, required: f64, achieved: Option<f64>, gap: fn(f64, f64) -> f64| {
            match achieved {
                Some(value) => {
                    let shortfall = gap(required, value);
                    if shortfall > 0.0 {
                        missed.push(Shortfall {
                            target,
                            required,
                            achieved: Some(value),
                            shortfall: Some(shortfall),
                            relative: shortfall / required,
                        });
                    }
                }
                None => missed.push(Shortfall {
                    target,
                    required,
                    achieved: None,
                    shortfall: None,
                    relative: f64::INFINITY,
                }),
            }
        };
    if let Some(max) = targets.max_pool_el {
        check(TargetKind::MaxPoolEl, max, point.pool_el, |max, el| {
            el - max
        });
    }
    if let Some(min) = targets.min_advance_rate {
        check(
            TargetKind::MinAdvanceRate,
            min,
            point.advance_rate,
            |min, rate| min - rate,
        );
    }
    if let Some(need) = targets.funding_need {
        let capacity = (point.pool_balance > 0.0).then_some(point.funding_capacity);
        check(TargetKind::FundingNeed, need, capacity, |need, capacity| {
            need - capacity
        });
    }
    missed
}

/// Orders points by preference among equals: larger pool balance, then larger approved
/// limits, then the stricter policy (higher cut-off, lower multiplier).
fn preferred(a: &FrontierPoint, b: &FrontierPoint) -> std::cmp::Ordering {
    a.volume()
        .total_cmp(&b.volume())
        .then(a.approved_limits.total_cmp(&b.approved_limits))
        .then(b.cutoff.total_cmp(&a.cutoff))
        .then(b.limit_multiplier.total_cmp(&a.limit_multiplier))
}

/// Checks every point against the targets and picks the recommendation: among the points
/// with a pool that meet every target, the largest pool balance (the preferred one on ties);
/// else the closest point, the one with the smallest largest relative shortfall (ties: the
/// preferred one). `points` must not be empty.
pub fn recommend(points: &mut [FrontierPoint], targets: &Targets) -> Recommendation {
    for point in points.iter_mut() {
        point.shortfalls = shortfalls(point, targets);
        point.meets_targets = point.receivables > 0 && point.shortfalls.is_empty();
        point.recommended = false;
    }
    let best = (0..points.len())
        .filter(|&i| points[i].meets_targets)
        .max_by(|&a, &b| preferred(&points[a], &points[b]));
    if let Some(index) = best {
        points[index].recommended = true;
        return Recommendation::Recommended { point: index };
    }
    let closest = (0..points.len())
        .min_by(|&a, &b| {
            points[a]
                .distance()
                .total_cmp(&points[b].distance())
                .then(preferred(&points[b], &points[a]))
        })
        .unwrap_or(0);
    if points.iter().all(|p| p.receivables == 0) {
        return Recommendation::NothingApproved;
    }
    match points[closest].binding() {
        Some(shortfall) => Recommendation::Infeasible {
            point: closest,
            binding: shortfall.target,
            relaxation: shortfall.relative,
        },
        // unreachable: a point with a pool and no shortfall meets the targets
        None => Recommendation::NothingApproved,
    }
}

/// Evaluates every grid point (cut-offs outer, multipliers inner) and recommends one.
/// `on_point` is called with the number of points done (for a progress bar).
///
/// # Errors
/// The first [`FrontierError`] of a point.
pub fn run_frontier(
    inputs: &FrontierInputs,
    grid: &Grid,
    targets: &Targets,
    mut on_point: impl FnMut(usize),
) -> Result<Frontier, FrontierError> {
    let mut points = Vec::new();
    for (done, (cutoff, multiplier)) in grid.points().into_iter().enumerate() {
        points.push(evaluate_point(inputs, cutoff, multiplier)?);
        on_point(done + 1);
    }
    let recommendation = recommend(&mut points, targets);
    Ok(Frontier {
        grid: grid.clone(),
        points,
        recommendation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(cutoff: f64, pool_balance: f64, pool_el: f64, advance_rate: f64) -> FrontierPoint {
        FrontierPoint {
            cutoff,
            limit_multiplier: 1.0,
            applicants: 100,
            approved: 10,
            approval_rate: 0.1,
            approved_limits: pool_balance * 2.0,
            receivables: if pool_balance > 0.0 { 10 } else { 0 },
            pool_balance,
            weighted_pd: Some(0.01),
            pool_el: (pool_balance > 0.0).then_some(pool_el),
            pool_el_se: Some(0.0),
            method: SizingMethod::TdrBdr,
            senior_credit_enhancement: Some(1.0 - advance_rate),
            funding_capacity: advance_rate * pool_balance,
            advance_rate: (pool_balance > 0.0).then_some(advance_rate),
            sizing: None,
            sizing_tdr_bdr: None,
            shortfalls: Vec::new(),
            meets_targets: false,
            recommended: false,
        }
    }

    #[test]
    fn default_cutoffs_surround_the_policy_cutoff() {
        let policy = Policy::built_in();
        assert_eq!(
            default_cutoffs(&policy),
            vec![
                560.0, 570.0, 580.0, 590.0, 600.0, 610.0, 620.0, 630.0, 640.0, 650.0
            ]
        );
        let high = Policy {
            cutoff: 980.0,
            ..policy
        };
        assert_eq!(default_cutoffs(&high).last(), Some(&1000.0));
        assert_eq!(
            default_cutoffs(&high).len(),
            7,
            "clamped duplicates removed"
        );
    }

    #[test]
    fn grid_policy_changes_only_the_cutoff_and_multiplier() {
        let base = Policy::built_in();
        let stricter = grid_policy(&base, 640.0, 1.2);
        assert_eq!(stricter.cutoff, 640.0);
        assert_eq!(stricter.base_cutoff, Some(600.0));
        assert_eq!(stricter.limit_multiplier, 1.2);
        assert_eq!(stricter.limit_bands, base.limit_bands);
        assert_eq!(stricter.knock_outs, base.knock_outs);
        assert!(stricter.problems().is_empty());
        let looser = grid_policy(&base, 560.0, 0.8);
        assert_eq!(
            looser.base_cutoff,
            Some(560.0),
            "a looser cut-off is the standard"
        );
        assert!(looser.problems().is_empty());
    }

    #[test]
    fn recommendation_is_the_largest_pool_meeting_every_target() {
        let targets = Targets {
            max_pool_el: Some(0.02),
            min_advance_rate: Some(0.8),
            funding_need: Some(50.0),
        };
        let mut points = vec![
            point(560.0, 300.0, 0.03, 0.85), // too lossy
            point(580.0, 200.0, 0.019, 0.85),
            point(600.0, 100.0, 0.01, 0.9),
            point(620.0, 40.0, 0.005, 0.95), // too small to fund 50
        ];
        let recommendation = recommend(&mut points, &targets);
        assert_eq!(recommendation, Recommendation::Recommended { point: 1 });
        assert!(points[1].recommended && points[1].meets_targets);
        assert_eq!(points.iter().filter(|p| p.recommended).count(), 1);
        assert_eq!(points[0].shortfalls[0].target, TargetKind::MaxPoolEl);
        assert!((points[0].shortfalls[0].shortfall.unwrap() - 0.01).abs() < 1e-15);
        assert_eq!(points[3].shortfalls[0].target, TargetKind::FundingNeed);
        assert!((points[3].shortfalls[0].shortfall.unwrap() - 12.0).abs() < 1e-12);
    }

    #[test]
    fn infeasible_targets_name_the_binding_target_of_the_closest_point() {
        let targets = Targets {
            max_pool_el: Some(0.01),
            min_advance_rate: None,
            funding_need: Some(500.0),
        };
        let mut points = vec![
            point(560.0, 300.0, 0.03, 0.85), // EL 200 % over, funding 49 % short
            point(600.0, 100.0, 0.012, 0.9), // EL 20 % over, funding 82 % short
            point(650.0, 0.0, 0.0, 0.0),     // nothing approved
        ];
        let recommendation = recommend(&mut points, &targets);
        let Recommendation::Infeasible {
            point,
            binding,
            relaxation,
        } = recommendation
        else {
            panic!("expected infeasible, got {recommendation:?}");
        };
        // the second point needs every target relaxed by 82 % (its funding), the first by
        // 200 % (its EL)
        assert_eq!(point, 1);
        assert_eq!(binding, TargetKind::FundingNeed);
        assert!((relaxation - 0.82).abs() < 1e-12);
        assert_eq!(points[1].shortfalls.len(), 2);
        assert!(points.iter().all(|p| !p.recommended && !p.meets_targets));
        assert!(points[2].distance().is_infinite());
    }

    #[test]
    fn without_targets_the_largest_pool_is_recommended() {
        let mut points = vec![
            point(560.0, 300.0, 0.03, 0.85),
            point(600.0, 100.0, 0.01, 0.9),
            point(650.0, 0.0, 0.0, 0.0),
        ];
        let recommendation = recommend(&mut points, &Targets::default());
        assert_eq!(recommendation, Recommendation::Recommended { point: 0 });
        assert!(!points[2].meets_targets, "an empty pool never qualifies");
        let mut empty = vec![point(650.0, 0.0, 0.0, 0.0)];
        assert_eq!(
            recommend(&mut empty, &Targets::default()),
            Recommendation::NothingApproved
        );
    }
}
