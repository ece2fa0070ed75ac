//! Observed vintage curves (SPEC §4.6 "Vintage curves"): per vintage and month on book `m`,
//! with `O` the vintage's originated principal,
//!
//! - cumulative charge-off rate `c(m) = C(m) / O` (`C` cumulative charged-off principal);
//! - net loss rate `(C(m) − R(m)) / O` (`R` cumulative recoveries, 0 when the history has no
//!   `recovered` column);
//! - prepayment rate `P(m) / O` (`P` cumulative prepaid principal; `None` without a `prepaid`
//!   column);
//! - delinquency bucket shares `D_k(m) / OS(m)`: principal in bucket `k` over the principal
//!   outstanding at the month's end (0 when nothing is outstanding).
//!
//! A vintage with `O = 0` has every rate 0.

use crate::history::Vintage;

/// A vintage's observed curves, indexed by month on book `0..=age`.
#[derive(Debug, Clone, PartialEq)]
pub struct VintageCurves {
    pub cum_charge_off_rate: Vec<f64>,
    pub net_loss_rate: Vec<f64>,
    /// `None` when the history has no `prepaid` column.
    pub prepayment_rate: Option<Vec<f64>>,
    /// `bucket_shares[m][k]`: share of the outstanding principal in bucket `k`.
    pub bucket_shares: Vec<Vec<f64>>,
}

/// `amount / whole`, 0 when `whole` is 0.
pub(crate) fn ratio_or_zero(amount: f64, whole: f64) -> f64 {
    if whole > 0.0 { amount / whole } else { 0.0 }
}

/// The observed curves of one vintage (see the module's formulas).
pub fn vintage_curves(vintage: &Vintage) -> VintageCurves {
    let o = vintage.originated;
    let months = &vintage.months;
    let has_prepaid = months.iter().all(|m| m.prepaid.is_some()) && !months.is_empty();
    VintageCurves {
        cum_charge_off_rate: months
            .iter()
            .map(|m| ratio_or_zero(m.charged_off, o))
            .collect(),
        net_loss_rate: months
            .iter()
            .map(|m| ratio_or_zero(m.charged_off - m.recovered.unwrap_or(0.0), o))
            .collect(),
        prepayment_rate: has_prepaid.then(|| {
            months
                .iter()
                .map(|m| ratio_or_zero(m.prepaid.unwrap_or(0.0), o))
                .collect()
        }),
        bucket_shares: months
            .iter()
            .map(|m| {
                m.delinquent
                    .iter()
                    .map(|d| ratio_or_zero(*d, m.outstanding))
                    .collect()
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{VintageMonth, YearMonth};

    #[test]
    fn rates_divide_by_originated_and_shares_by_outstanding() {
        let month = |m, outstanding, delinquent: Vec<f64>, c, r, p| VintageMonth {
            months_on_book: m,
            outstanding,
            delinquent,
            charged_off: c,
            recovered: Some(r),
            prepaid: Some(p),
        };
        let v = Vintage {
            vintage: YearMonth {
                year: 2020,
                month: 1,
            },
            segment: "all".into(),
            originated: 1_000.0,
            months: vec![
                month(0, 1_000.0, vec![0.0, 0.0], 0.0, 0.0, 0.0),
                month(1, 800.0, vec![40.0, 8.0], 10.0, 2.0, 50.0),
            ],
        };
        let c = vintage_curves(&v);
        assert_eq!(c.cum_charge_off_rate, vec![0.0, 0.01]);
        assert_eq!(c.net_loss_rate, vec![0.0, 0.008]);
        assert_eq!(c.prepayment_rate, Some(vec![0.0, 0.05]));
        // 40 / 800 = 0.05, 8 / 800 = 0.01
        assert_eq!(c.bucket_shares[1], vec![0.05, 0.01]);
    }
}
