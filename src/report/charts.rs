//! Charts of a report folder (SPEC §8, issue 6), drawn with plotters into PNG and SVG under
//! `charts/`. Each chart is first reduced to plain data ([`Chart`]) from the folder's files,
//! then drawn the same way on both backends.
//!
//! Text is drawn with DejaVu Sans embedded in the binary and registered once as
//! `"sans-serif"` ([`register_embedded_font`]), so a machine without fonts renders the PNGs
//! with readable text. Every chart has English labels and units on every axis; CNY amounts
//! carry thousands separators; each tranche keeps its colour ([`tranche_colour`]) in every chart.

use std::path::Path;
use std::sync::OnceLock;

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ReportError;
use super::folder::{
    BalanceBand, FrontierRow, LossBin, ReportFolder, SizingCurvePoint, SizingRow, TriggerSeries,
};
use super::format::{cny, log_percent_tick, log_probability_tick, percent, small_percent};
use crate::metrics::distribution::{LossStatistics, RISK_LEVELS, loss_statistics};

/// DejaVu Sans 2.37 (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The one font family every chart uses; the embedded font is registered under it.
pub const FONT: &str = "sans-serif";

/// Size of every chart, in pixels (PNG) and user units (SVG).
pub const CHART_SIZE: (u32, u32) = (1100, 620);

/// Width of the legend panel on the right of a chart.
const LEGEND_WIDTH: u32 = 260;

const TITLE_SIZE: u32 = 24;
const LABEL_SIZE: u32 = 15;
const DESC_SIZE: u32 = 16;
const LEGEND_SIZE: u32 = 15;
const DETAIL_SIZE: u32 = 13;

const TEXT: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(100, 100, 100);
const GRID: RGBColor = RGBColor(214, 214, 214);
const LIGHT_GRID: RGBColor = RGBColor(238, 238, 238);
const SHADE: RGBColor = RGBColor(120, 120, 120);

/// Colours of the tranches, in order of seniority (category10).
pub const TRANCHE_PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// Colours of scenarios in comparisons and of limit multipliers on the frontier.
pub const SERIES_PALETTE: [RGBColor; 8] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(89, 161, 79),
    RGBColor(225, 87, 89),
    RGBColor(176, 122, 161),
    RGBColor(156, 117, 95),
    RGBColor(237, 201, 72),
    RGBColor(118, 183, 178),
];

const FEES_COLOUR: RGBColor = RGBColor(127, 127, 127);
const PURCHASES_COLOUR: RGBColor = RGBColor(188, 189, 34);
const POOL_COLOUR: RGBColor = RGBColor(31, 119, 180);
const EL_COLOUR: RGBColor = RGBColor(44, 160, 44);
const VAR_COLOUR: RGBColor = RGBColor(255, 127, 14);
const ES_COLOUR: RGBColor = RGBColor(214, 39, 40);

/// The colour of the tranche at this position in the order of seniority.
pub fn tranche_colour(index: usize) -> RGBColor {
    TRANCHE_PALETTE[index % TRANCHE_PALETTE.len()]
}

/// The colour of the `index`-th scenario or series.
pub fn series_colour(index: usize) -> RGBColor {
    SERIES_PALETTE[index % SERIES_PALETTE.len()]
}

/// A colour moved towards white by `amount` (0 = unchanged, 1 = white).
pub fn lighten(colour: RGBColor, amount: f64) -> RGBColor {
    let mix = |c: u8| (c as f64 + (255.0 - c as f64) * amount).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// A colour moved towards black by `amount`.
pub fn darken(colour: RGBColor, amount: f64) -> RGBColor {
    let mix = |c: u8| (c as f64 * (1.0 - amount)).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// Registers the embedded DejaVu Sans as `"sans-serif"`, once per process. Drawing text
/// before this fails, since no system font is ever looked up.
pub fn register_embedded_font() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ReportError::Chart {
            chart: "font".into(),
            message: "the embedded DejaVu Sans font could not be read".into(),
        })
    }
}

/// An error while drawing, as text.
#[derive(Debug)]
pub struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        DrawError(error.to_string())
    }
}

type DrawResult = Result<(), DrawError>;

// ---------------------------------------------------------------------------------------
// Chart data
// ---------------------------------------------------------------------------------------

/// Pool net-loss distribution with its EL, VaR 99 % and ES 99 %.
#[derive(Debug, Clone, PartialEq)]
pub struct LossDistribution {
    pub bins: Vec<LossBin>,
    pub expected_loss: Option<f64>,
    pub var99: Option<f64>,
    pub es99: Option<f64>,
    pub closing_balance: Option<f64>,
}

/// One tranche's exceedance curve: points (loss share x, P(loss > x)).
#[derive(Debug, Clone, PartialEq)]
pub struct ExceedanceLine {
    pub tranche: String,
    pub colour_index: usize,
    pub probability_of_loss: f64,
    pub points: Vec<(f64, f64)>,
}

/// Tranche loss exceedance curves on log-log axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Exceedance {
    pub lines: Vec<ExceedanceLine>,
    pub paths: usize,
    /// Whether the paths carry importance-sampling weights.
    pub importance_sampling: bool,
}

/// One layer of the stacked cash-flow chart.
#[derive(Debug, Clone, PartialEq)]
pub struct CashflowLayer {
    pub label: String,
    pub colour: RGBColor,
    pub values: Vec<f64>,
}

/// Expected uses of the pool's collections by period, stacked, with the collections line.
#[derive(Debug, Clone, PartialEq)]
pub struct Cashflows {
    pub periods: Vec<u32>,
    pub layers: Vec<CashflowLayer>,
    pub collections: Vec<f64>,
}

/// Performing pool balance: deterministic case and Monte Carlo bands.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolBalance {
    /// Month 0 (the closing balance) first.
    pub bands: Vec<BalanceBand>,
    pub revolving_months: Option<u32>,
}

/// Expected tranche balances and the cumulative probability of each trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct TrancheBalances {
    pub periods: Vec<u32>,
    /// Tranche, colour index, expected balance at each period's end (period 0 = original).
    pub tranches: Vec<(String, usize, Vec<f64>)>,
    pub revolving_months: Option<u32>,
    pub triggers: Vec<TriggerSeries>,
}

/// Sizing of one rated tranche: EL of each candidate share, its target, the sized share.
#[derive(Debug, Clone, PartialEq)]
pub struct SizingLine {
    pub tranche: String,
    pub colour_index: usize,
    pub target_rating: Option<String>,
    pub curve: Vec<SizingCurvePoint>,
    pub sized: Option<SizingRow>,
}

/// Each rated tranche's EL against its size, target line and sized point.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizing {
    pub lines: Vec<SizingLine>,
    pub funding_capacity: Option<f64>,
    pub advance_rate: Option<f64>,
}

/// The approval-policy frontier.
#[derive(Debug, Clone, PartialEq)]
pub struct Frontier {
    pub rows: Vec<FrontierRow>,
}

/// Pool EL, VaR 99 % and funding capacity by scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareMetrics {
    pub scenarios: Vec<String>,
    pub expected_loss: Vec<Option<f64>>,
    pub var99: Vec<Option<f64>>,
    pub funding_capacity: Vec<Option<f64>>,
}

/// Each tranche's EL by scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareTrancheEl {
    pub scenarios: Vec<String>,
    /// Tranche and its EL in each scenario.
    pub tranches: Vec<(String, Vec<Option<f64>>)>,
}

/// What a chart shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartKind {
    LossDistribution(LossDistribution),
    Exceedance(Exceedance),
    Cashflows(Cashflows),
    PoolBalance(PoolBalance),
    TrancheBalances(TrancheBalances),
    Sizing(Sizing),
    Frontier(Frontier),
    CompareMetrics(CompareMetrics),
    CompareTrancheEl(CompareTrancheEl),
}

/// A chart ready to draw: its file name (without extension), title, caption and data.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub name: &'static str,
    pub title: String,
    /// One sentence saying what to read from the chart.
    pub caption: String,
    pub kind: ChartKind,
}

/// A chart written to disk.
#[derive(Debug, Clone)]
pub struct RenderedChart {
    pub name: &'static str,
    pub title: String,
    pub caption: String,
    /// The SVG document, for inlining into HTML.
    pub svg: String,
}

/// Every chart a report folder's files allow, in the order of the report.
pub fn charts_for_folder(folder: &ReportFolder) -> Vec<Chart> {
    let scenario = folder.scenario_name();
    let mut charts = Vec::new();
    charts.extend(loss_distribution_chart(folder, &scenario));
    charts.extend(exceedance_chart(folder, &scenario));
    charts.extend(cashflow_chart(folder, &scenario));
    charts.extend(pool_balance_chart(folder, &scenario));
    charts.extend(tranche_balance_chart(folder, &scenario));
    charts.extend(sizing_chart(folder, &scenario));
    charts.extend(frontier_chart(folder, &scenario));
    charts
}

fn tranche_index(folder: &ReportFolder, name: &str) -> usize {
    folder
        .tranche_names()
        .iter()
        .position(|t| t == name)
        .unwrap_or(0)
}

/// Where 99 % is among [`RISK_LEVELS`]: the level the loss chart marks.
const VAR_99: usize = 1;
const _: () = assert!(RISK_LEVELS[VAR_99] == 0.99);

/// Loss statistics of the paths of `path_results.csv` (weights normalised here), by the
/// same function as `tranches.csv` and `summary.json`, so a chart drawn from the paths
/// agrees with the tables; `None` without paths or weight.
pub fn path_loss_statistics(values: &[f64], weights: &[f64]) -> Option<LossStatistics> {
    let total: f64 = weights.iter().sum();
    if values.is_empty() || values.len() != weights.len() || total.is_nan() || total <= 0.0 {
        return None;
    }
    let normalised: Vec<f64> = weights.iter().map(|w| w / total).collect();
    Some(loss_statistics(values, &normalised))
}

fn loss_distribution_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    if folder.loss_distribution.is_empty() {
        return None;
    }
    let stats = folder
        .summary
        .monte_carlo
        .as_ref()
        .map(|m| m.pool_net_loss.clone());
    let from_paths = folder
        .path_results
        .as_ref()
        .and_then(|p| path_loss_statistics(&p.pool_net_loss, &p.weights));
    let expected_loss = stats
        .as_ref()
        .and_then(|s| s.mean)
        .or(from_paths.as_ref().map(|t| t.mean));
    let var99 = stats
        .as_ref()
        .and_then(|s| s.var[1])
        .or(from_paths.as_ref().map(|t| t.var[VAR_99]));
    let es99 = stats
        .as_ref()
        .and_then(|s| s.es[1])
        .or(from_paths.as_ref().map(|t| t.es[VAR_99]));
    let caption = match (expected_loss, var99, es99) {
        (Some(el), Some(var), Some(es)) => format!(
            "The pool is expected to lose {} of its closing balance; in the worst 1 % of economies it loses more than {} (VaR 99 %), {} on average (ES 99 %): the distance between the green and red lines is the tail the notes below the senior must absorb.",
            percent(el, 2),
            percent(var, 2),
            percent(es, 2)
        ),
        _ => "The spread of the pool's net loss across simulated economies: the further the right tail reaches, the more credit enhancement the senior notes need.".into(),
    };
    Some(Chart {
        name: "pool_loss_distribution",
        title: format!("Pool net-loss distribution — {scenario}"),
        caption,
        kind: ChartKind::LossDistribution(LossDistribution {
            bins: folder.loss_distribution.clone(),
            expected_loss,
            var99,
            es99,
            closing_balance: folder.closing_balance(),
        }),
    })
}

/// P(L > x) at each x of `grid`, from a weighted sample of losses.
pub fn exceedance_curve(losses: &[f64], weights: &[f64], grid: &[f64]) -> Vec<(f64, f64)> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let mut pairs: Vec<(f64, f64)> = losses
        .iter()
        .zip(weights)
        .filter(|(l, _)| l.is_finite())
        .map(|(&l, &w)| (l, w / total))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // above[i] = total weight of pairs[i..]
    let mut above = vec![0.0; pairs.len() + 1];
    for i in (0..pairs.len()).rev() {
        above[i] = above[i + 1] + pairs[i].1;
    }
    grid.iter()
        .map(|&x| {
            let first_above = pairs.partition_point(|p| p.0 <= x);
            (x, above[first_above].min(1.0))
        })
        .collect()
}

/// Points of a log-spaced grid from `low` to `high` (both > 0).
fn log_grid(low: f64, high: f64, points: usize) -> Vec<f64> {
    let (a, b) = (low.log10(), high.log10());
    (0..points)
        .map(|i| 10f64.powf(a + (b - a) * i as f64 / (points - 1) as f64))
        .collect()
}

/// Loss shares below this are treated as no loss (rounding noise of the waterfall).
const LOSS_FLOOR: f64 = 1e-12;

/// The smallest probability a log axis shows: below it, double precision next to 1 has no
/// meaning and no committee decision turns on it.
const PROBABILITY_FLOOR: f64 = 1e-15;

fn exceedance_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    let results = folder.path_results.as_ref()?;
    if results.tranche_losses.is_empty() || results.weights.is_empty() {
        return None;
    }
    let smallest = results
        .tranche_losses
        .iter()
        .flat_map(|(_, l)| l.iter().copied())
        .filter(|&l| l > LOSS_FLOOR)
        .fold(f64::INFINITY, f64::min);
    // at least four decades, so a tranche that only ever loses everything still shows
    let low = if smallest.is_finite() {
        10f64.powf(smallest.log10().floor()).clamp(LOSS_FLOOR, 1e-4)
    } else {
        1e-4
    };
    let grid = log_grid(low, 1.0, 400);
    let total: f64 = results.weights.iter().sum();
    let lines: Vec<ExceedanceLine> = results
        .tranche_losses
        .iter()
        .map(|(name, losses)| {
            let probability_of_loss = losses
                .iter()
                .zip(&results.weights)
                .filter(|(l, _)| **l > LOSS_FLOOR)
                .map(|(_, w)| w)
                .sum::<f64>()
                / total.max(f64::MIN_POSITIVE);
            ExceedanceLine {
                tranche: name.clone(),
                colour_index: tranche_index(folder, name),
                probability_of_loss,
                points: exceedance_curve(losses, &results.weights, &grid)
                    .into_iter()
                    .filter(|&(_, p)| p > 0.0)
                    .collect(),
            }
        })
        .collect();
    let losing: Vec<String> = lines
        .iter()
        .filter(|l| !l.points.is_empty())
        .map(|l| format!("{} {}", l.tranche, small_percent(l.probability_of_loss)))
        .collect();
    let caption = if losing.is_empty() {
        "No tranche lost principal in any simulated path: the structure absorbs every simulated economy.".into()
    } else {
        format!(
            "Read across at a loss size to see how likely a tranche loses more than that share of its balance; a curve further down and to the left is safer (probability of any loss: {}).",
            losing.join(", ")
        )
    };
    Some(Chart {
        name: "tranche_loss_exceedance",
        title: format!("Tranche loss exceedance — {scenario}"),
        caption,
        kind: ChartKind::Exceedance(Exceedance {
            lines,
            paths: results.weights.len(),
            importance_sampling: folder
                .summary
                .monte_carlo
                .as_ref()
                .and_then(|m| m.importance_sampling)
                .unwrap_or(false),
        }),
    })
}

fn cashflow_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    let table = folder.expected_cashflows.as_ref()?;
    let periods: Vec<u32> = table
        .column("period")
        .ok()??
        .into_iter()
        .map(|p| p as u32)
        .collect();
    let column = |name: &str| -> Option<Vec<f64>> {
        table.column(name).ok().flatten().map(|v| {
            v.into_iter()
                .map(|x| if x.is_finite() { x } else { 0.0 })
                .collect()
        })
    };
    let names = folder.tranche_names();
    let mut layers = Vec::new();
    let mut push = |label: String, colour: RGBColor, values: Option<Vec<f64>>| {
        if let Some(values) = values
            && values.iter().any(|v| *v > 0.005)
        {
            layers.push(CashflowLayer {
                label,
                colour,
                values,
            });
        }
    };
    push("Senior fees".into(), FEES_COLOUR, column("senior_fees"));
    for (i, name) in names.iter().enumerate() {
        push(
            format!("{name} interest"),
            lighten(tranche_colour(i), 0.5),
            column(&format!("{name}_interest_paid")),
        );
    }
    for (i, name) in names.iter().enumerate() {
        push(
            format!("{name} principal"),
            tranche_colour(i),
            column(&format!("{name}_principal_paid")),
        );
    }
    push("Purchases".into(), PURCHASES_COLOUR, column("purchases"));
    let residual_holder = names.last().cloned().unwrap_or_else(|| "residual".into());
    push(
        format!("Residual to {residual_holder}"),
        darken(tranche_colour(names.len().saturating_sub(1)), 0.45),
        column("residual"),
    );
    if layers.is_empty() {
        return None;
    }
    let zeros = vec![0.0; periods.len()];
    let sum_of = |cols: &[&str]| -> Vec<f64> {
        let mut total = zeros.clone();
        for c in cols {
            if let Some(v) = column(c) {
                for (t, x) in total.iter_mut().zip(v) {
                    *t += x;
                }
            }
        }
        total
    };
    let collections = sum_of(&[
        "interest",
        "scheduled_principal",
        "prepayments",
        "recoveries",
        "sale_proceeds",
    ]);
    // the shares of all uses over the deal, read off the layers drawn
    let total_uses: f64 = layers.iter().flat_map(|l| l.values.iter()).sum();
    let share_of = |pick: &dyn Fn(&str) -> bool| -> f64 {
        layers
            .iter()
            .filter(|l| pick(&l.label))
            .flat_map(|l| l.values.iter())
            .sum::<f64>()
            / total_uses.max(1.0)
    };
    let uses: Vec<String> = [
        ("purchases", share_of(&|l| l == "Purchases")),
        ("note principal", share_of(&|l| l.ends_with(" principal"))),
        (
            "interest and senior fees",
            share_of(&|l| l.ends_with(" interest") || l == "Senior fees"),
        ),
        ("the residual", share_of(&|l| l.starts_with("Residual to "))),
    ]
    .into_iter()
    .filter(|(_, share)| *share > 0.0)
    .map(|(what, share)| format!("{what} {}", percent(share, 0)))
    .collect();
    let caption = format!(
        "Each bar splits a month's expected available funds into their uses; over the deal, {}.",
        uses.join(", ")
    );
    Some(Chart {
        name: "expected_cashflows",
        title: format!("Expected cash flows by month — {scenario}"),
        caption,
        kind: ChartKind::Cashflows(Cashflows {
            periods,
            layers,
            collections,
        }),
    })
}

fn pool_balance_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    if folder.balance_bands.is_empty() {
        return None;
    }
    let mut bands = Vec::with_capacity(folder.balance_bands.len() + 1);
    if let Some(closing) = folder.closing_balance()
        && folder.balance_bands[0].period > 0
    {
        bands.push(BalanceBand {
            period: 0,
            deterministic: closing,
            mean: closing,
            p5: closing,
            p25: closing,
            p50: closing,
            p75: closing,
            p95: closing,
        });
    }
    bands.extend(folder.balance_bands.iter().copied());
    let revolving_months = folder.revolving_months();
    let widest = bands
        .iter()
        .filter(|b| b.p50 > 0.0)
        .map(|b| (b.p95 - b.p5) / b.p50)
        .fold(0.0, f64::max);
    let spread = if widest < 0.05 {
        format!(
            "the 5–95 % band is never wider than {} of the balance, so the pace of amortization, and the notes' lives, hardly depend on the economy",
            percent(widest, 1)
        )
    } else {
        format!(
            "the 5–95 % band reaches {} of the balance, so the pace of amortization, and the notes' lives, depend on the economy",
            percent(widest, 0)
        )
    };
    // where the median stands against the closing balance, read off the bands
    let start = bands.first().map(|b| b.p50).filter(|b| *b > 0.0);
    let median_at = |month: u32| bands.iter().find(|b| b.period == month).map(|b| b.p50);
    let last = bands.last().map(|b| (b.period, b.p50));
    let path = match (start, revolving_months, last) {
        (Some(start), Some(m), Some((end, at_end))) if m > 0 && m < end => format!(
            "The median performing balance is {} of the closing balance at the end of the {m}-month revolving period and {} in month {end}",
            percent(median_at(m).unwrap_or(f64::NAN) / start, 0),
            percent(at_end / start, 0)
        ),
        (Some(start), _, Some((end, at_end))) => format!(
            "The median performing balance is {} of the closing balance in month {end}",
            percent(at_end / start, 0)
        ),
        _ => "The performing balance month by month".to_string(),
    };
    let caption = format!("{path}; {spread}.");
    Some(Chart {
        name: "pool_balance",
        title: format!("Performing pool balance — {scenario}"),
        caption,
        kind: ChartKind::PoolBalance(PoolBalance {
            bands,
            revolving_months,
        }),
    })
}

fn tranche_balance_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    let table = folder.expected_cashflows.as_ref()?;
    let periods: Vec<u32> = table
        .column("period")
        .ok()??
        .into_iter()
        .map(|p| p as u32)
        .collect();
    let names = folder.tranche_names();
    let mut tranches = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let Some(balances) = table.column(&format!("{name}_end_balance")).ok().flatten() else {
            continue;
        };
        let original = folder
            .tranches
            .iter()
            .find(|t| &t.tranche == name)
            .map(|t| t.amount);
        let mut series = Vec::with_capacity(balances.len() + 1);
        if let Some(original) = original {
            series.push(original);
        }
        series.extend(balances);
        tranches.push((name.clone(), i, series));
    }
    if tranches.is_empty() {
        return None;
    }
    let has_original = tranches
        .first()
        .is_some_and(|(_, _, s)| s.len() == periods.len() + 1);
    let periods = if has_original {
        std::iter::once(0).chain(periods).collect()
    } else {
        periods
    };
    let breach: Vec<String> = folder
        .triggers
        .iter()
        .filter_map(|t| {
            let last = *t.cumulative_probability.last()?;
            (last > 0.0).then(|| format!("{} {}", short_trigger(&t.trigger), small_percent(last)))
        })
        .collect();
    let repayment: Vec<String> = tranches
        .iter()
        .filter_map(|(name, _, series)| repayment_words(name, &periods, series))
        .collect();
    let caption = format!(
        "Expected note balances month by month (revolving period shaded): {}; {}.",
        repayment.join("; "),
        if breach.is_empty() {
            "no trigger breached in any simulated path".to_string()
        } else {
            format!(
                "the lower panel shows how likely each trigger has breached by each month (by the legal final: {})",
                breach.join("; ")
            )
        }
    );
    Some(Chart {
        name: "tranche_balances",
        title: format!("Expected tranche balances and triggers — {scenario}"),
        caption,
        kind: ChartKind::TrancheBalances(TrancheBalances {
            periods,
            tranches,
            revolving_months: folder.revolving_months(),
            triggers: folder.triggers.clone(),
        }),
    })
}

/// When a note is repaid, from its expected balances by month (`series[i]` at
/// `periods[i]`, the first the original balance): `A repaid from month 13 to month 18`, or
/// what is left at the last month.
fn repayment_words(name: &str, periods: &[u32], series: &[f64]) -> Option<String> {
    let original = *series.first()?;
    if original <= 0.0 {
        return None;
    }
    // a thousandth of the balance paid is paydown begun; a millionth left is repaid (what
    // is left at the legal final is the tranche's EL, which the tranche table gives)
    let starts = series.iter().position(|b| *b < original * (1.0 - 1e-3))?;
    let ends = series.iter().position(|b| *b <= original * 1e-6);
    let month = |i: usize| periods.get(i).copied().unwrap_or(0);
    Some(match ends {
        Some(end) if end == starts => format!("{name} repaid in month {}", month(end)),
        Some(end) => format!(
            "{name} repaid from month {} to month {}",
            month(starts),
            month(end)
        ),
        None => format!(
            "{name} paid {} month {}, {} of it left in month {}",
            if starts + 1 == series.len() {
                "down in"
            } else {
                "down from"
            },
            month(starts),
            small_percent(series[series.len() - 1] / original),
            month(series.len() - 1)
        ),
    })
}

/// A trigger label without its effect: `cumulative_net_loss > 0.04`.
pub fn short_trigger(label: &str) -> String {
    label
        .split(" -> ")
        .next()
        .unwrap_or(label)
        .trim()
        .to_string()
}

fn sizing_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    if folder.sizing.is_empty() && folder.sizing_curve.is_empty() {
        return None;
    }
    let mut order: Vec<String> = Vec::new();
    for name in folder
        .sizing
        .iter()
        .filter(|r| r.target_rating.is_some())
        .map(|r| &r.tranche)
        .chain(folder.sizing_curve.iter().map(|p| &p.tranche))
    {
        if !order.contains(name) {
            order.push(name.clone());
        }
    }
    let lines: Vec<SizingLine> = order
        .iter()
        .map(|name| {
            let sized = folder.sizing.iter().find(|r| &r.tranche == name).cloned();
            let mut curve: Vec<SizingCurvePoint> = folder
                .sizing_curve
                .iter()
                .filter(|p| &p.tranche == name)
                .cloned()
                .collect();
            curve.sort_by(|a, b| a.share.total_cmp(&b.share));
            SizingLine {
                tranche: name.clone(),
                colour_index: folder
                    .tranche_names()
                    .iter()
                    .position(|t| t == name)
                    .unwrap_or(0),
                target_rating: sized
                    .as_ref()
                    .and_then(|s| s.target_rating.clone())
                    .or_else(|| {
                        folder
                            .tranches
                            .iter()
                            .find(|t| &t.tranche == name)
                            .and_then(|t| t.target_rating.clone())
                    }),
                curve,
                sized,
            }
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    let funding_capacity = folder.funding_capacity();
    let advance_rate = folder.summary.sizing.as_ref().and_then(|s| s.advance_rate);
    let sized: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            let s = l.sized.as_ref()?;
            Some(format!("{} {}", l.tranche, percent(s.share, 1)))
        })
        .collect();
    let caption = format!(
        "Each rated tranche is sized at the largest share whose EL (solid) stays within the idealized EL of its target rating (dashed){}{}.",
        if sized.is_empty() {
            String::new()
        } else {
            format!(", giving {}", sized.join(", "))
        },
        match (funding_capacity, advance_rate) {
            (Some(c), Some(a)) => format!(
                " and a funding capacity of {} CNY ({} advance rate)",
                cny(c),
                percent(a, 1)
            ),
            (Some(c), None) => format!(" and a funding capacity of {} CNY", cny(c)),
            _ => String::new(),
        }
    );
    Some(Chart {
        name: "sizing",
        title: format!("Tranche sizing to target ratings — {scenario}"),
        caption,
        kind: ChartKind::Sizing(Sizing {
            lines,
            funding_capacity,
            advance_rate,
        }),
    })
}

fn frontier_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    if folder.frontier.is_empty() {
        return None;
    }
    Some(Chart {
        name: "frontier",
        title: format!("Approval-policy frontier — {scenario}"),
        caption: frontier_caption(folder),
        kind: ChartKind::Frontier(Frontier {
            rows: folder.frontier.clone(),
        }),
    })
}

/// How a measure moves along the cut-offs, in words, from the values themselves: `rises
/// from 1.0 % to 2.0 %`, `falls …`, `stays at …` (equal at the precision shown), with `not
/// steadily` when it turns on the way. `values` are in increasing order of cut-off.
pub fn trend_words(values: &[f64], show: impl Fn(f64) -> String) -> Option<String> {
    let (&first, &last) = (values.first()?, values.last()?);
    let shown: Vec<String> = values.iter().map(|&v| show(v)).collect();
    let (from, to) = (&shown[0], &shown[shown.len() - 1]);
    if shown.iter().all(|v| v == from) {
        return Some(format!("stays at {from}"));
    }
    if from == to {
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        return Some(format!(
            "ends where it starts, at {from}, after moving between {} and {}",
            show(low),
            show(high)
        ));
    }
    let rises = last > first;
    let steady = values
        .windows(2)
        .all(|w| if rises { w[1] >= w[0] } else { w[1] <= w[0] });
    Some(format!(
        "{} from {from} to {to}{}",
        if rises { "rises" } else { "falls" },
        if steady { "" } else { " (not steadily)" }
    ))
}

/// The frontier chart's caption, every direction read from `frontier.csv` (along the cut-offs
/// at the recommended, closest or first limit multiplier) and the recommendation from
/// `summary.json`.
fn frontier_caption(folder: &ReportFolder) -> String {
    let recommendation = folder.summary.recommendation.as_ref();
    let recommended = folder.frontier.iter().find(|r| r.recommended);
    let multiplier = recommended
        .map(|r| r.limit_multiplier)
        .or_else(|| recommendation.and_then(|r| r.limit_multiplier))
        .unwrap_or(folder.frontier[0].limit_multiplier);
    let mut series: Vec<&FrontierRow> = folder
        .frontier
        .iter()
        .filter(|r| r.limit_multiplier == multiplier)
        .collect();
    series.sort_by(|a, b| a.cutoff.total_cmp(&b.cutoff));
    // measures of the points with a pool (a point that approves nobody has none)
    let measure = |get: fn(&FrontierRow) -> Option<f64>| -> Vec<f64> {
        series.iter().filter_map(|r| get(r)).collect()
    };
    let mut moves = Vec::new();
    for (label, values, show) in [
        (
            "the approval rate",
            measure(|r| r.approval_rate),
            (|v| percent(v, 1)) as fn(f64) -> String,
        ),
        ("the pool EL", measure(|r| r.pool_el), |v| percent(v, 2)),
        ("the advance rate", measure(|r| r.advance_rate), |v| {
            percent(v, 1)
        }),
        (
            "the funding capacity",
            measure(|r| r.funding_capacity),
            |v| format!("{} CNY", cny(v)),
        ),
    ] {
        if let Some(words) = trend_words(&values, show) {
            moves.push(format!("{label} {words}"));
        }
    }
    let trends = match (series.first(), series.last(), moves.split_last()) {
        (Some(low), Some(high), Some((last, rest))) if series.len() > 1 => format!(
            "From cut-off {:.0} to {:.0} at limit × {}, {}. ",
            low.cutoff,
            high.cutoff,
            trim_number(multiplier),
            if rest.is_empty() {
                last.clone()
            } else {
                format!("{} and {last}", rest.join(", "))
            }
        ),
        _ => String::new(),
    };
    let verdict = match (recommended, recommendation.map(|r| r.status.as_str())) {
        (Some(r), _) => format!(
            "The recommended policy (ringed: cut-off {:.0}, limit × {}) has the largest pool balance among those meeting every target{}.",
            r.cutoff,
            trim_number(r.limit_multiplier),
            r.funding_capacity
                .map(|c| format!(", funding {} CNY", cny(c)))
                .unwrap_or_default()
        ),
        (None, Some("nothing_approved")) => {
            "No policy on this grid approves any applicant.".to_string()
        }
        (None, _) => format!(
            "No policy on this grid meets every target{}.",
            recommendation
                .and_then(|r| Some((r.cutoff?, r.limit_multiplier?, r.binding_target.as_deref())))
                .map(|(c, m, binding)| format!(
                    " (closest: cut-off {c:.0}, limit × {}{})",
                    trim_number(m),
                    binding
                        .map(|b| format!("; binding target {b}"))
                        .unwrap_or_default()
                ))
                .unwrap_or_default()
        ),
    };
    let method = folder
        .frontier
        .iter()
        .find_map(|r| r.sizing_method.as_deref())
        .map(|m| {
            format!(
                " Funding capacity and advance rate are sized by {}.",
                if m == "tdr_bdr" {
                    "TDR/BDR (target against break-even default rates)"
                } else {
                    "expected loss"
                }
            )
        })
        .unwrap_or_default();
    format!("{trends}{verdict}{method}")
}

fn trim_number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

/// Draws a chart to `dir/<name>.png` and `dir/<name>.svg`; returns the SVG text too.
pub fn write_chart(chart: &Chart, dir: &Path) -> Result<RenderedChart, ReportError> {
    register_embedded_font()?;
    let chart_error = |message: String| ReportError::Chart {
        chart: chart.name.into(),
        message,
    };
    let (width, height) = CHART_SIZE;
    let mut pixels = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        chart.draw(&root).map_err(|e| chart_error(e.0))?;
        root.present().map_err(|e| chart_error(e.to_string()))?;
    }
    let png_path = dir.join(format!("{}.png", chart.name));
    write_png(&png_path, width, height, &pixels)?;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        chart.draw(&root).map_err(|e| chart_error(e.0))?;
        root.present().map_err(|e| chart_error(e.to_string()))?;
    }
    let svg_path = dir.join(format!("{}.svg", chart.name));
    std::fs::write(&svg_path, svg.as_bytes()).map_err(|source| ReportError::Write {
        path: svg_path,
        source,
    })?;
    Ok(RenderedChart {
        name: chart.name,
        title: chart.title.clone(),
        caption: chart.caption.clone(),
        svg,
    })
}

/// Encodes an RGB buffer as PNG with the `png` crate.
pub(crate) fn write_png(
    path: &Path,
    width: u32,
    height: u32,
    rgb: &[u8],
) -> Result<(), ReportError> {
    let write_error = |e: std::io::Error| ReportError::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let encoding_error = |e: png::EncodingError| ReportError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    };
    let file = std::fs::File::create(path).map_err(write_error)?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(encoding_error)?;
    writer.write_image_data(rgb).map_err(encoding_error)?;
    writer.finish().map_err(encoding_error)
}

impl Chart {
    /// Draws the chart on any plotters backend.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&WHITE)?;
        let body = root.titled(&self.title, (FONT, TITLE_SIZE).into_font().color(&TEXT))?;
        match &self.kind {
            ChartKind::LossDistribution(d) => draw_loss_distribution(d, &body),
            ChartKind::Exceedance(d) => draw_exceedance(d, &body),
            ChartKind::Cashflows(d) => draw_cashflows(d, &body),
            ChartKind::PoolBalance(d) => draw_pool_balance(d, &body),
            ChartKind::TrancheBalances(d) => draw_tranche_balances(d, &body),
            ChartKind::Sizing(d) => draw_sizing(d, &body),
            ChartKind::Frontier(d) => draw_frontier(d, &body),
            ChartKind::CompareMetrics(d) => draw_compare_metrics(d, &body),
            ChartKind::CompareTrancheEl(d) => draw_compare_tranche_el(d, &body),
        }
    }
}

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
enum Mark {
    Line(RGBColor),
    Dashed(RGBColor),
    Block(RGBColor),
    Dot(RGBColor),
    Ring(RGBColor),
}

struct LegendEntry {
    label: String,
    detail: Option<String>,
    mark: Mark,
}

fn entry(label: impl Into<String>, mark: Mark) -> LegendEntry {
    LegendEntry {
        label: label.into(),
        detail: None,
        mark,
    }
}

fn entry_with(label: impl Into<String>, detail: impl Into<String>, mark: Mark) -> LegendEntry {
    LegendEntry {
        label: label.into(),
        detail: Some(detail.into()),
        mark,
    }
}

/// Splits the area below the title into the plot and the legend panel on its right.
fn plot_and_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let width = body.dim_in_pixel().0;
    body.split_horizontally(width.saturating_sub(LEGEND_WIDTH))
}

/// Draws legend entries top-down in the legend panel.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
) -> DrawResult {
    let label_style = (FONT, LEGEND_SIZE).into_font().color(&TEXT);
    let detail_style = (FONT, DETAIL_SIZE).into_font().color(&MUTED);
    let mut y = 24;
    for e in entries {
        let (x0, x1, mid) = (8, 36, y + 8);
        match e.mark {
            Mark::Line(c) => area.draw(&PathElement::new(
                vec![(x0, mid), (x1, mid)],
                c.stroke_width(3),
            ))?,
            Mark::Dashed(c) => area.draw(&DashedPathElement::new(
                vec![(x0, mid), (x1, mid)],
                6,
                4,
                c.stroke_width(2),
            ))?,
            Mark::Block(c) => {
                area.draw(&Rectangle::new([(x0, y), (x1, y + 16)], c.filled()))?;
            }
            Mark::Dot(c) => area.draw(&Circle::new((x0 + 14, mid), 5, c.filled()))?,
            Mark::Ring(c) => area.draw(&Circle::new((x0 + 14, mid), 8, c.stroke_width(3)))?,
        }
        area.draw(&Text::new(
            e.label.clone(),
            (x1 + 8, y),
            label_style.clone(),
        ))?;
        y += 22;
        if let Some(detail) = &e.detail {
            area.draw(&Text::new(
                detail.clone(),
                (x1 + 8, y - 2),
                detail_style.clone(),
            ))?;
            y += 18;
        }
        y += 4;
    }
    Ok(())
}

/// An axis (linear or log) whose ticks are exactly the values given, formatted by the
/// chart's own label formatter.
struct Ticked<R: Ranged<ValueType = f64>> {
    inner: R,
    ticks: Vec<f64>,
}

impl<R: Ranged<ValueType = f64>> Ranged for Ticked<R> {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn axis_pixel_range(&self, limit: (i32, i32)) -> Range<i32> {
        self.inner.axis_pixel_range(limit)
    }
}

fn linear_axis(range: Range<f64>, ticks: Vec<f64>) -> Ticked<RangedCoordf64> {
    Ticked {
        inner: range.into(),
        ticks,
    }
}

fn log_axis(range: Range<f64>, ticks: Vec<f64>) -> Ticked<LogCoord<f64>> {
    Ticked {
        inner: range.log_scale().into(),
        ticks,
    }
}

/// Shared look of every chart's axes and grid.
fn style_mesh<X: Ranged, Y: Ranged, DB: DrawingBackend>(mesh: &mut MeshStyle<'_, '_, X, Y, DB>) {
    mesh.label_style((FONT, LABEL_SIZE).into_font().color(&TEXT))
        .axis_desc_style((FONT, DESC_SIZE).into_font().color(&TEXT))
        .bold_line_style(GRID)
        .light_line_style(LIGHT_GRID)
        .max_light_lines(1)
        .axis_style(MUTED);
}

/// Month ticks: every month up to 13 months, else a step of 2, 3, 6 or 12.
fn month_ticks(first: u32, last: u32) -> Vec<f64> {
    let span = last.saturating_sub(first).max(1);
    let step = [1, 2, 3, 6, 12, 24]
        .into_iter()
        .find(|s| span / s <= 12)
        .unwrap_or(24);
    (first..=last)
        .filter(|m| m % step == 0)
        .map(f64::from)
        .collect()
}

/// Powers of ten from `low` to `high`, thinned to at most `max` ticks.
fn decade_ticks(low: f64, high: f64, max: usize) -> Vec<f64> {
    let (a, b) = (low.log10().floor() as i32, high.log10().ceil() as i32);
    let count = (b - a + 1).max(1) as usize;
    let stride = count.div_ceil(max.max(1)).max(1) as i32;
    (a..=b)
        .rev()
        .step_by(stride as usize)
        .map(|e| 10f64.powi(e))
        .collect()
}

/// A tidy upper bound for a positive axis: 1, 2, 2.5 or 5 × a power of ten above `value`.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    for step in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if step * magnitude >= value {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

fn month_label(value: &f64) -> String {
    format!("{value:.0}")
}

fn cny_label(value: &f64) -> String {
    cny(*value)
}

fn draw_no_data<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, message: &str) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2 - 4 * message.len() as i32, h as i32 / 2),
        (FONT, DESC_SIZE).into_font().color(&MUTED),
    ))?;
    Ok(())
}

fn draw_loss_distribution<DB: DrawingBackend>(
    d: &LossDistribution,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let bin_width = d.bins.first().map_or(0.0025, |b| (b.to - b.from).max(1e-9));
    let max_probability = d.bins.iter().map(|b| b.probability).fold(0.0, f64::max);
    let visible_end = d
        .bins
        .iter()
        .filter(|b| b.probability > max_probability * 2e-3)
        .map(|b| b.to)
        .fold(0.0, f64::max);
    let marker_end = [d.expected_loss, d.var99, d.es99]
        .into_iter()
        .flatten()
        .fold(0.0, f64::max);
    let x_max = (visible_end.max(marker_end * 1.15)).max(bin_width * 4.0);
    let x_max_pct = nice_ceiling(100.0 * x_max);
    let y_max = nice_ceiling(100.0 * max_probability * 1.18);
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..x_max_pct, 0f64..y_max)?;
    let x_desc = format!(
        "Pool net loss (% of closing balance; bins of {} %)",
        trim_number(100.0 * bin_width)
    );
    let pct = |v: &f64| format!("{} %", trim_number(*v));
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.x_desc(x_desc)
        .y_desc("Probability per bin (%)")
        .x_label_formatter(&pct)
        .y_label_formatter(&pct)
        .draw()?;
    chart.draw_series(
        d.bins
            .iter()
            .filter(|b| 100.0 * b.from < x_max_pct)
            .map(|b| {
                Rectangle::new(
                    [
                        (100.0 * b.from, 0.0),
                        ((100.0 * b.to).min(x_max_pct), 100.0 * b.probability),
                    ],
                    lighten(POOL_COLOUR, 0.35).filled(),
                )
            }),
    )?;
    let markers = [
        ("EL", d.expected_loss, EL_COLOUR),
        ("VaR 99 %", d.var99, VAR_COLOUR),
        ("ES 99 %", d.es99, ES_COLOUR),
    ];
    let money = |share: f64| {
        d.closing_balance
            .map(|b| format!("{} CNY", cny(share * b)))
            .unwrap_or_default()
    };
    let mut entries = vec![entry(
        "Probability of the bin",
        Mark::Block(lighten(POOL_COLOUR, 0.35)),
    )];
    for (row, (label, value, colour)) in markers.into_iter().enumerate() {
        let Some(value) = value else { continue };
        let x = 100.0 * value;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, 0.0), (x, y_max)],
            colour.stroke_width(3),
        )))?;
        // stagger the labels so close markers do not overlap; keep them off the line
        let y = y_max * (0.95 - 0.08 * row as f64);
        let right_half = x > 0.6 * x_max_pct;
        let offset = 0.008 * x_max_pct;
        chart.draw_series(std::iter::once(Text::new(
            format!("{label} {}", percent(value, 2)),
            (if right_half { x - offset } else { x + offset }, y),
            (FONT, LABEL_SIZE)
                .into_font()
                .color(&darken(colour, 0.2))
                .pos(Pos::new(
                    if right_half { HPos::Right } else { HPos::Left },
                    VPos::Center,
                )),
        )))?;
        entries.push(entry_with(
            format!("{label} {}", percent(value, 2)),
            money(value),
            Mark::Line(colour),
        ));
    }
    draw_legend(&legend, &entries)
}

fn draw_exceedance<DB: DrawingBackend>(
    d: &Exceedance,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let all_points = || d.lines.iter().flat_map(|l| l.points.iter());
    let x_low = all_points()
        .map(|p| p.0)
        .fold(f64::INFINITY, f64::min)
        .min(1e-4);
    let x_low = 10f64.powf(x_low.log10().floor());
    let y_low = all_points()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
        .clamp(PROBABILITY_FLOOR, 0.01);
    let y_low = 10f64.powf(y_low.log10().floor());
    let x_ticks = decade_ticks(x_low, 1.0, 9);
    let y_ticks = decade_ticks(y_low, 1.0, 9);
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(
            log_axis(x_low..1f64, x_ticks),
            log_axis(y_low..1f64, y_ticks),
        )?;
    let x_fmt = |v: &f64| log_percent_tick(*v);
    let y_fmt = |v: &f64| log_probability_tick(*v);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.x_desc("Tranche loss x (% of original balance, log scale)")
        .y_desc("Probability of loss > x (log scale)")
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    let mut entries = Vec::new();
    for line in &d.lines {
        let colour = tranche_colour(line.colour_index);
        if line.points.is_empty() {
            entries.push(entry_with(
                line.tranche.clone(),
                "no loss in any path",
                Mark::Line(colour),
            ));
            continue;
        }
        chart.draw_series(LineSeries::new(
            line.points.iter().copied().filter(|p| p.1 >= y_low),
            colour.stroke_width(3),
        ))?;
        entries.push(entry_with(
            line.tranche.clone(),
            format!("P(any loss) {}", small_percent(line.probability_of_loss)),
            Mark::Line(colour),
        ));
    }
    entries.push(entry_with(
        format!("{} paths", cny(d.paths as f64)),
        if d.importance_sampling {
            "weighted (importance sampling)"
        } else {
            "equally weighted"
        },
        Mark::Block(WHITE),
    ));
    draw_legend(&legend, &entries)
}

fn draw_cashflows<DB: DrawingBackend>(d: &Cashflows, body: &DrawingArea<DB, Shift>) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let first = d.periods.first().copied().unwrap_or(1);
    let last = d.periods.last().copied().unwrap_or(1);
    let stack_max = (0..d.periods.len())
        .map(|i| d.layers.iter().map(|l| l.values[i]).sum::<f64>())
        .fold(0.0, f64::max);
    let y_max =
        nice_ceiling(stack_max.max(d.collections.iter().copied().fold(0.0, f64::max)) * 1.05);
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(120)
        .build_cartesian_2d(
            linear_axis(
                first as f64 - 0.6..last as f64 + 0.6,
                month_ticks(first, last),
            ),
            0f64..y_max,
        )?;
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.x_desc("Month after cut-off")
        .y_desc("Expected amount per month (CNY)")
        .x_label_formatter(&month_label)
        .y_label_formatter(&cny_label)
        .disable_x_mesh()
        .draw()?;
    let mut base = vec![0.0; d.periods.len()];
    for layer in &d.layers {
        chart.draw_series(d.periods.iter().enumerate().map(|(i, &p)| {
            let x = p as f64;
            let bottom = base[i];
            let top = bottom + layer.values[i];
            Rectangle::new([(x - 0.4, bottom), (x + 0.4, top)], layer.colour.filled())
        }))?;
        for (b, v) in base.iter_mut().zip(&layer.values) {
            *b += v;
        }
    }
    chart.draw_series(LineSeries::new(
        d.periods
            .iter()
            .zip(&d.collections)
            .map(|(&p, &c)| (p as f64, c)),
        TEXT.stroke_width(2),
    ))?;
    chart.draw_series(
        d.periods
            .iter()
            .zip(&d.collections)
            .map(|(&p, &c)| Circle::new((p as f64, c), 3, TEXT.filled())),
    )?;
    let mut entries = vec![entry_with(
        "Pool collections",
        "incl. recoveries and sales",
        Mark::Line(TEXT),
    )];
    entries.extend(
        d.layers
            .iter()
            .rev()
            .map(|l| entry(l.label.clone(), Mark::Block(l.colour))),
    );
    draw_legend(&legend, &entries)
}

fn shade_revolving<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    months: Option<u32>,
    y_low: f64,
    y_high: f64,
) -> DrawResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if let Some(m) = months.filter(|&m| m > 0) {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y_low), (m as f64, y_high)],
            SHADE.mix(0.12).filled(),
        )))?;
    }
    Ok(())
}

fn draw_pool_balance<DB: DrawingBackend>(
    d: &PoolBalance,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let first = d.bands.first().map_or(0, |b| b.period);
    let last = d.bands.last().map_or(1, |b| b.period);
    let top = d
        .bands
        .iter()
        .flat_map(|b| [b.p95, b.deterministic, b.mean])
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let y_max = nice_ceiling(top * 1.08);
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(120)
        .build_cartesian_2d(
            linear_axis(first as f64..last as f64, month_ticks(first, last)),
            0f64..y_max,
        )?;
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.x_desc("Month after cut-off (end of month)")
        .y_desc("Performing balance (CNY)")
        .x_label_formatter(&month_label)
        .y_label_formatter(&cny_label)
        .draw()?;
    shade_revolving(&mut chart, d.revolving_months, 0.0, y_max)?;
    let band = |low: fn(&BalanceBand) -> f64, high: fn(&BalanceBand) -> f64| {
        let mut points: Vec<(f64, f64)> =
            d.bands.iter().map(|b| (b.period as f64, high(b))).collect();
        points.extend(d.bands.iter().rev().map(|b| (b.period as f64, low(b))));
        points
    };
    let outer = lighten(POOL_COLOUR, 0.78);
    let inner = lighten(POOL_COLOUR, 0.5);
    chart.draw_series(std::iter::once(Polygon::new(
        band(|b| b.p5, |b| b.p95),
        outer.filled(),
    )))?;
    chart.draw_series(std::iter::once(Polygon::new(
        band(|b| b.p25, |b| b.p75),
        inner.filled(),
    )))?;
    chart.draw_series(LineSeries::new(
        d.bands.iter().map(|b| (b.period as f64, b.p50)),
        darken(POOL_COLOUR, 0.2).stroke_width(3),
    ))?;
    let deterministic: Vec<(f64, f64)> = d
        .bands
        .iter()
        .filter(|b| b.deterministic.is_finite())
        .map(|b| (b.period as f64, b.deterministic))
        .collect();
    chart.draw_series(DashedLineSeries::new(
        deterministic,
        10,
        6,
        TEXT.stroke_width(2),
    ))?;
    let mut entries = vec![
        entry("Monte Carlo median", Mark::Line(darken(POOL_COLOUR, 0.2))),
        entry("25th–75th percentile", Mark::Block(inner)),
        entry("5th–95th percentile", Mark::Block(outer)),
        entry("Deterministic case", Mark::Dashed(TEXT)),
    ];
    if let Some(m) = d.revolving_months.filter(|&m| m > 0) {
        entries.push(entry_with(
            "Revolving period",
            format!("months 1–{m}"),
            Mark::Block(lighten(SHADE, 0.8)),
        ));
    }
    draw_legend(&legend, &entries)
}

fn draw_tranche_balances<DB: DrawingBackend>(
    d: &TrancheBalances,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let has_triggers = !d.triggers.is_empty();
    let height = plot.dim_in_pixel().1;
    let (upper, lower) = if has_triggers {
        let (u, l) = plot.split_vertically((height as f64 * 0.64) as u32);
        (u, Some(l))
    } else {
        (plot.clone(), None)
    };
    let first = d.periods.first().copied().unwrap_or(0);
    let last = d.periods.last().copied().unwrap_or(1);
    let top = d
        .tranches
        .iter()
        .flat_map(|(_, _, s)| s.iter().copied())
        .fold(0.0, f64::max);
    let y_max = nice_ceiling(top * 1.08);
    let mut chart = ChartBuilder::on(&upper)
        .margin(12)
        .x_label_area_size(if has_triggers { 28 } else { 52 })
        .y_label_area_size(120)
        .build_cartesian_2d(
            linear_axis(first as f64..last as f64, month_ticks(first, last)),
            0f64..y_max,
        )?;
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.y_desc("Expected balance (CNY)")
        .x_label_formatter(&month_label)
        .y_label_formatter(&cny_label);
    if !has_triggers {
        mesh.x_desc("Month after cut-off (end of month)");
    }
    mesh.draw()?;
    shade_revolving(&mut chart, d.revolving_months, 0.0, y_max)?;
    let mut entries = Vec::new();
    for (name, index, series) in &d.tranches {
        let colour = tranche_colour(*index);
        chart.draw_series(LineSeries::new(
            d.periods.iter().zip(series).map(|(&p, &b)| (p as f64, b)),
            colour.stroke_width(3),
        ))?;
        entries.push(entry(format!("Tranche {name}"), Mark::Line(colour)));
    }
    if let Some(m) = d.revolving_months.filter(|&m| m > 0) {
        entries.push(entry_with(
            "Revolving period",
            format!("months 1–{m}"),
            Mark::Block(lighten(SHADE, 0.8)),
        ));
    }

    if let Some(lower) = lower {
        let positive = || {
            d.triggers
                .iter()
                .flat_map(|t| t.cumulative_probability.iter().copied())
                .filter(|&p| p > 0.0)
        };
        let y_low = positive().fold(1e-3f64, f64::min).max(PROBABILITY_FLOOR);
        let y_low = 10f64.powf(y_low.log10().floor());
        let mut chart = ChartBuilder::on(&lower)
            .margin(12)
            .x_label_area_size(52)
            .y_label_area_size(120)
            .build_cartesian_2d(
                linear_axis(first as f64..last as f64, month_ticks(first, last)),
                log_axis(y_low..1f64, decade_ticks(y_low, 1.0, 4)),
            )?;
        let y_fmt = |v: &f64| log_probability_tick(*v);
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh);
        mesh.x_desc("Month after cut-off (end of month)")
            .y_desc("P(breached by month)")
            .x_label_formatter(&month_label)
            .y_label_formatter(&y_fmt)
            .draw()?;
        shade_revolving(&mut chart, d.revolving_months, y_low, 1.0)?;
        for (i, trigger) in d.triggers.iter().enumerate() {
            let colour = series_colour(i + 3);
            let points: Vec<(f64, f64)> = trigger
                .months
                .iter()
                .zip(&trigger.cumulative_probability)
                .filter(|(_, p)| **p >= y_low)
                .map(|(&m, &p)| (m as f64, p))
                .collect();
            let last_probability = trigger
                .cumulative_probability
                .last()
                .copied()
                .unwrap_or(0.0);
            if !points.is_empty() {
                chart.draw_series(DashedLineSeries::new(points, 8, 4, colour.stroke_width(3)))?;
            }
            entries.push(entry_with(
                short_trigger(&trigger.trigger),
                if last_probability > 0.0 {
                    format!("P(breach) {}", small_percent(last_probability))
                } else {
                    "never breached".to_string()
                },
                Mark::Dashed(colour),
            ));
        }
        if positive().next().is_none() {
            draw_no_data(&lower, "No trigger breached in any simulated path")?;
        }
    }
    draw_legend(&legend, &entries)
}

fn draw_sizing<DB: DrawingBackend>(d: &Sizing, body: &DrawingArea<DB, Shift>) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let values = || {
        d.lines.iter().flat_map(|l| {
            l.curve
                .iter()
                .flat_map(|p| [Some(p.el), p.target_el])
                .chain(l.sized.iter().flat_map(|s| [s.el, s.target_el]))
                .flatten()
                .filter(|v| *v > LOSS_FLOOR)
        })
    };
    // one y range for every tranche, so the panels compare
    let y_low = 10f64.powf(values().fold(1e-3f64, f64::min).log10().floor());
    let y_high = 10f64
        .powf(values().fold(1e-3f64, f64::max).log10().ceil())
        .clamp(y_low * 10.0, 1.0);
    let panels = plot.split_evenly((1, d.lines.len().max(1)));
    let mut entries = Vec::new();
    for (k, (line, panel)) in d.lines.iter().zip(&panels).enumerate() {
        let colour = tranche_colour(line.colour_index);
        // the x range covers the candidates that can be drawn on a log scale (EL > 0) and the
        // sized point; bisection's first tries far from the answer would squeeze the curve
        let shares: Vec<f64> = line
            .curve
            .iter()
            .filter(|p| p.el > LOSS_FLOOR)
            .map(|p| p.share)
            .chain(line.sized.iter().map(|s| s.share))
            .collect();
        let low = shares.iter().copied().fold(f64::INFINITY, f64::min);
        let high = shares.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (x_min, x_max) = if low.is_finite() && high > low {
            let pad = (high - low) * 0.08;
            (
                (100.0 * (low - pad)).max(0.0),
                (100.0 * (high + pad)).min(100.0),
            )
        } else if low.is_finite() {
            (
                (100.0 * (low - 0.02)).max(0.0),
                (100.0 * (low + 0.02)).min(100.0),
            )
        } else {
            (0.0, 100.0)
        };
        let rating = line.target_rating.clone().unwrap_or_else(|| "-".into());
        let mut chart = ChartBuilder::on(panel)
            .margin(12)
            .caption(
                format!("Tranche {} (target {rating})", line.tranche),
                (FONT, DESC_SIZE).into_font().color(&TEXT),
            )
            .x_label_area_size(52)
            .y_label_area_size(if k == 0 { 80 } else { 56 })
            .build_cartesian_2d(
                x_min..x_max,
                log_axis(y_low..y_high, decade_ticks(y_low, y_high, 8)),
            )?;
        let x_fmt = |v: &f64| format!("{} %", trim_number((v * 10.0).round() / 10.0));
        let y_fmt = |v: &f64| log_percent_tick(*v);
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh);
        mesh.x_desc("Tranche size (% of closing pool)")
            .x_labels(6)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        if k == 0 {
            mesh.y_desc("Expected loss (% of tranche, log scale)");
        }
        mesh.draw()?;
        let el: Vec<(f64, f64)> = line
            .curve
            .iter()
            .filter(|p| p.el > LOSS_FLOOR)
            .map(|p| (100.0 * p.share, p.el.clamp(y_low, y_high)))
            .collect();
        let target: Vec<(f64, f64)> = line
            .curve
            .iter()
            .filter_map(|p| Some((100.0 * p.share, p.target_el?.clamp(y_low, y_high))))
            .filter(|p| (x_min..=x_max).contains(&p.0))
            .collect();
        if target.len() > 1 {
            chart.draw_series(DashedLineSeries::new(target, 9, 5, colour.stroke_width(2)))?;
        } else if let Some(t) = line.sized.as_ref().and_then(|s| s.target_el) {
            chart.draw_series(DashedLineSeries::new(
                [(x_min, t), (x_max, t)],
                9,
                5,
                colour.stroke_width(2),
            ))?;
        }
        if !el.is_empty() {
            chart.draw_series(LineSeries::new(el.clone(), colour.stroke_width(3)))?;
            chart.draw_series(el.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        }
        entries.push(entry(format!("{} EL", line.tranche), Mark::Line(colour)));
        entries.push(entry(
            format!("{} target: {rating} idealized EL", line.tranche),
            Mark::Dashed(colour),
        ));
        if let Some(sized) = &line.sized {
            let y = sized
                .el
                .filter(|v| *v > LOSS_FLOOR)
                .or(sized.target_el)
                .unwrap_or(y_low)
                .clamp(y_low, y_high);
            let x = 100.0 * sized.share;
            chart.draw_series(std::iter::once(Circle::new(
                (x, y),
                9,
                TEXT.stroke_width(3),
            )))?;
            chart.draw_series(std::iter::once(Circle::new((x, y), 6, colour.filled())))?;
            // EL rises with size, so the curve runs lower-left to upper-right through the
            // point and the target line is flat: the label goes upper-left of points in the
            // right part of the panel, lower-right of the others
            let right_half = x > x_min + 0.6 * (x_max - x_min);
            let offset = 0.03 * (x_max - x_min);
            chart.draw_series(std::iter::once(Text::new(
                format!("sized {}", percent(sized.share, 1)),
                if right_half {
                    (x - offset, (y * 5.0).min(y_high / 1.6))
                } else {
                    (x + offset, (y / 5.0).max(y_low * 1.6))
                },
                (FONT, LABEL_SIZE).into_font().color(&TEXT).pos(Pos::new(
                    if right_half { HPos::Right } else { HPos::Left },
                    VPos::Center,
                )),
            )))?;
            entries.push(entry_with(
                format!("{} sized: {}", line.tranche, percent(sized.share, 1)),
                match (sized.amount, sized.el) {
                    (Some(a), Some(el)) => format!("{} CNY, EL {}", cny(a), small_percent(el)),
                    (Some(a), None) => format!("{} CNY", cny(a)),
                    _ => String::new(),
                },
                Mark::Ring(TEXT),
            ));
        }
    }
    if let Some(capacity) = d.funding_capacity {
        entries.push(entry_with(
            "Funding capacity",
            format!(
                "{} CNY{}",
                cny(capacity),
                d.advance_rate
                    .map(|a| format!(" ({} of pool)", percent(a, 1)))
                    .unwrap_or_default()
            ),
            Mark::Block(WHITE),
        ));
    }
    draw_legend(&legend, &entries)
}

fn draw_frontier<DB: DrawingBackend>(d: &Frontier, body: &DrawingArea<DB, Shift>) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let mut multipliers: Vec<f64> = d.rows.iter().map(|r| r.limit_multiplier).collect();
    multipliers.sort_by(f64::total_cmp);
    multipliers.dedup();
    let cut_low = d
        .rows
        .iter()
        .map(|r| r.cutoff)
        .fold(f64::INFINITY, f64::min);
    let cut_high = d
        .rows
        .iter()
        .map(|r| r.cutoff)
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = ((cut_high - cut_low) * 0.04).max(1.0);
    let (x_low, x_high) = (cut_low - pad, cut_high + pad);
    type Metric = fn(&FrontierRow) -> Option<f64>;
    let panels: [(&str, Metric, bool); 3] = [
        ("Funding capacity (CNY)", |r| r.funding_capacity, true),
        ("Pool EL (%)", |r| r.pool_el.map(|v| 100.0 * v), false),
        (
            "Approval rate (%)",
            |r| r.approval_rate.map(|v| 100.0 * v),
            false,
        ),
    ];
    let areas = plot.split_evenly((3, 1));
    for (k, ((desc, metric, money), area)) in panels.iter().zip(&areas).enumerate() {
        let bottom = k == panels.len() - 1;
        let top = d.rows.iter().filter_map(metric).fold(0.0, f64::max);
        let y_max = nice_ceiling(top * 1.1);
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .x_label_area_size(if bottom { 48 } else { 10 })
            .y_label_area_size(120)
            .build_cartesian_2d(x_low..x_high, 0f64..y_max)?;
        let y_fmt = |v: &f64| {
            if *money {
                cny(*v)
            } else {
                format!("{} %", trim_number(*v))
            }
        };
        // only the bottom panel labels the shared x axis
        let x_fmt = |v: &f64| {
            if bottom {
                format!("{v:.0}")
            } else {
                String::new()
            }
        };
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh);
        mesh.y_desc(*desc)
            .y_labels(4)
            .x_labels(8)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        if bottom {
            mesh.x_desc("Score cut-off (points)");
        }
        mesh.draw()?;
        for (i, &m) in multipliers.iter().enumerate() {
            let colour = series_colour(i);
            let mut points: Vec<(f64, f64, bool)> = d
                .rows
                .iter()
                .filter(|r| r.limit_multiplier == m)
                .filter_map(|r| Some((r.cutoff, metric(r)?, r.meets_targets == Some(true))))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            chart.draw_series(LineSeries::new(
                points.iter().map(|p| (p.0, p.1)),
                colour.stroke_width(2),
            ))?;
            chart.draw_series(points.iter().map(|&(x, y, meets)| {
                if meets {
                    Circle::new((x, y), 4, colour.filled())
                } else {
                    Circle::new((x, y), 4, colour.stroke_width(2))
                }
            }))?;
        }
        if let Some(r) = d.rows.iter().find(|r| r.recommended)
            && let Some(y) = metric(r)
        {
            chart.draw_series(std::iter::once(Circle::new(
                (r.cutoff, y),
                10,
                TEXT.stroke_width(3),
            )))?;
        }
    }
    let mut entries: Vec<LegendEntry> = multipliers
        .iter()
        .enumerate()
        .map(|(i, m)| {
            entry(
                format!("Limit × {}", trim_number(*m)),
                Mark::Line(series_colour(i)),
            )
        })
        .collect();
    entries.push(entry_with(
        "Meets targets",
        "filled; hollow = misses",
        Mark::Dot(MUTED),
    ));
    match d.rows.iter().find(|r| r.recommended) {
        Some(r) => entries.push(entry_with(
            "Recommended policy",
            format!(
                "cut-off {:.0}, limit × {}",
                r.cutoff,
                trim_number(r.limit_multiplier)
            ),
            Mark::Ring(TEXT),
        )),
        None => entries.push(entry_with(
            "No recommended policy",
            "no policy meets every target",
            Mark::Ring(MUTED),
        )),
    }
    draw_legend(&legend, &entries)
}

/// Draws one bar per scenario in `area`, with the value over each bar.
fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scenarios: &[String],
    values: &[Option<f64>],
    desc: &str,
    format: &dyn Fn(f64) -> String,
    tick: &dyn Fn(f64) -> String,
    missing: &str,
) -> DrawResult {
    let n = scenarios.len().max(1);
    if values.iter().all(Option::is_none) {
        let inner = area.titled(desc, (FONT, DESC_SIZE).into_font().color(&TEXT))?;
        let (w, h) = inner.dim_in_pixel();
        inner.draw(&Text::new(
            missing.to_string(),
            (w as i32 / 2, h as i32 / 2),
            (FONT, LABEL_SIZE)
                .into_font()
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        return Ok(());
    }
    let top = values.iter().flatten().copied().fold(0.0, f64::max);
    let y_max = nice_ceiling(top * 1.2);
    let centres: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(if top >= 1e5 { 120 } else { 64 })
        .caption(desc, (FONT, DESC_SIZE).into_font().color(&TEXT))
        .build_cartesian_2d(linear_axis(0f64..n as f64, centres), 0f64..y_max)?;
    let x_fmt = |v: &f64| {
        let i = v.floor() as usize;
        scenarios.get(i).cloned().unwrap_or_default()
    };
    let y_fmt = |v: &f64| tick(*v);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.disable_x_mesh()
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    for (i, value) in values.iter().enumerate() {
        let x = i as f64;
        match value {
            Some(v) => {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.18, 0.0), (x + 0.82, *v)],
                    series_colour(i).filled(),
                )))?;
                chart.draw_series(std::iter::once(Text::new(
                    format(*v),
                    (x + 0.5, *v),
                    (FONT, LABEL_SIZE)
                        .into_font()
                        .color(&TEXT)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))?;
            }
            None => {
                chart.draw_series(std::iter::once(Text::new(
                    "n/a".to_string(),
                    (x + 0.5, y_max * 0.05),
                    (FONT, LABEL_SIZE)
                        .into_font()
                        .color(&MUTED)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))?;
            }
        }
    }
    Ok(())
}

fn draw_compare_metrics<DB: DrawingBackend>(
    d: &CompareMetrics,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let panels = body.split_evenly((1, 3));
    let as_percent = |values: &[Option<f64>]| -> Vec<Option<f64>> {
        values.iter().map(|v| v.map(|x| 100.0 * x)).collect()
    };
    let pct = |v: f64| format!("{v:.2} %");
    let pct_tick = |v: f64| format!("{} %", trim_number(v));
    draw_bars(
        &panels[0],
        &d.scenarios,
        &as_percent(&d.expected_loss),
        "Pool EL (% of closing balance)",
        &pct,
        &pct_tick,
        "no Monte Carlo results",
    )?;
    draw_bars(
        &panels[1],
        &d.scenarios,
        &as_percent(&d.var99),
        "Pool VaR 99 % (% of closing balance)",
        &pct,
        &pct_tick,
        "no Monte Carlo results",
    )?;
    draw_bars(
        &panels[2],
        &d.scenarios,
        &d.funding_capacity,
        "Funding capacity (CNY)",
        &cny,
        &cny,
        "not sized in these runs",
    )
}

fn draw_compare_tranche_el<DB: DrawingBackend>(
    d: &CompareTrancheEl,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let groups = d.tranches.len().max(1);
    let scenarios = d.scenarios.len().max(1);
    let positive = || {
        d.tranches
            .iter()
            .flat_map(|(_, v)| v.iter().flatten().copied())
            .filter(|v| *v > LOSS_FLOOR)
    };
    let y_low = 10f64.powf(positive().fold(1e-3f64, f64::min).log10().floor());
    let y_high = 10f64
        .powf(positive().fold(1e-3f64, f64::max).log10().ceil())
        .clamp(y_low * 10.0, 1.0);
    let centres: Vec<f64> = (0..groups).map(|i| i as f64 + 0.5).collect();
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(84)
        .build_cartesian_2d(
            linear_axis(0f64..groups as f64, centres),
            log_axis(y_low..y_high, decade_ticks(y_low, y_high, 9)),
        )?;
    let x_fmt = |v: &f64| {
        d.tranches
            .get(v.floor() as usize)
            .map(|t| format!("Tranche {}", t.0))
            .unwrap_or_default()
    };
    let y_fmt = |v: &f64| log_percent_tick(*v);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.disable_x_mesh()
        .x_desc("Tranche (in order of seniority)")
        .y_desc("Expected loss (% of tranche, log scale)")
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    let width = 0.8 / scenarios as f64;
    for (g, (_, values)) in d.tranches.iter().enumerate() {
        for (s, value) in values.iter().enumerate() {
            let x0 = g as f64 + 0.1 + width * s as f64;
            match value.filter(|v| *v > LOSS_FLOOR) {
                Some(v) => {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x0 + 0.01, y_low), (x0 + width - 0.01, v.min(y_high))],
                        series_colour(s).filled(),
                    )))?;
                }
                None => {
                    chart.draw_series(std::iter::once(Text::new(
                        match value {
                            Some(v) if *v > 0.0 => "≈ 0",
                            Some(_) => "0",
                            None => "n/a",
                        }
                        .to_string(),
                        (x0 + width / 2.0, y_low),
                        (FONT, LABEL_SIZE)
                            .into_font()
                            .color(&MUTED)
                            .pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )))?;
                }
            }
        }
    }
    let entries: Vec<LegendEntry> = d
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| entry(s.clone(), Mark::Block(series_colour(i))))
        .collect();
    draw_legend(&legend, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceedance_of_a_weighted_sample() {
        let curve = exceedance_curve(&[0.1, 0.3, 0.0], &[0.25, 0.25, 0.5], &[0.0, 0.05, 0.2, 0.3]);
        assert_eq!(
            curve,
            vec![(0.0, 0.5), (0.05, 0.5), (0.2, 0.25), (0.3, 0.0)]
        );
    }

    #[test]
    fn trends_are_read_from_the_values() {
        let show = |v: f64| percent(v, 1);
        assert_eq!(
            trend_words(&[0.999, 0.999, 0.9991], show).unwrap(),
            "stays at 99.9 %"
        );
        assert_eq!(
            trend_words(&[0.80, 0.85, 0.90], show).unwrap(),
            "rises from 80.0 % to 90.0 %"
        );
        assert_eq!(
            trend_words(&[0.9, 0.7, 0.8, 0.5], show).unwrap(),
            "falls from 90.0 % to 50.0 % (not steadily)"
        );
        assert_eq!(
            trend_words(&[0.5, 0.6, 0.5], show).unwrap(),
            "ends where it starts, at 50.0 %, after moving between 50.0 % and 60.0 %"
        );
        assert_eq!(trend_words(&[], show), None);
    }

    #[test]
    fn repayment_is_read_from_the_balances() {
        let periods = [0, 1, 2, 3, 4];
        assert_eq!(
            repayment_words("A", &periods, &[100.0, 100.0, 60.0, 0.0, 0.0]).unwrap(),
            "A repaid from month 2 to month 3"
        );
        assert_eq!(
            repayment_words("B", &periods, &[100.0, 100.0, 100.0, 90.0, 50.0]).unwrap(),
            "B paid down from month 3, 50.0 % of it left in month 4"
        );
        assert_eq!(
            repayment_words("C", &periods, &[100.0, 100.0, 100.0, 100.0, 0.0]).unwrap(),
            "C repaid in month 4"
        );
        assert_eq!(repayment_words("D", &periods, &[100.0; 5]), None);
    }

    #[test]
    fn path_statistics_are_the_tables() {
        // 100 equally weighted paths 1..=100: VaR 99 = 99, ES 99 = the worst 1 % = 100
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let weights = vec![1.0; 100];
        let s = path_loss_statistics(&values, &weights).unwrap();
        assert!((s.mean - 50.5).abs() < 1e-12);
        assert_eq!(s.var[VAR_99], 99.0);
        assert!((s.es[VAR_99] - 100.0).abs() < 1e-9);
        // the tables' function on the same normalised weights, bit for bit
        let tables = loss_statistics(&values, &[0.01; 100]);
        assert_eq!(s, tables);
        assert_eq!(path_loss_statistics(&[], &[]), None);
    }

    #[test]
    fn axis_helpers() {
        assert_eq!(
            month_ticks(0, 24),
            vec![
                0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0, 22.0, 24.0
            ]
        );
        assert_eq!(month_ticks(1, 12).len(), 12);
        assert_eq!(decade_ticks(1e-4, 1.0, 9), vec![1.0, 0.1, 0.01, 1e-3, 1e-4]);
        assert_eq!(decade_ticks(1e-16, 1.0, 9).len(), 9);
        assert_eq!(nice_ceiling(7.3), 8.0);
        assert_eq!(nice_ceiling(800_000_000.0 * 1.08), 1_000_000_000.0);
        assert_eq!(
            short_trigger("cumulative_net_loss > 0.04 -> early_amortization"),
            "cumulative_net_loss > 0.04"
        );
    }

    #[test]
    fn tranche_colours_are_distinct_and_stable() {
        assert_eq!(tranche_colour(0), tranche_colour(8));
        let mut seen: Vec<RGBColor> = (0..8).map(tranche_colour).collect();
        seen.dedup();
        assert_eq!(seen.len(), 8);
    }
}
