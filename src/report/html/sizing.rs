//! Sizing and funding capacity (`sizing.csv`, `treasury`), and the rating test
//! (`rating_tests.csv`) with its chart.

use super::*;
use crate::report::rows::SizingRow;

pub(super) fn sizing_section(folder: &ReportFolder) -> String {
    let s = &folder.summary;
    if folder.sizing.is_empty() && s.sizing().is_none() && s.treasury.is_none() {
        if folder.tranches.is_empty() {
            return String::new();
        }
        return "<p>This run did not size the tranches: the sizes above are the scenario's. Sizing finds, in order of seniority, the largest share of each rated tranche whose EL stays within its target rating's idealized EL; the rated notes' total is the funding capacity.</p>".into();
    }
    let mut out = String::new();
    let mut facts = Vec::new();
    if let Some(capacity) = folder.funding_capacity() {
        facts.push(fact(
            "Funding capacity",
            &format!("{} CNY", cny(capacity)),
            &match s.treasury.as_ref().and_then(Treasury::policy) {
                Some(policy) => format!("rated notes of the {policy} policy at their sized shares"),
                None => "rated notes at their sized shares".to_string(),
            },
        ));
    }
    let treasury_advance = s.treasury.as_ref().and_then(|t| t.advance_rate);
    if let Some(a) = treasury_advance.or_else(|| s.sizing().map(|z| z.advance_rate)) {
        facts.push(fact(
            "Advance rate",
            &percent(a, 2),
            &match s
                .treasury
                .as_ref()
                .and_then(|t| t.method)
                .map(|m| m.as_str())
            {
                Some(method) => format!(
                    "rated notes ÷ closing pool, sized by {}",
                    method_words(method)
                ),
                None => "rated notes ÷ closing pool".to_string(),
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
                    &format!("Capacity by {}", method_words(by.method.as_str())),
                    &format!("{} CNY", cny(capacity)),
                    &format!(
                        "advance rate {}; shown beside, not used",
                        or_dash(by.advance_rate, |a| percent(a, 2))
                    ),
                ));
            }
        }
    }
    if let Some(t) = &s.treasury {
        if let Some(need) = t.funding_need {
            facts.push(fact(
                "Funding need",
                &format!("{} CNY", cny(need)),
                "treasury target",
            ));
        }
        if let Some(surplus) = t.surplus() {
            let (label, sub) = if surplus >= 0.0 {
                (
                    "Funding surplus",
                    "capacity − need: capacity covers the need",
                )
            } else {
                ("Funding shortfall", "need − capacity: need above capacity")
            };
            facts.push(fact_classed(
                label,
                &format!("{} CNY", cny(surplus.abs())),
                sub,
                funding_class(surplus),
            ));
        }
    }
    if !facts.is_empty() {
        let _ = write!(out, "<div class=\"facts\">{}</div>", facts.join(""));
    }
    if !folder.sizing_tdr_bdr.is_empty() {
        out.push_str("<h3>Sized by target against break-even default rates (SPEC §7.3)</h3>");
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
                    feasible_cell(r.feasible),
                ]);
                cells
            })
            .collect();
        out.push_str(&table(
            &[
                "Tranche",
                "Target",
                "Sized share",
                "Amount (CNY)",
                "Credit enhancement",
                "TDR ± SE",
                "BDR",
                "Binding scenario",
                "WAL (years, base case)",
                "Feasible",
            ],
            &rows,
        ));
    }
    if !folder.sizing.is_empty() {
        if !folder.sizing_tdr_bdr.is_empty() {
            out.push_str("<h3>Sized by expected loss (SPEC §7.1)</h3>");
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
                    feasible_cell(r.feasible),
                ]);
                cells
            })
            .collect();
        out.push_str(&table(
            &[
                "Tranche",
                "Target",
                "Sized share",
                "Amount (CNY)",
                "Credit enhancement",
                "EL ± SE",
                "Target EL",
                "WAL (years)",
                "Feasible",
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
    let mut out = String::from(
        "<p>Each rated tranche is tested as rating agencies test consumer-loan ABS: its break-even default rate (BDR) — the pool's cumulative default rate, defaults ÷ (closing balance + purchases), at the largest default stress under which it still receives all its principal (the senior also all interest when due) — under every stress scenario of the rating's category (default timing, prepayment, yield compression, recovery haircut and delay), against the target default rate (TDR): the quantile of the Monte Carlo cumulative default rate that the rating's idealized default probability at the tranche's WAL leaves above it. A tranche passes a rating when its lowest BDR is at least the TDR.</p>",
    );
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
        let _ = write!(
            out,
            "<p><strong>{}</strong>: {}. At {} (WAL {} years) the TDR is {} ± {} and the BDR {} under <em>{}</em>, a margin of {}: it {}.</p>",
            esc(name),
            match implied {
                Some(r) => format!("passes {} and every rating below it", esc(&r.rating)),
                None => "passes no rating of the table".to_string(),
            },
            esc(&shown.rating),
            years(Some(shown.wal)),
            percent(shown.tdr, 2),
            if shown.tdr_se.is_finite() {
                percent(shown.tdr_se, 2)
            } else {
                "∞ (the paths do not reach this quantile)".into()
            },
            percent(shown.bdr, 2),
            esc(&shown.binding_scenario),
            points(shown.margin, 2),
            if shown.passes { "passes" } else { "fails" }
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
                        "<span class=\"good\">passes</span>".into()
                    } else {
                        "<span class=\"bad\">fails</span>".into()
                    },
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "Rating",
                "Stress category",
                "Idealized PD",
                "TDR ± SE",
                "BDR",
                "Binding scenario",
                "Margin",
                "Test",
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
