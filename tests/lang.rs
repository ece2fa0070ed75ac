//! The language of what the tool says to people (issue 16): `--lang zh|en` and the scenario's
//! `[report] lang` on the real binary, terminal tables in Chinese that stay aligned.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use baitiao_abs::report::width::columns;

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A small revolving deal with two rated tranches and a trigger, so that every table and
/// line of the run summary is printed.
const SCENARIO: &str = r#"name = "small"
[pool]
synthetic = { receivables = 400, seed = 3 }
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
  { name = "A", share = 0.8, coupon = 0.05, target_rating = "Aaa" },
  { name = "B", share = 0.1, coupon = 0.07, target_rating = "A2" },
  { name = "Sub", share = 0.1 },
]
triggers = [ { metric = "cumulative_net_loss", above = 0.04, effect = "early_amortization" } ]
[simulation]
paths = 64
seed = 1
"#;

/// The tables of a run summary: each heading line (it starts with the tranche column) and
/// the rows under it (they start with a tranche name).
fn tables<'a>(text: &'a str, tranche: &str) -> Vec<(&'a str, Vec<&'a str>)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with(&format!("{tranche} ")) {
            let rows = lines[i + 1..]
                .iter()
                .take_while(|l| ["A ", "B ", "Sub "].iter().any(|n| l.starts_with(n)))
                .copied()
                .collect();
            out.push((*line, rows));
        }
    }
    out
}

#[test]
fn run_speaks_chinese_with_lang_zh_and_its_tables_align() {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(dir.path().join("s.toml"), SCENARIO).expect("write scenario");
    let english = stdout(&run_in(dir.path(), &["run", "s.toml", "--out", "en"]));
    let chinese = stdout(&run_in(
        dir.path(),
        &["run", "s.toml", "--out", "zh", "--lang", "zh"],
    ));
    for words in [
        "情景 small：398 笔资产",
        "确定性现金流：累计违约",
        "盈亏平衡 PD 倍数",
        "蒙特卡洛：64 条路径",
        "触发事件 cumulative_net_loss",
        "评级测试",
        "同一组路径上的分层测算",
        "按 TDR/BDR 的分层测算",
        "资金（tdr_bdr 分层法）：融资能力",
        "报告：zh",
    ] {
        assert!(chinese.contains(words), "`{words}` in:\n{chinese}");
    }
    assert!(
        english.contains("Scenario small: 398 receivables"),
        "{english}"
    );
    assert!(english.ends_with("Report: en\n"), "{english}");
    // Chinese tables: each tranche row is as wide on a terminal as its heading.
    let zh_tables = tables(&chinese, "档次");
    assert_eq!(
        zh_tables.len(),
        tables(&english, "tranche").len(),
        "{chinese}"
    );
    assert!(zh_tables.len() >= 4, "{chinese}");
    // The same numbers in every row of every table (the words around them differ).
    let numbers = |row: &str| -> Vec<String> {
        row.split_whitespace()
            .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    };
    for ((_, zh_rows), (_, en_rows)) in zh_tables.iter().zip(tables(&english, "tranche")) {
        assert_eq!(zh_rows.len(), en_rows.len());
        for (zh, en) in zh_rows.iter().zip(en_rows) {
            assert_eq!(numbers(zh), numbers(en), "`{zh}` against `{en}`");
        }
    }
    // Aligned: every column but a trailing free-text one (the binding scenario) is
    // right-aligned, so a row's last fixed cell ends at the display column where the
    // heading's does.
    for (heading, rows) in zh_tables {
        let fixed = heading.trim_end_matches("约束情景").trim_end();
        let end = columns(fixed);
        for row in rows {
            let mut width = 0;
            let mut cut = row.len();
            for (i, c) in row.char_indices() {
                if width == end {
                    cut = i;
                    break;
                }
                width += columns(c.encode_utf8(&mut [0; 4]));
            }
            let (head, rest) = row.split_at(cut);
            assert!(
                !head.ends_with(' ') && (rest.is_empty() || rest.starts_with(' ')),
                "`{row}` under `{heading}`"
            );
        }
    }
    // The report folders are the same files with the same numbers (the language is for
    // people; CSV and JSON are for programs).
    for file in ["tranches.csv", "sizing.csv", "deterministic_pool.csv"] {
        assert_eq!(
            fs::read(dir.path().join("en").join(file)).unwrap(),
            fs::read(dir.path().join("zh").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn the_scenario_chooses_the_language_and_the_flag_overrides_it() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let chinese_scenario = format!("{SCENARIO}\n[report]\nlang = \"zh\"\n");
    fs::write(dir.path().join("s.toml"), &chinese_scenario).expect("write scenario");
    let by_scenario = stdout(&run_in(dir.path(), &["run", "s.toml", "--out", "a"]));
    assert!(by_scenario.contains("蒙特卡洛"), "{by_scenario}");
    let by_flag = stdout(&run_in(
        dir.path(),
        &["run", "s.toml", "--out", "b", "--lang", "en"],
    ));
    assert!(by_flag.contains("Monte Carlo: 64 paths"), "{by_flag}");
    assert!(!by_flag.contains("蒙特卡洛"), "{by_flag}");
    let bad = run_in(dir.path(), &["run", "s.toml", "--lang", "fr"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("fr"));
}

#[test]
fn fit_speaks_chinese() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let made = run_in(
        dir.path(),
        &[
            "gen-applicants",
            "--applicants",
            "4000",
            "--with-outcomes",
            "--out",
            "h.csv",
        ],
    );
    stdout(&made);
    let text = stdout(&run_in(
        dir.path(),
        &[
            "fit",
            "--history",
            "h.csv",
            "--out",
            "m.toml",
            "--lang",
            "zh",
        ],
    ));
    for words in ["用 ", "位申请人拟合", "截距", "留出样本", "校准："] {
        assert!(text.contains(words), "`{words}` in:\n{text}");
    }
}

/// report.html in Chinese: the page's language, every section title and the prose in
/// Chinese, none of the English sentences left; the English page keeps its words.
#[test]
fn the_report_page_speaks_the_report_language() {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(dir.path().join("s.toml"), SCENARIO).expect("write scenario");
    stdout(&run_in(dir.path(), &["run", "s.toml", "--out", "en"]));
    stdout(&run_in(
        dir.path(),
        &["run", "s.toml", "--out", "zh", "--lang", "zh"],
    ));
    let english = fs::read_to_string(dir.path().join("en/report.html")).unwrap();
    let chinese = fs::read_to_string(dir.path().join("zh/report.html")).unwrap();
    assert!(english.contains("<html lang=\"en\">"));
    assert!(chinese.contains("<html lang=\"zh-CN\">"));
    let sections = [
        ("Deal summary", "交易概要"),
        ("Assumptions", "假设"),
        ("Sizing and funding capacity", "分层与融资能力"),
        (
            "Rating test: target against break-even default rates",
            "评级测试",
        ),
        ("Stress results and breakevens", "压力测试结果与盈亏平衡点"),
        ("Methodology and limits", "方法与局限"),
        ("Reproducibility", "可复现性"),
    ];
    for (en, zh) in sections {
        assert!(english.contains(&format!("<h2>{en}</h2>")), "{en}");
        assert!(chinese.contains(zh), "{zh}");
        assert!(
            !chinese.contains(&format!("<h2>{en}</h2>")),
            "{en} in the Chinese page"
        );
    }
    for sentence in [
        "Closing pool balance",
        "The model in plain words",
        "Each rated tranche is tested as rating agencies test",
        "The deterministic case runs the pool once",
        "The same inputs, seed and number of paths give the same files",
        "Breakeven PD multiple: the smallest factor",
    ] {
        assert!(english.contains(sentence), "{sentence}");
        assert!(
            !chinese.contains(sentence),
            "`{sentence}` left in the Chinese page"
        );
    }
    for words in [
        "封包资产池余额",
        "模型通俗说明",
        "盈亏平衡 PD 倍数",
        "复现命令",
    ] {
        assert!(chinese.contains(words), "{words}");
    }
}
