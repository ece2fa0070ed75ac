//! The report folder rule (SPEC §8) on the real binary: a run writes only into a new or empty
//! folder or over an earlier report, refuses anything else with exit 2 before any work and
//! touches nothing; a killed run leaves the earlier report intact and nothing that blocks the
//! next run; a second run into a busy folder is told so; `fit` writes its two files together
//! or not at all.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// A quick scenario (a few hundred synthetic receivables, 50 paths).
const SCENARIO: &str = r#"name = "s"
[pool]
tape = "tape.csv"
[assumptions]
correlation = 0.1
cpr = 0.15
recovery_rate = 0.1
[deal]
horizon_months = 12
revolving_months = 3
tranches = [
  { name = "A", share = 0.8, coupon = 0.05 },
  { name = "Sub", share = 0.2 },
]
[simulation]
paths = 50
seed = 1
"#;

const TAPE: &str = "\
id,product,balance,original_principal,term_months,remaining_months,rate,pd_12m
r1,installment,1000,2000,6,3,0.008,0.02
r2,annuity,3000,3000,12,12,0.15,0.015
";

/// A project folder holding a scenario and its tape.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("proj")).unwrap();
    fs::write(dir.path().join("proj/s.toml"), SCENARIO).unwrap();
    fs::write(dir.path().join("proj/tape.csv"), TAPE).unwrap();
    dir
}

fn assert_refused(output: &Output, needle: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "`{needle}` not in: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[test]
fn a_run_never_writes_over_a_folder_that_is_not_a_report() {
    let root = project();
    let proj = root.path().join("proj");
    // the scenario's own folder, by name, as `.`, and by absolute path
    for (cwd, out) in [
        (root.path().to_path_buf(), "proj".to_string()),
        (proj.clone(), ".".to_string()),
        (proj.clone(), proj.display().to_string()),
    ] {
        let scenario = proj.join("s.toml");
        let output = run_in(
            &cwd,
            &["run", scenario.to_str().unwrap(), "--quiet", "--out", &out],
        );
        assert_refused(&output, "is not a baitiao-abs report");
        assert_eq!(names(&proj), ["s.toml", "tape.csv"], "--out {out}");
        assert_eq!(fs::read_to_string(proj.join("tape.csv")).unwrap(), TAPE);
    }
    assert_eq!(
        names(root.path()),
        ["proj"],
        "no lock, temporary or backup left"
    );
}

#[test]
fn a_file_given_as_out_is_refused_and_not_moved() {
    let root = project();
    fs::write(root.path().join("afile.txt"), b"mine").unwrap();
    let output = run_in(
        root.path(),
        &["run", "proj/s.toml", "--quiet", "--out", "afile.txt"],
    );
    assert_refused(&output, "is a file, not a folder");
    assert_eq!(names(root.path()), ["afile.txt", "proj"]);
    assert_eq!(fs::read(root.path().join("afile.txt")).unwrap(), b"mine");
}

#[test]
fn a_run_replaces_its_own_earlier_report_but_not_a_user_s_file_in_it() {
    let root = project();
    let run = |out: &str| {
        run_in(
            root.path(),
            &["run", "proj/s.toml", "--quiet", "--out", out],
        )
    };
    assert!(run("out").status.success());
    // the page reproduces the run into the folder `--out` chose
    let html = fs::read_to_string(root.path().join("out/report.html")).unwrap();
    assert!(
        html.contains("run proj/s.toml --paths 50 --seed 1 --out out"),
        "{html}"
    );
    let manifest = fs::read_to_string(root.path().join("out/manifest.json")).unwrap();
    assert!(manifest.contains("\"kind\": \"run\"") && manifest.contains("\"tranches.csv\""));
    assert!(run("out").status.success(), "an earlier report is replaced");
    fs::write(root.path().join("out/notes.txt"), b"mine").unwrap();
    assert_refused(&run("out"), "`notes.txt`, which no run wrote");
    assert_eq!(
        fs::read(root.path().join("out/notes.txt")).unwrap(),
        b"mine"
    );
    // an empty folder is used
    fs::create_dir(root.path().join("empty")).unwrap();
    assert!(run("empty").status.success());
    assert!(root.path().join("empty/tranches.csv").is_file());
    assert_eq!(names(root.path()), ["empty", "out", "proj"]);
}

#[test]
fn compare_never_writes_over_the_folder_holding_the_reports_it_compares() {
    let root = project();
    for out in ["runs/a", "runs/b"] {
        let output = run_in(
            root.path(),
            &["run", "proj/s.toml", "--quiet", "--out", out],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let before = names(&root.path().join("runs/a"));
    let output = run_in(
        root.path(),
        &["compare", "runs/a", "runs/b", "--out", "runs"],
    );
    assert_refused(&output, "is not a baitiao-abs report");
    assert_eq!(names(&root.path().join("runs")), ["a", "b"]);
    assert_eq!(names(&root.path().join("runs/a")), before);
    // into a new folder it works, and again over its own earlier comparison
    for _ in 0..2 {
        let output = run_in(
            root.path(),
            &["compare", "runs/a", "runs/b", "--out", "cmp"],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let manifest = fs::read_to_string(root.path().join("cmp/manifest.json")).unwrap();
    assert!(manifest.contains("\"kind\": \"compare\""), "{manifest}");
}

#[test]
fn an_unwritable_out_is_reported_before_the_simulation() {
    // 2,000,000 paths on the base pool would run for many minutes: the test finishes only
    // because the destination is checked first
    let root = project();
    fs::write(root.path().join("afile.txt"), b"mine").unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let output = run_in(
        root.path(),
        &[
            "run",
            base.to_str().unwrap(),
            "--quiet",
            "--paths",
            "2000000",
            "--out",
            "afile.txt/report",
        ],
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("afile.txt") && err.contains("cannot write"),
        "{err}"
    );
    assert_eq!(names(root.path()), ["afile.txt", "proj"]);
}

/// Starts a long run of the base scenario into `out` and waits until its temporary folder
/// exists (the simulation has started); returns the child and the temporary folder.
fn start_long_run(cwd: &Path, out: &str) -> (std::process::Child, PathBuf) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let child = Command::new(BIN)
        .args([
            "run",
            base.to_str().unwrap(),
            "--quiet",
            "--paths",
            "2000000",
            "--out",
            out,
        ])
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let temporary = cwd.join(format!(".{out}.tmp-{}-0", child.id()));
    let started = Instant::now();
    while !temporary.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, temporary)
}

#[test]
fn a_killed_run_leaves_the_earlier_report_and_nothing_that_blocks_the_next() {
    let root = project();
    let output = run_in(
        root.path(),
        &["run", "proj/s.toml", "--quiet", "--out", "out"],
    );
    assert!(output.status.success());
    let earlier = fs::read(root.path().join("out/summary.json")).unwrap();

    let (mut child, temporary) = start_long_run(root.path(), "out");
    // a second writer while the first holds the folder is told at once
    let busy = run_in(
        root.path(),
        &["run", "proj/s.toml", "--quiet", "--out", "out"],
    );
    assert_refused(
        &busy,
        "another baitiao-abs run is writing this report folder",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(temporary.exists(), "SIGKILL leaves the temporary folder");
    assert_eq!(
        fs::read(root.path().join("out/summary.json")).unwrap(),
        earlier
    );

    let output = run_in(
        root.path(),
        &["run", "proj/s.toml", "--quiet", "--out", "out"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        names(root.path()),
        ["out", "proj"],
        "the dead run's temporary and lock are gone"
    );
}

#[test]
fn fit_writes_the_model_and_its_calibration_table_together_or_not_at_all() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    let output = run_in(
        d,
        &[
            "gen-applicants",
            "--applicants",
            "20000",
            "--with-outcomes",
            "--out",
            "history.csv",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // the calibration table's name is taken by a folder: nothing may be written
    fs::create_dir(d.join("model_calibration.csv")).unwrap();
    let output = run_in(
        d,
        &["fit", "--history", "history.csv", "--out", "model.toml"],
    );
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("model_calibration.csv"));
    assert_eq!(
        names(d),
        ["history.csv", "model_calibration.csv"],
        "no model and no temporary"
    );
    fs::remove_dir(d.join("model_calibration.csv")).unwrap();
    let output = run_in(
        d,
        &["fit", "--history", "history.csv", "--out", "model.toml"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        names(d),
        ["history.csv", "model.toml", "model_calibration.csv"]
    );
}
