//! The cut-off receivables' balances and fees as exact fixed-point amounts.
//!
//! A path adds the balance (and fee) of every cut-off receivable with an event into its
//! cohort's entry for that month and kind. In floating point those sums depend on the order
//! of the additions, which would tie the engine to one order of work. In whole units of
//! [`CASH_UNIT_CNY`] (2⁻²⁰ CNY, about a ten-thousandth of a fen) they are exact integer
//! sums, the same in any order; each receivable's balance and fee are rounded to the unit
//! once, when the model is built (a change of at most 2⁻²¹ CNY each), and the reference
//! simulator (`sim::reference`) starts from the same rounded amounts.
//!
//! # Range
//! A pool holds at most 10¹² CNY (`units::MAX_POOL_BALANCE_CNY`), 2⁶⁰ units: any sum of
//! balances fits in an `i64` with eight times to spare, and sums of fees are checked when
//! the model is built. Sums below 2⁵³ units (≈ 8.6 billion CNY) convert back to `f64`
//! exactly; larger ones round once.

/// The unit of the exact sums, CNY: `2⁻²⁰`.
pub const CASH_UNIT_CNY: f64 = 1.0 / CASH_UNITS_PER_CNY;

/// Units per CNY: `2²⁰`.
const CASH_UNITS_PER_CNY: f64 = 1_048_576.0;

/// `cny` in whole units, rounded to nearest (ties to even).
///
/// # Formula
/// `round(cny · 2²⁰)`
#[inline]
pub fn cash_units(cny: f64) -> i64 {
    (cny * CASH_UNITS_PER_CNY).round_ties_even() as i64
}

/// `cny` rounded to a whole number of units, in CNY: the amount the engine sums.
#[inline]
pub fn quantised_cny(cny: f64) -> f64 {
    cny_of_units(cash_units(cny))
}

/// An amount of units in CNY (exact below 2⁵³ units).
#[inline]
pub fn cny_of_units(units: i64) -> f64 {
    units as f64 * CASH_UNIT_CNY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_to_the_nearest_and_come_back_exactly() {
        assert_eq!(cash_units(1.0), 1 << 20);
        assert_eq!(cash_units(0.5 / CASH_UNITS_PER_CNY), 0);
        assert_eq!(cash_units(1.5 / CASH_UNITS_PER_CNY), 2);
        assert_eq!(cash_units(-3.0), -3 << 20);
        for cny in [12_345.67, 0.01, 1e12, 3.3e-7] {
            let q = quantised_cny(cny);
            assert!((q - cny).abs() <= 0.5 * CASH_UNIT_CNY, "{cny} → {q}");
            assert_eq!(quantised_cny(q), q);
        }
        assert_eq!(cny_of_units(1 << 60), 1_099_511_627_776.0);
    }
}
