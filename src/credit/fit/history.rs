//! Fitting the scorecard to a labelled history (`fit`, SPEC §3): the applicants with an
//! outcome become the design of the built-in scorecard's features, a fixed share is held out,
//! the logistic regression of [`super::fit_logistic`] is fitted on the rest, and the fitted
//! model is measured on both parts (AUC, KS, Gini) and calibrated on the hold-out by score
//! band.
//!
//! The IRLS above knows nothing about applicants; this is where they become rows.

use std::path::Path;

use super::{FitOptions, LogisticFit, fit_logistic};
use crate::credit::performance::{
    CalibrationBand, Discrimination, calibration_table, discrimination, holdout_split,
};
use crate::credit::{ApplicantFile, Feature, Scorecard};
use crate::units::score_from_pd;

/// Score bands of the calibration table written by `fit`.
pub const CALIBRATION_BANDS: [f64; 9] = [
    520.0, 550.0, 570.0, 590.0, 610.0, 630.0, 650.0, 680.0, 720.0,
];

/// Share of the history held out to measure the fitted model.
pub const HOLDOUT_SHARE: f64 = 0.3;

/// Seed of the hold-out split (fixed, so a refit on the same file splits the same way).
pub const HOLDOUT_SEED: u64 = 20_151_024;

/// Rows without an outcome named in an error before the rest are counted.
const LISTED_MISSING_OUTCOMES: usize = 10;

/// Why a history could not be fitted: every case is the input's to fix. Messages start with
/// the history file's name.
#[derive(Debug, thiserror::Error)]
pub enum HistoryFitError {
    /// No applicant has an outcome: not a history file.
    #[error(
        "{label}: no `defaulted_12m` outcomes: `fit` needs a history file (e.g. `gen-applicants --with-outcomes`)"
    )]
    NoOutcomes { label: String },
    /// Some applicants lack an outcome: one line per row (the first ten), then a count.
    #[error("{}", .lines.join("\n"))]
    MissingOutcomes { lines: Vec<String> },
    /// The split, the fit or a measure of the fit failed (too few rows, separation, …).
    #[error("{label}: {message}")]
    Unfit { label: String, message: String },
    /// The fitted coefficients are outside what a scorecard may hold.
    #[error("{label}: the fitted model is not usable: {}", .problems.join("; "))]
    Unusable {
        label: String,
        problems: Vec<String>,
    },
}

/// A scorecard fitted to a history, with what `fit` reports about it.
#[derive(Debug, Clone)]
pub struct ScorecardFit {
    /// The fitted model, with its standard errors.
    pub scorecard: Scorecard,
    /// The regression behind it (coefficients in the order of `feature_names`).
    pub regression: LogisticFit,
    pub feature_names: Vec<String>,
    /// Rows fitted and rows held out.
    pub training_rows: usize,
    pub holdout_rows: usize,
    /// Defaults among the training rows.
    pub training_defaults: usize,
    /// Applicants left out for want of an external score.
    pub unscored: usize,
    pub training: Discrimination,
    pub holdout: Discrimination,
    /// Predicted against observed default rates on the hold-out, by [`CALIBRATION_BANDS`].
    pub calibration: Vec<CalibrationBand>,
}

/// The outcome rows of a history: the design row of every applicant with an outcome and an
/// external score, and its outcome.
struct Labelled {
    rows: Vec<Vec<f64>>,
    outcomes: Vec<bool>,
    unscored: usize,
}

impl Labelled {
    /// Every applicant must carry `defaulted_12m`; those without an external score are left
    /// out (and counted).
    fn read(
        file: &ApplicantFile,
        features: &[Feature],
        label: &str,
    ) -> Result<Labelled, HistoryFitError> {
        let mut labelled = Labelled {
            rows: Vec::new(),
            outcomes: Vec::new(),
            unscored: 0,
        };
        let mut missing = Vec::new();
        let mut missing_count = 0usize;
        for (index, applicant) in file.applicants.iter().enumerate() {
            let Some(defaulted) = applicant.defaulted_12m else {
                missing_count += 1;
                if missing.len() < LISTED_MISSING_OUTCOMES {
                    missing.push(format!(
                        "{label}:{}: column `defaulted_12m`: empty; a history file needs the outcome of every applicant",
                        index + 2
                    ));
                }
                continue;
            };
            match Feature::design_row(features, applicant) {
                Some(row) => {
                    labelled.rows.push(row);
                    labelled.outcomes.push(defaulted);
                }
                None => labelled.unscored += 1,
            }
        }
        if missing_count == file.applicants.len() {
            return Err(HistoryFitError::NoOutcomes {
                label: label.to_string(),
            });
        }
        if !missing.is_empty() {
            if missing_count > missing.len() {
                missing.push(format!(
                    "... and {} more rows without `defaulted_12m`",
                    missing_count - missing.len()
                ));
            }
            return Err(HistoryFitError::MissingOutcomes { lines: missing });
        }
        Ok(labelled)
    }

    /// The rows at `indices`, flattened row by row, and their outcomes.
    fn take(&self, indices: &[usize], features: usize) -> (Vec<f64>, Vec<bool>) {
        let mut flat = Vec::with_capacity(indices.len() * features);
        let mut outcomes = Vec::with_capacity(indices.len());
        for &i in indices {
            flat.extend_from_slice(&self.rows[i]);
            outcomes.push(self.outcomes[i]);
        }
        (flat, outcomes)
    }
}

/// Fits the built-in scorecard's features to the applicants of a history file (`label` names
/// it in errors): maximum likelihood on all but [`HOLDOUT_SHARE`] of the rows, discrimination
/// on both parts and calibration on the hold-out.
pub fn fit_scorecard(file: &ApplicantFile, label: &str) -> Result<ScorecardFit, HistoryFitError> {
    let unfit = |message: String| HistoryFitError::Unfit {
        label: label.to_string(),
        message,
    };
    let features = Scorecard::built_in().features();
    let feature_names: Vec<String> = features.iter().map(|f| f.name().to_string()).collect();
    let labelled = Labelled::read(file, &features, label)?;
    let split = holdout_split(labelled.rows.len(), HOLDOUT_SHARE, HOLDOUT_SEED)
        .map_err(|e| unfit(e.to_string()))?;
    let (train_rows, train_outcomes) = labelled.take(&split.train, features.len());
    let regression = fit_logistic(
        &train_rows,
        &train_outcomes,
        &feature_names,
        FitOptions::default(),
    )
    .map_err(|e| unfit(e.to_string()))?;
    // the scorecard centres each feature on its training mean
    let means: Vec<f64> = (0..features.len())
        .map(|j| {
            split
                .train
                .iter()
                .map(|&i| labelled.rows[i][j])
                .sum::<f64>()
                / split.train.len() as f64
        })
        .collect();
    let mut scorecard = Scorecard::new(
        regression.intercept,
        features
            .iter()
            .copied()
            .zip(regression.coefficients.iter().copied())
            .collect(),
        means,
    )
    .map_err(|problems| HistoryFitError::Unusable {
        label: label.to_string(),
        problems,
    })?;
    scorecard.standard_errors = regression.standard_errors[1..]
        .iter()
        .map(|&se| Some(se))
        .collect();

    let predict = |indices: &[usize]| -> (Vec<f64>, Vec<bool>) {
        indices
            .iter()
            .map(|&i| {
                (
                    regression.probability(&labelled.rows[i]),
                    labelled.outcomes[i],
                )
            })
            .unzip()
    };
    let (train_pd, train_defaulted) = predict(&split.train);
    let (test_pd, test_defaulted) = predict(&split.test);
    let training = discrimination(&train_pd, &train_defaulted).map_err(|e| unfit(e.to_string()))?;
    let holdout = discrimination(&test_pd, &test_defaulted).map_err(|e| unfit(e.to_string()))?;
    let test_scores: Vec<f64> = test_pd.iter().map(|&p| score_from_pd(p)).collect();
    let calibration =
        calibration_table(&test_pd, &test_defaulted, &test_scores, &CALIBRATION_BANDS)
            .map_err(|e| unfit(e.to_string()))?;
    Ok(ScorecardFit {
        scorecard,
        regression,
        feature_names,
        training_rows: split.train.len(),
        holdout_rows: split.test.len(),
        training_defaults: train_outcomes.iter().filter(|&&d| d).count(),
        unscored: labelled.unscored,
        training,
        holdout,
        calibration,
    })
}

/// Where `fit --out MODEL` writes the calibration table: `MODEL_calibration.csv` beside it.
pub fn calibration_path(model: &Path) -> std::path::PathBuf {
    model.with_file_name(format!(
        "{}_calibration.csv",
        model
            .file_stem()
            .map_or("model".into(), |s| s.to_string_lossy().into_owned())
    ))
}

/// The calibration table as CSV: one row per score band, rates to six decimals.
pub fn calibration_csv(calibration: &[CalibrationBand]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "score_from",
        "score_to",
        "count",
        "defaults",
        "mean_predicted_pd",
        "observed_default_rate",
        "observed_lower_95",
        "observed_upper_95",
        "predicted_within_interval",
    ])?;
    for band in calibration {
        out.write_record([
            band.score_from.to_string(),
            band.score_to.to_string(),
            band.count.to_string(),
            band.defaults.to_string(),
            format!("{:.6}", band.mean_predicted_pd),
            format!("{:.6}", band.observed_default_rate),
            format!("{:.6}", band.interval.lower),
            format!("{:.6}", band.interval.upper),
            band.predicted_within_interval.to_string(),
        ])?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}
