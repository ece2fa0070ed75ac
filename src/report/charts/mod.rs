//! Charts of a report folder (SPEC §8), drawn with plotters into PNG and SVG under
//! `charts/`. Each chart is first reduced to plain data from the folder's files (its
//! builder), then drawn the same way on both backends (its [`Plot`]).
//!
//! One file per chart family — [`loss`], [`flows`], [`balances`], [`sizing`], [`rating`],
//! [`frontier`], [`compare`] — with the shared look in [`style`]. A new chart is a data type
//! with its draw function (made a [`Plot`] by `plot!`), a builder, and one line in
//! [`FOLDER_CHARTS`].
//!
//! Text is drawn with DejaVu Sans embedded in the binary and registered once as
//! `"sans-serif"` ([`register_embedded_font`]), and any run DejaVu cannot draw (Chinese
//! names) with an embedded Noto Sans SC subset ([`fonts`]), so a machine without fonts renders
//! the PNGs with readable text. Every chart has English labels and units on every axis; CNY amounts
//! carry thousands separators; each tranche keeps its colour ([`tranche_colour`]) in every chart.

use std::ops::Range;
use std::path::Path;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ReportError;
use super::folder::{
    BalanceBand, FrontierRow, LossBin, ReportFolder, SizingCurvePoint, SizingRow, TriggerSeries,
};
use super::format::{cny, log_percent_tick, log_probability_tick, percent, small_percent};
use crate::metrics::distribution::{LossStatistics, RISK_LEVELS, loss_statistics};

/// Makes a chart's data a [`Plot`] with its generic draw function
/// (`fn(&Data, &DrawingArea<DB, Shift>) -> DrawResult`).
macro_rules! plot {
    ($data:ty, $draw:path) => {
        impl $crate::report::charts::Plot for $data {
            fn draw_png(
                &self,
                body: &DrawingArea<$crate::report::charts::PngBackend<'_>, Shift>,
            ) -> DrawResult {
                $draw(self, body)
            }
            fn draw_svg(&self, body: &DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult {
                $draw(self, body)
            }
        }
    };
}

pub mod balances;
pub mod calibration;
pub mod compare;
pub mod flows;
pub mod fonts;
pub mod frontier;
pub mod loss;
pub mod rating;
pub mod roll_rates;
pub mod sizing;
pub mod style;
pub mod vasicek;

pub use balances::short_trigger;
use balances::{pool_balance_chart, tranche_balance_chart};
pub use compare::{CompareMetrics, CompareTrancheEl};
use flows::cashflow_chart;
use frontier::frontier_chart;
use loss::{exceedance_chart, loss_distribution_chart};
use rating::rating_test_chart;
use sizing::sizing_chart;
use style::*;
pub use style::{SERIES_PALETTE, TRANCHE_PALETTE, darken, lighten, series_colour, tranche_colour};

/// The one font family every chart uses; the embedded font is registered under it.
pub const FONT: &str = "sans-serif";

/// Size of every chart, in pixels (PNG) and user units (SVG).
pub const CHART_SIZE: (u32, u32) = (1100, 620);

/// The PNG backend: the bitmap with the CJK font for text runs DejaVu cannot draw.
pub type PngBackend<'a> = fonts::Fallback<BitMapBackend<'a>>;

/// Registers the embedded fonts (DejaVu Sans as `"sans-serif"`, the CJK subset beside it),
/// once per process. Drawing text before this fails, since no system font is ever looked up.
pub fn register_embedded_font() -> Result<(), ReportError> {
    fonts::register_embedded_fonts()
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

/// A chart's data, drawn the same way on the PNG and the SVG backend (`plot!` implements
/// it from one generic draw function).
pub trait Plot: std::fmt::Debug + Send + Sync {
    fn draw_png(&self, body: &DrawingArea<PngBackend<'_>, Shift>) -> DrawResult;
    fn draw_svg(&self, body: &DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult;
}

/// A chart family's builder: the chart a report folder's files allow (`None`: they do not),
/// titled with the scenario's name.
pub type Builder = fn(&ReportFolder, &str) -> Option<Chart>;

/// Every chart of a run or frontier folder, in the order of the report.
pub const FOLDER_CHARTS: &[Builder] = &[
    loss_distribution_chart,
    exceedance_chart,
    cashflow_chart,
    pool_balance_chart,
    tranche_balance_chart,
    sizing_chart,
    rating_test_chart,
    frontier_chart,
];

/// A chart ready to draw: its file name (without extension), title, caption and data.
#[derive(Debug)]
pub struct Chart {
    pub name: &'static str,
    pub title: String,
    /// One sentence saying what to read from the chart.
    pub caption: String,
    pub plot: Box<dyn Plot>,
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
    FOLDER_CHARTS
        .iter()
        .filter_map(|build| build(folder, &scenario))
        .collect()
}

fn tranche_index(folder: &ReportFolder, name: &str) -> usize {
    folder
        .tranche_names()
        .iter()
        .position(|t| t == name)
        .unwrap_or(0)
}

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
        let root = fonts::Fallback(BitMapBackend::with_buffer(&mut pixels, (width, height)))
            .into_drawing_area();
        chart
            .draw(&root, |body| chart.plot.draw_png(body))
            .map_err(|e| chart_error(e.0))?;
        root.present().map_err(|e| chart_error(e.to_string()))?;
    }
    let png_path = dir.join(format!("{}.png", chart.name));
    write_png(&png_path, width, height, &pixels)?;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        chart
            .draw(&root, |body| chart.plot.draw_svg(body))
            .map_err(|e| chart_error(e.0))?;
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
    /// The white page and the title, then the plot in the body below the title.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        plot: impl FnOnce(&DrawingArea<DB, Shift>) -> DrawResult,
    ) -> DrawResult {
        root.fill(&WHITE)?;
        let body = root.titled(&self.title, (FONT, TITLE_SIZE).into_font().color(&TEXT))?;
        plot(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::balances::repayment_words;
    use super::frontier::trend_words;
    use super::loss::{VAR_99, exceedance_curve, path_loss_statistics};
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
