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
    let lang = folder.lang;
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
        tr(lang, "html.col.bucket"),
        tr(lang, "html.col.receivables"),
        tr(lang, "html.col.balance"),
        tr(lang, "html.col.share"),
        tr(lang, "html.col.wa_pd"),
    ];
    if split {
        header.extend([
            tr(lang, "html.col.instalment_fee"),
            tr(lang, "html.col.bullet_fee"),
            tr(lang, "html.col.annuity_interest"),
            tr(lang, "html.col.annualised_yield"),
        ]);
    }
    header.push(tr(lang, "html.col.wa_months_left"));
    let mut out = table(&header, &rows);
    let _ = write!(
        out,
        "<p class=\"note\">{}</p>",
        tr(lang, "html.strats.note")
    );
    out
}

pub(super) fn methodology_section(folder: &ReportFolder) -> String {
    if folder.tranches.is_empty() && folder.frontier.is_empty() {
        return String::new();
    }
    let lang = folder.lang;
    let importance = folder.summary.importance_sampling();
    let mut out = String::new();
    out.push_str(tr(lang, "html.method.heading_model"));
    out.push_str(tr(lang, "html.method.defaults"));
    out.push_str(tr(lang, "html.method.cash"));
    out.push_str(tr(lang, "html.method.deal"));
    if importance == Some(true) {
        out.push_str(tr(lang, "html.method.rare_losses"));
    } else if importance == Some(false) {
        out.push_str(tr(lang, "html.method.sampling_plain"));
    } else {
        out.push_str(tr(lang, "html.method.sampling"));
    }
    out.push_str(tr(lang, "html.method.ratings"));
    if !folder.frontier.is_empty() {
        out.push_str(tr(lang, "html.method.frontier"));
    }
    out.push_str(tr(lang, "html.method.limits_heading"));
    out.push_str(tr(lang, "html.method.gaussian"));
    out.push_str(tr(lang, "html.method.constant_rates"));
    out.push_str(tr(lang, "html.method.one_draw"));
    out.push_str(tr(lang, "html.method.pds"));
    if !folder.breakevens.is_empty() {
        out.push_str(tr(lang, "html.method.breakevens"));
    }
    out.push_str("</li>");
    out.push_str(tr(lang, "html.method.sampling_error"));
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
    let lang = folder.lang;
    let item = |key: &str| tr(lang, key).to_string();
    let mut rows: Vec<Vec<String>> = vec![
        vec![
            item("html.stamp.tool"),
            esc(&format!("{} {}", tool_name(&m.tool), m.version)),
        ],
        vec![item("html.stamp.scenario"), esc(&folder.scenario_name())],
    ];
    if let Some(file) = &s.scenario.file {
        rows.push(vec![
            item("html.stamp.scenario_file"),
            format!("<span class=\"mono\">{}</span>", esc(file)),
        ]);
    }
    rows.push(vec![item("html.stamp.seed"), m.seed.to_string()]);
    rows.push(vec![
        if folder.is_frontier() {
            item("html.stamp.paths_per_policy")
        } else {
            item("html.stamp.paths")
        },
        cny(m.paths as f64),
    ]);
    rows.push(vec![
        item("html.stamp.digest"),
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
            item("html.stamp.inputs"),
            m.inputs
                .iter()
                .map(|i| format!("<span class=\"mono\">{}</span>", esc(i)))
                .collect::<Vec<_>>()
                .join("<br>"),
        ]);
    }
    if !s.scenario.rating_table.is_empty() {
        rows.push(vec![
            item("html.stamp.rating_table"),
            esc(&s.scenario.rating_table),
        ]);
    }
    if let Some(command) = reproduce_command(folder) {
        rows.push(vec![
            item("html.stamp.reproduce"),
            format!("<span class=\"mono\">{}</span>", esc(&command)),
        ]);
    }
    let mut out = text_table(
        &[tr(lang, "html.col.item"), tr(lang, "html.col.value")],
        &rows,
    );
    let _ = write!(out, "<p class=\"note\">{}</p>", tr(lang, "html.stamp.note"));
    out
}
