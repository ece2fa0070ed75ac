//! Monte Carlo tables (SPEC §8): `tranches.csv`, `path_results.csv`,
//! `pool_loss_distribution.csv`, `triggers.csv`, `pool_balance_bands.csv`,
//! `expected_cashflows.csv` and `paths_detail.csv`.

use super::{CsvResult, cents, decimal, into_bytes, optional};
use crate::engine::{MonteCarloRun, POOL_FIELDS, TRANCHE_FIELDS};
use crate::metrics::montecarlo::MonteCarloSummary;
use crate::scenario::Deal;
use crate::waterfall::PeriodReport;

/// `tranches.csv`: one row per tranche, SPEC §8's columns first.
pub fn tranches_csv(summary: &MonteCarloSummary) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "tranche",
        "share",
        "amount",
        "coupon",
        "el",
        "el_se",
        "pd",
        "var95",
        "var99",
        "var999",
        "es95",
        "es99",
        "es999",
        "wal",
        "yield",
        "implied_rating",
        "target_rating",
        "target_el",
        "loss_sd",
        "expected_interest_shortfall",
        "effective_paths",
    ])?;
    for t in &summary.tranches {
        let l = &t.loss;
        out.write_record([
            t.tranche.clone(),
            decimal(t.share),
            cents(t.amount),
            optional(t.coupon),
            format!("{:e}", l.mean),
            format!("{:e}", l.standard_error),
            format!("{:e}", l.probability_of_loss),
            decimal(l.var[0]),
            decimal(l.var[1]),
            decimal(l.var[2]),
            decimal(l.es[0]),
            decimal(l.es[1]),
            decimal(l.es[2]),
            optional(t.wal_years),
            optional(t.annual_yield),
            // the residual tranche is not rated: empty, not a rating
            match (&t.implied_rating, t.rated) {
                (Some(rating), _) => rating.clone(),
                (None, true) => "below table".into(),
                (None, false) => String::new(),
            },
            t.target_rating.clone().unwrap_or_default(),
            t.target_el.map(|e| format!("{e:e}")).unwrap_or_default(),
            decimal(l.standard_deviation),
            cents(t.expected_interest_shortfall),
            format!("{:.1}", l.effective_paths),
        ])?;
    }
    into_bytes(out)
}

/// `path_results.csv`: one row per path with its normalised weight; after SPEC §8's columns
/// each tranche's interest shortfall, the call month and each trigger's breach month
/// (0 = none), so every probability of `triggers.csv` is a weighted count of these rows.
pub fn path_results_csv(run: &MonteCarloRun, deal: &Deal) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "path".to_string(),
        "weight".into(),
        "pool_default".into(),
        "pool_net_loss".into(),
    ];
    header.extend(deal.tranches.iter().map(|t| format!("loss_{}", t.name)));
    header.extend(
        deal.tranches
            .iter()
            .map(|t| format!("interest_shortfall_{}", t.name)),
    );
    header.push("call_month".into());
    // 1-based in the deal's order, as `triggers.csv` and `summary.json` list them
    header.extend((1..=deal.triggers.len()).map(|k| format!("trigger_{k}_breach_month")));
    out.write_record(&header)?;
    for (p, w) in run.paths.iter().zip(run.weights()) {
        let mut row = vec![
            p.path.to_string(),
            format!("{w:e}"),
            decimal(p.pool_default),
            decimal(p.pool_net_loss),
        ];
        row.extend(p.tranche_loss.iter().map(|&l| decimal(l)));
        row.extend(p.tranche_interest_shortfall.iter().map(|&s| cents(s)));
        row.push(p.call_month.to_string());
        row.extend(p.trigger_breach_month.iter().map(u32::to_string));
        out.write_record(&row)?;
    }
    into_bytes(out)
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
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "loss_from",
        "loss_to",
        "probability",
        "cumulative_probability",
        "exceedance_probability",
    ])?;
    let mut cumulative = 0.0;
    for (bin, p) in probability.iter().enumerate() {
        cumulative += p;
        out.write_record([
            decimal(bin as f64 * BIN),
            decimal((bin + 1) as f64 * BIN),
            format!("{p:e}"),
            decimal(cumulative.min(1.0)),
            format!("{:e}", (1.0 - cumulative).max(0.0)),
        ])?;
    }
    into_bytes(out)
}

/// `triggers.csv`: each trigger's breach probability by month, and on every row of the
/// trigger its probability of a breach within the revolving period and by the legal final
/// with their standard errors (SPEC §5; see [`TriggerStatistics`] for what "within" means).
///
/// [`TriggerStatistics`]: crate::metrics::montecarlo::TriggerStatistics
pub fn triggers_csv(summary: &MonteCarloSummary) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "trigger",
        "month",
        "breach_probability",
        "cumulative_probability",
        "probability_within_revolving_period",
        "probability_within_revolving_period_se",
        "probability_by_legal_final",
        "probability_by_legal_final_se",
    ])?;
    for t in &summary.triggers {
        let mut cumulative = 0.0;
        for (m, p) in t.by_month.iter().enumerate() {
            cumulative += p;
            out.write_record([
                t.trigger.clone(),
                (m + 1).to_string(),
                format!("{p:e}"),
                format!("{cumulative:e}"),
                format!("{:e}", t.probability_within_revolving_period),
                format!("{:e}", t.probability_within_revolving_period_se),
                format!("{:e}", t.probability_by_legal_final),
                format!("{:e}", t.probability_by_legal_final_se),
            ])?;
        }
    }
    into_bytes(out)
}

/// `pool_balance_bands.csv`: performing balance by month, deterministic and Monte Carlo
/// percentiles.
pub fn balance_bands_csv(
    summary: &MonteCarloSummary,
    deterministic_end_balance: &[f64],
) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "period",
        "deterministic",
        "mean",
        "p5",
        "p25",
        "p50",
        "p75",
        "p95",
    ])?;
    for (band, det) in summary.balance_bands.iter().zip(deterministic_end_balance) {
        out.write_record([
            band.month.to_string(),
            cents(*det),
            cents(band.mean),
            cents(band.p5),
            cents(band.p25),
            cents(band.p50),
            cents(band.p75),
            cents(band.p95),
        ])?;
    }
    into_bytes(out)
}

/// `expected_cashflows.csv`: probability-weighted mean of every pool and tranche flow by
/// period.
pub fn expected_cashflows_csv(run: &MonteCarloRun, deal: &Deal) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["period".into()];
    header.extend(POOL_FIELDS.iter().map(|f| f.to_string()));
    for t in &deal.tranches {
        header.extend(TRANCHE_FIELDS.iter().map(|f| format!("{}_{f}", t.name)));
    }
    out.write_record(&header)?;
    for month in 1..=deal.horizon_months as usize {
        let mut row = vec![month.to_string()];
        row.extend((0..POOL_FIELDS.len()).map(|f| cents(run.expected_pool(month, f))));
        for j in 0..deal.tranches.len() {
            row.extend((0..TRANCHE_FIELDS.len()).map(|f| cents(run.expected_tranche(month, j, f))));
        }
        out.write_record(&row)?;
    }
    into_bytes(out)
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
