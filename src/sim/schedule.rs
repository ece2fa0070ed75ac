//! Contractual schedules per unit of balance (SPEC §4.3 step 2): for a receivable that
//! is alive at the start of each month of its life, the balance it starts the month with,
//! the scheduled principal and, for annuities, the interest it pays — all per CNY of
//! balance at the start of its life in the pool.
//!
//! Receivables with the same product and months left share one schedule (annuities also
//! need the same rate), so the pool's flows can be aggregated by schedule instead of being
//! stepped receivable by receivable.

use std::collections::HashMap;

use crate::tape::Product;

/// What makes two receivables' unit schedules identical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduleKey {
    pub product: Product,
    /// Months of life left at the start (remaining months, or the term for a purchase).
    pub months: u32,
    /// Annual rate bits for annuities (their amortization depends on it); 0 otherwise.
    pub annuity_rate_bits: u64,
}

impl ScheduleKey {
    pub fn new(product: Product, months: u32, rate: f64) -> ScheduleKey {
        let annuity_rate_bits = if product == Product::Annuity {
            rate.to_bits()
        } else {
            0
        };
        ScheduleKey {
            product,
            months,
            annuity_rate_bits,
        }
    }
}

/// A unit schedule over ages `a = 1..=months` (age 1 is the first month in the pool).
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub key: ScheduleKey,
    /// `begin_factor[a − 1]` = balance at the start of age `a` per unit of starting balance,
    /// for `a = 1..=months + 1` (the last entry is 0: repaid at maturity).
    pub begin_factor: Vec<f64>,
    /// `principal_factor[a − 1]` = scheduled principal paid in age `a` per unit.
    pub principal_factor: Vec<f64>,
    /// Monthly interest on the beginning balance (annuities: rate / 12); instalment and
    /// bullet fees are carried separately as fee amounts, not per unit of balance.
    pub monthly_interest_rate: f64,
}

impl Schedule {
    /// The schedule of SPEC §4.3 for `key`.
    ///
    /// # Formula
    /// - installment: principal `1/n` each month, balance `1 − (a − 1)/n`;
    /// - annuity: level payment `j / (1 − (1 + j)^−n)` with `j = rate/12` (`1/n` when
    ///   `j = 0`), interest `j × balance`, principal the rest (the last month clears the
    ///   balance exactly);
    /// - bullet: balance 1 until maturity, principal 1 in month `n`.
    pub fn new(key: ScheduleKey) -> Schedule {
        let months = key.months as usize;
        let mut begin_factor = Vec::with_capacity(months + 1);
        let mut principal_factor = Vec::with_capacity(months);
        let mut monthly_interest_rate = 0.0;
        match key.product {
            Product::Installment => {
                let n = months as f64;
                for age in 0..months {
                    begin_factor.push(1.0 - age as f64 / n);
                    principal_factor.push(1.0 / n);
                }
            }
            Product::Bullet => {
                for age in 0..months {
                    begin_factor.push(1.0);
                    principal_factor.push(if age + 1 == months { 1.0 } else { 0.0 });
                }
            }
            Product::Annuity => {
                let monthly = f64::from_bits(key.annuity_rate_bits) / 12.0;
                monthly_interest_rate = monthly;
                let payment = level_payment(monthly, months);
                let mut balance = 1.0;
                for age in 0..months {
                    begin_factor.push(balance);
                    let principal = if age + 1 == months {
                        balance
                    } else {
                        (payment - monthly * balance).min(balance)
                    };
                    principal_factor.push(principal);
                    balance -= principal;
                }
            }
        }
        begin_factor.push(0.0);
        Schedule {
            key,
            begin_factor,
            principal_factor,
            monthly_interest_rate,
        }
    }

    /// Months of life.
    pub fn months(&self) -> u32 {
        self.key.months
    }
}

/// Level monthly payment per unit of balance that amortizes it over `months` at the
/// monthly rate `monthly_rate`: `j / (1 − (1 + j)^−n)`, or `1/n` at a zero rate.
pub fn level_payment(monthly_rate: f64, months: usize) -> f64 {
    if monthly_rate == 0.0 {
        1.0 / months as f64
    } else {
        monthly_rate / (1.0 - (1.0 + monthly_rate).powi(-(months as i32)))
    }
}

/// The distinct schedules of a pool, each built once.
#[derive(Debug, Clone, Default)]
pub struct ScheduleTable {
    schedules: Vec<Schedule>,
    index: HashMap<ScheduleKey, usize>,
}

impl ScheduleTable {
    /// The index of `key`'s schedule, building it on first use.
    pub fn intern(&mut self, key: ScheduleKey) -> usize {
        if let Some(&index) = self.index.get(&key) {
            return index;
        }
        let index = self.schedules.len();
        self.schedules.push(Schedule::new(key));
        self.index.insert(key, index);
        index
    }

    pub fn get(&self, index: usize) -> &Schedule {
        &self.schedules[index]
    }

    pub fn len(&self) -> usize {
        self.schedules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schedules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn installment_repays_equal_principal() {
        let s = Schedule::new(ScheduleKey::new(Product::Installment, 4, 0.01));
        assert_eq!(s.begin_factor, vec![1.0, 0.75, 0.5, 0.25, 0.0]);
        assert_eq!(s.principal_factor, vec![0.25; 4]);
        assert_eq!(s.monthly_interest_rate, 0.0);
    }

    #[test]
    fn bullet_repays_at_maturity() {
        let s = Schedule::new(ScheduleKey::new(Product::Bullet, 3, 0.0));
        assert_eq!(s.begin_factor, vec![1.0, 1.0, 1.0, 0.0]);
        assert_eq!(s.principal_factor, vec![0.0, 0.0, 1.0]);
    }

    #[test]
    fn annuity_matches_the_textbook_payment() {
        // 12 % a year over 12 months: payment 0.0888487887 per unit (standard annuity table).
        let s = Schedule::new(ScheduleKey::new(Product::Annuity, 12, 0.12));
        assert_relative_eq!(level_payment(0.01, 12), 0.088_848_788_7, epsilon = 1e-10);
        // month 1: interest 0.01, principal 0.0788487887
        assert_relative_eq!(s.principal_factor[0], 0.078_848_788_7, epsilon = 1e-10);
        assert_relative_eq!(s.principal_factor.iter().sum::<f64>(), 1.0, epsilon = 1e-12);
        for age in 0..11 {
            let interest = 0.01 * s.begin_factor[age];
            assert_relative_eq!(
                interest + s.principal_factor[age],
                0.088_848_788_7,
                epsilon = 1e-10
            );
        }
        assert_eq!(*s.begin_factor.last().unwrap(), 0.0);
    }

    #[test]
    fn table_interns_each_key_once() {
        let mut table = ScheduleTable::default();
        let a = table.intern(ScheduleKey::new(Product::Installment, 6, 0.007));
        let b = table.intern(ScheduleKey::new(Product::Installment, 6, 0.012));
        let c = table.intern(ScheduleKey::new(Product::Annuity, 6, 0.12));
        let d = table.intern(ScheduleKey::new(Product::Annuity, 6, 0.15));
        assert_eq!(a, b, "instalment schedules do not depend on the fee rate");
        assert_ne!(c, d, "annuity schedules do");
        assert_eq!(table.len(), 3);
    }
}
