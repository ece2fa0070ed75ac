//! Invariants of the deterministic pool and waterfall on random pools and deals (proptest):
//! cash is conserved (the engine checks every month and fails loudly), balances never go
//! negative, losses hit junior tranches before senior ones, and in a sequential structure
//! without triggers or call a larger CDR never reduces any tranche's loss.

mod common;

use baitiao_abs::metrics::{DeterministicRun, run_deterministic};
use baitiao_abs::scenario::{
    Assumptions, Deal, DeterministicStress, PrincipalMode, RateCurve, Trigger, TriggerEffect,
    TriggerMetric, TriggerTest,
};
use baitiao_abs::sim::Pool;
use baitiao_abs::tape::{Product, Receivable};
use common::*;
use proptest::prelude::*;

fn arb_receivable() -> impl Strategy<Value = Receivable> {
    (
        0..3usize,
        100.0..20_000.0f64,
        1..25u32,
        0.0..1.0f64,
        0.0..0.02f64,
        0.001..0.5f64,
    )
        .prop_map(|(product, original, term, seasoning, rate, pd)| {
            let product = [Product::Installment, Product::Annuity, Product::Bullet][product];
            let remaining = 1 + ((term - 1) as f64 * seasoning) as u32;
            let (balance, rate) = match product {
                Product::Installment => (original * remaining as f64 / term as f64, rate),
                Product::Annuity => (original * remaining as f64 / term as f64, rate * 12.0),
                Product::Bullet => (original, rate),
            };
            receivable("r", product, balance, original, term, remaining, rate, pd)
        })
}

#[derive(Debug, Clone)]
struct DealSpec {
    horizon: u32,
    revolving: u32,
    fee_bps: f64,
    reserve_pct: f64,
    call: f64,
    shares: Vec<f64>,
    coupons: Vec<f64>,
    pro_rata: bool,
    triggers: Vec<(usize, f64, bool)>,
}

fn arb_deal() -> impl Strategy<Value = DealSpec> {
    (
        2..30u32,
        0.0..1.0f64,
        0.0..200.0f64,
        0.0..0.05f64,
        0.0..0.3f64,
        prop::collection::vec(0.05..1.0f64, 2..5),
        prop::collection::vec(0.0..0.15f64, 4),
        any::<bool>(),
        prop::collection::vec((0..4usize, 0.0..0.3f64, any::<bool>()), 0..3),
    )
        .prop_map(
            |(
                horizon,
                revolving_share,
                fee_bps,
                reserve_pct,
                call,
                weights,
                coupons,
                pro_rata,
                triggers,
            )| {
                let total: f64 = weights.iter().sum();
                DealSpec {
                    horizon,
                    revolving: ((horizon - 1) as f64 * revolving_share) as u32,
                    fee_bps,
                    reserve_pct,
                    call,
                    shares: weights.iter().map(|w| w / total).collect(),
                    coupons,
                    pro_rata,
                    triggers,
                }
            },
        )
}

fn build_deal(spec: &DealSpec) -> Deal {
    let n = spec.shares.len();
    let names = ["A", "B", "C", "D", "E"];
    let list: Vec<(&str, f64, Option<f64>)> = (0..n)
        .map(|j| {
            (
                names[j],
                spec.shares[j],
                (j + 1 < n).then(|| spec.coupons[j]),
            )
        })
        .collect();
    let triggers = spec
        .triggers
        .iter()
        .map(|&(metric, level, ea)| {
            let (metric, test) = match metric {
                0 => (TriggerMetric::CumulativeNetLoss, TriggerTest::Above(level)),
                1 => (TriggerMetric::CumulativeDefault, TriggerTest::Above(level)),
                2 => (TriggerMetric::PoolBalance, TriggerTest::Below(level * 3.0)),
                _ => (
                    TriggerMetric::ExcessSpread3m,
                    TriggerTest::Below(level - 0.1),
                ),
            };
            let effect = if ea {
                TriggerEffect::EarlyAmortization
            } else {
                TriggerEffect::Sequential
            };
            Trigger {
                metric,
                test,
                effect,
            }
        })
        .collect();
    let mut deal = deal(
        spec.horizon,
        spec.revolving,
        spec.fee_bps,
        spec.reserve_pct,
        spec.call,
        tranches(&list),
        triggers,
    );
    if spec.pro_rata {
        deal.principal = PrincipalMode::ProRata;
    }
    deal
}

fn run(pool: &Pool, assumptions: &Assumptions, deal: &Deal, cdr: Option<f64>) -> DeterministicRun {
    let stress = DeterministicStress {
        cdr: cdr.map(RateCurve::Flat),
        cpr: None,
    };
    // Err here means cash was not conserved in some month: the property fails.
    run_deterministic(pool, assumptions, &stress, deal).expect("cash is conserved every month")
}

fn unique_ids(mut receivables: Vec<Receivable>) -> Vec<Receivable> {
    for (i, r) in receivables.iter_mut().enumerate() {
        r.id = format!("r{i}");
    }
    receivables
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cash_is_conserved_and_nothing_goes_negative(
        receivables in prop::collection::vec(arb_receivable(), 1..12),
        spec in arb_deal(),
        cpr in 0.0..0.6f64,
        recovery in 0.0..1.0f64,
        lag in 0..8u32,
        haircut in 0.0..0.5f64,
    ) {
        let mut assumptions = assumptions(cpr, recovery, lag);
        assumptions.yield_haircut = haircut;
        let pool = Pool::build_with(&unique_ids(receivables), &assumptions, None, "prop").unwrap();
        let deal = build_deal(&spec);
        let result = run(&pool, &assumptions, &deal, None);
        for p in &result.pool {
            let f = &p.flows;
            for (name, v) in [
                ("begin", f.begin_balance), ("defaults", f.defaults), ("interest", f.interest),
                ("scheduled", f.scheduled_principal), ("prepay", f.prepayments), ("recoveries", f.recoveries),
                ("end", p.end_balance), ("purchases", p.purchases), ("residual", p.residual),
                ("reserve", p.reserve_end), ("fees", p.senior_fees_paid),
            ] {
                prop_assert!(v >= -1e-9, "month {} {name} = {v}", p.month);
            }
        }
        for month in &result.tranches {
            for t in month {
                prop_assert!(t.end_balance >= -1e-9 && t.interest_shortfall >= -1e-9 && t.principal_paid >= -1e-9);
                prop_assert!(t.end_balance <= t.begin_balance + 1e-9, "notes never grow");
            }
        }
        // principal paid plus loss equals each tranche's original balance
        for (j, original) in result.outcome.original_balance.iter().enumerate() {
            let paid: f64 = result.tranches.iter().map(|m| m[j].principal_paid).sum();
            prop_assert!((paid + result.outcome.principal_loss[j] - original).abs() < 1e-6);
        }
    }

    #[test]
    fn losses_hit_junior_tranches_before_senior_ones(
        receivables in prop::collection::vec(arb_receivable(), 1..12),
        spec in arb_deal(),
        cdr in 0.0..0.95f64,
    ) {
        let assumptions = assumptions(0.1, 0.2, 3);
        let pool = Pool::build_with(&unique_ids(receivables), &assumptions, None, "prop").unwrap();
        let mut spec = spec;
        spec.pro_rata = false;
        let deal = build_deal(&spec);
        let result = run(&pool, &assumptions, &deal, Some(cdr));
        let loss_share: Vec<f64> = result.outcome.principal_loss.iter().zip(&result.outcome.original_balance)
            .map(|(l, o)| l / o).collect();
        for j in 0..loss_share.len() {
            if loss_share[j] > 1e-12 {
                for (k, junior) in loss_share.iter().enumerate().skip(j + 1) {
                    prop_assert!(*junior > 1.0 - 1e-9, "tranche {j} lost {} while junior {k} lost only {junior}", loss_share[j]);
                }
            }
        }
    }

    #[test]
    fn a_larger_cdr_never_reduces_a_tranche_loss_in_a_sequential_deal_without_triggers(
        receivables in prop::collection::vec(arb_receivable(), 1..12),
        spec in arb_deal(),
        cdr_low in 0.0..0.9f64,
        bump in 0.0..0.5f64,
    ) {
        let assumptions = assumptions(0.1, 0.3, 2);
        let pool = Pool::build_with(&unique_ids(receivables), &assumptions, None, "prop").unwrap();
        let mut spec = spec;
        spec.pro_rata = false;
        spec.triggers.clear();
        spec.call = 0.0;
        let deal = build_deal(&spec);
        let cdr_high = (cdr_low + bump).min(0.99);
        let low = run(&pool, &assumptions, &deal, Some(cdr_low));
        let high = run(&pool, &assumptions, &deal, Some(cdr_high));
        for (j, (l, h)) in low.outcome.principal_loss.iter().zip(&high.outcome.principal_loss).enumerate() {
            prop_assert!(h + 1e-6 >= *l, "tranche {j}: loss {l} at CDR {cdr_low} but {h} at CDR {cdr_high}");
        }
    }
}
