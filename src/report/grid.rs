//! The folder `grid` writes (SPEC §7.4): `grid.csv` (one row per combination and tranche),
//! `grid.json` (the axes, the inputs' digest and the command), a heatmap per tranche of its
//! loss share and WAL over CDR × CPR under `charts/` (PNG and SVG, drawn with plotters as the
//! run's charts are), and `grid.html`, one self-contained page with the heatmaps inlined.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::charts::{
    DrawError, FONT, RenderedChart, lighten, register_embedded_font, tranche_colour, write_png,
};
use super::format::{html_escape as esc, percent, small_percent, years};
use super::html::{figure, page_head, shell_word, table as html_table};
use super::manifest::{InputDigest, TOOL_NAME, TOOL_VERSION};
use super::{CsvResult, ReportError, cells, rows};

/// A row of `grid.csv`: one tranche in one combination of the lists. Rates and shares carry
/// every digit (`cells::exact`), so a reader can compare them with `summary.json`'s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GridRow {
    /// Annual CDR: a number, a vector by deal month `[r1 r2 ...]`, or `scenario` (the base
    /// case's own rates: no `[deterministic] cdr`).
    pub cdr: String,
    /// Annual CPR, written as `cdr` is (`scenario`: the `[assumptions]` prepayment).
    pub cpr: String,
    #[serde(serialize_with = "cells::exact")]
    pub recovery_rate: f64,
    #[serde(serialize_with = "cells::exact")]
    pub yield_haircut: f64,
    pub tranche: String,
    /// Unpaid principal at the legal final (CNY).
    #[serde(serialize_with = "cells::cents")]
    pub principal_loss: f64,
    /// `principal_loss` ÷ the tranche's original balance.
    #[serde(serialize_with = "cells::exact")]
    pub loss_share: f64,
    /// Unpaid interest outstanding at the legal final (CNY).
    #[serde(serialize_with = "cells::cents")]
    pub interest_shortfall: f64,
    /// Years; empty when no principal is paid.
    #[serde(serialize_with = "cells::opt_exact")]
    pub wal: Option<f64>,
    /// Annual IRR at par; empty when the tranche receives nothing.
    #[serde(rename = "yield", serialize_with = "cells::opt_exact")]
    pub annual_yield: Option<f64>,
    /// The first month the tranche and those above it exceed the performing pool plus the
    /// reserve (the legal final when it loses principal without that); empty when neither.
    pub first_loss_month: Option<u32>,
}

/// The values of each axis, as `grid.csv` writes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GridAxes {
    pub cdr: Vec<String>,
    pub cpr: Vec<String>,
    pub recovery_rate: Vec<String>,
    pub yield_haircut: Vec<String>,
}

impl GridAxes {
    /// Combinations of the axes.
    pub fn combinations(&self) -> usize {
        self.cdr.len() * self.cpr.len() * self.recovery_rate.len() * self.yield_haircut.len()
    }
}

/// A finished grid: its axes, tranches and rows, CDR outermost, then CPR, recovery rate,
/// yield haircut, tranche.
#[derive(Debug, Clone)]
pub struct GridTable {
    pub scenario: String,
    pub scenario_file: String,
    pub axes: GridAxes,
    pub tranches: Vec<String>,
    pub rows: Vec<GridRow>,
}

impl GridTable {
    /// The row of tranche `t` at the axes' indices.
    fn row(&self, cdr: usize, cpr: usize, recovery: usize, haircut: usize, t: usize) -> &GridRow {
        let a = &self.axes;
        let combination = ((cdr * a.cpr.len() + cpr) * a.recovery_rate.len() + recovery)
            * a.yield_haircut.len()
            + haircut;
        &self.rows[combination * self.tranches.len() + t]
    }

    /// The command that writes this folder again.
    pub fn command(&self, published: Option<&Path>) -> String {
        let mut words: Vec<String> = vec![
            "baitiao-abs".into(),
            "grid".into(),
            self.scenario_file.clone(),
        ];
        for (flag, labels) in [
            ("--cdr", &self.axes.cdr),
            ("--cpr", &self.axes.cpr),
            ("--recovery", &self.axes.recovery_rate),
            ("--yield-haircut", &self.axes.yield_haircut),
        ] {
            if labels.len() != 1 || labels[0] != "scenario" {
                words.extend([flag.to_string(), labels.join(",")]);
            }
        }
        if let Some(out) = published {
            words.extend(["--out".into(), out.display().to_string()]);
        }
        words
            .iter()
            .map(|w| shell_word(w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `grid.csv`.
pub fn grid_csv(rows: &[GridRow]) -> CsvResult {
    rows::table(rows.iter().cloned())
}

/// `grid.json`: the tool, the scenario, the inputs' digest, the axes and the command.
pub fn grid_json(
    table: &GridTable,
    digest: InputDigest,
    published: Option<&Path>,
) -> Result<Vec<u8>, serde_json::Error> {
    let (inputs_digest, inputs) = digest.finish();
    let value = json!({
        "tool": TOOL_NAME,
        "version": TOOL_VERSION,
        "scenario": table.scenario,
        "scenario_file": table.scenario_file,
        "inputs_digest": inputs_digest,
        "inputs": inputs,
        "axes": table.axes,
        "combinations": table.axes.combinations(),
        "tranches": table.tranches,
        "command": table.command(published),
    });
    let mut bytes = serde_json::to_vec_pretty(&value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The terminal's account of a grid.
pub fn terminal_summary(table: &GridTable, seconds: f64, out_dir: &Path) -> String {
    let a = &table.axes;
    let mut out = format!(
        "Grid of {} combinations ({} CDR × {} CPR × {} recovery × {} yield haircut) of {}: {} deterministic runs in {seconds:.1} s\n",
        a.combinations(),
        a.cdr.len(),
        a.cpr.len(),
        a.recovery_rate.len(),
        a.yield_haircut.len(),
        table.scenario,
        a.combinations(),
    );
    for (t, name) in table.tranches.iter().enumerate() {
        let rows: Vec<&GridRow> = table
            .rows
            .iter()
            .skip(t)
            .step_by(table.tranches.len())
            .collect();
        let losing = rows.iter().filter(|r| r.principal_loss > 0.0).count();
        let worst = rows
            .iter()
            .max_by(|x, y| x.loss_share.total_cmp(&y.loss_share))
            .filter(|r| r.loss_share > 0.0);
        let _ = write!(
            out,
            "  {name}: loses principal in {losing} of {}",
            rows.len()
        );
        if let Some(w) = worst {
            let _ = write!(
                out,
                "; worst loss share {} at CDR {}, CPR {}, recovery {}, yield haircut {}",
                small_percent(w.loss_share),
                w.cdr,
                w.cpr,
                w.recovery_rate,
                w.yield_haircut
            );
        }
        out.push('\n');
    }
    let _ = write!(out, "Report: {}", out_dir.display());
    out
}

// ---------------------------------------------------------------------------------------
// Heatmaps
// ---------------------------------------------------------------------------------------

/// One panel of a heatmap: values by CPR (rows) and CDR (columns).
struct Panel {
    title: String,
    /// `values[cpr][cdr]`.
    values: Vec<Vec<Option<f64>>>,
    show: fn(f64) -> String,
    colour: RGBColor,
    /// The value drawn darkest, shared by the panels of one chart; `None`: the panel's
    /// largest.
    scale: Option<f64>,
}

/// A tranche's heatmaps: its loss share and its WAL over CDR × CPR, at the first recovery
/// rate and yield haircut of the lists.
struct Heatmap {
    name: String,
    title: String,
    caption: String,
    cdr: Vec<String>,
    cpr: Vec<String>,
    panels: Vec<Panel>,
    /// Rows and columns of panels.
    layout: (usize, usize),
}

/// Most panels of the loss-share chart by recovery rate × yield haircut.
const MOST_PANELS: usize = 16;

const SIZE: (u32, u32) = (1100, 620);
const TEXT: RGBColor = RGBColor(33, 33, 33);
const MISSING: RGBColor = RGBColor(230, 230, 230);
const FRAME: RGBColor = RGBColor(190, 190, 190);
const LOSS_COLOUR: RGBColor = RGBColor(200, 40, 40);

/// A file name made of a tranche's name: letters, digits, `-` and `_` kept.
fn file_word(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A label no longer than a cell can show.
fn short(label: &str, most: usize) -> String {
    if label.chars().count() <= most {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(most.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn heatmaps(table: &GridTable) -> Vec<Heatmap> {
    let a = &table.axes;
    (0..table.tranches.len())
        .map(|t| {
            let name = &table.tranches[t];
            let values = |value: fn(&GridRow) -> Option<f64>| -> Vec<Vec<Option<f64>>> {
                (0..a.cpr.len())
                    .map(|p| {
                        (0..a.cdr.len())
                            .map(|d| value(table.row(d, p, 0, 0, t)))
                            .collect()
                    })
                    .collect()
            };
            let colour = tranche_colour(t);
            Heatmap {
                name: format!("grid_{}_{}", t + 1, file_word(name)),
                title: format!("Tranche {name}: loss share and WAL over CDR × CPR"),
                caption: format!(
                    "The deterministic run of {} at each annual CDR (columns) and CPR (rows), recovery rate {} and yield haircut {}: on the left the share of {name}'s principal unpaid at the legal final, on the right its WAL in years (– where it receives no principal). Darker is more.",
                    table.scenario, a.recovery_rate[0], a.yield_haircut[0]
                ),
                cdr: a.cdr.clone(),
                cpr: a.cpr.clone(),
                panels: vec![
                    Panel {
                        title: "Loss share".into(),
                        values: values(|r| Some(r.loss_share)),
                        show: small_percent,
                        colour: LOSS_COLOUR,
                        scale: None,
                    },
                    Panel {
                        title: "WAL (years)".into(),
                        values: values(|r| r.wal),
                        show: |v| years(Some(v)),
                        colour,
                        scale: None,
                    },
                ],
                layout: (1, 2),
            }
        })
        .collect()
}

/// For each tranche, when there is more than one recovery rate or yield haircut (and at most
/// [`MOST_PANELS`] pairs): its loss share over CDR × CPR at each pair, one panel each (rows
/// recovery rate, columns yield haircut), on one colour scale.
fn loss_panels(table: &GridTable) -> Vec<Heatmap> {
    let a = &table.axes;
    let pairs = a.recovery_rate.len() * a.yield_haircut.len();
    if !(2..=MOST_PANELS).contains(&pairs) {
        return Vec::new();
    }
    (0..table.tranches.len())
        .map(|t| {
            let name = &table.tranches[t];
            let largest = table
                .rows
                .iter()
                .skip(t)
                .step_by(table.tranches.len())
                .fold(0.0f64, |m, r| m.max(r.loss_share));
            let mut panels = Vec::with_capacity(pairs);
            for k in 0..a.recovery_rate.len() {
                for l in 0..a.yield_haircut.len() {
                    panels.push(Panel {
                        title: format!(
                            "recovery {}, yield haircut {}",
                            a.recovery_rate[k], a.yield_haircut[l]
                        ),
                        values: (0..a.cpr.len())
                            .map(|p| {
                                (0..a.cdr.len())
                                    .map(|d| Some(table.row(d, p, k, l, t).loss_share))
                                    .collect()
                            })
                            .collect(),
                        show: small_percent,
                        colour: LOSS_COLOUR,
                        scale: Some(largest),
                    });
                }
            }
            Heatmap {
                name: format!("grid_{}_{}_loss", t + 1, file_word(name)),
                title: format!(
                    "Tranche {name}: loss share over CDR × CPR by recovery rate and yield haircut"
                ),
                caption: format!(
                    "The share of {name}'s principal unpaid at the legal final in the deterministic run of {} at each annual CDR (columns of a panel) and CPR (rows of a panel); one panel per recovery rate (rows of panels) and yield haircut (columns of panels), all on one colour scale (darkest: {}).",
                    table.scenario,
                    small_percent(largest)
                ),
                cdr: a.cdr.clone(),
                cpr: a.cpr.clone(),
                panels,
                layout: (a.recovery_rate.len(), a.yield_haircut.len()),
            }
        })
        .collect()
}

impl Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        root.fill(&WHITE)?;
        let body = root.titled(&self.title, (FONT, 24).into_font().color(&TEXT))?;
        let panels = body.split_evenly(self.layout);
        for (panel, area) in self.panels.iter().zip(&panels) {
            self.draw_panel(panel, area)?;
        }
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &Panel,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawError> {
        let (width, height) = area.dim_in_pixel();
        // small multiples: narrow margins, small text, no axis titles (the caption says them)
        let compact = width < 500 || height < 300;
        let (left, right, top, bottom) = if compact {
            (44i32, 6i32, 22i32, 20i32)
        } else {
            (96i32, 16i32, 40i32, 56i32)
        };
        let columns = self.cdr.len().max(1) as i32;
        let rows = self.cpr.len().max(1) as i32;
        let cell_w = ((width as i32 - left - right) / columns).max(1);
        let cell_h = ((height as i32 - top - bottom) / rows).max(1);
        let centred = |size: u32| {
            (FONT, size)
                .into_font()
                .color(&TEXT)
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        let (title_size, axis_size) = if compact { (12, 10) } else { (17, 12) };
        area.draw(&Text::new(
            panel.title.clone(),
            (left + cell_w * columns / 2, if compact { 10 } else { 18 }),
            centred(title_size),
        ))?;
        let largest = panel.scale.unwrap_or_else(|| {
            panel
                .values
                .iter()
                .flatten()
                .flatten()
                .fold(0.0f64, |m, v| m.max(*v))
        });
        let label_size = if columns > 8 || compact { 10 } else { 12 };
        let cell_text = cell_w >= 40 && cell_h >= 14;
        for (p, row) in panel.values.iter().enumerate() {
            for (d, value) in row.iter().enumerate() {
                let x0 = left + d as i32 * cell_w;
                let y0 = top + p as i32 * cell_h;
                let fill = match value {
                    Some(v) if largest > 0.0 => lighten(panel.colour, 1.0 - 0.85 * v / largest),
                    Some(_) => WHITE,
                    None => MISSING,
                };
                area.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell_w, y0 + cell_h)],
                    fill.filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell_w, y0 + cell_h)],
                    WHITE.stroke_width(1),
                ))?;
                if !cell_text {
                    continue;
                }
                let text = value.map_or_else(|| "–".to_string(), panel.show);
                let luminance =
                    0.299 * fill.0 as f64 + 0.587 * fill.1 as f64 + 0.114 * fill.2 as f64;
                let dark = luminance < 140.0;
                let style = (FONT, label_size)
                    .into_font()
                    .color(if dark { &WHITE } else { &TEXT })
                    .pos(Pos::new(HPos::Center, VPos::Center));
                area.draw(&Text::new(text, (x0 + cell_w / 2, y0 + cell_h / 2), style))?;
            }
        }
        // the panel's frame, so white cells read as cells
        area.draw(&Rectangle::new(
            [(left, top), (left + columns * cell_w, top + rows * cell_h)],
            FRAME.stroke_width(1),
        ))?;
        let most = ((cell_w / 7).max(3)) as usize;
        for (d, label) in self.cdr.iter().enumerate() {
            area.draw(&Text::new(
                short(label, most),
                (
                    left + d as i32 * cell_w + cell_w / 2,
                    top + rows * cell_h + if compact { 9 } else { 12 },
                ),
                centred(axis_size),
            ))?;
        }
        if compact {
            let right_aligned = (FONT, axis_size)
                .into_font()
                .color(&TEXT)
                .pos(Pos::new(HPos::Right, VPos::Center));
            for (p, label) in self.cpr.iter().enumerate() {
                area.draw(&Text::new(
                    short(label, 7),
                    (left - 3, top + p as i32 * cell_h + cell_h / 2),
                    right_aligned.clone(),
                ))?;
            }
            return Ok(());
        }
        area.draw(&Text::new(
            "annual CDR",
            (left + cell_w * columns / 2, top + rows * cell_h + 36),
            centred(14),
        ))?;
        let right_aligned = (FONT, 12)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (p, label) in self.cpr.iter().enumerate() {
            area.draw(&Text::new(
                short(label, 12),
                (left - 6, top + p as i32 * cell_h + cell_h / 2),
                right_aligned.clone(),
            ))?;
        }
        area.draw(&Text::new(
            "annual CPR",
            (left - 6, top - 10),
            right_aligned,
        ))?;
        Ok(())
    }

    /// Draws the heatmap to `dir/<name>.png` and `.svg`; returns the SVG too.
    fn write(&self, dir: &Path) -> Result<RenderedChart, ReportError> {
        register_embedded_font()?;
        let chart_error = |message: String| ReportError::Chart {
            chart: self.name.clone(),
            message,
        };
        let (width, height) = SIZE;
        let mut pixels = vec![0u8; (width * height * 3) as usize];
        {
            let root = crate::report::charts::fonts::Fallback(BitMapBackend::with_buffer(
                &mut pixels,
                (width, height),
            ))
            .into_drawing_area();
            self.draw(&root).map_err(|e| chart_error(e.0))?;
            root.present().map_err(|e| chart_error(e.to_string()))?;
        }
        write_png(
            &dir.join(format!("{}.png", self.name)),
            width,
            height,
            &pixels,
        )?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
            self.draw(&root).map_err(|e| chart_error(e.0))?;
            root.present().map_err(|e| chart_error(e.to_string()))?;
        }
        let svg_path = dir.join(format!("{}.svg", self.name));
        fs::write(&svg_path, svg.as_bytes()).map_err(|source| ReportError::Write {
            path: svg_path,
            source,
        })?;
        Ok(RenderedChart {
            name: "grid",
            title: self.title.clone(),
            caption: self.caption.clone(),
            svg,
        })
    }
}

/// Draws the heatmaps into `dir/charts/` and writes `dir/grid.html`. `published` is the
/// folder `--out` named, for the page's command (`None`: the default folder).
pub fn render(table: &GridTable, dir: &Path, published: Option<&Path>) -> Result<(), ReportError> {
    use rayon::prelude::*;

    let charts_dir = dir.join("charts");
    fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    // each tranche's heatmaps together, in order of seniority
    let mut by_panels = loss_panels(table).into_iter();
    let charts: Vec<Heatmap> = heatmaps(table)
        .into_iter()
        .flat_map(|h| std::iter::once(h).chain(by_panels.next()))
        .collect();
    let rendered = charts
        .par_iter()
        .map(|h| h.write(&charts_dir))
        .collect::<Result<Vec<_>, _>>()?;
    let html_path = dir.join("grid.html");
    fs::write(&html_path, grid_html(table, &rendered, published)).map_err(|source| {
        ReportError::Write {
            path: html_path.clone(),
            source,
        }
    })
}

// ---------------------------------------------------------------------------------------
// grid.html
// ---------------------------------------------------------------------------------------

fn axis_text(labels: &[String]) -> String {
    labels.iter().map(|l| esc(l)).collect::<Vec<_>>().join(", ")
}

/// `grid.html`: the axes, each tranche's heatmaps, every row, the conventions and the
/// command; self-contained (inline SVG, no scripts or links).
pub fn grid_html(table: &GridTable, charts: &[RenderedChart], published: Option<&Path>) -> String {
    let a = &table.axes;
    let mut out =
        String::with_capacity(64 * 1024 + charts.iter().map(|c| c.svg.len()).sum::<usize>());
    out.push_str(&page_head(
        crate::i18n::Lang::En,
        &format!("{} — deterministic scenario matrix", esc(&table.scenario)),
    ));
    let _ = writeln!(
        out,
        "<header><h1>Deterministic scenario matrix: {}</h1>",
        esc(&table.scenario)
    );
    let _ = writeln!(
        out,
        "<p class=\"lead\">The scenario's deterministic run (SPEC §4.4) at each of {} combinations of annual CDR, CPR, recovery rate and yield haircut, everything else as the scenario says.</p>",
        a.combinations()
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">{TOOL_NAME} {TOOL_VERSION} · scenario file <span class=\"mono\">{}</span></p></header>",
        esc(&table.scenario_file)
    );

    out.push_str("<section id=\"axes\">\n<h2>Axes</h2>\n");
    let axis_rows = vec![
        vec!["Annual CDR".into(), axis_text(&a.cdr)],
        vec!["Annual CPR".into(), axis_text(&a.cpr)],
        vec!["Recovery rate".into(), axis_text(&a.recovery_rate)],
        vec!["Yield haircut".into(), axis_text(&a.yield_haircut)],
    ];
    out.push_str(
        &html_table(&["Axis", "Values"], &axis_rows).replace("<td>", "<td class=\"text\">"),
    );
    out.push_str("<p class=\"note\"><code>scenario</code> is the scenario's own value: its <code>[deterministic]</code> curve for CDR and CPR, else the base case's rates (each receivable's PD; the <code>[assumptions]</code> prepayment). A value in brackets is an annual rate by deal month, the last repeated.</p>\n</section>\n");

    out.push_str("<section id=\"heatmaps\">\n<h2>Heatmaps</h2>\n");
    for c in charts {
        out.push_str(&figure(c, false, false));
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"results\">\n<h2>Every combination</h2>\n");
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            vec![
                esc(&r.tranche),
                esc(&r.cdr),
                esc(&r.cpr),
                r.recovery_rate.to_string(),
                r.yield_haircut.to_string(),
                super::format::cny(r.principal_loss),
                small_percent(r.loss_share),
                super::format::cny(r.interest_shortfall),
                years(r.wal),
                r.annual_yield.map_or_else(|| "-".into(), |y| percent(y, 2)),
                r.first_loss_month
                    .map_or_else(|| "-".into(), |m| m.to_string()),
            ]
        })
        .collect();
    out.push_str(&html_table(
        &[
            "Tranche",
            "CDR",
            "CPR",
            "Recovery",
            "Yield haircut",
            "Principal loss (CNY)",
            "Loss share",
            "Interest shortfall (CNY)",
            "WAL (years)",
            "Yield",
            "First loss month",
        ],
        &rows,
    ));
    out.push_str("<p class=\"note\">Principal loss: principal unpaid at the legal final. Interest shortfall: interest unpaid at the legal final. Yield: the annual IRR of the tranche's cash flows at par (the residual holder's includes its step-5 cash). First loss month: the first month the tranche and those above it exceed the performing pool plus the reserve (the legal final when it loses principal without that). The same rows, every digit, are in <code>grid.csv</code>.</p>\n</section>\n");

    out.push_str("<section id=\"reproducibility\">\n<h2>Reproducibility</h2>\n");
    let _ = writeln!(
        out,
        "<p>Reproduce with <span class=\"mono\">{}</span>. The deterministic run draws nothing at random: the same inputs give the same files byte for byte, on any number of threads.</p>\n</section>",
        esc(&table.command(published))
    );
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_order() {
        assert_eq!(
            rows::columns::<GridRow>(),
            &[
                "cdr",
                "cpr",
                "recovery_rate",
                "yield_haircut",
                "tranche",
                "principal_loss",
                "loss_share",
                "interest_shortfall",
                "wal",
                "yield",
                "first_loss_month",
            ]
        );
    }

    #[test]
    fn file_words_are_safe() {
        assert_eq!(file_word("A-1 senior/x"), "A-1_senior_x");
        assert_eq!(short("[0.01 0.02 0.03]", 8), "[0.01 0…");
    }
}
