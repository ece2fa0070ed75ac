//! The deal's waterfall (SPEC §5): each month, after the pool's collections, triggers are
//! tested, a clean-up call or the legal final sells the performing pool, and available funds
//! are paid out by the steps of the deal's waterfall (data, read from the scenario):
//! senior fees, interest, reserve, purchases or principal, residual. Cash is conserved
//! every month to a cent; a breach is a bug and is returned as an error.
//!
//! Sits after `sim`: it drives any [`Collateral`] — the deterministic pool or a Monte Carlo
//! path — one month at a time.

use crate::scenario::{Deal, PrincipalMode, TriggerEffect, TriggerMetric, WaterfallStep};
use crate::sim::{Collateral, PoolFlows};
use crate::units::CASH_TOLERANCE_CNY;

/// A bug: a month's distributions and accounts do not add up to its collections.
#[derive(Debug, thiserror::Error)]
pub enum WaterfallError {
    #[error(
        "cash not conserved in month {month}: sources {sources:.4} CNY, uses {uses:.4} CNY (difference {difference:.4}); this is a bug, please report it with the scenario"
    )]
    CashNotConserved {
        month: u32,
        sources: f64,
        uses: f64,
        difference: f64,
    },
}

/// One tranche in one month (SPEC §8 `deterministic_tranches.csv`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TranchePeriod {
    pub begin_balance: f64,
    /// Coupon for the month plus shortfall carried in.
    pub interest_due: f64,
    pub interest_paid: f64,
    pub principal_paid: f64,
    pub end_balance: f64,
    /// Unpaid interest outstanding at the end of the month.
    pub interest_shortfall: f64,
}

/// The trigger metrics of one month (SPEC §5), as tested before its waterfall.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TriggerMetrics {
    pub cumulative_net_loss: f64,
    pub cumulative_default: f64,
    /// Performing balance after the month's collections ÷ closing balance.
    pub pool_balance: f64,
    /// 3-month average annualised excess spread; `None` before any month with a pool.
    pub excess_spread_3m: Option<f64>,
}

impl TriggerMetrics {
    fn value(&self, metric: TriggerMetric) -> Option<f64> {
        match metric {
            TriggerMetric::CumulativeNetLoss => Some(self.cumulative_net_loss),
            TriggerMetric::CumulativeDefault => Some(self.cumulative_default),
            TriggerMetric::PoolBalance => Some(self.pool_balance),
            TriggerMetric::ExcessSpread3m => self.excess_spread_3m,
        }
    }
}

/// Everything that happened in one month, handed to the caller's observer.
#[derive(Debug, Clone)]
pub struct PeriodReport<'a> {
    pub month: u32,
    pub pool: PoolFlows,
    /// Whether the month ran the revolving waterfall.
    pub revolving: bool,
    /// Proceeds of a clean-up call or of the buy-back at the legal final.
    pub sale_proceeds: f64,
    /// Whether the clean-up call was exercised this month.
    pub called: bool,
    pub purchases: f64,
    /// Performing balance after purchases, call and buy-back.
    pub end_balance: f64,
    pub available_funds: f64,
    pub senior_fees_due: f64,
    pub senior_fees_paid: f64,
    pub reserve_begin: f64,
    pub reserve_end: f64,
    /// Step-5 cash to the residual holder.
    pub residual: f64,
    pub metrics: TriggerMetrics,
    /// Which triggers are breached after this month's test, in the deal's order.
    pub breached: &'a [bool],
    pub tranches: &'a [TranchePeriod],
}

/// Unpaid principal at or below this is rounding, not a loss (half a cent).
pub const LOSS_THRESHOLD_CNY: f64 = 0.005;

/// A performing balance at or below this has paid down to zero (half a cent: what is left
/// of a Monte Carlo path's fully repaid cohorts after floating-point subtraction); such a
/// pool is not called (SPEC §5: the call needs a positive balance).
pub const PAID_DOWN_CNY: f64 = 0.005;

/// What a whole run of the deal leaves (money in CNY).
#[derive(Debug, Clone, PartialEq)]
pub struct DealOutcome {
    /// Each tranche's balance at closing.
    pub original_balance: Vec<f64>,
    /// Principal still unpaid at the legal final: the loss.
    pub principal_loss: Vec<f64>,
    /// Interest unpaid at the legal final.
    pub interest_shortfall: Vec<f64>,
    pub cumulative_defaults: f64,
    pub cumulative_recoveries: f64,
    pub cumulative_purchases: f64,
    /// Month each trigger first breached.
    pub trigger_breach_month: Vec<Option<u32>>,
    /// Month the clean-up call was exercised.
    pub call_month: Option<u32>,
    /// Reserve funded by the originator at closing (outside the pool and notes).
    pub reserve_funding: f64,
    /// The month the revolving period ended (last revolving month), 0 if none.
    pub last_revolving_month: u32,
}

impl DealOutcome {
    /// Whether tranche `j` lost principal (more than [`LOSS_THRESHOLD_CNY`]).
    pub fn lost_principal(&self, j: usize) -> bool {
        self.principal_loss[j] > LOSS_THRESHOLD_CNY
    }

    /// Each tranche's principal loss as a share of its original balance (0 when it lost no
    /// more than [`LOSS_THRESHOLD_CNY`]).
    pub fn loss_shares(&self) -> Vec<f64> {
        (0..self.principal_loss.len())
            .map(|j| {
                if self.lost_principal(j) && self.original_balance[j] > 0.0 {
                    self.principal_loss[j] / self.original_balance[j]
                } else {
                    0.0
                }
            })
            .collect()
    }
}

/// Runs the deal over its horizon on `collateral`, calling `observe` after each month.
pub fn run_deal<C: Collateral>(
    deal: &Deal,
    collateral: &mut C,
    mut observe: impl FnMut(&PeriodReport),
) -> Result<DealOutcome, WaterfallError> {
    let closing = collateral.closing_balance();
    let tranche_count = deal.tranches.len();
    let rated = deal.rated_count();
    let monthly_coupon: Vec<f64> = deal
        .tranches
        .iter()
        .map(|t| t.coupon.unwrap_or(0.0) / 12.0)
        .collect();
    let mut balance: Vec<f64> = deal.tranches.iter().map(|t| t.share * closing).collect();
    let original_balance = balance.clone();
    let mut shortfall = vec![0.0; tranche_count];
    let mut periods = vec![TranchePeriod::default(); tranche_count];
    let mut fee_shortfall = 0.0;
    let reserve_funding = deal.reserve_pct * balance[..rated].iter().sum::<f64>();
    let mut reserve = reserve_funding;
    let mut breached = vec![false; deal.triggers.len()];
    let mut breach_month = vec![None; deal.triggers.len()];
    let mut excess_spread_history: Vec<f64> = Vec::with_capacity(deal.horizon_months as usize);
    let (mut cumulative_defaults, mut cumulative_recoveries, mut cumulative_purchases) =
        (0.0, 0.0, 0.0);
    let mut call_month = None;
    let mut last_revolving_month = 0;
    let senior_fee_rate = deal.senior_fee_bps / 10_000.0 / 12.0;

    for month in 1..=deal.horizon_months {
        let flows = collateral.collect(month);
        cumulative_defaults += flows.defaults;
        cumulative_recoveries += flows.recoveries;
        for (period, &b) in periods.iter_mut().zip(&balance) {
            *period = TranchePeriod {
                begin_balance: b,
                ..TranchePeriod::default()
            };
        }
        let rated_balance: f64 = balance[..rated].iter().sum();
        let senior_fee_current = senior_fee_rate * flows.begin_balance;
        let rated_interest_current: f64 = (0..rated).map(|j| monthly_coupon[j] * balance[j]).sum();

        // Trigger metrics use this month's defaults and recoveries, and purchases so far.
        let base = closing + cumulative_purchases;
        if flows.begin_balance > 0.0 {
            excess_spread_history.push(
                (flows.interest - senior_fee_current - rated_interest_current) * 12.0
                    / flows.begin_balance,
            );
        }
        let recent = &excess_spread_history[excess_spread_history.len().saturating_sub(3)..];
        let metrics = TriggerMetrics {
            cumulative_net_loss: (cumulative_defaults - cumulative_recoveries) / base,
            cumulative_default: cumulative_defaults / base,
            pool_balance: flows.end_balance / closing,
            excess_spread_3m: (!recent.is_empty())
                .then(|| recent.iter().sum::<f64>() / recent.len() as f64),
        };
        // Every trigger, whatever its effect, is tested in every month until the pool is
        // sold (SPEC §5): after the revolving period too, since any breach also ends
        // pro-rata principal. The call and the buy-back happen after this month's test, so
        // `call_month` is set only from the month after the call.
        let pool_sold = call_month.is_some();
        if !pool_sold {
            for (k, trigger) in deal.triggers.iter().enumerate() {
                if !breached[k]
                    && metrics
                        .value(trigger.metric)
                        .is_some_and(|v| trigger.test.breached_by(v))
                {
                    breached[k] = true;
                    breach_month[k] = Some(month);
                }
            }
        }
        let early_amortization = early_amortization_breached(deal, &breached);
        let any_breach = breached.iter().any(|&b| b);
        let revolving = month <= deal.revolving_months && !early_amortization;
        if revolving {
            last_revolving_month = month;
        }

        // Clean-up call after the revolving period; buy-back at the legal final. A pool
        // paid down to zero is not called: nothing is sold and, this not being a call
        // month, the reserve target stays in force while rated notes are outstanding.
        let mut sale_proceeds = 0.0;
        let mut called = false;
        let mut performing_end = flows.end_balance;
        if month == deal.horizon_months {
            sale_proceeds = collateral.sell_performing(month);
            performing_end = 0.0;
        } else if !revolving
            && call_month.is_none()
            && flows.end_balance > PAID_DOWN_CNY
            && flows.end_balance < deal.clean_up_call * closing
        {
            sale_proceeds = collateral.sell_performing(month);
            performing_end = 0.0;
            called = true;
            call_month = Some(month);
        }
        let final_period = month == deal.horizon_months || called;

        let reserve_begin = reserve;
        reserve = 0.0;
        let mut available = flows.collections() + reserve_begin + sale_proceeds;
        let available_funds = available;
        let (mut senior_fees_due, mut senior_fees_paid, mut purchases, mut residual) =
            (0.0, 0.0, 0.0, 0.0);
        let steps = if revolving {
            &deal.waterfall.revolving
        } else {
            &deal.waterfall.amortizing
        };
        for step in steps {
            match *step {
                WaterfallStep::SeniorFees => {
                    senior_fees_due = senior_fee_current + fee_shortfall;
                    senior_fees_paid = senior_fees_due.min(available);
                    fee_shortfall = senior_fees_due - senior_fees_paid;
                    available -= senior_fees_paid;
                }
                WaterfallStep::Interest(j) => {
                    let due = monthly_coupon[j] * periods[j].begin_balance + shortfall[j];
                    let paid = due.min(available);
                    shortfall[j] = due - paid;
                    available -= paid;
                    periods[j].interest_due = due;
                    periods[j].interest_paid = paid;
                }
                WaterfallStep::ReserveTopUp => {
                    let target = if final_period {
                        0.0
                    } else {
                        deal.reserve_pct * rated_balance
                    };
                    reserve = target.min(available);
                    available -= reserve;
                }
                WaterfallStep::Purchases => {
                    purchases =
                        available.min(flows.principal() + flows.recoveries + flows.defaults);
                    if purchases > 0.0 {
                        collateral.purchase(month, purchases);
                    }
                    cumulative_purchases += purchases;
                    performing_end += purchases;
                    available -= purchases;
                }
                WaterfallStep::Principal => {
                    let notes: f64 = balance.iter().sum();
                    let payment = (notes - performing_end).max(0.0).min(available);
                    let pro_rata = deal.principal == PrincipalMode::ProRata && !any_breach;
                    pay_principal(&mut balance, &mut periods, rated, payment, pro_rata);
                    available -= payment;
                }
                WaterfallStep::Residual => {
                    residual = available;
                    available = 0.0;
                }
            }
        }
        for (j, period) in periods.iter_mut().enumerate() {
            period.end_balance = balance[j];
            period.interest_shortfall = shortfall[j];
        }

        let sources = flows.collections() + reserve_begin + sale_proceeds;
        let uses = senior_fees_paid
            + periods
                .iter()
                .map(|p| p.interest_paid + p.principal_paid)
                .sum::<f64>()
            + residual
            + purchases
            + reserve
            + available;
        if (sources - uses).abs() > CASH_TOLERANCE_CNY {
            return Err(WaterfallError::CashNotConserved {
                month,
                sources,
                uses,
                difference: sources - uses,
            });
        }

        observe(&PeriodReport {
            month,
            pool: flows,
            revolving,
            sale_proceeds,
            called,
            purchases,
            end_balance: performing_end,
            available_funds,
            senior_fees_due,
            senior_fees_paid,
            reserve_begin,
            reserve_end: reserve,
            residual,
            metrics,
            breached: &breached,
            tranches: &periods,
        });
    }

    Ok(DealOutcome {
        original_balance,
        principal_loss: balance,
        interest_shortfall: shortfall,
        cumulative_defaults,
        cumulative_recoveries,
        cumulative_purchases,
        trigger_breach_month: breach_month,
        call_month,
        reserve_funding,
        last_revolving_month,
    })
}

fn early_amortization_breached(deal: &Deal, breached: &[bool]) -> bool {
    deal.triggers
        .iter()
        .zip(breached)
        .any(|(t, &b)| b && t.effect == TriggerEffect::EarlyAmortization)
}

/// Pays `payment` of principal: in order of seniority, or pro rata among the rated notes
/// (by balance) with the residual tranche after them. `payment` never exceeds the notes.
fn pay_principal(
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
    use crate::ratings::RatingTable;
    use crate::scenario::{Tranche, Trigger, TriggerTest, Waterfall};

    /// A pool of 1,000 whose performing balance after each month's collections is scripted
    /// (`end_balance[m − 1]`, what `pool_balance_below` sees); each month collects the drop
    /// in balance as scheduled principal and 1 % of the beginning balance as fees. Purchases
    /// are recorded and added to the next month's beginning balance only; the first sale
    /// (`sold_in`) stops collections.
    struct ScriptedPool {
        end_balance: Vec<f64>,
        defaults: Vec<f64>,
        purchased: Vec<(u32, f64)>,
        sold_in: Option<u32>,
    }

    impl ScriptedPool {
        fn new(end_balance: &[f64]) -> ScriptedPool {
            ScriptedPool {
                end_balance: end_balance.to_vec(),
                defaults: vec![0.0; end_balance.len()],
                purchased: Vec::new(),
                sold_in: None,
            }
        }
    }

    impl Collateral for ScriptedPool {
        fn closing_balance(&self) -> f64 {
            1000.0
        }

        fn collect(&mut self, month: u32) -> PoolFlows {
            if self.sold_in.is_some() {
                return PoolFlows::default();
            }
            let m = month as usize - 1;
            let bought: f64 = self
                .purchased
                .iter()
                .filter(|&&(at, _)| at + 1 == month)
                .map(|&(_, amount)| amount)
                .sum();
            let begin = if m == 0 {
                1000.0
            } else {
                self.end_balance[m - 1] + bought
            };
            let end = self.end_balance[m];
            let defaults = self.defaults[m];
            PoolFlows {
                begin_balance: begin,
                defaults,
                interest: 0.01 * begin,
                scheduled_principal: (begin - defaults - end).max(0.0),
                prepayments: 0.0,
                recoveries: 0.0,
                end_balance: end,
            }
        }

        fn purchase(&mut self, month: u32, amount: f64) {
            self.purchased.push((month, amount));
        }

        fn sell_performing(&mut self, month: u32) -> f64 {
            if self.sold_in.is_some() {
                return 0.0;
            }
            self.sold_in = Some(month);
            self.end_balance[month as usize - 1]
        }
    }

    fn deal(revolving_months: u32, clean_up_call: f64, triggers: Vec<Trigger>) -> Deal {
        let tranche = |name: &str, share, coupon| Tranche {
            name: name.into(),
            share,
            coupon,
            target_rating: None,
        };
        Deal {
            horizon_months: 6,
            revolving_months,
            senior_fee_bps: 0.0,
            reserve_pct: 0.0,
            clean_up_call,
            principal: PrincipalMode::Sequential,
            tranches: vec![tranche("A", 0.9, Some(0.06)), tranche("Sub", 0.1, None)],
            triggers,
            waterfall: Waterfall::standard(1),
            rating_table: RatingTable::default(),
        }
    }

    fn pool_below(level: f64, effect: TriggerEffect) -> Trigger {
        Trigger {
            metric: TriggerMetric::PoolBalance,
            test: TriggerTest::Below(level),
            effect,
        }
    }

    /// Runs the deal and returns its outcome and each month's (revolving, breached) flags.
    fn run(deal: &Deal, pool: &mut ScriptedPool) -> (DealOutcome, Vec<(bool, Vec<bool>)>) {
        let mut months = Vec::new();
        let outcome = run_deal(deal, pool, |r| {
            months.push((r.revolving, r.breached.to_vec()))
        })
        .expect("cash is conserved");
        (outcome, months)
    }

    #[test]
    fn an_early_amortization_trigger_is_tested_after_the_revolving_period() {
        // revolving months 1-2; the pool falls below 50 % only in month 4
        let triggers = vec![pool_below(0.5, TriggerEffect::EarlyAmortization)];
        let deal = deal(2, 0.0, triggers);
        let mut pool = ScriptedPool::new(&[800.0, 700.0, 600.0, 450.0, 300.0, 100.0]);
        let (outcome, months) = run(&deal, &mut pool);
        assert_eq!(outcome.trigger_breach_month, vec![Some(4)]);
        assert_eq!(outcome.last_revolving_month, 2);
        assert!(!months[2].1[0] && months[3].1[0] && months[5].1[0]);
    }

    #[test]
    fn triggers_are_strict_and_stay_breached() {
        // exactly 50 % (month 1) is not below 50 %; 49.9 % (month 2) is; the pool's
        // recovery in month 3 does not cure the breach
        let triggers = vec![pool_below(0.5, TriggerEffect::Sequential)];
        let deal = deal(0, 0.0, triggers);
        let mut pool = ScriptedPool::new(&[500.0, 499.0, 499.0, 300.0, 200.0, 100.0]);
        let (outcome, months) = run(&deal, &mut pool);
        assert_eq!(outcome.trigger_breach_month, vec![Some(2)]);
        assert!(months[1..].iter().all(|(_, b)| b[0]));
    }

    #[test]
    fn pool_balance_below_uses_the_balance_before_purchases_and_the_breach_applies_that_month() {
        // revolving months 1-4; month 2 collects down to 40 % before its purchases: the
        // breach ends the revolving period in month 2 itself (no purchase in month 2)
        let triggers = vec![pool_below(0.5, TriggerEffect::EarlyAmortization)];
        let deal = deal(4, 0.0, triggers);
        let mut pool = ScriptedPool::new(&[700.0, 400.0, 300.0, 200.0, 150.0, 100.0]);
        let (outcome, months) = run(&deal, &mut pool);
        assert_eq!(outcome.trigger_breach_month, vec![Some(2)]);
        assert_eq!(outcome.last_revolving_month, 1);
        assert!(months[0].0 && !months[1].0);
        assert_eq!(pool.purchased.len(), 1);
        assert_eq!(pool.purchased[0].0, 1);
    }

    #[test]
    fn triggers_are_tested_in_the_call_month_and_not_after_the_sale() {
        // call at 10 %: month 3 ends at 8 % and is called; a cumulative-default trigger
        // breaches in month 3 (tested before the call), a pool-below-5 % trigger would
        // breach on the sold pool's zero balance in month 4 but is no longer tested
        let triggers = vec![
            Trigger {
                metric: TriggerMetric::CumulativeDefault,
                test: TriggerTest::Above(0.02),
                effect: TriggerEffect::Sequential,
            },
            pool_below(0.05, TriggerEffect::EarlyAmortization),
        ];
        let deal = deal(0, 0.10, triggers);
        let mut pool = ScriptedPool::new(&[600.0, 300.0, 80.0, 60.0, 40.0, 20.0]);
        pool.defaults[2] = 30.0;
        let (outcome, _) = run(&deal, &mut pool);
        assert_eq!(outcome.call_month, Some(3));
        assert_eq!(outcome.trigger_breach_month, vec![Some(3), None]);
    }

    #[test]
    fn a_pool_paid_down_to_zero_or_to_rounding_dust_is_not_called() {
        for dust in [0.0, 1e-9] {
            let deal = deal(0, 0.10, vec![]);
            let mut pool = ScriptedPool::new(&[600.0, 300.0, dust, 0.0, 0.0, 0.0]);
            let mut called = Vec::new();
            let outcome = run_deal(&deal, &mut pool, |r| called.push(r.called)).unwrap();
            assert_eq!(outcome.call_month, None, "end balance {dust}");
            assert!(called.iter().all(|&c| !c));
            // the buy-back at the legal final still "sells" the (empty) pool
            assert_eq!(pool.sold_in, Some(6));
        }
        // a positive balance below 10 % is called
        let deal = deal(0, 0.10, vec![]);
        let mut pool = ScriptedPool::new(&[600.0, 300.0, 99.0, 0.0, 0.0, 0.0]);
        let outcome = run_deal(&deal, &mut pool, |_| {}).unwrap();
        assert_eq!(outcome.call_month, Some(3));
        assert_eq!(pool.sold_in, Some(3));
    }

    #[test]
    fn loss_shares_ignore_rounding_and_empty_tranches() {
        let outcome = DealOutcome {
            original_balance: vec![100.0, 200.0, 0.0],
            principal_loss: vec![0.004, 50.0, 0.0],
            interest_shortfall: vec![0.0; 3],
            cumulative_defaults: 0.0,
            cumulative_recoveries: 0.0,
            cumulative_purchases: 0.0,
            trigger_breach_month: vec![],
            call_month: None,
            reserve_funding: 0.0,
            last_revolving_month: 0,
        };
        assert_eq!(outcome.loss_shares(), vec![0.0, 0.25, 0.0]);
        assert!(!outcome.lost_principal(0) && outcome.lost_principal(1));
    }
}
