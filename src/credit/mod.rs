//! Credit model (SPEC §2.2 and §3): applicant features → score → 12-month PD → decision with
//! reasons and a credit limit.
//!
//! Second stage of the flow `tape → credit → scenario → …`. The pieces, upstream first:
//! - [`applicant`]: the applicant record, its CSV reader (validated like the tape) and writer;
//! - [`synthetic`]: a seeded synthetic population whose outcomes come from the true model;
//! - [`scorecard`]: the logistic scorecard (features, transforms, points, model file);
//! - [`policy`]: cut-off, knock-out rules and the limit table (policy file);
//! - [`decision`]: `decide` for one applicant and `decide_file` for a whole file;
//! - [`fit`]: maximum-likelihood logistic regression by iteratively reweighted least squares,
//!   with standard errors and typed errors for separation and collinearity;
//! - [`performance`]: AUC, KS, Gini, a calibration table by score band with Wilson intervals,
//!   and a deterministic hold-out split;
//! - [`origination`]: the receivables approved applicants would draw.
//!
//! The built-in scorecard ([`Scorecard::built_in`]) is exactly the model that
//! [`generate_applicants`] draws outcomes from; `docs/credit.md` writes both out.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

pub mod applicant;
pub mod decision;
pub mod fit;
pub mod origination;
pub mod performance;
pub mod policy;
pub mod scorecard;
pub mod synthetic;

pub use applicant::{
    Applicant, ApplicantError, ApplicantFile, read_applicants, read_applicants_from_reader,
    read_applicants_in_chunks, write_applicants, write_applicants_to,
};
pub use decision::{
    DECISION_COLUMNS, Decision, DecisionSummary, Messages, Outcome, ReasonCode, decide, decide_all,
    decide_file, decide_with,
};
pub use policy::{KnockOuts, LimitBand, Policy, SpendingScaling};
pub use scorecard::{Feature, Scorecard};
pub use synthetic::generate_applicants;

/// At most this many problems are listed in an error; the rest are counted (as for tapes).
pub use crate::tape::MAX_LISTED_PROBLEMS;

/// Why a model or policy file (TOML) could not be used. Messages name the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("{file}: cannot write the file: {source}")]
    Write {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file breaks its schema; one line per problem, each naming the key.
    #[error("{}", problems.join("\n"))]
    Invalid { file: String, problems: Vec<String> },
}

impl ConfigError {
    /// True when the user's input is at fault (exit code 2), false for I/O failures.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, ConfigError::Invalid { .. })
    }
}

/// Reads a TOML file to text, for [`Scorecard::from_toml`] and [`Policy::from_toml`].
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        file: path.display().to_string(),
        source,
    })
}

/// Writes a whole file atomically (see [`crate::files::write_atomically`]).
pub(crate) fn write_atomically(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    crate::files::write_atomically(path, write)
}

/// Writes a CSV text cell, quoting it only when it needs quotes.
pub(crate) fn write_text<W: std::io::Write>(out: &mut W, text: &str) -> std::io::Result<()> {
    if text.contains([',', '"', '\n', '\r']) || text.trim() != text {
        write!(out, "\"{}\"", text.replace('"', "\"\""))
    } else {
        out.write_all(text.as_bytes())
    }
}
