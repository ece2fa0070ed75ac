//! The real binary on real files: `run`, `validate`, `gen-tape`, and one test per bad-input
//! rule — each exits with code 2, names the place in one line, and writes nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A small scenario on a tape file, in the shape of `scenarios/base.toml`.
fn scenario_text(pool: &str, extra_assumptions: &str, tranches: &str) -> String {
    format!(
        r#"name = "small"
[pool]
{pool}
[assumptions]
correlation = 0.1
cpr = 0.15
recovery_rate = 0.1
recovery_lag_months = 3
{extra_assumptions}
[deal]
horizon_months = 12
revolving_months = 3
senior_fee_bps = 30
reserve_pct = 0.01
clean_up_call = 0.1
tranches = [
{tranches}
]
triggers = [ {{ metric = "cumulative_net_loss", above = 0.04, effect = "early_amortization" }} ]
[simulation]
paths = 100
seed = 1
"#
    )
}

/// Every file a run writes at the top of its report folder.
const REPORT_FILES: [&str; 14] = [
    "summary.json",
    "deterministic_pool.csv",
    "deterministic_tranches.csv",
    "pool_strats.csv",
    "tranches.csv",
    "path_results.csv",
    "pool_loss_distribution.csv",
    "triggers.csv",
    "pool_balance_bands.csv",
    "expected_cashflows.csv",
    "paths_detail.csv",
    "breakevens.csv",
    "sizing.csv",
    "sizing_curve.csv",
];

const GOOD_TRANCHES: &str = r#"  { name = "A", share = 0.8, coupon = 0.05, target_rating = "Aaa" },
  { name = "B", share = 0.1, coupon = 0.07, target_rating = "A2" },
  { name = "Sub", share = 0.1 },"#;

const GOOD_TAPE: &str = "\
id,product,balance,original_principal,term_months,remaining_months,rate,pd_12m,segment
r1,installment,1000,2000,6,3,0.008,0.02,core
r2,bullet,500,500,1,1,0,0.03,young
r3,annuity,3000,3000,12,12,0.15,0.015,core
";

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(tape: &str, scenario: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("tape.csv"), tape).unwrap();
        fs::write(dir.path().join("s.toml"), scenario).unwrap();
        Case { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self) -> Output {
        run_in(self.path(), &["run", "s.toml", "--quiet"])
    }

    fn reports(&self) -> PathBuf {
        self.path().join("reports")
    }

    /// Runs `run` and `validate`, expects exit 2 with a message containing every `needle`,
    /// and checks that no report folder was written.
    fn expect_input_error(&self, needles: &[&str]) {
        for args in [&["run", "s.toml"][..], &["validate", "s.toml"][..]] {
            let out = run_in(self.path(), args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            for needle in needles {
                assert!(err.contains(needle), "{args:?}: `{needle}` not in: {err}");
            }
            assert!(!err.contains("panicked"), "{err}");
        }
        let written = fs::read_dir(self.reports()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(written, 0, "nothing is written to the report folder");
    }
}

#[test]
fn infeasible_targets_are_reported_not_fatal() {
    // bullets that pay nothing before month 12 and almost surely default first, no
    // recoveries: the senior loses in most paths however thin it is, so no share is Aaa
    let tape = "\
id,product,balance,original_principal,term_months,remaining_months,rate,pd_12m,segment
r1,bullet,1000,1000,12,12,0,0.99,core
r2,bullet,1000,1000,12,12,0,0.99,core
r3,bullet,1000,1000,12,12,0,0.99,core
";
    let scenario = tape_scenario().replace("recovery_rate = 0.1", "recovery_rate = 0.0");
    let case = Case::new(tape, &scenario);
    let out = run_in(case.path(), &["run", "s.toml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sizing = fs::read_to_string(case.reports().join("small").join("sizing.csv")).unwrap();
    // both methods: no share passes (sizing.csv's `feasible` is its 11th column)
    for method in ["expected_loss", "tdr_bdr"] {
        let a = sizing
            .lines()
            .find(|l| l.starts_with(&format!("{method},A,")))
            .unwrap_or_else(|| panic!("{method} row of A in {sizing}"));
        assert!(a.starts_with(&format!("{method},A,Aaa,0,0.00,")), "{a}");
        assert_eq!(a.split(',').nth(10), Some("false"), "{a}");
    }
    assert!(text.contains("target not met at any size"), "{text}");
    let summary: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(case.reports().join("small").join("summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["sizing"]["tranches"][0]["feasible"], false);
}

fn tape_scenario() -> String {
    scenario_text(r#"tape = "tape.csv""#, "", GOOD_TRANCHES)
}

#[test]
fn run_writes_the_deterministic_report_folder() {
    let case = Case::new(GOOD_TAPE, &tape_scenario());
    let out = case.run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let folder = case.reports().join("small");
    for file in REPORT_FILES {
        assert!(folder.join(file).is_file(), "{file} missing");
    }
    let tranches = fs::read_to_string(folder.join("tranches.csv")).unwrap();
    assert!(tranches.starts_with(
        "tranche,share,amount,coupon,el,el_se,pd,var95,var99,var999,es95,es99,es999,wal,yield,implied_rating,target_rating"
    ));
    assert_eq!(tranches.lines().count(), 4);
    let paths = fs::read_to_string(folder.join("path_results.csv")).unwrap();
    assert!(paths.starts_with("path,weight,pool_default,pool_net_loss,loss_A,loss_B,loss_Sub"));
    assert_eq!(paths.lines().count(), 101, "one row per path");
    let weight_sum: f64 = paths
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(
        (weight_sum - 1.0).abs() < 1e-9,
        "weights sum to 1: {weight_sum}"
    );
    // three named paths, 12 periods each
    let detail = fs::read_to_string(folder.join("paths_detail.csv")).unwrap();
    assert_eq!(detail.lines().count(), 1 + 3 * 12);
    let pool = fs::read_to_string(folder.join("deterministic_pool.csv")).unwrap();
    assert!(pool.starts_with(
        "period,begin_balance,defaults,interest,scheduled_principal,prepayments,recoveries,purchases,end_balance,senior_fees,residual"
    ));
    assert_eq!(pool.lines().count(), 13, "header and 12 periods");
    let tranches = fs::read_to_string(folder.join("deterministic_tranches.csv")).unwrap();
    assert!(tranches.starts_with(
        "period,tranche,begin_balance,interest_due,interest_paid,principal_paid,end_balance,interest_shortfall"
    ));
    assert_eq!(tranches.lines().count(), 1 + 12 * 3);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["manifest"]["seed"], 1);
    assert_eq!(summary["manifest"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        summary["manifest"]["inputs_digest"].as_str().unwrap().len(),
        64
    );
    assert_eq!(summary["pool"]["closing_balance"], 4500.0);
    assert_eq!(
        summary["deterministic"]["tranches"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // no temporary folder left beside it
    assert_eq!(fs::read_dir(case.reports()).unwrap().count(), 1);
}

#[test]
fn the_same_inputs_give_the_same_bytes_and_overrides_change_the_manifest() {
    let case = Case::new(GOOD_TAPE, &tape_scenario());
    let a = run_in(case.path(), &["run", "s.toml", "--quiet", "--out", "a"]);
    let b = run_in(
        case.path(),
        &["run", "s.toml", "--quiet", "--out", "b", "--threads", "1"],
    );
    assert!(a.status.success() && b.status.success());
    for file in REPORT_FILES {
        assert_eq!(
            fs::read(case.path().join("a").join(file)).unwrap(),
            fs::read(case.path().join("b").join(file)).unwrap(),
            "{file}"
        );
    }
    let c = run_in(
        case.path(),
        &["run", "s.toml", "--quiet", "--out", "c", "--seed", "9"],
    );
    assert!(c.status.success());
    let summary = fs::read_to_string(case.path().join("c/summary.json")).unwrap();
    assert!(summary.contains("\"seed\": 9"));
}

/// The cut-off draws are screened in AVX2 where the CPU has it and in plain code otherwise:
/// both must give the same bytes (so a machine without AVX2 reproduces a run).
#[test]
fn the_vector_and_plain_screens_give_the_same_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &str, plain: bool| {
        let mut command = Command::new(BIN);
        command
            .args([
                "run",
                "scenarios/base.toml",
                "--quiet",
                "--paths",
                "40",
                "--out",
            ])
            .arg(dir.path().join(out))
            .current_dir(root);
        if plain {
            command.env(baitiao_abs::sim::lanes::PLAIN_SCREEN_ENV, "1");
        } else {
            command.env_remove(baitiao_abs::sim::lanes::PLAIN_SCREEN_ENV);
        }
        let output = command.output().expect("the binary runs");
        assert!(output.status.success(), "{}", stderr(&output));
    };
    run("vector", false);
    run("plain", true);
    for file in [
        "path_results.csv",
        "tranches.csv",
        "sizing.csv",
        "paths_detail.csv",
    ] {
        assert_eq!(
            fs::read(dir.path().join("vector").join(file)).unwrap(),
            fs::read(dir.path().join("plain").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn validate_accepts_the_shipped_scenarios() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // every scenario shipped, whatever its name (the folder also holds an approval policy,
    // which has no `[deal]`; a scenario that `extends` another has its `[deal]`)
    let mut scenarios: Vec<String> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .filter_map(|e| {
            let entry = e.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let extends = text.lines().any(|l| l.starts_with("extends = "));
            (name.ends_with(".toml") && (text.contains("\n[deal]") || extends))
                .then(|| format!("scenarios/{name}"))
        })
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 2, "{scenarios:?}");
    for scenario in &scenarios {
        let out = run_in(root, &["validate", scenario]);
        assert_eq!(out.status.code(), Some(0), "{scenario}: {}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("valid"), "{text}");
    }
    // base takes every calibrated key from the shipped calibration (data/base_calibration.toml)
    let out = run_in(root, &["validate", "scenarios/base.toml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Assumptions calibrated from scenarios/../data/base_calibration.toml (history data/history.csv, data date 2020-12;")
            && text.contains("): correlation = 0.1132, pd_multiplier = 1.5982, cpr = 0.1911, recovery_rate = 0.15, recovery_lag_months = 4"),
        "{text}"
    );
    assert!(
        !text.contains("Set by the scenario over the calibration"),
        "{text}"
    );
    // stress_aaa stresses base's calibrated values, and says which it set itself
    let out = run_in(root, &["validate", "scenarios/stress_aaa.toml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Set by the scenario over the calibration"),
        "{text}"
    );
}

#[test]
fn gen_tape_is_deterministic_and_feeds_run() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.csv", "b.csv"] {
        let out = run_in(
            dir.path(),
            &[
                "gen-tape",
                "--receivables",
                "500",
                "--seed",
                "3",
                "--out",
                name,
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let a = fs::read(dir.path().join("a.csv")).unwrap();
    assert_eq!(a, fs::read(dir.path().join("b.csv")).unwrap());
    assert_eq!(String::from_utf8_lossy(&a).lines().count(), 501);
    fs::write(
        dir.path().join("s.toml"),
        scenario_text(r#"tape = "a.csv""#, "", GOOD_TRANCHES),
    )
    .unwrap();
    let out = run_in(dir.path(), &["run", "s.toml", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn malformed_tape_row() {
    let tape = format!("{GOOD_TAPE}r4,installment,100,6,3\n");
    Case::new(&tape, &tape_scenario()).expect_input_error(&["tape.csv", ":5"]);
}

#[test]
fn duplicate_id() {
    let tape = format!("{GOOD_TAPE}r2,bullet,500,500,1,1,0,0.03,young\n");
    Case::new(&tape, &tape_scenario()).expect_input_error(&["tape.csv", ":5", "id", "r2"]);
}

#[test]
fn negative_balance() {
    let tape = GOOD_TAPE.replace("r2,bullet,500,500", "r2,bullet,-500,500");
    Case::new(&tape, &tape_scenario()).expect_input_error(&["tape.csv", ":3", "balance"]);
}

#[test]
fn remaining_longer_than_term() {
    let tape = GOOD_TAPE.replace(
        "r1,installment,1000,2000,6,3",
        "r1,installment,1000,2000,6,9",
    );
    Case::new(&tape, &tape_scenario()).expect_input_error(&["tape.csv", ":2", "remaining_months"]);
}

#[test]
fn pd_outside_zero_one() {
    let tape = GOOD_TAPE.replace("0.15,0.015,core", "0.15,1.5,core");
    Case::new(&tape, &tape_scenario()).expect_input_error(&["tape.csv", ":4", "pd_12m"]);
}

#[test]
fn unknown_scenario_key() {
    let scenario = scenario_text(r#"tape = "tape.csv""#, "recovery_speed = 3", GOOD_TRANCHES);
    Case::new(GOOD_TAPE, &scenario).expect_input_error(&["s.toml", "recovery_speed"]);
}

#[test]
fn shares_not_summing_to_one() {
    let tranches = GOOD_TRANCHES.replace("share = 0.8", "share = 0.75");
    let scenario = scenario_text(r#"tape = "tape.csv""#, "", &tranches);
    Case::new(GOOD_TAPE, &scenario).expect_input_error(&["s.toml", "share", "0.95"]);
}

#[test]
fn unknown_rating() {
    let tranches = GOOD_TRANCHES.replace("\"Aaa\"", "\"AAA+\"");
    let scenario = scenario_text(r#"tape = "tape.csv""#, "", &tranches);
    Case::new(GOOD_TAPE, &scenario).expect_input_error(&["s.toml", "AAA+"]);
}

#[test]
fn missing_tape_file() {
    let scenario = scenario_text(r#"tape = "nowhere.csv""#, "", GOOD_TRANCHES);
    Case::new(GOOD_TAPE, &scenario).expect_input_error(&["nowhere.csv"]);
}

#[test]
fn missing_scenario_file_and_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["run", "absent.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("absent.toml"));
    let out = run_in(dir.path(), &["run", "--paths", "many"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit with 2");
    let out = run_in(
        dir.path(),
        &["gen-tape", "--receivables", "0", "--out", "t.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("t.csv").exists());
}

#[test]
fn more_segments_than_the_model_holds_is_an_input_error() {
    let names: Vec<String> = (0..65).map(|i| format!("\"s{i}\"")).collect();
    let rows: Vec<String> = (0..65)
        .map(|i| {
            let row: Vec<&str> = (0..65)
                .map(|j| if i == j { "1.0" } else { "0.0" })
                .collect();
            format!("[{}]", row.join(", "))
        })
        .collect();
    let extra = format!(
        "[assumptions.segments]\nnames = [{}]\nrho = [{}]\nfactor_correlation = [{}]",
        names.join(", "),
        vec!["0.1"; 65].join(", "),
        rows.join(", ")
    );
    let scenario = scenario_text(r#"tape = "tape.csv""#, &extra, GOOD_TRANCHES);
    Case::new(GOOD_TAPE, &scenario).expect_input_error(&[
        "assumptions.segments.names",
        "65 segments",
        "at most 64",
    ]);
}

#[test]
fn unknown_segment_in_the_tape_is_named() {
    let extra =
        "[assumptions.segments]\nnames = [\"core\"]\nrho = [0.1]\nfactor_correlation = [[1.0]]";
    let scenario = scenario_text(r#"tape = "tape.csv""#, extra, GOOD_TRANCHES);
    Case::new(GOOD_TAPE, &scenario).expect_input_error(&["tape.csv", "segment", "young"]);
}
