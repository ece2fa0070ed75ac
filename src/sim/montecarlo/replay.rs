//! Replay for sizing: a path simulated once leaves a [`PathLog`] (its pool flows by month
//! and its purchases, with checkpoints), and a [`ReplayCollateral`] gives the same path
//! under another structure of the same deal by adding only the flows of the purchases by
//! which that structure's differ, drawn from the same purchase streams.

use super::alias::AliasTable;
use super::events::Candidate;
use super::factors::FactorSampler;
use super::model::StochasticPool;
use super::path::PathScratch;
use super::streams::{PurchaseStream, path_key, path_rng};
use crate::sim::cohort::{Collateral, PoolFlows};

/// Picks between two checkpoints of a logged month's purchases.
pub const CHECKPOINT_PICKS: u32 = 256;

/// What a month's purchases were in a logged path.
// serialised as a tuple, for the size of a shard's partial (as `PoolFlows`)
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(from = "(f64, u32, f64, u32)", into = "(f64, u32, f64, u32)")]
pub(super) struct MonthPurchases {
    /// CNY bought (0: none).
    pub(super) amount: f64,
    /// Picks made; the last one was scaled to what was left of `amount`.
    pub(super) picks: u32,
    /// CNY bought before the last pick.
    pub(super) spent_before_last: f64,
    /// Index of the month's first checkpoint in [`PathLog::checkpoints`].
    pub(super) first_checkpoint: u32,
}

impl From<MonthPurchases> for (f64, u32, f64, u32) {
    fn from(m: MonthPurchases) -> (f64, u32, f64, u32) {
        (m.amount, m.picks, m.spent_before_last, m.first_checkpoint)
    }
}

impl From<(f64, u32, f64, u32)> for MonthPurchases {
    fn from((amount, picks, spent_before_last, first_checkpoint): (f64, u32, f64, u32)) -> Self {
        MonthPurchases {
            amount,
            picks,
            spent_before_last,
            first_checkpoint,
        }
    }
}

/// What a [`ReplayCollateral`] needs of a path simulated once: the pool's own flows by
/// month (before recoveries, as if never sold) and each month's purchases, with the amount
/// bought before every [`CHECKPOINT_PICKS`]-th pick. A few kilobytes a path; serialisable,
/// so a shard of a run can hand its paths' logs to the merge that sizes (SPEC §9).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PathLog {
    pub(super) flows: Vec<PoolFlows>,
    pub(super) purchases: Vec<MonthPurchases>,
    pub(super) checkpoints: Vec<f64>,
}

impl PathLog {
    pub(super) fn clear(&mut self, horizon_months: u32) {
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

impl<'p> StochasticPool<'p> {
    /// Replays a logged path (`seed`, `path`, drawn from `sampling` as when it was logged)
    /// for another structure of the same deal: see [`ReplayCollateral`].
    pub fn replay_path<'s>(
        &'s self,
        scratch: &'s mut PathScratch<'p>,
        seed: u64,
        path: u64,
        sampling: &'s dyn FactorSampler,
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

    /// Adds to the book the difference between a logged month's purchases and buying
    /// `target` instead: pick by pick, the balance the target buys minus the balance the
    /// log bought, with the pick's own event. Only the picks where the two differ are
    /// drawn: from the last logged pick when buying more, from the checkpoint before the
    /// target when buying less.
    pub(super) fn purchase_difference(
        &self,
        scratch: &mut PathScratch<'_>,
        stream: PurchaseStream,
        month: u32,
        logged: &MonthPurchases,
        checkpoints: &[f64],
        target: f64,
    ) {
        let columns = &self.alias.columns;
        let first_cohort = self.first_purchase_cohort(month);
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
                let may_default = (bits >> 32) < scratch.tables.bound_table[usize::from(cell)];
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
                    };
                    self.record_event(scratch, cold, candidate, difference, fee);
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
    sampling: &'s dyn FactorSampler,
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
        let first_cohort = model.first_purchase_cohort(month);
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
