//! The assumptions table: the scenario's terms as run (`summary.json` → `terms`), with where
//! each calibrated value came from.

use super::*;

pub(super) fn rate_curve_text(curve: Option<&RateCurveTerms>) -> String {
    match curve {
        None => "none (the assumptions' PDs and CPR)".into(),
        Some(RateCurveTerms::ByMonth(rates)) => {
            let rates: Vec<String> = rates.iter().map(|&v| percent(v, 2)).collect();
            format!("by month: {}", rates.join(", "))
        }
        Some(RateCurveTerms::Flat(rate)) => percent(*rate, 2),
    }
}

pub(super) fn assumptions_section(folder: &ReportFolder) -> String {
    let Some(t) = &folder.summary.terms else {
        if folder.tranches.is_empty() {
            return String::new();
        }
        return "<p class=\"note\">This folder's summary.json does not record the scenario's terms; see the scenario file named under Reproducibility.</p>".into();
    };
    let (a, deal) = (&t.assumptions, &t.deal);
    let cpr = match &a.cpr {
        Some(CprTerms::ByTerm(map)) => {
            let by_term: Vec<String> = map
                .iter()
                .map(|(term, &v)| format!("{term} m: {}", percent(v, 1)))
                .collect();
            format!("by original term: {}", by_term.join(", "))
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
        Some(PoolSourceTerms::Tape(path)) => format!("tape {path}"),
        Some(PoolSourceTerms::Synthetic { receivables, seed }) => format!(
            "synthetic, {} receivables (seed {seed})",
            cny(*receivables as f64)
        ),
        None => "-".into(),
    };
    let rows: Vec<(&str, String, &str)> = vec![
        ("Pool", pool_source, ""),
        (
            "Target closing balance",
            t.pool
                .target_balance
                .map_or("as on the tape".into(), |b| format!("{} CNY", cny(b))),
            "every eligible receivable scaled to reach it",
        ),
        (
            "PD multiplier",
            json_number(a.pd_multiplier),
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
            percent(a.recovery_rate, 1),
            "of the defaulted balance",
        ),
        (
            "Recovery lag",
            format!("{} months", a.recovery_lag_months),
            "recoveries after the legal final are lost",
        ),
        (
            "Yield haircut",
            percent(a.yield_haircut, 1),
            "share of fees and interest lost",
        ),
        (
            "Legal final / revolving",
            format!("{} / {} months", deal.horizon_months, deal.revolving_months),
            "",
        ),
        (
            "Senior fees",
            format!("{} bp a year", json_number(deal.senior_fee_bps)),
            "trustee and servicer, on the pool",
        ),
        (
            "Reserve target",
            percent(deal.reserve_pct, 2),
            "of the rated notes",
        ),
        (
            "Clean-up call",
            percent(deal.clean_up_call, 0),
            "of the closing balance",
        ),
        ("Principal", deal.principal.replace('_', " "), ""),
        (
            "Triggers",
            Some(
                deal.triggers
                    .iter()
                    .map(|t| t.replace("->", "→"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "none".into()),
            "a breach holds for the rest of the deal",
        ),
        (
            "Deterministic CDR",
            rate_curve_text(t.deterministic.cdr.as_ref()),
            "",
        ),
        (
            "Deterministic CPR",
            rate_curve_text(t.deterministic.cpr.as_ref()),
            "",
        ),
        (
            "Monte Carlo",
            format!(
                "{} paths, seed {}, importance sampling {}",
                cny(t.simulation.paths as f64),
                t.simulation.seed,
                if t.simulation.importance_sampling {
                    "yes"
                } else {
                    "no"
                }
            ),
            "",
        ),
    ];
    // where each calibrated key's value came from (SPEC §4.6)
    let calibration = a.calibration.as_ref();
    let no_keys = Vec::new();
    let (calibrated, overridden) =
        calibration.map_or((&no_keys, &no_keys), |c| (&c.calibrated, &c.overridden));
    let calibration_file = calibration.map_or("-", |c| c.file.as_str());
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
    if let Some(c) = calibration {
        let interval = c
            .rho_ci90
            .iter()
            .map(|&v| json_number(v))
            .collect::<Vec<_>>()
            .join(" – ");
        let _ = write!(
            out,
            "<p class=\"note\">Calibrated from the static-pool history {} (data date {}) by <code>calibrate</code>: lifetime charge-off rate {}, asset correlation's bootstrap 90 % interval {}. A key the scenario sets itself overrides the calibrated value.</p>",
            esc(&c.history),
            esc(&c.data_date),
            percent(c.lifetime_charge_off_rate, 3),
            esc(&interval)
        );
    }
    out
}
