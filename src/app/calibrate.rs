//! `calibrate`: a static-pool history (already read and validated) → the calibration folder
//! (SPEC §4.6): the stages are `calibrate::calibrate` (estimation) and
//! `report::calibration::write_calibration` (the folder, atomically).

use std::path::PathBuf;

use super::AppError;
use crate::calibrate::dispersion::MIN_VINTAGES_AT_M_STAR;
use crate::calibrate::{
    Calibration, CalibrationOptions, DEFAULT_BOOTSTRAP_RESAMPLES, GroupCalibration, PdReference,
};
use crate::history::History;
use crate::report::calibration::write_calibration;

/// The seed of the bootstrap when none is given.
pub const DEFAULT_CALIBRATION_SEED: u64 = 20_151_024;

/// Receivables and seed of the built-in synthetic tape whose mix is the default PD
/// reference (the base scenario's synthetic pool's seed).
pub const REFERENCE_TAPE: (usize, u64) = (20_000, 7);

/// What `calibrate` is asked to do.
#[derive(Debug, Clone)]
pub struct CalibrateRequest {
    pub history: History,
    /// The history file as the user gave it.
    pub history_name: String,
    /// SHA-256 of the history file's bytes, hex.
    pub history_sha256: String,
    pub out: PathBuf,
    pub seed: u64,
    pub bootstrap_resamples: usize,
    /// The receivable the PD scale is computed for; `None`: the mix of the built-in
    /// synthetic tape ([`REFERENCE_TAPE`], see [`PdReference::from_receivables`]).
    pub reference: Option<PdReference>,
}

impl CalibrateRequest {
    /// A request with the default seed, resamples and reference.
    pub fn new(history: History, history_name: &str, history_sha256: &str, out: PathBuf) -> Self {
        CalibrateRequest {
            history,
            history_name: history_name.into(),
            history_sha256: history_sha256.into(),
            out,
            seed: DEFAULT_CALIBRATION_SEED,
            bootstrap_resamples: DEFAULT_BOOTSTRAP_RESAMPLES,
            reference: None,
        }
    }
}

/// What `calibrate` wrote.
#[derive(Debug, Clone)]
pub struct CalibrateResult {
    pub out_dir: PathBuf,
    pub calibration: Calibration,
    /// A summary for the terminal, one line per group.
    pub lines: Vec<String>,
}

/// The default PD reference: the built-in synthetic tape's mix.
pub fn default_reference() -> PdReference {
    let (receivables, seed) = REFERENCE_TAPE;
    PdReference::from_receivables(&crate::tape::synthetic::generate(receivables, seed))
        .expect("the synthetic tape has eligible receivables with PDs")
}

fn summary_line(group: &GroupCalibration) -> String {
    let pct = |v: f64| format!("{:.3}%", 100.0 * v);
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("n/a".to_string(), f);
    format!(
        "{}: {} vintages, lifetime charge-off {}, rho {} (90% {}), CV {}, CPR {}, recovery {} after {} months, PD scale {}",
        group.name,
        group.vintages.len(),
        pct(group.lifetime_charge_off_rate),
        opt(group.rho.as_ref().map(|r| r.estimate), &|v| format!(
            "{v:.4}"
        )),
        group
            .rho
            .as_ref()
            .and_then(|r| r.ci90)
            .map_or("n/a".into(), |[lo, hi]| format!("{lo:.4}–{hi:.4}")),
        opt(group.cv, &|v| format!("{v:.3}")),
        opt(group.cpr, &pct),
        opt(group.recovery.map(|r| r.0), &pct),
        group.recovery.map_or("n/a".into(), |r| r.1.to_string()),
        opt(group.pd_scale, &|v| format!("{v:.4}")),
    )
}

/// `calibrate`: estimates and writes the folder `request.out`.
pub fn calibrate(request: CalibrateRequest) -> Result<CalibrateResult, AppError> {
    if request.history.vintages.is_empty() {
        return Err(AppError::Input(format!(
            "{}: the history has no vintages",
            request.history_name
        )));
    }
    let options = CalibrationOptions {
        seed: request.seed,
        bootstrap_resamples: request.bootstrap_resamples,
        min_vintages_at_m_star: MIN_VINTAGES_AT_M_STAR,
        reference: request.reference.unwrap_or_else(default_reference),
        segment_references: Default::default(),
    };
    let (out_dir, calibration) = write_calibration(
        &request.out,
        &request.history,
        &request.history_name,
        &request.history_sha256,
        &options,
    )
    .map_err(|e| {
        if e.is_bad_input() {
            AppError::Input(match &e {
                crate::report::calibration::CalibrationWriteError::Unusable(problems) => problems
                    .iter()
                    .map(|p| format!("{}: {p}", request.history_name))
                    .collect::<Vec<_>>()
                    .join("\n"),
                other => other.to_string(),
            })
        } else {
            AppError::Failure(anyhow::anyhow!("{e}"))
        }
    })?;
    let lines = std::iter::once(&calibration.all)
        .chain(&calibration.segments)
        .map(summary_line)
        .collect();
    Ok(CalibrateResult {
        out_dir,
        calibration,
        lines,
    })
}

/// Most bootstrap resamples `--bootstrap` takes (each costs a pass over the vintages).
pub const MAX_BOOTSTRAP_RESAMPLES: usize = 1_000_000;

/// The folder `calibrate` writes without `--out`.
pub const DEFAULT_CALIBRATION_DIR: &str = "reports/calibration";

/// `calibrate --history FILE`: reads and validates the history (every problem of the file at
/// once, exit 2), digests its bytes, calibrates and writes the folder `out`. Returns the
/// result and the reader's warnings.
pub fn calibrate_history_file(
    history_path: &std::path::Path,
    out: PathBuf,
    seed: u64,
    bootstrap_resamples: usize,
) -> Result<(CalibrateResult, Vec<String>), AppError> {
    use sha2::{Digest, Sha256};
    let file = crate::history::read_history_file(history_path).map_err(|e| {
        if e.is_bad_input() {
            AppError::Input(e.to_string())
        } else {
            super::failure(&history_path.display().to_string(), e)
        }
    })?;
    let bytes = std::fs::read(history_path).map_err(|e| {
        AppError::Input(format!(
            "{}: cannot read the history: {e}",
            history_path.display()
        ))
    })?;
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut request = CalibrateRequest::new(
        file.history,
        &history_path.display().to_string(),
        &sha256,
        out,
    );
    request.seed = seed;
    request.bootstrap_resamples = bootstrap_resamples;
    Ok((calibrate(request)?, file.warnings))
}
