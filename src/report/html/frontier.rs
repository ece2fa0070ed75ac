//! The approval-policy frontier: the recommendation in words and the grid (`frontier.csv`).

use super::*;

/// The infeasible recommendation in one sentence: the closest policy and the target that
/// binds, with its shortfall.
pub(super) fn infeasible_sentence(r: &RecommendationSummary) -> String {
    let closest = match r.policy_point() {
        Some(p) => format!(
            " The closest is cut-off {:.0}, limit × {}",
            p.cutoff, p.limit_multiplier
        ),
        None => " The closest policy".to_string(),
    };
    let binding_text = match r {
        RecommendationSummary::Infeasible { binding_text, .. } => binding_text.as_deref(),
        _ => None,
    };
    let binding = match (r.binding_target(), binding_text) {
        // the text starts with the target's key
        (_, Some(text)) => format!("; the binding target: {text}"),
        (Some(target), None) => format!("; the binding target is {}", target.key()),
        _ => String::new(),
    };
    format!(
        "No policy on the grid meets every target, so no approval policy was written.{closest}{binding}."
    )
}

/// The frontier's recommendation in words, from `summary.json`: the recommended policy, or
/// the closest one with the binding target and every shortfall.
pub(super) fn recommendation_text(folder: &ReportFolder) -> String {
    let Some(r) = &folder.summary.recommendation else {
        return String::new();
    };
    let asked = folder.summary.targets.clone().unwrap_or_default();
    let mut targets = Vec::new();
    if let Some(v) = asked.max_pool_el {
        targets.push(format!("pool EL at most {}", percent(v, 3)));
    }
    if let Some(v) = asked.min_advance_rate {
        targets.push(format!("advance rate at least {}", percent(v, 2)));
    }
    if let Some(v) = asked.funding_need {
        targets.push(format!("funding capacity at least {} CNY", cny(v)));
    }
    let targets = if targets.is_empty() {
        "The scenario sets no [targets]: every policy with a pool qualifies.".to_string()
    } else {
        format!("Targets: {}.", targets.join("; "))
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
                "<p class=\"good\">Recommended: cut-off {cutoff:.0}, limit × {limit_multiplier}, the largest pool balance on the grid that meets every target; written to {}, which decide --policy applies.</p>",
                esc(policy_file)
            );
        }
        RecommendationSummary::Infeasible {
            shortfalls,
            relaxation_needed,
            ..
        } => {
            let _ = write!(out, "<p class=\"bad\">{}</p>", esc(&infeasible_sentence(r)));
            if !shortfalls.is_empty() {
                out.push_str(
                    "<p>Every target the closest policy misses:</p><ul class=\"findings\">",
                );
                for shortfall in shortfalls {
                    let _ = write!(out, "<li>{}</li>", esc(shortfall));
                }
                out.push_str("</ul>");
            }
            if let Some(relaxation) = relaxation_needed {
                let _ = write!(
                    out,
                    "<p class=\"note\">Relaxing every target by {} of its level would let the closest policy qualify.</p>",
                    percent(*relaxation, 1)
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
