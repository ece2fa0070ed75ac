//! `report.xlsx` (`--xlsx`): the folder's CSV tables as one Excel workbook, a sheet per
//! table, so a desk's spreadsheet models can link to one file.
//!
//! Each sheet is read back from the CSV the folder holds, so the workbook is the CSVs cell
//! for cell: a cell that reads as a finite number is an Excel number (with the full
//! precision the CSV has), anything else is text, and an empty cell stays empty. Only the
//! look is added: a bold, frozen header row, column widths from the contents, and number
//! formats chosen by the column's name — money `#,##0.00`, rates and shares `0.00%`, counts
//! `0` (a judgement of what each column holds; the value itself is never rounded).

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::width::columns;

/// The workbook's file name in the report folder.
pub const XLSX_FILE: &str = "report.xlsx";

/// Tables in the order a reader looks for them (issue 16); any other CSV of the folder
/// follows in name order.
const SHEET_ORDER: [&str; 16] = [
    "frontier.csv",
    "tranches.csv",
    "sizing.csv",
    "rating_tests.csv",
    "stress_bdr.csv",
    "deterministic_pool.csv",
    "deterministic_tranches.csv",
    "triggers.csv",
    "pool_strats.csv",
    "path_results.csv",
    "pool_loss_distribution.csv",
    "breakevens.csv",
    "sizing_curve.csv",
    "expected_cashflows.csv",
    "pool_balance_bands.csv",
    "paths_detail.csv",
];

/// How a column's numbers are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// CNY amounts: `#,##0.00`.
    Money,
    /// Rates, shares and probabilities: `0.00%`.
    Rate,
    /// Months, periods, paths, counts: `0`.
    Count,
    /// Anything else (years of WAL, multiples, weights): Excel's General.
    Plain,
}

/// The kind of a column from its name (the folder's CSV headers, SPEC §8).
pub fn column_kind(name: &str) -> ColumnKind {
    let name = name.to_ascii_lowercase();
    const COUNTS: [&str; 10] = [
        "period",
        "month",
        "path",
        "count",
        "call_month",
        "k",
        "first_loss_month",
        "effective_paths",
        "triggers_breached",
        "applicants",
    ];
    if COUNTS.contains(&name.as_str()) {
        return ColumnKind::Count;
    }
    let tokens: Vec<&str> = name.split('_').collect();
    let has = |words: &[&str]| tokens.iter().any(|t| words.contains(t));
    if has(&[
        "wal",
        "months",
        "multiple",
        "multiplier",
        "weight",
        "cutoff",
        "score",
    ]) {
        return ColumnKind::Plain;
    }
    let risk_level = |t: &&str| {
        ["var", "es"].iter().any(|p| {
            t.strip_prefix(p)
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    if tokens.iter().any(risk_level)
        || has(&[
            "share",
            "pd",
            "el",
            "se",
            "sd",
            "tdr",
            "bdr",
            "margin",
            "coupon",
            "yield",
            "probability",
            "rate",
            "cdr",
            "cpr",
            "loss",
            "enhancement",
            "spread",
            "default",
            "approval",
            "advance",
            "from",
            "to",
        ])
    {
        return ColumnKind::Rate;
    }
    if has(&[
        "balance",
        "defaults",
        "interest",
        "principal",
        "prepayments",
        "recoveries",
        "purchases",
        "fees",
        "residual",
        "proceeds",
        "funds",
        "shortfall",
        "amount",
        "paid",
        "due",
        "deterministic",
        "mean",
        "p5",
        "p25",
        "p50",
        "p75",
        "p95",
        "limits",
        "capacity",
        "need",
        "surplus",
    ]) {
        return ColumnKind::Money;
    }
    ColumnKind::Plain
}

/// The CSV files of `folder` (top level) in sheet order.
fn tables(folder: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(folder)?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".csv"))
        .collect();
    let rank = |name: &String| {
        SHEET_ORDER
            .iter()
            .position(|known| known == name)
            .unwrap_or(SHEET_ORDER.len())
    };
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    Ok(names)
}

/// Why the workbook could not be made.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    #[error("{file}: {source}")]
    Csv { file: String, source: csv::Error },
    #[error("{0}")]
    Xlsx(#[from] XlsxError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A CSV cell as the workbook holds it: a finite number, or text.
pub fn cell_number(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    // `inf`, `NaN` and words such as `infinity` parse as floats; the CSVs write none of
    // them for a number, so they stay text
    if trimmed.is_empty()
        || trimmed
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    trimmed.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The workbook of the CSV tables in `folder`, as bytes.
pub fn workbook(folder: &Path) -> Result<Vec<u8>, WorkbookError> {
    let mut book = Workbook::new();
    let header = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let rate = Format::new().set_num_format("0.00%");
    let count = Format::new().set_num_format("0");
    for file in tables(folder)? {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(folder.join(&file))
            .map_err(|source| WorkbookError::Csv {
                file: file.clone(),
                source,
            })?;
        let sheet = book.add_worksheet();
        // sheet names are at most 31 characters; the folder's file names are shorter
        let stem: String = file.trim_end_matches(".csv").chars().take(31).collect();
        sheet.set_name(&stem)?;
        let mut kinds: Vec<ColumnKind> = Vec::new();
        let mut widths: Vec<usize> = Vec::new();
        for (r, record) in reader.records().enumerate() {
            let record = record.map_err(|source| WorkbookError::Csv {
                file: file.clone(),
                source,
            })?;
            let row = u32::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)?;
            if r == 0 {
                kinds = record.iter().map(column_kind).collect();
            }
            for (c, text) in record.iter().enumerate() {
                let col = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
                if widths.len() <= c {
                    widths.resize(c + 1, 0);
                }
                if r < 1_000 {
                    widths[c] = widths[c].max(columns(text));
                }
                if r == 0 {
                    sheet.write_string_with_format(row, col, text, &header)?;
                    continue;
                }
                match cell_number(text) {
                    Some(value) => {
                        let format = match kinds.get(c).copied().unwrap_or(ColumnKind::Plain) {
                            ColumnKind::Money => Some(&money),
                            ColumnKind::Rate => Some(&rate),
                            ColumnKind::Count => Some(&count),
                            ColumnKind::Plain => None,
                        };
                        match format {
                            Some(format) => {
                                sheet.write_number_with_format(row, col, value, format)?
                            }
                            None => sheet.write_number(row, col, value)?,
                        };
                    }
                    None if text.is_empty() => {}
                    None => {
                        sheet.write_string(row, col, text)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        for (c, width) in widths.iter().enumerate() {
            let col = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
            sheet.set_column_width(col, (*width).clamp(8, 48) as f64 + 2.0)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_get_the_format_of_what_they_hold() {
        use ColumnKind::*;
        for (name, kind) in [
            ("period", Count),
            ("call_month", Count),
            ("begin_balance", Money),
            ("优先A_interest_paid", Money),
            ("interest_shortfall_优先A", Money),
            ("amount", Money),
            ("share", Rate),
            ("balance_share", Rate),
            ("el_se", Rate),
            ("var99", Rate),
            ("es999", Rate),
            ("loss_优先A", Rate),
            ("pool_net_loss", Rate),
            ("breakeven_cdr", Rate),
            ("annualised_yield_on_balance", Rate),
            ("wal", Plain),
            ("breakeven_pd_multiple", Plain),
            ("wa_remaining_months", Plain),
            ("weight", Plain),
            ("tranche", Plain),
        ] {
            assert_eq!(column_kind(name), kind, "{name}");
        }
    }

    #[test]
    fn numbers_are_finite_decimals_only() {
        assert_eq!(cell_number("4500.00"), Some(4500.0));
        assert_eq!(cell_number("-1.5e-7"), Some(-1.5e-7));
        assert_eq!(cell_number("0.0014945995"), Some(0.0014945995));
        for text in ["", "inf", "NaN", "true", "A", "1,000", "Aaa"] {
            assert_eq!(cell_number(text), None, "{text}");
        }
    }
}
