//! A Chinese desk's inputs on the real binary (issue 16): names in Chinese characters, and
//! terminal tables that stay aligned when they hold them.

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

const TAPE: &str = "\
id,product,balance,original_principal,term_months,remaining_months,rate,pd_12m,segment
r1,installment,1000,2000,6,3,0.008,0.02,新客
r2,bullet,500,500,1,1,0,0.03,老客
r3,annuity,3000,3000,12,12,0.15,0.015,新客
";

const SCENARIO: &str = r#"name = "白条_2015"
[pool]
tape = "tape.csv"
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
  { name = "优先A", share = 0.8, coupon = 0.05, target_rating = "Aaa" },
  { name = "次级", share = 0.2 },
]
[simulation]
paths = 100
seed = 1
"#;

/// The header line that starts with `tranche` and holds `marker`, and the tranche rows under it.
fn table<'a>(stdout: &'a str, marker: &str, names: &[&str]) -> (&'a str, Vec<&'a str>) {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !(l.starts_with("tranche ") && l.contains(marker)));
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("a table with `{marker}` in:\n{stdout}"));
    let rows: Vec<&str> = lines
        .take_while(|l| names.iter().any(|n| l.starts_with(n)))
        .collect();
    (header, rows)
}

#[test]
fn chinese_scenario_and_tranche_names_run_and_tables_align() {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(dir.path().join("tape.csv"), TAPE).expect("write tape");
    fs::write(dir.path().join("s.toml"), SCENARIO).expect("write scenario");
    let out = run_in(dir.path(), &["run", "s.toml"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let folder = dir.path().join("reports").join("白条_2015");
    assert!(
        folder.join("summary.json").is_file(),
        "the report folder is named after the scenario"
    );
    let tranches = fs::read_to_string(folder.join("tranches.csv")).expect("tranches.csv");
    assert!(tranches.contains("优先A") && tranches.contains("次级"));
    // the charts carry the names: as text in the SVG, drawn (with the embedded CJK font,
    // see charts::fonts) in the PNG
    let svg = fs::read_to_string(folder.join("charts/tranche_balances.svg")).expect("svg");
    assert!(
        svg.contains("Tranche 优先A") && svg.contains("Tranche 次级"),
        "{svg}"
    );
    assert!(folder.join("charts/tranche_balances.png").is_file());

    // Every column of these two tables is right-aligned to a fixed width after the name, so a row
    // is exactly as wide as its header on a terminal when the name column is padded by
    // display width (a padded-by-`char` `优先A` would be two columns wider).
    let names = ["优先A", "次级"];
    for marker in ["loss CNY", "rating/target"] {
        let (header, rows) = table(&stdout, marker, &names);
        assert_eq!(
            rows.len(),
            2,
            "two tranche rows under `{header}` in:\n{stdout}"
        );
        for row in rows {
            assert_eq!(columns(row), columns(header), "`{row}` under `{header}`");
            assert!(
                row.starts_with("优先A   ") || row.starts_with("次级    "),
                "`{row}`"
            );
        }
    }
}
