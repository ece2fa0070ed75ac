//! The approval-policy frontier (SPEC §7.2) and its caption, read from `frontier.csv`.

use super::*;
use crate::report::summary::RecommendationSummary;

plot!(Frontier, draw_frontier);

/// The approval-policy frontier.
#[derive(Debug, Clone, PartialEq)]
pub struct Frontier {
    pub rows: Vec<FrontierRow>,
}

pub(super) fn frontier_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    if folder.frontier.is_empty() {
        return None;
    }
    Some(Chart {
        name: "frontier",
        title: format!("Approval-policy frontier — {scenario}"),
        caption: frontier_caption(folder),
        plot: Box::new(Frontier {
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
pub(super) fn frontier_caption(folder: &ReportFolder) -> String {
    let recommendation = folder.summary.recommendation.as_ref();
    let recommended = folder.frontier.iter().find(|r| r.recommended);
    let multiplier = recommended
        .map(|r| r.limit_multiplier)
        .or_else(|| Some(recommendation?.policy_point()?.limit_multiplier))
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
    let nothing_approved = matches!(
        recommendation,
        Some(RecommendationSummary::NothingApproved { .. })
    );
    let verdict = match (recommended, nothing_approved) {
        (Some(r), _) => format!(
            "The recommended policy (ringed: cut-off {:.0}, limit × {}) has the largest pool balance among those meeting every target{}.",
            r.cutoff,
            trim_number(r.limit_multiplier),
            r.funding_capacity
                .map(|c| format!(", funding {} CNY", cny(c)))
                .unwrap_or_default()
        ),
        (None, true) => "No policy on this grid approves any applicant.".to_string(),
        (None, _) => format!(
            "No policy on this grid meets every target{}.",
            recommendation
                .and_then(|r| Some((r.policy_point()?, r.binding_target())))
                .map(|(p, binding)| format!(
                    " (closest: cut-off {:.0}, limit × {}{})",
                    p.cutoff,
                    trim_number(p.limit_multiplier),
                    binding
                        .map(|b| format!("; binding target {}", b.key()))
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

pub(super) fn draw_frontier<DB: DrawingBackend>(
    d: &Frontier,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
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
