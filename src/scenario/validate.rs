//! Reading a scenario file (SPEC §2.3): TOML text → [`schema`](super::schema) values →
//! a validated [`Scenario`], or every problem of the file at once.
//!
//! Two kinds of problem, one line each:
//! - the shape (TOML syntax, unknown keys, wrong types) comes from the `toml` crate and is
//!   reported as `FILE:LINE:COL: message` — serde stops at the first one;
//! - the meaning (ranges, exactly-one-of rules, tranche and rating cross-references, files
//!   that must exist, the segment correlation matrix, waterfall step lists) is checked here
//!   and reported as ``FILE: `key.path`: what is wrong and what is allowed``, all together.
//!
//! Things that are suspicious but not wrong (a trigger whose effect cannot apply to this
//! deal, say) are returned as warnings beside the scenario.
//!
//! Checks that need the receivables themselves — every tape term present in
//! `cpr_by_term`, tape segments listed in `[assumptions.segments]`, purchases maturing
//! after the horizon — belong to the pool stage, which has the tape.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::calibration::CalibrationFile;
use super::schema::{
    RawAssumptions, RawCredit, RawDeal, RawDeterministic, RawFrontier, RawPool, RawRateCurve,
    RawReport, RawScenario, RawSegments, RawSimulation, RawTargets, RawTranche, RawTrigger,
    RawWaterfall,
};
use super::stress::{DEFAULT_STRESS_NAME, DEFAULT_STRESS_TOML, StressTable};
use super::{
    Assumptions, CalibrationUse, CreditSpec, Deal, DeterministicStress, FrontierSpec, PoolSource,
    PoolSpec, Prepayment, PrincipalMode, RateCurve, ReportSettings, Scenario, SegmentCorrelation,
    SimulationSettings, SizingMethod, Targets, Tranche, Trigger, TriggerEffect, TriggerMetric,
    TriggerTest, Waterfall, WaterfallStep,
};
use crate::credit::{ConfigError, Policy, Scorecard};
use crate::i18n::Lang;
use crate::ratings::RatingTable;
#[cfg(test)]
use crate::tape::problems::line_and_column;
use crate::tape::problems::{clip, show_number, toml_problem};
use crate::units::{
    MAX_LIMIT_MULTIPLIER, MAX_PATHS, MAX_POOL_BALANCE_CNY, MAX_RECEIVABLES, MIN_TARGET_BALANCE_CNY,
};

/// Segments with their own factor that the Monte Carlo model can hold (its per-path tables
/// are indexed by 16-bit cells, 1,024 per segment).
pub const MAX_SEGMENTS: usize = 64;

/// Tranche shares must sum to 1 within this.
pub const SHARE_SUM_TOLERANCE: f64 = 1e-9;

/// The segment factor matrix must be symmetric, with a unit diagonal, within this.
pub const CORRELATION_MATRIX_TOLERANCE: f64 = 1e-12;

/// Longest horizon and recovery lag, in months (ten years).
pub const MAX_MONTHS: i64 = 120;

/// Longest receivable term (SPEC §2.1), the range of `cpr_by_term` keys: the tape's.
pub use crate::tape::reader::MAX_TERM_MONTHS;

/// `[simulation] paths` when not given.
pub const DEFAULT_PATHS: usize = 10_000;

/// `[simulation] seed` when not given.
pub const DEFAULT_SEED: u64 = 20_151_024;

/// `[frontier] paths` when not given: Monte Carlo paths per grid point, chosen so that the
/// default grid of 10 cut-offs × 3 multipliers on 200,000 applicants runs in under five
/// minutes on a 2-core machine (README, benches/README.md).
pub const DEFAULT_FRONTIER_PATHS: usize = 1_000;

/// `[frontier] limit_multipliers` when not given.
pub const DEFAULT_LIMIT_MULTIPLIERS: [f64; 3] = [0.8, 1.0, 1.2];

/// Scores a `[frontier]` cut-off can take (the policy file's rule for `cutoff`).
const CUTOFF_SCORES: Interval = Interval {
    low: 300.0,
    low_inclusive: true,
    high: Some(1000.0),
    high_inclusive: true,
};

/// A scenario that passed validation, with the warnings it raised.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated scenario.
    pub scenario: Scenario,
    /// One line each, `FILE: `key.path`: …`; suspicious but not wrong.
    pub warnings: Vec<String>,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error(
        "{file}: cannot read the scenario: {source}{}",
        relative_hint(file, source)
    )]
    Io {
        file: String,
        source: std::io::Error,
    },
    /// The file was read but is not a valid scenario. Each problem is a complete line that
    /// starts with the file name; `Display` prints them one per line.
    #[error("{}", problems.join("\n"))]
    Invalid { file: String, problems: Vec<String> },
}

impl ScenarioError {
    /// The problem lines (one, for an unreadable file).
    pub fn problems(&self) -> Vec<String> {
        match self {
            ScenarioError::Io { .. } => vec![self.to_string()],
            ScenarioError::Invalid { problems, .. } => problems.clone(),
        }
    }
}

/// For a relative path that is not there, what it was taken relative to: a scenario named on
/// the command line is found from the current folder, not from the project's.
fn relative_hint(file: &str, source: &std::io::Error) -> String {
    let path = Path::new(file);
    if source.kind() != std::io::ErrorKind::NotFound || path.is_absolute() {
        return String::new();
    }
    match std::env::current_dir() {
        Ok(dir) => format!(
            " (a relative path is taken from the current folder, {})",
            dir.display()
        ),
        Err(_) => " (a relative path is taken from the current folder)".into(),
    }
}

/// Reads and validates the scenario file at `path`; relative paths inside it are resolved
/// against its folder.
/// A scenario that `extends` another is read with it ([`super::overrides::load`]).
pub fn load(path: &Path) -> Result<Loaded, ScenarioError> {
    super::overrides::load(path, &[]).map(|layered| layered.loaded)
}

/// Validates scenario `text`. Relative paths inside it are resolved against `base_dir`;
/// `file_label` starts every problem line. The scenario's `file` is left `None`
/// ([`load`] fills it).
pub fn parse(text: &str, base_dir: &Path, file_label: &str) -> Result<Loaded, ScenarioError> {
    let raw: RawScenario = toml::from_str(text).map_err(|error| ScenarioError::Invalid {
        file: file_label.to_string(),
        problems: vec![toml_problem(file_label, text, &error)],
    })?;
    if raw.extends.is_some() {
        return Err(ScenarioError::Invalid {
            file: file_label.to_string(),
            problems: vec![format!(
                "{file_label}: `extends`: only a scenario file can extend another (read it with `load`)"
            )],
        });
    }
    let mut checker = Checker {
        file: file_label,
        base_dir,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let scenario = checker.scenario(raw);
    match scenario {
        Some(scenario) if checker.problems.is_empty() => Ok(Loaded {
            scenario,
            warnings: checker.warnings,
        }),
        _ => {
            debug_assert!(
                !checker.problems.is_empty(),
                "every rejected section records a problem"
            );
            Err(ScenarioError::Invalid {
                file: file_label.to_string(),
                problems: checker.problems,
            })
        }
    }
}

/// Whether two matrix entries agree to [`CORRELATION_MATRIX_TOLERANCE`]; false for NaN.
fn within_tolerance(value: f64, expected: f64) -> bool {
    (value - expected).abs() <= CORRELATION_MATRIX_TOLERANCE
}

/// A number written for a message: up to 10 decimals, trailing zeros dropped, so sums such
/// as 0.9500000000000001 read as 0.95; magnitudes from 10¹⁵ in exponent form (`1e308`).
fn show(value: f64) -> String {
    if !value.is_finite() || value.abs() >= 1e15 {
        return show_number(value);
    }
    let text = format!("{value:.10}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// An allowed range of a real number; always excludes NaN and infinities.
#[derive(Debug, Clone, Copy)]
struct Interval {
    low: f64,
    low_inclusive: bool,
    /// `None`: no upper bound (other than finiteness).
    high: Option<f64>,
    high_inclusive: bool,
}

impl Interval {
    /// [0, 1): probabilities and rates that cannot be certain.
    const UNIT_HALF_OPEN: Interval = Interval {
        low: 0.0,
        low_inclusive: true,
        high: Some(1.0),
        high_inclusive: false,
    };
    /// [0, 1].
    const UNIT_CLOSED: Interval = Interval {
        low: 0.0,
        low_inclusive: true,
        high: Some(1.0),
        high_inclusive: true,
    };
    /// (0, 1].
    const UNIT_OPEN_LOW: Interval = Interval {
        low: 0.0,
        low_inclusive: false,
        high: Some(1.0),
        high_inclusive: true,
    };
    /// (0, ∞): amounts and multipliers.
    const POSITIVE: Interval = Interval {
        low: 0.0,
        low_inclusive: false,
        high: None,
        high_inclusive: false,
    };
    /// [1, 10¹²] CNY: a closing pool the waterfall conserves to the cent (`units` limits).
    const TARGET_BALANCE: Interval = Interval {
        low: MIN_TARGET_BALANCE_CNY,
        low_inclusive: true,
        high: Some(MAX_POOL_BALANCE_CNY),
        high_inclusive: true,
    };
    /// (0, 100]: limit multipliers.
    const LIMIT_MULTIPLIER: Interval = Interval {
        low: 0.0,
        low_inclusive: false,
        high: Some(MAX_LIMIT_MULTIPLIER),
        high_inclusive: true,
    };
    /// [0, 10 000): basis points below 100 %.
    const BASIS_POINTS: Interval = Interval {
        low: 0.0,
        low_inclusive: true,
        high: Some(10_000.0),
        high_inclusive: false,
    };
    /// [−1, 1]: a correlation.
    const CORRELATION: Interval = Interval {
        low: -1.0,
        low_inclusive: true,
        high: Some(1.0),
        high_inclusive: true,
    };

    fn contains(self, value: f64) -> bool {
        let above_low = if self.low_inclusive {
            value >= self.low
        } else {
            value > self.low
        };
        let below_high = match self.high {
            Some(high) if self.high_inclusive => value <= high,
            Some(high) => value < high,
            None => true,
        };
        value.is_finite() && above_low && below_high
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.high {
            None if self.low_inclusive => write!(f, "a finite number ≥ {}", show(self.low)),
            None => write!(f, "a finite number > {}", show(self.low)),
            Some(high) => write!(
                f,
                "in {}{}, {}{}",
                if self.low_inclusive { '[' } else { '(' },
                show(self.low),
                show(high),
                if self.high_inclusive { ']' } else { ')' },
            ),
        }
    }
}

/// Collects problems and warnings while turning raw values into validated ones. Each
/// section method returns `None` exactly when it recorded at least one problem.
struct Checker<'a> {
    file: &'a str,
    base_dir: &'a Path,
    problems: Vec<String>,
    warnings: Vec<String>,
}

impl Checker<'_> {
    fn problem(&mut self, key: &str, what: impl fmt::Display) {
        self.problems
            .push(format!("{}: `{key}`: {what}", self.file));
    }

    fn warn(&mut self, key: &str, what: impl fmt::Display) {
        self.warnings
            .push(format!("{}: `{key}`: {what}", self.file));
    }

    fn required<T>(&mut self, key: &str, value: Option<T>, hint: &str) -> Option<T> {
        if value.is_none() {
            self.problem(key, format!("is required ({hint})"));
        }
        value
    }

    /// `value` if it lies in `allowed`, else a problem.
    fn real(&mut self, key: &str, value: f64, allowed: Interval) -> Option<f64> {
        if allowed.contains(value) {
            Some(value)
        } else {
            self.problem(
                key,
                format!("{} is out of range, it must be {allowed}", show(value)),
            );
            None
        }
    }

    /// An optional real number with a default.
    fn real_or(
        &mut self,
        key: &str,
        value: Option<f64>,
        default: f64,
        allowed: Interval,
    ) -> Option<f64> {
        match value {
            Some(value) => self.real(key, value, allowed),
            None => Some(default),
        }
    }

    /// An optional real number without a default: `Some(None)` when absent.
    fn real_optional(
        &mut self,
        key: &str,
        value: Option<f64>,
        allowed: Interval,
    ) -> Option<Option<f64>> {
        match value {
            Some(value) => self.real(key, value, allowed).map(Some),
            None => Some(None),
        }
    }

    fn integer(&mut self, key: &str, value: i64, low: i64, high: i64) -> Option<i64> {
        if (low..=high).contains(&value) {
            Some(value)
        } else {
            self.problem(
                key,
                format!("{value} is out of range, it must be a whole number from {low} to {high}"),
            );
            None
        }
    }

    /// A path relative to the scenario's folder that must name an existing file.
    fn existing_file(&mut self, key: &str, relative: &str) -> Option<PathBuf> {
        if relative.trim().is_empty() {
            self.problem(
                key,
                "is empty, it must name a file (relative to the scenario's folder)",
            );
            return None;
        }
        let resolved = self.base_dir.join(relative);
        if resolved.is_file() {
            Some(resolved)
        } else {
            self.problem(
                key,
                format!(
                    "file `{}` does not exist (paths are relative to the scenario's folder)",
                    resolved.display()
                ),
            );
            None
        }
    }

    fn scenario(&mut self, raw: RawScenario) -> Option<Scenario> {
        let name = self.name(raw.name);
        let pool = self.pool(raw.pool);
        let credit = self.credit(raw.credit);
        let assumptions = self.assumptions(raw.assumptions);
        let deal = self.deal(raw.deal);
        let simulation = self.simulation(raw.simulation);
        let horizon = deal.as_ref().map(|deal| deal.horizon_months);
        let deterministic = self.deterministic(raw.deterministic, horizon);
        let targets = self.targets(raw.targets);
        let frontier = self.frontier(raw.frontier);
        let report = self.report(raw.report);
        Some(Scenario {
            name: name?,
            description: raw.description.unwrap_or_default(),
            file: None,
            pool: pool?,
            credit: credit?,
            assumptions: assumptions?,
            deal: deal?,
            simulation: simulation?,
            deterministic: deterministic?,
            targets: targets?,
            frontier: frontier?,
            report: report?,
        })
    }

    fn report(&mut self, raw: Option<RawReport>) -> Option<ReportSettings> {
        let raw = raw.unwrap_or_default();
        let lang = match raw.lang {
            Some(code) => match code.parse::<Lang>() {
                Ok(lang) => lang,
                Err(e) => {
                    self.problem("report.lang", e.to_string());
                    return None;
                }
            },
            None => Lang::default(),
        };
        Some(ReportSettings { lang })
    }

    fn name(&mut self, name: Option<String>) -> Option<String> {
        let name = self.required("name", name, "it names the report folder")?;
        if !super::names::is_folder_name(&name) {
            self.problem(
                "name",
                format!(
                    "`{}` cannot be a folder name: use letters (any script), digits, `-`, `_` and `.` only",
                    clip(&name)
                ),
            );
            return None;
        }
        Some(name)
    }
}

mod assumptions;
mod deal;
mod pool;
mod settings;
mod waterfall;

#[cfg(test)]
mod tests;
