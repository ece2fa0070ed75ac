//! Receivables tape (SPEC §2.1): the pool's records, read from and written to CSV with
//! validation, generated synthetically, and stratified for the report.
//!
//! First stage of the flow `tape → credit → scenario → sim → …`: nothing here knows about
//! deals or simulations. PDs are kept as given (`pd_12m` and/or `score`); turning a score
//! into a PD is the credit model's job.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

use std::fmt;

pub mod encoding;
pub(crate) mod problems;
pub mod reader;
pub mod strats;
pub mod synthetic;
pub mod writer;

pub use reader::{Tape, read_tape, read_tape_from_reader};
pub use strats::{StratRow, stratify, write_strats};
pub use synthetic::generate;
pub use writer::{write_tape, write_tape_to};

/// At most this many problems are listed in a [`TapeError::Invalid`]; the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// Why a tape could not be read or written. Every message names the file; validation
/// problems also name the line and the column.
#[derive(Debug, thiserror::Error)]
pub enum TapeError {
    /// The file could not be opened or read (missing, unreadable, I/O failure mid-file).
    #[error("{file}: cannot read the tape: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("{file}: cannot write the tape: {source}")]
    Write {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The tape breaks SPEC §2.1. `problems` holds up to [`MAX_LISTED_PROBLEMS`] lines of the
    /// form `FILE:LINE: column `NAME`: "VALUE" rule broken`; `more` counts the ones left out.
    #[error("{}", problems::join_problems(problems, *more))]
    Invalid {
        file: String,
        problems: Vec<String>,
        more: usize,
    },
    /// The tape has a header but no receivables (or is empty).
    #[error("{file}: the tape has no receivables; add at least one row below the header")]
    Empty { file: String },
}

/// How a receivable repays (SPEC §2.1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// Baitiao instalment: equal principal instalments, monthly fee = `rate` × original principal.
    Installment,
    /// Level monthly payment; `rate` is the annual nominal interest rate.
    Annuity,
    /// Single repayment at maturity; monthly fee = `rate` × balance (0 for interest-free).
    Bullet,
}

impl Product {
    /// Every product, in the order reports list them.
    pub const ALL: [Product; 3] = [Product::Installment, Product::Annuity, Product::Bullet];

    /// The name used in tape files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Installment => "installment",
            Product::Annuity => "annuity",
            Product::Bullet => "bullet",
        }
    }

    /// Parses a tape's `product` value (exact, lower case).
    pub fn parse(text: &str) -> Option<Product> {
        match text {
            "installment" => Some(Product::Installment),
            "annuity" => Some(Product::Annuity),
            "bullet" => Some(Product::Bullet),
            _ => None,
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The segment a receivable belongs to when the tape names none (SPEC §2.1).
pub const DEFAULT_SEGMENT: &str = "all";

/// One validated receivable. Invariants (enforced by the reader and the generator):
/// `balance > 0`, `original_principal ≥ balance`, `1 ≤ remaining_months ≤ term_months ≤ 60`,
/// `0 ≤ rate ≤ 1`, at least one of `score` / `pd_12m`, `pd_12m ∈ (0, 1)`; from a tape file
/// also balances within [`MIN_BALANCE_CNY`](crate::units::MIN_BALANCE_CNY) to
/// [`MAX_RECEIVABLE_BALANCE_CNY`](crate::units::MAX_RECEIVABLE_BALANCE_CNY) and a score within
/// [`TAPE_SCORE_RANGE`](crate::units::TAPE_SCORE_RANGE).
#[derive(Debug, Clone, PartialEq)]
pub struct Receivable {
    pub id: String,
    pub product: Product,
    /// Outstanding principal, CNY.
    pub balance: f64,
    /// Principal at origination, CNY (the instalment fee base).
    pub original_principal: f64,
    pub term_months: u32,
    pub remaining_months: u32,
    /// Monthly fee rate for `installment` and `bullet`, annual nominal rate for `annuity`.
    pub rate: f64,
    /// Credit score on the scale of SPEC §3, when given.
    pub score: Option<f64>,
    /// 12-month default probability, when given; overrides the score's PD.
    pub pd_12m: Option<f64>,
    pub segment: String,
    pub days_past_due: u32,
}

impl Receivable {
    /// Eligible for the pool: not past due (SPEC §2.1).
    pub fn is_eligible(&self) -> bool {
        self.days_past_due == 0
    }

    /// The default `original_principal` when the tape leaves it empty (SPEC §2.1):
    /// `balance × term / remaining` for instalments (on schedule), `balance` otherwise.
    pub fn default_original_principal(
        product: Product,
        balance: f64,
        term_months: u32,
        remaining_months: u32,
    ) -> f64 {
        match product {
            Product::Installment => balance * f64::from(term_months) / f64::from(remaining_months),
            Product::Annuity | Product::Bullet => balance,
        }
    }
}
