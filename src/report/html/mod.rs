//! `report.html` (SPEC §8): one self-contained page for a risk committee, built from a
//! report folder's files. Charts are inlined as SVG; there are no scripts, no external
//! links, fonts or images, so the file opens and prints the same on any machine.
//!
//! Every section is optional: what the folder lacks (a frontier folder has no tranches, a
//! run without sizing has no `sizing.csv`) is left out with a sentence saying so.
//!
//! One file per family of sections; each section is one function of the folder (and the
//! rendered charts) to its HTML, listed with its anchor and title in [`SECTIONS`], so the
//! page's words live in the section functions and the titles in one table.

use std::fmt::Write as _;

use super::charts::{RenderedChart, short_trigger};
use super::folder::{RatingTestRow, ReportFolder};
use super::format::{
    cny, funding_position_text_in, html_escape as esc, or_dash, percent, points, small_percent,
    years,
};
use super::summary::{RecommendationSummary, Treasury};
use super::terms::{CprTerms, PoolSourceTerms, RateCurveTerms};
use crate::i18n::{Lang, fill, tr};
use crate::ratings::RatingTable;

mod assumptions;
mod frontier;
mod shared;
mod sizing;
mod stamp;
mod stress;
mod summary;
mod tranches;

use assumptions::*;
use frontier::*;
use shared::*;
pub(crate) use shared::{figure, page_head, shell_word, table};
pub use shared::{inline_svg, meets_target, rating_scale};
use sizing::*;
pub use stamp::reproduce_command;
use stamp::*;
use stress::*;
use summary::*;
use tranches::*;

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

/// A section of the page: its anchor, its title's catalogue key, and the function writing
/// its body from the folder and its rendered charts (empty: the section is left out).
type Section = (
    &'static str,
    &'static str,
    fn(&ReportFolder, &[RenderedChart]) -> String,
);

/// The page's sections, in order.
const SECTIONS: [Section; 11] = [
    ("summary", "html.section.summary", |f, _| summary_section(f)),
    ("assumptions", "html.section.assumptions", |f, _| {
        assumptions_section(f)
    }),
    ("tranches", "html.section.tranches", |f, _| {
        tranche_section(f)
    }),
    ("sizing", "html.section.sizing", |f, _| sizing_section(f)),
    ("rating", "html.section.rating", rating_section),
    ("stress", "html.section.stress", |f, _| stress_section(f)),
    ("frontier", "html.section.frontier", |f, _| {
        frontier_section(f)
    }),
    ("charts", "html.section.charts", |_, charts| {
        chart_section(charts.iter().filter(|c| c.name != RATING_CHART))
    }),
    ("pool", "html.section.pool", |f, _| strats_section(f)),
    ("methodology", "html.section.methodology", |f, _| {
        methodology_section(f)
    }),
    ("reproducibility", "html.section.reproducibility", |f, _| {
        stamp_section(f)
    }),
];

/// The whole `report.html` of a folder, with its rendered charts inlined.
pub fn report_html(folder: &ReportFolder, charts: &[RenderedChart]) -> String {
    let scenario = folder.scenario_name();
    let lang = folder.lang;
    let sections: Vec<(&str, &str, String)> = SECTIONS
        .iter()
        .map(|&(id, title, section)| (id, tr(lang, title), section(folder, charts)))
        .filter(|(_, _, body)| !body.is_empty())
        .collect();

    let mut out =
        String::with_capacity(64 * 1024 + charts.iter().map(|c| c.svg.len()).sum::<usize>());
    out.push_str(&page_head(
        lang,
        &fill(
            tr(lang, "html.page.title"),
            &[("scenario", &esc(&scenario))],
        ),
    ));
    let _ = writeln!(
        out,
        "<header><h1>{}</h1>",
        fill(
            tr(lang, "html.page.heading"),
            &[("scenario", &esc(&scenario))]
        )
    );
    let _ = writeln!(
        out,
        "<p class=\"lead\">{}</p>",
        esc(&folder.summary.scenario.description)
    );
    if let Some(lead) = frontier_lead(folder) {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", esc(&lead));
    }
    let m = &folder.summary.manifest;
    let _ = writeln!(
        out,
        "<p class=\"note\">{}</p>",
        fill(
            tr(lang, "html.page.stamp"),
            &[
                ("tool", &esc(tool_name(&m.tool))),
                ("version", &esc(&m.version)),
                ("seed", &m.seed),
                ("paths", &cny(m.paths as f64)),
                (
                    "per_policy",
                    &if folder.is_frontier() {
                        tr(lang, "html.page.per_policy")
                    } else {
                        ""
                    },
                ),
                (
                    "digest",
                    &esc(if m.inputs_digest.is_empty() {
                        "-"
                    } else {
                        &m.inputs_digest[..m.inputs_digest.len().min(16)]
                    }),
                ),
            ],
        )
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
    fn the_assumption_rows_have_words_in_both_languages() {
        for lang in Lang::ALL {
            let catalogue = crate::i18n::catalogue(lang);
            for key in assumptions::ASSUMPTION_KEYS {
                let key = format!("html.assumptions.{key}");
                assert!(catalogue.contains_key(key.as_str()), "{lang}: {key}");
            }
        }
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
