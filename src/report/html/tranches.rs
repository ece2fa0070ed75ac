//! The tranche table (`tranches.csv`) and the note on importance-sampled path weights.

use super::*;

pub(super) fn tranche_section(folder: &ReportFolder) -> String {
    if folder.tranches.is_empty() {
        return String::new();
    }
    let lang = folder.lang;
    let scale = rating_scale(folder);
    let residual = folder.tranches.len() - 1;
    let rows: Vec<Vec<String>> = folder
        .tranches
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let verdict = match meets_target(
                &scale,
                t.implied_rating.as_deref(),
                t.target_rating.as_deref(),
            ) {
                Some(true) => format!(
                    "<span class=\"good\">{}</span>",
                    tr(lang, "html.word.meets")
                ),
                Some(false) => {
                    format!("<span class=\"bad\">{}</span>", tr(lang, "html.word.below"))
                }
                None => "-".to_string(),
            };
            vec![
                esc(&t.tranche),
                format!(
                    "{}<br><span class=\"note\">{}</span>",
                    cny(t.amount),
                    percent(t.share, 1)
                ),
                or_dash(t.coupon, |c| percent(c, 2)),
                el_with_se(t.el, t.el_se),
                or_dash(t.pd, small_percent),
                or_dash(t.var99, small_percent),
                or_dash(t.es99, small_percent),
                years(t.wal),
                or_dash(t.annual_yield, |y| percent(y, 2)),
                if i == residual {
                    // the residual holder has no coupon and is not rated (SPEC §5)
                    format!(
                        "— <span class=\"note\">{}</span>",
                        tr(lang, "word.not_rated")
                    )
                } else {
                    esc(t
                        .implied_rating
                        .as_deref()
                        .unwrap_or_else(|| tr(lang, "word.below_scale")))
                },
                esc(t.target_rating.as_deref().unwrap_or("-")),
                verdict,
            ]
        })
        .collect();
    let mut out = table(
        &[
            tr(lang, "html.col.tranche"),
            tr(lang, "html.col.size"),
            tr(lang, "html.col.coupon"),
            tr(lang, "html.col.el_se"),
            tr(lang, "html.col.pd"),
            "VaR 99 %",
            "ES 99 %",
            tr(lang, "html.col.wal_years"),
            tr(lang, "html.col.yield"),
            tr(lang, "html.col.implied"),
            tr(lang, "html.col.target"),
            "",
        ],
        &rows,
    );
    let _ = write!(
        out,
        "<p class=\"note\">{}</p>",
        tr(lang, "html.tranches.note")
    );
    out.push_str(&path_weights_note(folder));
    out
}

/// The warning a reader of `path_results.csv` needs when the paths are importance-sampled:
/// use the weight column. With the file at hand it shows what an unweighted average of the
/// senior tranche's loss would give against its EL.
pub(super) fn path_weights_note(folder: &ReportFolder) -> String {
    if folder.summary.importance_sampling() != Some(true) {
        return String::new();
    }
    let lang = folder.lang;
    let mut note = format!(
        "<p class=\"bad\">{}",
        fill(
            tr(lang, "html.tranches.weights"),
            &[
                ("weighted", &"<code>(df.loss_A * df.weight).sum()</code>"),
                ("unweighted", &"<code>df.loss_A.mean()</code>"),
            ],
        )
    );
    if let Some(paths) = &folder.path_results
        && let Some((name, losses)) = paths.tranche_losses.first()
        && !losses.is_empty()
    {
        let unweighted = losses.iter().sum::<f64>() / losses.len() as f64;
        let total: f64 = paths.weights.iter().sum();
        let weighted = losses
            .iter()
            .zip(&paths.weights)
            .map(|(l, w)| l * w)
            .sum::<f64>()
            / total;
        note.push_str(&fill(
            tr(lang, "html.tranches.weights_here"),
            &[
                ("tranche", &esc(name)),
                ("unweighted", &small_percent(unweighted)),
                ("weighted", &small_percent(weighted)),
            ],
        ));
    }
    note.push_str("</p>");
    note
}
