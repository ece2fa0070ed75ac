//! The deterministic (Intex-style) pool (SPEC §4.4): every receivable, or group of identical
//! receivables, follows its expected path — a share `MDR` of what is alive defaults each
//! month, survivors pay their schedule, and a share `SMM` of the balance left after
//! scheduled principal prepays. Revolving purchases buy groups in proportion to the
//! eligible balance mix.

use std::collections::HashMap;

use super::cohort::{CohortBook, Collateral, PoolFlows, Recoveries};
use super::pool::Pool;
use crate::scenario::{Assumptions, DeterministicStress, RateCurve};
use crate::units::{mdr_from_cdr, smm_from_cpr, stressed_pd};

/// Where the deterministic run's monthly default and prepayment rates come from.
#[derive(Debug, Clone, PartialEq)]
pub struct DeterministicRates {
    /// `None`: each receivable's MDR from its PD × `pd_multiplier`; `Some`: an annual CDR
    /// for every receivable by deal month.
    pub cdr: Option<RateCurve>,
    /// `None`: each receivable's CPR from the assumptions (by term where given); `Some`: an
    /// annual CPR for every receivable by deal month.
    pub cpr: Option<RateCurve>,
    pub pd_multiplier: f64,
}

impl DeterministicRates {
    /// The rates of a scenario's deterministic run.
    pub fn new(assumptions: &Assumptions, stress: &DeterministicStress) -> DeterministicRates {
        DeterministicRates {
            cdr: stress.cdr.clone(),
            cpr: stress.cpr.clone(),
            pd_multiplier: assumptions.pd_multiplier,
        }
    }

    /// Monthly default rate of a receivable with this PD in deal month `month`.
    ///
    /// # Formula
    /// `MDR = 1 − (1 − p·m)^(1/12)` with the PD capped at 0.999 after the multiplier `m`, or
    /// `MDR = 1 − (1 − CDR(month))^(1/12)` under a CDR override.
    pub fn monthly_default_rate(&self, pd_12m: f64, month: u32) -> f64 {
        match &self.cdr {
            Some(curve) => mdr_from_cdr(curve.at(month)),
            None => mdr_from_cdr(stressed_pd(pd_12m, self.pd_multiplier)),
        }
    }

    /// Single monthly mortality of a receivable with this CPR in deal month `month`.
    pub fn monthly_prepayment_rate(&self, annual_cpr: f64, month: u32) -> f64 {
        match &self.cpr {
            Some(curve) => smm_from_cpr(curve.at(month)),
            None => smm_from_cpr(annual_cpr),
        }
    }

    /// Whether rates depend on the deal month (then a purchase's path depends on when it
    /// was bought, not only on its age).
    fn varies_by_month(&self) -> bool {
        matches!(self.cdr, Some(RateCurve::ByMonth(_)))
            || matches!(self.cpr, Some(RateCurve::ByMonth(_)))
    }
}

/// Purchase templates with identical expected paths, merged.
#[derive(Debug, Clone)]
struct PurchaseGroup {
    schedule: usize,
    fee_rate: f64,
    pd_12m: f64,
    annual_cpr: f64,
    /// Share of the eligible balance.
    share: f64,
}

/// Expected event masses per CNY purchased on one schedule.
#[derive(Debug, Clone)]
struct PurchaseProfile {
    schedule: usize,
    balance_share: f64,
    fee_per_cny: f64,
    /// `[default balance, default fee, prepay balance, prepay fee]` by age − 1.
    events: Vec<[f64; 4]>,
}

/// The deterministic pool as [`Collateral`] for the waterfall.
#[derive(Debug, Clone)]
pub struct DeterministicCollateral<'a> {
    pool: &'a Pool,
    book: CohortBook<'a>,
    recoveries: Recoveries,
    yield_haircut: f64,
    horizon_months: u32,
    rates: DeterministicRates,
    groups: Vec<PurchaseGroup>,
    /// Purchase profiles by schedule, computed once when rates do not vary by month.
    age_profiles: Option<Vec<PurchaseProfile>>,
}

impl<'a> DeterministicCollateral<'a> {
    /// The pool's expected path under `rates`, through `horizon_months`.
    pub fn new(
        pool: &'a Pool,
        assumptions: &Assumptions,
        rates: DeterministicRates,
        horizon_months: u32,
    ) -> DeterministicCollateral<'a> {
        let mut book = CohortBook::new(&pool.schedules);
        let mut cohort_of_schedule = HashMap::new();
        for asset in &pool.assets {
            let cohort = *cohort_of_schedule
                .entry(asset.schedule)
                .or_insert_with(|| book.add_cohort(asset.schedule, 0));
            book.add_mass(cohort, asset.balance, asset.monthly_fee);
            let months = pool.schedules.get(asset.schedule).months();
            let mut alive = 1.0;
            for age in 1..=months.min(horizon_months) {
                let mdr = rates.monthly_default_rate(asset.pd_12m, age);
                let smm = rates.monthly_prepayment_rate(asset.annual_cpr, age);
                let defaulting = alive * mdr;
                book.add_default(
                    cohort,
                    age,
                    asset.balance * defaulting,
                    asset.monthly_fee * defaulting,
                );
                if age < months {
                    let prepaying = alive * (1.0 - mdr) * smm;
                    book.add_prepayment(
                        cohort,
                        age,
                        asset.balance * prepaying,
                        asset.monthly_fee * prepaying,
                    );
                }
                alive *= (1.0 - mdr) * (1.0 - smm);
            }
        }

        let groups = purchase_groups(pool, &rates);
        let mut collateral = DeterministicCollateral {
            pool,
            book,
            recoveries: Recoveries::new(
                assumptions.recovery_rate,
                assumptions.recovery_lag_months,
                horizon_months,
            ),
            yield_haircut: assumptions.yield_haircut,
            horizon_months,
            rates,
            groups,
            age_profiles: None,
        };
        if !collateral.rates.varies_by_month() {
            collateral.age_profiles = Some(collateral.purchase_profiles(0));
        }
        collateral
    }

    /// Expected event masses per CNY bought after month `start`, by schedule.
    fn purchase_profiles(&self, start: u32) -> Vec<PurchaseProfile> {
        let mut profiles: Vec<PurchaseProfile> = Vec::new();
        let mut index_of_schedule = HashMap::new();
        for group in &self.groups {
            let index = *index_of_schedule.entry(group.schedule).or_insert_with(|| {
                let months = self.pool.schedules.get(group.schedule).months() as usize;
                profiles.push(PurchaseProfile {
                    schedule: group.schedule,
                    balance_share: 0.0,
                    fee_per_cny: 0.0,
                    events: vec![[0.0; 4]; months],
                });
                profiles.len() - 1
            });
            let profile = &mut profiles[index];
            profile.balance_share += group.share;
            profile.fee_per_cny += group.share * group.fee_rate;
            let months = profile.events.len() as u32;
            let mut alive = group.share;
            for age in 1..=months {
                let month = start + age;
                if month > self.horizon_months && start > 0 {
                    break;
                }
                let mdr = self.rates.monthly_default_rate(group.pd_12m, month);
                let smm = self.rates.monthly_prepayment_rate(group.annual_cpr, month);
                let defaulting = alive * mdr;
                let event = &mut profile.events[age as usize - 1];
                event[0] += defaulting;
                event[1] += defaulting * group.fee_rate;
                if age < months {
                    let prepaying = alive * (1.0 - mdr) * smm;
                    event[2] += prepaying;
                    event[3] += prepaying * group.fee_rate;
                }
                alive *= (1.0 - mdr) * (1.0 - smm);
            }
        }
        profiles
    }
}

/// Merges templates whose expected paths coincide (same schedule, fee rate and rates),
/// keeping the order of first appearance so sums are reproducible.
fn purchase_groups(pool: &Pool, rates: &DeterministicRates) -> Vec<PurchaseGroup> {
    let total_weight: f64 = pool.templates.iter().map(|t| t.weight).sum();
    let mut groups: Vec<PurchaseGroup> = Vec::new();
    let mut index = HashMap::new();
    for template in &pool.templates {
        let pd_key = if rates.cdr.is_some() {
            0
        } else {
            template.pd_12m.to_bits()
        };
        let cpr_key = if rates.cpr.is_some() {
            0
        } else {
            template.annual_cpr.to_bits()
        };
        let key = (
            template.schedule,
            template.fee_rate.to_bits(),
            pd_key,
            cpr_key,
        );
        let slot = *index.entry(key).or_insert_with(|| {
            groups.push(PurchaseGroup {
                schedule: template.schedule,
                fee_rate: template.fee_rate,
                pd_12m: template.pd_12m,
                annual_cpr: template.annual_cpr,
                share: 0.0,
            });
            groups.len() - 1
        });
        groups[slot].share += template.weight / total_weight;
    }
    groups
}

impl Collateral for DeterministicCollateral<'_> {
    fn closing_balance(&self) -> f64 {
        self.pool.closing_balance
    }

    fn collect(&mut self, month: u32) -> PoolFlows {
        let mut flows = self.book.collect(month);
        flows.interest *= 1.0 - self.yield_haircut;
        flows.recoveries = self.recoveries.record(month, flows.defaults);
        flows
    }

    fn purchase(&mut self, month: u32, amount: f64) {
        if amount <= 0.0 {
            return;
        }
        let computed;
        let profiles = match &self.age_profiles {
            Some(profiles) => profiles,
            None => {
                computed = self.purchase_profiles(month);
                &computed
            }
        };
        let last_age = self.horizon_months.saturating_sub(month);
        for profile in profiles {
            let cohort = self.book.add_cohort(profile.schedule, month);
            self.book.add_mass(
                cohort,
                amount * profile.balance_share,
                amount * profile.fee_per_cny,
            );
            for (age, event) in (1..=last_age).zip(&profile.events) {
                self.book
                    .add_default(cohort, age, amount * event[0], amount * event[1]);
                self.book
                    .add_prepayment(cohort, age, amount * event[2], amount * event[3]);
            }
        }
    }

    fn sell_performing(&mut self, month: u32) -> f64 {
        let proceeds = self.book.performing_balance_after(month);
        self.book.mark_sold();
        proceeds
    }
}
