//! The deal summary: key figures and findings in words, the frontier's lead sentence.

use super::*;

/// What a frontier's pool is, from its `summary.json`: whose applicants, how many.
pub(super) fn frontier_lead(folder: &ReportFolder) -> Option<String> {
    if !folder.is_frontier() {
        return None;
    }
    let applicants = folder.summary.applicants.as_ref()?;
    Some(format!(
        "Approval-policy frontier on {} applicants of {}: at each score cut-off and limit multiplier, the pool is what the approved applicants would draw, funded by this scenario's deal; the scenario's own pool lends only its term and fee mix.",
        cny(applicants.count as f64),
        applicants.file
    ))
}

pub(super) fn summary_section(folder: &ReportFolder) -> String {
    let s = &folder.summary;
    let mut facts = Vec::new();
    let mut findings = Vec::new();
    if let Some(pool) = &s.pool {
        facts.push(fact(
            "Closing pool balance",
            &format!("{} CNY", cny(pool.closing_balance)),
            &format!("{} eligible receivables", cny(pool.receivables as f64)),
        ));
        facts.push(fact(
            "Tape 12-month PD",
            &percent(pool.weighted_pd_12m, 2),
            "balance-weighted, as on the tape, before the PD multiplier",
        ));
        facts.push(fact(
            "Stressed 12-month PD",
            &percent(pool.weighted_pd_12m_stressed, 2),
            &format!(
                "used by the model: tape PDs × PD multiplier {} (capped at 99.9 %)",
                pool.pd_multiplier
            ),
        ));
    }
    if let Some(terms) = &s.terms {
        let (h, r) = (terms.deal.horizon_months, terms.deal.revolving_months);
        facts.push(fact(
            "Term",
            &format!("{h} months"),
            &format!("{r} revolving, {} amortizing", h.saturating_sub(r)),
        ));
    }
    if let Some(mc) = &s.monte_carlo {
        let l = &mc.pool_net_loss;
        facts.push(fact(
            "Pool expected net loss",
            &percent(l.mean, 2),
            &format!(
                "± {} standard error{}",
                percent(l.standard_error, 2),
                folder
                    .closing_balance()
                    .map(|b| format!("; {} CNY", cny(l.mean * b)))
                    .unwrap_or_default()
            ),
        ));
        facts.push(fact(
            "Pool VaR 99 % / ES 99 %",
            &format!("{} / {}", percent(l.var[1], 2), percent(l.es[1], 2)),
            "net loss in the worst 1 % of economies",
        ));
        facts.push(fact(
            "Clean-up call probability",
            &small_percent(mc.call_probability),
            "pool sold at par before the legal final",
        ));
    }
    if let Some(capacity) = folder.funding_capacity() {
        let whose = s.treasury.as_ref().and_then(Treasury::policy);
        facts.push(fact(
            "Funding capacity",
            &format!("{} CNY", cny(capacity)),
            &match (whose, s.sizing().map(|z| z.advance_rate)) {
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
                    Some(RecommendationSummary::NothingApproved { .. }) => {
                        "no policy on the grid approves any applicant".to_string()
                    }
                    Some(r) => format!(
                        "no policy on the grid meets every target{}",
                        r.binding_target()
                            .map(|b| format!("; binding target {}", b.key()))
                            .unwrap_or_default()
                    ),
                    None => "no policy on the grid meets every target".into(),
                },
            )),
        }
        if let Some(r) = recommendation
            && matches!(r, RecommendationSummary::Infeasible { .. })
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
            .filter_map(|t| {
                let month = t.breach_month?;
                Some(format!("{} in month {month}", short_trigger(&t.trigger)))
            })
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

/// The treasury's funding position in one sentence, coloured by its sign; `None` without a
/// funding need.
pub(super) fn treasury_finding(t: &Treasury) -> Option<String> {
    let (need, surplus) = (t.funding_need?, t.surplus()?);
    let whose = match t.policy() {
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
