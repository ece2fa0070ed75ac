//! Stress scenarios for the rating test by default rates (SPEC §7.3): default timing shapes,
//! and by rating category the prepayment multiples, yield compression, recovery haircut and
//! added recovery lag. Data, not code: the project's `stress_scenarios.toml` is built in
//! (its sources and judgements are in `docs/stress-scenarios.md`), and `[deal] stress_table`
//! names another file with the same layout.
//!
//! A scenario applied at a rating's category gives each receivable, in deal month `t`, the
//! monthly default rate `base MDR` before the shape's start and `min(k × w(t) × base MDR,
//! cap)` from it (the level `k` is what the break-even search solves for), with the
//! category's other stresses on the scenario's assumptions (see [`StressLevels`]).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::ratings::RatingTable;
use crate::tape::problems::clip;

/// The built-in stress table (the project's `stress_scenarios.toml`).
pub const DEFAULT_STRESS_TOML: &str = include_str!("../../stress_scenarios.toml");

/// Name the built-in table goes by in reports.
pub const DEFAULT_STRESS_NAME: &str = "built-in stress_scenarios.toml";

/// The layout version this reader understands.
pub const SCHEMA_VERSION: u32 = 1;

/// Where a shape's stress begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeStart {
    /// Month 1.
    DealStart,
    /// Month `revolving_months + 1`: the first month after the scheduled revolving period.
    RevolvingEnd,
}

/// A default timing shape: linear weights over the stressed window, mean exactly 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub name: String,
    pub start: ShapeStart,
    /// In (−1, 1): positive front-loads, negative back-loads, 0 is even.
    pub tilt: f64,
}

impl Shape {
    /// The shape's weight in each deal month `1..=horizon`: `None` before the stress
    /// begins (the base default rate applies), else `w(t)`.
    ///
    /// # Formula
    /// Over the window `[s, H]` of `n = H − s + 1` months, `u = (t − s + ½)/n` and
    /// `w(t) = 1 + tilt·(1 − 2u)`; the mean over the window is exactly 1.
    pub fn weights(&self, horizon_months: u32, revolving_months: u32) -> Vec<Option<f64>> {
        let start = match self.start {
            ShapeStart::DealStart => 1,
            ShapeStart::RevolvingEnd => (revolving_months + 1).min(horizon_months.max(1)),
        };
        let n = f64::from(horizon_months + 1 - start);
        (1..=horizon_months)
            .map(|t| {
                (t >= start).then(|| {
                    let u = (f64::from(t - start) + 0.5) / n;
                    1.0 + self.tilt * (1.0 - 2.0 * u)
                })
            })
            .collect()
    }
}

/// The stresses of one rating category other than the default level.
#[derive(Debug, Clone, PartialEq)]
pub struct StressLevels {
    pub category: String,
    /// Multiples of CPR in the low- and high-prepayment scenarios (base = 1).
    pub prepayment_multiple_low: f64,
    pub prepayment_multiple_high: f64,
    /// Share of fee and interest income lost, compounding with the scenario's own haircut:
    /// `1 − (1 − yield_haircut)(1 − yield_compression)`.
    pub yield_compression: f64,
    /// Share of the recovery rate lost.
    pub recovery_haircut: f64,
    /// Whole months added to the recovery lag.
    pub recovery_lag_extra_months: u32,
    /// Multiples of the expected default rate agencies applied at this category (shown
    /// beside the implied multiple; never used in the test).
    pub reference_default_multiple: Option<[f64; 2]>,
}

/// Which prepayment multiple of the category a scenario uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrepaymentLevel {
    Low,
    Base,
    High,
}

impl StressLevels {
    /// The multiple of CPR at a prepayment level.
    pub fn prepayment_multiple(&self, level: PrepaymentLevel) -> f64 {
        match level {
            PrepaymentLevel::Low => self.prepayment_multiple_low,
            PrepaymentLevel::Base => 1.0,
            PrepaymentLevel::High => self.prepayment_multiple_high,
        }
    }
}

/// One scenario: a shape and a prepayment level.
#[derive(Debug, Clone, PartialEq)]
pub struct StressScenario {
    pub name: String,
    /// Index into [`StressTable::shapes`].
    pub shape: usize,
    pub prepayment: PrepaymentLevel,
}

/// A validated stress table.
#[derive(Debug, Clone, PartialEq)]
pub struct StressTable {
    /// Where the table came from, for reports.
    pub source: String,
    pub shapes: Vec<Shape>,
    pub categories: Vec<StressLevels>,
    /// Category index of each rating symbol.
    category_of: BTreeMap<String, usize>,
    pub scenarios: Vec<StressScenario>,
}

impl Default for StressTable {
    fn default() -> Self {
        StressTable::parse(DEFAULT_STRESS_TOML, DEFAULT_STRESS_NAME, None)
            .expect("the built-in stress table is valid")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShape {
    start: String,
    tilt: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    ratings: Vec<String>,
    prepayment_multiple_low: f64,
    prepayment_multiple_high: f64,
    yield_compression: f64,
    recovery_haircut: f64,
    recovery_lag_extra_months: i64,
    reference_default_multiple: Option<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    shape: String,
    prepayment: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    schema_version: u32,
    shapes: BTreeMap<String, RawShape>,
    categories: BTreeMap<String, RawCategory>,
    scenarios: Vec<RawScenario>,
}

/// Why a stress table cannot be used: every problem, each `FILE: key: rule`.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct StressTableError {
    pub problems: Vec<String>,
}

/// Longest recovery lag a category may add (beyond any deal's horizon).
pub const MAX_EXTRA_RECOVERY_LAG_MONTHS: i64 = 120;

impl StressTable {
    /// Reads a table file; `ratings` (when given) must each fall in exactly one category.
    pub fn from_file(
        path: &Path,
        ratings: Option<&RatingTable>,
    ) -> Result<StressTable, StressTableError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| StressTableError {
            problems: vec![format!("{file}: cannot read: {e}")],
        })?;
        StressTable::parse(&text, &file, ratings)
    }

    /// Parses and checks a table; `source` names it in errors and reports. With `ratings`,
    /// every rating of that table must belong to exactly one category.
    pub fn parse(
        text: &str,
        source: &str,
        ratings: Option<&RatingTable>,
    ) -> Result<StressTable, StressTableError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| StressTableError {
            problems: vec![format!(
                "{source}: {}",
                clip(&e.to_string().replace('\n', " "))
            )],
        })?;
        let mut problems = Vec::new();
        let mut problem =
            |key: &str, rule: String| problems.push(format!("{source}: `{key}`: {rule}"));
        if raw.schema_version != SCHEMA_VERSION {
            problem(
                "schema_version",
                format!(
                    "{} is not supported; this version reads {SCHEMA_VERSION}",
                    raw.schema_version
                ),
            );
        }
        let shapes: Vec<Shape> = raw
            .shapes
            .iter()
            .filter_map(|(name, shape)| {
                let key = format!("shapes.{name}");
                let start = match shape.start.as_str() {
                    "deal_start" => Some(ShapeStart::DealStart),
                    "revolving_end" => Some(ShapeStart::RevolvingEnd),
                    other => {
                        problem(
                            &format!("{key}.start"),
                            format!(
                                "`{}` must be \"deal_start\" or \"revolving_end\"",
                                clip(other)
                            ),
                        );
                        None
                    }
                };
                if !(shape.tilt > -1.0 && shape.tilt < 1.0) {
                    problem(
                        &format!("{key}.tilt"),
                        format!(
                            "{} must be in (-1, 1), so every weight is positive",
                            shape.tilt
                        ),
                    );
                    return None;
                }
                Some(Shape {
                    name: name.clone(),
                    start: start?,
                    tilt: shape.tilt,
                })
            })
            .collect();
        if raw.shapes.is_empty() {
            problem("shapes", "give at least one shape".into());
        }
        let mut category_of = BTreeMap::new();
        let mut categories = Vec::new();
        for (name, category) in &raw.categories {
            let key = format!("categories.{name}");
            let share = |value: f64, upper_open: bool| {
                value.is_finite() && value >= 0.0 && (value < 1.0 || (!upper_open && value <= 1.0))
            };
            let multiple = |value: f64| value.is_finite() && value > 0.0 && value <= 10.0;
            if !multiple(category.prepayment_multiple_low) {
                problem(
                    &format!("{key}.prepayment_multiple_low"),
                    format!("{} must be in (0, 10]", category.prepayment_multiple_low),
                );
            }
            if !multiple(category.prepayment_multiple_high) {
                problem(
                    &format!("{key}.prepayment_multiple_high"),
                    format!("{} must be in (0, 10]", category.prepayment_multiple_high),
                );
            }
            if !share(category.yield_compression, true) {
                problem(
                    &format!("{key}.yield_compression"),
                    format!("{} must be in [0, 1)", category.yield_compression),
                );
            }
            if !share(category.recovery_haircut, false) {
                problem(
                    &format!("{key}.recovery_haircut"),
                    format!("{} must be in [0, 1]", category.recovery_haircut),
                );
            }
            if !(0..=MAX_EXTRA_RECOVERY_LAG_MONTHS).contains(&category.recovery_lag_extra_months) {
                problem(
                    &format!("{key}.recovery_lag_extra_months"),
                    format!(
                        "{} must be a whole number of months from 0 to {MAX_EXTRA_RECOVERY_LAG_MONTHS}",
                        category.recovery_lag_extra_months
                    ),
                );
            }
            let reference = match category.reference_default_multiple.as_deref() {
                None => None,
                Some(&[low, high]) if low > 0.0 && low <= high && high.is_finite() => {
                    Some([low, high])
                }
                Some(_) => {
                    problem(
                        &format!("{key}.reference_default_multiple"),
                        "must be [low, high] with 0 < low ≤ high".into(),
                    );
                    None
                }
            };
            if category.ratings.is_empty() {
                problem(&format!("{key}.ratings"), "list at least one rating".into());
            }
            for rating in &category.ratings {
                if category_of
                    .insert(rating.clone(), categories.len())
                    .is_some()
                {
                    problem(
                        &format!("{key}.ratings"),
                        format!("`{}` is in more than one category", clip(rating)),
                    );
                }
            }
            categories.push(StressLevels {
                category: name.clone(),
                prepayment_multiple_low: category.prepayment_multiple_low,
                prepayment_multiple_high: category.prepayment_multiple_high,
                yield_compression: category.yield_compression,
                recovery_haircut: category.recovery_haircut,
                recovery_lag_extra_months: category.recovery_lag_extra_months.max(0) as u32,
                reference_default_multiple: reference,
            });
        }
        if let Some(table) = ratings {
            let missing: Vec<&str> = table
                .ratings()
                .iter()
                .filter(|r| !category_of.contains_key(*r))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                problem(
                    "categories",
                    format!(
                        "the rating table's {} must each belong to a category",
                        missing.join(", ")
                    ),
                );
            }
            for rating in category_of.keys() {
                if !table.contains(rating) {
                    problem(
                        "categories",
                        format!(
                            "`{}` is not a rating of the rating table ({})",
                            clip(rating),
                            table.source
                        ),
                    );
                }
            }
        }
        let mut names = HashSet::new();
        let mut scenarios = Vec::new();
        for (i, scenario) in raw.scenarios.iter().enumerate() {
            let key = format!("scenarios[{i}]");
            if !names.insert(scenario.name.clone()) {
                problem(
                    &format!("{key}.name"),
                    format!("`{}` is used twice", clip(&scenario.name)),
                );
            }
            let shape = shapes.iter().position(|s| s.name == scenario.shape);
            if shape.is_none() && !raw.shapes.contains_key(&scenario.shape) {
                problem(
                    &format!("{key}.shape"),
                    format!("`{}` is not a shape of [shapes]", clip(&scenario.shape)),
                );
            }
            let prepayment = match scenario.prepayment.as_str() {
                "low" => Some(PrepaymentLevel::Low),
                "base" => Some(PrepaymentLevel::Base),
                "high" => Some(PrepaymentLevel::High),
                other => {
                    problem(
                        &format!("{key}.prepayment"),
                        format!("`{}` must be \"low\", \"base\" or \"high\"", clip(other)),
                    );
                    None
                }
            };
            if let (Some(shape), Some(prepayment)) = (shape, prepayment) {
                scenarios.push(StressScenario {
                    name: scenario.name.clone(),
                    shape,
                    prepayment,
                });
            }
        }
        if raw.scenarios.is_empty() {
            problem("scenarios", "give at least one scenario".into());
        }
        if problems.is_empty() {
            Ok(StressTable {
                source: source.to_string(),
                shapes,
                categories,
                category_of,
                scenarios,
            })
        } else {
            Err(StressTableError { problems })
        }
    }

    /// The stress levels of a rating's category.
    pub fn levels(&self, rating: &str) -> Option<&StressLevels> {
        self.category_of.get(rating).map(|&c| &self.categories[c])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_covers_every_rating_of_the_built_in_rating_table() {
        let ratings = RatingTable::default();
        let table =
            StressTable::parse(DEFAULT_STRESS_TOML, DEFAULT_STRESS_NAME, Some(&ratings)).unwrap();
        assert_eq!(table.scenarios.len(), 15);
        for rating in ratings.ratings() {
            assert!(table.levels(rating).is_some(), "{rating}");
        }
        assert_eq!(table.levels("Aa2").unwrap().category, "AA");
        assert_eq!(table.levels("Aa2").unwrap().recovery_haircut, 0.5);
    }

    #[test]
    fn shape_weights_have_mean_one_over_the_window() {
        let front = Shape {
            name: "f".into(),
            start: ShapeStart::DealStart,
            tilt: 0.75,
        };
        let weights: Vec<f64> = front
            .weights(24, 12)
            .into_iter()
            .map(Option::unwrap)
            .collect();
        let mean = weights.iter().sum::<f64>() / 24.0;
        assert!((mean - 1.0).abs() < 1e-15);
        // w(1) = 1 + 0.75 × (1 − 2 × 0.5/24)
        assert!((weights[0] - (1.0 + 0.75 * (1.0 - 1.0 / 24.0))).abs() < 1e-15);
        // half the weight in the first third when 3 divides n
        let first_third: f64 = weights[..8].iter().sum();
        assert!((first_third / 24.0 - 0.5).abs() < 1e-12, "{first_third}");
        let after = Shape {
            start: ShapeStart::RevolvingEnd,
            tilt: 0.0,
            ..front
        };
        let weights = after.weights(24, 12);
        assert!(weights[..12].iter().all(Option::is_none));
        assert!(weights[12..].iter().all(|w| *w == Some(1.0)));
        // no revolving period: the stress starts at once
        assert!(after.weights(6, 0).iter().all(|w| *w == Some(1.0)));
    }

    #[test]
    fn every_problem_of_a_table_is_reported() {
        let text = r#"schema_version = 1
[shapes.a]
start = "later"
tilt = 1.5
[categories.X]
ratings = ["Aaa", "Aaa"]
prepayment_multiple_low = 0
prepayment_multiple_high = 1.5
yield_compression = 1.0
recovery_haircut = -0.1
recovery_lag_extra_months = -1
[[scenarios]]
name = "s"
shape = "nope"
prepayment = "medium"
"#;
        let problems = StressTable::parse(text, "t.toml", Some(&RatingTable::default()))
            .unwrap_err()
            .problems;
        for needle in [
            "`shapes.a.start`",
            "`shapes.a.tilt`",
            "`categories.X.prepayment_multiple_low`",
            "`categories.X.yield_compression`",
            "`categories.X.recovery_haircut`",
            "`categories.X.recovery_lag_extra_months`",
            "`categories.X.ratings`: `Aaa` is in more than one category",
            "`categories`: the rating table's Aa1",
            "`scenarios[0].shape`",
            "`scenarios[0].prepayment`",
        ] {
            assert!(
                problems
                    .iter()
                    .any(|p| p.starts_with("t.toml: ") && p.contains(needle)),
                "{needle} not in {problems:#?}"
            );
        }
    }
}
