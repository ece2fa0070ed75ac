//! Results of runs: cash-flow measures (WAL, yield) and the deterministic base case
//! gathered period by period; Monte Carlo distributions build on the same measures.
//!
//! Sits after `waterfall`.

pub mod cashflow;
pub mod deterministic;
pub mod distribution;
pub mod montecarlo;

pub use deterministic::{DeterministicRun, PoolPeriod, TrancheSummary, run_deterministic};
