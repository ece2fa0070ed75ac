//! The pool's book of cohorts: receivables grouped by unit schedule and start month, with
//! the balance that defaults or prepays in each month of their life. From these event
//! masses every month's pool cash flows follow exactly (SPEC §4.3), whether the masses
//! are expected fractions (the deterministic run) or sums over simulated receivables
//! (a Monte Carlo path).
//!
//! # Formula
//! For a cohort started after month `s` with unit schedule (`b(a)` begin balance,
//! `p(a)` principal, `j` monthly annuity rate) and, per month `t` (age `a = t − s`),
//! alive balance mass `A(t)` (balance at the cohort's start of the receivables alive at the
//! start of `t`), defaulting mass `D(t)`, prepaying mass `P(t)` and the same three for fee
//! amounts (`AF`, `DF`, `PF`):
//! - beginning balance `A(t)·b(a)`; defaults `D(t)·b(a)`;
//! - fees and interest `AF(t) − DF(t) + (A(t) − D(t))·j·b(a)`;
//! - scheduled principal `(A(t) − D(t))·p(a)`; prepayments `P(t)·b(a + 1)`;
//! - ending balance `(A(t) − D(t) − P(t))·b(a + 1)`; `A(t + 1) = A(t) − D(t) − P(t)`.

use super::schedule::ScheduleTable;

/// One month's pool cash flows, before the waterfall (SPEC §8 `deterministic_pool.csv`).
// serialised as a plain array of its seven numbers (a shard's partial holds one per month
// of every logged path: field names would more than double it)
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(from = "[f64; 7]", into = "[f64; 7]")]
pub struct PoolFlows {
    /// Performing balance at the start of the month.
    pub begin_balance: f64,
    /// Beginning balance of the receivables that default this month.
    pub defaults: f64,
    /// Fees and interest collected (after any yield haircut).
    pub interest: f64,
    pub scheduled_principal: f64,
    pub prepayments: f64,
    /// Recoveries received this month on earlier (or, with no lag, this month's) defaults.
    pub recoveries: f64,
    /// Performing balance after the month's flows, before purchases, call or buy-back.
    pub end_balance: f64,
}

impl From<PoolFlows> for [f64; 7] {
    fn from(f: PoolFlows) -> [f64; 7] {
        [
            f.begin_balance,
            f.defaults,
            f.interest,
            f.scheduled_principal,
            f.prepayments,
            f.recoveries,
            f.end_balance,
        ]
    }
}

impl From<[f64; 7]> for PoolFlows {
    fn from(v: [f64; 7]) -> PoolFlows {
        let [
            begin_balance,
            defaults,
            interest,
            scheduled_principal,
            prepayments,
            recoveries,
            end_balance,
        ] = v;
        PoolFlows {
            begin_balance,
            defaults,
            interest,
            scheduled_principal,
            prepayments,
            recoveries,
            end_balance,
        }
    }
}

impl PoolFlows {
    /// Cash the pool hands to the waterfall this month (before call or buy-back proceeds).
    pub fn collections(&self) -> f64 {
        self.interest + self.scheduled_principal + self.prepayments + self.recoveries
    }

    /// Principal collected, scheduled and prepaid.
    pub fn principal(&self) -> f64 {
        self.scheduled_principal + self.prepayments
    }
}

/// What the waterfall needs of a pool: its month's flows, revolving purchases, and the sale
/// of the performing pool at par (clean-up call, buy-back at the legal final).
pub trait Collateral {
    /// The pool balance at closing (cut-off), CNY.
    fn closing_balance(&self) -> f64;
    /// The flows of `month` (1-based; called once per month, in order).
    fn collect(&mut self, month: u32) -> PoolFlows;
    /// Buy `amount` CNY of new receivables at the end of `month`; they start paying in
    /// `month + 1`.
    fn purchase(&mut self, month: u32, amount: f64);
    /// Sell the whole performing pool at par at the end of `month`; returns the proceeds.
    /// Afterwards the pool pays nothing but recoveries on earlier defaults.
    fn sell_performing(&mut self, month: u32) -> f64;
}

/// One cohort: its schedule, start and alive masses; its event masses live in the book's
/// flat event table.
#[derive(Debug, Clone)]
struct Cohort {
    schedule: usize,
    /// Month after which the cohort starts (0 = cut-off pool).
    start: u32,
    /// Alive balance and fee masses at the start of the next month to collect.
    alive_balance: f64,
    alive_fee: f64,
    /// Index of the cohort's age-1 entry in the book's event table.
    offset: usize,
    /// Schedule months (entries in the event table).
    months: usize,
}

/// Cohorts of one pool, and the month flows they produce.
#[derive(Debug, Clone)]
pub struct CohortBook<'a> {
    schedules: &'a ScheduleTable,
    cohorts: Vec<Cohort>,
    /// `[default balance, default fee, prepay balance, prepay fee]` by cohort and age − 1,
    /// one flat table so that a Monte Carlo path records an event with one indexed add
    /// (see [`CohortBook::event_index`]).
    events: Vec<[f64; 4]>,
    sold: bool,
}

/// Index of a cohort in its book.
pub type CohortId = usize;

impl<'a> CohortBook<'a> {
    pub fn new(schedules: &'a ScheduleTable) -> CohortBook<'a> {
        CohortBook {
            schedules,
            cohorts: Vec::new(),
            events: Vec::new(),
            sold: false,
        }
    }

    pub fn schedules(&self) -> &'a ScheduleTable {
        self.schedules
    }

    /// Adds an empty cohort on `schedule` starting after month `start`.
    pub fn add_cohort(&mut self, schedule: usize, start: u32) -> CohortId {
        let months = self.schedules.get(schedule).months() as usize;
        self.cohorts.push(Cohort {
            schedule,
            start,
            alive_balance: 0.0,
            alive_fee: 0.0,
            offset: self.events.len(),
            months,
        });
        self.events.resize(self.events.len() + months, [0.0; 4]);
        self.cohorts.len() - 1
    }

    /// Index in the event table of `cohort`'s events at age 1 (age `a` is `index + a − 1`):
    /// cohorts take consecutive ranges in the order they were added.
    pub fn event_index(&self, cohort: CohortId) -> usize {
        self.cohorts[cohort].offset
    }

    /// Records an event at event-table index `index` (see [`CohortBook::event_index`]):
    /// a prepayment if `prepaid`, else a default, of starting balance `balance` and fees
    /// `fee`.
    #[inline]
    pub fn add_event_at(&mut self, index: usize, prepaid: bool, balance: f64, fee: f64) {
        let e = &mut self.events[index];
        // branch-free: defaults in [0, 1], prepayments in [2, 3]
        let k = 2 * usize::from(prepaid);
        e[k] += balance;
        e[k + 1] += fee;
    }

    /// Empties every cohort (keeping their allocation) and forgets a sale: ready for
    /// another path of the same pool.
    pub fn reset(&mut self) {
        for cohort in &mut self.cohorts {
            cohort.alive_balance = 0.0;
            cohort.alive_fee = 0.0;
        }
        self.events.fill([0.0; 4]);
        self.sold = false;
    }

    /// Empties the cohorts from `first` on (and their events), keeping the others.
    pub fn reset_from(&mut self, first: CohortId) {
        if first >= self.cohorts.len() {
            return;
        }
        let offset = self.cohorts[first].offset;
        for cohort in &mut self.cohorts[first..] {
            cohort.alive_balance = 0.0;
            cohort.alive_fee = 0.0;
        }
        self.events[offset..].fill([0.0; 4]);
    }

    /// Adds receivables with starting balance `balance` and monthly fee `fee` to a cohort.
    #[inline]
    pub fn add_mass(&mut self, cohort: CohortId, balance: f64, fee: f64) {
        let c = &mut self.cohorts[cohort];
        c.alive_balance += balance;
        c.alive_fee += fee;
    }

    /// Records that receivables of starting balance `balance` (fees `fee`) default at `age`.
    #[inline]
    pub fn add_default(&mut self, cohort: CohortId, age: u32, balance: f64, fee: f64) {
        let c = &self.cohorts[cohort];
        assert!(
            age >= 1 && age as usize <= c.months,
            "age {age} outside the schedule"
        );
        let e = &mut self.events[c.offset + age as usize - 1];
        e[0] += balance;
        e[1] += fee;
    }

    /// Records that receivables of starting balance `balance` (fees `fee`) prepay at `age`
    /// (after paying that month's scheduled flows).
    #[inline]
    pub fn add_prepayment(&mut self, cohort: CohortId, age: u32, balance: f64, fee: f64) {
        let c = &self.cohorts[cohort];
        assert!(
            age >= 1 && age as usize <= c.months,
            "age {age} outside the schedule"
        );
        let e = &mut self.events[c.offset + age as usize - 1];
        e[2] += balance;
        e[3] += fee;
    }

    /// The pool's flows in `month` from its cohorts (no recoveries: the caller adds them),
    /// advancing every cohort to the next month. Months must be collected in order.
    pub fn collect(&mut self, month: u32) -> PoolFlows {
        let mut flows = PoolFlows::default();
        if self.sold {
            return flows;
        }
        for cohort in &mut self.cohorts {
            if month <= cohort.start {
                continue;
            }
            let age = (month - cohort.start) as usize;
            let schedule = self.schedules.get(cohort.schedule);
            if age > cohort.months || cohort.alive_balance == 0.0 {
                continue;
            }
            let [default_balance, default_fee, prepay_balance, prepay_fee] =
                self.events[cohort.offset + age - 1];
            let begin = schedule.begin_factor[age - 1];
            let after = schedule.begin_factor[age];
            let paying_balance = cohort.alive_balance - default_balance;
            let paying_fee = cohort.alive_fee - default_fee;
            flows.begin_balance += cohort.alive_balance * begin;
            flows.defaults += default_balance * begin;
            flows.interest += paying_fee + paying_balance * schedule.monthly_interest_rate * begin;
            flows.scheduled_principal += paying_balance * schedule.principal_factor[age - 1];
            flows.prepayments += prepay_balance * after;
            flows.end_balance += (paying_balance - prepay_balance) * after;
            cohort.alive_balance = paying_balance - prepay_balance;
            cohort.alive_fee = paying_fee - prepay_fee;
            if age == cohort.months {
                // matured: nothing alive is left, whatever rounding says
                cohort.alive_balance = 0.0;
                cohort.alive_fee = 0.0;
            }
        }
        flows
    }

    /// The performing balance at the end of `month` (after its collections and any
    /// purchases made in it): what a sale at par in `month` pays.
    pub fn performing_balance_after(&self, month: u32) -> f64 {
        if self.sold {
            return 0.0;
        }
        self.cohorts
            .iter()
            .filter(|c| c.start <= month && ((month - c.start) as usize) < c.months + 1)
            .map(|c| {
                c.alive_balance
                    * self.schedules.get(c.schedule).begin_factor[(month - c.start) as usize]
            })
            .sum()
    }

    /// Marks the performing pool sold: later months produce no flows.
    pub fn mark_sold(&mut self) {
        self.sold = true;
    }

    pub fn is_sold(&self) -> bool {
        self.sold
    }
}

/// Recoveries after a lag and the yield haircut, around a cohort book: the part of a pool
/// that deterministic and Monte Carlo collateral share.
#[derive(Debug, Clone)]
pub struct Recoveries {
    recovery_rate: f64,
    lag_months: u32,
    /// Defaulted balance by month (index month − 1).
    defaults_by_month: Vec<f64>,
}

impl Recoveries {
    pub fn new(recovery_rate: f64, lag_months: u32, horizon_months: u32) -> Recoveries {
        Recoveries {
            recovery_rate,
            lag_months,
            defaults_by_month: vec![0.0; horizon_months as usize],
        }
    }

    pub fn reset(&mut self) {
        self.defaults_by_month.iter_mut().for_each(|d| *d = 0.0);
    }

    /// Records `month`'s defaults and returns the recoveries received in `month`:
    /// `recovery_rate × defaults(month − lag)`; recoveries due after the horizon are lost
    /// simply because no month after it is collected.
    pub fn record(&mut self, month: u32, defaults: f64) -> f64 {
        self.defaults_by_month[month as usize - 1] = defaults;
        match month.checked_sub(self.lag_months) {
            Some(source) if source >= 1 => {
                self.recovery_rate * self.defaults_by_month[source as usize - 1]
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::schedule::ScheduleKey;
    use crate::tape::Product;
    use approx::assert_relative_eq;

    #[test]
    fn one_installment_with_a_default_and_a_prepayment() {
        // Three receivables of 300 on a 3-month instalment schedule, fee 3 a month each.
        // Month 1: one defaults (300 of 900). Month 2: one prepays after paying.
        let mut table = ScheduleTable::default();
        let s = table.intern(ScheduleKey::new(Product::Installment, 3, 0.01));
        let mut book = CohortBook::new(&table);
        let c = book.add_cohort(s, 0);
        book.add_mass(c, 900.0, 9.0);
        book.add_default(c, 1, 300.0, 3.0);
        book.add_prepayment(c, 2, 300.0, 3.0);

        let m1 = book.collect(1);
        assert_relative_eq!(m1.begin_balance, 900.0);
        assert_relative_eq!(m1.defaults, 300.0);
        assert_relative_eq!(m1.interest, 6.0);
        assert_relative_eq!(m1.scheduled_principal, 200.0);
        assert_relative_eq!(m1.end_balance, 400.0);
        let m2 = book.collect(2);
        assert_relative_eq!(m2.begin_balance, 400.0);
        assert_relative_eq!(m2.interest, 6.0);
        assert_relative_eq!(m2.scheduled_principal, 200.0);
        // balance left after scheduled principal: 300 × 1/3
        assert_relative_eq!(m2.prepayments, 100.0);
        assert_relative_eq!(m2.end_balance, 100.0);
        let m3 = book.collect(3);
        assert_relative_eq!(m3.interest, 3.0);
        assert_relative_eq!(m3.scheduled_principal, 100.0);
        assert_relative_eq!(m3.end_balance, 0.0);
        assert_eq!(book.collect(4), PoolFlows::default());
    }

    #[test]
    fn recoveries_arrive_after_the_lag() {
        let mut r = Recoveries::new(0.25, 2, 5);
        assert_eq!(r.record(1, 100.0), 0.0);
        assert_eq!(r.record(2, 40.0), 0.0);
        assert_eq!(r.record(3, 0.0), 25.0);
        assert_eq!(r.record(4, 0.0), 10.0);
        let mut same_month = Recoveries::new(0.5, 0, 2);
        assert_eq!(same_month.record(1, 10.0), 5.0);
    }
}
