//! Origination: the receivables approved applicants would draw (SPEC §7.2; issue "Credit
//! model" item 6), so that a pool's PDs come from the credit model end to end.
//!
//! Each approved applicant draws `limit × utilization` once, as one receivable whose
//! product, term and fee rate copy a receivable of a reference mix chosen with probability
//! proportional to balance (the scenario's pool, or the synthetic tape's mix). The new
//! receivable is unseasoned (`remaining = term`), its balance is the drawn amount and its
//! score and 12-month PD are the credit model's.
//!
//! Each applicant's draws (the mix entry and the utilization) come from its own stream,
//! keyed by the seed and the applicant's position in the file, so a receivable does not
//! depend on which other applicants were approved: raising the cut-off removes receivables
//! from the pool and leaves the others exactly as they were (common random numbers across
//! the policies of a frontier, SPEC §7.2).

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution};

use super::{Applicant, Decision, Outcome};
use crate::rng::splitmix64;
use crate::tape::{Product, Receivable};

/// Utilization of the credit limit at the first draw: Beta(2, 2.5), mean 44 %.
pub const UTILIZATION_SHAPE: (f64, f64) = (2.0, 2.5);

/// Smallest amount drawn, CNY (a smaller draw is rounded up to it, within the limit).
pub const MIN_DRAW_CNY: f64 = 100.0;

/// Monthly spend above which a borrower is a `heavy_shopper`, CNY.
pub const HEAVY_SHOPPER_MONTHLY_SPEND_CNY: f64 = 4_000.0;

/// The products, terms and fee rates new receivables copy, with their weights.
#[derive(Debug, Clone)]
pub struct OriginationMix {
    entries: Vec<(Product, u32, f64)>,
    cumulative: Vec<f64>,
}

impl OriginationMix {
    /// The mix of `receivables` (eligible ones), weighted by balance.
    pub fn from_receivables(receivables: &[Receivable]) -> Option<OriginationMix> {
        let mut entries = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for r in receivables.iter().filter(|r| r.is_eligible()) {
            total += r.balance;
            entries.push((r.product, r.term_months, r.rate));
            cumulative.push(total);
        }
        if entries.is_empty() || total <= 0.0 {
            return None;
        }
        cumulative.iter_mut().for_each(|c| *c /= total);
        Some(OriginationMix {
            entries,
            cumulative,
        })
    }

    /// A product, term and rate drawn with probability proportional to balance.
    fn draw(&self, uniform: f64) -> (Product, u32, f64) {
        let index = self
            .cumulative
            .partition_point(|&c| c <= uniform)
            .min(self.entries.len() - 1);
        self.entries[index]
    }
}

/// The segment of a new borrower: `young` (thin file: few orders or an incomplete profile),
/// `heavy_shopper` (monthly spend above [`HEAVY_SHOPPER_MONTHLY_SPEND_CNY`]) or `core`.
pub fn segment_of(applicant: &Applicant) -> &'static str {
    if applicant.orders_12m < 6 || applicant.info_completeness < 0.6 {
        "young"
    } else if applicant.monthly_spend_cny() > HEAVY_SHOPPER_MONTHLY_SPEND_CNY {
        "heavy_shopper"
    } else {
        "core"
    }
}

/// The draws of the applicant at `position` in the file: `Xoshiro256PlusPlus` seeded with
/// `splitmix64(splitmix64(seed) ^ position)`.
pub fn applicant_rng(seed: u64, position: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(splitmix64(splitmix64(seed) ^ position as u64))
}

/// One receivable per approved applicant (in input order), deterministic by `seed`; the
/// receivable of an applicant depends only on the seed, its position, its decision (limit,
/// score, PD) and the mix.
pub fn originate(
    applicants: &[Applicant],
    decisions: &[Decision],
    mix: &OriginationMix,
    seed: u64,
) -> Vec<Receivable> {
    let utilization =
        Beta::new(UTILIZATION_SHAPE.0, UTILIZATION_SHAPE.1).expect("valid Beta shape");
    let mut receivables = Vec::new();
    for (position, (applicant, decision)) in applicants.iter().zip(decisions).enumerate() {
        if decision.decision != Outcome::Approve || decision.limit <= 0.0 {
            continue;
        }
        let (Some(score), Some(pd_12m)) = (decision.score, decision.pd_12m) else {
            continue;
        };
        let mut rng = applicant_rng(seed, position);
        let (product, term, rate) = mix.draw(rng.random::<f64>());
        let share: f64 = utilization.sample(&mut rng);
        let drawn = (decision.limit * share).max(MIN_DRAW_CNY.min(decision.limit));
        let balance = (drawn * 100.0).round() / 100.0;
        if balance <= 0.0 {
            continue;
        }
        receivables.push(Receivable {
            id: format!("O-{}", applicant.applicant_id),
            product,
            balance,
            original_principal: balance,
            term_months: term,
            remaining_months: term,
            rate,
            score: Some((score * 10.0).round() / 10.0),
            pd_12m: Some(pd_12m),
            segment: segment_of(applicant).to_string(),
            days_past_due: 0,
        });
    }
    receivables
}
