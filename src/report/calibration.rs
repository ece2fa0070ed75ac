//! The `calibrate` folder (SPEC §4.6, §8): `calibration.toml` (the scenario's base case,
//! [`CalibrationFile`]), `calibration.json` (every estimate with its evidence,
//! [`CalibrationJson`]), `vintages.csv` (observed and projected curves, [`VintageRow`]), the
//! charts of [`super::charts::calibration::CALIBRATION_CHARTS`] (PNG and SVG under `charts/`)
//! and `calibration.html` ([`super::calibration_html`]), written atomically through [`ReportDir`] as a [`ReportKind::Calibration`] folder. One type
//! per file, for the writer and any reader.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::calibration_html::calibration_html;
use super::charts::calibration::{CalibrationCharts, charts_for_calibration};
use super::charts::write_chart;
use super::manifest::{TOOL_NAME, TOOL_VERSION};
use super::output::{OutputError, ReportDir, ReportKind};
use crate::calibrate::{Calibration, CalibrationOptions, GroupCalibration, calibrate};
use crate::history::History;
use crate::scenario::calibration::{CalibrationFile, CalibrationSource, SegmentCalibration};
use crate::tape::Product;

/// `calibration.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationJson {
    pub source: CalibrationSource,
    pub seed: u64,
    pub bootstrap_resamples: usize,
    /// The tape the PD scale's reference receivables come from (`calibrate --tape`); null:
    /// the built-in synthetic tape.
    #[serde(default)]
    pub pd_reference_tape: Option<String>,
    /// Delinquency bucket columns, in order.
    pub buckets: Vec<String>,
    pub all: SegmentJson,
    #[serde(default)]
    pub segments: BTreeMap<String, SegmentJson>,
}

/// One group's estimates in `calibration.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentJson {
    pub lifetime_charge_off_rate: f64,
    pub rho: RhoJson,
    /// Unweighted mean of the vintages' projected lifetime rates, and their coefficient of
    /// variation (sample standard deviation ÷ mean).
    pub mean_lifetime_rate: Option<f64>,
    pub cv: Option<f64>,
    /// Share of lifetime charge-offs by month on book, `[m]` for `m = 0..=M`.
    pub timing_curve: Vec<f64>,
    /// Annual CPR by month on book, `[m]` (month 0 and months with nothing outstanding:
    /// null).
    pub cpr_by_mob: Vec<Option<f64>>,
    /// The outstanding-weighted annual CPR (null without a `prepaid` column).
    pub cpr: Option<f64>,
    pub roll_rates: RollRatesJson,
    /// Null without a `recovered` column.
    pub recovery_rate: Option<f64>,
    pub recovery_lag_months: Option<u32>,
    /// Null when no PD reaches the lifetime rate.
    pub pd_scale: Option<f64>,
    pub pd_reference: PdReferenceJson,
    /// The month on book of ρ's default rates.
    pub m_star: Option<u32>,
    /// `M`: the chain ladder develops to this month on book and no further.
    pub longest_observed_age: u32,
    pub development: String,
    pub development_factors: Vec<DevelopmentFactorJson>,
    pub vintages: Vec<VintageJson>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RhoJson {
    pub estimate: Option<f64>,
    pub ci90: Option<[f64; 2]>,
    pub m_star: Option<u32>,
    /// The fitted default probability by `m*`.
    pub p_at_m_star: Option<f64>,
    pub vintages_used: usize,
    /// Vintages at `m*` with a rate of exactly 0 or 1 (no finite probit).
    pub vintages_excluded: usize,
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollRatesJson {
    /// Current → first bucket.
    pub entry_rate: Option<f64>,
    pub rolls: Vec<RollJson>,
    /// `1 − roll` of each bucket, in bucket order.
    pub cure_rates: Vec<Option<f64>>,
    /// Months from the first missed payment to charge-off (the number of buckets).
    pub months_to_charge_off: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollJson {
    pub from: String,
    /// The next bucket, or `charged_off`.
    pub to: String,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdReferenceJson {
    pub product: Product,
    pub term_months: u32,
    pub rate: f64,
    pub pd_12m: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevelopmentFactorJson {
    pub from_month: u32,
    pub to_month: u32,
    /// Null where the vintages observed at both months had nothing charged off at the first.
    pub factor: Option<f64>,
    pub increment: f64,
    pub vintages: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VintageJson {
    pub vintage: String,
    pub segment: String,
    pub originated: f64,
    pub months_on_book: u32,
    pub observed_cum_charge_off_rate: f64,
    pub projected_lifetime_rate: f64,
}

/// The fixed columns of `vintages.csv`, in order; one `<bucket>_share` column per
/// delinquency bucket follows them.
pub const VINTAGE_COLUMNS: [&str; 7] = [
    "vintage",
    "segment",
    "months_on_book",
    "observed_cum_charge_off_rate",
    "projected_cum_charge_off_rate",
    "observed_net_loss_rate",
    "observed_prepayment_rate",
];

/// A row of `vintages.csv`: one vintage at one month on book `0..=M` of its group (the
/// segment's, or `all`'s without segments); observed columns empty past the vintage's age.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VintageRow {
    pub vintage: String,
    pub segment: String,
    pub months_on_book: u32,
    pub observed_cum_charge_off_rate: Option<f64>,
    pub projected_cum_charge_off_rate: f64,
    pub observed_net_loss_rate: Option<f64>,
    pub observed_prepayment_rate: Option<f64>,
    /// Share of the outstanding principal in each bucket (`<bucket>_share` columns).
    pub bucket_shares: Vec<Option<f64>>,
}

const DEVELOPMENT: &str =
    "chain ladder: no development beyond the longest observed month on book (no tail factor)";
const RHO_METHOD: &str = "Vasicek maximum likelihood on the vintages' cumulative charge-off rates at m* (closed form rho = s^2/(1+s^2) of their probits); bootstrap BCa interval (bias-corrected and accelerated)";

/// Why a calibration folder was not written.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationWriteError {
    /// The history does not allow a value `calibration.toml` needs (exit 2).
    #[error("{}", .0.join("\n"))]
    Unusable(Vec<String>),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{}: cannot write: {message}", .path.display())]
    Write { path: PathBuf, message: String },
}

impl CalibrationWriteError {
    pub fn is_bad_input(&self) -> bool {
        match self {
            CalibrationWriteError::Unusable(_) => true,
            CalibrationWriteError::Output(e) => e.is_bad_input(),
            CalibrationWriteError::Write { .. } => false,
        }
    }
}

fn group_json(group: &GroupCalibration, buckets: &[String]) -> SegmentJson {
    let rolls = &group.roll_rates;
    SegmentJson {
        lifetime_charge_off_rate: group.lifetime_charge_off_rate,
        rho: RhoJson {
            estimate: group.rho.as_ref().map(|r| r.estimate),
            ci90: group.rho.as_ref().and_then(|r| r.ci90),
            m_star: group.m_star,
            p_at_m_star: group.rho.as_ref().map(|r| r.p_at_m_star),
            vintages_used: group.rho.as_ref().map_or(0, |r| r.vintages_used),
            vintages_excluded: group.rho.as_ref().map_or(0, |r| r.vintages_excluded),
            method: RHO_METHOD.into(),
        },
        mean_lifetime_rate: group.mean_lifetime_rate,
        cv: group.cv,
        timing_curve: group.timing_curve.clone(),
        cpr_by_mob: group.cpr_by_mob.clone(),
        cpr: group.cpr,
        roll_rates: RollRatesJson {
            entry_rate: rolls.entry,
            rolls: rolls
                .roll
                .iter()
                .enumerate()
                .map(|(k, rate)| RollJson {
                    from: buckets[k].clone(),
                    to: buckets
                        .get(k + 1)
                        .cloned()
                        .unwrap_or_else(|| "charged_off".into()),
                    rate: *rate,
                })
                .collect(),
            cure_rates: rolls.cure.clone(),
            months_to_charge_off: rolls.months_to_charge_off,
        },
        recovery_rate: group.recovery.map(|r| r.0),
        recovery_lag_months: group.recovery.map(|r| r.1),
        pd_scale: group.pd_scale,
        pd_reference: PdReferenceJson {
            product: group.reference.product,
            term_months: group.reference.term_months,
            rate: group.reference.rate,
            pd_12m: group.reference.pd_12m,
        },
        m_star: group.m_star,
        longest_observed_age: group.chain_ladder.longest_age,
        development: DEVELOPMENT.into(),
        development_factors: group
            .chain_ladder
            .factors
            .iter()
            .map(|f| DevelopmentFactorJson {
                from_month: f.from_month,
                to_month: f.from_month + 1,
                factor: f.factor,
                increment: f.increment,
                vintages: f.vintages,
            })
            .collect(),
        vintages: group
            .vintages
            .iter()
            .map(|v| VintageJson {
                vintage: v.vintage.to_string(),
                segment: v.segment.clone(),
                originated: v.originated,
                months_on_book: v.age,
                observed_cum_charge_off_rate: v.curves.cum_charge_off_rate
                    [v.curves.cum_charge_off_rate.len() - 1],
                projected_lifetime_rate: v.projected_lifetime_rate,
            })
            .collect(),
    }
}

/// `calibration.json` of a calibration.
pub fn calibration_json(
    calibration: &Calibration,
    source: &CalibrationSource,
    options: &CalibrationOptions,
) -> CalibrationJson {
    CalibrationJson {
        source: source.clone(),
        seed: options.seed,
        bootstrap_resamples: options.bootstrap_resamples,
        pd_reference_tape: options.reference_tape.clone(),
        buckets: calibration.buckets.clone(),
        all: group_json(&calibration.all, &calibration.buckets),
        segments: calibration
            .segments
            .iter()
            .map(|g| (g.name.clone(), group_json(g, &calibration.buckets)))
            .collect(),
    }
}

/// The base case of one group for `calibration.toml`, or what is missing.
fn segment_calibration(group: &GroupCalibration) -> Result<SegmentCalibration, Vec<String>> {
    let mut problems = Vec::new();
    let name = &group.name;
    if group.rho.is_none() {
        problems.push(format!(
            "segment `{name}`: ρ cannot be estimated: fewer than 2 vintages have a cumulative charge-off rate strictly between 0 and 1 at month on book {}",
            group.m_star.map_or("-".into(), |m| m.to_string())
        ));
    }
    if group.cv.is_none() {
        problems.push(format!(
            "segment `{name}`: the CV of the lifetime rates needs at least 2 vintages and a lifetime rate above 0"
        ));
    }
    if group.pd_scale.is_none() {
        problems.push(format!(
            "segment `{name}`: no PD multiplier makes a {}-month {} receivable with 12-month PD {} lose {:.6} of its principal over its life",
            group.reference.term_months,
            group.reference.product,
            group.reference.pd_12m,
            group.lifetime_charge_off_rate
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let rho = group.rho.as_ref().expect("checked above");
    Ok(SegmentCalibration {
        lifetime_charge_off_rate: group.lifetime_charge_off_rate,
        rho: rho.estimate,
        rho_ci90: rho.ci90.unwrap_or([rho.estimate, rho.estimate]),
        cv: group.cv.expect("checked above"),
        pd_scale: group.pd_scale.expect("checked above"),
        cpr: group.cpr.unwrap_or(0.0),
        recovery_rate: group.recovery.map_or(0.0, |r| r.0),
        recovery_lag_months: group.recovery.map_or(0, |r| r.1),
    })
}

/// `calibration.toml`'s contents, or every value the history does not allow.
pub fn calibration_file(
    calibration: &Calibration,
    source: &CalibrationSource,
) -> Result<CalibrationFile, Vec<String>> {
    let mut problems = Vec::new();
    let all = segment_calibration(&calibration.all).map_err(|p| problems.extend(p));
    let mut segments = BTreeMap::new();
    for group in &calibration.segments {
        match segment_calibration(group) {
            Ok(s) => {
                segments.insert(group.name.clone(), s);
            }
            Err(p) => problems.extend(p),
        }
    }
    match all {
        Ok(all) if problems.is_empty() => Ok(CalibrationFile {
            source: source.clone(),
            all,
            segments,
        }),
        _ => Err(problems),
    }
}

/// `calibration.toml` as written: a comment header, then the [`CalibrationFile`].
pub fn calibration_toml(
    file: &CalibrationFile,
    calibration: &Calibration,
) -> Result<String, toml::ser::Error> {
    let mut text = String::new();
    text.push_str(
        "# calibration.toml: the base case calibrated from static-pool history (SPEC §4.6).\n",
    );
    text.push_str(&format!(
        "# Written by {} {} `calibrate` from {} (SHA-256 {}), data date {}.\n",
        file.source.tool,
        file.source.version,
        file.source.history,
        file.source.history_sha256,
        file.source.data_date
    ));
    text.push_str("# A scenario reads it with `[assumptions] calibration = \"FILE\"`; an explicit key of the\n# scenario overrides a calibrated value. Every estimate with its evidence: calibration.json.\n");
    for group in std::iter::once(&calibration.all).chain(&calibration.segments) {
        if group.cpr.is_none() {
            text.push_str(&format!(
                "# `{}`: the history has no `prepaid` column: cpr = 0 is not an estimate.\n",
                group.name
            ));
        }
        if group.recovery.is_none() {
            text.push_str(&format!(
                "# `{}`: the history has no `recovered` column (or no charge-offs): recovery_rate = 0 and recovery_lag_months = 0 are not estimates.\n",
                group.name
            ));
        }
    }
    text.push('\n');
    text.push_str(&toml::to_string(file)?);
    Ok(text)
}

/// The rows of `vintages.csv`.
pub fn vintage_rows(calibration: &Calibration) -> Vec<VintageRow> {
    let groups: Vec<&GroupCalibration> = if calibration.segments.is_empty() {
        vec![&calibration.all]
    } else {
        calibration.segments.iter().collect()
    };
    let mut rows = Vec::new();
    for group in groups {
        for v in &group.vintages {
            for (m, projected) in v.projected.iter().enumerate() {
                let observed = m <= v.age as usize;
                let c = &v.curves;
                rows.push(VintageRow {
                    vintage: v.vintage.to_string(),
                    segment: v.segment.clone(),
                    months_on_book: m as u32,
                    observed_cum_charge_off_rate: observed.then(|| c.cum_charge_off_rate[m]),
                    projected_cum_charge_off_rate: *projected,
                    observed_net_loss_rate: observed.then(|| c.net_loss_rate[m]),
                    observed_prepayment_rate: c
                        .prepayment_rate
                        .as_ref()
                        .filter(|_| observed)
                        .map(|p| p[m]),
                    bucket_shares: (0..calibration.buckets.len())
                        .map(|k| {
                            observed
                                .then(|| c.bucket_shares[m].get(k).copied())
                                .flatten()
                        })
                        .collect(),
                });
            }
        }
    }
    rows
}

/// `vintages.csv`'s bytes.
pub fn vintages_csv(rows: &[VintageRow], buckets: &[String]) -> super::CsvResult {
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let header: Vec<String> = VINTAGE_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(buckets.iter().map(|b| format!("{b}_share")))
        .collect();
    out.write_record(&header)?;
    for row in rows {
        out.serialize(row)?;
    }
    super::into_bytes(out)
}

/// Reads `vintages.csv` back into its rows (the bucket columns after the fixed ones).
pub fn read_vintages_csv(bytes: &[u8]) -> Result<Vec<VintageRow>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    reader
        .records()
        .map(|record| {
            let record = record?;
            record.deserialize(None)
        })
        .collect()
}

/// Calibrates `history` and writes the folder `dir` (SPEC §8: a new or empty folder, or one
/// holding an earlier report of the tool, replaced atomically). `source_name` is the history
/// file as the user gave it, `sha256` the hex digest of its bytes. Returns the folder and the
/// calibration.
pub fn write_calibration(
    dir: &Path,
    history: &History,
    source_name: &str,
    sha256: &str,
    options: &CalibrationOptions,
) -> Result<(PathBuf, Calibration), CalibrationWriteError> {
    let report = ReportDir::create(dir, ReportKind::Calibration)?;
    let calibration = calibrate(history, options);
    let source = CalibrationSource {
        history: source_name.to_string(),
        history_sha256: sha256.to_string(),
        data_date: calibration
            .data_date
            .map_or_else(String::new, |d| d.to_string()),
        tool: TOOL_NAME.into(),
        version: TOOL_VERSION.into(),
    };
    let file = calibration_file(&calibration, &source).map_err(CalibrationWriteError::Unusable)?;
    let write = |name: &str, bytes: Result<Vec<u8>, String>| {
        let path = report.file(name);
        bytes
            .and_then(|b| report.write(name, &b).map_err(|e| e.to_string()))
            .map_err(|message| CalibrationWriteError::Write { path, message })
    };
    write(
        "calibration.toml",
        calibration_toml(&file, &calibration)
            .map(String::into_bytes)
            .map_err(|e| e.to_string()),
    )?;
    let json = calibration_json(&calibration, &source, options);
    write(
        "calibration.json",
        serde_json::to_vec_pretty(&json)
            .map(|mut b| {
                b.push(b'\n');
                b
            })
            .map_err(|e| e.to_string()),
    )?;
    let rows = vintage_rows(&calibration);
    write(
        "vintages.csv",
        vintages_csv(&rows, &calibration.buckets).map_err(|e| e.to_string()),
    )?;
    let files = CalibrationCharts {
        json: &json,
        rows: &rows,
        history: source_name,
    };
    let charts_dir = report.path().join("charts");
    let rendered = std::fs::create_dir_all(&charts_dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            charts_for_calibration(&files)
                .iter()
                .map(|chart| write_chart(chart, &charts_dir).map_err(|e| e.to_string()))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|message| CalibrationWriteError::Write {
            path: charts_dir.clone(),
            message,
        })?;
    write(
        "calibration.html",
        Ok(calibration_html(&json, &rendered).into_bytes()),
    )?;
    let path = report.commit()?;
    Ok((path, calibration))
}
