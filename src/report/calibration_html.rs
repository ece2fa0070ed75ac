//! `calibration.html` (SPEC §4.6): one self-contained page of a calibration folder, built
//! from its `calibration.json` and `vintages.csv` and its rendered charts (inlined as SVG).
//! Like `report.html` it has no scripts, no external links, fonts or images, and it takes
//! the same style sheet, so it opens and prints the same on any machine.
//!
//! Sections: the history, the base case (every estimate, then the by-month curves), the
//! dispersion (ρ, its interval, `m*`, the lifetime rates' mean and CV), the PD scale per
//! segment, every vintage, the charts with captions read from the numbers, the methodology
//! and its limits, and how to write the folder again.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::calibration::{CalibrationJson, SegmentJson};
use super::charts::RenderedChart;
use super::format::{cny, html_escape as esc, or_dash, percent};
use super::html::{STYLE, inline_svg};

/// A `<table>` of already-escaped cells; the first column is text.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn fact(label: &str, value: &str, sub: &str) -> String {
    format!(
        "<div class=\"fact\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"sub\">{}</div></div>",
        esc(label),
        esc(value),
        esc(sub)
    )
}

fn pct(value: Option<f64>, digits: usize) -> String {
    or_dash(value, |v| percent(v, digits))
}

fn rho_text(value: Option<f64>) -> String {
    or_dash(value, |v| format!("{v:.4}"))
}

fn interval_text(ci: Option<[f64; 2]>) -> String {
    or_dash(ci, |[a, b]| format!("{a:.4} – {b:.4}"))
}

/// The groups in the order of the page: `all`, then each segment.
fn groups(json: &CalibrationJson) -> Vec<(&str, &SegmentJson)> {
    std::iter::once((crate::calibrate::ALL, &json.all))
        .chain(json.segments.iter().map(|(n, g)| (n.as_str(), g)))
        .collect()
}

/// The command that writes the folder again (its `--out` aside).
pub fn reproduce_calibration_command(json: &CalibrationJson) -> String {
    let mut words = vec![
        "baitiao-abs".to_string(),
        "calibrate".into(),
        "--history".into(),
        json.source.history.clone(),
    ];
    if let Some(tape) = &json.pd_reference_tape {
        words.extend(["--tape".into(), tape.clone()]);
    }
    words.extend([
        "--seed".into(),
        json.seed.to_string(),
        "--bootstrap".into(),
        json.bootstrap_resamples.to_string(),
    ]);
    words
        .iter()
        .map(|w| super::html::shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn history_section(json: &CalibrationJson) -> String {
    let all = &json.all;
    let vintages = &all.vintages;
    let names: BTreeSet<&str> = vintages.iter().map(|v| v.vintage.as_str()).collect();
    let first = names.iter().next().copied().unwrap_or("-");
    let last = names.iter().next_back().copied().unwrap_or("-");
    let originated: f64 = vintages.iter().map(|v| v.originated).sum();
    let youngest = vintages.iter().map(|v| v.months_on_book).min().unwrap_or(0);
    let segments = if json.segments.is_empty() {
        "one (all)".to_string()
    } else {
        json.segments
            .keys()
            .map(|s| esc(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows = vec![
        vec![
            "History file".into(),
            format!("<span class=\"mono\">{}</span>", esc(&json.source.history)),
        ],
        vec![
            "Vintages".into(),
            format!("{} monthly vintages, {first} to {last}", vintages.len()),
        ],
        vec!["Segments".into(), segments],
        vec!["Data date".into(), esc(&json.source.data_date)],
        vec![
            "Months on book observed".into(),
            format!(
                "{youngest} (newest vintage) to {} (oldest)",
                all.longest_observed_age
            ),
        ],
        vec!["Originated".into(), format!("{} CNY", cny(originated))],
        vec![
            "Delinquency buckets".into(),
            if json.buckets.is_empty() {
                "none (no roll rates)".into()
            } else {
                esc(&json.buckets.join(", "))
            },
        ],
        vec![
            "Recoveries, prepayments".into(),
            format!(
                "{}, {}",
                if all.recovery_rate.is_some() {
                    "recorded"
                } else {
                    "not recorded (recovery rate 0 is not an estimate)"
                },
                if all.cpr.is_some() {
                    "recorded"
                } else {
                    "not recorded (CPR 0 is not an estimate)"
                }
            ),
        ],
    ];
    table(&["", ""], &rows).replace("<thead><tr><th></th><th></th></tr></thead>", "")
}

fn base_case_section(json: &CalibrationJson) -> String {
    let groups = groups(json);
    let mut header = vec!["Estimate"];
    header.extend(groups.iter().map(|(n, _)| *n));
    let row = |label: &str, cell: &dyn Fn(&SegmentJson) -> String| -> Vec<String> {
        std::iter::once(esc(label))
            .chain(groups.iter().map(|(_, g)| cell(g)))
            .collect()
    };
    let mut rows = vec![
        row(
            "Lifetime charge-off rate (chain ladder, originated-weighted)",
            &|g| percent(g.lifetime_charge_off_rate, 3),
        ),
        row("Recovery rate", &|g| pct(g.recovery_rate, 1)),
        row("Recovery lag (months after charge-off)", &|g| {
            or_dash(g.recovery_lag_months, |m| m.to_string())
        }),
        row("Annual CPR (weighted by outstanding)", &|g| pct(g.cpr, 2)),
        row("Timing: month on book of the median charge-off", &|g| {
            median_month(&g.timing_curve).map_or("-".into(), |m| m.to_string())
        }),
        row("Entry rate: current → first bucket, monthly", &|g| {
            pct(g.roll_rates.entry_rate, 3)
        }),
    ];
    for (k, bucket) in json.buckets.iter().enumerate() {
        let to = json
            .all
            .roll_rates
            .rolls
            .get(k)
            .map_or("-".to_string(), |r| r.to.clone());
        rows.push(row(
            &format!("Roll rate {bucket} → {to}, monthly"),
            &|g| pct(g.roll_rates.rolls.get(k).and_then(|r| r.rate), 2),
        ));
        rows.push(row(&format!("Cure rate {bucket}, monthly"), &|g| {
            pct(g.roll_rates.cure_rates.get(k).copied().flatten(), 2)
        }));
    }
    rows.push(row(
        "Delay from first missed payment to charge-off (months)",
        &|g| or_dash(g.roll_rates.months_to_charge_off, |m| m.to_string()),
    ));
    rows.push(row("Longest observed month on book M", &|g| {
        g.longest_observed_age.to_string()
    }));
    let mut out = table(&header, &rows);
    let _ = write!(
        out,
        "<p class=\"note\">The scenario reads the lifetime rate (through the PD scale), ρ, the CPR and the recovery rate and lag from calibration.toml; the other estimates describe the history and are in calibration.json.</p>"
    );
    for (name, g) in &groups {
        let _ = write!(
            out,
            "<h3>By month on book: {}</h3>{}",
            esc(name),
            by_month_table(g)
        );
    }
    out
}

/// The first month on book by which half the lifetime charge-offs have come.
fn median_month(timing: &[f64]) -> Option<usize> {
    let mut cumulative = 0.0;
    timing.iter().position(|share| {
        cumulative += share;
        cumulative >= 0.5
    })
}

fn by_month_table(g: &SegmentJson) -> String {
    // months up to the last one with a charge-off share, a CPR or a development step that moves
    let moving = |m: usize| {
        g.timing_curve.get(m).is_some_and(|s| *s != 0.0)
            || g.cpr_by_mob
                .get(m)
                .copied()
                .flatten()
                .is_some_and(|c| c != 0.0)
    };
    let last = (0..=g.longest_observed_age as usize)
        .rev()
        .find(|&m| moving(m))
        .unwrap_or(0);
    let mut cumulative = 0.0;
    let rows: Vec<Vec<String>> = (0..=last)
        .map(|m| {
            let share = g.timing_curve.get(m).copied().unwrap_or(0.0);
            cumulative += share;
            let step = g
                .development_factors
                .iter()
                .find(|f| f.from_month as usize == m);
            vec![
                m.to_string(),
                percent(share, 2),
                percent(cumulative, 1),
                pct(g.cpr_by_mob.get(m).copied().flatten(), 2),
                step.map_or("-".into(), |f| or_dash(f.factor, |v| format!("{v:.4}"))),
                step.map_or("-".into(), |f| f.vintages.to_string()),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "Month on book",
            "Share of lifetime charge-offs",
            "Cumulative",
            "CPR (annual)",
            "Development factor to the next month",
            "Vintages in the factor",
        ],
        &rows,
    );
    if (last as u32) < g.longest_observed_age {
        let _ = write!(
            out,
            "<p class=\"note\">Months {} to {}: no charge-offs and no prepayments (development factors 1 or undefined; all in calibration.json).</p>",
            last + 1,
            g.longest_observed_age
        );
    }
    out
}

fn dispersion_section(json: &CalibrationJson) -> String {
    let rows: Vec<Vec<String>> = groups(json)
        .iter()
        .map(|(name, g)| {
            vec![
                esc(name),
                rho_text(g.rho.estimate),
                interval_text(g.rho.ci90),
                or_dash(g.rho.m_star, |m| m.to_string()),
                format!(
                    "{}{}",
                    g.rho.vintages_used,
                    if g.rho.vintages_excluded > 0 {
                        format!(" ({} left out: rate 0 or 1)", g.rho.vintages_excluded)
                    } else {
                        String::new()
                    }
                ),
                pct(g.rho.p_at_m_star, 3),
                g.vintages.len().to_string(),
                pct(g.mean_lifetime_rate, 3),
                or_dash(g.cv, |v| format!("{v:.3}")),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "Segment",
            "ρ",
            "ρ 90 % interval",
            "m*",
            "Vintages at m*",
            "Fitted default rate by m*",
            "Vintages",
            "Mean lifetime rate",
            "CV of lifetime rates",
        ],
        &rows,
    );
    let _ = write!(
        out,
        "<p class=\"note\">ρ is estimated on the vintages' cumulative charge-off rates at month on book m*, the oldest age that at least {} vintages have reached; its interval comes from {} bootstrap resamples (seed {}). The mean lifetime rate is unweighted; the base case's lifetime rate weights the vintages by the amount originated.</p>",
        crate::calibrate::dispersion::MIN_VINTAGES_AT_M_STAR,
        cny(json.bootstrap_resamples as f64),
        json.seed
    );
    out
}

fn pd_scale_section(json: &CalibrationJson) -> String {
    let rows: Vec<Vec<String>> = groups(json)
        .iter()
        .map(|(name, g)| {
            let r = &g.pd_reference;
            vec![
                esc(name),
                format!("{} {}-month", esc(&r.product.to_string()), r.term_months),
                format!("{:.4} %", 100.0 * r.rate),
                percent(r.pd_12m, 3),
                percent(g.lifetime_charge_off_rate, 3),
                or_dash(g.pd_scale, |s| format!("{s:.4}")),
                or_dash(g.pd_scale, |s| percent((s * r.pd_12m).min(0.999), 3)),
            ]
        })
        .collect();
    let source = match &json.pd_reference_tape {
        Some(tape) => format!("the tape {}", esc(tape)),
        None => "the built-in synthetic tape (the base scenario's pool)".into(),
    };
    let mut out = table(
        &[
            "Segment",
            "Reference receivable",
            "Its rate",
            "Reference 12-month PD",
            "Lifetime charge-off rate",
            "PD scale",
            "Scaled 12-month PD",
        ],
        &rows,
    );
    let _ = write!(
        out,
        "<p class=\"note\">The PD scale is the multiplier on the tape's PDs at which a new receivable of the reference's product and term, run by the deterministic conventions (SPEC §4.4) at the calibrated CPR, loses the calibrated lifetime rate over its life. The reference is the product and term with the largest balance and the balance-weighted PD of {source}. A scenario takes it as its pd_multiplier.</p>"
    );
    out
}

fn vintage_section(json: &CalibrationJson) -> String {
    let groups: Vec<(&str, &SegmentJson)> = if json.segments.is_empty() {
        vec![(crate::calibrate::ALL, &json.all)]
    } else {
        json.segments.iter().map(|(n, g)| (n.as_str(), g)).collect()
    };
    let mut rows = Vec::new();
    for (_, g) in groups {
        for v in &g.vintages {
            rows.push(vec![
                esc(&v.vintage),
                esc(&v.segment),
                cny(v.originated),
                v.months_on_book.to_string(),
                percent(v.observed_cum_charge_off_rate, 3),
                percent(v.projected_lifetime_rate, 3),
                percent(
                    v.projected_lifetime_rate - v.observed_cum_charge_off_rate,
                    3,
                ),
            ]);
        }
    }
    let mut out = table(
        &[
            "Vintage",
            "Segment",
            "Originated (CNY)",
            "Months on book",
            "Charged off to date",
            "Projected lifetime",
            "Still to come",
        ],
        &rows,
    );
    out.push_str("<p class=\"note\">Charged off to date and projected lifetime are shares of the amount originated; a mature vintage's projection is its observation. Every month of every vintage, observed and projected, is in vintages.csv.</p>");
    out
}

fn chart_section(charts: &[RenderedChart]) -> String {
    let mut out = String::new();
    for c in charts {
        let _ = write!(
            out,
            "<figure id=\"chart-{}\">\n<h3>{}</h3>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            c.name,
            esc(&c.title),
            inline_svg(&c.svg, &c.title),
            esc(&c.caption)
        );
    }
    out
}

fn methodology_section(json: &CalibrationJson) -> String {
    let all = &json.all;
    let last_step = all.development_factors.last();
    let mut out = String::from("<h3>Estimators</h3><ul>");
    out.push_str("<li><b>Vintage curves.</b> A vintage's cumulative charge-off, net loss and prepayment rates are its cumulative amounts divided by the amount it originated; bucket shares are divided by its outstanding balance.</li>");
    out.push_str("<li><b>Projection.</b> Immature vintages are developed by the chain ladder: at each month on book the volume-weighted factor Σ C(m+1) / Σ C(m) over the vintages observed at both ages (an additive step where nothing has been charged off yet). A vintage's projected lifetime rate is its projected rate at the longest observed age.</li>");
    out.push_str("<li><b>Base case.</b> The lifetime rate weights the vintages' projected lifetime rates by originated amount; the timing curve is the share of lifetime charge-offs in each month on book; recoveries are fitted as a rate r of each charge-off arriving exactly ℓ months later (least squares over every month of every vintage); the CPR annualises the monthly prepaid share of the balance outstanding; roll rates divide the balance in the next bucket a month later by the balance in this one, and a bucket's cure rate is what does not roll on.</li>");
    out.push_str("<li><b>Dispersion.</b> Each vintage is read as a large pool: its cumulative charge-off rate at m* is a draw from Vasicek's law, whose probit is normal, so the maximum-likelihood ρ is s² / (1 + s²) of the probits' variance s² (closed form, checked against numerical maximisation in the tests). The 90 % interval is the bias-corrected and accelerated (BCa) bootstrap interval of ρ re-estimated on vintages resampled with replacement: percentiles of the resampled ρ at levels moved from 5 % and 95 % by the resamples' bias and a jackknife estimate of the skew.</li>");
    out.push_str("</ul><h3>Limits</h3><ul>");
    let _ = write!(
        out,
        "<li><b>No development beyond the longest observed age.</b> The chain ladder stops at month on book {} (no tail factor): a charge-off after it is in no estimate. The last factors rest on few vintages{}.</li>",
        all.longest_observed_age,
        last_step.map_or(String::new(), |f| format!(
            " (the factor from month {} to {} on {} vintage{})",
            f.from_month,
            f.to_month,
            f.vintages,
            if f.vintages == 1 { "" } else { "s" }
        ))
    );
    let _ = write!(
        out,
        "<li><b>ρ rests on {} vintages.</b> Only vintages that reached m* count, and their rates at m* are not lifetime rates. Vintages are taken as independent draws; vintages that share an economic cycle (autocorrelated factors) carry less information than their number, and the interval is then too narrow.</li>",
        all.rho.vintages_used
    );
    let _ = write!(
        out,
        "<li><b>The bootstrap interval is too narrow with few vintages.</b> ρ is a variance-type estimate, biased low and skewed in small samples; the BCa interval corrects for both but still covers the true ρ less often than 90 %: on 2,000 synthetic samples each, 78 % with 12 vintages at m*, 84 % with 24, 87 % with 84 (the plain percentile interval: 69 %, 79 %, 86 %). This history has {} vintages at m*.</li>",
        all.rho.vintages_used
    );
    if let (Some([lo, hi]), Some(rho)) = (all.rho.ci90, all.rho.estimate) {
        let _ = write!(
            out,
            "<li><b>What ρ's interval does.</b> ρ sets how far bad vintages reach beyond the mean, so it drives the credit enhancement a senior tranche needs far more than the mean does. The data allow ρ anywhere from {lo:.4} to {hi:.4} (estimate {rho:.4}); a deal sized on this calibration should be re-run with correlation set at both ends of the interval and the senior's size read as a range.</li>"
        );
    }
    out.push_str("<li><b>One receivable per segment for the PD scale.</b> The scale is found for the segment's largest product and term; a pool with another mix of terms loses a different lifetime rate at the same scale.</li>");
    out.push_str("<li><b>Constant behaviour.</b> The scenario takes one CPR, one recovery rate and lag and one PD scale: the timing curve, the CPR by month on book and the roll rates describe the history but are not fed to the Monte Carlo model, which has its own timing (SPEC §4.1).</li>");
    out.push_str("</ul>");
    out
}

fn stamp_section(json: &CalibrationJson) -> String {
    let s = &json.source;
    let rows = vec![
        vec!["Tool".into(), esc(&format!("{} {}", s.tool, s.version))],
        vec![
            "History (SHA-256)".into(),
            format!(
                "<span class=\"mono\">{} ({})</span>",
                esc(&s.history),
                esc(&s.history_sha256)
            ),
        ],
        vec!["Bootstrap seed".into(), json.seed.to_string()],
        vec![
            "Bootstrap resamples".into(),
            cny(json.bootstrap_resamples as f64),
        ],
        vec![
            "Command".into(),
            format!("<code>{}</code>", esc(&reproduce_calibration_command(json))),
        ],
    ];
    let mut out = table(&["", ""], &rows).replace("<thead><tr><th></th><th></th></tr></thead>", "");
    out.push_str("<p class=\"note\">The same history, seed and resamples give the same bytes in every file of the folder.</p>");
    out
}

/// The whole `calibration.html` of a calibration folder's files and rendered charts.
pub fn calibration_html(json: &CalibrationJson, charts: &[RenderedChart]) -> String {
    let all = &json.all;
    let sections: Vec<(&str, &str, String)> = vec![
        ("history", "History", history_section(json)),
        ("base-case", "Base case", base_case_section(json)),
        ("dispersion", "Dispersion", dispersion_section(json)),
        ("pd-scale", "PD scale", pd_scale_section(json)),
        ("vintages", "Vintages", vintage_section(json)),
        ("charts", "Charts", chart_section(charts)),
        (
            "methodology",
            "Methodology and limits",
            methodology_section(json),
        ),
        ("reproducibility", "Reproducibility", stamp_section(json)),
    ]
    .into_iter()
    .filter(|(_, _, body)| !body.is_empty())
    .collect();
    let mut out =
        String::with_capacity(64 * 1024 + charts.iter().map(|c| c.svg.len()).sum::<usize>());
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<title>{} — static-pool calibration</title>",
        esc(&json.source.history)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        out,
        "<header><h1>Static-pool calibration: {}</h1>",
        esc(&json.source.history)
    );
    let _ = writeln!(
        out,
        "<p class=\"lead\">The base case and the factor model's parameters estimated from {} vintages of static-pool history to {} (SPEC §4.6), for a scenario to read with <code>[assumptions] calibration = \"calibration.toml\"</code>.</p>",
        all.vintages.len(),
        esc(&json.source.data_date)
    );
    out.push_str("<div class=\"facts\">");
    out.push_str(&fact(
        "Lifetime charge-off rate",
        &percent(all.lifetime_charge_off_rate, 3),
        &format!("chain ladder to month on book {}", all.longest_observed_age),
    ));
    out.push_str(&fact(
        "Asset correlation ρ",
        &rho_text(all.rho.estimate),
        &format!("90 %: {}", interval_text(all.rho.ci90)),
    ));
    out.push_str(&fact(
        "PD scale",
        &or_dash(all.pd_scale, |s| format!("{s:.4}")),
        &format!(
            "on the tape's PDs ({} {}-month reference)",
            all.pd_reference.product, all.pd_reference.term_months
        ),
    ));
    out.push_str(&fact(
        "CPR · recovery",
        &format!("{} · {}", pct(all.cpr, 1), pct(all.recovery_rate, 1)),
        &or_dash(all.recovery_lag_months, |m| {
            format!("recovered {m} months after charge-off")
        }),
    ));
    out.push_str("</div>");
    out.push_str("<nav><ol>");
    for (id, title, _) in &sections {
        let _ = write!(out, "<li><a href=\"#{id}\">{}</a></li>", esc(title));
    }
    out.push_str("</ol></nav></header>\n");
    for (id, title, body) in &sections {
        let _ = writeln!(
            out,
            "<section id=\"{id}\">\n<h2>{}</h2>\n{body}\n</section>",
            esc(title)
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}
