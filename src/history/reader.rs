//! Reading a static-pool history (SPEC §2.4) from CSV, with validation, to the tape's
//! standards (SPEC §2.1): UTF-8 with or without a byte-order mark, columns found by name in
//! any order and letter case, every problem of the file collected (up to
//! [`crate::tape::MAX_LISTED_PROBLEMS`], the rest counted) so the whole file can be fixed in one go, each
//! problem one line `FILE:LINE: column `NAME`: "VALUE" rule broken`, LINE being the file's
//! physical line (the header is line 1).
//!
//! Two passes: each row is checked on its own as it streams past (numbers, ranges, amounts
//! against `originated`, `recovered` against `charged_off`, buckets against `outstanding`);
//! then each vintage's rows together (one segment, one `originated`, months on book 0 to the
//! age without gaps or duplicates, cumulative columns never decreasing). Rows may come in any
//! order: a vintage's rows are sorted by month on book. A vintage with a broken row is left
//! out of the second pass, so a bad cell is not reported a second time as a gap.
//!
//! Unknown columns are ignored with a warning, as the tape reader does (an originator's
//! extract often carries extra columns such as `product_name`); a column that looks like a
//! bucket (`dpd_…`) but is not one of the consecutive 30-day buckets from `dpd_1_30` is an
//! error, since a bucket silently dropped would change the roll rates.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;

use super::{
    Bucket, DEFAULT_SEGMENT, History, HistoryError, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Vintage,
    VintageMonth, YearMonth,
};
use crate::tape::encoding::{self, OpenError, TextEncoding};
use crate::tape::problems::{
    CsvSource, Problems, clip, header_is_blank, header_key, io_error_of, is_utf8, line_of,
    not_a_number, not_utf8_problem, show_number, unknown_columns_warning,
};

/// Days in each delinquency bucket (SPEC §2.4: 30-day buckets).
pub const BUCKET_DAYS: u32 = 30;

/// A validated history and the warnings that did not stop the read (unknown columns).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryFile {
    pub history: History,
    pub warnings: Vec<String>,
}

/// Reads and validates the history at `path`, dropping the warnings (see
/// [`read_history_file`] to keep them).
///
/// # Errors
/// As [`read_history_file`].
pub fn read_history(path: &Path) -> Result<History, HistoryError> {
    read_history_file(path).map(|file| file.history)
}

/// Reads and validates the history at `path`, with its warnings.
///
/// # Errors
/// [`HistoryError::Io`] when the file cannot be read, [`HistoryError::Invalid`] listing
/// every problem of the file, [`HistoryError::Empty`] when it holds no rows.
pub fn read_history_file(path: &Path) -> Result<HistoryFile, HistoryError> {
    let label = path.display().to_string();
    let opened = encoding::open(path, &label, TextEncoding::Auto).map_err(|error| match error {
        OpenError::Io(source) => HistoryError::Io {
            file: label.clone(),
            source,
        },
        OpenError::NotText(problem) => HistoryError::Invalid {
            file: label.clone(),
            problems: vec![problem],
            more: 0,
        },
    })?;
    let mut file = read_history_from_reader(opened.reader, &label)?;
    file.warnings.splice(0..0, opened.note);
    Ok(file)
}

/// Reads and validates a history from any byte stream; `label` stands for the file name in
/// messages.
///
/// # Errors
/// As [`read_history_file`].
pub fn read_history_from_reader<R: Read>(
    reader: R,
    label: &str,
) -> Result<HistoryFile, HistoryError> {
    let mut source = CsvSource::new(reader);
    let io_error = |error: csv::Error| HistoryError::Io {
        file: label.to_owned(),
        source: io_error_of(error),
    };
    let (header, header_line) = source.header().map_err(io_error)?;
    if header_is_blank(&header) {
        return Err(HistoryError::Empty {
            file: label.to_owned(),
        });
    }
    let mut problems = Problems::new(label);
    if !is_utf8(&header) {
        problems.push(not_utf8_problem(label, header_line));
        return Err(invalid(problems));
    }
    let mut warnings = Vec::new();
    let Some(columns) = Columns::locate(&header, header_line, &mut problems, &mut warnings) else {
        return Err(invalid(problems));
    };

    let mut rows = Vec::new();
    let mut broken_vintages: Vec<YearMonth> = Vec::new();
    let mut row_count = 0usize;
    let mut record = ByteRecord::new();
    while source.read(&mut record).map_err(io_error)? {
        row_count += 1;
        let line = line_of(&record);
        if !is_utf8(&record) {
            // One problem for the whole file, not one per cell (as the tape).
            let mut problems = Problems::new(label);
            problems.push(not_utf8_problem(label, line));
            return Err(invalid(problems));
        }
        if record.len() != header.len() {
            problems.push(format!(
                "{label}:{line}: the row has {} fields but the header has {}; check the separators and quotes",
                record.len(),
                header.len()
            ));
            continue;
        }
        let mut cells = Cells {
            record: &record,
            line,
            problems: &mut problems,
            broken: false,
        };
        match cells.parse(&columns) {
            Ok(row) => rows.push(row),
            Err(Some(vintage)) => broken_vintages.push(vintage),
            Err(None) => {}
        }
    }
    if row_count == 0 && problems.total() == 0 {
        return Err(HistoryError::Empty {
            file: label.to_owned(),
        });
    }

    let vintages = check_vintages(rows, &broken_vintages, &columns, &mut problems);
    if problems.total() > 0 {
        return Err(invalid(problems));
    }
    Ok(HistoryFile {
        history: History {
            buckets: columns
                .buckets
                .iter()
                .map(|(bucket, _)| bucket.clone())
                .collect(),
            vintages,
            has_recovered: columns.recovered.is_some(),
            has_prepaid: columns.prepaid.is_some(),
        },
        warnings,
    })
}

fn invalid(problems: Problems<'_>) -> HistoryError {
    HistoryError::Invalid {
        file: problems.label.to_owned(),
        problems: problems.listed,
        more: problems.more,
    }
}

/// Where each column sits in a row.
struct Columns {
    vintage: usize,
    months_on_book: usize,
    originated: usize,
    outstanding: usize,
    charged_off: usize,
    segment: Option<usize>,
    recovered: Option<usize>,
    prepaid: Option<usize>,
    /// The buckets in order of days past due, each with its column.
    buckets: Vec<(Bucket, usize)>,
}

/// A header name of the form `dpd_<first>_<last>`, as numbers (`None`: not of that form).
fn bucket_of(name: &str) -> Option<Bucket> {
    let (first, last) = name.strip_prefix("dpd_")?.split_once('_')?;
    let number = |text: &str| {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    Some(Bucket {
        first_day: number(first)?,
        last_day: number(last)?,
    })
}

/// The `index`-th (0-based) 30-day bucket: `dpd_1_30`, `dpd_31_60`, …
pub fn nth_bucket(index: u32) -> Bucket {
    Bucket {
        first_day: index * BUCKET_DAYS + 1,
        last_day: (index + 1) * BUCKET_DAYS,
    }
}

/// Which 30-day bucket `bucket` is (`None`: not one of them).
fn bucket_index(bucket: &Bucket) -> Option<u32> {
    let index = bucket.first_day.checked_sub(1)? / BUCKET_DAYS;
    (nth_bucket(index) == *bucket).then_some(index)
}

const BUCKET_RULE: &str = "buckets are consecutive 30-day columns from `dpd_1_30`: `dpd_1_30`, `dpd_31_60`, `dpd_61_90`, …";

impl Columns {
    /// Finds the columns by name; records header problems (on `line`, the header's) and
    /// returns `None` when there are any.
    fn locate(
        header: &ByteRecord,
        line: u64,
        problems: &mut Problems<'_>,
        warnings: &mut Vec<String>,
    ) -> Option<Columns> {
        let label = problems.label;
        let mut position: HashMap<String, usize> = HashMap::new();
        let mut buckets: BTreeMap<u32, (Bucket, usize)> = BTreeMap::new();
        let mut unknown = Vec::new();
        for (index, raw) in header.iter().enumerate() {
            let (name, shown) = header_key(raw);
            let known = REQUIRED_COLUMNS
                .iter()
                .chain(OPTIONAL_COLUMNS.iter())
                .any(|&known| known == name);
            if known {
                if position.insert(name.clone(), index).is_some() {
                    problems.push(format!(
                        "{label}:{line}: column `{name}`: named twice in the header; keep one"
                    ));
                }
                continue;
            }
            if !name.starts_with("dpd_") {
                unknown.push(format!("`{shown}`"));
                continue;
            }
            match bucket_of(&name)
                .as_ref()
                .and_then(|b| Some((b, bucket_index(b)?)))
            {
                Some((bucket, bucket_index)) => {
                    if buckets
                        .insert(bucket_index, (bucket.clone(), index))
                        .is_some()
                    {
                        problems.push(format!(
                            "{label}:{line}: column `{name}`: named twice in the header; keep one"
                        ));
                    }
                }
                None => problems.push(format!(
                    "{label}:{line}: column `{shown}`: not a delinquency bucket; {BUCKET_RULE}"
                )),
            }
        }
        // A gap: every bucket after the first missing one is reported, naming the missing one.
        let mut expected = 0;
        for (&index, (bucket, _)) in &buckets {
            if index != expected {
                problems.push(format!(
                    "{label}:{line}: column `{}`: bucket without the column `{}` before it; {BUCKET_RULE}",
                    bucket.column(),
                    nth_bucket(expected).column()
                ));
            } else {
                expected += 1;
            }
        }
        for required in REQUIRED_COLUMNS {
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
            vintage: position["vintage"],
            months_on_book: position["months_on_book"],
            originated: position["originated"],
            outstanding: position["outstanding"],
            charged_off: position["charged_off"],
            segment: position.get("segment").copied(),
            recovered: position.get("recovered").copied(),
            prepaid: position.get("prepaid").copied(),
            buckets: buckets.into_values().collect(),
        })
    }
}

/// One row that passed the checks of a row on its own.
struct Row {
    line: u64,
    vintage: YearMonth,
    segment: String,
    originated: f64,
    month: VintageMonth,
}

/// One data row being validated; `broken` is set by the first problem found in it.
struct Cells<'r, 'p, 'l> {
    record: &'r ByteRecord,
    line: u64,
    problems: &'p mut Problems<'l>,
    broken: bool,
}

impl<'r> Cells<'r, '_, '_> {
    fn raw(&self, index: usize) -> &'r [u8] {
        self.record.get(index).unwrap_or(b"").trim_ascii()
    }

    fn problem(&mut self, column: &str, index: usize, rule: &str) {
        self.broken = true;
        let raw = self.raw(index);
        self.problems.cell(self.line, column, raw, rule);
    }

    /// The cell as text, or a problem when it is empty.
    fn text(&mut self, index: usize, column: &str) -> Option<&'r str> {
        let raw = self.raw(index);
        if raw.is_empty() {
            self.problem(column, index, "is empty; a value is required");
            return None;
        }
        // The row is UTF-8 (checked before), so this never fails.
        std::str::from_utf8(raw).ok()
    }

    /// An amount: a finite number ≥ 0.
    fn amount(&mut self, index: usize, column: &str) -> Option<f64> {
        let text = self.text(index, column)?;
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Some(value),
            Ok(_) => {
                self.problem(column, index, "must be a finite amount ≥ 0");
                None
            }
            Err(_) => {
                let rule = not_a_number(text.as_bytes());
                self.problem(column, index, &rule);
                None
            }
        }
    }

    /// An amount that is part of `originated` (`None` when that is not known).
    fn part(&mut self, index: usize, column: &str, originated: Option<f64>) -> Option<f64> {
        let value = self.amount(index, column)?;
        if let Some(originated) = originated
            && value > originated
        {
            let rule = format!(
                "must be no larger than originated ({})",
                show_number(originated)
            );
            self.problem(column, index, &rule);
            return None;
        }
        Some(value)
    }

    /// The row's values, or the vintage it belongs to (when that could be read) if broken.
    fn parse(&mut self, columns: &Columns) -> Result<Row, Option<YearMonth>> {
        let vintage = self.text(columns.vintage, "vintage").and_then(|text| {
            let parsed = YearMonth::parse(text);
            if parsed.is_none() {
                self.problem(
                    "vintage",
                    columns.vintage,
                    "must be an origination month YYYY-MM, e.g. 2019-07",
                );
            }
            parsed
        });
        let segment = match columns.segment.map(|index| self.raw(index)) {
            None | Some(b"") => DEFAULT_SEGMENT.to_owned(),
            Some(raw) => String::from_utf8_lossy(raw).into_owned(),
        };
        let months_on_book = self.months_on_book(columns.months_on_book);
        let originated = self
            .amount(columns.originated, "originated")
            .and_then(|value| {
                if value > 0.0 {
                    Some(value)
                } else {
                    self.problem("originated", columns.originated, "must be > 0");
                    None
                }
            });
        let outstanding = self.part(columns.outstanding, "outstanding", originated);
        let charged_off = self.part(columns.charged_off, "charged_off", originated);
        let recovered = columns
            .recovered
            .map(|index| self.part(index, "recovered", originated));
        let prepaid = columns
            .prepaid
            .map(|index| self.part(index, "prepaid", originated));
        let mut delinquent = Vec::with_capacity(columns.buckets.len());
        for (bucket, index) in &columns.buckets {
            delinquent.push(self.part(*index, &bucket.column(), originated));
        }

        if let (Some(Some(recovered)), Some(charged_off), Some(index)) =
            (recovered, charged_off, columns.recovered)
            && recovered > charged_off
        {
            let rule = format!(
                "must be no larger than charged_off ({}): recoveries come from charged-off principal",
                show_number(charged_off)
            );
            self.problem("recovered", index, &rule);
        }
        if let (Some(outstanding), Some(&(_, first_index))) = (outstanding, columns.buckets.first())
            && delinquent.iter().all(Option::is_some)
        {
            let total: f64 = delinquent.iter().flatten().sum();
            // A relative allowance for the decimals of a file that rounds each bucket.
            if total > outstanding * (1.0 + 1e-12) {
                let rule = format!(
                    "with the other buckets sums to {}, more than outstanding ({}): delinquent principal is part of outstanding",
                    show_number(total),
                    show_number(outstanding)
                );
                self.problem(&columns.buckets[0].0.column(), first_index, &rule);
            }
        }

        if self.broken {
            return Err(vintage);
        }
        // Every value was checked above; `broken` is false only when all are present.
        let (Some(vintage), Some(months_on_book), Some(originated)) =
            (vintage, months_on_book, originated)
        else {
            return Err(None);
        };
        Ok(Row {
            line: self.line,
            vintage,
            segment,
            originated,
            month: VintageMonth {
                months_on_book,
                outstanding: outstanding.ok_or(Some(vintage))?,
                delinquent: delinquent
                    .into_iter()
                    .collect::<Option<Vec<f64>>>()
                    .ok_or(Some(vintage))?,
                charged_off: charged_off.ok_or(Some(vintage))?,
                recovered: recovered.map(|r| r.ok_or(Some(vintage))).transpose()?,
                prepaid: prepaid.map(|p| p.ok_or(Some(vintage))).transpose()?,
            },
        })
    }

    fn months_on_book(&mut self, index: usize) -> Option<u32> {
        let text = self.text(index, "months_on_book")?;
        // Spreadsheets write whole numbers as `12.0`; accept those, refuse `12.5`.
        let whole = text.parse::<i64>().ok().or_else(|| {
            text.parse::<f64>()
                .ok()
                .filter(|v| v.fract() == 0.0 && v.abs() < 1e15)
                .map(|v| v as i64)
        });
        match whole.map(u32::try_from) {
            Some(Ok(months)) => Some(months),
            _ => {
                self.problem("months_on_book", index, "must be a whole number ≥ 0");
                None
            }
        }
    }
}

/// The checks of each vintage's rows together; the vintages in order of segment, then
/// vintage. Vintages in `broken` (with a row that failed on its own) are left out.
fn check_vintages(
    rows: Vec<Row>,
    broken: &[YearMonth],
    columns: &Columns,
    problems: &mut Problems<'_>,
) -> Vec<Vintage> {
    let label = problems.label;
    let mut by_vintage: BTreeMap<YearMonth, Vec<Row>> = BTreeMap::new();
    for row in rows {
        if !broken.contains(&row.vintage) {
            by_vintage.entry(row.vintage).or_default().push(row);
        }
    }
    let mut vintages = Vec::with_capacity(by_vintage.len());
    for (vintage, mut rows) in by_vintage {
        let problems_before = problems.total();
        // File order first, so "the first row" of a vintage is the one the user sees first.
        rows.sort_by_key(|row| row.line);
        let first = &rows[0];
        for row in &rows[1..] {
            if row.segment != first.segment {
                problems.push(format!(
                    "{label}:{}: column `segment`: {:?} puts vintage {vintage} in a second segment (it is in `{}` on line {}); a vintage belongs to one segment",
                    row.line,
                    clip(&row.segment),
                    clip(&first.segment),
                    first.line
                ));
            }
            if row.originated != first.originated {
                problems.push(format!(
                    "{label}:{}: column `originated`: {:?} differs from vintage {vintage}'s originated on line {} ({}); it is the same on every row of a vintage",
                    row.line,
                    show_number(row.originated),
                    first.line,
                    show_number(first.originated)
                ));
            }
        }
        rows.sort_by_key(|row| (row.month.months_on_book, row.line));
        let mut expected = 0u32;
        for (index, row) in rows.iter().enumerate() {
            let month = row.month.months_on_book;
            if index > 0 && month == rows[index - 1].month.months_on_book {
                problems.push(format!(
                    "{label}:{}: column `months_on_book`: \"{month}\" repeats vintage {vintage}'s month on book {month} of line {}; one row per vintage and month",
                    row.line,
                    rows[index - 1].line
                ));
                continue;
            }
            if month != expected {
                let missing = if expected + 1 == month {
                    format!("month on book {expected} is missing")
                } else {
                    format!("months on book {expected} to {} are missing", month - 1)
                };
                problems.push(format!(
                    "{label}:{}: column `months_on_book`: \"{month}\" leaves a gap in vintage {vintage}: {missing}; a vintage's rows run from month 0 to its age without gaps",
                    row.line
                ));
            }
            expected = month + 1;
        }
        check_cumulative(&rows, vintage, columns, problems);
        if problems.total() > problems_before {
            continue;
        }
        let segment = rows[0].segment.clone();
        let originated = rows[0].originated;
        vintages.push(Vintage {
            vintage,
            segment,
            originated,
            months: rows.into_iter().map(|row| row.month).collect(),
        });
    }
    vintages.sort_by(|a, b| (&a.segment, a.vintage).cmp(&(&b.segment, b.vintage)));
    vintages
}

/// A cumulative column's value in a month (`None`: not in the file).
type CumulativeOf = fn(&VintageMonth) -> Option<f64>;

/// Cumulative columns never decrease from one month on book to the next (rows sorted).
fn check_cumulative(
    rows: &[Row],
    vintage: YearMonth,
    columns: &Columns,
    problems: &mut Problems<'_>,
) {
    let label = problems.label;
    let cumulative: [(&str, bool, CumulativeOf); 3] = [
        ("charged_off", true, |m| Some(m.charged_off)),
        ("recovered", columns.recovered.is_some(), |m| m.recovered),
        ("prepaid", columns.prepaid.is_some(), |m| m.prepaid),
    ];
    for (column, present, value) in cumulative {
        if !present {
            continue;
        }
        for pair in rows.windows(2) {
            let (Some(before), Some(after)) = (value(&pair[0].month), value(&pair[1].month)) else {
                continue;
            };
            if after < before {
                problems.push(format!(
                    "{label}:{}: column `{column}`: {:?} is less than at month on book {} of vintage {vintage} (line {}: {}); cumulative columns never decrease",
                    pair[1].line,
                    show_number(after),
                    pair[0].month.months_on_book,
                    pair[0].line,
                    show_number(before)
                ));
            }
        }
    }
}
