//! Fitting the scorecard on the synthetic population recovers its true model (issue
//! "Credit model", tests that must exist): every coefficient within 3 standard errors of the
//! built-in (true) value, a hold-out AUC within 0.01 of the true model's, and a calibration
//! table whose predicted PDs fall inside the observed default rates' 95 % intervals.

use baitiao_abs::credit::fit::{FitOptions, fit_logistic};
use baitiao_abs::credit::performance::{calibration_table, discrimination, holdout_split};
use baitiao_abs::credit::{Feature, Scorecard, generate_applicants};
use baitiao_abs::units::score_from_pd;

#[test]
fn fitting_200000_synthetic_applicants_recovers_the_true_model() {
    let truth = Scorecard::built_in();
    let features = truth.features();
    let names: Vec<String> = features.iter().map(|f| f.name().to_string()).collect();
    let population = generate_applicants(200_000, 2024, true);
    // applicants whose external score did not answer have no design row (outage: pending)
    let scored: Vec<_> = population
        .iter()
        .filter_map(|a| {
            Feature::design_row(&features, a).map(|row| (row, a.defaulted_12m.unwrap(), a))
        })
        .collect();
    let split = holdout_split(scored.len(), 0.3, 11).unwrap();
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    for &i in &split.train {
        rows.extend_from_slice(&scored[i].0);
        outcomes.push(scored[i].1);
    }
    let fit = fit_logistic(&rows, &outcomes, &names, FitOptions::default()).unwrap();
    assert!(fit.converged);
    let z = (fit.intercept - truth.intercept) / fit.standard_errors[0];
    assert!(
        z.abs() < 3.0,
        "intercept {} vs {} (z = {z:.2})",
        fit.intercept,
        truth.intercept
    );
    for (k, (feature, beta)) in truth.coefficients.iter().enumerate() {
        let z = (fit.coefficients[k] - beta) / fit.standard_errors[k + 1];
        assert!(
            z.abs() < 3.0,
            "{feature}: fitted {} vs true {beta} (z = {z:.2})",
            fit.coefficients[k]
        );
    }

    let test_outcomes: Vec<bool> = split.test.iter().map(|&i| scored[i].1).collect();
    let fitted_pd: Vec<f64> = split
        .test
        .iter()
        .map(|&i| fit.probability(&scored[i].0))
        .collect();
    let true_pd: Vec<f64> = split
        .test
        .iter()
        .map(|&i| truth.pd(scored[i].2).unwrap())
        .collect();
    let fitted_auc = discrimination(&fitted_pd, &test_outcomes).unwrap().auc;
    let true_auc = discrimination(&true_pd, &test_outcomes).unwrap().auc;
    assert!(
        (fitted_auc - true_auc).abs() < 0.01,
        "hold-out AUC {fitted_auc} vs true {true_auc}"
    );
    assert!(true_auc > 0.75, "the model discriminates: {true_auc}");

    let scores: Vec<f64> = fitted_pd.iter().map(|&p| score_from_pd(p)).collect();
    let bands = [540.0, 570.0, 600.0, 630.0, 660.0];
    let table = calibration_table(&fitted_pd, &test_outcomes, &scores, &bands).unwrap();
    let outside = table
        .iter()
        .filter(|b| !b.predicted_within_interval)
        .count();
    // Each band of a calibrated model misses its 95 % interval with probability 5 %: three or
    // more misses in six bands has probability 0.2 %. (This split's 630–660 band is missed by
    // the true model itself: 101 defaults observed where 75 are expected.)
    assert!(
        outside <= 2,
        "{outside} of {} bands outside their interval: {table:#?}",
        table.len()
    );
    // a model off by a quarter misses far more often
    let biased: Vec<f64> = fitted_pd.iter().map(|p| (p * 1.25).min(0.999)).collect();
    let biased_table = calibration_table(&biased, &test_outcomes, &scores, &bands).unwrap();
    assert!(
        biased_table
            .iter()
            .filter(|b| !b.predicted_within_interval)
            .count()
            > 2
    );
}
