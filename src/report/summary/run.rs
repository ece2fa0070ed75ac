//! A run's `summary.json`: the scenario and its terms, the pool, the deterministic case with
//! its breakevens, the Monte Carlo metrics, sizing and the treasury view, the replayed paths
//! and how to read `path_results.csv`.

use serde_json::json;

use super::{add_funding_position, round_cents, round_money_fields};
use crate::metrics::DeterministicRun;
use crate::metrics::summary::MonteCarloSummary;
use crate::report::manifest::Manifest;
use crate::report::tables::PathDetail;
use crate::scenario::Scenario;
use crate::scenario::SizingMethod;
use crate::sim::Pool;
use crate::sizing::SizingResult;
use crate::sizing::breakeven::Breakeven;
use crate::sizing::rating_test::RatingTests;
use crate::sizing::tdr_bdr::TdrBdrSizing;

/// Everything a run found, as the report stage takes it.
#[derive(Clone, Copy)]
pub struct RunResults<'a> {
    /// The scenario as run (after `--paths` and `--seed`).
    pub scenario: &'a Scenario,
    pub pool: &'a Pool,
    pub manifest: &'a Manifest,
    pub deterministic: &'a DeterministicRun,
    pub breakevens: &'a [Breakeven],
    pub monte_carlo: &'a MonteCarloSummary,
    /// Replays of the median, 99th-percentile and worst pool-loss paths.
    pub named_paths: &'a [PathDetail],
    /// Present when a tranche has a target rating.
    pub sizing: Option<&'a SizingResult>,
    /// The rating test of the scenario's structure (SPEC §7.3).
    pub rating_tests: &'a RatingTests,
    /// The TDR/BDR sizing; present when a tranche has a target rating.
    pub tdr_bdr_sizing: Option<&'a TdrBdrSizing>,
    pub warnings: &'a [String],
}

impl RunResults<'_> {
    /// The funding capacity and advance rate of a sizing method, when sized.
    pub fn capacity(&self, method: SizingMethod) -> Option<(f64, f64)> {
        match method {
            SizingMethod::TdrBdr => self
                .tdr_bdr_sizing
                .map(|s| (s.funding_capacity, s.advance_rate)),
            SizingMethod::ExpectedLoss => self.sizing.map(|s| (s.funding_capacity, s.advance_rate)),
        }
    }
}

/// The treasury view: the funding capacity of the scenario's sizing method against the
/// funding need of `[targets]`, with the other method's capacity beside it.
fn treasury_json(results: &RunResults) -> serde_json::Value {
    let method = results.scenario.deal.sizing_method;
    let funding_need = results.scenario.targets.funding_need;
    let capacity = results.capacity(method).map(|c| c.0);
    let mut treasury = json!({
        "method": method.as_str(),
        "funding_capacity": capacity.map(round_cents),
        "advance_rate": results.capacity(method).map(|c| c.1),
        "funding_need": funding_need.map(round_cents),
        "by_method": SizingMethod::ALL.iter().map(|&m| json!({
            "method": m.as_str(),
            "funding_capacity": results.capacity(m).map(|c| round_cents(c.0)),
            "advance_rate": results.capacity(m).map(|c| c.1),
        })).collect::<Vec<_>>(),
    });
    add_funding_position(&mut treasury, capacity, funding_need);
    treasury
}

/// The rating test (SPEC §7.3): each rated tranche's implied rating and every test row.
fn rating_tests_json(results: &RunResults) -> serde_json::Value {
    let deal = &results.scenario.deal;
    let tests = results.rating_tests;
    json!({
        "wal": "base case: the deterministic run with the scenario's assumptions, no stress",
        "tdr": "weighted 1 − PD_R(WAL) quantile of the paths' cumulative default rate (defaults ÷ (closing balance + purchases)); tdr_se from the tail probability's standard error (null: the paths do not reach the quantile)",
        "stress_table": deal.stress_table.source,
        "pd_table": deal.pd_table.source,
        "tranches": tests.implied.iter().enumerate().map(|(j, implied)| json!({
            "tranche": deal.tranches[j].name,
            "target_rating": deal.tranches[j].target_rating,
            "implied_rating": implied,
        })).collect::<Vec<_>>(),
        "tests": tests.tests,
    })
}

/// How to read `path_results.csv`: whether its paths were importance-sampled (unequal
/// weights) and how to average them, for a reader who opens the file without the report.
fn path_results_json(importance_sampling: bool) -> serde_json::Value {
    json!({
        "file": "path_results.csv",
        "importance_sampling": importance_sampling,
        "weights": if importance_sampling {
            "unequal: the paths over-sample bad economies and each carries its likelihood ratio, normalised to sum to 1; an unweighted mean of a column is wrong"
        } else {
            "equal: 1 / paths each"
        },
        "weighted_mean": "sum of weight × value over the rows; pandas: (df.loss_A * df.weight).sum()",
    })
}

/// A run's `summary.json`.
pub fn run_summary(results: &RunResults) -> serde_json::Value {
    let RunResults {
        scenario,
        pool,
        manifest,
        deterministic: run,
        breakevens,
        monte_carlo,
        named_paths,
        sizing,
        tdr_bdr_sizing,
        warnings,
        ..
    } = *results;
    let triggers: Vec<_> = scenario
        .deal
        .triggers
        .iter()
        .zip(&run.outcome.trigger_breach_month)
        .map(|(t, month)| {
            json!({
                "trigger": t.label(),
                "breach_month": month,
                "breached_within_revolving_period": month.is_some_and(|m| m <= scenario.deal.revolving_months),
            })
        })
        .collect();
    let mut summary = json!({
        "manifest": manifest,
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "file": scenario.file.as_ref().map(|f| f.display().to_string()),
            "rating_table": scenario.deal.rating_table.source,
            "pd_table": scenario.deal.pd_table.source,
            "stress_table": scenario.deal.stress_table.source,
            "sizing_method": scenario.deal.sizing_method.as_str(),
        },
        "terms": crate::report::terms::Terms::of(scenario),
        "pool": {
            "receivables": pool.assets.len(),
            "closing_balance": round_cents(pool.closing_balance),
            "scale_factor": pool.scale,
            "weighted_pd_12m": pool.weighted_pd(),
            "pd_multiplier": scenario.assumptions.pd_multiplier,
            "weighted_pd_12m_stressed": pool.weighted_stressed_pd(scenario.assumptions.pd_multiplier),
            "ineligible_receivables": pool.ineligible_count,
            "ineligible_balance_before_scaling": round_cents(pool.ineligible_balance),
        },
        "deterministic": {
            "cdr_override": scenario.deterministic.cdr.is_some(),
            "cpr_override": scenario.deterministic.cpr.is_some(),
            "cumulative_defaults": round_cents(run.outcome.cumulative_defaults),
            "cumulative_recoveries": round_cents(run.outcome.cumulative_recoveries),
            "cumulative_purchases": round_cents(run.outcome.cumulative_purchases),
            "cumulative_net_loss_share": (run.outcome.cumulative_defaults - run.outcome.cumulative_recoveries)
                / (pool.closing_balance + run.outcome.cumulative_purchases),
            "reserve_funding_at_closing": round_cents(run.outcome.reserve_funding),
            "last_revolving_month": run.outcome.last_revolving_month,
            "call_month": run.outcome.call_month,
            "triggers": triggers,
            "tranches": run.summaries,
        },
        "breakevens": breakevens,
        "monte_carlo": monte_carlo,
        "sizing": sizing.map(|result| json!({
            "funding_capacity": round_cents(result.funding_capacity),
            "advance_rate": result.advance_rate,
            "share_tolerance": result.share_tolerance,
            "evaluations": result.evaluations,
            "rounds": result.rounds,
            "differing_paths": result.differing_paths,
            "tranches": result.tranches,
        })),
        "rating_tests": rating_tests_json(results),
        "sizing_tdr_bdr": tdr_bdr_sizing.map(|result| json!({
            "funding_capacity": round_cents(result.funding_capacity),
            "advance_rate": result.advance_rate,
            "evaluations": result.evaluations,
            "deterministic_runs": result.runs,
            "tranches": result.tranches,
        })),
        "treasury": treasury_json(results),
        "named_paths": named_paths.iter().map(|d| json!({
            "label": d.label, "path": d.path, "weight": d.weight, "pool_net_loss": d.pool_net_loss,
        })).collect::<Vec<_>>(),
        "path_results": path_results_json(monte_carlo.importance_sampling),
        "warnings": warnings,
    });
    // money is rounded to cents when written (SPEC), in the engine's structs too
    for (pointer, keys) in [
        (
            "/deterministic/tranches",
            &[
                "original_balance",
                "principal_paid",
                "interest_paid",
                "residual_received",
                "principal_loss",
                "interest_shortfall",
            ][..],
        ),
        (
            "/monte_carlo/tranches",
            &["amount", "expected_interest_shortfall"],
        ),
        (
            "/monte_carlo/balance_bands",
            &["mean", "p5", "p25", "p50", "p75", "p95"],
        ),
        ("/sizing/tranches", &["amount"]),
        ("/sizing_tdr_bdr/tranches", &["amount"]),
    ] {
        if let Some(value) = summary.pointer_mut(pointer) {
            round_money_fields(value, keys);
        }
    }
    summary
}
