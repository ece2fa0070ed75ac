//! The steps of a month's waterfall (SPEC §5), each paying from what is still available:
//! senior fees, interest by seniority, the reserve, purchases or principal, the residual.
//! [`run_deal`](super::run_deal) runs them in the order the deal lists them.

use super::TranchePeriod;
use crate::sim::PoolFlows;

/// Step 1, senior fees: this month's plus the unpaid fees carried, paid from what is
/// available; the unpaid part is carried to the next month. Returns (due, paid).
#[inline]
pub(super) fn pay_senior_fees(current: f64, carried: &mut f64, available: &mut f64) -> (f64, f64) {
    let due = current + *carried;
    let paid = due.min(*available);
    *carried = due - paid;
    *available -= paid;
    (due, paid)
}

/// Step 2, interest on one rated tranche: coupon/12 × its beginning balance plus the
/// shortfall carried (no interest on shortfalls), paid from what is available; the unpaid
/// part is carried.
#[inline]
pub(super) fn pay_interest(
    monthly_coupon: f64,
    period: &mut TranchePeriod,
    shortfall: &mut f64,
    available: &mut f64,
) {
    let due = monthly_coupon * period.begin_balance + *shortfall;
    let paid = due.min(*available);
    *shortfall = due - paid;
    *available -= paid;
    period.interest_due = due;
    period.interest_paid = paid;
}

/// The reserve target: `reserve_pct` × the rated notes' balance at the start of the month,
/// 0 in the call month and at the legal final.
#[inline]
pub(super) fn reserve_target(reserve_pct: f64, rated_balance: f64, final_period: bool) -> f64 {
    if final_period {
        0.0
    } else {
        reserve_pct * rated_balance
    }
}

/// Step 3, the reserve account refilled up to its target from what is available (the
/// whole balance entered available funds). Returns the new balance.
#[inline]
pub(super) fn top_up_reserve(target: f64, available: &mut f64) -> f64 {
    let reserve = target.min(*available);
    *available -= reserve;
    reserve
}

/// Step 4 while revolving, purchases: what is available, up to the principal collected,
/// the recoveries and the month's defaulted balance.
#[inline]
pub(super) fn purchase_amount(available: f64, flows: &PoolFlows) -> f64 {
    available.min(flows.principal() + flows.recoveries + flows.defaults)
}

/// Step 4 while amortizing, the principal paid: what is available, up to the notes'
/// balance less the performing pool at the end of the month (after the call).
#[inline]
pub(super) fn principal_payment(notes: f64, performing_end: f64, available: f64) -> f64 {
    (notes - performing_end).max(0.0).min(available)
}

/// Step 5, the residual holder: everything left.
#[inline]
pub(super) fn take_residual(available: &mut f64) -> f64 {
    std::mem::take(available)
}

/// Pays `payment` of principal: in order of seniority, or pro rata among the rated notes
/// (by balance) with the residual tranche after them. `payment` never exceeds the notes.
#[inline]
pub(super) fn pay_principal(
    balance: &mut [f64],
    periods: &mut [TranchePeriod],
    rated: usize,
    payment: f64,
    pro_rata: bool,
) {
    let mut left = payment;
    if pro_rata {
        let rated_total: f64 = balance[..rated].iter().sum();
        if rated_total > 0.0 {
            let to_rated = left.min(rated_total);
            for j in 0..rated {
                let paid = (to_rated * balance[j] / rated_total)
                    .min(balance[j])
                    .min(left);
                balance[j] -= paid;
                periods[j].principal_paid += paid;
                left -= paid;
            }
        }
    }
    for j in 0..balance.len() {
        let paid = left.min(balance[j]);
        balance[j] -= paid;
        periods[j].principal_paid += paid;
        left -= paid;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Step 1: (this month's fees, carried, available) → (due, paid, carried after,
    /// available after).
    #[test]
    fn senior_fees_are_paid_with_the_carried_shortfall() {
        let rows = [
            ((10.0, 0.0, 100.0), (10.0, 10.0, 0.0, 90.0)),
            ((10.0, 5.0, 100.0), (15.0, 15.0, 0.0, 85.0)),
            ((10.0, 5.0, 12.0), (15.0, 12.0, 3.0, 0.0)),
            ((10.0, 3.0, 0.0), (13.0, 0.0, 13.0, 0.0)),
            ((0.0, 3.0, 2.0), (3.0, 2.0, 1.0, 0.0)),
        ];
        for ((current, carried, available), expected) in rows {
            let (mut carried_after, mut left) = (carried, available);
            let (due, paid) = pay_senior_fees(current, &mut carried_after, &mut left);
            assert_eq!(
                (due, paid, carried_after, left),
                expected,
                "fees {current}, carried {carried}, available {available}"
            );
        }
    }

    /// Step 2 for A then B (monthly coupons 1/128 and 1/64 on 640 and 128: 5 and 2 due):
    /// (available, A's and B's carried shortfall) → (A due, A paid, B due, B paid, A's and
    /// B's shortfall after, available after).
    #[test]
    fn interest_is_paid_by_seniority_and_shortfalls_carry() {
        let rows = [
            ((10.0, 0.0, 0.0), (5.0, 5.0, 2.0, 2.0, 0.0, 0.0, 3.0)),
            ((6.0, 0.0, 0.0), (5.0, 5.0, 2.0, 1.0, 0.0, 1.0, 0.0)),
            ((3.0, 0.0, 0.0), (5.0, 3.0, 2.0, 0.0, 2.0, 2.0, 0.0)),
            ((10.0, 1.0, 0.5), (6.0, 6.0, 2.5, 2.5, 0.0, 0.0, 1.5)),
            ((7.0, 1.0, 1.0), (6.0, 6.0, 3.0, 1.0, 0.0, 2.0, 0.0)),
        ];
        for ((available, carried_a, carried_b), expected) in rows {
            let mut periods = [640.0, 128.0].map(|begin_balance| TranchePeriod {
                begin_balance,
                ..TranchePeriod::default()
            });
            let mut shortfall = [carried_a, carried_b];
            let mut left = available;
            for (j, coupon) in [1.0 / 128.0, 1.0 / 64.0].into_iter().enumerate() {
                pay_interest(coupon, &mut periods[j], &mut shortfall[j], &mut left);
            }
            let [a, b] = periods;
            assert_eq!(
                (
                    a.interest_due,
                    a.interest_paid,
                    b.interest_due,
                    b.interest_paid,
                    shortfall[0],
                    shortfall[1],
                    left
                ),
                expected,
                "available {available}, carried {carried_a} and {carried_b}"
            );
        }
    }

    /// Step 3: (reserve_pct, rated notes at the start, final period, available) →
    /// (reserve after, available after). The whole reserve entered available funds, so a
    /// zero target releases it.
    #[test]
    fn the_reserve_tops_up_to_its_target_and_is_released_at_the_final_period() {
        let rows = [
            ((1.0 / 32.0, 640.0, false, 100.0), (20.0, 80.0)),
            ((1.0 / 32.0, 640.0, false, 15.0), (15.0, 0.0)),
            ((1.0 / 32.0, 640.0, true, 100.0), (0.0, 100.0)),
            ((1.0 / 32.0, 0.0, false, 100.0), (0.0, 100.0)),
            ((0.0, 640.0, false, 100.0), (0.0, 100.0)),
        ];
        for ((pct, rated_balance, final_period, available), expected) in rows {
            let mut left = available;
            let reserve =
                top_up_reserve(reserve_target(pct, rated_balance, final_period), &mut left);
            assert_eq!(
                (reserve, left),
                expected,
                "pct {pct}, rated {rated_balance}, final {final_period}, available {available}"
            );
        }
    }

    /// Step 4 while revolving: (available, scheduled principal, prepayments, recoveries,
    /// defaults) → purchases.
    #[test]
    fn purchases_replace_principal_recoveries_and_defaults_as_far_as_funds_go() {
        let rows = [
            ((1000.0, 100.0, 20.0, 5.0, 10.0), 135.0),
            ((50.0, 100.0, 20.0, 5.0, 10.0), 50.0),
            ((0.0, 100.0, 20.0, 5.0, 10.0), 0.0),
            ((1000.0, 0.0, 0.0, 0.0, 0.0), 0.0),
            ((1000.0, 0.0, 0.0, 0.0, 40.0), 40.0),
        ];
        for ((available, scheduled, prepaid, recovered, defaulted), expected) in rows {
            let flows = PoolFlows {
                scheduled_principal: scheduled,
                prepayments: prepaid,
                recoveries: recovered,
                defaults: defaulted,
                ..PoolFlows::default()
            };
            assert_eq!(purchase_amount(available, &flows), expected, "{flows:?}");
        }
    }

    /// Step 4 while amortizing: the payment (notes, performing pool at the end,
    /// available) → principal paid; then its split over A 600, B 120 and the residual
    /// tranche 80, sequential or pro rata among the rated notes.
    #[test]
    fn principal_is_paid_sequentially_or_pro_rata() {
        let payments = [
            ((800.0, 700.0, 1000.0), 100.0),
            ((800.0, 700.0, 30.0), 30.0),
            ((800.0, 900.0, 1000.0), 0.0),
            ((800.0, 0.0, 1000.0), 800.0),
        ];
        for ((notes, performing_end, available), expected) in payments {
            assert_eq!(
                principal_payment(notes, performing_end, available),
                expected,
                "notes {notes}, pool {performing_end}, available {available}"
            );
        }
        let splits = [
            (([600.0, 120.0, 80.0], 100.0, false), [100.0, 0.0, 0.0]),
            (([600.0, 120.0, 80.0], 650.0, false), [600.0, 50.0, 0.0]),
            (([600.0, 120.0, 80.0], 750.0, false), [600.0, 120.0, 30.0]),
            (([600.0, 120.0, 80.0], 72.0, true), [60.0, 12.0, 0.0]),
            (([600.0, 120.0, 80.0], 750.0, true), [600.0, 120.0, 30.0]),
            (([0.0, 120.0, 80.0], 60.0, true), [0.0, 60.0, 0.0]),
            (([0.0, 0.0, 80.0], 50.0, true), [0.0, 0.0, 50.0]),
        ];
        for ((balance, payment, pro_rata), expected) in splits {
            let mut after = balance;
            let mut periods = [TranchePeriod::default(); 3];
            pay_principal(&mut after, &mut periods, 2, payment, pro_rata);
            assert_eq!(
                periods.map(|p| p.principal_paid),
                expected,
                "{balance:?}, payment {payment}, pro rata {pro_rata}"
            );
            for j in 0..3 {
                assert_eq!(after[j], balance[j] - expected[j]);
            }
        }
    }

    /// Step 5: the residual holder takes what the steps before left.
    #[test]
    fn the_residual_takes_what_is_left() {
        for available in [37.5, 0.0] {
            let mut left = available;
            assert_eq!((take_residual(&mut left), left), (available, 0.0));
        }
    }
}
