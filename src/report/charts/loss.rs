//! Loss charts: the pool's net-loss distribution with EL, VaR and ES, and the tranches' loss
//! exceedance curves.

use super::*;

plot!(LossDistribution, draw_loss_distribution);
plot!(Exceedance, draw_exceedance);

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

/// Where 99 % is among [`RISK_LEVELS`]: the level the loss chart marks.
pub(super) const VAR_99: usize = 1;

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

pub(super) fn loss_distribution_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
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
        .map(|s| s.mean)
        .or(from_paths.as_ref().map(|t| t.mean));
    let var99 = stats
        .as_ref()
        .map(|s| s.var[1])
        .or(from_paths.as_ref().map(|t| t.var[VAR_99]));
    let es99 = stats
        .as_ref()
        .map(|s| s.es[1])
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
        plot: Box::new(LossDistribution {
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
pub(super) fn log_grid(low: f64, high: f64, points: usize) -> Vec<f64> {
    let (a, b) = (low.log10(), high.log10());
    (0..points)
        .map(|i| 10f64.powf(a + (b - a) * i as f64 / (points - 1) as f64))
        .collect()
}

pub(super) fn exceedance_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
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
        plot: Box::new(Exceedance {
            lines,
            paths: results.weights.len(),
            importance_sampling: folder
                .summary
                .monte_carlo
                .as_ref()
                .is_some_and(|m| m.importance_sampling),
        }),
    })
}

pub(super) fn draw_loss_distribution<DB: DrawingBackend>(
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

pub(super) fn draw_exceedance<DB: DrawingBackend>(
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
