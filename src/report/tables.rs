//! The Monte Carlo run's tables (SPEC §8): `tranches.csv`, `path_results.csv`,
//! `pool_loss_distribution.csv`, `triggers.csv`, `pool_balance_bands.csv`,
//! `expected_cashflows.csv` and `paths_detail.csv`.

use super::rows::{
    self, BalanceBand, ExpectedCashflows, LossBin, PathResults, TrancheRow, TriggerRow,
};
use super::{CsvResult, cents, decimal, into_bytes};
use crate::engine::{MonteCarloRun, PoolField, TrancheField};
use crate::metrics::summary::MonteCarloSummary;
use crate::scenario::Deal;
use crate::waterfall::PeriodReport;

/// `tranches.csv`: one row per tranche, SPEC §8's columns first.
pub fn tranches_csv(summary: &MonteCarloSummary) -> CsvResult {
    rows::table(summary.tranches.iter().map(|t| {
        let l = &t.loss;
        TrancheRow {
            tranche: t.tranche.clone(),
            share: t.share,
            amount: t.amount,
            coupon: t.coupon,
            el: Some(l.mean),
            el_se: Some(l.standard_error),
            pd: Some(l.probability_of_loss),
            var95: Some(l.var[0]),
            var99: Some(l.var[1]),
            var999: Some(l.var[2]),
            es95: Some(l.es[0]),
            es99: Some(l.es[1]),
            es999: Some(l.es[2]),
            wal: t.wal_years,
            annual_yield: t.annual_yield,
            // the residual tranche is not rated: empty, not a rating
            implied_rating: match (&t.implied_rating, t.rated) {
                (Some(rating), _) => Some(rating.clone()),
                (None, true) => Some("below table".into()),
                (None, false) => None,
            },
            target_rating: t.target_rating.clone(),
            target_el: t.target_el,
            loss_sd: Some(l.standard_deviation),
            expected_interest_shortfall: Some(t.expected_interest_shortfall),
            effective_paths: Some(l.effective_paths),
        }
    }))
}

/// `path_results.csv` of a run (see [`PathResults`] for its columns).
pub fn path_results_csv(run: &MonteCarloRun, deal: &Deal) -> CsvResult {
    let paths = &run.paths;
    let tranche = |j: usize, get: fn(&crate::engine::PathResult, usize) -> f64| -> Vec<f64> {
        paths.iter().map(|p| get(p, j)).collect()
    };
    PathResults {
        path: paths.iter().map(|p| p.path).collect(),
        weights: run.weights(),
        pool_default: paths.iter().map(|p| p.pool_default).collect(),
        pool_net_loss: paths.iter().map(|p| p.pool_net_loss).collect(),
        tranche_losses: deal
            .tranches
            .iter()
            .enumerate()
            .map(|(j, t)| (t.name.clone(), tranche(j, |p, j| p.tranche_loss[j])))
            .collect(),
        interest_shortfalls: (0..deal.tranches.len())
            .map(|j| tranche(j, |p, j| p.tranche_interest_shortfall[j]))
            .collect(),
        call_month: paths.iter().map(|p| p.call_month).collect(),
        trigger_breach_months: (0..deal.triggers.len())
            .map(|k| paths.iter().map(|p| p.trigger_breach_month[k]).collect())
            .collect(),
    }
    .to_csv()
}

/// `pool_loss_distribution.csv`: the weighted distribution of the pool's net loss share in
/// bins of 0.25 % of the closing balance (empty bins above the largest loss left out).
pub fn pool_loss_distribution_csv(run: &MonteCarloRun) -> CsvResult {
    const BIN: f64 = 0.0025;
    let weights = run.weights();
    let largest = run
        .paths
        .iter()
        .map(|p| p.pool_net_loss)
        .fold(0.0, f64::max);
    let bins = ((largest / BIN).floor() as usize + 1).max(1);
    let mut probability = vec![0.0; bins];
    for (p, w) in run.paths.iter().zip(&weights) {
        let bin = ((p.pool_net_loss.max(0.0) / BIN).floor() as usize).min(bins - 1);
        probability[bin] += w;
    }
    let mut cumulative = 0.0;
    rows::table(probability.iter().enumerate().map(|(bin, &p)| {
        cumulative += p;
        LossBin {
            from: bin as f64 * BIN,
            to: (bin + 1) as f64 * BIN,
            probability: p,
            cumulative_probability: Some(cumulative.min(1.0)),
            exceedance_probability: Some((1.0 - cumulative).max(0.0)),
        }
    }))
}

/// `triggers.csv`: each trigger's breach probability by month, and on every row of the
/// trigger its probability of a breach within the revolving period and by the legal final
/// with their standard errors (SPEC §5; see [`TriggerStatistics`] for what "within" means).
///
/// [`TriggerStatistics`]: crate::metrics::summary::TriggerStatistics
pub fn triggers_csv(summary: &MonteCarloSummary) -> CsvResult {
    rows::table(summary.triggers.iter().flat_map(|t| {
        let mut cumulative = 0.0;
        t.by_month.iter().enumerate().map(move |(m, &p)| {
            cumulative += p;
            TriggerRow {
                trigger: t.trigger.clone(),
                month: m as u32 + 1,
                breach_probability: Some(p),
                cumulative_probability: cumulative,
                probability_within_revolving_period: Some(t.probability_within_revolving_period),
                probability_within_revolving_period_se: Some(
                    t.probability_within_revolving_period_se,
                ),
                probability_by_legal_final: Some(t.probability_by_legal_final),
                probability_by_legal_final_se: Some(t.probability_by_legal_final_se),
            }
        })
    }))
}

/// `pool_balance_bands.csv`: performing balance by month, deterministic and Monte Carlo
/// percentiles.
pub fn balance_bands_csv(
    summary: &MonteCarloSummary,
    deterministic_end_balance: &[f64],
) -> CsvResult {
    rows::table(
        summary
            .balance_bands
            .iter()
            .zip(deterministic_end_balance)
            .map(|(band, &deterministic)| BalanceBand {
                period: band.month,
                deterministic,
                mean: band.mean,
                p5: band.p5,
                p25: band.p25,
                p50: band.p50,
                p75: band.p75,
                p95: band.p95,
            }),
    )
}

/// `expected_cashflows.csv`: probability-weighted mean of every pool and tranche flow by
/// period.
pub fn expected_cashflows_csv(run: &MonteCarloRun, deal: &Deal) -> CsvResult {
    let months = 1..=deal.horizon_months as usize;
    ExpectedCashflows {
        periods: months.clone().map(|m| m as u32).collect(),
        pool: PoolField::ALL
            .iter()
            .map(|&f| months.clone().map(|m| run.expected_pool(m, f)).collect())
            .collect(),
        tranches: deal
            .tranches
            .iter()
            .enumerate()
            .map(|(j, t)| {
                let fields = TrancheField::ALL
                    .iter()
                    .map(|&f| {
                        months
                            .clone()
                            .map(|m| run.expected_tranche(m, j, f))
                            .collect()
                    })
                    .collect();
                (t.name.clone(), fields)
            })
            .collect(),
    }
    .to_csv()
}

/// Rows of `paths_detail.csv` for one replayed path.
pub struct PathDetail {
    pub label: String,
    pub path: u64,
    pub weight: f64,
    pub pool_net_loss: f64,
    pub rows: Vec<Vec<String>>,
}

/// The header of `paths_detail.csv`.
pub fn path_detail_header(deal: &Deal) -> Vec<String> {
    let mut header: Vec<String> = [
        "label",
        "path",
        "weight",
        "path_pool_net_loss",
        "period",
        "revolving",
        "begin_balance",
        "defaults",
        "interest",
        "scheduled_principal",
        "prepayments",
        "recoveries",
        "available_funds",
        "senior_fees",
        "purchases",
        "sale_proceeds",
        "end_balance",
        "reserve_balance",
        "residual",
        "cumulative_net_loss",
        "excess_spread_3m",
        "triggers_breached",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for t in &deal.tranches {
        for f in [
            "interest_due",
            "interest_paid",
            "principal_paid",
            "end_balance",
            "interest_shortfall",
        ] {
            header.push(format!("{}_{f}", t.name));
        }
    }
    header
}

/// One row of `paths_detail.csv` from a replayed month.
pub fn path_detail_row(report: &PeriodReport) -> Vec<String> {
    let f = &report.pool;
    let mut row = vec![
        report.month.to_string(),
        report.revolving.to_string(),
        cents(f.begin_balance),
        cents(f.defaults),
        cents(f.interest),
        cents(f.scheduled_principal),
        cents(f.prepayments),
        cents(f.recoveries),
        cents(report.available_funds),
        cents(report.senior_fees_paid),
        cents(report.purchases),
        cents(report.sale_proceeds),
        cents(report.end_balance),
        cents(report.reserve_end),
        cents(report.residual),
        decimal(report.metrics.cumulative_net_loss),
        report
            .metrics
            .excess_spread_3m
            .map(decimal)
            .unwrap_or_default(),
        report.breached.iter().filter(|&&b| b).count().to_string(),
    ];
    for t in report.tranches {
        row.extend([
            cents(t.interest_due),
            cents(t.interest_paid),
            cents(t.principal_paid),
            cents(t.end_balance),
            cents(t.interest_shortfall),
        ]);
    }
    row
}

/// `paths_detail.csv` from replayed paths.
pub fn paths_detail_csv(deal: &Deal, details: &[PathDetail]) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(path_detail_header(deal))?;
    for d in details {
        for row in &d.rows {
            let mut full = vec![
                d.label.clone(),
                d.path.to_string(),
                format!("{:e}", d.weight),
                decimal(d.pool_net_loss),
            ];
            full.extend(row.iter().cloned());
            out.write_record(&full)?;
        }
    }
    into_bytes(out)
}
