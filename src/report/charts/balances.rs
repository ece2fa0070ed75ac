//! Balances over time: the performing pool (deterministic and Monte Carlo bands) and the
//! tranches' expected balances with each trigger's cumulative probability.

use super::*;
use crate::engine::TrancheField;

plot!(PoolBalance, draw_pool_balance);
plot!(TrancheBalances, draw_tranche_balances);

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

pub(super) fn pool_balance_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
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
        plot: Box::new(PoolBalance {
            bands,
            revolving_months,
        }),
    })
}

pub(super) fn tranche_balance_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    let table = folder.expected_cashflows.as_ref()?;
    let periods = table.periods.clone();
    let names = folder.tranche_names();
    let mut tranches = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let Some(balances) = table.tranche(name, TrancheField::EndBalance) else {
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
        plot: Box::new(TrancheBalances {
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
pub(super) fn repayment_words(name: &str, periods: &[u32], series: &[f64]) -> Option<String> {
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

pub(super) fn draw_pool_balance<DB: DrawingBackend>(
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

pub(super) fn draw_tranche_balances<DB: DrawingBackend>(
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
