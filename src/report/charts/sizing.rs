//! Expected-loss sizing (SPEC §7.1): each rated tranche's EL against its share, the target
//! and the sized point.

use super::*;

plot!(Sizing, draw_sizing);

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

pub(super) fn sizing_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
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
    let advance_rate = folder.summary.sizing().map(|s| s.advance_rate);
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
        plot: Box::new(Sizing {
            lines,
            funding_capacity,
            advance_rate,
        }),
    })
}

pub(super) fn draw_sizing<DB: DrawingBackend>(
    d: &Sizing,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
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
