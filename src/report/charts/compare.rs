//! Charts of `compare`: metrics and tranche ELs by scenario.

use super::*;

plot!(CompareMetrics, draw_compare_metrics);
plot!(CompareTrancheEl, draw_compare_tranche_el);

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

pub(super) fn draw_compare_metrics<DB: DrawingBackend>(
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

pub(super) fn draw_compare_tranche_el<DB: DrawingBackend>(
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
