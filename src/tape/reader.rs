//! Reading a receivables tape (SPEC §2.1) from CSV, with validation.
//!
//! The reader streams the file through one reused [`csv::ByteRecord`] and parses each field by
//! hand, so a million-row tape costs one pass and the memory of the receivables themselves.
//! Columns are found by name in the header, in any order. Every problem of the file is
//! collected (not just the first) so the user can fix the whole tape in one go; each problem
//! is one line `FILE:LINE: column `NAME`: "VALUE" rule broken`, LINE being the 1-based line
//! of the file (the header is line 1).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;

use super::encoding::{OpenError, TextEncoding};
use super::problems::{
    CsvSource, Problems, header_is_blank, header_key, io_error_of, is_utf8, line_of, not_a_number,
    not_utf8_problem, unknown_columns_warning,
};
use super::{DEFAULT_SEGMENT, Product, Receivable, TapeError};
use crate::units::{
    MAX_RECEIVABLE_BALANCE_CNY, MIN_BALANCE_CNY, TAPE_SCORE_RANGE, grouped, pd_from_score,
};

/// The longest term a receivable may have, in months (SPEC §2.1).
pub const MAX_TERM_MONTHS: u32 = 60;

/// `original_principal` may fall short of `balance` by this relative amount (decimal
/// rounding in the file) and is then taken as equal to `balance`.
pub const ORIGINAL_PRINCIPAL_RELATIVE_TOLERANCE: f64 = 1e-9;

/// A validated tape: the receivables in file order, and warnings that did not stop the read
/// (unknown columns, past-due receivables).
#[derive(Debug, Clone, PartialEq)]
pub struct Tape {
    pub receivables: Vec<Receivable>,
    pub warnings: Vec<String>,
}

/// Reads and validates the tape at `path`.
///
/// # Errors
/// [`TapeError::Io`] when the file cannot be read, [`TapeError::Invalid`] listing every
/// problem of the file, [`TapeError::Empty`] when it holds no receivables.
pub fn read_tape(path: &Path) -> Result<Tape, TapeError> {
    read_tape_in(path, TextEncoding::Auto)
}

/// As [`read_tape`], with the file's text encoding given ([`TextEncoding::Auto`]: UTF-8, else
/// GB18030 when it decodes as that, with a warning saying so).
pub fn read_tape_in(path: &Path, encoding: TextEncoding) -> Result<Tape, TapeError> {
    let label = path.display().to_string();
    let opened = super::encoding::open(path, &label, encoding).map_err(|error| match error {
        OpenError::Io(source) => TapeError::Io {
            file: label.clone(),
            source,
        },
        OpenError::NotText(problem) => TapeError::Invalid {
            file: label.clone(),
            problems: vec![problem],
            more: 0,
        },
    })?;
    let mut tape = read_tape_from_reader(opened.reader, &label)?;
    tape.warnings.splice(0..0, opened.note);
    Ok(tape)
}

/// Reads and validates a tape from any byte stream; `label` stands for the file name in
/// messages.
///
/// # Errors
/// As [`read_tape`].
pub fn read_tape_from_reader<R: Read>(reader: R, label: &str) -> Result<Tape, TapeError> {
    let mut source = CsvSource::new(reader);
    let io_error = |error: csv::Error| TapeError::Io {
        file: label.to_owned(),
        source: io_error_of(error),
    };

    let (header, header_line) = source.header().map_err(io_error)?;
    if header_is_blank(&header) {
        return Err(TapeError::Empty {
            file: label.to_owned(),
        });
    }
    let mut problems = Problems::new(label);
    if !is_utf8(&header) {
        problems.push(not_utf8_problem(label, header_line));
        return Err(problems.into_tape_error());
    }
    let mut warnings = Vec::new();
    let columns = match Columns::locate(&header, header_line, &mut problems, &mut warnings) {
        Some(columns) => columns,
        None => return Err(problems.into_tape_error()),
    };

    let mut receivables = Vec::new();
    let mut ids = IdIndex::default();
    let mut rows = 0usize;
    let mut record = ByteRecord::new();
    while source.read(&mut record).map_err(io_error)? {
        rows += 1;
        let line = line_of(&record);
        if !is_utf8(&record) {
            // One problem for the whole file, not one per cell (SPEC §2.1).
            let mut problems = Problems::new(label);
            problems.push(not_utf8_problem(label, line));
            return Err(problems.into_tape_error());
        }
        if record.len() != header.len() {
            problems.push(format!(
                "{label}:{line}: the row has {} fields but the header has {}; check the separators and quotes",
                record.len(),
                header.len()
            ));
            continue;
        }
        let mut row = Row {
            record: &record,
            line,
            problems: &mut problems,
            broken: false,
        };
        if let Some(receivable) = row.parse(&columns, &mut ids) {
            receivables.push(receivable);
        }
    }

    if problems.total() > 0 {
        return Err(problems.into_tape_error());
    }
    if rows == 0 {
        return Err(TapeError::Empty {
            file: label.to_owned(),
        });
    }
    let past_due = receivables.iter().filter(|r| !r.is_eligible()).count();
    if past_due > 0 {
        warnings.push(format!(
            "{label}: {past_due} receivables are past due (days_past_due > 0); they are kept in the tape but are not eligible for the pool"
        ));
    }
    Ok(Tape {
        receivables,
        warnings,
    })
}

/// Where each known column sits in a row.
struct Columns {
    id: usize,
    product: usize,
    balance: usize,
    term_months: usize,
    remaining_months: usize,
    rate: usize,
    score: Option<usize>,
    pd_12m: Option<usize>,
    original_principal: Option<usize>,
    segment: Option<usize>,
    days_past_due: Option<usize>,
}

const REQUIRED_COLUMNS: [&str; 6] = [
    "id",
    "product",
    "balance",
    "term_months",
    "remaining_months",
    "rate",
];
const OPTIONAL_COLUMNS: [&str; 5] = [
    "score",
    "pd_12m",
    "original_principal",
    "segment",
    "days_past_due",
];

impl Columns {
    /// Finds the columns by name (in any letter case, surrounding spaces ignored); records
    /// header problems (on `line`, the header's) and returns `None` when a required column is
    /// missing or named twice.
    fn locate(
        header: &ByteRecord,
        line: u64,
        problems: &mut Problems<'_>,
        warnings: &mut Vec<String>,
    ) -> Option<Columns> {
        let label = problems.label;
        let mut position: HashMap<&str, usize> = HashMap::new();
        let mut unknown = Vec::new();
        for (index, raw) in header.iter().enumerate() {
            let (name, shown) = header_key(raw);
            let Some(&known) = REQUIRED_COLUMNS
                .iter()
                .chain(OPTIONAL_COLUMNS.iter())
                .find(|&&known| known == name)
            else {
                unknown.push(format!("`{shown}`"));
                continue;
            };
            if position.insert(known, index).is_some() {
                problems.push(format!(
                    "{label}:{line}: column `{known}`: named twice in the header; keep one"
                ));
            }
        }
        for required in REQUIRED_COLUMNS {
            if !position.contains_key(required) {
                problems.push(format!(
                    "{label}:{line}: column `{required}`: missing from the header; it is required"
                ));
            }
        }
        if !position.contains_key("score") && !position.contains_key("pd_12m") {
            problems.push(format!(
                "{label}:{line}: columns `score` and `pd_12m`: both missing from the header; at least one is required"
            ));
        }
        if !unknown.is_empty() {
            warnings.push(unknown_columns_warning(label, line, &unknown));
        }
        if problems.total() > 0 {
            return None;
        }
        Some(Columns {
            id: position["id"],
            product: position["product"],
            balance: position["balance"],
            term_months: position["term_months"],
            remaining_months: position["remaining_months"],
            rate: position["rate"],
            score: position.get("score").copied(),
            pd_12m: position.get("pd_12m").copied(),
            original_principal: position.get("original_principal").copied(),
            segment: position.get("segment").copied(),
            days_past_due: position.get("days_past_due").copied(),
        })
    }
}

/// One data row being validated; `broken` is set by the first problem found in it.
struct Row<'r, 'p, 'l> {
    record: &'r ByteRecord,
    line: u64,
    problems: &'p mut Problems<'l>,
    broken: bool,
}

/// A cell's content before range checks.
enum Cell<T> {
    Empty,
    Value(T),
    /// Already reported.
    Invalid,
}

impl<'r> Row<'r, '_, '_> {
    fn raw(&self, index: usize) -> &'r [u8] {
        self.record.get(index).unwrap_or(b"").trim_ascii()
    }

    fn problem(&mut self, column: &str, value: &[u8], rule: &str) {
        self.broken = true;
        self.problems.cell(self.line, column, value, rule);
    }

    fn number(&mut self, index: usize, column: &str) -> Cell<f64> {
        let raw = self.raw(index);
        if raw.is_empty() {
            return Cell::Empty;
        }
        match std::str::from_utf8(raw).ok().and_then(|t| t.parse().ok()) {
            Some(value) => Cell::Value(value),
            None => {
                self.problem(column, raw, &not_a_number(raw));
                Cell::Invalid
            }
        }
    }

    fn integer(&mut self, index: usize, column: &str) -> Cell<i64> {
        let raw = self.raw(index);
        if raw.is_empty() {
            return Cell::Empty;
        }
        let Some(text) = std::str::from_utf8(raw).ok() else {
            self.problem(column, raw, &not_a_number(raw));
            return Cell::Invalid;
        };
        if let Ok(value) = text.parse::<i64>() {
            return Cell::Value(value);
        }
        // Spreadsheets write whole numbers as `12.0`; accept those, refuse `12.5`.
        match text.parse::<f64>() {
            Ok(value) if value.fract() == 0.0 && value.abs() < 1e15 => Cell::Value(value as i64),
            Ok(_) => {
                self.problem(column, raw, "must be a whole number");
                Cell::Invalid
            }
            Err(_) => {
                self.problem(column, raw, &not_a_number(raw));
                Cell::Invalid
            }
        }
    }

    fn required<T>(&mut self, cell: Cell<T>, index: usize, column: &str) -> Option<T> {
        match cell {
            Cell::Value(value) => Some(value),
            Cell::Empty => {
                let raw = self.raw(index);
                self.problem(column, raw, "is empty; a value is required");
                None
            }
            Cell::Invalid => None,
        }
    }

    fn parse(&mut self, columns: &Columns, ids: &mut IdIndex) -> Option<Receivable> {
        let id = self.id(columns.id, ids);

        let raw_product = self.raw(columns.product);
        let product = std::str::from_utf8(raw_product)
            .ok()
            .and_then(Product::parse);
        if product.is_none() {
            self.problem(
                "product",
                raw_product,
                "must be one of installment, annuity, bullet",
            );
        }

        let cell = self.number(columns.balance, "balance");
        let balance = self
            .required(cell, columns.balance, "balance")
            .and_then(|balance| {
                if (MIN_BALANCE_CNY..=MAX_RECEIVABLE_BALANCE_CNY).contains(&balance) {
                    Some(balance)
                } else {
                    let raw = self.raw(columns.balance);
                    self.problem("balance", raw, &amount_rule());
                    None
                }
            });

        let cell = self.integer(columns.term_months, "term_months");
        let term_months = self
            .required(cell, columns.term_months, "term_months")
            .and_then(|term| {
                if (1..=i64::from(MAX_TERM_MONTHS)).contains(&term) {
                    Some(term as u32)
                } else {
                    let raw = self.raw(columns.term_months);
                    self.problem("term_months", raw, "must be a whole number from 1 to 60");
                    None
                }
            });

        let cell = self.integer(columns.remaining_months, "remaining_months");
        let remaining_months = self
            .required(cell, columns.remaining_months, "remaining_months")
            .and_then(|remaining| {
                let limit = term_months.unwrap_or(MAX_TERM_MONTHS);
                if (1..=i64::from(limit)).contains(&remaining) {
                    Some(remaining as u32)
                } else {
                    let raw = self.raw(columns.remaining_months);
                    let rule = match term_months {
                        Some(term) => {
                            format!("must be a whole number from 1 to term_months ({term})")
                        }
                        None => "must be a whole number from 1 to 60".to_owned(),
                    };
                    self.problem("remaining_months", raw, &rule);
                    None
                }
            });

        let cell = self.number(columns.rate, "rate");
        let rate = self.required(cell, columns.rate, "rate").and_then(|rate| {
            if (0.0..=1.0).contains(&rate) {
                Some(rate)
            } else {
                let raw = self.raw(columns.rate);
                self.problem("rate", raw, "must be in [0, 1]");
                None
            }
        });

        let score = self.score(columns.score);
        let pd_12m = self.pd_12m(columns.pd_12m);
        if let (Cell::Empty, Cell::Empty) = (&score, &pd_12m) {
            self.broken = true;
            let label = self.problems.label;
            let line = self.line;
            self.problems.push(format!(
                "{label}:{line}: columns `score` and `pd_12m`: both empty; give at least one"
            ));
        }

        let original_principal = self.original_principal(columns.original_principal, balance);

        let segment = match columns.segment.map(|index| self.raw(index)) {
            None | Some(b"") => DEFAULT_SEGMENT.to_owned(),
            Some(raw) => match std::str::from_utf8(raw) {
                Ok(text) => text.to_owned(),
                Err(_) => {
                    self.problem("segment", raw, "is not valid UTF-8 text");
                    String::new()
                }
            },
        };

        let days_past_due = match columns.days_past_due {
            None => 0,
            Some(index) => match self.integer(index, "days_past_due") {
                Cell::Empty => 0,
                Cell::Value(days) if (0..=i64::from(u32::MAX)).contains(&days) => days as u32,
                Cell::Value(_) => {
                    let raw = self.raw(index);
                    self.problem("days_past_due", raw, "must be a whole number ≥ 0");
                    0
                }
                Cell::Invalid => 0,
            },
        };

        if self.broken {
            return None;
        }
        // Every value below was checked above; `broken` is false only when all are present.
        let (id, product, balance, term_months, remaining_months, rate) = (
            id?,
            product?,
            balance?,
            term_months?,
            remaining_months?,
            rate?,
        );
        let original_principal = original_principal.unwrap_or_else(|| {
            Receivable::default_original_principal(product, balance, term_months, remaining_months)
        });
        Some(Receivable {
            id,
            product,
            balance,
            original_principal,
            term_months,
            remaining_months,
            rate,
            score: cell_value(score),
            pd_12m: cell_value(pd_12m),
            segment,
            days_past_due,
        })
    }

    fn id(&mut self, index: usize, ids: &mut IdIndex) -> Option<String> {
        let raw = self.raw(index);
        if raw.is_empty() {
            self.problem("id", raw, "is empty; every receivable needs a unique id");
            return None;
        }
        let Ok(id) = std::str::from_utf8(raw) else {
            self.problem("id", raw, "is not valid UTF-8 text");
            return None;
        };
        if let Some(first) = ids.first_line_or_insert(raw, self.line) {
            self.problem(
                "id",
                raw,
                &format!("duplicates the id on line {first}; ids must be unique"),
            );
            return None;
        }
        Some(id.to_owned())
    }

    fn score(&mut self, index: Option<usize>) -> Cell<f64> {
        let Some(index) = index else {
            return Cell::Empty;
        };
        match self.number(index, "score") {
            Cell::Value(score) if !score_is_in_range(score) => {
                let raw = self.raw(index);
                let (lowest, highest) = TAPE_SCORE_RANGE;
                self.problem(
                    "score",
                    raw,
                    &format!(
                        "must be a score from {} to {}, where its 12-month PD lies strictly between 0 and 1",
                        grouped(lowest),
                        grouped(highest)
                    ),
                );
                Cell::Invalid
            }
            cell => cell,
        }
    }

    fn pd_12m(&mut self, index: Option<usize>) -> Cell<f64> {
        let Some(index) = index else {
            return Cell::Empty;
        };
        match self.number(index, "pd_12m") {
            Cell::Value(pd) if !(pd > 0.0 && pd < 1.0) => {
                let raw = self.raw(index);
                self.problem("pd_12m", raw, "must be in (0, 1)");
                Cell::Invalid
            }
            cell => cell,
        }
    }

    /// The given original principal (`None` when the cell or column is absent, or invalid).
    fn original_principal(&mut self, index: Option<usize>, balance: Option<f64>) -> Option<f64> {
        let index = index?;
        let Cell::Value(original) = self.number(index, "original_principal") else {
            return None;
        };
        let raw = self.raw(index);
        if !(MIN_BALANCE_CNY..=MAX_RECEIVABLE_BALANCE_CNY).contains(&original) {
            self.problem("original_principal", raw, &amount_rule());
            return None;
        }
        let balance = balance?;
        if original < balance * (1.0 - ORIGINAL_PRINCIPAL_RELATIVE_TOLERANCE) {
            self.problem(
                "original_principal",
                raw,
                &format!("must be ≥ balance ({balance})"),
            );
            return None;
        }
        // Within the tolerance the shortfall is decimal rounding: keep original ≥ balance exact.
        Some(original.max(balance))
    }
}

/// The rule for `balance` and `original_principal`.
fn amount_rule() -> String {
    format!(
        "must be an amount from {MIN_BALANCE_CNY} to {} CNY",
        grouped(MAX_RECEIVABLE_BALANCE_CNY)
    )
}

/// Whether a tape score lies in [`TAPE_SCORE_RANGE`] (and so its PD strictly inside (0, 1)).
fn score_is_in_range(score: f64) -> bool {
    let (lowest, highest) = TAPE_SCORE_RANGE;
    let in_range = (lowest..=highest).contains(&score);
    debug_assert!(!in_range || (0.0 < pd_from_score(score) && pd_from_score(score) < 1.0));
    in_range
}

fn cell_value<T>(cell: Cell<T>) -> Option<T> {
    match cell {
        Cell::Value(value) => Some(value),
        Cell::Empty | Cell::Invalid => None,
    }
}

/// The ids seen so far and the line each first appeared on, for the uniqueness check.
///
/// A `HashMap<String, _>` cost a third of the read time on a million rows (one allocation and
/// a SipHash per id, and freeing them all at the end). Here the ids' bytes share one buffer,
/// the map is keyed by a 64-bit hash of the id, and ids with the same hash are chained and
/// compared byte by byte, so a hash collision can never merge two different ids.
#[derive(Default)]
pub(crate) struct IdIndex {
    text: Vec<u8>,
    entries: Vec<IdEntry>,
    /// Hash of an id → index in `entries` of the latest id with that hash.
    heads: HashMap<u64, u32, BuildHasherDefault<PrehashedKey>>,
}

struct IdEntry {
    start: usize,
    end: usize,
    line: u64,
    /// Previous entry with the same hash (`u32::MAX`: none).
    next: u32,
}

impl IdIndex {
    /// The line where `id` first appeared, or `None` after recording it as seen on `line`.
    pub(crate) fn first_line_or_insert(&mut self, id: &[u8], line: u64) -> Option<u64> {
        let hash = hash_id(id);
        let head = self.heads.get(&hash).copied().unwrap_or(u32::MAX);
        let mut cursor = head;
        while cursor != u32::MAX {
            let entry = &self.entries[cursor as usize];
            if &self.text[entry.start..entry.end] == id {
                return Some(entry.line);
            }
            cursor = entry.next;
        }
        let start = self.text.len();
        self.text.extend_from_slice(id);
        // More than 4 billion rows cannot fit in memory anyway; saturate rather than wrap.
        let index = u32::try_from(self.entries.len()).unwrap_or(u32::MAX - 1);
        self.entries.push(IdEntry {
            start,
            end: self.text.len(),
            line,
            next: head,
        });
        self.heads.insert(hash, index);
        None
    }
}

/// FxHash-style word hash of an id, finished with the MurmurHash3 64-bit mix so every bit of
/// the result depends on every byte (the map uses the result as is).
fn hash_id(id: &[u8]) -> u64 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut hash = id.len() as u64;
    let mut chunks = id.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    hash = (hash.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(SEED);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}

/// Hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
struct PrehashedKey(u64);

impl Hasher for PrehashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used for `u64` keys; fold anything else in for completeness.
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

impl Problems<'_> {
    fn into_tape_error(self) -> TapeError {
        TapeError::Invalid {
            file: self.label.to_owned(),
            problems: self.listed,
            more: self.more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Tape, TapeError> {
        read_tape_from_reader(text.as_bytes(), "t.csv")
    }

    #[test]
    fn id_index_tells_apart_ids_whose_hashes_collide() {
        let mut ids = IdIndex::default();
        assert_eq!(ids.first_line_or_insert(b"A", 2), None);
        // Force a collision: a second, different id chained under the same hash.
        let hash = hash_id(b"A");
        ids.text.extend_from_slice(b"B");
        ids.entries.push(IdEntry {
            start: 1,
            end: 2,
            line: 3,
            next: ids.heads[&hash],
        });
        ids.heads.insert(hash, 1);
        assert_eq!(ids.first_line_or_insert(b"A", 9), Some(2));
        assert_eq!(ids.first_line_or_insert(b"C", 4), None);
        assert_eq!(ids.first_line_or_insert(b"C", 5), Some(4));
    }

    #[test]
    fn hash_depends_on_every_byte_and_the_length() {
        let ids: [&[u8]; 5] = [b"R00000001", b"R00000002", b"R0000000", b"R000000010", b""];
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                assert_ne!(hash_id(a), hash_id(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn whole_numbers_written_as_decimals_are_accepted() {
        let tape = read("id,product,balance,term_months,remaining_months,rate,pd_12m\nA,installment,100,12.0,6.0,0.01,0.02\n")
            .expect("valid");
        assert_eq!(tape.receivables[0].term_months, 12);
        assert_eq!(tape.receivables[0].remaining_months, 6);
    }

    #[test]
    fn cells_and_header_names_are_trimmed_and_a_bom_is_ignored() {
        let tape = read("\u{feff}id, product ,balance,term_months,remaining_months,rate,score\n A , bullet , 10 ,1,1,0, 640 \n")
            .expect("valid");
        let receivable = &tape.receivables[0];
        assert_eq!((receivable.id.as_str(), receivable.balance), ("A", 10.0));
        assert_eq!(receivable.score, Some(640.0));
    }

    #[test]
    fn original_a_hair_below_balance_is_rounding_and_becomes_balance() {
        let tape = read("id,product,balance,original_principal,term_months,remaining_months,rate,pd_12m\nA,annuity,1000,999.9999999999,12,6,0.12,0.02\n")
            .expect("valid");
        assert_eq!(tape.receivables[0].original_principal, 1000.0);
    }

    #[test]
    fn a_column_named_twice_is_a_header_problem() {
        let error = read("id,product,balance,balance,term_months,remaining_months,rate,pd_12m\n")
            .expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "t.csv:1: column `balance`: named twice in the header; keep one"
        );
    }

    #[test]
    fn quoted_multi_line_cells_keep_line_numbers_right() {
        let error = read("id,product,balance,term_months,remaining_months,rate,segment,pd_12m\nA,bullet,10,1,1,0,\"two\nlines\",0.02\nB,bullet,-1,1,1,0,x,0.02\n")
            .expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "t.csv:4: column `balance`: \"-1\" must be an amount from 0.01 to 10,000,000,000 CNY"
        );
    }
}
