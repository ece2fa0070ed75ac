//! `grid`: the deterministic scenario matrix (SPEC §7.4). The scenario's deterministic run
//! over every combination of annual CDR × CPR × recovery rate × yield haircut, stage by
//! stage: prepare → destination → axes → runs (in parallel, gathered in a fixed order) →
//! `grid.csv`, `grid.json`, heatmaps, `grid.html` → commit.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::{AppError, failure, output_error, prepare_with, progress_bar, write_file};
use crate::metrics::run_deterministic;
use crate::report::grid::{self as grid_report, GridAxes, GridRow};
use crate::report::{ReportDir, ReportKind};
use crate::scenario::{Assumptions, DeterministicStress, RateCurve, Scenario};
use crate::sizing::bdr::first_uncovered_month;

/// The most values one list may hold (a grid of 50⁴ runs is already far too many).
pub const MAX_LIST_VALUES: usize = 50;

/// The most monthly values a vector of a list may hold.
pub const MAX_VECTOR_MONTHS: usize = 1_200;

/// The axes of the matrix, each a flag of `grid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Cdr,
    Cpr,
    Recovery,
    YieldHaircut,
}

impl Axis {
    /// The flag that names the axis.
    pub fn flag(self) -> &'static str {
        match self {
            Axis::Cdr => "--cdr",
            Axis::Cpr => "--cpr",
            Axis::Recovery => "--recovery",
            Axis::YieldHaircut => "--yield-haircut",
        }
    }

    /// Whether a value may be a vector by deal month (`[deterministic]` takes CDR and CPR
    /// vectors; the recovery rate and the yield haircut are one number each).
    fn takes_vectors(self) -> bool {
        matches!(self, Axis::Cdr | Axis::Cpr)
    }

    /// Whether 1 is allowed: a recovery rate may be 1 (as in `[assumptions]`); an annual
    /// CDR, CPR or yield haircut must stay below it.
    fn upper_closed(self) -> bool {
        matches!(self, Axis::Recovery)
    }

    fn interval(self) -> &'static str {
        if self.upper_closed() {
            "[0, 1]"
        } else {
            "[0, 1)"
        }
    }

    fn check(self, value: f64) -> Result<f64, String> {
        let inside = value >= 0.0 && (value < 1.0 || (self.upper_closed() && value == 1.0));
        if inside {
            Ok(value)
        } else {
            Err(format!("{value} is not in {}", self.interval()))
        }
    }
}

/// One value of a list.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValue {
    /// `scenario`: the scenario's own value (its `[deterministic]` curve for CDR and CPR,
    /// else the base case's rates; its `[assumptions]` value for the others).
    Scenario,
    /// A number: a flat annual rate, a recovery rate or a yield haircut.
    Rate(f64),
    /// `[r1 r2 ...]`: annual rates by deal month, the last repeated (CDR and CPR only).
    ByMonth(Vec<f64>),
}

/// The values a flag gives one axis: at least one, at most [`MAX_LIST_VALUES`], no value
/// twice, each checked where it is parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct GridList(Vec<AxisValue>);

impl GridList {
    /// A list as written on the command line: values separated by commas, each a number,
    /// `scenario`, or (CDR and CPR) a vector by deal month in brackets whose rates are
    /// separated by commas or spaces: `0.02,0.05,[0.01 0.03 0.08],scenario`.
    pub fn parse(text: &str, axis: Axis) -> Result<GridList, String> {
        let items = split_top_level(text)?;
        if items.len() > MAX_LIST_VALUES {
            return Err(format!(
                "has {} values, at most {MAX_LIST_VALUES} are allowed",
                items.len()
            ));
        }
        let mut values: Vec<AxisValue> = Vec::with_capacity(items.len());
        for item in items {
            let value = parse_value(item, axis)?;
            if values.contains(&value) {
                return Err(format!("lists `{item}` twice"));
            }
            values.push(value);
        }
        Ok(GridList(values))
    }

    pub fn values(&self) -> &[AxisValue] {
        &self.0
    }
}

/// The comma-separated items of a list, commas inside brackets kept; trimmed, none empty.
fn split_top_level(text: &str) -> Result<Vec<&str>, String> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '[' if depth == 0 => depth = 1,
            '[' => return Err("has a bracket inside a vector".into()),
            ']' if depth == 1 => depth = 0,
            ']' => return Err("has a `]` without its `[`".into()),
            ',' if depth == 0 => {
                items.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("has a `[` without its `]`".into());
    }
    items.push(text[start..].trim());
    if items.iter().all(|item| item.is_empty()) {
        return Err("is empty: give at least one value".into());
    }
    if items.iter().any(|item| item.is_empty()) {
        return Err("has an empty value between commas".into());
    }
    Ok(items)
}

fn parse_number(text: &str, axis: Axis) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| {
        format!(
            "`{text}` is not a number{}",
            if axis.takes_vectors() {
                ", `scenario` or a vector `[r1 r2 ...]`"
            } else {
                " or `scenario`"
            }
        )
    })?;
    axis.check(value)
}

fn parse_value(item: &str, axis: Axis) -> Result<AxisValue, String> {
    if item == "scenario" {
        return Ok(AxisValue::Scenario);
    }
    let Some(inner) = item.strip_prefix('[').and_then(|i| i.strip_suffix(']')) else {
        if item.contains(['[', ']']) {
            return Err(format!("`{item}` is not a number or a whole vector"));
        }
        return parse_number(item, axis).map(AxisValue::Rate);
    };
    if !axis.takes_vectors() {
        return Err(format!(
            "`{item}`: a vector by month is allowed for --cdr and --cpr only"
        ));
    }
    let rates = inner
        .split([',', ' ', '\t'])
        .filter(|r| !r.is_empty())
        .map(|r| parse_number(r, axis))
        .collect::<Result<Vec<f64>, String>>()?;
    if rates.is_empty() {
        return Err(format!("`{item}` is an empty vector"));
    }
    if rates.len() > MAX_VECTOR_MONTHS {
        return Err(format!(
            "`{item}` has {} monthly values, at most {MAX_VECTOR_MONTHS} are allowed",
            rates.len()
        ));
    }
    Ok(AxisValue::ByMonth(rates))
}

/// `grid`, as the command line asks for it: every list already checked; `None` = the
/// scenario's own value alone.
#[derive(Debug, Clone, Default)]
pub struct GridRequest {
    pub scenario: PathBuf,
    pub cdr: Option<GridList>,
    pub cpr: Option<GridList>,
    pub recovery: Option<GridList>,
    pub yield_haircut: Option<GridList>,
    /// The report folder; `reports/<scenario name>-grid/` when `None`.
    pub out: Option<PathBuf>,
    /// No progress bar or table.
    pub quiet: bool,
    /// `--set KEY=VALUE` on the scenario, in order.
    pub overrides: Vec<crate::scenario::overrides::Override>,
}

/// What `grid` produced, for the terminal.
pub struct GridResult {
    pub out_dir: PathBuf,
    pub warnings: Vec<String>,
    pub terminal_summary: String,
}

/// `grid`: the scenario's deterministic run at every combination of the lists, written
/// atomically into its report folder.
pub fn grid(request: &GridRequest) -> Result<GridResult, AppError> {
    let prepared = prepare_with(&request.scenario, &request.overrides)?;
    let scenario = &prepared.scenario;
    let out_dir = request
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(format!("{}-grid", scenario.name)));
    let report = ReportDir::create(&out_dir, ReportKind::Grid).map_err(output_error)?;

    let axes = ResolvedAxes::new(request, scenario);
    let combinations = axes.combinations();
    let bar = progress_bar(
        request.quiet,
        combinations.len(),
        "Grid {bar:40} {pos}/{len} deterministic runs, {elapsed} elapsed, about {eta} left",
    );
    let started = Instant::now();
    // rayon's collect keeps the combinations' order whatever the threads
    let rows: Vec<Vec<GridRow>> = combinations
        .par_iter()
        .map(|combination| {
            let rows = run_combination(&prepared.pool, scenario, &axes, combination);
            bar.inc(1);
            rows
        })
        .collect::<Result<_, _>>()?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let rows: Vec<GridRow> = rows.into_iter().flatten().collect();

    let table = grid_report::GridTable {
        scenario: scenario.name.clone(),
        scenario_file: request.scenario.display().to_string(),
        axes: axes.labels(),
        tranches: scenario
            .deal
            .tranches
            .iter()
            .map(|t| t.name.clone())
            .collect(),
        rows,
    };
    write_file(&report, "grid.csv", grid_report::grid_csv(&table.rows))?;
    write_file(
        &report,
        "grid.json",
        grid_report::grid_json(&table, prepared.digest.clone(), request.out.as_deref()),
    )?;
    grid_report::render(&table, report.path(), request.out.as_deref())
        .map_err(|e| failure("heatmaps and grid.html", e))?;
    let out_dir = report.commit().map_err(output_error)?;
    Ok(GridResult {
        terminal_summary: grid_report::terminal_summary(&table, seconds, &out_dir),
        out_dir,
        warnings: prepared.warnings.clone(),
    })
}

/// The values of each axis as run: a label for the files and what the run takes.
struct ResolvedAxes {
    cdr: Vec<(String, Option<RateCurve>)>,
    cpr: Vec<(String, Option<RateCurve>)>,
    recovery: Vec<(String, f64)>,
    yield_haircut: Vec<(String, f64)>,
}

/// One combination: an index into each axis.
struct Combination {
    cdr: usize,
    cpr: usize,
    recovery: usize,
    yield_haircut: usize,
}

impl ResolvedAxes {
    fn new(request: &GridRequest, scenario: &Scenario) -> ResolvedAxes {
        let listed = |list: &Option<GridList>| {
            list.as_ref()
                .map_or_else(|| vec![AxisValue::Scenario], |l| l.values().to_vec())
        };
        let curve = |value: AxisValue, own: &Option<RateCurve>| match value {
            AxisValue::Scenario => own.clone(),
            AxisValue::Rate(rate) => Some(RateCurve::Flat(rate)),
            AxisValue::ByMonth(rates) => Some(RateCurve::ByMonth(rates)),
        };
        let number = |value: AxisValue, own: f64| match value {
            AxisValue::Rate(rate) => rate,
            // the parser lets vectors through for CDR and CPR only
            AxisValue::Scenario | AxisValue::ByMonth(_) => own,
        };
        let stress = &scenario.deterministic;
        let assumptions = &scenario.assumptions;
        ResolvedAxes {
            cdr: listed(&request.cdr)
                .into_iter()
                .map(|v| curve(v, &stress.cdr))
                .map(|c| (curve_label(&c), c))
                .collect(),
            cpr: listed(&request.cpr)
                .into_iter()
                .map(|v| curve(v, &stress.cpr))
                .map(|c| (curve_label(&c), c))
                .collect(),
            recovery: listed(&request.recovery)
                .into_iter()
                .map(|v| number(v, assumptions.recovery_rate))
                .map(|r| (r.to_string(), r))
                .collect(),
            yield_haircut: listed(&request.yield_haircut)
                .into_iter()
                .map(|v| number(v, assumptions.yield_haircut))
                .map(|h| (h.to_string(), h))
                .collect(),
        }
    }

    /// Every combination, CDR outermost, then CPR, recovery rate, yield haircut.
    fn combinations(&self) -> Vec<Combination> {
        let mut out = Vec::new();
        for cdr in 0..self.cdr.len() {
            for cpr in 0..self.cpr.len() {
                for recovery in 0..self.recovery.len() {
                    for yield_haircut in 0..self.yield_haircut.len() {
                        out.push(Combination {
                            cdr,
                            cpr,
                            recovery,
                            yield_haircut,
                        });
                    }
                }
            }
        }
        out
    }

    fn labels(&self) -> GridAxes {
        GridAxes {
            cdr: labels_of(&self.cdr),
            cpr: labels_of(&self.cpr),
            recovery_rate: labels_of(&self.recovery),
            yield_haircut: labels_of(&self.yield_haircut),
        }
    }
}

fn labels_of<T>(values: &[(String, T)]) -> Vec<String> {
    values.iter().map(|(l, _)| l.clone()).collect()
}

/// A curve as a list writes it: a number, `[r1 r2 ...]`, or `scenario` for the base case's
/// own rates (no `[deterministic]` override).
fn curve_label(curve: &Option<RateCurve>) -> String {
    match curve {
        None => "scenario".into(),
        Some(RateCurve::Flat(rate)) => rate.to_string(),
        Some(RateCurve::ByMonth(rates)) => format!(
            "[{}]",
            rates
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// The deterministic run of one combination: one row per tranche.
fn run_combination(
    pool: &crate::sim::Pool,
    scenario: &Scenario,
    axes: &ResolvedAxes,
    c: &Combination,
) -> Result<Vec<GridRow>, AppError> {
    let assumptions = Assumptions {
        recovery_rate: axes.recovery[c.recovery].1,
        yield_haircut: axes.yield_haircut[c.yield_haircut].1,
        ..scenario.assumptions.clone()
    };
    let stress = DeterministicStress {
        cdr: axes.cdr[c.cdr].1.clone(),
        cpr: axes.cpr[c.cpr].1.clone(),
    };
    let run = run_deterministic(pool, &assumptions, &stress, &scenario.deal)
        .map_err(|e| AppError::Failure(e.into()))?;
    Ok(run
        .summaries
        .iter()
        .enumerate()
        .map(|(j, summary)| GridRow {
            cdr: axes.cdr[c.cdr].0.clone(),
            cpr: axes.cpr[c.cpr].0.clone(),
            recovery_rate: axes.recovery[c.recovery].1,
            yield_haircut: axes.yield_haircut[c.yield_haircut].1,
            tranche: summary.tranche.clone(),
            principal_loss: summary.principal_loss,
            loss_share: summary.loss_share,
            interest_shortfall: summary.interest_shortfall,
            wal: summary.wal_years,
            annual_yield: summary.annual_yield,
            first_loss_month: first_uncovered_month(&run, j),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_numbers_vectors_and_scenario() {
        let list = GridList::parse("0.02, 0.05,[0.01 0.03, 0.08],scenario", Axis::Cdr).unwrap();
        assert_eq!(
            list.values(),
            &[
                AxisValue::Rate(0.02),
                AxisValue::Rate(0.05),
                AxisValue::ByMonth(vec![0.01, 0.03, 0.08]),
                AxisValue::Scenario,
            ]
        );
        assert_eq!(
            GridList::parse("1", Axis::Recovery).unwrap().values(),
            &[AxisValue::Rate(1.0)]
        );
    }

    #[test]
    fn bad_lists_say_why() {
        for (text, axis, words) in [
            ("", Axis::Cdr, "at least one value"),
            ("0.1,,0.2", Axis::Cdr, "empty value"),
            ("1", Axis::Cdr, "not in [0, 1)"),
            ("-0.1", Axis::Cpr, "not in [0, 1)"),
            ("1.5", Axis::Recovery, "not in [0, 1]"),
            ("NaN", Axis::YieldHaircut, "not in [0, 1)"),
            ("abc", Axis::Cpr, "not a number"),
            ("[0.1 0.2]", Axis::Recovery, "--cdr and --cpr only"),
            ("[0.1", Axis::Cdr, "without its `]`"),
            ("[]", Axis::Cdr, "empty vector"),
            ("0.1,0.1", Axis::Cdr, "twice"),
        ] {
            let error = GridList::parse(text, axis).unwrap_err();
            assert!(error.contains(words), "{text}: {error}");
        }
        let many = vec!["0.01"; MAX_LIST_VALUES + 1].join(",");
        assert!(
            GridList::parse(&many, Axis::Cdr)
                .unwrap_err()
                .contains("at most")
        );
    }
}
