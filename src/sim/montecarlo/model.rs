//! [`StochasticPool`]: everything about the pool that is the same in every path, built once
//! from the pool and its assumptions — each receivable's and template's default threshold,
//! hazard scale and prepayment class, the cut-off receivables in their draw order split into
//! their grid cells (read by every draw), their amounts in exact units (read for every
//! event) and cold data (read only for draws that may default), the runs of them that share
//! a cohort and a prepayment rate, the cohort layout of the book, the threshold grid and the
//! purchase alias table.

use std::collections::HashMap;

use super::alias::{AliasEntry, AliasTable, PurchaseSlot};
use super::cash::{cash_units, cny_of_units};
use super::factors::FactorModel;
use super::tables::{PrepayTable, THRESHOLD_GRID_CELLS, TableGrids, ThresholdGrid};
use crate::normal::normal_quantile;
use crate::scenario::Assumptions;
use crate::sim::lanes::{CellTable, LANES};
use crate::sim::pool::Pool;
use crate::units::{cumulative_default_probability, smm_from_cpr, stressed_pd};

/// Everything about the pool that is the same in every path, precomputed once.
#[derive(Debug, Clone)]
pub struct StochasticPool<'p> {
    pub pool: &'p Pool,
    pub factors: FactorModel,
    pub(super) horizon_months: u32,
    pub(super) revolving_months: u32,
    pub(super) recovery_rate: f64,
    pub(super) recovery_lag_months: u32,
    pub(super) yield_haircut: f64,
    /// What the per-path tables are computed on.
    pub(super) grids: TableGrids,
    pub(super) prepay_tables: Vec<PrepayTable>,
    /// Threshold-grid cell of each cut-off receivable, in draw order.
    pub(super) asset_cells: CellTable,
    /// Balance and fee of each cut-off receivable in draw order, in exact units
    /// ([`super::cash`]).
    pub(super) asset_balance_units: Vec<i64>,
    pub(super) asset_fee_units: Vec<i64>,
    pub(super) asset_cold: Vec<ColdReceivable>,
    /// The cut-off receivables in stretches for the vector sort or plain code.
    pub(super) cutoff_spans: Vec<CutoffSpan>,
    pub(super) cutoff_runs: Vec<CutoffRun>,
    /// Event-table entries of the cut-off cohorts (the first in the book).
    pub(super) cutoff_event_entries: usize,
    /// `12 / −ln(1 − p)` of each purchase template (the rest of its cold data is its
    /// slot's and its cell's).
    pub(super) template_months_per_hazard: Vec<f64>,
    pub(super) purchase_slots: Vec<PurchaseSlot>,
    pub(super) alias: AliasTable,
    pub(super) cutoff_cohorts: Vec<CutoffCohort>,
    /// Schedules purchases can have, one cohort per schedule and purchase month.
    pub(super) purchase_schedules: Vec<usize>,
    /// The pool's asset index of each cut-off receivable, in the order they draw.
    draw_order: Vec<usize>,
}

/// A cut-off cohort: the receivables on one schedule, with their starting masses (sums of
/// the receivables' amounts in exact units, [`super::cash`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct CutoffCohort {
    pub(super) schedule: usize,
    pub(super) balance: f64,
    pub(super) fee: f64,
}

/// Consecutive cut-off receivables (in draw order) that share their cohort, prepayment
/// rate and life: what the vector sort needs to know of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct CutoffRun {
    pub(super) prepay_class: u8,
    /// Last age at which a prepayment is recorded: `min(months − 1, horizon)`.
    pub(super) window: u32,
    /// Event-table index of the cohort at age 1.
    pub(super) event_base: u32,
    /// Whether any receivable of the run has a fee (annuities have none).
    pub(super) has_fees: bool,
}

/// A stretch of cut-off receivables (positions in draw order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum CutoffSpan {
    /// Whole groups of four of one run: sorted four at a time.
    Sorted { run: u32, start: u32, end: u32 },
    /// One group of four (or the last, shorter one) that straddles runs: each receivable
    /// in plain code.
    Plain { start: u32, end: u32 },
}

/// The rest of a receivable, read only when a draw may default (or its prepayment month is
/// not settled by the prepayment cells).
#[derive(Debug, Clone, Copy)]
pub(super) struct ColdReceivable {
    /// `12 / −ln(1 − p)`: months per unit of cumulative hazard (`+∞` when `p = 0`).
    pub(super) months_per_hazard: f64,
    /// Event-table index of the receivable's cohort at age 1 (templates: relative to the
    /// first purchase cohort of the month of purchase).
    pub(super) event_base: u32,
    /// Largest 32-bit prepayment draw with no prepayment before maturity.
    pub(super) keep_until_maturity: u32,
    /// Months over which defaults are drawn (the life, capped at the horizon for cut-off).
    pub(super) life_months: u8,
    /// Index of the receivable's [`PrepayTable`].
    pub(super) prepay_class: u8,
    pub(super) segment: u16,
}

/// A receivable's or a purchase template's terms, as the model reads them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ReceivableTerms {
    /// 12-month PD before `pd_multiplier`.
    pd_12m: f64,
    annual_cpr: f64,
    /// Months over which defaults are drawn (the life, capped at the horizon for cut-off).
    life_months: u32,
    /// Months of its schedule (prepayment counts up to maturity).
    schedule_months: u32,
    /// CNY (templates: the template's balance, scaled when bought).
    balance: f64,
    /// Monthly fee, CNY (templates: fee per CNY of purchased balance).
    monthly_fee: f64,
    /// Event-table index of its cohort at age 1.
    event_base: u32,
    /// Factor segment (0 when the pool shares one factor).
    factor_segment: usize,
}

/// A receivable's parameters before they are split into hot and cold data.
#[derive(Clone)]
struct Prepared {
    /// `Φ⁻¹(F(L))`: it defaults within its life iff its latent variable is below this.
    threshold: f64,
    cold: ColdReceivable,
    balance: f64,
    /// Monthly fee (templates: fee per CNY of purchased balance).
    monthly_fee: f64,
    /// Months of its schedule.
    schedule_months: u32,
}

/// The distinct prepayment rates met so far, each with its [`PrepayTable`].
struct PrepayClasses {
    smm_bits: Vec<u64>,
    tables: Vec<PrepayTable>,
    /// Longest schedule, in months (the tables' length).
    max_months: u32,
}

impl PrepayClasses {
    fn new(max_months: u32) -> PrepayClasses {
        PrepayClasses {
            smm_bits: Vec::new(),
            tables: Vec::new(),
            max_months,
        }
    }

    /// The class of `smm`, adding its table the first time it is met.
    fn class_of(&mut self, smm: f64) -> usize {
        match self.smm_bits.iter().position(|&c| c == smm.to_bits()) {
            Some(class) => class,
            None => {
                self.smm_bits.push(smm.to_bits());
                self.tables.push(PrepayTable::new(smm, self.max_months));
                self.smm_bits.len() - 1
            }
        }
    }
}

impl ReceivableTerms {
    /// The receivable under `pd_multiplier`: its default threshold, hazard scale and
    /// prepayment class.
    ///
    /// # Formula
    /// `p` = PD × multiplier (capped), threshold `Φ⁻¹(1 − (1 − p)^(L/12))`, months per unit
    /// of hazard `12 / −ln(1 − p)`, SMM `= 1 − (1 − CPR)^(1/12)`.
    fn prepare(&self, pd_multiplier: f64, prepay: &mut PrepayClasses) -> Prepared {
        let p = stressed_pd(self.pd_12m, pd_multiplier);
        let class = prepay.class_of(smm_from_cpr(self.annual_cpr));
        let before_maturity: u64 = prepay.tables[class].before_maturity(self.schedule_months);
        Prepared {
            threshold: normal_quantile(cumulative_default_probability(
                p,
                f64::from(self.life_months),
            )),
            cold: ColdReceivable {
                months_per_hazard: -12.0 / (-p).ln_1p(),
                event_base: self.event_base,
                // prepays iff W = 2³² − 1 − k_p < thr[months − 1]; thr = 2³² (SMM ≈ 1)
                // is kept at 2³² − 1, as before
                keep_until_maturity: (4_294_967_295u64.saturating_sub(before_maturity)) as u32,
                life_months: self.life_months as u8,
                prepay_class: u8::try_from(class).expect("at most 256 prepayment rates"),
                segment: self.factor_segment as u16,
            },
            balance: self.balance,
            monthly_fee: self.monthly_fee,
            schedule_months: self.schedule_months,
        }
    }
}

/// Where the pool's receivables go in the cohort book: one cut-off cohort per schedule, one
/// purchase cohort per schedule and month of purchase, and where each cohort's events
/// start in the book's event table.
struct CohortLayout {
    /// Schedule of each cut-off cohort.
    cutoff: Vec<usize>,
    /// Cut-off cohort of each of the pool's assets.
    asset_cohort: Vec<usize>,
    /// Schedule of each purchase cohort within a month.
    purchase_schedules: Vec<usize>,
    /// Purchase cohort (within a month) of each template.
    template_cohort: Vec<usize>,
    /// Event-table offset of each cut-off cohort.
    cutoff_offsets: Vec<u32>,
    /// Event-table offset of each purchase cohort, relative to the month's first.
    purchase_offsets: Vec<u32>,
}

impl CohortLayout {
    fn of(pool: &Pool) -> CohortLayout {
        let months_of = |schedule: usize| pool.schedules.get(schedule).months();
        let mut cutoff_slot_of = HashMap::new();
        let mut cutoff: Vec<usize> = Vec::new();
        let asset_cohort: Vec<usize> = pool
            .assets
            .iter()
            .map(|a| {
                *cutoff_slot_of.entry(a.schedule).or_insert_with(|| {
                    cutoff.push(a.schedule);
                    cutoff.len() - 1
                })
            })
            .collect();
        let mut purchase_slot_of = HashMap::new();
        let mut purchase_schedules = Vec::new();
        let template_cohort: Vec<usize> = pool
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
        let cutoff_offsets = prefix(&mut cutoff.iter().copied());
        let purchase_offsets = prefix(&mut purchase_schedules.iter().copied());
        CohortLayout {
            cutoff,
            asset_cohort,
            purchase_schedules,
            template_cohort,
            cutoff_offsets,
            purchase_offsets,
        }
    }
}

/// The runs of cut-off receivables (in draw order) that share their cohort, prepayment
/// class and prepayment window, and the run of each receivable.
fn cutoff_runs(
    assets: &[Prepared],
    fee_units: &[i64],
    horizon_months: u32,
) -> (Vec<CutoffRun>, Vec<u32>) {
    let mut runs: Vec<CutoffRun> = Vec::new();
    let run_of = assets
        .iter()
        .zip(fee_units)
        .map(|(r, &fee)| {
            let run = CutoffRun {
                prepay_class: r.cold.prepay_class,
                window: r.schedule_months.saturating_sub(1).min(horizon_months),
                event_base: r.cold.event_base,
                has_fees: false,
            };
            let same = |last: &CutoffRun| {
                CutoffRun {
                    has_fees: false,
                    ..*last
                } == run
            };
            if !runs.last().is_some_and(same) {
                runs.push(run);
            }
            let last = runs.last_mut().expect("a run was just pushed");
            last.has_fees |= fee != 0;
            (runs.len() - 1) as u32
        })
        .collect();
    (runs, run_of)
}

/// The cut-off receivables cut into stretches: whole groups of four within one run are
/// sorted together, a group that straddles runs (and the last, shorter group) goes to
/// plain code.
fn cutoff_spans(run_of: &[u32]) -> Vec<CutoffSpan> {
    let mut spans: Vec<CutoffSpan> = Vec::new();
    let mut start = 0;
    while start < run_of.len() {
        let end = (start + LANES).min(run_of.len());
        let run = run_of[start];
        if end - start == LANES && run_of[end - 1] == run {
            match spans.last_mut() {
                Some(CutoffSpan::Sorted {
                    run: last_run,
                    end: last_end,
                    ..
                }) if *last_run == run && *last_end as usize == start => *last_end = end as u32,
                _ => spans.push(CutoffSpan::Sorted {
                    run,
                    start: start as u32,
                    end: end as u32,
                }),
            }
        } else {
            spans.push(CutoffSpan::Plain {
                start: start as u32,
                end: end as u32,
            });
        }
        start = end;
    }
    spans
}

/// The longest schedule of the pool's assets and templates, in months (at least 1).
fn longest_schedule(pool: &Pool) -> u32 {
    let max_months = pool
        .assets
        .iter()
        .map(|a| a.schedule)
        .chain(pool.templates.iter().map(|t| t.schedule))
        .map(|schedule| pool.schedules.get(schedule).months())
        .max()
        .unwrap_or(1)
        .max(1);
    assert!(
        max_months <= 255,
        "schedules longer than 255 months are not supported"
    );
    max_months
}

/// The purchase slots (templates that share a schedule, so a cohort, and a fee rate) and
/// each template's slot.
fn purchase_slots(
    templates: &[Prepared],
    template_cohort: &[usize],
) -> (Vec<PurchaseSlot>, Vec<usize>) {
    let mut slot_of = HashMap::new();
    let mut purchase_slots: Vec<PurchaseSlot> = Vec::new();
    let mut slot_by_template = Vec::with_capacity(templates.len());
    for (r, &cohort) in templates.iter().zip(template_cohort) {
        let shared = PurchaseSlot {
            fee_rate: r.monthly_fee,
            cohort: u16::try_from(cohort).expect("at most 65,536 purchase schedules"),
            keep_until_maturity: r.cold.keep_until_maturity,
            event_base: r.cold.event_base,
            life_months: r.cold.life_months,
            prepay_class: r.cold.prepay_class,
        };
        let slot = *slot_of
            .entry((cohort, r.monthly_fee.to_bits()))
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
    (purchase_slots, slot_by_template)
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
        let layout = CohortLayout::of(pool);
        let mut prepay = PrepayClasses::new(longest_schedule(pool));
        let assets: Vec<Prepared> = pool
            .assets
            .iter()
            .zip(&layout.asset_cohort)
            .map(|(a, &cohort)| {
                let months = months_of(a.schedule);
                let terms = ReceivableTerms {
                    pd_12m: a.pd_12m,
                    annual_cpr: a.annual_cpr,
                    life_months: months.min(horizon_months),
                    schedule_months: months,
                    balance: a.balance,
                    monthly_fee: a.monthly_fee,
                    event_base: layout.cutoff_offsets[cohort],
                    factor_segment: factor_segment(a.segment),
                };
                terms.prepare(assumptions.pd_multiplier, &mut prepay)
            })
            .collect();
        let templates: Vec<Prepared> = pool
            .templates
            .iter()
            .zip(&layout.template_cohort)
            .map(|(t, &cohort)| {
                let months = months_of(t.schedule);
                let terms = ReceivableTerms {
                    pd_12m: t.pd_12m,
                    annual_cpr: t.annual_cpr,
                    life_months: months,
                    schedule_months: months,
                    balance: t.balance,
                    // templates carry their fee per CNY of purchased balance
                    monthly_fee: t.fee_rate,
                    event_base: layout.purchase_offsets[cohort],
                    factor_segment: factor_segment(t.segment),
                };
                terms.prepare(assumptions.pd_multiplier, &mut prepay)
            })
            .collect();

        let grid = ThresholdGrid::spanning(assets.iter().chain(&templates).map(|r| r.threshold));
        let cell_of = |r: &Prepared| grid.cell(r.threshold, r.cold.segment);
        // The cut-off receivables in the order of their cohort and grid cell: consecutive
        // candidates then record their events in nearby entries of the event table.
        let mut order: Vec<usize> = (0..assets.len()).collect();
        let keys: Vec<(usize, u32)> = (0..assets.len())
            .map(|i| (layout.asset_cohort[i], cell_of(&assets[i])))
            .collect();
        order.sort_unstable_by_key(|&i| (keys[i], i));
        let assets: Vec<Prepared> = order.iter().map(|&i| assets[i].clone()).collect();
        let asset_cells = CellTable::new(
            assets
                .iter()
                .map(|r| u16::try_from(cell_of(r)).expect("at most 64 factor segments"))
                .collect(),
            factors.loadings.len() * THRESHOLD_GRID_CELLS,
        );
        let asset_balance_units: Vec<i64> = assets.iter().map(|r| cash_units(r.balance)).collect();
        let asset_fee_units: Vec<i64> = assets.iter().map(|r| cash_units(r.monthly_fee)).collect();
        // the cohorts' masses: exact sums of the same units (checked: fees have no cap)
        let mut cohort_units = vec![(0i64, 0i64); layout.cutoff.len()];
        for (k, &i) in order.iter().enumerate() {
            let (balance, fee) = &mut cohort_units[layout.asset_cohort[i]];
            *balance = balance
                .checked_add(asset_balance_units[k])
                .expect("cut-off balances beyond 2⁶³ units");
            *fee = fee
                .checked_add(asset_fee_units[k])
                .expect("cut-off fees beyond 2⁶³ units");
        }
        let cutoff_cohorts: Vec<CutoffCohort> = layout
            .cutoff
            .iter()
            .zip(&cohort_units)
            .map(|(&schedule, &(balance, fee))| CutoffCohort {
                schedule,
                balance: cny_of_units(balance),
                fee: cny_of_units(fee),
            })
            .collect();
        let (cutoff_runs, run_of) = cutoff_runs(&assets, &asset_fee_units, horizon_months);
        let cutoff_spans = cutoff_spans(&run_of);
        let cutoff_event_entries = layout
            .cutoff
            .iter()
            .map(|&schedule| months_of(schedule) as usize)
            .sum();
        let (purchase_slots, slot_by_template) =
            purchase_slots(&templates, &layout.template_cohort);
        let weights: Vec<f64> = pool.templates.iter().map(|t| t.weight).collect();
        let alias = AliasTable::new(&weights, |i| {
            let r = &templates[i];
            AliasEntry {
                balance: r.balance,
                cell: u16::try_from(cell_of(r)).expect("at most 64 factor segments"),
                slot: u16::try_from(slot_by_template[i])
                    .expect("at most 65,536 (schedule, fee rate) combinations"),
            }
        });
        StochasticPool {
            pool,
            factors,
            horizon_months,
            revolving_months,
            recovery_rate: assumptions.recovery_rate,
            recovery_lag_months: assumptions.recovery_lag_months,
            yield_haircut: assumptions.yield_haircut,
            grids: TableGrids::new(grid),
            prepay_tables: prepay.tables,
            asset_cells,
            asset_balance_units,
            asset_fee_units,
            asset_cold: assets.iter().map(|r| r.cold).collect(),
            cutoff_spans,
            cutoff_runs,
            cutoff_event_entries,
            template_months_per_hazard: templates
                .iter()
                .map(|r| r.cold.months_per_hazard)
                .collect(),
            purchase_slots,
            alias,
            cutoff_cohorts,
            purchase_schedules: layout.purchase_schedules,
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
        self.asset_cells.len()
    }

    /// The first cohort of the purchases of `month` (1-based) in the book.
    #[inline]
    pub(super) fn first_purchase_cohort(&self, month: u32) -> usize {
        self.cutoff_cohorts.len() + (month as usize - 1) * self.purchase_schedules.len()
    }

    /// A purchase template's cold data, from its own default rate, its slot and its cell
    /// (balance and fee come with the pick).
    #[inline]
    pub(super) fn template_cold(&self, template: usize, slot: u16, cell: u16) -> ColdReceivable {
        let shared = &self.purchase_slots[usize::from(slot)];
        ColdReceivable {
            months_per_hazard: self.template_months_per_hazard[template],
            event_base: shared.event_base,
            keep_until_maturity: shared.keep_until_maturity,
            life_months: shared.life_months,
            prepay_class: shared.prepay_class,
            segment: cell / THRESHOLD_GRID_CELLS as u16,
        }
    }
}
