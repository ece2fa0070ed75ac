//! `calibrate` (issue 14, SPEC §4.6) on 120 monthly vintages observed up to 36 months on book
//! (84 of them mature at 36 months), three delinquency buckets, recoveries and prepayments,
//! with 1,000 bootstrap resamples: the estimation alone, and with its folder
//! (`calibration.toml`, `calibration.json`, `vintages.csv`, the three charts and
//! `calibration.html`) written. Target ≤ 2 s.

use baitiao_abs::calibrate::dispersion::MIN_VINTAGES_AT_M_STAR;
use baitiao_abs::calibrate::{ALL, CalibrationOptions, PdReference, calibrate};
use baitiao_abs::history::{Bucket, History, Vintage, VintageMonth, YearMonth};
use baitiao_abs::normal::{normal_cdf, normal_quantile};
use baitiao_abs::report::calibration::write_calibration;
use baitiao_abs::rng::splitmix64;
use baitiao_abs::tape::Product;
use criterion::{Criterion, criterion_group, criterion_main};

/// Vasicek lifetime rates (p = 1.1 %, ρ = 0.08) on a triangular timing from month 4 to 18,
/// charge-offs through three buckets (rolls 0.45, 0.7, 0.9), 15 % recovered 6 months later,
/// SMM 1.2 % of the outstanding `O (1 − m/40)`.
fn history(vintages: usize, cap: u32) -> History {
    let weights = [1., 2., 3., 4., 5., 5., 4., 4., 3., 3., 2., 2., 1., 1., 1.];
    let total: f64 = weights.iter().sum();
    let inc = |m: i64| {
        if (4..=18).contains(&m) {
            weights[(m - 4) as usize] / total
        } else {
            0.0
        }
    };
    let (k, rho, rolls) = (normal_quantile(0.011), 0.08_f64, [0.45, 0.7, 0.9]);
    let start = YearMonth {
        year: 2016,
        month: 1,
    };
    let vintages = (0..vintages)
        .map(|i| {
            // a standard normal from two uniforms (Box–Muller), seeded by the vintage
            let u = |s: u64| (splitmix64(s) >> 11) as f64 / (1u64 << 53) as f64 + 1e-17;
            let z = (-2.0 * u(2 * i as u64).ln()).sqrt()
                * (2.0 * std::f64::consts::PI * u(2 * i as u64 + 1)).cos();
            let lifetime = normal_cdf((k - rho.sqrt() * z) / (1.0 - rho).sqrt());
            let o = 1e6;
            let age = ((vintages - 1 - i) as u32).min(cap) as i64;
            let charge = |m: i64| o * lifetime * inc(m);
            let d0 = |m: i64| charge(m + 3) / (rolls[0] * rolls[1] * rolls[2]);
            let (mut c, mut p, mut cs) = (0.0, 0.0, Vec::new());
            let months = (0..=age)
                .map(|m| {
                    c += charge(m);
                    cs.push(c);
                    if m > 0 {
                        p += 0.012 * o * (1.0 - (m - 1) as f64 / 40.0);
                    }
                    VintageMonth {
                        months_on_book: m as u32,
                        outstanding: o * (1.0 - m as f64 / 40.0),
                        delinquent: vec![
                            d0(m),
                            rolls[0] * d0(m - 1),
                            rolls[0] * rolls[1] * d0(m - 2),
                        ],
                        charged_off: c,
                        recovered: Some(if m >= 6 {
                            0.15 * cs[m as usize - 6]
                        } else {
                            0.0
                        }),
                        prepaid: Some(p),
                    }
                })
                .collect();
            Vintage {
                vintage: start.plus_months(i as u32),
                segment: ALL.into(),
                originated: o,
                months,
            }
        })
        .collect();
    History {
        buckets: (0..3)
            .map(|k| Bucket {
                first_day: 30 * k + 1,
                last_day: 30 * (k + 1),
            })
            .collect(),
        vintages,
        has_recovered: true,
        has_prepaid: true,
    }
}

fn calibrate_120x36(c: &mut Criterion) {
    let h = history(120, 36);
    let options = CalibrationOptions {
        seed: 20_151_024,
        bootstrap_resamples: 1_000,
        min_vintages_at_m_star: MIN_VINTAGES_AT_M_STAR,
        reference: PdReference {
            product: Product::Installment,
            term_months: 12,
            rate: 0.006,
            pd_12m: 0.02,
        },
        segment_references: Default::default(),
        reference_tape: None,
    };
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let mut group = c.benchmark_group("calibrate_120x36");
    group.sample_size(20);
    group.bench_function("estimate_bootstrap_1000", |b| {
        b.iter(|| calibrate(&h, &options))
    });
    let mut run = 0;
    group.bench_function("estimate_and_write_folder", |b| {
        b.iter(|| {
            run += 1;
            let out = scratch.path().join(format!("calibration-{run}"));
            write_calibration(&out, &h, "history.csv", "0", &options).expect("written")
        })
    });
    group.finish();
}

criterion_group!(benches, calibrate_120x36);
criterion_main!(benches);
