//! A run's `summary.json`: the scenario and its terms, the pool, the deterministic case with
//! its breakevens, the Monte Carlo metrics, sizing and the treasury view, the replayed paths
//! and how to read `path_results.csv`.

use super::schema::*;
use super::{
    RunsKey, expected_loss_sizing, method_capacity, round_cents, tdr_bdr_sizing as tdr_bdr_summary,
    treasury,
};
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
fn run_treasury(results: &RunResults) -> Treasury {
    let method = results.scenario.deal.sizing_method;
    let sized = results.capacity(method);
    treasury(
        method,
        sized.map(|c| c.0),
        sized.map(|c| c.1),
        results.scenario.targets.funding_need,
        SizingMethod::ALL
            .iter()
            .map(|&m| method_capacity(m, results.capacity(m)))
            .collect(),
    )
}

/// The rating test (SPEC §7.3): each rated tranche's implied rating and every test row.
fn rating_tests(results: &RunResults) -> RatingTestsSummary {
    let deal = &results.scenario.deal;
    let tests = results.rating_tests;
    RatingTestsSummary {
        wal: "base case: the deterministic run with the scenario's assumptions, no stress".into(),
        tdr: "weighted 1 − PD_R(WAL) quantile of the paths' cumulative default rate (defaults ÷ (closing balance + purchases)); tdr_se from the tail probability's standard error (null: the paths do not reach the quantile)".into(),
        stress_table: deal.stress_table.source.clone(),
        pd_table: deal.pd_table.source.clone(),
        tranches: tests
            .implied
            .iter()
            .enumerate()
            .map(|(j, implied)| ImpliedRating {
                tranche: deal.tranches[j].name.clone(),
                target_rating: deal.tranches[j].target_rating.clone(),
                implied_rating: implied.clone(),
            })
            .collect(),
        tests: tests
            .tests
            .iter()
            .map(|t| RatingTestSummary {
                tranche: t.tranche.clone(),
                rating: t.rating.clone(),
                category: t.category.clone(),
                wal: t.wal,
                idealized_pd: t.idealized_pd,
                tdr: t.tdr,
                // JSON has no infinity: every version wrote `null`
                tdr_se: t.tdr_se.is_finite().then_some(t.tdr_se),
                bdr: t.bdr,
                binding_scenario: t.binding_scenario.clone(),
                margin: t.margin,
                passes: t.passes,
            })
            .collect(),
    }
}

/// How to read `path_results.csv`: whether its paths were importance-sampled (unequal
/// weights) and how to average them, for a reader who opens the file without the report.
fn path_results_note(importance_sampling: bool) -> PathResultsNote {
    PathResultsNote {
        file: "path_results.csv".into(),
        importance_sampling,
        weights: if importance_sampling {
            "unequal: the paths over-sample bad economies and each carries its likelihood ratio, normalised to sum to 1; an unweighted mean of a column is wrong"
        } else {
            "equal: 1 / paths each"
        }
        .into(),
        weighted_mean: "sum of weight × value over the rows; pandas: (df.loss_A * df.weight).sum()"
            .into(),
    }
}

/// The Monte Carlo metrics, money to the cent.
fn monte_carlo(summary: &MonteCarloSummary) -> MonteCarloBlock {
    MonteCarloBlock {
        paths: summary.paths,
        importance_sampling: summary.importance_sampling,
        sampling_shifts: summary.sampling_shifts.clone(),
        pool_default: summary.pool_default.clone(),
        pool_net_loss: summary.pool_net_loss.clone(),
        tranches: summary
            .tranches
            .iter()
            .map(|t| MonteCarloTranche {
                tranche: t.tranche.clone(),
                share: t.share,
                amount: round_cents(t.amount),
                coupon: t.coupon,
                loss: t.loss.clone(),
                wal_years: t.wal_years,
                annual_yield: t.annual_yield,
                rated: t.rated,
                implied_rating: t.implied_rating.clone(),
                target_rating: t.target_rating.clone(),
                target_el: t.target_el,
                expected_interest_shortfall: round_cents(t.expected_interest_shortfall),
            })
            .collect(),
        triggers: summary
            .triggers
            .iter()
            .map(|t| TriggerSummary {
                trigger: t.trigger.clone(),
                probability: t.probability,
                probability_within_revolving_period: Some(t.probability_within_revolving_period),
                probability_within_revolving_period_se: Some(
                    t.probability_within_revolving_period_se,
                ),
                probability_by_legal_final: Some(t.probability_by_legal_final),
                probability_by_legal_final_se: Some(t.probability_by_legal_final_se),
                by_month: t.by_month.clone(),
            })
            .collect(),
        call_probability: summary.call_probability,
        balance_bands: summary
            .balance_bands
            .iter()
            .map(|b| BalanceBandSummary {
                month: b.month,
                mean: round_cents(b.mean),
                p5: round_cents(b.p5),
                p25: round_cents(b.p25),
                p50: round_cents(b.p50),
                p75: round_cents(b.p75),
                p95: round_cents(b.p95),
            })
            .collect(),
        receivable_lives: summary.receivable_lives,
    }
}

/// The deterministic case, money to the cent.
fn deterministic(results: &RunResults) -> DeterministicSummary {
    let RunResults {
        scenario,
        pool,
        deterministic: run,
        ..
    } = *results;
    let outcome = &run.outcome;
    DeterministicSummary {
        cdr_override: scenario.deterministic.cdr.is_some(),
        cpr_override: scenario.deterministic.cpr.is_some(),
        cumulative_defaults: round_cents(outcome.cumulative_defaults),
        cumulative_recoveries: round_cents(outcome.cumulative_recoveries),
        cumulative_purchases: round_cents(outcome.cumulative_purchases),
        cumulative_net_loss_share: (outcome.cumulative_defaults - outcome.cumulative_recoveries)
            / (pool.closing_balance + outcome.cumulative_purchases),
        reserve_funding_at_closing: round_cents(outcome.reserve_funding),
        last_revolving_month: outcome.last_revolving_month,
        call_month: outcome.call_month,
        triggers: scenario
            .deal
            .triggers
            .iter()
            .zip(&outcome.trigger_breach_month)
            .map(|(t, month)| DeterministicTrigger {
                trigger: t.label(),
                breach_month: *month,
                breached_within_revolving_period: month
                    .is_some_and(|m| m <= scenario.deal.revolving_months),
            })
            .collect(),
        tranches: run
            .summaries
            .iter()
            .map(|t| DeterministicTranche {
                tranche: t.tranche.clone(),
                original_balance: round_cents(t.original_balance),
                principal_paid: round_cents(t.principal_paid),
                interest_paid: round_cents(t.interest_paid),
                residual_received: round_cents(t.residual_received),
                principal_loss: round_cents(t.principal_loss),
                loss_share: t.loss_share,
                interest_shortfall: round_cents(t.interest_shortfall),
                wal_years: t.wal_years,
                annual_yield: t.annual_yield,
            })
            .collect(),
    }
}

/// A run's `summary.json`.
pub fn run_summary(results: &RunResults) -> Summary {
    let RunResults {
        scenario,
        pool,
        manifest,
        breakevens,
        monte_carlo: mc,
        named_paths,
        sizing,
        tdr_bdr_sizing,
        warnings,
        ..
    } = *results;
    let deal = &scenario.deal;
    Summary {
        manifest: manifest.clone(),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            file: scenario.file.as_ref().map(|f| f.display().to_string()),
            rating_table: deal.rating_table.source.clone(),
            pd_table: deal.pd_table.source.clone(),
            stress_table: deal.stress_table.source.clone(),
            sizing_method: deal.sizing_method,
            tranches: None,
        },
        terms: Some(crate::report::terms::Terms::of(scenario)),
        pool: Some(PoolSummary {
            receivables: pool.assets.len(),
            closing_balance: round_cents(pool.closing_balance),
            scale_factor: pool.scale,
            weighted_pd_12m: pool.weighted_pd(),
            pd_multiplier: scenario.assumptions.pd_multiplier,
            weighted_pd_12m_stressed: pool.weighted_stressed_pd(scenario.assumptions.pd_multiplier),
            ineligible_receivables: pool.ineligible_count,
            ineligible_balance_before_scaling: round_cents(pool.ineligible_balance),
        }),
        deterministic: Some(deterministic(results)),
        breakevens: Some(
            breakevens
                .iter()
                .map(|b| BreakevenSummary {
                    tranche: b.tranche.clone(),
                    pd_multiple: b.pd_multiple,
                    cdr: b.cdr,
                })
                .collect(),
        ),
        monte_carlo: Some(monte_carlo(mc)),
        sizing: Some(sizing.map(|s| expected_loss_sizing(s, false))),
        rating_tests: Some(rating_tests(results)),
        sizing_tdr_bdr: Some(
            tdr_bdr_sizing.map(|s| tdr_bdr_summary(s, RunsKey::DeterministicRuns)),
        ),
        treasury: Some(run_treasury(results)),
        named_paths: Some(
            named_paths
                .iter()
                .map(|d| NamedPath {
                    label: d.label.clone(),
                    path: d.path,
                    weight: d.weight,
                    pool_net_loss: d.pool_net_loss,
                })
                .collect(),
        ),
        path_results: Some(path_results_note(mc.importance_sampling)),
        warnings: warnings.to_vec(),
        ..Summary::default()
    }
}
