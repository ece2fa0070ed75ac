//! Idealized expected-loss tables by rating and horizon (SPEC §6): the benchmark a
//! tranche's expected loss is held against for its implied rating and for sizing.
//!
//! A table is data (`data/ratings/idealized_el.csv` is built in; `[deal] rating_table`
//! names another with the same layout): one row per rating, best first, columns `y1 … yN`
//! for whole-year horizons.

use std::path::Path;

/// The built-in idealized expected-loss table (Moody's-style symbols Aaa … B3, y1 … y10).
pub const DEFAULT_TABLE_CSV: &str = include_str!("../data/ratings/idealized_el.csv");

/// Name the built-in table goes by in reports.
pub const DEFAULT_TABLE_NAME: &str = "built-in idealized_el.csv (Aaa..B3, y1..y10)";

/// A rating table's problems, each naming the line and what to change.
#[derive(Debug, thiserror::Error)]
pub enum RatingTableError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {problem}")]
    Invalid { file: String, problem: String },
}

/// Idealized expected loss by rating (best first) and whole-year horizon.
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
    /// Reads a table file (see the module docs for the layout).
    pub fn from_file(path: &Path) -> Result<RatingTable, RatingTableError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RatingTableError::Io {
            file: file.clone(),
            source,
        })?;
        RatingTable::parse(&text, &file)
    }

    /// Parses the CSV text of a table; `source` names it in errors and reports.
    pub fn parse(text: &str, source: &str) -> Result<RatingTable, RatingTableError> {
        let invalid = |problem: String| RatingTableError::Invalid {
            file: source.to_string(),
            problem,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| invalid("line 1: the table is empty".into()))?;
        let columns: Vec<&str> = header.split(',').map(str::trim).collect();
        if columns.len() < 2 || columns[0] != "rating" {
            return Err(invalid(
                "line 1: the header must be `rating,y1,y2,...`".into(),
            ));
        }
        for (i, column) in columns.iter().enumerate().skip(1) {
            if *column != format!("y{i}") {
                return Err(invalid(format!(
                    "line 1, column {}: expected `y{i}`, found `{column}`",
                    i + 1
                )));
            }
        }
        let years = columns.len() - 1;
        let mut ratings = Vec::new();
        let mut expected_loss = Vec::new();
        for (index, line) in lines {
            let line_no = index + 1;
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != years + 1 {
                return Err(invalid(format!(
                    "line {line_no}: {} values, the header has {}",
                    cells.len(),
                    years + 1
                )));
            }
            if cells[0].is_empty() || ratings.iter().any(|r| r == cells[0]) {
                return Err(invalid(format!(
                    "line {line_no}: rating `{}` is empty or repeated",
                    cells[0]
                )));
            }
            let mut row = Vec::with_capacity(years);
            for (column, cell) in cells.iter().enumerate().skip(1) {
                let value: f64 = cell
                    .parse()
                    .ok()
                    .filter(|v: &f64| (0.0..=1.0).contains(v))
                    .ok_or_else(|| {
                        invalid(format!(
                            "line {line_no}, column {} (`{}`): `{cell}` is not a number in [0, 1]",
                            column + 1,
                            columns[column]
                        ))
                    })?;
                row.push(value);
            }
            ratings.push(cells[0].to_string());
            expected_loss.push(row);
        }
        if ratings.is_empty() {
            return Err(invalid("the table has no ratings".into()));
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

    #[test]
    fn bad_tables_name_the_line() {
        let err = RatingTable::parse("rating,y1\nAaa,abc\n", "t.csv")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.csv") && err.contains("line 2"), "{err}");
        let err = RatingTable::parse("rating,y2\n", "t.csv")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected `y1`"), "{err}");
    }
}
