//! `deterministic_pool.csv` and `deterministic_tranches.csv` (SPEC §8), with extra columns
//! after the contractual ones, and `breakevens.csv`.

use super::{CsvResult, cents, decimal, into_bytes};
use crate::metrics::DeterministicRun;
use crate::scenario::Deal;
use crate::sizing::breakeven::Breakeven;

/// Columns of `deterministic_pool.csv`: SPEC §8's first, then ours.
pub const POOL_COLUMNS: [&str; 20] = [
    "period",
    "begin_balance",
    "defaults",
    "interest",
    "scheduled_principal",
    "prepayments",
    "recoveries",
    "purchases",
    "end_balance",
    "senior_fees",
    "residual",
    "sale_proceeds",
    "available_funds",
    "senior_fees_shortfall",
    "reserve_balance",
    "cumulative_net_loss",
    "excess_spread_3m",
    "revolving",
    "called",
    "triggers_breached",
];

/// Columns of `deterministic_tranches.csv`.
pub const TRANCHE_COLUMNS: [&str; 8] = [
    "period",
    "tranche",
    "begin_balance",
    "interest_due",
    "interest_paid",
    "principal_paid",
    "end_balance",
    "interest_shortfall",
];

/// The pool table as CSV text.
pub fn pool_csv(run: &DeterministicRun) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(POOL_COLUMNS)?;
    for p in &run.pool {
        let f = &p.flows;
        out.write_record([
            p.month.to_string(),
            cents(f.begin_balance),
            cents(f.defaults),
            cents(f.interest),
            cents(f.scheduled_principal),
            cents(f.prepayments),
            cents(f.recoveries),
            cents(p.purchases),
            cents(p.end_balance),
            cents(p.senior_fees_paid),
            cents(p.residual),
            cents(p.sale_proceeds),
            cents(p.available_funds),
            cents(p.senior_fees_shortfall),
            cents(p.reserve_end),
            decimal(p.metrics.cumulative_net_loss),
            p.metrics.excess_spread_3m.map(decimal).unwrap_or_default(),
            p.revolving.to_string(),
            p.called.to_string(),
            p.triggers_breached.to_string(),
        ])?;
    }
    into_bytes(out)
}

/// The tranche table as CSV text: one row per period and tranche.
pub fn tranches_csv(run: &DeterministicRun, deal: &Deal) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(TRANCHE_COLUMNS)?;
    for (index, month) in run.tranches.iter().enumerate() {
        for (tranche, t) in deal.tranches.iter().zip(month) {
            out.write_record([
                (index + 1).to_string(),
                tranche.name.clone(),
                cents(t.begin_balance),
                cents(t.interest_due),
                cents(t.interest_paid),
                cents(t.principal_paid),
                cents(t.end_balance),
                cents(t.interest_shortfall),
            ])?;
        }
    }
    into_bytes(out)
}

/// `breakevens.csv`: each tranche's breakeven PD multiple (empty = no loss up to the
/// largest multiple searched).
pub fn breakevens_csv(breakevens: &[Breakeven]) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["tranche", "breakeven_pd_multiple", "breakeven_cdr"])?;
    for b in breakevens {
        out.write_record([
            b.tranche.clone(),
            b.pd_multiple.map(|m| format!("{m:.6}")).unwrap_or_default(),
            b.cdr.map(|c| c.to_string()).unwrap_or_default(),
        ])?;
    }
    into_bytes(out)
}
