//! What `run`, `frontier` and `fit` print on the terminal: a few lines and tables for a
//! person at the prompt (the files hold everything, with full decimals).

use std::fmt::Write as _;
use std::path::Path;

use super::format::{cny, funding_position_text_in, funding_surplus, years};
use super::sizing::{APPROVAL_POLICY_FILE, describe_shortfall_in};
use super::summary::{FrontierResults, RunResults};
use super::width::Wide;
use crate::credit::fit::ScorecardFit;
use crate::i18n::{Lang, fill, fill_into, tr};
use crate::scenario::SizingMethod;
use crate::scenario::Targets;
use crate::sizing::frontier::{FrontierPoint, Recommendation, Shortfall};

/// How long the timed stages of a run took, in seconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunTimings {
    pub monte_carlo: f64,
    pub rating_tests: f64,
    /// `None` when the run sized nothing.
    pub sizing: Option<f64>,
    pub tdr_bdr_sizing: Option<f64>,
}

/// A standard error of a rate as a terminal shows it: `0.12%`, `∞` when the paths do not
/// reach the quantile.
fn se_percent(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{:.2}%", 100.0 * v),
        Some(_) => "∞".into(),
        None => "-".into(),
    }
}

/// A table column's heading in `lang`, padded by display columns.
fn col(lang: Lang, key: &str) -> Wide<&'static str> {
    Wide(tr(lang, key))
}

/// The rating test (SPEC §7.3): per rated tranche, its implied rating, and the test at its
/// target rating (or its implied one) with the binding scenario.
fn rating_test_lines(text: &mut String, results: &RunResults, seconds: f64) {
    let lang = results.scenario.report.lang;
    let deal = &results.scenario.deal;
    let tests = results.rating_tests;
    line(
        text,
        lang,
        "terminal.run.rating_test",
        &[
            ("scenarios", &deal.stress_table.scenarios.len()),
            ("seconds", &format!("{seconds:.1}")),
        ],
    );
    let _ = writeln!(
        text,
        "{:<8} {:>8} {:>8} {:>8} {:>20} {:>9} {:>9}  {}",
        col(lang, "col.tranche"),
        col(lang, "col.implied"),
        col(lang, "col.tested"),
        col(lang, "col.wal"),
        col(lang, "col.tdr_se"),
        "BDR",
        col(lang, "col.margin"),
        tr(lang, "col.binding_scenario"),
    );
    for (j, implied) in tests.implied.iter().enumerate() {
        let name = &deal.tranches[j].name;
        let shown = deal.tranches[j]
            .target_rating
            .as_ref()
            .or(implied.as_ref())
            .or_else(|| deal.rating_table.ratings().last());
        let Some(row) = tests
            .tests
            .iter()
            .find(|t| &t.tranche == name && Some(&t.rating) == shown)
        else {
            continue;
        };
        let _ = writeln!(
            text,
            "{:<8} {:>8} {:>8} {:>8} {:>20} {:>9} {:>9}  {}{}",
            Wide(name),
            Wide(implied.as_deref().unwrap_or_else(|| tr(lang, "word.none"))),
            Wide(&row.rating),
            years(Some(row.wal)),
            format!(
                "{} ± {}",
                percent(Some(row.tdr)),
                se_percent(Some(row.tdr_se))
            ),
            percent(Some(row.bdr)),
            crate::report::format::points(row.margin, 2),
            row.binding_scenario,
            if row.passes {
                String::new()
            } else {
                format!("  {}", tr(lang, "word.fails"))
            }
        );
    }
}

/// A share as a terminal shows it: `2.71%`, `-` when missing.
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{:.2}%", 100.0 * v))
}

/// Appends the catalogue's `key` in `lang`, filled with `args`, and a line break.
fn line(text: &mut String, lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) {
    fill_into(text, tr(lang, key), args);
    text.push('\n');
}

/// `A 10.12x, B never`: one value per tranche, `never` where there is none.
fn per_tranche(lang: Lang, values: impl Iterator<Item = (String, Option<String>)>) -> String {
    values
        .map(|(tranche, value)| {
            fill(
                tr(lang, "terminal.run.tranche_value"),
                &[
                    ("tranche", &tranche),
                    (
                        "value",
                        &value.unwrap_or_else(|| tr(lang, "word.never").to_string()),
                    ),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join(tr(lang, "word.list_separator"))
}

/// A suffix of two spaces and `word`, or nothing.
fn flag(lang: Lang, on: bool, key: &str) -> String {
    if on {
        format!("  {}", tr(lang, key))
    } else {
        String::new()
    }
}

/// The run's summary for the terminal, in the scenario's `[report] lang`, ending with the
/// report folder.
pub fn run_summary(results: &RunResults, timings: RunTimings, out_dir: &Path) -> String {
    let RunResults {
        scenario,
        pool,
        deterministic: run,
        breakevens,
        monte_carlo: mc,
        sizing,
        ..
    } = *results;
    let lang = scenario.report.lang;
    let mut text = String::new();
    let multiplier = scenario.assumptions.pd_multiplier;
    line(
        &mut text,
        lang,
        "terminal.run.scenario",
        &[
            ("name", &scenario.name),
            ("receivables", &pool.assets.len()),
            ("balance", &cny(pool.closing_balance)),
            ("pd_tape", &percent(Some(pool.weighted_pd()))),
            (
                "pd_stressed",
                &percent(Some(pool.weighted_stressed_pd(multiplier))),
            ),
            ("multiplier", &multiplier),
        ],
    );
    for calibration in calibration_lines_in(lang, &scenario.assumptions) {
        let _ = writeln!(text, "{calibration}");
    }
    let call = run.outcome.call_month.map_or_else(String::new, |month| {
        fill(tr(lang, "terminal.run.call"), &[("month", &month)])
    });
    line(
        &mut text,
        lang,
        "terminal.run.deterministic",
        &[
            ("defaults", &cny(run.outcome.cumulative_defaults)),
            ("purchases", &cny(run.outcome.cumulative_purchases)),
            ("month", &run.outcome.last_revolving_month),
            ("call", &call),
        ],
    );
    let _ = writeln!(
        text,
        "{:<10} {:>16} {:>16} {:>9} {:>9} {:>9}",
        col(lang, "col.tranche"),
        col(lang, "col.balance_cny"),
        col(lang, "col.loss_cny"),
        col(lang, "col.loss"),
        col(lang, "col.wal_years"),
        col(lang, "col.yield"),
    );
    for s in &run.summaries {
        let _ = writeln!(
            text,
            "{:<10} {:>16} {:>16} {:>9} {:>9} {:>9}",
            Wide(&s.tranche),
            cny(s.original_balance),
            cny(s.principal_loss),
            percent(Some(s.loss_share)),
            years(s.wal_years),
            percent(s.annual_yield)
        );
    }
    let multiples = per_tranche(
        lang,
        breakevens
            .iter()
            .map(|b| (b.tranche.clone(), b.pd_multiple.map(|m| format!("{m:.2}x")))),
    );
    line(
        &mut text,
        lang,
        "terminal.run.breakeven_multiple",
        &[("list", &multiples)],
    );
    let cdrs = per_tranche(
        lang,
        breakevens
            .iter()
            .map(|b| (b.tranche.clone(), b.cdr.map(|c| percent(Some(c))))),
    );
    line(
        &mut text,
        lang,
        "terminal.run.breakeven_cdr",
        &[("list", &cdrs)],
    );
    let sampling = if mc.importance_sampling {
        tr(lang, "terminal.run.importance_sampled")
    } else {
        ""
    };
    line(
        &mut text,
        lang,
        "terminal.run.monte_carlo",
        &[
            ("paths", &mc.paths),
            ("sampling", &sampling),
            ("seconds", &format!("{:.1}", timings.monte_carlo)),
            (
                "speed",
                &format!(
                    "{:.0}",
                    mc.receivable_lives as f64 / timings.monte_carlo.max(1e-9) / 1e6
                ),
            ),
            ("el", &format!("{:.3}%", 100.0 * mc.pool_net_loss.mean)),
            (
                "se",
                &format!("{:.3}%", 100.0 * mc.pool_net_loss.standard_error),
            ),
            ("var", &percent(Some(mc.pool_net_loss.var[1]))),
            ("es", &percent(Some(mc.pool_net_loss.es[1]))),
        ],
    );
    let _ = writeln!(
        text,
        "{:<8} {:>15} {:>22} {:>10} {:>8} {:>8} {:>6} {:>7} {:>13}",
        col(lang, "col.tranche"),
        col(lang, "col.amount_cny"),
        col(lang, "col.el_se"),
        col(lang, "col.probability_of_loss"),
        "VaR99",
        "ES99",
        col(lang, "col.wal"),
        col(lang, "col.yield"),
        col(lang, "col.rating_target"),
    );
    for t in &mc.tranches {
        let _ = writeln!(
            text,
            "{:<8} {:>15} {:>22} {:>10.3e} {:>8} {:>8} {:>6} {:>7} {:>13}",
            Wide(&t.tranche),
            cny(t.amount),
            format!("{:.2e} ± {:.1e}", t.loss.mean, t.loss.standard_error),
            t.loss.probability_of_loss,
            percent(Some(t.loss.var[1])),
            percent(Some(t.loss.es[1])),
            years(t.wal_years),
            percent(t.annual_yield),
            Wide(if t.rated {
                format!(
                    "{}/{}",
                    t.implied_rating
                        .as_deref()
                        .unwrap_or_else(|| tr(lang, "word.below_scale")),
                    t.target_rating.as_deref().unwrap_or("-")
                )
            } else {
                tr(lang, "word.not_rated").to_string()
            }),
        );
    }
    for t in &mc.triggers {
        line(
            &mut text,
            lang,
            "terminal.run.trigger",
            &[
                ("trigger", &t.trigger),
                (
                    "revolving",
                    &format!("{:.2e}", t.probability_within_revolving_period),
                ),
                ("final", &format!("{:.2e}", t.probability_by_legal_final)),
            ],
        );
    }
    rating_test_lines(&mut text, results, timings.rating_tests);
    if let Some(sizing) = sizing {
        line(
            &mut text,
            lang,
            "terminal.run.sizing",
            &[
                ("candidates", &sizing.evaluations),
                ("seconds", &format!("{:.1}", timings.sizing.unwrap_or(0.0))),
                ("tolerance", &percent(Some(sizing.share_tolerance))),
            ],
        );
        let _ = writeln!(
            text,
            "{:<8} {:>8} {:>8} {:>15} {:>8} {:>22} {:>10} {:>6}",
            col(lang, "col.tranche"),
            col(lang, "col.target"),
            col(lang, "col.share"),
            col(lang, "col.amount_cny"),
            col(lang, "col.ce"),
            col(lang, "col.el_se"),
            col(lang, "col.target_el"),
            col(lang, "col.wal"),
        );
        for t in &sizing.tranches {
            let _ = writeln!(
                text,
                "{:<8} {:>8} {:>8} {:>15} {:>8} {:>22} {:>10} {:>6}{}",
                Wide(&t.tranche),
                Wide(t.target_rating.as_deref().unwrap_or("-")),
                percent(Some(t.share)),
                cny(t.amount),
                percent(Some(t.credit_enhancement.max(0.0))),
                format!("{:.2e} ± {:.1e}", t.el, t.el_se),
                t.target_el
                    .map_or_else(|| "-".into(), |e| format!("{e:.2e}")),
                years(t.wal),
                flag(lang, !t.feasible, "word.target_not_met"),
            );
        }
        if let Some(tdr) = results.tdr_bdr_sizing {
            line(
                &mut text,
                lang,
                "terminal.run.tdr_bdr_sizing",
                &[
                    ("candidates", &tdr.evaluations),
                    ("runs", &tdr.runs),
                    (
                        "seconds",
                        &format!("{:.1}", timings.tdr_bdr_sizing.unwrap_or(0.0)),
                    ),
                ],
            );
            let _ = writeln!(
                text,
                "{:<8} {:>8} {:>8} {:>15} {:>8} {:>20} {:>9} {:>6}  {}",
                col(lang, "col.tranche"),
                col(lang, "col.target"),
                col(lang, "col.share"),
                col(lang, "col.amount_cny"),
                col(lang, "col.ce"),
                col(lang, "col.tdr_se"),
                "BDR",
                col(lang, "col.wal"),
                tr(lang, "col.binding_scenario"),
            );
            for t in &tdr.tranches {
                let _ = writeln!(
                    text,
                    "{:<8} {:>8} {:>8} {:>15} {:>8} {:>20} {:>9} {:>6}  {}{}",
                    Wide(&t.tranche),
                    Wide(t.target_rating.as_deref().unwrap_or("-")),
                    percent(Some(t.share)),
                    cny(t.amount),
                    percent(Some(t.credit_enhancement.max(0.0))),
                    t.tdr.map_or_else(
                        || "-".into(),
                        |r| format!("{} ± {}", percent(Some(r)), se_percent(t.tdr_se))
                    ),
                    percent(t.bdr),
                    years(Some(t.wal)),
                    t.binding_scenario.as_deref().unwrap_or("-"),
                    flag(lang, !t.feasible, "word.target_not_met"),
                );
            }
        }
        let method = scenario.deal.sizing_method;
        if let Some((capacity, advance_rate)) = results.capacity(method) {
            let other = SizingMethod::ALL
                .iter()
                .find(|&&m| m != method)
                .and_then(|&m| results.capacity(m).map(|c| (m, c)))
                .map_or_else(String::new, |(m, (c, a))| {
                    fill(
                        tr(lang, "terminal.run.treasury_other"),
                        &[
                            ("method", &m.as_str()),
                            ("capacity", &cny(c)),
                            ("advance", &percent(Some(a))),
                        ],
                    )
                });
            let need = scenario.targets.funding_need.map_or_else(String::new, |n| {
                fill(
                    tr(lang, "terminal.run.treasury_need"),
                    &[
                        ("need", &cny(n)),
                        (
                            "position",
                            &funding_position_text_in(lang, funding_surplus(capacity, n)),
                        ),
                    ],
                )
            });
            line(
                &mut text,
                lang,
                "terminal.run.treasury",
                &[
                    ("method", &method.as_str()),
                    ("capacity", &cny(capacity)),
                    ("advance", &percent(Some(advance_rate))),
                    ("other", &other),
                    ("need", &need),
                ],
            );
        }
    }
    fill_into(
        &mut text,
        tr(lang, "terminal.run.report"),
        &[("dir", &out_dir.display())],
    );
    text
}

/// The frontier's table for the terminal, with the recommendation and the treasury's view,
/// ending with the report folder.
pub fn frontier_summary(results: &FrontierResults, seconds: f64, out_dir: &Path) -> String {
    let FrontierResults {
        scenario,
        command,
        frontier,
        ..
    } = *results;
    let lang = scenario.report.lang;
    let mut text = String::new();
    let first = frontier.points.first();
    line(
        &mut text,
        lang,
        "terminal.frontier.heading",
        &[
            ("name", &scenario.name),
            ("applicants_file", &command.applicants.display()),
            ("applicants", &first.map_or(0, |p| p.applicants)),
            ("policies", &frontier.points.len()),
            ("paths", &scenario.frontier.paths),
            ("seconds", &format!("{seconds:.1}")),
        ],
    );
    let method = scenario.deal.sizing_method;
    line(
        &mut text,
        lang,
        "terminal.frontier.method",
        &[("method", &method.as_str())],
    );
    let _ = writeln!(
        text,
        "{:>7} {:>5} {:>8} {:>15} {:>15} {:>7} {:>13} {:>8} {:>15} {:>8} {:>5} {:>8} {:>8}",
        col(lang, "col.cutoff"),
        col(lang, "col.multiplier"),
        col(lang, "col.approval"),
        col(lang, "col.limits_cny"),
        col(lang, "col.pool_cny"),
        col(lang, "col.weighted_pd"),
        col(lang, "col.pool_el_se"),
        col(lang, "col.senior_ce"),
        col(lang, "col.capacity_cny"),
        col(lang, "col.advance"),
        col(lang, "col.meets"),
        "TDR/BDR",
        "EL"
    );
    for p in &frontier.points {
        let _ = writeln!(
            text,
            "{:>7} {:>5} {:>8} {:>15} {:>15} {:>7} {:>13} {:>8} {:>15} {:>8} {:>5} {:>8} {:>8}{}",
            format!("{}", p.cutoff),
            format!("{:.2}", p.limit_multiplier),
            percent(Some(p.approval_rate)),
            cny(p.approved_limits),
            cny(p.pool_balance),
            percent(p.weighted_pd),
            match (p.pool_el, p.pool_el_se) {
                (Some(el), Some(se)) => format!("{:.2}±{:.2}%", 100.0 * el, 100.0 * se),
                _ => "-".into(),
            },
            percent(p.senior_credit_enhancement),
            cny(p.funding_capacity),
            percent(p.advance_rate),
            Wide(tr(
                lang,
                if p.meets_targets {
                    "word.yes"
                } else {
                    "word.no"
                }
            )),
            percent(p.sizing_tdr_bdr.as_ref().map(|s| s.advance_rate)),
            percent(p.sizing.as_ref().map(|s| s.advance_rate)),
            flag(lang, p.recommended, "word.recommended_mark"),
        );
    }
    let targets = &scenario.targets;
    if targets == &Targets::default() {
        line(&mut text, lang, "terminal.frontier.no_targets", &[]);
    }
    match &frontier.recommendation {
        Recommendation::Recommended { point } => {
            let p = &frontier.points[*point];
            line(
                &mut text,
                lang,
                "terminal.frontier.recommended",
                &[
                    ("cutoff", &p.cutoff),
                    ("multiplier", &p.limit_multiplier),
                    ("file", &out_dir.join(APPROVAL_POLICY_FILE).display()),
                ],
            );
            treasury_line(
                &mut text,
                lang,
                "terminal.frontier.recommended_policy",
                p,
                targets.funding_need,
            );
        }
        Recommendation::Infeasible { point, binding, .. } => {
            let p = &frontier.points[*point];
            line(
                &mut text,
                lang,
                "terminal.frontier.infeasible",
                &[("cutoff", &p.cutoff), ("multiplier", &p.limit_multiplier)],
            );
            let mut shortfalls: Vec<&Shortfall> = p.shortfalls.iter().collect();
            shortfalls.sort_by_key(|s| s.target != *binding);
            for s in shortfalls {
                let _ = writeln!(text, "  {}", describe_shortfall_in(lang, s));
            }
            treasury_line(
                &mut text,
                lang,
                "terminal.frontier.closest_policy",
                p,
                targets.funding_need,
            );
        }
        Recommendation::NothingApproved => {
            line(&mut text, lang, "terminal.frontier.nothing_approved", &[]);
        }
    }
    fill_into(
        &mut text,
        tr(lang, "terminal.run.report"),
        &[("dir", &out_dir.display())],
    );
    text
}

fn treasury_line(
    text: &mut String,
    lang: Lang,
    which: &str,
    point: &FrontierPoint,
    need: Option<f64>,
) {
    let capacity = point.funding_capacity;
    let method = point.method.as_str();
    let which = tr(lang, which);
    match need {
        Some(need) => line(
            text,
            lang,
            "terminal.frontier.treasury_need",
            &[
                ("method", &method),
                ("which", &which),
                ("capacity", &cny(capacity)),
                ("need", &cny(need)),
                (
                    "position",
                    &funding_position_text_in(lang, funding_surplus(capacity, need)),
                ),
            ],
        ),
        None => line(
            text,
            lang,
            "terminal.frontier.treasury_no_need",
            &[
                ("method", &method),
                ("which", &which),
                ("capacity", &cny(capacity)),
            ],
        ),
    }
    let both: Vec<String> = [
        (
            "tdr_bdr",
            point.sizing_tdr_bdr.as_ref().map(|s| s.funding_capacity),
        ),
        (
            "expected_loss",
            point.sizing.as_ref().map(|s| s.funding_capacity),
        ),
    ]
    .into_iter()
    .filter_map(|(name, c)| {
        Some(fill(
            tr(lang, "terminal.frontier.method_capacity"),
            &[("method", &name), ("capacity", &cny(c?))],
        ))
    })
    .collect();
    if !both.is_empty() {
        line(
            text,
            lang,
            "terminal.frontier.by_method",
            &[("list", &both.join(tr(lang, "word.list_separator")))],
        );
    }
}

/// What `fit` found: the sample, each coefficient with its standard error and z, the
/// discrimination on the hold-out and the training rows, and how many score bands are
/// calibrated (`history` names the file, `calibration` the table written).
pub fn fit_summary(fit: &ScorecardFit, history: &str, calibration: &Path, lang: Lang) -> String {
    let regression = &fit.regression;
    let mut text = String::new();
    line(
        &mut text,
        lang,
        "terminal.fit.sample",
        &[
            ("history", &history),
            ("rows", &fit.training_rows),
            ("defaults", &fit.training_defaults),
            ("holdout", &fit.holdout_rows),
            ("unscored", &fit.unscored),
            ("iterations", &regression.iterations),
        ],
    );
    let _ = writeln!(
        text,
        "{:<22} {:>10} {:>10} {:>8}",
        col(lang, "col.feature"),
        "beta",
        col(lang, "col.std_err"),
        "z"
    );
    let _ = writeln!(
        text,
        "{:<22} {:>10.4} {:>10.4} {:>8.2}",
        Wide(tr(lang, "word.intercept")),
        regression.intercept,
        regression.standard_errors[0],
        regression.intercept / regression.standard_errors[0]
    );
    for (j, name) in fit.feature_names.iter().enumerate() {
        let (beta, se) = (
            regression.coefficients[j],
            regression.standard_errors[j + 1],
        );
        let _ = writeln!(
            text,
            "{name:<22} {beta:>10.4} {se:>10.4} {:>8.2}",
            beta / se
        );
    }
    let (test, train) = (&fit.holdout, &fit.training);
    let four = |v: f64| format!("{v:.4}");
    line(
        &mut text,
        lang,
        "terminal.fit.discrimination",
        &[
            ("auc", &four(test.auc)),
            ("ks", &four(test.ks)),
            ("gini", &four(test.gini)),
            ("train_auc", &four(train.auc)),
            ("train_ks", &four(train.ks)),
            ("train_gini", &four(train.gini)),
        ],
    );
    let outside = fit
        .calibration
        .iter()
        .filter(|b| !b.predicted_within_interval)
        .count();
    fill_into(
        &mut text,
        tr(lang, "terminal.fit.calibration"),
        &[
            ("inside", &(fit.calibration.len() - outside)),
            ("bands", &fit.calibration.len()),
            ("file", &calibration.display()),
        ],
    );
    text
}

/// Which assumptions came from the scenario's calibration file and which the scenario
/// overrode, one line each (nothing without a calibration), in English.
pub fn calibration_lines(assumptions: &crate::scenario::Assumptions) -> Vec<String> {
    calibration_lines_in(Lang::En, assumptions)
}

/// [`calibration_lines`] in `lang`.
pub fn calibration_lines_in(lang: Lang, assumptions: &crate::scenario::Assumptions) -> Vec<String> {
    let Some(c) = &assumptions.calibration else {
        return Vec::new();
    };
    // four decimals, trailing zeros dropped: the file keeps every digit
    let short = |v: f64| {
        let text = format!("{v:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let value = |key: &str| match key {
        "correlation" => short(assumptions.correlation),
        "pd_multiplier" => short(assumptions.pd_multiplier),
        "recovery_rate" => short(assumptions.recovery_rate),
        "recovery_lag_months" => format!("{}", assumptions.recovery_lag_months),
        "cpr" => match &assumptions.prepayment {
            crate::scenario::Prepayment::Flat(cpr) => short(*cpr),
            crate::scenario::Prepayment::ByTerm(_) => tr(lang, "word.by_term").into(),
        },
        _ => String::new(),
    };
    let list = |keys: &[&str]| {
        keys.iter()
            .map(|k| format!("{k} = {}", value(k)))
            .collect::<Vec<_>>()
            .join(tr(lang, "word.list_separator"))
    };
    let taken = if c.calibrated.is_empty() {
        tr(lang, "word.none_taken").to_string()
    } else {
        list(&c.calibrated)
    };
    let mut lines = vec![fill(
        tr(lang, "terminal.calibration.taken"),
        &[
            ("file", &c.file.display()),
            ("history", &c.history),
            ("date", &c.data_date),
            (
                "rate",
                &format!("{:.3}%", 100.0 * c.lifetime_charge_off_rate),
            ),
            ("low", &format!("{:.3}", c.rho_ci90[0])),
            ("high", &format!("{:.3}", c.rho_ci90[1])),
            ("list", &taken),
        ],
    )];
    if !c.overridden.is_empty() {
        lines.push(fill(
            tr(lang, "terminal.calibration.overridden"),
            &[("list", &list(&c.overridden))],
        ));
    }
    lines
}
