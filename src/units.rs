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

/// Score of the scale of SPEC §3 at good:bad odds of 50:1.
pub const SCORE_AT_ANCHOR_ODDS: f64 = 600.0;
/// Good:bad odds at [`SCORE_AT_ANCHOR_ODDS`].
pub const ANCHOR_ODDS: f64 = 50.0;
/// Points that double the odds.
pub const POINTS_TO_DOUBLE_ODDS: f64 = 20.0;

/// 12-month PD of a credit score on the scale of SPEC §3.
///
/// # Formula
/// `odds = 50 · 2^((score − 600)/20)`, `PD = 1 / (1 + odds)` (600 points at 50:1 good:bad,
/// 20 points to double the odds).
pub fn pd_from_score(score: f64) -> f64 {
    let odds = ANCHOR_ODDS * ((score - SCORE_AT_ANCHOR_ODDS) / POINTS_TO_DOUBLE_ODDS).exp2();
    1.0 / (1.0 + odds)
}

/// Credit score of a 12-month PD (inverse of [`pd_from_score`]).
///
/// # Formula
/// `score = 600 + 20/ln 2 · ln(odds/50)` with `odds = (1 − PD)/PD`.
pub fn score_from_pd(pd_12m: f64) -> f64 {
    let odds = (1.0 - pd_12m) / pd_12m;
    SCORE_AT_ANCHOR_ODDS + POINTS_TO_DOUBLE_ODDS * (odds / ANCHOR_ODDS).log2()
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
    fn score_scale_anchors_and_round_trip() {
        // 600 points ⇔ 50:1 ⇔ PD = 1/51; +20 points doubles the odds to 100:1.
        assert_relative_eq!(pd_from_score(600.0), 1.0 / 51.0, epsilon = 1e-15);
        assert_relative_eq!(pd_from_score(620.0), 1.0 / 101.0, epsilon = 1e-15);
        assert_relative_eq!(pd_from_score(580.0), 1.0 / 26.0, epsilon = 1e-15);
        for score in [350.0, 512.5, 600.0, 731.0, 950.0] {
            assert_relative_eq!(score_from_pd(pd_from_score(score)), score, epsilon = 1e-9);
        }
    }

    #[test]
    fn stressed_pd_is_capped() {
        assert_eq!(stressed_pd(0.02, 5.5), 0.11);
        assert_eq!(stressed_pd(0.5, 5.5), MAX_STRESSED_PD);
    }
}
