//! `report.html` (SPEC §8): one self-contained page for a risk committee, built from a
//! report folder's files. Charts are inlined as SVG; there are no scripts, no external
//! links, fonts or images, so the file opens and prints the same on any machine.
//!
//! Every section is optional: what the folder lacks (a frontier folder has no tranches, a
//! run without sizing has no `sizing.csv`) is left out with a sentence saying so.

use std::fmt::Write as _;

use serde_json::Value;

use super::charts::{RenderedChart, short_trigger};
use super::folder::{FrontierRecommendation, RatingTestRow, ReportFolder, Treasury};
use super::format::{
    cny, funding_position_text, html_escape as esc, or_dash, percent, points, small_percent, years,
};
use crate::ratings::RatingTable;

/// The style sheet of every page: screen and print.
pub const STYLE: &str = r#"
:root { --ink: #212121; --muted: #5f6368; --rule: #d6d6d6; --band: #f4f6f8; --good: #1b7f3b; --bad: #b3261e; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 24px 32px 48px; line-height: 1.45; font-size: 15px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 12px; }
nav ol { columns: 3; margin: 8px 0 0; padding-left: 20px; color: var(--muted); }
nav a { color: inherit; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13.5px; }
th, td { padding: 5px 9px; border-bottom: 1px solid var(--rule); text-align: right; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td { white-space: nowrap; }
th:first-child, td:first-child, td.text, th.text { text-align: left; white-space: normal; }
tr.highlight td { background: #fff7e0; font-weight: 600; }
.facts { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 12px 0; }
.fact { background: var(--band); border-radius: 6px; padding: 10px 12px; }
.fact .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.fact .value { font-size: 19px; font-weight: 600; }
.fact .sub { font-size: 12px; color: var(--muted); }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
figure { margin: 18px 0 28px; }
figure svg { width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); margin-top: 6px; }
.note { color: var(--muted); font-size: 13px; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
ul.findings li { margin-bottom: 4px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, table, .facts { break-inside: avoid; }
  figure svg { border: none; }
  .fact { border: 1px solid var(--rule); }
}
"#;

/// An inline `<svg>` for HTML: the document's `xmlns` (not needed inside HTML) and fixed
/// size are dropped so the chart scales with the page; `viewBox` keeps its proportions.
pub fn inline_svg(svg: &str, title: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    let Some(tag_end) = body.find('>') else {
        return String::new();
    };
    let mut tag = body[..tag_end].to_string();
    for attribute in [
        " xmlns=\"http://www.w3.org/2000/svg\"",
        " xmlns:xlink=\"http://www.w3.org/1999/xlink\"",
    ] {
        tag = tag.replace(attribute, "");
    }
    let tag = remove_attribute(&remove_attribute(&tag, "width"), "height");
    format!(
        "{tag} role=\"img\" aria-label=\"{}\">{}",
        esc(title),
        &body[tag_end + 1..]
    )
}

fn remove_attribute(tag: &str, name: &str) -> String {
    let pattern = format!(" {name}=\"");
    match tag.find(&pattern) {
        Some(start) => {
            let value_start = start + pattern.len();
            match tag[value_start..].find('"') {
                Some(len) => format!("{}{}", &tag[..start], &tag[value_start + len + 1..]),
                None => tag.to_string(),
            }
        }
        None => tag.to_string(),
    }
}

/// A `<table>` from a header and rows of already-escaped cells; the first column is text.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
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

/// A table whose every column is text (left-aligned, wrapping).
fn text_table(header: &[&str], rows: &[Vec<String>]) -> String {
    table(header, rows)
        .replace("<td>", "<td class=\"text\">")
        .replace("<th>", "<th class=\"text\">")
}

/// Where a rating sits on the scale (0 = best).
fn rating_rank(scale: &[String], rating: &str) -> Option<usize> {
    scale.iter().position(|r| r == rating)
}

/// The rating scale of the folder: the deal's table when recorded, else the built-in one.
pub fn rating_scale(folder: &ReportFolder) -> Vec<String> {
    folder
        .summary
        .terms
        .as_ref()
        .and_then(|t| t.pointer("/deal/rating_scale"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| RatingTable::default().ratings().to_vec())
}

/// Whether an implied rating reaches its target: `Some(true)` meets, `Some(false)` falls short.
pub fn meets_target(scale: &[String], implied: Option<&str>, target: Option<&str>) -> Option<bool> {
    let target_rank = rating_rank(scale, target?)?;
    match implied {
        None => Some(false),
        Some(implied) => Some(rating_rank(scale, implied)? <= target_rank),
    }
}

fn fact(label: &str, value: &str, sub: &str) -> String {
    format!(
        "<div class=\"fact\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"sub\">{}</div></div>",
        esc(label),
        esc(value),
        esc(sub)
    )
}

/// A key figure whose value is coloured: `good` or `bad`.
fn fact_classed(label: &str, value: &str, sub: &str, class: &str) -> String {
    format!(
        "<div class=\"fact\"><div class=\"label\">{}</div><div class=\"value {class}\">{}</div><div class=\"sub\">{}</div></div>",
        esc(label),
        esc(value),
        esc(sub)
    )
}

/// `good` for a funding surplus (capacity covers the need), `bad` for a shortfall.
fn funding_class(surplus: f64) -> &'static str {
    if surplus >= 0.0 { "good" } else { "bad" }
}

/// The treasury's funding position in one sentence, coloured by its sign; `None` without a
/// funding need.
fn treasury_finding(t: &Treasury) -> Option<String> {
    let (need, surplus) = (t.funding_need?, t.surplus?);
    let whose = match t.policy.as_deref() {
        Some(policy) => format!("Funding capacity of the {} policy", esc(policy)),
        None => "Funding capacity".to_string(),
    };
    let capacity = t
        .funding_capacity
        .map(|c| format!(" {} CNY", cny(c)))
        .unwrap_or_default();
    let verb = if surplus >= 0.0 {
        "covers"
    } else {
        "falls short of"
    };
    Some(format!(
        "<li class=\"{}\">{whose}{capacity} {verb} the treasury's funding need of {} CNY: {}.</li>",
        funding_class(surplus),
        cny(need),
        esc(&funding_position_text(surplus))
    ))
}

fn el_with_se(el: Option<f64>, se: Option<f64>) -> String {
    match (el, se) {
        (Some(el), Some(se)) => format!("{} ± {}", small_percent(el), small_percent(se)),
        (Some(el), None) => small_percent(el),
        _ => "-".into(),
    }
}

/// The whole `report.html` of a folder, with its rendered charts inlined.
pub fn report_html(folder: &ReportFolder, charts: &[RenderedChart]) -> String {
    let scenario = folder.scenario_name();
    let sections: Vec<(&str, &str, String)> = [
        ("summary", "Deal summary", summary_section(folder)),
        ("assumptions", "Assumptions", assumptions_section(folder)),
        ("tranches", "Tranches", tranche_section(folder)),
        (
            "sizing",
            "Sizing and funding capacity",
            sizing_section(folder),
        ),
        (
            "rating",
            "Rating test: target against break-even default rates",
            rating_section(folder, charts),
        ),
        (
            "stress",
            "Stress results and breakevens",
            stress_section(folder),
        ),
        (
            "frontier",
            "Approval-policy frontier",
            frontier_section(folder),
        ),
        (
            "charts",
            "Charts",
            chart_section(charts.iter().filter(|c| c.name != RATING_CHART)),
        ),
        ("pool", "Pool stratification", strats_section(folder)),
        (
            "methodology",
            "Methodology and limits",
            methodology_section(folder),
        ),
        ("reproducibility", "Reproducibility", stamp_section(folder)),
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
        "<title>{} — risk committee report</title>",
        esc(&scenario)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        out,
        "<header><h1>Consumer-receivable ABS: {}</h1>",
        esc(&scenario)
    );
    if let Some(description) = &folder.summary.description {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", esc(description));
    }
    if let Some(lead) = frontier_lead(folder) {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", esc(&lead));
    }
    let m = &folder.summary.manifest;
    let _ = writeln!(
        out,
        "<p class=\"note\">{} {} · seed {} · {} Monte Carlo paths{} · inputs digest <span class=\"mono\">{}</span></p>",
        esc(m.tool.as_deref().unwrap_or("baitiao-abs")),
        esc(m.version.as_deref().unwrap_or("")),
        or_dash(m.seed, |s| s.to_string()),
        or_dash(m.paths, |p| cny(p as f64)),
        if folder.is_frontier() {
            " per policy"
        } else {
            ""
        },
        esc(m
            .inputs_digest
            .as_deref()
            .map_or("-", |d| &d[..d.len().min(16)]))
    );
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

/// What a frontier's pool is, from its `summary.json`: whose applicants, how many.
fn frontier_lead(folder: &ReportFolder) -> Option<String> {
    if !folder.is_frontier() {
        return None;
    }
    let raw = &folder.summary.raw;
    let file = raw.pointer("/applicants/file").and_then(Value::as_str)?;
    let count = raw
        .pointer("/applicants/count")
        .and_then(Value::as_f64)
        .map_or_else(String::new, |n| format!("{} applicants of ", cny(n)));
    Some(format!(
        "Approval-policy frontier on {count}{file}: at each score cut-off and limit multiplier, the pool is what the approved applicants would draw, funded by this scenario's deal; the scenario's own pool lends only its term and fee mix."
    ))
}

fn summary_section(folder: &ReportFolder) -> String {
    let s = &folder.summary;
    let mut facts = Vec::new();
    let mut findings = Vec::new();
    if let Some(pool) = &s.pool {
        if let Some(balance) = pool.closing_balance {
            facts.push(fact(
                "Closing pool balance",
                &format!("{} CNY", cny(balance)),
                &pool
                    .receivables
                    .map(|r| format!("{} eligible receivables", cny(r)))
                    .unwrap_or_default(),
            ));
        }
        if let Some(pd) = pool.weighted_pd_12m {
            facts.push(fact(
                "Tape 12-month PD",
                &percent(pd, 2),
                "balance-weighted, as on the tape, before the PD multiplier",
            ));
        }
        if let Some(stressed) = pool.weighted_pd_12m_stressed {
            facts.push(fact(
                "Stressed 12-month PD",
                &percent(stressed, 2),
                &format!(
                    "used by the model: tape PDs × PD multiplier {} (capped at 99.9 %)",
                    or_dash(pool.pd_multiplier, |m| m.to_string())
                ),
            ));
        }
    }
    if let Some(terms) = &s.terms {
        let horizon = terms
            .pointer("/deal/horizon_months")
            .and_then(Value::as_u64);
        let revolving = terms
            .pointer("/deal/revolving_months")
            .and_then(Value::as_u64);
        if let (Some(h), Some(r)) = (horizon, revolving) {
            facts.push(fact(
                "Term",
                &format!("{h} months"),
                &format!("{r} revolving, {} amortizing", h.saturating_sub(r)),
            ));
        }
    }
    if let Some(mc) = &s.monte_carlo {
        let l = &mc.pool_net_loss;
        if let Some(el) = l.mean {
            facts.push(fact(
                "Pool expected net loss",
                &percent(el, 2),
                &format!(
                    "± {} standard error{}",
                    or_dash(l.standard_error, |v| percent(v, 2)),
                    folder
                        .closing_balance()
                        .map(|b| format!("; {} CNY", cny(el * b)))
                        .unwrap_or_default()
                ),
            ));
        }
        if let (Some(var), Some(es)) = (l.var[1], l.es[1]) {
            facts.push(fact(
                "Pool VaR 99 % / ES 99 %",
                &format!("{} / {}", percent(var, 2), percent(es, 2)),
                "net loss in the worst 1 % of economies",
            ));
        }
        if let Some(call) = mc.call_probability {
            facts.push(fact(
                "Clean-up call probability",
                &small_percent(call),
                "pool sold at par before the legal final",
            ));
        }
    }
    if let Some(capacity) = folder.funding_capacity() {
        let whose = s.treasury.as_ref().and_then(|t| t.policy.as_deref());
        facts.push(fact(
            "Funding capacity",
            &format!("{} CNY", cny(capacity)),
            &match (whose, s.sizing.as_ref().and_then(|z| z.advance_rate)) {
                (Some(policy), _) => format!("rated notes of the {policy} policy, sized"),
                (None, Some(a)) => format!("advance rate {}", percent(a, 1)),
                (None, None) => "rated notes sized to their targets".into(),
            },
        ));
    }
    if !folder.frontier.is_empty() {
        facts.push(fact(
            "Policies evaluated",
            &folder.frontier.len().to_string(),
            "score cut-off × limit multiplier",
        ));
        let recommendation = s.recommendation.as_ref();
        match folder.frontier.iter().find(|r| r.recommended) {
            Some(r) => facts.push(fact(
                "Recommended policy",
                &format!("cut-off {:.0}, limit × {}", r.cutoff, r.limit_multiplier),
                &format!(
                    "approval rate {}; funding capacity {} CNY",
                    or_dash(r.approval_rate, |v| percent(v, 1)),
                    or_dash(r.funding_capacity, cny)
                ),
            )),
            None => facts.push(fact(
                "Recommended policy",
                "none",
                &match recommendation {
                    Some(r) if r.status == "nothing_approved" => {
                        "no policy on the grid approves any applicant".to_string()
                    }
                    Some(r) => format!(
                        "no policy on the grid meets every target{}",
                        r.binding_target
                            .as_deref()
                            .map(|b| format!("; binding target {b}"))
                            .unwrap_or_default()
                    ),
                    None => "no policy on the grid meets every target".into(),
                },
            )),
        }
        if let Some(r) = recommendation
            && r.status == "infeasible"
        {
            findings.push(format!(
                "<li class=\"bad\">{}</li>",
                esc(&infeasible_sentence(r))
            ));
        }
    }

    let scale = rating_scale(folder);
    for t in &folder.tranches {
        match meets_target(&scale, t.implied_rating.as_deref(), t.target_rating.as_deref()) {
            Some(true) => findings.push(format!(
                "<li>Tranche {} is consistent with its target <b>{}</b> (implied {}; EL {}).</li>",
                esc(&t.tranche),
                esc(t.target_rating.as_deref().unwrap_or("")),
                esc(t.implied_rating.as_deref().unwrap_or("")),
                small_percent(t.el.unwrap_or(0.0))
            )),
            Some(false) => findings.push(format!(
                "<li class=\"bad\">Tranche {} falls short of its target {}: implied {} (EL {} against the target's {}).</li>",
                esc(&t.tranche),
                esc(t.target_rating.as_deref().unwrap_or("")),
                esc(t.implied_rating.as_deref().unwrap_or("below the scale")),
                small_percent(t.el.unwrap_or(0.0)),
                or_dash(t.target_el, small_percent)
            )),
            None => {}
        }
    }
    if let Some(d) = &s.deterministic {
        let breached: Vec<String> = d
            .triggers
            .iter()
            .filter_map(|(t, m)| m.map(|m| format!("{} in month {m}", short_trigger(t))))
            .collect();
        if !breached.is_empty() {
            findings.push(format!(
                "<li>In the deterministic case the trigger {} breaches.</li>",
                esc(&breached.join(", "))
            ));
        }
    }
    if let Some(t) = &s.treasury
        && let Some(finding) = treasury_finding(t)
    {
        findings.push(finding);
    }
    for w in &s.warnings {
        findings.push(format!("<li class=\"note\">Warning: {}</li>", esc(w)));
    }
    if facts.is_empty() && findings.is_empty() {
        return String::new();
    }
    let mut out = format!("<div class=\"facts\">{}</div>", facts.join(""));
    if !findings.is_empty() {
        let _ = write!(out, "<ul class=\"findings\">{}</ul>", findings.join(""));
    }
    out
}

fn json_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        Some(other) => other.to_string(),
    }
}

fn share_text(value: Option<&Value>, digits: usize) -> String {
    value
        .and_then(Value::as_f64)
        .map_or_else(|| json_text(value), |v| percent(v, digits))
}

fn rate_curve_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "none (the assumptions' PDs and CPR)".into(),
        Some(Value::Array(a)) => {
            let rates: Vec<String> = a
                .iter()
                .filter_map(Value::as_f64)
                .map(|v| percent(v, 2))
                .collect();
            format!("by month: {}", rates.join(", "))
        }
        Some(v) => share_text(Some(v), 2),
    }
}

fn assumptions_section(folder: &ReportFolder) -> String {
    let Some(t) = &folder.summary.terms else {
        if folder.tranches.is_empty() {
            return String::new();
        }
        return "<p class=\"note\">This folder's summary.json does not record the scenario's terms; see the scenario file named under Reproducibility.</p>".into();
    };
    let at = |p: &str| t.pointer(p);
    let cpr = match at("/assumptions/cpr") {
        Some(Value::Object(map)) => {
            let by_term: Vec<String> = map
                .iter()
                .map(|(term, v)| format!("{term} m: {}", share_text(Some(v), 1)))
                .collect();
            format!("by original term: {}", by_term.join(", "))
        }
        other => share_text(other, 2),
    };
    let correlation = match at("/assumptions/segments") {
        Some(Value::Object(seg)) => {
            let names = seg.get("names").and_then(Value::as_array);
            let rho = seg.get("correlation").and_then(Value::as_array);
            match (names, rho) {
                (Some(n), Some(r)) => n
                    .iter()
                    .zip(r)
                    .map(|(n, r)| format!("{} ρ = {}", json_text(Some(n)), json_text(Some(r))))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => json_text(at("/assumptions/correlation")),
            }
        }
        _ => json_text(at("/assumptions/correlation")),
    };
    let pool_source = match at("/pool/source") {
        Some(Value::Object(src)) if src.contains_key("tape") => {
            format!("tape {}", json_text(src.get("tape")))
        }
        Some(Value::Object(src)) => match src.get("synthetic") {
            Some(s) => format!(
                "synthetic, {} receivables (seed {})",
                s.get("receivables")
                    .and_then(Value::as_f64)
                    .map_or_else(|| "-".into(), cny),
                json_text(s.get("seed"))
            ),
            None => "-".into(),
        },
        other => json_text(other),
    };
    let rows: Vec<(&str, String, &str)> = vec![
        ("Pool", pool_source, ""),
        (
            "Target closing balance",
            at("/pool/target_balance")
                .and_then(Value::as_f64)
                .map_or("as on the tape".into(), |b| format!("{} CNY", cny(b))),
            "every eligible receivable scaled to reach it",
        ),
        (
            "PD multiplier",
            json_text(at("/assumptions/pd_multiplier")),
            "scales every 12-month PD (capped at 99.9 %)",
        ),
        (
            "Asset correlation",
            correlation,
            "how strongly defaults move together with the economy",
        ),
        ("Prepayment (CPR, annual)", cpr, ""),
        (
            "Recovery rate",
            share_text(at("/assumptions/recovery_rate"), 1),
            "of the defaulted balance",
        ),
        (
            "Recovery lag",
            format!(
                "{} months",
                json_text(at("/assumptions/recovery_lag_months"))
            ),
            "recoveries after the legal final are lost",
        ),
        (
            "Yield haircut",
            share_text(at("/assumptions/yield_haircut"), 1),
            "share of fees and interest lost",
        ),
        (
            "Legal final / revolving",
            format!(
                "{} / {} months",
                json_text(at("/deal/horizon_months")),
                json_text(at("/deal/revolving_months"))
            ),
            "",
        ),
        (
            "Senior fees",
            format!("{} bp a year", json_text(at("/deal/senior_fee_bps"))),
            "trustee and servicer, on the pool",
        ),
        (
            "Reserve target",
            share_text(at("/deal/reserve_pct"), 2),
            "of the rated notes",
        ),
        (
            "Clean-up call",
            share_text(at("/deal/clean_up_call"), 0),
            "of the closing balance",
        ),
        (
            "Principal",
            json_text(at("/deal/principal")).replace('_', " "),
            "",
        ),
        (
            "Triggers",
            at("/deal/triggers")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|t| json_text(Some(t)).replace("->", "→"))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "none".into()),
            "a breach holds for the rest of the deal",
        ),
        (
            "Deterministic CDR",
            rate_curve_text(at("/deterministic/cdr")),
            "",
        ),
        (
            "Deterministic CPR",
            rate_curve_text(at("/deterministic/cpr")),
            "",
        ),
        (
            "Monte Carlo",
            format!(
                "{} paths, seed {}, importance sampling {}",
                at("/simulation/paths")
                    .and_then(Value::as_f64)
                    .map_or("-".into(), cny),
                json_text(at("/simulation/seed")),
                json_text(at("/simulation/importance_sampling"))
            ),
            "",
        ),
    ];
    // where each calibrated key's value came from (SPEC §4.6)
    let keys = |list: &str| -> Vec<String> {
        at(&format!("/assumptions/calibration/{list}"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (calibrated, overridden) = (keys("calibrated"), keys("overridden"));
    let calibration_file = json_text(at("/assumptions/calibration/file"));
    let provenance = |name: &str| -> Option<String> {
        let key = match name {
            "PD multiplier" => "pd_multiplier",
            "Asset correlation" => "correlation",
            "Prepayment (CPR, annual)" => "cpr",
            "Recovery rate" => "recovery_rate",
            "Recovery lag" => "recovery_lag_months",
            _ => return None,
        };
        if calibrated.iter().any(|k| k == key) {
            Some(format!("calibrated: from {calibration_file}"))
        } else if overridden.iter().any(|k| k == key) {
            Some(format!("set by the scenario over {calibration_file}"))
        } else {
            None
        }
    };
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(name, value, note)| {
            let note = match provenance(name) {
                Some(from) if note.is_empty() => from,
                Some(from) => format!("{note}; {from}"),
                None => note.to_string(),
            };
            vec![
                esc(name),
                format!("<span class=\"text\">{}</span>", esc(&value)),
                format!("<span class=\"note\">{}</span>", esc(&note)),
            ]
        })
        .collect();
    let mut out = text_table(&["Assumption", "Value", "Note"], &rows);
    if let Some(c) = at("/assumptions/calibration").filter(|c| c.is_object()) {
        let interval = c
            .get("rho_ci90")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| json_text(Some(v)))
                    .collect::<Vec<_>>()
                    .join(" – ")
            })
            .unwrap_or_default();
        let _ = write!(
            out,
            "<p class=\"note\">Calibrated from the static-pool history {} (data date {}) by <code>calibrate</code>: lifetime charge-off rate {}, asset correlation's bootstrap 90 % interval {}. A key the scenario sets itself overrides the calibrated value.</p>",
            esc(&json_text(c.get("history"))),
            esc(&json_text(c.get("data_date"))),
            share_text(c.get("lifetime_charge_off_rate"), 3),
            esc(&interval)
        );
    }
    out
}

fn tranche_section(folder: &ReportFolder) -> String {
    if folder.tranches.is_empty() {
        return String::new();
    }
    let scale = rating_scale(folder);
    let residual = folder.tranches.len() - 1;
    let rows: Vec<Vec<String>> = folder
        .tranches
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let verdict = match meets_target(
                &scale,
                t.implied_rating.as_deref(),
                t.target_rating.as_deref(),
            ) {
                Some(true) => "<span class=\"good\">meets</span>".to_string(),
                Some(false) => "<span class=\"bad\">below</span>".to_string(),
                None => "-".to_string(),
            };
            vec![
                esc(&t.tranche),
                format!(
                    "{}<br><span class=\"note\">{}</span>",
                    cny(t.amount),
                    percent(t.share, 1)
                ),
                or_dash(t.coupon, |c| percent(c, 2)),
                el_with_se(t.el, t.el_se),
                or_dash(t.pd, small_percent),
                or_dash(t.var99, small_percent),
                or_dash(t.es99, small_percent),
                years(t.wal),
                or_dash(t.annual_yield, |y| percent(y, 2)),
                if i == residual {
                    // the residual holder has no coupon and is not rated (SPEC §5)
                    "— <span class=\"note\">not rated</span>".to_string()
                } else {
                    esc(t.implied_rating.as_deref().unwrap_or("below scale"))
                },
                esc(t.target_rating.as_deref().unwrap_or("-")),
                verdict,
            ]
        })
        .collect();
    let mut out = table(
        &[
            "Tranche",
            "Size (CNY, share)",
            "Coupon",
            "EL ± SE",
            "PD",
            "VaR 99 %",
            "ES 99 %",
            "WAL (years)",
            "Yield",
            "Implied",
            "Target",
            "",
        ],
        &rows,
    );
    out.push_str("<p class=\"note\">EL: expected principal loss as a share of the tranche's original balance, ± its Monte Carlo standard error. PD: probability of any principal loss. VaR and ES at 99 %: the loss exceeded in 1 % of simulated economies, and the average loss in that worst 1 %. Yield: annual rate of the expected cash flows at par (the residual tranche's includes its residual cash). Implied rating: the best rating whose idealized expected loss at the tranche's WAL covers its EL; the residual tranche, the last, has no coupon and is not rated.</p>");
    out.push_str(&path_weights_note(folder));
    out
}

/// The warning a reader of `path_results.csv` needs when the paths are importance-sampled:
/// use the weight column. With the file at hand it shows what an unweighted average of the
/// senior tranche's loss would give against its EL.
fn path_weights_note(folder: &ReportFolder) -> String {
    if folder.summary.importance_sampling != Some(true) {
        return String::new();
    }
    let mut note = String::from(
        "<p class=\"bad\">Paths are importance-sampled; use the weight column. The rows of path_results.csv over-sample bad economies and each carries its weight (they sum to 1): a statistic of the file is Σ weight × value, in pandas <code>(df.loss_A * df.weight).sum()</code>, never an unweighted <code>df.loss_A.mean()</code>.",
    );
    if let Some(paths) = &folder.path_results
        && let Some((name, losses)) = paths.tranche_losses.first()
        && !losses.is_empty()
    {
        let unweighted = losses.iter().sum::<f64>() / losses.len() as f64;
        let total: f64 = paths.weights.iter().sum();
        let weighted = losses
            .iter()
            .zip(&paths.weights)
            .map(|(l, w)| l * w)
            .sum::<f64>()
            / total;
        let _ = write!(
            note,
            " Here loss_{} averages {} unweighted against its weighted mean, the EL, of {}.",
            esc(name),
            small_percent(unweighted),
            small_percent(weighted)
        );
    }
    note.push_str("</p>");
    note
}

fn sizing_section(folder: &ReportFolder) -> String {
    let s = &folder.summary;
    if folder.sizing.is_empty() && s.sizing.is_none() && s.treasury.is_none() {
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
            &match s.treasury.as_ref().and_then(|t| t.policy.as_deref()) {
                Some(policy) => format!("rated notes of the {policy} policy at their sized shares"),
                None => "rated notes at their sized shares".to_string(),
            },
        ));
    }
    let treasury_advance = s.treasury.as_ref().and_then(|t| t.advance_rate);
    if let Some(a) = treasury_advance.or_else(|| s.sizing.as_ref().and_then(|z| z.advance_rate)) {
        facts.push(fact(
            "Advance rate",
            &percent(a, 2),
            &match s.treasury.as_ref().and_then(|t| t.method.as_deref()) {
                Some(method) => format!(
                    "rated notes ÷ closing pool, sized by {}",
                    method_words(method)
                ),
                None => "rated notes ÷ closing pool".to_string(),
            },
        ));
    }
    if let Some(t) = &s.treasury {
        for (method, capacity, advance) in &t.by_method {
            if Some(method.as_str()) == t.method.as_deref() {
                continue;
            }
            if let Some(capacity) = capacity {
                facts.push(fact(
                    &format!("Capacity by {}", method_words(method)),
                    &format!("{} CNY", cny(*capacity)),
                    &format!(
                        "advance rate {}; shown beside, not used",
                        or_dash(*advance, |a| percent(a, 2))
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
        if let Some(surplus) = t.surplus {
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
                vec![
                    esc(&r.tranche),
                    esc(r.target_rating.as_deref().unwrap_or("-")),
                    percent(r.share, 2),
                    or_dash(r.amount, cny),
                    or_dash(r.credit_enhancement, |c| percent(c, 2)),
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
                ]
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
                vec![
                    esc(&r.tranche),
                    esc(r.target_rating.as_deref().unwrap_or("-")),
                    percent(r.share, 2),
                    or_dash(r.amount, cny),
                    or_dash(r.credit_enhancement, |c| percent(c, 2)),
                    el_with_se(r.el, r.el_se),
                    or_dash(r.target_el, small_percent),
                    years(r.wal),
                    feasible_cell(r.feasible),
                ]
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

/// Whether a sized tranche's target could be met, as a table cell.
fn feasible_cell(feasible: Option<bool>) -> String {
    match feasible {
        Some(true) => "<span class=\"good\">yes</span>".into(),
        Some(false) => "<span class=\"bad\">no</span>".into(),
        None => "-".into(),
    }
}

/// A sizing method in words.
fn method_words(method: &str) -> &'static str {
    match method {
        "tdr_bdr" => "TDR/BDR",
        "expected_loss" => "expected loss",
        _ => "another method",
    }
}

/// The rating test as a rating report reads it: for each rated tranche, in words, the best
/// rating it passes, and at its target (or that rating) the TDR, the BDR, the binding
/// scenario and the margin; then every rating's test.
fn rating_section(folder: &ReportFolder, charts: &[RenderedChart]) -> String {
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

fn stress_section(folder: &ReportFolder) -> String {
    let Some(d) = &folder.summary.deterministic else {
        return String::new();
    };
    let mut out = String::new();
    let basis = match (d.cdr_override, d.cpr_override) {
        (false, false) => {
            "each receivable's PD and the scenario's CPR, at their expected rates".to_string()
        }
        (true, false) => "the scenario's fixed CDR stress and its CPR".to_string(),
        (false, true) => "each receivable's PD and the scenario's fixed CPR stress".to_string(),
        (true, true) => "the scenario's fixed CDR and CPR stresses".to_string(),
    };
    let _ = write!(
        out,
        "<p>The deterministic case runs the pool once on {basis}: cumulative defaults {} CNY, recoveries {} CNY, purchases {} CNY; cumulative net loss {} of the closing balance plus purchases{}.</p>",
        or_dash(d.cumulative_defaults, cny),
        or_dash(d.cumulative_recoveries, cny),
        or_dash(d.cumulative_purchases, cny),
        or_dash(d.cumulative_net_loss_share, |v| percent(v, 2)),
        d.call_month
            .map(|m| format!("; clean-up call in month {m}"))
            .unwrap_or_default()
    );
    let breakeven = |name: &str| {
        folder
            .breakevens
            .iter()
            .find(|b| b.tranche == name)
            .map(|b| b.breakeven_pd_multiple)
    };
    let rows: Vec<Vec<String>> = d
        .tranches
        .iter()
        .map(|t| {
            vec![
                esc(&t.tranche),
                or_dash(t.principal_loss, cny),
                or_dash(t.loss_share, |v| percent(v, 2)),
                or_dash(t.interest_shortfall, cny),
                years(t.wal_years),
                or_dash(t.annual_yield, |v| percent(v, 2)),
                match breakeven(&t.tranche) {
                    Some(Some(m)) => format!("{m:.2} ×"),
                    Some(None) => "no loss up to 1,000 ×".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "Tranche",
            "Principal loss (CNY)",
            "Loss share",
            "Interest shortfall (CNY)",
            "WAL (years)",
            "Yield",
            "Breakeven PD multiple",
        ],
        &rows,
    ));
    out.push_str("<p class=\"note\">Breakeven PD multiple: the smallest factor on every receivable's PD at which the tranche first loses principal in the deterministic run; the larger it is, the more deterioration the tranche withstands.</p>");
    let triggers: Vec<Vec<String>> = d
        .triggers
        .iter()
        .map(|(t, m)| {
            let mc = folder.summary.monte_carlo.as_ref();
            let find = |list: &[(String, f64)]| list.iter().find(|(n, _)| n == t).map(|(_, p)| *p);
            let by_legal_final = mc.and_then(|mc| find(&mc.triggers));
            let within_revolving = mc.and_then(|mc| find(&mc.triggers_within_revolving_period));
            vec![
                esc(&t.replace("->", "→")),
                m.map_or("never".into(), |m| format!("month {m}")),
                or_dash(within_revolving, small_percent),
                or_dash(by_legal_final, small_percent),
            ]
        })
        .collect();
    if !triggers.is_empty() {
        out.push_str(&table(
            &[
                "Trigger",
                "Deterministic breach",
                "Monte Carlo breach probability within the revolving period",
                "Monte Carlo breach probability by the legal final",
            ],
            &triggers,
        ));
        out.push_str("<p class=\"note\">Every trigger is tested each month until the pool is sold (clean-up call or legal final), after the revolving period too; any breach ends pro-rata principal. Within the revolving period: a first breach in one of the scheduled revolving months, including a breach that itself ends the revolving period early.</p>");
    }
    out
}

/// The infeasible recommendation in one sentence: the closest policy and the target that
/// binds, with its shortfall.
fn infeasible_sentence(r: &FrontierRecommendation) -> String {
    let closest = match (r.cutoff, r.limit_multiplier) {
        (Some(c), Some(m)) => format!(" The closest is cut-off {c:.0}, limit × {m}"),
        _ => " The closest policy".to_string(),
    };
    let binding = match (&r.binding_target, &r.binding_text) {
        // the text starts with the target's key
        (_, Some(text)) => format!("; the binding target: {text}"),
        (Some(target), None) => format!("; the binding target is {target}"),
        _ => String::new(),
    };
    format!(
        "No policy on the grid meets every target, so no approval policy was written.{closest}{binding}."
    )
}

/// The frontier's recommendation in words, from `summary.json`: the recommended policy, or
/// the closest one with the binding target and every shortfall.
fn recommendation_text(folder: &ReportFolder) -> String {
    let Some(r) = &folder.summary.recommendation else {
        return String::new();
    };
    let raw = &folder.summary.raw;
    let target = |key: &str| {
        raw.pointer(&format!("/targets/{key}"))
            .and_then(Value::as_f64)
    };
    let mut targets = Vec::new();
    if let Some(v) = target("max_pool_el") {
        targets.push(format!("pool EL at most {}", percent(v, 3)));
    }
    if let Some(v) = target("min_advance_rate") {
        targets.push(format!("advance rate at least {}", percent(v, 2)));
    }
    if let Some(v) = target("funding_need") {
        targets.push(format!("funding capacity at least {} CNY", cny(v)));
    }
    let targets = if targets.is_empty() {
        "The scenario sets no [targets]: every policy with a pool qualifies.".to_string()
    } else {
        format!("Targets: {}.", targets.join("; "))
    };
    let mut out = format!("<p>{}</p>", esc(&targets));
    match r.status.as_str() {
        "recommended" => {
            let _ = write!(
                out,
                "<p class=\"good\">Recommended: cut-off {}, limit × {}, the largest pool balance on the grid that meets every target{}.</p>",
                or_dash(r.cutoff, |c| format!("{c:.0}")),
                or_dash(r.limit_multiplier, |m| m.to_string()),
                r.policy_file
                    .as_deref()
                    .map(|f| format!("; written to {}, which decide --policy applies", esc(f)))
                    .unwrap_or_default()
            );
        }
        "infeasible" => {
            let _ = write!(out, "<p class=\"bad\">{}</p>", esc(&infeasible_sentence(r)));
            if !r.shortfalls.is_empty() {
                out.push_str(
                    "<p>Every target the closest policy misses:</p><ul class=\"findings\">",
                );
                for shortfall in &r.shortfalls {
                    let _ = write!(out, "<li>{}</li>", esc(shortfall));
                }
                out.push_str("</ul>");
            }
            if let Some(relaxation) = r.relaxation_needed {
                let _ = write!(
                    out,
                    "<p class=\"note\">Relaxing every target by {} of its level would let the closest policy qualify.</p>",
                    percent(relaxation, 1)
                );
            }
        }
        _ => {
            let _ = write!(
                out,
                "<p class=\"bad\">{}</p>",
                esc(r
                    .message
                    .as_deref()
                    .unwrap_or("No policy on the grid approves any applicant."))
            );
        }
    }
    out
}

fn frontier_section(folder: &ReportFolder) -> String {
    if folder.frontier.is_empty() {
        return String::new();
    }
    let with_need = folder.frontier.iter().any(|r| r.funding_surplus.is_some());
    // folders from before the TDR/BDR method have the expected-loss sizing alone
    let method = folder.frontier.iter().find_map(|r| r.sizing_method.clone());
    let by_method = method.is_some();
    let rows: Vec<Vec<String>> = folder
        .frontier
        .iter()
        .map(|r| {
            let mut row = vec![
                format!("{:.0}", r.cutoff),
                format!("{}", r.limit_multiplier),
                or_dash(r.approval_rate, |v| percent(v, 1)),
                or_dash(r.approved_limits, cny),
                or_dash(r.pool_balance, cny),
                or_dash(r.weighted_pd, |v| percent(v, 2)),
                or_dash(r.pool_el, |v| percent(v, 2)),
                or_dash(r.senior_credit_enhancement, |v| percent(v, 1)),
                or_dash(r.funding_capacity, cny),
                or_dash(r.advance_rate, |v| percent(v, 1)),
            ];
            if by_method {
                row.push(or_dash(r.advance_rate_tdr_bdr, |v| percent(v, 1)));
                row.push(or_dash(r.advance_rate_expected_loss, |v| percent(v, 1)));
            }
            if with_need {
                row.push(or_dash(r.funding_surplus, |s| {
                    format!(
                        "<span class=\"{}\">{}</span>",
                        funding_class(s),
                        esc(&funding_position_text(s))
                    )
                }));
            }
            row.push(match (r.recommended, r.meets_targets) {
                (true, _) => "<b>recommended</b>".into(),
                (false, Some(true)) => "meets".into(),
                (false, Some(false)) => "misses".into(),
                _ => "-".into(),
            });
            row
        })
        .collect();
    let mut header = vec![
        "Cut-off",
        "Limit ×",
        "Approval rate",
        "Approved limits (CNY)",
        "Pool balance (CNY)",
        "Weighted PD",
        "Pool EL",
        "Senior CE",
        "Funding capacity (CNY)",
        "Advance rate",
    ];
    if by_method {
        header.push("Advance rate, TDR/BDR");
        header.push("Advance rate, expected loss");
    }
    if with_need {
        header.push("Against the funding need");
    }
    header.push("Targets");
    let mut html = table(&header, &rows);
    // mark the recommended policy's row
    if let Some(index) = folder.frontier.iter().position(|r| r.recommended) {
        let mut count = 0;
        let mut marked = String::with_capacity(html.len() + 32);
        let mut rest = html.as_str();
        while let Some(at) = rest.find("<tr>") {
            marked.push_str(&rest[..at]);
            // the header row is the first <tr>
            if count == index + 1 {
                marked.push_str("<tr class=\"highlight\">");
            } else {
                marked.push_str("<tr>");
            }
            rest = &rest[at + 4..];
            count += 1;
        }
        marked.push_str(rest);
        html = marked;
    }
    let note = match method.as_deref() {
        Some(m) => format!(
            "<p class=\"note\">Senior CE, funding capacity, advance rate and the targets are sized by <code>{}</code> ({}, the scenario's <code>sizing_method</code>); the last columns give the advance rate by both methods.</p>",
            esc(m),
            if m == "tdr_bdr" {
                "target against break-even default rates under the stress scenarios, SPEC §7.3"
            } else {
                "expected loss against the idealized EL, SPEC §7.1"
            }
        ),
        None => String::new(),
    };
    format!("{}{note}{html}", recommendation_text(folder))
}

/// The rating test's chart, shown in the rating section.
const RATING_CHART: &str = "rating_test";

fn chart_section<'a>(charts: impl Iterator<Item = &'a RenderedChart>) -> String {
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

fn strats_section(folder: &ReportFolder) -> String {
    if folder.strats.is_empty() {
        return String::new();
    }
    // folders of earlier versions have only the one `wa_rate`, which mixed units
    let split = folder
        .strats
        .iter()
        .any(|r| r.annualised_yield_on_balance.is_some());
    let rows: Vec<Vec<String>> = folder
        .strats
        .iter()
        .map(|r| {
            let mut row = vec![
                format!("{} {}", esc(&r.dimension.replace('_', " ")), esc(&r.bucket)),
                or_dash(r.count, cny),
                or_dash(r.balance, cny),
                or_dash(r.balance_share, |v| percent(v, 1)),
                or_dash(r.wa_pd_12m, |v| percent(v, 2)),
            ];
            if split {
                row.extend([
                    or_dash(r.wa_monthly_fee_rate_installment, |v| percent(v, 3)),
                    or_dash(r.wa_monthly_fee_rate_bullet, |v| percent(v, 3)),
                    or_dash(r.wa_annual_interest_rate_annuity, |v| percent(v, 2)),
                    or_dash(r.annualised_yield_on_balance, |v| percent(v, 2)),
                ]);
            }
            row.push(or_dash(r.wa_remaining_months, |v| format!("{v:.1}")));
            row
        })
        .collect();
    let mut header = vec![
        "Bucket",
        "Receivables",
        "Balance (CNY)",
        "Share",
        "WA 12-month PD (tape)",
    ];
    if split {
        header.extend([
            "Instalment fee, monthly, on original principal",
            "Bullet fee, monthly, on balance",
            "Annuity interest, annual",
            "Fees and interest, annualised, on balance",
        ]);
    }
    header.push("WA months left");
    let mut out = table(&header, &rows);
    out.push_str("<p class=\"note\">Rates are balance-weighted within each bucket, by product, since an instalment's or a bullet's monthly fee and an annuity's annual interest do not average: “-” where the bucket holds none of the product. The annualised yield puts every product on one footing: a month's contractual fees and interest × 12 ÷ the bucket's balance.</p>");
    out
}

fn methodology_section(folder: &ReportFolder) -> String {
    if folder.tranches.is_empty() && folder.frontier.is_empty() {
        return String::new();
    }
    let importance = folder.summary.importance_sampling;
    let mut out = String::new();
    out.push_str("<h3>The model in plain words</h3><ul>");
    out.push_str("<li><b>Defaults.</b> Each receivable has a 12-month probability of default from the tape or its credit score. Consumers do not default independently: a bad economy raises everyone's risk at once. Each simulated path draws one hidden “economy” number, held for the life of the deal, and each receivable adds its own luck; the asset correlation says how much the economy matters (a one-factor Gaussian copula on default times).</li>");
    out.push_str("<li><b>Cash.</b> Survivors pay their fees, interest and scheduled principal; some prepay at the scenario's CPR; defaulted balances recover the recovery rate after the lag. Receivables bought while the deal revolves are simulated the same way under the same economy.</li>");
    out.push_str("<li><b>Deal.</b> Every path runs through the deal's actual waterfall — senior fees, note interest in order of seniority, reserve, purchases or principal, residual — with the triggers, clean-up call and legal-final buy-back, so tranche losses reflect the structure, not a formula.</li>");
    if importance == Some(true) {
        out.push_str("<li><b>Rare losses.</b> Senior notes lose only in extreme economies that plain simulation rarely visits, so the paths over-sample bad economies and every statistic weights each path by how likely it really is (importance sampling). Each expected loss carries its standard error. Anyone reading the paths themselves (path_results.csv) must use the weight column too.</li>");
    } else if importance == Some(false) {
        out.push_str("<li><b>Sampling.</b> Every path has the same weight; each expected loss carries its standard error, which is large for tranches that lose only in rare economies.</li>");
    } else {
        out.push_str("<li><b>Sampling.</b> Each expected loss carries its standard error, which is large for tranches that lose only in rare economies.</li>");
    }
    out.push_str("<li><b>Ratings.</b> A tranche's implied rating is the best rating whose idealized expected loss at the tranche's weighted average life covers the tranche's expected loss.</li>");
    if !folder.frontier.is_empty() {
        out.push_str("<li><b>Frontier.</b> For each score cut-off and limit multiplier the applicants are decided, the receivables they would draw are originated and simulated, and the tranches sized; the recommended policy is the one with the largest pool balance among those that meet the scenario's targets.</li>");
    }
    out.push_str("</ul><h3>Limits</h3><ul>");
    out.push_str("<li>Gaussian dependence has thinner joint tails than observed in crises; tail measures (VaR, ES, senior EL) may be understated.</li>");
    out.push_str("<li>PDs, prepayment rates and recovery rates are constant over a receivable's life: no seasoning curve, no prepayment that slows in a downturn, no recovery rate that falls with defaults.</li>");
    out.push_str("<li>The economy is drawn once per path, not as a time series; a recession that starts late in the deal is not modelled separately.</li>");
    out.push_str("<li>Results are only as good as the PDs: a credit model that under-predicts defaults understates every loss here.");
    if !folder.breakevens.is_empty() {
        out.push_str(" The stress results and breakeven multiples show how far the PDs can be wrong before each tranche loses.");
    }
    out.push_str("</li>");
    out.push_str("<li>Monte Carlo results carry sampling error (the ± figures); rerun with more paths to narrow it.</li>");
    out.push_str("</ul>");
    out
}

/// A command-line word as a POSIX shell reads it: bare when safe, else single-quoted.
pub(crate) fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The command that writes this folder again, byte for byte: `run` or `frontier` with the
/// scenario, (for a frontier) the applicants and any `--model`/`--policy` given, the paths,
/// the seed and, when known, the folder itself as `--out`. `None` when the summary lacks
/// what it needs.
pub fn reproduce_command(folder: &ReportFolder) -> Option<String> {
    let s = &folder.summary;
    let command = s.command.as_ref();
    let scenario = command
        .and_then(|c| c.scenario.clone())
        .or_else(|| s.scenario_file.clone())?;
    let paths = command.and_then(|c| c.paths).or(s.manifest.paths)?;
    let seed = command.and_then(|c| c.seed).or(s.manifest.seed)?;
    let mut words: Vec<String> = vec!["baitiao-abs".into()];
    if folder.is_frontier() {
        let applicants = command.and_then(|c| c.applicants.clone()).or_else(|| {
            s.raw
                .pointer("/applicants/file")
                .and_then(Value::as_str)
                .map(str::to_string)
        })?;
        words.extend([
            "frontier".into(),
            scenario,
            "--applicants".into(),
            applicants,
        ]);
        if let Some(model) = command.and_then(|c| c.model.clone()) {
            words.extend(["--model".into(), model]);
        }
        if let Some(policy) = command.and_then(|c| c.policy.clone()) {
            words.extend(["--policy".into(), policy]);
        }
    } else {
        words.extend(["run".into(), scenario]);
    }
    words.extend([
        "--paths".into(),
        paths.to_string(),
        "--seed".into(),
        seed.to_string(),
    ]);
    if let Some(out) = &folder.published_path {
        words.extend(["--out".into(), out.display().to_string()]);
    }
    Some(
        words
            .iter()
            .map(|w| shell_word(w))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn stamp_section(folder: &ReportFolder) -> String {
    let s = &folder.summary;
    let m = &s.manifest;
    let mut rows: Vec<Vec<String>> = vec![
        vec![
            "Tool".into(),
            esc(&format!(
                "{} {}",
                m.tool.as_deref().unwrap_or("baitiao-abs"),
                m.version.as_deref().unwrap_or("")
            )),
        ],
        vec!["Scenario".into(), esc(&folder.scenario_name())],
    ];
    if let Some(file) = &s.scenario_file {
        rows.push(vec![
            "Scenario file".into(),
            format!("<span class=\"mono\">{}</span>", esc(file)),
        ]);
    }
    rows.push(vec!["Seed".into(), or_dash(m.seed, |v| v.to_string())]);
    rows.push(vec![
        if folder.is_frontier() {
            "Monte Carlo paths per policy".into()
        } else {
            "Monte Carlo paths".into()
        },
        or_dash(m.paths, |v| cny(v as f64)),
    ]);
    rows.push(vec![
        "Inputs digest (SHA-256)".into(),
        format!(
            "<span class=\"mono\">{}</span>",
            esc(m.inputs_digest.as_deref().unwrap_or("-"))
        ),
    ]);
    if !m.inputs.is_empty() {
        rows.push(vec![
            "Inputs".into(),
            m.inputs
                .iter()
                .map(|i| format!("<span class=\"mono\">{}</span>", esc(i)))
                .collect::<Vec<_>>()
                .join("<br>"),
        ]);
    }
    if let Some(table_name) = &s.rating_table {
        rows.push(vec!["Rating table".into(), esc(table_name)]);
    }
    if let Some(command) = reproduce_command(folder) {
        rows.push(vec![
            "Reproduce with".into(),
            format!("<span class=\"mono\">{}</span>", esc(&command)),
        ]);
    }
    let mut out = text_table(&["Item", "Value"], &rows);
    out.push_str("<p class=\"note\">The same inputs, seed and number of paths give the same files byte for byte, on any number of threads. This page was built from the report folder's files and needs nothing outside itself.</p>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_svg_drops_namespace_and_fixed_size() {
        let svg = "<svg width=\"1100\" height=\"620\" viewBox=\"0 0 1100 620\" xmlns=\"http://www.w3.org/2000/svg\">\n<text>x</text></svg>";
        let inline = inline_svg(svg, "A & B");
        assert!(
            inline.starts_with(
                "<svg viewBox=\"0 0 1100 620\" role=\"img\" aria-label=\"A &amp; B\">"
            ),
            "{inline}"
        );
        assert!(!inline.contains("http"));
        assert!(inline.ends_with("<text>x</text></svg>"));
    }

    #[test]
    fn implied_against_target() {
        let scale: Vec<String> = ["Aaa", "Aa1", "A2", "Baa1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(meets_target(&scale, Some("Aaa"), Some("A2")), Some(true));
        assert_eq!(meets_target(&scale, Some("A2"), Some("A2")), Some(true));
        assert_eq!(meets_target(&scale, Some("Baa1"), Some("A2")), Some(false));
        assert_eq!(meets_target(&scale, None, Some("A2")), Some(false));
        assert_eq!(meets_target(&scale, Some("Aaa"), None), None);
    }
}
