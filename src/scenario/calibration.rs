//! `calibration.toml` (SPEC §4.6): what `calibrate` writes from a static-pool history and a
//! scenario reads with `[assumptions] calibration = "FILE"`. One schema, shared by the
//! writer (the `calibrate` stage) and the reader (scenario validation): the scenario takes
//! ρ, the PD scale, the CPR, the recovery rate and the recovery lag from it, and an explicit
//! key of the scenario overrides the calibrated value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationFile {
    pub source: CalibrationSource,
    /// The whole history, every segment together.
    pub all: SegmentCalibration,
    /// Each segment of the history (empty when it has only `all`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub segments: BTreeMap<String, SegmentCalibration>,
}

/// Where the calibration comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSource {
    /// The history file as given on the command line.
    pub history: String,
    /// SHA-256 of the history file's bytes, hex.
    pub history_sha256: String,
    /// The latest month the history reaches, `YYYY-MM`.
    pub data_date: String,
    pub tool: String,
    pub version: String,
}

/// The calibrated base case of one segment (or of `all`): the values a scenario takes.
/// `calibration.json` has these and every other estimate with its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentCalibration {
    /// Originated-weighted lifetime charge-off rate over the (projected) vintages.
    pub lifetime_charge_off_rate: f64,
    /// Asset correlation ρ by maximum likelihood (Vasicek), and its bootstrap 90 % interval.
    pub rho: f64,
    pub rho_ci90: [f64; 2],
    /// Coefficient of variation of the vintages' projected lifetime rates.
    pub cv: f64,
    /// Multiplier on the tape's PDs that reproduces the lifetime rate (SPEC §4.6).
    pub pd_scale: f64,
    /// Annual CPR: the scenario's flat `cpr` (from the CPR by month on book, weighted by
    /// the balance outstanding at each month).
    pub cpr: f64,
    /// Share of charged-off principal recovered.
    pub recovery_rate: f64,
    /// Months from charge-off to recovery (the recoveries' balance-weighted mean delay,
    /// rounded).
    pub recovery_lag_months: u32,
}
