//! Applicants (SPEC §2.2): the record, its CSV reader with validation, and its writer.
//!
//! The reader works like the tape's ([`crate::tape::reader`]): one reused
//! [`csv::ByteRecord`], columns found by name in any order, every problem of the file collected
//! (the first [`MAX_LISTED_PROBLEMS`](crate::tape::MAX_LISTED_PROBLEMS) listed, the rest counted), each one line
//! `FILE:LINE: column `NAME`: "VALUE" rule broken`, unknown columns one warning.
//! [`read_applicants_in_chunks`] streams a file in chunks so `decide` on a large file never holds
//! it whole; a chunk is handed over only while the file is still clean, and the read fails at
//! the end if any row broke a rule. Rows are split and their ids checked for duplicates on
//! one thread, in batches, and each batch is parsed and validated in parallel (rayon), the
//! results merged in file order, so problems and applicants come out exactly as a sequential
//! read would give them.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

use csv::ByteRecord;
use rayon::prelude::*;

use super::{write_atomically, write_text};
use crate::tape::encoding::{self, OpenError, Opened, TextEncoding};
use crate::tape::problems::{
    CsvSource, Problems, header_is_blank, header_key, io_error_of, is_utf8, join_problems, line_of,
    not_a_number, not_utf8_problem, unknown_columns_warning,
};
use crate::tape::reader::IdIndex;
use crate::units::{MAX_ORDER_VALUE_CNY, grouped};

/// Lowest and highest external credit score (SPEC §2.2).
pub const EXTERNAL_SCORE_RANGE: (f64, f64) = (350.0, 950.0);

/// `max_order_value` may fall short of `avg_order_value` by this much (CNY: cents rounding in
/// the file) and is then taken as equal to it.
pub const ORDER_VALUE_TOLERANCE_CNY: f64 = 0.01;

/// One applicant's features (SPEC §2.2), and the 12-month outcome in history files.
///
/// Invariants (enforced by the reader and the generator): shares, ratios, `info_completeness`
/// and `login_risk` in [0, 1]; money from 0 to [`MAX_ORDER_VALUE_CNY`];
/// `max_order_value ≥ avg_order_value`;
/// `external_score` in 350–950 when present.
#[derive(Debug, Clone, PartialEq)]
pub struct Applicant {
    pub applicant_id: String,
    /// Orders in the last 12 months.
    pub orders_12m: u32,
    /// Average order value over the last 12 months, CNY.
    pub avg_order_value: f64,
    /// Share of orders returned.
    pub return_rate: f64,
    /// Share of past repayments made on time.
    pub on_time_ratio: f64,
    /// Delinquencies (missed repayments) in the last 12 months.
    pub delinquencies_12m: u32,
    /// Open credit lines with other lenders.
    pub other_credit_lines: u32,
    /// Share of the personal-information form filled in and checked.
    pub info_completeness: f64,
    /// Identity verified (real-name check).
    pub id_verified: bool,
    /// External credit score (350–950); `None` when the score service did not answer.
    pub external_score: Option<f64>,
    /// Credit applications in the last 7 days (here and elsewhere).
    pub applications_7d: u32,
    /// Device/login risk from the risk-control system, 0 (safe) to 1.
    pub login_risk: f64,
    /// Largest single order in the last 12 months, CNY.
    pub max_order_value: f64,
    /// Share of order value spent on electronics.
    pub electronics_share: f64,
    /// Whether the applicant defaulted within 12 months (history files only).
    pub defaulted_12m: Option<bool>,
}

impl Applicant {
    /// Average monthly spend over the last 12 months, CNY: the spending capacity that scales
    /// credit limits.
    ///
    /// # Formula
    /// `orders_12m × avg_order_value / 12`
    pub fn monthly_spend_cny(&self) -> f64 {
        f64::from(self.orders_12m) * self.avg_order_value / crate::units::MONTHS_PER_YEAR
    }
}

/// Why an applicants file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ApplicantError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read the applicants: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// An output file could not be written.
    #[error("{file}: cannot write: {source}")]
    Write {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file breaks SPEC §2.2. `problems` holds up to [`MAX_LISTED_PROBLEMS`](crate::tape::MAX_LISTED_PROBLEMS) lines of the
    /// form `FILE:LINE: column `NAME`: "VALUE" rule broken`; `more` counts the ones left out.
    #[error("{}", join_problems(problems, *more))]
    Invalid {
        file: String,
        problems: Vec<String>,
        more: usize,
    },
    /// The file has no applicants.
    #[error("{file}: the file has no applicants; add at least one row below the header")]
    Empty { file: String },
}

impl ApplicantError {
    /// True when the user's input is at fault (exit code 2), false for I/O failures (exit 1).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ApplicantError::Invalid { .. } | ApplicantError::Empty { .. }
        )
    }
}

/// A validated applicants file: the applicants in file order, and warnings (unknown columns).
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicantFile {
    pub applicants: Vec<Applicant>,
    pub warnings: Vec<String>,
}

/// The columns of an applicants file, in the order the writer uses; `defaulted_12m` last and
/// only in history files.
pub const APPLICANT_COLUMNS: [&str; 15] = [
    "applicant_id",
    "orders_12m",
    "avg_order_value",
    "return_rate",
    "on_time_ratio",
    "delinquencies_12m",
    "other_credit_lines",
    "info_completeness",
    "id_verified",
    "external_score",
    "applications_7d",
    "login_risk",
    "max_order_value",
    "electronics_share",
    "defaulted_12m",
];

/// Columns every file must have: all but `defaulted_12m`.
const REQUIRED_COLUMNS: usize = 14;

/// Reads and validates a whole applicants file.
///
/// # Errors
/// [`ApplicantError::Io`] when the file cannot be read, [`ApplicantError::Invalid`] listing
/// every problem, [`ApplicantError::Empty`] when it holds no applicants.
pub fn read_applicants(path: &Path) -> Result<ApplicantFile, ApplicantError> {
    let label = path.display().to_string();
    let opened = open_text(path, &label)?;
    let mut file = read_applicants_from_reader(opened.reader, &label)?;
    file.warnings.splice(0..0, opened.note);
    Ok(file)
}

/// The file as UTF-8 text: UTF-8, else GB18030 (GBK) when it decodes as that
/// ([`crate::tape::encoding`]).
fn open_text(path: &Path, label: &str) -> Result<Opened, ApplicantError> {
    encoding::open(path, label, TextEncoding::Auto).map_err(|error| match error {
        OpenError::Io(source) => ApplicantError::Io {
            file: label.to_owned(),
            source,
        },
        OpenError::NotText(problem) => ApplicantError::Invalid {
            file: label.to_owned(),
            problems: vec![problem],
            more: 0,
        },
    })
}

/// Reads and validates applicants from any byte stream; `label` names it in messages.
///
/// # Errors
/// As [`read_applicants`].
pub fn read_applicants_from_reader<R: Read>(
    reader: R,
    label: &str,
) -> Result<ApplicantFile, ApplicantError> {
    let mut applicants = Vec::new();
    let warnings = stream(reader, label, usize::MAX, |chunk| {
        applicants.extend(chunk);
        Ok(())
    })?;
    Ok(ApplicantFile {
        applicants,
        warnings,
    })
}

/// Streams the applicants file at `path` to `on_chunk` in chunks of `chunk_len` applicants
/// (the last may be shorter), in file order, and returns the warnings.
///
/// Chunks are handed over only while every row so far is valid; after the first problem the
/// rest of the file is still validated (all problems are reported at once) but nothing more is
/// handed over, and the call fails. A caller writing output must therefore write it to a
/// temporary file and keep it only on success.
///
/// # Errors
/// As [`read_applicants`], or the error `on_chunk` returns.
pub fn read_applicants_in_chunks(
    path: &Path,
    chunk_len: usize,
    on_chunk: impl FnMut(Vec<Applicant>) -> Result<(), ApplicantError>,
) -> Result<Vec<String>, ApplicantError> {
    let label = path.display().to_string();
    let opened = open_text(path, &label)?;
    let mut warnings = stream(opened.reader, &label, chunk_len.max(1), on_chunk)?;
    warnings.splice(0..0, opened.note);
    Ok(warnings)
}

fn stream<R: Read>(
    reader: R,
    label: &str,
    chunk_len: usize,
    mut on_chunk: impl FnMut(Vec<Applicant>) -> Result<(), ApplicantError>,
) -> Result<Vec<String>, ApplicantError> {
    let mut source = CsvSource::new(reader);
    let io_error = |error: csv::Error| ApplicantError::Io {
        file: label.to_owned(),
        source: io_error_of(error),
    };
    let not_utf8 = |line: u64| {
        // One problem for the whole file, not one per cell (SPEC §2.1, §2.2).
        let mut problems = Problems::new(label);
        problems.push(not_utf8_problem(label, line));
        problems.into_applicant_error()
    };

    let (header, header_line) = source.header().map_err(io_error)?;
    if header_is_blank(&header) {
        return Err(ApplicantError::Empty {
            file: label.to_owned(),
        });
    }
    if !is_utf8(&header) {
        return Err(not_utf8(header_line));
    }
    let mut problems = Problems::new(label);
    let mut warnings = Vec::new();
    let Some(columns) = Columns::locate(&header, header_line, &mut problems, &mut warnings) else {
        return Err(problems.into_applicant_error());
    };

    let batch_len = chunk_len.clamp(1, PARSE_BATCH);
    let mut records: Vec<ByteRecord> = Vec::new();
    let mut duplicates: Vec<Option<u64>> = Vec::new();
    let mut ids = IdIndex::default();
    let mut rows = 0usize;
    let mut ready: Vec<Applicant> = Vec::new();
    loop {
        // Split a batch of rows and check ids for duplicates: cheap and sequential (the
        // first occurrence of an id must win).
        let mut filled = 0;
        while filled < batch_len {
            if filled == records.len() {
                records.push(ByteRecord::new());
                duplicates.push(None);
            }
            if !source.read(&mut records[filled]).map_err(io_error)? {
                break;
            }
            let record = &records[filled];
            if !is_utf8(record) {
                return Err(not_utf8(line_of(record)));
            }
            duplicates[filled] = None;
            if record.len() == header.len() {
                let raw = record.get(columns.index[0]).unwrap_or(b"").trim_ascii();
                if !raw.is_empty() {
                    duplicates[filled] = ids.first_line_or_insert(raw, line_of(record));
                }
            }
            filled += 1;
        }
        rows += filled;
        // Parse and validate the batch in parallel; parts come back in file order.
        let parts: Vec<ParsedRows> = records[..filled]
            .par_chunks(PARSE_PART)
            .zip(duplicates[..filled].par_chunks(PARSE_PART))
            .map(|(records, duplicates)| {
                parse_rows(records, duplicates, &columns, header.len(), label)
            })
            .collect();
        for part in parts {
            problems.absorb(part.listed, part.more);
            if problems.total() == 0 {
                ready.extend(part.applicants);
            }
        }
        if problems.total() > 0 {
            // The file is invalid: keep validating, stop handing applicants over.
            ready = Vec::new();
        }
        while ready.len() >= chunk_len {
            let rest = ready.split_off(chunk_len);
            on_chunk(std::mem::replace(&mut ready, rest))?;
        }
        if filled < batch_len {
            break;
        }
    }
    if problems.total() > 0 {
        return Err(problems.into_applicant_error());
    }
    if rows == 0 {
        return Err(ApplicantError::Empty {
            file: label.to_owned(),
        });
    }
    if !ready.is_empty() {
        on_chunk(ready)?;
    }
    Ok(warnings)
}

/// Rows split per batch before parsing, and rows per parallel parsing task.
const PARSE_BATCH: usize = 1 << 16;
const PARSE_PART: usize = 2048;

/// The valid applicants and the problems of consecutive rows.
struct ParsedRows {
    applicants: Vec<Applicant>,
    listed: Vec<String>,
    more: usize,
}

fn parse_rows(
    records: &[ByteRecord],
    duplicates: &[Option<u64>],
    columns: &Columns,
    header_len: usize,
    label: &str,
) -> ParsedRows {
    let mut problems = Problems::new(label);
    let mut applicants = Vec::with_capacity(records.len());
    for (record, &duplicate_of) in records.iter().zip(duplicates) {
        let line = line_of(record);
        if record.len() != header_len {
            problems.push(format!(
                "{label}:{line}: the row has {} fields but the header has {header_len}; check the separators and quotes",
                record.len(),
            ));
            continue;
        }
        let mut row = Row {
            record,
            line,
            problems: &mut problems,
            broken: false,
        };
        if let Some(applicant) = row.parse(columns, duplicate_of) {
            applicants.push(applicant);
        }
    }
    ParsedRows {
        applicants,
        listed: problems.listed,
        more: problems.more,
    }
}

/// Where each column sits in a row, indexed like [`APPLICANT_COLUMNS`].
struct Columns {
    index: [usize; REQUIRED_COLUMNS],
    defaulted_12m: Option<usize>,
}

impl Columns {
    /// Finds the columns by name (in any letter case, surrounding spaces ignored); records
    /// header problems (on `line`, the header's) and returns `None` when a required column is
    /// missing or a column is named twice.
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
            let Some(&known) = APPLICANT_COLUMNS.iter().find(|&&known| known == name) else {
                unknown.push(format!("`{shown}`"));
                continue;
            };
            if position.insert(known, index).is_some() {
                problems.push(format!(
                    "{label}:{line}: column `{known}`: named twice in the header; keep one"
                ));
            }
        }
        for required in &APPLICANT_COLUMNS[..REQUIRED_COLUMNS] {
            if !position.contains_key(required) {
                problems.push(format!(
                    "{label}:{line}: column `{required}`: missing from the header; it is required"
                ));
            }
        }
        if !unknown.is_empty() {
            warnings.push(unknown_columns_warning(label, line, &unknown));
        }
        if problems.total() > 0 {
            return None;
        }
        Some(Columns {
            index: std::array::from_fn(|column| position[APPLICANT_COLUMNS[column]]),
            defaulted_12m: position.get("defaulted_12m").copied(),
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

impl<'r> Row<'r, '_, '_> {
    fn raw(&self, index: usize) -> &'r [u8] {
        self.record.get(index).unwrap_or(b"").trim_ascii()
    }

    fn problem(&mut self, column: &str, value: &[u8], rule: &str) {
        self.broken = true;
        self.problems.cell(self.line, column, value, rule);
    }

    /// A required number; `None` (reported) when empty, not a number or not finite.
    fn number(&mut self, index: usize, column: &str) -> Option<f64> {
        let raw = self.raw(index);
        if raw.is_empty() {
            self.problem(column, raw, "is empty; a value is required");
            return None;
        }
        match std::str::from_utf8(raw)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
        {
            Some(value) if value.is_finite() => Some(value),
            Some(_) => {
                self.problem(column, raw, "must be a finite number");
                None
            }
            None => {
                self.problem(column, raw, &not_a_number(raw));
                None
            }
        }
    }

    /// A required number in [0, 1].
    fn share(&mut self, index: usize, column: &str) -> Option<f64> {
        let value = self.number(index, column)?;
        if (0.0..=1.0).contains(&value) {
            Some(value)
        } else {
            let raw = self.raw(index);
            self.problem(column, raw, "must be in [0, 1]");
            None
        }
    }

    /// A required order value: an amount from 0 to [`MAX_ORDER_VALUE_CNY`].
    fn money(&mut self, index: usize, column: &str) -> Option<f64> {
        let value = self.number(index, column)?;
        if (0.0..=MAX_ORDER_VALUE_CNY).contains(&value) {
            Some(value)
        } else {
            let raw = self.raw(index);
            self.problem(
                column,
                raw,
                &format!(
                    "must be an amount from 0 to {} CNY",
                    grouped(MAX_ORDER_VALUE_CNY)
                ),
            );
            None
        }
    }

    /// A required count: a whole number from 0 to 4,294,967,295 (`12.0` accepted).
    fn count(&mut self, index: usize, column: &str) -> Option<u32> {
        let raw = self.raw(index);
        if raw.is_empty() {
            self.problem(column, raw, "is empty; a value is required");
            return None;
        }
        let text = std::str::from_utf8(raw).unwrap_or("");
        let value = match text.parse::<i64>() {
            Ok(value) => Some(value as f64),
            // Spreadsheets write whole numbers as `12.0`; accept those, refuse `12.5`.
            Err(_) => text.parse::<f64>().ok(),
        };
        match value {
            Some(value) if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) => {
                Some(value as u32)
            }
            Some(_) => {
                self.problem(column, raw, "must be a whole number ≥ 0");
                None
            }
            None => {
                self.problem(column, raw, &not_a_number(raw));
                None
            }
        }
    }

    fn parse(&mut self, columns: &Columns, duplicate_of: Option<u64>) -> Option<Applicant> {
        let [
            id,
            orders,
            avg_value,
            return_rate,
            on_time,
            delinquencies,
            lines,
            completeness,
            verified,
            external,
            applications,
            login,
            max_value,
            electronics,
        ] = columns.index;
        let applicant_id = self.id(id, duplicate_of);
        let orders_12m = self.count(orders, "orders_12m");
        let avg_order_value = self.money(avg_value, "avg_order_value");
        let return_rate = self.share(return_rate, "return_rate");
        let on_time_ratio = self.share(on_time, "on_time_ratio");
        let delinquencies_12m = self.count(delinquencies, "delinquencies_12m");
        let other_credit_lines = self.count(lines, "other_credit_lines");
        let info_completeness = self.share(completeness, "info_completeness");
        let id_verified = self.id_verified(verified);
        let external_score = self.external_score(external);
        let applications_7d = self.count(applications, "applications_7d");
        let login_risk = self.share(login, "login_risk");
        let max_order_value = self.max_order_value(max_value, avg_order_value);
        let electronics_share = self.share(electronics, "electronics_share");
        let defaulted_12m = columns.defaulted_12m.map(|index| self.defaulted(index));

        if self.broken {
            return None;
        }
        Some(Applicant {
            applicant_id: applicant_id?,
            orders_12m: orders_12m?,
            avg_order_value: avg_order_value?,
            return_rate: return_rate?,
            on_time_ratio: on_time_ratio?,
            delinquencies_12m: delinquencies_12m?,
            other_credit_lines: other_credit_lines?,
            info_completeness: info_completeness?,
            id_verified: id_verified?,
            external_score: external_score?,
            applications_7d: applications_7d?,
            login_risk: login_risk?,
            max_order_value: max_order_value?,
            electronics_share: electronics_share?,
            defaulted_12m: match defaulted_12m {
                None => None,
                Some(cell) => Some(cell?),
            },
        })
    }

    /// The id; `duplicate_of` is the line of its first occurrence when it repeats one.
    fn id(&mut self, index: usize, duplicate_of: Option<u64>) -> Option<String> {
        let raw = self.raw(index);
        if raw.is_empty() {
            self.problem(
                "applicant_id",
                raw,
                "is empty; every applicant needs a unique id",
            );
            return None;
        }
        let Ok(id) = std::str::from_utf8(raw) else {
            self.problem("applicant_id", raw, "is not valid UTF-8 text");
            return None;
        };
        if let Some(first) = duplicate_of {
            self.problem(
                "applicant_id",
                raw,
                &format!("duplicates the id on line {first}; ids must be unique"),
            );
            return None;
        }
        Some(id.to_owned())
    }

    fn id_verified(&mut self, index: usize) -> Option<bool> {
        let raw = self.raw(index);
        match raw {
            b"true" | b"TRUE" | b"True" | b"1" => Some(true),
            b"false" | b"FALSE" | b"False" | b"0" => Some(false),
            _ => {
                self.problem("id_verified", raw, "must be true or false (or 1 or 0)");
                None
            }
        }
    }

    /// `Some(None)` for an empty cell (the score service did not answer), `None` when invalid.
    fn external_score(&mut self, index: usize) -> Option<Option<f64>> {
        if self.raw(index).is_empty() {
            return Some(None);
        }
        let score = self.number(index, "external_score")?;
        if (EXTERNAL_SCORE_RANGE.0..=EXTERNAL_SCORE_RANGE.1).contains(&score) {
            Some(Some(score))
        } else {
            let raw = self.raw(index);
            self.problem(
                "external_score",
                raw,
                "must be from 350 to 950, or empty when the score service did not answer",
            );
            None
        }
    }

    fn max_order_value(&mut self, index: usize, average: Option<f64>) -> Option<f64> {
        let maximum = self.money(index, "max_order_value")?;
        let average = average?;
        if maximum < average - ORDER_VALUE_TOLERANCE_CNY {
            let raw = self.raw(index);
            self.problem(
                "max_order_value",
                raw,
                &format!("must be ≥ avg_order_value ({average})"),
            );
            return None;
        }
        // Within the tolerance the shortfall is rounding: keep max ≥ average exact.
        Some(maximum.max(average))
    }

    fn defaulted(&mut self, index: usize) -> Option<bool> {
        let raw = self.raw(index);
        match raw {
            b"1" => Some(true),
            b"0" => Some(false),
            _ => {
                self.problem("defaulted_12m", raw, "must be 0 or 1");
                None
            }
        }
    }
}

/// Writes `applicants` to `path` atomically (through `path` + `.tmp`, then a rename).
///
/// The `defaulted_12m` column is written when every applicant has an outcome (a history
/// file), and left out otherwise. Numbers use Rust's shortest round-trip form, so reading the
/// file back gives the same values; an empty `external_score` is an outage.
///
/// # Errors
/// [`ApplicantError::Write`] naming `path`.
pub fn write_applicants(path: &Path, applicants: &[Applicant]) -> Result<(), ApplicantError> {
    write_atomically(path, |out| write_rows(out, applicants)).map_err(|source| {
        ApplicantError::Write {
            file: path.display().to_string(),
            source,
        }
    })
}

/// Writes `applicants` as CSV (header included) to `out`; see [`write_applicants`].
///
/// # Errors
/// [`ApplicantError::Write`] with the file name `<stream>`.
pub fn write_applicants_to<W: Write>(
    out: W,
    applicants: &[Applicant],
) -> Result<(), ApplicantError> {
    let mut out = std::io::BufWriter::new(out);
    write_rows(&mut out, applicants)
        .and_then(|()| out.flush())
        .map_err(|source| ApplicantError::Write {
            file: "<stream>".to_owned(),
            source,
        })
}

fn write_rows<W: Write>(out: &mut W, applicants: &[Applicant]) -> std::io::Result<()> {
    let with_outcomes =
        !applicants.is_empty() && applicants.iter().all(|a| a.defaulted_12m.is_some());
    let columns = if with_outcomes {
        &APPLICANT_COLUMNS[..]
    } else {
        &APPLICANT_COLUMNS[..REQUIRED_COLUMNS]
    };
    writeln!(out, "{}", columns.join(","))?;
    for a in applicants {
        write_text(out, &a.applicant_id)?;
        write!(
            out,
            ",{},{},{},{},{},{},{},{},",
            a.orders_12m,
            a.avg_order_value,
            a.return_rate,
            a.on_time_ratio,
            a.delinquencies_12m,
            a.other_credit_lines,
            a.info_completeness,
            a.id_verified,
        )?;
        if let Some(score) = a.external_score {
            write!(out, "{score}")?;
        }
        write!(
            out,
            ",{},{},{},{}",
            a.applications_7d, a.login_risk, a.max_order_value, a.electronics_share
        )?;
        if with_outcomes {
            write!(out, ",{}", u8::from(a.defaulted_12m == Some(true)))?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

impl Problems<'_> {
    fn into_applicant_error(self) -> ApplicantError {
        ApplicantError::Invalid {
            file: self.label.to_owned(),
            problems: self.listed,
            more: self.more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "applicant_id,orders_12m,avg_order_value,return_rate,on_time_ratio,delinquencies_12m,other_credit_lines,info_completeness,id_verified,external_score,applications_7d,login_risk,max_order_value,electronics_share";

    #[test]
    fn a_valid_row_reads_with_spreadsheet_conventions() {
        let text = format!(
            "\u{feff}{HEADER}\n A1 ,12.0,150.5,0.05,0.98,0,2,0.9,TRUE,,1,0.1,150.495,0.3\n"
        );
        let file = read_applicants_from_reader(text.as_bytes(), "a.csv").expect("valid");
        let a = &file.applicants[0];
        assert_eq!(a.applicant_id, "A1");
        assert_eq!(a.orders_12m, 12);
        assert!(a.id_verified);
        assert_eq!(a.external_score, None);
        // Within a cent of the average: rounding, raised to the average.
        assert_eq!(a.max_order_value, 150.5);
        assert_eq!(a.defaulted_12m, None);
    }

    #[test]
    fn chunks_arrive_in_file_order_and_sizes() {
        let mut text = format!("{HEADER}\n");
        for i in 0..5 {
            text.push_str(&format!("A{i},1,10,0,1,0,0,1,1,700,0,0,10,0\n"));
        }
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("a.csv");
        std::fs::write(&path, text).expect("write");
        let mut sizes = Vec::new();
        let mut ids = Vec::new();
        read_applicants_in_chunks(&path, 2, |chunk| {
            sizes.push(chunk.len());
            ids.extend(chunk.into_iter().map(|a| a.applicant_id));
            Ok(())
        })
        .expect("valid");
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(ids, ["A0", "A1", "A2", "A3", "A4"]);
    }
}
