//! Writing a static-pool history (SPEC §2.4) as CSV, in the order of the SPEC's table:
//! `vintage`, `segment`, `months_on_book`, `originated`, `outstanding`, the buckets,
//! `charged_off`, then `recovered` and `prepaid` when the history has them.
//!
//! Amounts are written in Rust's shortest representation that reads back as the same `f64`
//! (not rounded to cents, unlike the tape): the synthetic history's ratios (roll rates, the
//! timing curve, SMM) must come back from the file exactly, and `read(write(h)) == h`.
//! The file appears whole or not at all ([`crate::files::write_atomically`]).

use std::io::{BufWriter, Write};
use std::path::Path;

use super::{History, HistoryError};
use crate::tape::writer::write_text;

/// Writes `history` to `path`, whole or not at all.
///
/// # Errors
/// [`HistoryError::Write`] naming `path` when the file cannot be created, written or renamed.
pub fn write_history(history: &History, path: &Path) -> Result<(), HistoryError> {
    crate::files::write_atomically(path, |out| write_rows(out, history)).map_err(|source| {
        HistoryError::Write {
            file: path.display().to_string(),
            source,
        }
    })
}

/// Writes `history` as CSV (header included) to `out`.
///
/// # Errors
/// [`HistoryError::Write`] with the file name `<stream>` when `out` fails.
pub fn write_history_to<W: Write>(out: W, history: &History) -> Result<(), HistoryError> {
    let mut out = BufWriter::new(out);
    write_rows(&mut out, history)
        .and_then(|()| out.flush())
        .map_err(|source| HistoryError::Write {
            file: "<stream>".to_owned(),
            source,
        })
}

/// The header of a history with these buckets and optional columns.
pub fn header(history: &History) -> Vec<String> {
    let mut columns: Vec<String> = [
        "vintage",
        "segment",
        "months_on_book",
        "originated",
        "outstanding",
    ]
    .map(str::to_owned)
    .to_vec();
    columns.extend(history.buckets.iter().map(super::Bucket::column));
    columns.push("charged_off".to_owned());
    if history.has_recovered {
        columns.push("recovered".to_owned());
    }
    if history.has_prepaid {
        columns.push("prepaid".to_owned());
    }
    columns
}

fn write_rows<W: Write>(out: &mut W, history: &History) -> std::io::Result<()> {
    writeln!(out, "{}", header(history).join(","))?;
    for vintage in &history.vintages {
        for month in &vintage.months {
            write!(out, "{},", vintage.vintage)?;
            write_text(out, &vintage.segment)?;
            write!(
                out,
                ",{},{},{}",
                month.months_on_book, vintage.originated, month.outstanding
            )?;
            for amount in &month.delinquent {
                write!(out, ",{amount}")?;
            }
            write!(out, ",{}", month.charged_off)?;
            if history.has_recovered {
                write!(out, ",{}", month.recovered.unwrap_or(0.0))?;
            }
            if history.has_prepaid {
                write!(out, ",{}", month.prepaid.unwrap_or(0.0))?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
