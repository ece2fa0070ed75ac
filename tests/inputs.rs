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
        "tape.csv:5: column `balance`: \"-5\" must be an amount from 0.01 to 10,000,000,000 CNY"
            .into(),
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

/// `白条` (Baitiao) in GBK, as a Chinese Excel saves it (GB 2312 row 16 cell 55 and row 44 cell
/// 85: the code points of the standard's table): not UTF-8.
const GBK_BAITIAO: &[u8] = b"\xb0\xd7\xcc\xf5";

/// `text` in GBK (the encoder of `encoding_rs`, checked against the table above).
fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "{text}");
    bytes.into_owned()
}

#[test]
fn gbk_is_the_encoding_the_tests_think_it_is() {
    assert_eq!(gbk("白条"), GBK_BAITIAO);
}

/// A tape with Chinese segment names, on CRLF lines as Excel writes them.
fn chinese_tape() -> String {
    let mut tape = format!("{TAPE_HEADER},segment\r\n");
    for row in 0..100 {
        let segment = ["新客", "老客", "白条分期"][row % 3];
        let pd = 0.01 + 0.0005 * row as f64;
        tape.push_str(&format!(
            "r{row},bullet,{},1,1,0,{pd},{segment}\r\n",
            500 + 10 * row
        ));
    }
    tape
}

#[test]
fn a_gbk_tape_reads_to_the_pool_of_its_utf8_twin() {
    let text = chinese_tape();
    let utf8 = case(text.as_bytes(), &scenario("", ""));
    let gbk_case = case(&gbk(&text), &scenario("", ""));
    assert_ne!(
        fs::read(utf8.path().join("tape.csv")).unwrap(),
        fs::read(gbk_case.path().join("tape.csv")).unwrap()
    );
    for dir in [&utf8, &gbk_case] {
        let out = run_in(dir.path(), &["run", "s.toml", "--quiet", "--out", "r"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let note = "warning: tape.csv: not UTF-8; read as GB18030 (GBK), as Excel or WPS on a Chinese Windows saves CSV";
    let out = run_in(gbk_case.path(), &["validate", "s.toml"]);
    assert!(
        stderr(&out).contains(note) || stdout(&out).contains(note),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = run_in(utf8.path(), &["validate", "s.toml"]);
    assert!(!stdout(&out).contains("GB18030") && !stderr(&out).contains("GB18030"));
    // the same pool: the same strats (with the segment names decoded) and the same results
    for file in ["pool_strats.csv", "tranches.csv", "deterministic_pool.csv"] {
        let a = fs::read_to_string(utf8.path().join("r").join(file)).unwrap();
        let b = fs::read_to_string(gbk_case.path().join("r").join(file)).unwrap();
        assert_eq!(a, b, "{file}");
    }
    let strats = fs::read_to_string(gbk_case.path().join("r/pool_strats.csv")).unwrap();
    assert!(
        strats.contains("新客") && strats.contains("白条分期"),
        "{strats}"
    );
}

#[test]
fn a_gbk_applicants_file_decides_as_its_utf8_twin() {
    let mut text = format!("{APPLICANTS_HEADER}\r\n");
    for row in 0..100 {
        text.push_str(&format!(
            "白条{row},12,{},0.05,0.98,0,2,0.9,true,700,1,0.1,300,0.3\r\n",
            100 + row
        ));
    }
    let (utf8_out, utf8_dir) = decide_on(text.as_bytes(), &[]);
    let (gbk_out, gbk_dir) = decide_on(&gbk(&text), &[]);
    assert_eq!(utf8_out.status.code(), Some(0), "{}", stderr(&utf8_out));
    assert_eq!(gbk_out.status.code(), Some(0), "{}", stderr(&gbk_out));
    assert!(
        stderr(&gbk_out).contains("applicants.csv: not UTF-8; read as GB18030 (GBK)"),
        "{}",
        stderr(&gbk_out)
    );
    let decisions = fs::read_to_string(gbk_dir.path().join("d.csv")).unwrap();
    assert!(decisions.contains("白条42,"), "{decisions}");
    assert_eq!(
        decisions,
        fs::read_to_string(utf8_dir.path().join("d.csv")).unwrap()
    );
}

#[test]
fn a_gbk_history_reads_as_its_utf8_twin() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = fs::read_to_string(root.join("data/history.csv"))
        .unwrap()
        .replace(",all,", ",白条,");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("utf8.csv"), &text).unwrap();
    fs::write(dir.path().join("gbk.csv"), gbk(&text)).unwrap();
    let utf8 = baitiao_abs::history::read_history_file(&dir.path().join("utf8.csv")).unwrap();
    let decoded = baitiao_abs::history::read_history_file(&dir.path().join("gbk.csv")).unwrap();
    assert_eq!(
        format!("{:?}", utf8.history),
        format!("{:?}", decoded.history)
    );
    assert!(format!("{:?}", decoded.history).contains("白条"));
    assert!(utf8.warnings.is_empty());
    assert_eq!(decoded.warnings.len(), 1);
    assert!(decoded.warnings[0].ends_with(
        "gbk.csv: not UTF-8; read as GB18030 (GBK), as Excel or WPS on a Chinese Windows saves CSV"
    ));
}

#[test]
fn bytes_neither_utf8_nor_gb18030_are_one_error_naming_the_line() {
    // 0xFF is neither a UTF-8 byte nor a GB18030 lead byte
    let mut tape = format!("{TAPE_HEADER},segment\n").into_bytes();
    tape.extend_from_slice(b"r1,bullet,500,1,1,0,0.03,");
    tape.extend_from_slice(GBK_BAITIAO);
    tape.extend_from_slice(b"\nr2,bullet,500,1,1,0,0.03,\xff\n");
    let dir = case(&tape, &scenario("", ""));
    expect_errors(
        dir.path(),
        &["tape.csv:3: the file is neither UTF-8 nor GB18030 (GBK) text; re-save it as UTF-8: in Excel, File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\"; in WPS or a text editor, choose the UTF-8 encoding".to_owned()],
    );
    let mut applicants = format!("{APPLICANTS_HEADER}\n").into_bytes();
    applicants.extend_from_slice(b"\xff");
    applicants.extend_from_slice(APPLICANT_ROW.as_bytes());
    let (out, _dir) = decide_on(&applicants, &[]);
    assert_eq!(out.status.code(), Some(2));
    let errors = error_lines(&out);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "error: applicants.csv:2: the file is neither UTF-8 nor GB18030 (GBK) text"
        ),
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

// Item 11: every count and magnitude is bounded where it enters.

/// Runs the binary in a fresh folder and expects a usage error naming `flag` and the range.
fn expect_flag_error(args: &[&str], flag: &str, range: &str) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = run_in(dir.path(), args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(&format!("for '{flag} <")) && err.contains(&format!("is not in {range}")),
        "{args:?}: {err}"
    );
    assert_eq!(
        fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(0),
        0,
        "{args:?} wrote nothing"
    );
}

#[test]
fn counts_on_the_command_line_are_bounded() {
    // Before: 144 TB allocations (SIGABRT), or 10,000 threads.
    expect_flag_error(
        &[
            "gen-tape",
            "--receivables",
            "1000000000000",
            "--out",
            "t.csv",
        ],
        "--receivables",
        "1..=20000000",
    );
    expect_flag_error(
        &[
            "gen-applicants",
            "--applicants",
            "1000000000000",
            "--out",
            "a.csv",
        ],
        "--applicants",
        "1..=20000000",
    );
    expect_flag_error(
        &["run", "absent.toml", "--paths", "1000000000000"],
        "--paths",
        "1..=10000000",
    );
    expect_flag_error(
        &["run", "absent.toml", "--threads", "10000"],
        "--threads",
        "1..=1024",
    );
    expect_flag_error(
        &[
            "frontier",
            "absent.toml",
            "--applicants",
            "a.csv",
            "--threads",
            "0",
        ],
        "--threads",
        "1..=1024",
    );
}

const GOOD_TAPE_ROWS: [&str; 3] = [
    TAPE_HEADER,
    "r1,bullet,5000,1,1,0,0.03",
    "r2,installment,3000,3,3,0.01,0.02",
];

#[test]
fn counts_and_amounts_in_a_scenario_are_bounded() {
    let tape = lines_with(&GOOD_TAPE_ROWS, "\n");
    let synthetic = scenario(
        "",
        "[frontier]\npaths = 1_000_000_000_000\nlimit_multipliers = [1.0, 1e308]",
    )
    .replace(
        "tape = \"tape.csv\"",
        "synthetic = { receivables = 1_000_000_000_000, seed = 7 }\ntarget_balance = 1e15",
    )
    .replace("paths = 100", "paths = 1_000_000_000_000");
    let dir = case(&tape, &synthetic);
    expect_errors(
        dir.path(),
        &[
            "s.toml: `pool.synthetic.receivables`: 1000000000000 is out of range, it must be a whole number from 1 to 20000000".to_owned(),
            "s.toml: `pool.target_balance`: 1e15 is out of range, it must be in [1, 1000000000000]".to_owned(),
            "s.toml: `simulation.paths`: 1000000000000 is out of range, it must be a whole number from 1 to 10000000".to_owned(),
            "s.toml: `frontier.limit_multipliers[1]`: 1e308 is out of range, it must be in (0, 100]".to_owned(),
            "s.toml: `frontier.paths`: 1000000000000 is out of range, it must be a whole number from 1 to 10000000".to_owned(),
        ],
    );
}

#[test]
fn balances_beyond_what_cash_conservation_holds_are_input_errors() {
    // Before: validate passed, and run failed with "cash not conserved … this is a bug" (exit 1).
    let rows = [
        TAPE_HEADER,
        "r1,bullet,1e15,1,1,0,0.03",
        "r2,bullet,0.001,1,1,0,0.03",
    ];
    let dir = case(&lines_with(&rows, "\n"), &scenario("", ""));
    expect_errors(
        dir.path(),
        &[
            "tape.csv:2: column `balance`: \"1e15\" must be an amount from 0.01 to 10,000,000,000 CNY".to_owned(),
            "tape.csv:3: column `balance`: \"0.001\" must be an amount from 0.01 to 10,000,000,000 CNY".to_owned(),
        ],
    );
    // Each receivable within its limit, but 150 of them sum past the pool's.
    let mut rows = vec![TAPE_HEADER.to_owned()];
    rows.extend((0..150).map(|i| format!("r{i},bullet,1e10,1,1,0,0.03")));
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let dir = case(&lines_with(&rows, "\n"), &scenario("", ""));
    expect_errors(
        dir.path(),
        &["tape.csv: column `balance`: the eligible receivables sum to 1,500,000,000,000 CNY; a pool holds at most 1,000,000,000,000 CNY (set `pool.target_balance` to scale it, or split the tape)".to_owned()],
    );
    // The same tape scaled to a target within the limit is fine.
    let dir = case(
        &lines_with(&rows, "\n"),
        &scenario("target_balance = 1_000_000_000_000", ""),
    );
    let out = run_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The built-in model written out, with `edit` applied.
fn model_file(dir: &Path, edit: impl Fn(String) -> String) {
    let model = baitiao_abs::credit::Scorecard::built_in().to_toml();
    fs::write(dir.join("m.toml"), edit(model)).expect("write model");
}

/// The built-in policy written out, with `edit` applied.
fn policy_file(dir: &Path, edit: impl Fn(String) -> String) {
    let policy = baitiao_abs::credit::Policy::built_in().to_toml();
    fs::write(dir.join("p.toml"), edit(policy)).expect("write policy");
}

#[test]
fn model_and_policy_numbers_are_bounded() {
    // Before: infinite scores, "score -9223372036854775808" in the message, exit 0.
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(
        dir.path().join("applicants.csv"),
        lines_with(&[APPLICANTS_HEADER, APPLICANT_ROW], "\n"),
    )
    .expect("write applicants");
    model_file(dir.path(), |model| {
        model
            .replacen("intercept = 1.1", "intercept = 1e308", 1)
            .replacen("coefficient = -0.22", "coefficient = -1e308", 1)
            .replacen("orders_12m = 2.839", "orders_12m = 1e308", 1)
    });
    policy_file(dir.path(), |policy| {
        policy
            .replacen("limit_multiplier = 1.0", "limit_multiplier = 1e308", 1)
            .replacen("limit_cap = 30000.0", "limit_cap = 1e308", 1)
    });
    let decide = |model: &str, policy: &str| {
        let mut args = vec!["decide", "--applicants", "applicants.csv", "--out", "d.csv"];
        args.extend(["--model", model, "--policy", policy]);
        run_in(dir.path(), &args)
    };
    fs::write(
        dir.path().join("plain_m.toml"),
        baitiao_abs::credit::Scorecard::built_in().to_toml(),
    )
    .expect("write model");
    let out = decide("m.toml", "p.toml");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        error_lines(&out),
        [
            "error: m.toml: model.intercept: 1e308 must be a number from -50 to 50",
            "error: m.toml: model.coefficients[0].coefficient: -1e308 must be a number from -10 to 10",
            "error: m.toml: population_means.orders_12m: 1e308 must be a mean of ln(1 + orders_12m), from 0 to 22.1807",
            // both files' problems at once
            "error: p.toml: limit_multiplier: 1e308 must be a number > 0 and at most 100",
            "error: p.toml: limit_cap: 1e308 must be an amount > 0 and at most 10,000,000 (CNY)",
        ]
    );
    let out = decide("plain_m.toml", "p.toml");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        error_lines(&out),
        [
            "error: p.toml: limit_multiplier: 1e308 must be a number > 0 and at most 100",
            "error: p.toml: limit_cap: 1e308 must be an amount > 0 and at most 10,000,000 (CNY)",
        ]
    );
    assert!(!dir.path().join("d.csv").exists());
}

#[test]
fn a_model_at_its_limits_originates_a_tape_that_validate_accepts() {
    // The most favourable model the limits allow, and the most creditworthy applicant the
    // reader accepts: the score is large (about 14,800) but its PD is not 0.
    let model = "[model]\nintercept = -50\n\
        [[model.coefficients]]\nfeature = \"orders_12m\"\ncoefficient = -10\n\
        [[model.coefficients]]\nfeature = \"avg_order_value\"\ncoefficient = -10\n\
        [[model.coefficients]]\nfeature = \"on_time_ratio\"\ncoefficient = -10\n\
        [[model.coefficients]]\nfeature = \"external_score\"\ncoefficient = -10\n\
        [population_means]\norders_12m = 2.8\navg_order_value = 5.3\non_time_ratio = 0.9\nexternal_score = 0.06\n";
    let row = "best,4294967295,100000000,0,1,0,0,1,true,950,0,0,100000000,0";
    let dir = case(b"", &scenario("", ""));
    fs::write(dir.path().join("m.toml"), model).unwrap();
    fs::write(
        dir.path().join("applicants.csv"),
        lines_with(&[APPLICANTS_HEADER, row], "\n"),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "gen-tape",
            "--from-applicants",
            "applicants.csv",
            "--model",
            "m.toml",
            "--out",
            "tape.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tape = fs::read_to_string(dir.path().join("tape.csv")).unwrap();
    assert!(tape.contains(",14799.1,"), "{tape}");
    let out = run_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// Item 12: validate reads every file the scenario names; scores, rating tables, usage, echoes.

#[test]
fn validate_reads_the_credit_files_a_scenario_names() {
    // Before: random bytes for a model passed validate and run.
    let tape = lines_with(&GOOD_TAPE_ROWS, "\n");
    let text = scenario("", "[credit]\nmodel = \"m.toml\"\npolicy = \"p.toml\"");
    let dir = case(&tape, &text);
    fs::write(dir.path().join("m.toml"), b"\x8f\x01random bytes\xff\n").unwrap();
    policy_file(dir.path(), |policy| {
        policy.replacen("limit_multiplier = 1.0", "limit_multiplier = 0.0", 1)
    });
    expect_errors(
        dir.path(),
        &[
            "s.toml: `credit.model`: m.toml: cannot read the file: stream did not contain valid UTF-8".to_owned(),
            "s.toml: `credit.policy`: p.toml: limit_multiplier: 0 must be a number > 0 and at most 100".to_owned(),
        ],
    );
    model_file(dir.path(), |model| {
        model.replacen("[model]", "[model]\nslope = 1", 1)
    });
    policy_file(dir.path(), |policy| policy);
    expect_errors(
        dir.path(),
        &["s.toml: `credit.model`: m.toml:2:1: unknown field `slope`, expected `intercept` or `coefficients`".to_owned()],
    );
    model_file(dir.path(), |model| model);
    let out = run_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_tape_score_must_give_a_pd_strictly_between_zero_and_one() {
    // Before: both were accepted, with PDs of exactly 1 and 0.
    let header = "id,product,balance,term_months,remaining_months,rate,score";
    let rows = [
        header,
        "r1,bullet,500,1,1,0,-600",
        "r2,bullet,500,1,1,0,21000",
        "r3,bullet,500,1,1,0,20500",
    ];
    let dir = case(&lines_with(&rows, "\n"), &scenario("", ""));
    let rule =
        "must be a score from -500 to 20,500, where its 12-month PD lies strictly between 0 and 1";
    expect_errors(
        dir.path(),
        &[
            format!("tape.csv:2: column `score`: \"-600\" {rule}"),
            format!("tape.csv:3: column `score`: \"21000\" {rule}"),
        ],
    );
}

#[test]
fn an_unordered_rating_table_is_refused_naming_the_line() {
    // Before: accepted, and implied ratings were read off an inconsistent table.
    let tape = lines_with(&GOOD_TAPE_ROWS, "\n");
    let text = scenario("", "").replace(
        "revolving_months = 3",
        "revolving_months = 3\nrating_table = \"table.csv\"",
    );
    let dir = case(&tape, &text);
    fs::write(
        dir.path().join("table.csv"),
        "rating,y1,y2\r\nAaa,0.001,0.002\r\n\r\nA2,0.0001,0.003\r\n",
    )
    .unwrap();
    expect_errors(
        dir.path(),
        &["s.toml: `deal.rating_table`: table.csv:4: rating `A2` has a lower idealized EL at y1 (0.0001) than `Aaa` above it on line 2 (0.001); list ratings best first, each with an EL at least that of the rating above at every horizon".to_owned()],
    );
}

#[test]
fn gen_tape_model_and_policy_need_from_applicants() {
    // Before: `--model` was silently ignored and a synthetic tape written.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("m.toml"), "").unwrap();
    for flag in ["--model", "--policy"] {
        let out = run_in(
            dir.path(),
            &[
                "gen-tape",
                "--receivables",
                "5",
                flag,
                "m.toml",
                "--out",
                "t.csv",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "'--receivables <RECEIVABLES>' cannot be used with '{flag}"
            )),
            "{}",
            stderr(&out)
        );
        assert!(!dir.path().join("t.csv").exists());
    }
}

#[test]
fn echoed_user_text_is_cut_to_forty_characters() {
    // Before: the whole 1,000,000-character cell was echoed, twice.
    let long = "x".repeat(1_000_000);
    let clipped = format!("{}…", "x".repeat(40));
    let tape =
        format!("{TAPE_HEADER}\n{long},bullet,500,1,1,0,0.03\n{long},bullet,500,1,1,0,0.03\n");
    let dir = case(tape.as_bytes(), &scenario("", ""));
    expect_errors(
        dir.path(),
        &[format!(
            "tape.csv:3: column `id`: \"{clipped}\" duplicates the id on line 2; ids must be unique"
        )],
    );
    // Unknown header names: each cut, at most ten listed.
    let extra: Vec<String> = (0..12).map(|i| format!("extra{i}")).collect();
    let tape = format!(
        "{TAPE_HEADER},{long},{}\nr1,bullet,500,1,1,0,0.03,{}\n",
        extra.join(","),
        ",".repeat(12)
    );
    let dir = case(tape.as_bytes(), &scenario("", ""));
    let out = run_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).lines().any(|line| line
            == format!(
                "warning: tape.csv:1: ignoring unknown columns `{clipped}`, {} and 3 more",
                extra[..9]
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        "{}",
        stdout(&out)
    );
    // A scenario's strings: a TOML error quoting a value, and names in the scenario's own rules.
    let dir = case(
        &lines_with(&GOOD_TAPE_ROWS, "\n"),
        &scenario("", "").replace("correlation = 0.1", &format!("correlation = \"{long}\"")),
    );
    let out = run_in(dir.path(), &["validate", "s.toml"]);
    let errors = error_lines(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(errors.len(), 1, "{}", &stderr(&out)[..200]);
    assert!(
        errors[0].contains(&format!("\"{clipped}\"")),
        "{}",
        errors[0]
    );
    assert!(errors[0].chars().count() < 200, "{}", errors[0]);
    let dir = case(
        &lines_with(&GOOD_TAPE_ROWS, "\n"),
        &scenario("", "")
            .replace("name = \"A\"", &format!("name = \"{long}\""))
            .replace("name = \"Sub\"", &format!("name = \"{long}\"")),
    );
    expect_errors(
        dir.path(),
        &[format!(
            "s.toml: `deal.tranches[1].name`: `{clipped}` is also the name of deal.tranches[0], tranche names must be unique"
        )],
    );
}

// Item 13: a pool scaled far from its balance is reported.

#[test]
fn a_pool_scaled_far_from_its_balance_is_a_warning_with_the_factor() {
    // Before: a pool of 8,000 CNY was scaled ×100 without a word.
    let tape = lines_with(&GOOD_TAPE_ROWS, "\n");
    let warning = "warning: `pool.target_balance`: the eligible receivables (8,000 CNY) are scaled by a factor of 100.00 to 800,000 CNY; a factor outside [0.5, 2] usually means the tape or the target is not the one meant";
    let dir = case(&tape, &scenario("target_balance = 800_000", ""));
    let out = run_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).lines().any(|line| line == warning),
        "{}",
        stdout(&out)
    );
    let out = run_in(dir.path(), &["run", "s.toml", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).lines().any(|line| line == warning),
        "{}",
        stderr(&out)
    );
    // A factor of 1.25 is within [0.5, 2]: no warning.
    let dir = case(&tape, &scenario("target_balance = 10_000", ""));
    let out = run_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("scaled by a factor"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn decide_reports_a_bad_model_and_a_bad_policy_together() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("model.toml"), "not = [valid").unwrap();
    fs::write(dir.path().join("policy.toml"), "\u{1}\u{2}random bytes").unwrap();
    fs::write(dir.path().join("applicants.csv"), "applicant_id\n").unwrap();
    let output = run_in(
        dir.path(),
        &[
            "decide",
            "--applicants",
            "applicants.csv",
            "--model",
            "model.toml",
            "--policy",
            "policy.toml",
            "--out",
            "decisions.csv",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let errors = error_lines(&output);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("model.toml") && errors[1].contains("policy.toml"),
        "{errors:?}"
    );
    assert!(!dir.path().join("decisions.csv").exists());
}
