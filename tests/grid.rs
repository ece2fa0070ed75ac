//! `grid` (SPEC §7.4) on the real binary: each row equals the deterministic case of `run`
//! on the same scenario with the combination written into it, bad lists exit 2 naming
//! their flag, and the thread count changes nothing.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use baitiao_abs::report::grid::GridRow;
use baitiao_abs::report::rows::{DeterministicTrancheRow, read_table};

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

fn run_in(dir: &Path, args: &[&str], threads: Option<&str>) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(dir);
    if let Some(threads) = threads {
        command.env("RAYON_NUM_THREADS", threads);
    }
    command.output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Short receivables with high PDs: a 12-month deal whose subordinate and mezzanine lose at
/// the higher CDRs.
const TAPE: &str = "\
id,product,balance,original_principal,term_months,remaining_months,rate,pd_12m,segment
r1,installment,1000,2000,6,3,0.008,0.08,core
r2,bullet,500,500,1,1,0,0.1,young
r3,annuity,3000,3000,12,12,0.15,0.06,core
r4,installment,2400,2400,12,10,0.006,0.12,young
r5,annuity,1800,2000,9,8,0.12,0.05,core
r6,bullet,800,800,3,3,0,0.09,core
";

/// The small scenario with `assumptions` (lines added to `[assumptions]`) and `tail` (tables
/// after `[simulation]`).
fn scenario(recovery: &str, assumptions: &str, tail: &str) -> String {
    format!(
        r#"name = "small"
[pool]
tape = "tape.csv"
[assumptions]
correlation = 0.1
cpr = 0.15
recovery_rate = {recovery}
recovery_lag_months = 2
{assumptions}
[deal]
horizon_months = 12
revolving_months = 3
senior_fee_bps = 30
reserve_pct = 0.01
clean_up_call = 0.1
tranches = [
  {{ name = "A", share = 0.8, coupon = 0.05, target_rating = "Aaa" }},
  {{ name = "B", share = 0.1, coupon = 0.07, target_rating = "A2" }},
  {{ name = "Sub", share = 0.1 }},
]
triggers = [ {{ metric = "cumulative_net_loss", above = 0.04, effect = "early_amortization" }} ]
[simulation]
paths = 50
seed = 1
{tail}
"#
    )
}

fn case() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("tape.csv"), TAPE).unwrap();
    fs::write(dir.path().join("s.toml"), scenario("0.1", "", "")).unwrap();
    dir
}

fn grid_rows(folder: &Path) -> Vec<GridRow> {
    read_table(&folder.join("grid.csv")).unwrap()
}

/// `run` on a scenario written into `dir` as `name.toml`; the folder of its report.
fn run_scenario(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    fs::write(dir.join(format!("{name}.toml")), text).unwrap();
    let out_dir = format!("reports/{name}");
    let out = run_in(
        dir,
        &["run", &format!("{name}.toml"), "--quiet", "--out", &out_dir],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join(out_dir)
}

/// `summary.json`'s `deterministic.tranches` of a run's folder, each key with the text of
/// its value: serde_json reads a float to within an ulp, Rust's parser exactly, so the
/// numbers are read from their text.
fn deterministic_tranches(folder: &Path) -> Vec<HashMap<String, String>> {
    let text = fs::read_to_string(folder.join("summary.json")).unwrap();
    let section = &text[text
        .find("\"deterministic\": {")
        .expect("a deterministic section")..];
    let section = &section[section.find("\"tranches\": [").expect("its tranches")..];
    let section = &section[..section.find(']').expect("the end of the tranches")];
    section
        .split('{')
        .skip(1)
        .map(|object| {
            object[..object.find('}').expect("a whole object")]
                .lines()
                .filter_map(|line| {
                    let (key, value) = line.trim().trim_end_matches(',').split_once(": ")?;
                    Some((key.trim_matches('"').to_string(), value.to_string()))
                })
                .collect()
        })
        .collect()
}

/// A number of [`deterministic_tranches`], `None` for `null`.
fn number(object: &HashMap<String, String>, key: &str) -> Option<f64> {
    let text = object
        .get(key)
        .unwrap_or_else(|| panic!("{key} in {object:?}"));
    (text != "null").then(|| text.parse().unwrap_or_else(|_| panic!("{key}: {text}")))
}

#[test]
fn every_row_is_the_deterministic_case_of_run_with_that_combination() {
    let dir = case();
    let out = run_in(
        dir.path(),
        &[
            "grid",
            "s.toml",
            "--cdr",
            "0.05,0.6,[0.1 0.9 0.3]",
            "--cpr",
            "0.1,scenario",
            "--recovery",
            "0.1,0.4",
            "--yield-haircut",
            "0,0.5",
            "--quiet",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let folder = dir.path().join("reports/small-grid");
    for file in [
        "grid.csv",
        "grid.json",
        "grid.html",
        "manifest.json",
        "charts/grid_1_A.png",
        "charts/grid_1_A.svg",
        "charts/grid_3_Sub.svg",
        // two recovery rates × two haircuts: the loss share at each, in panels
        "charts/grid_2_B_loss.png",
        "charts/grid_2_B_loss.svg",
    ] {
        assert!(folder.join(file).is_file(), "{file} missing");
    }
    let rows = grid_rows(&folder);
    assert_eq!(
        rows.len(),
        3 * 2 * 2 * 2 * 3,
        "one row per combination and tranche"
    );
    assert!(
        rows.iter()
            .any(|r| r.tranche == "B" && r.principal_loss > 0.0),
        "the grid reaches losses of the mezzanine"
    );
    let html = fs::read_to_string(folder.join("grid.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script") && !html.contains("http"));

    // the combinations to check against `run`, each as the scenario would write it
    let checks = [
        ("0.6", "0.1", "0.1", "0", "cdr = 0.6\ncpr = 0.1"),
        ("0.05", "scenario", "0.4", "0.5", "cdr = 0.05"),
        (
            "[0.1 0.9 0.3]",
            "0.1",
            "0.4",
            "0",
            "cdr = [0.1, 0.9, 0.3]\ncpr = 0.1",
        ),
        ("0.6", "scenario", "0.1", "0.5", "cdr = 0.6"),
    ];
    for (i, (cdr, cpr, recovery, haircut, deterministic)) in checks.iter().enumerate() {
        let text = scenario(
            recovery,
            &format!("yield_haircut = {haircut}"),
            &format!("[deterministic]\n{deterministic}"),
        );
        let report = run_scenario(dir.path(), &format!("check{i}"), &text);
        let summary = deterministic_tranches(&report);
        let periods: Vec<DeterministicTrancheRow> =
            read_table(&report.join("deterministic_tranches.csv")).unwrap();
        for (j, name) in ["A", "B", "Sub"].iter().enumerate() {
            let row = rows
                .iter()
                .find(|r| {
                    r.cdr == *cdr
                        && r.cpr == *cpr
                        && r.recovery_rate == recovery.parse::<f64>().unwrap()
                        && r.yield_haircut == haircut.parse::<f64>().unwrap()
                        && r.tranche == *name
                })
                .unwrap_or_else(|| panic!("row {cdr} {cpr} {recovery} {haircut} {name}"));
            let expected = &summary[j];
            assert_eq!(expected["tranche"], format!("\"{name}\""));
            let context = format!("{name} at {cdr}, {cpr}, {recovery}, {haircut}");
            assert_eq!(
                Some(row.loss_share),
                number(expected, "loss_share"),
                "{context}"
            );
            assert_eq!(row.wal, number(expected, "wal_years"), "{context}");
            assert_eq!(row.annual_yield, number(expected, "yield"), "{context}");
            assert_eq!(
                Some(row.principal_loss),
                number(expected, "principal_loss"),
                "{context}"
            );
            // the last period's end balance is the principal unpaid at the legal final
            let last = periods
                .iter()
                .rfind(|p| p.tranche == *name)
                .expect("a last period");
            assert_eq!(row.principal_loss, last.end_balance, "{context}");
            assert_eq!(row.interest_shortfall, last.interest_shortfall, "{context}");
            if last.end_balance > 0.0 {
                assert!(
                    row.first_loss_month.is_some(),
                    "{context}: a loss has a month"
                );
            }
        }
    }
}

#[test]
fn defaults_are_the_scenarios_own_values() {
    let dir = case();
    let out = run_in(dir.path(), &["grid", "s.toml", "--quiet"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = grid_rows(&dir.path().join("reports/small-grid"));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.cdr == "scenario"
        && r.cpr == "scenario"
        && r.recovery_rate == 0.1
        && r.yield_haircut == 0.0));
    // the same as the base case of `run`
    let report = run_scenario(dir.path(), "base", &scenario("0.1", "", ""));
    let summary = deterministic_tranches(&report);
    for (j, row) in rows.iter().enumerate() {
        assert_eq!(Some(row.loss_share), number(&summary[j], "loss_share"));
        assert_eq!(row.wal, number(&summary[j], "wal_years"));
        assert_eq!(row.annual_yield, number(&summary[j], "yield"));
    }
}

#[test]
fn bad_lists_exit_2_naming_the_flag() {
    let dir = case();
    for (flag, value, words) in [
        ("--cdr", "1.5", "not in [0, 1)"),
        ("--cdr", "", "at least one value"),
        ("--cpr", "0.1,abc", "not a number"),
        ("--cpr", "-0.1", "not in [0, 1)"),
        ("--recovery", "1.2", "not in [0, 1]"),
        ("--recovery", "[0.1 0.2]", "--cdr and --cpr only"),
        ("--yield-haircut", "1", "not in [0, 1)"),
        ("--yield-haircut", "0.1,0.1", "twice"),
    ] {
        let out = run_in(dir.path(), &["grid", "s.toml", flag, value], None);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(flag), "{flag} {value}: {err}");
        assert!(err.contains(words), "{flag} {value}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let many = vec!["0.01"; 51].join(",");
    let out = run_in(dir.path(), &["grid", "s.toml", "--cdr", &many], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at most 50"), "{}", stderr(&out));
    assert!(
        !dir.path().join("reports").exists(),
        "nothing is written on bad input"
    );

    // a folder that is not a report is refused and left alone
    let other = dir.path().join("mine");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("notes.txt"), "keep").unwrap();
    let out = run_in(dir.path(), &["grid", "s.toml", "--out", "mine"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert_eq!(fs::read_to_string(other.join("notes.txt")).unwrap(), "keep");
}

#[test]
fn the_thread_count_changes_nothing() {
    let dir = case();
    let args = |out: &'static str| {
        vec![
            "grid",
            "s.toml",
            "--cdr",
            "0,0.05,0.2,0.6,0.9",
            "--cpr",
            "0,0.2,0.5",
            "--recovery",
            "0,0.3",
            "--quiet",
            "--out",
            out,
        ]
    };
    for (threads, out) in [("1", "one"), ("2", "two")] {
        let output = run_in(dir.path(), &args(out), Some(threads));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    for file in [
        "grid.csv",
        "grid.html",
        "charts/grid_2_B.svg",
        "charts/grid_2_B.png",
    ] {
        let one = fs::read(dir.path().join("one").join(file)).unwrap();
        let two = fs::read(dir.path().join("two").join(file)).unwrap();
        // the page's command names its own folder
        let two = String::from_utf8_lossy(&two).replace("--out two", "--out one");
        let one = String::from_utf8_lossy(&one).into_owned();
        assert!(one == two, "{file} differs between 1 and 2 threads");
    }
    // a second grid replaces the first: the folder is a report of the tool
    let output = run_in(dir.path(), &args("one"), Some("2"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}
