//! `[assumptions] calibration = "FILE"` (SPEC §4.6): a scenario takes ρ, the PD scale, the
//! CPR, the recovery rate and lag from a `calibration.toml`; a key the scenario gives
//! overrides the calibrated value; `validate`, the terminal and the report say which value
//! came from where; a broken calibration file is bad input (exit 2, its line named).

use std::fs;
use std::path::Path;
use std::process::Command;

use baitiao_abs::scenario::calibration::{CalibrationFile, CalibrationSource, SegmentCalibration};
use baitiao_abs::scenario::{self, Prepayment};

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

fn calibration() -> CalibrationFile {
    CalibrationFile {
        source: CalibrationSource {
            history: "history.csv".into(),
            history_sha256: "0".repeat(64),
            data_date: "2020-12".into(),
            tool: "baitiao-abs".into(),
            version: "test".into(),
        },
        all: SegmentCalibration {
            lifetime_charge_off_rate: 0.0112,
            rho: 0.087,
            rho_ci90: [0.05, 0.14],
            cv: 0.31,
            pd_scale: 0.63,
            cpr: 0.17,
            recovery_rate: 0.22,
            recovery_lag_months: 4,
        },
        segments: Default::default(),
    }
}

fn scenario_text(assumptions: &str) -> String {
    format!(
        r#"name = "cal"
[pool]
synthetic = {{ receivables = 500, seed = 3 }}
[assumptions]
calibration = "calibration.toml"
{assumptions}
[deal]
horizon_months = 12
revolving_months = 0
tranches = [
  {{ name = "A", share = 0.85, coupon = 0.05, target_rating = "A2" }},
  {{ name = "Sub", share = 0.15 }},
]
[simulation]
paths = 50
"#
    )
}

#[test]
fn calibrated_values_fill_the_keys_the_scenario_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("calibration.toml"),
        toml::to_string(&calibration()).unwrap(),
    )
    .unwrap();
    // nothing given: every calibrated key is taken
    let loaded = scenario::parse(&scenario_text(""), d, "s.toml").unwrap();
    let a = &loaded.scenario.assumptions;
    assert_eq!(a.correlation, 0.087);
    assert_eq!(a.pd_multiplier, 0.63);
    assert_eq!(a.prepayment, Prepayment::Flat(0.17));
    assert_eq!(a.recovery_rate, 0.22);
    assert_eq!(a.recovery_lag_months, 4);
    let used = a.calibration.as_ref().unwrap();
    assert_eq!(
        used.calibrated,
        [
            "correlation",
            "pd_multiplier",
            "cpr",
            "recovery_rate",
            "recovery_lag_months"
        ]
    );
    assert!(used.overridden.is_empty());
    assert_eq!(used.rho_ci90, [0.05, 0.14]);

    // keys given override, and are named as overriding
    let text = scenario_text("correlation = 0.2\ncpr_by_term = { \"12\" = 0.1 }");
    let loaded = scenario::parse(&text, d, "s.toml").unwrap();
    let a = &loaded.scenario.assumptions;
    assert_eq!(a.correlation, 0.2);
    assert_eq!(a.pd_multiplier, 0.63);
    let used = a.calibration.as_ref().unwrap();
    assert_eq!(used.overridden, ["correlation", "cpr"]);
    assert_eq!(
        used.calibrated,
        ["pd_multiplier", "recovery_rate", "recovery_lag_months"]
    );

    // `validate` says where each value came from
    fs::write(d.join("s.toml"), scenario_text("correlation = 0.2")).unwrap();
    let out = Command::new(BIN)
        .current_dir(d)
        .args(["validate", "s.toml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Assumptions calibrated from calibration.toml (history history.csv, data date 2020-12; lifetime charge-off rate 1.120%, rho 90% interval 0.050–0.140): pd_multiplier = 0.63, cpr = 0.17, recovery_rate = 0.22, recovery_lag_months = 4"),
        "{text}"
    );
    assert!(
        text.contains("Set by the scenario over the calibration: correlation = 0.2"),
        "{text}"
    );
}

#[test]
fn a_calibrated_value_out_of_range_or_a_broken_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("s.toml"), scenario_text("")).unwrap();
    let run = |d: &Path| {
        Command::new(BIN)
            .current_dir(d)
            .args(["validate", "s.toml"])
            .output()
            .unwrap()
    };
    // missing file
    let out = run(d);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("s.toml: `assumptions.calibration`: file `") && err.contains("does not exist"),
        "{err}"
    );
    // a key the schema does not know, at its line
    let mut text = toml::to_string(&calibration()).unwrap();
    text.push_str("\n[extra]\nx = 1\n");
    fs::write(d.join("calibration.toml"), &text).unwrap();
    let out = run(d);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().position(|l| l == "[extra]").unwrap() + 1;
    assert!(
        err.contains(&format!("calibration.toml:{line}:"))
            && err.contains("`assumptions.calibration`"),
        "{err}"
    );
    // a calibrated ρ out of range is checked like the scenario's own
    let mut bad = calibration();
    bad.all.rho = 1.5;
    fs::write(d.join("calibration.toml"), toml::to_string(&bad).unwrap()).unwrap();
    let out = run(d);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`assumptions.correlation`"), "{err}");
}
