//! Sizing (SPEC §7.1) against the closed form, and deterministic breakevens.

mod common;

use baitiao_abs::engine::MonteCarloSettings;
use baitiao_abs::normal::{normal_cdf, normal_pdf, normal_quantile};
use baitiao_abs::sim::Pool;
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::sizing::breakeven::breakevens;
use baitiao_abs::sizing::{SHARE_TOLERANCE, SizingPaths, size_deal};
use baitiao_abs::tape::{Product, Receivable};
use baitiao_abs::units::cumulative_default_probability;
use common::*;

fn bullets(n: usize, pd: f64) -> Vec<Receivable> {
    (0..n)
        .map(|i| {
            let mut r = receivable("b", Product::Bullet, 1000.0, 1000.0, 12, 12, 0.0, pd);
            r.id = format!("b{i}");
            r
        })
        .collect()
}

/// Senior EL of a finite homogeneous pool of bullets maturing at the horizon, no spread,
/// no recoveries: `E[(K/N − a)⁺]/(1 − a)` over the binomial mixture, by quadrature.
fn exact_senior_el(n: usize, pd: f64, rho: f64, attachment: f64) -> f64 {
    let mut ln_fact = vec![0.0; n + 1];
    for k in 1..=n {
        ln_fact[k] = ln_fact[k - 1] + (k as f64).ln();
    }
    let threshold = normal_quantile(cumulative_default_probability(pd, 12.0));
    let steps = 3000;
    let h = 18.0 / steps as f64;
    let mut total = 0.0;
    for i in 0..=steps {
        let z = -9.0 + i as f64 * h;
        let q = normal_cdf((threshold - rho.sqrt() * z) / (1.0 - rho).sqrt());
        let start = (attachment * n as f64).floor() as usize + 1;
        let conditional: f64 = (start..=n)
            .map(|k| {
                let pmf = (ln_fact[n] - ln_fact[k] - ln_fact[n - k]
                    + k as f64 * q.ln()
                    + (n - k) as f64 * (-q).ln_1p())
                .exp();
                pmf * (k as f64 / n as f64 - attachment)
            })
            .sum();
        let w = if i == 0 || i == steps { 0.5 } else { 1.0 };
        total += w * h * normal_pdf(z) * conditional;
    }
    total / (1.0 - attachment)
}

#[test]
fn senior_size_matches_the_closed_form_attachment() {
    let (n, pd, rho) = (1000, 0.04, 0.12);
    let mut assumptions = assumptions(0.0, 0.0, 0);
    assumptions.correlation = rho;
    let pool = Pool::build_with(&bullets(n, pd), &assumptions, None, "sizing").unwrap();
    let mut deal = deal(
        12,
        0,
        0.0,
        0.0,
        0.0,
        tranches(&[("A", 0.8, Some(0.0)), ("S", 0.2, None)]),
        vec![],
    );
    deal.tranches[0].target_rating = Some("A2".into());
    // bullets repay at month 12: the senior's WAL is exactly one year, target EL = A2 at y1
    let target = deal.rating_table.idealized_el("A2", 1.0).unwrap();
    let model = StochasticPool::new(&pool, &assumptions, 12, 0);
    let settings = MonteCarloSettings {
        paths: 6000,
        seed: 3,
        importance_sampling: true,
        tail_targets: Vec::new(),
    };
    let paths = SizingPaths::record(&model, &deal, &settings).unwrap();
    let sized = size_deal(&paths, &deal).unwrap();
    let senior = &sized.tranches[0];
    assert_eq!(senior.wal, Some(1.0));
    assert_eq!(
        sized.differing_paths, 0,
        "no revolving, no spread: every candidate replays"
    );
    // the closed-form attachment: largest senior share with exact EL ≤ target (bisection)
    let (mut low, mut high) = (0.5, 0.999);
    for _ in 0..40 {
        let mid = 0.5 * (low + high);
        if exact_senior_el(n, pd, rho, 1.0 - mid) <= target {
            low = mid;
        } else {
            high = mid;
        }
    }
    let exact_share = low;
    // translate the Monte Carlo error of the EL into an error of the share through the
    // slope of the exact EL in the share
    let slope = (exact_senior_el(n, pd, rho, 1.0 - exact_share - 0.01)
        - exact_senior_el(n, pd, rho, 1.0 - exact_share + 0.01))
        / 0.02;
    let share_error = 4.0 * senior.el_se / slope.abs() + 2.0 * SHARE_TOLERANCE + 1.0 / n as f64;
    assert!(
        (senior.share - exact_share).abs() < share_error,
        "sized {} vs closed form {exact_share} (allowed {share_error})",
        senior.share
    );
    assert!(senior.el <= target + 1e-15);
    assert!((sized.advance_rate - senior.share).abs() < 1e-12);
    assert!((sized.tranches[1].share - (1.0 - senior.share)).abs() < 1e-12);
}

#[test]
fn breakevens_order_by_seniority_and_bracket_the_first_loss() {
    let receivables: Vec<Receivable> = (0..200)
        .map(|i| {
            let mut r = receivable(
                "r",
                Product::Installment,
                1000.0,
                2000.0,
                12,
                6,
                0.01,
                0.01 + 0.0005 * (i % 20) as f64,
            );
            r.id = format!("r{i}");
            r
        })
        .collect();
    let assumptions = assumptions(0.1, 0.2, 2);
    let pool = Pool::build_with(&receivables, &assumptions, None, "breakeven").unwrap();
    let deal = deal(
        12,
        3,
        30.0,
        0.0,
        0.0,
        tranches(&[
            ("A", 0.8, Some(0.05)),
            ("B", 0.1, Some(0.08)),
            ("S", 0.1, None),
        ]),
        vec![],
    );
    let result = breakevens(&pool, &assumptions, &Default::default(), &deal).unwrap();
    let multiples: Vec<f64> = result
        .iter()
        .map(|b| b.pd_multiple.expect("every tranche breaks"))
        .collect();
    assert!(
        multiples[0] > multiples[1] && multiples[1] > multiples[2],
        "{multiples:?}"
    );
    // just below the breakeven the tranche is whole, just above it loses
    for (j, &m) in multiples.iter().enumerate() {
        let at = |multiple: f64| {
            let mut a = assumptions.clone();
            a.pd_multiplier = multiple;
            baitiao_abs::metrics::run_deterministic(&pool, &a, &Default::default(), &deal)
                .unwrap()
                .outcome
                .principal_loss[j]
        };
        assert!(
            at(m * 0.999) <= 0.005,
            "tranche {j} loses below its breakeven"
        );
        assert!(
            at(m * 1.001) > 0.005,
            "tranche {j} whole above its breakeven"
        );
    }
}

/// A month's pool flows, purchases and sale as the waterfall saw them.
fn month_flows(r: &baitiao_abs::waterfall::PeriodReport) -> [f64; 7] {
    [
        r.pool.interest,
        r.pool.defaults,
        r.pool.recoveries,
        r.pool.scheduled_principal + r.pool.prepayments,
        r.pool.end_balance,
        r.purchases,
        r.sale_proceeds,
    ]
}

/// The base scenario's structure on a small synthetic pool, for replay tests.
fn small_base(receivables: usize) -> (baitiao_abs::scenario::Scenario, Pool) {
    let scenario = baitiao_abs::scenario::load("scenarios/base.toml".as_ref())
        .unwrap()
        .scenario;
    let tape = baitiao_abs::tape::generate(receivables, 11);
    let pool = Pool::build(&tape, &scenario, "replay").unwrap();
    (scenario, pool)
}

#[test]
fn a_replayed_path_equals_its_full_simulation_under_another_structure() {
    use baitiao_abs::engine::{factor_sampling, find_tail_shifts};
    use baitiao_abs::sim::montecarlo::PathLog;
    use baitiao_abs::waterfall::run_deal;

    let (scenario, pool) = small_base(3000);
    let logged_deal = &scenario.deal;
    let model = StochasticPool::new(
        &pool,
        &scenario.assumptions,
        logged_deal.horizon_months,
        logged_deal.revolving_months,
    );
    let shifts = find_tail_shifts(&model, logged_deal, 5).unwrap();
    let sampling = factor_sampling(&model, &shifts);
    // candidates that buy different amounts: a thinner senior, dearer notes (cash-short
    // revolving periods, excess-spread trigger in other months), no triggers at all
    let mut thin = logged_deal.clone();
    thin.tranches[0].share = 0.6;
    thin.tranches[1].share = 0.3;
    let mut dear = logged_deal.clone();
    dear.tranches[0].coupon = Some(0.16);
    dear.tranches[1].coupon = Some(0.22);
    let mut untriggered = dear.clone();
    untriggered.triggers.clear();
    let mut scratch = model.scratch();
    let mut replay_scratch = model.scratch();
    let mut log = PathLog::default();
    let mut differing = 0;
    for path in 0..150u64 {
        let (mut live, _) = model.start_path_logged(&mut scratch, 5, path, &sampling, &mut log);
        let logged_outcome = run_deal(logged_deal, &mut live, |_| {}).unwrap();
        // the logged structure replays bit for bit
        let mut replay = model.replay_path(&mut replay_scratch, 5, path, &sampling, &log);
        let replayed = run_deal(logged_deal, &mut replay, |_| {}).unwrap();
        assert!(!replay.differed());
        drop(replay);
        assert_eq!(replayed, logged_outcome, "path {path}");
        for candidate in [&thin, &dear, &untriggered] {
            let mut replay_flows = Vec::new();
            let mut replay = model.replay_path(&mut replay_scratch, 5, path, &sampling, &log);
            let replayed = run_deal(candidate, &mut replay, |r| {
                replay_flows.push(month_flows(r))
            })
            .unwrap();
            differing += usize::from(replay.differed());
            drop(replay);
            let mut full_flows = Vec::new();
            let (mut full, _) = model.start_path(&mut scratch, 5, path, &sampling);
            let simulated =
                run_deal(candidate, &mut full, |r| full_flows.push(month_flows(r))).unwrap();
            let tolerance = 1e-9 * pool.closing_balance;
            for (a, b) in replayed
                .principal_loss
                .iter()
                .zip(&simulated.principal_loss)
            {
                assert!((a - b).abs() < tolerance, "path {path}: loss {a} vs {b}");
            }
            assert_eq!(replayed.call_month, simulated.call_month, "path {path}");
            assert_eq!(
                replayed.trigger_breach_month, simulated.trigger_breach_month,
                "path {path}"
            );
            assert_eq!(replay_flows.len(), full_flows.len());
            for (month, (r, f)) in replay_flows.iter().zip(&full_flows).enumerate() {
                for (x, y) in r.iter().zip(f) {
                    assert!(
                        (x - y).abs() < tolerance,
                        "path {path} month {}: {r:?} vs {f:?}",
                        month + 1
                    );
                }
            }
        }
    }
    // the test means something only if many candidates' purchases differed
    assert!(differing > 150, "only {differing} replays differed");
}

/// Sizes the small base case after `change`, on 2,000 importance-sampled paths.
fn size_small_base(
    change: impl FnOnce(&mut baitiao_abs::scenario::Scenario),
) -> baitiao_abs::sizing::SizingResult {
    let (mut scenario, _) = small_base(10);
    change(&mut scenario);
    let tape = baitiao_abs::tape::generate(3000, 11);
    let pool = Pool::build(&tape, &scenario, "monotone").unwrap();
    let deal = &scenario.deal;
    let model = StochasticPool::new(
        &pool,
        &scenario.assumptions,
        deal.horizon_months,
        deal.revolving_months,
    );
    let settings = MonteCarloSettings {
        paths: 2000,
        seed: 17,
        importance_sampling: true,
        tail_targets: Vec::new(),
    };
    let paths = SizingPaths::record(&model, deal, &settings).unwrap();
    size_deal(&paths, deal).unwrap()
}

#[test]
fn sizing_is_monotone_in_credit_risk_and_target_strictness() {
    let base = size_small_base(|_| {});
    let riskier = size_small_base(|s| s.assumptions.pd_multiplier = 2.0);
    let correlated = size_small_base(|s| s.assumptions.correlation = 0.25);
    // the root finder's resolution: capacities within it count as equal
    let resolution = 2.0 * SHARE_TOLERANCE;
    for (label, stressed) in [("pd × 2", &riskier), ("correlation 0.25", &correlated)] {
        assert!(
            stressed.advance_rate <= base.advance_rate + resolution,
            "{label}: advance rate {} above the base case's {}",
            stressed.advance_rate,
            base.advance_rate
        );
    }
    eprintln!(
        "advance rates: base {}, pd x2 {}, rho 0.25 {}",
        base.advance_rate, riskier.advance_rate, correlated.advance_rate
    );
    assert!(riskier.advance_rate < base.advance_rate - resolution);
    // a stricter target for the senior never lowers its credit enhancement: sized on the
    // same paths, A2 → Aa2 → Aaa
    let mut enhancement = Vec::new();
    for rating in ["A2", "Aa2", "Aaa"] {
        let sized = size_small_base(|s| s.deal.tranches[0].target_rating = Some(rating.into()));
        enhancement.push(sized.tranches[0].credit_enhancement);
    }
    assert!(
        enhancement.windows(2).all(|w| w[1] >= w[0] - resolution),
        "senior credit enhancement by target A2, Aa2, Aaa: {enhancement:?}"
    );
    eprintln!("senior CE by target: {enhancement:?}");
    assert!(
        enhancement[2] > enhancement[0] + resolution,
        "{enhancement:?}"
    );
    // every sized rated tranche meets its target at the final structure
    for sized in [&base, &riskier, &correlated] {
        for t in sized.tranches.iter().filter(|t| t.feasible) {
            if let Some(target) = t.target_el {
                assert!(t.el <= target, "{}: EL {} above {target}", t.tranche, t.el);
            }
        }
    }
}
