//! Scenario layers on the real binary (issue 16 item 6): `--set KEY=VALUE` and
//! `extends = "base.toml"` give the same run as the scenario written out in full; a bad
//! override is exit 2 naming it; the manifest names every file and override.

use std::fs;
use std::path::Path;
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

const TAPE: &str = "\
id,product,balance,original_principal,term_months,remaining_months,rate,pd_12m,segment
r1,installment,1000,2000,6,3,0.008,0.02,core
r2,bullet,500,500,1,1,0,0.03,young
r3,annuity,3000,3000,12,12,0.15,0.015,core
r4,installment,2500,3000,12,9,0.006,0.05,young
";

/// The base scenario with `pd_multiplier` and `reserve_pct` as given; `tape` is the tape's
/// path relative to the scenario file.
fn scenario(tape: &str, pd_multiplier: &str, reserve_pct: &str) -> String {
    format!(
        r#"name = "layers"
[pool]
tape = "{tape}"
[assumptions]
pd_multiplier = {pd_multiplier}
correlation = 0.1
cpr = 0.15
recovery_rate = 0.1
recovery_lag_months = 3
[deal]
horizon_months = 12
revolving_months = 3
senior_fee_bps = 30
reserve_pct = {reserve_pct}
tranches = [
  {{ name = "A", share = 0.8, coupon = 0.05, target_rating = "Aaa" }},
  {{ name = "Sub", share = 0.2 }},
]
[simulation]
paths = 300
seed = 5
"#
    )
}

/// The files of a report whose bytes depend only on what was run (not on the scenario's
/// path or the inputs' digest, which `summary.json` and `report.html` record).
const RESULT_FILES: [&str; 6] = [
    "tranches.csv",
    "deterministic_tranches.csv",
    "path_results.csv",
    "sizing.csv",
    "breakevens.csv",
    "triggers.csv",
];

fn summary(folder: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(folder.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn set_and_extends_give_the_run_of_the_written_out_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("tape.csv"), TAPE).unwrap();
    fs::write(root.join("base.toml"), scenario("tape.csv", "1.0", "0.01")).unwrap();
    fs::write(
        root.join("written.toml"),
        scenario("tape.csv", "5.5", "0.02"),
    )
    .unwrap();
    // a stress case in another folder: the base's tape path still means the base's tape
    fs::create_dir(root.join("stress")).unwrap();
    fs::write(
        root.join("stress/pd.toml"),
        "extends = \"../base.toml\"\n[assumptions]\npd_multiplier = 5.5\n[deal]\nreserve_pct = 0.02\n",
    )
    .unwrap();
    // a chain: the file sets one value and extends a file that sets the other
    fs::write(
        root.join("reserve.toml"),
        "extends = \"base.toml\"\n[deal]\nreserve_pct = 0.02\n",
    )
    .unwrap();
    fs::write(
        root.join("chain.toml"),
        "extends = \"reserve.toml\"\n[assumptions]\npd_multiplier = 5.5\n",
    )
    .unwrap();

    let runs: [(&str, &[&str]); 5] = [
        (
            "written",
            &["run", "written.toml", "--quiet", "--out", "written"],
        ),
        (
            "set",
            &[
                "run",
                "base.toml",
                "--quiet",
                "--out",
                "set",
                "--set",
                "assumptions.pd_multiplier=5.5",
                "--set",
                "deal.reserve_pct=0.02",
            ],
        ),
        (
            "extends",
            &["run", "stress/pd.toml", "--quiet", "--out", "extends"],
        ),
        ("chain", &["run", "chain.toml", "--quiet", "--out", "chain"]),
        (
            "chain_set",
            &[
                "run",
                "reserve.toml",
                "--quiet",
                "--out",
                "chain_set",
                "--set",
                "assumptions.pd_multiplier=5.5",
            ],
        ),
    ];
    for (_, args) in runs {
        let out = run_in(root, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    let reference = root.join("written");
    for (name, _) in &runs[1..] {
        for file in RESULT_FILES {
            assert_eq!(
                fs::read(root.join(name).join(file)).unwrap(),
                fs::read(reference.join(file)).unwrap(),
                "{name}/{file}"
            );
        }
        // the terms as run; the tape is the same file, named from the other folder
        let mut terms = summary(&root.join(name))["terms"].clone();
        if *name == "extends" {
            assert_eq!(terms["pool"]["source"]["tape"], "stress/../tape.csv");
            terms["pool"]["source"]["tape"] = "tape.csv".into();
        }
        assert_eq!(terms, summary(&reference)["terms"], "{name}");
    }
    // a stress actually changed the run: the base gives other losses
    let out = run_in(root, &["run", "base.toml", "--quiet", "--out", "base"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(
        fs::read(root.join("base/tranches.csv")).unwrap(),
        fs::read(reference.join("tranches.csv")).unwrap()
    );

    // the manifest names every file of the chain and every override; the digests differ
    let inputs = |name: &str| -> Vec<String> {
        summary(&root.join(name))["manifest"]["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        inputs("set")[..3],
        [
            "scenario base.toml",
            "--set assumptions.pd_multiplier=5.5",
            "--set deal.reserve_pct=0.02"
        ]
    );
    assert_eq!(
        inputs("chain")[..3],
        [
            "scenario chain.toml",
            "scenario reserve.toml",
            "scenario base.toml"
        ]
    );
    assert_eq!(
        inputs("extends")[..2],
        ["scenario stress/pd.toml", "scenario stress/../base.toml"]
    );
    let digest = |name: &str| summary(&root.join(name))["manifest"]["inputs_digest"].clone();
    assert_ne!(digest("set"), digest("base"));
    assert_ne!(digest("chain"), digest("chain_set"));
}

/// Exit 2, one error line, nothing written.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = run_in(dir, args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(!dir.join("reports").exists(), "{args:?} wrote nothing");
    let text = stderr(&out);
    assert!(!text.contains("panicked"), "{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    errors[0].to_string()
}

#[test]
fn a_bad_override_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("tape.csv"), TAPE).unwrap();
    fs::write(root.join("s.toml"), scenario("tape.csv", "1.0", "0.01")).unwrap();
    for command in ["run", "validate"] {
        let line = refused(
            root,
            &[command, "s.toml", "--set", "assumptions.pd_multiplierx=2"],
        );
        assert!(
            line.starts_with("error: s.toml: `--set assumptions.pd_multiplierx=2`: unknown field `pd_multiplierx`"),
            "{line}"
        );
        let line = refused(root, &[command, "s.toml", "--set", "deal.reserve_pct=1.5"]);
        assert!(
            line.starts_with("error: s.toml: `deal.reserve_pct`: 1.5 is out of range")
                && line.ends_with("(the value of `--set deal.reserve_pct=1.5`)"),
            "{line}"
        );
        let line = refused(
            root,
            &[command, "s.toml", "--set", "deal.reserve_pct=\"high\""],
        );
        assert!(
            line.contains("`--set deal.reserve_pct=\"high\"`") && line.contains("invalid type"),
            "{line}"
        );
        let line = refused(
            root,
            &[command, "s.toml", "--set", "deal.principal=pro_rata"],
        );
        assert!(
            line.contains("'--set <KEY=VALUE>'") && line.contains("`pro_rata` is not a TOML value"),
            "{line}"
        );
    }
    for args in [
        &[
            "frontier",
            "s.toml",
            "--applicants",
            "a.csv",
            "--set",
            "x=1",
        ][..],
        &["grid", "s.toml", "--set", "x=1"][..],
    ] {
        let line = refused(root, args);
        assert!(line.contains("`--set x=1`: unknown field `x`"), "{line}");
    }
}

#[test]
fn an_extends_cycle_is_exit_2_naming_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("a.toml"), "extends = \"b.toml\"\nname = \"a\"\n").unwrap();
    fs::write(root.join("b.toml"), "extends = \"a.toml\"\n").unwrap();
    let line = refused(root, &["validate", "a.toml"]);
    assert_eq!(
        line,
        "error: b.toml: `extends`: the chain comes back to a file it started from: a.toml → b.toml → a.toml"
    );
    fs::write(root.join("c.toml"), "extends = \"missing.toml\"\n").unwrap();
    let line = refused(root, &["run", "c.toml"]);
    assert_eq!(
        line,
        "error: c.toml: `extends`: file `missing.toml` does not exist (paths are relative to the scenario's folder)"
    );
    // a base's own problems keep its file, line and column
    fs::write(root.join("d.toml"), "extends = \"e.toml\"\n").unwrap();
    fs::write(
        root.join("e.toml"),
        "name = \"e\"\n[deal]\nreservepct = 1\n",
    )
    .unwrap();
    let line = refused(root, &["validate", "d.toml"]);
    assert!(
        line.starts_with("error: e.toml:3:1: unknown field `reservepct`"),
        "{line}"
    );
}

#[test]
fn the_shipped_pd_stress_is_the_base_with_its_pd_multiplier() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stress = baitiao_abs::scenario::load(&root.join("scenarios/stress_pd.toml")).unwrap();
    let overrides: Vec<_> = ["name=\"stress_pd\"", "description=\"Base deal with charge-offs x5.5 (the AAA charge-off multiple), nothing else stressed\"", "assumptions.pd_multiplier=8.789903855290767"]
        .iter()
        .map(|t| baitiao_abs::scenario::overrides::Override::parse(t).unwrap())
        .collect();
    let set = baitiao_abs::scenario::overrides::load(&root.join("scenarios/base.toml"), &overrides)
        .unwrap()
        .loaded;
    let mut expected = set.scenario;
    expected.file = stress.scenario.file.clone();
    assert_eq!(format!("{:?}", stress.scenario), format!("{expected:?}"));
    // 5.5 × base's calibrated PD scale, as stress_aaa.toml has it
    let scale = baitiao_abs::scenario::load(&root.join("scenarios/base.toml"))
        .unwrap()
        .scenario
        .assumptions
        .pd_multiplier;
    assert!((stress.scenario.assumptions.pd_multiplier - 5.5 * scale).abs() < 1e-12);
}
