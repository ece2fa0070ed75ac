//! Pool stratification, methodology and limits, and the reproducibility stamp.

use super::*;

pub(super) fn strats_section(folder: &ReportFolder) -> String {
    if folder.strats.is_empty() {
        return String::new();
    }
    // folders of earlier versions have only the one `wa_rate`, which mixed units
    let split = folder
        .strats
        .iter()
        .any(|r| r.annualised_yield_on_balance.is_some());
    let rows: Vec<Vec<String>> = folder
        .strats
        .iter()
        .map(|r| {
            let mut row = vec![
                format!("{} {}", esc(&r.dimension.replace('_', " ")), esc(&r.bucket)),
                or_dash(r.count, cny),
                or_dash(r.balance, cny),
                or_dash(r.balance_share, |v| percent(v, 1)),
                or_dash(r.wa_pd_12m, |v| percent(v, 2)),
            ];
            if split {
                row.extend([
                    or_dash(r.wa_monthly_fee_rate_installment, |v| percent(v, 3)),
                    or_dash(r.wa_monthly_fee_rate_bullet, |v| percent(v, 3)),
                    or_dash(r.wa_annual_interest_rate_annuity, |v| percent(v, 2)),
                    or_dash(r.annualised_yield_on_balance, |v| percent(v, 2)),
                ]);
            }
            row.push(or_dash(r.wa_remaining_months, |v| format!("{v:.1}")));
            row
        })
        .collect();
    let mut header = vec![
        "Bucket",
        "Receivables",
        "Balance (CNY)",
        "Share",
        "WA 12-month PD (tape)",
    ];
    if split {
        header.extend([
            "Instalment fee, monthly, on original principal",
            "Bullet fee, monthly, on balance",
            "Annuity interest, annual",
            "Fees and interest, annualised, on balance",
        ]);
    }
    header.push("WA months left");
    let mut out = table(&header, &rows);
    out.push_str("<p class=\"note\">Rates are balance-weighted within each bucket, by product, since an instalment's or a bullet's monthly fee and an annuity's annual interest do not average: “-” where the bucket holds none of the product. The annualised yield puts every product on one footing: a month's contractual fees and interest × 12 ÷ the bucket's balance.</p>");
    out
}

pub(super) fn methodology_section(folder: &ReportFolder) -> String {
    if folder.tranches.is_empty() && folder.frontier.is_empty() {
        return String::new();
    }
    let importance = folder.summary.importance_sampling();
    let mut out = String::new();
    out.push_str("<h3>The model in plain words</h3><ul>");
    out.push_str("<li><b>Defaults.</b> Each receivable has a 12-month probability of default from the tape or its credit score. Consumers do not default independently: a bad economy raises everyone's risk at once. Each simulated path draws one hidden “economy” number, held for the life of the deal, and each receivable adds its own luck; the asset correlation says how much the economy matters (a one-factor Gaussian copula on default times).</li>");
    out.push_str("<li><b>Cash.</b> Survivors pay their fees, interest and scheduled principal; some prepay at the scenario's CPR; defaulted balances recover the recovery rate after the lag. Receivables bought while the deal revolves are simulated the same way under the same economy.</li>");
    out.push_str("<li><b>Deal.</b> Every path runs through the deal's actual waterfall — senior fees, note interest in order of seniority, reserve, purchases or principal, residual — with the triggers, clean-up call and legal-final buy-back, so tranche losses reflect the structure, not a formula.</li>");
    if importance == Some(true) {
        out.push_str("<li><b>Rare losses.</b> Senior notes lose only in extreme economies that plain simulation rarely visits, so the paths over-sample bad economies and every statistic weights each path by how likely it really is (importance sampling). Each expected loss carries its standard error. Anyone reading the paths themselves (path_results.csv) must use the weight column too.</li>");
    } else if importance == Some(false) {
        out.push_str("<li><b>Sampling.</b> Every path has the same weight; each expected loss carries its standard error, which is large for tranches that lose only in rare economies.</li>");
    } else {
        out.push_str("<li><b>Sampling.</b> Each expected loss carries its standard error, which is large for tranches that lose only in rare economies.</li>");
    }
    out.push_str("<li><b>Ratings.</b> A tranche's implied rating is the best rating whose idealized expected loss at the tranche's weighted average life covers the tranche's expected loss.</li>");
    if !folder.frontier.is_empty() {
        out.push_str("<li><b>Frontier.</b> For each score cut-off and limit multiplier the applicants are decided, the receivables they would draw are originated and simulated, and the tranches sized; the recommended policy is the one with the largest pool balance among those that meet the scenario's targets.</li>");
    }
    out.push_str("</ul><h3>Limits</h3><ul>");
    out.push_str("<li>Gaussian dependence has thinner joint tails than observed in crises; tail measures (VaR, ES, senior EL) may be understated.</li>");
    out.push_str("<li>PDs, prepayment rates and recovery rates are constant over a receivable's life: no seasoning curve, no prepayment that slows in a downturn, no recovery rate that falls with defaults.</li>");
    out.push_str("<li>The economy is drawn once per path, not as a time series; a recession that starts late in the deal is not modelled separately.</li>");
    out.push_str("<li>Results are only as good as the PDs: a credit model that under-predicts defaults understates every loss here.");
    if !folder.breakevens.is_empty() {
        out.push_str(" The stress results and breakeven multiples show how far the PDs can be wrong before each tranche loses.");
    }
    out.push_str("</li>");
    out.push_str("<li>Monte Carlo results carry sampling error (the ± figures); rerun with more paths to narrow it.</li>");
    out.push_str("</ul>");
    out
}

/// The command that writes this folder again, byte for byte: `run` or `frontier` with the
/// scenario, (for a frontier) the applicants and any `--model`/`--policy` given, the paths,
/// the seed and, when known, the folder itself as `--out`. `None` when the summary lacks
/// what it needs.
pub fn reproduce_command(folder: &ReportFolder) -> Option<String> {
    let s = &folder.summary;
    let command = s.command.as_ref();
    let scenario = command
        .map(|c| c.scenario.clone())
        .or_else(|| s.scenario.file.clone())?;
    let paths = command.map_or(s.manifest.paths, |c| c.paths);
    let seed = command.map_or(s.manifest.seed, |c| c.seed);
    let mut words: Vec<String> = vec!["baitiao-abs".into()];
    if folder.is_frontier() {
        let applicants = command
            .map(|c| c.applicants.clone())
            .or_else(|| Some(s.applicants.as_ref()?.file.clone()))?;
        words.extend([
            "frontier".into(),
            scenario,
            "--applicants".into(),
            applicants,
        ]);
        if let Some(model) = command.and_then(|c| c.model.clone()) {
            words.extend(["--model".into(), model]);
        }
        if let Some(policy) = command.and_then(|c| c.policy.clone()) {
            words.extend(["--policy".into(), policy]);
        }
    } else {
        words.extend(["run".into(), scenario]);
    }
    words.extend([
        "--paths".into(),
        paths.to_string(),
        "--seed".into(),
        seed.to_string(),
    ]);
    if let Some(out) = &folder.published_path {
        words.extend(["--out".into(), out.display().to_string()]);
    }
    Some(
        words
            .iter()
            .map(|w| shell_word(w))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

pub(super) fn stamp_section(folder: &ReportFolder) -> String {
    let s = &folder.summary;
    let m = &s.manifest;
    let mut rows: Vec<Vec<String>> = vec![
        vec![
            "Tool".into(),
            esc(&format!("{} {}", tool_name(&m.tool), m.version)),
        ],
        vec!["Scenario".into(), esc(&folder.scenario_name())],
    ];
    if let Some(file) = &s.scenario.file {
        rows.push(vec![
            "Scenario file".into(),
            format!("<span class=\"mono\">{}</span>", esc(file)),
        ]);
    }
    rows.push(vec!["Seed".into(), m.seed.to_string()]);
    rows.push(vec![
        if folder.is_frontier() {
            "Monte Carlo paths per policy".into()
        } else {
            "Monte Carlo paths".into()
        },
        cny(m.paths as f64),
    ]);
    rows.push(vec![
        "Inputs digest (SHA-256)".into(),
        format!(
            "<span class=\"mono\">{}</span>",
            esc(if m.inputs_digest.is_empty() {
                "-"
            } else {
                &m.inputs_digest
            })
        ),
    ]);
    if !m.inputs.is_empty() {
        rows.push(vec![
            "Inputs".into(),
            m.inputs
                .iter()
                .map(|i| format!("<span class=\"mono\">{}</span>", esc(i)))
                .collect::<Vec<_>>()
                .join("<br>"),
        ]);
    }
    if !s.scenario.rating_table.is_empty() {
        rows.push(vec!["Rating table".into(), esc(&s.scenario.rating_table)]);
    }
    if let Some(command) = reproduce_command(folder) {
        rows.push(vec![
            "Reproduce with".into(),
            format!("<span class=\"mono\">{}</span>", esc(&command)),
        ]);
    }
    let mut out = text_table(&["Item", "Value"], &rows);
    out.push_str("<p class=\"note\">The same inputs, seed and number of paths give the same files byte for byte, on any number of threads. This page was built from the report folder's files and needs nothing outside itself.</p>");
    out
}
