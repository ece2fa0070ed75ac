//! Target default rates, sizing by TDR/BDR and break-even CDRs (SPEC §7.3, §7.4) against
//! closed forms and the definitions.

mod common;

use baitiao_abs::engine::{MonteCarloSettings, run_monte_carlo};
use baitiao_abs::metrics::run_deterministic;
use baitiao_abs::normal::{normal_cdf, normal_quantile};
use baitiao_abs::scenario::{DeterministicStress, RateCurve};
use baitiao_abs::sim::Pool;
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::sizing::breakeven::breakeven_cdrs;
use baitiao_abs::sizing::rating_test::{base_case_wal, category_bdr, category_break_evens};
use baitiao_abs::sizing::tdr::{WeightedDistribution, factor_level};
use baitiao_abs::sizing::tdr_bdr::size_by_tdr_bdr;
use baitiao_abs::sizing::{SHARE_TOLERANCE, candidate_deal};
use baitiao_abs::tape::{Product, Receivable};
use baitiao_abs::waterfall::LOSS_THRESHOLD_CNY;
use common::*;

/// A large static pool of identical 12-month bullets with no prepayment over a 12-month
/// horizon has Vasicek's default rate, so its TDR at rating R (WAL 1 year) is
/// `Φ((Φ⁻¹(p) + √ρ Φ⁻¹(1 − PD_R(1)))/√(1 − ρ))`. The estimate must agree within 4 of its
/// reported standard errors plus the finite pool's granularity: given the factor, the
/// default rate is a binomial share of N, whose standard deviation at the quantile,
/// √(x(1 − x)/N), bounds how far the pool's quantile sits from the infinite pool's (3 of
/// them). Every rating's quantile is reached (finite SE) because the sampling aims at them.
#[test]
fn target_default_rates_follow_vasicek() {
    let (pd, rho, n, paths) = (0.04, 0.15, 20_000, 6_000);
    let receivables: Vec<Receivable> = (0..n)
        .map(|i| {
            let mut r = receivable("b", Product::Bullet, 1000.0, 1000.0, 12, 12, 0.0, pd);
            r.id = format!("b{i}");
            r
        })
        .collect();
    let mut assumptions = assumptions(0.0, 0.0, 0);
    assumptions.correlation = rho;
    let pool = Pool::build_with(&receivables, &assumptions, None, "vasicek").unwrap();
    let deal = deal(
        12,
        0,
        0.0,
        0.0,
        0.0,
        tranches(&[("A", 0.8, Some(0.0)), ("S", 0.2, None)]),
        vec![],
    );
    let ratings = ["Aaa", "Aa2", "A2", "Baa2", "Ba2", "B2"];
    let pds: Vec<f64> = ratings
        .iter()
        .map(|r| deal.pd_table.idealized_pd(r, 1.0).unwrap())
        .collect();
    let model = StochasticPool::new(&pool, &assumptions, 12, 0);
    let settings = MonteCarloSettings {
        paths,
        seed: 5,
        importance_sampling: true,
        tail_targets: pds.iter().map(|&p| factor_level(p)).collect(),
    };
    let run = run_monte_carlo(&model, &deal, &settings, |_| {}).unwrap();
    let rates: Vec<f64> = run
        .paths
        .iter()
        .map(|p| p.cumulative_default_rate)
        .collect();
    // no purchases: the cumulative default rate is the pool's default share
    for p in &run.paths {
        assert_eq!(p.cumulative_default_rate, p.pool_default);
    }
    let distribution = WeightedDistribution::new(&rates, &run.weights());
    for (rating, &pd_r) in ratings.iter().zip(&pds) {
        let exact = normal_cdf(
            (normal_quantile(pd) + rho.sqrt() * normal_quantile(1.0 - pd_r)) / (1.0 - rho).sqrt(),
        );
        let target = distribution.target(pd_r);
        assert!(
            target.se.is_finite(),
            "{rating}: the paths reach its quantile"
        );
        let granularity = (exact * (1.0 - exact) / n as f64).sqrt();
        assert!(
            (target.rate - exact).abs() <= 4.0 * target.se + 3.0 * granularity,
            "{rating} (PD {pd_r}): TDR {} ± {}, Vasicek {exact}",
            target.rate,
            target.se
        );
    }
}

/// A static instalment pool with fees, recoveries and prepayment behind a senior, a
/// mezzanine and a residual tranche.
fn instalment_case() -> (
    Pool,
    baitiao_abs::scenario::Assumptions,
    baitiao_abs::scenario::Deal,
) {
    let receivables: Vec<_> = (0..40)
        .map(|i| {
            receivable(
                &format!("r{i}"),
                Product::Installment,
                600.0 + 30.0 * f64::from(i),
                1_200.0,
                12,
                6 + i % 7,
                0.01,
                0.01 + 0.002 * f64::from(i % 10),
            )
        })
        .collect();
    let assumptions = assumptions(0.2, 0.3, 2);
    let pool = Pool::build_with(&receivables, &assumptions, None, "instalments").unwrap();
    let deal = deal(
        14,
        0,
        30.0,
        0.0,
        0.0,
        tranches(&[
            ("A", 0.8, Some(0.04)),
            ("B", 0.1, Some(0.06)),
            ("Sub", 0.1, None),
        ]),
        vec![],
    );
    (pool, assumptions, deal)
}

/// A stand-in Monte Carlo distribution of the cumulative default rate: Vasicek's with
/// p = 3 %, ρ = 0.2 at 200,000 equally weighted quantiles.
fn vasicek_sample() -> WeightedDistribution {
    let (p, rho, n) = (0.03_f64, 0.2_f64, 200_000);
    let values: Vec<f64> = (0..n)
        .map(|i| {
            let u = (f64::from(i) + 0.5) / f64::from(n);
            normal_cdf((normal_quantile(p) + rho.sqrt() * normal_quantile(u)) / (1.0 - rho).sqrt())
        })
        .collect();
    WeightedDistribution::new(&values, &vec![1.0 / f64::from(n); n as usize])
}

/// Whether tranche 0 of `deal` passes `rating` by the definition: its BDR (every scenario
/// searched on the pool itself) at least the TDR at its base-case WAL.
fn passes(
    pool: &Pool,
    assumptions: &baitiao_abs::scenario::Assumptions,
    deal: &baitiao_abs::scenario::Deal,
    distribution: &WeightedDistribution,
    rating: &str,
) -> bool {
    let wal = base_case_wal(pool, assumptions, deal).unwrap()[0];
    let tdr = distribution
        .target(deal.pd_table.idealized_pd(rating, wal).unwrap())
        .rate;
    let levels = deal.stress_table.levels(rating).unwrap();
    let by_scenario = category_break_evens(pool, pool, assumptions, deal, levels).unwrap();
    category_bdr(&by_scenario, 0).passes(tdr)
}

/// The sized senior passes its target and a share one step (0.05 %) larger fails; a
/// stricter target never gives less credit enhancement.
#[test]
fn the_sized_senior_passes_and_one_step_more_fails() {
    let (pool, assumptions, mut deal) = instalment_case();
    let distribution = vasicek_sample();
    let mut enhancement = Vec::new();
    for rating in ["Baa2", "A2", "Aa2"] {
        deal.tranches[0].target_rating = Some(rating.into());
        let sized = size_by_tdr_bdr(&pool, &assumptions, &deal, &distribution).unwrap();
        let share = sized.tranches[0].share;
        assert!(sized.tranches[0].feasible, "{rating}: {sized:?}");
        assert!(share > 0.0 && share < 0.99, "{rating}: {share}");
        let at = candidate_deal(&deal, &[], 0, share);
        assert!(
            passes(&pool, &assumptions, &at, &distribution, rating),
            "{rating}: the sized share {share} passes"
        );
        let above = candidate_deal(&deal, &[], 0, share + SHARE_TOLERANCE);
        assert!(
            !passes(&pool, &assumptions, &above, &distribution, rating),
            "{rating}: {} fails",
            share + SHARE_TOLERANCE
        );
        enhancement.push(sized.tranches[0].credit_enhancement);
    }
    assert!(
        enhancement.windows(2).all(|w| w[0] <= w[1]),
        "Baa2, A2, Aa2: {enhancement:?}"
    );
}

/// Each tranche loses nothing at its reported break-even CDR and loses at 1 % more.
#[test]
fn break_even_cdrs_lose_nothing_and_one_percent_more_loses() {
    let (pool, assumptions, deal) = instalment_case();
    let cdrs = breakeven_cdrs(&pool, &assumptions, &DeterministicStress::default(), &deal).unwrap();
    let loss_at = |cdr: f64| {
        let stress = DeterministicStress {
            cdr: Some(RateCurve::Flat(cdr)),
            cpr: None,
        };
        run_deterministic(&pool, &assumptions, &stress, &deal)
            .unwrap()
            .outcome
            .principal_loss
    };
    for (j, cdr) in cdrs.iter().enumerate() {
        let cdr = cdr.expect("every tranche of this deal breaks below a CDR of 100 %");
        assert!(cdr > 0.0 && cdr < 1.0, "tranche {j}: {cdr}");
        assert!(
            loss_at(cdr)[j] <= LOSS_THRESHOLD_CNY,
            "tranche {j} at {cdr}"
        );
        assert!(
            loss_at(cdr * 1.01)[j] > LOSS_THRESHOLD_CNY,
            "tranche {j} at 1.01 × {cdr}"
        );
    }
    // seniority: the senior breaks at the highest CDR
    let c: Vec<f64> = cdrs.iter().map(|c| c.unwrap()).collect();
    assert!(c[0] > c[1] && c[1] > c[2], "{c:?}");
}
