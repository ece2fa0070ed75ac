//! Static-pool (vintage) history (SPEC §2.4): the originator's performance data by vintage
//! and month on book, as it hands it to rating agencies and investors — the input of
//! `calibrate` (SPEC §4.6) — and a synthetic generator of it from a documented true model
//! (`gen-history`), so that calibration can be tested against known answers.
//!
//! The types here hold only valid history: a vintage's rows run from month 0 to its age
//! without gaps, cumulative amounts never decrease, every amount is in [0, originated].

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

use std::fmt;

pub mod generate;
pub mod reader;
pub mod writer;

pub use generate::{TrueModel, Truth, generate};
pub use reader::{HistoryFile, read_history, read_history_file, read_history_from_reader};
pub use writer::{write_history, write_history_to};

/// The segment of a vintage when the file has no `segment` column (or an empty cell).
pub const DEFAULT_SEGMENT: &str = "all";

/// The columns every history file has (SPEC §2.4).
pub const REQUIRED_COLUMNS: [&str; 5] = [
    "vintage",
    "months_on_book",
    "originated",
    "outstanding",
    "charged_off",
];

/// The named optional columns; the delinquency buckets `dpd_1_30`, `dpd_31_60`, … are
/// optional too, recognised by their form.
pub const OPTIONAL_COLUMNS: [&str; 3] = ["segment", "recovered", "prepaid"];

/// Why a history could not be read or written. Every message names the file; validation
/// problems also name the line and the column.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read the history: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("{file}: cannot write the history: {source}")]
    Write {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file breaks SPEC §2.4: up to [`crate::tape::MAX_LISTED_PROBLEMS`] lines
    /// `FILE:LINE: column `NAME`: "VALUE" rule broken`; `more` counts the ones left out.
    #[error("{}", crate::tape::problems::join_problems(problems, *more))]
    Invalid {
        file: String,
        problems: Vec<String>,
        more: usize,
    },
    /// The file has a header but no rows (or is empty).
    #[error("{file}: the history has no rows; add at least one vintage below the header")]
    Empty { file: String },
}

impl HistoryError {
    /// Whether the user can fix it in the input (exit code 2): everything but a failed write.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, HistoryError::Write { .. })
    }
}

/// An origination month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl YearMonth {
    /// Months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        i64::from(later.year - self.year) * 12 + i64::from(later.month) - i64::from(self.month)
    }

    /// The month `months` after `self`.
    pub fn plus_months(self, months: u32) -> YearMonth {
        let index = i64::from(self.year) * 12 + i64::from(self.month - 1) + i64::from(months);
        YearMonth {
            year: (index.div_euclid(12)) as i32,
            month: (index.rem_euclid(12)) as u32 + 1,
        }
    }
}

impl YearMonth {
    /// Parses `YYYY-MM` (four digits, a hyphen, two digits, month 01–12); `None` for
    /// anything else.
    pub fn parse(text: &str) -> Option<YearMonth> {
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
        if bytes.len() != 7 || bytes[4] != b'-' || !digits(0..4) || !digits(5..7) {
            return None;
        }
        let year = text[..4].parse().ok()?;
        let month = text[5..].parse().ok()?;
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One vintage at one month on book: principal amounts in CNY.
#[derive(Debug, Clone, PartialEq)]
pub struct VintageMonth {
    /// 0 = the end of the origination month.
    pub months_on_book: u32,
    /// Principal outstanding at the month's end, performing and delinquent, after
    /// charge-offs.
    pub outstanding: f64,
    /// Principal by days past due at the month's end, one entry per bucket of
    /// [`History::buckets`] (empty when the file has no bucket columns).
    pub delinquent: Vec<f64>,
    /// Cumulative principal charged off.
    pub charged_off: f64,
    /// Cumulative recoveries on charged-off principal (`None`: not in the file).
    pub recovered: Option<f64>,
    /// Cumulative principal prepaid ahead of schedule (`None`: not in the file).
    pub prepaid: Option<f64>,
}

/// One vintage of one segment: its originated principal and its months on book, 0 to its
/// age at the data date, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Vintage {
    pub vintage: YearMonth,
    /// `all` when the file has no `segment` column.
    pub segment: String,
    pub originated: f64,
    /// `months[m].months_on_book == m`.
    pub months: Vec<VintageMonth>,
}

impl Vintage {
    /// The last month on book observed.
    pub fn age(&self) -> u32 {
        self.months.len() as u32 - 1
    }
}

/// A delinquency bucket: days past due from `first_day` to `last_day` (a column
/// `dpd_<first>_<last>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub first_day: u32,
    pub last_day: u32,
}

impl Bucket {
    /// The column name, `dpd_1_30`.
    pub fn column(&self) -> String {
        format!("dpd_{}_{}", self.first_day, self.last_day)
    }
}

/// A whole history: its delinquency buckets (consecutive 30-day buckets from `dpd_1_30`, in
/// order; possibly none) and its vintages, ordered by segment then vintage.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub buckets: Vec<Bucket>,
    pub vintages: Vec<Vintage>,
    /// Whether the file has `recovered` and `prepaid` columns.
    pub has_recovered: bool,
    pub has_prepaid: bool,
}

impl History {
    /// The segments, in order of first appearance.
    pub fn segments(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for v in &self.vintages {
            if !names.contains(&v.segment.as_str()) {
                names.push(&v.segment);
            }
        }
        names
    }

    /// The data date: the latest month any vintage reaches (vintage + age).
    pub fn data_date(&self) -> Option<YearMonth> {
        self.vintages
            .iter()
            .map(|v| v.vintage.plus_months(v.age()))
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_across_years() {
        let jan = YearMonth {
            year: 2018,
            month: 1,
        };
        assert_eq!(jan.plus_months(11).to_string(), "2018-12");
        assert_eq!(jan.plus_months(12).to_string(), "2019-01");
        assert_eq!(jan.plus_months(25).to_string(), "2020-02");
        assert_eq!(jan.months_until(jan.plus_months(37)), 37);
        assert_eq!(jan.plus_months(5).months_until(jan), -5);
    }

    #[test]
    fn year_months_parse_only_in_their_written_form() {
        assert_eq!(
            YearMonth::parse("2019-07"),
            Some(YearMonth {
                year: 2019,
                month: 7
            })
        );
        for bad in [
            "2019-7",
            "2019-13",
            "2019-00",
            "19-07",
            "2019/07",
            "2019-07-01",
            "２０１９-07",
        ] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }
}
