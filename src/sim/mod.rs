//! Pool cash-flow models (SPEC §4): the closing pool and its purchase templates, unit
//! schedules, the cohort book that turns default and prepayment events into monthly flows,
//! and the deterministic (expected-path) pool. The Monte Carlo paths build on the same
//! cohort book.
//!
//! Sits after `scenario`; the `waterfall` drives a [`Collateral`] month by month.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

pub mod cohort;
pub mod deterministic;
pub mod lanes;
pub mod latent;
pub mod montecarlo;
pub mod pool;
pub mod reference;
pub mod schedule;

pub use cohort::{Collateral, PoolFlows};
pub use deterministic::{
    DefaultStress, DeterministicCollateral, DeterministicLayout, DeterministicRates,
};
pub use pool::{Pool, PoolError};
