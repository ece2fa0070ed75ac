//! The tranche table (`tranches.csv`) and the note on importance-sampled path weights.

use super::*;

pub(super) fn tranche_section(folder: &ReportFolder) -> String {
    if folder.tranches.is_empty() {
        return String::new();
    }
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
                Some(true) => "<span class=\"good\">meets</span>".to_string(),
                Some(false) => "<span class=\"bad\">below</span>".to_string(),
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
                    "— <span class=\"note\">not rated</span>".to_string()
                } else {
                    esc(t.implied_rating.as_deref().unwrap_or("below scale"))
                },
                esc(t.target_rating.as_deref().unwrap_or("-")),
                verdict,
            ]
        })
        .collect();
    let mut out = table(
        &[
            "Tranche",
            "Size (CNY, share)",
            "Coupon",
            "EL ± SE",
            "PD",
            "VaR 99 %",
            "ES 99 %",
            "WAL (years)",
            "Yield",
            "Implied",
            "Target",
            "",
        ],
        &rows,
    );
    out.push_str("<p class=\"note\">EL: expected principal loss as a share of the tranche's original balance, ± its Monte Carlo standard error. PD: probability of any principal loss. VaR and ES at 99 %: the loss exceeded in 1 % of simulated economies, and the average loss in that worst 1 %. Yield: annual rate of the expected cash flows at par (the residual tranche's includes its residual cash). Implied rating: the best rating whose idealized expected loss at the tranche's WAL covers its EL; the residual tranche, the last, has no coupon and is not rated.</p>");
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
    let mut note = String::from(
        "<p class=\"bad\">Paths are importance-sampled; use the weight column. The rows of path_results.csv over-sample bad economies and each carries its weight (they sum to 1): a statistic of the file is Σ weight × value, in pandas <code>(df.loss_A * df.weight).sum()</code>, never an unweighted <code>df.loss_A.mean()</code>.",
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
        let _ = write!(
            note,
            " Here loss_{} averages {} unweighted against its weighted mean, the EL, of {}.",
            esc(name),
            small_percent(unweighted),
            small_percent(weighted)
        );
    }
    note.push_str("</p>");
    note
}
