//! Sizing and funding capacity (`sizing.csv`, `treasury`), and the rating test
//! (`rating_tests.csv`) with its chart.

use super::*;
use crate::report::rows::SizingRow;

pub(super) fn sizing_section(folder: &ReportFolder) -> String {
    let s = &folder.summary;
    let lang = folder.lang;
    let money = |amount: f64| fill(tr(lang, "money.cny"), &[("amount", &cny(amount))]);
    if folder.sizing.is_empty() && s.sizing().is_none() && s.treasury.is_none() {
        if folder.tranches.is_empty() {
            return String::new();
        }
        return format!("<p>{}</p>", tr(lang, "html.sizing.not_sized"));
    }
    let mut out = String::new();
    let mut facts = Vec::new();
    if let Some(capacity) = folder.funding_capacity() {
        facts.push(fact(
            tr(lang, "html.summary.funding_capacity"),
            &money(capacity),
            &match s.treasury.as_ref().and_then(Treasury::policy) {
                Some(policy) => fill(
                    tr(lang, "html.sizing.capacity_of_policy"),
                    &[("policy", &policy_word(lang, policy))],
                ),
                None => tr(lang, "html.sizing.capacity_sub").to_string(),
            },
        ));
    }
    let treasury_advance = s.treasury.as_ref().and_then(|t| t.advance_rate);
    if let Some(a) = treasury_advance.or_else(|| s.sizing().map(|z| z.advance_rate)) {
        facts.push(fact(
            tr(lang, "html.col.advance_rate"),
            &percent(a, 2),
            &match s
                .treasury
                .as_ref()
                .and_then(|t| t.method)
                .map(|m| m.as_str())
            {
                Some(method) => fill(
                    tr(lang, "html.sizing.advance_by"),
                    &[("method", &method_words(lang, method))],
                ),
                None => tr(lang, "html.sizing.advance_sub").to_string(),
            },
        ));
    }
    if let Some(t) = &s.treasury {
        for by in &t.by_method {
            if Some(by.method) == t.method {
                continue;
            }
            if let Some(capacity) = by.funding_capacity {
                facts.push(fact(
                    &fill(
                        tr(lang, "html.sizing.capacity_by"),
                        &[("method", &method_words(lang, by.method.as_str()))],
                    ),
                    &money(capacity),
                    &fill(
                        tr(lang, "html.sizing.capacity_by_sub"),
                        &[("rate", &or_dash(by.advance_rate, |a| percent(a, 2)))],
                    ),
                ));
            }
        }
    }
    if let Some(t) = &s.treasury {
        if let Some(need) = t.funding_need {
            facts.push(fact(
                tr(lang, "html.sizing.need"),
                &money(need),
                tr(lang, "html.sizing.need_sub"),
            ));
        }
        if let Some(surplus) = t.surplus() {
            let (label, sub) = if surplus >= 0.0 {
                ("html.sizing.surplus", "html.sizing.surplus_sub")
            } else {
                ("html.sizing.shortfall", "html.sizing.shortfall_sub")
            };
            facts.push(fact_classed(
                tr(lang, label),
                &money(surplus.abs()),
                tr(lang, sub),
                funding_class(surplus),
            ));
        }
    }
    if !facts.is_empty() {
        let _ = write!(out, "<div class=\"facts\">{}</div>", facts.join(""));
    }
    if !folder.sizing_tdr_bdr.is_empty() {
        let _ = write!(out, "<h3>{}</h3>", tr(lang, "html.sizing.by_tdr_bdr"));
        let rows: Vec<Vec<String>> = folder
            .sizing_tdr_bdr
            .iter()
            .map(|r| {
                let mut cells = sized_cells(r);
                cells.extend([
                    or_dash(r.tdr, |t| {
                        format!(
                            "{} ± {}",
                            percent(t, 2),
                            r.tdr_se
                                .filter(|s| s.is_finite())
                                .map_or("∞".into(), |s| percent(s, 2))
                        )
                    }),
                    or_dash(r.bdr, |b| percent(b, 2)),
                    esc(r.binding_scenario.as_deref().unwrap_or("-")),
                    years(r.wal),
                    feasible_cell(lang, r.feasible),
                ]);
                cells
            })
            .collect();
        out.push_str(&table(
            &[
                tr(lang, "html.col.tranche"),
                tr(lang, "html.col.target"),
                tr(lang, "html.col.sized_share"),
                tr(lang, "html.col.amount"),
                tr(lang, "html.col.credit_enhancement"),
                tr(lang, "html.col.tdr_se"),
                "BDR",
                tr(lang, "html.col.binding_scenario"),
                tr(lang, "html.col.wal_base_case"),
                tr(lang, "html.col.feasible"),
            ],
            &rows,
        ));
    }
    if !folder.sizing.is_empty() {
        if !folder.sizing_tdr_bdr.is_empty() {
            let _ = write!(out, "<h3>{}</h3>", tr(lang, "html.sizing.by_el"));
        }
        let rows: Vec<Vec<String>> = folder
            .sizing
            .iter()
            .map(|r| {
                let mut cells = sized_cells(r);
                cells.extend([
                    el_with_se(r.el, r.el_se),
                    or_dash(r.target_el, small_percent),
                    years(r.wal),
                    feasible_cell(lang, r.feasible),
                ]);
                cells
            })
            .collect();
        out.push_str(&table(
            &[
                tr(lang, "html.col.tranche"),
                tr(lang, "html.col.target"),
                tr(lang, "html.col.sized_share"),
                tr(lang, "html.col.amount"),
                tr(lang, "html.col.credit_enhancement"),
                tr(lang, "html.col.el_se"),
                tr(lang, "html.col.target_el"),
                tr(lang, "html.col.wal_years"),
                tr(lang, "html.col.feasible"),
            ],
            &rows,
        ));
    }
    out
}

/// The rating test's chart, shown in the rating section.
pub(super) const RATING_CHART: &str = "rating_test";

/// The rating test as a rating report reads it: for each rated tranche, in words, the best
/// rating it passes, and at its target (or that rating) the TDR, the BDR, the binding
/// scenario and the margin; then every rating's test.
pub(super) fn rating_section(folder: &ReportFolder, charts: &[RenderedChart]) -> String {
    if folder.rating_tests.is_empty() {
        return String::new();
    }
    let lang = folder.lang;
    let mut out = format!("<p>{}</p>", tr(lang, "html.rating.intro"));
    // the chart of the test sits with it, not among the other charts
    out.push_str(&chart_section(
        charts.iter().filter(|c| c.name == RATING_CHART),
    ));
    let mut names: Vec<&str> = Vec::new();
    for r in &folder.rating_tests {
        if !names.contains(&r.tranche.as_str()) {
            names.push(&r.tranche);
        }
    }
    for name in names {
        let tests: Vec<&RatingTestRow> = folder
            .rating_tests
            .iter()
            .filter(|r| r.tranche == name)
            .collect();
        let implied = tests.iter().find(|r| r.passes);
        let target = folder
            .tranches
            .iter()
            .find(|t| t.tranche == name)
            .and_then(|t| t.target_rating.clone());
        let shown = target
            .as_deref()
            .and_then(|t| tests.iter().find(|r| r.rating == t))
            .or(implied)
            .or(tests.last());
        let Some(shown) = shown else { continue };
        let verdict = match implied {
            Some(r) => fill(
                tr(lang, "html.rating.passes_from"),
                &[("rating", &esc(&r.rating))],
            ),
            None => tr(lang, "html.rating.passes_none").to_string(),
        };
        let se = if shown.tdr_se.is_finite() {
            percent(shown.tdr_se, 2)
        } else {
            tr(lang, "html.rating.se_unreached").to_string()
        };
        let _ = write!(
            out,
            "<p>{}</p>",
            fill(
                tr(lang, "html.rating.tranche"),
                &[
                    ("tranche", &esc(name)),
                    ("verdict", &verdict),
                    ("rating", &esc(&shown.rating)),
                    ("wal", &years(Some(shown.wal))),
                    ("tdr", &percent(shown.tdr, 2)),
                    ("se", &se),
                    ("bdr", &percent(shown.bdr, 2)),
                    ("scenario", &esc(&shown.binding_scenario)),
                    ("margin", &points(shown.margin, 2)),
                    (
                        "result",
                        &tr(
                            lang,
                            if shown.passes {
                                "html.rating.passes"
                            } else {
                                "html.rating.fails"
                            },
                        ),
                    ),
                ],
            )
        );
        let rows: Vec<Vec<String>> = tests
            .iter()
            .map(|r| {
                vec![
                    esc(&r.rating),
                    esc(&r.category),
                    small_percent(r.idealized_pd),
                    format!(
                        "{} ± {}",
                        percent(r.tdr, 2),
                        if r.tdr_se.is_finite() {
                            percent(r.tdr_se, 2)
                        } else {
                            "∞".into()
                        }
                    ),
                    percent(r.bdr, 2),
                    esc(&r.binding_scenario),
                    points(r.margin, 2),
                    if r.passes {
                        format!(
                            "<span class=\"good\">{}</span>",
                            tr(lang, "html.rating.passes")
                        )
                    } else {
                        format!(
                            "<span class=\"bad\">{}</span>",
                            tr(lang, "html.rating.fails")
                        )
                    },
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                tr(lang, "html.col.rating"),
                tr(lang, "html.col.stress_category"),
                tr(lang, "html.col.idealized_pd"),
                tr(lang, "html.col.tdr_se"),
                "BDR",
                tr(lang, "html.col.binding_scenario"),
                tr(lang, "html.col.margin"),
                tr(lang, "html.col.test"),
            ],
            &rows,
        ));
    }
    out
}

/// The cells both sizing tables start with: tranche, target, sized share, amount and credit
/// enhancement.
fn sized_cells(r: &SizingRow) -> Vec<String> {
    vec![
        esc(&r.tranche),
        esc(r.target_rating.as_deref().unwrap_or("-")),
        percent(r.share, 2),
        or_dash(r.amount, cny),
        or_dash(r.credit_enhancement, |c| percent(c, 2)),
    ]
}
