//! Units and rate conversions shared by every stage: annual ↔ monthly rates (CPR ↔ SMM,
//! CDR ↔ MDR), cumulative default probabilities over a number of months, and the
//! tolerance used when checking that money is conserved.
//!
//! Conventions (SPEC §0): money is CNY in `f64`, rates are annual decimals unless the
//! name says monthly, periods are whole months and period 1 is the first month after
//! the cut-off date.

/// Money is conserved to this many CNY in every waterfall period (one cent).
pub const CASH_TOLERANCE_CNY: f64 = 0.01;

/// Months per year, for annual ↔ monthly conversions.
pub const MONTHS_PER_YEAR: f64 = 12.0;

/// Single monthly mortality from an annual constant prepayment rate.
///
/// # Formula
/// `SMM = 1 − (1 − CPR)^(1/12)`
pub fn smm_from_cpr(annual_cpr: f64) -> f64 {
    1.0 - (1.0 - annual_cpr).powf(1.0 / MONTHS_PER_YEAR)
}

/// Annual constant prepayment rate from a single monthly mortality (inverse of
/// [`smm_from_cpr`]): `CPR = 1 − (1 − SMM)^12`.
pub fn cpr_from_smm(monthly_smm: f64) -> f64 {
    1.0 - (1.0 - monthly_smm).powi(12)
}

/// Monthly default rate from an annual constant default rate.
///
/// # Formula
/// `MDR = 1 − (1 − CDR)^(1/12)`; the same conversion turns a 12-month PD into the
/// monthly default hazard of a receivable (SPEC §4.4).
pub fn mdr_from_cdr(annual_cdr: f64) -> f64 {
    1.0 - (1.0 - annual_cdr).powf(1.0 / MONTHS_PER_YEAR)
}

/// Annual constant default rate from a monthly default rate: `CDR = 1 − (1 − MDR)^12`.
pub fn cdr_from_mdr(monthly_mdr: f64) -> f64 {
    1.0 - (1.0 - monthly_mdr).powi(12)
}

/// Probability of default by month `months` for a receivable whose 12-month PD is `pd_12m`.
///
/// # Formula
/// `F(t) = 1 − (1 − p)^(t/12)` (SPEC §4.1): a constant monthly hazard.
pub fn cumulative_default_probability(pd_12m: f64, months: f64) -> f64 {
    // ln1p/exp_m1 keep small PDs accurate: 1 − (1 − p)^x = −expm1(x · ln(1 − p)).
    -((months / MONTHS_PER_YEAR) * (-pd_12m).ln_1p()).exp_m1()
}

/// The largest 12-month PD a `pd_multiplier` may produce (SPEC §4.3: capped at 0.999).
pub const MAX_STRESSED_PD: f64 = 0.999;

/// A 12-month PD scaled by `pd_multiplier` and capped at [`MAX_STRESSED_PD`].
pub fn stressed_pd(pd_12m: f64, pd_multiplier: f64) -> f64 {
    (pd_12m * pd_multiplier).min(MAX_STRESSED_PD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn smm_of_published_cpr_values() {
        // 6% CPR ↔ 0.5143% SMM is the textbook PSA example (100% PSA after month 30).
        assert_relative_eq!(smm_from_cpr(0.06), 0.005_143_1, epsilon = 1e-7);
        assert_relative_eq!(cpr_from_smm(smm_from_cpr(0.37)), 0.37, epsilon = 1e-14);
    }

    #[test]
    fn mdr_round_trip_and_twelve_months_of_hazard_give_the_pd() {
        let pd = 0.03;
        let mdr = mdr_from_cdr(pd);
        assert_relative_eq!(1.0 - (1.0 - mdr).powi(12), pd, epsilon = 1e-15);
        assert_relative_eq!(cdr_from_mdr(mdr), pd, epsilon = 1e-15);
        assert_relative_eq!(
            cumulative_default_probability(pd, 12.0),
            pd,
            epsilon = 1e-15
        );
        // 24 months: 1 − 0.97² = 0.0591
        assert_relative_eq!(
            cumulative_default_probability(pd, 24.0),
            0.0591,
            epsilon = 1e-15
        );
        assert_relative_eq!(
            cumulative_default_probability(pd, 1.0),
            mdr,
            epsilon = 1e-15
        );
    }

    #[test]
    fn stressed_pd_is_capped() {
        assert_eq!(stressed_pd(0.02, 5.5), 0.11);
        assert_eq!(stressed_pd(0.5, 5.5), MAX_STRESSED_PD);
    }
}
