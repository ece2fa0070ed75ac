//! The credit commands on the real binary: `gen-applicants`, `fit`, `decide`,
//! `gen-tape --from-applicants`, end to end into `run`, and their bad input (exit code 2,
//! the place named, nothing written).

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

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn applicants_to_model_to_decisions_to_tape_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run_in(
        d,
        &[
            "gen-applicants",
            "--applicants",
            "40000",
            "--with-outcomes",
            "--out",
            "history.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(
        d,
        &["fit", "--history", "history.csv", "--out", "model.toml"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("AUC") && text.contains("KS") && text.contains("Gini"),
        "{text}"
    );
    // the hold-out AUC of the fitted model is printed first; the true model's is about 0.84
    let auc: f64 = text
        .split("AUC ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(auc > 0.78 && auc < 0.90, "hold-out AUC {auc}");
    assert!(d.join("model.toml").is_file());
    let calibration = fs::read_to_string(d.join("model_calibration.csv")).unwrap();
    assert!(
        calibration.starts_with(
            "score_from,score_to,count,defaults,mean_predicted_pd,observed_default_rate"
        )
    );

    let out = run_in(
        d,
        &[
            "gen-applicants",
            "--applicants",
            "3000",
            "--seed",
            "9",
            "--out",
            "applicants.csv",
        ],
    );
    assert!(out.status.success());
    let out = run_in(
        d,
        &[
            "decide",
            "--applicants",
            "applicants.csv",
            "--model",
            "model.toml",
            "--policy",
            &policy_path(),
            "--out",
            "decisions.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let decisions = fs::read_to_string(d.join("decisions.csv")).unwrap();
    assert!(decisions.starts_with("applicant_id,decision,score,pd_12m,limit,reasons,message"));
    assert_eq!(decisions.lines().count(), 3001);

    // The same decisions in Chinese: the same codes, limits and scores, Chinese messages.
    let out = run_in(
        d,
        &[
            "decide",
            "--applicants",
            "applicants.csv",
            "--model",
            "model.toml",
            "--policy",
            &policy_path(),
            "--lang",
            "zh",
            "--out",
            "decisions_zh.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("位申请人"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let chinese = fs::read_to_string(d.join("decisions_zh.csv")).unwrap();
    let mut with_cjk = 0;
    for (en, zh) in decisions.lines().zip(chinese.lines()).skip(1) {
        let fields = |line: &str| line.splitn(7, ',').take(6).collect::<Vec<_>>().join(",");
        assert_eq!(fields(en), fields(zh), "all but the message agree");
        with_cjk += usize::from(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    }
    assert_eq!(with_cjk, 3000, "every message is in Chinese");
    let out = run_in(
        d,
        &[
            "decide",
            "--applicants",
            "applicants.csv",
            "--lang",
            "fr",
            "--out",
            "x.csv",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown language is a usage error"
    );
    assert!(stderr(&out).contains("fr"), "{}", stderr(&out));
    assert!(!d.join("x.csv").exists());
    for kind in ["approve", "decline", "pending"] {
        assert!(
            decisions.contains(&format!(",{kind},")),
            "some {kind} decisions"
        );
    }

    let out = run_in(
        d,
        &[
            "gen-tape",
            "--from-applicants",
            "applicants.csv",
            "--model",
            "model.toml",
            "--seed",
            "3",
            "--out",
            "tape.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let approved = decisions
        .lines()
        .filter(|l| l.contains(",approve,"))
        .count();
    let tape = fs::read_to_string(d.join("tape.csv")).unwrap();
    assert_eq!(
        tape.lines().count(),
        approved + 1,
        "one receivable per approval"
    );
    fs::write(
        d.join("s.toml"),
        r#"name = "originated"
[pool]
tape = "tape.csv"
[assumptions]
correlation = 0.1
cpr = 0.1
recovery_rate = 0.1
[deal]
horizon_months = 24
revolving_months = 6
tranches = [ { name = "A", share = 0.85, coupon = 0.05 }, { name = "S", share = 0.15 } ]
[simulation]
paths = 64
"#,
    )
    .unwrap();
    let out = run_in(d, &["run", "s.toml", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(d.join("reports/originated/tranches.csv").is_file());
}

fn policy_path() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/policy_default.toml")
        .display()
        .to_string()
}

fn expect_input_error(dir: &Path, args: &[&str], needles: &[&str], not_written: &str) {
    let out = run_in(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !dir.join(not_written).exists(),
        "{not_written} must not be written"
    );
}

const HEADER: &str = "applicant_id,orders_12m,avg_order_value,return_rate,on_time_ratio,delinquencies_12m,other_credit_lines,info_completeness,id_verified,external_score,applications_7d,login_risk,max_order_value,electronics_share";

#[test]
fn decide_reports_malformed_and_out_of_range_rows() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER}\nA1,12,300,0.05,0.98,0,1,0.9,true,700,1,0.1,900,0.2\nA2,12,300,1.5,0.98,0,1,0.9,true,700,1,0.1,900,0.2\nA3,12,300\n"
    );
    fs::write(dir.path().join("a.csv"), text).unwrap();
    expect_input_error(
        dir.path(),
        &["decide", "--applicants", "a.csv", "--out", "d.csv"],
        &["a.csv:3", "return_rate", "a.csv:4"],
        "d.csv",
    );
}

#[test]
fn unknown_model_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.csv"),
        format!("{HEADER}\nA1,12,300,0.05,0.98,0,1,0.9,true,700,1,0.1,900,0.2\n"),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["gen-applicants", "--applicants", "10", "--out", "x.csv"],
    );
    assert!(out.status.success());
    fs::write(
        dir.path().join("m.toml"),
        "[model]\nintercept = 1.0\nshrinkage = 2\n",
    )
    .unwrap();
    expect_input_error(
        dir.path(),
        &[
            "decide",
            "--applicants",
            "a.csv",
            "--model",
            "m.toml",
            "--out",
            "d.csv",
        ],
        &["m.toml", "shrinkage"],
        "d.csv",
    );
}

#[test]
fn fit_names_a_separating_feature() {
    let dir = tempfile::tempdir().unwrap();
    // every applicant with a delinquency defaults, none without: `delinquencies_12m` separates
    let mut text = format!("{HEADER},defaulted_12m\n");
    let mut state: u64 = 12345;
    let mut uniform = move || {
        // a small LCG: independent-looking columns, so only the planted separation shows
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..400 {
        let delinquencies = i % 2;
        text.push_str(&format!(
            "A{i},{},{:.2},{:.3},{:.3},{delinquencies},{},{:.3},{},{},0,0.1,2000,0.2,{delinquencies}\n",
            5 + (uniform() * 40.0) as u32,
            100.0 + 500.0 * uniform(),
            0.1 * uniform(),
            0.7 + 0.3 * uniform(),
            (uniform() * 4.0) as u32,
            0.5 + 0.5 * uniform(),
            if uniform() < 0.2 { "false" } else { "true" },
            500 + (uniform() * 400.0) as u32,
        ));
    }
    fs::write(dir.path().join("h.csv"), text).unwrap();
    expect_input_error(
        dir.path(),
        &["fit", "--history", "h.csv", "--out", "m.toml"],
        &["h.csv", "delinquencies_12m", "separat"],
        "m.toml",
    );
}

#[test]
fn fit_needs_outcomes_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &["gen-applicants", "--applicants", "50", "--out", "plain.csv"],
    );
    assert!(out.status.success());
    expect_input_error(
        dir.path(),
        &["fit", "--history", "plain.csv", "--out", "m.toml"],
        &["plain.csv", "defaulted_12m"],
        "m.toml",
    );
    expect_input_error(
        dir.path(),
        &["gen-applicants", "--applicants", "0", "--out", "z.csv"],
        &["--applicants"],
        "z.csv",
    );
    let out = run_in(dir.path(), &["gen-tape", "--out", "t.csv"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "neither --receivables nor --from-applicants"
    );
    expect_input_error(
        dir.path(),
        &["decide", "--applicants", "missing.csv", "--out", "d.csv"],
        &["missing.csv"],
        "d.csv",
    );
}
