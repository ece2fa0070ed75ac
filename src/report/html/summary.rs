//! The deal summary: key figures and findings in words, the frontier's lead sentence.

use super::*;

/// What a frontier's pool is, from its `summary.json`: whose applicants, how many.
pub(super) fn frontier_lead(folder: &ReportFolder) -> Option<String> {
    if !folder.is_frontier() {
        return None;
    }
    let applicants = folder.summary.applicants.as_ref()?;
    Some(fill(
        tr(folder.lang, "html.summary.frontier_lead"),
        &[
            ("count", &cny(applicants.count as f64)),
            ("file", &applicants.file),
        ],
    ))
}

pub(super) fn summary_section(folder: &ReportFolder) -> String {
    let s = &folder.summary;
    let lang = folder.lang;
    let money = |amount: f64| fill(tr(lang, "money.cny"), &[("amount", &cny(amount))]);
    let mut facts = Vec::new();
    let mut findings = Vec::new();
    if let Some(pool) = &s.pool {
        facts.push(fact(
            tr(lang, "html.summary.closing_balance"),
            &money(pool.closing_balance),
            &fill(
                tr(lang, "html.summary.eligible"),
                &[("count", &cny(pool.receivables as f64))],
            ),
        ));
        facts.push(fact(
            tr(lang, "html.summary.tape_pd"),
            &percent(pool.weighted_pd_12m, 2),
            tr(lang, "html.summary.tape_pd_sub"),
        ));
        facts.push(fact(
            tr(lang, "html.summary.stressed_pd"),
            &percent(pool.weighted_pd_12m_stressed, 2),
            &fill(
                tr(lang, "html.summary.stressed_pd_sub"),
                &[("multiplier", &pool.pd_multiplier)],
            ),
        ));
    }
    if let Some(terms) = &s.terms {
        let (h, r) = (terms.deal.horizon_months, terms.deal.revolving_months);
        facts.push(fact(
            tr(lang, "html.summary.term"),
            &fill(tr(lang, "html.summary.months"), &[("months", &h)]),
            &fill(
                tr(lang, "html.summary.term_sub"),
                &[("revolving", &r), ("amortizing", &h.saturating_sub(r))],
            ),
        ));
    }
    if let Some(mc) = &s.monte_carlo {
        let l = &mc.pool_net_loss;
        facts.push(fact(
            tr(lang, "html.summary.pool_el"),
            &percent(l.mean, 2),
            &fill(
                tr(lang, "html.summary.pool_el_sub"),
                &[
                    ("se", &percent(l.standard_error, 2)),
                    (
                        "amount",
                        &folder
                            .closing_balance()
                            .map(|b| {
                                fill(
                                    tr(lang, "html.summary.pool_el_amount"),
                                    &[("amount", &cny(l.mean * b))],
                                )
                            })
                            .unwrap_or_default(),
                    ),
                ],
            ),
        ));
        facts.push(fact(
            tr(lang, "html.summary.var_es"),
            &format!("{} / {}", percent(l.var[1], 2), percent(l.es[1], 2)),
            tr(lang, "html.summary.var_es_sub"),
        ));
        facts.push(fact(
            tr(lang, "html.summary.call_probability"),
            &small_percent(mc.call_probability),
            tr(lang, "html.summary.call_probability_sub"),
        ));
    }
    if let Some(capacity) = folder.funding_capacity() {
        let whose = s.treasury.as_ref().and_then(Treasury::policy);
        facts.push(fact(
            tr(lang, "html.summary.funding_capacity"),
            &money(capacity),
            &match (whose, s.sizing().map(|z| z.advance_rate)) {
                (Some(policy), _) => fill(
                    tr(lang, "html.summary.capacity_of_policy"),
                    &[("policy", &policy_word(lang, policy))],
                ),
                (None, Some(a)) => fill(
                    tr(lang, "html.summary.advance_rate"),
                    &[("rate", &percent(a, 1))],
                ),
                (None, None) => tr(lang, "html.summary.capacity_sized").into(),
            },
        ));
    }
    if !folder.frontier.is_empty() {
        facts.push(fact(
            tr(lang, "html.summary.policies"),
            &folder.frontier.len().to_string(),
            tr(lang, "html.summary.policies_sub"),
        ));
        let recommendation = s.recommendation.as_ref();
        match folder.frontier.iter().find(|r| r.recommended) {
            Some(r) => facts.push(fact(
                tr(lang, "html.summary.recommended"),
                &fill(
                    tr(lang, "html.summary.policy_value"),
                    &[
                        ("cutoff", &format!("{:.0}", r.cutoff)),
                        ("multiplier", &r.limit_multiplier),
                    ],
                ),
                &fill(
                    tr(lang, "html.summary.policy_sub"),
                    &[
                        ("approval", &or_dash(r.approval_rate, |v| percent(v, 1))),
                        ("capacity", &or_dash(r.funding_capacity, cny)),
                    ],
                ),
            )),
            None => facts.push(fact(
                tr(lang, "html.summary.recommended"),
                tr(lang, "word.none"),
                &match recommendation {
                    Some(RecommendationSummary::NothingApproved { .. }) => {
                        tr(lang, "html.summary.nothing_approved").to_string()
                    }
                    Some(r) => fill(
                        tr(lang, "html.summary.none_meets"),
                        &[(
                            "binding",
                            &r.binding_target()
                                .map(|b| {
                                    fill(
                                        tr(lang, "html.summary.binding_target"),
                                        &[("target", &b.key())],
                                    )
                                })
                                .unwrap_or_default(),
                        )],
                    ),
                    None => fill(tr(lang, "html.summary.none_meets"), &[("binding", &"")]),
                },
            )),
        }
        if let Some(r) = recommendation
            && matches!(r, RecommendationSummary::Infeasible { .. })
        {
            findings.push(format!(
                "<li class=\"bad\">{}</li>",
                esc(&infeasible_sentence(lang, r))
            ));
        }
    }

    let scale = rating_scale(folder);
    for t in &folder.tranches {
        match meets_target(
            &scale,
            t.implied_rating.as_deref(),
            t.target_rating.as_deref(),
        ) {
            Some(true) => findings.push(fill(
                tr(lang, "html.summary.tranche_meets"),
                &[
                    ("tranche", &esc(&t.tranche)),
                    ("target", &esc(t.target_rating.as_deref().unwrap_or(""))),
                    ("implied", &esc(t.implied_rating.as_deref().unwrap_or(""))),
                    ("el", &small_percent(t.el.unwrap_or(0.0))),
                ],
            )),
            Some(false) => findings.push(fill(
                tr(lang, "html.summary.tranche_short"),
                &[
                    ("tranche", &esc(&t.tranche)),
                    ("target", &esc(t.target_rating.as_deref().unwrap_or(""))),
                    (
                        "implied",
                        &esc(t
                            .implied_rating
                            .as_deref()
                            .unwrap_or_else(|| tr(lang, "html.summary.below_the_scale"))),
                    ),
                    ("el", &small_percent(t.el.unwrap_or(0.0))),
                    ("target_el", &or_dash(t.target_el, small_percent)),
                ],
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
                Some(fill(
                    tr(lang, "html.summary.trigger_in_month"),
                    &[("trigger", &short_trigger(&t.trigger)), ("month", &month)],
                ))
            })
            .collect();
        if !breached.is_empty() {
            findings.push(fill(
                tr(lang, "html.summary.deterministic_breach"),
                &[(
                    "triggers",
                    &esc(&breached.join(tr(lang, "word.list_separator"))),
                )],
            ));
        }
    }
    if let Some(t) = &s.treasury
        && let Some(finding) = treasury_finding(lang, t)
    {
        findings.push(finding);
    }
    for w in &s.warnings {
        findings.push(fill(
            tr(lang, "html.summary.warning"),
            &[("warning", &esc(w))],
        ));
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
pub(super) fn treasury_finding(lang: Lang, t: &Treasury) -> Option<String> {
    let (need, surplus) = (t.funding_need?, t.surplus()?);
    let whose = match t.policy() {
        Some(policy) => fill(
            tr(lang, "html.summary.capacity_of_the_policy"),
            &[("policy", &esc(policy_word(lang, policy)))],
        ),
        None => tr(lang, "html.summary.funding_capacity").to_string(),
    };
    let capacity = t
        .funding_capacity
        .map(|c| {
            fill(
                tr(lang, "html.summary.capacity_amount"),
                &[("amount", &cny(c))],
            )
        })
        .unwrap_or_default();
    let key = if surplus >= 0.0 {
        "html.summary.treasury_covers"
    } else {
        "html.summary.treasury_short"
    };
    Some(fill(
        tr(lang, key),
        &[
            ("class", &funding_class(surplus)),
            ("whose", &whose),
            ("capacity", &capacity),
            ("need", &cny(need)),
            ("position", &esc(&funding_position_text_in(lang, surplus))),
        ],
    ))
}
