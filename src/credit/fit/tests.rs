//! The fit against closed forms (2×2 tables, intercept only), collinear designs, far starts
//! and malformed inputs.

use super::*;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| name.to_string()).collect()
}

/// A 2×2 table as rows: `x = 1` with `a` defaults and `b` non-defaults, `x = 0` with `c` and
/// `d`.
fn two_by_two(a: usize, b: usize, c: usize, d: usize) -> (Vec<f64>, Vec<bool>) {
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    for (x, y, count) in [
        (1.0, true, a),
        (1.0, false, b),
        (0.0, true, c),
        (0.0, false, d),
    ] {
        rows.extend(std::iter::repeat_n(x, count));
        outcomes.extend(std::iter::repeat_n(y, count));
    }
    (rows, outcomes)
}

#[test]
fn binary_covariate_gives_the_log_odds_ratio_and_woolf_standard_error() {
    let (a, b, c, d): (f64, f64, f64, f64) = (30.0, 70.0, 12.0, 188.0);
    let (rows, outcomes) = two_by_two(30, 70, 12, 188);
    let fit = fit_logistic(&rows, &outcomes, &names(&["flag"]), FitOptions::default())
        .expect("well-posed table");
    assert!(fit.converged);
    let log_odds_ratio = (a * d / (b * c)).ln();
    assert!((fit.coefficients[0] - log_odds_ratio).abs() < 1e-10);
    assert!((fit.intercept - (c / d).ln()).abs() < 1e-10);
    let woolf = (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt();
    assert!((fit.standard_errors[1] - woolf).abs() < 1e-10);
    assert!((fit.standard_errors[0] - (1.0 / c + 1.0 / d).sqrt()).abs() < 1e-10);
    // ℓ at the saturated 2×2 fit: Σ counts × ln(cell rates).
    let expected_ll = a * (a / (a + b)).ln()
        + b * (b / (a + b)).ln()
        + c * (c / (c + d)).ln()
        + d * (d / (c + d)).ln();
    assert!((fit.log_likelihood - expected_ll).abs() < 1e-9);
}

#[test]
fn intercept_only_model_gives_the_logit_of_the_default_rate() {
    let outcomes: Vec<bool> = (0..400).map(|i| i % 8 == 0).collect();
    let fit = fit_logistic(&[], &outcomes, &[], FitOptions::default()).expect("well-posed");
    let (events, others): (f64, f64) = (50.0, 350.0);
    assert!((fit.intercept - (events / others).ln()).abs() < 1e-12);
    assert!((fit.standard_errors[0] - (1.0 / events + 1.0 / others).sqrt()).abs() < 1e-12);
    assert!((fit.log_likelihood - fit.null_log_likelihood).abs() < 1e-9);
}

#[test]
fn dependent_column_search_names_the_combination() {
    // Column 2 = column 0 + column 1 in correlation terms (unit diagonal, singular).
    let r = 0.5_f64.sqrt();
    let matrix = DMatrix::from_row_slice(3, 3, &[1.0, 0.0, r, 0.0, 1.0, r, r, r, 1.0]);
    let dependence = first_dependent_column(&matrix).expect("singular");
    assert_eq!(dependence.column, 2);
    assert_eq!(dependence.on, vec![0, 1]);
    assert!(first_dependent_column(&DMatrix::identity(3, 3)).is_none());
}

#[test]
fn logistic_is_accurate_at_both_ends() {
    assert_eq!(logistic(0.0), 0.5);
    assert!((logistic(-40.0) - (-40.0_f64).exp() / (1.0 + (-40.0_f64).exp())).abs() < 1e-30);
    assert_eq!(logistic(800.0), 1.0);
    assert_eq!(logistic(-800.0), 0.0);
}

#[test]
fn step_halving_recovers_from_a_far_start() {
    // Two features, 4,000 rows, outcomes from a deterministic pseudo-random sequence.
    let n = 4_000;
    let mut state = 12_345_u64;
    let mut uniform = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    for _ in 0..n {
        let (a, b) = (uniform() * 4.0 - 2.0, uniform());
        rows.extend_from_slice(&[a, b]);
        outcomes.push(uniform() < logistic(-2.0 + 1.0 * a - 0.5 * b));
    }
    let feature_names = names(&["a", "b"]);
    let design = Design::new(&rows, &outcomes, &feature_names).expect("valid design");
    let summary = design.column_summary();
    let scaling = design.scaling(&summary).expect("not constant");
    let options = FitOptions::default();
    let from_null = design
        .irls(&scaling, design.null_start(summary.events), &options)
        .expect("well-posed");
    // Far from the optimum the full Newton step overshoots and lowers ℓ; halving must
    // bring the iterations back to the same maximum.
    let far = vec![6.0, -9.0, 7.0];
    let first_step_ll = {
        let at_far = design.accumulate(&scaling, &far);
        let step = at_far
            .information_matrix(3)
            .cholesky()
            .expect("positive definite")
            .solve(&DVector::from_column_slice(&at_far.score));
        let full: Vec<f64> = far.iter().zip(step.iter()).map(|(g, s)| g + s).collect();
        (
            at_far.log_likelihood,
            design.accumulate(&scaling, &full).log_likelihood,
        )
    };
    assert!(
        first_step_ll.1 < first_step_ll.0,
        "the test needs an overshooting first step: {first_step_ll:?}"
    );
    let from_far = design.irls(&scaling, far, &options).expect("well-posed");
    assert!(from_far.converged);
    for (a, b) in from_null.gamma.iter().zip(&from_far.gamma) {
        assert!(
            (a - b).abs() < 1e-8,
            "{:?} vs {:?}",
            from_null.gamma,
            from_far.gamma
        );
    }
}

#[test]
fn shape_errors_are_typed() {
    let outcomes = vec![true, false, false, true];
    let err = fit_logistic(
        &[0.0; 7],
        &outcomes,
        &names(&["a", "b"]),
        FitOptions::default(),
    );
    assert!(matches!(err, Err(FitError::ShapeMismatch { .. })));
    let err = fit_logistic(
        &[0.0; 12],
        &outcomes,
        &names(&["a", "b"]),
        FitOptions::default(),
    );
    assert!(matches!(
        err,
        Err(FitError::NameCountMismatch {
            names: 2,
            features: 3
        })
    ));
    let options = FitOptions {
        max_iterations: 0,
        ..FitOptions::default()
    };
    let err = fit_logistic(&[0.0, 1.0, 2.0, 3.0], &outcomes, &names(&["a"]), options);
    assert!(matches!(err, Err(FitError::InvalidOptions { .. })));
}
