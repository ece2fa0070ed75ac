//! Breakevens: the CDR multiple (`pd_multiplier`) at which each tranche first loses
//! principal in the deterministic run — the number a structured-finance desk quotes next to
//! each tranche ("A breaks at 9.3× base defaults").

use rayon::prelude::*;
use serde::Serialize;

use crate::metrics::deterministic::run_deterministic_on;
use crate::scenario::{Assumptions, Deal, DeterministicStress, RateCurve};
use crate::sim::{DeterministicCollateral, DeterministicLayout, DeterministicRates, Pool};
use crate::waterfall::{LOSS_THRESHOLD_CNY, WaterfallError};

/// Largest multiple searched (PDs are capped at 0.999 long before this matters).
pub const MAX_MULTIPLE: f64 = 1000.0;

/// The multiple is found to this relative precision.
pub const RELATIVE_TOLERANCE: f64 = 1e-4;

/// One tranche's breakeven.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakeven {
    pub tranche: String,
    /// Smallest multiple of every PD at which the tranche loses principal; `None` when it
    /// does not lose even at [`MAX_MULTIPLE`].
    pub pd_multiple: Option<f64>,
    /// Largest flat annual CDR (SPEC §7.4, the `[deterministic]` convention: every
    /// receivable's monthly default rate `1 − (1 − CDR)^(1/12)`, prepayment as the
    /// scenario's `[deterministic]` CPR or its assumptions) at which the tranche loses no
    /// principal; `None` when it loses nothing even at [`MAX_CDR`].
    pub cdr: Option<f64>,
}

/// Largest annual CDR searched: 99.9999 % (a monthly default rate near 68 %).
pub const MAX_CDR: f64 = 0.999_999;

/// Breakevens of every tranche: bisection on `pd_multiplier` (geometric, the multiple
/// spans orders of magnitude) with the deterministic run at each point, with the
/// scenario's prepayment and recoveries and no `[deterministic]` CDR override.
pub fn breakevens(
    pool: &Pool,
    assumptions: &Assumptions,
    deterministic: &DeterministicStress,
    deal: &Deal,
) -> Result<Vec<Breakeven>, WaterfallError> {
    let cdrs = breakeven_cdrs(pool, assumptions, deterministic, deal)?;
    let stress = DeterministicStress {
        cdr: None,
        cpr: None,
    };
    // which cohort and expected path each receivable takes does not depend on the
    // multiple: laid out once, only the rates are recomputed at each step
    let layout = DeterministicLayout::new(pool, &DeterministicRates::new(assumptions, &stress));
    let losses_at = |multiple: f64| -> Result<Vec<f64>, WaterfallError> {
        let mut stressed = assumptions.clone();
        stressed.pd_multiplier = multiple;
        let rates = DeterministicRates::new(&stressed, &stress);
        let collateral = DeterministicCollateral::with_layout(
            pool,
            &layout,
            &stressed,
            rates,
            deal.horizon_months,
        );
        Ok(run_deterministic_on(collateral, deal)?
            .outcome
            .principal_loss)
    };
    let at_max = losses_at(MAX_MULTIPLE)?;
    // each tranche's search is independent: run them in parallel (results in tranche order)
    deal.tranches
        .par_iter()
        .enumerate()
        .map(|(j, tranche)| {
            if at_max[j] <= LOSS_THRESHOLD_CNY {
                return Ok(Breakeven {
                    tranche: tranche.name.clone(),
                    pd_multiple: None,
                    cdr: cdrs[j],
                });
            }
            // invariant: no loss at `safe`, a loss at `losing`
            let (mut safe, mut losing) = (0.0_f64, MAX_MULTIPLE);
            if losses_at(1e-6)?[j] > LOSS_THRESHOLD_CNY {
                losing = 1e-6;
            }
            while losing - safe > RELATIVE_TOLERANCE * losing {
                let mid = if safe > 0.0 {
                    (safe * losing).sqrt()
                } else {
                    losing / 16.0
                };
                if losses_at(mid)?[j] > LOSS_THRESHOLD_CNY {
                    losing = mid;
                } else {
                    safe = mid;
                }
                if losing < 1e-6 {
                    break;
                }
            }
            Ok(Breakeven {
                tranche: tranche.name.clone(),
                pd_multiple: Some(losing),
                cdr: cdrs[j],
            })
        })
        .collect()
}

/// Each tranche's break-even CDR ([`Breakeven::cdr`]): bisection on a flat annual CDR with
/// the deterministic run at each point, to a relative precision of [`RELATIVE_TOLERANCE`];
/// the CDR reported loses nothing, `1 + RELATIVE_TOLERANCE` times it loses.
pub fn breakeven_cdrs(
    pool: &Pool,
    assumptions: &Assumptions,
    deterministic: &DeterministicStress,
    deal: &Deal,
) -> Result<Vec<Option<f64>>, WaterfallError> {
    let stress_at = |cdr: f64| DeterministicStress {
        cdr: Some(RateCurve::Flat(cdr)),
        cpr: deterministic.cpr.clone(),
    };
    let layout = DeterministicLayout::new(
        pool,
        &DeterministicRates::new(assumptions, &stress_at(MAX_CDR)),
    );
    let losses_at = |cdr: f64| -> Result<Vec<f64>, WaterfallError> {
        let rates = DeterministicRates::new(assumptions, &stress_at(cdr));
        let collateral = DeterministicCollateral::with_layout(
            pool,
            &layout,
            assumptions,
            rates,
            deal.horizon_months,
        );
        Ok(run_deterministic_on(collateral, deal)?
            .outcome
            .principal_loss)
    };
    let at_max = losses_at(MAX_CDR)?;
    let at_zero = losses_at(0.0)?;
    (0..deal.tranches.len())
        .into_par_iter()
        .map(|j| {
            if at_max[j] <= LOSS_THRESHOLD_CNY {
                return Ok(None);
            }
            if at_zero[j] > LOSS_THRESHOLD_CNY {
                return Ok(Some(0.0));
            }
            // invariant: no loss at `safe`, a loss at `losing`
            let (mut safe, mut losing) = (0.0_f64, MAX_CDR);
            while losing - safe > RELATIVE_TOLERANCE * safe.max(1e-9) {
                let mid = if safe > 0.0 {
                    (safe * losing).sqrt()
                } else {
                    losing / 16.0
                };
                if losses_at(mid)?[j] > LOSS_THRESHOLD_CNY {
                    losing = mid;
                } else {
                    safe = mid;
                }
                if losing < 1e-9 {
                    break;
                }
            }
            Ok(Some(safe))
        })
        .collect()
}
