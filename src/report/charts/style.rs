//! The shared look of every chart: sizes, colours, the legend panel, axes with chosen ticks,
//! and small drawing helpers (bars, the revolving period's shade, "no data").

use super::*;

/// Width of the legend panel on the right of a chart.
pub(super) const LEGEND_WIDTH: u32 = 260;

pub(super) const TITLE_SIZE: u32 = 24;

pub(super) const LABEL_SIZE: u32 = 15;

pub(super) const DESC_SIZE: u32 = 16;

pub(super) const LEGEND_SIZE: u32 = 15;

pub(super) const DETAIL_SIZE: u32 = 13;

pub(super) const TEXT: RGBColor = RGBColor(33, 33, 33);

pub(super) const MUTED: RGBColor = RGBColor(100, 100, 100);

pub(super) const GRID: RGBColor = RGBColor(214, 214, 214);

pub(super) const LIGHT_GRID: RGBColor = RGBColor(238, 238, 238);

pub(super) const SHADE: RGBColor = RGBColor(120, 120, 120);

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

pub(super) const FEES_COLOUR: RGBColor = RGBColor(127, 127, 127);

pub(super) const PURCHASES_COLOUR: RGBColor = RGBColor(188, 189, 34);

pub(super) const POOL_COLOUR: RGBColor = RGBColor(31, 119, 180);

pub(super) const EL_COLOUR: RGBColor = RGBColor(44, 160, 44);

pub(super) const VAR_COLOUR: RGBColor = RGBColor(255, 127, 14);

pub(super) const ES_COLOUR: RGBColor = RGBColor(214, 39, 40);

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

pub(super) fn trim_number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mark {
    Line(RGBColor),
    Dashed(RGBColor),
    Block(RGBColor),
    Dot(RGBColor),
    Ring(RGBColor),
}

pub(super) struct LegendEntry {
    label: String,
    detail: Option<String>,
    mark: Mark,
}

pub(super) fn entry(label: impl Into<String>, mark: Mark) -> LegendEntry {
    LegendEntry {
        label: label.into(),
        detail: None,
        mark,
    }
}

pub(super) fn entry_with(
    label: impl Into<String>,
    detail: impl Into<String>,
    mark: Mark,
) -> LegendEntry {
    LegendEntry {
        label: label.into(),
        detail: Some(detail.into()),
        mark,
    }
}

/// Splits the area below the title into the plot and the legend panel on its right.
pub(super) fn plot_and_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let width = body.dim_in_pixel().0;
    body.split_horizontally(width.saturating_sub(LEGEND_WIDTH))
}

/// Draws legend entries top-down in the legend panel.
pub(super) fn draw_legend<DB: DrawingBackend>(
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
pub(super) struct Ticked<R: Ranged<ValueType = f64>> {
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

pub(super) fn linear_axis(range: Range<f64>, ticks: Vec<f64>) -> Ticked<RangedCoordf64> {
    Ticked {
        inner: range.into(),
        ticks,
    }
}

pub(super) fn log_axis(range: Range<f64>, ticks: Vec<f64>) -> Ticked<LogCoord<f64>> {
    Ticked {
        inner: range.log_scale().into(),
        ticks,
    }
}

/// Shared look of every chart's axes and grid.
pub(super) fn style_mesh<X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &mut MeshStyle<'_, '_, X, Y, DB>,
) {
    mesh.label_style((FONT, LABEL_SIZE).into_font().color(&TEXT))
        .axis_desc_style((FONT, DESC_SIZE).into_font().color(&TEXT))
        .bold_line_style(GRID)
        .light_line_style(LIGHT_GRID)
        .max_light_lines(1)
        .axis_style(MUTED);
}

/// Month ticks: every month up to 13 months, else a step of 2, 3, 6 or 12.
pub(super) fn month_ticks(first: u32, last: u32) -> Vec<f64> {
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
pub(super) fn decade_ticks(low: f64, high: f64, max: usize) -> Vec<f64> {
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
pub(super) fn nice_ceiling(value: f64) -> f64 {
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

pub(super) fn month_label(value: &f64) -> String {
    format!("{value:.0}")
}

pub(super) fn cny_label(value: &f64) -> String {
    cny(*value)
}

pub(super) fn draw_no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    message: &str,
) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2 - 4 * message.len() as i32, h as i32 / 2),
        (FONT, DESC_SIZE).into_font().color(&MUTED),
    ))?;
    Ok(())
}

pub(super) fn shade_revolving<DB: DrawingBackend, X, Y>(
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

/// Draws one bar per scenario in `area`, with the value over each bar.
pub(super) fn draw_bars<DB: DrawingBackend>(
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

/// Loss shares below this are treated as no loss (rounding noise of the waterfall).
pub(super) const LOSS_FLOOR: f64 = 1e-12;

/// The smallest probability a log axis shows: below it, double precision next to 1 has no
/// meaning and no committee decision turns on it.
pub(super) const PROBABILITY_FLOOR: f64 = 1e-15;
