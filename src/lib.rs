//! baitiao-abs: securitization analytics for consumer instalment receivables.
//!
//! The modules follow the data flow, one way:
//! `tape → credit → scenario → sim → waterfall → metrics → sizing → report`, with `cli` on top.

pub mod app;
pub mod cli;
pub mod credit;
pub mod files;
pub mod metrics;
pub mod montecarlo;
pub mod normal;
pub mod ratings;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod sizing;
pub mod tape;
pub mod units;
pub mod waterfall;
