//! The deal's waterfall (SPEC §5): each month, after the pool's collections, triggers are
//! tested, a clean-up call or the legal final sells the performing pool, and available funds
//! are paid out by the steps of the deal's waterfall (data, read from the scenario):
//! senior fees, interest, reserve, purchases or principal, residual. Cash is conserved
//! every month to a cent; a breach is a bug and is returned as an error.
//!
//! Sits after `sim`: it drives any [`Collateral`] — the deterministic pool or a Monte Carlo
//! path — one month at a time.
//!
//! [`run_deal`] reads like the month it runs: one method of the deal's state per phase, in
//! SPEC §5's order (collect; trigger metrics and tests; call or buy-back; available funds;
//! the steps; the cash check; the report). The state carried from month to month
//! (balances, shortfalls, reserve, breaches, cumulative flows) is `DealState`; one
//! month's working figures are `Month`; each step of the waterfall is a function of its
//! own in `steps`, tested row by row against hand-computed figures.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

mod steps;

use steps::{
    pay_interest, pay_principal, pay_senior_fees, principal_payment, purchase_amount,
    reserve_target, take_residual, top_up_reserve,
};

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
///
/// Each month, in SPEC §5's order: collect the pool's flows; compute the trigger metrics
/// and test the triggers; exercise the clean-up call or the buy-back at the legal final;
/// pool the available funds; pay them out by the steps of the month's waterfall; check
/// that cash is conserved; report the month.
pub fn run_deal<C: Collateral>(
    deal: &Deal,
    collateral: &mut C,
    mut observe: impl FnMut(&PeriodReport),
) -> Result<DealOutcome, WaterfallError> {
    let terms = DealTerms::new(deal, collateral.closing_balance());
    let mut state = DealState::at_closing(&terms);
    for number in 1..=deal.horizon_months {
        let mut month = state.collect(&terms, collateral, number);
        state.test_triggers(&terms, &mut month);
        state.call_or_buy_back(&terms, collateral, &mut month);
        state.pool_available_funds(&mut month);
        state.pay_steps(&terms, collateral, &mut month);
        state.check_cash_conserved(&month)?;
        observe(&state.report(&month));
    }
    Ok(state.outcome())
}

/// What the deal's terms fix for the whole run (money in CNY).
struct DealTerms<'d> {
    deal: &'d Deal,
    /// The pool's closing balance.
    closing: f64,
    /// Rated notes: every tranche but the last.
    rated: usize,
    /// Each tranche's coupon ÷ 12 (0 for the residual tranche).
    monthly_coupon: Vec<f64>,
    /// Senior fees per month as a share of the beginning pool balance.
    senior_fee_rate: f64,
}

impl<'d> DealTerms<'d> {
    fn new(deal: &'d Deal, closing: f64) -> DealTerms<'d> {
        DealTerms {
            deal,
            closing,
            rated: deal.rated_count(),
            monthly_coupon: deal
                .tranches
                .iter()
                .map(|t| t.coupon.unwrap_or(0.0) / 12.0)
                .collect(),
            senior_fee_rate: deal.senior_fee_bps / 10_000.0 / 12.0,
        }
    }
}

/// What the deal carries from one month to the next (money in CNY).
///
/// Its phase methods are inlined into [`run_deal`]: as one function, the compiler keeps the
/// month's figures in registers, and the waterfall (run once per path and candidate
/// structure in sizing) costs what it did before it was split into phases.
struct DealState {
    /// Each tranche's balance at closing.
    original_balance: Vec<f64>,
    /// Each tranche's outstanding principal.
    balance: Vec<f64>,
    /// Each tranche's unpaid interest.
    interest_shortfall: Vec<f64>,
    /// Unpaid senior fees.
    fee_shortfall: f64,
    /// Reserve funded by the originator at closing.
    reserve_funding: f64,
    /// Reserve account balance.
    reserve: f64,
    /// Which triggers have breached (no cure), in the deal's order.
    breached: Vec<bool>,
    breach_month: Vec<Option<u32>>,
    /// Annualised excess spread of every month with a pool.
    excess_spread_history: Vec<f64>,
    cumulative_defaults: f64,
    cumulative_recoveries: f64,
    cumulative_purchases: f64,
    /// Month of the clean-up call; set from the month after the call.
    call_month: Option<u32>,
    last_revolving_month: u32,
    /// This month's tranche lines (a buffer reused every month).
    periods: Vec<TranchePeriod>,
}

/// One month as the waterfall goes through it: what the phases before the steps decided,
/// and what the steps have paid (money in CNY).
struct Month {
    number: u32,
    flows: PoolFlows,
    /// Rated notes' balance at the start of the month (the reserve target's base).
    rated_balance: f64,
    /// This month's senior fees, before any carried shortfall.
    senior_fee_current: f64,
    metrics: TriggerMetrics,
    /// Whether any trigger has breached (ends pro-rata principal).
    any_breach: bool,
    revolving: bool,
    sale_proceeds: f64,
    called: bool,
    /// Performing balance after purchases, call and buy-back.
    performing_end: f64,
    /// The call month or the legal final: the reserve target is 0.
    final_period: bool,
    reserve_begin: f64,
    /// Available funds before the steps.
    available_funds: f64,
    /// What the steps have not yet paid out.
    available: f64,
    senior_fees_due: f64,
    senior_fees_paid: f64,
    purchases: f64,
    residual: f64,
}

impl DealState {
    /// Notes at `share` × the closing balance, the reserve funded to its target on the rated
    /// notes, no trigger breached.
    fn at_closing(terms: &DealTerms) -> DealState {
        let deal = terms.deal;
        let balance: Vec<f64> = deal
            .tranches
            .iter()
            .map(|t| t.share * terms.closing)
            .collect();
        let tranche_count = balance.len();
        let reserve_funding = deal.reserve_pct * balance[..terms.rated].iter().sum::<f64>();
        DealState {
            original_balance: balance.clone(),
            balance,
            interest_shortfall: vec![0.0; tranche_count],
            fee_shortfall: 0.0,
            reserve_funding,
            reserve: reserve_funding,
            breached: vec![false; deal.triggers.len()],
            breach_month: vec![None; deal.triggers.len()],
            excess_spread_history: Vec::with_capacity(deal.horizon_months as usize),
            cumulative_defaults: 0.0,
            cumulative_recoveries: 0.0,
            cumulative_purchases: 0.0,
            call_month: None,
            last_revolving_month: 0,
            periods: vec![TranchePeriod::default(); tranche_count],
        }
    }

    /// Collection: the pool's flows of the month, the cumulative defaults and recoveries,
    /// and each tranche's line opened at its balance.
    #[inline(always)]
    fn collect(
        &mut self,
        terms: &DealTerms,
        collateral: &mut impl Collateral,
        number: u32,
    ) -> Month {
        let flows = collateral.collect(number);
        self.cumulative_defaults += flows.defaults;
        self.cumulative_recoveries += flows.recoveries;
        for (period, &b) in self.periods.iter_mut().zip(&self.balance) {
            *period = TranchePeriod {
                begin_balance: b,
                ..TranchePeriod::default()
            };
        }
        Month {
            number,
            flows,
            rated_balance: self.balance[..terms.rated].iter().sum(),
            senior_fee_current: terms.senior_fee_rate * flows.begin_balance,
            metrics: TriggerMetrics::default(),
            any_breach: false,
            revolving: false,
            sale_proceeds: 0.0,
            called: false,
            performing_end: flows.end_balance,
            final_period: false,
            reserve_begin: 0.0,
            available_funds: 0.0,
            available: 0.0,
            senior_fees_due: 0.0,
            senior_fees_paid: 0.0,
            purchases: 0.0,
            residual: 0.0,
        }
    }

    /// Trigger metrics and tests: the metrics use this month's defaults and recoveries and
    /// the purchases so far; every trigger, whatever its effect, is tested in every month
    /// until the pool is sold (SPEC §5) — after the revolving period too, since any breach
    /// also ends pro-rata principal. A breach applies to this month's waterfall.
    #[inline(always)]
    fn test_triggers(&mut self, terms: &DealTerms, month: &mut Month) {
        let deal = terms.deal;
        let flows = &month.flows;
        let rated_interest_current: f64 = (0..terms.rated)
            .map(|j| terms.monthly_coupon[j] * self.balance[j])
            .sum();
        let base = terms.closing + self.cumulative_purchases;
        if flows.begin_balance > 0.0 {
            self.excess_spread_history.push(
                (flows.interest - month.senior_fee_current - rated_interest_current) * 12.0
                    / flows.begin_balance,
            );
        }
        let history = &self.excess_spread_history;
        let recent = &history[history.len().saturating_sub(3)..];
        month.metrics = TriggerMetrics {
            cumulative_net_loss: (self.cumulative_defaults - self.cumulative_recoveries) / base,
            cumulative_default: self.cumulative_defaults / base,
            pool_balance: flows.end_balance / terms.closing,
            excess_spread_3m: (!recent.is_empty())
                .then(|| recent.iter().sum::<f64>() / recent.len() as f64),
        };
        // The call and the buy-back happen after this month's test, so `call_month` is set
        // only from the month after the call.
        let pool_sold = self.call_month.is_some();
        if !pool_sold {
            for (k, trigger) in deal.triggers.iter().enumerate() {
                if !self.breached[k]
                    && month
                        .metrics
                        .value(trigger.metric)
                        .is_some_and(|v| trigger.test.breached_by(v))
                {
                    self.breached[k] = true;
                    self.breach_month[k] = Some(month.number);
                }
            }
        }
        let early_amortization = early_amortization_breached(deal, &self.breached);
        month.any_breach = self.breached.iter().any(|&b| b);
        month.revolving = month.number <= deal.revolving_months && !early_amortization;
        if month.revolving {
            self.last_revolving_month = month.number;
        }
    }

    /// Clean-up call after the revolving period; buy-back at the legal final. A pool paid
    /// down to zero is not called: nothing is sold and, this not being a call month, the
    /// reserve target stays in force while rated notes are outstanding.
    #[inline(always)]
    fn call_or_buy_back(
        &mut self,
        terms: &DealTerms,
        collateral: &mut impl Collateral,
        month: &mut Month,
    ) {
        let deal = terms.deal;
        let end_balance = month.flows.end_balance;
        if month.number == deal.horizon_months {
            month.sale_proceeds = collateral.sell_performing(month.number);
            month.performing_end = 0.0;
        } else if !month.revolving
            && self.call_month.is_none()
            && end_balance > PAID_DOWN_CNY
            && end_balance < deal.clean_up_call * terms.closing
        {
            month.sale_proceeds = collateral.sell_performing(month.number);
            month.performing_end = 0.0;
            month.called = true;
            self.call_month = Some(month.number);
        }
        month.final_period = month.number == deal.horizon_months || month.called;
    }

    /// Available funds: the month's collections, the whole reserve account and any sale
    /// proceeds, one pot (the reserve is refilled by step 3).
    #[inline(always)]
    fn pool_available_funds(&mut self, month: &mut Month) {
        month.reserve_begin = self.reserve;
        self.reserve = 0.0;
        month.available = month.flows.collections() + month.reserve_begin + month.sale_proceeds;
        month.available_funds = month.available;
    }

    /// The steps of the revolving or the amortizing waterfall, in the deal's order.
    #[inline(always)]
    fn pay_steps(
        &mut self,
        terms: &DealTerms,
        collateral: &mut impl Collateral,
        month: &mut Month,
    ) {
        let deal = terms.deal;
        let steps = if month.revolving {
            &deal.waterfall.revolving
        } else {
            &deal.waterfall.amortizing
        };
        for step in steps {
            match *step {
                WaterfallStep::SeniorFees => {
                    (month.senior_fees_due, month.senior_fees_paid) = pay_senior_fees(
                        month.senior_fee_current,
                        &mut self.fee_shortfall,
                        &mut month.available,
                    );
                }
                WaterfallStep::Interest(j) => pay_interest(
                    terms.monthly_coupon[j],
                    &mut self.periods[j],
                    &mut self.interest_shortfall[j],
                    &mut month.available,
                ),
                WaterfallStep::ReserveTopUp => {
                    let target =
                        reserve_target(deal.reserve_pct, month.rated_balance, month.final_period);
                    self.reserve = top_up_reserve(target, &mut month.available);
                }
                WaterfallStep::Purchases => {
                    let amount = purchase_amount(month.available, &month.flows);
                    if amount > 0.0 {
                        collateral.purchase(month.number, amount);
                    }
                    month.purchases = amount;
                    self.cumulative_purchases += amount;
                    month.performing_end += amount;
                    month.available -= amount;
                }
                WaterfallStep::Principal => {
                    let notes: f64 = self.balance.iter().sum();
                    let payment = principal_payment(notes, month.performing_end, month.available);
                    let pro_rata = deal.principal == PrincipalMode::ProRata && !month.any_breach;
                    pay_principal(
                        &mut self.balance,
                        &mut self.periods,
                        terms.rated,
                        payment,
                        pro_rata,
                    );
                    month.available -= payment;
                }
                WaterfallStep::Residual => month.residual = take_residual(&mut month.available),
            }
        }
        for (j, period) in self.periods.iter_mut().enumerate() {
            period.end_balance = self.balance[j];
            period.interest_shortfall = self.interest_shortfall[j];
        }
    }

    /// Cash conservation: collections + reserve at the start + sale proceeds = fees +
    /// interest + principal + residual + purchases + reserve at the end (+ anything left
    /// unpaid), to [`CASH_TOLERANCE_CNY`]. A breach is a bug.
    #[inline(always)]
    fn check_cash_conserved(&self, month: &Month) -> Result<(), WaterfallError> {
        let sources = month.flows.collections() + month.reserve_begin + month.sale_proceeds;
        let uses = month.senior_fees_paid
            + self
                .periods
                .iter()
                .map(|p| p.interest_paid + p.principal_paid)
                .sum::<f64>()
            + month.residual
            + month.purchases
            + self.reserve
            + month.available;
        if (sources - uses).abs() > CASH_TOLERANCE_CNY {
            return Err(WaterfallError::CashNotConserved {
                month: month.number,
                sources,
                uses,
                difference: sources - uses,
            });
        }
        Ok(())
    }

    /// The month as the observer sees it.
    #[inline(always)]
    fn report<'a>(&'a self, month: &Month) -> PeriodReport<'a> {
        PeriodReport {
            month: month.number,
            pool: month.flows,
            revolving: month.revolving,
            sale_proceeds: month.sale_proceeds,
            called: month.called,
            purchases: month.purchases,
            end_balance: month.performing_end,
            available_funds: month.available_funds,
            senior_fees_due: month.senior_fees_due,
            senior_fees_paid: month.senior_fees_paid,
            reserve_begin: month.reserve_begin,
            reserve_end: self.reserve,
            residual: month.residual,
            metrics: month.metrics,
            breached: &self.breached,
            tranches: &self.periods,
        }
    }

    /// What the run leaves: unpaid principal at the legal final is the loss.
    fn outcome(self) -> DealOutcome {
        DealOutcome {
            original_balance: self.original_balance,
            principal_loss: self.balance,
            interest_shortfall: self.interest_shortfall,
            cumulative_defaults: self.cumulative_defaults,
            cumulative_recoveries: self.cumulative_recoveries,
            cumulative_purchases: self.cumulative_purchases,
            trigger_breach_month: self.breach_month,
            call_month: self.call_month,
            reserve_funding: self.reserve_funding,
            last_revolving_month: self.last_revolving_month,
        }
    }
}

fn early_amortization_breached(deal: &Deal, breached: &[bool]) -> bool {
    deal.triggers
        .iter()
        .zip(breached)
        .any(|(t, &b)| b && t.effect == TriggerEffect::EarlyAmortization)
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
            pd_table: RatingTable::default_pd(),
            stress_table: Default::default(),
            sizing_method: Default::default(),
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

    /// The reserve through the deal: funded at closing, refilled every month while the
    /// rated notes are outstanding, paid out at the legal final.
    #[test]
    fn the_reserve_is_refilled_each_month_and_released_at_the_legal_final() {
        // a 2 % reserve on 900 of A (18, funded at closing) is refilled
        // while A is outstanding and paid out at the legal final (month 6)
        let mut deal = deal(0, 0.0, vec![]);
        deal.reserve_pct = 0.02;
        let mut pool = ScriptedPool::new(&[1000.0; 6]);
        let mut reserve = Vec::new();
        let outcome = run_deal(&deal, &mut pool, |r| {
            reserve.push((r.reserve_begin, r.reserve_end))
        })
        .unwrap();
        assert!((outcome.reserve_funding - 18.0).abs() < 1e-12);
        for (month, &(begin, end)) in reserve.iter().enumerate() {
            let expected_end = if month == 5 { 0.0 } else { 18.0 };
            assert!(
                (begin - 18.0).abs() < 1e-12 && (end - expected_end).abs() < 1e-12,
                "month {}: {begin} → {end}",
                month + 1
            );
        }
    }

    /// The residual through the deal (A 900 at 6 %, Sub 100, no fees or reserve, pool
    /// 1,000 collecting 1 % interest): (end balances of months 1 and 2) → residual of
    /// months 1 and 2.
    #[test]
    fn the_residual_gets_what_the_steps_leave_each_month() {
        let rows = [
            // month 1: 10 interest + 200 principal − 4.5 A interest − 200 A principal;
            // month 2: 8 + 100 − 3.5 (6 % / 12 × 700) − 100
            ([800.0, 700.0], [5.5, 4.5]),
            // month 1 collects 10 + 0: A interest 4.5, no principal due
            ([1000.0, 1000.0], [5.5, 5.5]),
        ];
        for (end_balance, expected) in rows {
            let deal = deal(0, 0.0, vec![]);
            let mut scripted = end_balance.to_vec();
            scripted.extend([end_balance[1]; 4]);
            let mut pool = ScriptedPool::new(&scripted);
            let mut residual = Vec::new();
            run_deal(&deal, &mut pool, |r| residual.push(r.residual)).unwrap();
            for (month, want) in expected.iter().enumerate() {
                assert!(
                    (residual[month] - want).abs() < 1e-9,
                    "{end_balance:?}: month {} residual {} ≠ {want}",
                    month + 1,
                    residual[month]
                );
            }
        }
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
