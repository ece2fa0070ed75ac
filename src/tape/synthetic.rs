//! Synthetic JD Baitiao-style receivables tapes (`gen-tape`, SPEC §1 and §2.1).
//!
//! One seeded [`Xoshiro256PlusPlus`] stream draws the receivables one after the other, so the
//! same `(receivables, seed)` gives the same tape on any machine and any thread count. The
//! distributions below are documented, with the statistics they produce, in
//! `docs/gen-tape.md`; change both together.
//!
//! Each receivable draws, in order: its segment, whether it belongs to the risky tail, its
//! score, its product and the product's terms, its amount, and its delinquency. Features are
//! correlated through the segment (young users: smaller amounts, riskier scores, shorter
//! terms; heavy shoppers: bigger amounts, longer terms) and through the risky tail (higher fee
//! tiers, more delinquency).

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

use super::{Product, Receivable};
use crate::units::pd_from_score;

/// A customer segment: its share of receivables and how its features are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentProfile {
    /// Segment name written in the tape's `segment` column.
    pub name: &'static str,
    /// Share of receivables, by count.
    pub share: f64,
    /// Shares of installment, bullet and annuity receivables, by count.
    pub product_shares: [f64; 3],
    /// Shares of the installment terms [`INSTALLMENT_TERMS`], by count.
    pub installment_term_shares: [f64; 4],
    /// Multiplies the median amount of every product.
    pub amount_multiplier: f64,
    /// Share of receivables whose score comes from the risky tail.
    pub risky_share: f64,
    /// Mean and standard deviation of the main score component.
    pub score_mean: f64,
    pub score_sd: f64,
}

/// The three segments, in the order they are drawn.
pub const SEGMENTS: [SegmentProfile; 3] = [
    SegmentProfile {
        name: "young",
        share: 0.25,
        product_shares: [0.60, 0.35, 0.05],
        installment_term_shares: [0.40, 0.35, 0.20, 0.05],
        amount_multiplier: 0.55,
        risky_share: 0.18,
        score_mean: 610.0,
        score_sd: 35.0,
    },
    SegmentProfile {
        name: "core",
        share: 0.55,
        product_shares: [0.70, 0.25, 0.05],
        installment_term_shares: [0.30, 0.30, 0.25, 0.15],
        amount_multiplier: 1.0,
        risky_share: 0.08,
        score_mean: 630.0,
        score_sd: 35.0,
    },
    SegmentProfile {
        name: "heavy_shopper",
        share: 0.20,
        product_shares: [0.82, 0.12, 0.06],
        installment_term_shares: [0.15, 0.25, 0.30, 0.30],
        amount_multiplier: 1.9,
        risky_share: 0.05,
        score_mean: 638.0,
        score_sd: 32.0,
    },
];

/// Installment terms, months.
pub const INSTALLMENT_TERMS: [u32; 4] = [3, 6, 12, 24];
/// Monthly fee tiers per installment term (standard, higher); longer terms are cheaper per month.
pub const INSTALLMENT_FEE_TIERS: [[f64; 2]; 4] = [
    [0.010, 0.012],
    [0.008, 0.010],
    [0.007, 0.008],
    [0.005, 0.006],
];
/// Median original principal of an installment purchase per term, CNY, before the segment
/// multiplier.
pub const INSTALLMENT_MEDIAN_CNY: [f64; 4] = [2_850.0, 5_100.0, 8_000.0, 11_400.0];
/// Median amount of an interest-free 1-month bullet purchase, CNY, before the segment multiplier.
pub const BULLET_MEDIAN_CNY: f64 = 1_000.0;
/// Median original principal of an annuity cash loan, CNY, before the segment multiplier.
pub const ANNUITY_MEDIAN_CNY: f64 = 9_000.0;
/// Log-scale standard deviation of purchase amounts (installment and bullet).
pub const PURCHASE_LOG_SD: f64 = 0.8;
/// Log-scale standard deviation of cash-loan amounts.
pub const CASH_LOAN_LOG_SD: f64 = 0.6;
/// Original principals are clipped to this range, CNY.
pub const AMOUNT_RANGE_CNY: (f64, f64) = (200.0, 50_000.0);
/// Annuity terms, months, and the share of the first.
pub const ANNUITY_TERMS: [u32; 2] = [12, 24];
pub const ANNUITY_SHORT_TERM_SHARE: f64 = 0.6;
/// Annual nominal rates of cash loans; risky-tail borrowers always get the last.
pub const ANNUITY_RATES: [f64; 3] = [0.12, 0.15, 0.18];
/// Shares of [`ANNUITY_RATES`] outside the risky tail.
pub const ANNUITY_RATE_SHARES: [f64; 3] = [0.40, 0.40, 0.20];
/// Chance of the higher installment fee tier outside and inside the risky tail.
pub const HIGHER_FEE_TIER_CHANCE: [f64; 2] = [0.3, 0.8];
/// Mean and standard deviation of the risky tail's scores.
pub const RISKY_SCORE_MEAN: f64 = 555.0;
pub const RISKY_SCORE_SD: f64 = 15.0;
/// Scores are clipped to this range and rounded to 0.1 point.
pub const SCORE_RANGE: (f64, f64) = (350.0, 950.0);
/// A receivable is past due with probability `min(DPD_PER_PD × pd_12m, DPD_MAX_CHANCE)`.
pub const DPD_PER_PD: f64 = 0.65;
pub const DPD_MAX_CHANCE: f64 = 0.5;
/// Days past due of a delinquent receivable: `1 + ⌊89 u²⌋`, u uniform — 1 to 89 days, mostly
/// early buckets.
pub const MAX_DAYS_PAST_DUE: u32 = 89;

/// Generates `receivables` synthetic receivables from `seed` (ids `R00000001`, …).
///
/// Deterministic: one sequential [`Xoshiro256PlusPlus`] stream seeded with
/// `seed_from_u64(seed)`. Every receivable satisfies the reader's rules (SPEC §2.1); money is
/// in whole cents, installments are on schedule (`balance = original × remaining / term`
/// exactly, in cents), annuities carry their scheduled balance.
pub fn generate(receivables: usize, seed: u64) -> Vec<Receivable> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..receivables)
        .map(|index| draw_receivable(&mut rng, format!("R{:08}", index + 1)))
        .collect()
}

fn draw_receivable(rng: &mut Xoshiro256PlusPlus, id: String) -> Receivable {
    let segment = &SEGMENTS[pick(rng, &SEGMENTS.map(|s| s.share))];
    let risky = rng.random::<f64>() < segment.risky_share;
    let (mean, sd) = if risky {
        (RISKY_SCORE_MEAN, RISKY_SCORE_SD)
    } else {
        (segment.score_mean, segment.score_sd)
    };
    let score = round_to(
        (mean + sd * normal(rng)).clamp(SCORE_RANGE.0, SCORE_RANGE.1),
        10.0,
    );
    let pd_12m = pd_from_score(score);

    let terms = match pick(rng, &segment.product_shares) {
        0 => installment(rng, segment, risky),
        1 => bullet(rng, segment),
        _ => annuity(rng, segment, risky),
    };

    let past_due = rng.random::<f64>() < (DPD_PER_PD * pd_12m).min(DPD_MAX_CHANCE);
    let days_past_due = if past_due {
        let u = rng.random::<f64>();
        1 + (f64::from(MAX_DAYS_PAST_DUE) * u * u) as u32
    } else {
        0
    };

    Receivable {
        id,
        product: terms.product,
        balance: cents_to_cny(terms.balance_cents),
        original_principal: cents_to_cny(terms.original_cents),
        term_months: terms.term_months,
        remaining_months: terms.remaining_months,
        rate: terms.rate,
        score: Some(score),
        pd_12m: Some(pd_12m),
        segment: segment.name.to_owned(),
        days_past_due,
    }
}

/// The product-specific part of a receivable, money in cents.
struct Terms {
    product: Product,
    balance_cents: i64,
    original_cents: i64,
    term_months: u32,
    remaining_months: u32,
    rate: f64,
}

fn installment(rng: &mut Xoshiro256PlusPlus, segment: &SegmentProfile, risky: bool) -> Terms {
    let tier = pick(rng, &segment.installment_term_shares);
    let term_months = INSTALLMENT_TERMS[tier];
    let higher_fee = rng.random::<f64>() < HIGHER_FEE_TIER_CHANCE[usize::from(risky)];
    let rate = INSTALLMENT_FEE_TIERS[tier][usize::from(higher_fee)];
    let amount = amount(
        rng,
        INSTALLMENT_MEDIAN_CNY[tier] * segment.amount_multiplier,
        PURCHASE_LOG_SD,
    );
    // Whole-cent instalments keep `balance = original × remaining / term` exact in cents.
    let instalment_cents = ((amount * 100.0 / f64::from(term_months)).round() as i64).max(1);
    let remaining_months = rng.random_range(1..term_months);
    Terms {
        product: Product::Installment,
        balance_cents: instalment_cents * i64::from(remaining_months),
        original_cents: instalment_cents * i64::from(term_months),
        term_months,
        remaining_months,
        rate,
    }
}

fn bullet(rng: &mut Xoshiro256PlusPlus, segment: &SegmentProfile) -> Terms {
    let amount_cents = to_cents(amount(
        rng,
        BULLET_MEDIAN_CNY * segment.amount_multiplier,
        PURCHASE_LOG_SD,
    ));
    Terms {
        product: Product::Bullet,
        balance_cents: amount_cents,
        original_cents: amount_cents,
        term_months: 1,
        remaining_months: 1,
        rate: 0.0,
    }
}

fn annuity(rng: &mut Xoshiro256PlusPlus, segment: &SegmentProfile, risky: bool) -> Terms {
    let term_months = if rng.random::<f64>() < ANNUITY_SHORT_TERM_SHARE {
        ANNUITY_TERMS[0]
    } else {
        ANNUITY_TERMS[1]
    };
    let rate = if risky {
        ANNUITY_RATES[2]
    } else {
        ANNUITY_RATES[pick(rng, &ANNUITY_RATE_SHARES)]
    };
    let original_cents = to_cents(amount(
        rng,
        ANNUITY_MEDIAN_CNY * segment.amount_multiplier,
        CASH_LOAN_LOG_SD,
    ));
    let remaining_months = rng.random_range(1..term_months);
    let balance = scheduled_annuity_balance(
        cents_to_cny(original_cents),
        rate,
        term_months,
        term_months - remaining_months,
    );
    Terms {
        product: Product::Annuity,
        balance_cents: to_cents(balance).clamp(1, original_cents),
        original_cents,
        term_months,
        remaining_months,
        rate,
    }
}

/// Balance of an annuity loan after `payments_made` level payments.
///
/// # Formula
/// With monthly rate `r = annual_rate / 12`, level payment `A = L r / (1 − (1 + r)^−n)` and
/// `g = (1 + r)^k`: `B_k = L g − A (g − 1) / r` (for `r = 0`: `B_k = L (n − k) / n`).
pub fn scheduled_annuity_balance(
    original_principal: f64,
    annual_rate: f64,
    term_months: u32,
    payments_made: u32,
) -> f64 {
    let n = f64::from(term_months);
    let k = f64::from(payments_made);
    let r = annual_rate / crate::units::MONTHS_PER_YEAR;
    if r == 0.0 {
        return original_principal * (n - k) / n;
    }
    let payment = original_principal * r / (1.0 - (1.0 + r).powf(-n));
    let growth = (1.0 + r).powf(k);
    original_principal * growth - payment * (growth - 1.0) / r
}

/// A lognormal amount with the given median, clipped to [`AMOUNT_RANGE_CNY`].
fn amount(rng: &mut Xoshiro256PlusPlus, median_cny: f64, log_sd: f64) -> f64 {
    (median_cny * (log_sd * normal(rng)).exp()).clamp(AMOUNT_RANGE_CNY.0, AMOUNT_RANGE_CNY.1)
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    rng.sample(StandardNormal)
}

/// Index drawn with probability proportional to `weights`.
fn pick<const N: usize>(rng: &mut Xoshiro256PlusPlus, weights: &[f64; N]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (index, weight) in weights.iter().enumerate() {
        if u < *weight {
            return index;
        }
        u -= weight;
    }
    N - 1
}

fn round_to(value: f64, steps_per_unit: f64) -> f64 {
    (value * steps_per_unit).round() / steps_per_unit
}

fn to_cents(cny: f64) -> i64 {
    (cny * 100.0).round() as i64
}

/// Exact cents → CNY: the nearest `f64` to the decimal amount, the same value the reader
/// parses from a two-decimal cell.
fn cents_to_cny(cents: i64) -> f64 {
    cents as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annuity_balance_golden_values() {
        // 12,000 CNY over 12 months at 12 %: payment 1,066.19; after one payment
        // 12,000 × 1.01 − 1,066.1855 = 11,053.8145.
        let b1 = scheduled_annuity_balance(12_000.0, 0.12, 12, 1);
        assert!((b1 - 11_053.814_5).abs() < 1e-3, "{b1}");
        assert!(scheduled_annuity_balance(12_000.0, 0.12, 12, 12).abs() < 1e-6);
        assert_eq!(scheduled_annuity_balance(1_200.0, 0.0, 12, 3), 900.0);
    }

    #[test]
    fn pick_follows_weights() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut counts = [0usize; 3];
        for _ in 0..100_000 {
            counts[pick(&mut rng, &[0.2, 0.5, 0.3])] += 1;
        }
        // Binomial standard error at n = 100,000 is below 0.0016; allow 4 of them.
        for (count, share) in counts.iter().zip([0.2, 0.5, 0.3]) {
            assert!(
                (*count as f64 / 100_000.0 - share).abs() < 0.0064,
                "{counts:?}"
            );
        }
    }

    #[test]
    fn segment_shares_sum_to_one() {
        let total: f64 = SEGMENTS.iter().map(|s| s.share).sum();
        assert!((total - 1.0).abs() < 1e-12);
        for segment in SEGMENTS {
            assert!((segment.product_shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!((segment.installment_term_shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
}
