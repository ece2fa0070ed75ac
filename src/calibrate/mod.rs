//! Calibration from static-pool history (SPEC §4.6): the base case and the factor model's
//! parameters estimated from the originator's vintage data (§2.4), so that an assumption is
//! data, not an assertion. Pure functions of an in-memory [`History`]; `report::calibration`
//! writes the results.
//!
//! Each **group** — every segment of the history, and `all` (every vintage of every segment
//! together) — is calibrated alone, by these estimators (each module gives its formulas):
//!
//! - [`curves`]: the observed vintage curves by month on book — cumulative charge-off rate
//!   `C/O`, net loss rate `(C − R)/O`, prepayment rate `P/O`, delinquency bucket shares
//!   `D_k/OS`;
//! - [`chain_ladder`]: volume-weighted development factors
//!   `f_m = Σ_v C_v(m+1) / Σ_v C_v(m)` over the vintages observed at `m` and `m + 1` (an
//!   additive step `Δ_m` where a factor cannot apply), each vintage's projected curve and
//!   lifetime rate `L_v = ĉ_v(M)`; no development beyond the longest observed age `M`;
//! - [`base_case`]: lifetime rate `L = Σ O_v L_v / Σ O_v`; timing curve
//!   `(A(m) − A(m−1))/A(M)` of the all-vintage projected curve; recovery rate and lag from the
//!   fit `R_v(m) ≈ r C_v(m − ℓ)`; `SMM_m = Σ ΔP_v(m) / Σ OS_v(m−1)`, `CPR_m = 1 − (1−SMM_m)^12`
//!   and the outstanding-weighted annual CPR; roll rates `Σ D_{k+1}(t+1) / Σ D_k(t)` (the last
//!   bucket to charge-off), cure rates `1 − roll`, and `K` months from the first missed payment
//!   to charge-off;
//! - [`dispersion`]: ρ by maximum likelihood (closed form `ρ̂ = s²/(1+s²)` on the probits of
//!   the default rates at `m*`), its seeded bootstrap 90 % interval (BCa), the mean and CV of
//!   the `L_v`;
//! - [`pd_scale`]: the multiplier on the reference PD at which a new receivable run by §4.4's
//!   conventions with the calibrated CPR defaults `L` over its life.
//!
//! Depends on `history`, `sim` (the deterministic conventions), `tape`, `units`, `normal`,
//! `rng`.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

pub mod base_case;
pub mod chain_ladder;
pub mod curves;
pub mod dispersion;
pub mod pd_scale;

use std::collections::BTreeMap;

use crate::history::{History, Vintage, YearMonth};
use base_case::RollRates;
use chain_ladder::ChainLadder;
use curves::VintageCurves;
pub use pd_scale::PdReference;

/// The name of the group of every vintage.
pub const ALL: &str = "all";

/// What a calibration is run with.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationOptions {
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Bootstrap resamples `B`.
    pub bootstrap_resamples: usize,
    /// `n_min` of the choice of `m*`.
    pub min_vintages_at_m_star: usize,
    /// The receivable the PD scale is computed for, unless `segment_references` names the
    /// group.
    pub reference: PdReference,
    pub segment_references: BTreeMap<String, PdReference>,
    /// The tape the references were taken from, as the user named it (for the record in
    /// `calibration.json`); `None`: the built-in synthetic tape.
    pub reference_tape: Option<String>,
}

/// The default number of bootstrap resamples.
pub const DEFAULT_BOOTSTRAP_RESAMPLES: usize = 1_000;

/// ρ and its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct RhoEstimate {
    pub estimate: f64,
    /// Bootstrap 90 % interval; `None` without resamples.
    pub ci90: Option<[f64; 2]>,
    /// `p̂`: the fitted default probability by `m*`.
    pub p_at_m_star: f64,
    /// Vintages used, and left out for a rate of exactly 0 or 1.
    pub vintages_used: usize,
    pub vintages_excluded: usize,
}

/// One vintage's results.
#[derive(Debug, Clone, PartialEq)]
pub struct VintageResult {
    pub vintage: YearMonth,
    pub segment: String,
    pub originated: f64,
    pub age: u32,
    pub curves: VintageCurves,
    /// `ĉ_v(m)`, `m = 0..=M`.
    pub projected: Vec<f64>,
    pub projected_lifetime_rate: f64,
}

/// The calibration of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCalibration {
    pub name: String,
    pub vintages: Vec<VintageResult>,
    pub chain_ladder: ChainLadder,
    pub lifetime_charge_off_rate: f64,
    pub timing_curve: Vec<f64>,
    /// `None` without a `recovered` column (or without charge-offs).
    pub recovery: Option<(f64, u32)>,
    pub cpr_by_mob: Vec<Option<f64>>,
    /// `None` without a `prepaid` column.
    pub cpr: Option<f64>,
    pub roll_rates: RollRates,
    pub m_star: Option<u32>,
    /// `None` when fewer than 2 vintages have a rate strictly in (0, 1) at `m*`.
    pub rho: Option<RhoEstimate>,
    pub mean_lifetime_rate: Option<f64>,
    pub cv: Option<f64>,
    pub reference: PdReference,
    /// `None` when the lifetime rate cannot be reached (see [`pd_scale::pd_scale`]).
    pub pd_scale: Option<f64>,
}

/// The calibration of a whole history.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Bucket column names, in order.
    pub buckets: Vec<String>,
    pub data_date: Option<YearMonth>,
    pub all: GroupCalibration,
    /// Each segment, in order of first appearance; empty when the history has only `all`.
    pub segments: Vec<GroupCalibration>,
}

/// Calibrates every segment of `history` and `all`.
pub fn calibrate(history: &History, options: &CalibrationOptions) -> Calibration {
    let names = history.segments();
    let everything: Vec<&Vintage> = history.vintages.iter().collect();
    let buckets = history.buckets.len();
    let segments = if names.len() == 1 && names[0] == ALL {
        Vec::new()
    } else {
        names
            .iter()
            .map(|name| {
                let group: Vec<&Vintage> = history
                    .vintages
                    .iter()
                    .filter(|v| v.segment == *name)
                    .collect();
                calibrate_group(name, &group, buckets, options)
            })
            .collect()
    };
    Calibration {
        buckets: history.buckets.iter().map(|b| b.column()).collect(),
        data_date: history.data_date(),
        all: calibrate_group(ALL, &everything, buckets, options),
        segments,
    }
}

/// Calibrates one group of vintages.
pub fn calibrate_group(
    name: &str,
    vintages: &[&Vintage],
    buckets: usize,
    options: &CalibrationOptions,
) -> GroupCalibration {
    let originated: Vec<f64> = vintages.iter().map(|v| v.originated).collect();
    let cumulative: Vec<Vec<f64>> = vintages
        .iter()
        .map(|v| v.months.iter().map(|m| m.charged_off).collect())
        .collect();
    let chain = if vintages.is_empty() {
        ChainLadder {
            longest_age: 0,
            factors: Vec::new(),
            projected: Vec::new(),
        }
    } else {
        chain_ladder::chain_ladder(&originated, &cumulative)
    };
    let (lifetime, timing) = base_case::lifetime_and_timing(&originated, &chain);
    let lifetimes = chain.lifetime_rates();
    let results: Vec<VintageResult> = vintages
        .iter()
        .zip(&chain.projected)
        .zip(&lifetimes)
        .map(|((v, projected), &lifetime)| VintageResult {
            vintage: v.vintage,
            segment: v.segment.clone(),
            originated: v.originated,
            age: v.age(),
            curves: curves::vintage_curves(v),
            projected: projected.clone(),
            projected_lifetime_rate: lifetime,
        })
        .collect();
    let (cpr_by_mob, cpr) = base_case::cpr_by_mob(vintages);
    let ages: Vec<u32> = vintages.iter().map(|v| v.age()).collect();
    let m_star = dispersion::m_star(&ages, options.min_vintages_at_m_star);
    let rho = m_star.and_then(|m| {
        let rates: Vec<f64> = results
            .iter()
            .filter(|v| v.age >= m)
            .map(|v| v.curves.cum_charge_off_rate[m as usize])
            .collect();
        let y = dispersion::probits(&rates);
        let fit = dispersion::vasicek_mle_probits(&y)?;
        Some(RhoEstimate {
            estimate: fit.rho,
            ci90: dispersion::bootstrap_rho_ci90_bca(
                &y,
                options.bootstrap_resamples,
                options.seed,
                name,
            ),
            p_at_m_star: fit.p,
            vintages_used: y.len(),
            vintages_excluded: rates.len() - y.len(),
        })
    });
    let (mean_lifetime_rate, cv) = dispersion::mean_and_cv(&lifetimes);
    let reference = options
        .segment_references
        .get(name)
        .copied()
        .unwrap_or(options.reference);
    GroupCalibration {
        name: name.to_string(),
        pd_scale: pd_scale::pd_scale(&reference, cpr.unwrap_or(0.0), lifetime),
        reference,
        vintages: results,
        chain_ladder: chain,
        lifetime_charge_off_rate: lifetime,
        timing_curve: timing,
        recovery: base_case::recovery_fit(vintages),
        cpr_by_mob,
        cpr,
        roll_rates: base_case::roll_rates(vintages, buckets),
        m_star,
        rho,
        mean_lifetime_rate,
        cv,
    }
}
