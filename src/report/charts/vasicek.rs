//! The calibration's dispersion (SPEC §4.6 "Dispersion"): a histogram of the vintages'
//! cumulative charge-off rates at the fixed month on book `m*` against Vasicek's large-pool
//! density fitted to them by maximum likelihood (`ρ̂`, `p̂`), with the fitted mean `p̂` marked
//! and the density at the two ends of ρ's 90 % interval (same `p̂`) dashed. Drawn from
//! `calibration.json` (the fit) and `vintages.csv` (the rates).
//!
//! The histogram is a density on the chart's axis (per percentage point): a bin of width `w`
//! pp holding `k` of the `n` rates is `k / (n w)` high, so its area is its share of the
//! vintages and it is comparable with the fitted density `f(D)/100`
//! ([`crate::calibrate::dispersion::vasicek_log_density`]). Bins: Sturges' `⌈log₂ n⌉ + 1`,
//! at least 5, of equal width over the rates' range.

use super::*;
use crate::calibrate::dispersion::vasicek_log_density;
use crate::normal::{normal_cdf, normal_quantile};
use crate::report::calibration::{SegmentJson, VintageRow};

plot!(VasicekFit, draw_vasicek_fit);

/// The vintages' default rates at `m*` and the law fitted to them.
#[derive(Debug, Clone, PartialEq)]
pub struct VasicekFit {
    pub segment: String,
    pub m_star: u32,
    /// Every vintage's cumulative charge-off rate at `m*` strictly between 0 and 1 (the
    /// observations of the fit), in vintage order.
    pub rates: Vec<f64>,
    /// Vintages at `m*` left out for a rate of exactly 0 or 1.
    pub excluded: usize,
    pub rho: f64,
    pub rho_ci90: Option<[f64; 2]>,
    /// `p̂`: the fitted default probability by `m*`, the law's mean.
    pub p: f64,
}

/// Vasicek's density `f(D; p, ρ)` (0 outside (0, 1)).
pub fn vasicek_density(d: f64, p: f64, rho: f64) -> f64 {
    if d <= 0.0 || d >= 1.0 {
        return 0.0;
    }
    vasicek_log_density(d, p, rho).exp()
}

/// Vasicek's `q` quantile: `Φ((Φ⁻¹(p) + √ρ Φ⁻¹(q)) / √(1 − ρ))`.
pub fn vasicek_quantile(q: f64, p: f64, rho: f64) -> f64 {
    normal_cdf((normal_quantile(p) + rho.sqrt() * normal_quantile(q)) / (1.0 - rho).sqrt())
}

/// The fit of group `group` (its `calibration.json` entry) with the rates at its `m*` of
/// `rows` (`vintages.csv`); `rows` of every segment count for `all`. `None` without a fit.
pub fn vasicek_fit(group: &SegmentJson, name: &str, rows: &[VintageRow]) -> Option<VasicekFit> {
    let m_star = group.m_star?;
    let rho = group.rho.estimate?;
    let p = group.rho.p_at_m_star?;
    let at_m: Vec<f64> = rows
        .iter()
        .filter(|r| name == crate::calibrate::ALL || r.segment == name)
        .filter(|r| r.months_on_book == m_star)
        .filter_map(|r| r.observed_cum_charge_off_rate)
        .collect();
    let rates: Vec<f64> = at_m
        .iter()
        .copied()
        .filter(|d| *d > 0.0 && *d < 1.0)
        .collect();
    (!rates.is_empty()).then(|| VasicekFit {
        segment: name.to_string(),
        m_star,
        excluded: at_m.len() - rates.len(),
        rates,
        rho,
        rho_ci90: group.rho.ci90,
        p,
    })
}

/// The histogram's bins `(from, to, density per unit of the rate)`, Sturges' rule (see the
/// module).
pub fn histogram(rates: &[f64]) -> Vec<(f64, f64, f64)> {
    let n = rates.len();
    if n == 0 {
        return Vec::new();
    }
    let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let bins = ((n as f64).log2().ceil() as usize + 1).max(5);
    // equal rates: one bin a tenth of the rate wide around them
    let width = if hi > lo {
        (hi - lo) / bins as f64
    } else {
        (0.1 * lo).max(1e-6)
    };
    let bins = if hi > lo { bins } else { 1 };
    let start = if hi > lo { lo } else { lo - width / 2.0 };
    let mut counts = vec![0usize; bins];
    for d in rates {
        let i = (((d - start) / width).floor() as usize).min(bins - 1);
        counts[i] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let from = start + i as f64 * width;
            (from, from + width, k as f64 / (n as f64 * width))
        })
        .collect()
}

/// The caption, read from the numbers.
pub fn vasicek_caption(d: &VasicekFit) -> String {
    let lo = d.rates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = d.rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let excluded = if d.excluded > 0 {
        format!(
            " ({} more at exactly 0 or 100 % left out: no probit)",
            d.excluded
        )
    } else {
        String::new()
    };
    let interval = match d.rho_ci90 {
        Some([a, b]) => format!(
            " (bootstrap 90 % interval {a:.4}–{b:.4}; dashed: the law at its ends with the same mean, whose 99.9th percentiles are {} and {})",
            percent(vasicek_quantile(0.999, d.p, a), 2),
            percent(vasicek_quantile(0.999, d.p, b), 2)
        ),
        None => String::new(),
    };
    format!(
        "Cumulative charge-off rates of the {} vintages of segment {} that reached month on book m* = {}{excluded}, from {} to {}, against Vasicek's large-pool law fitted to them by maximum likelihood: ρ = {:.4}{interval}, fitted mean {}, 99.9th percentile {}.",
        d.rates.len(),
        d.segment,
        d.m_star,
        percent(lo, 2),
        percent(hi, 2),
        d.rho,
        percent(d.p, 2),
        percent(vasicek_quantile(0.999, d.p, d.rho), 2)
    )
}

pub(super) fn draw_vasicek_fit<DB: DrawingBackend>(
    d: &VasicekFit,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let bins = histogram(&d.rates);
    let widest_rho = d.rho_ci90.map_or(d.rho, |[_, b]| b.max(d.rho));
    let data_max = d.rates.iter().copied().fold(0.0, f64::max);
    let x_max = nice_ceiling(100.0 * data_max.max(vasicek_quantile(0.995, d.p, widest_rho)) * 1.05);
    // the curves: the estimate, then the interval's ends
    let mut curves: Vec<(f64, RGBColor, bool)> = vec![(d.rho, series_colour(3), false)];
    if let Some([a, b]) = d.rho_ci90 {
        curves.push((a, series_colour(1), true));
        curves.push((b, series_colour(4), true));
    }
    let samples = 400;
    let curve_points: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|&(rho, _, _)| {
            (1..samples)
                .map(|i| {
                    let x = x_max * i as f64 / samples as f64;
                    (x, vasicek_density(x / 100.0, d.p, rho) / 100.0)
                })
                .collect()
        })
        .collect();
    let top = bins
        .iter()
        .map(|b| b.2 / 100.0)
        .chain(curve_points.iter().flatten().map(|p| p.1))
        .fold(0.0, f64::max);
    let y_max = nice_ceiling(top * 1.12);
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    let x_fmt = |v: &f64| format!("{} %", trim_number(*v));
    let y_fmt = |v: &f64| trim_number(*v);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.x_desc(format!(
        "Cumulative charge-off rate at month on book m* = {} (%)",
        d.m_star
    ))
    .y_desc("Density (per percentage point)")
    .x_label_formatter(&x_fmt)
    .y_label_formatter(&y_fmt)
    .draw()?;
    let bar_colour = lighten(series_colour(0), 0.45);
    chart.draw_series(bins.iter().map(|&(from, to, density)| {
        Rectangle::new(
            [(100.0 * from, 0.0), (100.0 * to, density / 100.0)],
            bar_colour.filled(),
        )
    }))?;
    chart.draw_series(bins.iter().map(|&(from, to, density)| {
        Rectangle::new(
            [(100.0 * from, 0.0), (100.0 * to, density / 100.0)],
            darken(bar_colour, 0.3).stroke_width(1),
        )
    }))?;
    // each vintage's rate as a tick under the bars
    let tick = y_max * 0.025;
    for rate in &d.rates {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(100.0 * rate, 0.0), (100.0 * rate, tick)],
            TEXT.stroke_width(2),
        )))?;
    }
    for ((_, colour, dashed), points) in curves.iter().zip(curve_points) {
        if *dashed {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                points,
                6,
                4,
                colour.stroke_width(2),
            )))?;
        } else {
            chart.draw_series(LineSeries::new(points, colour.stroke_width(3)))?;
        }
    }
    let mean_x = 100.0 * d.p;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(mean_x, 0.0), (mean_x, y_max)],
        EL_COLOUR.stroke_width(2),
    )))?;
    let right_half = mean_x > 0.6 * x_max;
    chart.draw_series(std::iter::once(Text::new(
        format!("fitted mean {}", percent(d.p, 2)),
        (
            if right_half {
                mean_x - 0.01 * x_max
            } else {
                mean_x + 0.01 * x_max
            },
            y_max * 0.95,
        ),
        (FONT, LABEL_SIZE)
            .into_font()
            .color(&darken(EL_COLOUR, 0.2))
            .pos(Pos::new(
                if right_half { HPos::Right } else { HPos::Left },
                VPos::Center,
            )),
    )))?;
    let mut entries = vec![
        entry_with(
            format!("{} vintages at m* = {}", d.rates.len(), d.m_star),
            "histogram; a tick per vintage",
            Mark::Block(bar_colour),
        ),
        entry_with(
            format!("Fitted Vasicek, ρ = {:.4}", d.rho),
            "maximum likelihood",
            Mark::Line(series_colour(3)),
        ),
    ];
    if let Some([a, b]) = d.rho_ci90 {
        entries.push(entry_with(
            format!("ρ = {a:.4}"),
            "lower end of the 90 % interval",
            Mark::Dashed(series_colour(1)),
        ));
        entries.push(entry_with(
            format!("ρ = {b:.4}"),
            "upper end of the 90 % interval",
            Mark::Dashed(series_colour(4)),
        ));
    }
    entries.push(entry_with(
        format!("Fitted mean {}", percent(d.p, 2)),
        "the fitted p: every curve's mean",
        Mark::Line(EL_COLOUR),
    ));
    draw_legend(&legend, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The density integrates to 1 and has mean p (trapezoid on a fine grid), and the
    /// quantile inverts its distribution function: P(D ≤ D_q) = q.
    #[test]
    fn density_mean_and_quantile_agree() {
        let (p, rho) = (0.015, 0.11);
        let n = 200_000;
        let (mut area, mut mean) = (0.0, 0.0);
        for i in 1..n {
            let d = i as f64 / n as f64;
            let f = vasicek_density(d, p, rho) / n as f64;
            area += f;
            mean += d * f;
        }
        assert!((area - 1.0).abs() < 1e-6, "{area}");
        assert!((mean - p).abs() < 1e-7, "{mean}");
        let q = vasicek_quantile(0.9, p, rho);
        let below: f64 = (1..n)
            .map(|i| i as f64 / n as f64)
            .filter(|d| *d <= q)
            .map(|d| vasicek_density(d, p, rho) / n as f64)
            .sum();
        assert!((below - 0.9).abs() < 1e-4, "{below}");
    }

    /// Ten rates 0.01 … 0.1: Sturges gives ⌈log₂ 10⌉ + 1 = 5 bins of width 0.018 over
    /// [0.01, 0.1], each holding two rates: density 2 / (10 × 0.018).
    #[test]
    fn histogram_is_a_density() {
        let rates: Vec<f64> = (1..=10).map(|i| i as f64 / 100.0).collect();
        let bins = histogram(&rates);
        assert_eq!(bins.len(), 5);
        for (from, to, density) in &bins {
            assert!((to - from - 0.018).abs() < 1e-12);
            assert!((density - 2.0 / (10.0 * 0.018)).abs() < 1e-9, "{density}");
        }
        let area: f64 = bins.iter().map(|(a, b, d)| (b - a) * d).sum();
        assert!((area - 1.0).abs() < 1e-12);
        assert_eq!(histogram(&[0.02, 0.02]).len(), 1);
        assert!(histogram(&[]).is_empty());
    }
}
