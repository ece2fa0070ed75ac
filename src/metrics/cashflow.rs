//! Cash-flow measures of one stream of payments: weighted-average life and yield.

use crate::units::MONTHS_PER_YEAR;

/// Weighted-average life in years of principal paid by month (`principal[t − 1]` paid in
/// month `t`); `None` when no principal is paid.
///
/// # Formula
/// `WAL = Σ (t/12) · P_t / Σ P_t`
pub fn weighted_average_life_years(principal_by_month: &[f64]) -> Option<f64> {
    let total: f64 = principal_by_month.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let weighted: f64 = principal_by_month
        .iter()
        .enumerate()
        .map(|(i, p)| (i + 1) as f64 / MONTHS_PER_YEAR * p)
        .sum();
    Some(weighted / total)
}

/// Yield of buying at `price` (paid at month 0) and receiving `cash_by_month[t − 1]` in
/// month `t`, as an annual nominal rate compounded monthly (12 × the monthly IRR), the
/// convention of the coupons. `None` when nothing is received.
///
/// # Formula
/// The monthly rate `m` solving `price = Σ CF_t / (1 + m)^t`, found by bisection on
/// `ln(1 + m)` (the present value falls monotonically in `m` for one outlay followed by
/// receipts), to 1e-12.
pub fn annual_yield(price: f64, cash_by_month: &[f64]) -> Option<f64> {
    let received: f64 = cash_by_month.iter().sum();
    if price <= 0.0 || received <= 0.0 {
        return None;
    }
    let excess_value = |log_growth: f64| -> f64 {
        let discount = (-log_growth).exp();
        let mut factor = 1.0;
        let mut value = -price;
        for cash in cash_by_month {
            factor *= discount;
            value += cash * factor;
        }
        value
    };
    // bracket: very negative rates make the receipts worth more than the price, very
    // positive ones less
    let (mut low, mut high) = (-5.0_f64, 5.0_f64);
    if excess_value(low) < 0.0 || excess_value(high) > 0.0 {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if excess_value(mid) > 0.0 {
            low = mid;
        } else {
            high = mid;
        }
        if high - low < 1e-12 {
            break;
        }
    }
    Some(MONTHS_PER_YEAR * (0.5 * (low + high)).exp_m1())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn wal_of_a_bullet_and_of_level_principal() {
        assert_relative_eq!(
            weighted_average_life_years(&[0.0, 0.0, 100.0]).unwrap(),
            0.25
        );
        // equal principal over 12 months: mean month 6.5 → 6.5/12 years
        assert_relative_eq!(weighted_average_life_years(&[1.0; 12]).unwrap(), 6.5 / 12.0);
        assert!(weighted_average_life_years(&[0.0; 3]).is_none());
    }

    #[test]
    fn par_bond_yields_its_coupon() {
        // 100 at 6 % a year, monthly coupons of 0.5 and principal at month 24
        let mut cash = vec![0.5; 24];
        cash[23] += 100.0;
        assert_relative_eq!(annual_yield(100.0, &cash).unwrap(), 0.06, epsilon = 1e-10);
    }

    #[test]
    fn loss_gives_a_negative_yield_and_total_loss_none() {
        // pay 100, get 90 back after one month: monthly IRR −10 % → −120 % nominal
        assert_relative_eq!(annual_yield(100.0, &[90.0]).unwrap(), -1.2, epsilon = 1e-10);
        assert!(annual_yield(100.0, &[0.0, 0.0]).is_none());
    }
}
