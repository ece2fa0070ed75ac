//! Scenarios (SPEC §2.3): the TOML file a user writes — pool source, assumptions, deal
//! structure, simulation settings, deterministic stresses — checked once at the boundary
//! into the validated types below, which later stages trust without re-checking.
//!
//! Sits after `tape` and `credit` in the flow; `sim`, `waterfall` and later read these types.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::ratings::RatingTable;
use stress::StressTable;

pub mod calibration;
mod names;
pub mod overrides;
pub mod schema;
pub mod stress;
mod validate;

pub use validate::{
    CORRELATION_MATRIX_TOLERANCE, DEFAULT_FRONTIER_PATHS, DEFAULT_LIMIT_MULTIPLIERS, DEFAULT_PATHS,
    DEFAULT_SEED, Loaded, MAX_MONTHS, MAX_TERM_MONTHS, SHARE_SUM_TOLERANCE, ScenarioError, load,
    parse,
};

/// A validated scenario: every cross-reference checked, every number in range.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The scenario file it was read from (relative paths inside it are resolved already).
    pub file: Option<PathBuf>,
    pub pool: PoolSpec,
    pub credit: CreditSpec,
    pub assumptions: Assumptions,
    pub deal: Deal,
    pub simulation: SimulationSettings,
    /// `[deterministic]`: fixed stresses for the Intex-style run; `None` uses the assumptions.
    pub deterministic: DeterministicStress,
    /// `[targets]`: what the recommended approval policy must achieve (SPEC §7.2).
    pub targets: Targets,
    /// `[frontier]`: the grid of approval policies `frontier` evaluates (SPEC §7.2).
    pub frontier: FrontierSpec,
    /// `[report]`: how reports are written for people.
    pub report: ReportSettings,
}

/// `[report]`: the language of what the reports say (a command's `--lang` overrides it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportSettings {
    /// The language of report.html, chart titles, axes and legends, and terminal tables.
    pub lang: crate::i18n::Lang,
}

/// Where the pool comes from (`[pool]`).
#[derive(Debug, Clone, PartialEq)]
pub enum PoolSource {
    /// A receivables tape (path resolved against the scenario file's folder).
    Tape(PathBuf),
    /// A synthetic tape generated in memory, deterministic by seed.
    Synthetic { receivables: usize, seed: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoolSpec {
    pub source: PoolSource,
    /// Scale every eligible receivable's balances so the closing pool has this balance (CNY).
    pub target_balance: Option<f64>,
}

/// `[credit]`: optional credit model and approval policy files (resolved paths).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreditSpec {
    pub model: Option<PathBuf>,
    pub policy: Option<PathBuf>,
}

/// Prepayment assumption: one annual CPR, or one per `term_months` (SPEC §2.3, §4.4).
#[derive(Debug, Clone, PartialEq)]
pub enum Prepayment {
    Flat(f64),
    ByTerm(BTreeMap<u32, f64>),
}

impl Prepayment {
    /// The annual CPR of receivables with this original term; `None` when a by-term table
    /// lacks the term (validation rejects tapes with such terms).
    pub fn annual_cpr(&self, term_months: u32) -> Option<f64> {
        match self {
            Prepayment::Flat(cpr) => Some(*cpr),
            Prepayment::ByTerm(table) => table.get(&term_months).copied(),
        }
    }
}

/// Segment correlation structure (SPEC §4.2): per-segment ρ and the segment factors'
/// correlation matrix, with its Cholesky factor.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentCorrelation {
    /// Segment names, in the order of `rho` and of the matrix rows.
    pub names: Vec<String>,
    /// Asset correlation ρ of each segment, in [0, 1).
    pub rho: Vec<f64>,
    /// Correlation matrix of the segment factors (symmetric, unit diagonal, positive definite).
    pub factor_correlation: nalgebra::DMatrix<f64>,
    /// Lower-triangular L with `factor_correlation = L Lᵀ`.
    pub factor_cholesky: nalgebra::DMatrix<f64>,
}

impl SegmentCorrelation {
    /// Index of a segment name, if it is listed.
    pub fn index_of(&self, segment: &str) -> Option<usize> {
        self.names.iter().position(|name| name == segment)
    }
}

/// `[assumptions]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumptions {
    /// Scales every 12-month PD (capped at 0.999 after scaling).
    pub pd_multiplier: f64,
    /// Asset correlation ρ of the one-factor model, in [0, 1).
    pub correlation: f64,
    pub prepayment: Prepayment,
    /// Share of a defaulted balance recovered, in [0, 1].
    pub recovery_rate: f64,
    /// Months from default to recovery (0 = same month).
    pub recovery_lag_months: u32,
    /// Extension: share of fees and interest lost (portfolio-yield stress), in [0, 1).
    pub yield_haircut: f64,
    /// `[assumptions.segments]`, when given.
    pub segments: Option<SegmentCorrelation>,
    /// `[assumptions] calibration`, when given: the file and which values came from it.
    pub calibration: Option<CalibrationUse>,
}

/// How a scenario used its `calibration.toml`: the values taken from it, and the keys the
/// scenario gave itself (which override the calibrated values).
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationUse {
    /// The file as resolved against the scenario's folder.
    pub file: PathBuf,
    /// The history it was calibrated on and that history's data date.
    pub history: String,
    pub data_date: String,
    /// `[assumptions]` keys whose values came from the calibration.
    pub calibrated: Vec<&'static str>,
    /// `[assumptions]` keys the calibration has but the scenario set itself.
    pub overridden: Vec<&'static str>,
    /// The calibrated ρ's bootstrap 90 % interval (whether or not ρ was overridden).
    pub rho_ci90: [f64; 2],
    /// The calibrated lifetime charge-off rate.
    pub lifetime_charge_off_rate: f64,
}

/// How principal is paid to the notes in the amortization period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalMode {
    Sequential,
    /// Pro rata among the rated notes (the residual tranche after them) until a trigger
    /// breaches, sequential after.
    ProRata,
}

/// One tranche of notes, in order of seniority.
#[derive(Debug, Clone, PartialEq)]
pub struct Tranche {
    pub name: String,
    /// Share of the closing pool balance, in (0, 1].
    pub share: f64,
    /// Annual coupon; required for the rated notes, `None` for the residual holder.
    pub coupon: Option<f64>,
    /// Target rating for sizing, a row of the rating table.
    pub target_rating: Option<String>,
}

/// What a trigger measures (SPEC §5). This enum owns the metrics' names: scenario
/// validation, its messages and trigger labels go through [`TriggerMetric::as_str`] and its
/// [`FromStr`](std::str::FromStr), and so does serde.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TriggerMetric {
    /// (cumulative defaults − cumulative recoveries) ÷ (closing balance + cumulative purchases).
    CumulativeNetLoss,
    /// cumulative defaults ÷ (closing balance + cumulative purchases).
    CumulativeDefault,
    /// performing balance ÷ closing balance (metric name `pool_balance_below`).
    PoolBalance,
    /// 3-month average annualised excess spread ÷ beginning pool balance.
    ExcessSpread3m,
}

impl TriggerMetric {
    /// Every metric, in the order the SPEC and messages list them.
    pub const ALL: [TriggerMetric; 4] = [
        TriggerMetric::CumulativeNetLoss,
        TriggerMetric::CumulativeDefault,
        TriggerMetric::PoolBalance,
        TriggerMetric::ExcessSpread3m,
    ];

    /// The metric's name in scenario files and reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            TriggerMetric::CumulativeNetLoss => "cumulative_net_loss",
            TriggerMetric::CumulativeDefault => "cumulative_default",
            TriggerMetric::PoolBalance => "pool_balance_below",
            TriggerMetric::ExcessSpread3m => "excess_spread_3m",
        }
    }

    /// Every name, comma-separated (for messages that list what is allowed).
    pub fn names() -> String {
        TriggerMetric::ALL.map(TriggerMetric::as_str).join(", ")
    }
}

impl std::fmt::Display for TriggerMetric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a trigger metric's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a trigger metric")]
pub struct UnknownTriggerMetric(pub String);

impl std::str::FromStr for TriggerMetric {
    type Err = UnknownTriggerMetric;

    fn from_str(name: &str) -> Result<TriggerMetric, UnknownTriggerMetric> {
        TriggerMetric::ALL
            .into_iter()
            .find(|metric| metric.as_str() == name)
            .ok_or_else(|| UnknownTriggerMetric(name.to_string()))
    }
}

impl serde::Serialize for TriggerMetric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for TriggerMetric {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(|unknown: UnknownTriggerMetric| {
            serde::de::Error::custom(format!("{unknown}; allowed: {}", TriggerMetric::names()))
        })
    }
}

/// Strict comparison against the trigger level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TriggerTest {
    Above(f64),
    Below(f64),
}

impl TriggerTest {
    /// Whether `value` breaches (strictly above / strictly below).
    pub fn breached_by(self, value: f64) -> bool {
        match self {
            TriggerTest::Above(level) => value > level,
            TriggerTest::Below(level) => value < level,
        }
    }
}

/// What a breached trigger does (for the rest of the deal: no cure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerEffect {
    /// Ends the revolving period.
    EarlyAmortization,
    /// Switches pro-rata principal to sequential.
    Sequential,
}

impl TriggerEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerEffect::EarlyAmortization => "early_amortization",
            TriggerEffect::Sequential => "sequential",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub metric: TriggerMetric,
    pub test: TriggerTest,
    pub effect: TriggerEffect,
}

impl Trigger {
    /// A short label for reports, e.g. `cumulative_net_loss > 0.04 → early_amortization`.
    pub fn label(&self) -> String {
        let (op, level) = match self.test {
            TriggerTest::Above(level) => (">", level),
            TriggerTest::Below(level) => ("<", level),
        };
        format!(
            "{} {op} {level} -> {}",
            self.metric.as_str(),
            self.effect.as_str()
        )
    }
}

/// One step of a waterfall (SPEC §5). The deal holds one list for the revolving period and
/// one for the amortization period; the engine executes them in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaterfallStep {
    /// Senior fees due plus unpaid fees carried.
    SeniorFees,
    /// Interest on the rated tranche with this index (coupon plus shortfall carried).
    Interest(usize),
    /// Top the reserve account up to its target.
    ReserveTopUp,
    /// Revolving purchases of new receivables (revolving list only).
    Purchases,
    /// Principal to the notes, sequential or pro rata (amortization list only).
    Principal,
    /// Everything left to the residual holder (always last).
    Residual,
}

/// The waterfall as data: the steps of each deal status.
#[derive(Debug, Clone, PartialEq)]
pub struct Waterfall {
    pub revolving: Vec<WaterfallStep>,
    pub amortizing: Vec<WaterfallStep>,
}

impl Waterfall {
    /// SPEC §5's order: senior fees, interest in seniority, reserve, purchases or principal,
    /// residual.
    pub fn standard(rated_tranches: usize) -> Waterfall {
        let head = || {
            let mut steps = vec![WaterfallStep::SeniorFees];
            steps.extend((0..rated_tranches).map(WaterfallStep::Interest));
            steps.push(WaterfallStep::ReserveTopUp);
            steps
        };
        let mut revolving = head();
        revolving.extend([WaterfallStep::Purchases, WaterfallStep::Residual]);
        let mut amortizing = head();
        amortizing.extend([WaterfallStep::Principal, WaterfallStep::Residual]);
        Waterfall {
            revolving,
            amortizing,
        }
    }
}

/// `[deal]`.
#[derive(Debug, Clone)]
pub struct Deal {
    /// Legal final: the last period.
    pub horizon_months: u32,
    /// Months 1..=revolving_months buy new receivables (unless a trigger ends it early).
    pub revolving_months: u32,
    /// Trustee + servicer, per annum on the beginning pool balance, in basis points.
    pub senior_fee_bps: f64,
    /// Reserve target as a share of the rated notes' balance.
    pub reserve_pct: f64,
    /// Call when the performing pool falls below this share of the closing balance.
    pub clean_up_call: f64,
    pub principal: PrincipalMode,
    /// In order of seniority; the last is the residual holder. Shares sum to 1.
    pub tranches: Vec<Tranche>,
    pub triggers: Vec<Trigger>,
    pub waterfall: Waterfall,
    /// Idealized expected-loss table used for implied ratings and sizing targets.
    pub rating_table: RatingTable,
    /// Idealized default table (PD_R(w) of SPEC §7.3), with every rating of `rating_table`.
    pub pd_table: RatingTable,
    /// Stress scenarios of the rating test (SPEC §7.3), with a category for every rating of
    /// `rating_table`.
    pub stress_table: StressTable,
    /// Which sizing gives the funding capacity (both are always reported).
    pub sizing_method: SizingMethod,
}

/// `[deal] sizing_method`: which sizing the funding capacity and the frontier use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizingMethod {
    /// Target against break-even default rates under stress scenarios (SPEC §7.3).
    #[default]
    TdrBdr,
    /// Expected loss against the idealized EL (SPEC §7.1).
    ExpectedLoss,
}

impl SizingMethod {
    /// Both methods, the default first.
    pub const ALL: [SizingMethod; 2] = [SizingMethod::TdrBdr, SizingMethod::ExpectedLoss];

    /// The name in scenarios and reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            SizingMethod::TdrBdr => "tdr_bdr",
            SizingMethod::ExpectedLoss => "expected_loss",
        }
    }
}

impl Deal {
    /// Number of rated notes (all tranches but the last).
    pub fn rated_count(&self) -> usize {
        self.tranches.len() - 1
    }
}

/// `[simulation]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationSettings {
    pub paths: usize,
    pub seed: u64,
    /// Importance sampling of the systematic factor (SPEC §6; on by default).
    pub importance_sampling: bool,
}

/// An annual rate that is either constant or a vector by deal month (a vector shorter than
/// the horizon repeats its last value).
#[derive(Debug, Clone, PartialEq)]
pub enum RateCurve {
    Flat(f64),
    ByMonth(Vec<f64>),
}

impl RateCurve {
    /// The annual rate in deal month `month` (1-based).
    pub fn at(&self, month: u32) -> f64 {
        match self {
            RateCurve::Flat(rate) => *rate,
            RateCurve::ByMonth(rates) => {
                let index = (month.max(1) as usize - 1).min(rates.len() - 1);
                rates[index]
            }
        }
    }
}

/// `[deterministic]`: annual CDR and CPR overrides for the deterministic run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeterministicStress {
    pub cdr: Option<RateCurve>,
    pub cpr: Option<RateCurve>,
}

/// `[targets]` (SPEC §7.2): what a recommended approval policy must achieve.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    /// Largest acceptable pool expected net loss, as a share of the closing balance.
    pub max_pool_el: Option<f64>,
    /// Smallest acceptable advance rate (rated notes ÷ pool).
    pub min_advance_rate: Option<f64>,
    /// Funding the treasury needs, CNY.
    pub funding_need: Option<f64>,
}

/// `[frontier]` (SPEC §7.2): the approval policies `frontier` evaluates, each a score
/// cut-off and a limit multiplier applied to the base policy.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierSpec {
    /// Score cut-offs, strictly increasing, each a score from 300 to 1000. `None`: the
    /// default grid around the base policy's cut-off
    /// ([`crate::sizing::frontier::default_cutoffs`]), which only the policy can tell.
    pub cutoffs: Option<Vec<f64>>,
    /// Limit multipliers, strictly increasing, each > 0.
    pub limit_multipliers: Vec<f64>,
    /// Monte Carlo paths per grid point.
    pub paths: usize,
}

impl Default for FrontierSpec {
    fn default() -> FrontierSpec {
        FrontierSpec {
            cutoffs: None,
            limit_multipliers: DEFAULT_LIMIT_MULTIPLIERS.to_vec(),
            paths: DEFAULT_FRONTIER_PATHS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_metrics_own_their_names() {
        let table = [
            (TriggerMetric::CumulativeNetLoss, "cumulative_net_loss"),
            (TriggerMetric::CumulativeDefault, "cumulative_default"),
            (TriggerMetric::PoolBalance, "pool_balance_below"),
            (TriggerMetric::ExcessSpread3m, "excess_spread_3m"),
        ];
        assert_eq!(TriggerMetric::ALL, table.map(|(metric, _)| metric));
        for (metric, name) in table {
            assert_eq!(metric.as_str(), name);
            assert_eq!(metric.to_string(), name);
            assert_eq!(name.parse::<TriggerMetric>(), Ok(metric));
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(&metric).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<TriggerMetric>(&json).unwrap(),
                metric
            );
        }
        assert_eq!(
            TriggerMetric::names(),
            "cumulative_net_loss, cumulative_default, pool_balance_below, excess_spread_3m"
        );
        assert_eq!(
            "pool_balance".parse::<TriggerMetric>(),
            Err(UnknownTriggerMetric("pool_balance".into()))
        );
        let error = serde_json::from_str::<TriggerMetric>("\"cnl\"").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("`cnl` is not a trigger metric; allowed: cumulative_net_loss"),
            "{error}"
        );
    }
}
