//! The fast Monte Carlo engine against the slow reference path simulator
//! (`sim::reference`): the same draws must give the same pool flows month by month, to
//! 1e-12 relative (the engine sums by cohort, the reference receivable by receivable), with
//! every product, purchases, segments with their own factors, importance sampling of the
//! factors, prepayment, recoveries, a yield haircut, a PD multiplier and a sale.

mod common;

use baitiao_abs::engine::FactorSampling;
use baitiao_abs::scenario::{Assumptions, SegmentCorrelation};
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::sim::reference::ReferencePath;
use baitiao_abs::sim::{Collateral, Pool, PoolFlows};
use baitiao_abs::tape::{Product, Receivable};
use common::*;

/// A deterministic mix of receivables: every product, terms 1–24, PDs from 0.5 % to 60 %.
fn tape(n: usize, segments: &[&str]) -> Vec<Receivable> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|i| {
            let product = [Product::Installment, Product::Annuity, Product::Bullet][i % 3];
            let term = 1 + (next() * 24.0) as u32;
            let remaining = 1 + (next() * f64::from(term)) as u32;
            let original = 200.0 + (next() * 5_000.0).round();
            let balance = match product {
                Product::Installment => original * f64::from(remaining) / f64::from(term),
                _ => original,
            };
            let rate = match product {
                Product::Annuity => 0.05 + 0.2 * next(),
                _ => 0.002 + 0.01 * next(),
            };
            let pd = 0.005 + 0.6 * next() * next();
            let mut r = receivable(
                &format!("r{i}"),
                product,
                balance,
                original,
                term,
                remaining,
                rate,
                pd,
            );
            r.segment = segments[i % segments.len()].into();
            r
        })
        .collect()
}

/// `|a − b| ≤ 1e-12 · max(|a|, |b|)`, with a floor of 1e-12 of the closing balance for
/// amounts that cancel to nearly zero.
fn assert_same(engine: &PoolFlows, reference: &PoolFlows, closing: f64, what: &str) {
    let fields = [
        (
            "begin_balance",
            engine.begin_balance,
            reference.begin_balance,
        ),
        ("defaults", engine.defaults, reference.defaults),
        ("interest", engine.interest, reference.interest),
        (
            "scheduled_principal",
            engine.scheduled_principal,
            reference.scheduled_principal,
        ),
        ("prepayments", engine.prepayments, reference.prepayments),
        ("recoveries", engine.recoveries, reference.recoveries),
        ("end_balance", engine.end_balance, reference.end_balance),
    ];
    for (name, a, b) in fields {
        let tolerance = 1e-12 * a.abs().max(b.abs()).max(closing);
        assert!(
            (a - b).abs() <= tolerance,
            "{what} {name}: engine {a}, reference {b} (difference {:e})",
            a - b
        );
    }
}

struct Case {
    pool: Pool,
    assumptions: Assumptions,
    horizon: u32,
    revolving: u32,
    /// Month of a sale at par (a clean-up call), if any.
    sale: Option<u32>,
}

/// Totals over every path, to show the comparison saw every kind of event.
#[derive(Default, Debug)]
struct Seen {
    defaults: f64,
    prepayments: f64,
    recoveries: f64,
    purchases: usize,
}

/// Runs `paths` paths of the case in the engine and the reference, feeding both the same
/// purchases (the month's principal, recoveries and defaults while revolving), and compares
/// every month's flows.
fn compare(case: &Case, sampling: &FactorSampling, seed: u64, paths: u64) -> Seen {
    let model = StochasticPool::new(&case.pool, &case.assumptions, case.horizon, case.revolving);
    let mut scratch = model.scratch();
    let closing = case.pool.closing_balance;
    let mut seen = Seen::default();
    for path in 0..paths {
        let (mut engine, engine_ratio) = model.start_path(&mut scratch, seed, path, sampling);
        let (mut reference, reference_ratio) = ReferencePath::start(
            &model,
            &case.assumptions,
            case.horizon,
            case.revolving,
            seed,
            path,
            sampling,
        );
        assert_eq!(
            engine_ratio, reference_ratio,
            "path {path}: likelihood ratio"
        );
        for month in 1..=case.horizon {
            let e = engine.collect(month);
            let r = reference.collect(month);
            assert_same(&e, &r, closing, &format!("path {path} month {month}"));
            seen.defaults += e.defaults;
            seen.prepayments += e.prepayments;
            seen.recoveries += e.recoveries;
            if month <= case.revolving {
                let amount = e.principal() + e.recoveries + e.defaults;
                engine.purchase(month, amount);
                reference.purchase(month, amount);
            }
            if case.sale == Some(month) {
                let (a, b) = (
                    engine.sell_performing(month),
                    reference.sell_performing(month),
                );
                assert!(
                    (a - b).abs() <= 1e-12 * closing,
                    "path {path}: sale {a} vs {b}"
                );
            }
        }
        assert_eq!(
            engine.purchased_receivables(),
            reference.purchased_receivables(),
            "path {path}: receivables bought"
        );
        seen.purchases += engine.purchased_receivables();
    }
    seen
}

fn one_factor(correlation: f64, pd_multiplier: f64) -> Assumptions {
    Assumptions {
        pd_multiplier,
        correlation,
        yield_haircut: 0.1,
        ..assumptions(0.25, 0.3, 2)
    }
}

fn case(receivables: &[Receivable], assumptions: Assumptions, revolving: u32) -> Case {
    let pool = Pool::build_with(receivables, &assumptions, None, "reference").unwrap();
    Case {
        pool,
        assumptions,
        horizon: 18,
        revolving,
        sale: None,
    }
}

#[test]
fn cut_off_pool_without_purchases() {
    let case = case(&tape(240, &["all"]), one_factor(0.2, 1.0), 0);
    let seen = compare(&case, &FactorSampling::plain(1), 11, 40);
    assert!(seen.defaults > 0.0 && seen.prepayments > 0.0 && seen.recoveries > 0.0);
}

#[test]
fn purchases_a_pd_multiplier_and_a_sale() {
    let mut case = case(&tape(150, &["all"]), one_factor(0.3, 2.5), 6);
    case.sale = Some(14);
    let seen = compare(&case, &FactorSampling::plain(1), 5, 30);
    assert!(seen.purchases > 30 * 6, "{seen:?}");
    assert!(seen.defaults > 0.0 && seen.prepayments > 0.0);
}

#[test]
fn segments_with_their_own_factors_under_importance_sampling() {
    let rho = vec![0.1, 0.35];
    let correlation = nalgebra::DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.5, 1.0]);
    let cholesky = correlation.clone().cholesky().unwrap().l();
    let assumptions = Assumptions {
        segments: Some(SegmentCorrelation {
            names: vec!["core".into(), "young".into()],
            rho,
            factor_correlation: correlation,
            factor_cholesky: cholesky,
        }),
        ..one_factor(0.1, 1.0)
    };
    let case = case(&tape(180, &["core", "young"]), assumptions, 4);
    // half the paths shifted into the loss tail
    let sampling = FactorSampling {
        components: vec![(0.5, vec![0.0, 0.0]), (0.5, vec![-2.5, -1.5])],
    };
    let seen = compare(&case, &sampling, 99, 40);
    assert!(seen.defaults > 0.0 && seen.purchases > 0);
}

/// Cohorts of one grade each (one PD, so one threshold cell and hazard scale per cohort):
/// the engine reads each cohort's lifetime-default bound once per chunk instead of
/// gathering it per draw.
#[test]
fn cohorts_of_one_grade() {
    let receivables: Vec<Receivable> = (0..600)
        .map(|i| {
            let (product, term, pd, rate) = match i % 3 {
                0 => (Product::Annuity, 24, 0.036, 0.15),
                1 => (Product::Installment, 12, 0.10, 0.006),
                _ => (Product::Annuity, 6, 0.25, 0.2),
            };
            let balance = 500.0 + f64::from(i) * 13.37;
            receivable(
                &format!("g{i}"),
                product,
                balance,
                balance,
                term,
                term,
                rate,
                pd,
            )
        })
        .collect();
    let case = case(&receivables, one_factor(0.2, 1.0), 0);
    let seen = compare(&case, &FactorSampling::plain(1), 3, 60);
    assert!(seen.defaults > 0.0 && seen.prepayments > 0.0 && seen.recoveries > 0.0);
}
