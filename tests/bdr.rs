//! Break-even default rates under stress scenarios (SPEC §7.3) on hand-checkable deals.

mod common;

use baitiao_abs::scenario::stress::{StressLevels, StressTable};
use baitiao_abs::scenario::{Assumptions, Deal};
use baitiao_abs::sim::Pool;
use baitiao_abs::sizing::bdr::{
    LEVEL_TOLERANCE, StressCase, break_evens, break_evens_from, cumulative_default_rate, repaid,
};
use baitiao_abs::tape::Product;
use common::*;

fn no_stress() -> StressLevels {
    StressLevels {
        category: "none".into(),
        prepayment_multiple_low: 1.0,
        prepayment_multiple_high: 1.0,
        yield_compression: 0.0,
        recovery_haircut: 0.0,
        recovery_lag_extra_months: 0,
        reference_default_multiple: None,
    }
}

/// A static pool of interest-free 12-month bullets, no prepayment, no recovery, no fees: the
/// only cash is the survivors' principal at month 12, so a senior of share `a` with no coupon
/// is repaid exactly when the cumulative default rate is at most `1 − a`. Whatever the timing
/// shape, its BDR is therefore `1 − a` (from below, to the search's precision), and at the
/// reported level the default rate is `1 − Π_t (1 − min(k·w(t)·MDR, 0.999))` by hand.
#[test]
fn a_static_bullet_pool_breaks_even_at_one_minus_the_senior_share() {
    let receivables: Vec<_> = (0..4)
        .map(|i| {
            receivable(
                &format!("r{i}"),
                Product::Bullet,
                1_000.0 * f64::from(i + 1),
                1_000.0 * f64::from(i + 1),
                12,
                12,
                0.0,
                0.03,
            )
        })
        .collect();
    let assumptions = assumptions(0.0, 0.0, 0);
    let pool = Pool::build_with(&receivables, &assumptions, None, "bullets").unwrap();
    let a = 0.7;
    let deal = deal(
        12,
        0,
        0.0,
        0.0,
        0.0,
        tranches(&[("A", a, Some(0.0)), ("Sub", 1.0 - a, None)]),
        vec![],
    );
    let table = StressTable::default();
    let mdr = 1.0 - (1.0_f64 - 0.03).powf(1.0 / 12.0);
    for s in 0..table.scenarios.len() {
        let case = StressCase::new(&assumptions, &deal, &table, &no_stress(), s);
        let result = &break_evens(&pool, &deal, &case, 1).unwrap()[0];
        let name = &table.scenarios[s].name;
        let level = result.level.expect("a 70 % senior breaks at some level");
        assert!(
            result.bdr <= 1.0 - a + 1e-12 && result.bdr >= (1.0 - a) * (1.0 - 2e-3),
            "{name}: BDR {} against {}",
            result.bdr,
            1.0 - a
        );
        let by_hand = 1.0
            - case
                .weights
                .iter()
                .map(|w| 1.0 - w.map_or(mdr, |w| (level * w * mdr).min(0.999)))
                .product::<f64>();
        assert!(
            (result.bdr - by_hand).abs() < 1e-12,
            "{name}: {} vs {by_hand}",
            result.bdr
        );
        // repaid at the level, not at 0.1 % more
        let layout = case.layout(&pool);
        assert!(repaid(&case.run(&pool, &layout, &deal, level).unwrap(), 0));
        let above = case.run(&pool, &layout, &deal, level * 1.001).unwrap();
        assert!(!repaid(&above, 0), "{name}");
        assert!(cumulative_default_rate(&above, pool.closing_balance) > 1.0 - a);
        assert_eq!(
            result.first_loss_month,
            Some(12),
            "{name}: bullets pay at maturity"
        );
    }
}

/// Thirty 12-month instalment receivables (fees, prepayment 20 %, recoveries 30 % after 2
/// months) under a 15-month deal revolving for 3, A / B / Sub 80 / 10 / 10.
fn revolving_instalment_deal() -> (Assumptions, Pool, Deal) {
    let receivables: Vec<_> = (0..30)
        .map(|i| {
            receivable(
                &format!("r{i}"),
                Product::Installment,
                600.0 + 40.0 * f64::from(i),
                1_200.0,
                12,
                6 + i % 6,
                0.012,
                0.02 + 0.002 * f64::from(i),
            )
        })
        .collect();
    let assumptions = assumptions(0.2, 0.3, 2);
    let pool = Pool::build_with(&receivables, &assumptions, None, "instalments").unwrap();
    let deal = deal(
        15,
        3,
        30.0,
        0.0,
        0.0,
        tranches(&[
            ("A", 0.8, Some(0.05)),
            ("B", 0.1, Some(0.07)),
            ("Sub", 0.1, None),
        ]),
        vec![],
    );
    (assumptions, pool, deal)
}

/// A revolving instalment deal with fees, prepayment and recoveries: more yield compression
/// or a larger recovery haircut never raises a BDR, and the senior's BDR is at least the
/// mezzanine's in every scenario.
#[test]
fn break_evens_fall_with_the_stresses_and_with_subordination() {
    let (assumptions, pool, deal) = revolving_instalment_deal();
    let table = StressTable::default();
    let bdrs = |levels: &StressLevels, s: usize| {
        let case = StressCase::new(&assumptions, &deal, &table, levels, s);
        break_evens(&pool, &deal, &case, 2).unwrap()
    };
    for s in 0..table.scenarios.len() {
        let name = &table.scenarios[s].name;
        let mut last: Option<Vec<f64>> = None;
        for yield_compression in [0.0, 0.2, 0.4] {
            let levels = StressLevels {
                yield_compression,
                ..no_stress()
            };
            let result = bdrs(&levels, s);
            assert!(result[0].bdr >= result[1].bdr, "{name}: A below B");
            let now: Vec<f64> = result.iter().map(|r| r.bdr).collect();
            if let Some(before) = &last {
                for j in 0..2 {
                    assert!(
                        now[j] <= before[j] * (1.0 + 2e-3),
                        "{name} tranche {j}: {now:?} after {before:?}"
                    );
                }
            }
            last = Some(now);
        }
        let mut last: Option<Vec<f64>> = None;
        for recovery_haircut in [0.0, 0.5, 1.0] {
            let levels = StressLevels {
                recovery_haircut,
                ..no_stress()
            };
            let now: Vec<f64> = bdrs(&levels, s).iter().map(|r| r.bdr).collect();
            if let Some(before) = &last {
                for j in 0..2 {
                    assert!(
                        now[j] <= before[j] * (1.0 + 2e-3),
                        "{name} tranche {j}: {now:?} after {before:?}"
                    );
                }
            }
            last = Some(now);
        }
    }
}

/// A search started from a neighbouring case's break-evens (as each rating category's
/// starts from the one before) finds the same break-evens as one started from nothing,
/// to the search's precision: the levels agree within [`LEVEL_TOLERANCE`] in ratio, for
/// hints below, at and above the answer, and far from it.
#[test]
fn warm_started_searches_find_the_cold_answer() {
    let (assumptions, pool, deal) = revolving_instalment_deal();
    let table = StressTable::default();
    let levels = StressLevels {
        yield_compression: 0.2,
        recovery_haircut: 0.3,
        ..no_stress()
    };
    for s in 0..table.scenarios.len() {
        let case = StressCase::new(&assumptions, &deal, &table, &levels, s);
        let cold = break_evens(&pool, &deal, &case, 2).unwrap();
        for factor in [0.5, 0.97, 1.0, 1.03, 3.0, 40.0] {
            let hints: Vec<Option<f64>> =
                cold.iter().map(|b| b.level.map(|l| l * factor)).collect();
            let warm = break_evens_from(&pool, &deal, &case, &hints).unwrap();
            for j in 0..2 {
                match (cold[j].level, warm[j].level) {
                    (Some(c), Some(w)) if c > 0.0 => assert!(
                        (w / c - 1.0).abs() <= LEVEL_TOLERANCE,
                        "scenario {s}, tranche {j}, hint × {factor}: {w} against {c}"
                    ),
                    (c, w) => assert_eq!(c, w, "scenario {s}, tranche {j}, hint × {factor}"),
                }
            }
        }
    }
}
