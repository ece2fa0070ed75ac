//! Units and rate conversions shared by every stage: annual ↔ monthly rates (CPR ↔ SMM,
//! CDR ↔ MDR), cumulative default probabilities over a number of months, the
//! tolerance used when checking that money is conserved, and the limits (`MAX_*`, `MIN_*`,
//! [`TAPE_SCORE_RANGE`]) every count and magnitude is held to where it enters the tool.
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

// Limits.
//
// Every count and magnitude a user gives is checked against these bounds where it enters the
// tool (command-line flags, scenario keys, tape, applicants, model and policy files), and an
// input beyond one is an input error naming the flag, key or column. They lie far beyond any
// real deal, and inside them the arithmetic stays finite and money is conserved to the cent.
// README.md ("Limits") lists them for users.

/// Most Monte Carlo paths (`--paths`, `[simulation] paths`, `[frontier] paths`): 1,000 times
/// the default; each path keeps a few hundred bytes of results.
pub const MAX_PATHS: usize = 10_000_000;

/// Most synthetic receivables (`gen-tape --receivables`, `[pool] synthetic.receivables`):
/// 100 times the base pool and beyond the largest consumer ABS pools (a few million
/// receivables); a receivable takes about 200 bytes in memory.
pub const MAX_RECEIVABLES: usize = 20_000_000;

/// Most synthetic applicants (`gen-applicants --applicants`).
pub const MAX_APPLICANTS: usize = 20_000_000;

/// Most worker threads (`--threads`): results do not depend on the count, and beyond the
/// hardware threads of the largest servers more only cost memory and switching.
pub const MAX_THREADS: usize = 1_024;

/// Smallest balance of a receivable, CNY: one fen (a cent), the unit money is written in.
/// Also keeps the scale factor to `target_balance` finite.
pub const MIN_BALANCE_CNY: f64 = 0.01;

/// Largest balance or original principal of one receivable on a tape, CNY (10 billion: far
/// above any consumer receivable, so a line standing for a whole sub-pool still fits).
pub const MAX_RECEIVABLE_BALANCE_CNY: f64 = 1e10;

/// Largest closing pool and `target_balance`, CNY (1 trillion, about a hundred times the
/// largest consumer ABS). Cash is checked to [`CASH_TOLERANCE_CNY`] each period; a double
/// near 10¹² is exact to about 10⁻⁴ CNY, which leaves room for the rounding of a period's
/// sums, while near 10¹⁵ a single rounding step exceeds a cent.
pub const MAX_POOL_BALANCE_CNY: f64 = 1e12;

/// Smallest `target_balance`, CNY.
pub const MIN_TARGET_BALANCE_CNY: f64 = 1.0;

/// Largest `avg_order_value` and `max_order_value` of an applicant, CNY (100 million). Keeps
/// the scorecard's `ln(1 + avg_order_value)` below 18.5.
pub const MAX_ORDER_VALUE_CNY: f64 = 1e8;

/// Largest credit limit a policy can give (`limit_cap` and every band's `base_limit`), CNY
/// (10 million: Baitiao limits are in the tens of thousands).
pub const MAX_CREDIT_LIMIT_CNY: f64 = 1e7;

/// Largest policy `limit_multiplier`, `[frontier] limit_multipliers` and spending-scaling
/// factor.
pub const MAX_LIMIT_MULTIPLIER: f64 = 100.0;

/// Largest |coefficient| of a scorecard feature. Real scorecards on these transforms have
/// coefficients of a few units (the built-in model's largest is 3.2).
pub const MAX_SCORECARD_COEFFICIENT: f64 = 10.0;

/// Largest |intercept| of a scorecard.
///
/// With every transformed feature in its range (at most 63.6 in absolute value summed over
/// the features, see `credit::Feature::range`), the log-odds stay within
/// 50 + 10 × 63.6 = 686 < ln(f64::MAX) ≈ 709.8 in absolute value: the PD, the score and the
/// points are finite for every applicant.
pub const MAX_SCORECARD_INTERCEPT: f64 = 50.0;

/// Lowest and highest credit score on a tape. Within them the score's 12-month PD lies
/// strictly between 0 and 1 in double precision (1 − 1.4·10⁻¹⁵ at −500, 6·10⁻³⁰² at
/// 20,500), and they hold every score a scorecard within the limits above can give
/// (−19,300 to 20,280; approved applicants, whose receivables `gen-tape` writes, score at
/// least the lowest cut-off, 300).
pub const TAPE_SCORE_RANGE: (f64, f64) = (-500.0, 20_500.0);

/// A whole number of CNY or a count written with thousands separators, for messages
/// (`1e12` → `1,000,000,000,000`).
pub fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut text = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0.0 {
        text.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            text.push(',');
        }
        text.push(digit);
    }
    text
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

    #[test]
    fn the_tape_score_range_keeps_the_pd_strictly_inside_zero_and_one() {
        let (lowest, highest) = TAPE_SCORE_RANGE;
        let at_lowest = pd_from_score(lowest);
        let at_highest = pd_from_score(highest);
        assert!(at_lowest < 1.0 && at_lowest > 1.0 - 2e-15, "{at_lowest}");
        assert!(at_highest > 0.0 && at_highest.is_normal(), "{at_highest}");
        // Just outside, the PD rounds to 1 (below about −572) and to 0 (above about 20,967).
        assert_eq!(pd_from_score(-600.0), 1.0);
        assert_eq!(pd_from_score(21_000.0), 0.0);
    }

    #[test]
    fn grouped_numbers() {
        assert_eq!(grouped(1e12), "1,000,000,000,000");
        assert_eq!(grouped(100.0), "100");
        assert_eq!(grouped(1_000.0), "1,000");
        assert_eq!(grouped(-20_000_000.0), "-20,000,000");
    }
}
