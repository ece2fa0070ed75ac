//! Results of runs: cash-flow measures (WAL, yield), the deterministic base case gathered
//! period by period, weighted loss distributions (one VaR/ES for every table and chart),
//! and [`summary`], the Monte Carlo run summarised (tranche metrics, triggers, balance
//! bands) from the same measures.
//!
//! Sits after `waterfall`.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

pub mod cashflow;
pub mod deterministic;
pub mod distribution;
pub mod summary;

pub use deterministic::{DeterministicRun, PoolPeriod, TrancheSummary, run_deterministic};
