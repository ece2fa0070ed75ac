//! A receivable's event: once its draw may default (or its prepayment month needs the full
//! table), the month of its prepayment (from its [`PrepayTable`](super::tables::PrepayTable))
//! and of its default (from the path's default-month table), whichever comes first, and
//! where that goes in the cohort book's event table.

use super::model::{ColdReceivable, StochasticPool};
use super::path::PathScratch;
use super::tables::PathTables;

/// Where an event goes: the book's event-table index and whether it is a prepayment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Event {
    pub(super) index: usize,
    pub(super) prepaid: bool,
}

impl Event {
    /// The event's slot in a table of `[default, prepayment]` pairs by event-table index.
    #[inline(always)]
    pub(super) fn slot(&self) -> usize {
        2 * self.index + usize::from(self.prepaid)
    }
}

/// A receivable whose draw passed a quick test, and where its event would be recorded.
pub(super) struct Candidate {
    pub(super) bits: u64,
    /// The default uniform is below the lifetime bound of the receivable's grid cell.
    pub(super) may_default: bool,
    /// The prepayment draw prepays before maturity.
    pub(super) may_prepay: bool,
    /// Month of purchase (0: cut-off pool).
    pub(super) start: u32,
    /// Event-table index of the receivable's cohort at age 1.
    pub(super) event_index: usize,
}

impl StochasticPool<'_> {
    /// Resolves and records the event of a purchase whose draw passed a quick test, for
    /// `balance` CNY bought with monthly fee `fee`.
    #[inline(never)]
    pub(super) fn record_event(
        &self,
        scratch: &mut PathScratch<'_>,
        cold: &ColdReceivable,
        c: Candidate,
        balance: f64,
        fee: f64,
    ) {
        if let Some(event) = self.resolve_event(&mut scratch.tables, cold, &c) {
            scratch
                .book
                .add_event_at(event.index, event.prepaid, balance, fee);
        }
    }

    /// The event of a receivable whose draw passed a quick test, if it falls within the
    /// horizon.
    ///
    /// The prepayment month `t_p` comes first (a table lookup); the default month is then
    /// only needed if it could come before `t_p` (a default in the same month comes first,
    /// SPEC §4.3), within the receivable's life and the horizon, which often spares the
    /// exact computation for a draw whose default-month bracket straddles a month.
    #[inline(always)]
    pub(super) fn resolve_event(
        &self,
        tables: &mut PathTables,
        cold: &ColdReceivable,
        c: &Candidate,
    ) -> Option<Event> {
        let window = self.horizon_months - c.start;
        let prepay_age = if c.may_prepay {
            self.prepay_tables[usize::from(cold.prepay_class)].month(!(c.bits as u32))
        } else {
            u32::MAX
        };
        if c.may_default {
            // a default at age m + 1 is recorded iff m < life, m < t_p and m < window
            let cap = u32::from(cold.life_months).min(prepay_age).min(window);
            let months = tables.months_before_default(
                &self.grids,
                usize::from(cold.segment),
                cold.months_per_hazard,
                (c.bits >> 32) as u32,
                cap,
            );
            if months < cap {
                return Some(Event {
                    index: c.event_index + months as usize,
                    prepaid: false,
                });
            }
        }
        (prepay_age <= window).then(|| Event {
            index: c.event_index + prepay_age as usize - 1,
            prepaid: true,
        })
    }
}
