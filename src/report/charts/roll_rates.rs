//! The calibration's roll rates (SPEC §4.6 "Base case"): one group of bars per delinquency
//! state, the monthly rate at which its balance rolls on (to the next bucket, the last to
//! charge-off) and, for each bucket, its cure rate `1 − roll`, each with its value. Drawn from
//! `calibration.json`'s `roll_rates`.

use super::*;
use crate::report::calibration::RollRatesJson;

plot!(RollRates, draw_roll_rates);

/// One state's bars: where its balance goes the next month.
#[derive(Debug, Clone, PartialEq)]
pub struct RollBar {
    /// `current` or a bucket column.
    pub from: String,
    /// The next state (`dpd_1_30` for `current`, `charged_off` for the last bucket).
    pub to: String,
    pub roll: Option<f64>,
    /// `None` for `current` (it has no cure) and where the roll rate is undefined.
    pub cure: Option<f64>,
}

/// The roll and cure rates of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct RollRates {
    pub segment: String,
    pub bars: Vec<RollBar>,
    pub months_to_charge_off: Option<u32>,
}

/// The bars of `calibration.json`'s roll rates: `current` (its entry rate), then each bucket;
/// `None` when the history has no bucket columns.
pub fn roll_rates(rolls: &RollRatesJson, segment: &str) -> Option<RollRates> {
    if rolls.rolls.is_empty() {
        return None;
    }
    let mut bars = vec![RollBar {
        from: "current".into(),
        to: rolls.rolls[0].from.clone(),
        roll: rolls.entry_rate,
        cure: None,
    }];
    bars.extend(rolls.rolls.iter().enumerate().map(|(k, r)| RollBar {
        from: r.from.clone(),
        to: r.to.clone(),
        roll: r.rate,
        cure: rolls.cure_rates.get(k).copied().flatten(),
    }));
    Some(RollRates {
        segment: segment.to_string(),
        bars,
        months_to_charge_off: rolls.months_to_charge_off,
    })
}

/// A rate with two decimals below 10 % (a small entry rate), else one.
fn rate_value(rate: f64) -> String {
    percent(rate, if rate.abs() < 0.1 { 2 } else { 1 })
}

fn rate_text(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".into(), rate_value)
}

/// The caption, read from the numbers.
pub fn roll_rates_caption(d: &RollRates) -> String {
    let mut parts = Vec::new();
    if let Some(entry) = d.bars.first() {
        parts.push(format!(
            "each month {} of the current balance enters {}",
            rate_text(entry.roll),
            entry.to
        ));
    }
    for bar in d.bars.iter().skip(1) {
        let cure = match bar.cure {
            Some(c) => format!(" and {} cures", rate_text(Some(c))),
            None => String::new(),
        };
        let destination = if bar.to == "charged_off" {
            "is charged off".to_string()
        } else {
            format!("rolls to {}", bar.to)
        };
        parts.push(format!(
            "{} of {} {destination}{cure}",
            rate_text(bar.roll),
            bar.from
        ));
    }
    let delay = d.months_to_charge_off.map_or(String::new(), |k| {
        format!(
            " A payment first missed in one month is charged off {k} months later if it never cures."
        )
    });
    format!(
        "Monthly roll rates of segment {}, pooled over every vintage and month (balance in the next state a month later ÷ balance in this state): {}.{delay}",
        d.segment,
        parts.join("; ")
    )
}

pub(super) fn draw_roll_rates<DB: DrawingBackend>(
    d: &RollRates,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let n = d.bars.len().max(1);
    let centres: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
    // room above a bar at 100 % for its label
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(64)
        .y_label_area_size(70)
        .build_cartesian_2d(linear_axis(0f64..n as f64, centres), 0f64..112.0)?;
    let x_fmt = |v: &f64| {
        d.bars
            .get(v.floor() as usize)
            .map(|b| format!("{} → {}", b.from, b.to))
            .unwrap_or_default()
    };
    let y_fmt = |v: &f64| {
        if *v > 100.0 {
            String::new()
        } else {
            format!("{} %", trim_number(*v))
        }
    };
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh);
    mesh.disable_x_mesh()
        .x_desc("Delinquency state this month → where it rolls next month")
        .y_desc("Share of the state's balance (%)")
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    let (roll_colour, cure_colour) = (series_colour(3), series_colour(2));
    let label_style = (FONT, LABEL_SIZE)
        .into_font()
        .color(&TEXT)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    for (i, bar) in d.bars.iter().enumerate() {
        let x = i as f64;
        let slots: [(Option<f64>, RGBColor, f64, bool); 2] = [
            (bar.roll, roll_colour, 0.12, true),
            (bar.cure, cure_colour, 0.52, i > 0),
        ];
        for (value, colour, left, shown) in slots {
            if !shown {
                continue;
            }
            let (x0, x1) = (x + left, x + left + 0.36);
            match value {
                Some(v) => {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x1, 100.0 * v)],
                        colour.filled(),
                    )))?;
                    chart.draw_series(std::iter::once(Text::new(
                        rate_value(v),
                        ((x0 + x1) / 2.0, 100.0 * v + 1.0),
                        label_style.clone(),
                    )))?;
                }
                None => {
                    chart.draw_series(std::iter::once(Text::new(
                        "n/a".to_string(),
                        ((x0 + x1) / 2.0, 2.0),
                        label_style.clone(),
                    )))?;
                }
            }
        }
    }
    let mut entries = vec![
        entry_with(
            "Roll rate",
            "to the next state a month later",
            Mark::Block(roll_colour),
        ),
        entry_with(
            "Cure rate",
            "1 − roll: back to current or repaid",
            Mark::Block(cure_colour),
        ),
    ];
    if let Some(k) = d.months_to_charge_off {
        entries.push(entry_with(
            format!("{k} months"),
            "first missed payment to charge-off",
            Mark::Line(MUTED),
        ));
    }
    draw_legend(&legend, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::calibration::RollJson;

    #[test]
    fn bars_and_caption_follow_the_rates() {
        let json = RollRatesJson {
            entry_rate: Some(0.0064),
            rolls: vec![
                RollJson {
                    from: "dpd_1_30".into(),
                    to: "dpd_31_60".into(),
                    rate: Some(0.4),
                },
                RollJson {
                    from: "dpd_31_60".into(),
                    to: "charged_off".into(),
                    rate: Some(0.9),
                },
            ],
            cure_rates: vec![Some(0.6), Some(0.1)],
            months_to_charge_off: Some(2),
        };
        let d = roll_rates(&json, "all").unwrap();
        assert_eq!(d.bars.len(), 3);
        assert_eq!(
            (d.bars[0].from.as_str(), d.bars[0].to.as_str()),
            ("current", "dpd_1_30")
        );
        assert_eq!(d.bars[0].cure, None);
        assert_eq!(d.bars[2].cure, Some(0.1));
        let caption = roll_rates_caption(&d);
        assert!(
            caption.contains("each month 0.64 % of the current balance enters dpd_1_30"),
            "{caption}"
        );
        assert!(
            caption.contains("40.0 % of dpd_1_30 rolls to dpd_31_60 and 60.0 % cures"),
            "{caption}"
        );
        assert!(
            caption.contains("90.0 % of dpd_31_60 is charged off and 10.0 % cures"),
            "{caption}"
        );
        assert!(caption.contains("charged off 2 months later"), "{caption}");
        let none = RollRatesJson {
            entry_rate: None,
            rolls: Vec::new(),
            cure_rates: Vec::new(),
            months_to_charge_off: None,
        };
        assert!(roll_rates(&none, "all").is_none());
    }
}
