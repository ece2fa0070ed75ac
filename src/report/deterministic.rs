//! `deterministic_pool.csv` and `deterministic_tranches.csv` (SPEC §8), with extra columns
//! after the contractual ones, and `breakevens.csv`.

use super::CsvResult;
use super::rows::{self, BreakevenRow, DeterministicPoolRow, DeterministicTrancheRow};
use crate::metrics::DeterministicRun;
use crate::scenario::Deal;
use crate::sizing::breakeven::Breakeven;

/// The pool table as CSV text.
pub fn pool_csv(run: &DeterministicRun) -> CsvResult {
    rows::table(run.pool.iter().map(|p| {
        let f = &p.flows;
        DeterministicPoolRow {
            period: p.month,
            begin_balance: f.begin_balance,
            defaults: f.defaults,
            interest: f.interest,
            scheduled_principal: f.scheduled_principal,
            prepayments: f.prepayments,
            recoveries: f.recoveries,
            purchases: p.purchases,
            end_balance: p.end_balance,
            senior_fees: p.senior_fees_paid,
            residual: p.residual,
            sale_proceeds: p.sale_proceeds,
            available_funds: p.available_funds,
            senior_fees_shortfall: p.senior_fees_shortfall,
            reserve_balance: p.reserve_end,
            cumulative_net_loss: p.metrics.cumulative_net_loss,
            excess_spread_3m: p.metrics.excess_spread_3m,
            revolving: p.revolving,
            called: p.called,
            triggers_breached: p.triggers_breached as u32,
        }
    }))
}

/// The tranche table as CSV text: one row per period and tranche.
pub fn tranches_csv(run: &DeterministicRun, deal: &Deal) -> CsvResult {
    rows::table(run.tranches.iter().enumerate().flat_map(|(index, month)| {
        deal.tranches
            .iter()
            .zip(month)
            .map(move |(tranche, t)| DeterministicTrancheRow {
                period: index as u32 + 1,
                tranche: tranche.name.clone(),
                begin_balance: t.begin_balance,
                interest_due: t.interest_due,
                interest_paid: t.interest_paid,
                principal_paid: t.principal_paid,
                end_balance: t.end_balance,
                interest_shortfall: t.interest_shortfall,
            })
    }))
}

/// `breakevens.csv`: each tranche's breakeven PD multiple (empty = no loss up to the
/// largest multiple searched).
pub fn breakevens_csv(breakevens: &[Breakeven]) -> CsvResult {
    rows::table(breakevens.iter().map(|b| BreakevenRow {
        tranche: b.tranche.clone(),
        breakeven_pd_multiple: b.pd_multiple,
        breakeven_cdr: b.cdr,
    }))
}
