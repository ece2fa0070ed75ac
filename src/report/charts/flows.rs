//! The expected uses of the pool's collections by period, stacked.

use super::*;
use crate::engine::{PoolField, TrancheField};

plot!(Cashflows, draw_cashflows);

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

pub(super) fn cashflow_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    let table = folder.expected_cashflows.as_ref()?;
    let periods = table.periods.clone();
    let finite = |values: &[f64]| -> Vec<f64> {
        values
            .iter()
            .map(|&x| if x.is_finite() { x } else { 0.0 })
            .collect()
    };
    let column = |field: PoolField| table.pool(field).map(finite);
    let tranche = |name: &str, field: TrancheField| table.tranche(name, field).map(finite);
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
    push(
        "Senior fees".into(),
        FEES_COLOUR,
        column(PoolField::SeniorFees),
    );
    for (i, name) in names.iter().enumerate() {
        push(
            format!("{name} interest"),
            lighten(tranche_colour(i), 0.5),
            tranche(name, TrancheField::InterestPaid),
        );
    }
    for (i, name) in names.iter().enumerate() {
        push(
            format!("{name} principal"),
            tranche_colour(i),
            tranche(name, TrancheField::PrincipalPaid),
        );
    }
    push(
        "Purchases".into(),
        PURCHASES_COLOUR,
        column(PoolField::Purchases),
    );
    let residual_holder = names.last().cloned().unwrap_or_else(|| "residual".into());
    push(
        format!("Residual to {residual_holder}"),
        darken(tranche_colour(names.len().saturating_sub(1)), 0.45),
        column(PoolField::Residual),
    );
    if layers.is_empty() {
        return None;
    }
    let zeros = vec![0.0; periods.len()];
    let sum_of = |cols: &[PoolField]| -> Vec<f64> {
        let mut total = zeros.clone();
        for c in cols {
            if let Some(v) = column(*c) {
                for (t, x) in total.iter_mut().zip(v) {
                    *t += x;
                }
            }
        }
        total
    };
    let collections = sum_of(&[
        PoolField::Interest,
        PoolField::ScheduledPrincipal,
        PoolField::Prepayments,
        PoolField::Recoveries,
        PoolField::SaleProceeds,
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
        plot: Box::new(Cashflows {
            periods,
            layers,
            collections,
        }),
    })
}

pub(super) fn draw_cashflows<DB: DrawingBackend>(
    d: &Cashflows,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
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
