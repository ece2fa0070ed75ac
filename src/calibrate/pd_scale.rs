//! The PD scale (SPEC §4.6 "PD scale"): the multiplier `s` on the tape's PDs at which a new
//! receivable of the segment's product and term, run through §4.4's deterministic conventions
//! with the calibrated CPR, defaults over its life at the calibrated lifetime rate `L`.
//!
//! The reference receivable (product, term `n`, rate, 12-month PD `p₀` — the balance-weighted
//! PD of the tape the calibration is meant for) is run as the deterministic pool runs it
//! ([`crate::sim::deterministic`]): with `MDR = 1 − (1 − min(p₀·s, 0.999))^(1/12)` and
//! `SMM = 1 − (1 − CPR)^(1/12)` from [`DeterministicRates`], the unit schedule's beginning
//! balances `b_a` from [`Schedule`], and the surviving share `A_0 = 1`,
//! `A_a = A_{a−1} (1 − MDR)(1 − SMM)`, its lifetime default share of the original principal is
//!
//! `G(s) = Σ_{a=1}^{n} A_{a−1} · MDR · b_a`
//!
//! (the defaulting share of the unit alive at the start of age `a`, times its beginning
//! balance: what the cohort book records as the month's defaults). `G` increases with `s`
//! (a higher hazard takes a larger share of every month's survivors, whose balance is never
//! larger than before), from `G(0) = 0` to `G(0.999/p₀)`. The scale solves `G(s) = L` by
//! bisection on `[0, 0.999/p₀]` to the double's resolution; `None` when `L` is beyond
//! `G(0.999/p₀)` (no PD reaches it) or `p₀ ≤ 0`. A history without a `prepaid` column is
//! calibrated with CPR 0 (said in `calibration.toml`'s header).

use crate::sim::DeterministicRates;
use crate::sim::schedule::{Schedule, ScheduleKey};
use crate::tape::Product;
use crate::units::MAX_STRESSED_PD;

/// The receivable the PD scale is computed for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PdReference {
    pub product: Product,
    pub term_months: u32,
    /// The tape's `rate` (instalment and bullet fee, annuity annual interest): only an
    /// annuity's schedule depends on it.
    pub rate: f64,
    /// The reference 12-month PD `p₀` (balance-weighted over the tape).
    pub pd_12m: f64,
}

/// `G(s)`: the lifetime default share of the reference receivable at PD multiplier `s` and
/// annual CPR `annual_cpr` (the module's formula).
pub fn lifetime_default_share(reference: &PdReference, scale: f64, annual_cpr: f64) -> f64 {
    let schedule = Schedule::new(ScheduleKey::new(
        reference.product,
        reference.term_months,
        reference.rate,
    ));
    let rates = DeterministicRates {
        cdr: None,
        cpr: None,
        pd_multiplier: scale,
        default_stress: None,
        cpr_multiple: 1.0,
    };
    let mut alive = 1.0;
    let mut share = 0.0;
    for age in 1..=reference.term_months {
        let mdr = rates.monthly_default_rate(reference.pd_12m, age);
        let smm = rates.monthly_prepayment_rate(annual_cpr, age);
        share += alive * mdr * schedule.begin_factor[age as usize - 1];
        alive *= (1.0 - mdr) * (1.0 - smm);
    }
    share
}

/// The PD scale `s` with `G(s) = lifetime_rate` (see the module).
pub fn pd_scale(reference: &PdReference, annual_cpr: f64, lifetime_rate: f64) -> Option<f64> {
    if reference.pd_12m <= 0.0 || !(0.0..1.0).contains(&lifetime_rate) {
        return None;
    }
    if lifetime_rate == 0.0 {
        return Some(0.0);
    }
    let (mut lo, mut hi) = (0.0, MAX_STRESSED_PD / reference.pd_12m);
    if lifetime_default_share(reference, hi, annual_cpr) < lifetime_rate {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if lifetime_default_share(reference, mid, annual_cpr) < lifetime_rate {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

impl PdReference {
    /// The reference receivable of a tape: the (product, term) with the largest eligible
    /// balance, its balance-weighted `rate`, and the balance-weighted 12-month PD of every
    /// eligible receivable (`pd_12m`, else the score's PD). `None` without an eligible
    /// receivable with a PD.
    pub fn from_receivables(receivables: &[crate::tape::Receivable]) -> Option<PdReference> {
        use std::collections::BTreeMap;
        let mut cells: BTreeMap<(Product, u32), (f64, f64)> = BTreeMap::new();
        let (mut balance, mut weighted_pd) = (0.0, 0.0);
        for r in receivables.iter().filter(|r| r.is_eligible()) {
            let Some(pd) = crate::sim::pool::receivable_pd(r) else {
                continue;
            };
            balance += r.balance;
            weighted_pd += r.balance * pd;
            let cell = cells.entry((r.product, r.term_months)).or_default();
            cell.0 += r.balance;
            cell.1 += r.balance * r.rate;
        }
        let (&(product, term_months), &(cell_balance, cell_rate)) = cells
            .iter()
            .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(a.0)))?;
        (balance > 0.0).then(|| PdReference {
            product,
            term_months,
            rate: cell_rate / cell_balance,
            pd_12m: weighted_pd / balance,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// A bullet of 12 months with no prepayment keeps its whole balance until maturity, so
    /// G = 1 − (1 − MDR)^12 = p₀·s exactly: with p₀ = 2 % and L = 3 %, s = 1.5.
    #[test]
    fn bullet_without_prepayment_has_a_closed_form() {
        let reference = PdReference {
            product: Product::Bullet,
            term_months: 12,
            rate: 0.0,
            pd_12m: 0.02,
        };
        assert_relative_eq!(
            lifetime_default_share(&reference, 1.5, 0.0),
            0.03,
            epsilon = 1e-15
        );
        assert_relative_eq!(
            pd_scale(&reference, 0.0, 0.03).unwrap(),
            1.5,
            epsilon = 1e-12
        );
    }

    #[test]
    fn plugging_the_scale_back_gives_the_lifetime_rate() {
        for product in [Product::Installment, Product::Annuity, Product::Bullet] {
            for term in [3, 6, 12, 24] {
                let reference = PdReference {
                    product,
                    term_months: term,
                    rate: 0.15,
                    pd_12m: 0.018,
                };
                let scale = pd_scale(&reference, 0.2, 0.011).unwrap();
                assert!(
                    (lifetime_default_share(&reference, scale, 0.2) - 0.011).abs() < 1e-12,
                    "{product:?} {term}"
                );
            }
        }
        let reference = PdReference {
            product: Product::Installment,
            term_months: 3,
            rate: 0.0,
            pd_12m: 0.01,
        };
        // a 3-month instalment cannot lose 90 % of its principal
        assert_eq!(pd_scale(&reference, 0.1, 0.9), None);
    }
}
