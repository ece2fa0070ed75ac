//! Fitting the credit model (SPEC §3): IRLS against an independent Newton–Raphson, recovery of
//! known coefficients on simulated data, standard errors against their empirical spread,
//! thread-count invariance, the typed errors (separation, collinearity, bad input), and the
//! performance figures on a known true model.

use baitiao_abs::credit::fit::{FitError, FitOptions, LogisticFit, fit_logistic};
use baitiao_abs::credit::performance::{
    auc, calibration_table, discrimination, holdout_split, wilson_interval,
};
use baitiao_abs::units::score_from_pd;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// Coefficients of the simulated true model: intercept first, then one per feature of
/// [`simulate`].
const TRUE_BETA: [f64; 9] = [-1.3, 0.8, -0.5, 0.7, -1.2, 0.15, 0.3, 1.0, -0.004];
const FEATURES: usize = 8;

fn feature_names(count: usize) -> Vec<String> {
    (0..count).map(|j| format!("x{j}")).collect()
}

fn sigmoid(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

struct Simulated {
    rows: Vec<f64>,
    outcomes: Vec<bool>,
    true_pd: Vec<f64>,
}

/// `n` rows of eight features of different kinds (standard normals, binaries, a uniform, a
/// shifted normal, a feature correlated with another, a score-like feature around 500) and
/// outcomes drawn from the logistic model with [`TRUE_BETA`]; default rate about 7 %.
fn simulate(n: usize, seed: u64) -> Simulated {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(n * FEATURES);
    let mut outcomes = Vec::with_capacity(n);
    let mut true_pd = Vec::with_capacity(n);
    for _ in 0..n {
        let normal = |rng: &mut Xoshiro256PlusPlus| -> f64 { StandardNormal.sample(rng) };
        let x0 = normal(&mut rng);
        let x1 = normal(&mut rng);
        let x2 = f64::from(u8::from(rng.random::<f64>() < 0.3));
        let x3 = rng.random::<f64>();
        let x4 = 2.0 + 1.5 * normal(&mut rng);
        let x5 = 0.6 * x0 + 0.8 * normal(&mut rng);
        let x6 = f64::from(u8::from(rng.random::<f64>() < 0.1));
        let x7 = 500.0 + 100.0 * normal(&mut rng);
        let row = [x0, x1, x2, x3, x4, x5, x6, x7];
        let eta = TRUE_BETA[0]
            + row
                .iter()
                .zip(&TRUE_BETA[1..])
                .map(|(x, b)| x * b)
                .sum::<f64>();
        let pd = sigmoid(eta);
        rows.extend_from_slice(&row);
        outcomes.push(rng.random::<f64>() < pd);
        true_pd.push(pd);
    }
    Simulated {
        rows,
        outcomes,
        true_pd,
    }
}

fn all_parameters(fit: &LogisticFit) -> Vec<f64> {
    std::iter::once(fit.intercept)
        .chain(fit.coefficients.iter().copied())
        .collect()
}

/// Plain Newton–Raphson on the raw (unscaled) design with Gaussian elimination: an independent
/// implementation to check the IRLS (which standardizes, runs in parallel chunks and uses
/// Cholesky). Returns the estimate and the inverse information.
fn newton_raphson(rows: &[f64], outcomes: &[bool], k: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let p = k + 1;
    let mut beta = vec![0.0; p];
    let mut inverse = vec![vec![0.0; p]; p];
    for _ in 0..40 {
        let mut hessian = vec![vec![0.0; p]; p];
        let mut gradient = vec![0.0; p];
        for (i, &y) in outcomes.iter().enumerate() {
            let x: Vec<f64> = std::iter::once(1.0)
                .chain(rows[i * k..(i + 1) * k].iter().copied())
                .collect();
            let eta: f64 = x.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let prob = sigmoid(eta);
            for a in 0..p {
                gradient[a] += (f64::from(u8::from(y)) - prob) * x[a];
                for b in 0..p {
                    hessian[a][b] += prob * (1.0 - prob) * x[a] * x[b];
                }
            }
        }
        inverse = invert(hessian);
        for a in 0..p {
            beta[a] += (0..p).map(|b| inverse[a][b] * gradient[b]).sum::<f64>();
        }
    }
    (beta, inverse)
}

/// Gauss–Jordan inversion with partial pivoting.
fn invert(mut matrix: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = matrix.len();
    let mut inverse: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for column in 0..n {
        let pivot = (column..n)
            .max_by(|&a, &b| matrix[a][column].abs().total_cmp(&matrix[b][column].abs()))
            .expect("non-empty");
        matrix.swap(column, pivot);
        inverse.swap(column, pivot);
        let scale = matrix[column][column];
        for j in 0..n {
            matrix[column][j] /= scale;
            inverse[column][j] /= scale;
        }
        for row in 0..n {
            if row != column {
                let factor = matrix[row][column];
                for j in 0..n {
                    matrix[row][j] -= factor * matrix[column][j];
                    inverse[row][j] -= factor * inverse[column][j];
                }
            }
        }
    }
    inverse
}

#[test]
fn irls_matches_an_independent_newton_raphson() {
    let data = simulate(3_000, 1);
    let (beta, inverse) = newton_raphson(&data.rows, &data.outcomes, FEATURES);
    let fit = fit_logistic(
        &data.rows,
        &data.outcomes,
        &feature_names(FEATURES),
        FitOptions::default(),
    )
    .expect("well-posed");
    assert!(fit.converged);
    for (j, (ours, theirs)) in all_parameters(&fit).iter().zip(&beta).enumerate() {
        assert!(
            (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0),
            "parameter {j}: IRLS {ours} vs Newton–Raphson {theirs}"
        );
        let se = inverse[j][j].sqrt();
        assert!(
            (fit.standard_errors[j] - se).abs() <= 1e-7 * se,
            "standard error {j}: {} vs {se}",
            fit.standard_errors[j]
        );
    }
}

#[test]
fn recovers_true_coefficients_on_200k_rows_and_ranks_like_the_true_model() {
    let data = simulate(200_000, 20_261_125);
    let split = holdout_split(data.outcomes.len(), 0.3, 5).expect("valid share");
    let train_rows: Vec<f64> = split
        .train
        .iter()
        .flat_map(|&i| data.rows[i * FEATURES..(i + 1) * FEATURES].iter().copied())
        .collect();
    let train_outcomes: Vec<bool> = split.train.iter().map(|&i| data.outcomes[i]).collect();
    let fit = fit_logistic(
        &train_rows,
        &train_outcomes,
        &feature_names(FEATURES),
        FitOptions::default(),
    )
    .expect("well-posed");
    assert!(fit.converged);
    assert!(fit.iterations <= 10, "{} iterations", fit.iterations);
    for (j, (estimate, truth)) in all_parameters(&fit).iter().zip(TRUE_BETA).enumerate() {
        let z = (estimate - truth) / fit.standard_errors[j];
        assert!(
            z.abs() < 3.0,
            "parameter {j}: {estimate} vs true {truth}, z = {z}"
        );
    }
    assert!(fit.log_likelihood > fit.null_log_likelihood);

    // Hold-out AUC of the fitted model within 0.01 of the true model's (issue 4).
    let test_outcomes: Vec<bool> = split.test.iter().map(|&i| data.outcomes[i]).collect();
    let fitted_pd: Vec<f64> = split
        .test
        .iter()
        .map(|&i| fit.probability(&data.rows[i * FEATURES..(i + 1) * FEATURES]))
        .collect();
    let true_pd: Vec<f64> = split.test.iter().map(|&i| data.true_pd[i]).collect();
    let fitted = discrimination(&fitted_pd, &test_outcomes).expect("two classes");
    let truth = discrimination(&true_pd, &test_outcomes).expect("two classes");
    assert!(
        (fitted.auc - truth.auc).abs() < 0.01,
        "fitted AUC {} vs true {}",
        fitted.auc,
        truth.auc
    );
    assert!(
        fitted.auc > 0.75,
        "a model this strong ranks well: {fitted:?}"
    );
    assert!((fitted.gini - (2.0 * fitted.auc - 1.0)).abs() < 1e-15);
    assert!(
        fitted.ks > 0.3 && fitted.ks < fitted.gini + 0.1,
        "{fitted:?}"
    );
}

#[test]
fn standard_errors_agree_with_the_spread_over_replications() {
    // z = (estimate − truth)/SE should have variance 1 if the standard errors are right. Over 40
    // replications × 9 parameters, the mean of z² has a standard deviation of about
    // √(2/360) ≈ 0.075, so [0.75, 1.3] holds with room to spare for correct standard errors and
    // fails when they are off by 20 % either way (mean z² 0.69 or 1.44).
    let replications = 40;
    let mut sum_z2 = 0.0;
    for replication in 0..replications {
        let data = simulate(10_000, 1_000 + replication);
        let fit = fit_logistic(
            &data.rows,
            &data.outcomes,
            &feature_names(FEATURES),
            FitOptions::default(),
        )
        .expect("well-posed");
        for (j, (estimate, truth)) in all_parameters(&fit).iter().zip(TRUE_BETA).enumerate() {
            sum_z2 += ((estimate - truth) / fit.standard_errors[j]).powi(2);
        }
    }
    let mean_z2 = sum_z2 / (replications as f64 * TRUE_BETA.len() as f64);
    assert!((0.75..1.3).contains(&mean_z2), "mean z² = {mean_z2}");
}

#[test]
fn fit_is_bit_identical_for_one_and_two_threads() {
    let data = simulate(100_000, 77);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| {
                fit_logistic(
                    &data.rows,
                    &data.outcomes,
                    &feature_names(FEATURES),
                    FitOptions::default(),
                )
                .expect("well-posed")
            })
    };
    let bits = |fit: &LogisticFit| -> Vec<u64> {
        all_parameters(fit)
            .iter()
            .chain(&fit.standard_errors)
            .chain([&fit.log_likelihood])
            .map(|v| v.to_bits())
            .collect()
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(bits(&one), bits(&two));
    assert_eq!(one.iterations, two.iterations);
}

#[test]
fn true_model_is_calibrated_within_wilson_intervals_and_a_scaled_one_is_not() {
    let data = simulate(200_000, 4_242);
    let scores: Vec<f64> = data.true_pd.iter().map(|&pd| score_from_pd(pd)).collect();
    let bands: Vec<f64> = (0..8).map(|b| 540.0 + 20.0 * f64::from(b)).collect();
    let table =
        calibration_table(&data.true_pd, &data.outcomes, &scores, &bands).expect("valid input");
    assert_eq!(table.len(), bands.len() + 1);
    assert_eq!(
        table.iter().map(|band| band.count).sum::<u64>(),
        data.outcomes.len() as u64
    );
    // Each band misses with probability 5 %: allow one miss of nine (P(≥ 2) ≈ 7 %; the seed
    // is fixed, so the outcome is too).
    let misses = table
        .iter()
        .filter(|band| !band.predicted_within_interval)
        .count();
    assert!(misses <= 1, "{table:#?}");

    // A model predicting 1.5 × the true PD must show up as miscalibrated.
    let inflated: Vec<f64> = data.true_pd.iter().map(|pd| (1.5 * pd).min(1.0)).collect();
    let table = calibration_table(&inflated, &data.outcomes, &scores, &bands).expect("valid input");
    let misses = table
        .iter()
        .filter(|band| !band.predicted_within_interval)
        .count();
    assert!(misses >= 6, "{table:#?}");
}

#[test]
fn one_separating_feature_is_named() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let n = 2_000;
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    for _ in 0..n {
        let defaulted = rng.random::<f64>() < 0.1;
        let noise: f64 = StandardNormal.sample(&mut rng);
        // Every default has days_late ≥ 30, every non-default ≤ 30: quasi-complete separation.
        let days_late = if defaulted {
            30.0 + 60.0 * rng.random::<f64>()
        } else {
            30.0 * rng.random::<f64>()
        };
        rows.extend_from_slice(&[noise, days_late]);
        outcomes.push(defaulted);
    }
    let names = vec!["noise".to_string(), "days_late".to_string()];
    let err = fit_logistic(&rows, &outcomes, &names, FitOptions::default())
        .expect_err("separation must be reported");
    assert!(
        matches!(&err, FitError::SeparatingFeature { feature, .. } if feature == "days_late"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("`days_late`") && !message.contains('\n'),
        "{message}"
    );
}

#[test]
fn separation_by_a_combination_of_features_is_named() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let n = 2_000;
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    for _ in 0..n {
        let utilization: f64 = StandardNormal.sample(&mut rng);
        let missed: f64 = StandardNormal.sample(&mut rng);
        let tenure: f64 = StandardNormal.sample(&mut rng);
        rows.extend_from_slice(&[tenure, utilization, missed]);
        // Defaults exactly when utilization + missed > 1: neither feature separates alone.
        outcomes.push(utilization + missed > 1.0);
    }
    let names: Vec<String> = ["tenure", "utilization", "missed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let err = fit_logistic(&rows, &outcomes, &names, FitOptions::default())
        .expect_err("separation must be reported");
    match &err {
        FitError::Separation {
            features,
            saturated_rows,
            ..
        } => {
            let mut named = features.clone();
            named.sort();
            assert_eq!(named, vec!["missed", "utilization"], "{err}");
            assert!(*saturated_rows > 0);
        }
        other => panic!("expected separation, got {other:?}"),
    }
}

#[test]
fn exact_collinearity_names_both_features() {
    let data = simulate(5_000, 8);
    // Replace x5 with 2 × x1.
    let mut rows = data.rows.clone();
    for row in rows.chunks_mut(FEATURES) {
        row[5] = 2.0 * row[1];
    }
    let err = fit_logistic(
        &rows,
        &data.outcomes,
        &feature_names(FEATURES),
        FitOptions::default(),
    )
    .expect_err("collinear design");
    assert!(
        matches!(&err, FitError::Collinear { feature, with, .. } if feature == "x5" && with == &["x1"]),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("`x5`") && message.contains("`x1`"),
        "{message}"
    );

    // A combination of three: x7 = x0 − 3·x4 + 10.
    let mut rows = data.rows.clone();
    for row in rows.chunks_mut(FEATURES) {
        row[7] = row[0] - 3.0 * row[4] + 10.0;
    }
    let err = fit_logistic(
        &rows,
        &data.outcomes,
        &feature_names(FEATURES),
        FitOptions::default(),
    )
    .expect_err("collinear design");
    assert!(
        matches!(&err, FitError::Collinear { feature, with, .. } if feature == "x7" && with == &["x0", "x4"]),
        "{err:?}"
    );
}

#[test]
fn near_collinearity_is_an_error_but_strong_correlation_is_not() {
    let data = simulate(5_000, 13);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(14);
    let names = feature_names(FEATURES);
    // x2 = x0 + 10⁻⁶·noise: 1 − R² ≈ 10⁻¹², below the 10⁻⁹ threshold.
    let mut near = data.rows.clone();
    // x2 = x0 + 0.03·noise: correlation 0.9995, 1 − R² ≈ 10⁻³; estimable, with wide errors.
    let mut strong = data.rows.clone();
    for (near_row, strong_row) in near.chunks_mut(FEATURES).zip(strong.chunks_mut(FEATURES)) {
        let noise: f64 = StandardNormal.sample(&mut rng);
        near_row[2] = near_row[0] + 1e-6 * noise;
        strong_row[2] = strong_row[0] + 0.03 * noise;
    }
    let err = fit_logistic(&near, &data.outcomes, &names, FitOptions::default())
        .expect_err("near-singular design");
    assert!(
        matches!(&err, FitError::Collinear { feature, with, .. } if feature == "x2" && with == &["x0"]),
        "{err:?}"
    );
    let fit = fit_logistic(&strong, &data.outcomes, &names, FitOptions::default())
        .expect("correlated but estimable");
    assert!(fit.converged);
    assert!(fit.standard_errors[3] > 10.0 * fit.standard_errors[2]);
}

#[test]
fn constant_feature_is_named() {
    let data = simulate(1_000, 2);
    let mut rows = data.rows.clone();
    for row in rows.chunks_mut(FEATURES) {
        row[3] = 1.0;
    }
    let err = fit_logistic(
        &rows,
        &data.outcomes,
        &feature_names(FEATURES),
        FitOptions::default(),
    )
    .expect_err("constant column");
    assert_eq!(
        err,
        FitError::ConstantFeature {
            feature: "x3".to_string(),
            value: 1.0
        }
    );
}

#[test]
fn bad_input_errors_name_rows_and_features() {
    let data = simulate(1_000, 4);
    let names = feature_names(FEATURES);
    let options = FitOptions::default();

    let mut rows = data.rows.clone();
    rows[17 * FEATURES + 6] = f64::NAN;
    let err = fit_logistic(&rows, &data.outcomes, &names, options).expect_err("NaN");
    assert!(
        matches!(&err, FitError::NonFinite { row: 17, feature, .. } if feature == "x6"),
        "{err:?}"
    );
    assert!(err.to_string().contains("row 17") && err.to_string().contains("`x6`"));

    let none = vec![false; data.outcomes.len()];
    assert_eq!(
        fit_logistic(&data.rows, &none, &names, options),
        Err(FitError::NoEvents { rows: 1_000 })
    );
    let all = vec![true; data.outcomes.len()];
    assert_eq!(
        fit_logistic(&data.rows, &all, &names, options),
        Err(FitError::AllEvents { rows: 1_000 })
    );
    assert_eq!(
        fit_logistic(
            &data.rows[..9 * FEATURES],
            &data.outcomes[..9],
            &names,
            options
        ),
        Err(FitError::TooFewRows {
            rows: 9,
            parameters: 9,
            minimum: 10
        })
    );
}

#[test]
fn discrimination_figures_agree_with_the_single_functions() {
    let data = simulate(20_000, 6);
    let summary = discrimination(&data.true_pd, &data.outcomes).expect("two classes");
    assert_eq!(
        summary.auc,
        auc(&data.true_pd, &data.outcomes).expect("two classes")
    );
    assert_eq!(summary.rows, 20_000);
    // A Wilson interval around the observed rate must contain the mean true PD here.
    let interval = wilson_interval(
        summary.defaults as u64,
        summary.rows as u64,
        1.959_963_984_540_054,
    )
    .expect("rows > 0");
    let mean_pd = data.true_pd.iter().sum::<f64>() / data.true_pd.len() as f64;
    assert!(interval.contains(mean_pd), "{interval:?} vs {mean_pd}");
}

#[test]
fn too_few_iterations_return_an_unconverged_fit() {
    let data = simulate(5_000, 10);
    let options = FitOptions {
        max_iterations: 1,
        ..FitOptions::default()
    };
    let fit = fit_logistic(
        &data.rows,
        &data.outcomes,
        &feature_names(FEATURES),
        options,
    )
    .expect("one Newton step runs");
    assert!(!fit.converged);
    assert_eq!(fit.iterations, 1);
    let full = fit_logistic(
        &data.rows,
        &data.outcomes,
        &feature_names(FEATURES),
        FitOptions::default(),
    )
    .expect("well-posed");
    assert!(full.converged && full.log_likelihood > fit.log_likelihood);
}

#[test]
fn rescaling_a_feature_rescales_its_coefficient_and_standard_error() {
    // x7 → 0.001·x7 − 40 (a score in thousands, shifted): β₇ scales by 1000, its standard error
    // too, the intercept absorbs the shift, and nothing else changes.
    let data = simulate(20_000, 12);
    let names = feature_names(FEATURES);
    let fit = fit_logistic(&data.rows, &data.outcomes, &names, FitOptions::default())
        .expect("well-posed");
    let mut rows = data.rows.clone();
    for row in rows.chunks_mut(FEATURES) {
        row[7] = 0.001 * row[7] - 40.0;
    }
    let scaled =
        fit_logistic(&rows, &data.outcomes, &names, FitOptions::default()).expect("well-posed");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-8 * b.abs().max(1e-3);
    assert!(close(scaled.coefficients[7], 1000.0 * fit.coefficients[7]));
    assert!(close(
        scaled.standard_errors[8],
        1000.0 * fit.standard_errors[8]
    ));
    assert!(close(
        scaled.intercept,
        fit.intercept + 40_000.0 * fit.coefficients[7]
    ));
    for j in 0..7 {
        assert!(close(scaled.coefficients[j], fit.coefficients[j]), "x{j}");
        assert!(
            close(scaled.standard_errors[j + 1], fit.standard_errors[j + 1]),
            "x{j}"
        );
    }
    assert!(close(scaled.log_likelihood, fit.log_likelihood));
}
