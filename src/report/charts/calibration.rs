//! Calibration charts (SPEC §4.6), drawn from a calibration folder's `calibration.json` and
//! `vintages.csv` ([`CalibrationCharts`]); [`CALIBRATION_CHARTS`] lists them in the order of
//! `calibration.html`: the vintage fan (here: each vintage's cumulative charge-off rate by
//! month on book, observed (solid) and projected by the chain ladder (dashed), from the
//! oldest vintage (light) to the newest (dark)), the roll and cure rates
//! ([`super::roll_rates`]) and the fitted Vasicek density over the vintages' default rates
//! at `m*` ([`super::vasicek`]). A new calibration chart is a type, a builder and one line
//! in [`CALIBRATION_CHARTS`].

use super::*;
use crate::report::calibration::{CalibrationJson, SegmentJson, VintageRow};

/// What a calibration chart is drawn from: the folder's files, and the history's name for
/// the titles.
#[derive(Debug, Clone, Copy)]
pub struct CalibrationCharts<'a> {
    pub json: &'a CalibrationJson,
    pub rows: &'a [VintageRow],
    pub history: &'a str,
}

impl<'a> CalibrationCharts<'a> {
    /// The group the charts show: `all` without segments, else the first segment of
    /// `vintages.csv` (the vintage fan shows one segment's vintages; the other charts the
    /// same group, so the three agree).
    pub fn group(&self) -> (String, &'a SegmentJson) {
        match self.rows.first().map(|r| r.segment.as_str()) {
            Some(name) if name != crate::calibrate::ALL => {
                self.json.segments.get(name).map_or_else(
                    || (crate::calibrate::ALL.to_string(), &self.json.all),
                    |g| (name.to_string(), g),
                )
            }
            _ => (crate::calibrate::ALL.to_string(), &self.json.all),
        }
    }
}

/// A calibration chart's builder (`None`: the folder's files do not allow it).
pub type CalibrationBuilder = fn(&CalibrationCharts) -> Option<Chart>;

/// Every chart of a calibration folder, in the order of `calibration.html`.
pub const CALIBRATION_CHARTS: &[CalibrationBuilder] =
    &[vintage_fan_chart, roll_rates_chart, vasicek_chart];

/// Every chart a calibration folder's files allow.
pub fn charts_for_calibration(files: &CalibrationCharts) -> Vec<Chart> {
    CALIBRATION_CHARTS
        .iter()
        .filter_map(|build| build(files))
        .collect()
}

fn vintage_fan_chart(files: &CalibrationCharts) -> Option<Chart> {
    let (group, _) = files.group();
    vintage_curves_chart(files.rows, &group, files.history)
}

fn roll_rates_chart(files: &CalibrationCharts) -> Option<Chart> {
    let (group, json) = files.group();
    let data = super::roll_rates::roll_rates(&json.roll_rates, &group)?;
    Some(Chart {
        name: "roll_rates",
        title: format!("Roll and cure rates — {}", files.history),
        caption: super::roll_rates::roll_rates_caption(&data),
        plot: Box::new(data),
    })
}

fn vasicek_chart(files: &CalibrationCharts) -> Option<Chart> {
    let (group, json) = files.group();
    let data = super::vasicek::vasicek_fit(json, &group, files.rows)?;
    Some(Chart {
        name: "vasicek_fit",
        title: format!(
            "Default rates at month on book {} and the fitted Vasicek law — {}",
            data.m_star, files.history
        ),
        caption: super::vasicek::vasicek_caption(&data),
        plot: Box::new(data),
    })
}

plot!(VintageCurves, draw_vintage_curves);

/// One vintage's curve: observed months, then the projection from its age on.
#[derive(Debug, Clone, PartialEq)]
pub struct VintageCurve {
    pub vintage: String,
    /// `(month on book, cumulative charge-off rate)` up to the vintage's age.
    pub observed: Vec<(u32, f64)>,
    /// From the vintage's age to the longest observed age.
    pub projected: Vec<(u32, f64)>,
}

/// Every vintage of one segment (or of `all`), oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct VintageCurves {
    pub segment: String,
    pub vintages: Vec<VintageCurve>,
}

/// The curves of `segment` from `vintages.csv`'s rows; `None` when it has no rows.
pub fn vintage_curves(rows: &[VintageRow], segment: &str) -> Option<VintageCurves> {
    let mut vintages: Vec<VintageCurve> = Vec::new();
    for row in rows.iter().filter(|r| r.segment == segment) {
        if vintages.last().is_none_or(|v| v.vintage != row.vintage) {
            vintages.push(VintageCurve {
                vintage: row.vintage.clone(),
                observed: Vec::new(),
                projected: Vec::new(),
            });
        }
        let curve = vintages.last_mut().expect("pushed above");
        let point = (row.months_on_book, row.projected_cum_charge_off_rate);
        match row.observed_cum_charge_off_rate {
            Some(rate) => {
                curve.observed.push((row.months_on_book, rate));
                // the projection starts where the observations end
                curve.projected = vec![(row.months_on_book, rate)];
            }
            None => curve.projected.push(point),
        }
    }
    vintages.sort_by(|a, b| a.vintage.cmp(&b.vintage));
    (!vintages.is_empty()).then(|| VintageCurves {
        segment: segment.to_string(),
        vintages,
    })
}

/// The chart of [`vintage_curves`], titled with the history's name.
pub fn vintage_curves_chart(rows: &[VintageRow], segment: &str, history: &str) -> Option<Chart> {
    let data = vintage_curves(rows, segment)?;
    let projected = data
        .vintages
        .iter()
        .filter(|v| v.projected.len() > 1)
        .count();
    // a projection that adds nothing (the factors beyond the vintage's age are 1) is not
    // development still to come
    let developing = data
        .vintages
        .iter()
        .filter(|v| match (v.projected.first(), v.projected.last()) {
            (Some(first), Some(last)) => last.1 > first.1,
            _ => false,
        })
        .count();
    Some(Chart {
        name: "vintage_curves",
        title: format!("Vintage curves — {history}"),
        caption: format!(
            "Cumulative charge-off rate of each of the {} vintages of segment {segment} by month on book: observed (solid, darker = newer) and, for the {projected} younger than the longest observed age, projected by the chain ladder to that age (dashed); {developing} of them still have charge-offs to come. The spread of the mature vintages is the dispersion that ρ measures.",
            data.vintages.len()
        ),
        plot: Box::new(data),
    })
}

pub(super) fn draw_vintage_curves<DB: DrawingBackend>(
    d: &VintageCurves,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let last = d
        .vintages
        .iter()
        .flat_map(|v| v.observed.iter().chain(&v.projected))
        .map(|p| p.0)
        .max()
        .unwrap_or(1)
        .max(1);
    let top = d
        .vintages
        .iter()
        .flat_map(|v| v.observed.iter().chain(&v.projected))
        .map(|p| 100.0 * p.1)
        .fold(0.0, f64::max);
    let y_max = nice_ceiling(top * 1.1).max(0.1);
    let mut chart = ChartBuilder::on(&plot)
        .margin(8)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(
            linear_axis(0.0..f64::from(last), month_ticks(0, last)),
            0f64..y_max,
        )?;
    let y_fmt = |v: &f64| format!("{} %", trim_number(*v));
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.x_desc("Month on book")
        .y_desc("Cumulative charge-off rate (%)")
        .y_labels(6)
        .x_label_formatter(&month_label)
        .y_label_formatter(&y_fmt);
    mesh.draw()?;
    let count = d.vintages.len().max(2) - 1;
    let base = series_colour(0);
    for (i, v) in d.vintages.iter().enumerate() {
        // oldest light, newest dark
        let colour = lighten(base, 0.8 * (1.0 - i as f64 / count as f64));
        let points = |list: &[(u32, f64)]| -> Vec<(f64, f64)> {
            list.iter()
                .map(|&(m, r)| (f64::from(m), 100.0 * r))
                .collect()
        };
        chart.draw_series(LineSeries::new(points(&v.observed), colour.stroke_width(1)))?;
        if v.projected.len() > 1 {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                points(&v.projected),
                4,
                3,
                colour.stroke_width(1),
            )))?;
        }
    }
    let (first, newest) = (
        d.vintages
            .first()
            .map(|v| v.vintage.as_str())
            .unwrap_or("-"),
        d.vintages.last().map(|v| v.vintage.as_str()).unwrap_or("-"),
    );
    let entries = vec![
        entry_with(
            "Observed",
            format!("{first} (light) to {newest} (dark)"),
            Mark::Line(base),
        ),
        entry_with(
            "Projected",
            "chain ladder, to the longest age",
            Mark::Dashed(base),
        ),
    ];
    draw_legend(&legend, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(vintage: &str, mob: u32, observed: Option<f64>, projected: f64) -> VintageRow {
        VintageRow {
            vintage: vintage.into(),
            segment: "all".into(),
            months_on_book: mob,
            observed_cum_charge_off_rate: observed,
            projected_cum_charge_off_rate: projected,
            observed_net_loss_rate: None,
            observed_prepayment_rate: None,
            bucket_shares: Vec::new(),
        }
    }

    #[test]
    fn the_projection_starts_where_the_observations_end() {
        let rows = [
            row("2020-02", 0, Some(0.0), 0.0),
            row("2020-02", 1, None, 0.004),
            row("2020-02", 2, None, 0.01),
            row("2020-01", 0, Some(0.0), 0.0),
            row("2020-01", 1, Some(0.003), 0.003),
            row("2020-01", 2, Some(0.008), 0.008),
        ];
        let d = vintage_curves(&rows, "all").unwrap();
        assert_eq!(d.vintages[0].vintage, "2020-01");
        assert_eq!(d.vintages[0].observed.len(), 3);
        assert_eq!(d.vintages[0].projected, [(2, 0.008)]);
        assert_eq!(d.vintages[1].observed, [(0, 0.0)]);
        assert_eq!(d.vintages[1].projected, [(0, 0.0), (1, 0.004), (2, 0.01)]);
        assert!(vintage_curves(&rows, "other").is_none());
    }
}
