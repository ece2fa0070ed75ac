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
    RawScenario, RawSegments, RawSimulation, RawTargets, RawTranche, RawTrigger, RawWaterfall,
};
use super::stress::{DEFAULT_STRESS_NAME, DEFAULT_STRESS_TOML, StressTable};
use super::{
    Assumptions, CalibrationUse, CreditSpec, Deal, DeterministicStress, FrontierSpec, PoolSource,
    PoolSpec, Prepayment, PrincipalMode, RateCurve, Scenario, SegmentCorrelation,
    SimulationSettings, SizingMethod, Targets, Tranche, Trigger, TriggerEffect, TriggerMetric,
    TriggerTest, Waterfall, WaterfallStep,
};
use crate::credit::{ConfigError, Policy, Scorecard};
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
    #[error("{file}: cannot read the scenario: {source}")]
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
        })
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

    fn pool(&mut self, raw: Option<RawPool>) -> Option<PoolSpec> {
        let raw = self.required(
            "pool",
            raw,
            "a `[pool]` table with `tape = \"FILE\"` or `synthetic = { receivables = N, seed = S }`",
        )?;
        let source = match (raw.tape, raw.synthetic) {
            (Some(_), Some(_)) => {
                self.problem(
                    "pool",
                    "has both `tape` and `synthetic`, give exactly one of them",
                );
                None
            }
            (None, None) => {
                self.problem(
                    "pool",
                    "has neither `tape` nor `synthetic`, give exactly one of them",
                );
                None
            }
            (Some(tape), None) => self.existing_file("pool.tape", &tape).map(PoolSource::Tape),
            (None, Some(synthetic)) => {
                let receivables = self
                    .required(
                        "pool.synthetic.receivables",
                        synthetic.receivables,
                        "the number of receivables to generate, at least 1",
                    )
                    .and_then(|n| {
                        self.integer("pool.synthetic.receivables", n, 1, MAX_RECEIVABLES as i64)
                    });
                let seed = self
                    .required(
                        "pool.synthetic.seed",
                        synthetic.seed,
                        "a whole number ≥ 0 that fixes the generated tape",
                    )
                    .and_then(|s| self.integer("pool.synthetic.seed", s, 0, i64::MAX));
                match (receivables, seed) {
                    (Some(receivables), Some(seed)) => Some(PoolSource::Synthetic {
                        receivables: usize::try_from(receivables).ok()?,
                        seed: seed.unsigned_abs(),
                    }),
                    _ => None,
                }
            }
        };
        let target_balance = self.real_optional(
            "pool.target_balance",
            raw.target_balance,
            Interval::TARGET_BALANCE,
        );
        Some(PoolSpec {
            source: source?,
            target_balance: target_balance?,
        })
    }

    /// The credit model and policy files, read with the readers `decide` uses, so a file
    /// `decide` or `frontier` would refuse is refused here, every problem listed.
    fn credit(&mut self, raw: Option<RawCredit>) -> Option<CreditSpec> {
        let raw = raw.unwrap_or_default();
        let model = raw.model.map(|model| {
            let path = self.existing_file("credit.model", &model)?;
            let read = Scorecard::read(&path).map(|_| ());
            self.credit_file("credit.model", read).then_some(path)
        });
        let policy = raw.policy.map(|policy| {
            let path = self.existing_file("credit.policy", &policy)?;
            let read = Policy::read(&path).map(|_| ());
            self.credit_file("credit.policy", read).then_some(path)
        });
        Some(CreditSpec {
            model: model.map_or(Some(None), |resolved| resolved.map(Some))?,
            policy: policy.map_or(Some(None), |resolved| resolved.map(Some))?,
        })
    }

    /// Records the problems of a credit file under `key`; true when it has none.
    fn credit_file(&mut self, key: &str, read: Result<(), ConfigError>) -> bool {
        match read {
            Ok(()) => true,
            Err(ConfigError::Invalid { problems, .. }) => {
                for problem in problems {
                    self.problem(key, problem);
                }
                false
            }
            Err(error) => {
                self.problem(key, error);
                false
            }
        }
    }

    fn assumptions(&mut self, raw: Option<RawAssumptions>) -> Option<Assumptions> {
        let raw = self.required(
            "assumptions",
            raw,
            "an `[assumptions]` table with at least `correlation`, `cpr` and `recovery_rate`, or a `calibration` file",
        )?;
        let (raw, calibration) = match raw.calibration.clone() {
            Some(relative) => {
                let (raw, used) = self.calibrated(raw, &relative)?;
                (raw, Some(used))
            }
            None => (raw, None),
        };
        let pd_multiplier = self.real_or(
            "assumptions.pd_multiplier",
            raw.pd_multiplier,
            1.0,
            Interval::POSITIVE,
        );
        let correlation = self
            .required(
                "assumptions.correlation",
                raw.correlation,
                "the asset correlation ρ, in [0, 1)",
            )
            .and_then(|rho| self.real("assumptions.correlation", rho, Interval::UNIT_HALF_OPEN));
        let prepayment = self.prepayment(raw.cpr, raw.cpr_by_term);
        let recovery_rate = self
            .required(
                "assumptions.recovery_rate",
                raw.recovery_rate,
                "the share of a defaulted balance recovered, in [0, 1]",
            )
            .and_then(|rate| self.real("assumptions.recovery_rate", rate, Interval::UNIT_CLOSED));
        let recovery_lag_months = self
            .integer(
                "assumptions.recovery_lag_months",
                raw.recovery_lag_months.unwrap_or(0),
                0,
                MAX_MONTHS,
            )
            .and_then(|lag| u32::try_from(lag).ok());
        let yield_haircut = self.real_or(
            "assumptions.yield_haircut",
            raw.yield_haircut,
            0.0,
            Interval::UNIT_HALF_OPEN,
        );
        let segments = match raw.segments {
            Some(segments) => self.segments(segments).map(Some),
            None => Some(None),
        };
        Some(Assumptions {
            pd_multiplier: pd_multiplier?,
            correlation: correlation?,
            prepayment: prepayment?,
            recovery_rate: recovery_rate?,
            recovery_lag_months: recovery_lag_months?,
            yield_haircut: yield_haircut?,
            segments: segments?,
            calibration,
        })
    }

    /// `[assumptions]` with the keys it leaves out filled from its `calibration` file
    /// (SPEC §4.6): `correlation` ← ρ, `pd_multiplier` ← the PD scale, `cpr` (unless
    /// `cpr_by_term` is given) ← the annual CPR, `recovery_rate` and `recovery_lag_months`;
    /// a key the scenario gives overrides the calibrated value. Values from the file are
    /// checked like the scenario's own.
    fn calibrated(
        &mut self,
        mut raw: RawAssumptions,
        relative: &str,
    ) -> Option<(RawAssumptions, CalibrationUse)> {
        let key = "assumptions.calibration";
        let file = self.existing_file(key, relative)?;
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                self.problem(key, format!("`{}` cannot be read: {e}", file.display()));
                return None;
            }
        };
        let calibration: CalibrationFile = match toml::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                // the problem is the calibration file's own, at its line and column
                self.problems.push(format!(
                    "{} (named by {}: `{key}`; a calibration file is written by `calibrate`)",
                    toml_problem(&file.display().to_string(), &text, &e),
                    self.file
                ));
                return None;
            }
        };
        let all = &calibration.all;
        let mut calibrated = Vec::new();
        let mut overridden = Vec::new();
        let mut take = |given: bool, name: &'static str| {
            if given {
                overridden.push(name);
            } else {
                calibrated.push(name);
            }
            !given
        };
        if take(raw.correlation.is_some(), "correlation") {
            raw.correlation = Some(all.rho);
        }
        if take(raw.pd_multiplier.is_some(), "pd_multiplier") {
            raw.pd_multiplier = Some(all.pd_scale);
        }
        if take(raw.cpr.is_some() || raw.cpr_by_term.is_some(), "cpr") {
            raw.cpr = Some(all.cpr);
        }
        if take(raw.recovery_rate.is_some(), "recovery_rate") {
            raw.recovery_rate = Some(all.recovery_rate);
        }
        if take(raw.recovery_lag_months.is_some(), "recovery_lag_months") {
            raw.recovery_lag_months = Some(i64::from(all.recovery_lag_months));
        }
        let used = CalibrationUse {
            file,
            history: calibration.source.history.clone(),
            data_date: calibration.source.data_date.clone(),
            calibrated,
            overridden,
            rho_ci90: all.rho_ci90,
            lifetime_charge_off_rate: all.lifetime_charge_off_rate,
        };
        Some((raw, used))
    }

    fn prepayment(
        &mut self,
        cpr: Option<f64>,
        cpr_by_term: Option<BTreeMap<String, f64>>,
    ) -> Option<Prepayment> {
        match (cpr, cpr_by_term) {
            (Some(_), Some(_)) => {
                self.problem(
                    "assumptions",
                    "has both `cpr` and `cpr_by_term`, give exactly one of them",
                );
                None
            }
            (None, None) => {
                self.problem(
                    "assumptions.cpr",
                    "is required (an annual prepayment rate in [0, 1)), or give `cpr_by_term`",
                );
                None
            }
            (Some(cpr), None) => self
                .real("assumptions.cpr", cpr, Interval::UNIT_HALF_OPEN)
                .map(Prepayment::Flat),
            (None, Some(by_term)) => self.cpr_by_term(by_term).map(Prepayment::ByTerm),
        }
    }

    fn cpr_by_term(&mut self, raw: BTreeMap<String, f64>) -> Option<BTreeMap<u32, f64>> {
        if raw.is_empty() {
            self.problem(
                "assumptions.cpr_by_term",
                "is empty, it must give the CPR of every term on the tape",
            );
            return None;
        }
        let mut table = BTreeMap::new();
        let mut valid = true;
        for (key, cpr) in raw {
            let path = format!("assumptions.cpr_by_term.{key}");
            let term = key
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|term| (1..=MAX_TERM_MONTHS).contains(term));
            let Some(term) = term else {
                self.problem(
                    &path,
                    format!(
                        "`{}` is not a term: keys are whole numbers of months from 1 to {MAX_TERM_MONTHS}",
                        clip(&key)
                    ),
                );
                valid = false;
                continue;
            };
            let Some(cpr) = self.real(&path, cpr, Interval::UNIT_HALF_OPEN) else {
                valid = false;
                continue;
            };
            if table.insert(term, cpr).is_some() {
                self.problem(&path, format!("term {term} is given twice"));
                valid = false;
            }
        }
        valid.then_some(table)
    }

    fn segments(&mut self, raw: RawSegments) -> Option<SegmentCorrelation> {
        let names = self.required(
            "assumptions.segments.names",
            raw.names,
            "the segment names, in the order of `rho` and of the matrix rows",
        );
        let rho = self.required(
            "assumptions.segments.rho",
            raw.rho,
            "each segment's asset correlation, in [0, 1)",
        );
        let matrix = self.required(
            "assumptions.segments.factor_correlation",
            raw.factor_correlation,
            "the correlation matrix of the segment factors, one row per segment",
        );

        let names = names.and_then(|names| self.segment_names(names));
        let rho = rho.and_then(|rho| {
            let mut valid = true;
            for (i, value) in rho.iter().enumerate() {
                let key = format!("assumptions.segments.rho[{i}]");
                valid &= self.real(&key, *value, Interval::UNIT_HALF_OPEN).is_some();
            }
            valid.then_some(rho)
        });
        let (names, rho, matrix) = (names?, rho?, matrix?);
        if rho.len() != names.len() {
            self.problem(
                "assumptions.segments.rho",
                format!(
                    "has {} values for {} segments, give one per name",
                    rho.len(),
                    names.len()
                ),
            );
            return None;
        }
        let (factor_correlation, factor_cholesky) = self.factor_matrix(&names, &matrix)?;
        Some(SegmentCorrelation {
            names,
            rho,
            factor_correlation,
            factor_cholesky,
        })
    }

    fn segment_names(&mut self, names: Vec<String>) -> Option<Vec<String>> {
        let key = "assumptions.segments.names";
        if names.is_empty() {
            self.problem(key, "is empty, list at least one segment");
            return None;
        }
        if names.len() > MAX_SEGMENTS {
            self.problem(
                key,
                format!(
                    "lists {} segments; at most {MAX_SEGMENTS} segments with their own factor are supported",
                    names.len()
                ),
            );
            return None;
        }
        let mut valid = true;
        for (i, name) in names.iter().enumerate() {
            if name.trim().is_empty() {
                self.problem(&format!("{key}[{i}]"), "is empty, a segment needs a name");
                valid = false;
            } else if super::names::has_control(name) {
                self.problem(&format!("{key}[{i}]"), super::names::CONTROL_RULE);
                valid = false;
            } else if names[..i].contains(name) {
                self.problem(
                    &format!("{key}[{i}]"),
                    format!(
                        "`{}` is listed twice, segment names must be unique",
                        clip(name)
                    ),
                );
                valid = false;
            }
        }
        valid.then_some(names)
    }

    /// The factor correlation matrix and its Cholesky factor. nalgebra reads only the lower
    /// triangle and checks nothing else, so symmetry, the diagonal and the range of the
    /// entries are checked here first (DEPENDENCIES §5).
    fn factor_matrix(
        &mut self,
        names: &[String],
        rows: &[Vec<f64>],
    ) -> Option<(nalgebra::DMatrix<f64>, nalgebra::DMatrix<f64>)> {
        let key = "assumptions.segments.factor_correlation";
        let size = names.len();
        if rows.len() != size || rows.iter().any(|row| row.len() != size) {
            let shape: Vec<String> = rows.iter().map(|row| row.len().to_string()).collect();
            self.problem(
                key,
                format!(
                    "must be a {size}×{size} matrix (one row and one column per segment), found {} rows of lengths [{}]",
                    rows.len(),
                    shape.join(", ")
                ),
            );
            return None;
        }
        let mut valid = true;
        for i in 0..size {
            for j in 0..size {
                let entry = rows[i][j];
                let entry_key = format!("{key}[{i}][{j}]");
                if i == j {
                    if !within_tolerance(entry, 1.0) {
                        self.problem(
                            &entry_key,
                            format!("the diagonal must be 1, found {}", show(entry)),
                        );
                        valid = false;
                    }
                } else if self
                    .real(&entry_key, entry, Interval::CORRELATION)
                    .is_none()
                {
                    valid = false;
                } else if j > i && rows[j][i].is_finite() && !within_tolerance(entry, rows[j][i]) {
                    self.problem(
                        key,
                        format!(
                            "is not symmetric: row {i}, column {j} is {} but row {j}, column {i} is {} (segments `{}` and `{}`)",
                            show(entry),
                            show(rows[j][i]),
                            clip(&names[i]),
                            clip(&names[j])
                        ),
                    );
                    valid = false;
                }
            }
        }
        if !valid {
            return None;
        }
        let matrix = nalgebra::DMatrix::from_fn(size, size, |i, j| rows[i][j]);
        match matrix.clone().cholesky() {
            Some(cholesky) => Some((matrix, cholesky.l())),
            None => {
                self.problem(
                    key,
                    format!(
                        "the matrix of segments {} is not positive definite (it has no Cholesky factor): the correlations are inconsistent with each other or a segment is perfectly correlated with the others",
                        names.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn deal(&mut self, raw: Option<RawDeal>) -> Option<Deal> {
        let raw = self.required(
            "deal",
            raw,
            "a `[deal]` table with `horizon_months`, `revolving_months` and `tranches`",
        )?;
        let horizon_months = self
            .required(
                "deal.horizon_months",
                raw.horizon_months,
                "the legal final month, from 1 to 120",
            )
            .and_then(|months| self.integer("deal.horizon_months", months, 1, MAX_MONTHS));
        let revolving_months = self
            .required(
                "deal.revolving_months",
                raw.revolving_months,
                "the number of months that buy new receivables, 0 for a static pool",
            )
            .and_then(|months| match horizon_months {
                Some(horizon) if !(0..horizon).contains(&months) => {
                    self.problem(
                        "deal.revolving_months",
                        format!(
                            "{months} is out of range, it must be a whole number from 0 to {} (below `deal.horizon_months` = {horizon}, so at least one month amortizes)",
                            horizon - 1
                        ),
                    );
                    None
                }
                Some(_) => Some(months),
                None => self.integer("deal.revolving_months", months, 0, MAX_MONTHS - 1),
            });
        let senior_fee_bps = self.real_or(
            "deal.senior_fee_bps",
            raw.senior_fee_bps,
            0.0,
            Interval::BASIS_POINTS,
        );
        let reserve_pct = self.real_or(
            "deal.reserve_pct",
            raw.reserve_pct,
            0.0,
            Interval::UNIT_CLOSED,
        );
        let clean_up_call = self.real_or(
            "deal.clean_up_call",
            raw.clean_up_call,
            0.0,
            Interval::UNIT_HALF_OPEN,
        );
        let principal = match raw.principal.as_deref() {
            None | Some("sequential") => Some(PrincipalMode::Sequential),
            Some("pro_rata") => Some(PrincipalMode::ProRata),
            Some(other) => {
                self.problem(
                    "deal.principal",
                    format!(
                        "`{}` is not a principal mode, use \"sequential\" or \"pro_rata\"",
                        clip(other)
                    ),
                );
                None
            }
        };
        let rating_table = match raw.rating_table {
            None => Some(RatingTable::default()),
            Some(relative) => self
                .existing_file("deal.rating_table", &relative)
                .and_then(|path| match RatingTable::from_file(&path) {
                    Ok(table) => Some(table),
                    Err(error) => {
                        for problem in error.problems() {
                            self.problem("deal.rating_table", problem);
                        }
                        None
                    }
                }),
        };
        let pd_table = match raw.pd_table {
            None => Some(RatingTable::default_pd()),
            Some(relative) => self
                .existing_file("deal.pd_table", &relative)
                .and_then(|path| match RatingTable::from_file(&path) {
                    Ok(table) => Some(table),
                    Err(error) => {
                        for problem in error.problems() {
                            self.problem("deal.pd_table", problem);
                        }
                        None
                    }
                }),
        };
        if let (Some(ratings), Some(pds)) = (&rating_table, &pd_table) {
            let missing: Vec<&str> = ratings
                .ratings()
                .iter()
                .filter(|r| !pds.contains(r))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                self.problem(
                    "deal.pd_table",
                    format!(
                        "{} has no idealized default rate for rating(s) {} of the rating table {}; name a default table with every rating in `deal.pd_table`",
                        pds.source,
                        clip(&missing.join(", ")),
                        ratings.source
                    ),
                );
            }
        }
        let stress_table = match (&raw.stress_table, &rating_table) {
            (_, None) => None,
            (None, Some(ratings)) => {
                match StressTable::parse(DEFAULT_STRESS_TOML, DEFAULT_STRESS_NAME, Some(ratings)) {
                    Ok(table) => Some(table),
                    Err(_) => {
                        // only a rating table of other symbols gets here
                        self.problem(
                            "deal.stress_table",
                            format!(
                                "the built-in stress table's categories list the built-in ratings (Aaa … B3), not those of {}; name a `deal.stress_table` whose categories list them",
                                ratings.source
                            ),
                        );
                        None
                    }
                }
            }
            (Some(relative), Some(ratings)) => self
                .existing_file("deal.stress_table", relative)
                .and_then(|path| match StressTable::from_file(&path, Some(ratings)) {
                    Ok(table) => Some(table),
                    Err(error) => {
                        for problem in error.problems {
                            self.problem("deal.stress_table", problem);
                        }
                        None
                    }
                }),
        };
        let sizing_method = match raw.sizing_method.as_deref() {
            None => Some(SizingMethod::default()),
            Some(name) => match SizingMethod::ALL.iter().find(|m| m.as_str() == name) {
                Some(&method) => Some(method),
                None => {
                    self.problem(
                        "deal.sizing_method",
                        format!(
                            "`{}` is not a sizing method, use \"tdr_bdr\" (target against break-even default rates, SPEC §7.3) or \"expected_loss\" (SPEC §7.1)",
                            clip(name)
                        ),
                    );
                    None
                }
            },
        };
        let raw_tranches = raw.tranches.unwrap_or_default();
        let tranches = self.tranches(&raw_tranches, rating_table.as_ref());
        let triggers = self.triggers(raw.triggers.unwrap_or_default());
        let waterfall = self.waterfall(raw.waterfall, &raw_tranches);

        let deal = Deal {
            horizon_months: u32::try_from(horizon_months?).ok()?,
            revolving_months: u32::try_from(revolving_months?).ok()?,
            senior_fee_bps: senior_fee_bps?,
            reserve_pct: reserve_pct?,
            clean_up_call: clean_up_call?,
            principal: principal?,
            tranches: tranches?,
            triggers: triggers?,
            waterfall: waterfall?,
            rating_table: rating_table?,
            pd_table: pd_table?,
            stress_table: stress_table?,
            sizing_method: sizing_method?,
        };
        self.deal_warnings(&deal);
        Some(deal)
    }

    fn tranches(
        &mut self,
        raw: &[RawTranche],
        table: Option<&RatingTable>,
    ) -> Option<Vec<Tranche>> {
        if raw.len() < 2 {
            self.problem(
                "deal.tranches",
                format!(
                    "has {} tranche(s), give at least 2: the rated notes in order of seniority, then the residual holder",
                    raw.len()
                ),
            );
            return None;
        }
        let last = raw.len() - 1;
        let mut tranches = Vec::with_capacity(raw.len());
        let mut valid = true;
        for (i, tranche) in raw.iter().enumerate() {
            let key = format!("deal.tranches[{i}]");
            let name = match &tranche.name {
                None => {
                    self.problem(
                        &format!("{key}.name"),
                        "is required (a unique, non-empty name)",
                    );
                    None
                }
                Some(name) if name.trim().is_empty() => {
                    self.problem(&format!("{key}.name"), "is empty, a tranche needs a name");
                    None
                }
                Some(name) if super::names::has_control(name) => {
                    self.problem(&format!("{key}.name"), super::names::CONTROL_RULE);
                    None
                }
                Some(name) => match raw[..i]
                    .iter()
                    .position(|earlier| earlier.name.as_ref() == Some(name))
                {
                    Some(first) => {
                        self.problem(
                            &format!("{key}.name"),
                            format!("`{}` is also the name of deal.tranches[{first}], tranche names must be unique", clip(name)),
                        );
                        None
                    }
                    None => Some(name.clone()),
                },
            };
            let label = clip(name.as_deref().unwrap_or("?")).into_owned();
            let share = self
                .required(
                    &format!("{key}.share"),
                    tranche.share,
                    "the tranche's share of the closing pool balance, in (0, 1]",
                )
                .and_then(|share| {
                    self.real(&format!("{key}.share"), share, Interval::UNIT_OPEN_LOW)
                });
            let coupon = if i == last {
                if tranche.coupon.is_some() {
                    self.problem(
                        &format!("{key}.coupon"),
                        format!("the last tranche (`{label}`) is the residual holder and takes what is left: remove its coupon"),
                    );
                    None
                } else {
                    Some(None)
                }
            } else {
                self.required(
                    &format!("{key}.coupon"),
                    tranche.coupon,
                    &format!("`{label}` is a rated note, give its annual coupon in [0, 1)"),
                )
                .and_then(|coupon| {
                    self.real(&format!("{key}.coupon"), coupon, Interval::UNIT_HALF_OPEN)
                })
                .map(Some)
            };
            let target_rating = match &tranche.target_rating {
                None => Some(None),
                Some(_) if i == last => {
                    self.problem(
                        &format!("{key}.target_rating"),
                        format!("the last tranche (`{label}`) is the residual holder, which is not rated: remove its target_rating"),
                    );
                    None
                }
                Some(rating) => match table {
                    Some(table) if !table.contains(rating) => {
                        self.problem(
                            &format!("{key}.target_rating"),
                            format!(
                                "`{}` is not a row of the rating table ({}); allowed: {}",
                                clip(rating),
                                table.source,
                                table
                                    .ratings()
                                    .iter()
                                    .map(|rating| clip(rating))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        None
                    }
                    // An unreadable table is reported on its own key.
                    _ => Some(Some(rating.clone())),
                },
            };
            match (name, share, coupon, target_rating) {
                (Some(name), Some(share), Some(coupon), Some(target_rating)) => {
                    tranches.push(Tranche {
                        name,
                        share,
                        coupon,
                        target_rating,
                    })
                }
                _ => valid = false,
            }
        }
        if raw.iter().all(|t| t.share.is_some_and(f64::is_finite)) {
            let sum: f64 = raw.iter().filter_map(|t| t.share).sum();
            if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
                self.problem(
                    "deal.tranches",
                    format!("shares sum to {}, they must sum to 1", show(sum)),
                );
                valid = false;
            }
        }
        valid.then_some(tranches)
    }

    fn triggers(&mut self, raw: Vec<RawTrigger>) -> Option<Vec<Trigger>> {
        let mut triggers = Vec::with_capacity(raw.len());
        let mut valid = true;
        for (i, trigger) in raw.into_iter().enumerate() {
            let key = format!("deal.triggers[{i}]");
            let metric = match trigger.metric.as_deref().map(str::parse::<TriggerMetric>) {
                Some(Ok(metric)) => Some(metric),
                other => {
                    let what = match other {
                        Some(Err(_)) => format!(
                            "`{}` is not a trigger metric",
                            clip(trigger.metric.as_deref().unwrap_or_default())
                        ),
                        _ => "is required".to_string(),
                    };
                    self.problem(
                        &format!("{key}.metric"),
                        format!("{what}; allowed: {}", TriggerMetric::names()),
                    );
                    None
                }
            };
            let test = match (trigger.above, trigger.below) {
                (Some(_), Some(_)) => {
                    self.problem(
                        &key,
                        "has both `above` and `below`, give exactly one of them",
                    );
                    None
                }
                (None, None) => {
                    self.problem(
                        &key,
                        "has neither `above` nor `below`, give exactly one level",
                    );
                    None
                }
                (Some(level), None) => Some(TriggerTest::Above(level)),
                (None, Some(level)) => Some(TriggerTest::Below(level)),
            };
            let test = test.and_then(|test| self.trigger_level(&key, metric, test));
            let effect = match trigger.effect.as_deref() {
                Some("early_amortization") => Some(TriggerEffect::EarlyAmortization),
                Some("sequential") => Some(TriggerEffect::Sequential),
                other => {
                    let what = match other {
                        Some(name) => format!("`{}` is not a trigger effect", clip(name)),
                        None => "is required".to_string(),
                    };
                    self.problem(
                        &format!("{key}.effect"),
                        format!("{what}; allowed: early_amortization, sequential"),
                    );
                    None
                }
            };
            match (metric, test, effect) {
                (Some(metric), Some(test), Some(effect)) => triggers.push(Trigger {
                    metric,
                    test,
                    effect,
                }),
                _ => valid = false,
            }
        }
        valid.then_some(triggers)
    }

    /// The level's range depends on the metric: losses and balances are shares in [0, 1];
    /// excess spread is an annualised rate that can be negative.
    fn trigger_level(
        &mut self,
        key: &str,
        metric: Option<TriggerMetric>,
        test: TriggerTest,
    ) -> Option<TriggerTest> {
        let (side, level) = match test {
            TriggerTest::Above(level) => ("above", level),
            TriggerTest::Below(level) => ("below", level),
        };
        let level_key = format!("{key}.{side}");
        if metric == Some(TriggerMetric::PoolBalance) && side == "above" {
            self.problem(
                &level_key,
                "`pool_balance_below` fires when the pool falls below a share of the closing balance: use `below`",
            );
            return None;
        }
        match metric {
            Some(TriggerMetric::ExcessSpread3m) | None => {
                if !level.is_finite() {
                    self.problem(&level_key, format!("{level} is not a finite number"));
                    return None;
                }
            }
            Some(_) => {
                self.real(&level_key, level, Interval::UNIT_CLOSED)?;
            }
        }
        Some(test)
    }

    fn waterfall(
        &mut self,
        raw: Option<RawWaterfall>,
        tranches: &[RawTranche],
    ) -> Option<Waterfall> {
        // Without at least two tranches there are no rated notes to address; the tranche
        // check reports that.
        if tranches.len() < 2 {
            return None;
        }
        let rated_names: Vec<Option<&str>> = tranches[..tranches.len() - 1]
            .iter()
            .map(|t| t.name.as_deref())
            .collect();
        let residual_name = tranches[tranches.len() - 1].name.as_deref();
        let standard = Waterfall::standard(rated_names.len());
        let Some(raw) = raw else {
            return Some(standard);
        };
        let revolving = match raw.revolving {
            Some(steps) => self.waterfall_list(
                WaterfallList::Revolving,
                &steps,
                &rated_names,
                residual_name,
            ),
            None => Some(standard.revolving),
        };
        let amortizing = match raw.amortizing {
            Some(steps) => self.waterfall_list(
                WaterfallList::Amortizing,
                &steps,
                &rated_names,
                residual_name,
            ),
            None => Some(standard.amortizing),
        };
        Some(Waterfall {
            revolving: revolving?,
            amortizing: amortizing?,
        })
    }

    fn waterfall_list(
        &mut self,
        list: WaterfallList,
        names: &[String],
        rated_names: &[Option<&str>],
        residual_name: Option<&str>,
    ) -> Option<Vec<WaterfallStep>> {
        let key = format!("deal.waterfall.{}", list.as_str());
        let allowed = format!(
            "allowed: senior_fees, interest, interest:NAME, reserve, {}, residual",
            list.own_step()
        );
        let mut steps = Vec::new();
        let mut valid = true;
        for (i, name) in names.iter().enumerate() {
            let step_key = format!("{key}[{i}]");
            match name.as_str() {
                "senior_fees" => steps.push(WaterfallStep::SeniorFees),
                "interest" => steps.extend((0..rated_names.len()).map(WaterfallStep::Interest)),
                "reserve" => steps.push(WaterfallStep::ReserveTopUp),
                "residual" => steps.push(WaterfallStep::Residual),
                "purchases" if list == WaterfallList::Revolving => {
                    steps.push(WaterfallStep::Purchases)
                }
                "principal" if list == WaterfallList::Amortizing => {
                    steps.push(WaterfallStep::Principal)
                }
                "purchases" | "principal" => {
                    let other = list.other();
                    self.problem(
                        &step_key,
                        format!(
                            "`{name}` belongs in the {} list only; {allowed}",
                            other.as_str()
                        ),
                    );
                    valid = false;
                }
                _ => match name.strip_prefix("interest:") {
                    Some(tranche) => match rated_names.iter().position(|n| *n == Some(tranche)) {
                        Some(index) => steps.push(WaterfallStep::Interest(index)),
                        None => {
                            let rated: Vec<&str> = rated_names.iter().filter_map(|n| *n).collect();
                            let why = if residual_name == Some(tranche) {
                                format!(
                                    "`{}` is the residual holder, which has no coupon",
                                    clip(tranche)
                                )
                            } else {
                                format!("no rated tranche is named `{}`", clip(tranche))
                            };
                            self.problem(
                                &step_key,
                                format!(
                                    "{why}; rated tranches: {}",
                                    rated
                                        .iter()
                                        .map(|name| clip(name))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            );
                            valid = false;
                        }
                    },
                    None => {
                        self.problem(
                            &step_key,
                            format!("`{}` is not a waterfall step; {allowed}", clip(name)),
                        );
                        valid = false;
                    }
                },
            }
        }
        let count = |wanted: WaterfallStep| steps.iter().filter(|s| **s == wanted).count();
        let own = match list {
            WaterfallList::Revolving => WaterfallStep::Purchases,
            WaterfallList::Amortizing => WaterfallStep::Principal,
        };
        for (step, step_name) in [
            (WaterfallStep::SeniorFees, "senior_fees"),
            (own, list.own_step()),
            (WaterfallStep::Residual, "residual"),
        ] {
            let times = count(step);
            if times != 1 {
                self.problem(
                    &key,
                    format!("`{step_name}` appears {times} times, it must appear exactly once"),
                );
                valid = false;
            }
        }
        if count(WaterfallStep::Residual) == 1 && steps.last() != Some(&WaterfallStep::Residual) {
            self.problem(
                &key,
                "`residual` must be the last step: it takes what is left",
            );
            valid = false;
        }
        let reserves = count(WaterfallStep::ReserveTopUp);
        if reserves > 1 {
            self.problem(
                &key,
                format!("`reserve` appears {reserves} times, it may appear at most once"),
            );
            valid = false;
        }
        for (index, tranche) in rated_names.iter().enumerate() {
            let times = count(WaterfallStep::Interest(index));
            if times != 1 {
                // A missing or repeated name (reported on the tranche) cannot tell the
                // tranches apart, so name the position instead.
                let unique = tranche
                    .filter(|name| rated_names.iter().filter(|n| **n == Some(*name)).count() == 1);
                let tranche = match unique {
                    Some(name) => name.to_string(),
                    None => format!("deal.tranches[{index}]"),
                };
                self.problem(
                    &key,
                    format!(
                        "interest on `{tranche}` appears {times} times (through `interest` or `interest:{tranche}`), it must appear exactly once",
                        tranche = clip(&tranche)
                    ),
                );
                valid = false;
            }
        }
        valid.then_some(steps)
    }

    fn deal_warnings(&mut self, deal: &Deal) {
        for (i, trigger) in deal.triggers.iter().enumerate() {
            let key = format!("deal.triggers[{i}]");
            if trigger.effect == TriggerEffect::Sequential
                && deal.principal == PrincipalMode::Sequential
            {
                self.warn(
                    &key,
                    "effect `sequential` has no effect: principal is already sequential (`deal.principal`)",
                );
            }
            // any breach ends pro-rata principal (SPEC §5), so only a sequential deal with
            // nothing to revolve gains nothing from an early-amortization trigger
            if trigger.effect == TriggerEffect::EarlyAmortization
                && deal.revolving_months == 0
                && deal.principal == PrincipalMode::Sequential
            {
                self.warn(
                    &key,
                    "effect `early_amortization` has no effect: the deal has no revolving period and principal is already sequential",
                );
            }
            let unusual_side = match (trigger.metric, trigger.test) {
                (
                    TriggerMetric::CumulativeNetLoss | TriggerMetric::CumulativeDefault,
                    TriggerTest::Below(_),
                ) => Some("a loss trigger normally fires `above` a level"),
                (TriggerMetric::ExcessSpread3m, TriggerTest::Above(_)) => {
                    Some("an excess-spread trigger normally fires `below` a level")
                }
                _ => None,
            };
            if let Some(note) = unusual_side {
                self.warn(&key, format!("{note}; check the direction"));
            }
        }
        if deal.reserve_pct > 0.0 {
            for (list, steps) in [
                ("revolving", &deal.waterfall.revolving),
                ("amortizing", &deal.waterfall.amortizing),
            ] {
                if !steps.contains(&WaterfallStep::ReserveTopUp) {
                    self.warn(
                        &format!("deal.waterfall.{list}"),
                        "has no `reserve` step although `deal.reserve_pct` > 0: the reserve is spent and never replenished in this period",
                    );
                }
            }
        }
    }

    fn simulation(&mut self, raw: Option<RawSimulation>) -> Option<SimulationSettings> {
        let raw = raw.unwrap_or_default();
        let paths = match raw.paths {
            Some(paths) => self
                .integer("simulation.paths", paths, 1, MAX_PATHS as i64)
                .and_then(|paths| usize::try_from(paths).ok()),
            None => Some(DEFAULT_PATHS),
        };
        let seed = match raw.seed {
            Some(seed) => self
                .integer("simulation.seed", seed, 0, i64::MAX)
                .map(i64::unsigned_abs),
            None => Some(DEFAULT_SEED),
        };
        Some(SimulationSettings {
            paths: paths?,
            seed: seed?,
            importance_sampling: raw.importance_sampling.unwrap_or(true),
        })
    }

    fn deterministic(
        &mut self,
        raw: Option<RawDeterministic>,
        horizon: Option<u32>,
    ) -> Option<DeterministicStress> {
        let raw = raw.unwrap_or_default();
        let cdr = raw
            .cdr
            .map(|curve| self.rate_curve("deterministic.cdr", curve, horizon));
        let cpr = raw
            .cpr
            .map(|curve| self.rate_curve("deterministic.cpr", curve, horizon));
        Some(DeterministicStress {
            cdr: cdr.map_or(Some(None), |curve| curve.map(Some))?,
            cpr: cpr.map_or(Some(None), |curve| curve.map(Some))?,
        })
    }

    fn rate_curve(
        &mut self,
        key: &str,
        raw: RawRateCurve,
        horizon: Option<u32>,
    ) -> Option<RateCurve> {
        match raw {
            RawRateCurve::Flat(rate) => self
                .real(key, rate, Interval::UNIT_HALF_OPEN)
                .map(RateCurve::Flat),
            RawRateCurve::ByMonth(rates) => {
                if rates.is_empty() {
                    self.problem(
                        key,
                        "is an empty vector, give a number or at least one annual rate in [0, 1)",
                    );
                    return None;
                }
                let mut valid = true;
                for (i, rate) in rates.iter().enumerate() {
                    valid &= self
                        .real(&format!("{key}[{i}]"), *rate, Interval::UNIT_HALF_OPEN)
                        .is_some();
                }
                if let Some(horizon) = horizon.filter(|h| rates.len() > *h as usize) {
                    self.warn(
                        key,
                        format!(
                            "has {} monthly values but the horizon is {horizon} months: the values after month {horizon} are not used",
                            rates.len()
                        ),
                    );
                }
                valid.then_some(RateCurve::ByMonth(rates))
            }
        }
    }

    fn targets(&mut self, raw: Option<RawTargets>) -> Option<Targets> {
        let raw = raw.unwrap_or_default();
        let max_pool_el = self.real_optional(
            "targets.max_pool_el",
            raw.max_pool_el,
            Interval::UNIT_OPEN_LOW,
        );
        let min_advance_rate = self.real_optional(
            "targets.min_advance_rate",
            raw.min_advance_rate,
            Interval::UNIT_OPEN_LOW,
        );
        let funding_need =
            self.real_optional("targets.funding_need", raw.funding_need, Interval::POSITIVE);
        Some(Targets {
            max_pool_el: max_pool_el?,
            min_advance_rate: min_advance_rate?,
            funding_need: funding_need?,
        })
    }

    fn frontier(&mut self, raw: Option<RawFrontier>) -> Option<FrontierSpec> {
        let raw = raw.unwrap_or_default();
        let cutoffs = match raw.cutoffs {
            Some(values) => self
                .increasing_list("frontier.cutoffs", &values, CUTOFF_SCORES, "scores")
                .map(|()| Some(values)),
            None => Some(None),
        };
        let limit_multipliers = match raw.limit_multipliers {
            Some(values) => self
                .increasing_list(
                    "frontier.limit_multipliers",
                    &values,
                    Interval::LIMIT_MULTIPLIER,
                    "multipliers",
                )
                .map(|()| values),
            None => Some(DEFAULT_LIMIT_MULTIPLIERS.to_vec()),
        };
        let paths = match raw.paths {
            Some(paths) => self
                .integer("frontier.paths", paths, 1, MAX_PATHS as i64)
                .and_then(|paths| usize::try_from(paths).ok()),
            None => Some(DEFAULT_FRONTIER_PATHS),
        };
        Some(FrontierSpec {
            cutoffs: cutoffs?,
            limit_multipliers: limit_multipliers?,
            paths: paths?,
        })
    }

    /// A non-empty, strictly increasing list of numbers in `allowed`; every problem reported.
    fn increasing_list(
        &mut self,
        key: &str,
        values: &[f64],
        allowed: Interval,
        what: &str,
    ) -> Option<()> {
        if values.is_empty() {
            self.problem(
                key,
                format!("is an empty list, give at least one of the {what} to evaluate"),
            );
            return None;
        }
        let mut valid = true;
        for (i, &value) in values.iter().enumerate() {
            valid &= self.real(&format!("{key}[{i}]"), value, allowed).is_some();
        }
        for (i, pair) in values.windows(2).enumerate() {
            if pair[1] <= pair[0] {
                self.problem(
                    &format!("{key}[{}]", i + 1),
                    format!(
                        "{} does not exceed the value before it ({}): list the {what} in strictly increasing order, each once",
                        show(pair[1]),
                        show(pair[0])
                    ),
                );
                valid = false;
            }
        }
        valid.then_some(())
    }
}

/// Which of the deal's two step lists is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaterfallList {
    Revolving,
    Amortizing,
}

impl WaterfallList {
    fn as_str(self) -> &'static str {
        match self {
            WaterfallList::Revolving => "revolving",
            WaterfallList::Amortizing => "amortizing",
        }
    }

    fn other(self) -> WaterfallList {
        match self {
            WaterfallList::Revolving => WaterfallList::Amortizing,
            WaterfallList::Amortizing => WaterfallList::Revolving,
        }
    }

    /// The step that only this list has: purchases while revolving, principal after.
    fn own_step(self) -> &'static str {
        match self {
            WaterfallList::Revolving => "purchases",
            WaterfallList::Amortizing => "principal",
        }
    }
}

#[cfg(test)]
mod tests;
