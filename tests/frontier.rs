//! The approval-policy frontier (SPEC §7.2): trends along the grid, the recommended policy
//! round-tripping through `decide`, infeasible targets reported (not a crash), and bad input
//! (exit code 2, the place named, nothing written).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use baitiao_abs::credit::origination::{OriginationMix, originate};
use baitiao_abs::credit::{Policy, Scorecard, decide_all, generate_applicants};
use baitiao_abs::engine::MonteCarloSettings;
use baitiao_abs::report::summary::{self, Summary};
use baitiao_abs::scenario::{self, Scenario, SizingMethod};
use baitiao_abs::sizing::SHARE_TOLERANCE;
use baitiao_abs::sizing::frontier::{FrontierInputs, Grid, grid_policy, run_frontier};
use baitiao_abs::sizing::frontier::{FrontierPoint, evaluate_point};
use baitiao_abs::tape;

const BIN: &str = env!("CARGO_BIN_EXE_baitiao-abs");

/// A static pool under stress (PDs × 4, 90 % of the fees lost, no recoveries) with one rated
/// tranche at Baa2: little excess spread, so the senior's size depends on the pool's credit
/// quality and sizing lands inside (0, 1) instead of at its cap.
const TREND_SCENARIO: &str = r#"name = "trend"
[pool]
synthetic = { receivables = 2000, seed = 7 }
[assumptions]
pd_multiplier = 4.0
correlation = 0.15
cpr = 0.1
recovery_rate = 0.0
yield_haircut = 0.9
[deal]
horizon_months = 18
revolving_months = 0
senior_fee_bps = 30
tranches = [
  { name = "A", share = 0.85, coupon = 0.05, target_rating = "Baa2" },
  { name = "Sub", share = 0.15 },
]
[simulation]
seed = 11
"#;

/// Allowed fall of the sized advance rate from one cut-off to the next higher one.
///
/// Over five seeds, the advance rate sized on 200 paths of [`TREND_SCENARIO`] has a standard
/// deviation of about 0.0025 at each of the cut-offs 560, 600 and 640 (measured with
/// `frontier --seed 1..5`). Counting the two estimates as independent (the common seed only
/// helps), their difference has a standard deviation of about 0.0035; three of those plus
/// the bisection's resolution at both points gives 0.0105 + 2 × [`SHARE_TOLERANCE`]. The true
/// rise per 40 points of cut-off is 0.010–0.016, and from 560 to 640 it is 0.027, which the
/// test also requires strictly.
const ADVANCE_RATE_NOISE: f64 = 0.0105;

/// [`ADVANCE_RATE_NOISE`] for the TDR/BDR sizing. Over the same five seeds its advance rate
/// has a standard deviation of at most 0.0044 (at cut-off 560; 0.0039 at 600, 0.0024 at
/// 640): the TDR is a far quantile of 200 paths. The difference of two points then has a
/// standard deviation of about 0.0062, and three of those make 0.019. The true rise from
/// 560 to 600 is about 0.013, from 600 to 640 about 0.031, and from 560 to 640 0.045, which
/// the test requires strictly (seven standard deviations).
const TDR_BDR_ADVANCE_RATE_NOISE: f64 = 0.019;

fn parse_scenario(text: &str) -> Scenario {
    scenario::parse(text, Path::new("."), "trend.toml")
        .expect("valid scenario")
        .scenario
}

#[test]
fn higher_cutoff_lowers_approval_and_pd_and_does_not_lower_the_advance_rate() {
    let scenario = parse_scenario(TREND_SCENARIO);
    assert_eq!(scenario.deal.sizing_method, SizingMethod::TdrBdr);
    let applicants = generate_applicants(10_000, 5, false);
    let scorecard = Scorecard::built_in();
    let policy = Policy::built_in();
    let mix = OriginationMix::from_receivables(&tape::synthetic::generate(2000, 7)).unwrap();
    let inputs = FrontierInputs {
        applicants: &applicants,
        scorecard: &scorecard,
        base_policy: &policy,
        mix: &mix,
        assumptions: &scenario.assumptions,
        deal: &scenario.deal,
        monte_carlo: MonteCarloSettings {
            paths: 200,
            seed: 1,
            importance_sampling: true,
            tail_targets: Vec::new(),
        },
        origination_seed: 1,
    };
    let grid = Grid {
        cutoffs: vec![560.0, 600.0, 640.0],
        limit_multipliers: vec![1.0],
    };
    let frontier = run_frontier(&inputs, &grid, &scenario.targets, |_| {}).unwrap();
    let points = &frontier.points;
    assert_eq!(points.len(), 3);
    let el_advance = |p: &FrontierPoint| p.sizing.as_ref().unwrap().advance_rate;
    let tdr_advance = |p: &FrontierPoint| p.sizing_tdr_bdr.as_ref().unwrap().advance_rate;
    for pair in points.windows(2) {
        let (low, high) = (&pair[0], &pair[1]);
        // exact: the approved set shrinks, and the pools are nested (each applicant's draws
        // come from its own stream), so only receivables riskier than every kept one leave
        assert!(
            high.approval_rate < low.approval_rate,
            "approval {} -> {}",
            low.approval_rate,
            high.approval_rate
        );
        assert!(high.weighted_pd.unwrap() < low.weighted_pd.unwrap());
        assert!(high.pool_balance < low.pool_balance);
        for (method, advance, noise) in [
            (
                "expected loss",
                &el_advance as &dyn Fn(&FrontierPoint) -> f64,
                ADVANCE_RATE_NOISE,
            ),
            ("TDR/BDR", &tdr_advance, TDR_BDR_ADVANCE_RATE_NOISE),
        ] {
            assert!(
                advance(high) >= advance(low) - noise - 2.0 * SHARE_TOLERANCE,
                "{method}: advance rate fell from {} at {} to {} at {}",
                advance(low),
                low.cutoff,
                advance(high),
                high.cutoff
            );
            assert!(
                advance(high) > 0.5 && advance(high) < 0.99,
                "{method}: sizing lands inside its range: {}",
                advance(high)
            );
        }
    }
    assert!(el_advance(&points[2]) > el_advance(&points[0]));
    assert!(tdr_advance(&points[2]) > tdr_advance(&points[0]));
    for p in points {
        assert_eq!(p.applicants, 10_000);
        assert_eq!(p.receivables, p.approved);
        let el = p.pool_el.unwrap();
        assert!(el > 0.0 && el < 0.2, "pool EL {el}");
        // the headline is the scenario's method's (tdr_bdr)
        assert_eq!(p.method, SizingMethod::TdrBdr);
        let sized = p.sizing_tdr_bdr.as_ref().unwrap();
        let senior = &sized.tranches[0];
        assert!((p.senior_credit_enhancement.unwrap() - (1.0 - senior.share)).abs() < 1e-12);
        assert_eq!(p.advance_rate, Some(sized.advance_rate));
        assert!((p.funding_capacity - p.advance_rate.unwrap() * p.pool_balance).abs() < 1e-6);
        // the sized senior passes its target: BDR ≥ TDR at the sized structure
        assert!(senior.feasible);
        assert!(
            senior.bdr.unwrap() >= senior.tdr.unwrap(),
            "cut-off {}: BDR {:?} < TDR {:?}",
            p.cutoff,
            senior.bdr,
            senior.tdr
        );
    }

    // `sizing_method = "expected_loss"` changes the headline only: the same point sized the
    // same two ways, the expected-loss sizing giving capacity, advance rate and senior CE
    let mut el_deal = scenario.deal.clone();
    el_deal.sizing_method = SizingMethod::ExpectedLoss;
    let el_inputs = FrontierInputs {
        deal: &el_deal,
        ..inputs.clone()
    };
    let p = evaluate_point(&el_inputs, 600.0, 1.0).unwrap();
    let same = &points[1];
    assert_eq!(p.sizing, same.sizing);
    assert_eq!(p.sizing_tdr_bdr, same.sizing_tdr_bdr);
    let sizing = p.sizing.as_ref().unwrap();
    assert_eq!(p.advance_rate, Some(sizing.advance_rate));
    assert_eq!(p.funding_capacity, sizing.funding_capacity);
    assert_eq!(
        p.senior_credit_enhancement,
        Some(sizing.tranches[0].credit_enhancement)
    );
}

#[test]
fn origination_is_nested_across_cutoffs() {
    let applicants = generate_applicants(3000, 8, false);
    let scorecard = Scorecard::built_in();
    let mix = OriginationMix::from_receivables(&tape::synthetic::generate(500, 7)).unwrap();
    let base = Policy::built_in();
    let loose = decide_all(&applicants, &scorecard, &grid_policy(&base, 580.0, 1.0));
    let strict = decide_all(&applicants, &scorecard, &grid_policy(&base, 620.0, 1.0));
    let loose = originate(&applicants, &loose, &mix, 4);
    let strict = originate(&applicants, &strict, &mix, 4);
    assert!(strict.len() < loose.len() && !strict.is_empty());
    for receivable in &strict {
        let same = loose
            .iter()
            .find(|r| r.id == receivable.id)
            .expect("a receivable of the stricter policy is in the looser pool");
        assert_eq!(same, receivable);
    }
}

/// The folder's `summary.json` read into the typed schema every reader shares, and written
/// back by it: the same bytes (no key the schema drops, none it adds, numbers unchanged).
fn assert_summary_round_trips(folder: &Path) {
    let path = folder.join("summary.json");
    let text = fs::read_to_string(&path).unwrap();
    let summary = Summary::parse(&path, &text).unwrap();
    assert!(summary.grid.is_some() && summary.monte_carlo.is_none());
    assert_eq!(
        String::from_utf8(summary::to_bytes(&summary).unwrap()).unwrap(),
        text
    );
}

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

/// A small scenario for the command-line tests, with `extra` appended.
fn cli_scenario(name: &str, extra: &str) -> String {
    format!(
        r#"name = "{name}"
[pool]
synthetic = {{ receivables = 1000, seed = 7 }}
[assumptions]
pd_multiplier = 2.0
correlation = 0.12
cpr = 0.1
recovery_rate = 0.1
recovery_lag_months = 3
[deal]
horizon_months = 12
revolving_months = 3
senior_fee_bps = 30
tranches = [
  {{ name = "A", share = 0.8, coupon = 0.05, target_rating = "A2" }},
  {{ name = "Sub", share = 0.2 }},
]
[simulation]
seed = 3
{extra}
"#
    )
}

fn gen_applicants(dir: &Path, n: &str, seed: &str) {
    let out = run_in(
        dir,
        &[
            "gen-applicants",
            "--applicants",
            n,
            "--seed",
            seed,
            "--out",
            "applicants.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `frontier.csv` as rows of named cells.
fn frontier_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[test]
fn recommended_policy_round_trips_through_decide() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_applicants(d, "5000", "21");
    fs::write(
        d.join("s.toml"),
        cli_scenario(
            "rt",
            "[frontier]\ncutoffs = [590, 610, 630]\nlimit_multipliers = [0.9, 1.1]\npaths = 100",
        ),
    )
    .unwrap();
    let args = ["frontier", "s.toml", "--applicants", "applicants.csv"];
    let out = run_in(d, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Recommended: cut-off 590, limit multiplier 1.1"),
        "{text}"
    );
    let folder = d.join("reports/rt_frontier");
    let header = fs::read_to_string(folder.join("frontier.csv")).unwrap();
    assert!(header.starts_with(
        "cutoff,limit_multiplier,applicants,approved,approval_rate,approved_limits,pool_balance,weighted_pd,pool_el,senior_credit_enhancement,funding_capacity,advance_rate,meets_targets,recommended"
    ));
    // the folder carries its frontier chart and a self-contained report
    for file in ["charts/frontier.png", "charts/frontier.svg", "report.html"] {
        let size = fs::metadata(folder.join(file))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(size > 1000, "{file}: {size} bytes");
    }
    let html = fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("http://") && !html.contains("https://"));
    let rows = frontier_rows(&folder.join("frontier.csv"));
    assert_eq!(rows.len(), 6);
    let recommended: Vec<_> = rows.iter().filter(|r| r["recommended"] == "true").collect();
    assert_eq!(recommended.len(), 1);
    let row = recommended[0];
    assert_eq!(
        (row["cutoff"].as_str(), row["limit_multiplier"].as_str()),
        ("590", "1.1")
    );
    // both methods' capacities, the headline the scenario's (tdr_bdr, the default)
    for r in frontier_rows(&folder.join("frontier.csv")) {
        assert_eq!(r["sizing_method"], "tdr_bdr");
        assert_eq!(r["funding_capacity"], r["funding_capacity_tdr_bdr"]);
        assert_eq!(r["advance_rate"], r["advance_rate_tdr_bdr"]);
        let el: f64 = r["funding_capacity_expected_loss"].parse().unwrap();
        let tdr: f64 = r["funding_capacity_tdr_bdr"].parse().unwrap();
        assert!(el > 0.0 && tdr > 0.0, "{r:?}");
        let (tdr_rate, bdr): (f64, f64) = (
            r["senior_tdr"].parse().unwrap(),
            r["senior_bdr"].parse().unwrap(),
        );
        assert!(bdr >= tdr_rate, "the sized senior passes: {r:?}");
        assert!(!r["senior_binding_scenario"].is_empty());
    }
    let terminal = stdout(&out);
    assert!(
        terminal.contains("  capacity by method: tdr_bdr "),
        "{terminal}"
    );

    let out = run_in(
        d,
        &[
            "decide",
            "--applicants",
            "applicants.csv",
            "--policy",
            "reports/rt_frontier/approval_policy.toml",
            "--out",
            "decisions.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let decisions = fs::read_to_string(d.join("decisions.csv")).unwrap();
    let approved = decisions
        .lines()
        .filter(|l| l.contains(",approve,"))
        .count();
    let applicants = decisions.lines().count() - 1;
    assert_eq!(approved.to_string(), row["approved"]);
    assert_eq!(applicants.to_string(), row["applicants"]);
    let rate: f64 = row["approval_rate"].parse().unwrap();
    assert_eq!(
        baitiao_abs::report::decimal(approved as f64 / applicants as f64),
        row["approval_rate"],
        "approval rate {rate}"
    );
    // the limits too: `decide` prints the approved limits' total
    let limits: f64 = row["approved_limits"].parse().unwrap();
    assert!(
        stdout(&out).contains(&format!(
            "limits {} CNY",
            baitiao_abs::report::format::cny(limits)
        )),
        "{}",
        stdout(&out)
    );
    // and the policy file is the base policy with the point's cut-off and multiplier
    let policy = Policy::read(&folder.join("approval_policy.toml")).unwrap();
    assert_eq!(policy, grid_policy(&Policy::built_in(), 590.0, 1.1));

    assert_summary_round_trips(&folder);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["recommendation"]["status"], "recommended");
    assert_eq!(summary["recommendation"]["cutoff"], 590.0);
    assert_eq!(summary["manifest"]["paths"], 100);
    assert_eq!(summary["grid"]["points"], 6);
    assert_eq!(
        summary["manifest"]["inputs_digest"].as_str().unwrap().len(),
        64
    );

    // results do not depend on the number of threads
    let out = run_in(
        d,
        &[&args[..], &["--threads", "1", "--out", "one"]].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    for file in ["frontier.csv", "summary.json", "approval_policy.toml"] {
        assert_eq!(
            fs::read(folder.join(file)).unwrap(),
            fs::read(d.join("one").join(file)).unwrap(),
            "{file} differs with one thread"
        );
    }
}

#[test]
fn infeasible_targets_are_a_reported_result() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_applicants(d, "3000", "22");
    fs::write(
        d.join("s.toml"),
        cli_scenario(
            "inf",
            "[targets]\nmax_pool_el = 0.000001\nfunding_need = 1e12\n[frontier]\ncutoffs = [600, 640]\nlimit_multipliers = [1.0]\npaths = 64",
        ),
    )
    .unwrap();
    let out = run_in(d, &["frontier", "s.toml", "--applicants", "applicants.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("No policy of the grid meets the targets"),
        "{text}"
    );
    assert!(text.contains("max_pool_el: pool EL"), "{text}");
    assert!(text.contains("funding_need: funding capacity"), "{text}");
    let folder = d.join("reports/inf_frontier");
    assert!(folder.join("frontier.csv").is_file());
    assert!(!folder.join("approval_policy.toml").exists());
    assert_summary_round_trips(&folder);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(folder.join("summary.json")).unwrap()).unwrap();
    let recommendation = &summary["recommendation"];
    assert_eq!(recommendation["status"], "infeasible");
    // the EL target is missed by a factor of thousands, the funding need by less than 100 %
    assert_eq!(recommendation["binding_target"], "max_pool_el");
    let shortfall = recommendation["binding_shortfall"].as_f64().unwrap();
    let pool_el = recommendation["point"]["pool_el"].as_f64().unwrap();
    assert!((shortfall - (pool_el - 0.000001)).abs() < 1e-15 && shortfall > 0.0);
    assert!(recommendation["relaxation_needed"].as_f64().unwrap() > 1.0);
    assert_eq!(recommendation["shortfalls"].as_array().unwrap().len(), 2);
    let treasury = &summary["treasury"];
    assert_eq!(treasury["policy"], "closest");
    assert!(treasury["gap"].as_f64().unwrap() < 0.0);
    let rows = frontier_rows(&folder.join("frontier.csv"));
    assert!(rows.iter().all(|r| r["meets_targets"] == "false"
        && r["recommended"] == "false"
        && r["missed_targets"] == "max_pool_el;funding_need"));
    check_treasury(&folder, &text, 1e12, false);
}

/// The frontier's treasury reads the same in `summary.json`, `frontier.csv`, on the terminal
/// and in `report.html`: surplus = funding capacity − funding need, named by its sign.
fn check_treasury(folder: &Path, terminal: &str, need: f64, expect_surplus: bool) {
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(folder.join("summary.json")).unwrap()).unwrap();
    let t = &summary["treasury"];
    let capacity = t["funding_capacity"].as_f64().unwrap();
    let surplus = t["surplus"].as_f64().unwrap();
    assert_eq!(t["funding_need"].as_f64(), Some(need));
    assert!((surplus - (capacity - need)).abs() < 0.011, "{t}");
    assert_eq!(surplus >= 0.0, expect_surplus, "{t}");
    let word = if expect_surplus {
        "surplus"
    } else {
        "shortfall"
    };
    assert_eq!(t["position"], word);
    assert_eq!(t["gap"], t["surplus"]);

    for row in frontier_rows(&folder.join("frontier.csv")) {
        let capacity: f64 = row["funding_capacity"].parse().unwrap();
        let surplus: f64 = row["funding_surplus"].parse().unwrap();
        assert!(
            (surplus - (capacity - need)).abs() < 0.011,
            "frontier.csv: surplus {surplus} for capacity {capacity}"
        );
    }

    let words = format!(
        "{word} {} CNY",
        baitiao_abs::report::format::cny(surplus.abs())
    );
    let line = terminal
        .lines()
        .find(|l| l.starts_with("Treasury (tdr_bdr sizing):"))
        .unwrap_or_else(|| panic!("no treasury line:\n{terminal}"));
    assert!(
        line.ends_with(&words),
        "`{line}` does not end with `{words}`"
    );

    let html = fs::read_to_string(folder.join("report.html")).unwrap();
    let (class, verb) = if expect_surplus {
        ("good", "covers")
    } else {
        ("bad", "falls short of")
    };
    let finding = format!(
        "<li class=\"{class}\">Funding capacity of the {} policy {} CNY {verb} the treasury's funding need of {} CNY: {words}.</li>",
        t["policy"].as_str().unwrap(),
        baitiao_abs::report::format::cny(capacity),
        baitiao_abs::report::format::cny(need)
    );
    assert!(html.contains(&finding), "report.html lacks {finding}");
    assert!(html.contains(&format!("<span class=\"{class}\">{word} ")));
}

#[test]
fn treasury_surplus_reads_as_a_surplus_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_applicants(d, "2000", "25");
    fs::write(
        d.join("s.toml"),
        cli_scenario(
            "surplus",
            "[targets]\nfunding_need = 1000\n[frontier]\ncutoffs = [600, 620]\nlimit_multipliers = [1.0]\npaths = 32",
        ),
    )
    .unwrap();
    let out = run_in(d, &["frontier", "s.toml", "--applicants", "applicants.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    check_treasury(
        &d.join("reports/surplus_frontier"),
        &stdout(&out),
        1000.0,
        true,
    );
}

/// Runs `frontier` expecting exit code 2, every needle in one stderr line, and no report.
fn expect_input_error(dir: &Path, args: &[&str], needles: &[&str]) {
    let out = run_in(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.lines()
            .any(|line| needles.iter().all(|needle| line.contains(needle))),
        "no line of stderr has all of {needles:?}: {err}"
    );
    assert!(!dir.join("reports").exists(), "nothing written: {err}");
}

#[test]
fn bad_input_exits_2_naming_the_place_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_applicants(d, "200", "23");
    let bad_grid = "[frontier]\ncutoffs = [600, 580, 1200]\nlimit_multipliers = [0]\npaths = 0";
    fs::write(d.join("grid.toml"), cli_scenario("grid", bad_grid)).unwrap();
    let out = run_in(
        d,
        &["frontier", "grid.toml", "--applicants", "applicants.csv"],
    );
    let err = stderr(&out);
    for needle in [
        "grid.toml: `frontier.cutoffs[1]`: 580 does not exceed the value before it (600)",
        "grid.toml: `frontier.cutoffs[2]`: 1200 is out of range",
        "grid.toml: `frontier.limit_multipliers[0]`: 0 is out of range",
        "grid.toml: `frontier.paths`: 0 is out of range",
    ] {
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    }
    expect_input_error(
        d,
        &["frontier", "grid.toml", "--applicants", "applicants.csv"],
        &["grid.toml", "frontier.cutoffs[1]"],
    );

    let rating = cli_scenario("rating", "").replace("\"A2\"", "\"Zzz\"");
    fs::write(d.join("rating.toml"), rating).unwrap();
    expect_input_error(
        d,
        &["frontier", "rating.toml", "--applicants", "applicants.csv"],
        &["rating.toml", "deal.tranches[0].target_rating", "Zzz"],
    );

    fs::write(d.join("ok.toml"), cli_scenario("ok", "")).unwrap();
    expect_input_error(
        d,
        &["frontier", "ok.toml", "--applicants", "missing.csv"],
        &["missing.csv"],
    );
    let applicants = fs::read_to_string(d.join("applicants.csv")).unwrap();
    let mut lines: Vec<&str> = applicants.lines().collect();
    let broken = lines[3].replacen(',', ",x", 1);
    lines[3] = &broken;
    fs::write(d.join("broken.csv"), lines.join("\n")).unwrap();
    expect_input_error(
        d,
        &["frontier", "ok.toml", "--applicants", "broken.csv"],
        &["broken.csv:4", "orders_12m"],
    );
    expect_input_error(
        d,
        &[
            "frontier",
            "ok.toml",
            "--applicants",
            "applicants.csv",
            "--paths",
            "0",
        ],
        &["--paths"],
    );
    expect_input_error(
        d,
        &[
            "frontier",
            "ok.toml",
            "--applicants",
            "applicants.csv",
            "--policy",
            "nope.toml",
        ],
        &["nope.toml"],
    );
}

#[test]
fn nothing_approved_is_reported_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_applicants(d, "300", "24");
    fs::write(
        d.join("s.toml"),
        cli_scenario(
            "none",
            "[frontier]\ncutoffs = [990]\nlimit_multipliers = [1.0]\npaths = 16",
        ),
    )
    .unwrap();
    let out = run_in(d, &["frontier", "s.toml", "--applicants", "applicants.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("approves any applicant"),
        "{}",
        stdout(&out)
    );
    let folder = d.join("reports/none_frontier");
    assert_summary_round_trips(&folder);
    assert!(!folder.join("approval_policy.toml").exists());
    let rows = frontier_rows(&folder.join("frontier.csv"));
    assert_eq!(rows[0]["approved"], "0");
    assert_eq!(rows[0]["pool_el"], "");
}

/// The text of `report.html` without tags (entities decoded for the few the page uses).
fn page_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The frontier's report says what this frontier did, from its own files: the command that
/// reproduces it (the frontier, not a `run` into `reports/<scenario>`), importance sampling
/// when it was on, the binding target with its shortfall, and trends read off
/// `frontier.csv`.
#[test]
fn frontier_report_says_what_the_frontier_did() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_applicants(d, "3000", "26");
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/policy_default.toml"),
        d.join("policy.toml"),
    )
    .unwrap();
    fs::write(
        d.join("s.toml"),
        cli_scenario(
            "repro",
            "[targets]\nmax_pool_el = 0.000001\n[frontier]\ncutoffs = [590, 620, 650]\nlimit_multipliers = [1.0]\npaths = 16",
        ),
    )
    .unwrap();
    let args = [
        "frontier",
        "s.toml",
        "--applicants",
        "applicants.csv",
        "--policy",
        "policy.toml",
        "--paths",
        "48",
        "--seed",
        "5",
        "--out",
        "out/front",
    ];
    let out = run_in(d, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let terminal = stdout(&out);
    let folder = d.join("out/front");
    let html = fs::read_to_string(folder.join("report.html")).unwrap();
    let text = page_text(&html);

    // the command that reproduces it, with every option that matters and its own folder
    let command = "baitiao-abs frontier s.toml --applicants applicants.csv --policy policy.toml --paths 48 --seed 5 --out out/front";
    assert!(
        text.contains(&format!("Reproduce with{command}")),
        "no `{command}` in: {text}"
    );
    assert!(!text.contains("baitiao-abs run"), "{text}");
    let files = ["frontier.csv", "summary.json"];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| fs::read(folder.join(f)).unwrap())
        .collect();
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    assert_eq!(words, args, "the command is the one that was run");
    let again = run_in(d, &words);
    assert!(again.status.success(), "{}", stderr(&again));
    for (file, bytes) in files.iter().zip(&before) {
        assert_eq!(&fs::read(folder.join(file)).unwrap(), bytes, "{file}");
    }

    // importance sampling is on (the default): the page must not claim equal weights
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["grid"]["importance_sampling"], true);
    assert!(!text.contains("Every path has the same weight"), "{text}");
    assert!(text.contains("(importance sampling)"), "{text}");

    // the binding target and its shortfall, as the terminal prints them
    let recommendation = &summary["recommendation"];
    assert_eq!(recommendation["status"], "infeasible");
    let binding = recommendation["binding_text"].as_str().unwrap();
    assert!(terminal.contains(binding), "{terminal}");
    assert!(
        text.contains(&format!("the binding target: {binding}")),
        "report lacks `{binding}`: {text}"
    );
    for shortfall in recommendation["shortfalls"].as_array().unwrap() {
        assert!(text.contains(shortfall.as_str().unwrap()), "{text}");
    }

    // the caption's directions are the file's: advance rate along the cut-offs
    let rows = frontier_rows(&folder.join("frontier.csv"));
    let advance: Vec<f64> = rows
        .iter()
        .map(|r| r["advance_rate"].parse().unwrap())
        .collect();
    let shown = |v: f64| format!("{:.1} %", 100.0 * v);
    let (first, last) = (shown(advance[0]), shown(advance[advance.len() - 1]));
    let expected = if advance.iter().all(|&a| shown(a) == first) {
        format!("the advance rate stays at {first}")
    } else if first == last {
        format!("the advance rate ends where it starts, at {first}")
    } else if advance[advance.len() - 1] > advance[0] {
        format!("the advance rate rises from {first} to {last}")
    } else {
        format!("the advance rate falls from {first} to {last}")
    };
    let caption_start = html.find("<figcaption>").unwrap();
    let caption =
        &html[caption_start..caption_start + html[caption_start..].find("</figcaption>").unwrap()];
    assert!(caption.contains(&expected), "`{expected}` not in {caption}");
    assert!(!caption.contains("lifts the advance rate"), "{caption}");

    // every point's sizings (both methods): shares in whole 0.05 % steps adding up to the
    // advance rate, money in cents
    for point in summary["points"].as_array().unwrap() {
        if point["sizing"].is_null() {
            assert!(point["sizing_tdr_bdr"].is_null());
            continue;
        }
        for key in ["sizing", "sizing_tdr_bdr"] {
            let sizing = point[key].as_object().unwrap();
            let cents = |v: f64| assert_eq!((v * 100.0).round() / 100.0, v, "{v} not in cents");
            let steps = |share: f64| {
                let k = (share * 2000.0).round();
                assert_eq!(k / 2000.0, share, "{key}: share {share}");
                k as i64
            };
            cents(sizing["funding_capacity"].as_f64().unwrap());
            let tranches = sizing["tranches"].as_array().unwrap();
            for t in tranches {
                cents(t["amount"].as_f64().unwrap());
            }
            let rated: i64 = tranches[..tranches.len() - 1]
                .iter()
                .map(|t| steps(t["share"].as_f64().unwrap()))
                .sum();
            assert_eq!(steps(sizing["advance_rate"].as_f64().unwrap()), rated);
        }
        // the headline is the scenario's method's: TDR/BDR
        assert_eq!(point["sizing_method"], "tdr_bdr");
        assert_eq!(
            point["advance_rate"],
            point["sizing_tdr_bdr"]["advance_rate"]
        );
        assert_eq!(
            point["funding_capacity"],
            point["sizing_tdr_bdr"]["funding_capacity"]
        );
    }
}
