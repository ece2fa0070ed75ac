//! Maximum-likelihood logistic regression by iteratively reweighted least squares (IRLS), the
//! fitting step of the credit model (SPEC §3, `fit`).
//!
//! The input is a numeric design: `n` rows of `k` transformed features (row-major) and one
//! default flag per row. Whoever builds the rows (the scorecard's design row of an applicant)
//! is upstream; this module knows nothing about applicants.
//!
//! How the fit runs, and why:
//! - Features are centred and scaled internally. The Newton steps then work on a well-conditioned
//!   information matrix whatever the units of the features (counts, CNY, shares), and the
//!   thresholds for collinearity and separation are scale-free. Coefficients and standard errors
//!   are transformed back to the original units at the end.
//! - Before iterating, the design is checked for the failures that make the maximum-likelihood
//!   estimate undefined, so each gets a typed, one-line error naming the features: non-finite
//!   values, no or only defaults, constant features, collinear features, and features that
//!   separate defaults from non-defaults on their own. Separation by a combination of features is
//!   caught during the iterations (diverging coefficients with fitted probabilities at 0 or 1).
//! - Each iteration accumulates `XᵀWX`, the score `Xᵀ(y − p)` and the log-likelihood over fixed
//!   chunks of rows in parallel, then adds the chunk sums in chunk order, so the result is
//!   bit-identical for any number of threads.
//!
//! [`history`] builds the design from a labelled applicant file and fits the scorecard with it.

pub mod history;

pub use history::{HistoryFitError, ScorecardFit, fit_scorecard};

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

/// Rows per parallel work item. Fixed (not derived from the thread count) so the chunk sums, and
/// with them every floating-point result, do not depend on how many threads run.
pub const ROWS_PER_CHUNK: usize = 16_384;

/// A column whose standard deviation is below this share of `max(1, |mean|)` is constant.
const CONSTANT_FEATURE_RELATIVE_SD: f64 = 1e-12;

/// A feature is collinear when the share of its variance *not* explained by the features before
/// it (1 − R²) is below this. 1e-9 corresponds to a variance inflation factor of 10⁹, far beyond
/// where standard errors mean anything, yet well above the rounding noise (≈1e-15) of an exact
/// linear dependence.
const COLLINEAR_UNEXPLAINED_SHARE: f64 = 1e-9;

/// In a collinear group, a feature is named when its weight in the linear combination is at least
/// this share of the largest weight (on the standardized scale); smaller weights are rounding.
const COLLINEAR_MEMBER_SHARE: f64 = 1e-3;

/// A row is saturated when its fitted probability is within about 1e-11 of 0 or 1
/// (`|η| > 25`, `σ(−25) ≈ 1.4e-11`).
const SATURATED_LINEAR_PREDICTOR: f64 = 25.0;

/// A standardized coefficient (log-odds per standard deviation of the feature) above this, while
/// rows are saturated, means the coefficients are diverging: odds ratios of e¹⁵ ≈ 3·10⁶ per
/// standard deviation do not occur in credit data that has a finite maximum-likelihood estimate.
const DIVERGING_STANDARDIZED_COEFFICIENT: f64 = 15.0;

/// Separation is only declared after this many consecutive iterations in which ℓ rose and the
/// largest coefficient grew: a single large step (from a poor start, or before a step-halving
/// settles) is not divergence.
const DIVERGING_ITERATIONS: usize = 3;

/// Features whose standardized coefficient is at least this share of the largest one are named in
/// a separation error.
const SEPARATION_MEMBER_SHARE: f64 = 0.5;

/// Step-halvings tried when a Newton step lowers the likelihood before giving up on the step.
const MAX_STEP_HALVINGS: usize = 30;

/// A likelihood drop smaller than this share of `|ℓ| + 1` is rounding noise, not a bad step.
const LOG_LIKELIHOOD_NOISE: f64 = 1e-12;

/// Name used for the intercept in messages.
const INTERCEPT_NAME: &str = "(intercept)";

/// Settings of the IRLS iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Newton (IRLS) iterations before giving up; the fit is then returned with
    /// `converged = false`. Well-posed problems need 5–8.
    pub max_iterations: usize,
    /// Converged when the relative change of the log-likelihood, `|Δℓ| / (|ℓ| + 0.1)` (the
    /// criterion of R's `glm`), is below this …
    pub log_likelihood_tolerance: f64,
    /// … and the largest change of a coefficient on the standardized scale (log-odds per standard
    /// deviation of the feature) is below this.
    pub coefficient_tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            max_iterations: 50,
            log_likelihood_tolerance: 1e-10,
            coefficient_tolerance: 1e-8,
        }
    }
}

/// A fitted logistic regression in the units of the input features.
///
/// # Formula
/// `P(y = 1 | x) = 1 / (1 + exp(−(β₀ + Σₖ βₖ xₖ)))`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogisticFit {
    /// Feature names, in the order of the columns and of `coefficients`.
    pub feature_names: Vec<String>,
    /// β₀.
    pub intercept: f64,
    /// βₖ, one per feature.
    pub coefficients: Vec<f64>,
    /// Standard errors from the inverse Fisher information at the estimate: index 0 is the
    /// intercept's, index `k + 1` the `k`-th feature's.
    pub standard_errors: Vec<f64>,
    /// Newton (IRLS) iterations run.
    pub iterations: usize,
    /// Log-likelihood ℓ(β̂) = Σᵢ [yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)].
    pub log_likelihood: f64,
    /// Log-likelihood of the intercept-only model, `n₁ ln(n₁/n) + n₀ ln(n₀/n)`, for likelihood
    /// ratio tests and McFadden's R² = 1 − ℓ/ℓ₀.
    pub null_log_likelihood: f64,
    /// Rows fitted.
    pub rows: usize,
    /// Rows with `y = 1` (defaults).
    pub events: usize,
    /// Whether the convergence criteria of [`FitOptions`] were met.
    pub converged: bool,
}

impl LogisticFit {
    /// Linear predictor (log-odds of default) of one row of features.
    ///
    /// # Formula
    /// `η = β₀ + Σₖ βₖ xₖ`
    pub fn linear_predictor(&self, features: &[f64]) -> f64 {
        debug_assert_eq!(features.len(), self.coefficients.len());
        self.intercept
            + self
                .coefficients
                .iter()
                .zip(features)
                .map(|(beta, x)| beta * x)
                .sum::<f64>()
    }

    /// Fitted probability of default of one row of features.
    ///
    /// # Formula
    /// `p = 1 / (1 + exp(−η))`
    pub fn probability(&self, features: &[f64]) -> f64 {
        logistic(self.linear_predictor(features))
    }
}

/// Why a logistic regression could not be fitted. Each message is one line and names the rows or
/// features involved and what to change.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    /// The flat design does not hold `rows × features` values.
    #[error(
        "the design holds {values} values, but {rows} outcomes × {features} features need {expected}"
    )]
    ShapeMismatch {
        values: usize,
        rows: usize,
        features: usize,
        expected: usize,
    },
    /// The number of feature names differs from the number of columns.
    #[error("{names} feature names were given for {features} features; give one name per column")]
    NameCountMismatch { names: usize, features: usize },
    /// Fewer rows than parameters plus one.
    #[error(
        "too few rows: {rows} rows for {parameters} parameters (intercept and features); need at least {minimum}"
    )]
    TooFewRows {
        rows: usize,
        parameters: usize,
        minimum: usize,
    },
    /// The options cannot drive a fit.
    #[error("invalid fit options: {reason}")]
    InvalidOptions { reason: String },
    /// A feature value is NaN or infinite.
    #[error(
        "row {row} (0-based), feature `{feature}`: value {value} is not finite; fix or drop the row"
    )]
    NonFinite {
        row: usize,
        feature: String,
        value: f64,
    },
    /// No row has `y = 1`.
    #[error(
        "none of the {rows} rows defaults: a default model needs defaults; use a longer or larger history"
    )]
    NoEvents { rows: usize },
    /// Every row has `y = 1`.
    #[error(
        "all {rows} rows default: a default model needs non-defaults too; check the outcome column"
    )]
    AllEvents { rows: usize },
    /// A feature takes one value on every row, so it duplicates the intercept.
    #[error(
        "feature `{feature}` is {value} on every row, which duplicates the intercept; drop the feature"
    )]
    ConstantFeature { feature: String, value: f64 },
    /// A feature is (almost) a linear combination of others.
    #[error(
        "collinear features: `{feature}` is a linear combination of {} (R² = {r_squared:.12}); drop one of them or combine them",
        quoted(with)
    )]
    Collinear {
        /// The feature found to be dependent.
        feature: String,
        /// The features (possibly the intercept) it is a combination of.
        with: Vec<String>,
        /// Share of its variance explained by `with`.
        r_squared: f64,
    },
    /// One feature alone orders defaults above (or below) non-defaults.
    #[error(
        "perfect or quasi-complete separation by feature `{feature}`: every default has {feature} {default_side} {threshold} and every non-default {feature} {other_side} {threshold}, so its coefficient would be infinite; drop, bin or cap the feature"
    )]
    SeparatingFeature {
        feature: String,
        threshold: f64,
        default_side: &'static str,
        other_side: &'static str,
    },
    /// A combination of features separates defaults from non-defaults: the likelihood keeps rising
    /// while the coefficients diverge.
    #[error(
        "perfect or quasi-complete separation by a combination of {}: coefficients diverge and {saturated_rows} rows are fitted with probability 0 or 1 after {iterations} iterations; drop or merge these features",
        quoted(features)
    )]
    Separation {
        /// Features with the largest standardized coefficients, largest first.
        features: Vec<String>,
        saturated_rows: usize,
        iterations: usize,
    },
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fits `P(y = 1 | x) = 1 / (1 + exp(−(β₀ + Σₖ βₖ xₖ)))` by maximum likelihood.
///
/// `rows` is row-major, `outcomes.len()` rows × `feature_names.len()` features; the intercept is
/// added here. `true` in `outcomes` is a default (y = 1).
///
/// # Formula
/// IRLS is Newton–Raphson on the log-likelihood `ℓ(β) = Σᵢ yᵢηᵢ − ln(1 + e^{ηᵢ})`, `η = Xβ`:
/// `β ← β + (XᵀWX)⁻¹ Xᵀ(y − p)`, `W = diag(pᵢ(1 − pᵢ))`, which equals the weighted least squares
/// solution `(XᵀWX)⁻¹XᵀWz` with working response `z = η + W⁻¹(y − p)`. The step is halved while
/// it lowers ℓ. Standard errors are the square roots of the diagonal of the inverse Fisher
/// information `(XᵀWX)⁻¹` at the estimate.
///
/// References: McCullagh, P. & Nelder, J. A. (1989), *Generalized Linear Models*, 2nd ed.,
/// §2.5 and §4.4; on separation, Albert, A. & Anderson, J. A. (1984), "On the existence of
/// maximum likelihood estimates in logistic regression models", *Biometrika* 71(1).
///
/// # Errors
/// See [`FitError`]: shape, too few rows, non-finite values, no events or all events, constant
/// or collinear features, separation. A fit that runs out of iterations without diverging is
/// returned with `converged = false`.
pub fn fit_logistic(
    rows: &[f64],
    outcomes: &[bool],
    feature_names: &[String],
    options: FitOptions,
) -> Result<LogisticFit, FitError> {
    let design = Design::new(rows, outcomes, feature_names)?;
    validate_options(&options)?;
    let summary = design.column_summary();
    design.check_outcomes(summary.events)?;
    let scaling = design.scaling(&summary)?;
    design.check_collinearity(&scaling)?;
    design.check_single_feature_separation(&summary)?;
    let outcome = design.irls(&scaling, design.null_start(summary.events), &options)?;
    Ok(design.to_fit(&scaling, summary.events, outcome))
}

fn validate_options(options: &FitOptions) -> Result<(), FitError> {
    let reason = if options.max_iterations == 0 {
        "max_iterations must be at least 1"
    } else if !is_positive(options.log_likelihood_tolerance) {
        "log_likelihood_tolerance must be positive"
    } else if !is_positive(options.coefficient_tolerance) {
        "coefficient_tolerance must be positive"
    } else {
        return Ok(());
    };
    Err(FitError::InvalidOptions {
        reason: reason.to_string(),
    })
}

/// Positive and not NaN.
fn is_positive(value: f64) -> bool {
    value.partial_cmp(&0.0) == Some(std::cmp::Ordering::Greater)
}

/// Logistic function `1 / (1 + e^{−η})`, evaluated without overflow for either sign.
fn logistic(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// The validated input.
struct Design<'a> {
    rows: &'a [f64],
    outcomes: &'a [bool],
    names: &'a [String],
    features: usize,
}

/// Per-column statistics of one pass over the rows.
struct ColumnSummary {
    events: usize,
    sums: Vec<f64>,
    /// Smallest and largest value of each column among defaults and among non-defaults.
    default_min: Vec<f64>,
    default_max: Vec<f64>,
    other_min: Vec<f64>,
    other_max: Vec<f64>,
}

/// Centring and scaling of the columns, `zₖ = (xₖ − meanₖ) / sdₖ`, and the correlation matrix.
struct Scaling {
    means: Vec<f64>,
    inverse_sds: Vec<f64>,
    correlation: DMatrix<f64>,
}

/// Sums of one IRLS pass: packed upper triangle of `XᵀWX`, the score `Xᵀ(y − p)`, ℓ, and how many
/// rows are saturated.
#[derive(Clone)]
struct Accumulation {
    information: Vec<f64>,
    score: Vec<f64>,
    log_likelihood: f64,
    saturated_rows: usize,
}

impl Accumulation {
    fn zero(parameters: usize) -> Self {
        Self {
            information: vec![0.0; parameters * (parameters + 1) / 2],
            score: vec![0.0; parameters],
            log_likelihood: 0.0,
            saturated_rows: 0,
        }
    }

    fn add(&mut self, other: &Self) {
        for (a, b) in self.information.iter_mut().zip(&other.information) {
            *a += b;
        }
        for (a, b) in self.score.iter_mut().zip(&other.score) {
            *a += b;
        }
        self.log_likelihood += other.log_likelihood;
        self.saturated_rows += other.saturated_rows;
    }

    /// The full symmetric information matrix.
    fn information_matrix(&self, parameters: usize) -> DMatrix<f64> {
        let mut matrix = DMatrix::zeros(parameters, parameters);
        let mut index = 0;
        for a in 0..parameters {
            for b in a..parameters {
                matrix[(a, b)] = self.information[index];
                matrix[(b, a)] = self.information[index];
                index += 1;
            }
        }
        matrix
    }
}

/// Largest |γₖ| over the features (not the intercept).
fn largest_standardized_coefficient(gamma: &[f64]) -> f64 {
    gamma[1..].iter().map(|g| g.abs()).fold(0.0, f64::max)
}

/// Where the iterations ended, on the standardized scale.
struct IrlsOutcome {
    gamma: Vec<f64>,
    covariance: DMatrix<f64>,
    log_likelihood: f64,
    iterations: usize,
    converged: bool,
}

impl<'a> Design<'a> {
    fn new(rows: &'a [f64], outcomes: &'a [bool], names: &'a [String]) -> Result<Self, FitError> {
        let features = names.len();
        let n = outcomes.len();
        let expected = n * features;
        if rows.len() != expected {
            // A length that is a multiple of the row count means the names are what is off.
            if n > 0 && rows.len().is_multiple_of(n) {
                return Err(FitError::NameCountMismatch {
                    names: features,
                    features: rows.len() / n,
                });
            }
            return Err(FitError::ShapeMismatch {
                values: rows.len(),
                rows: n,
                features,
                expected,
            });
        }
        let parameters = features + 1;
        if n <= parameters {
            return Err(FitError::TooFewRows {
                rows: n,
                parameters,
                minimum: parameters + 1,
            });
        }
        if let Some(position) = rows.par_iter().position_first(|value| !value.is_finite()) {
            return Err(FitError::NonFinite {
                row: position / features,
                feature: names[position % features].clone(),
                value: rows[position],
            });
        }
        Ok(Self {
            rows,
            outcomes,
            names,
            features,
        })
    }

    fn len(&self) -> usize {
        self.outcomes.len()
    }

    fn chunks(&self) -> usize {
        self.len().div_ceil(ROWS_PER_CHUNK)
    }

    fn chunk_range(&self, chunk: usize) -> std::ops::Range<usize> {
        let start = chunk * ROWS_PER_CHUNK;
        start..(start + ROWS_PER_CHUNK).min(self.len())
    }

    fn row(&self, index: usize) -> &[f64] {
        &self.rows[index * self.features..(index + 1) * self.features]
    }

    /// Runs `per_chunk` on every chunk in parallel and folds the results in chunk order.
    fn map_reduce<T: Send>(
        &self,
        per_chunk: impl Fn(std::ops::Range<usize>) -> T + Sync + Send,
        mut fold: impl FnMut(&mut T, T),
    ) -> T {
        let mut parts = (0..self.chunks())
            .into_par_iter()
            .map(|chunk| per_chunk(self.chunk_range(chunk)))
            .collect::<Vec<T>>()
            .into_iter();
        let mut total = parts.next().expect("at least one row, so one chunk");
        for part in parts {
            fold(&mut total, part);
        }
        total
    }

    fn column_summary(&self) -> ColumnSummary {
        let k = self.features;
        self.map_reduce(
            |range| {
                let mut summary = ColumnSummary {
                    events: 0,
                    sums: vec![0.0; k],
                    default_min: vec![f64::INFINITY; k],
                    default_max: vec![f64::NEG_INFINITY; k],
                    other_min: vec![f64::INFINITY; k],
                    other_max: vec![f64::NEG_INFINITY; k],
                };
                for i in range {
                    let defaulted = self.outcomes[i];
                    summary.events += usize::from(defaulted);
                    let (low, high) = if defaulted {
                        (&mut summary.default_min, &mut summary.default_max)
                    } else {
                        (&mut summary.other_min, &mut summary.other_max)
                    };
                    for (j, &x) in self.row(i).iter().enumerate() {
                        summary.sums[j] += x;
                        low[j] = low[j].min(x);
                        high[j] = high[j].max(x);
                    }
                }
                summary
            },
            |total, part| {
                total.events += part.events;
                for j in 0..k {
                    total.sums[j] += part.sums[j];
                    total.default_min[j] = total.default_min[j].min(part.default_min[j]);
                    total.default_max[j] = total.default_max[j].max(part.default_max[j]);
                    total.other_min[j] = total.other_min[j].min(part.other_min[j]);
                    total.other_max[j] = total.other_max[j].max(part.other_max[j]);
                }
            },
        )
    }

    fn check_outcomes(&self, events: usize) -> Result<(), FitError> {
        if events == 0 {
            Err(FitError::NoEvents { rows: self.len() })
        } else if events == self.len() {
            Err(FitError::AllEvents { rows: self.len() })
        } else {
            Ok(())
        }
    }

    /// Means, standard deviations and the correlation matrix, from centred cross-products (a
    /// second pass, because one-pass raw moments lose digits for features with a large mean).
    fn scaling(&self, summary: &ColumnSummary) -> Result<Scaling, FitError> {
        let k = self.features;
        let n = self.len() as f64;
        let means: Vec<f64> = summary.sums.iter().map(|sum| sum / n).collect();
        let cross = self.map_reduce(
            |range| {
                let mut cross = vec![0.0; k * k];
                let mut centred = vec![0.0; k];
                for i in range {
                    for (j, &x) in self.row(i).iter().enumerate() {
                        centred[j] = x - means[j];
                    }
                    for a in 0..k {
                        for b in a..k {
                            cross[a * k + b] += centred[a] * centred[b];
                        }
                    }
                }
                cross
            },
            |total, part| total.iter_mut().zip(&part).for_each(|(t, p)| *t += p),
        );
        let sds: Vec<f64> = (0..k).map(|j| (cross[j * k + j] / n).sqrt()).collect();
        for j in 0..k {
            if sds[j] <= CONSTANT_FEATURE_RELATIVE_SD * means[j].abs().max(1.0) {
                return Err(FitError::ConstantFeature {
                    feature: self.names[j].clone(),
                    value: self.rows[j],
                });
            }
        }
        let correlation = DMatrix::from_fn(k, k, |a, b| {
            let (a, b) = (a.min(b), a.max(b));
            cross[a * k + b] / (n * sds[a] * sds[b])
        });
        Ok(Scaling {
            inverse_sds: sds.iter().map(|sd| 1.0 / sd).collect(),
            means,
            correlation,
        })
    }

    fn check_collinearity(&self, scaling: &Scaling) -> Result<(), FitError> {
        match first_dependent_column(&scaling.correlation) {
            Some(dependence) => Err(self.collinear_error(dependence, 0)),
            None => Ok(()),
        }
    }

    /// `offset` is 1 when the matrix's first row and column are the intercept's.
    fn collinear_error(&self, dependence: Dependence, offset: usize) -> FitError {
        let name = |index: usize| {
            if index < offset {
                INTERCEPT_NAME.to_string()
            } else {
                self.names[index - offset].clone()
            }
        };
        FitError::Collinear {
            feature: name(dependence.column),
            with: dependence.on.into_iter().map(name).collect(),
            r_squared: dependence.r_squared,
        }
    }

    /// One feature separates when every default lies on one side of a threshold and every
    /// non-default on the other (ties at the threshold allowed: quasi-complete separation).
    fn check_single_feature_separation(&self, summary: &ColumnSummary) -> Result<(), FitError> {
        for j in 0..self.features {
            let separation = if summary.other_max[j] <= summary.default_min[j] {
                Some((summary.default_min[j], "≥", "≤"))
            } else if summary.default_max[j] <= summary.other_min[j] {
                Some((summary.default_max[j], "≤", "≥"))
            } else {
                None
            };
            if let Some((threshold, default_side, other_side)) = separation {
                return Err(FitError::SeparatingFeature {
                    feature: self.names[j].clone(),
                    threshold,
                    default_side,
                    other_side,
                });
            }
        }
        Ok(())
    }

    /// One pass: `XᵀWX`, `Xᵀ(y − p)`, ℓ and saturated rows at standardized coefficients `gamma`
    /// (`gamma[0]` the intercept).
    fn accumulate(&self, scaling: &Scaling, gamma: &[f64]) -> Accumulation {
        let parameters = self.features + 1;
        self.map_reduce(
            |range| {
                let mut sums = Accumulation::zero(parameters);
                let mut z = vec![1.0; parameters];
                for i in range {
                    let mut eta = gamma[0];
                    for (j, &x) in self.row(i).iter().enumerate() {
                        let standardized = (x - scaling.means[j]) * scaling.inverse_sds[j];
                        z[j + 1] = standardized;
                        eta += gamma[j + 1] * standardized;
                    }
                    // p = σ(η) and 1 − p = σ(−η) both from e^{−|η|}, so neither loses digits
                    // near 0 or 1, and ln(1 + e^{−|η|}) gives ℓ without overflow.
                    let small = (-eta.abs()).exp();
                    let (p, q) = if eta >= 0.0 {
                        (1.0 / (1.0 + small), small / (1.0 + small))
                    } else {
                        (small / (1.0 + small), 1.0 / (1.0 + small))
                    };
                    let softplus_tail = small.ln_1p();
                    let (residual, loss) = if self.outcomes[i] {
                        (q, softplus_tail + (-eta).max(0.0))
                    } else {
                        (-p, softplus_tail + eta.max(0.0))
                    };
                    sums.log_likelihood -= loss;
                    sums.saturated_rows += usize::from(eta.abs() > SATURATED_LINEAR_PREDICTOR);
                    let weight = p * q;
                    let mut index = 0;
                    for a in 0..parameters {
                        sums.score[a] += residual * z[a];
                        let weighted = weight * z[a];
                        for &zb in &z[a..] {
                            sums.information[index] += weighted * zb;
                            index += 1;
                        }
                    }
                }
                sums
            },
            |total, part| total.add(&part),
        )
    }

    /// The intercept-only estimate, where the iterations start: the log-odds of the default
    /// rate, all standardized coefficients 0.
    fn null_start(&self, events: usize) -> Vec<f64> {
        let mut gamma = vec![0.0; self.features + 1];
        gamma[0] = (events as f64 / (self.len() - events) as f64).ln();
        gamma
    }

    /// Newton (IRLS) iterations from `start` (standardized coefficients, intercept first).
    fn irls(
        &self,
        scaling: &Scaling,
        start: Vec<f64>,
        options: &FitOptions,
    ) -> Result<IrlsOutcome, FitError> {
        let parameters = self.features + 1;
        let mut gamma = start;
        let mut current = self.accumulate(scaling, &gamma);
        let mut iterations = 0;
        let mut converged = false;
        // Consecutive iterations in which ℓ rose and the largest coefficient grew.
        let mut growth_streak = 0;
        while iterations < options.max_iterations {
            iterations += 1;
            let information = current.information_matrix(parameters);
            let Some(cholesky) = information.clone().cholesky() else {
                return Err(self.singular_information_error(
                    &information,
                    &gamma,
                    &current,
                    iterations,
                ));
            };
            let step = cholesky.solve(&DVector::from_column_slice(&current.score));
            let mut scale = 1.0;
            let mut halvings = 0;
            let (candidate, next, acceptable) = loop {
                let candidate: Vec<f64> = gamma
                    .iter()
                    .zip(step.iter())
                    .map(|(g, s)| g + scale * s)
                    .collect();
                let next = self.accumulate(scaling, &candidate);
                let noise = LOG_LIKELIHOOD_NOISE * (current.log_likelihood.abs() + 1.0);
                // Written so that a NaN likelihood counts as a fall.
                let acceptable = next.log_likelihood >= current.log_likelihood - noise;
                if acceptable || halvings == MAX_STEP_HALVINGS {
                    break (candidate, next, acceptable);
                }
                scale *= 0.5;
                halvings += 1;
            };
            if !acceptable {
                // Along an ascent direction a step of 2⁻³⁰ of Newton's would raise ℓ unless ℓ is
                // at its maximum to within rounding: keep the current estimate.
                converged = true;
                break;
            }
            let change = (next.log_likelihood - current.log_likelihood).abs()
                / (next.log_likelihood.abs() + 0.1);
            let largest_step = gamma
                .iter()
                .zip(&candidate)
                .map(|(old, new)| (new - old).abs())
                .fold(0.0, f64::max);
            let rising = next.log_likelihood > current.log_likelihood;
            let previous_largest = largest_standardized_coefficient(&gamma);
            gamma = candidate;
            current = next;
            growth_streak = if rising && largest_standardized_coefficient(&gamma) > previous_largest
            {
                growth_streak + 1
            } else {
                0
            };
            if change < options.log_likelihood_tolerance
                && largest_step < options.coefficient_tolerance
            {
                converged = true;
                break;
            }
            if growth_streak >= DIVERGING_ITERATIONS
                && current.saturated_rows > 0
                && largest_standardized_coefficient(&gamma) > DIVERGING_STANDARDIZED_COEFFICIENT
            {
                return Err(self.separation_error(&gamma, &current, iterations));
            }
        }
        if !converged && current.saturated_rows > 0 && growth_streak >= DIVERGING_ITERATIONS {
            return Err(self.separation_error(&gamma, &current, iterations));
        }
        let information = current.information_matrix(parameters);
        let Some(cholesky) = information.clone().cholesky() else {
            return Err(self.singular_information_error(
                &information,
                &gamma,
                &current,
                iterations,
            ));
        };
        Ok(IrlsOutcome {
            covariance: cholesky.inverse(),
            gamma,
            log_likelihood: current.log_likelihood,
            iterations,
            converged,
        })
    }

    fn separation_error(
        &self,
        gamma: &[f64],
        current: &Accumulation,
        iterations: usize,
    ) -> FitError {
        let largest = largest_standardized_coefficient(gamma);
        let mut members: Vec<(usize, f64)> = gamma[1..]
            .iter()
            .enumerate()
            .filter(|(_, g)| g.abs() >= SEPARATION_MEMBER_SHARE * largest)
            .map(|(j, g)| (j, g.abs()))
            .collect();
        members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        FitError::Separation {
            features: members
                .into_iter()
                .map(|(j, _)| self.names[j].clone())
                .collect(),
            saturated_rows: current.saturated_rows,
            iterations,
        }
    }

    /// `XᵀWX` failed to factor during the iterations. With saturated rows the weights have
    /// collapsed (separation); otherwise look for the dependent columns under the weights.
    fn singular_information_error(
        &self,
        information: &DMatrix<f64>,
        gamma: &[f64],
        current: &Accumulation,
        iterations: usize,
    ) -> FitError {
        if current.saturated_rows == 0 {
            let diagonal: Vec<f64> = information.diagonal().iter().map(|d| d.sqrt()).collect();
            let normalized = DMatrix::from_fn(information.nrows(), information.ncols(), |a, b| {
                information[(a, b)] / (diagonal[a] * diagonal[b])
            });
            if let Some(dependence) = first_dependent_column(&normalized) {
                return self.collinear_error(dependence, 1);
            }
        }
        self.separation_error(gamma, current, iterations)
    }

    /// Transforms the standardized estimate back to the units of the features.
    ///
    /// `βₖ = γₖ / sdₖ`, `β₀ = γ₀ − Σₖ γₖ meanₖ / sdₖ`; with `β = Aγ`, `Cov(β) = A Cov(γ) Aᵀ`.
    fn to_fit(&self, scaling: &Scaling, events: usize, outcome: IrlsOutcome) -> LogisticFit {
        let parameters = self.features + 1;
        let mut transform = DMatrix::<f64>::identity(parameters, parameters);
        for j in 0..self.features {
            transform[(0, j + 1)] = -scaling.means[j] * scaling.inverse_sds[j];
            transform[(j + 1, j + 1)] = scaling.inverse_sds[j];
        }
        let beta = &transform * DVector::from_column_slice(&outcome.gamma);
        let covariance = &transform * &outcome.covariance * transform.transpose();
        let n = self.len() as f64;
        let (n1, n0) = (events as f64, n - events as f64);
        LogisticFit {
            feature_names: self.names.to_vec(),
            intercept: beta[0],
            coefficients: beta.iter().skip(1).copied().collect(),
            standard_errors: covariance.diagonal().iter().map(|v| v.sqrt()).collect(),
            iterations: outcome.iterations,
            log_likelihood: outcome.log_likelihood,
            null_log_likelihood: n1 * (n1 / n).ln() + n0 * (n0 / n).ln(),
            rows: self.len(),
            events,
            converged: outcome.converged,
        }
    }
}

/// A column that is (almost) a linear combination of earlier columns.
#[derive(Debug, PartialEq)]
struct Dependence {
    column: usize,
    on: Vec<usize>,
    r_squared: f64,
}

/// Walks the columns of a symmetric positive semi-definite matrix with unit diagonal (a
/// correlation matrix, or a normalized information matrix) in order and returns the first one
/// whose share of variance unexplained by the columns kept so far is below
/// [`COLLINEAR_UNEXPLAINED_SHARE`], with the kept columns that carry weight in the combination.
///
/// # Formula
/// For kept set `S` and column `j`: `b = R_SS⁻¹ R_Sj`, `1 − R² = R_jj − R_jSᵀ b` (the Schur
/// complement; the pivots of a Cholesky factorization in column order).
fn first_dependent_column(matrix: &DMatrix<f64>) -> Option<Dependence> {
    let mut kept: Vec<usize> = Vec::new();
    for j in 0..matrix.ncols() {
        if kept.is_empty() {
            if matrix[(j, j)] < COLLINEAR_UNEXPLAINED_SHARE {
                return Some(Dependence {
                    column: j,
                    on: Vec::new(),
                    r_squared: 1.0,
                });
            }
            kept.push(j);
            continue;
        }
        let kept_block =
            DMatrix::from_fn(kept.len(), kept.len(), |a, b| matrix[(kept[a], kept[b])]);
        let cross = DVector::from_fn(kept.len(), |a, _| matrix[(kept[a], j)]);
        // The kept block passed this test column by column, so it is positive definite.
        let weights = kept_block
            .cholesky()
            .expect("kept columns are linearly independent")
            .solve(&cross);
        let unexplained = matrix[(j, j)] - cross.dot(&weights);
        if unexplained < COLLINEAR_UNEXPLAINED_SHARE {
            let largest = weights.iter().map(|w| w.abs()).fold(0.0, f64::max);
            return Some(Dependence {
                column: j,
                on: kept
                    .iter()
                    .zip(weights.iter())
                    .filter(|(_, w)| w.abs() >= COLLINEAR_MEMBER_SHARE * largest)
                    .map(|(&column, _)| column)
                    .collect(),
                r_squared: 1.0 - unexplained.max(0.0),
            });
        }
        kept.push(j);
    }
    None
}

#[cfg(test)]
mod tests;
