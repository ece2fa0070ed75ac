//! baitiao-abs: securitization analytics for consumer instalment receivables.
//!
//! The modules follow the data flow, one way — a module uses only modules above it here:
//!
//! - [`units`]: money and rate conventions, CPR ↔ SMM, CDR ↔ MDR, cumulative PDs, tolerances;
//! - [`normal`]: the standard normal CDF and quantile, for the inner loops;
//! - [`rng`]: seed derivation (SplitMix64) shared by every stage that draws;
//! - [`files`]: writing the user's files whole or not at all;
//! - [`i18n`]: the words written for people, English and Chinese catalogues (`assets/i18n/`);
//! - [`ratings`]: idealized expected-loss tables by rating and horizon;
//! - [`tape`]: receivable records: CSV reading and writing, validation, synthetic tapes, strats;
//! - [`history`]: static-pool (vintage) history: reading and validation, the synthetic
//!   generator and its true model;
//! - [`credit`]: applicant features → score → PD → decision with reasons and limit; fitting;
//! - [`scenario`]: the TOML scenario → validated assumptions, deal structure and settings;
//! - [`sim`]: the pool's cash flows: schedules, cohorts, the deterministic pool, Monte Carlo
//!   paths;
//! - [`waterfall`]: the deal month by month: triggers, call, fees, interest, reserve,
//!   purchases, principal, residual;
//! - [`engine`]: the path runner: Monte Carlo paths through the waterfall in parallel, and
//!   the importance sampling of their factors;
//! - [`metrics`]: WAL, yield, the deterministic run, weighted loss distributions, the
//!   Monte Carlo summary (tranche metrics, implied ratings, triggers, balance bands);
//! - [`sizing`]: tranche sizing on the same paths, breakevens, the approval-policy frontier;
//! - [`calibrate`]: static-pool history → vintage curves, chain-ladder projection, base case,
//!   ρ by maximum likelihood with its bootstrap interval, PD scale (SPEC §4.6);
//! - [`report`]: the report folder: one row type (or one column type) per CSV file and one
//!   [`report::summary::Summary`] for `summary.json`, each written and read back by the same
//!   type; manifest, charts, the HTML report, comparisons;
//! - [`app`]: the jobs, each naming every stage it runs;
//! - [`cli`]: command-line parsing and exit codes.

pub mod app;
pub mod calibrate;
pub mod cli;
pub mod credit;
pub mod engine;
pub mod files;
pub mod history;
pub mod i18n;
pub mod metrics;
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
