//! Idealized expected-loss tables by rating and horizon (SPEC §6): the benchmark a
//! tranche's expected loss is held against for its implied rating and for sizing.
//!
//! A table is data (`data/ratings/idealized_el.csv` is built in; `[deal] rating_table`
//! names another with the same layout): one row per rating, best first, columns `y1 … yN`
//! for whole-year horizons.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

use std::path::Path;

use crate::tape::problems::{clip, not_utf8_problem, spreadsheet_number_rule};

/// The built-in idealized expected-loss table (Moody's-style symbols Aaa … B3, y1 … y10).
pub const DEFAULT_TABLE_CSV: &str = include_str!("../data/ratings/idealized_el.csv");

/// Name the built-in table goes by in reports.
pub const DEFAULT_TABLE_NAME: &str = "built-in idealized_el.csv (Aaa..B3, y1..y10)";

/// The built-in idealized default table (cumulative default probability by rating and
/// horizon, the same symbols and horizons; SPEC §7.3's PD_R(w)). Same layout, so the same
/// reader and the same interpolation.
pub const DEFAULT_PD_TABLE_CSV: &str = include_str!("../data/ratings/idealized_pd.csv");

/// Name the built-in default table goes by in reports.
pub const DEFAULT_PD_TABLE_NAME: &str = "built-in idealized_pd.csv (Aaa..B3, y1..y10)";

/// Why a rating table cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RatingTableError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    /// Every problem of the table, each a line `FILE:LINE: what to change`.
    #[error("{}", problems.join("\n"))]
    Invalid { file: String, problems: Vec<String> },
}

impl RatingTableError {
    /// The problem lines (one, for an unreadable file).
    pub fn problems(&self) -> Vec<String> {
        match self {
            RatingTableError::Io { .. } => vec![self.to_string()],
            RatingTableError::Invalid { problems, .. } => problems.clone(),
        }
    }
}

/// Idealized expected loss by rating (best first) and whole-year horizon.
///
/// Invariants (checked by [`RatingTable::parse`]): at least one rating, names unique, horizons
/// `y1, y2, …` in increasing order, every cell in [0, 1], and at each horizon the idealized
/// EL does not decrease from one rating to the next (best to worst), so that "the best
/// rating whose benchmark covers the loss" is well defined.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingTable {
    /// Where the table came from, for reports.
    pub source: String,
    ratings: Vec<String>,
    /// `expected_loss[r][y]` = idealized EL of rating `r` at `y + 1` years.
    expected_loss: Vec<Vec<f64>>,
}

impl Default for RatingTable {
    fn default() -> Self {
        RatingTable::parse(DEFAULT_TABLE_CSV, DEFAULT_TABLE_NAME)
            .expect("the built-in rating table is valid")
    }
}

impl RatingTable {
    /// The built-in idealized default table ([`DEFAULT_PD_TABLE_CSV`]).
    pub fn default_pd() -> RatingTable {
        RatingTable::parse(DEFAULT_PD_TABLE_CSV, DEFAULT_PD_TABLE_NAME)
            .expect("the built-in idealized default table is valid")
    }

    /// Reads a table file (see the module docs for the layout).
    pub fn from_file(path: &Path) -> Result<RatingTable, RatingTableError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| RatingTableError::Io {
            file: file.clone(),
            source,
        })?;
        match std::str::from_utf8(&bytes) {
            Ok(text) => RatingTable::parse(text, &file),
            Err(error) => {
                let before = &bytes[..error.valid_up_to()];
                // Physical lines before the first bad byte: CRLF, CR and LF each end one.
                let breaks = before
                    .iter()
                    .enumerate()
                    .filter(|&(i, &b)| {
                        b == b'\r' || (b == b'\n' && (i == 0 || before[i - 1] != b'\r'))
                    })
                    .count();
                Err(RatingTableError::Invalid {
                    problems: vec![not_utf8_problem(&file, breaks as u64 + 1)],
                    file,
                })
            }
        }
    }

    /// Parses the CSV text of a table; `source` names it in errors and reports. Every problem
    /// of the table is reported, each naming its physical line.
    pub fn parse(text: &str, source: &str) -> Result<RatingTable, RatingTableError> {
        let mut problems = Vec::new();
        let mut lines = physical_lines(text)
            .enumerate()
            .map(|(index, line)| (index + 1, line))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((header_line, header)) = lines.next() else {
            return Err(RatingTableError::Invalid {
                file: source.to_string(),
                problems: vec![format!("{source}:1: the table is empty")],
            });
        };
        let header = header.trim_start_matches('\u{feff}');
        let columns: Vec<&str> = header.split(',').map(str::trim).collect();
        let mut header_ok = columns.len() >= 2 && columns[0].eq_ignore_ascii_case("rating");
        if !header_ok {
            problems.push(format!(
                "{source}:{header_line}: the header must be `rating,y1,y2,...`"
            ));
        }
        for (i, column) in columns.iter().enumerate().skip(1) {
            if !column.eq_ignore_ascii_case(&format!("y{i}")) {
                problems.push(format!(
                    "{source}:{header_line}: column {}: expected `y{i}`, found `{}`; horizons are whole years in increasing order, y1, y2, …",
                    i + 1,
                    clip(column)
                ));
                header_ok = false;
            }
        }
        let years = columns.len().saturating_sub(1);
        let mut ratings: Vec<String> = Vec::new();
        let mut expected_loss = Vec::new();
        // (line, row) of the rating above, for the order check.
        let mut previous: Option<(usize, usize)> = None;
        for (line_no, line) in lines {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if header_ok && cells.len() != years + 1 {
                problems.push(format!(
                    "{source}:{line_no}: {} values, the header has {}",
                    cells.len(),
                    years + 1
                ));
                continue;
            }
            let name = cells[0];
            if name.is_empty() || ratings.iter().any(|r| r == name) {
                problems.push(format!(
                    "{source}:{line_no}: rating `{}` is empty or repeated",
                    clip(name)
                ));
            }
            let mut row = Vec::with_capacity(years);
            for (column, cell) in cells.iter().enumerate().skip(1) {
                let rule = match cell.parse::<f64>() {
                    Ok(value) if (0.0..=1.0).contains(&value) => {
                        row.push(value);
                        continue;
                    }
                    Ok(_) => "is not a number in [0, 1]".to_owned(),
                    // `0.8%` gets the form to write instead.
                    Err(_) => spreadsheet_number_rule(cell.as_bytes())
                        .unwrap_or_else(|| "is not a number in [0, 1]".to_owned()),
                };
                problems.push(format!(
                    "{source}:{line_no}: column {} (`{}`): `{}` {rule}",
                    column + 1,
                    clip(columns.get(column).copied().unwrap_or("")),
                    clip(cell)
                ));
            }
            if !header_ok || row.len() != years {
                continue;
            }
            if let Some((above_line, above)) = previous {
                let better: &Vec<f64> = &expected_loss[above];
                if let Some(year) = (0..years).find(|&y| row[y] < better[y]) {
                    problems.push(format!(
                        "{source}:{line_no}: rating `{}` has a lower idealized EL at y{} ({}) than `{}` above it on line {above_line} ({}); list ratings best first, each with an EL at least that of the rating above at every horizon",
                        clip(name),
                        year + 1,
                        row[year],
                        clip(&ratings[above]),
                        better[year]
                    ));
                }
            }
            previous = Some((line_no, ratings.len()));
            ratings.push(name.to_string());
            expected_loss.push(row);
        }
        if problems.is_empty() && ratings.is_empty() {
            problems.push(format!("{source}: the table has no ratings"));
        }
        if !problems.is_empty() {
            return Err(RatingTableError::Invalid {
                file: source.to_string(),
                problems,
            });
        }
        Ok(RatingTable {
            source: source.to_string(),
            ratings,
            expected_loss,
        })
    }

    /// The ratings, best first.
    pub fn ratings(&self) -> &[String] {
        &self.ratings
    }

    /// Whether the table has this rating.
    pub fn contains(&self, rating: &str) -> bool {
        self.ratings.iter().any(|r| r == rating)
    }

    /// Idealized expected loss of `rating` at a weighted-average life of `wal_years`.
    ///
    /// # Formula
    /// Linear between whole years; below 1 year the 1-year value, beyond the last column
    /// the last value (SPEC §6).
    pub fn idealized_el(&self, rating: &str, wal_years: f64) -> Option<f64> {
        let row = self.ratings.iter().position(|r| r == rating)?;
        Some(interpolate_by_year(&self.expected_loss[row], wal_years))
    }

    /// The value of `rating` at `wal_years` in a default table (`idealized_pd.csv`):
    /// PD_R(w), interpolated as [`RatingTable::idealized_el`] interpolates the EL.
    pub fn idealized_pd(&self, rating: &str, wal_years: f64) -> Option<f64> {
        self.idealized_el(rating, wal_years)
    }

    /// The best rating whose idealized EL at `wal_years` is at least `expected_loss`;
    /// `None` when even the worst rating's benchmark is below it.
    pub fn implied_rating(&self, expected_loss: f64, wal_years: f64) -> Option<&str> {
        self.ratings
            .iter()
            .zip(&self.expected_loss)
            .find(|(_, row)| interpolate_by_year(row, wal_years) >= expected_loss)
            .map(|(rating, _)| rating.as_str())
    }
}

/// The physical lines of `text`: CRLF, CR and LF each end one.
fn physical_lines(text: &str) -> impl Iterator<Item = &str> {
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix(['\n', '\r']))
        .unwrap_or(text);
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\r', '\n']) {
            Some(end) => {
                let skip = if current[end..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[end + skip..]);
                Some(&current[..end])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

fn interpolate_by_year(row: &[f64], wal_years: f64) -> f64 {
    let last = row.len() as f64;
    let t = if wal_years.is_finite() {
        wal_years.clamp(1.0, last)
    } else {
        1.0
    };
    let lower = t.floor();
    let index = lower as usize - 1;
    if index + 1 >= row.len() {
        return row[row.len() - 1];
    }
    let weight = t - lower;
    row[index] * (1.0 - weight) + row[index + 1] * weight
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn built_in_table_reads_published_cells() {
        let table = RatingTable::default();
        assert_eq!(table.ratings().len(), 16);
        assert_eq!(table.ratings()[0], "Aaa");
        assert_relative_eq!(table.idealized_el("Aaa", 1.0).unwrap(), 5.5e-7);
        assert_relative_eq!(table.idealized_el("Aaa", 10.0).unwrap(), 5.5e-5);
        // below one year uses year 1, beyond ten uses year 10
        assert_relative_eq!(table.idealized_el("A2", 0.3).unwrap(), 5.995e-5);
        assert_relative_eq!(table.idealized_el("A2", 14.0).unwrap(), 0.0066);
        // halfway between y1 and y2 for Aa2: (7.7e-6 + 4.4e-5) / 2
        assert_relative_eq!(
            table.idealized_el("Aa2", 1.5).unwrap(),
            2.585e-5,
            epsilon = 1e-12
        );
        assert!(table.idealized_el("AAA", 1.0).is_none());
    }

    #[test]
    fn implied_rating_is_the_best_rating_whose_benchmark_covers_the_loss() {
        let table = RatingTable::default();
        assert_eq!(table.implied_rating(0.0, 2.0), Some("Aaa"));
        assert_eq!(table.implied_rating(1.1e-6, 2.0), Some("Aaa"));
        assert_eq!(table.implied_rating(1.2e-6, 2.0), Some("Aa1"));
        // B3 at 1 year is 6.391 %: anything worse has no rating
        assert_eq!(table.implied_rating(0.07, 1.0), None);
    }

    fn problems_of(text: &str) -> Vec<String> {
        RatingTable::parse(text, "t.csv")
            .expect_err("invalid table")
            .problems()
    }

    #[test]
    fn bad_tables_name_the_line() {
        assert_eq!(
            problems_of("rating,y1\nAaa,abc\n"),
            ["t.csv:2: column 2 (`y1`): `abc` is not a number in [0, 1]"]
        );
        assert_eq!(
            problems_of("rating,y2\n"),
            [
                "t.csv:1: column 2: expected `y1`, found `y2`; horizons are whole years in increasing order, y1, y2, …"
            ]
        );
    }

    #[test]
    fn ratings_must_run_best_to_worst_at_every_horizon_and_all_problems_are_listed() {
        // Physical lines of a CRLF file with a blank line: Ba1 is on line 5.
        let text = "rating,y1,y2\r\nAaa,0.001,0.002\r\nA2,0.0001,0.003\r\n\r\nBa1,0.01,0.0025\r\nAaa,0.2,x\r\nB,0.8%,2\r\n";
        assert_eq!(
            problems_of(text),
            [
                "t.csv:3: rating `A2` has a lower idealized EL at y1 (0.0001) than `Aaa` above it on line 2 (0.001); list ratings best first, each with an EL at least that of the rating above at every horizon",
                "t.csv:5: rating `Ba1` has a lower idealized EL at y2 (0.0025) than `A2` above it on line 3 (0.003); list ratings best first, each with an EL at least that of the rating above at every horizon",
                "t.csv:6: rating `Aaa` is empty or repeated",
                "t.csv:6: column 3 (`y2`): `x` is not a number in [0, 1]",
                "t.csv:7: column 2 (`y1`): `0.8%` is not a number: write a percentage as a decimal, 0.008 for 0.8%",
                "t.csv:7: column 3 (`y2`): `2` is not a number in [0, 1]",
            ]
        );
        // Equal benchmarks of neighbouring ratings are allowed.
        let table = RatingTable::parse("rating,y1\rA,0.01\rB,0.01\r", "t.csv").expect("valid");
        assert_eq!(table.ratings(), ["A", "B"]);
    }

    #[test]
    fn a_table_that_is_not_utf8_is_one_problem_on_its_line() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path().join("t.csv");
        std::fs::write(&path, b"rating,y1\r\nAaa,0.001\r\n\xb0\xd7,0.01\r\n").expect("write");
        let problems = RatingTable::from_file(&path)
            .expect_err("not UTF-8")
            .problems();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with(&format!("{}:3: the file is not UTF-8 text", path.display())),
            "{problems:?}"
        );
    }
}
