//! Builders for small hand-made pools and deals, shared by the integration tests.
#![allow(dead_code)]

use baitiao_abs::ratings::RatingTable;
use baitiao_abs::scenario::{
    Assumptions, Deal, Prepayment, PrincipalMode, Tranche, Trigger, Waterfall,
};
use baitiao_abs::tape::{Product, Receivable};

/// A receivable with a PD and no score, in segment `all`, not past due.
#[allow(clippy::too_many_arguments)]
pub fn receivable(
    id: &str,
    product: Product,
    balance: f64,
    original_principal: f64,
    term_months: u32,
    remaining_months: u32,
    rate: f64,
    pd_12m: f64,
) -> Receivable {
    Receivable {
        id: id.into(),
        product,
        balance,
        original_principal,
        term_months,
        remaining_months,
        rate,
        score: None,
        pd_12m: Some(pd_12m),
        segment: "all".into(),
        days_past_due: 0,
    }
}

pub fn assumptions(cpr: f64, recovery_rate: f64, recovery_lag_months: u32) -> Assumptions {
    Assumptions {
        pd_multiplier: 1.0,
        correlation: 0.1,
        prepayment: Prepayment::Flat(cpr),
        recovery_rate,
        recovery_lag_months,
        yield_haircut: 0.0,
        segments: None,
        calibration: None,
    }
}

/// A tranche list from `(name, share, coupon)`; the last has no coupon.
pub fn tranches(spec: &[(&str, f64, Option<f64>)]) -> Vec<Tranche> {
    spec.iter()
        .map(|(name, share, coupon)| Tranche {
            name: (*name).into(),
            share: *share,
            coupon: *coupon,
            target_rating: None,
        })
        .collect()
}

pub fn deal(
    horizon_months: u32,
    revolving_months: u32,
    senior_fee_bps: f64,
    reserve_pct: f64,
    clean_up_call: f64,
    tranches: Vec<Tranche>,
    triggers: Vec<Trigger>,
) -> Deal {
    let rated = tranches.len() - 1;
    Deal {
        horizon_months,
        revolving_months,
        senior_fee_bps,
        reserve_pct,
        clean_up_call,
        principal: PrincipalMode::Sequential,
        tranches,
        triggers,
        waterfall: Waterfall::standard(rated),
        rating_table: RatingTable::default(),
        pd_table: RatingTable::default_pd(),
        stress_table: Default::default(),
        sizing_method: Default::default(),
    }
}

/// Annual rate whose monthly equivalent is `monthly` (CDR for an MDR, CPR for an SMM).
pub fn annual_of_monthly(monthly: f64) -> f64 {
    1.0 - (1.0 - monthly).powi(12)
}
