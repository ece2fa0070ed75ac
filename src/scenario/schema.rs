//! The scenario file as written (SPEC §2.3): serde structs that mirror the TOML one to one.
//!
//! These are the raw values — the first of two stages, like ripgrep's flags: serde checks
//! the shape (types, unknown keys, with line and column), and `validate` turns the values
//! into the [`Scenario`](super::Scenario) types, collecting every range and cross-reference
//! problem at once. That is why nearly every field is an `Option` even when the key is
//! required: a missing key becomes one problem among the others instead of stopping serde
//! at the first one. Counts are `i64` so a negative number is reported as out of range
//! rather than as a type error.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// A scenario this one is laid over ([`overrides`](super::overrides)); resolved before
    /// validation, so the validator never sees it.
    pub extends: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub pool: Option<RawPool>,
    pub credit: Option<RawCredit>,
    pub assumptions: Option<RawAssumptions>,
    pub deal: Option<RawDeal>,
    pub simulation: Option<RawSimulation>,
    pub deterministic: Option<RawDeterministic>,
    pub targets: Option<RawTargets>,
    pub frontier: Option<RawFrontier>,
    pub report: Option<RawReport>,
}

/// `[report]`: how reports are written for people.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// `en` or `zh`: the language of report.html, charts and terminal tables (a command's
    /// `--lang` overrides it).
    pub lang: Option<String>,
}

/// `[pool]`: exactly one of `tape` and `synthetic`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    pub tape: Option<String>,
    pub synthetic: Option<RawSynthetic>,
    pub target_balance: Option<f64>,
}

/// `synthetic = { receivables = N, seed = S }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSynthetic {
    pub receivables: Option<i64>,
    pub seed: Option<i64>,
}

/// `[credit]`: paths of the credit model and approval policy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCredit {
    pub model: Option<String>,
    pub policy: Option<String>,
}

/// `[assumptions]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssumptions {
    /// A `calibration.toml` (SPEC §4.6) supplying the keys not given here.
    pub calibration: Option<String>,
    pub pd_multiplier: Option<f64>,
    pub correlation: Option<f64>,
    pub cpr: Option<f64>,
    /// Keys are `term_months` written as TOML keys (strings such as `"12"`).
    pub cpr_by_term: Option<BTreeMap<String, f64>>,
    pub recovery_rate: Option<f64>,
    pub recovery_lag_months: Option<i64>,
    pub yield_haircut: Option<f64>,
    pub segments: Option<RawSegments>,
}

/// `[assumptions.segments]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSegments {
    pub names: Option<Vec<String>>,
    pub rho: Option<Vec<f64>>,
    pub factor_correlation: Option<Vec<Vec<f64>>>,
}

/// `[deal]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeal {
    pub horizon_months: Option<i64>,
    pub revolving_months: Option<i64>,
    pub senior_fee_bps: Option<f64>,
    pub reserve_pct: Option<f64>,
    pub clean_up_call: Option<f64>,
    pub principal: Option<String>,
    pub tranches: Option<Vec<RawTranche>>,
    pub triggers: Option<Vec<RawTrigger>>,
    pub rating_table: Option<String>,
    pub pd_table: Option<String>,
    pub stress_table: Option<String>,
    pub sizing_method: Option<String>,
    pub waterfall: Option<RawWaterfall>,
}

/// One element of `deal.tranches`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTranche {
    pub name: Option<String>,
    pub share: Option<f64>,
    pub coupon: Option<f64>,
    pub target_rating: Option<String>,
}

/// One element of `deal.triggers`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrigger {
    pub metric: Option<String>,
    pub above: Option<f64>,
    pub below: Option<f64>,
    pub effect: Option<String>,
}

/// `[deal.waterfall]`: step names per deal status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaterfall {
    pub revolving: Option<Vec<String>>,
    pub amortizing: Option<Vec<String>>,
}

/// `[simulation]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub paths: Option<i64>,
    pub seed: Option<i64>,
    pub importance_sampling: Option<bool>,
}

/// `[deterministic]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeterministic {
    pub cdr: Option<RawRateCurve>,
    pub cpr: Option<RawRateCurve>,
}

/// An annual rate written as one number or as a vector by deal month.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    untagged,
    expecting = "an annual rate (a number) or a vector of annual rates by deal month"
)]
pub enum RawRateCurve {
    Flat(f64),
    ByMonth(Vec<f64>),
}

/// `[targets]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTargets {
    pub max_pool_el: Option<f64>,
    pub min_advance_rate: Option<f64>,
    pub funding_need: Option<f64>,
}

/// `[frontier]`: the approval-policy grid of `frontier` (SPEC §7.2).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrontier {
    pub cutoffs: Option<Vec<f64>>,
    pub limit_multipliers: Option<Vec<f64>>,
    pub paths: Option<i64>,
}
