//! Stress results: the deterministic case, breakevens and the triggers.

use super::*;

pub(super) fn stress_section(folder: &ReportFolder) -> String {
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
        cny(d.cumulative_defaults),
        cny(d.cumulative_recoveries),
        cny(d.cumulative_purchases),
        percent(d.cumulative_net_loss_share, 2),
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
                cny(t.principal_loss),
                percent(t.loss_share, 2),
                cny(t.interest_shortfall),
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
                    .map_or("never".into(), |m| format!("month {m}")),
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
