//! The rating test (SPEC §7.3) as a credit committee reads it: for each rated tranche, the
//! target default rate (TDR) of every rating of the table against the tranche's break-even
//! default rate (BDR) under every stress scenario of that rating's category, read from
//! `rating_tests.csv` and `stress_bdr.csv`. A rating passes where the lowest BDR is at least
//! the TDR: the TDR line falls as the ratings get worse, and the implied rating is the best
//! one left of which the binding BDR stays above it.

use super::*;
use crate::report::rows::{RatingTestRow, StressBdrRow};

plot!(RatingTest, draw_rating_test);

/// One rating of one tranche's test.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingPoint {
    pub rating: String,
    pub tdr: f64,
    /// Infinite when the paths do not reach the quantile.
    pub tdr_se: f64,
    /// The lowest BDR over the scenarios of the rating's category.
    pub bdr: f64,
    pub passes: bool,
    /// Each scenario's BDR at the rating's category, in the stress table's order.
    pub scenario_bdr: Vec<f64>,
}

/// One rated tranche's test, ratings best first.
#[derive(Debug, Clone, PartialEq)]
pub struct TrancheTest {
    pub tranche: String,
    pub colour_index: usize,
    pub target_rating: Option<String>,
    pub implied_rating: Option<String>,
    pub points: Vec<RatingPoint>,
}

/// Every rated tranche's test, with the stress scenarios' names (their order in the rows).
#[derive(Debug, Clone, PartialEq)]
pub struct RatingTest {
    pub tranches: Vec<TrancheTest>,
    pub scenarios: Vec<String>,
}

/// The timing shape of a scenario named `shape.prepayment` (the project's stress table);
/// the whole name otherwise.
fn shape_of(scenario: &str) -> &str {
    scenario.split('.').next().unwrap_or(scenario)
}

/// The chart's data from the folder's rating tests and stress break-evens; `None` without
/// rating tests.
pub fn rating_test_data(
    tests: &[RatingTestRow],
    stress: &[StressBdrRow],
    target: impl Fn(&str) -> Option<String>,
    colour: impl Fn(&str) -> usize,
) -> Option<RatingTest> {
    if tests.is_empty() {
        return None;
    }
    let mut scenarios: Vec<String> = Vec::new();
    for row in stress {
        if !scenarios.contains(&row.scenario) {
            scenarios.push(row.scenario.clone());
        }
    }
    let mut names: Vec<&str> = Vec::new();
    for row in tests {
        if !names.contains(&row.tranche.as_str()) {
            names.push(&row.tranche);
        }
    }
    let tranches = names
        .into_iter()
        .map(|name| {
            let points: Vec<RatingPoint> = tests
                .iter()
                .filter(|r| r.tranche == name)
                .map(|r| RatingPoint {
                    rating: r.rating.clone(),
                    tdr: r.tdr,
                    tdr_se: r.tdr_se,
                    bdr: r.bdr,
                    passes: r.passes,
                    scenario_bdr: scenarios
                        .iter()
                        .filter_map(|s| {
                            stress
                                .iter()
                                .find(|b| {
                                    b.tranche == name
                                        && b.category == r.category
                                        && &b.scenario == s
                                })
                                .map(|b| b.bdr)
                        })
                        .collect(),
                })
                .collect();
            TrancheTest {
                tranche: name.to_string(),
                colour_index: colour(name),
                target_rating: target(name),
                implied_rating: points.iter().find(|p| p.passes).map(|p| p.rating.clone()),
                points,
            }
        })
        .collect();
    Some(RatingTest {
        tranches,
        scenarios,
    })
}

pub(super) fn rating_test_chart(folder: &ReportFolder, scenario: &str) -> Option<Chart> {
    let data = rating_test_data(
        &folder.rating_tests,
        &folder.stress_bdr,
        |name| {
            folder
                .tranches
                .iter()
                .find(|t| t.tranche == name)
                .and_then(|t| t.target_rating.clone())
        },
        |name| tranche_index(folder, name),
    )?;
    Some(Chart {
        name: "rating_test",
        title: format!("Rating test: TDR by rating against BDR by stress scenario — {scenario}"),
        caption: rating_test_caption(&data),
        plot: Box::new(data),
    })
}

/// What to read from the chart, from its data: each tranche's implied rating against its
/// target, the binding scenario and the margin there.
pub fn rating_test_caption(data: &RatingTest) -> String {
    let mut sentences = vec![
        "Each panel is one rated tranche: its target default rate at every rating (dots, ±1 standard error; filled where it passes) against its break-even default rate under each stress scenario of the rating's category (thin lines, coloured by default timing), the lowest of them in black.".to_string(),
    ];
    for t in &data.tranches {
        let shown = t
            .target_rating
            .as_deref()
            .and_then(|target| t.points.iter().find(|p| p.rating == target));
        let implied = match &t.implied_rating {
            Some(r) => format!("passes {r} and below"),
            None => "passes no rating of the table".into(),
        };
        let target = match shown {
            Some(p) => format!(
                "; at its target {} the lowest BDR {} {} the TDR {} by {} percentage points",
                p.rating,
                percent(p.bdr, 2),
                if p.bdr >= p.tdr {
                    "exceeds"
                } else {
                    "falls short of"
                },
                percent(p.tdr, 2),
                trim_number(100.0 * (p.bdr - p.tdr).abs())
            ),
            None => String::new(),
        };
        sentences.push(format!("{} {implied}{target}.", t.tranche));
    }
    sentences.join(" ")
}

pub(super) fn draw_rating_test<DB: DrawingBackend>(
    d: &RatingTest,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult {
    let (plot, legend) = plot_and_legend(body);
    let mut shapes: Vec<&str> = Vec::new();
    for s in &d.scenarios {
        if !shapes.contains(&shape_of(s)) {
            shapes.push(shape_of(s));
        }
    }
    let shape_colour = |scenario: &str| {
        let i = shapes
            .iter()
            .position(|s| *s == shape_of(scenario))
            .unwrap_or(0);
        lighten(series_colour(i), 0.35)
    };
    let panels = d.tranches.len().max(1);
    let areas = plot.split_evenly((panels, 1));
    for (k, (t, area)) in d.tranches.iter().zip(&areas).enumerate() {
        let bottom = k == panels - 1;
        let n = t.points.len();
        let top = t
            .points
            .iter()
            .flat_map(|p| {
                let se = if p.tdr_se.is_finite() { p.tdr_se } else { 0.0 };
                p.scenario_bdr.iter().copied().chain([p.tdr + se, p.bdr])
            })
            .fold(0.0, f64::max);
        let y_max = nice_ceiling(100.0 * top * 1.1).max(1.0);
        let x = |i: usize| i as f64;
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .x_label_area_size(if bottom { 48 } else { 24 })
            .y_label_area_size(70)
            .build_cartesian_2d(
                linear_axis(-0.5..n as f64 - 0.5, (0..n).map(x).collect()),
                0f64..y_max,
            )?;
        let ratings: Vec<&str> = t.points.iter().map(|p| p.rating.as_str()).collect();
        let x_fmt = |v: &f64| {
            let i = v.round();
            if i >= 0.0 && (i as usize) < ratings.len() {
                ratings[i as usize].to_string()
            } else {
                String::new()
            }
        };
        let y_fmt = |v: &f64| format!("{} %", trim_number(*v));
        let desc = format!("{}: default rate (%)", t.tranche);
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh);
        mesh.y_desc(desc)
            .y_labels(5)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        if bottom {
            mesh.x_desc("Rating (best first)");
        }
        mesh.draw()?;
        // each scenario's BDR, constant within a rating, as steps across the ratings
        for (s, name) in d.scenarios.iter().enumerate() {
            let steps: Vec<(f64, f64)> = t
                .points
                .iter()
                .enumerate()
                .filter_map(|(i, p)| Some((i, 100.0 * *p.scenario_bdr.get(s)?)))
                .flat_map(|(i, y)| [(x(i) - 0.5, y), (x(i) + 0.5, y)])
                .collect();
            chart.draw_series(LineSeries::new(steps, shape_colour(name).stroke_width(1)))?;
        }
        // the binding (lowest) BDR
        let binding: Vec<(f64, f64)> = t
            .points
            .iter()
            .enumerate()
            .flat_map(|(i, p)| [(x(i) - 0.5, 100.0 * p.bdr), (x(i) + 0.5, 100.0 * p.bdr)])
            .collect();
        chart.draw_series(LineSeries::new(binding, TEXT.stroke_width(3)))?;
        // the target rating and the implied one
        for (rating, colour) in [
            (t.target_rating.as_deref(), MUTED),
            (t.implied_rating.as_deref(), TEXT),
        ] {
            if let Some(i) = rating.and_then(|r| ratings.iter().position(|q| *q == r)) {
                chart.draw_series(std::iter::once(DashedPathElement::new(
                    vec![(x(i), 0.0), (x(i), y_max)],
                    5,
                    4,
                    colour.stroke_width(1),
                )))?;
            }
        }
        // the TDR with ±1 standard error, filled where the rating passes
        let colour = tranche_colour(t.colour_index);
        chart.draw_series(LineSeries::new(
            t.points
                .iter()
                .enumerate()
                .map(|(i, p)| (x(i), 100.0 * p.tdr)),
            colour.stroke_width(2),
        ))?;
        for (i, p) in t.points.iter().enumerate() {
            if p.tdr_se.is_finite() && p.tdr_se > 0.0 {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![
                        (x(i), 100.0 * (p.tdr - p.tdr_se).max(0.0)),
                        (x(i), 100.0 * (p.tdr + p.tdr_se)),
                    ],
                    colour.stroke_width(2),
                )))?;
            }
            let dot = if p.passes {
                Circle::new((x(i), 100.0 * p.tdr), 5, colour.filled())
            } else {
                Circle::new((x(i), 100.0 * p.tdr), 5, colour.stroke_width(2))
            };
            chart.draw_series(std::iter::once(dot))?;
        }
    }
    let mut entries: Vec<LegendEntry> = d
        .tranches
        .iter()
        .map(|t| {
            entry_with(
                format!("TDR of {}", t.tranche),
                format!(
                    "implied {}{}",
                    t.implied_rating.as_deref().unwrap_or("none"),
                    t.target_rating
                        .as_deref()
                        .map(|r| format!(", target {r}"))
                        .unwrap_or_default()
                ),
                Mark::Dot(tranche_colour(t.colour_index)),
            )
        })
        .collect();
    entries.push(entry_with(
        "Lowest BDR",
        "binding scenario per category",
        Mark::Line(TEXT),
    ));
    for (i, shape) in shapes.iter().enumerate() {
        entries.push(entry_with(
            *shape,
            "BDR, one line per prepayment level",
            Mark::Line(lighten(series_colour(i), 0.35)),
        ));
    }
    entries.push(entry_with(
        "Implied rating",
        "dashed; grey: the target",
        Mark::Dashed(TEXT),
    ));
    draw_legend(&legend, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_row(tranche: &str, rating: &str, category: &str, tdr: f64, bdr: f64) -> RatingTestRow {
        RatingTestRow {
            tranche: tranche.into(),
            rating: rating.into(),
            category: category.into(),
            tdr,
            tdr_se: 0.001,
            bdr,
            margin: bdr - tdr,
            passes: bdr >= tdr,
            ..RatingTestRow::default()
        }
    }

    fn stress_row(tranche: &str, category: &str, scenario: &str, bdr: f64) -> StressBdrRow {
        StressBdrRow {
            tranche: tranche.into(),
            category: category.into(),
            scenario: scenario.into(),
            bdr,
            ..StressBdrRow::default()
        }
    }

    #[test]
    fn each_rating_takes_its_categorys_scenarios_and_the_best_pass_is_implied() {
        let tests = [
            test_row("A", "Aaa", "AAA", 0.12, 0.10),
            test_row("A", "Aa1", "AA", 0.09, 0.11),
            test_row("A", "Aa2", "AA", 0.08, 0.11),
        ];
        let stress = [
            stress_row("A", "AAA", "even.low", 0.10),
            stress_row("A", "AAA", "front.low", 0.13),
            stress_row("A", "AA", "even.low", 0.11),
            stress_row("A", "AA", "front.low", 0.15),
        ];
        let data = rating_test_data(&tests, &stress, |_| Some("Aaa".into()), |_| 0).unwrap();
        assert_eq!(data.scenarios, ["even.low", "front.low"]);
        let t = &data.tranches[0];
        assert_eq!(t.implied_rating.as_deref(), Some("Aa1"));
        assert_eq!(t.points[0].scenario_bdr, [0.10, 0.13]);
        assert_eq!(t.points[2].scenario_bdr, [0.11, 0.15]);
        let caption = rating_test_caption(&data);
        assert!(
            caption.contains(
                "A passes Aa1 and below; at its target Aaa the lowest BDR 10.00 % falls short of the TDR 12.00 % by 2 percentage points."
            ),
            "{caption}"
        );
        assert!(rating_test_data(&[], &stress, |_| None, |_| 0).is_none());
    }
}
