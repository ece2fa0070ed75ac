//! The logistic scorecard (SPEC §3): transformed applicant features → log-odds of default →
//! 12-month PD and score, with each feature's points against the population average.
//!
//! The model is `logit(PD) = β₀ + Σ_k β_k x_k`, where `x_k` is the [`Feature`] transform of an
//! applicant column. Scores use the scale of [`crate::units::score_from_pd`]: 600 points at
//! 50:1 good:bad odds, 20 points double the odds. The built-in model
//! ([`Scorecard::built_in`]) is the true model of [`super::generate_applicants`].
//!
//! Model file (TOML, unknown keys are errors), the format `fit` writes and `decide` reads:
//! ```toml
//! [model]
//! intercept = 1.9
//!
//! [[model.coefficients]]
//! feature = "external_score"
//! coefficient = -0.9
//! standard_error = 0.012   # optional
//!
//! [population_means]       # mean of each transformed feature over the population
//! external_score = 0.28
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::applicant::EXTERNAL_SCORE_RANGE;
use super::{Applicant, ConfigError};
use crate::tape::problems::{clip, show_number, toml_problem};
use crate::units::{
    ANCHOR_ODDS, MAX_ORDER_VALUE_CNY, MAX_SCORECARD_COEFFICIENT, MAX_SCORECARD_INTERCEPT,
    POINTS_TO_DOUBLE_ODDS, SCORE_AT_ANCHOR_ODDS,
};

/// Delinquencies above this count add no further risk in the model (few applicants have more,
/// and capping keeps one outlier from dominating a fit).
pub const DELINQUENCY_CAP: u32 = 6;
/// Other credit lines above this count add no further risk in the model.
pub const CREDIT_LINES_CAP: u32 = 10;
/// External score at which the transformed feature is 0.
pub const EXTERNAL_SCORE_CENTRE: f64 = 650.0;
/// External score points per unit of the transformed feature.
pub const EXTERNAL_SCORE_SCALE: f64 = 100.0;

/// A model input: an applicant column and its transform. Every transform is monotone
/// (non-decreasing) in its column, so a coefficient's sign says which way the column moves the
/// score. The risk-control signals (`applications_7d`, `login_risk`, `max_order_value`,
/// `electronics_share`) are not model inputs: they act only as knock-outs in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    /// `ln(1 + orders_12m)`
    Orders,
    /// `ln(1 + avg_order_value)`
    AvgOrderValue,
    /// `return_rate`
    ReturnRate,
    /// `on_time_ratio`
    OnTimeRatio,
    /// `min(delinquencies_12m, 6)`
    Delinquencies,
    /// `min(other_credit_lines, 10)`
    OtherCreditLines,
    /// `info_completeness`
    InfoCompleteness,
    /// `1` if `id_verified`, else `0`
    IdVerified,
    /// `(external_score − 650) / 100`; missing during a score-service outage
    ExternalScore,
}

impl Feature {
    /// Every feature, in the built-in model's order.
    pub const ALL: [Feature; 9] = [
        Feature::Orders,
        Feature::AvgOrderValue,
        Feature::ReturnRate,
        Feature::OnTimeRatio,
        Feature::Delinquencies,
        Feature::OtherCreditLines,
        Feature::InfoCompleteness,
        Feature::IdVerified,
        Feature::ExternalScore,
    ];

    /// The name in model files: the applicant column it transforms.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Orders => "orders_12m",
            Feature::AvgOrderValue => "avg_order_value",
            Feature::ReturnRate => "return_rate",
            Feature::OnTimeRatio => "on_time_ratio",
            Feature::Delinquencies => "delinquencies_12m",
            Feature::OtherCreditLines => "other_credit_lines",
            Feature::InfoCompleteness => "info_completeness",
            Feature::IdVerified => "id_verified",
            Feature::ExternalScore => "external_score",
        }
    }

    /// The feature named `name` in a model file.
    pub fn from_name(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The transform, as written in docs and tables.
    pub fn transform_formula(self) -> &'static str {
        match self {
            Feature::Orders => "ln(1 + orders_12m)",
            Feature::AvgOrderValue => "ln(1 + avg_order_value)",
            Feature::ReturnRate => "return_rate",
            Feature::OnTimeRatio => "on_time_ratio",
            Feature::Delinquencies => "min(delinquencies_12m, 6)",
            Feature::OtherCreditLines => "min(other_credit_lines, 10)",
            Feature::InfoCompleteness => "info_completeness",
            Feature::IdVerified => "1 if id_verified else 0",
            Feature::ExternalScore => "(external_score − 650) / 100",
        }
    }

    /// The transformed value for `applicant`; `None` only for the external score during an
    /// outage.
    pub fn value(self, applicant: &Applicant) -> Option<f64> {
        Some(match self {
            Feature::Orders => f64::from(applicant.orders_12m).ln_1p(),
            Feature::AvgOrderValue => applicant.avg_order_value.ln_1p(),
            Feature::ReturnRate => applicant.return_rate,
            Feature::OnTimeRatio => applicant.on_time_ratio,
            Feature::Delinquencies => f64::from(applicant.delinquencies_12m.min(DELINQUENCY_CAP)),
            Feature::OtherCreditLines => {
                f64::from(applicant.other_credit_lines.min(CREDIT_LINES_CAP))
            }
            Feature::InfoCompleteness => applicant.info_completeness,
            Feature::IdVerified => f64::from(u8::from(applicant.id_verified)),
            Feature::ExternalScore => {
                (applicant.external_score? - EXTERNAL_SCORE_CENTRE) / EXTERNAL_SCORE_SCALE
            }
        })
    }

    /// The lowest and highest transformed value an applicant the reader accepts can have (the
    /// transforms are monotone, so these are the transforms of the columns' bounds). The
    /// largest absolute values sum to 63.6 over all features, which with the coefficient and
    /// intercept limits of [`crate::units`] keeps every log-odds finite.
    pub fn range(self) -> (f64, f64) {
        match self {
            Feature::Orders => (0.0, f64::from(u32::MAX).ln_1p()),
            Feature::AvgOrderValue => (0.0, MAX_ORDER_VALUE_CNY.ln_1p()),
            Feature::ReturnRate
            | Feature::OnTimeRatio
            | Feature::InfoCompleteness
            | Feature::IdVerified => (0.0, 1.0),
            Feature::Delinquencies => (0.0, f64::from(DELINQUENCY_CAP)),
            Feature::OtherCreditLines => (0.0, f64::from(CREDIT_LINES_CAP)),
            Feature::ExternalScore => (
                (EXTERNAL_SCORE_RANGE.0 - EXTERNAL_SCORE_CENTRE) / EXTERNAL_SCORE_SCALE,
                (EXTERNAL_SCORE_RANGE.1 - EXTERNAL_SCORE_CENTRE) / EXTERNAL_SCORE_SCALE,
            ),
        }
    }

    /// What this feature says about an applicant whose value is above (`higher`) or below the
    /// population average, in words an applicant understands.
    pub fn phrase(self, higher: bool) -> &'static str {
        super::decision::Messages::get(crate::i18n::Lang::En).phrase(self, higher)
    }

    /// The transformed values of `features` for `applicant`, in that order (a design-matrix
    /// row for fitting); `None` when one is missing (external score outage).
    pub fn design_row(features: &[Feature], applicant: &Applicant) -> Option<Vec<f64>> {
        features.iter().map(|f| f.value(applicant)).collect()
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Score points per unit of log-odds: `20 / ln 2` (SPEC §3).
pub const POINTS_PER_LOG_ODDS: f64 = POINTS_TO_DOUBLE_ODDS / std::f64::consts::LN_2;

/// A logistic scorecard.
///
/// Invariants (checked by [`Scorecard::new`] and [`Scorecard::from_toml`]): each feature at
/// most once, every number finite, the intercept and coefficients within the limits of
/// [`crate::units`], each population mean within its feature's [`Feature::range`],
/// `standard_errors` and `population_means` parallel to
/// `coefficients` (same length and order), and the signs that keep decisions monotone:
/// β ≤ 0 for `external_score`, β ≥ 0 for `delinquencies_12m`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// β₀, the log-odds of default when every transformed feature is 0.
    pub intercept: f64,
    /// (feature, β_k) in model order; a positive β raises the PD.
    pub coefficients: Vec<(Feature, f64)>,
    /// Standard error of each β_k, when the model was fitted.
    pub standard_errors: Vec<Option<f64>>,
    /// Population mean of each transformed feature, the reference of [`Scorecard::points`].
    pub population_means: Vec<f64>,
}

/// The built-in (true) model: intercept, then (feature, β, population mean of the transformed
/// feature). The means are those of `generate_applicants` (checked by a test on 200,000).
const BUILT_IN_INTERCEPT: f64 = 1.1;
const BUILT_IN: [(Feature, f64, f64); 9] = [
    (Feature::Orders, -0.22, 2.8390),
    (Feature::AvgOrderValue, -0.12, 5.3320),
    (Feature::ReturnRate, 2.0, 0.0651),
    (Feature::OnTimeRatio, -3.2, 0.9340),
    (Feature::Delinquencies, 0.45, 0.2513),
    (Feature::OtherCreditLines, 0.12, 1.9470),
    (Feature::InfoCompleteness, -1.2, 0.8060),
    (Feature::IdVerified, -0.6, 0.9104),
    (Feature::ExternalScore, -0.9, 0.0620),
];

impl Scorecard {
    /// A scorecard without standard errors, validated.
    ///
    /// # Errors
    /// A list of problems (repeated feature, non-finite numbers, lengths that differ).
    pub fn new(
        intercept: f64,
        coefficients: Vec<(Feature, f64)>,
        population_means: Vec<f64>,
    ) -> Result<Scorecard, Vec<String>> {
        let scorecard = Scorecard {
            intercept,
            standard_errors: vec![None; coefficients.len()],
            coefficients,
            population_means,
        };
        let problems = scorecard.problems();
        if problems.is_empty() {
            Ok(scorecard)
        } else {
            Err(problems)
        }
    }

    /// The true model of [`super::generate_applicants`] (documented in `docs/credit.md`).
    pub fn built_in() -> Scorecard {
        Scorecard {
            intercept: BUILT_IN_INTERCEPT,
            coefficients: BUILT_IN.iter().map(|&(f, beta, _)| (f, beta)).collect(),
            standard_errors: vec![None; BUILT_IN.len()],
            population_means: BUILT_IN.iter().map(|&(_, _, mean)| mean).collect(),
        }
    }

    /// The model's features, in order.
    pub fn features(&self) -> Vec<Feature> {
        self.coefficients.iter().map(|&(f, _)| f).collect()
    }

    /// Whether the model reads `feature`.
    pub fn uses(&self, feature: Feature) -> bool {
        self.coefficients.iter().any(|&(f, _)| f == feature)
    }

    /// The transformed features of `applicant` in model order (a design-matrix row);
    /// `None` when one is missing.
    pub fn design_row(&self, applicant: &Applicant) -> Option<Vec<f64>> {
        self.coefficients
            .iter()
            .map(|&(f, _)| f.value(applicant))
            .collect()
    }

    /// Log-odds of default, `β₀ + Σ β_k x_k`; `None` when a used feature is missing.
    pub fn log_odds(&self, applicant: &Applicant) -> Option<f64> {
        let mut total = self.intercept;
        for &(feature, beta) in &self.coefficients {
            total += beta * feature.value(applicant)?;
        }
        Some(total)
    }

    /// 12-month PD; `None` when a used feature is missing (external score outage).
    ///
    /// # Formula
    /// `PD = 1 / (1 + exp(−(β₀ + Σ β_k x_k)))`
    pub fn pd(&self, applicant: &Applicant) -> Option<f64> {
        self.log_odds(applicant).map(pd_from_log_odds)
    }

    /// Score on the scale of SPEC §3; `None` when a used feature is missing.
    ///
    /// # Formula
    /// `score = 600 + 20/ln 2 · ln(odds / 50)` with good:bad `odds = (1 − PD)/PD =
    /// exp(−(β₀ + Σ β_k x_k))`.
    pub fn score(&self, applicant: &Applicant) -> Option<f64> {
        self.log_odds(applicant).map(score_from_log_odds)
    }

    /// The score of an applicant whose transformed features all equal the population means.
    pub fn average_score(&self) -> f64 {
        let log_odds = self.intercept
            + self
                .coefficients
                .iter()
                .zip(&self.population_means)
                .map(|(&(_, beta), mean)| beta * mean)
                .sum::<f64>();
        score_from_log_odds(log_odds)
    }

    /// Each feature's points against the population average, in model order; they sum to
    /// `score − average_score()`. `None` when a used feature is missing.
    ///
    /// # Formula
    /// `points_k = −20/ln 2 · β_k · (x_k − mean_k)`
    pub fn points(&self, applicant: &Applicant) -> Option<Vec<(Feature, f64)>> {
        self.coefficients
            .iter()
            .zip(&self.population_means)
            .map(|(&(feature, beta), mean)| {
                let x = feature.value(applicant)?;
                Some((feature, -POINTS_PER_LOG_ODDS * beta * (x - mean)))
            })
            .collect()
    }

    /// Problems with the invariants, one line each.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(-MAX_SCORECARD_INTERCEPT..=MAX_SCORECARD_INTERCEPT).contains(&self.intercept) {
            problems.push(format!(
                "model.intercept: {} must be a number from -{MAX_SCORECARD_INTERCEPT} to {MAX_SCORECARD_INTERCEPT}",
                show_number(self.intercept)
            ));
        }
        for (index, &(feature, beta)) in self.coefficients.iter().enumerate() {
            if self.coefficients[..index]
                .iter()
                .any(|&(f, _)| f == feature)
            {
                problems.push(format!(
                    "model.coefficients[{index}].feature: \"{feature}\" appears twice; keep one"
                ));
            }
            if !(-MAX_SCORECARD_COEFFICIENT..=MAX_SCORECARD_COEFFICIENT).contains(&beta) {
                problems.push(format!(
                    "model.coefficients[{index}].coefficient: {} must be a number from -{MAX_SCORECARD_COEFFICIENT} to {MAX_SCORECARD_COEFFICIENT}",
                    show_number(beta)
                ));
            }
            // Decisions must be monotone (SPEC §3): a higher external score or fewer
            // delinquencies may never lower the score, whatever a fit says.
            match feature {
                Feature::ExternalScore if beta > 0.0 => problems.push(format!(
                    "model.coefficients[{index}].coefficient: {beta} must be ≤ 0 for external_score, so that a higher external score never lowers the score"
                )),
                Feature::Delinquencies if beta < 0.0 => problems.push(format!(
                    "model.coefficients[{index}].coefficient: {beta} must be ≥ 0 for delinquencies_12m, so that fewer delinquencies never lower the score"
                )),
                _ => {}
            }
        }
        if self.standard_errors.len() != self.coefficients.len() {
            problems.push(format!(
                "model.coefficients: {} standard errors for {} coefficients",
                self.standard_errors.len(),
                self.coefficients.len()
            ));
        }
        for (index, se) in self.standard_errors.iter().enumerate() {
            if let Some(se) = se
                && !(se.is_finite() && *se >= 0.0)
            {
                problems.push(format!(
                    "model.coefficients[{index}].standard_error: {} must be a finite number ≥ 0",
                    show_number(*se)
                ));
            }
        }
        if self.population_means.len() != self.coefficients.len() {
            problems.push(format!(
                "population_means: {} means for {} coefficients",
                self.population_means.len(),
                self.coefficients.len()
            ));
        }
        for (&(feature, _), mean) in self.coefficients.iter().zip(&self.population_means) {
            let (lowest, highest) = feature.range();
            if !(lowest..=highest).contains(mean) {
                problems.push(format!(
                    "population_means.{feature}: {} must be a mean of {}, from {lowest} to {highest:.4}",
                    show_number(*mean),
                    feature.transform_formula()
                ));
            }
        }
        problems
    }

    /// The model file (TOML) for this scorecard; [`Scorecard::from_toml`] reads it back
    /// exactly.
    pub fn to_toml(&self) -> String {
        let file = ModelFile {
            model: ModelSection {
                intercept: self.intercept,
                coefficients: self
                    .coefficients
                    .iter()
                    .zip(&self.standard_errors)
                    .map(
                        |(&(feature, coefficient), &standard_error)| CoefficientEntry {
                            feature: feature.name().to_owned(),
                            coefficient,
                            standard_error,
                        },
                    )
                    .collect(),
            },
            population_means: self
                .coefficients
                .iter()
                .zip(&self.population_means)
                .map(|(&(feature, _), &mean)| (feature.name().to_owned(), mean))
                .collect(),
        };
        toml::to_string(&file).unwrap_or_else(|error| {
            // Only non-finite numbers could fail, and the invariants exclude them.
            format!("# cannot write this model: {error}\n")
        })
    }

    /// Parses a model file; `label` names it in messages.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key: unknown keys, unknown feature names, a
    /// coefficient without a population mean, and the invariants of [`Scorecard`].
    pub fn from_toml(text: &str, label: &str) -> Result<Scorecard, ConfigError> {
        let invalid = |problems: Vec<String>| ConfigError::Invalid {
            file: label.to_owned(),
            problems: problems
                .into_iter()
                .map(|problem| format!("{label}: {problem}"))
                .collect(),
        };
        let file: ModelFile = toml::from_str(text).map_err(|error| ConfigError::Invalid {
            file: label.to_owned(),
            problems: vec![toml_problem(label, text, &error)],
        })?;
        let mut problems = Vec::new();
        let mut coefficients = Vec::new();
        let mut standard_errors = Vec::new();
        let mut population_means = Vec::new();
        for (index, entry) in file.model.coefficients.iter().enumerate() {
            let Some(feature) = Feature::from_name(&entry.feature) else {
                problems.push(format!(
                    "model.coefficients[{index}].feature: \"{}\" is not a feature; use one of {}",
                    clip(&entry.feature),
                    feature_names()
                ));
                continue;
            };
            let Some(&mean) = file.population_means.get(&entry.feature) else {
                problems.push(format!(
                    "population_means.{feature}: missing; every coefficient needs the population mean of its feature"
                ));
                continue;
            };
            coefficients.push((feature, entry.coefficient));
            standard_errors.push(entry.standard_error);
            population_means.push(mean);
        }
        for name in file.population_means.keys() {
            if Feature::from_name(name).is_none() {
                problems.push(format!(
                    "population_means.{}: not a feature; use one of {}",
                    clip(name),
                    feature_names()
                ));
            }
        }
        let scorecard = Scorecard {
            intercept: file.model.intercept,
            coefficients,
            standard_errors,
            population_means,
        };
        problems.extend(scorecard.problems());
        if problems.is_empty() {
            Ok(scorecard)
        } else {
            Err(invalid(problems))
        }
    }

    /// Reads a model file.
    ///
    /// # Errors
    /// [`ConfigError::Io`] when it cannot be read, else as [`Scorecard::from_toml`].
    pub fn read(path: &std::path::Path) -> Result<Scorecard, ConfigError> {
        Scorecard::from_toml(&super::read_text(path)?, &path.display().to_string())
    }

    /// Writes the model file atomically.
    ///
    /// # Errors
    /// [`ConfigError::Write`] naming `path`.
    pub fn write(&self, path: &std::path::Path) -> Result<(), ConfigError> {
        let text = self.to_toml();
        super::write_atomically(path, |out| std::io::Write::write_all(out, text.as_bytes()))
            .map_err(|source| ConfigError::Write {
                file: path.display().to_string(),
                source,
            })
    }
}

/// PD from log-odds of default: `1 / (1 + exp(−z))`.
pub fn pd_from_log_odds(log_odds: f64) -> f64 {
    1.0 / (1.0 + (-log_odds).exp())
}

/// Score from log-odds of default: `600 + 20/ln 2 · (−z − ln 50)`, the same as
/// [`crate::units::score_from_pd`] of [`pd_from_log_odds`] without the round trip through PD.
pub fn score_from_log_odds(log_odds: f64) -> f64 {
    SCORE_AT_ANCHOR_ODDS + POINTS_PER_LOG_ODDS * (-log_odds - ANCHOR_ODDS.ln())
}

fn feature_names() -> String {
    Feature::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    model: ModelSection,
    population_means: BTreeMap<String, f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelSection {
    intercept: f64,
    coefficients: Vec<CoefficientEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CoefficientEntry {
    feature: String,
    coefficient: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    standard_error: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{pd_from_score, score_from_pd};

    #[test]
    fn score_and_pd_agree_with_the_units_scale() {
        for log_odds in [-6.0, -3.5, -2.0, 0.5] {
            let pd = pd_from_log_odds(log_odds);
            let score = score_from_log_odds(log_odds);
            assert!((score - score_from_pd(pd)).abs() < 1e-9, "{score}");
            assert!((pd_from_score(score) - pd).abs() < 1e-15, "{pd}");
        }
        // ln(1/50) log-odds is the 50:1 anchor: exactly 600 points.
        assert!((score_from_log_odds(-(50f64.ln())) - 600.0).abs() < 1e-12);
    }

    #[test]
    fn feature_names_round_trip() {
        for feature in Feature::ALL {
            assert_eq!(Feature::from_name(feature.name()), Some(feature));
        }
        assert_eq!(Feature::from_name("login_risk"), None);
    }
}
