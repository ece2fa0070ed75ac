//! One Monte Carlo path as [`Collateral`] for the waterfall: its factors and per-path
//! tables, the cut-off receivables' draws (screened four at a time, the few candidates
//! resolved into events), then each month's purchases as the waterfall makes them.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use super::alias::AliasTable;
use super::cash::cny_of_units;
use super::events::Candidate;
use super::factors::FactorSampler;
use super::model::{CutoffSpan, StochasticPool};
use super::replay::{CHECKPOINT_PICKS, MonthPurchases, PathLog};
use super::streams::{PurchaseStream, path_key};
use super::tables::PathTables;
use crate::sim::cohort::{CohortBook, Collateral, PoolFlows, Recoveries};
use crate::sim::lanes::{RunSort, SORT_CHUNK, Sorted, Xoshiro256PlusPlusX4};

/// Candidates between the one whose cold data is prefetched and the one processed.
const CANDIDATE_PREFETCH_DISTANCE: usize = 8;

/// Purchases whose alias draws are made (and columns prefetched) together.
const PICK_BATCH: usize = 32;

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

/// Per-thread working memory for paths: the cohort book, recoveries, the per-path tables
/// and factor values.
#[derive(Debug, Clone)]
pub struct PathScratch<'p> {
    pub(super) book: CohortBook<'p>,
    pub(super) recoveries: Recoveries,
    pub(super) tables: PathTables,
    /// Event-table index of the first purchase cohort of each month (index 0 unused).
    pub(super) purchase_event_index: Vec<u32>,
    /// A month's purchased balance and fee masses by purchase cohort (schedule).
    pub(super) slot_mass: Vec<(f64, f64)>,
    /// The path's independent factor normals `W`.
    pub(super) w: Vec<f64>,
    /// The path's segment factors `Z`.
    pub(super) z: Vec<f64>,
    /// The cut-off events' amounts, in whole units.
    pub(super) cutoff_sums: CutoffSums,
}

/// The cut-off receivables' event amounts of a path in whole units ([`super::cash`]), by
/// event slot (`2 ×` event-table index, `+ 1` for a prepayment), and the sort's output.
#[derive(Debug, Clone)]
pub(super) struct CutoffSums {
    balance: Vec<i64>,
    fee: Vec<i64>,
    sorted: Box<Sorted>,
}

impl PathScratch<'_> {
    /// The segment factors `Z` of the current path.
    pub fn segment_factors(&self) -> &[f64] {
        &self.z
    }
}

/// A month's purchase whose draw passed the quick test: what resolving its event needs.
#[derive(Debug, Clone, Copy, Default)]
struct PurchaseCandidate {
    template: u32,
    /// Index of the template's purchase slot.
    slot: u16,
    /// Threshold-grid cell (segment offset included).
    cell: u16,
    /// The pick's event draw.
    bits: u64,
    /// CNY bought (the last pick of a month scaled).
    balance: f64,
    fee: f64,
}

impl<'p> StochasticPool<'p> {
    /// A fresh scratch space for paths of this pool (reuse it across paths).
    pub fn scratch(&self) -> PathScratch<'p> {
        let mut book = CohortBook::new(&self.pool.schedules);
        for cohort in &self.cutoff_cohorts {
            book.add_cohort(cohort.schedule, 0);
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
            tables: PathTables::new(segments),
            purchase_event_index,
            slot_mass: vec![(0.0, 0.0); self.purchase_schedules.len()],
            w: vec![0.0; self.factors.dimension()],
            z: vec![0.0; segments],
            cutoff_sums: CutoffSums {
                balance: vec![0; 2 * self.cutoff_event_entries],
                fee: vec![0; 2 * self.cutoff_event_entries],
                sorted: Box::default(),
            },
        }
    }

    /// Starts path `path`: draws its factors through `sampling` and the cut-off
    /// receivables' events. Returns the path's collateral and the factors' likelihood ratio.
    pub fn start_path<'s>(
        &'s self,
        scratch: &'s mut PathScratch<'p>,
        seed: u64,
        path: u64,
        sampling: &dyn FactorSampler,
    ) -> (PathCollateral<'s, 'p>, f64) {
        let key = path_key(seed, path);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(key);
        let ratio = sampling.sample(&mut rng, &mut scratch.w);
        self.factors.segment_factors(&scratch.w, &mut scratch.z);
        (self.start_path_from_factors(scratch, rng, key, None), ratio)
    }

    /// As [`StochasticPool::start_path`], writing into `log` what a
    /// [`ReplayCollateral`](super::ReplayCollateral) needs to replay the path under another
    /// structure.
    pub fn start_path_logged<'s>(
        &'s self,
        scratch: &'s mut PathScratch<'p>,
        seed: u64,
        path: u64,
        sampling: &dyn FactorSampler,
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
        for (cohort, c) in self.cutoff_cohorts.iter().enumerate() {
            scratch.book.add_mass(cohort, c.balance, c.fee);
        }
        // The cut-off receivables draw four at a time from four lanes seeded from the path's
        // stream (receivable i from lane i mod 4). Within a run of receivables that share
        // their cohort and prepayment rate, the vector sort settles every draw that cannot
        // default: no event, or a prepayment whose accumulator slot it gives; the few that
        // may default go to plain code. The events' amounts are summed as whole units
        // (`super::cash`), so the order in which they arrive does not matter.
        let mut lanes = Xoshiro256PlusPlusX4::from_rng(&mut rng);
        let sums = &mut scratch.cutoff_sums;
        sums.balance.fill(0);
        sums.fee.fill(0);
        let sorted = &mut sums.sorted;
        let tables = &mut scratch.tables;
        let cells = self.asset_cells.as_slice();
        for span in &self.cutoff_spans {
            match *span {
                CutoffSpan::Sorted { run, start, end } => {
                    let r = &self.cutoff_runs[run as usize];
                    let sort = RunSort {
                        prepay: &self.prepay_tables[usize::from(r.prepay_class)].cells,
                        window: r.window,
                        slot_offset: 2 * i64::from(r.event_base) - 1,
                    };
                    let mut at = start as usize;
                    while at < end as usize {
                        let stop = (at + SORT_CHUNK).min(end as usize);
                        let (plain, prepaid) = lanes.sort(
                            self.asset_cells.span(at..stop),
                            &tables.bound_table,
                            &sort,
                            sorted,
                        );
                        // the candidates' cold data is scattered: ask for the first few
                        // now (the prepayments are added meanwhile), each later one a few
                        // candidates ahead
                        for &ahead in &sorted.plain_index[..plain.min(CANDIDATE_PREFETCH_DISTANCE)]
                        {
                            prefetch(&self.asset_cold[at + ahead as usize]);
                        }
                        let balances = &self.asset_balance_units[at..stop];
                        let balance_sums = sums.balance.as_mut_slice();
                        for &entry in &sorted.prepaid[..prepaid] {
                            let (slot, i) = ((entry >> 32) as usize, entry as u32 as usize);
                            balance_sums[slot] += balances[i];
                        }
                        if r.has_fees {
                            let fees = &self.asset_fee_units[at..stop];
                            let fee_sums = sums.fee.as_mut_slice();
                            for &entry in &sorted.prepaid[..prepaid] {
                                let (slot, i) = ((entry >> 32) as usize, entry as u32 as usize);
                                fee_sums[slot] += fees[i];
                            }
                        }
                        for k in 0..plain {
                            if let Some(&ahead) =
                                sorted.plain_index[..plain].get(k + CANDIDATE_PREFETCH_DISTANCE)
                            {
                                prefetch(&self.asset_cold[at + ahead as usize]);
                            }
                            let i = at + sorted.plain_index[k] as usize;
                            self.cutoff_event(
                                tables,
                                &mut sums.balance,
                                &mut sums.fee,
                                i,
                                cells[i],
                                sorted.plain_bits[k],
                            );
                        }
                        at = stop;
                    }
                }
                CutoffSpan::Plain { start, end } => {
                    let draws = lanes.next_u64s();
                    for (i, bits) in (start as usize..end as usize).zip(draws) {
                        self.cutoff_event(
                            tables,
                            &mut sums.balance,
                            &mut sums.fee,
                            i,
                            cells[i],
                            bits,
                        );
                    }
                }
            }
        }
        // the cut-off cohorts come first in the book's event table
        for (slot, (&balance, &fee)) in sums.balance.iter().zip(&sums.fee).enumerate() {
            if balance != 0 || fee != 0 {
                scratch.book.add_event_at(
                    slot / 2,
                    slot % 2 == 1,
                    cny_of_units(balance),
                    cny_of_units(fee),
                );
            }
        }
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

    /// The event of cut-off receivable `i` (in draw order, grid cell `cell`) with draw
    /// `bits`, if any, added to the unit sums by event slot.
    #[inline(always)]
    fn cutoff_event(
        &self,
        tables: &mut PathTables,
        balance: &mut [i64],
        fee: &mut [i64],
        i: usize,
        cell: u16,
        bits: u64,
    ) {
        let cold = &self.asset_cold[i];
        let candidate = Candidate {
            bits,
            may_default: (bits >> 32) < tables.bound_table[usize::from(cell)],
            may_prepay: bits as u32 > cold.keep_until_maturity,
            start: 0,
            event_index: cold.event_base as usize,
        };
        if !(candidate.may_default || candidate.may_prepay) {
            return;
        }
        if let Some(event) = self.resolve_event(tables, cold, &candidate) {
            let slot = event.slot();
            balance[slot] += self.asset_balance_units[i];
            fee[slot] += self.asset_fee_units[i];
        }
    }

    /// The per-path tables of every segment, from the factors in `scratch.z`
    /// (see [`TableGrids::fill`](super::tables::TableGrids::fill)).
    pub(super) fn fill_path_tables(&self, scratch: &mut PathScratch<'_>) {
        self.grids
            .fill(&self.factors.loadings, &scratch.z, &mut scratch.tables);
    }

    /// Moves a month's purchased masses from the slot accumulators into the book.
    pub(super) fn flush_slot_masses(&self, scratch: &mut PathScratch<'_>, first_cohort: usize) {
        for (slot, mass) in scratch.slot_mass.iter_mut().enumerate() {
            if mass.0 != 0.0 || mass.1 != 0.0 {
                scratch.book.add_mass(first_cohort + slot, mass.0, mass.1);
                *mass = (0.0, 0.0);
            }
        }
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
        let first_cohort = model.first_purchase_cohort(month);
        let event_base = self.scratch.purchase_event_index[month as usize] as usize;
        let columns = &model.alias.columns;
        let mut log = self.log.as_deref_mut();
        let first_checkpoint = log.as_ref().map_or(0, |l| l.checkpoints.len() as u32);
        let mut spent = 0.0;
        let mut candidates = [PurchaseCandidate::default(); PICK_BATCH];
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
                let may_default = (bits >> 32) < self.scratch.tables.bound_table[usize::from(cell)];
                let may_prepay = bits as u32 > slot.keep_until_maturity;
                let candidate = may_default | may_prepay;
                let template = column.template(column_index, side);
                // found ≤ the pick's position < PICK_BATCH (a power of two): the mask
                // never changes the index
                candidates[found & (PICK_BATCH - 1)] = PurchaseCandidate {
                    template: template as u32,
                    slot: slot_index,
                    cell,
                    bits,
                    balance,
                    fee,
                };
                found += usize::from(candidate);
                prefetch(&model.template_months_per_hazard[if candidate { template } else { 0 }]);
                if last {
                    picks = index + 1;
                    spent_before_last = spent;
                    break;
                }
                spent += template_balance;
            }
            for c in &candidates[..found] {
                let cold = model.template_cold(c.template as usize, c.slot, c.cell);
                let candidate = Candidate {
                    bits: c.bits,
                    may_default: (c.bits >> 32)
                        < self.scratch.tables.bound_table[usize::from(c.cell)],
                    may_prepay: c.bits as u32
                        > model.purchase_slots[usize::from(c.slot)].keep_until_maturity,
                    start: month,
                    event_index: event_base + cold.event_base as usize,
                };
                model.record_event(self.scratch, &cold, candidate, c.balance, c.fee);
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
