//! Report folder (SPEC §8): CSV tables, `summary.json` with the run manifest, written into
//! a temporary folder that is renamed into place only when complete, so a folder under
//! `reports/` is either a whole run or absent.
//!
//! The charts and `report.html` are drawn from the folder's files only
//! ([`render_charts_and_html`]), so any folder can be re-rendered or compared (`compare`).
//!
//! Last stage of the flow before `cli`.

// Not every public item here is documented yet (issue 12, item 8): `missing_docs` is
// allowed for this module until its items are.
#![allow(missing_docs)]

pub mod calibration;
pub mod calibration_html;
pub mod cells;
pub mod charts;
pub mod compare;
pub mod deterministic;
pub mod folder;
pub mod format;
pub mod grid;
pub mod html;
pub mod manifest;
pub mod output;
pub mod rows;
pub mod sizing;
pub mod summary;
pub mod tables;
pub mod terminal;
pub mod terms;
pub mod width;
pub mod xlsx;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::i18n::Lang;

pub use output::{OutputError, ReportDir, ReportKind};

/// Why reading a report folder or writing its charts and pages failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The folder is not a report folder (bad input to `compare`).
    #[error("{}: {rule}", .path.display())]
    NotAReport { path: PathBuf, rule: String },
    /// A file of the folder cannot be read.
    #[error("{}: cannot read: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    /// A file of the folder is malformed.
    #[error("{}{}: {message}", .path.display(), .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// Writing an output failed.
    #[error("{}: cannot write: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },
    /// Drawing a chart failed.
    #[error("chart {chart}: {message}")]
    Chart { chart: String, message: String },
    /// The output folder cannot be written (refused, busy, or an I/O failure).
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl ReportError {
    /// Whether the error is the user's to fix (a folder given that is not a readable report).
    pub fn is_bad_input(&self) -> bool {
        match self {
            ReportError::NotAReport { .. }
            | ReportError::Read { .. }
            | ReportError::Parse { .. } => true,
            ReportError::Output(output) => output.is_bad_input(),
            ReportError::Write { .. } | ReportError::Chart { .. } => false,
        }
    }
}

/// What [`render_charts_and_html`] wrote.
#[derive(Debug, Clone)]
pub struct RenderedReport {
    /// Chart files written (`charts/<name>.png` and `.svg`), by name.
    pub charts: Vec<&'static str>,
    pub html: PathBuf,
}

/// Draws every chart the files of the report folder `dir` allow into `dir/charts/` (PNG and
/// SVG) and writes the self-contained `dir/report.html`.
///
/// Reads only the folder's files (`summary.json` with its manifest is required; tranches,
/// paths, sizing, frontier and the rest are each optional), so `run` calls it on its
/// temporary folder just before committing it, and `frontier` can call it on its own.
pub fn render_charts_and_html(dir: &Path) -> Result<RenderedReport, ReportError> {
    render_report(dir, None, Lang::En)
}

/// As [`render_charts_and_html`], for a folder written at `dir` (a temporary folder) that
/// will be published as `published` (the folder `--out` named): the page's "reproduce with"
/// command names `published`, never the temporary folder.
pub fn render_charts_and_html_as(
    dir: &Path,
    published: &Path,
) -> Result<RenderedReport, ReportError> {
    render_report(dir, Some(published), Lang::En)
}

/// As [`render_charts_and_html`], in `lang` (chart titles, axes and legends, and every word
/// of report.html; the files' names and columns stay as they are), for a folder that will be
/// published as `published` when that is known.
pub fn render_report(
    dir: &Path,
    published: Option<&Path>,
    lang: Lang,
) -> Result<RenderedReport, ReportError> {
    use rayon::prelude::*;

    let mut report_folder = folder::ReportFolder::read(dir)?;
    report_folder.published_path = published.map(Path::to_path_buf);
    report_folder.lang = lang;
    let charts_dir = dir.join("charts");
    fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    let rendered = charts::charts_for_folder(&report_folder)
        .par_iter()
        .map(|chart| charts::write_chart(chart, &charts_dir))
        .collect::<Result<Vec<_>, _>>()?;
    let html_path = dir.join("report.html");
    fs::write(&html_path, html::report_html(&report_folder, &rendered)).map_err(|source| {
        ReportError::Write {
            path: html_path.clone(),
            source,
        }
    })?;
    Ok(RenderedReport {
        charts: rendered.iter().map(|c| c.name).collect(),
        html: html_path,
    })
}

/// A CSV table in memory, or the error that stopped it.
pub(crate) type CsvResult = Result<Vec<u8>, csv::Error>;

/// The bytes of a finished in-memory CSV writer.
pub(crate) fn into_bytes(out: csv::Writer<Vec<u8>>) -> CsvResult {
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Money as written to files: rounded to cents.
pub fn cents(amount: f64) -> String {
    format!("{:.2}", amount)
}

/// Rates and shares as written to files: enough digits for a reviewer to recompute.
pub fn decimal(value: f64) -> String {
    format!("{:.10}", value)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(cents(1_234.565_1), "1234.57");
        assert_eq!(decimal(0.051), "0.051");
        assert_eq!(decimal(2.0), "2");
    }
}
