//! The input boundary on the real binary (issue 11, items 9–13): physical line numbers in every
//! CSV reader, spreadsheet exports (encodings, number formats, header names), bounds on every
//! count and magnitude, the files a scenario names, and warnings about the pool's scaling.
//! Each bad input exits with code 2, one line per problem, and writes nothing.

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

/// The `error: ` lines of a run's standard error.
fn error_lines(output: &Output) -> Vec<String> {
    stderr(output)
        .lines()
        .filter(|line| line.starts_with("error: "))
        .map(str::to_owned)
        .collect()
}

/// A small scenario on `tape.csv`; `pool_extra` and `extra` are added to `[pool]` and at the
/// end of the file.
fn scenario(pool_extra: &str, extra: &str) -> String {
    format!(
        r#"name = "small"
[pool]
tape = "tape.csv"
{pool_extra}
[assumptions]
correlation = 0.1
cpr = 0.15
recovery_rate = 0.1
recovery_lag_months = 3
[deal]
horizon_months = 12
revolving_months = 3
senior_fee_bps = 30
tranches = [
  {{ name = "A", share = 0.8, coupon = 0.05, target_rating = "Aaa" }},
  {{ name = "Sub", share = 0.2 }},
]
[simulation]
paths = 100
seed = 1
{extra}
"#
    )
}

const TAPE_HEADER: &str = "id,product,balance,term_months,remaining_months,rate,pd_12m";

/// A folder with `s.toml` (the scenario) and `tape.csv` (these bytes).
fn case(tape: &[u8], scenario_text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(dir.path().join("tape.csv"), tape).expect("write tape");
    fs::write(dir.path().join("s.toml"), scenario_text).expect("write scenario");
    dir
}

/// Runs `validate` and `run` on the case, expects exit 2 for both with exactly `expected` as
/// the error lines (after `error: `), and no report written.
fn expect_errors(dir: &Path, expected: &[String]) {
    for args in [
        &["validate", "s.toml"][..],
        &["run", "s.toml", "--quiet"][..],
    ] {
        let out = run_in(dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let lines: Vec<String> = error_lines(&out)
            .into_iter()
            .map(|line| line["error: ".len()..].to_owned())
            .collect();
        assert_eq!(lines, expected, "{args:?}");
        assert!(!stderr(&out).contains("panicked"));
    }
    assert!(!dir.join("reports").exists(), "nothing is written");
}

/// Rows joined with `newline`, ending with one.
fn lines_with(rows: &[&str], newline: &str) -> Vec<u8> {
    (rows.join(newline) + newline).into_bytes()
}

// Item 9: physical line numbers.

/// Line 2 holds r1, line 3 repeats it, line 4 is blank and line 5 has a negative balance.
const ROWS_WITH_A_BLANK_LINE: [&str; 5] = [
    TAPE_HEADER,
    "r1,bullet,500,1,1,0,0.03",
    "r1,bullet,500,1,1,0,0.03",
    "",
    "r2,bullet,-5,1,1,0,0.03",
];

fn physical_line_errors() -> Vec<String> {
    vec![
        "tape.csv:3: column `id`: \"r1\" duplicates the id on line 2; ids must be unique".into(),
        "tape.csv:5: column `balance`: \"-5\" must be a finite number > 0".into(),
    ]
}

#[test]
fn a_crlf_tape_is_numbered_by_physical_lines() {
    // Before: the duplicate was said to repeat "line 1", the header, and both lines were one low.
    let dir = case(
        &lines_with(&ROWS_WITH_A_BLANK_LINE, "\r\n"),
        &scenario("", ""),
    );
    expect_errors(dir.path(), &physical_line_errors());
}

#[test]
fn a_cr_only_tape_is_numbered_by_physical_lines() {
    // Before: every problem was on line 1.
    let dir = case(
        &lines_with(&ROWS_WITH_A_BLANK_LINE, "\r"),
        &scenario("", ""),
    );
    expect_errors(dir.path(), &physical_line_errors());
}

#[test]
fn rows_after_blank_lines_keep_their_physical_line() {
    // Before: the row after the blank line was said to be on line 4.
    let dir = case(
        &lines_with(&ROWS_WITH_A_BLANK_LINE, "\n"),
        &scenario("", ""),
    );
    expect_errors(dir.path(), &physical_line_errors());
}

const APPLICANTS_HEADER: &str = "applicant_id,orders_12m,avg_order_value,return_rate,on_time_ratio,delinquencies_12m,other_credit_lines,info_completeness,id_verified,external_score,applications_7d,login_risk,max_order_value,electronics_share";
const APPLICANT_ROW: &str = "a1,12,150,0.05,0.98,0,2,0.9,true,700,1,0.1,300,0.3";

/// Runs `decide` on `applicants.csv` with these bytes; returns the output and the folder.
fn decide_on(applicants: &[u8], extra_args: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(dir.path().join("applicants.csv"), applicants).expect("write applicants");
    let mut args = vec!["decide", "--applicants", "applicants.csv", "--out", "d.csv"];
    args.extend_from_slice(extra_args);
    let out = run_in(dir.path(), &args);
    (out, dir)
}

#[test]
fn a_crlf_applicants_file_is_numbered_by_physical_lines() {
    let bad = APPLICANT_ROW.replace("a1,12,", "a2,-3,");
    let rows = [APPLICANTS_HEADER, APPLICANT_ROW, APPLICANT_ROW, "", &bad];
    for newline in ["\r\n", "\r"] {
        let (out, dir) = decide_on(&lines_with(&rows, newline), &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(
            error_lines(&out),
            [
                "error: applicants.csv:3: column `applicant_id`: \"a1\" duplicates the id on line 2; ids must be unique",
                "error: applicants.csv:5: column `orders_12m`: \"-3\" must be a whole number ≥ 0",
            ],
            "{newline:?}"
        );
        assert!(!dir.path().join("d.csv").exists());
    }
}

// Item 10: spreadsheet exports.

/// `白条` (Baitiao) in GBK: not UTF-8.
const GBK_BAITIAO: &[u8] = b"\xb0\xd7\xcc\xf5";

#[test]
fn a_gbk_tape_is_one_error_that_says_how_to_re_save_it() {
    let mut tape = format!("{TAPE_HEADER},segment\n").into_bytes();
    for row in 0..100 {
        tape.extend_from_slice(format!("r{row},bullet,500,1,1,0,0.03,").as_bytes());
        tape.extend_from_slice(GBK_BAITIAO);
        tape.push(b'\n');
    }
    let dir = case(&tape, &scenario("", ""));
    expect_errors(
        dir.path(),
        &["tape.csv:2: the file is not UTF-8 text (it looks like GBK or another legacy encoding, as Excel on a Chinese Windows saves CSV); re-save it as UTF-8: in Excel, File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\"; in WPS or a text editor, choose the UTF-8 encoding".to_owned()],
    );
}

#[test]
fn a_gbk_applicants_file_is_one_error() {
    let mut applicants = format!("{APPLICANTS_HEADER}\n").into_bytes();
    for row in 0..100 {
        applicants.extend_from_slice(GBK_BAITIAO);
        applicants.extend_from_slice(
            format!("{row},12,150,0.05,0.98,0,2,0.9,true,700,1,0.1,300,0.3\n").as_bytes(),
        );
    }
    let (out, _dir) = decide_on(&applicants, &[]);
    assert_eq!(out.status.code(), Some(2));
    let errors = error_lines(&out);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("error: applicants.csv:2: the file is not UTF-8 text")
            && errors[0].contains("\"CSV UTF-8 (Comma delimited) (*.csv)\""),
        "{}",
        errors[0]
    );
}

#[test]
fn spreadsheet_numbers_get_the_expected_form() {
    let rows = [
        TAPE_HEADER,
        "r1,bullet,\"1,234.50\",1,1,0,0.03",
        "r2,bullet,500,1,1,0,0.8%",
        "r3,bullet,500,\"1,2\",1,0,0.03",
        "r4,bullet,500,1,1,12.5 %,0.03",
    ];
    let dir = case(&lines_with(&rows, "\n"), &scenario("", ""));
    expect_errors(
        dir.path(),
        &[
            "tape.csv:2: column `balance`: \"1,234.50\" is not a number: write it without thousands separators, as 1234.50".to_owned(),
            "tape.csv:3: column `pd_12m`: \"0.8%\" is not a number: write a percentage as a decimal, 0.008 for 0.8%".to_owned(),
            "tape.csv:4: column `term_months`: \"1,2\" is not a number: write it without thousands separators, as 12".to_owned(),
            "tape.csv:5: column `rate`: \"12.5 %\" is not a number: write a percentage as a decimal, 0.125 for 12.5 %".to_owned(),
        ],
    );
    let bad = APPLICANT_ROW.replace(",150,", ",\"1,500\",");
    let (out, _dir) = decide_on(&lines_with(&[APPLICANTS_HEADER, &bad], "\n"), &[]);
    assert_eq!(
        error_lines(&out),
        [
            "error: applicants.csv:2: column `avg_order_value`: \"1,500\" is not a number: write it without thousands separators, as 1500"
        ]
    );
}

#[test]
fn header_names_match_in_any_case_with_spaces_and_a_bom_on_crlf() {
    let header = "\u{feff} ID ,Product,BALANCE , Term_Months,remaining_months,RATE,Pd_12m";
    let rows = [
        header,
        "r1,bullet,500,1,1,0,0.03",
        "r2,installment,900,3,3,0.01,0.02",
    ];
    let dir = case(&lines_with(&rows, "\r\n"), &scenario("", ""));
    let out = run_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Pool: 2 eligible receivables, closing balance 1,400 CNY"),
        "{}",
        stdout(&out)
    );
    assert!(
        !stderr(&out).contains("unknown columns"),
        "{}",
        stderr(&out)
    );

    let header = APPLICANTS_HEADER.replace(
        "applicant_id,orders_12m",
        "\u{feff}Applicant_ID , ORDERS_12M",
    );
    let (out, dir) = decide_on(&lines_with(&[&header, APPLICANT_ROW], "\r\n"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let decisions = fs::read_to_string(dir.path().join("d.csv")).expect("decisions");
    assert!(
        decisions
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("a1,")),
        "{decisions}"
    );
}
