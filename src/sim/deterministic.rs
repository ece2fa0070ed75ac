// Size: about 780 lines of code and 250 of unit tests beside it. The code is one concern (the
// expected-path pool and its layout); the tests stay beside the private helpers they check.
//! The deterministic (Intex-style) pool (SPEC §4.4): every receivable, or group of identical
//! receivables, follows its expected path — a share `MDR` of what is alive defaults each
//! month, survivors pay their schedule, and a share `SMM` of the balance left after
//! scheduled principal prepays. Revolving purchases buy groups in proportion to the
//! eligible balance mix.
//!
//! Each rate is computed once per distinct input, never per receivable and month: an MDR
//! per distinct PD (or per deal month under a `[deterministic]` CDR curve), an SMM per
//! distinct CPR (or per deal month), and one expected path per distinct (PD, CPR, schedule
//! length). Which cohort each receivable joins, which expected path it follows and the
//! purchase groups make a [`DeterministicLayout`] that depends on the pool alone, so a
//! search over `pd_multiplier` (the breakevens) builds it once. The event masses are still
//! summed receivable by receivable in pool order, so every figure has the same bits as
//! stepping each receivable through its months.

use std::borrow::Cow;
use std::collections::HashMap;

use super::cohort::{CohortBook, CohortId, Collateral, PoolFlows, Recoveries};
use super::pool::{Pool, PoolAsset};
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
    /// The rating test's default stress (SPEC §7.3), on top of the rates above.
    pub default_stress: Option<DefaultStress>,
    /// Multiple of every CPR (the rating test's prepayment levels); the result is capped at
    /// [`MAX_STRESSED_CPR`].
    pub cpr_multiple: f64,
}

/// A default stress of the rating test (SPEC §7.3): from the month its shape starts, each
/// receivable's monthly default rate is `min(level × w(t) × MDR, MAX_STRESSED_MDR)`; before
/// it, the MDR itself.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultStress {
    /// The default level `k` the break-even search varies.
    pub level: f64,
    /// The shape's weight by deal month − 1; `None` before the stress starts. Months beyond
    /// the vector take its last entry.
    pub weights: Vec<Option<f64>>,
}

impl DefaultStress {
    /// The stressed monthly default rate in deal `month` of a receivable whose MDR is `base`.
    #[inline]
    pub fn rate(&self, base: f64, month: u32) -> f64 {
        let index = (month as usize).clamp(1, self.weights.len().max(1)) - 1;
        match self.weights.get(index).copied().flatten() {
            Some(weight) => (self.level * weight * base).min(MAX_STRESSED_MDR),
            None => base,
        }
    }
}

/// The largest monthly default rate a default stress may produce ("capped below 1").
pub const MAX_STRESSED_MDR: f64 = 0.999;

/// The largest annual CPR a prepayment multiple may produce ("capped below 1").
pub const MAX_STRESSED_CPR: f64 = 0.999;

impl DeterministicRates {
    /// The rates of a scenario's deterministic run.
    pub fn new(assumptions: &Assumptions, stress: &DeterministicStress) -> DeterministicRates {
        DeterministicRates {
            cdr: stress.cdr.clone(),
            cpr: stress.cpr.clone(),
            pd_multiplier: assumptions.pd_multiplier,
            default_stress: None,
            cpr_multiple: 1.0,
        }
    }

    /// The monthly default rate before any default stress.
    fn base_default_rate(&self, pd_12m: f64, month: u32) -> f64 {
        match &self.cdr {
            Some(curve) => mdr_from_cdr(curve.at(month)),
            None => mdr_from_cdr(stressed_pd(pd_12m, self.pd_multiplier)),
        }
    }

    /// Monthly default rate of a receivable with this PD in deal month `month`.
    ///
    /// # Formula
    /// `MDR = 1 − (1 − p·m)^(1/12)` with the PD capped at 0.999 after the multiplier `m`, or
    /// `MDR = 1 − (1 − CDR(month))^(1/12)` under a CDR override.
    ///
    /// Under a default stress, from the month its shape starts,
    /// `min(level × w(t) × MDR, MAX_STRESSED_MDR)` (SPEC §7.3).
    pub fn monthly_default_rate(&self, pd_12m: f64, month: u32) -> f64 {
        let base = self.base_default_rate(pd_12m, month);
        match &self.default_stress {
            Some(stress) => stress.rate(base, month),
            None => base,
        }
    }

    /// Single monthly mortality of a receivable with this CPR in deal month `month`: of
    /// `min(CPR × cpr_multiple, MAX_STRESSED_CPR)` when a multiple is set.
    pub fn monthly_prepayment_rate(&self, annual_cpr: f64, month: u32) -> f64 {
        let cpr = match &self.cpr {
            Some(curve) => curve.at(month),
            None => annual_cpr,
        };
        if self.cpr_multiple == 1.0 {
            smm_from_cpr(cpr)
        } else {
            smm_from_cpr((cpr * self.cpr_multiple).min(MAX_STRESSED_CPR))
        }
    }

    /// Whether rates depend on the deal month (then a purchase's path depends on when it
    /// was bought, not only on its age).
    fn varies_by_month(&self) -> bool {
        matches!(self.cdr, Some(RateCurve::ByMonth(_)))
            || matches!(self.cpr, Some(RateCurve::ByMonth(_)))
            || self.default_stress.is_some()
    }
}

/// A monthly rate: the same in every month, or by deal month, or a default stress on
/// either.
#[derive(Debug, Clone, Copy)]
enum MonthlyRate<'t> {
    Constant(f64),
    /// Index: deal month − 1.
    ByMonth(&'t [f64]),
    /// A default stress on a constant rate or on a rate by deal month.
    Stressed {
        constant: f64,
        by_month: Option<&'t [f64]>,
        stress: &'t DefaultStress,
    },
}

impl MonthlyRate<'_> {
    #[inline]
    fn at(self, month: u32) -> f64 {
        match self {
            MonthlyRate::Constant(rate) => rate,
            MonthlyRate::ByMonth(rates) => rates[month as usize - 1],
            MonthlyRate::Stressed {
                constant,
                by_month,
                stress,
            } => stress.rate(
                by_month.map_or(constant, |rates| rates[month as usize - 1]),
                month,
            ),
        }
    }
}

/// The `[deterministic]` curves of a run converted to monthly rates once, by deal month.
#[derive(Debug, Clone)]
struct RateTables {
    /// MDR by deal month − 1 under a CDR curve (before any default stress).
    mdr_by_month: Option<Vec<f64>>,
    /// SMM by deal month − 1 under a CPR curve.
    smm_by_month: Option<Vec<f64>>,
}

impl RateTables {
    /// Tables through deal month `months` (no table where `rates` has no curve).
    fn new(rates: &DeterministicRates, months: u32) -> RateTables {
        RateTables {
            mdr_by_month: rates.cdr.as_ref().map(|_| {
                (1..=months)
                    .map(|month| rates.base_default_rate(0.0, month))
                    .collect()
            }),
            smm_by_month: rates.cpr.as_ref().map(|_| {
                (1..=months)
                    .map(|month| rates.monthly_prepayment_rate(0.0, month))
                    .collect()
            }),
        }
    }

    /// The monthly default rate of a receivable with this PD: one conversion, or the curve.
    fn default_rate<'r>(&'r self, rates: &'r DeterministicRates, pd_12m: f64) -> MonthlyRate<'r> {
        match (&rates.default_stress, &self.mdr_by_month) {
            (None, Some(by_month)) => MonthlyRate::ByMonth(by_month),
            // without a curve or a stress the rate does not depend on the month
            (None, None) => MonthlyRate::Constant(rates.monthly_default_rate(pd_12m, 1)),
            (Some(stress), by_month) => MonthlyRate::Stressed {
                constant: rates.base_default_rate(pd_12m, 1),
                by_month: by_month.as_deref(),
                stress,
            },
        }
    }

    /// The SMM of a receivable with this CPR: one conversion, or the curve.
    fn prepayment_rate<'r>(
        &'r self,
        rates: &'r DeterministicRates,
        annual_cpr: f64,
    ) -> MonthlyRate<'r> {
        match &self.smm_by_month {
            Some(by_month) => MonthlyRate::ByMonth(by_month),
            None => MonthlyRate::Constant(rates.monthly_prepayment_rate(annual_cpr, 1)),
        }
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

/// What the expected path of a cut-off receivable depends on.
#[derive(Debug, Clone, Copy)]
struct PathInputs {
    pd_12m: f64,
    annual_cpr: f64,
    /// Months of its schedule.
    months: u32,
}

/// Largest number of expected-path entries (Σ months over distinct paths) tabulated for a
/// run; a pool with more distinct paths computes each receivable's path when it changes.
const MAX_TABULATED_PATH_MONTHS: usize = 1 << 20;

/// Consecutive receivables of the pool with the same cohort and expected path.
#[derive(Debug, Clone, Copy)]
struct AssetRun {
    receivables: u32,
    /// Index into [`DeterministicLayout::cohort_schedules`].
    cohort: u32,
    /// Index into [`DeterministicLayout::paths`].
    path: u32,
}

/// The part of a pool's deterministic run that does not depend on the level of the rates:
/// the cut-off cohorts (one per schedule, in order of first appearance), each receivable's
/// cohort and expected path, and the purchase groups. It depends on whether the rates
/// override the PDs or CPRs with curves, not on the curves or `pd_multiplier`.
#[derive(Debug, Clone)]
pub struct DeterministicLayout {
    cdr_override: bool,
    cpr_override: bool,
    /// Schedule of each cut-off cohort.
    cohort_schedules: Vec<usize>,
    /// The receivables in pool order, as runs sharing a cohort and an expected path.
    runs: Vec<AssetRun>,
    /// Receivables laid out (Σ of the runs' lengths).
    receivables: usize,
    /// Distinct expected-path inputs, in order of first appearance.
    paths: Vec<PathInputs>,
    groups: Vec<PurchaseGroup>,
}

impl DeterministicLayout {
    /// The layout of `pool` for rates of the kind of `rates` (their curves, if any, are not
    /// read).
    pub fn new(pool: &Pool, rates: &DeterministicRates) -> DeterministicLayout {
        let cdr_override = rates.cdr.is_some();
        let cpr_override = rates.cpr.is_some();
        let mut cohort_schedules = Vec::new();
        let mut cohort_of_schedule = HashMap::new();
        let mut paths = Vec::new();
        let mut path_of_key = HashMap::new();
        let mut runs: Vec<AssetRun> = Vec::new();
        // consecutive receivables often share both: skip the hash lookups then
        let mut last_cohort: Option<(usize, u32)> = None;
        let mut last_path: Option<((u64, u64, u32), u32)> = None;
        for asset in &pool.assets {
            let cohort = match last_cohort {
                Some((schedule, cohort)) if schedule == asset.schedule => cohort,
                _ => {
                    let cohort = *cohort_of_schedule.entry(asset.schedule).or_insert_with(|| {
                        cohort_schedules.push(asset.schedule);
                        (cohort_schedules.len() - 1) as u32
                    });
                    last_cohort = Some((asset.schedule, cohort));
                    cohort
                }
            };
            let months = pool.schedules.get(asset.schedule).months();
            let key = (
                if cdr_override {
                    0
                } else {
                    asset.pd_12m.to_bits()
                },
                if cpr_override {
                    0
                } else {
                    asset.annual_cpr.to_bits()
                },
                months,
            );
            let path = match last_path {
                Some((last_key, path)) if last_key == key => path,
                _ => {
                    let path = *path_of_key.entry(key).or_insert_with(|| {
                        paths.push(PathInputs {
                            pd_12m: asset.pd_12m,
                            annual_cpr: asset.annual_cpr,
                            months,
                        });
                        (paths.len() - 1) as u32
                    });
                    last_path = Some((key, path));
                    path
                }
            };
            match runs.last_mut() {
                Some(run) if run.cohort == cohort && run.path == path => run.receivables += 1,
                _ => runs.push(AssetRun {
                    receivables: 1,
                    cohort,
                    path,
                }),
            }
        }
        DeterministicLayout {
            cdr_override,
            cpr_override,
            cohort_schedules,
            runs,
            receivables: pool.assets.len(),
            paths,
            groups: purchase_groups(pool, rates),
        }
    }

    /// Whether this layout was built for rates of the kind of `rates`.
    fn fits(&self, pool: &Pool, rates: &DeterministicRates) -> bool {
        self.cdr_override == rates.cdr.is_some()
            && self.cpr_override == rates.cpr.is_some()
            && self.receivables == pool.assets.len()
    }
}

/// Shares of a unit alive at cut-off that default and that prepay in each age
/// `1..=shares.len() / 2`, as pairs: `shares[2(a − 1)]` defaulting, `shares[2(a − 1) + 1]`
/// prepaying.
///
/// # Formula
/// From `A = 1`: defaulting `A·MDR`, prepaying `A·(1 − MDR)·SMM` (none in the schedule's
/// last month), then `A ← A·(1 − MDR)·(1 − SMM)` (SPEC §4.4).
fn expected_path(mdr: MonthlyRate<'_>, smm: MonthlyRate<'_>, months: u32, shares: &mut [f64]) {
    let mut alive = 1.0;
    for (age, pair) in (1..).zip(shares.chunks_exact_mut(2)) {
        let mdr = mdr.at(age);
        let smm = smm.at(age);
        pair[0] = alive * mdr;
        pair[1] = if age < months {
            alive * (1.0 - mdr) * smm
        } else {
            0.0
        };
        alive *= (1.0 - mdr) * (1.0 - smm);
    }
}

/// The expected paths of a run's cut-off receivables: all tabulated once, or (for pools
/// with very many distinct paths) the current receivable's, recomputed when it changes.
struct ExpectedPaths<'l> {
    inputs: &'l [PathInputs],
    horizon_months: u32,
    /// Tabulated: path `k` occupies `starts[k]..starts[k + 1]` of `shares`; otherwise empty.
    starts: Vec<usize>,
    /// Defaulting and prepaying shares by age, in pairs (see [`expected_path`]).
    shares: Vec<f64>,
    /// Untabulated: the path held in the buffers.
    held: Option<u32>,
}

impl<'l> ExpectedPaths<'l> {
    fn new(
        inputs: &'l [PathInputs],
        horizon_months: u32,
        tables: &RateTables,
        rates: &DeterministicRates,
    ) -> ExpectedPaths<'l> {
        let mut paths = ExpectedPaths {
            inputs,
            horizon_months,
            starts: Vec::new(),
            shares: Vec::new(),
            held: None,
        };
        let total: usize = inputs
            .iter()
            .map(|p| p.months.min(horizon_months) as usize)
            .sum();
        if total <= MAX_TABULATED_PATH_MONTHS {
            paths.starts.reserve(inputs.len() + 1);
            paths.starts.push(0);
            paths.shares.resize(2 * total, 0.0);
            for (k, path) in inputs.iter().enumerate() {
                let (start, end) = (paths.starts[k], paths.starts[k] + 2 * paths.ages(path));
                expected_path(
                    tables.default_rate(rates, path.pd_12m),
                    tables.prepayment_rate(rates, path.annual_cpr),
                    path.months,
                    &mut paths.shares[start..end],
                );
                paths.starts.push(end);
            }
        }
        paths
    }

    /// Ages of `path` within the horizon.
    fn ages(&self, path: &PathInputs) -> usize {
        path.months.min(self.horizon_months) as usize
    }

    /// Defaulting and prepaying shares of path `k` by age, in pairs.
    #[inline]
    fn get(&mut self, k: u32, tables: &RateTables, rates: &DeterministicRates) -> &[f64] {
        let k = k as usize;
        if !self.starts.is_empty() {
            return &self.shares[self.starts[k]..self.starts[k + 1]];
        }
        let path = self.inputs[k];
        let entries = 2 * self.ages(&path);
        if self.held != Some(k as u32) {
            self.shares.resize(entries, 0.0);
            expected_path(
                tables.default_rate(rates, path.pd_12m),
                tables.prepayment_rate(rates, path.annual_cpr),
                path.months,
                &mut self.shares[..entries],
            );
            self.held = Some(k as u32);
        }
        &self.shares[..entries]
    }
}

/// Entries of [`CohortSums`] summed side by side in registers (six AVX2 registers; twice
/// that in the larger blocks).
const SUM_BLOCK: usize = 24;

/// `sums[e] += amount(asset) × shares[e]` for every receivable in order (each product
/// rounded, then each sum), skipping receivables whose amount is zero (they add `+0.0`
/// to non-negative sums, which changes nothing).
#[inline(always)]
fn add_block<const N: usize>(
    assets: &[PoolAsset],
    amount: impl Fn(&PoolAsset) -> f64,
    shares: &[f64],
    sums: &mut [f64],
) {
    let shares: &[f64; N] = shares.try_into().expect("a whole block");
    let mut block: [f64; N] = sums.try_into().expect("a whole block");
    for asset in assets {
        let x = amount(asset);
        if x != 0.0 {
            for (sum, share) in block.iter_mut().zip(shares) {
                *sum += x * share;
            }
        }
    }
    sums.copy_from_slice(&block);
}

/// One cut-off cohort's masses, summed receivable by receivable in pool order: the
/// starting balance and fee, and the event masses by age in the pairs of
/// [`expected_path`] (defaulting and prepaying balance; the same for fees). Each sum starts
/// at 0 and takes the receivables one by one, as the book's own entries would.
struct CohortSums {
    alive_balance: f64,
    alive_fee: f64,
    balance: Vec<f64>,
    fee: Vec<f64>,
}

impl CohortSums {
    /// Adds receivables that share the expected path `shares`, in order.
    #[inline]
    fn add_run(&mut self, assets: &[PoolAsset], shares: &[f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (just checked)
            return unsafe { self.add_run_avx2(assets, shares) };
        }
        self.add_run_plain(assets, shares);
    }

    /// `sum[e] += amount × shares[e]` for every entry and receivable: each product rounded,
    /// then each sum, as adding the products one by one (vector lanes round alike).
    #[inline(always)]
    fn add_run_plain(&mut self, assets: &[PoolAsset], shares: &[f64]) {
        let CohortSums {
            alive_balance,
            alive_fee,
            balance,
            fee,
        } = self;
        let (balance, fee) = (&mut balance[..shares.len()], &mut fee[..shares.len()]);
        let mut any_fee = false;
        for asset in assets {
            *alive_balance += asset.balance;
            *alive_fee += asset.monthly_fee;
            any_fee |= asset.monthly_fee != 0.0;
        }
        // Each entry's sum takes the receivables in order whatever the entries are
        // grouped by, so the entries go in blocks held in registers across the run (the
        // sums in memory made every receivable wait for its stores): 48 (two years of
        // ages), then 24, then one by one.
        let mut at = 0;
        while shares.len() - at >= 2 * SUM_BLOCK {
            let range = at..at + 2 * SUM_BLOCK;
            add_block::<{ 2 * SUM_BLOCK }>(
                assets,
                |a| a.balance,
                &shares[range.clone()],
                &mut balance[range.clone()],
            );
            if any_fee {
                add_block::<{ 2 * SUM_BLOCK }>(
                    assets,
                    |a| a.monthly_fee,
                    &shares[range.clone()],
                    &mut fee[range],
                );
            }
            at += 2 * SUM_BLOCK;
        }
        if shares.len() - at >= SUM_BLOCK {
            let range = at..at + SUM_BLOCK;
            add_block::<SUM_BLOCK>(
                assets,
                |a| a.balance,
                &shares[range.clone()],
                &mut balance[range.clone()],
            );
            if any_fee {
                add_block::<SUM_BLOCK>(
                    assets,
                    |a| a.monthly_fee,
                    &shares[range.clone()],
                    &mut fee[range],
                );
            }
            at += SUM_BLOCK;
        }
        let rest = &shares[at..];
        for asset in assets {
            for (sum, share) in balance[at..].iter_mut().zip(rest) {
                *sum += asset.balance * share;
            }
            // a zero fee adds +0.0 to non-negative sums: nothing to add
            if asset.monthly_fee != 0.0 {
                for (sum, share) in fee[at..].iter_mut().zip(rest) {
                    *sum += asset.monthly_fee * share;
                }
            }
        }
    }

    /// [`CohortSums::add_run`] compiled for AVX2 (four lanes instead of two; no fused
    /// multiply-add, so the same bits).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn add_run_avx2(&mut self, assets: &[PoolAsset], shares: &[f64]) {
        self.add_run_plain(assets, shares);
    }
}

/// The deterministic pool as [`Collateral`] for the waterfall.
#[derive(Debug, Clone)]
pub struct DeterministicCollateral<'a> {
    pool: &'a Pool,
    layout: Cow<'a, DeterministicLayout>,
    book: CohortBook<'a>,
    recoveries: Recoveries,
    yield_haircut: f64,
    horizon_months: u32,
    rates: DeterministicRates,
    tables: RateTables,
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
        let layout = DeterministicLayout::new(pool, &rates);
        DeterministicCollateral::build(pool, Cow::Owned(layout), assumptions, rates, horizon_months)
    }

    /// [`DeterministicCollateral::new`] on a layout built before for `pool` and rates of
    /// the same kind (for a search that reruns the pool under other rate levels).
    ///
    /// # Panics
    /// If `layout` was built for another pool size or kind of rates.
    pub fn with_layout(
        pool: &'a Pool,
        layout: &'a DeterministicLayout,
        assumptions: &Assumptions,
        rates: DeterministicRates,
        horizon_months: u32,
    ) -> DeterministicCollateral<'a> {
        assert!(
            layout.fits(pool, &rates),
            "deterministic layout built for another pool or kind of rates"
        );
        DeterministicCollateral::build(
            pool,
            Cow::Borrowed(layout),
            assumptions,
            rates,
            horizon_months,
        )
    }

    fn build(
        pool: &'a Pool,
        layout: Cow<'a, DeterministicLayout>,
        assumptions: &Assumptions,
        rates: DeterministicRates,
        horizon_months: u32,
    ) -> DeterministicCollateral<'a> {
        // purchases bought at cut-off (no month variation) run a whole template term
        let longest_schedule = (0..pool.schedules.len())
            .map(|s| pool.schedules.get(s).months())
            .max()
            .unwrap_or(0);
        let tables = RateTables::new(&rates, horizon_months.max(longest_schedule));
        let mut book = CohortBook::new(&pool.schedules);
        let cohorts: Vec<CohortId> = layout
            .cohort_schedules
            .iter()
            .map(|&schedule| book.add_cohort(schedule, 0))
            .collect();
        let mut sums: Vec<CohortSums> = layout
            .cohort_schedules
            .iter()
            .map(|&schedule| {
                let ages = pool.schedules.get(schedule).months().min(horizon_months) as usize;
                CohortSums {
                    alive_balance: 0.0,
                    alive_fee: 0.0,
                    balance: vec![0.0; 2 * ages],
                    fee: vec![0.0; 2 * ages],
                }
            })
            .collect();
        let mut paths = ExpectedPaths::new(&layout.paths, horizon_months, &tables, &rates);
        let mut first = 0;
        for run in &layout.runs {
            let assets = &pool.assets[first..first + run.receivables as usize];
            first += run.receivables as usize;
            sums[run.cohort as usize].add_run(assets, paths.get(run.path, &tables, &rates));
        }
        for (&cohort, sums) in cohorts.iter().zip(&sums) {
            book.add_mass(cohort, sums.alive_balance, sums.alive_fee);
            let pairs = sums.balance.chunks_exact(2).zip(sums.fee.chunks_exact(2));
            for (age, (balance, fee)) in (1..).zip(pairs) {
                book.add_default(cohort, age, balance[0], fee[0]);
                book.add_prepayment(cohort, age, balance[1], fee[1]);
            }
        }

        let mut collateral = DeterministicCollateral {
            pool,
            layout,
            book,
            recoveries: Recoveries::new(
                assumptions.recovery_rate,
                assumptions.recovery_lag_months,
                horizon_months,
            ),
            yield_haircut: assumptions.yield_haircut,
            horizon_months,
            rates,
            tables,
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
        for group in &self.layout.groups {
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
            let default_rate = self.tables.default_rate(&self.rates, group.pd_12m);
            let prepayment_rate = self.tables.prepayment_rate(&self.rates, group.annual_cpr);
            let mut alive = group.share;
            for age in 1..=months {
                let month = start + age;
                if month > self.horizon_months && start > 0 {
                    break;
                }
                let mdr = default_rate.at(month);
                let smm = prepayment_rate.at(month);
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
    let mut last: Option<((usize, u64, u64, u64), usize)> = None;
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
        let slot = match last {
            Some((last_key, slot)) if last_key == key => slot,
            _ => {
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
                last = Some((key, slot));
                slot
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Prepayment;
    use crate::tape;

    fn assumptions(pd_multiplier: f64) -> Assumptions {
        Assumptions {
            pd_multiplier,
            correlation: 0.1,
            prepayment: Prepayment::Flat(0.15),
            recovery_rate: 0.0,
            recovery_lag_months: 0,
            yield_haircut: 0.0,
            segments: None,
            calibration: None,
        }
    }

    /// The cut-off book the way the SPEC words it: each receivable stepped month by month,
    /// its MDR and SMM converted afresh every month.
    fn stepped_book<'a>(
        pool: &'a Pool,
        rates: &DeterministicRates,
        horizon_months: u32,
    ) -> CohortBook<'a> {
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
        book
    }

    fn bits(flows: &PoolFlows) -> [u64; 7] {
        [
            flows.begin_balance,
            flows.defaults,
            flows.interest,
            flows.scheduled_principal,
            flows.prepayments,
            flows.recoveries,
            flows.end_balance,
        ]
        .map(f64::to_bits)
    }

    fn assert_same_bits(
        mut collateral: DeterministicCollateral<'_>,
        mut reference: CohortBook<'_>,
        horizon_months: u32,
        label: &str,
    ) {
        for month in 1..=horizon_months {
            assert_eq!(
                bits(&collateral.collect(month)),
                bits(&reference.collect(month)),
                "{label}, month {month}"
            );
        }
    }

    #[test]
    fn a_default_stress_and_a_prepayment_multiple_give_the_bits_of_stepping_each_receivable() {
        // the rating test's stresses (SPEC §7.3) on every rate kind, checked the same way
        let receivables = tape::generate(2_000, 5);
        let horizon = 18;
        // base MDR before month 7, then level × w(t) (capped) from it
        let weights: Vec<Option<f64>> = (1..=horizon)
            .map(|t| (t >= 7).then(|| 1.0 + 0.5 * (1.0 - 2.0 * (f64::from(t - 7) + 0.5) / 12.0)))
            .collect();
        for (cdr, level, cpr_multiple) in [
            (None, 3.0, 0.5),
            (Some(RateCurve::ByMonth(vec![0.02, 0.3])), 8.0, 1.5),
            (None, 5_000.0, 1.0),
        ] {
            let assumptions = assumptions(1.0);
            let pool = Pool::build_with(&receivables, &assumptions, None, "test").unwrap();
            let rates = DeterministicRates {
                cdr,
                cpr: None,
                pd_multiplier: 1.0,
                default_stress: Some(DefaultStress {
                    level,
                    weights: weights.clone(),
                }),
                cpr_multiple,
            };
            let label = format!("level {level}, cpr multiple {cpr_multiple}");
            let collateral =
                DeterministicCollateral::new(&pool, &assumptions, rates.clone(), horizon);
            assert_same_bits(
                collateral,
                stepped_book(&pool, &rates, horizon),
                horizon,
                &label,
            );
        }
    }

    #[test]
    fn stressed_rates_follow_the_formula() {
        let stress = DefaultStress {
            level: 4.0,
            weights: vec![None, Some(0.5), Some(1.5)],
        };
        assert_eq!(stress.rate(0.01, 1), 0.01, "before the stress starts");
        assert_eq!(stress.rate(0.01, 2), 4.0 * 0.5 * 0.01);
        assert_eq!(stress.rate(0.01, 3), 4.0 * 1.5 * 0.01);
        assert_eq!(
            stress.rate(0.01, 9),
            4.0 * 1.5 * 0.01,
            "the last weight beyond"
        );
        assert_eq!(stress.rate(0.5, 3), MAX_STRESSED_MDR, "capped below 1");
        let rates = DeterministicRates {
            cdr: None,
            cpr: None,
            pd_multiplier: 1.0,
            default_stress: None,
            cpr_multiple: 1.5,
        };
        assert_eq!(rates.monthly_prepayment_rate(0.2, 1), smm_from_cpr(0.3));
        assert_eq!(
            rates.monthly_prepayment_rate(0.8, 1),
            smm_from_cpr(MAX_STRESSED_CPR)
        );
    }

    #[test]
    fn rates_computed_once_give_the_bits_of_stepping_each_receivable() {
        // mixed products, terms and PDs; every rate kind; a horizon shorter than some terms
        let receivables = tape::generate(3_000, 11);
        let horizon = 18;
        let curves = [
            (None, None),
            (Some(RateCurve::Flat(0.08)), None),
            (
                Some(RateCurve::ByMonth(vec![0.02, 0.05, 0.11])),
                Some(RateCurve::ByMonth(vec![0.3, 0.1])),
            ),
            (None, Some(RateCurve::Flat(0.25))),
        ];
        for (cdr, cpr) in curves {
            for multiplier in [1.0, 3.7, 400.0] {
                let assumptions = assumptions(multiplier);
                let pool = Pool::build_with(&receivables, &assumptions, None, "test").unwrap();
                let rates = DeterministicRates {
                    cdr: cdr.clone(),
                    cpr: cpr.clone(),
                    pd_multiplier: multiplier,
                    default_stress: None,
                    cpr_multiple: 1.0,
                };
                let label = format!("cdr {cdr:?}, cpr {cpr:?}, multiplier {multiplier}");
                let collateral =
                    DeterministicCollateral::new(&pool, &assumptions, rates.clone(), horizon);
                assert_same_bits(
                    collateral,
                    stepped_book(&pool, &rates, horizon),
                    horizon,
                    &label,
                );
            }
        }
    }

    #[test]
    fn a_layout_reused_across_multipliers_gives_the_bits_of_a_fresh_build() {
        let receivables = tape::generate(2_000, 5);
        let pool = Pool::build_with(&receivables, &assumptions(1.0), None, "test").unwrap();
        let layout = DeterministicLayout::new(
            &pool,
            &DeterministicRates::new(&assumptions(1.0), &DeterministicStress::default()),
        );
        for multiplier in [0.5, 1.0, 9.25, 1000.0] {
            let assumptions = assumptions(multiplier);
            let rates = DeterministicRates::new(&assumptions, &DeterministicStress::default());
            let reused = DeterministicCollateral::with_layout(
                &pool,
                &layout,
                &assumptions,
                rates.clone(),
                24,
            );
            assert_same_bits(
                reused,
                stepped_book(&pool, &rates, 24),
                24,
                &format!("multiplier {multiplier}"),
            );
        }
    }

    #[test]
    fn paths_computed_when_they_change_match_the_tabulated_ones() {
        // what a pool with more distinct paths than MAX_TABULATED_PATH_MONTHS does
        let mut receivables = tape::generate(4_000, 3);
        for (i, r) in receivables.iter_mut().enumerate() {
            r.pd_12m = Some(0.01 + 1e-6 * i as f64);
        }
        let assumptions = assumptions(2.0);
        let pool = Pool::build_with(&receivables, &assumptions, None, "test").unwrap();
        let rates = DeterministicRates::new(&assumptions, &DeterministicStress::default());
        let layout = DeterministicLayout::new(&pool, &rates);
        let tables = RateTables::new(&rates, 60);
        let mut tabulated = ExpectedPaths::new(&layout.paths, 60, &tables, &rates);
        assert!(
            !tabulated.starts.is_empty(),
            "this pool's paths fit the table"
        );
        let mut untabulated = ExpectedPaths {
            starts: Vec::new(),
            ..ExpectedPaths::new(&[], 60, &tables, &rates)
        };
        untabulated.inputs = &layout.paths;
        let bits_of = |shares: &[f64]| shares.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        for k in layout.runs.iter().map(|run| run.path) {
            let computed = bits_of(untabulated.get(k, &tables, &rates));
            assert_eq!(
                computed,
                bits_of(tabulated.get(k, &tables, &rates)),
                "path {k}"
            );
        }
    }
}
