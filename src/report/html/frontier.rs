//! The approval-policy frontier: the recommendation in words and the grid (`frontier.csv`).

use super::*;

/// The infeasible recommendation in one sentence: the closest policy and the target that
/// binds, with its shortfall.
pub(super) fn infeasible_sentence(lang: Lang, r: &RecommendationSummary) -> String {
    let closest = match r.policy_point() {
        Some(p) => fill(
            tr(lang, "html.frontier.closest_is"),
            &[
                ("cutoff", &format!("{:.0}", p.cutoff)),
                ("multiplier", &p.limit_multiplier),
            ],
        ),
        None => tr(lang, "html.frontier.closest_policy").to_string(),
    };
    let binding_text = match r {
        RecommendationSummary::Infeasible { binding_text, .. } => binding_text.as_deref(),
        _ => None,
    };
    let binding = match (r.binding_target(), binding_text) {
        // the text starts with the target's key
        (_, Some(text)) => fill(tr(lang, "html.frontier.binding_text"), &[("text", &text)]),
        (Some(target), None) => fill(
            tr(lang, "html.frontier.binding_is"),
            &[("target", &target.key())],
        ),
        _ => String::new(),
    };
    fill(
        tr(lang, "html.frontier.infeasible"),
        &[("closest", &closest), ("binding", &binding)],
    )
}

/// The frontier's recommendation in words, from `summary.json`: the recommended policy, or
/// the closest one with the binding target and every shortfall.
pub(super) fn recommendation_text(folder: &ReportFolder) -> String {
    let Some(r) = &folder.summary.recommendation else {
        return String::new();
    };
    let lang = folder.lang;
    let asked = folder.summary.targets.clone().unwrap_or_default();
    let mut targets = Vec::new();
    if let Some(v) = asked.max_pool_el {
        targets.push(fill(
            tr(lang, "html.frontier.target_el"),
            &[("value", &percent(v, 3))],
        ));
    }
    if let Some(v) = asked.min_advance_rate {
        targets.push(fill(
            tr(lang, "html.frontier.target_advance"),
            &[("value", &percent(v, 2))],
        ));
    }
    if let Some(v) = asked.funding_need {
        targets.push(fill(
            tr(lang, "html.frontier.target_need"),
            &[("value", &cny(v))],
        ));
    }
    let targets = if targets.is_empty() {
        tr(lang, "html.frontier.no_targets").to_string()
    } else {
        fill(
            tr(lang, "html.frontier.targets"),
            &[(
                "list",
                &targets.join(tr(lang, "html.frontier.target_separator")),
            )],
        )
    };
    let mut out = format!("<p>{}</p>", esc(&targets));
    match r {
        RecommendationSummary::Recommended {
            cutoff,
            limit_multiplier,
            policy_file,
            ..
        } => {
            let _ = write!(
                out,
                "<p class=\"good\">{}</p>",
                fill(
                    tr(lang, "html.frontier.recommended"),
                    &[
                        ("cutoff", &format!("{cutoff:.0}")),
                        ("multiplier", limit_multiplier),
                        ("file", &esc(policy_file)),
                    ],
                )
            );
        }
        RecommendationSummary::Infeasible {
            shortfalls,
            relaxation_needed,
            ..
        } => {
            let _ = write!(
                out,
                "<p class=\"bad\">{}</p>",
                esc(&infeasible_sentence(lang, r))
            );
            if !shortfalls.is_empty() {
                let _ = write!(
                    out,
                    "<p>{}</p><ul class=\"findings\">",
                    tr(lang, "html.frontier.every_miss")
                );
                for shortfall in shortfalls {
                    let _ = write!(out, "<li>{}</li>", esc(shortfall));
                }
                out.push_str("</ul>");
            }
            if let Some(relaxation) = relaxation_needed {
                let _ = write!(
                    out,
                    "<p class=\"note\">{}</p>",
                    fill(
                        tr(lang, "html.frontier.relaxation"),
                        &[("share", &percent(*relaxation, 1))],
                    )
                );
            }
        }
        RecommendationSummary::NothingApproved { message } => {
            let _ = write!(out, "<p class=\"bad\">{}</p>", esc(message));
        }
    }
    out
}

pub(super) fn frontier_section(folder: &ReportFolder) -> String {
    if folder.frontier.is_empty() {
        return String::new();
    }
    let lang = folder.lang;
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
                        esc(&funding_position_text_in(lang, s))
                    )
                }));
            }
            row.push(match (r.recommended, r.meets_targets) {
                (true, _) => format!("<b>{}</b>", tr(lang, "html.word.recommended")),
                (false, Some(true)) => tr(lang, "html.word.meets").into(),
                (false, Some(false)) => tr(lang, "html.word.misses").into(),
                _ => "-".into(),
            });
            row
        })
        .collect();
    let mut header = vec![
        tr(lang, "html.col.cutoff"),
        tr(lang, "html.col.limit_multiplier"),
        tr(lang, "html.col.approval_rate"),
        tr(lang, "html.col.approved_limits"),
        tr(lang, "html.col.pool_balance"),
        tr(lang, "html.col.weighted_pd"),
        tr(lang, "html.col.pool_el"),
        tr(lang, "html.col.senior_ce"),
        tr(lang, "html.col.funding_capacity"),
        tr(lang, "html.col.advance_rate"),
    ];
    if by_method {
        header.push(tr(lang, "html.col.advance_rate_tdr_bdr"));
        header.push(tr(lang, "html.col.advance_rate_el"));
    }
    if with_need {
        header.push(tr(lang, "html.col.against_need"));
    }
    header.push(tr(lang, "html.col.targets"));
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
            "<p class=\"note\">{}</p>",
            fill(
                tr(lang, "html.frontier.method_note"),
                &[
                    ("method", &esc(m)),
                    (
                        "meaning",
                        &tr(
                            lang,
                            if m == "tdr_bdr" {
                                "html.frontier.method_tdr_bdr"
                            } else {
                                "html.frontier.method_el"
                            },
                        ),
                    ),
                ],
            )
        ),
        None => String::new(),
    };
    format!("{}{note}{html}", recommendation_text(folder))
}
