//! Stress results: the deterministic case, breakevens and the triggers.

use super::*;

pub(super) fn stress_section(folder: &ReportFolder) -> String {
    let Some(d) = &folder.summary.deterministic else {
        return String::new();
    };
    let lang = folder.lang;
    let mut out = String::new();
    let basis = tr(
        lang,
        match (d.cdr_override, d.cpr_override) {
            (false, false) => "html.stress.basis_expected",
            (true, false) => "html.stress.basis_cdr",
            (false, true) => "html.stress.basis_cpr",
            (true, true) => "html.stress.basis_both",
        },
    );
    let call = d.call_month.map_or_else(String::new, |month| {
        fill(tr(lang, "html.stress.call"), &[("month", &month)])
    });
    let _ = write!(
        out,
        "<p>{}</p>",
        fill(
            tr(lang, "html.stress.deterministic"),
            &[
                ("basis", &basis),
                ("defaults", &cny(d.cumulative_defaults)),
                ("recoveries", &cny(d.cumulative_recoveries)),
                ("purchases", &cny(d.cumulative_purchases)),
                ("net_loss", &percent(d.cumulative_net_loss_share, 2)),
                ("call", &call),
            ],
        )
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
                cny(t.principal_loss),
                percent(t.loss_share, 2),
                cny(t.interest_shortfall),
                years(t.wal_years),
                or_dash(t.annual_yield, |v| percent(v, 2)),
                match breakeven(&t.tranche) {
                    Some(Some(m)) => format!("{m:.2} ×"),
                    Some(None) => tr(lang, "html.stress.no_loss_up_to").into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            tr(lang, "html.col.tranche"),
            tr(lang, "html.col.principal_loss"),
            tr(lang, "html.col.loss_share"),
            tr(lang, "html.col.interest_shortfall"),
            tr(lang, "html.col.wal_years"),
            tr(lang, "html.col.yield"),
            tr(lang, "html.col.breakeven_multiple"),
        ],
        &rows,
    ));
    let _ = write!(
        out,
        "<p class=\"note\">{}</p>",
        tr(lang, "html.stress.breakeven_note")
    );
    let triggers: Vec<Vec<String>> = d
        .triggers
        .iter()
        .map(|trigger| {
            let mc = folder.summary.monte_carlo.as_ref();
            let statistics =
                mc.and_then(|mc| mc.triggers.iter().find(|s| s.trigger == trigger.trigger));
            let by_legal_final = statistics.map(|s| s.probability);
            let within_revolving = statistics.and_then(|s| s.probability_within_revolving_period);
            vec![
                esc(&trigger.trigger.replace("->", "→")),
                trigger
                    .breach_month
                    .map_or(tr(lang, "word.never").into(), |m| {
                        fill(tr(lang, "html.word.month_n"), &[("month", &m)])
                    }),
                or_dash(within_revolving, small_percent),
                or_dash(by_legal_final, small_percent),
            ]
        })
        .collect();
    if !triggers.is_empty() {
        out.push_str(&table(
            &[
                tr(lang, "html.col.trigger"),
                tr(lang, "html.col.deterministic_breach"),
                tr(lang, "html.col.breach_within_revolving"),
                tr(lang, "html.col.breach_by_final"),
            ],
            &triggers,
        ));
        let _ = write!(
            out,
            "<p class=\"note\">{}</p>",
            tr(lang, "html.stress.trigger_note")
        );
    }
    out
}
