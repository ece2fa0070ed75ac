//! `calibrate`: a static-pool history (already read and validated) → the calibration folder
//! (SPEC §4.6): the stages are `calibrate::calibrate` (estimation) and
//! `report::calibration::write_calibration` (the folder, atomically).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
/// reference: the base scenario's synthetic pool itself (`synthetic = { receivables =
/// 200_000, seed = 7 }`), so the shipped calibration's PD scale is that of the pool it is
/// run on.
pub const REFERENCE_TAPE: (usize, u64) = (200_000, 7);

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
    /// Each segment's own reference, where it has one (see [`TapeReferences`]).
    pub segment_references: BTreeMap<String, PdReference>,
    /// The tape the references come from, as the user named it (`calibrate --tape`).
    pub reference_tape: Option<String>,
}

/// The PD scale's reference receivables taken from a tape (`calibrate --tape FILE`): the
/// whole tape's for `all` and for any segment the tape does not have, and for a history
/// segment whose name is a `segment` of the tape, that segment's receivables' (SPEC §4.6:
/// "a new receivable of the segment's product and term").
#[derive(Debug, Clone, PartialEq)]
pub struct TapeReferences {
    pub all: PdReference,
    pub segments: BTreeMap<String, PdReference>,
    /// History segments the tape has no eligible receivable with a PD of: they take `all`.
    pub missing: Vec<String>,
}

impl TapeReferences {
    /// The references of `receivables` for the history segments `segments`; `None` when the
    /// tape has no eligible receivable with a PD.
    pub fn from_tape(
        receivables: &[crate::tape::Receivable],
        segments: &[&str],
    ) -> Option<TapeReferences> {
        let all = PdReference::from_receivables(receivables)?;
        let mut found = BTreeMap::new();
        let mut missing = Vec::new();
        for &name in segments.iter().filter(|&&s| s != crate::calibrate::ALL) {
            let own: Vec<crate::tape::Receivable> = receivables
                .iter()
                .filter(|r| r.segment == name)
                .cloned()
                .collect();
            match PdReference::from_receivables(&own) {
                Some(reference) => {
                    found.insert(name.to_string(), reference);
                }
                None => missing.push(name.to_string()),
            }
        }
        Some(TapeReferences {
            all,
            segments: found,
            missing,
        })
    }
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
            segment_references: BTreeMap::new(),
            reference_tape: None,
        }
    }
}

/// What `calibrate` wrote.
#[derive(Debug, Clone)]
pub struct CalibrateResult {
    pub out_dir: PathBuf,
    pub calibration: Calibration,
    /// A summary for the terminal, two lines per group: the headline estimates, then their
    /// evidence.
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

/// The evidence behind a group's headline: where ρ and the lifetime rate come from, the
/// roll rates and the PD scale's reference receivable.
fn evidence_line(group: &GroupCalibration, buckets: &[String]) -> String {
    let rho = match &group.rho {
        Some(r) => format!(
            "rho from {} vintages at month on book {} (fitted rate {:.3}%)",
            r.vintages_used,
            group.m_star.unwrap_or(0),
            100.0 * r.p_at_m_star
        ),
        None => "no rho".into(),
    };
    let rolls: Vec<String> = group
        .roll_rates
        .roll
        .iter()
        .enumerate()
        .map(|(k, rate)| {
            let to = buckets.get(k + 1).map_or("charge-off", String::as_str);
            let from = buckets.get(k).map_or("-", String::as_str);
            rate.map_or(format!("{from}→{to} n/a"), |r| {
                format!("{from}→{to} {:.1}%", 100.0 * r)
            })
        })
        .collect();
    let r = &group.reference;
    format!(
        "  {rho}; chain ladder to month on book {} (no development beyond); {}; PD reference: {} {}-month at 12-month PD {:.3}%",
        group.chain_ladder.longest_age,
        if rolls.is_empty() {
            "no delinquency buckets".to_string()
        } else {
            format!("roll rates {}", rolls.join(", "))
        },
        r.product,
        r.term_months,
        100.0 * r.pd_12m
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
        segment_references: request.segment_references.clone(),
        reference_tape: request.reference_tape.clone(),
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
        .flat_map(|g| [summary_line(g), evidence_line(g, &calibration.buckets)])
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

/// `calibrate --history FILE [--tape FILE]`: reads and validates the history (every
/// problem of the file at once, exit 2), digests its bytes, takes the PD scale's references
/// from the tape when one is given ([`TapeReferences`]), calibrates and writes the folder
/// `out`. Returns the result and the readers' warnings.
pub fn calibrate_history_file(
    history_path: &Path,
    tape_path: Option<&Path>,
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
    let mut warnings = file.warnings;
    let references = match tape_path {
        Some(path) => {
            let tape = crate::tape::read_tape(path).map_err(|e| AppError::Input(e.to_string()))?;
            warnings.extend(tape.warnings);
            let references = TapeReferences::from_tape(&tape.receivables, &file.history.segments())
                .ok_or_else(|| {
                    AppError::Input(format!(
                        "{}: no eligible receivable with a PD (pd_12m or score): the PD scale needs one",
                        path.display()
                    ))
                })?;
            for segment in &references.missing {
                warnings.push(format!(
                    "{}: no eligible receivable of segment `{segment}`: its PD scale uses the whole tape's reference",
                    path.display()
                ));
            }
            Some((path.display().to_string(), references))
        }
        None => None,
    };
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
    if let Some((name, references)) = references {
        request.reference = Some(references.all);
        request.segment_references = references.segments;
        request.reference_tape = Some(name);
    }
    Ok((calibrate(request)?, warnings))
}
