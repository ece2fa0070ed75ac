//! Static-pool history (SPEC §2.4, §4.6): the reader's rules, one test each, every message
//! naming the file, the line and the column; the writer's round trip; `gen-history` on the
//! real binary, its expected curves checked by hand against the true model's parameters,
//! and the Vasicek factor against its closed-form mean.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use baitiao_abs::history::generate::{TrueModel, draw_factors, vasicek_rate};
use baitiao_abs::history::{
    self, HistoryError, HistoryFile, read_history_from_reader, write_history_to,
};
use statrs::distribution::{ContinuousCDF, Normal};

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn read(text: &str) -> Result<HistoryFile, HistoryError> {
    read_history_from_reader(text.as_bytes(), "h.csv")
}

/// The problem lines of an invalid history.
fn problems(text: &str) -> Vec<String> {
    match read(text) {
        Err(HistoryError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

/// Asserts that exactly one problem is reported, that it starts with `FILE:LINE: column
/// `NAME`:` and that it contains `rule`.
fn assert_one_problem(text: &str, place: &str, rule: &str) {
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(place) && found[0].contains(rule),
        "{:?} should start with {place:?} and contain {rule:?}",
        found[0]
    );
}

const HEADER: &str = "vintage,months_on_book,originated,outstanding,charged_off";

fn file(rows: &[&str]) -> String {
    file_with(HEADER, rows)
}

fn file_with(header: &str, rows: &[&str]) -> String {
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

// ---------------------------------------------------------------- the reader's rules

#[test]
fn a_valid_file_in_any_row_order_is_sorted_by_month_on_book() {
    let text = file(&[
        "2019-02,1,500,400,1",
        "2019-01,2,1000,800,6",
        "2019-01,0,1000,1000,0",
        "2019-02,0,500,500,0",
        "2019-01,1,1000,900,5",
    ]);
    let read = read(&text).expect("valid");
    let history = read.history;
    assert!(read.warnings.is_empty());
    assert_eq!(history.vintages.len(), 2);
    let first = &history.vintages[0];
    assert_eq!(first.vintage.to_string(), "2019-01");
    assert_eq!(first.segment, "all");
    assert_eq!(first.originated, 1000.0);
    let months: Vec<(u32, f64)> = first
        .months
        .iter()
        .map(|m| (m.months_on_book, m.charged_off))
        .collect();
    assert_eq!(months, [(0, 0.0), (1, 5.0), (2, 6.0)]);
    assert_eq!(history.vintages[1].age(), 1);
    assert_eq!(history.data_date().unwrap().to_string(), "2019-03");
    assert!(history.buckets.is_empty() && !history.has_recovered && !history.has_prepaid);
}

#[test]
fn a_bom_and_crlf_line_breaks_are_read() {
    let text = "\u{feff}Vintage,months_on_book,originated,outstanding,charged_off\r\n2019-01,0,1000,1000,0\r\n";
    assert_eq!(read(text).expect("valid").history.vintages.len(), 1);
}

#[test]
fn rule_required_columns() {
    assert_one_problem(
        "vintage,months_on_book,originated,outstanding\n2019-01,0,1,1\n",
        "h.csv:1: column `charged_off`:",
        "missing from the header; it is required",
    );
}

#[test]
fn rule_a_column_named_once() {
    assert_one_problem(
        &file_with(&format!("{HEADER},Outstanding"), &["2019-01,0,1,1,0,1"]),
        "h.csv:1: column `outstanding`:",
        "named twice",
    );
}

#[test]
fn rule_vintage_is_year_and_month() {
    assert_one_problem(
        &file(&["2019-01,0,1000,1000,0", "2019-1,0,1000,1000,0"]),
        "h.csv:3: column `vintage`: \"2019-1\"",
        "must be an origination month YYYY-MM",
    );
}

#[test]
fn rule_months_on_book_is_a_whole_number_from_zero() {
    assert_one_problem(
        &file(&["2019-01,0,1000,1000,0", "2019-01,-1,1000,1000,0"]),
        "h.csv:3: column `months_on_book`: \"-1\"",
        "must be a whole number ≥ 0",
    );
    assert_one_problem(
        &file(&["2019-01,0.5,1000,1000,0"]),
        "h.csv:2: column `months_on_book`: \"0.5\"",
        "must be a whole number ≥ 0",
    );
}

#[test]
fn rule_amounts_are_finite_and_not_negative() {
    assert_one_problem(
        &file(&["2019-01,0,1000,-3,0"]),
        "h.csv:2: column `outstanding`: \"-3\"",
        "must be a finite amount ≥ 0",
    );
    assert_one_problem(
        &file(&["2019-01,0,1000,1000,inf"]),
        "h.csv:2: column `charged_off`: \"inf\"",
        "must be a finite amount ≥ 0",
    );
    assert_one_problem(
        &file(&["2019-01,0,1000,\"1,000\",0"]),
        "h.csv:2: column `outstanding`: \"1,000\"",
        "without thousands separators",
    );
}

#[test]
fn rule_amounts_are_no_larger_than_originated() {
    assert_one_problem(
        &file(&["2019-01,0,1000,1200,0"]),
        "h.csv:2: column `outstanding`: \"1200\"",
        "must be no larger than originated (1000)",
    );
    assert_one_problem(
        &file_with(
            &format!("{HEADER},prepaid"),
            &["2019-01,0,1000,1000,0,1000.5"],
        ),
        "h.csv:2: column `prepaid`: \"1000.5\"",
        "must be no larger than originated (1000)",
    );
}

#[test]
fn rule_originated_is_positive() {
    assert_one_problem(
        &file(&["2019-01,0,0,0,0"]),
        "h.csv:2: column `originated`: \"0\"",
        "must be > 0",
    );
}

#[test]
fn rule_originated_is_the_same_on_every_row_of_a_vintage() {
    assert_one_problem(
        &file(&["2019-01,0,1000,1000,0", "2019-01,1,1001,900,0"]),
        "h.csv:3: column `originated`: \"1001\"",
        "differs from vintage 2019-01's originated on line 2 (1000)",
    );
}

#[test]
fn rule_no_gap_in_months_on_book() {
    assert_one_problem(
        &file(&["2019-01,0,1000,1000,0", "2019-01,2,1000,900,0"]),
        "h.csv:3: column `months_on_book`: \"2\"",
        "leaves a gap in vintage 2019-01: month on book 1 is missing",
    );
}

#[test]
fn rule_a_vintage_starts_at_month_zero() {
    assert_one_problem(
        &file(&["2019-01,1,1000,1000,0", "2019-01,2,1000,900,0"]),
        "h.csv:2: column `months_on_book`: \"1\"",
        "month on book 0 is missing",
    );
}

#[test]
fn rule_no_duplicate_month_on_book() {
    assert_one_problem(
        &file(&[
            "2019-01,0,1000,1000,0",
            "2019-01,1,1000,900,0",
            "2019-01,1,1000,900,0",
        ]),
        "h.csv:4: column `months_on_book`: \"1\"",
        "repeats vintage 2019-01's month on book 1 of line 3",
    );
}

#[test]
fn rule_cumulative_charge_offs_never_decrease() {
    assert_one_problem(
        &file(&[
            "2019-01,0,1000,1000,0",
            "2019-01,2,1000,800,4",
            "2019-01,1,1000,900,5",
        ]),
        "h.csv:3: column `charged_off`: \"4\"",
        "is less than at month on book 1 of vintage 2019-01 (line 4: 5)",
    );
}

#[test]
fn rule_cumulative_recoveries_and_prepayments_never_decrease() {
    let header = format!("{HEADER},recovered,prepaid");
    assert_one_problem(
        &file_with(
            &header,
            &["2019-01,0,1000,1000,5,2,0", "2019-01,1,1000,900,5,1,0"],
        ),
        "h.csv:3: column `recovered`: \"1\"",
        "cumulative columns never decrease",
    );
    assert_one_problem(
        &file_with(
            &header,
            &["2019-01,0,1000,1000,0,0,9", "2019-01,1,1000,900,0,0,8"],
        ),
        "h.csv:3: column `prepaid`: \"8\"",
        "cumulative columns never decrease",
    );
}

#[test]
fn rule_recoveries_no_larger_than_charge_offs() {
    assert_one_problem(
        &file_with(&format!("{HEADER},recovered"), &["2019-01,0,1000,1000,5,6"]),
        "h.csv:2: column `recovered`: \"6\"",
        "must be no larger than charged_off (5)",
    );
}

#[test]
fn rule_a_vintage_belongs_to_one_segment() {
    assert_one_problem(
        &file_with(
            "segment,vintage,months_on_book,originated,outstanding,charged_off",
            &["A,2019-01,0,1000,1000,0", "B,2019-01,1,1000,900,0"],
        ),
        "h.csv:3: column `segment`: \"B\"",
        "puts vintage 2019-01 in a second segment (it is in `A` on line 2)",
    );
}

#[test]
fn rule_buckets_are_the_30_day_buckets() {
    assert_one_problem(
        &file_with(&format!("{HEADER},dpd_1_29"), &["2019-01,0,1000,1000,0,0"]),
        "h.csv:1: column `dpd_1_29`:",
        "not a delinquency bucket",
    );
}

#[test]
fn rule_buckets_have_no_gap() {
    assert_one_problem(
        &file_with(
            &format!("{HEADER},dpd_1_30,dpd_61_90"),
            &["2019-01,0,1000,1000,0,0,0"],
        ),
        "h.csv:1: column `dpd_61_90`:",
        "bucket without the column `dpd_31_60` before it",
    );
}

#[test]
fn rule_buckets_are_part_of_outstanding() {
    assert_one_problem(
        &file_with(
            &format!("{HEADER},dpd_31_60,dpd_1_30"),
            &["2019-01,0,1000,10,0,6,5"],
        ),
        "h.csv:2: column `dpd_1_30`: \"5\"",
        "sums to 11, more than outstanding (10)",
    );
}

#[test]
fn rule_a_present_optional_column_has_a_value_on_every_row() {
    assert_one_problem(
        &file_with(&format!("{HEADER},prepaid"), &["2019-01,0,1000,1000,0,"]),
        "h.csv:2: column `prepaid`: \"\"",
        "is empty; a value is required",
    );
}

#[test]
fn unknown_columns_are_ignored_with_a_warning_like_the_tape() {
    let read = read(&file_with(
        &format!("{HEADER},product_name"),
        &["2019-01,0,1000,1000,0,白条"],
    ))
    .expect("valid");
    assert_eq!(
        read.warnings,
        ["h.csv:1: ignoring unknown columns `product_name`"]
    );
}

#[test]
fn rows_of_the_wrong_length_are_named() {
    assert_eq!(
        problems(&file(&["2019-01,0,1000,1000"])),
        ["h.csv:2: the row has 4 fields but the header has 5; check the separators and quotes"]
    );
}

#[test]
fn every_problem_is_reported_at_once_up_to_the_cap() {
    let found = problems(&file(&["2019-13,0,1000,1000,0", "2019-01,x,1000,1000,0"]));
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("h.csv:2: column `vintage`"));
    assert!(found[1].starts_with("h.csv:3: column `months_on_book`"));

    let rows: Vec<String> = (0..150).map(|i| format!("2019-01,{i},1000,-1,0")).collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let error = read(&file(&rows)).expect_err("invalid");
    let HistoryError::Invalid { problems, more, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!((problems.len(), *more), (100, 50));
    assert!(error.to_string().ends_with("... and 50 more problems"));
    assert!(error.is_bad_input());
}

#[test]
fn a_file_not_in_utf8_is_one_problem() {
    let mut bytes = file(&["2019-01,0,1000,1000,0"]).into_bytes();
    bytes.extend_from_slice(b"2019-02,0,1000,1000,\xb0\xd7\n");
    let error = read_history_from_reader(&bytes[..], "h.csv").expect_err("invalid");
    let message = error.to_string();
    assert!(
        message.starts_with("h.csv:3: the file is not UTF-8 text") && message.lines().count() == 1,
        "{message}"
    );
}

#[test]
fn an_empty_file_or_header_alone_says_so() {
    for text in ["", &format!("{HEADER}\n")] {
        assert!(
            matches!(read(text), Err(HistoryError::Empty { .. })),
            "{text:?}"
        );
    }
}

// ---------------------------------------------------------------- writer

#[test]
fn read_of_write_is_the_same_history() {
    let mut model = TrueModel {
        vintages: 30,
        ..TrueModel::default()
    };
    model.segments = vec![
        history::generate::SegmentModel {
            name: "12m, instalment".to_owned(),
            pd: 0.011,
        },
        history::generate::SegmentModel {
            name: "3m".to_owned(),
            pd: 0.006,
        },
    ];
    let (generated, _) = history::generate(&model, 11, false);
    let mut bytes = Vec::new();
    write_history_to(&mut bytes, &generated).expect("written");
    let back = read_history_from_reader(&bytes[..], "w.csv").expect("valid");
    assert!(back.warnings.is_empty());
    assert_eq!(back.history, generated);

    // A history without the optional columns keeps them out.
    let text = file(&["2019-01,0,1000.25,1000.25,0", "2019-01,1,1000.25,0.1,0.3"]);
    let history = read(&text).expect("valid").history;
    let mut bytes = Vec::new();
    write_history_to(&mut bytes, &history).expect("written");
    let written = String::from_utf8(bytes).unwrap();
    assert_eq!(
        written,
        "vintage,segment,months_on_book,originated,outstanding,charged_off\n2019-01,all,0,1000.25,1000.25,0\n2019-01,all,1,1000.25,0.1,0.3\n"
    );
    assert_eq!(read(&written).expect("valid").history, history);
}

// ---------------------------------------------------------------- gen-history

/// The written CSV as rows of named cells.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn load(path: &Path) -> Csv {
        let text = fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect();
        Csv { header, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap()
    }

    /// The rows of one vintage by month on book: `name` → value.
    fn curve(&self, vintage: &str, name: &str) -> Vec<f64> {
        let (v, c) = (self.column("vintage"), self.column(name));
        self.rows
            .iter()
            .filter(|r| r[v] == vintage)
            .map(|r| r[c].parse().unwrap())
            .collect()
    }
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9,
        "{what}: {actual} against {expected}"
    );
}

#[test]
fn expected_history_gives_back_the_true_curves_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "gen-history",
            "--expected",
            "--out",
            "h.csv",
            "--truth",
            "t.json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = Csv::load(&dir.path().join("h.csv"));
    assert_eq!(
        csv.header,
        [
            "vintage",
            "segment",
            "months_on_book",
            "originated",
            "outstanding",
            "dpd_1_30",
            "dpd_31_60",
            "dpd_61_90",
            "charged_off",
            "recovered",
            "prepaid"
        ]
    );
    // 48 vintages from 2017-01, the last one at month on book 0.
    assert_eq!(csv.rows.len(), 48 * 49 / 2);

    // The defaults of the true model, as documented (README, `TrueModel::default`).
    let timing = [
        0.04, 0.08, 0.12, 0.14, 0.14, 0.12, 0.10, 0.08, 0.07, 0.06, 0.05,
    ];
    let cpr = [
        0.10, 0.14, 0.18, 0.22, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25,
    ];
    let (pd, cure, recovery, lag) = (0.011, 0.6, 0.15, 4usize);

    // Every vintage past its life: lifetime charge-off rate p, the timing curve as shares of
    // it, recoveries R of it starting `lag` months after the first charge-off.
    for vintage in ["2017-01", "2017-06", "2018-06"] {
        let originated = csv.curve(vintage, "originated")[0];
        let charged = csv.curve(vintage, "charged_off");
        let lifetime = charged[18];
        close(lifetime / originated, pd, "lifetime charge-off rate");
        for m in 0..=18 {
            let in_month = charged[m] - if m > 0 { charged[m - 1] } else { 0.0 };
            let share = if (4..=14).contains(&m) {
                timing[m - 4]
            } else {
                0.0
            };
            close(
                in_month / lifetime,
                share,
                &format!("{vintage} timing at {m}"),
            );
        }
        let recovered = csv.curve(vintage, "recovered");
        close(recovered[18] / lifetime, recovery, "recovery rate");
        let first = |curve: &[f64]| curve.iter().position(|&x| x > 0.0).unwrap();
        assert_eq!(first(&recovered) - first(&charged), lag);

        // CPR by month on book: SMM = prepaid in the month ÷ outstanding at its start.
        let prepaid = csv.curve(vintage, "prepaid");
        let outstanding = csv.curve(vintage, "outstanding");
        for m in 1..=18 {
            let smm = (prepaid[m] - prepaid[m - 1]) / outstanding[m - 1].max(f64::MIN_POSITIVE);
            let true_cpr = if m <= 11 { cpr[m - 1] } else { 0.0 };
            close(1.0 - (1.0 - smm).powi(12), true_cpr, &format!("CPR at {m}"));
        }
        assert_eq!(outstanding[18], 0.0);
    }

    // Immature vintages: the cumulative rate at each age is p × the timing curve's sum so far.
    let young = csv.curve("2020-06", "charged_off");
    let originated = csv.curve("2020-06", "originated")[0];
    assert_eq!(young.len(), 7);
    close(
        young[6] / originated,
        pd * (0.04 + 0.08 + 0.12),
        "cumulative rate at 6",
    );

    // Roll rates pooled over every vintage and month: bucket k+1 at t+1 ÷ bucket k at t, the
    // last into the month's charge-offs.
    let (v, m) = (csv.column("vintage"), csv.column("months_on_book"));
    let mut sums = [[0.0f64; 2]; 3];
    for pair in csv.rows.windows(2) {
        let (now, next) = (&pair[0], &pair[1]);
        if now[v] != next[v] || next[m].parse::<u32>().unwrap() == 0 {
            continue;
        }
        let cell = |row: &Vec<String>, name: &str| row[csv.column(name)].parse::<f64>().unwrap();
        let charged = cell(next, "charged_off") - cell(now, "charged_off");
        let flows = [
            (cell(now, "dpd_1_30"), cell(next, "dpd_31_60")),
            (cell(now, "dpd_31_60"), cell(next, "dpd_61_90")),
            (cell(now, "dpd_61_90"), charged),
        ];
        for (k, (from, to)) in flows.into_iter().enumerate() {
            sums[k][0] += from;
            sums[k][1] += to;
        }
    }
    for (k, true_roll) in [1.0 - cure, 1.0, 1.0].into_iter().enumerate() {
        close(
            sums[k][1] / sums[k][0],
            true_roll,
            &format!("roll rate {k}"),
        );
    }

    // The truth file says the same.
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("t.json")).unwrap()).unwrap();
    assert_eq!(truth["expected"], true);
    assert_eq!(truth["data_date"], "2020-12");
    assert_eq!(truth["roll_rates"], serde_json::json!([0.4, 1.0, 1.0]));
    assert_eq!(truth["cure_rates"], serde_json::json!([0.6, 0.0, 0.0]));
    assert_eq!(truth["vintages"][0]["charge_off_rate"], 0.011);
    assert!(truth["vintages"][0]["z"].is_null());
}

#[test]
fn generated_history_passes_the_reader_and_the_truth_matches_vasicek() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("p.toml"),
        "rho = 0.2\nsegments = [{ name = \"core\", pd = 0.011 }, { name = \"young\", pd = 0.02 }]\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "gen-history",
            "--out",
            "h.csv",
            "--truth",
            "t.json",
            "--seed",
            "5",
            "--vintages",
            "40",
            "--params",
            "p.toml",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history = history::read_history(&dir.path().join("h.csv")).expect("the reader accepts it");
    assert_eq!(history.vintages.len(), 40);
    assert_eq!(history.segments(), ["core", "young"]);

    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("t.json")).unwrap()).unwrap();
    assert_eq!(truth["model"]["rho"], 0.2);
    let normal = Normal::standard();
    for entry in truth["vintages"].as_array().unwrap() {
        let pd = if entry["segment"] == "core" {
            0.011
        } else {
            0.02
        };
        let z = entry["z"].as_f64().unwrap();
        // Vasicek with statrs' Φ and Φ⁻¹, independent of the crate's own (statrs' Φ⁻¹ is
        // good to about 1e-10 relative, hence the tolerance).
        let expected = normal.cdf((normal.inverse_cdf(pd) - 0.2f64.sqrt() * z) / 0.8f64.sqrt());
        let rate = entry["charge_off_rate"].as_f64().unwrap();
        assert!(
            (rate - expected).abs() <= 1e-8 * expected,
            "{rate} {expected}"
        );
        // The file's mature vintages charge off exactly that share of originated.
        let vintage = history
            .vintages
            .iter()
            .find(|v| v.vintage.to_string() == entry["vintage"].as_str().unwrap())
            .unwrap();
        if vintage.age() >= 14 {
            let lifetime = vintage.months[14].charged_off / vintage.originated;
            assert!((lifetime - rate).abs() <= 1e-12, "{lifetime} {rate}");
        }
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for (name, seed) in [("a.csv", "3"), ("b.csv", "3"), ("c.csv", "4")] {
        let out = run_in(dir.path(), &["gen-history", "--seed", seed, "--out", name]);
        assert!(out.status.success());
    }
    let bytes = |name: &str| fs::read(dir.path().join(name)).unwrap();
    assert_eq!(bytes("a.csv"), bytes("b.csv"));
    assert_ne!(bytes("a.csv"), bytes("c.csv"));
}

#[test]
fn bad_parameters_are_exit_2_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("p.toml"), "rho = 1.5\ncure_rate = 1\n").unwrap();
    let out = run_in(
        dir.path(),
        &["gen-history", "--params", "p.toml", "--out", "h.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("p.toml: `rho`: must be in (0, 1)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("p.toml: `cure_rate`: must be in [0, 1)"),
        "{stderr}"
    );
    fs::write(dir.path().join("q.toml"), "rhoo = 0.1\n").unwrap();
    let out = run_in(
        dir.path(),
        &["gen-history", "--params", "q.toml", "--out", "h.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("q.toml:1:1:"));
    assert!(!dir.path().join("h.csv").exists());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
}

// ---------------------------------------------------------------- the factor model

#[test]
fn vasicek_rates_average_to_the_pd() {
    // φ = 0: independent vintages. The mean of Φ((Φ⁻¹(p) − √ρ Z)/√(1−ρ)) over Z ~ N(0,1) is p.
    let model = TrueModel {
        vintages: 20_000,
        phi: 0.0,
        ..TrueModel::default()
    };
    let pd = 0.011;
    let rates: Vec<f64> = draw_factors(&model, 1)
        .iter()
        .map(|&z| vasicek_rate(pd, model.rho, z))
        .collect();
    let n = rates.len() as f64;
    let mean = rates.iter().sum::<f64>() / n;
    let sd = (rates.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let standard_error = sd / n.sqrt();
    assert!(
        (mean - pd).abs() < 4.0 * standard_error,
        "mean {mean} against {pd} ± 4 × {standard_error}"
    );
}

#[test]
fn factors_are_standard_normal_with_autocorrelation_phi() {
    let model = TrueModel {
        vintages: 20_000,
        phi: 0.5,
        ..TrueModel::default()
    };
    let z = draw_factors(&model, 2);
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    let variance = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let lag1 = z
        .windows(2)
        .map(|w| (w[0] - mean) * (w[1] - mean))
        .sum::<f64>()
        / n
        / variance;
    // Standard errors for an AR(1) with φ = 0.5: the mean's √((1+φ)/(1−φ)/n) ≈ 0.012, the
    // variance's about √(2(1+φ²)/(1−φ²)/n) ≈ 0.0129, the lag-1 correlation's √((1−φ²)/n)
    // ≈ 0.006; 4 of each.
    assert!(mean.abs() < 0.05, "{mean}");
    assert!((variance - 1.0).abs() < 0.052, "{variance}");
    assert!((lag1 - 0.5).abs() < 0.025, "{lag1}");
}
