//! `compare REPORT_DIR... [--out DIR]` (SPEC §1): the key figures of several report folders
//! side by side — on the terminal, in `comparison.csv`, in a self-contained
//! `comparison.html` — and the comparison charts, written atomically into one folder.
//!
//! Like the rest of the report stage it reads only the folders' files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::charts::{self, Chart, CompareMetrics, CompareTrancheEl, RenderedChart};
use super::folder::ReportFolder;
use super::format::{cny, html_escape as esc, percent, small_percent};
use super::html::{figure, page_head};
use super::terms::{AssumptionTerms, CprTerms};
use super::width::{Wide, clip_columns, columns};
use super::{ReportDir, ReportError, ReportKind, cents, decimal};

/// Default output folder of `compare`.
pub const DEFAULT_OUT: &str = "reports/compare";

/// What a row's numbers are, for formatting them (the CSV carries the unit in the column's
/// name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Text,
    Cny,
    /// A share or probability (0.04 = 4 %).
    Share,
    Years,
    Count,
    Multiple,
}

/// A quantity read from a folder, `None` when the folder lacks it.
type FolderValue<'a> = dyn Fn(&ReportFolder) -> Option<f64> + 'a;

/// One value of a row: as written to the CSV and as shown to people.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    pub raw: String,
    pub shown: String,
}

/// One metric across the scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// For people: the terminal's and `comparison.html`'s row label.
    pub metric: String,
    /// Its column in `comparison.csv`: lower-case, with its unit in the name (`_cny`,
    /// `_share`, `_years`, `_probability`).
    pub column: String,
    pub unit: Unit,
    pub cells: Vec<Cell>,
}

/// The comparison of several report folders.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Column headings: each folder's scenario name, made unique with the folder's name.
    pub labels: Vec<String>,
    pub folders: Vec<PathBuf>,
    pub rows: Vec<Row>,
}

fn text_cell(value: Option<String>) -> Cell {
    match value {
        Some(v) => Cell {
            raw: v.clone(),
            shown: v,
        },
        None => Cell {
            raw: String::new(),
            shown: "-".into(),
        },
    }
}

fn number_cell(value: Option<f64>, unit: Unit) -> Cell {
    let Some(v) = value.filter(|v| v.is_finite()) else {
        return Cell {
            raw: String::new(),
            shown: "-".into(),
        };
    };
    let (raw, shown) = match unit {
        Unit::Cny => (cents(v), cny(v)),
        Unit::Share => (plain_number(v), small_percent(v)),
        Unit::Years => (decimal(v), format!("{v:.2}")),
        Unit::Count => (format!("{v:.0}"), cny(v)),
        Unit::Multiple => (decimal(v), format!("{v:.2} ×")),
        Unit::Text => (v.to_string(), v.to_string()),
    };
    Cell { raw, shown }
}

/// A decimal as spreadsheets and pandas read it, with every digit of the double: plain
/// (`0.9965`, `0`) from 0.00001 up, scientific below (`1.4310427753856098e-15`).
fn plain_number(value: f64) -> String {
    if value == 0.0 || value.abs() >= 1e-5 {
        format!("{}", value + 0.0)
    } else {
        format!("{value:e}")
    }
}

impl Comparison {
    /// Builds the side-by-side rows of these folders.
    pub fn new(folders: &[ReportFolder]) -> Comparison {
        let names: Vec<String> = folders.iter().map(ReportFolder::scenario_name).collect();
        let labels: Vec<String> = folders
            .iter()
            .zip(&names)
            .map(|(f, name)| {
                if names.iter().filter(|n| *n == name).count() > 1 {
                    let folder = f.path.file_name().map_or_else(
                        || f.path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    format!("{name} ({folder})")
                } else {
                    name.clone()
                }
            })
            .collect();
        let mut rows: Vec<Row> = Vec::new();
        let mut text = |metric: &str, column: &str, values: Vec<Option<String>>| {
            if values.iter().any(Option::is_some) {
                rows.push(Row {
                    metric: metric.to_string(),
                    column: column.to_string(),
                    unit: Unit::Text,
                    cells: values.into_iter().map(text_cell).collect(),
                });
            }
        };
        text(
            "scenario",
            "scenario",
            names.iter().map(|n| Some(n.clone())).collect(),
        );
        text(
            "folder",
            "folder",
            folders
                .iter()
                .map(|f| Some(f.path.display().to_string()))
                .collect(),
        );
        text(
            "inputs digest",
            "inputs_digest",
            folders
                .iter()
                .map(|f| non_empty(&f.summary.manifest.inputs_digest))
                .collect(),
        );
        // an integer as its digits: a u64 seed does not survive a trip through f64
        text(
            "seed",
            "seed",
            folders
                .iter()
                .map(|f| Some(f.summary.manifest.seed.to_string()))
                .collect(),
        );
        let mut rows_numbers: Vec<Row> = Vec::new();
        let mut number = |metric: &str, column: &str, unit: Unit, values: Vec<Option<f64>>| {
            if values.iter().any(Option::is_some) {
                rows_numbers.push(Row {
                    metric: metric.to_string(),
                    column: column.to_string(),
                    unit,
                    cells: values.into_iter().map(|v| number_cell(v, unit)).collect(),
                });
            }
        };
        let each = |f: &dyn Fn(&ReportFolder) -> Option<f64>| -> Vec<Option<f64>> {
            folders.iter().map(f).collect()
        };
        let term = |get: fn(&AssumptionTerms) -> Option<f64>| {
            move |f: &ReportFolder| get(&f.summary.terms.as_ref()?.assumptions)
        };
        number(
            "Monte Carlo paths",
            "monte_carlo_paths",
            Unit::Count,
            each(&|f| Some(f.summary.manifest.paths as f64)),
        );
        number(
            "PD multiplier",
            "pd_multiplier",
            Unit::Multiple,
            each(&term(|a| Some(a.pd_multiplier))),
        );
        number(
            "asset correlation",
            "asset_correlation",
            Unit::Share,
            each(&term(|a| Some(a.correlation))),
        );
        number(
            "CPR (annual)",
            "cpr_annual",
            Unit::Share,
            each(&term(|a| match a.cpr {
                Some(CprTerms::Flat(cpr)) => Some(cpr),
                _ => None,
            })),
        );
        number(
            "recovery rate",
            "recovery_rate",
            Unit::Share,
            each(&term(|a| Some(a.recovery_rate))),
        );
        number(
            "yield haircut",
            "yield_haircut_share",
            Unit::Share,
            each(&term(|a| Some(a.yield_haircut))),
        );
        number(
            "closing balance",
            "closing_balance_cny",
            Unit::Cny,
            each(&|f| f.closing_balance()),
        );
        number(
            "weighted 12-month PD, tape",
            "weighted_pd_12m_tape",
            Unit::Share,
            each(&|f| Some(f.summary.pool.as_ref()?.weighted_pd_12m)),
        );
        number(
            "weighted 12-month PD, stressed",
            "weighted_pd_12m_stressed",
            Unit::Share,
            each(&|f| Some(f.summary.pool.as_ref()?.weighted_pd_12m_stressed)),
        );
        let pool_loss = |f: &ReportFolder| {
            f.summary
                .monte_carlo
                .as_ref()
                .map(|m| m.pool_net_loss.clone())
        };
        number(
            "pool EL",
            "pool_el_share",
            Unit::Share,
            each(&|f| Some(pool_loss(f)?.mean)),
        );
        number(
            "pool EL standard error",
            "pool_el_se_share",
            Unit::Share,
            each(&|f| Some(pool_loss(f)?.standard_error)),
        );
        number(
            "pool VaR 99 %",
            "pool_var99_share",
            Unit::Share,
            each(&|f| Some(pool_loss(f)?.var[1])),
        );
        number(
            "pool ES 99 %",
            "pool_es99_share",
            Unit::Share,
            each(&|f| Some(pool_loss(f)?.es[1])),
        );
        number(
            "pool VaR 99.9 %",
            "pool_var999_share",
            Unit::Share,
            each(&|f| Some(pool_loss(f)?.var[2])),
        );
        number(
            "deterministic cumulative net loss",
            "deterministic_cumulative_net_loss_share",
            Unit::Share,
            each(&|f| Some(f.summary.deterministic.as_ref()?.cumulative_net_loss_share)),
        );
        number(
            "funding capacity",
            "funding_capacity_cny",
            Unit::Cny,
            each(&|f| f.funding_capacity()),
        );
        number(
            "advance rate",
            "advance_rate",
            Unit::Share,
            each(&|f| Some(f.summary.sizing()?.advance_rate)),
        );
        number(
            "funding need",
            "funding_need_cny",
            Unit::Cny,
            each(&|f| f.summary.treasury.as_ref()?.funding_need),
        );
        number(
            "funding surplus (capacity − need)",
            "funding_surplus_cny",
            Unit::Cny,
            each(&|f| f.summary.treasury.as_ref()?.surplus()),
        );
        number(
            "clean-up call probability",
            "call_probability",
            Unit::Share,
            each(&|f| Some(f.summary.monte_carlo.as_ref()?.call_probability)),
        );
        let tranche_names = union(folders.iter().map(ReportFolder::tranche_names));
        for name in &tranche_names {
            let row = |f: &ReportFolder| f.tranches.iter().find(|t| &t.tranche == name).cloned();
            let tranche_rows: [(&str, &str, Unit, &FolderValue); 10] = [
                ("size", "size_share", Unit::Share, &|f| Some(row(f)?.share)),
                ("EL", "el_share", Unit::Share, &|f| row(f)?.el),
                ("EL standard error", "el_se_share", Unit::Share, &|f| {
                    row(f)?.el_se
                }),
                ("PD", "loss_probability", Unit::Share, &|f| row(f)?.pd),
                ("VaR 99 %", "var99_share", Unit::Share, &|f| row(f)?.var99),
                ("ES 99 %", "es99_share", Unit::Share, &|f| row(f)?.es99),
                ("WAL", "wal_years", Unit::Years, &|f| row(f)?.wal),
                ("yield", "yield_annual", Unit::Share, &|f| {
                    row(f)?.annual_yield
                }),
                (
                    "breakeven PD multiple",
                    "breakeven_pd_multiple",
                    Unit::Multiple,
                    &|f| {
                        f.breakevens
                            .iter()
                            .find(|b| b.tranche == *name)
                            .and_then(|b| b.breakeven_pd_multiple)
                    },
                ),
                ("sized share", "sized_share", Unit::Share, &|f| {
                    f.sizing
                        .iter()
                        .find(|r| &r.tranche == name)
                        .map(|r| r.share)
                }),
            ];
            for (metric, column, unit, value) in tranche_rows {
                number(
                    &format!("{name} {metric}"),
                    &format!("{name}_{column}"),
                    unit,
                    each(value),
                );
            }
        }
        let trigger_names = union(folders.iter().map(|f| {
            f.summary
                .monte_carlo
                .as_ref()
                .map(|m| m.triggers.iter().map(|t| t.trigger.clone()).collect())
                .unwrap_or_default()
        }));
        for trigger in &trigger_names {
            let short = charts::short_trigger(trigger);
            number(
                &format!("P(breach) {short}"),
                &format!("breach_probability_{}", trigger_column(&short)),
                Unit::Share,
                each(&|f| {
                    f.summary
                        .monte_carlo
                        .as_ref()?
                        .triggers
                        .iter()
                        .find(|t| &t.trigger == trigger)
                        .map(|t| t.probability)
                }),
            );
        }
        // ratings are text rows, placed after the numbers
        let mut rating_rows: Vec<Row> = Vec::new();
        for name in &tranche_names {
            for (label, implied) in [("implied rating", true), ("target rating", false)] {
                let values: Vec<Option<String>> = folders
                    .iter()
                    .map(|f| {
                        let t = f.tranches.iter().find(|t| &t.tranche == name)?;
                        let residual = f.tranches.last().is_some_and(|l| l.tranche == t.tranche);
                        if implied && residual {
                            // the residual tranche is not rated
                            None
                        } else if implied {
                            Some(
                                t.implied_rating
                                    .clone()
                                    .unwrap_or_else(|| "below scale".into()),
                            )
                        } else {
                            t.target_rating.clone()
                        }
                    })
                    .collect();
                if values.iter().any(Option::is_some) {
                    rating_rows.push(Row {
                        metric: format!("{name} {label}"),
                        column: format!("{name}_{}", label.replace(' ', "_")),
                        unit: Unit::Text,
                        cells: values.into_iter().map(text_cell).collect(),
                    });
                }
            }
        }
        rows.extend(rows_numbers);
        rows.extend(rating_rows);
        Comparison {
            labels,
            folders: folders.iter().map(|f| f.path.clone()).collect(),
            rows,
        }
    }

    /// `comparison.csv`: one row per folder, one column per quantity (the `column` of each
    /// row, its unit in its name), so every numeric column loads as numbers: shares and
    /// probabilities as decimals, CNY to the cent, an empty cell where a folder lacks the
    /// quantity. Text columns (scenario, folder, digest, ratings) hold text only.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(self.rows.iter().map(|r| r.column.as_str()))?;
        for i in 0..self.labels.len() {
            out.write_record(self.rows.iter().map(|r| r.cells[i].raw.as_str()))?;
        }
        out.into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }

    /// The side-by-side table for the terminal.
    pub fn terminal_table(&self) -> String {
        let metric_width = self
            .rows
            .iter()
            .map(|r| columns(&r.metric))
            .max()
            .unwrap_or(6)
            .max(6);
        let widths: Vec<usize> = (0..self.labels.len())
            .map(|i| {
                self.rows
                    .iter()
                    .filter(|r| r.metric != "folder" && r.metric != "inputs digest")
                    .map(|r| columns(&r.cells[i].shown))
                    .chain(std::iter::once(columns(&self.labels[i])))
                    .max()
                    .unwrap_or(8)
                    .clamp(8, 40)
            })
            .collect();
        let mut out = String::new();
        let _ = write!(out, "{:<metric_width$}", "metric");
        for (label, w) in self.labels.iter().zip(&widths) {
            let _ = write!(out, "  {:>w$}", Wide(clip_columns(label, *w)));
        }
        out.push('\n');
        // Folder names are often longer than a column: they are listed whole below the
        // table instead of clipped in it.
        let mut folders = Vec::new();
        for row in &self.rows {
            if row.metric == "folder" {
                folders.extend(row.cells.iter().map(|c| c.shown.clone()));
                continue;
            }
            let _ = write!(out, "{:<metric_width$}", Wide(&row.metric));
            for (cell, w) in row.cells.iter().zip(&widths) {
                let shown = if row.metric == "inputs digest" {
                    cell.shown.chars().take(12).collect()
                } else {
                    cell.shown.clone()
                };
                let _ = write!(out, "  {:>w$}", Wide(clip_columns(&shown, *w)));
            }
            out.push('\n');
        }
        for (label, folder) in self.labels.iter().zip(&folders) {
            let _ = writeln!(out, "{label}: {folder}");
        }
        out
    }

    /// The comparison charts.
    pub fn charts(&self, folders: &[ReportFolder]) -> Vec<Chart> {
        let mut charts = Vec::new();
        let pool = |f: &ReportFolder| {
            f.summary
                .monte_carlo
                .as_ref()
                .map(|m| m.pool_net_loss.clone())
        };
        let metrics = CompareMetrics {
            scenarios: self.labels.clone(),
            expected_loss: folders.iter().map(|f| Some(pool(f)?.mean)).collect(),
            var99: folders.iter().map(|f| Some(pool(f)?.var[1])).collect(),
            funding_capacity: folders.iter().map(ReportFolder::funding_capacity).collect(),
        };
        let largest = |values: &[Option<f64>]| {
            values
                .iter()
                .zip(&self.labels)
                .filter_map(|(v, l)| Some((*v.as_ref()?, l.as_str())))
                .max_by(|a, b| a.0.total_cmp(&b.0))
        };
        let mut read = Vec::new();
        if let Some((el, label)) = largest(&metrics.expected_loss) {
            read.push(format!(
                "{label} has the highest pool EL ({})",
                percent(el, 2)
            ));
        }
        if let Some((var, label)) = largest(&metrics.var99) {
            read.push(format!(
                "{label} the highest VaR 99 % ({})",
                percent(var, 2)
            ));
        }
        if let Some((capacity, label)) = largest(&metrics.funding_capacity) {
            read.push(format!(
                "{label} the largest funding capacity ({} CNY)",
                cny(capacity)
            ));
        }
        charts.push(Chart {
            name: "compare_metrics",
            title: "Pool EL, VaR 99 % and funding capacity by scenario".into(),
            caption: if read.is_empty() {
                "Compare the bars within each panel.".into()
            } else {
                format!("Compare the bars within each panel: {}.", read.join("; "))
            },
            plot: Box::new(metrics),
        });
        let tranche_names = union(folders.iter().map(ReportFolder::tranche_names));
        if !tranche_names.is_empty() {
            let tranches = tranche_names
                .iter()
                .map(|name| {
                    let values = folders
                        .iter()
                        .map(|f| f.tranches.iter().find(|t| &t.tranche == name)?.el)
                        .collect();
                    (name.clone(), values)
                })
                .collect();
            charts.push(Chart {
                name: "compare_tranche_el",
                title: "Tranche expected loss by scenario".into(),
                caption: "Each group is one tranche and each bar one scenario, on a log scale: a bar one grid line higher is ten times the expected loss, and a senior bar that rises towards its mezzanine's means the stress eats through the credit enhancement.".into(),
                plot: Box::new(CompareTrancheEl {
                    scenarios: self.labels.clone(),
                    tranches,
                }),
            });
        }
        charts
    }

    /// `comparison.html`: the table and the charts, self-contained.
    pub fn html(&self, folders: &[ReportFolder], charts: &[RenderedChart]) -> String {
        let mut out = String::new();
        out.push_str(&page_head(
            crate::i18n::Lang::En,
            &format!("Scenario comparison: {}", esc(&self.labels.join(", "))),
        ));
        let _ = writeln!(
            out,
            "<header><h1>Scenario comparison</h1><p class=\"lead\">{}</p></header>",
            esc(&self.labels.join(" · "))
        );
        out.push_str(
            "<section id=\"table\"><h2>Side by side</h2><table><thead><tr><th>Metric</th>",
        );
        for label in &self.labels {
            let _ = write!(out, "<th>{}</th>", esc(label));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            let _ = write!(out, "<tr><td>{}</td>", esc(&row.metric));
            for cell in &row.cells {
                let class = if row.unit == Unit::Text {
                    " class=\"text mono\""
                } else {
                    ""
                };
                let _ = write!(out, "<td{class}>{}</td>", esc(&cell.shown));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table><p class=\"note\">Shares and probabilities as percentages of the closing balance (pool) or of each tranche's original balance (tranches); CNY without decimals. comparison.csv beside this page has the same figures with full decimals, one row per scenario and one column per figure, its unit in the column's name.</p></section>\n");
        out.push_str("<section id=\"charts\"><h2>Charts</h2>");
        for c in charts {
            out.push_str(&figure(c, true, true));
        }
        out.push_str("</section>\n<section id=\"reproducibility\"><h2>Reproducibility</h2><table><thead><tr><th>Scenario</th><th class=\"text\">Tool</th><th>Seed</th><th>Paths</th><th class=\"text\">Inputs digest</th></tr></thead><tbody>");
        for (label, f) in self.labels.iter().zip(folders) {
            let m = &f.summary.manifest;
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"text\">{} {}</td><td>{}</td><td>{}</td><td class=\"text mono\">{}</td></tr>",
                esc(label),
                esc(non_empty(&m.tool).as_deref().unwrap_or("-")),
                esc(&m.version),
                m.seed,
                cny(m.paths as f64),
                esc(non_empty(&m.inputs_digest).as_deref().unwrap_or("-"))
            );
        }
        out.push_str("</tbody></table></section>\n</body>\n</html>\n");
        out
    }
}

/// A text of a hand-made manifest may be missing (read as empty): `None` then.
fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// A trigger as part of a column name: `cumulative_net_loss > 0.04` →
/// `cumulative_net_loss_above_0.04`.
fn trigger_column(trigger: &str) -> String {
    trigger
        .replace(" > ", "_above_")
        .replace(" < ", "_below_")
        .replace(' ', "_")
}

/// Names in order of first appearance across lists.
fn union(lists: impl Iterator<Item = Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for list in lists {
        for name in list {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// What `compare` wrote.
#[derive(Debug, Clone)]
pub struct CompareOutput {
    pub out_dir: PathBuf,
    /// The side-by-side table for the terminal.
    pub table: String,
}

/// `compare`: reads every folder (any that is not a report is bad input, named with the
/// rule it breaks), then writes `comparison.csv`, `comparison.html` and `charts/` into
/// `out` atomically.
pub fn compare(dirs: &[PathBuf], out: &Path) -> Result<CompareOutput, ReportError> {
    if dirs.is_empty() {
        return Err(ReportError::NotAReport {
            path: PathBuf::from("REPORT_DIR"),
            rule: "give at least one report folder".into(),
        });
    }
    let folders = dirs
        .iter()
        .map(|d| ReportFolder::read(d))
        .collect::<Result<Vec<_>, _>>()?;
    if let Ok(out_canonical) = out.canonicalize()
        && dirs
            .iter()
            .any(|d| d.canonicalize().is_ok_and(|d| d == out_canonical))
    {
        return Err(ReportError::NotAReport {
            path: out.to_path_buf(),
            rule: "--out must not be one of the folders compared (it would be replaced)".into(),
        });
    }
    let comparison = Comparison::new(&folders);
    let write_error =
        |path: PathBuf| move |source: std::io::Error| ReportError::Write { path, source };
    let report = ReportDir::create(out, ReportKind::Compare)?;
    let charts_dir = report.file("charts");
    std::fs::create_dir_all(&charts_dir).map_err(write_error(charts_dir.clone()))?;
    let rendered = comparison
        .charts(&folders)
        .iter()
        .map(|c| charts::write_chart(c, &charts_dir))
        .collect::<Result<Vec<_>, _>>()?;
    let csv_bytes = comparison.csv().map_err(|e| ReportError::Write {
        path: report.file("comparison.csv"),
        source: std::io::Error::other(e),
    })?;
    report
        .write("comparison.csv", &csv_bytes)
        .map_err(write_error(report.file("comparison.csv")))?;
    report
        .write(
            "comparison.html",
            comparison.html(&folders, &rendered).as_bytes(),
        )
        .map_err(write_error(report.file("comparison.html")))?;
    let out_dir = report.commit()?;
    Ok(CompareOutput {
        out_dir,
        table: comparison.terminal_table(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_raw_values_and_show_readable_ones() {
        assert_eq!(
            number_cell(Some(800_000_000.0), Unit::Cny),
            Cell {
                raw: "800000000.00".into(),
                shown: "800,000,000".into()
            }
        );
        assert_eq!(number_cell(Some(0.0271), Unit::Share).shown, "2.71 %");
        assert_eq!(number_cell(Some(0.9965), Unit::Share).raw, "0.9965");
        assert_eq!(number_cell(Some(1.43e-15), Unit::Share).raw, "1.43e-15");
        assert_eq!(number_cell(Some(-0.0), Unit::Share).raw, "0");
        assert_eq!(number_cell(None, Unit::Share).shown, "-");
        assert_eq!(
            union(
                [
                    vec!["A".to_string(), "B".into()],
                    vec!["A".into(), "C".into()]
                ]
                .into_iter()
            ),
            vec!["A", "B", "C"]
        );
        assert_eq!(clip_columns("abcdef", 4), "abc…");
    }
}
