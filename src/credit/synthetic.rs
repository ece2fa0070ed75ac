//! Synthetic JD Baitiao-style applicants (`gen-applicants`, SPEC §1 and §2.2).
//!
//! One seeded [`Xoshiro256PlusPlus`] stream draws the applicants one after the other, so the
//! same `(n, seed, with_outcomes)` gives the same file on any machine. Every distribution is
//! documented, with the statistics it produces, in `docs/credit.md`; change both together.
//!
//! Each applicant draws, in order: a segment (thin-file young user, core, heavy shopper,
//! multi-borrower, incomplete profile), a latent credit quality `z ~ N(0, 1)` shared by the
//! repayment features (so on-time ratio, delinquencies, other credit lines and the external
//! score are correlated), the features, the risk-control anomalies, the external score outage
//! and, with outcomes, `defaulted_12m ~ Bernoulli(PD)` with the PD of the true model
//! ([`Scorecard::built_in`]) evaluated on the applicant's *true* external score — an outage
//! hides the score from the file, not from the applicant's risk.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

use super::applicant::EXTERNAL_SCORE_RANGE;
use super::{Applicant, Scorecard};

/// A customer segment: its share and how its features are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApplicantSegment {
    pub name: &'static str,
    /// Share of applicants.
    pub share: f64,
    /// Median of `orders_12m` (lognormal, log-sd [`ORDERS_LOG_SD`], rounded).
    pub orders_median: f64,
    /// Median average order value, CNY (lognormal, log-sd [`ORDER_VALUE_LOG_SD`]).
    pub order_value_median_cny: f64,
    /// Location of the logit of `electronics_share` (logit-normal, sd [`ELECTRONICS_LOGIT_SD`]).
    pub electronics_logit: f64,
    /// Location of the logit of `return_rate`.
    pub return_logit: f64,
    /// Location of the logit of `1 − on_time_ratio` (the late share) at `z = 0`.
    pub late_logit: f64,
    /// Poisson mean of `delinquencies_12m` at `z = 0`.
    pub delinquency_mean: f64,
    /// Poisson mean of `other_credit_lines` at `z = 0`.
    pub credit_lines_mean: f64,
    /// Location of the logit of `info_completeness`.
    pub completeness_logit: f64,
    /// Chance that the identity is verified.
    pub id_verified_chance: f64,
    /// Mean external score at `z = 0`.
    pub external_score_mean: f64,
    /// Mean of `applications_7d` outside bursts (Poisson).
    pub applications_mean: f64,
}

/// The segments, in the order they are drawn.
pub const APPLICANT_SEGMENTS: [ApplicantSegment; 5] = [
    ApplicantSegment {
        name: "thin_file_young",
        share: 0.22,
        orders_median: 4.0,
        order_value_median_cny: 110.0,
        electronics_logit: -0.8,
        return_logit: -2.6,
        late_logit: -2.6,
        delinquency_mean: 0.15,
        credit_lines_mean: 0.6,
        completeness_logit: 0.9,
        id_verified_chance: 0.85,
        external_score_mean: 600.0,
        applications_mean: 0.8,
    },
    ApplicantSegment {
        name: "core",
        share: 0.45,
        orders_median: 20.0,
        order_value_median_cny: 220.0,
        electronics_logit: -1.3,
        return_logit: -3.0,
        late_logit: -3.4,
        delinquency_mean: 0.10,
        credit_lines_mean: 1.6,
        completeness_logit: 2.3,
        id_verified_chance: 0.97,
        external_score_mean: 680.0,
        applications_mean: 0.3,
    },
    ApplicantSegment {
        name: "heavy_shopper",
        share: 0.15,
        orders_median: 65.0,
        order_value_median_cny: 480.0,
        electronics_logit: 0.2,
        return_logit: -2.7,
        late_logit: -3.6,
        delinquency_mean: 0.08,
        credit_lines_mean: 2.2,
        completeness_logit: 2.6,
        id_verified_chance: 0.99,
        external_score_mean: 700.0,
        applications_mean: 0.3,
    },
    ApplicantSegment {
        name: "multi_borrower",
        share: 0.10,
        orders_median: 16.0,
        order_value_median_cny: 200.0,
        electronics_logit: -0.6,
        return_logit: -2.8,
        late_logit: -2.2,
        delinquency_mean: 0.8,
        credit_lines_mean: 6.0,
        completeness_logit: 1.8,
        id_verified_chance: 0.95,
        external_score_mean: 620.0,
        applications_mean: 1.2,
    },
    ApplicantSegment {
        name: "incomplete_profile",
        share: 0.08,
        orders_median: 9.0,
        order_value_median_cny: 170.0,
        electronics_logit: -1.0,
        return_logit: -2.8,
        late_logit: -3.0,
        delinquency_mean: 0.15,
        credit_lines_mean: 1.2,
        completeness_logit: -0.3,
        id_verified_chance: 0.55,
        external_score_mean: 640.0,
        applications_mean: 0.5,
    },
];

/// Log-sd of `orders_12m` around its segment median.
pub const ORDERS_LOG_SD: f64 = 0.7;
/// Log-sd of the average order value around its segment median.
pub const ORDER_VALUE_LOG_SD: f64 = 0.5;
/// Standard deviation of the logits of electronics share, return rate and completeness.
pub const ELECTRONICS_LOGIT_SD: f64 = 0.8;
pub const RETURN_LOGIT_SD: f64 = 0.6;
pub const COMPLETENESS_LOGIT_SD: f64 = 0.8;
/// The late-share logit rises by this per unit of latent risk `z` (and has sd 0.5 besides).
pub const LATE_LOGIT_PER_Z: f64 = 0.8;
pub const LATE_LOGIT_SD: f64 = 0.5;
/// Poisson means scale by `exp(k · z)`: delinquencies and other credit lines.
pub const DELINQUENCY_LOG_PER_Z: f64 = 0.8;
pub const CREDIT_LINES_LOG_PER_Z: f64 = 0.3;
/// The external score falls by this per unit of `z`, with residual sd [`EXTERNAL_SCORE_SD`].
pub const EXTERNAL_SCORE_PER_Z: f64 = 40.0;
pub const EXTERNAL_SCORE_SD: f64 = 40.0;
/// `max_order_value = avg × (1 + exp(ln 2 + 0.5 ε))` for applicants with two or more orders.
pub const MAX_ORDER_LOG_MEDIAN: f64 = std::f64::consts::LN_2;
pub const MAX_ORDER_LOG_SD: f64 = 0.5;
/// Chance that the external score service does not answer (the cell is empty).
pub const OUTAGE_CHANCE: f64 = 0.03;
/// Chance of an application burst: `applications_7d` uniform in 6–15.
pub const BURST_CHANCE: f64 = 0.015;
/// Chance of a risky login: `login_risk` uniform in 0.85–1; otherwise `0.5 u⁴`.
pub const RISKY_LOGIN_CHANCE: f64 = 0.01;
/// Chance of abnormal orders: `max_order_value` 20–60 × the average and `electronics_share`
/// 0.97–1 (a pattern of reselling electronics bought on credit).
pub const ABNORMAL_ORDERS_CHANCE: f64 = 0.01;

/// Generates `n` synthetic applicants from `seed` (ids `A00000001`, …); with `with_outcomes`
/// each gets `defaulted_12m` drawn from the true model ([`Scorecard::built_in`]).
///
/// Deterministic: one sequential [`Xoshiro256PlusPlus`] stream seeded with
/// `seed_from_u64(seed)`, the same draws with or without outcomes (the outcome's uniform is
/// always drawn), so the features of a history file equal those of the plain file. Every
/// applicant satisfies the reader's rules; money is in cents, shares to 4 decimals.
pub fn generate_applicants(n: usize, seed: u64, with_outcomes: bool) -> Vec<Applicant> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let true_model = Scorecard::built_in();
    (0..n)
        .map(|index| {
            let mut applicant = draw_applicant(&mut rng, format!("A{:08}", index + 1));
            let outage = rng.random::<f64>() < OUTAGE_CHANCE;
            let u = rng.random::<f64>();
            if with_outcomes {
                let pd = true_model.pd(&applicant).unwrap_or(0.0);
                applicant.defaulted_12m = Some(u < pd);
            }
            if outage {
                applicant.external_score = None;
            }
            applicant
        })
        .collect()
}

fn draw_applicant(rng: &mut Xoshiro256PlusPlus, applicant_id: String) -> Applicant {
    let segment = &APPLICANT_SEGMENTS[pick(rng, &APPLICANT_SEGMENTS.map(|s| s.share))];
    let z = normal(rng);

    let orders_12m = (segment.orders_median * (ORDERS_LOG_SD * normal(rng)).exp()).round() as u32;
    let average = cents(segment.order_value_median_cny * (ORDER_VALUE_LOG_SD * normal(rng)).exp());
    let spread = (MAX_ORDER_LOG_MEDIAN + MAX_ORDER_LOG_SD * normal(rng)).exp();
    let (avg_order_value, mut max_order_value) = match orders_12m {
        0 => (0.0, 0.0),
        1 => (average, average),
        _ => (average, cents(average * (1.0 + spread))),
    };
    let mut electronics_share =
        share(segment.electronics_logit + ELECTRONICS_LOGIT_SD * normal(rng));
    let return_rate = share(segment.return_logit + RETURN_LOGIT_SD * normal(rng));
    let on_time_ratio =
        1.0 - share(segment.late_logit + LATE_LOGIT_PER_Z * z + LATE_LOGIT_SD * normal(rng));
    let delinquencies_12m = poisson(
        rng,
        segment.delinquency_mean * (DELINQUENCY_LOG_PER_Z * z).exp(),
    );
    let other_credit_lines = poisson(
        rng,
        segment.credit_lines_mean * (CREDIT_LINES_LOG_PER_Z * z).exp(),
    );
    let info_completeness = share(segment.completeness_logit + COMPLETENESS_LOGIT_SD * normal(rng));
    let id_verified = rng.random::<f64>() < segment.id_verified_chance;
    let external_score = (segment.external_score_mean - EXTERNAL_SCORE_PER_Z * z
        + EXTERNAL_SCORE_SD * normal(rng))
    .round()
    .clamp(EXTERNAL_SCORE_RANGE.0, EXTERNAL_SCORE_RANGE.1);

    let mut applications_7d = poisson(rng, segment.applications_mean);
    if rng.random::<f64>() < BURST_CHANCE {
        applications_7d = rng.random_range(6..=15);
    }
    let login_risk = if rng.random::<f64>() < RISKY_LOGIN_CHANCE {
        round4(rng.random_range(0.85..=1.0))
    } else {
        round4(0.5 * rng.random::<f64>().powi(4))
    };
    if rng.random::<f64>() < ABNORMAL_ORDERS_CHANCE && orders_12m >= 2 {
        max_order_value = cents(avg_order_value * rng.random_range(20.0..60.0));
        electronics_share = round4(rng.random_range(0.97..=1.0));
    }

    Applicant {
        applicant_id,
        orders_12m,
        avg_order_value,
        return_rate,
        on_time_ratio: round4(on_time_ratio),
        delinquencies_12m,
        other_credit_lines,
        info_completeness,
        id_verified,
        external_score: Some(external_score),
        applications_7d,
        login_risk,
        max_order_value,
        electronics_share,
        defaulted_12m: None,
    }
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    rng.sample(StandardNormal)
}

/// The logistic function of `logit`, rounded to 4 decimals.
fn share(logit: f64) -> f64 {
    round4(1.0 / (1.0 + (-logit).exp()))
}

fn round4(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

fn cents(cny: f64) -> f64 {
    (cny * 100.0).round() / 100.0
}

/// A Poisson count by inversion (means here are small; capped at 60 to bound the loop).
fn poisson(rng: &mut Xoshiro256PlusPlus, mean: f64) -> u32 {
    let u = rng.random::<f64>();
    let mut probability = (-mean).exp();
    let mut cumulative = probability;
    let mut k = 0u32;
    while u > cumulative && k < 60 {
        k += 1;
        probability *= mean / f64::from(k);
        cumulative += probability;
    }
    k
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_shares_sum_to_one() {
        let total: f64 = APPLICANT_SEGMENTS.iter().map(|s| s.share).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn poisson_mean_matches() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let draws = 100_000;
        let total: u64 = (0..draws).map(|_| u64::from(poisson(&mut rng, 1.5))).sum();
        let mean = total as f64 / draws as f64;
        // Standard error √(1.5/100,000) ≈ 0.0039; allow 4 of them.
        assert!((mean - 1.5).abs() < 0.016, "{mean}");
    }
}
