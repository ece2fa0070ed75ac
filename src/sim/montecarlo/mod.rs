//! Monte Carlo pool paths (SPEC §4.1–4.3, §4.5): one systematic factor per segment per path,
//! each receivable's default month and prepayment month drawn once, and the events
//! aggregated by schedule cohort — the pool is never stepped receivable by month.
//!
//! # The joint law
//! Receivable `i` (12-month PD `p` after `pd_multiplier`, segment `s`) defaults in the first
//! month `t` of its life with `X_i = √ρ_s Z_s + √(1−ρ_s) ε_i < Φ⁻¹(F(t))`,
//! `F(t) = 1 − (1 − p)^(t/12)`. Given the path's factor `Z_s`, with `ε_i = Φ⁻¹(U_i)`:
//! - it defaults within its life `L` iff `U_i < Φ((Φ⁻¹(F(L)) − √ρ Z)/√(1−ρ))`, tested first
//!   against an upper bound of the same at the upper edge of a threshold grid cell (one
//!   table per path, from [`super::latent`]), so most receivables cost one comparison;
//! - its default month is the smallest `t` with `Φ(X_i) < F(t)`:
//!   `t = ⌊12 ln(1 − Φ(X_i)) / ln(1 − p)⌋ + 1`.
//!
//! Prepayment is independent with monthly probability SMM after the month's payments:
//! `t_p = ⌊ln V_i / ln(1 − SMM)⌋ + 1` for a uniform `V_i`, and none before maturity when
//! `V_i ≤ (1 − SMM)^(L − 1)`. A receivable that would default and prepay in the same month
//! defaults (the default test comes first). Both uniforms come from one 64-bit draw
//! (32 bits each, centred: `(k + ½)/2³²`).
//!
//! Purchases (SPEC §5 step 4) draw templates with probability proportional to balance
//! (Walker–Vose alias table) until the month's amount is spent, the last one scaled, and
//! give each its own draws under the same path's factors, its clock starting after the
//! month of purchase.
//!
//! Streams: each path has its own `Xoshiro256PlusPlus` seeded from (seed, path index) by
//! SplitMix64, giving first its factors, then the seeds of four Xoshiro256++ lanes from
//! which the cut-off receivables draw, receivable `i` (in the model's order: by cohort, then
//! threshold cell) from lane `i mod 4` ([`super::lanes`]).
//! Each month's purchases draw from their own SplitMix64 stream keyed by (path, month),
//! read by position (pick `k` takes draws `2k` and `2k + 1`): a replay for another deal
//! structure can then re-draw just the end of a month's purchases ([`ReplayCollateral`]).

use std::collections::HashMap;

use nalgebra::DMatrix;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use super::cohort::{CohortBook, Collateral, PoolFlows, Recoveries};
use super::lanes::{HotReceivable, HotTable, SCREEN_CHUNK, Screened, Xoshiro256PlusPlusX4};
use super::latent::{LatentBounds, f32_at_least, f32_at_most};
use super::pool::Pool;
use crate::normal::{normal_cdf, normal_quantile};
use crate::rng::{GOLDEN_GAMMA, splitmix64};
use crate::scenario::Assumptions;
use crate::units::{cumulative_default_probability, smm_from_cpr, stressed_pd};

/// Cells of the per-path threshold grid (per segment).
pub const THRESHOLD_GRID_CELLS: usize = 1024;

const TWO_POW_MINUS_32: f64 = 1.0 / 4_294_967_296.0;

/// The key of one path, `splitmix64(splitmix64(seed) ^ path)` (hashing first, so seed 43
/// path 0 is not seed 42 path 1): it seeds the path's stream and its purchase streams.
pub fn path_key(seed: u64, path: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ path)
}

/// The random stream of one path: `Xoshiro256PlusPlus` seeded with [`path_key`].
pub fn path_rng(seed: u64, path: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(path_key(seed, path))
}

/// Salt separating purchase-stream keys from path keys.
const PURCHASE_SALT: u64 = 0x5055_5243_4841_5345;

/// The purchases of one path in one month: a SplitMix64 stream keyed by (path key, month),
/// read at any position. Pick `k` takes draws `2k` (which template) and `2k + 1` (its
/// default and prepayment uniforms). Random access lets a replay re-draw the end of a
/// month's purchases when a candidate structure buys a different amount, without the
/// draws before it (see `ReplayCollateral`).
#[derive(Debug, Clone, Copy)]
pub struct PurchaseStream {
    key: u64,
}

impl PurchaseStream {
    pub fn new(path_key: u64, month: u32) -> PurchaseStream {
        PurchaseStream {
            key: splitmix64(splitmix64(path_key ^ PURCHASE_SALT) ^ u64::from(month)),
        }
    }

    /// Draw `n` of the stream: `splitmix64` adds the increment once more, so this is the
    /// `n`-th output of SplitMix64 seeded with the key.
    #[inline]
    fn draw(&self, n: u64) -> u64 {
        splitmix64(self.key.wrapping_add(n.wrapping_mul(GOLDEN_GAMMA)))
    }

    /// The template draw of pick `k`.
    #[inline]
    pub fn pick_bits(&self, k: u32) -> u64 {
        self.draw(2 * u64::from(k))
    }

    /// The default (high 32 bits) and prepayment (low 32 bits) draws of pick `k`.
    #[inline]
    pub fn event_bits(&self, k: u32) -> u64 {
        self.draw(2 * u64::from(k) + 1)
    }
}

/// A centred uniform in (0, 1) from 32 random bits.
#[inline]
fn centred_uniform(bits: u32) -> f64 {
    (f64::from(bits) + 0.5) * TWO_POW_MINUS_32
}

/// The systematic factors: one per segment, correlated by a Cholesky factor.
#[derive(Debug, Clone)]
pub struct FactorModel {
    /// `(√ρ_s, √(1 − ρ_s))` per factor segment: the segments of `[assumptions.segments]`,
    /// or one shared by the whole pool without it.
    pub loadings: Vec<(f64, f64)>,
    /// Lower-triangular `L` with `Z = L W`, `W ~ N(0, I)`; `None` for one factor shared by
    /// every segment (no `[assumptions.segments]`).
    pub cholesky: Option<DMatrix<f64>>,
}

impl FactorModel {
    /// The factor model of a pool under its assumptions.
    pub fn new(assumptions: &Assumptions) -> FactorModel {
        let loading = |rho: f64| (rho.sqrt(), (1.0 - rho).sqrt());
        match &assumptions.segments {
            Some(config) => FactorModel {
                loadings: config.rho.iter().map(|&rho| loading(rho)).collect(),
                cholesky: Some(config.factor_cholesky.clone()),
            },
            // every tape segment has the same ρ and factor: one set of per-path tables
            None => FactorModel {
                loadings: vec![loading(assumptions.correlation)],
                cholesky: None,
            },
        }
    }

    /// Number of independent normals a path draws.
    pub fn dimension(&self) -> usize {
        self.cholesky.as_ref().map_or(1, |l| l.nrows())
    }

    /// Segment factors `Z` from independent normals `W`.
    pub fn segment_factors(&self, w: &[f64], z: &mut [f64]) {
        match &self.cholesky {
            None => z.iter_mut().for_each(|zs| *zs = w[0]),
            Some(l) => {
                for (s, zs) in z.iter_mut().enumerate() {
                    *zs = (0..=s).map(|k| l[(s, k)] * w[k]).sum();
                }
            }
        }
    }
}

/// How a path's independent normals `W` are drawn: from a mixture of `N(m_k, I)` with
/// probabilities `p_k`, weighted by the likelihood ratio
/// `φ(W) / Σ_k p_k φ(W − m_k) = 1 / Σ_k p_k exp(m_k·W − |m_k|²/2)`.
/// One component with a zero shift is plain Monte Carlo (ratio 1).
#[derive(Debug, Clone, PartialEq)]
pub struct FactorSampling {
    pub components: Vec<(f64, Vec<f64>)>,
}

impl FactorSampling {
    /// Plain Monte Carlo in `dimension` factors.
    pub fn plain(dimension: usize) -> FactorSampling {
        FactorSampling {
            components: vec![(1.0, vec![0.0; dimension])],
        }
    }

    /// Draws `W` into `w` and returns its likelihood ratio.
    pub fn sample(&self, rng: &mut Xoshiro256PlusPlus, w: &mut [f64]) -> f64 {
        let component = if self.components.len() == 1 {
            0
        } else {
            let u = centred_uniform((rng.next_u64() >> 32) as u32);
            let mut cumulative = 0.0;
            let mut chosen = self.components.len() - 1;
            for (k, (probability, _)) in self.components.iter().enumerate() {
                cumulative += probability;
                if u < cumulative {
                    chosen = k;
                    break;
                }
            }
            chosen
        };
        let shift = &self.components[component].1;
        for (wk, mk) in w.iter_mut().zip(shift) {
            let standard: f64 = StandardNormal.sample(rng);
            *wk = standard + mk;
        }
        self.likelihood_ratio(w)
    }

    /// `φ(W) / Σ_k p_k φ(W − m_k)`.
    pub fn likelihood_ratio(&self, w: &[f64]) -> f64 {
        let mixture: f64 = self
            .components
            .iter()
            .map(|(probability, shift)| {
                let dot: f64 = shift.iter().zip(w).map(|(m, x)| m * x).sum();
                let norm: f64 = shift.iter().map(|m| m * m).sum();
                probability * (dot - 0.5 * norm).exp()
            })
            .sum();
        1.0 / mixture
    }
}

/// The rest, read only when a draw says an event may happen.
#[derive(Debug, Clone, Copy)]
struct ColdReceivable {
    /// `12 / −ln(1 − p)`: months per unit of cumulative hazard (`+∞` when `p = 0`).
    months_per_hazard: f64,
    balance: f64,
    /// Monthly fee (templates: fee per CNY of purchased balance).
    monthly_fee: f64,
    /// Event-table index of the receivable's cohort at age 1 (templates: relative to the
    /// first purchase cohort of the month of purchase).
    event_base: u32,
    /// Months over which defaults are drawn (the life, capped at the horizon for cut-off).
    life_months: u8,
    /// Index of the receivable's [`PrepayTable`].
    prepay_class: u8,
    segment: u16,
}

/// Bits of the default uniform that index the per-path default-month table.
const MONTH_TABLE_BITS: u32 = 11;
/// Cells of the per-path default-month table (per segment).
const MONTH_TABLE_CELLS: usize = 1 << MONTH_TABLE_BITS;
/// Bits of `W = !k_p` dropped to index a [`PrepayTable`]'s start months.
const PREPAY_INDEX_SHIFT: u32 = 20;

/// Prepayment months for one SMM, from the 32-bit prepayment draw `k_p` alone.
///
/// With `W = 2³² − 1 − k_p` (so `V = (k_p + ½)/2³² = 1 − (W + ½)/2³²`), the month
/// `t_p = ⌊ln V / ln(1 − SMM)⌋ + 1` satisfies `t_p ≤ t ⟺ V > (1 − SMM)^t ⟺ W < thr[t]` with
/// `thr[t] = ⌈2³² (1 − (1 − SMM)^t) − ½⌉`: exact integer thresholds, no logarithm per draw.
#[derive(Debug, Clone)]
struct PrepayTable {
    /// `thr[t]` for `t = 0..=max_months` (`thr[0] = 0`), non-decreasing.
    thresholds: Vec<u64>,
    /// For each cell `W >> PREPAY_INDEX_SHIFT`: the prepayment month of the cell's smallest
    /// `W` (where the scan for `t_p` starts).
    start: Vec<u8>,
}

impl PrepayTable {
    fn new(smm: f64, max_months: u32) -> PrepayTable {
        let log_keep = (-smm).ln_1p();
        let thresholds: Vec<u64> = (0..=max_months)
            .map(|t| {
                let share = -(f64::from(t) * log_keep).exp_m1();
                let x = (share * 4_294_967_296.0 - 0.5).ceil();
                if x.is_nan() {
                    0
                } else {
                    x.clamp(0.0, 4_294_967_296.0) as u64
                }
            })
            .collect();
        let start = (0..(1u64 << (32 - PREPAY_INDEX_SHIFT)))
            .map(|cell| {
                let low = cell << PREPAY_INDEX_SHIFT;
                // smallest t ≥ 1 with low < thr[t]; months cap at 255 in the table
                (1..=max_months as usize)
                    .find(|&t| low < thresholds[t])
                    .unwrap_or(max_months as usize)
                    .min(255) as u8
            })
            .collect();
        PrepayTable { thresholds, start }
    }

    /// `thr[months − 1]`: prepaying before maturity means `W` below this.
    fn before_maturity(&self, months: u32) -> u64 {
        self.thresholds[months.saturating_sub(1) as usize]
    }

    /// The prepayment month of a draw `W = !k_p` known to prepay before maturity
    /// (`W < thr[months − 1]`, so the scan stops by `months − 1`).
    #[inline]
    fn month(&self, w: u32) -> u32 {
        let mut t = usize::from(self.start[(w >> PREPAY_INDEX_SHIFT) as usize]);
        // the cells are narrower than a month's share of prepayments for ordinary SMMs,
        // so this loop runs zero or one time
        while self.thresholds[t] <= u64::from(w) {
            t += 1;
        }
        t as u32
    }
}

/// One column of the Walker–Vose alias table over the purchase templates, holding what a
/// purchase needs for its pick, its mass and its event test for both the column's own
/// template (side 0) and its alias (side 1) in 32 bytes, one cache line: the picks of a
/// month land at random places in a table as long as the pool. What a template shares with
/// its purchase schedule is in [`PurchaseSlot`].
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct AliasColumn {
    balance: [f64; 2],
    /// The alias's template (the column's own is the column's index).
    alias: u32,
    /// Keep the column's own template when the low 32 bits of the draw are below this.
    keep_below: u32,
    /// Threshold-grid cell (segment offset included).
    cell: [u16; 2],
    /// Purchase-schedule slot (cohort within the month's purchases).
    slot: [u16; 2],
}

impl AliasColumn {
    /// The template of side `side` of column `column` (this one).
    #[inline]
    fn template(&self, column: usize, side: usize) -> usize {
        [column, self.alias as usize][side]
    }
}

/// What every purchase template on one schedule with one fee rate shares (the term fixes
/// the prepayment rate).
#[derive(Debug, Clone, Copy, PartialEq)]
struct PurchaseSlot {
    /// Fee per CNY of purchased balance.
    fee_rate: f64,
    /// The schedule's cohort within a month's purchases.
    cohort: u16,
    /// Largest 32-bit prepayment draw with no prepayment before maturity.
    keep_until_maturity: u32,
    /// Event-table index of the slot's cohort at age 1, relative to the month's first
    /// purchase cohort.
    event_base: u32,
    life_months: u8,
    prepay_class: u8,
}

/// Collects `items` into a vector the kernel is asked to back with 2 MiB pages where it can:
/// purchases read the alias table at random places, and with 4 KiB pages most of those
/// reads would first miss the TLB.
fn huge_page_vec<T>(items: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    let mut vec: Vec<T> = Vec::with_capacity(items.len());
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let start = vec.as_mut_ptr() as usize;
        let end = start + vec.capacity() * std::mem::size_of::<T>();
        // madvise wants a page-aligned start; huge pages then back the aligned 2 MiB
        // stretches inside
        let aligned_start = start.div_ceil(PAGE) * PAGE;
        if end > aligned_start + (2 << 20) {
            // SAFETY: advice on memory this vector owns (page-aligned inside its
            // allocation); it changes no contents, and a refusal only means no huge pages.
            unsafe {
                libc::madvise(
                    aligned_start as *mut libc::c_void,
                    end - aligned_start,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    vec.extend(items);
    vec
}

/// Walker–Vose alias table (probability ∝ weight).
#[derive(Debug, Clone)]
struct AliasTable {
    columns: Vec<AliasColumn>,
}

impl AliasTable {
    /// The alias table; `entry(i)` gives template `i`'s balance, cell and slot.
    fn new(weights: &[f64], entry: impl Fn(usize) -> (f64, u16, u16)) -> AliasTable {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut probability = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            probability[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        let columns = huge_page_vec((0..n).map(|i| {
            // P(keep) = probability: the centred 32-bit uniform (k + ½)/2³² is below it
            // for k < probability × 2³² − ½; a column kept with certainty (2³² does
            // not fit in 32 bits) is its own alias instead
            let keep = (probability[i] * 4_294_967_296.0 - 0.5).ceil().max(0.0);
            let (other, keep_below) = if keep >= 4_294_967_296.0 {
                (i, u32::MAX)
            } else {
                (alias[i] as usize, keep as u32)
            };
            let (b0, c0, s0) = entry(i);
            let (b1, c1, s1) = entry(other);
            AliasColumn {
                balance: [b0, b1],
                alias: other as u32,
                keep_below,
                cell: [c0, c1],
                slot: [s0, s1],
            }
        }));
        AliasTable { columns }
    }

    /// The column a draw lands in (high 32 bits).
    #[inline]
    fn column(&self, bits: u64) -> usize {
        (((bits >> 32) * self.columns.len() as u64) >> 32) as usize
    }

    /// 0 for the column's own template, 1 for its alias (low 32 bits).
    #[inline]
    fn side(column: &AliasColumn, bits: u64) -> usize {
        usize::from(bits as u32 >= column.keep_below)
    }

    #[cfg(test)]
    fn sample(&self, bits: u64) -> usize {
        let column = self.column(bits);
        let c = &self.columns[column];
        c.template(column, Self::side(c, bits))
    }
}

/// Asks the CPU to start loading `value` into cache (a no-op off x86-64).
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (value as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Candidates between the one whose cold data is prefetched and the one processed.
const CANDIDATE_PREFETCH_DISTANCE: usize = 8;

/// Purchases whose alias draws are made (and columns prefetched) together.
const PICK_BATCH: usize = 32;

/// `⌈b · 2³² − ½⌉`: the 32-bit draws `k` with `(k + ½)/2³² < b` are exactly `k` below it.
fn draws_below(b: f64) -> u64 {
    (b * 4_294_967_296.0 - 0.5)
        .ceil()
        .clamp(0.0, 4_294_967_296.0) as u64
}

/// Everything about the pool that is the same in every path, precomputed once.
#[derive(Debug, Clone)]
pub struct StochasticPool<'p> {
    pub pool: &'p Pool,
    pub factors: FactorModel,
    horizon_months: u32,
    revolving_months: u32,
    recovery_rate: f64,
    recovery_lag_months: u32,
    yield_haircut: f64,
    /// Upper edge of each grid cell, in threshold units.
    grid_upper: Vec<f64>,
    /// `Φ⁻¹(j / MONTH_TABLE_CELLS)` for `j = 0..=MONTH_TABLE_CELLS`.
    month_grid_quantiles: Vec<f64>,
    latent: LatentBounds,
    prepay_tables: Vec<PrepayTable>,
    asset_hot: HotTable,
    asset_cold: Vec<ColdReceivable>,
    /// `12 / −ln(1 − p)` of each purchase template (the rest of its cold data is its
    /// slot's and its cell's).
    template_months_per_hazard: Vec<f64>,
    purchase_slots: Vec<PurchaseSlot>,
    alias: AliasTable,
    /// Cut-off cohorts: schedule and starting balance and fee masses.
    cutoff_cohorts: Vec<(usize, f64, f64)>,
    /// Schedules purchases can have, one cohort per schedule and purchase month.
    purchase_schedules: Vec<usize>,
    /// The pool's asset index of each cut-off receivable, in the order they draw.
    draw_order: Vec<usize>,
}

/// A receivable's parameters before they are split into hot and cold data.
#[derive(Clone)]
struct Prepared {
    threshold: f64,
    cold: ColdReceivable,
    keep_until_maturity: u32,
}

impl<'p> StochasticPool<'p> {
    /// Precomputes thresholds, grid cells, prepayment tables and the purchase alias table.
    pub fn new(
        pool: &'p Pool,
        assumptions: &Assumptions,
        horizon_months: u32,
        revolving_months: u32,
    ) -> Self {
        let factors = FactorModel::new(assumptions);
        // the per-path tables are per factor segment
        let factor_segment = |segment: usize| {
            if assumptions.segments.is_some() {
                segment
            } else {
                0
            }
        };
        let months_of = |schedule: usize| pool.schedules.get(schedule).months();
        let mut cutoff_slot_of = HashMap::new();
        let mut cutoff_cohorts: Vec<(usize, f64, f64)> = Vec::new();
        let mut purchase_slot_of = HashMap::new();
        let mut purchase_schedules = Vec::new();
        let asset_slots: Vec<usize> = pool
            .assets
            .iter()
            .map(|a| {
                let slot = *cutoff_slot_of.entry(a.schedule).or_insert_with(|| {
                    cutoff_cohorts.push((a.schedule, 0.0, 0.0));
                    cutoff_cohorts.len() - 1
                });
                cutoff_cohorts[slot].1 += a.balance;
                cutoff_cohorts[slot].2 += a.monthly_fee;
                slot
            })
            .collect();
        let template_slots: Vec<usize> = pool
            .templates
            .iter()
            .map(|t| {
                *purchase_slot_of.entry(t.schedule).or_insert_with(|| {
                    purchase_schedules.push(t.schedule);
                    purchase_schedules.len() - 1
                })
            })
            .collect();
        // event-table offsets, in the order `scratch` adds the cohorts to the book
        let prefix = |schedules: &mut dyn Iterator<Item = usize>| -> Vec<u32> {
            let mut at = 0u32;
            schedules
                .map(|s| {
                    let offset = at;
                    at += months_of(s);
                    offset
                })
                .collect()
        };
        let cutoff_offsets = prefix(&mut cutoff_cohorts.iter().map(|c| c.0));
        let purchase_offsets = prefix(&mut purchase_schedules.iter().copied());

        let max_months = pool
            .assets
            .iter()
            .map(|a| a.schedule)
            .chain(pool.templates.iter().map(|t| t.schedule))
            .map(months_of)
            .max()
            .unwrap_or(1)
            .max(1);
        assert!(
            max_months <= 255,
            "schedules longer than 255 months are not supported"
        );
        let mut prepay_classes: Vec<u64> = Vec::new();
        let mut prepay_tables = Vec::new();
        let mut prepare = |pd: f64,
                           cpr: f64,
                           life: u32,
                           months: u32,
                           balance: f64,
                           fee: f64,
                           event_base: u32,
                           segment: usize| {
            let p = stressed_pd(pd, assumptions.pd_multiplier);
            let smm = smm_from_cpr(cpr);
            let class = match prepay_classes.iter().position(|&c| c == smm.to_bits()) {
                Some(class) => class,
                None => {
                    prepay_classes.push(smm.to_bits());
                    prepay_tables.push(PrepayTable::new(smm, max_months));
                    prepay_classes.len() - 1
                }
            };
            let before_maturity: u64 = prepay_tables[class].before_maturity(months);
            Prepared {
                threshold: normal_quantile(cumulative_default_probability(p, f64::from(life))),
                cold: ColdReceivable {
                    months_per_hazard: -12.0 / (-p).ln_1p(),
                    balance,
                    monthly_fee: fee,
                    event_base,
                    life_months: life as u8,
                    prepay_class: u8::try_from(class).expect("at most 256 prepayment rates"),
                    segment: segment as u16,
                },
                // prepays iff W = 2³² − 1 − k_p < thr[months − 1]; thr = 2³² (SMM ≈ 1)
                // is kept at 2³² − 1, as before
                keep_until_maturity: (4_294_967_295u64.saturating_sub(before_maturity)) as u32,
            }
        };
        let assets: Vec<Prepared> = pool
            .assets
            .iter()
            .zip(&asset_slots)
            .map(|(a, &slot)| {
                let months = months_of(a.schedule);
                prepare(
                    a.pd_12m,
                    a.annual_cpr,
                    months.min(horizon_months),
                    months,
                    a.balance,
                    a.monthly_fee,
                    cutoff_offsets[slot],
                    factor_segment(a.segment),
                )
            })
            .collect();
        let templates: Vec<Prepared> = pool
            .templates
            .iter()
            .zip(&template_slots)
            .map(|(t, &slot)| {
                let months = months_of(t.schedule);
                // templates carry their fee per CNY of purchased balance in `monthly_fee`
                prepare(
                    t.pd_12m,
                    t.annual_cpr,
                    months,
                    months,
                    t.balance,
                    t.fee_rate,
                    purchase_offsets[slot],
                    factor_segment(t.segment),
                )
            })
            .collect();

        let (low, high) = assets
            .iter()
            .chain(&templates)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r.threshold), hi.max(r.threshold))
            });
        let width = ((high - low) / THRESHOLD_GRID_CELLS as f64).max(1e-12);
        let grid_upper: Vec<f64> = (1..=THRESHOLD_GRID_CELLS)
            .map(|k| low + width * k as f64)
            .collect();
        let cell_of = |r: &Prepared| {
            let mut cell = (((r.threshold - low) / width) as usize).min(THRESHOLD_GRID_CELLS - 1);
            while r.threshold > grid_upper[cell] && cell + 1 < THRESHOLD_GRID_CELLS {
                cell += 1;
            }
            (usize::from(r.cold.segment) * THRESHOLD_GRID_CELLS + cell) as u32
        };
        // The cut-off receivables in the order of their cohort and grid cell: consecutive
        // candidates then record their events in nearby entries of the event table.
        let mut order: Vec<usize> = (0..assets.len()).collect();
        let keys: Vec<(usize, u32)> = (0..assets.len())
            .map(|i| (asset_slots[i], cell_of(&assets[i])))
            .collect();
        order.sort_unstable_by_key(|&i| (keys[i], i));
        let assets: Vec<Prepared> = order.iter().map(|&i| assets[i].clone()).collect();
        let asset_hot = HotTable::new(
            assets
                .iter()
                .map(|r| HotReceivable {
                    cell: cell_of(r),
                    keep_until_maturity: r.keep_until_maturity,
                })
                .collect(),
            factors.loadings.len() * THRESHOLD_GRID_CELLS,
        );
        // purchase slots: templates that share a schedule (cohort) and a fee rate
        let mut slot_of = HashMap::new();
        let mut purchase_slots: Vec<PurchaseSlot> = Vec::new();
        let mut slot_by_template = Vec::with_capacity(templates.len());
        for (r, &cohort) in templates.iter().zip(&template_slots) {
            let shared = PurchaseSlot {
                fee_rate: r.cold.monthly_fee,
                cohort: u16::try_from(cohort).expect("at most 65,536 purchase schedules"),
                keep_until_maturity: r.keep_until_maturity,
                event_base: r.cold.event_base,
                life_months: r.cold.life_months,
                prepay_class: r.cold.prepay_class,
            };
            let slot = *slot_of
                .entry((cohort, r.cold.monthly_fee.to_bits()))
                .or_insert_with(|| {
                    purchase_slots.push(shared);
                    purchase_slots.len() - 1
                });
            // the schedule fixes the product and term, and so the prepayment rate (by term)
            // and the life
            assert_eq!(
                purchase_slots[slot], shared,
                "purchase templates on one schedule differ"
            );
            slot_by_template.push(slot);
        }
        let weights: Vec<f64> = pool.templates.iter().map(|t| t.weight).collect();
        let alias = AliasTable::new(&weights, |i| {
            let r = &templates[i];
            (
                r.cold.balance,
                u16::try_from(cell_of(r)).expect("at most 64 factor segments"),
                u16::try_from(slot_by_template[i])
                    .expect("at most 65,536 (schedule, fee rate) combinations"),
            )
        });
        let month_grid_quantiles = (0..=MONTH_TABLE_CELLS)
            .map(|j| normal_quantile(j as f64 / MONTH_TABLE_CELLS as f64))
            .collect();
        StochasticPool {
            pool,
            factors,
            horizon_months,
            revolving_months,
            recovery_rate: assumptions.recovery_rate,
            recovery_lag_months: assumptions.recovery_lag_months,
            yield_haircut: assumptions.yield_haircut,
            grid_upper,
            month_grid_quantiles,
            latent: LatentBounds::new(),
            prepay_tables,
            asset_hot,
            asset_cold: assets.iter().map(|r| r.cold).collect(),
            template_months_per_hazard: templates
                .iter()
                .map(|r| r.cold.months_per_hazard)
                .collect(),
            purchase_slots,
            alias,
            cutoff_cohorts,
            purchase_schedules,
            draw_order: order,
        }
    }

    /// The pool's asset index of each cut-off receivable in the order they take their
    /// draws (receivable at position `i` draws from lane `i mod 4`): by cohort, then
    /// threshold-grid cell, then tape order.
    pub fn draw_order(&self) -> &[usize] {
        &self.draw_order
    }

    /// Receivables in the closing pool.
    pub fn receivables(&self) -> usize {
        self.asset_hot.len()
    }

    /// A fresh scratch space for paths of this pool (reuse it across paths).
    pub fn scratch(&self) -> PathScratch<'p> {
        let mut book = CohortBook::new(&self.pool.schedules);
        for &(schedule, _, _) in &self.cutoff_cohorts {
            book.add_cohort(schedule, 0);
        }
        let mut purchase_event_index = vec![0];
        for month in 1..=self.revolving_months {
            for (slot, &schedule) in self.purchase_schedules.iter().enumerate() {
                let cohort = book.add_cohort(schedule, month);
                if slot == 0 {
                    purchase_event_index.push(book.event_index(cohort) as u32);
                }
            }
        }
        let segments = self.factors.loadings.len();
        PathScratch {
            book,
            recoveries: Recoveries::new(
                self.recovery_rate,
                self.recovery_lag_months,
                self.horizon_months,
            ),
            bound_table: vec![0; segments * THRESHOLD_GRID_CELLS],
            month_bounds: vec![[0.0; 2]; segments * MONTH_TABLE_CELLS],
            offsets: vec![(0.0, 1.0); segments],
            purchase_event_index,
            slot_mass: vec![(0.0, 0.0); self.purchase_schedules.len()],
            w: vec![0.0; self.factors.dimension()],
            z: vec![0.0; segments],
        }
    }

    /// Starts path `path`: draws its factors from `sampling` and the cut-off receivables'
    /// events. Returns the path's collateral and the factors' likelihood ratio.
    pub fn start_path<'s>(
        &'s self,
        scratch: &'s mut PathScratch<'p>,
        seed: u64,
        path: u64,
        sampling: &FactorSampling,
    ) -> (PathCollateral<'s, 'p>, f64) {
        let key = path_key(seed, path);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(key);
        let ratio = sampling.sample(&mut rng, &mut scratch.w);
        self.factors.segment_factors(&scratch.w, &mut scratch.z);
        (self.start_path_from_factors(scratch, rng, key, None), ratio)
    }

    /// As [`StochasticPool::start_path`], writing into `log` what a [`ReplayCollateral`]
    /// needs to replay the path under another structure.
    pub fn start_path_logged<'s>(
        &'s self,
        scratch: &'s mut PathScratch<'p>,
        seed: u64,
        path: u64,
        sampling: &FactorSampling,
        log: &'s mut PathLog,
    ) -> (PathCollateral<'s, 'p>, f64) {
        let key = path_key(seed, path);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(key);
        let ratio = sampling.sample(&mut rng, &mut scratch.w);
        self.factors.segment_factors(&scratch.w, &mut scratch.z);
        log.clear(self.horizon_months);
        (
            self.start_path_from_factors(scratch, rng, key, Some(log)),
            ratio,
        )
    }

    /// Starts path (`seed`, `path`) with given independent factor normals `w` instead of
    /// drawn ones (for pilot runs and tests); the path's stream still gives the receivables'
    /// draws.
    pub fn start_path_with_factors<'s>(
        &'s self,
        scratch: &'s mut PathScratch<'p>,
        seed: u64,
        path: u64,
        w: &[f64],
    ) -> PathCollateral<'s, 'p> {
        let key = path_key(seed, path);
        self.factors.segment_factors(w, &mut scratch.z);
        self.start_path_from_factors(scratch, Xoshiro256PlusPlus::seed_from_u64(key), key, None)
    }

    /// Starts a path whose segment factors are in `scratch.z`: the per-path tables, then
    /// the cut-off receivables' events.
    fn start_path_from_factors<'s>(
        &'s self,
        scratch: &'s mut PathScratch<'p>,
        mut rng: Xoshiro256PlusPlus,
        key: u64,
        log: Option<&'s mut PathLog>,
    ) -> PathCollateral<'s, 'p> {
        scratch.book.reset();
        scratch.recoveries.reset();
        self.fill_path_tables(scratch);
        for (cohort, &(_, balance, fee)) in self.cutoff_cohorts.iter().enumerate() {
            scratch.book.add_mass(cohort, balance, fee);
        }
        // Chunks of receivables: first every draw and its quick test, noting the few
        // receivables that may have an event (four at a time, no call and no branch), then
        // those receivables' events. Receivable i draws from lane i mod 4 of four streams
        // seeded from the path's stream.
        let mut lanes = Xoshiro256PlusPlusX4::from_rng(&mut rng);
        let mut screened = Screened::default();
        let mut pending = PendingEvent::default();
        for (chunk, colds) in self
            .asset_hot
            .chunks()
            .zip(self.asset_cold.chunks(SCREEN_CHUNK))
        {
            let found = lanes.screen(chunk, &scratch.bound_table, &mut screened);
            let hots = chunk.as_slice();
            for k in 0..found {
                // the candidates' cold data is scattered: ask for it a few candidates ahead
                // (stale entries past the last candidate only cost a useless prefetch)
                let ahead = screened.index[(k + CANDIDATE_PREFETCH_DISTANCE) % SCREEN_CHUNK];
                prefetch(&colds[(ahead as usize).min(colds.len() - 1)]);
                let (i, bits) = (screened.index[k] as usize, screened.bits[k]);
                let (hot, cold) = (hots[i], &colds[i]);
                let candidate = Candidate {
                    bits,
                    may_default: (bits >> 32) < scratch.bound_table[hot.cell as usize],
                    may_prepay: bits as u32 > hot.keep_until_maturity,
                    start: 0,
                    event_index: cold.event_base as usize,
                    balance: cold.balance,
                    fee: cold.monthly_fee,
                };
                if let Some(event) = self.resolve_event(scratch, cold, &candidate) {
                    pending.add(&mut scratch.book, event, candidate.balance, candidate.fee);
                }
            }
        }
        pending.flush(&mut scratch.book);
        PathCollateral {
            model: self,
            scratch,
            key,
            log,
            purchased: 0,
            sold: false,
            last_end_balance: 0.0,
        }
    }

    /// Replays a logged path (`seed`, `path`, drawn from `sampling` as when it was logged)
    /// for another structure of the same deal: see [`ReplayCollateral`].
    pub fn replay_path<'s>(
        &'s self,
        scratch: &'s mut PathScratch<'p>,
        seed: u64,
        path: u64,
        sampling: &'s FactorSampling,
        log: &'s PathLog,
    ) -> ReplayCollateral<'s, 'p> {
        scratch.recoveries.reset();
        ReplayCollateral {
            model: self,
            scratch,
            seed,
            path,
            sampling,
            log,
            state: ReplayState::Recorded,
            first_delta_cohort: usize::MAX,
            last_purchase_month: 0,
            sold: false,
            last_end_balance: 0.0,
        }
    }

    /// The per-path tables of every segment: the lifetime-default bound at each threshold
    /// grid edge (as 32-bit draw counts) and the default-month table.
    ///
    /// The default-month table: with `a = √ρ Z`, `b = √(1 − ρ)`, a receivable with default
    /// uniform `U` has `X = a + b Φ⁻¹(U)` and cumulative hazard at default
    /// `S(U) = −ln(1 − Φ(X))`, increasing in `U`; it defaults in month
    /// `⌊S(U) · 12 / −ln(1 − p)⌋ + 1` if that is within its life (SPEC §4.1:
    /// `Φ(X) < F(t) ⟺ S(U) < t · (−ln(1 − p))/12`). The table brackets `S` on each cell
    /// `[j, j + 1) / 2^MONTH_TABLE_BITS` of `U`, so a draw's month lies between the months
    /// of its cell's bracket; only when those differ is `S(U)` computed.
    ///
    /// Both tables hold bounds from [`LatentBounds`] rather than exact values: they only
    /// ever decide which draws need a closer look, so the path is the same.
    fn fill_path_tables(&self, scratch: &mut PathScratch<'_>) {
        for (s, &(sqrt_rho, sqrt_one_minus_rho)) in self.factors.loadings.iter().enumerate() {
            let offset = sqrt_rho * scratch.z[s];
            scratch.offsets[s] = (offset, sqrt_one_minus_rho);
            let table =
                &mut scratch.bound_table[s * THRESHOLD_GRID_CELLS..(s + 1) * THRESHOLD_GRID_CELLS];
            let mut largest = 0.0;
            for (bound, &upper) in table.iter_mut().zip(&self.grid_upper) {
                let b = self.latent.cdf_upper((upper - offset) / sqrt_one_minus_rho);
                largest = b;
                *bound = draws_below(b);
            }
            // draws at or above the largest bound never default: their cells are not needed
            let needed =
                ((largest * MONTH_TABLE_CELLS as f64).ceil() as usize + 1).min(MONTH_TABLE_CELLS);
            let cells =
                &mut scratch.month_bounds[s * MONTH_TABLE_CELLS..s * MONTH_TABLE_CELLS + needed];
            let hazard_at = |q: f64| self.latent.hazard_bounds(offset + sqrt_one_minus_rho * q);
            let mut lower_edge = hazard_at(self.month_grid_quantiles[0]);
            for (cell, &q) in cells.iter_mut().zip(&self.month_grid_quantiles[1..]) {
                let upper_edge = hazard_at(q);
                *cell = [f32_at_most(lower_edge.0), f32_at_least(upper_edge.1)];
                lower_edge = upper_edge;
            }
        }
    }

    /// Resolves and records the event of a receivable whose draw passed a quick test.
    #[inline(never)]
    fn record_event(&self, scratch: &mut PathScratch<'_>, cold: &ColdReceivable, c: Candidate) {
        if let Some(event) = self.resolve_event(scratch, cold, &c) {
            scratch
                .book
                .add_event_at(event.index, event.prepaid, c.balance, c.fee);
        }
    }

    /// The event of a receivable whose draw passed a quick test, if it falls within the
    /// horizon.
    #[inline(always)]
    fn resolve_event(
        &self,
        scratch: &PathScratch<'_>,
        cold: &ColdReceivable,
        c: &Candidate,
    ) -> Option<Event> {
        let life = u32::from(cold.life_months);
        let mut age = u32::MAX;
        let mut prepaid = false;
        if c.may_default {
            let months = self.months_before_default(scratch, cold, (c.bits >> 32) as u32, life);
            if months < life {
                age = months + 1;
            }
        }
        if c.may_prepay {
            let t = self.prepay_tables[usize::from(cold.prepay_class)].month(!(c.bits as u32));
            // a default in the same month comes first (SPEC §4.3)
            if t < age {
                age = t;
                prepaid = true;
            }
        }
        (age <= self.horizon_months - c.start).then(|| Event {
            index: c.event_index + age as usize - 1,
            prepaid,
        })
    }

    /// `⌊S(U) · months_per_hazard⌋` capped at `life` (`life` = no default within the
    /// life), from the path's default-month table; exact `S(U)` only when the cell's edges
    /// disagree.
    #[inline]
    fn months_before_default(
        &self,
        scratch: &PathScratch<'_>,
        cold: &ColdReceivable,
        draw: u32,
        life: u32,
    ) -> u32 {
        let segment = usize::from(cold.segment);
        let j = (draw >> (32 - MONTH_TABLE_BITS)) as usize;
        let [lower, upper] = scratch.month_bounds[segment * MONTH_TABLE_CELLS + j];
        // `as u32` saturates (∞ → u32::MAX) and floors non-negative values
        let low = ((f64::from(lower) * cold.months_per_hazard) as u32).min(life);
        let high = ((f64::from(upper) * cold.months_per_hazard) as u32).min(life);
        if low == high {
            return low;
        }
        let (offset, scale) = scratch.offsets[segment];
        let hazard = cumulative_hazard(offset + scale * normal_quantile(centred_uniform(draw)));
        ((hazard * cold.months_per_hazard) as u32).clamp(low, high)
    }
}

/// Where an event goes: the book's event-table index and whether it is a prepayment.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Event {
    index: usize,
    prepaid: bool,
}

/// Consecutive events that go to the same place, summed before they reach the book: in
/// cohort order many cut-off candidates share their event, and adding each to the table
/// would make a chain of dependent updates of one entry.
#[derive(Debug, Default)]
struct PendingEvent {
    event: Option<Event>,
    balance: f64,
    fee: f64,
}

impl PendingEvent {
    #[inline(always)]
    fn add(&mut self, book: &mut CohortBook<'_>, event: Event, balance: f64, fee: f64) {
        if self.event == Some(event) {
            self.balance += balance;
            self.fee += fee;
        } else {
            self.flush(book);
            *self = PendingEvent {
                event: Some(event),
                balance,
                fee,
            };
        }
    }

    #[inline(always)]
    fn flush(&mut self, book: &mut CohortBook<'_>) {
        if let Some(event) = self.event.take() {
            book.add_event_at(event.index, event.prepaid, self.balance, self.fee);
        }
    }
}

/// A receivable whose draw passed a quick test, and where its event would be recorded.
struct Candidate {
    bits: u64,
    /// The default uniform is below the lifetime bound of the receivable's grid cell.
    may_default: bool,
    /// The prepayment draw prepays before maturity.
    may_prepay: bool,
    /// Month of purchase (0: cut-off pool).
    start: u32,
    /// Event-table index of the receivable's cohort at age 1.
    event_index: usize,
    balance: f64,
    fee: f64,
}

/// `S = −ln(1 − Φ(x)) = −ln Φ(−x)`: the cumulative hazard at which a latent `x` defaults.
#[inline]
fn cumulative_hazard(x: f64) -> f64 {
    -normal_cdf(-x).ln()
}

/// Per-thread working memory for paths: the cohort book, recoveries, the per-path tables
/// and factor values.
#[derive(Debug, Clone)]
pub struct PathScratch<'p> {
    book: CohortBook<'p>,
    recoveries: Recoveries,
    /// Lifetime-default bounds per threshold grid cell, as counts of 32-bit draws below.
    bound_table: Vec<u64>,
    /// Per cell of the default-month table, per segment: a lower bound of `S` at the
    /// cell's lower edge and an upper bound at its upper edge.
    month_bounds: Vec<[f32; 2]>,
    /// `(√ρ Z, √(1 − ρ))` per segment.
    offsets: Vec<(f64, f64)>,
    /// Event-table index of the first purchase cohort of each month (index 0 unused).
    purchase_event_index: Vec<u32>,
    /// A month's purchased balance and fee masses by purchase cohort (schedule).
    slot_mass: Vec<(f64, f64)>,
    w: Vec<f64>,
    z: Vec<f64>,
}

impl PathScratch<'_> {
    /// The segment factors `Z` of the current path.
    pub fn segment_factors(&self) -> &[f64] {
        &self.z
    }
}

/// Picks between two checkpoints of a logged month's purchases.
pub const CHECKPOINT_PICKS: u32 = 256;

/// What a month's purchases were in a logged path.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct MonthPurchases {
    /// CNY bought (0: none).
    amount: f64,
    /// Picks made; the last one was scaled to what was left of `amount`.
    picks: u32,
    /// CNY bought before the last pick.
    spent_before_last: f64,
    /// Index of the month's first checkpoint in [`PathLog::checkpoints`].
    first_checkpoint: u32,
}

/// What a [`ReplayCollateral`] needs of a path simulated once: the pool's own flows by
/// month (before recoveries, as if never sold) and each month's purchases, with the amount
/// bought before every [`CHECKPOINT_PICKS`]-th pick. A few kilobytes a path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathLog {
    flows: Vec<PoolFlows>,
    purchases: Vec<MonthPurchases>,
    checkpoints: Vec<f64>,
}

impl PathLog {
    fn clear(&mut self, horizon_months: u32) {
        self.flows.clear();
        self.purchases.clear();
        self.purchases
            .resize(horizon_months as usize, MonthPurchases::default());
        self.checkpoints.clear();
    }

    /// Frees the spare capacity (logs are kept for every path).
    pub fn shrink_to_fit(&mut self) {
        self.flows.shrink_to_fit();
        self.purchases.shrink_to_fit();
        self.checkpoints.shrink_to_fit();
    }
}

/// One Monte Carlo path of the pool, as [`Collateral`] for the waterfall.
pub struct PathCollateral<'s, 'p> {
    model: &'s StochasticPool<'p>,
    scratch: &'s mut PathScratch<'p>,
    /// The path's key (for its purchase streams).
    key: u64,
    log: Option<&'s mut PathLog>,
    purchased: usize,
    sold: bool,
    /// Performing balance after the last month collected (what a sale at par pays).
    last_end_balance: f64,
}

impl PathCollateral<'_, '_> {
    /// Receivables bought so far in this path.
    pub fn purchased_receivables(&self) -> usize {
        self.purchased
    }
}

impl Collateral for PathCollateral<'_, '_> {
    fn closing_balance(&self) -> f64 {
        self.model.pool.closing_balance
    }

    fn collect(&mut self, month: u32) -> PoolFlows {
        if self.sold && self.log.is_none() {
            // after a sale the pool pays only recoveries on earlier defaults
            let recoveries = self.scratch.recoveries.record(month, 0.0);
            self.last_end_balance = 0.0;
            return PoolFlows {
                recoveries,
                ..PoolFlows::default()
            };
        }
        let mut flows = self.scratch.book.collect(month);
        flows.interest *= 1.0 - self.model.yield_haircut;
        if let Some(log) = self.log.as_deref_mut() {
            // the log keeps the unsold pool's flows: a replay may sell later
            log.flows.push(flows);
        }
        if self.sold {
            flows = PoolFlows::default();
        }
        flows.recoveries = self.scratch.recoveries.record(month, flows.defaults);
        self.last_end_balance = flows.end_balance;
        flows
    }

    fn purchase(&mut self, month: u32, amount: f64) {
        let model = self.model;
        if self.sold || amount <= 0.0 || month == 0 || month > model.revolving_months {
            return;
        }
        let stream = PurchaseStream::new(self.key, month);
        let first_cohort =
            model.cutoff_cohorts.len() + (month as usize - 1) * model.purchase_schedules.len();
        let event_base = self.scratch.purchase_event_index[month as usize] as usize;
        let columns = &model.alias.columns;
        let mut log = self.log.as_deref_mut();
        let first_checkpoint = log.as_ref().map_or(0, |l| l.checkpoints.len() as u32);
        let mut spent = 0.0;
        let mut candidates = [(0u32, 0u16, 0u16, 0u64, 0.0f64, 0.0f64); PICK_BATCH];
        let mut batch_start: u32 = 0;
        let mut picks = 0;
        let mut spent_before_last = 0.0;
        // Template draws come a batch ahead: a batch's columns are prefetched while the
        // previous batch is processed (each pick's mass and its event draw, noting the
        // picks that may have an event and prefetching their cold data), then those
        // events.
        let draw_batch = |first: u32, batch: &mut [u64; PICK_BATCH]| {
            for (i, bits) in batch.iter_mut().enumerate() {
                *bits = stream.pick_bits(first + i as u32);
                prefetch(&columns[model.alias.column(*bits)]);
            }
        };
        let mut next = [0u64; PICK_BATCH];
        draw_batch(0, &mut next);
        while picks == 0 {
            let batch = next;
            draw_batch(batch_start + PICK_BATCH as u32, &mut next);
            if let Some(log) = log.as_deref_mut()
                && batch_start.is_multiple_of(CHECKPOINT_PICKS)
            {
                log.checkpoints.push(spent);
            }
            let mut found = 0;
            for (i, &pick) in batch.iter().enumerate() {
                let column_index = model.alias.column(pick);
                let column = &columns[column_index];
                let side = AliasTable::side(column, pick);
                let template_balance = column.balance[side];
                // the last purchase is scaled so the month's purchases equal the amount
                let last = spent + template_balance >= amount;
                let balance = if last {
                    amount - spent
                } else {
                    template_balance
                };
                let slot_index = column.slot[side];
                let slot = &model.purchase_slots[usize::from(slot_index)];
                let fee = slot.fee_rate * balance;
                let mass = &mut self.scratch.slot_mass[usize::from(slot.cohort)];
                mass.0 += balance;
                mass.1 += fee;
                let index = batch_start + i as u32;
                let bits = stream.event_bits(index);
                let cell = column.cell[side];
                let may_default = (bits >> 32) < self.scratch.bound_table[usize::from(cell)];
                let may_prepay = bits as u32 > slot.keep_until_maturity;
                let candidate = may_default | may_prepay;
                let template = column.template(column_index, side);
                // found ≤ the pick's position < PICK_BATCH (a power of two): the mask
                // never changes the index
                candidates[found & (PICK_BATCH - 1)] =
                    (template as u32, slot_index, cell, bits, balance, fee);
                found += usize::from(candidate);
                prefetch(&model.template_months_per_hazard[if candidate { template } else { 0 }]);
                if last {
                    picks = index + 1;
                    spent_before_last = spent;
                    break;
                }
                spent += template_balance;
            }
            for &(template, slot, cell, bits, balance, fee) in &candidates[..found] {
                let cold = model.template_cold(template as usize, slot, cell);
                let candidate = Candidate {
                    bits,
                    may_default: (bits >> 32) < self.scratch.bound_table[usize::from(cell)],
                    may_prepay: bits as u32
                        > model.purchase_slots[usize::from(slot)].keep_until_maturity,
                    start: month,
                    event_index: event_base + cold.event_base as usize,
                    balance,
                    fee,
                };
                model.record_event(self.scratch, &cold, candidate);
            }
            batch_start += PICK_BATCH as u32;
        }
        model.flush_slot_masses(self.scratch, first_cohort);
        self.purchased += picks as usize;
        if let Some(log) = log {
            log.purchases[month as usize - 1] = MonthPurchases {
                amount,
                picks,
                spent_before_last,
                first_checkpoint,
            };
        }
    }

    fn sell_performing(&mut self, _month: u32) -> f64 {
        // the sale follows the month's collection, before any purchase in it
        self.sold = true;
        self.last_end_balance
    }
}

impl StochasticPool<'_> {
    /// A purchase template's cold data, from its own default rate, its slot and its cell
    /// (balance and fee come with the pick).
    #[inline]
    fn template_cold(&self, template: usize, slot: u16, cell: u16) -> ColdReceivable {
        let shared = &self.purchase_slots[usize::from(slot)];
        ColdReceivable {
            months_per_hazard: self.template_months_per_hazard[template],
            balance: 0.0,
            monthly_fee: 0.0,
            event_base: shared.event_base,
            life_months: shared.life_months,
            prepay_class: shared.prepay_class,
            segment: cell / THRESHOLD_GRID_CELLS as u16,
        }
    }

    /// Moves a month's purchased masses from the slot accumulators into the book.
    fn flush_slot_masses(&self, scratch: &mut PathScratch<'_>, first_cohort: usize) {
        for (slot, mass) in scratch.slot_mass.iter_mut().enumerate() {
            if mass.0 != 0.0 || mass.1 != 0.0 {
                scratch.book.add_mass(first_cohort + slot, mass.0, mass.1);
                *mass = (0.0, 0.0);
            }
        }
    }

    /// Adds to the book the difference between a logged month's purchases and buying
    /// `target` instead: pick by pick, the balance the target buys minus the balance the
    /// log bought, with the pick's own event. Only the picks where the two differ are
    /// drawn: from the last logged pick when buying more, from the checkpoint before the
    /// target when buying less.
    fn purchase_difference(
        &self,
        scratch: &mut PathScratch<'_>,
        stream: PurchaseStream,
        month: u32,
        logged: &MonthPurchases,
        checkpoints: &[f64],
        target: f64,
    ) {
        let columns = &self.alias.columns;
        let first_cohort =
            self.cutoff_cohorts.len() + (month as usize - 1) * self.purchase_schedules.len();
        let event_base = scratch.purchase_event_index[month as usize] as usize;
        let logged_picks = logged.picks;
        let (mut k, mut spent) = if logged_picks > 0 && target >= logged.amount {
            (logged_picks - 1, logged.spent_before_last)
        } else if target <= 0.0 || logged_picks == 0 {
            (0, 0.0)
        } else {
            let month_checkpoints = &checkpoints[logged.first_checkpoint as usize
                ..(logged.first_checkpoint + (logged_picks - 1) / CHECKPOINT_PICKS + 1) as usize];
            // the last checkpoint below the target (the first is 0 < target)
            let c = month_checkpoints.partition_point(|&s| s < target) - 1;
            (c as u32 * CHECKPOINT_PICKS, month_checkpoints[c])
        };
        let mut buying = target > 0.0;
        while buying || k < logged_picks {
            let pick = stream.pick_bits(k);
            let column_index = self.alias.column(pick);
            let column = &columns[column_index];
            let side = AliasTable::side(column, pick);
            let template_balance = column.balance[side];
            let logged_balance = if k + 1 < logged_picks {
                template_balance
            } else if k + 1 == logged_picks {
                logged.amount - logged.spent_before_last
            } else {
                0.0
            };
            let target_balance = if !buying {
                0.0
            } else if spent + template_balance >= target {
                buying = false;
                target - spent
            } else {
                template_balance
            };
            let difference = target_balance - logged_balance;
            if difference != 0.0 {
                let (slot_index, cell) = (column.slot[side], column.cell[side]);
                let slot = &self.purchase_slots[usize::from(slot_index)];
                let fee = slot.fee_rate * difference;
                let mass = &mut scratch.slot_mass[usize::from(slot.cohort)];
                mass.0 += difference;
                mass.1 += fee;
                let bits = stream.event_bits(k);
                let may_default = (bits >> 32) < scratch.bound_table[usize::from(cell)];
                let may_prepay = bits as u32 > slot.keep_until_maturity;
                if may_default || may_prepay {
                    let template = column.template(column_index, side);
                    let cold = &self.template_cold(template, slot_index, cell);
                    let candidate = Candidate {
                        bits,
                        may_default,
                        may_prepay,
                        start: month,
                        event_index: event_base + cold.event_base as usize,
                        balance: difference,
                        fee,
                    };
                    self.record_event(scratch, cold, candidate);
                }
            }
            spent += template_balance;
            k += 1;
        }
        self.flush_slot_masses(scratch, first_cohort);
    }
}

/// Where a replay stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ReplayState {
    /// Every purchase so far equals the log's: the logged flows are the path's flows.
    Recorded,
    /// A purchase differed: the book holds the differences (the path's tables are set).
    Differing,
}

/// A logged path replayed for another structure of the same deal: the logged flows, plus
/// the flows of the purchases by which this structure's differ from the log's (drawn from
/// the same purchase streams, so the path is the one a full simulation would give), and its
/// own sale. Exact up to the rounding of the sums: replaying the logged structure gives the
/// logged path bit for bit.
pub struct ReplayCollateral<'s, 'p> {
    model: &'s StochasticPool<'p>,
    scratch: &'s mut PathScratch<'p>,
    seed: u64,
    path: u64,
    sampling: &'s FactorSampling,
    log: &'s PathLog,
    state: ReplayState,
    /// First cohort the differences touched (to clear after the path).
    first_delta_cohort: usize,
    /// Last month with a purchase.
    last_purchase_month: u32,
    sold: bool,
    last_end_balance: f64,
}

impl ReplayCollateral<'_, '_> {
    /// Whether this structure's purchases differed from the log's.
    pub fn differed(&self) -> bool {
        self.state == ReplayState::Differing
    }

    /// Buys `target` instead of the log's purchases in `month`.
    fn differ(&mut self, month: u32, target: f64) {
        let model = self.model;
        if self.state == ReplayState::Recorded {
            // the path's factors and tables, as when it was simulated
            let mut rng = path_rng(self.seed, self.path);
            self.sampling.sample(&mut rng, &mut self.scratch.w);
            model
                .factors
                .segment_factors(&self.scratch.w, &mut self.scratch.z);
            model.fill_path_tables(self.scratch);
            self.state = ReplayState::Differing;
        }
        let first_cohort =
            model.cutoff_cohorts.len() + (month as usize - 1) * model.purchase_schedules.len();
        self.first_delta_cohort = self.first_delta_cohort.min(first_cohort);
        let stream = PurchaseStream::new(path_key(self.seed, self.path), month);
        model.purchase_difference(
            self.scratch,
            stream,
            month,
            &self.log.purchases[month as usize - 1],
            &self.log.checkpoints,
            target,
        );
    }
}

impl Drop for ReplayCollateral<'_, '_> {
    fn drop(&mut self) {
        // leave the scratch book empty for the next replay
        if self.state == ReplayState::Differing {
            self.scratch.book.reset_from(self.first_delta_cohort);
        }
    }
}

impl Collateral for ReplayCollateral<'_, '_> {
    fn closing_balance(&self) -> f64 {
        self.model.pool.closing_balance
    }

    fn collect(&mut self, month: u32) -> PoolFlows {
        let previous = month - 1;
        if !self.sold
            && previous >= 1
            && self.last_purchase_month != previous
            && self.log.purchases[previous as usize - 1].amount > 0.0
        {
            // the log bought in the previous month and this structure did not
            self.differ(previous, 0.0);
        }
        let mut flows = if self.sold {
            PoolFlows::default()
        } else {
            self.log.flows[month as usize - 1]
        };
        if self.state == ReplayState::Differing && !self.sold {
            let d = self.scratch.book.collect(month);
            flows.begin_balance += d.begin_balance;
            flows.defaults += d.defaults;
            flows.interest += d.interest * (1.0 - self.model.yield_haircut);
            flows.scheduled_principal += d.scheduled_principal;
            flows.prepayments += d.prepayments;
            flows.end_balance += d.end_balance;
        }
        flows.recoveries = self.scratch.recoveries.record(month, flows.defaults);
        self.last_end_balance = flows.end_balance;
        flows
    }

    fn purchase(&mut self, month: u32, amount: f64) {
        if self.sold || amount <= 0.0 || month == 0 || month > self.model.revolving_months {
            return;
        }
        self.last_purchase_month = month;
        if amount.to_bits() != self.log.purchases[month as usize - 1].amount.to_bits() {
            self.differ(month, amount);
        }
    }

    fn sell_performing(&mut self, _month: u32) -> f64 {
        self.sold = true;
        self.last_end_balance
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    const PINNED_PICK_0: u64 = 868_182_633_604_061_339;
    const PINNED_EVENT_1000: u64 = 12_560_498_112_790_175_746;

    #[test]
    fn path_streams_are_pinned() {
        // value-stability: a change of generator, seeding or rand version shows up here
        let mut rng = path_rng(42, 0);
        let normals: Vec<f64> = (0..3).map(|_| StandardNormal.sample(&mut rng)).collect();
        assert_eq!(
            normals,
            vec![0.7919353874584977, 0.8017667604241774, -0.2571233963916292]
        );
        let mut rng = path_rng(20151024, 7);
        let first: Vec<u64> = (0..2).map(|_| rng.next_u64()).collect();
        let mut again = path_rng(20151024, 7);
        assert_eq!(first, (0..2).map(|_| again.next_u64()).collect::<Vec<_>>());
        assert_ne!(
            path_rng(43, 0).random::<u64>(),
            path_rng(42, 1).random::<u64>()
        );
    }

    #[test]
    fn purchase_streams_are_pinned_and_read_by_position() {
        let stream = PurchaseStream::new(path_key(20151024, 7), 3);
        // pick k's draws are outputs 2k and 2k + 1 of SplitMix64 seeded with the key
        let mut state = stream.key;
        let mut sequential = || {
            state = state.wrapping_add(GOLDEN_GAMMA);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        for k in 0..5 {
            assert_eq!(stream.pick_bits(k), sequential());
            assert_eq!(stream.event_bits(k), sequential());
        }
        assert_eq!(
            [stream.pick_bits(0), stream.event_bits(1000)],
            [PINNED_PICK_0, PINNED_EVENT_1000]
        );
        assert_ne!(
            PurchaseStream::new(path_key(20151024, 7), 4).pick_bits(0),
            stream.pick_bits(0)
        );
    }

    /// The per-path tables hold bounds, not exact values: every draw must still get the
    /// month the formula gives, and no draw the lifetime bound rules out may default.
    #[test]
    fn bracket_tables_give_the_exact_default_month_of_every_draw() {
        let scenario = crate::scenario::load("scenarios/base.toml".as_ref())
            .unwrap()
            .scenario;
        let receivables = crate::tape::generate(3_000, 11);
        let pool = Pool::build(&receivables, &scenario, "test").unwrap();
        let model = StochasticPool::new(&pool, &scenario.assumptions, 24, 12);
        let mut scratch = model.scratch();
        let mut rng = path_rng(5, 5);
        let mut defaults = 0;
        for z in [-4.5, -2.0, 0.0, 2.0] {
            scratch.z.fill(z);
            model.fill_path_tables(&mut scratch);
            for (hot, cold) in model.asset_hot.as_slice().iter().zip(&model.asset_cold) {
                let life = u32::from(cold.life_months);
                let (offset, scale) = scratch.offsets[usize::from(cold.segment)];
                for _ in 0..100 {
                    let draw = rng.next_u64() as u32;
                    let latent = offset + scale * normal_quantile(centred_uniform(draw));
                    let exact =
                        ((cumulative_hazard(latent) * cold.months_per_hazard) as u32).min(life);
                    if u64::from(draw) < scratch.bound_table[hot.cell as usize] {
                        let months = model.months_before_default(&scratch, cold, draw, life);
                        assert_eq!(months, exact, "draw {draw}, z {z}");
                        defaults += usize::from(months < life);
                    } else {
                        assert_eq!(exact, life, "draw {draw} above the bound defaults, z {z}");
                    }
                }
            }
        }
        // the stressed factors make a good share of the draws default
        assert!(defaults > 20_000, "{defaults} defaults");
    }

    #[test]
    fn alias_table_draws_in_proportion_to_weight() {
        let table = AliasTable::new(&[1.0, 3.0, 0.0, 4.0], |i| (10.0 * i as f64, 0, 0));
        let mut rng = path_rng(1, 1);
        let mut counts = [0usize; 4];
        let draws = 400_000;
        for _ in 0..draws {
            counts[table.sample(rng.next_u64())] += 1;
        }
        assert_eq!(counts[2], 0);
        for (count, weight) in counts.iter().zip([1.0, 3.0, 0.0, 4.0]) {
            let p = weight / 8.0;
            let sd = (p * (1.0 - p) / draws as f64).sqrt();
            assert!(
                ((*count as f64 / draws as f64) - p).abs() < 5.0 * sd + 1e-12,
                "{counts:?}"
            );
        }
    }

    #[test]
    fn mixture_likelihood_ratio() {
        let sampling = FactorSampling {
            components: vec![(0.5, vec![0.0]), (0.5, vec![-2.0])],
        };
        // at w: 1 / (0.5 + 0.5 exp(−2w − 2))
        let w = -1.5;
        assert!(
            (sampling.likelihood_ratio(&[w]) - 1.0 / (0.5 + 0.5 * (-2.0 * w - 2.0_f64).exp()))
                .abs()
                < 1e-15
        );
        assert_eq!(FactorSampling::plain(1).likelihood_ratio(&[3.0]), 1.0);
    }
}
