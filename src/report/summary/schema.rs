//! The schema of `summary.json`: one [`Summary`] type that [`super::run`] and
//! [`super::frontier`] fill and that every reader ([`crate::report::folder`], `report.html`,
//! `compare`, the charts) reads back, so a key's name and meaning are written down once.
//!
//! - A block one kind of folder has and the other has not (a run's `monte_carlo`, a
//!   frontier's `grid`) is an `Option` left out of the file when `None`.
//! - A key one kind always writes, as `null` when it has no value, and the other kind leaves
//!   out (a run's `sizing`, a frontier treasury's `policy`) is a [`KindField`].
//! - Money (CNY) is rounded to cents when the writer fills the struct (SPEC); shares, rates
//!   and probabilities keep their digits.
//! - A number that can be infinite or undefined (`tdr_se` when the paths do not reach the
//!   quantile) is an `Option`: JSON has no infinity, and every version wrote `null`.
//! - Missing keys read as their defaults (`#[serde(default)]`), so a hand-made or older
//!   summary reads; the manifest is the one block a reader insists on.
//!
//! The keys of every object are written in alphabetical order, as every version wrote them
//! ([`super::to_bytes`] goes through `serde_json::Value`, whose maps are sorted), so the order
//! of a struct's fields here does not change the file's bytes.

use serde::{Deserialize, Serialize};

use crate::credit::Policy;
use crate::metrics::distribution::LossStatistics;
use crate::report::manifest::Manifest;
use crate::report::terms::{TargetTerms, Terms};
use crate::scenario::SizingMethod;
use crate::sizing::frontier::TargetKind;

/// A key one kind of summary always writes (`null` when it has no value) and the other kind
/// leaves out: `None` leaves the key out, `Some(None)` writes `null`, and reading gives back
/// what was written (with [`present`]).
pub type KindField<T> = Option<Option<T>>;

/// Reads a [`KindField`]: a key that is there is `Some`, `null` or not (a missing key is the
/// field's default, `None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// `summary.json` of a run or a frontier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// Tool, version, scenario, seed, paths and the inputs' digest.
    pub manifest: Manifest,
    /// The scenario's name, description, file and tables.
    pub scenario: ScenarioInfo,
    /// The funding capacity against the treasury's funding need.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub treasury: Option<Treasury>,
    /// Every warning the command printed.
    pub warnings: Vec<String>,

    /// A run's: the scenario's terms as run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms: Option<Terms>,
    /// A run's: the closing pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolSummary>,
    /// A run's: the deterministic case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deterministic: Option<DeterministicSummary>,
    /// A run's: each tranche's breakeven PD multiple and CDR (SPEC §7.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakevens: Option<Vec<BreakevenSummary>>,
    /// A run's: the Monte Carlo metrics (SPEC §6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<MonteCarloBlock>,
    /// A run's: the expected-loss sizing (SPEC §7.1), `null` when no tranche has a target.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub sizing: KindField<ExpectedLossSizing>,
    /// A run's: the rating test (SPEC §7.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating_tests: Option<RatingTestsSummary>,
    /// A run's: the TDR/BDR sizing (SPEC §7.3), `null` when no tranche has a target.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub sizing_tdr_bdr: KindField<TdrBdrSizingSummary>,
    /// A run's: the replayed median, 99th-percentile and worst paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named_paths: Option<Vec<NamedPath>>,
    /// A run's: how to read `path_results.csv`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_results: Option<PathResultsNote>,

    /// A frontier's: the command that reproduces the folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandInfo>,
    /// A frontier's: the applicants file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicants: Option<ApplicantsInfo>,
    /// A frontier's: the credit model and base policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit: Option<CreditInfo>,
    /// A frontier's: how the pools were originated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origination: Option<OriginationInfo>,
    /// A frontier's: the grid of cut-offs and limit multipliers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid: Option<GridInfo>,
    /// A frontier's: `[targets]` as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<TargetTerms>,
    /// A frontier's: the recommended policy, or why there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<RecommendationSummary>,
    /// A frontier's: every grid point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<PointSummary>>,

    /// A merged run's or frontier's: how it was split into shards (SPEC §9); a single run has
    /// none. The only part of a merged folder that differs from the single run's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitRecord>,
}

/// `split`: the shards `merge` assembled, in shard order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SplitRecord {
    /// The command that assembled the folder: `merge`.
    pub command: String,
    /// What a shard holds a range of: `block` (of `block_paths` paths) or `point`.
    pub unit: String,
    /// Paths per block (runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_paths: Option<usize>,
    /// Blocks in the run (runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<usize>,
    /// Policy points in the frontier (frontiers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<usize>,
    /// How many shards.
    pub shards: usize,
    /// Each shard's range of units.
    pub partials: Vec<ShardSpan>,
}

/// One shard of a split: `shard` as `I/K`, units `first..end`, and its paths for a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShardSpan {
    pub shard: String,
    pub first: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paths: Option<[usize; 2]>,
}

/// `scenario`: what was run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    /// The scenario file, `null` for a scenario built in memory.
    pub file: Option<String>,
    /// Where the rating table came from (a file, or the built-in table's name).
    pub rating_table: String,
    /// Where the idealized default table came from.
    pub pd_table: String,
    /// Where the stress table came from.
    pub stress_table: String,
    /// `[deal] sizing_method`.
    pub sizing_method: SizingMethod,
    /// A frontier's: the scenario's tranches (a run has them in `terms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tranches: Option<Vec<ScenarioTranche>>,
}

/// One tranche of a frontier's `scenario.tranches`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScenarioTranche {
    pub name: String,
    /// The share the scenario gives it (the frontier sizes its own).
    pub scenario_share: f64,
    pub coupon: Option<f64>,
    pub target_rating: Option<String>,
}

/// `pool`: the closing pool of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolSummary {
    /// Eligible receivables in the pool.
    pub receivables: usize,
    /// CNY.
    pub closing_balance: f64,
    /// The factor every balance was scaled by to reach `[pool] target_balance`.
    pub scale_factor: f64,
    /// Balance-weighted 12-month PD of the tape, before `pd_multiplier`.
    pub weighted_pd_12m: f64,
    pub pd_multiplier: f64,
    /// The same after `pd_multiplier` (capped): the PD the model uses.
    pub weighted_pd_12m_stressed: f64,
    /// Receivables past due, left out of the pool.
    pub ineligible_receivables: usize,
    /// Their balance, CNY, before scaling.
    pub ineligible_balance_before_scaling: f64,
}

/// `deterministic`: the deterministic case of a run (money in CNY).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeterministicSummary {
    /// Whether `[deterministic] cdr` replaced the receivables' PDs.
    pub cdr_override: bool,
    /// Whether `[deterministic] cpr` replaced the assumptions' CPR.
    pub cpr_override: bool,
    pub cumulative_defaults: f64,
    pub cumulative_recoveries: f64,
    pub cumulative_purchases: f64,
    /// (Defaults − recoveries) ÷ (closing balance + purchases).
    pub cumulative_net_loss_share: f64,
    pub reserve_funding_at_closing: f64,
    pub last_revolving_month: u32,
    /// The month the clean-up call was exercised, `null` when it was not.
    pub call_month: Option<u32>,
    pub triggers: Vec<DeterministicTrigger>,
    pub tranches: Vec<DeterministicTranche>,
}

/// A trigger of the deterministic case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeterministicTrigger {
    /// The trigger's label: `metric > level -> effect`.
    pub trigger: String,
    /// The month of its first breach, `null` when it never breaches.
    pub breach_month: Option<u32>,
    pub breached_within_revolving_period: bool,
}

/// A tranche of the deterministic case (money in CNY).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeterministicTranche {
    pub tranche: String,
    pub original_balance: f64,
    pub principal_paid: f64,
    pub interest_paid: f64,
    /// Step-5 cash (residual holder only).
    pub residual_received: f64,
    /// Unpaid principal at the legal final.
    pub principal_loss: f64,
    /// `principal_loss ÷ original_balance`.
    pub loss_share: f64,
    pub interest_shortfall: f64,
    /// Years; `null` when no principal was paid.
    pub wal_years: Option<f64>,
    /// Annual nominal IRR at par; `null` when the tranche receives nothing.
    #[serde(rename = "yield")]
    pub annual_yield: Option<f64>,
}

/// One tranche's breakevens (SPEC §7.4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BreakevenSummary {
    pub tranche: String,
    /// Smallest multiple of every PD at which the tranche loses principal; `null` when it
    /// does not lose even at the largest multiple searched.
    pub pd_multiple: Option<f64>,
    /// Largest flat annual CDR at which it loses no principal; `null` when it loses nothing
    /// even at the largest CDR searched.
    pub cdr: Option<f64>,
}

/// `monte_carlo`: everything SPEC §6 asks of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonteCarloBlock {
    pub paths: usize,
    pub importance_sampling: bool,
    /// Centres of the sampling mixture in factor standard deviations (0 = plain).
    pub sampling_shifts: Vec<f64>,
    /// The pool's default share.
    pub pool_default: LossStatistics,
    /// The pool's net loss share.
    pub pool_net_loss: LossStatistics,
    pub tranches: Vec<MonteCarloTranche>,
    pub triggers: Vec<TriggerSummary>,
    /// Probability that the clean-up call is exercised.
    pub call_probability: f64,
    pub balance_bands: Vec<BalanceBandSummary>,
    /// Receivables simulated (closing pool + purchases), summed over paths.
    pub receivable_lives: u64,
}

/// One tranche's Monte Carlo metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonteCarloTranche {
    pub tranche: String,
    pub share: f64,
    /// Original balance, CNY.
    pub amount: f64,
    pub coupon: Option<f64>,
    /// Loss share statistics (loss ÷ original balance).
    pub loss: LossStatistics,
    /// WAL in years of the expected principal flows.
    pub wal_years: Option<f64>,
    /// Annual nominal IRR of the expected cash flows at par.
    #[serde(rename = "yield")]
    pub annual_yield: Option<f64>,
    /// Every tranche but the residual holder is rated.
    pub rated: bool,
    pub implied_rating: Option<String>,
    pub target_rating: Option<String>,
    /// Idealized EL of the target rating at the tranche's WAL.
    pub target_el: Option<f64>,
    /// Expected interest unpaid at the legal final, CNY.
    pub expected_interest_shortfall: f64,
}

/// A trigger's Monte Carlo breach probabilities (SPEC §5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TriggerSummary {
    pub trigger: String,
    /// Probability of a breach by the legal final (the earlier name of
    /// `probability_by_legal_final`).
    pub probability: f64,
    /// Probability of a first breach in a scheduled revolving month; `None` in folders
    /// written before it was recorded.
    pub probability_within_revolving_period: Option<f64>,
    pub probability_within_revolving_period_se: Option<f64>,
    pub probability_by_legal_final: Option<f64>,
    pub probability_by_legal_final_se: Option<f64>,
    /// `by_month[m − 1]`: probability of first breaching in month `m`.
    pub by_month: Vec<f64>,
}

/// Percentiles of the performing balance in a month, CNY.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BalanceBandSummary {
    pub month: u32,
    pub mean: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// A structure sized by expected loss (SPEC §7.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExpectedLossSizing {
    /// Rated notes' total, CNY.
    pub funding_capacity: f64,
    /// Rated notes ÷ pool.
    pub advance_rate: f64,
    pub share_tolerance: f64,
    /// Candidate structures evaluated.
    pub evaluations: usize,
    /// Rounds of sequential sizing.
    pub rounds: usize,
    /// Paths whose purchases differed from the logged run's, summed over candidates.
    pub differing_paths: usize,
    pub tranches: Vec<SizedTrancheSummary>,
    /// A frontier point's: every candidate of the last round (a run writes them to
    /// `sizing_curve.csv`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<Vec<CurvePointSummary>>,
}

/// A tranche sized by expected loss.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SizedTrancheSummary {
    pub tranche: String,
    pub target_rating: Option<String>,
    pub share: f64,
    /// CNY.
    pub amount: f64,
    /// Share of the pool below this tranche.
    pub credit_enhancement: f64,
    pub el: f64,
    pub el_se: f64,
    pub wal: Option<f64>,
    /// Idealized EL of the target at the sized WAL.
    pub target_el: Option<f64>,
    /// Whether the target could be met at all.
    pub feasible: bool,
}

/// A candidate evaluated while sizing a tranche by expected loss.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CurvePointSummary {
    pub tranche: String,
    pub share: f64,
    pub el: f64,
    pub el_se: f64,
    pub wal: Option<f64>,
    pub target_el: f64,
    pub meets: bool,
}

/// A structure sized by TDR/BDR (SPEC §7.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TdrBdrSizingSummary {
    /// Rated notes' total, CNY.
    pub funding_capacity: f64,
    pub advance_rate: f64,
    /// Candidate structures tested.
    pub evaluations: usize,
    /// A run's: deterministic runs made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deterministic_runs: Option<usize>,
    /// A frontier point's: deterministic runs made (the same count under its engine name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<usize>,
    pub tranches: Vec<TdrBdrTrancheSummary>,
}

/// A tranche sized by TDR/BDR.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TdrBdrTrancheSummary {
    pub tranche: String,
    pub target_rating: Option<String>,
    pub share: f64,
    /// CNY.
    pub amount: f64,
    pub credit_enhancement: f64,
    /// Base-case WAL at the sized structure, years.
    pub wal: f64,
    /// TDR of the target at that WAL, with its standard error.
    pub tdr: Option<f64>,
    pub tdr_se: Option<f64>,
    /// BDR at the target's category, and its binding scenario.
    pub bdr: Option<f64>,
    pub binding_scenario: Option<String>,
    pub feasible: bool,
}

/// `rating_tests`: the rating test of a run's structure (SPEC §7.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RatingTestsSummary {
    /// How the WAL was found, in words.
    pub wal: String,
    /// How the TDR was found, in words.
    pub tdr: String,
    pub stress_table: String,
    pub pd_table: String,
    pub tranches: Vec<ImpliedRating>,
    pub tests: Vec<RatingTestSummary>,
}

/// A rated tranche's implied rating by the rating test.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImpliedRating {
    pub tranche: String,
    pub target_rating: Option<String>,
    /// The best rating it passes, `null` when it passes none.
    pub implied_rating: Option<String>,
}

/// A tranche tested at a rating (a row of `rating_tests.csv`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RatingTestSummary {
    pub tranche: String,
    pub rating: String,
    /// The rating's stress category.
    pub category: String,
    /// Base-case WAL, years.
    pub wal: f64,
    /// PD_R(wal) from the idealized default table.
    pub idealized_pd: f64,
    pub tdr: f64,
    /// `null`: the paths do not reach the quantile (an infinite standard error).
    pub tdr_se: Option<f64>,
    pub bdr: f64,
    pub binding_scenario: String,
    /// `bdr − tdr`.
    pub margin: f64,
    pub passes: bool,
}

/// A replayed path of `paths_detail.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedPath {
    /// `median`, `p99` or `worst`.
    pub label: String,
    pub path: u64,
    pub weight: f64,
    pub pool_net_loss: f64,
}

/// `path_results`: how to read `path_results.csv` without the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PathResultsNote {
    pub file: String,
    /// Whether the paths were importance-sampled (unequal weights).
    pub importance_sampling: bool,
    /// The weights in words.
    pub weights: String,
    /// How to average a column, in words.
    pub weighted_mean: String,
}

/// `treasury`: the funding capacity of the scenario's sizing method against the funding
/// need of `[targets]`, in the one sign convention of
/// [`crate::report::format::funding_surplus`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Treasury {
    /// The sizing method the capacity is from; `None` in folders of earlier versions,
    /// which had only expected loss.
    pub method: Option<SizingMethod>,
    /// CNY, `null` when not sized.
    pub funding_capacity: Option<f64>,
    pub advance_rate: Option<f64>,
    /// CNY, `null` without a `[targets] funding_need`.
    pub funding_need: Option<f64>,
    /// Every sizing method's capacity.
    pub by_method: Vec<MethodCapacity>,
    /// Capacity − need, CNY: positive is a surplus, negative a shortfall.
    pub surplus: Option<f64>,
    /// `surplus` or `shortfall`.
    pub position: Option<String>,
    /// `surplus` under its earlier name (the same sign).
    pub gap: Option<f64>,
    pub sign_convention: String,
    pub meets_funding_need: Option<bool>,
    /// A frontier's: whose capacity it is, the `recommended` or the `closest` policy.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub policy: KindField<String>,
    /// A frontier's: that policy's cut-off.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub cutoff: KindField<f64>,
    /// A frontier's: that policy's limit multiplier.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub limit_multiplier: KindField<f64>,
    /// A frontier's: that policy's pool balance, CNY.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub pool_balance: KindField<f64>,
}

impl Treasury {
    /// Capacity − need (CNY), from `surplus` or, in folders of earlier versions, `gap`.
    pub fn surplus(&self) -> Option<f64> {
        self.surplus.or(self.gap)
    }

    /// Whose capacity it is in a frontier folder (`recommended`, `closest`).
    pub fn policy(&self) -> Option<&str> {
        self.policy.as_ref()?.as_deref()
    }
}

/// One sizing method's funding capacity and advance rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MethodCapacity {
    pub method: SizingMethod,
    /// CNY, `null` when not sized.
    pub funding_capacity: Option<f64>,
    pub advance_rate: Option<f64>,
}

/// A frontier's `command`: what reproduces the folder, as given on the command line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommandInfo {
    /// `frontier`.
    pub command: String,
    pub scenario: String,
    pub applicants: String,
    /// `--model`, when given.
    pub model: Option<String>,
    /// `--policy`, when given.
    pub policy: Option<String>,
    pub paths: usize,
    pub seed: u64,
}

/// A frontier's `applicants`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicantsInfo {
    pub file: String,
    pub count: usize,
}

/// A frontier's `credit`: the credit model and the base policy the grid varies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditInfo {
    /// Its file, or `built-in`.
    pub model: String,
    /// Its file, or `built-in`.
    pub base_policy: String,
    pub base_cutoff: f64,
    pub base_limit_multiplier: f64,
}

/// A frontier's `origination`, in words.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OriginationInfo {
    pub seed: u64,
    pub term_and_fee_mix: String,
    pub utilization: String,
    pub pool_scaling: String,
}

/// A frontier's `grid`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GridInfo {
    pub cutoffs: Vec<f64>,
    pub limit_multipliers: Vec<f64>,
    /// Number of grid points.
    pub points: usize,
    pub paths_per_point: usize,
    pub importance_sampling: bool,
    /// Where the cut-offs came from, in words.
    pub cutoffs_source: String,
}

/// A frontier's `recommendation`, told apart by its `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RecommendationSummary {
    /// The point with the largest pool balance among those meeting every target.
    Recommended {
        cutoff: f64,
        limit_multiplier: f64,
        /// `approval_policy.toml`.
        policy_file: String,
        /// The policy written there.
        policy: Option<Policy>,
        /// What the recommendation maximises: `pool_balance`.
        volume_measure: String,
        point: Box<PointSummary>,
    },
    /// No point meets every target; the closest needs the smallest relaxation.
    Infeasible {
        message: String,
        closest: PolicyPoint,
        /// The target that binds.
        binding_target: TargetKind,
        /// Its shortfall, in its unit (CNY to the cent for `funding_need`).
        binding_shortfall: Option<f64>,
        /// Its shortfall in words.
        binding_text: Option<String>,
        /// The share by which every target would have to be relaxed.
        relaxation_needed: Option<f64>,
        /// Every shortfall of the closest point, in words.
        shortfalls: Vec<String>,
        point: Box<PointSummary>,
    },
    /// No point approves anybody.
    NothingApproved { message: String },
}

impl RecommendationSummary {
    /// The recommended or closest policy's cut-off and limit multiplier.
    pub fn policy_point(&self) -> Option<PolicyPoint> {
        match self {
            RecommendationSummary::Recommended {
                cutoff,
                limit_multiplier,
                ..
            } => Some(PolicyPoint {
                cutoff: *cutoff,
                limit_multiplier: *limit_multiplier,
            }),
            RecommendationSummary::Infeasible { closest, .. } => Some(closest.clone()),
            RecommendationSummary::NothingApproved { .. } => None,
        }
    }

    /// The target that binds when no point meets every target.
    pub fn binding_target(&self) -> Option<TargetKind> {
        match self {
            RecommendationSummary::Infeasible { binding_target, .. } => Some(*binding_target),
            _ => None,
        }
    }
}

/// A policy of the grid: its cut-off and limit multiplier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyPoint {
    pub cutoff: f64,
    pub limit_multiplier: f64,
}

/// One grid point of a frontier (money in CNY).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PointSummary {
    pub cutoff: f64,
    pub limit_multiplier: f64,
    pub applicants: usize,
    pub approved: usize,
    pub approval_rate: f64,
    pub approved_limits: f64,
    pub receivables: usize,
    pub pool_balance: f64,
    pub weighted_pd: Option<f64>,
    pub pool_el: Option<f64>,
    pub pool_el_se: Option<f64>,
    /// Sized by `sizing_method`, as the next two.
    pub senior_credit_enhancement: Option<f64>,
    pub funding_capacity: f64,
    pub advance_rate: Option<f64>,
    pub meets_targets: bool,
    pub recommended: bool,
    pub shortfalls: Vec<ShortfallSummary>,
    pub sizing_method: SizingMethod,
    pub funding_capacity_by_method: Vec<MethodCapacity>,
    /// `null` without a pool.
    pub sizing: Option<ExpectedLossSizing>,
    /// `null` without a pool.
    pub sizing_tdr_bdr: Option<TdrBdrSizingSummary>,
}

/// A target a grid point misses, and by how much (in the target's unit: CNY to the cent
/// for `funding_need`, else a share).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShortfallSummary {
    pub target: TargetKind,
    pub required: f64,
    /// `null` when nothing was approved.
    pub achieved: Option<f64>,
    /// `null` when nothing was approved.
    pub shortfall: Option<f64>,
    /// `shortfall ÷ required`; `null` when infinite (nothing approved).
    pub relative: Option<f64>,
    /// The shortfall in words.
    pub text: String,
}

impl Summary {
    /// Reads `summary.json` text; `path` names the file in errors. It must be a JSON object
    /// with a `manifest` object, and every key present must have its type.
    pub fn parse(
        path: &std::path::Path,
        text: &str,
    ) -> Result<Summary, crate::report::ReportError> {
        let bad = |line: Option<usize>, message: String| crate::report::ReportError::Parse {
            path: path.to_path_buf(),
            line,
            message,
        };
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| bad(Some(e.line()), format!("not valid JSON: {e}")))?;
        if !value
            .get("manifest")
            .is_some_and(serde_json::Value::is_object)
        {
            return Err(bad(
                None,
                "no `manifest` object: not a summary written by `run` or `frontier`".into(),
            ));
        }
        // from the text again, so a key of the wrong type is named with its line
        serde_json::from_str(text).map_err(|e| bad(Some(e.line()), e.to_string()))
    }

    /// Whether the paths were importance-sampled (unequal weights): from `monte_carlo` in a
    /// run, `grid` in a frontier, else the scenario's `terms`.
    pub fn importance_sampling(&self) -> Option<bool> {
        self.monte_carlo
            .as_ref()
            .map(|m| m.importance_sampling)
            .or(self.grid.as_ref().map(|g| g.importance_sampling))
            .or(self
                .terms
                .as_ref()
                .map(|t| t.simulation.importance_sampling))
    }

    /// The expected-loss sizing of a run, when it sized.
    pub fn sizing(&self) -> Option<&ExpectedLossSizing> {
        self.sizing.as_ref()?.as_ref()
    }

    /// The TDR/BDR sizing of a run, when it sized.
    pub fn sizing_tdr_bdr(&self) -> Option<&TdrBdrSizingSummary> {
        self.sizing_tdr_bdr.as_ref()?.as_ref()
    }
}
