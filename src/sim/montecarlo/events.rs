//! A receivable's event: once its draw has passed the quick test (it may default within its
//! life, or prepay before maturity), the month of its default (from the path's default-month
//! table) or prepayment (from its [`PrepayTable`](super::tables::PrepayTable)), whichever
//! comes first, and where that goes in the cohort book's event table.

use super::model::{ColdReceivable, StochasticPool};
use super::path::PathScratch;
use crate::sim::cohort::CohortBook;

/// Where an event goes: the book's event-table index and whether it is a prepayment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Event {
    index: usize,
    prepaid: bool,
}

/// Consecutive events that go to the same place, summed before they reach the book: in
/// cohort order many cut-off candidates share their event, and adding each to the table
/// would make a chain of dependent updates of one entry.
#[derive(Debug, Default)]
pub(super) struct PendingEvent {
    event: Option<Event>,
    balance: f64,
    fee: f64,
}

impl PendingEvent {
    #[inline(always)]
    pub(super) fn add(&mut self, book: &mut CohortBook<'_>, event: Event, balance: f64, fee: f64) {
        if self.event == Some(event) {
            self.balance += balance;
            self.fee += fee;
        } else {
            self.flush(book);
            *self = PendingEvent {
                event: Some(event),
                balance,
                fee,
            };
        }
    }

    #[inline(always)]
    pub(super) fn flush(&mut self, book: &mut CohortBook<'_>) {
        if let Some(event) = self.event.take() {
            book.add_event_at(event.index, event.prepaid, self.balance, self.fee);
        }
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
    pub(super) balance: f64,
    pub(super) fee: f64,
}

impl StochasticPool<'_> {
    /// Resolves and records the event of a receivable whose draw passed a quick test.
    #[inline(never)]
    pub(super) fn record_event(
        &self,
        scratch: &mut PathScratch<'_>,
        cold: &ColdReceivable,
        c: Candidate,
    ) {
        if let Some(event) = self.resolve_event(scratch, cold, &c) {
            scratch
                .book
                .add_event_at(event.index, event.prepaid, c.balance, c.fee);
        }
    }

    /// The event of a receivable whose draw passed a quick test, if it falls within the
    /// horizon.
    #[inline(always)]
    pub(super) fn resolve_event(
        &self,
        scratch: &PathScratch<'_>,
        cold: &ColdReceivable,
        c: &Candidate,
    ) -> Option<Event> {
        let life = u32::from(cold.life_months);
        let mut age = u32::MAX;
        let mut prepaid = false;
        if c.may_default {
            let months = scratch.tables.months_before_default(
                usize::from(cold.segment),
                cold.months_per_hazard,
                (c.bits >> 32) as u32,
                life,
            );
            if months < life {
                age = months + 1;
            }
        }
        if c.may_prepay {
            let t = self.prepay_tables[usize::from(cold.prepay_class)].month(!(c.bits as u32));
            // a default in the same month comes first (SPEC §4.3)
            if t < age {
                age = t;
                prepaid = true;
            }
        }
        (age <= self.horizon_months - c.start).then(|| Event {
            index: c.event_index + age as usize - 1,
            prepaid,
        })
    }
}
