//! What `run`, `frontier` and `fit` print on the terminal: a few lines and tables for a
//! person at the prompt (the files hold everything, with full decimals).

use std::fmt::Write as _;
use std::path::Path;

use super::format::{cny, funding_position_text, funding_surplus, years};
use super::sizing::{APPROVAL_POLICY_FILE, describe_shortfall};
use super::summary::{FrontierResults, RunResults};
use super::width::Wide;
use crate::credit::fit::ScorecardFit;
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

/// The rating test (SPEC §7.3): per rated tranche, its implied rating, and the test at its
/// target rating (or its implied one) with the binding scenario.
fn rating_test_lines(text: &mut String, results: &RunResults, seconds: f64) {
    let deal = &results.scenario.deal;
    let tests = results.rating_tests;
    let _ = writeln!(
        text,
        "Rating test (TDR vs BDR under {} stress scenarios, {:.1} s):",
        deal.stress_table.scenarios.len(),
        seconds
    );
    let _ = writeln!(
        text,
        "{:<8} {:>8} {:>8} {:>8} {:>20} {:>9} {:>9}  binding scenario",
        "tranche", "implied", "tested", "WAL", "TDR ± se", "BDR", "margin"
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
            Wide(implied.as_deref().unwrap_or("none")),
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
            if row.passes { "" } else { "  fails" }
        );
    }
}

/// A share as a terminal shows it: `2.71%`, `-` when missing.
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{:.2}%", 100.0 * v))
}

/// The run's summary for the terminal, ending with the report folder.
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
    let mut text = String::new();
    let multiplier = scenario.assumptions.pd_multiplier;
    let _ = writeln!(
        text,
        "Scenario {}: {} receivables, closing balance {} CNY, weighted 12-month PD: tape {:.2}%, stressed {:.2}% (× PD multiplier {multiplier}, used by the model)",
        scenario.name,
        pool.assets.len(),
        cny(pool.closing_balance),
        100.0 * pool.weighted_pd(),
        100.0 * pool.weighted_stressed_pd(multiplier)
    );
    for line in calibration_lines(&scenario.assumptions) {
        let _ = writeln!(text, "{line}");
    }
    let _ = writeln!(
        text,
        "Deterministic run: cumulative defaults {} CNY, purchases {} CNY, revolving until month {}{}",
        cny(run.outcome.cumulative_defaults),
        cny(run.outcome.cumulative_purchases),
        run.outcome.last_revolving_month,
        run.outcome
            .call_month
            .map_or_else(String::new, |m| format!(", clean-up call in month {m}"))
    );
    let _ = writeln!(
        text,
        "{:<10} {:>16} {:>16} {:>9} {:>9} {:>9}",
        "tranche", "balance CNY", "loss CNY", "loss", "WAL y", "yield"
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
    let quoted: Vec<String> = breakevens
        .iter()
        .map(|b| match b.pd_multiple {
            Some(m) => format!("{} {m:.2}x", b.tranche),
            None => format!("{} never", b.tranche),
        })
        .collect();
    let _ = writeln!(
        text,
        "Breakeven PD multiple (first principal loss, deterministic run): {}",
        quoted.join(", ")
    );
    let cdrs: Vec<String> = breakevens
        .iter()
        .map(|b| match b.cdr {
            Some(c) => format!("{} {:.2}%", b.tranche, 100.0 * c),
            None => format!("{} never", b.tranche),
        })
        .collect();
    let _ = writeln!(
        text,
        "Breakeven CDR (flat annual, last CDR with no principal loss): {}",
        cdrs.join(", ")
    );
    let _ = writeln!(
        text,
        "Monte Carlo: {} paths{} in {:.1} s ({:.0} M receivable-lives/s); pool net loss EL {:.3}% ± {:.3}%, VaR 99% {:.2}%, ES 99% {:.2}%",
        mc.paths,
        if mc.importance_sampling {
            " (importance-sampled factor)"
        } else {
            ""
        },
        timings.monte_carlo,
        mc.receivable_lives as f64 / timings.monte_carlo.max(1e-9) / 1e6,
        100.0 * mc.pool_net_loss.mean,
        100.0 * mc.pool_net_loss.standard_error,
        100.0 * mc.pool_net_loss.var[1],
        100.0 * mc.pool_net_loss.es[1],
    );
    let _ = writeln!(
        text,
        "{:<8} {:>15} {:>22} {:>10} {:>8} {:>8} {:>6} {:>7} {:>13}",
        "tranche", "amount CNY", "EL ± se", "PD", "VaR99", "ES99", "WAL", "yield", "rating/target"
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
                    t.implied_rating.as_deref().unwrap_or("below scale"),
                    t.target_rating.as_deref().unwrap_or("-")
                )
            } else {
                "not rated".to_string()
            }),
        );
    }
    for t in &mc.triggers {
        let _ = writeln!(
            text,
            "trigger {}: breach probability {:.2e} within the revolving period, {:.2e} by the legal final",
            t.trigger, t.probability_within_revolving_period, t.probability_by_legal_final
        );
    }
    rating_test_lines(&mut text, results, timings.rating_tests);
    if let Some(sizing) = sizing {
        let _ = writeln!(
            text,
            "Sizing on the same paths ({} candidates in {:.1} s, shares to {:.2}% of the pool):",
            sizing.evaluations,
            timings.sizing.unwrap_or(0.0),
            100.0 * sizing.share_tolerance
        );
        let _ = writeln!(
            text,
            "{:<8} {:>8} {:>8} {:>15} {:>8} {:>22} {:>10} {:>6}",
            "tranche", "target", "share", "amount CNY", "CE", "EL ± se", "target EL", "WAL"
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
                if t.feasible {
                    ""
                } else {
                    "  target not met at any size"
                }
            );
        }
        if let Some(tdr) = results.tdr_bdr_sizing {
            let _ = writeln!(
                text,
                "Sizing by TDR/BDR ({} candidates, {} deterministic runs in {:.1} s):",
                tdr.evaluations,
                tdr.runs,
                timings.tdr_bdr_sizing.unwrap_or(0.0),
            );
            let _ = writeln!(
                text,
                "{:<8} {:>8} {:>8} {:>15} {:>8} {:>20} {:>9} {:>6}  binding scenario",
                "tranche", "target", "share", "amount CNY", "CE", "TDR ± se", "BDR", "WAL"
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
                    if t.feasible {
                        ""
                    } else {
                        "  target not met at any size"
                    }
                );
            }
        }
        let method = scenario.deal.sizing_method;
        if let Some((capacity, advance_rate)) = results.capacity(method) {
            let other = SizingMethod::ALL
                .iter()
                .find(|&&m| m != method)
                .and_then(|&m| results.capacity(m).map(|c| (m, c)));
            let _ = writeln!(
                text,
                "Treasury ({} sizing): funding capacity {} CNY (advance rate {}){}{}",
                method.as_str(),
                cny(capacity),
                percent(Some(advance_rate)),
                other.map_or_else(String::new, |(m, (c, a))| format!(
                    "; by {}: {} CNY ({})",
                    m.as_str(),
                    cny(c),
                    percent(Some(a))
                )),
                scenario.targets.funding_need.map_or_else(String::new, |n| {
                    format!(
                        "; funding need {} CNY: {}",
                        cny(n),
                        funding_position_text(funding_surplus(capacity, n))
                    )
                })
            );
        }
    }
    let _ = write!(text, "Report: {}", out_dir.display());
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
    let mut text = String::new();
    let first = frontier.points.first();
    let _ = writeln!(
        text,
        "Frontier of scenario {} on {} ({} applicants): {} policies × {} paths in {:.1} s",
        scenario.name,
        command.applicants.display(),
        first.map_or(0, |p| p.applicants),
        frontier.points.len(),
        scenario.frontier.paths,
        seconds
    );
    let method = scenario.deal.sizing_method;
    let _ = writeln!(
        text,
        "Senior CE, capacity and advance rate by {} (the scenario's sizing_method, which the targets use); the advance rate by both methods on the right",
        method.as_str()
    );
    let _ = writeln!(
        text,
        "{:>7} {:>5} {:>8} {:>15} {:>15} {:>7} {:>13} {:>8} {:>15} {:>8} {:>5} {:>8} {:>8}",
        "cutoff",
        "mult",
        "approval",
        "limits CNY",
        "pool CNY",
        "wPD",
        "pool EL ± se",
        "sen. CE",
        "capacity CNY",
        "advance",
        "meets",
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
            if p.meets_targets { "yes" } else { "no" },
            percent(p.sizing_tdr_bdr.as_ref().map(|s| s.advance_rate)),
            percent(p.sizing.as_ref().map(|s| s.advance_rate)),
            if p.recommended {
                "  <- recommended"
            } else {
                ""
            },
        );
    }
    let targets = &scenario.targets;
    if targets == &Targets::default() {
        let _ = writeln!(
            text,
            "No [targets] in the scenario: every policy with a pool qualifies."
        );
    }
    match &frontier.recommendation {
        Recommendation::Recommended { point } => {
            let p = &frontier.points[*point];
            let _ = writeln!(
                text,
                "Recommended: cut-off {}, limit multiplier {} (largest pool balance meeting the targets) -> {}",
                p.cutoff,
                p.limit_multiplier,
                out_dir.join(APPROVAL_POLICY_FILE).display()
            );
            treasury_line(&mut text, "recommended policy", p, targets.funding_need);
        }
        Recommendation::Infeasible { point, binding, .. } => {
            let p = &frontier.points[*point];
            let _ = writeln!(
                text,
                "No policy of the grid meets the targets; no approval policy written. Closest: cut-off {}, limit multiplier {}; binding target:",
                p.cutoff, p.limit_multiplier
            );
            let mut shortfalls: Vec<&Shortfall> = p.shortfalls.iter().collect();
            shortfalls.sort_by_key(|s| s.target != *binding);
            for s in shortfalls {
                let _ = writeln!(text, "  {}", describe_shortfall(s));
            }
            treasury_line(&mut text, "closest policy", p, targets.funding_need);
        }
        Recommendation::NothingApproved => {
            let _ = writeln!(
                text,
                "No policy of the grid approves any applicant; no approval policy written."
            );
        }
    }
    let _ = write!(text, "Report: {}", out_dir.display());
    text
}

fn treasury_line(text: &mut String, which: &str, point: &FrontierPoint, need: Option<f64>) {
    let capacity = point.funding_capacity;
    let method = point.method.as_str();
    let _ = match need {
        Some(need) => writeln!(
            text,
            "Treasury ({method} sizing): funding capacity of the {which} {} CNY vs need {} CNY: {}",
            cny(capacity),
            cny(need),
            funding_position_text(funding_surplus(capacity, need))
        ),
        None => writeln!(
            text,
            "Treasury ({method} sizing): funding capacity of the {which} {} CNY (no funding_need in [targets])",
            cny(capacity)
        ),
    };
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
    .filter_map(|(name, c)| Some(format!("{name} {} CNY", cny(c?))))
    .collect();
    if !both.is_empty() {
        let _ = writeln!(text, "  capacity by method: {}", both.join(", "));
    }
}

/// What `fit` found: the sample, each coefficient with its standard error and z, the
/// discrimination on the hold-out and the training rows, and how many score bands are
/// calibrated (`history` names the file, `calibration` the table written).
pub fn fit_summary(fit: &ScorecardFit, history: &str, calibration: &Path) -> String {
    let regression = &fit.regression;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{history}: fitted on {} applicants ({} defaults), {} held out; {} without an external score left out; {} iterations",
        fit.training_rows,
        fit.training_defaults,
        fit.holdout_rows,
        fit.unscored,
        regression.iterations
    );
    let _ = writeln!(
        text,
        "{:<22} {:>10} {:>10} {:>8}",
        "feature", "beta", "std err", "z"
    );
    let _ = writeln!(
        text,
        "{:<22} {:>10.4} {:>10.4} {:>8.2}",
        "intercept",
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
            "{:<22} {beta:>10.4} {se:>10.4} {:>8.2}",
            Wide(name),
            beta / se
        );
    }
    let (test, train) = (&fit.holdout, &fit.training);
    let _ = writeln!(
        text,
        "AUC {:.4}  KS {:.4}  Gini {:.4} (hold-out);  AUC {:.4}  KS {:.4}  Gini {:.4} (training)",
        test.auc, test.ks, test.gini, train.auc, train.ks, train.gini
    );
    let outside = fit
        .calibration
        .iter()
        .filter(|b| !b.predicted_within_interval)
        .count();
    let _ = write!(
        text,
        "calibration: {} of {} score bands have the predicted PD inside the 95 % interval of the observed rate ({})",
        fit.calibration.len() - outside,
        fit.calibration.len(),
        calibration.display()
    );
    text
}

/// Which assumptions came from the scenario's calibration file and which the scenario
/// overrode, one line each (nothing without a calibration).
pub fn calibration_lines(assumptions: &crate::scenario::Assumptions) -> Vec<String> {
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
            crate::scenario::Prepayment::ByTerm(_) => "by term".into(),
        },
        _ => String::new(),
    };
    let list = |keys: &[&str]| {
        keys.iter()
            .map(|k| format!("{k} = {}", value(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = vec![format!(
        "Assumptions calibrated from {} (history {}, data date {}; lifetime charge-off rate {:.3}%, rho 90% interval {:.3}–{:.3}): {}",
        c.file.display(),
        c.history,
        c.data_date,
        100.0 * c.lifetime_charge_off_rate,
        c.rho_ci90[0],
        c.rho_ci90[1],
        if c.calibrated.is_empty() {
            "none taken".to_string()
        } else {
            list(&c.calibrated)
        }
    )];
    if !c.overridden.is_empty() {
        lines.push(format!(
            "Set by the scenario over the calibration: {}",
            list(&c.overridden)
        ));
    }
    lines
}
