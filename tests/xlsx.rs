//! `run --xlsx` on the real binary (issue 16 item 5): `report.xlsx` opens with a reader
//! crate (calamine), has a sheet per CSV of the folder, and every sheet equals its CSV cell
//! for cell, numbers as numbers.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx, open_workbook};

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
r4,installment,2500,3000,12,9,0.006,0.05,老客
";

const SCENARIO: &str = r#"name = "xlsx"
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
reserve_pct = 0.01
tranches = [
  { name = "优先A", share = 0.8, coupon = 0.05, target_rating = "Aaa" },
  { name = "Sub", share = 0.2 },
]
triggers = [ { metric = "cumulative_net_loss", above = 0.04, effect = "early_amortization" } ]
[simulation]
paths = 200
seed = 3
"#;

#[test]
fn the_workbook_is_the_folder_s_csvs_cell_for_cell() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("tape.csv"), TAPE).unwrap();
    fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    let out = run_in(
        dir.path(),
        &["run", "s.toml", "--quiet", "--xlsx", "--out", "r"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let folder = dir.path().join("r");
    let manifest = fs::read_to_string(folder.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"report.xlsx\""), "{manifest}");

    let mut book: Xlsx<_> = open_workbook(folder.join("report.xlsx")).expect("opens");
    let mut csvs: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".csv"))
        .map(|n| n.trim_end_matches(".csv").to_string())
        .collect();
    csvs.sort();
    let mut sheets = book.sheet_names().to_vec();
    // the tables a desk looks for first come first
    assert_eq!(
        sheets[..4],
        ["tranches", "sizing", "rating_tests", "stress_bdr"]
    );
    sheets.sort();
    assert_eq!(sheets, csvs, "a sheet per CSV");

    let mut numbers = 0;
    for sheet in &sheets {
        let range = book.worksheet_range(sheet).unwrap();
        assert_eq!(range.start(), Some((0, 0)), "{sheet}");
        let text = fs::read_to_string(folder.join(format!("{sheet}.csv"))).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows.len(), records.len(), "{sheet}: rows");
        for (r, (row, record)) in rows.iter().zip(&records).enumerate() {
            for (c, cell) in record.iter().enumerate() {
                let got = row.get(c).unwrap_or(&Data::Empty);
                let at = format!("{sheet}!R{}C{}", r + 1, c + 1);
                match cell.parse::<f64>() {
                    Ok(value) if r > 0 && value.is_finite() && !cell.contains(['i', 'n', 'N']) => {
                        numbers += 1;
                        assert_eq!(got, &Data::Float(value), "{at}: {cell}");
                    }
                    _ if cell.is_empty() => assert_eq!(got, &Data::Empty, "{at}"),
                    _ => assert_eq!(got, &Data::String(cell.to_string()), "{at}"),
                }
            }
            assert!(
                row.len() <= record.len().max(1)
                    || row[record.len()..].iter().all(|d| *d == Data::Empty),
                "{sheet}: row {r}"
            );
        }
    }
    assert!(numbers > 1_000, "{numbers} numbers");
    // a Chinese tranche name is text in its cell, as in the CSV
    let tranches = book.worksheet_range("tranches").unwrap();
    assert_eq!(tranches.get((1, 0)), Some(&Data::String("优先A".into())));

    // without --xlsx there is no workbook
    let out = run_in(dir.path(), &["run", "s.toml", "--quiet", "--out", "plain"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!dir.path().join("plain/report.xlsx").exists());
}
