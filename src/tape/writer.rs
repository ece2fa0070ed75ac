//! Writing a receivables tape (SPEC §2.1) as CSV, in the column order the reader documents.
//!
//! Money is written with two decimals (cents); rates, scores and PDs with Rust's shortest
//! round-trip representation of `f64`, so reading the file back gives the same numbers.
//! Files are written to `PATH.tmp` and renamed, so a reader never sees half a tape.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::{Receivable, TapeError};

/// The columns of a written tape, in order.
pub const TAPE_COLUMNS: [&str; 11] = [
    "id",
    "product",
    "balance",
    "original_principal",
    "term_months",
    "remaining_months",
    "rate",
    "score",
    "pd_12m",
    "segment",
    "days_past_due",
];

/// Writes `receivables` to `path` atomically (through `path` + `.tmp`, then a rename).
///
/// # Errors
/// [`TapeError::Write`] naming `path` when the file cannot be created, written or renamed.
pub fn write_tape(path: &Path, receivables: &[Receivable]) -> Result<(), TapeError> {
    let label = path.display().to_string();
    let write_error = |source| TapeError::Write {
        file: label.clone(),
        source,
    };
    crate::files::write_atomically(path, |out| write_rows(out, receivables)).map_err(write_error)
}

/// Writes `receivables` as tape CSV (header included) to `out`.
///
/// # Errors
/// [`TapeError::Write`] with the file name `<stream>` when `out` fails.
pub fn write_tape_to<W: Write>(out: W, receivables: &[Receivable]) -> Result<(), TapeError> {
    let mut out = BufWriter::new(out);
    write_rows(&mut out, receivables)
        .and_then(|()| out.flush())
        .map_err(|source| TapeError::Write {
            file: "<stream>".to_owned(),
            source,
        })
}

fn write_rows<W: Write>(out: &mut W, receivables: &[Receivable]) -> std::io::Result<()> {
    writeln!(out, "{}", TAPE_COLUMNS.join(","))?;
    for r in receivables {
        write_text(out, &r.id)?;
        write!(
            out,
            ",{},{:.2},{:.2},{},{},{},",
            r.product, r.balance, r.original_principal, r.term_months, r.remaining_months, r.rate
        )?;
        if let Some(score) = r.score {
            write!(out, "{score}")?;
        }
        out.write_all(b",")?;
        if let Some(pd) = r.pd_12m {
            write!(out, "{pd}")?;
        }
        out.write_all(b",")?;
        write_text(out, &r.segment)?;
        writeln!(out, ",{}", r.days_past_due)?;
    }
    Ok(())
}

/// Writes a text cell, quoting it (CSV style) only when it needs quotes.
pub(crate) fn write_text<W: Write>(out: &mut W, text: &str) -> std::io::Result<()> {
    if text.contains([',', '"', '\n', '\r']) || text.trim() != text {
        write!(out, "\"{}\"", text.replace('"', "\"\""))
    } else {
        out.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tape::Product;

    #[test]
    fn rows_are_written_in_column_order_with_cents_and_empty_cells() {
        let receivable = Receivable {
            id: "A,1".into(),
            product: Product::Installment,
            balance: 1000.0,
            original_principal: 3000.004,
            term_months: 3,
            remaining_months: 1,
            rate: 0.012,
            score: None,
            pd_12m: Some(0.0123456789),
            segment: "core".into(),
            days_past_due: 5,
        };
        let mut out = Vec::new();
        write_tape_to(&mut out, &[receivable]).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            format!(
                "{}\n\"A,1\",installment,1000.00,3000.00,3,1,0.012,,0.0123456789,core,5\n",
                TAPE_COLUMNS.join(",")
            )
        );
    }
}
