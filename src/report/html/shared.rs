//! Pieces every section of `report.html` uses: tables, key-figure boxes, inline SVG, the
//! rating scale, number formats as `summary.json` holds them.

use super::*;

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

pub(super) fn remove_attribute(tag: &str, name: &str) -> String {
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
pub(super) fn text_table(header: &[&str], rows: &[Vec<String>]) -> String {
    table(header, rows)
        .replace("<td>", "<td class=\"text\">")
        .replace("<th>", "<th class=\"text\">")
}

/// Where a rating sits on the scale (0 = best).
pub(super) fn rating_rank(scale: &[String], rating: &str) -> Option<usize> {
    scale.iter().position(|r| r == rating)
}

/// The rating scale of the folder: the deal's table when recorded, else the built-in one.
pub fn rating_scale(folder: &ReportFolder) -> Vec<String> {
    folder
        .summary
        .terms
        .as_ref()
        .map(|t| t.deal.rating_scale.clone())
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

pub(super) fn fact(label: &str, value: &str, sub: &str) -> String {
    format!(
        "<div class=\"fact\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"sub\">{}</div></div>",
        esc(label),
        esc(value),
        esc(sub)
    )
}

/// A key figure whose value is coloured: `good` or `bad`.
pub(super) fn fact_classed(label: &str, value: &str, sub: &str, class: &str) -> String {
    format!(
        "<div class=\"fact\"><div class=\"label\">{}</div><div class=\"value {class}\">{}</div><div class=\"sub\">{}</div></div>",
        esc(label),
        esc(value),
        esc(sub)
    )
}

/// `good` for a funding surplus (capacity covers the need), `bad` for a shortfall.
pub(super) fn funding_class(surplus: f64) -> &'static str {
    if surplus >= 0.0 { "good" } else { "bad" }
}

pub(super) fn el_with_se(el: Option<f64>, se: Option<f64>) -> String {
    match (el, se) {
        (Some(el), Some(se)) => format!("{} ± {}", small_percent(el), small_percent(se)),
        (Some(el), None) => small_percent(el),
        _ => "-".into(),
    }
}

/// A number as `summary.json` writes it (the shortest digits that read back the same), as
/// this table has always shown it.
pub(super) fn json_number(value: impl serde::Serialize) -> String {
    serde_json::to_string(&value).unwrap_or_default()
}

pub(super) fn chart_section<'a>(charts: impl Iterator<Item = &'a RenderedChart>) -> String {
    charts.map(|c| figure(c, true, false)).collect()
}

/// A chart as a `<figure>`: its title, the inline SVG and its caption; `id` gives it the
/// anchor `chart-<name>`, `compact` leaves out the line breaks inside the figure's tags
/// (as `comparison.html` has always had it).
pub(crate) fn figure(c: &RenderedChart, id: bool, compact: bool) -> String {
    let open = if id {
        format!("<figure id=\"chart-{}\">", c.name)
    } else {
        "<figure>".to_string()
    };
    let nl = if compact { "" } else { "\n" };
    format!(
        "{open}{nl}<h3>{}</h3>\n{}\n<figcaption>{}</figcaption>{nl}</figure>\n",
        esc(&c.title),
        inline_svg(&c.svg, &c.title),
        esc(&c.caption)
    )
}

/// The start of a self-contained page up to `<body>`: the document type, the character set,
/// the viewport, `title` (already escaped) and the style sheet.
pub(crate) fn page_head(lang: Lang, title: &str) -> String {
    let lang = lang.html_lang();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    )
}

/// Whether a sized tranche's target could be met, as a table cell.
pub(super) fn feasible_cell(lang: Lang, feasible: Option<bool>) -> String {
    match feasible {
        Some(true) => format!("<span class=\"good\">{}</span>", tr(lang, "html.word.yes")),
        Some(false) => format!("<span class=\"bad\">{}</span>", tr(lang, "html.word.no")),
        None => "-".into(),
    }
}

/// A sizing method in words.
pub(super) fn method_words(lang: Lang, method: &str) -> &'static str {
    match method {
        "tdr_bdr" => "TDR/BDR",
        "expected_loss" => tr(lang, "html.word.expected_loss"),
        _ => tr(lang, "html.word.another_method"),
    }
}

/// The tool's name from the manifest, `baitiao-abs` when a hand-made one lacks it.
pub(super) fn tool_name(tool: &str) -> &str {
    if tool.is_empty() { "baitiao-abs" } else { tool }
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

/// Whose capacity a frontier folder's treasury names (`recommended`, `closest`), in words of
/// `lang`; any other value as recorded.
pub(super) fn policy_word(lang: Lang, policy: &str) -> &str {
    match policy {
        "recommended" => tr(lang, "html.word.recommended"),
        "closest" => tr(lang, "html.word.closest"),
        other => other,
    }
}
