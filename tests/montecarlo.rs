//! The Monte Carlo engine against independent results (SPEC §4.1–4.5, §6). Every tolerance
//! is stated in standard errors of the quantity compared.
//!
//! Closed forms used (derived in the comments of each test):
//! - Vasicek: for a large homogeneous pool with 12-month PD `p` over a 12-month horizon,
//!   `P(D ≤ x) = Φ((√(1−ρ) Φ⁻¹(x) − Φ⁻¹(p)) / √ρ)`;
//! - binomial mixture: `P(K = k) = ∫ C(N,k) q(z)^k (1 − q(z))^(N−k) φ(z) dz` with
//!   `q(z) = Φ((Φ⁻¹(p) − √ρ z)/√(1−ρ))`;
//! - with prepayment, conditional on `z` each receivable defaults before prepaying with
//!   `d(z) = Σ_t [q_t(z) − q_{t−1}(z)] (1 − SMM)^(t−1)`, so the defaulted balance has mean
//!   `E[d] ΣB` and variance `E[d(1 − d)] ΣB² + Var(d) (ΣB)²`;
//! - segments with correlated factors: the pooled default share's variance from
//!   `E[q_A q_B]` over correlated factors (2-D quadrature).

mod common;

use baitiao_abs::engine::{MonteCarloRun, MonteCarloSettings, PoolField, run_monte_carlo};
use baitiao_abs::metrics::distribution::loss_statistics;
use baitiao_abs::normal::{normal_cdf, normal_pdf, normal_quantile};
use baitiao_abs::scenario::{Assumptions, Deal, DeterministicStress};
use baitiao_abs::sim::Pool;
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::tape::{Product, Receivable};
use baitiao_abs::units::{cumulative_default_probability, smm_from_cpr};
use common::*;

/// `n` identical bullets of balance 1,000 maturing in `term` months.
fn bullets(n: usize, term: u32, pd: f64) -> Vec<Receivable> {
    (0..n)
        .map(|i| {
            let mut r = receivable("b", Product::Bullet, 1000.0, 1000.0, term, term, 0.0, pd);
            r.id = format!("b{i}");
            r
        })
        .collect()
}

/// A deal that only passes cash through: no fees, zero coupons, a senior and a residual
/// tranche attaching at `attachment`.
fn pass_through_deal(horizon: u32, attachment: f64) -> Deal {
    deal(
        horizon,
        0,
        0.0,
        0.0,
        0.0,
        tranches(&[("A", 1.0 - attachment, Some(0.0)), ("S", attachment, None)]),
        vec![],
    )
}

fn run(
    pool: &Pool,
    assumptions: &Assumptions,
    deal: &Deal,
    paths: usize,
    seed: u64,
    is: bool,
) -> MonteCarloRun {
    let model = StochasticPool::new(
        pool,
        assumptions,
        deal.horizon_months,
        deal.revolving_months,
    );
    let settings = MonteCarloSettings {
        paths,
        seed,
        importance_sampling: is,
        tail_targets: Vec::new(),
    };
    run_monte_carlo(&model, deal, &settings, |_| {}).expect("cash is conserved")
}

/// `∫ f(z) φ(z) dz` by the trapezoid rule on [−9, 9] (error far below the tests' noise).
fn integrate_over_factor(f: impl Fn(f64) -> f64) -> f64 {
    let steps = 4000;
    let h = 18.0 / steps as f64;
    (0..=steps)
        .map(|i| {
            let z = -9.0 + i as f64 * h;
            let w = if i == 0 || i == steps { 0.5 } else { 1.0 };
            w * f(z) * normal_pdf(z)
        })
        .sum::<f64>()
        * h
}

/// Conditional probability of default by month `t` given the factor.
fn conditional_pd(pd_12m: f64, months: f64, rho: f64, z: f64) -> f64 {
    if months <= 0.0 {
        return 0.0;
    }
    let threshold = normal_quantile(cumulative_default_probability(pd_12m, months));
    normal_cdf((threshold - rho.sqrt() * z) / (1.0 - rho).sqrt())
}

fn ln_factorial_table(n: usize) -> Vec<f64> {
    let mut table = vec![0.0; n + 1];
    for k in 1..=n {
        table[k] = table[k - 1] + (k as f64).ln();
    }
    table
}

fn binomial_pmf(ln_fact: &[f64], n: usize, k: usize, q: f64) -> f64 {
    if q <= 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    if q >= 1.0 {
        return if k == n { 1.0 } else { 0.0 };
    }
    (ln_fact[n] - ln_fact[k] - ln_fact[n - k] + k as f64 * q.ln() + (n - k) as f64 * (-q).ln_1p())
        .exp()
}

#[test]
fn large_pool_default_share_follows_vasicek() {
    let (pd, rho, n, paths) = (0.04, 0.15, 20_000, 3000);
    let mut assumptions = assumptions(0.0, 0.0, 0);
    assumptions.correlation = rho;
    let pool = Pool::build_with(&bullets(n, 12, pd), &assumptions, None, "vasicek").unwrap();
    let deal = pass_through_deal(12, 0.2);
    let result = run(&pool, &assumptions, &deal, paths, 11, false);
    let mut shares: Vec<f64> = result.paths.iter().map(|p| p.pool_default).collect();
    shares.sort_by(f64::total_cmp);
    let vasicek_cdf = |x: f64| {
        normal_cdf(((1.0 - rho).sqrt() * normal_quantile(x) - normal_quantile(pd)) / rho.sqrt())
    };
    // KS distance; the pool's own binomial noise (sd ≈ √(p/N) ≈ 0.0014 in D) moves the CDF by
    // at most density × 0.0014 ≈ 0.02 at the mode, so the bound is the 1 % KS critical value
    // 1.63/√n plus that.
    let ks = shares
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = vasicek_cdf(x);
            (f - i as f64 / paths as f64)
                .abs()
                .max((f - (i + 1) as f64 / paths as f64).abs())
        })
        .fold(0.0, f64::max);
    assert!(ks < 1.63 / (paths as f64).sqrt() + 0.02, "KS distance {ks}");
    // quantiles: Vasicek's x_α = Φ((Φ⁻¹(p) + √ρ Φ⁻¹(α)) / √(1−ρ)); the empirical quantile's
    // standard error is √(α(1−α)/n) / f(x_α), f the density; allow 4 of them plus the
    // binomial noise
    for alpha in [0.05, 0.25, 0.5, 0.75, 0.95, 0.99] {
        let exact = normal_cdf(
            (normal_quantile(pd) + rho.sqrt() * normal_quantile(alpha)) / (1.0 - rho).sqrt(),
        );
        let empirical = shares[((alpha * paths as f64).ceil() as usize).min(paths) - 1];
        let h = 1e-5;
        let density = (vasicek_cdf(exact + h) - vasicek_cdf(exact - h)) / (2.0 * h);
        let se = (alpha * (1.0 - alpha) / paths as f64).sqrt() / density;
        assert!(
            (empirical - exact).abs() < 4.0 * se + 3.0 * (exact / n as f64).sqrt(),
            "α {alpha}: empirical {empirical}, Vasicek {exact}, se {se}"
        );
    }
}

fn chi_square_against_mixture(n: usize, pd: f64, rho: f64, paths: usize, seed: u64) {
    let mut assumptions = assumptions(0.0, 0.0, 0);
    assumptions.correlation = rho;
    let pool = Pool::build_with(&bullets(n, 12, pd), &assumptions, None, "mixture").unwrap();
    let result = run(
        &pool,
        &assumptions,
        &pass_through_deal(12, 0.3),
        paths,
        seed,
        false,
    );
    let mut observed = vec![0usize; n + 1];
    for p in &result.paths {
        observed[(p.pool_default * n as f64).round() as usize] += 1;
    }
    let ln_fact = ln_factorial_table(n);
    let expected: Vec<f64> = (0..=n)
        .map(|k| {
            paths as f64
                * integrate_over_factor(|z| {
                    binomial_pmf(&ln_fact, n, k, conditional_pd(pd, 12.0, rho, z))
                })
        })
        .collect();
    assert!((expected.iter().sum::<f64>() - paths as f64).abs() < 1e-6 * paths as f64);
    // pool adjacent counts into bins expecting at least 10 paths
    let (mut chi2, mut bins, mut e_acc, mut o_acc) = (0.0, 0usize, 0.0, 0usize);
    for k in 0..=n {
        e_acc += expected[k];
        o_acc += observed[k];
        if e_acc >= 10.0 {
            chi2 += (o_acc as f64 - e_acc).powi(2) / e_acc;
            bins += 1;
            e_acc = 0.0;
            o_acc = 0;
        }
    }
    chi2 += (o_acc as f64 - e_acc).powi(2) / e_acc.max(1e-9);
    let dof = bins as f64;
    // 0.1 % critical value of χ² via Wilson–Hilferty: dof (1 − 2/(9 dof) + 3.09 √(2/(9 dof)))³
    let critical = dof * (1.0 - 2.0 / (9.0 * dof) + 3.09 * (2.0 / (9.0 * dof)).sqrt()).powi(3);
    assert!(
        chi2 < critical,
        "N = {n}: χ² {chi2:.1} on {bins} bins, critical {critical:.1}"
    );
}

#[test]
fn defaults_in_a_pool_of_100_follow_the_binomial_mixture() {
    chi_square_against_mixture(100, 0.05, 0.2, 20_000, 21);
}

#[test]
fn defaults_in_a_pool_of_1000_follow_the_binomial_mixture() {
    chi_square_against_mixture(1000, 0.03, 0.1, 10_000, 22);
}

fn prepayment_moments(horizon: u32) {
    let (pd, rho, cpr, paths) = (0.06, 0.12, 0.3, 8000);
    let mut assumptions = assumptions(cpr, 0.0, 0);
    assumptions.correlation = rho;
    // 400 bullets of term 24 with balances 500 … 2,495: prepayment possible in months 1..23
    let receivables: Vec<Receivable> = (0..400)
        .map(|i| {
            let balance = 500.0 + 5.0 * i as f64;
            let mut r = receivable("b", Product::Bullet, balance, balance, 24, 24, 0.0, pd);
            r.id = format!("b{i}");
            r
        })
        .collect();
    let total: f64 = receivables.iter().map(|r| r.balance).sum();
    let sum_sq: f64 = receivables.iter().map(|r| r.balance * r.balance).sum();
    let pool = Pool::build_with(&receivables, &assumptions, None, "prepay").unwrap();
    let result = run(
        &pool,
        &assumptions,
        &pass_through_deal(horizon, 0.3),
        paths,
        31,
        false,
    );
    let smm = smm_from_cpr(cpr);
    let d = |z: f64| -> f64 {
        (1..=horizon)
            .map(|t| {
                let t = f64::from(t);
                (conditional_pd(pd, t, rho, z) - conditional_pd(pd, t - 1.0, rho, z))
                    * (1.0 - smm).powf(t - 1.0)
            })
            .sum()
    };
    let mean_d = integrate_over_factor(d);
    let mean_d2 = integrate_over_factor(|z| d(z).powi(2));
    let mean = mean_d * total;
    let variance = (mean_d - mean_d2) * sum_sq + (mean_d2 - mean_d * mean_d) * total * total;
    let defaulted: Vec<f64> = result
        .paths
        .iter()
        .map(|p| p.pool_default * total)
        .collect();
    let weights = vec![1.0 / paths as f64; paths];
    let stats = loss_statistics(&defaulted, &weights);
    let sd = variance.sqrt();
    let se_mean = sd / (paths as f64).sqrt();
    assert!(
        (stats.mean - mean).abs() < 4.0 * se_mean,
        "horizon {horizon}: mean {} vs {mean} (se {se_mean})",
        stats.mean
    );
    // the sample sd's standard error is about sd √((κ − 1)/(4n)); this mixture is skewed, so
    // the kurtosis is taken from the sample
    let fourth: f64 = defaulted
        .iter()
        .map(|x| (x - stats.mean).powi(4))
        .sum::<f64>()
        / paths as f64;
    let kurtosis = fourth / stats.standard_deviation.powi(4);
    let se_sd = sd * ((kurtosis - 1.0) / (4.0 * paths as f64)).sqrt();
    assert!(
        (stats.standard_deviation - sd).abs() < 4.0 * se_sd,
        "horizon {horizon}: sd {} vs {sd} (se {se_sd})",
        stats.standard_deviation
    );
    // net loss with no recoveries is the defaulted balance
    assert!(
        result
            .paths
            .iter()
            .all(|p| (p.pool_net_loss - p.pool_default).abs() < 1e-12)
    );
}

#[test]
fn defaults_with_prepayment_over_12_months_match_the_exact_moments() {
    prepayment_moments(12);
}

#[test]
fn defaults_with_prepayment_over_24_months_match_the_exact_moments() {
    prepayment_moments(24);
}

/// Exact senior EL of a finite homogeneous pool of bullets maturing at the horizon with no
/// spread and no recoveries: the senior loses `max(K/N − a, 0)/(1 − a)`; average over the
/// binomial mixture.
fn exact_senior_el(n: usize, pd: f64, rho: f64, attachment: f64) -> f64 {
    let ln_fact = ln_factorial_table(n);
    integrate_over_factor(|z| {
        let q = conditional_pd(pd, 12.0, rho, z);
        let start = (attachment * n as f64).floor() as usize + 1;
        (start..=n)
            .map(|k| binomial_pmf(&ln_fact, n, k, q) * (k as f64 / n as f64 - attachment))
            .sum::<f64>()
            / (1.0 - attachment)
    })
}

#[test]
fn importance_sampling_is_unbiased_and_resolves_the_senior_tail() {
    let (pd, rho, n, attachment) = (0.05, 0.15, 2000, 0.25);
    let mut assumptions = assumptions(0.0, 0.0, 0);
    assumptions.correlation = rho;
    let pool = Pool::build_with(&bullets(n, 12, pd), &assumptions, None, "is").unwrap();
    let deal = pass_through_deal(12, attachment);
    let exact = exact_senior_el(n, pd, rho, attachment);
    let senior = |run: &MonteCarloRun| {
        let losses: Vec<f64> = run.paths.iter().map(|p| p.tranche_loss[0]).collect();
        loss_statistics(&losses, &run.weights())
    };
    let plain = senior(&run(&pool, &assumptions, &deal, 20_000, 41, false));
    let importance = senior(&run(&pool, &assumptions, &deal, 4000, 42, true));
    assert!(
        exact > 1e-5 && exact < 1e-3,
        "the case sits in the tail: {exact}"
    );
    assert!(
        (importance.mean - exact).abs() < 4.0 * importance.standard_error,
        "IS {} ± {} vs exact {exact}",
        importance.mean,
        importance.standard_error
    );
    assert!(
        (plain.mean - exact).abs() < 4.0 * plain.standard_error.max(1e-12),
        "plain {} ± {} vs exact {exact}",
        plain.mean,
        plain.standard_error
    );
    let gap = (importance.mean - plain.mean).abs();
    let joint = (importance.standard_error.powi(2) + plain.standard_error.powi(2)).sqrt();
    assert!(gap < 4.0 * joint, "IS and plain disagree: {gap} vs {joint}");
    // the point of IS: a fifth of the paths, a smaller error
    assert!(
        importance.standard_error < plain.standard_error,
        "{importance:?} vs {plain:?}"
    );
    assert!(importance.standard_error / importance.mean < 0.1);

    // and the large-pool closed form, E[(L − a)⁺]/(1 − a) with L Vasicek:
    // E[L 1{L > a}] = Φ₂(c, z_a; √ρ) = ∫_{z < z_a} Φ((c − √ρ z)/√(1−ρ)) φ(z) dz,
    // z_a = (c − √(1−ρ) Φ⁻¹(a))/√ρ; finite-pool granularity adds a little (≈ 2 % here).
    let c = normal_quantile(pd);
    let z_a = (c - (1.0 - rho).sqrt() * normal_quantile(attachment)) / rho.sqrt();
    let large_pool = integrate_over_factor(|z| {
        if z < z_a {
            conditional_pd(pd, 12.0, rho, z) - attachment
        } else {
            0.0
        }
    }) / (1.0 - attachment);
    assert!(
        (large_pool - exact).abs() / exact < 0.05,
        "large-pool {large_pool} vs finite {exact}"
    );
    assert!(
        (importance.mean - large_pool).abs() < 4.0 * importance.standard_error + 0.05 * large_pool
    );
}

#[test]
fn with_zero_correlation_monte_carlo_means_match_the_deterministic_run() {
    // Instalments, annuities and bullets with the same original principal (so purchases'
    // balance mix is the eligible balance mix in both runs), seasoned differently.
    let mut receivables = Vec::new();
    for i in 0..3000 {
        let (product, term, rate) = match i % 3 {
            0 => (Product::Installment, 12, 0.008),
            1 => (Product::Annuity, 6, 0.15),
            _ => (Product::Bullet, 3, 0.01),
        };
        let remaining = 1 + (i as u32 / 3) % term;
        let balance = match product {
            Product::Bullet => 2000.0,
            _ => 2000.0 * f64::from(remaining) / f64::from(term),
        };
        let original = 2000.0;
        let mut r = receivable(
            "r",
            product,
            balance,
            original,
            term,
            remaining,
            rate,
            0.02 + 0.0001 * (i % 50) as f64,
        );
        r.id = format!("r{i}");
        receivables.push(r);
    }
    let mut assumptions = assumptions(0.2, 0.3, 2);
    assumptions.correlation = 0.0;
    let pool = Pool::build_with(&receivables, &assumptions, None, "rho0").unwrap();
    let deal = deal(
        12,
        4,
        50.0,
        0.01,
        0.0,
        tranches(&[("A", 0.8, Some(0.04)), ("S", 0.2, None)]),
        vec![],
    );
    let deterministic = baitiao_abs::metrics::run_deterministic(
        &pool,
        &assumptions,
        &DeterministicStress::default(),
        &deal,
    )
    .unwrap();
    // 20 independent batches give each period mean a standard error
    let batches: Vec<MonteCarloRun> = (0..20)
        .map(|b| run(&pool, &assumptions, &deal, 100, 1000 + b, false))
        .collect();
    let fields = [
        "defaults",
        "interest",
        "scheduled_principal",
        "prepayments",
        "recoveries",
        "end_balance",
    ];
    for field in fields {
        let index = *PoolField::ALL.iter().find(|f| f.name() == field).unwrap();
        for month in 1..=12usize {
            let means: Vec<f64> = batches
                .iter()
                .map(|b| b.expected_pool(month, index))
                .collect();
            let mean = means.iter().sum::<f64>() / means.len() as f64;
            let sd = (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>()
                / (means.len() - 1) as f64)
                .sqrt();
            let se = sd / (means.len() as f64).sqrt();
            let p = &deterministic.pool[month - 1];
            let expected = match field {
                "defaults" => p.flows.defaults,
                "interest" => p.flows.interest,
                "scheduled_principal" => p.flows.scheduled_principal,
                "prepayments" => p.flows.prepayments,
                "recoveries" => p.flows.recoveries,
                _ => p.end_balance,
            };
            assert!(
                (mean - expected).abs() <= 4.0 * se + 1e-6 * expected.abs(),
                "{field} month {month}: Monte Carlo {mean} ± {se}, deterministic {expected}"
            );
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count_and_repeat_exactly() {
    let receivables: Vec<Receivable> = (0..500)
        .map(|i| {
            let term = [3, 6, 12][i % 3];
            let mut r = receivable(
                "r",
                Product::Installment,
                1000.0 + i as f64,
                (1000.0 + i as f64) * 2.0,
                term,
                (term / 2).max(1),
                0.01,
                0.01 + 0.001 * (i % 20) as f64,
            );
            r.id = format!("r{i}");
            r
        })
        .collect();
    let assumptions = assumptions(0.15, 0.1, 3);
    let pool = Pool::build_with(&receivables, &assumptions, None, "threads").unwrap();
    let deal = deal(
        12,
        6,
        30.0,
        0.01,
        0.1,
        tranches(&[("A", 0.85, Some(0.05)), ("S", 0.15, None)]),
        vec![],
    );
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(&pool, &assumptions, &deal, 9000, 5, true))
    };
    let one = in_pool(1);
    let two = in_pool(2);
    let three = in_pool(3);
    for other in [&two, &three] {
        assert_eq!(one.paths, other.paths);
        assert_eq!(
            one.period_sums, other.period_sums,
            "block sums are taken in path order"
        );
        assert_eq!(one.ratio_sum.to_bits(), other.ratio_sum.to_bits());
    }
    let again = in_pool(2);
    assert_eq!(two.paths, again.paths);
    let other_seed = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| run(&pool, &assumptions, &deal, 100, 6, true));
    assert_ne!(one.paths[..100], other_seed.paths[..]);
}

#[test]
fn segment_factors_carry_their_correlation() {
    // Two large segments of 12-month bullets, each with its own factor, correlated r.
    // D = (K_A + K_B)/N with n receivables per segment, so
    // Var(D) = E[(q_A + q_B)²]/4 − p² + E[q_A(1 − q_A) + q_B(1 − q_B)]/(4n),
    // E[q_A q_B] over (Z_A, Z_B) standard normals with correlation r (2-D quadrature).
    use baitiao_abs::scenario::SegmentCorrelation;
    use nalgebra::DMatrix;
    let (pd, rho, r, n, paths) = (0.04, 0.2, 0.3, 2000, 6000);
    let mut receivables = Vec::new();
    for (segment, prefix) in [("a", "A"), ("b", "B")] {
        for mut r in bullets(n, 12, pd) {
            r.id = format!("{prefix}{}", r.id);
            r.segment = segment.into();
            receivables.push(r);
        }
    }
    let mut assumptions = assumptions(0.0, 0.0, 0);
    assumptions.segments = Some(SegmentCorrelation {
        names: vec!["a".into(), "b".into()],
        rho: vec![rho, rho],
        factor_correlation: DMatrix::from_row_slice(2, 2, &[1.0, r, r, 1.0]),
        factor_cholesky: DMatrix::from_row_slice(2, 2, &[1.0, 0.0, r, (1.0 - r * r).sqrt()]),
    });
    let pool = Pool::build_with(&receivables, &assumptions, None, "segments").unwrap();
    let result = run(
        &pool,
        &assumptions,
        &pass_through_deal(12, 0.3),
        paths,
        51,
        false,
    );
    let shares: Vec<f64> = result.paths.iter().map(|p| p.pool_default).collect();
    let weights = vec![1.0 / paths as f64; paths];
    let stats = loss_statistics(&shares, &weights);

    let q = |z: f64| conditional_pd(pd, 12.0, rho, z);
    let e_q2 = integrate_over_factor(|z| q(z).powi(2));
    let e_q1mq = integrate_over_factor(|z| q(z) * (1.0 - q(z)));
    let e_qaqb = integrate_over_factor(|za| {
        integrate_over_factor(|u| q(za) * q(r * za + (1.0 - r * r).sqrt() * u))
    });
    let p = integrate_over_factor(q);
    let variance = (2.0 * e_q2 + 2.0 * e_qaqb) / 4.0 - p * p + 2.0 * e_q1mq / (4.0 * n as f64);
    assert!((stats.mean - p).abs() < 4.0 * variance.sqrt() / (paths as f64).sqrt());
    let sample_variance = stats.standard_deviation.powi(2);
    let fourth: f64 = shares.iter().map(|x| (x - stats.mean).powi(4)).sum::<f64>() / paths as f64;
    let kurtosis = fourth / sample_variance.powi(2);
    let se = sample_variance * ((kurtosis - 1.0) / paths as f64).sqrt();
    assert!(
        (sample_variance - variance).abs() < 4.0 * se,
        "variance {sample_variance} vs {variance} (se {se})"
    );
    // one shared factor (r = 1) would give a far larger variance: the test tells them apart
    let one_factor = (2.0 * e_q2 + 2.0 * e_q2) / 4.0 - p * p;
    assert!((one_factor - variance) > 8.0 * se);
}

#[test]
fn more_purchase_slots_than_the_model_holds_is_a_pool_error() {
    let assumptions = assumptions(0.0, 0.0, 0);
    let with_rates = |count: usize| -> Vec<Receivable> {
        (0..count)
            .map(|i| {
                let rate = 0.001 + i as f64 * 1e-8;
                let mut r = receivable("i", Product::Installment, 600.0, 1200.0, 12, 6, rate, 0.02);
                r.id = format!("i{i}");
                r
            })
            .collect()
    };
    let pool = Pool::build_with(&with_rates(65_536), &assumptions, None, "tape.csv").unwrap();
    // the largest pool the model holds builds (every slot fits its 16-bit tag)
    assert_eq!(
        StochasticPool::new(&pool, &assumptions, 12, 6).receivables(),
        65_536
    );
    let error = Pool::build_with(&with_rates(65_537), &assumptions, None, "tape.csv")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tape.csv") && error.contains("65537 distinct") && error.contains("65536"),
        "{error}"
    );
}

/// 20 interest-free 12-month bullets of 1,000 (12-month PD 10 %, ρ = 0.2) in a 12-month deal
/// revolving for 6 months, with three triggers. Nothing is collected before maturity and
/// the notes bear no coupon, so no funds are ever available to buy receivables: the
/// denominator of `cumulative_default` stays the closing 20,000 and, with `K_t` receivables
/// defaulted by month t, `cumulative_default = K_t / 20` and the performing balance after
/// month t's collections is `(20 − K_t) × 1,000` before maturity and 0 in month 12.
fn trigger_case() -> (Pool, Assumptions, Deal) {
    use baitiao_abs::scenario::{Trigger, TriggerEffect, TriggerMetric, TriggerTest};
    let mut assumptions = assumptions(0.0, 0.0, 0);
    assumptions.correlation = TRIGGER_RHO;
    let pool = Pool::build_with(
        &bullets(TRIGGER_POOL, 12, TRIGGER_PD),
        &assumptions,
        None,
        "triggers",
    )
    .unwrap();
    let trigger = |metric, test, effect| Trigger {
        metric,
        test,
        effect,
    };
    let deal = deal(
        12,
        6,
        0.0,
        0.0,
        0.0,
        tranches(&[("A", 0.7, Some(0.0)), ("S", 0.3, None)]),
        vec![
            // K_t ≥ 3
            trigger(
                TriggerMetric::CumulativeDefault,
                TriggerTest::Above(0.125),
                TriggerEffect::EarlyAmortization,
            ),
            // K_t ≥ 6
            trigger(
                TriggerMetric::CumulativeDefault,
                TriggerTest::Above(0.275),
                TriggerEffect::Sequential,
            ),
            // K_t ≥ 5 before maturity; in month 12 the matured pool's 0 breaches in every
            // path: the trigger is still tested after the revolving period
            trigger(
                TriggerMetric::PoolBalance,
                TriggerTest::Below(0.79),
                TriggerEffect::EarlyAmortization,
            ),
        ],
    );
    (pool, assumptions, deal)
}

const TRIGGER_POOL: usize = 20;
const TRIGGER_PD: f64 = 0.1;
const TRIGGER_RHO: f64 = 0.2;

/// The smallest number of defaults that breaches each trigger of [`trigger_case`] before
/// maturity.
const TRIGGER_DEFAULTS: [usize; 3] = [3, 6, 5];

#[test]
fn trigger_breach_probabilities_are_weighted_counts_of_the_path_results() {
    use baitiao_abs::metrics::distribution::block_sum;
    use baitiao_abs::metrics::summary::summarize;
    use baitiao_abs::report::tables::{path_results_csv, triggers_csv};
    let (pool, assumptions, deal) = trigger_case();
    // importance sampling (unequal weights) and more paths than one 4,096-path block
    let result = run(&pool, &assumptions, &deal, 5000, 61, true);
    assert!(result.sampling.components.len() > 1, "weights differ");
    let summary = summarize(&result, &deal);
    let weights = result.weights();
    for (k, t) in summary.triggers.iter().enumerate() {
        // the direct count, in the block order every weighted sum uses (SPEC §4.5)
        let count = |within: &dyn Fn(u32) -> bool| {
            block_sum(result.paths.iter().zip(&weights).map(|(p, &w)| {
                if within(p.trigger_breach_month[k]) {
                    w
                } else {
                    0.0
                }
            }))
        };
        let within_revolving = count(&|m| (1..=6).contains(&m));
        let by_legal_final = count(&|m| m >= 1);
        assert_eq!(t.probability_within_revolving_period, within_revolving);
        assert_eq!(t.probability_by_legal_final, by_legal_final);
        assert_eq!(t.probability, by_legal_final);
        assert!(within_revolving > 0.0 && within_revolving < by_legal_final);
        let months: f64 = t.by_month.iter().sum();
        assert!((months - by_legal_final).abs() < 1e-12);
        let first_six: f64 = t.by_month[..6].iter().sum();
        assert!((first_six - within_revolving).abs() < 1e-12);
    }
    // the matured pool breaches `pool_balance_below` in month 12 in every path
    assert!((summary.triggers[2].probability_by_legal_final - 1.0).abs() < 1e-12);

    // the same numbers from the files: path_results.csv's weights and breach months,
    // counted in block order, give triggers.csv's probabilities to the bit
    let parse = |bytes: Vec<u8>| -> (Vec<String>, Vec<Vec<String>>) {
        let text = String::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        (header, rows)
    };
    let (header, rows) = parse(path_results_csv(&result, &deal).unwrap());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (trigger_header, trigger_rows) = parse(triggers_csv(&summary).unwrap());
    let trigger_column = |name: &str| trigger_header.iter().position(|h| h == name).unwrap();
    assert_eq!(trigger_rows.len(), 3 * 12);
    for k in 0..deal.triggers.len() {
        let month_column = column(&format!("trigger_{}_breach_month", k + 1));
        let count = |within: &dyn Fn(u32) -> bool| {
            block_sum(rows.iter().map(|row| {
                let weight: f64 = row[column("weight")].parse().unwrap();
                let month: u32 = row[month_column].parse().unwrap();
                if within(month) { weight } else { 0.0 }
            }))
        };
        for row in &trigger_rows[k * 12..(k + 1) * 12] {
            let value = |name: &str| row[trigger_column(name)].parse::<f64>().unwrap();
            assert_eq!(
                value("probability_within_revolving_period"),
                count(&|m| (1..=6).contains(&m))
            );
            assert_eq!(value("probability_by_legal_final"), count(&|m| m >= 1));
        }
    }
}

#[test]
fn trigger_breach_probabilities_match_the_binomial_mixture() {
    // Plain Monte Carlo against the closed form of `trigger_case`: with K_t defaulted of N,
    // P(breach by month t) = P(K_t ≥ c) = ∫ Σ_{k ≥ c} C(N,k) q_t(z)^k (1 − q_t(z))^(N−k) φ(z) dz,
    // q_t(z) = Φ((Φ⁻¹(F(t)) − √ρ z)/√(1−ρ)), F(t) = 1 − (1 − p)^(t/12); "within the revolving
    // period" is t = 6, "by the legal final" t = 12 (every path for the matured pool's
    // trigger). Tolerance: 4 of the reported standard errors.
    let paths = 4000;
    let (pool, assumptions, deal) = trigger_case();
    let result = run(&pool, &assumptions, &deal, paths, 62, false);
    let summary = baitiao_abs::metrics::summary::summarize(&result, &deal);
    let ln_fact = ln_factorial_table(TRIGGER_POOL);
    let exact = |defaults: usize, months: f64| {
        integrate_over_factor(|z| {
            let q = conditional_pd(TRIGGER_PD, months, TRIGGER_RHO, z);
            (defaults..=TRIGGER_POOL)
                .map(|k| binomial_pmf(&ln_fact, TRIGGER_POOL, k, q))
                .sum()
        })
    };
    for (k, t) in summary.triggers.iter().enumerate() {
        let within = exact(TRIGGER_DEFAULTS[k], 6.0);
        let by_final = if k == 2 {
            1.0
        } else {
            exact(TRIGGER_DEFAULTS[k], 12.0)
        };
        for (what, estimate, se, closed_form) in [
            (
                "within the revolving period",
                t.probability_within_revolving_period,
                t.probability_within_revolving_period_se,
                within,
            ),
            (
                "by the legal final",
                t.probability_by_legal_final,
                t.probability_by_legal_final_se,
                by_final,
            ),
        ] {
            // plain Monte Carlo: the standard error is the binomial √(p(1 − p)/n) (when
            // p is 1, 1 − p is the weights' rounding and the square root magnifies it)
            if closed_form < 1.0 {
                let binomial_se = (estimate * (1.0 - estimate) / paths as f64).sqrt();
                assert!((se - binomial_se).abs() < 1e-12, "{}: se {se}", t.trigger);
            }
            assert!(
                (estimate - closed_form).abs() <= 4.0 * se.max(1e-12),
                "{} {what}: Monte Carlo {estimate} ± {se}, closed form {closed_form}",
                t.trigger
            );
        }
    }
    // the cases are not degenerate: e.g. P(K_6 ≥ 3) ≈ 12.8 %, P(K_12 ≥ 3) ≈ 30.9 %
    assert!((exact(3, 6.0) - 0.128).abs() < 0.001 && (exact(3, 12.0) - 0.309).abs() < 0.001);
}
