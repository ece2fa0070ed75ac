//! Calibration from static-pool history (SPEC §4.6) against known answers: histories built
//! in memory from a documented true model (with and without sampling noise), the PD scale
//! against the deterministic pool itself, and the calibration folder.

use baitiao_abs::calibrate::dispersion::MIN_VINTAGES_AT_M_STAR;
use baitiao_abs::calibrate::{ALL, CalibrationOptions, PdReference, calibrate};
use baitiao_abs::history::{Bucket, History, Vintage, VintageMonth, YearMonth};
use baitiao_abs::normal::{normal_cdf, normal_quantile};
use baitiao_abs::report::calibration::{CalibrationJson, read_vintages_csv, write_calibration};
use baitiao_abs::scenario::calibration::CalibrationFile;
use baitiao_abs::scenario::{Assumptions, Prepayment};
use baitiao_abs::sim::pool::PoolAsset;
use baitiao_abs::sim::schedule::{ScheduleKey, ScheduleTable};
use baitiao_abs::sim::{Collateral, DeterministicCollateral, DeterministicRates, Pool};
use baitiao_abs::tape::Product;
use baitiao_abs::units::cpr_from_smm;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};

/// The true model of the test histories.
///
/// A vintage `v` of originated `O` loses `L_v` of it over its life, on the timing `inc[m]`
/// (share of lifetime charge-offs in month on book `m`, months 4 to 18): `C(m) = O L_v T(m)`
/// with `T` the cumulated `inc`. Charge-offs come through three 30-day buckets with roll
/// rates `rolls`: `D_0(m) = ΔC(m+3) / Π rolls`, `D_1(m) = rolls[0] D_0(m−1)`,
/// `D_2(m) = rolls[1] D_1(m−1)`, so `ΔC(m+1) = rolls[2] D_2(m)`. Recoveries: `r` of every
/// charge-off after exactly `lag` months. Outstanding `OS(m) = O (1 − m/40)`, prepayments
/// `ΔP(m) = smm · OS(m−1)`. Without noise `L_v = p`; with noise `L_v` is Vasicek's
/// large-pool rate `Φ((Φ⁻¹(p) − √ρ Z_v)/√(1−ρ))`, one `Z_v ~ N(0,1)` per vintage.
struct Truth {
    p: f64,
    rho: f64,
    r: f64,
    lag: usize,
    smm: f64,
    rolls: [f64; 3],
}

const WEIGHTS: [f64; 15] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 4.0, 4.0, 3.0, 3.0, 2.0, 2.0, 1.0, 1.0, 1.0,
];

/// `inc[m]` for `m = 0..=60`.
fn increments() -> Vec<f64> {
    let total: f64 = WEIGHTS.iter().sum();
    (0..=60)
        .map(|m| {
            if (4..=18).contains(&m) {
                WEIGHTS[m - 4] / total
            } else {
                0.0
            }
        })
        .collect()
}

const TRUTH: Truth = Truth {
    p: 0.011,
    rho: 0.08,
    r: 0.15,
    lag: 6,
    smm: 0.012,
    rolls: [0.45, 0.7, 0.9],
};

/// `vintages` monthly vintages from 2016-01, observed at a data date that leaves the last
/// one at month 0; each observed to at most `cap` months on book.
fn history(truth: &Truth, vintages: usize, cap: u32, noise_seed: Option<u64>) -> History {
    let inc = increments();
    let mut rng = noise_seed.map(Xoshiro256PlusPlus::seed_from_u64);
    let start = YearMonth {
        year: 2016,
        month: 1,
    };
    let k = normal_quantile(truth.p);
    let product: f64 = truth.rolls.iter().product();
    let vintages = (0..vintages)
        .map(|i| {
            let lifetime = match rng.as_mut() {
                Some(rng) => {
                    let z: f64 = StandardNormal.sample(rng);
                    normal_cdf((k - truth.rho.sqrt() * z) / (1.0 - truth.rho).sqrt())
                }
                None => truth.p,
            };
            let originated = 1e6 * (1.0 + (i % 7) as f64 / 10.0);
            let age = ((vintages - 1 - i) as u32).min(cap);
            let charge = |m: i64| -> f64 {
                // ΔC(m)
                if m < 0 || m as usize >= inc.len() {
                    0.0
                } else {
                    originated * lifetime * inc[m as usize]
                }
            };
            let d0 = |m: i64| if m < 0 { 0.0 } else { charge(m + 3) / product };
            let d1 = |m: i64| truth.rolls[0] * d0(m - 1);
            let d2 = |m: i64| truth.rolls[1] * d1(m - 1);
            let mut c = 0.0;
            let mut cumulative_c = Vec::new();
            let mut prepaid = 0.0;
            let months = (0..=age as i64)
                .map(|m| {
                    c += charge(m);
                    cumulative_c.push(c);
                    let outstanding = |m: i64| originated * (1.0 - m as f64 / 40.0);
                    if m > 0 {
                        prepaid += truth.smm * outstanding(m - 1);
                    }
                    let recovered = if m as usize >= truth.lag {
                        truth.r * cumulative_c[m as usize - truth.lag]
                    } else {
                        0.0
                    };
                    VintageMonth {
                        months_on_book: m as u32,
                        outstanding: outstanding(m),
                        delinquent: vec![d0(m), d1(m), d2(m)],
                        charged_off: c,
                        recovered: Some(recovered),
                        prepaid: Some(prepaid),
                    }
                })
                .collect();
            Vintage {
                vintage: start.plus_months(i as u32),
                segment: ALL.into(),
                originated,
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

fn reference() -> PdReference {
    PdReference {
        product: Product::Installment,
        term_months: 12,
        rate: 0.006,
        pd_12m: 0.02,
    }
}

fn options(seed: u64, resamples: usize) -> CalibrationOptions {
    CalibrationOptions {
        seed,
        bootstrap_resamples: resamples,
        min_vintages_at_m_star: MIN_VINTAGES_AT_M_STAR,
        reference: reference(),
        segment_references: Default::default(),
        reference_tape: None,
    }
}

/// On the expected history (no noise) every estimate equals the true model's: the
/// chain-ladder projection of every vintage (immature ones included), the lifetime rate,
/// the timing curve, roll rates, CPR, recovery rate and lag; ρ = 0 and CV = 0.
#[test]
fn expected_history_gives_back_the_true_model() {
    let truth = TRUTH;
    let h = history(&truth, 120, 36, None);
    let cal = calibrate(&h, &options(1, 200));
    let all = &cal.all;
    assert!(cal.segments.is_empty());
    assert_eq!(all.chain_ladder.longest_age, 36);
    let inc = increments();
    let mut t = 0.0;
    for (m, inc_m) in inc.iter().enumerate().take(37) {
        t += inc_m;
        assert!((all.timing_curve[m] - inc_m).abs() < 1e-9, "timing at {m}");
        for v in &all.vintages {
            assert!(
                (v.projected[m] - truth.p * t).abs() < 1e-9,
                "{} at {m}: {} vs {}",
                v.vintage,
                v.projected[m],
                truth.p * t
            );
        }
    }
    assert!((all.lifetime_charge_off_rate - truth.p).abs() < 1e-9);
    for (got, want) in all.roll_rates.roll.iter().zip(truth.rolls) {
        assert!((got.unwrap() - want).abs() < 1e-9);
    }
    assert_eq!(all.roll_rates.months_to_charge_off, Some(3));
    let cpr = cpr_from_smm(truth.smm);
    assert_eq!(all.cpr_by_mob.len(), 37);
    for cpr_m in &all.cpr_by_mob[1..] {
        assert!((cpr_m.unwrap() - cpr).abs() < 1e-9);
    }
    assert!((all.cpr.unwrap() - cpr).abs() < 1e-9);
    let (r, lag) = all.recovery.unwrap();
    assert!((r - truth.r).abs() < 1e-9);
    assert_eq!(lag as usize, truth.lag);
    assert_eq!(all.m_star, Some(36));
    assert!(all.rho.as_ref().unwrap().estimate.abs() < 1e-20);
    assert!(all.cv.unwrap() < 1e-9);
}

/// A pool of one receivable of the reference's product and term, run by the deterministic
/// pool itself (`DeterministicCollateral`, SPEC §4.4) at the calibrated PD scale and CPR,
/// defaults the calibrated lifetime rate of its balance.
#[test]
fn the_pd_scale_reproduces_the_lifetime_rate_in_the_deterministic_pool() {
    let cal = calibrate(&history(&TRUTH, 120, 36, Some(3)), &options(1, 0));
    let all = &cal.all;
    for product in [Product::Installment, Product::Annuity, Product::Bullet] {
        let reference = PdReference {
            product,
            ..reference()
        };
        let cpr = all.cpr.unwrap();
        let scale = baitiao_abs::calibrate::pd_scale::pd_scale(
            &reference,
            cpr,
            all.lifetime_charge_off_rate,
        )
        .unwrap();
        let mut schedules = ScheduleTable::default();
        let schedule = schedules.intern(ScheduleKey::new(product, 12, reference.rate));
        let pool = Pool {
            assets: vec![PoolAsset {
                balance: 1_000.0,
                monthly_fee: 0.0,
                pd_12m: reference.pd_12m,
                annual_cpr: cpr,
                schedule,
                segment: 0,
            }],
            templates: Vec::new(),
            schedules,
            segments: vec![ALL.into()],
            closing_balance: 1_000.0,
            scale: 1.0,
            ineligible_count: 0,
            ineligible_balance: 0.0,
            longest_template_term: 12,
        };
        let assumptions = Assumptions {
            pd_multiplier: scale,
            correlation: 0.1,
            prepayment: Prepayment::Flat(cpr),
            recovery_rate: 0.0,
            recovery_lag_months: 0,
            yield_haircut: 0.0,
            segments: None,
            calibration: None,
        };
        let rates = DeterministicRates {
            cdr: None,
            cpr: None,
            pd_multiplier: scale,
            default_stress: None,
            cpr_multiple: 1.0,
        };
        let mut collateral = DeterministicCollateral::new(&pool, &assumptions, rates, 12);
        let defaults: f64 = (1..=12).map(|m| collateral.collect(m).defaults).sum();
        assert!(
            (defaults / 1_000.0 - all.lifetime_charge_off_rate).abs() < 1e-9,
            "{product:?}: {} vs {}",
            defaults / 1_000.0,
            all.lifetime_charge_off_rate
        );
    }
}

/// Noisy histories: 120 vintages, the 84 oldest mature at 36 months (m* = 36, past the end
/// of charge-offs at month 18, so each D_v is exactly a Vasicek draw). Over 200 histories:
/// - the lifetime rate is within 4 standard errors of the truth p in each (se = the sample
///   standard deviation of the L_v / √120);
/// - the bootstrap (BCa) 90 % interval of ρ covers the true ρ in 90 % ± 3 binomial standard
///   errors (√(0.9 × 0.1 / 200) = 2.1 %: between 83.6 % and 96.4 %) of them (the percentile
///   interval it replaced covered 172/200).
#[test]
fn noisy_histories_lifetime_within_se_and_rho_interval_covers() {
    let truth = TRUTH;
    let trials = 200;
    let mut covered = 0;
    for trial in 0..trials {
        let h = history(&truth, 120, 36, Some(1_000 + trial));
        let cal = calibrate(&h, &options(trial, 1_000));
        let all = &cal.all;
        assert_eq!(all.m_star, Some(36));
        let lifetimes: Vec<f64> = all
            .vintages
            .iter()
            .map(|v| v.projected_lifetime_rate)
            .collect();
        let n = lifetimes.len() as f64;
        let mean = lifetimes.iter().sum::<f64>() / n;
        let sd = (lifetimes.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!(
            (all.lifetime_charge_off_rate - truth.p).abs() < 4.0 * sd / n.sqrt(),
            "trial {trial}: {} vs {}",
            all.lifetime_charge_off_rate,
            truth.p
        );
        let [lo, hi] = all.rho.as_ref().unwrap().ci90.unwrap();
        if lo <= truth.rho && truth.rho <= hi {
            covered += 1;
        }
    }
    let coverage = covered as f64 / trials as f64;
    eprintln!("rho 90% interval (BCa) coverage: {covered}/{trials}");
    assert!((0.836..=0.964).contains(&coverage), "coverage {coverage}");
}

/// The folder: the three files, each read back by its own type; the same inputs give the
/// same bytes; a foreign folder is refused and left untouched.
#[test]
fn the_calibration_folder_is_written_and_reads_back() {
    let h = history(&TRUTH, 40, 36, Some(9));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("calibration");
    let (path, cal) = write_calibration(&out, &h, "history.csv", "ab12", &options(5, 100)).unwrap();
    let toml_text = std::fs::read_to_string(path.join("calibration.toml")).unwrap();
    eprintln!("{toml_text}");
    assert!(toml_text.starts_with("# calibration.toml"));
    let file: CalibrationFile = toml::from_str(&toml_text).unwrap();
    assert_eq!(
        file.all.lifetime_charge_off_rate,
        cal.all.lifetime_charge_off_rate
    );
    assert_eq!(file.all.rho, cal.all.rho.as_ref().unwrap().estimate);
    assert_eq!(file.source.history_sha256, "ab12");
    assert_eq!(file.source.data_date, "2019-04");
    let json: CalibrationJson =
        serde_json::from_slice(&std::fs::read(path.join("calibration.json")).unwrap()).unwrap();
    assert_eq!(json.all.vintages.len(), 40);
    assert_eq!(json.all.development_factors.len(), 36);
    assert_eq!(json.all.m_star, Some(cal.all.m_star.unwrap()));
    let csv_bytes = std::fs::read(path.join("vintages.csv")).unwrap();
    let header = String::from_utf8_lossy(&csv_bytes)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        header,
        "vintage,segment,months_on_book,observed_cum_charge_off_rate,projected_cum_charge_off_rate,observed_net_loss_rate,observed_prepayment_rate,dpd_1_30_share,dpd_31_60_share,dpd_61_90_share"
    );
    let rows = read_vintages_csv(&csv_bytes).unwrap();
    assert_eq!(rows.len(), 40 * 37);
    let young = rows
        .iter()
        .find(|r| r.vintage == "2019-04" && r.months_on_book == 5)
        .unwrap();
    assert_eq!(young.observed_cum_charge_off_rate, None);
    assert_eq!(young.bucket_shares.len(), 3);
    // again into the same folder: replaced, same bytes
    let again = dir.path().join("again");
    write_calibration(&again, &h, "history.csv", "ab12", &options(5, 100)).unwrap();
    for name in ["calibration.toml", "calibration.json", "vintages.csv"] {
        assert_eq!(
            std::fs::read(path.join(name)).unwrap(),
            std::fs::read(again.join(name)).unwrap(),
            "{name}"
        );
    }
    write_calibration(&out, &h, "history.csv", "ab12", &options(5, 100)).unwrap();
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), b"mine").unwrap();
    let refused = write_calibration(&foreign, &h, "history.csv", "ab12", &options(5, 100));
    assert!(refused.unwrap_err().is_bad_input());
    assert_eq!(std::fs::read(foreign.join("notes.txt")).unwrap(), b"mine");
}

/// Segments are calibrated apart and together: two segments with different lifetime rates
/// give each its own, and `all` their originated-weighted mean.
#[test]
fn segments_and_all() {
    let mut low = history(&Truth { p: 0.01, ..TRUTH }, 30, 36, None);
    let high = history(&Truth { p: 0.03, ..TRUTH }, 30, 36, None);
    for v in &mut low.vintages {
        v.segment = "short".into();
    }
    let mut h = low.clone();
    h.vintages.extend(high.vintages.into_iter().map(|mut v| {
        v.segment = "long".into();
        v
    }));
    let cal = calibrate(&h, &options(1, 50));
    assert_eq!(cal.segments.len(), 2);
    assert!((cal.segments[0].lifetime_charge_off_rate - 0.01).abs() < 1e-9);
    assert!((cal.segments[1].lifetime_charge_off_rate - 0.03).abs() < 1e-9);
    // the same originated amounts in both: all = (0.01 + 0.03) / 2
    assert!((cal.all.lifetime_charge_off_rate - 0.02).abs() < 1e-9);
}

/// `app::calibrate`: the folder and its summary lines; a history too thin for ρ (one
/// vintage) and an empty one are input errors (exit 2), and nothing is written.
#[test]
fn app_calibrate_writes_the_folder_and_rejects_thin_histories() {
    use baitiao_abs::app::{CalibrateRequest, calibrate as run_calibrate};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cal");
    let result = run_calibrate(CalibrateRequest::new(
        history(&TRUTH, 60, 36, Some(4)),
        "h.csv",
        "00",
        out.clone(),
    ))
    .unwrap();
    assert_eq!(result.out_dir, out);
    assert!(out.join("calibration.toml").is_file());
    assert!(
        result.lines[0].starts_with("all: 60 vintages"),
        "{}",
        result.lines[0]
    );
    eprintln!("{}", result.lines[0]);
    let mut thin = history(&TRUTH, 1, 36, None);
    thin.vintages.truncate(1);
    let thin_out = dir.path().join("thin");
    let error = run_calibrate(CalibrateRequest::new(
        thin,
        "thin.csv",
        "00",
        thin_out.clone(),
    ))
    .unwrap_err();
    assert_eq!(error.exit_code(), 2);
    assert!(
        error
            .to_string()
            .contains("thin.csv: segment `all`: ρ cannot be estimated"),
        "{error}"
    );
    assert!(!thin_out.exists());
    let mut empty = history(&TRUTH, 1, 36, None);
    empty.vintages.clear();
    let error = run_calibrate(CalibrateRequest::new(
        empty,
        "e.csv",
        "00",
        thin_out.clone(),
    ))
    .unwrap_err();
    assert_eq!(error.exit_code(), 2);
}

/// The `--expected` history of `gen-history`'s true model (no noise, 72 vintages so the oldest
/// see the whole life): every vintage's chain-ladder projection is its segment's `p` times
/// the true cumulative timing, and the timing curve, roll and cure rates, CPR by month on
/// book, recovery rate and lag are the model's, to 1e-9.
#[test]
fn gen_history_expected_gives_back_its_true_model() {
    use baitiao_abs::history::generate::{TrueModel, generate};
    let model = TrueModel {
        vintages: 72,
        ..TrueModel::default()
    };
    let (h, truth) = generate(&model, 7, true);
    let cal = calibrate(&h, &options(1, 100));
    let timing = model.timing();
    let mut groups: Vec<_> = cal.segments.iter().collect();
    if groups.is_empty() {
        groups.push(&cal.all);
    }
    for group in groups.iter().copied().chain(std::iter::once(&cal.all)) {
        let m_max = group.chain_ladder.longest_age as usize;
        assert!(
            timing.len() <= m_max + 1,
            "the oldest vintage sees the whole life"
        );
        for (m, share) in group.timing_curve.iter().enumerate() {
            let want = timing.get(m).copied().unwrap_or(0.0);
            assert!((share - want).abs() < 1e-9, "{}: timing at {m}", group.name);
        }
        for v in &group.vintages {
            let p = model
                .segments
                .iter()
                .find(|s| s.name == v.segment)
                .unwrap()
                .pd;
            let mut cumulative = 0.0;
            for (m, projected) in v.projected.iter().enumerate() {
                cumulative += timing.get(m).copied().unwrap_or(0.0);
                assert!(
                    (projected - p * cumulative).abs() < 1e-9,
                    "{} {} at {m}",
                    v.segment,
                    v.vintage
                );
            }
        }
        for (got, want) in group.roll_rates.roll.iter().zip(&truth.roll_rates) {
            assert!((got.unwrap() - want).abs() < 1e-9, "{}: roll", group.name);
        }
        for (got, want) in group.roll_rates.cure.iter().zip(&truth.cure_rates) {
            assert!((got.unwrap() - want).abs() < 1e-9, "{}: cure", group.name);
        }
        assert_eq!(
            group.roll_rates.months_to_charge_off,
            Some(model.delay_to_charge_off_months)
        );
        for (m, cpr) in group.cpr_by_mob.iter().enumerate().skip(1) {
            if let Some(cpr) = cpr {
                assert!(
                    (cpr - model.cpr(m as u32)).abs() < 1e-9,
                    "{}: CPR at {m}",
                    group.name
                );
            }
        }
        let (r, lag) = group.recovery.unwrap();
        assert!((r - model.recovery_rate).abs() < 1e-9);
        assert_eq!(lag, model.recovery_lag_months);
    }
}

/// `calibrate --history FILE --out DIR` on a `gen-history` file: exit 0, the three files, a
/// summary per group; bad input is exit 2 with the file named.
#[test]
fn cli_calibrate_on_a_generated_history_and_bad_input() {
    use std::process::Command;
    const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");
    let dir = tempfile::tempdir().unwrap();
    let history_path = dir.path().join("history.csv");
    let status = Command::new(BIN)
        .args(["gen-history", "--seed", "3", "--out"])
        .arg(&history_path)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let out = dir.path().join("cal");
    let run = Command::new(BIN)
        .args(["calibrate", "--bootstrap", "200", "--history"])
        .arg(&history_path)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("all: "), "{stdout}");
    let file: CalibrationFile =
        toml::from_str(&std::fs::read_to_string(out.join("calibration.toml")).unwrap()).unwrap();
    assert_eq!(file.source.history, history_path.display().to_string());
    assert_eq!(file.source.history_sha256.len(), 64);
    assert!(out.join("calibration.json").is_file() && out.join("vintages.csv").is_file());

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "vintage,months_on_book,originated,outstanding,charged_off\n2020-01,0,100,100,5\n2020-01,1,100,90,4\n",
    )
    .unwrap();
    for args in [
        vec!["calibrate", "--history", bad.to_str().unwrap()],
        vec!["calibrate", "--history", "/nonexistent/history.csv"],
        vec![
            "calibrate",
            "--bootstrap",
            "0",
            "--history",
            history_path.to_str().unwrap(),
        ],
    ] {
        let run = Command::new(BIN)
            .args(&args)
            .arg("--out")
            .arg(dir.path().join("never"))
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert!(!dir.path().join("never").exists());
    }
}

/// The calibration the `calibrated` scenario reads is what `calibrate` makes of the history
/// shipped beside it: `data/base_calibration.toml` is reproduced byte for byte from
/// `data/history.csv` (and that history from `gen-history --seed 7`), so no number in it is
/// typed by hand.
#[test]
fn the_shipped_calibration_is_reproduced_from_the_shipped_history() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_baitiao-abs"))
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let history = dir.path().join("history.csv");
    run(&[
        "gen-history",
        "--seed",
        "7",
        "--out",
        history.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&history).unwrap(),
        std::fs::read(root.join("data/history.csv")).unwrap(),
        "data/history.csv is gen-history --seed 7"
    );
    let out = dir.path().join("cal");
    run(&[
        "calibrate",
        "--history",
        "data/history.csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(out.join("calibration.toml")).unwrap(),
        std::fs::read_to_string(root.join("data/base_calibration.toml")).unwrap()
    );
    // the charts and calibration.html are written into the folder and listed in its manifest
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    for chart in [
        "charts/vintage_curves.png",
        "charts/vintage_curves.svg",
        "charts/roll_rates.png",
        "charts/roll_rates.svg",
        "charts/vasicek_fit.png",
        "charts/vasicek_fit.svg",
        "calibration.html",
    ] {
        let size = std::fs::metadata(out.join(chart))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(size > 1000, "{chart}: {size} bytes");
        assert!(manifest.contains(chart), "{manifest}");
    }
}

/// The Vasicek chart shows exactly the observations ρ was fitted on: the rates at m* it
/// reads from `vintages.csv`'s rows give back `calibration.json`'s ρ and p̂ when fitted
/// again (84 vintages reach m* = 36: ages min(119 − i, 36)).
#[test]
fn the_vasicek_chart_shows_the_rates_rho_was_fitted_on() {
    use baitiao_abs::calibrate::dispersion::vasicek_mle;
    use baitiao_abs::report::calibration::{calibration_json, vintage_rows};
    use baitiao_abs::report::charts::vasicek::vasicek_fit;
    use baitiao_abs::scenario::calibration::CalibrationSource;
    let opts = options(3, 200);
    let cal = calibrate(&history(&TRUTH, 120, 36, Some(11)), &opts);
    let source = CalibrationSource {
        history: "h.csv".into(),
        history_sha256: "00".into(),
        data_date: "2025-12".into(),
        tool: "baitiao-abs".into(),
        version: "test".into(),
    };
    let json = calibration_json(&cal, &source, &opts);
    let fit = vasicek_fit(&json.all, ALL, &vintage_rows(&cal)).unwrap();
    assert_eq!(fit.m_star, 36);
    assert_eq!(fit.rates.len(), 84);
    assert_eq!(fit.excluded, 0);
    let again = vasicek_mle(&fit.rates).unwrap();
    assert_eq!(Some(again.rho), json.all.rho.estimate);
    assert_eq!(Some(again.p), json.all.rho.p_at_m_star);
    assert_eq!(fit.rho_ci90, json.all.rho.ci90);
}

/// The calibration folder's files load in pandas (and the standard library's TOML reader)
/// with the types a user expects: `vintages.csv` with numeric columns, `calibration.json`'s
/// vintages and development factors as data frames, `calibration.toml` as numbers, and the
/// manifest listing every file. The numbers pandas reads are the ones written.
///
/// Needs python3 with pandas: under CI (`CI` set; `.ci/run` installs pandas) a missing one
/// fails the test, elsewhere the test says it skipped.
#[test]
fn the_calibration_folder_loads_in_pandas() {
    use std::process::Command;
    let has_pandas = Command::new("python3")
        .args(["-c", "import pandas, tomllib"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pandas {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have python3 with pandas: .ci/run installs it"
        );
        println!("SKIPPED pandas test: no python3 with pandas here (CI installs it)");
        return;
    }
    let h = history(&TRUTH, 40, 36, Some(9));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("calibration");
    let (path, cal) = write_calibration(&out, &h, "history.csv", "ab12", &options(5, 100)).unwrap();
    let script = r#"
import json, sys, tomllib, pathlib
import pandas as pd
folder = pathlib.Path(sys.argv[1])
v = pd.read_csv(folder / "vintages.csv")
numeric = [c for c in v.columns if c not in ("vintage", "segment")]
assert all(pd.api.types.is_numeric_dtype(v[c]) for c in numeric), v.dtypes
assert pd.api.types.is_integer_dtype(v["months_on_book"]), v.dtypes
data = json.loads((folder / "calibration.json").read_text())
vintages = pd.DataFrame(data["all"]["vintages"])
factors = pd.json_normalize(data["all"]["development_factors"])
assert pd.api.types.is_numeric_dtype(vintages["projected_lifetime_rate"])
assert pd.api.types.is_numeric_dtype(factors["factor"])
toml = tomllib.loads((folder / "calibration.toml").read_text())
manifest = json.loads((folder / "manifest.json").read_text())
for name in manifest["files"]:
    assert (folder / name).is_file(), name
weights = vintages["originated"] / vintages["originated"].sum()
print(json.dumps({
    "rows": len(v),
    "columns": list(v.columns),
    "projected_sum": float(v["projected_cum_charge_off_rate"].sum()),
    "observed_count": int(v["observed_cum_charge_off_rate"].notna().sum()),
    "weighted_lifetime": float((weights * vintages["projected_lifetime_rate"]).sum()),
    "factors": len(factors),
    "rho": toml["all"]["rho"],
    "files": manifest["files"],
}))
"#;
    let run = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "pandas could not load the folder: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let rows = read_vintages_csv(&std::fs::read(path.join("vintages.csv")).unwrap()).unwrap();
    assert_eq!(got["rows"], rows.len());
    assert_eq!(got["columns"].as_array().unwrap().len(), 7 + 3);
    let projected: f64 = rows.iter().map(|r| r.projected_cum_charge_off_rate).sum();
    assert!((got["projected_sum"].as_f64().unwrap() - projected).abs() < 1e-9 * projected);
    let observed = rows
        .iter()
        .filter(|r| r.observed_cum_charge_off_rate.is_some())
        .count();
    assert_eq!(got["observed_count"], observed);
    // the originated-weighted projected lifetime rates are the base case's lifetime rate
    let lifetime = cal.all.lifetime_charge_off_rate;
    assert!((got["weighted_lifetime"].as_f64().unwrap() - lifetime).abs() < 1e-12);
    assert_eq!(got["factors"], 36);
    // within a unit in the last place: serde_json's default float parsing may round the
    // last digit of Python's shortest repr differently
    let rho = cal.all.rho.as_ref().unwrap().estimate;
    assert!((got["rho"].as_f64().unwrap() - rho).abs() <= 2.0 * f64::EPSILON * rho);
    let files: Vec<&str> = got["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for name in [
        "calibration.html",
        "calibration.json",
        "calibration.toml",
        "vintages.csv",
        "charts/roll_rates.svg",
        "charts/vasicek_fit.png",
        "charts/vintage_curves.png",
    ] {
        assert!(files.contains(&name), "{files:?}");
    }
}

/// `calibrate --tape FILE`: each history segment that is a `segment` of the tape takes its
/// PD reference from that segment's receivables, the rest (`all`, and a segment the tape
/// lacks, with a warning) from the whole tape; calibration.json and calibration.html name
/// the tape. A bad tape is exit 2 with nothing written.
#[test]
fn cli_calibrate_takes_segment_references_from_a_tape() {
    use baitiao_abs::app::calibrate::TapeReferences;
    use std::process::Command;
    const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let params = d.join("params.toml");
    std::fs::write(
        &params,
        "vintages = 40\nsegments = [{ name = \"core\", pd = 0.011 }, { name = \"young\", pd = 0.02 }, { name = \"other\", pd = 0.015 }]\n",
    )
    .unwrap();
    let history = d.join("history.csv");
    let tape = d.join("tape.csv");
    for args in [
        vec![
            "gen-history",
            "--seed",
            "5",
            "--params",
            params.to_str().unwrap(),
            "--out",
            history.to_str().unwrap(),
        ],
        vec![
            "gen-tape",
            "--receivables",
            "3000",
            "--seed",
            "4",
            "--out",
            tape.to_str().unwrap(),
        ],
    ] {
        let run = Command::new(BIN).args(&args).output().unwrap();
        assert!(
            run.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let out = d.join("cal");
    let run = Command::new(BIN)
        .args(["calibrate", "--bootstrap", "50", "--history"])
        .arg(&history)
        .arg("--tape")
        .arg(&tape)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("no eligible receivable of segment `other`"),
        "{stderr}"
    );
    let json: CalibrationJson =
        serde_json::from_slice(&std::fs::read(out.join("calibration.json")).unwrap()).unwrap();
    assert_eq!(
        json.pd_reference_tape.as_deref(),
        Some(tape.to_str().unwrap())
    );
    let receivables = baitiao_abs::tape::read_tape(&tape).unwrap().receivables;
    let own = |segment: &str| {
        let of: Vec<_> = receivables
            .iter()
            .filter(|r| r.segment == segment)
            .cloned()
            .collect();
        PdReference::from_receivables(&of).unwrap()
    };
    let whole = PdReference::from_receivables(&receivables).unwrap();
    let as_json = |r: &baitiao_abs::report::calibration::PdReferenceJson| PdReference {
        product: r.product,
        term_months: r.term_months,
        rate: r.rate,
        pd_12m: r.pd_12m,
    };
    // equal to the last unit or two: serde_json's default float parsing may round the last
    // digit differently
    let same = |got: PdReference, want: PdReference| {
        let close = |a: f64, b: f64| (a - b).abs() <= 4.0 * f64::EPSILON * b.abs();
        assert!(
            got.product == want.product
                && got.term_months == want.term_months
                && close(got.rate, want.rate)
                && close(got.pd_12m, want.pd_12m),
            "{got:?} vs {want:?}"
        );
    };
    same(as_json(&json.all.pd_reference), whole);
    same(as_json(&json.segments["core"].pd_reference), own("core"));
    same(as_json(&json.segments["young"].pd_reference), own("young"));
    same(as_json(&json.segments["other"].pd_reference), whole);
    assert_ne!(own("core").pd_12m, own("young").pd_12m);
    // the same through the library
    let references =
        TapeReferences::from_tape(&receivables, &["all", "core", "young", "other"]).unwrap();
    assert_eq!(references.missing, ["other"]);
    let html = std::fs::read_to_string(out.join("calibration.html")).unwrap();
    assert!(
        html.contains(&format!("--tape {}", tape.display())),
        "no --tape in the command"
    );

    let bad = d.join("bad_tape.csv");
    std::fs::write(&bad, "id,product\nR1,loan\n").unwrap();
    let run = Command::new(BIN)
        .args(["calibrate", "--history"])
        .arg(&history)
        .arg("--tape")
        .arg(&bad)
        .arg("--out")
        .arg(d.join("never"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("bad_tape.csv"));
    assert!(!d.join("never").exists());
}

/// The BCa interval (the one `calibrate` writes) covers the true ρ more often than the
/// percentile interval, on the same resamples of the same samples: 1,000 samples of n = 12
/// vintages' probits (as many as reach m* in the shipped history) `Φ⁻¹(D_v)`, which under the model are normal with variance ρ/(1−ρ) (both
/// intervals see only the probits). Of the discordant samples, `b` are covered by BCa alone
/// and `c` by the percentile interval alone; were the two equally good, `b` would be
/// Bin(b + c, ½), so BCa is better beyond 3 standard errors when b − c > 3 √(b + c).
/// (Coverage on 2,000 such samples: BCa 78 %, percentile 69 %; both below 90 % at this size,
/// which calibration.html says.)
#[test]
fn bca_covers_rho_better_than_the_percentile_interval() {
    use baitiao_abs::calibrate::dispersion::{bootstrap_rho_ci90, bootstrap_rho_ci90_bca};
    let (n, rho, samples) = (12, 0.1_f64, 1_000);
    let sigma = (rho / (1.0 - rho)).sqrt();
    let mu = normal_quantile(0.015) / (1.0 - rho).sqrt();
    let (mut bca_only, mut percentile_only, mut bca_covers) = (0, 0, 0);
    for sample in 0..samples {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(50_000 + sample);
        let y: Vec<f64> = (0..n)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                mu + sigma * z
            })
            .collect();
        let covers = |[lo, hi]: [f64; 2]| lo <= rho && rho <= hi;
        let bca = covers(bootstrap_rho_ci90_bca(&y, 1_000, sample, ALL).unwrap());
        let percentile = covers(bootstrap_rho_ci90(&y, 1_000, sample, ALL).unwrap());
        bca_covers += usize::from(bca);
        match (bca, percentile) {
            (true, false) => bca_only += 1,
            (false, true) => percentile_only += 1,
            _ => {}
        }
    }
    eprintln!(
        "n = {n}: BCa covers {bca_covers}/{samples}; discordant: BCa only {bca_only}, percentile only {percentile_only}"
    );
    let (b, c) = (bca_only as f64, percentile_only as f64);
    assert!(b - c > 3.0 * (b + c).sqrt(), "BCa {b} vs percentile {c}");
}
