//! The assumptions table: the scenario's terms as run (`summary.json` → `terms`), with where
//! each calibrated value came from.

use super::*;

pub(super) fn rate_curve_text(lang: Lang, curve: Option<&RateCurveTerms>) -> String {
    match curve {
        None => tr(lang, "html.assumptions.no_curve").into(),
        Some(RateCurveTerms::ByMonth(rates)) => {
            let rates: Vec<String> = rates.iter().map(|&v| percent(v, 2)).collect();
            fill(
                tr(lang, "html.assumptions.by_month"),
                &[("rates", &rates.join(", "))],
            )
        }
        Some(RateCurveTerms::Flat(rate)) => percent(*rate, 2),
    }
}

pub(super) fn assumptions_section(folder: &ReportFolder) -> String {
    let lang = folder.lang;
    let Some(t) = &folder.summary.terms else {
        if folder.tranches.is_empty() {
            return String::new();
        }
        return format!(
            "<p class=\"note\">{}</p>",
            tr(lang, "html.assumptions.no_terms")
        );
    };
    let (a, deal) = (&t.assumptions, &t.deal);
    let cpr = match &a.cpr {
        Some(CprTerms::ByTerm(map)) => {
            let by_term: Vec<String> = map
                .iter()
                .map(|(term, &v)| format!("{term} m: {}", percent(v, 1)))
                .collect();
            fill(
                tr(lang, "html.assumptions.by_term"),
                &[("rates", &by_term.join(", "))],
            )
        }
        Some(CprTerms::Flat(cpr)) => percent(*cpr, 2),
        None => "-".into(),
    };
    let correlation = match &a.segments {
        Some(seg) => seg
            .names
            .iter()
            .zip(&seg.correlation)
            .map(|(n, &r)| format!("{n} ρ = {}", json_number(r)))
            .collect::<Vec<_>>()
            .join(", "),
        None => json_number(a.correlation),
    };
    let pool_source = match &t.pool.source {
        Some(PoolSourceTerms::Tape(path)) => {
            fill(tr(lang, "html.assumptions.tape"), &[("path", path)])
        }
        Some(PoolSourceTerms::Synthetic { receivables, seed }) => fill(
            tr(lang, "html.assumptions.synthetic"),
            &[("count", &cny(*receivables as f64)), ("seed", seed)],
        ),
        None => "-".into(),
    };
    let months = |n: u32| fill(tr(lang, "html.summary.months"), &[("months", &n)]);
    // (row, value, note, the scenario key a calibration may supply)
    let rows: Vec<(&str, String, &str, Option<&str>)> = vec![
        ("pool", pool_source, "", None),
        (
            "target_balance",
            t.pool
                .target_balance
                .map_or(tr(lang, "html.assumptions.as_on_tape").into(), |b| {
                    fill(tr(lang, "money.cny"), &[("amount", &cny(b))])
                }),
            "target_balance_note",
            None,
        ),
        (
            "pd_multiplier",
            json_number(a.pd_multiplier),
            "pd_multiplier_note",
            Some("pd_multiplier"),
        ),
        (
            "correlation",
            correlation,
            "correlation_note",
            Some("correlation"),
        ),
        ("cpr", cpr, "", Some("cpr")),
        (
            "recovery_rate",
            percent(a.recovery_rate, 1),
            "recovery_rate_note",
            Some("recovery_rate"),
        ),
        (
            "recovery_lag",
            months(a.recovery_lag_months),
            "recovery_lag_note",
            Some("recovery_lag_months"),
        ),
        (
            "yield_haircut",
            percent(a.yield_haircut, 1),
            "yield_haircut_note",
            None,
        ),
        (
            "horizon",
            format!(
                "{} / {}",
                deal.horizon_months,
                months(deal.revolving_months)
            ),
            "",
            None,
        ),
        (
            "senior_fees",
            fill(
                tr(lang, "html.assumptions.bp_a_year"),
                &[("bp", &json_number(deal.senior_fee_bps))],
            ),
            "senior_fees_note",
            None,
        ),
        (
            "reserve",
            percent(deal.reserve_pct, 2),
            "reserve_note",
            None,
        ),
        ("call", percent(deal.clean_up_call, 0), "call_note", None),
        (
            "principal",
            match deal.principal.as_str() {
                "sequential" => tr(lang, "html.assumptions.sequential").to_string(),
                "pro_rata" => tr(lang, "html.assumptions.pro_rata").to_string(),
                other => other.replace('_', " "),
            },
            "",
            None,
        ),
        (
            "triggers",
            Some(
                deal.triggers
                    .iter()
                    .map(|t| t.replace("->", "→"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| tr(lang, "word.none").into()),
            "triggers_note",
            None,
        ),
        (
            "deterministic_cdr",
            rate_curve_text(lang, t.deterministic.cdr.as_ref()),
            "",
            None,
        ),
        (
            "deterministic_cpr",
            rate_curve_text(lang, t.deterministic.cpr.as_ref()),
            "",
            None,
        ),
        (
            "monte_carlo",
            fill(
                tr(lang, "html.assumptions.monte_carlo_value"),
                &[
                    ("paths", &cny(t.simulation.paths as f64)),
                    ("seed", &t.simulation.seed),
                    (
                        "sampling",
                        &tr(
                            lang,
                            if t.simulation.importance_sampling {
                                "html.word.yes"
                            } else {
                                "html.word.no"
                            },
                        ),
                    ),
                ],
            ),
            "",
            None,
        ),
    ];
    // where each calibrated key's value came from (SPEC §4.6)
    let calibration = a.calibration.as_ref();
    let no_keys = Vec::new();
    let (calibrated, overridden) =
        calibration.map_or((&no_keys, &no_keys), |c| (&c.calibrated, &c.overridden));
    let calibration_file = calibration.map_or("-", |c| c.file.as_str());
    let provenance = |key: Option<&str>| -> Option<String> {
        let key = key?;
        if calibrated.iter().any(|k| k == key) {
            Some(fill(
                tr(lang, "html.assumptions.calibrated_from"),
                &[("file", &calibration_file)],
            ))
        } else if overridden.iter().any(|k| k == key) {
            Some(fill(
                tr(lang, "html.assumptions.set_over"),
                &[("file", &calibration_file)],
            ))
        } else {
            None
        }
    };
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(row, value, note, key)| {
            let note = if note.is_empty() {
                ""
            } else {
                tr(lang, &format!("html.assumptions.{note}"))
            };
            let note = match provenance(key) {
                Some(from) if note.is_empty() => from,
                Some(from) => format!("{note}; {from}"),
                None => note.to_string(),
            };
            vec![
                esc(tr(lang, &format!("html.assumptions.row.{row}"))),
                format!("<span class=\"text\">{}</span>", esc(&value)),
                format!("<span class=\"note\">{}</span>", esc(&note)),
            ]
        })
        .collect();
    let mut out = text_table(
        &[
            tr(lang, "html.col.assumption"),
            tr(lang, "html.col.value"),
            tr(lang, "html.col.note"),
        ],
        &rows,
    );
    if let Some(c) = calibration {
        let interval = c
            .rho_ci90
            .iter()
            .map(|&v| json_number(v))
            .collect::<Vec<_>>()
            .join(" – ");
        let _ = write!(
            out,
            "<p class=\"note\">{}</p>",
            fill(
                tr(lang, "html.assumptions.calibrated_note"),
                &[
                    ("history", &esc(&c.history)),
                    ("date", &esc(&c.data_date)),
                    ("rate", &percent(c.lifetime_charge_off_rate, 3)),
                    ("interval", &esc(&interval)),
                ],
            )
        );
    }
    out
}

/// The keys of the assumptions table's rows and notes, built at run time: every one must be
/// in both catalogues (tested).
#[cfg(test)]
pub(super) const ASSUMPTION_KEYS: [&str; 30] = [
    "row.pool",
    "row.target_balance",
    "row.pd_multiplier",
    "row.correlation",
    "row.cpr",
    "row.recovery_rate",
    "row.recovery_lag",
    "row.yield_haircut",
    "row.horizon",
    "row.senior_fees",
    "row.reserve",
    "row.call",
    "row.principal",
    "row.triggers",
    "row.deterministic_cdr",
    "row.deterministic_cpr",
    "row.monte_carlo",
    "target_balance_note",
    "pd_multiplier_note",
    "correlation_note",
    "recovery_rate_note",
    "recovery_lag_note",
    "yield_haircut_note",
    "senior_fees_note",
    "reserve_note",
    "call_note",
    "triggers_note",
    "sequential",
    "pro_rata",
    "monte_carlo_value",
];
