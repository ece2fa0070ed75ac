//! One test per validation rule, the shipped scenarios, and the mapping to validated types.
//!
//! Size: over 1,000 lines because every rule has its own test, each an edit of the one
//! [`VALID`] scenario below; kept in one file so that fixture and the helpers that edit it
//! are not copied into each section's file.

use std::path::Path;

use super::*;

/// The smallest valid scenario; tests change one thing at a time.
const VALID: &str = r#"name = "t"

[pool]
synthetic = { receivables = 10, seed = 1 }

[assumptions]
correlation = 0.1
cpr = 0.15
recovery_rate = 0.1

[deal]
horizon_months = 24
revolving_months = 12
tranches = [
  { name = "A", share = 0.75, coupon = 0.05, target_rating = "Aaa" },
  { name = "B", share = 0.15, coupon = 0.07, target_rating = "A2" },
  { name = "Sub", share = 0.10 },
]
"#;

fn parse_text(text: &str) -> Result<Loaded, ScenarioError> {
    parse(text, Path::new("."), "t.toml")
}

fn valid(text: &str) -> Loaded {
    match parse_text(text) {
        Ok(loaded) => loaded,
        Err(error) => panic!("expected a valid scenario, got:\n{error}"),
    }
}

fn problems_of(text: &str) -> Vec<String> {
    match parse_text(text) {
        Ok(_) => panic!("expected problems, the scenario was accepted:\n{text}"),
        Err(error) => error.problems(),
    }
}

/// `VALID` with `from` replaced by `to` (which must occur).
fn with(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "`{from}` is not in the base text");
    VALID.replacen(from, to, 1)
}

/// `VALID` with `extra` appended (a new table at the end).
fn plus(extra: &str) -> String {
    format!("{VALID}\n{extra}\n")
}

/// Exactly one problem, containing every needle.
fn assert_single_problem(text: &str, needles: &[&str]) -> String {
    let problems = problems_of(text);
    assert_eq!(problems.len(), 1, "expected one problem, got {problems:#?}");
    for needle in needles {
        assert!(
            problems[0].contains(needle),
            "`{needle}` missing from `{}`",
            problems[0]
        );
    }
    problems[0].clone()
}

#[test]
fn minimal_scenario_gets_the_documented_defaults() {
    let Loaded { scenario, warnings } = valid(VALID);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(scenario.name, "t");
    assert_eq!(scenario.description, "");
    assert_eq!(scenario.file, None);
    assert_eq!(
        scenario.pool.source,
        PoolSource::Synthetic {
            receivables: 10,
            seed: 1
        }
    );
    assert_eq!(scenario.pool.target_balance, None);
    assert_eq!(scenario.credit, CreditSpec::default());
    let assumptions = &scenario.assumptions;
    assert_eq!(assumptions.pd_multiplier, 1.0);
    assert_eq!(assumptions.correlation, 0.1);
    assert_eq!(assumptions.prepayment, Prepayment::Flat(0.15));
    assert_eq!(assumptions.recovery_rate, 0.1);
    assert_eq!(assumptions.recovery_lag_months, 0);
    assert_eq!(assumptions.yield_haircut, 0.0);
    assert_eq!(assumptions.segments, None);
    let deal = &scenario.deal;
    assert_eq!((deal.horizon_months, deal.revolving_months), (24, 12));
    assert_eq!(deal.senior_fee_bps, 0.0);
    assert_eq!(deal.reserve_pct, 0.0);
    assert_eq!(deal.clean_up_call, 0.0);
    assert_eq!(deal.principal, PrincipalMode::Sequential);
    assert_eq!(deal.rated_count(), 2);
    assert_eq!(deal.tranches[0].coupon, Some(0.05));
    assert_eq!(deal.tranches[1].target_rating.as_deref(), Some("A2"));
    assert_eq!(deal.tranches[2].coupon, None);
    assert!(deal.triggers.is_empty());
    assert_eq!(deal.rating_table, RatingTable::default());
    assert_eq!(
        scenario.simulation,
        SimulationSettings {
            paths: 10_000,
            seed: 20_151_024,
            importance_sampling: true,
        }
    );
    assert_eq!(scenario.deterministic, DeterministicStress::default());
    assert_eq!(scenario.targets, Targets::default());
}

#[test]
fn default_waterfall_is_the_standard_one() {
    let deal = valid(VALID).scenario.deal;
    assert_eq!(deal.waterfall, Waterfall::standard(2));
    assert_eq!(
        deal.waterfall.amortizing,
        vec![
            WaterfallStep::SeniorFees,
            WaterfallStep::Interest(0),
            WaterfallStep::Interest(1),
            WaterfallStep::ReserveTopUp,
            WaterfallStep::Principal,
            WaterfallStep::Residual,
        ]
    );
}

#[test]
fn custom_waterfall_maps_to_steps() {
    let text = plus(
        r#"[deal.waterfall]
revolving = ["senior_fees", "interest:A", "reserve", "interest:B", "purchases", "residual"]
amortizing = ["senior_fees", "interest", "principal", "reserve", "residual"]"#,
    );
    let waterfall = valid(&text).scenario.deal.waterfall;
    use WaterfallStep::*;
    assert_eq!(
        waterfall.revolving,
        vec![
            SeniorFees,
            Interest(0),
            ReserveTopUp,
            Interest(1),
            Purchases,
            Residual
        ]
    );
    assert_eq!(
        waterfall.amortizing,
        vec![
            SeniorFees,
            Interest(0),
            Interest(1),
            Principal,
            ReserveTopUp,
            Residual
        ]
    );
}

#[test]
fn a_waterfall_list_left_out_is_the_standard_one() {
    let text = plus(
        r#"[deal.waterfall]
amortizing = ["senior_fees", "interest:B", "interest:A", "principal", "residual"]"#,
    );
    let waterfall = valid(&text).scenario.deal.waterfall;
    assert_eq!(waterfall.revolving, Waterfall::standard(2).revolving);
    assert_eq!(waterfall.amortizing[1], WaterfallStep::Interest(1));
    assert_eq!(waterfall.amortizing[2], WaterfallStep::Interest(0));
}

#[test]
fn unknown_key_is_reported_with_line_and_column() {
    let text = with(
        "revolving_months = 12\n",
        "revolving_months = 12\nrevolvng = 3\n",
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("revolvng"))
        .expect("inserted")
        + 1;
    let problem = assert_single_problem(
        &text,
        &[&format!("t.toml:{line}:1: "), "unknown field `revolvng`"],
    );
    assert!(!problem.contains('\n'));
}

#[test]
fn unknown_key_inside_an_inline_table_names_its_column() {
    let text = with(
        r#"{ name = "Sub", share = 0.10 }"#,
        r#"{ name = "Sub", share = 0.10, rating = "B" }"#,
    );
    let line = text
        .lines()
        .position(|l| l.contains("rating = \"B\""))
        .expect("inserted")
        + 1;
    let column = text
        .lines()
        .nth(line - 1)
        .expect("line")
        .find("rating")
        .expect("key")
        + 1;
    assert_single_problem(
        &text,
        &[
            &format!("t.toml:{line}:{column}: "),
            "unknown field `rating`",
        ],
    );
}

#[test]
fn toml_syntax_error_is_reported_with_its_line() {
    let text = with("correlation = 0.1", "correlation = = 0.1");
    let line = text
        .lines()
        .position(|l| l.contains("= ="))
        .expect("inserted")
        + 1;
    assert_single_problem(&text, &[&format!("t.toml:{line}:")]);
}

#[test]
fn wrong_type_is_a_toml_problem_with_its_line() {
    let text = with("horizon_months = 24", "horizon_months = \"24\"");
    let line = text
        .lines()
        .position(|l| l.contains("\"24\""))
        .expect("inserted")
        + 1;
    assert_single_problem(&text, &[&format!("t.toml:{line}:")]);
}

#[test]
fn shares_must_sum_to_one() {
    let problem = assert_single_problem(&with("share = 0.10", "share = 0.05"), &[]);
    assert_eq!(
        problem,
        "t.toml: `deal.tranches`: shares sum to 0.95, they must sum to 1"
    );
}

#[test]
fn shares_must_be_positive() {
    let problems = problems_of(&with("share = 0.15", "share = -0.15"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`deal.tranches[1].share`: -0.15 is out of range")),
        "{problems:?}"
    );
}

#[test]
fn target_rating_must_be_in_the_rating_table() {
    assert_single_problem(
        &with("target_rating = \"Aaa\"", "target_rating = \"AAA\""),
        &[
            "`deal.tranches[0].target_rating`",
            "`AAA` is not a row of the rating table",
            "Aaa, Aa1",
        ],
    );
}

#[test]
fn tranche_names_must_be_unique() {
    assert_single_problem(
        &with("name = \"B\"", "name = \"A\""),
        &["`deal.tranches[1].name`", "`A`", "unique"],
    );
}

#[test]
fn tranche_names_must_not_be_empty() {
    assert_single_problem(
        &with("name = \"B\"", "name = \" \""),
        &["`deal.tranches[1].name`", "empty"],
    );
}

#[test]
fn tranche_names_may_be_chinese_but_not_hold_control_characters() {
    let loaded = valid(&with("name = \"B\"", "name = \"次级档\""));
    assert_eq!(loaded.scenario.deal.tranches[1].name, "次级档");
    assert_single_problem(
        &with("name = \"B\"", "name = \"B\\n2\""),
        &["`deal.tranches[1].name`", "control character"],
    );
}

#[test]
fn rated_tranche_needs_a_coupon() {
    assert_single_problem(
        &with("coupon = 0.07, ", ""),
        &[
            "`deal.tranches[1].coupon`",
            "is required",
            "`B` is a rated note",
        ],
    );
}

#[test]
fn residual_tranche_has_no_coupon() {
    assert_single_problem(
        &with("share = 0.10 }", "share = 0.10, coupon = 0.1 }"),
        &[
            "`deal.tranches[2].coupon`",
            "residual holder",
            "remove its coupon",
        ],
    );
}

#[test]
fn residual_tranche_has_no_target_rating() {
    assert_single_problem(
        &with("share = 0.10 }", "share = 0.10, target_rating = \"B3\" }"),
        &["`deal.tranches[2].target_rating`", "residual holder"],
    );
}

#[test]
fn a_deal_needs_two_tranches() {
    let text = with(
        "  { name = \"A\", share = 0.75, coupon = 0.05, target_rating = \"Aaa\" },\n  { name = \"B\", share = 0.15, coupon = 0.07, target_rating = \"A2\" },\n  { name = \"Sub\", share = 0.10 },",
        "  { name = \"Sub\", share = 1.0 },",
    );
    assert_single_problem(&text, &["`deal.tranches`", "at least 2"]);
}

#[test]
fn revolving_period_must_end_before_the_horizon() {
    for months in ["24", "30"] {
        assert_single_problem(
            &with(
                "revolving_months = 12",
                &format!("revolving_months = {months}"),
            ),
            &["`deal.revolving_months`", "from 0 to 23"],
        );
    }
    let deal = valid(&with("revolving_months = 12", "revolving_months = 0"))
        .scenario
        .deal;
    assert_eq!(deal.revolving_months, 0);
}

#[test]
fn horizon_must_be_between_1_and_120_months() {
    assert_single_problem(
        &with("horizon_months = 24", "horizon_months = 121"),
        &["`deal.horizon_months`", "121", "from 1 to 120"],
    );
}

#[test]
fn pool_needs_exactly_one_source() {
    assert_single_problem(
        &with(
            "synthetic = { receivables = 10, seed = 1 }",
            "synthetic = { receivables = 10, seed = 1 }\ntape = \"tape.csv\"",
        ),
        &["`pool`", "both `tape` and `synthetic`"],
    );
    assert_single_problem(
        &with(
            "synthetic = { receivables = 10, seed = 1 }",
            "target_balance = 1e6",
        ),
        &["`pool`", "neither `tape` nor `synthetic`"],
    );
}

#[test]
fn synthetic_pool_needs_receivables() {
    assert_single_problem(
        &with("receivables = 10", "receivables = 0"),
        &["`pool.synthetic.receivables`", "0 is out of range"],
    );
}

#[test]
fn missing_tape_file_names_the_resolved_path() {
    let folder = tempfile::tempdir().expect("temp dir");
    let text = with(
        "synthetic = { receivables = 10, seed = 1 }",
        "tape = \"tapes/pool.csv\"",
    );
    let error = parse(&text, folder.path(), "t.toml").expect_err("the tape is missing");
    let expected = folder.path().join("tapes/pool.csv").display().to_string();
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("t.toml: `pool.tape`: ") && problems[0].contains(&expected),
        "{problems:?}"
    );

    std::fs::create_dir(folder.path().join("tapes")).expect("folder");
    std::fs::write(folder.path().join("tapes/pool.csv"), "id\n").expect("write");
    let scenario = parse(&text, folder.path(), "t.toml")
        .expect("the tape exists now")
        .scenario;
    assert_eq!(
        scenario.pool.source,
        PoolSource::Tape(folder.path().join("tapes/pool.csv"))
    );
}

#[test]
fn credit_files_must_exist() {
    // resolved against the scenario's folder: an empty temporary one, so that a model.toml
    // in the working folder (README's `fit` example) cannot make the files exist
    let folder = tempfile::tempdir().unwrap();
    let text = plus("[credit]\nmodel = \"model.toml\"\npolicy = \"policy.toml\"");
    let problems = match parse(&text, folder.path(), "t.toml") {
        Ok(_) => panic!("the credit files do not exist"),
        Err(error) => error.problems(),
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("`credit.model`") && problems[0].contains("model.toml"));
    assert!(problems[1].contains("`credit.policy`") && problems[1].contains("policy.toml"));
}

#[test]
fn cpr_and_cpr_by_term_are_exclusive() {
    assert_single_problem(
        &with("cpr = 0.15", "cpr = 0.15\ncpr_by_term = { 12 = 0.2 }"),
        &["`assumptions`", "both `cpr` and `cpr_by_term`"],
    );
    assert_single_problem(
        &with("cpr = 0.15\n", ""),
        &["`assumptions.cpr`", "is required"],
    );
}

#[test]
fn cpr_by_term_keys_are_terms() {
    let by_term = valid(&with(
        "cpr = 0.15",
        "cpr_by_term = { 1 = 0.05, 3 = 0.1, 24 = 0.2 }",
    ))
    .scenario
    .assumptions
    .prepayment;
    assert_eq!(by_term.annual_cpr(3), Some(0.1));
    assert_eq!(by_term.annual_cpr(24), Some(0.2));
    assert_eq!(by_term.annual_cpr(12), None);

    let problems = problems_of(&with(
        "cpr = 0.15",
        "cpr_by_term = { twelve = 0.2, 61 = 0.1, 0 = 0.1, 6 = 1.0 }",
    ));
    assert_eq!(problems.len(), 4, "{problems:#?}");
    for needle in [
        "`assumptions.cpr_by_term.twelve`: `twelve` is not a term",
        "`assumptions.cpr_by_term.61`: `61` is not a term",
        "`assumptions.cpr_by_term.0`: `0` is not a term",
        "`assumptions.cpr_by_term.6`: 1 is out of range, it must be in [0, 1)",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "{needle}: {problems:#?}"
        );
    }
}

#[test]
fn cpr_by_term_rejects_the_same_term_twice() {
    assert_single_problem(
        &with("cpr = 0.15", "cpr_by_term = { 3 = 0.1, 03 = 0.2 }"),
        &["term 3 is given twice"],
    );
}

#[test]
fn numbers_out_of_range_name_the_key_and_the_range() {
    let cases = [
        (
            "correlation = 0.1",
            "correlation = 1.0",
            "`assumptions.correlation`: 1 is out of range, it must be in [0, 1)",
        ),
        (
            "recovery_rate = 0.1",
            "recovery_rate = 1.5",
            "`assumptions.recovery_rate`: 1.5 is out of range, it must be in [0, 1]",
        ),
        (
            "cpr = 0.15",
            "cpr = nan",
            "`assumptions.cpr`: NaN is out of range",
        ),
        (
            "correlation = 0.1",
            "correlation = 0.1\npd_multiplier = 0",
            "`assumptions.pd_multiplier`: 0 is out of range, it must be a finite number > 0",
        ),
        (
            "correlation = 0.1",
            "correlation = 0.1\nyield_haircut = 1",
            "`assumptions.yield_haircut`: 1 is out of range",
        ),
        (
            "correlation = 0.1",
            "correlation = 0.1\nrecovery_lag_months = -1",
            "`assumptions.recovery_lag_months`: -1 is out of range, it must be a whole number from 0 to 120",
        ),
        (
            "revolving_months = 12",
            "revolving_months = 12\nsenior_fee_bps = 10000",
            "`deal.senior_fee_bps`: 10000 is out of range, it must be in [0, 10000)",
        ),
        (
            "revolving_months = 12",
            "revolving_months = 12\nreserve_pct = 1.01",
            "`deal.reserve_pct`: 1.01 is out of range",
        ),
        (
            "revolving_months = 12",
            "revolving_months = 12\nclean_up_call = 1",
            "`deal.clean_up_call`: 1 is out of range",
        ),
        (
            "revolving_months = 12",
            "revolving_months = 12\nprincipal = \"turbo\"",
            "`deal.principal`: `turbo` is not a principal mode",
        ),
        (
            "coupon = 0.05",
            "coupon = 1.0",
            "`deal.tranches[0].coupon`: 1 is out of range",
        ),
    ];
    for (from, to, needle) in cases {
        assert_single_problem(&with(from, to), &[needle]);
    }
    assert_single_problem(
        &with(
            "synthetic = { receivables = 10, seed = 1 }",
            "synthetic = { receivables = 10, seed = 1 }\ntarget_balance = -5",
        ),
        &["`pool.target_balance`: -5 is out of range"],
    );
}

#[test]
fn name_must_be_usable_as_a_folder_name() {
    for bad in ["my deal", "a/b", "..", "", "白条/2015", "a\\tb"] {
        assert_single_problem(
            &with("name = \"t\"", &format!("name = \"{bad}\"")),
            &["`name`", "letters (any script), digits"],
        );
    }
    for good in ["stress_AAA-2.v1", "白条_2015"] {
        assert_eq!(
            valid(&with("name = \"t\"", &format!("name = \"{good}\"")))
                .scenario
                .name,
            good
        );
    }
    assert_single_problem(&with("name = \"t\"\n", ""), &["`name`", "is required"]);
}

#[test]
fn triggers_map_to_metric_test_and_effect() {
    let text = with(
        "revolving_months = 12",
        r#"revolving_months = 12
principal = "pro_rata"
triggers = [
  { metric = "cumulative_net_loss", above = 0.04, effect = "early_amortization" },
  { metric = "cumulative_default", above = 0.06, effect = "sequential" },
  { metric = "pool_balance_below", below = 0.5, effect = "early_amortization" },
  { metric = "excess_spread_3m", below = -0.01, effect = "sequential" },
]"#,
    );
    let Loaded { scenario, warnings } = valid(&text);
    assert!(warnings.is_empty(), "{warnings:?}");
    let triggers = &scenario.deal.triggers;
    assert_eq!(
        triggers[0],
        Trigger {
            metric: TriggerMetric::CumulativeNetLoss,
            test: TriggerTest::Above(0.04),
            effect: TriggerEffect::EarlyAmortization
        }
    );
    assert_eq!(triggers[1].metric, TriggerMetric::CumulativeDefault);
    assert_eq!(triggers[2].metric, TriggerMetric::PoolBalance);
    assert_eq!(triggers[2].test, TriggerTest::Below(0.5));
    assert_eq!(triggers[3].test, TriggerTest::Below(-0.01));
    assert_eq!(triggers[3].effect, TriggerEffect::Sequential);
}

fn with_trigger(trigger: &str) -> String {
    with(
        "revolving_months = 12",
        &format!("revolving_months = 12\ntriggers = [ {trigger} ]"),
    )
}

#[test]
fn trigger_needs_exactly_one_of_above_and_below() {
    assert_single_problem(
        &with_trigger(
            r#"{ metric = "cumulative_net_loss", above = 0.04, below = 0.01, effect = "early_amortization" }"#,
        ),
        &["`deal.triggers[0]`", "both `above` and `below`"],
    );
    assert_single_problem(
        &with_trigger(r#"{ metric = "cumulative_net_loss", effect = "early_amortization" }"#),
        &["`deal.triggers[0]`", "neither `above` nor `below`"],
    );
}

#[test]
fn trigger_metric_must_be_known() {
    assert_single_problem(
        &with_trigger(
            r#"{ metric = "delinquency_60", above = 0.04, effect = "early_amortization" }"#,
        ),
        &[
            "`deal.triggers[0].metric`",
            "`delinquency_60` is not a trigger metric",
            "cumulative_net_loss, cumulative_default, pool_balance_below, excess_spread_3m",
        ],
    );
}

#[test]
fn trigger_effect_must_be_known() {
    assert_single_problem(
        &with_trigger(r#"{ metric = "cumulative_net_loss", above = 0.04, effect = "turbo" }"#),
        &[
            "`deal.triggers[0].effect`",
            "`turbo` is not a trigger effect",
        ],
    );
}

#[test]
fn pool_balance_trigger_only_fires_below() {
    assert_single_problem(
        &with_trigger(
            r#"{ metric = "pool_balance_below", above = 0.5, effect = "early_amortization" }"#,
        ),
        &["`deal.triggers[0].above`", "use `below`"],
    );
}

#[test]
fn loss_trigger_levels_are_shares() {
    assert_single_problem(
        &with_trigger(
            r#"{ metric = "cumulative_default", above = 1.5, effect = "early_amortization" }"#,
        ),
        &["`deal.triggers[0].above`: 1.5 is out of range, it must be in [0, 1]"],
    );
    assert_single_problem(
        &with_trigger(
            r#"{ metric = "excess_spread_3m", below = inf, effect = "early_amortization" }"#,
        ),
        &["`deal.triggers[0].below`", "not a finite number"],
    );
}

#[test]
fn sequential_trigger_in_a_sequential_deal_warns() {
    let loaded = valid(&with_trigger(
        r#"{ metric = "cumulative_net_loss", above = 0.04, effect = "sequential" }"#,
    ));
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].starts_with("t.toml: `deal.triggers[0]`: "));
    assert!(loaded.warnings[0].contains("no effect"));
}

#[test]
fn early_amortization_without_revolving_warns_only_in_a_sequential_deal() {
    let trigger =
        r#"{ metric = "cumulative_net_loss", above = 0.04, effect = "early_amortization" }"#;
    let no_revolving =
        with_trigger(trigger).replacen("revolving_months = 12", "revolving_months = 0", 1);
    let loaded = valid(&no_revolving);
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains("no revolving period and principal is already sequential"));
    // in a pro-rata deal the breach still ends pro-rata principal (SPEC §5): no warning
    let pro_rata = no_revolving.replacen("[deal]\n", "[deal]\nprincipal = \"pro_rata\"\n", 1);
    assert!(pro_rata.contains("pro_rata"));
    assert!(valid(&pro_rata).warnings.is_empty());
}

#[test]
fn reserve_without_a_reserve_step_warns() {
    let text = with(
        "revolving_months = 12",
        "revolving_months = 12\nreserve_pct = 0.01",
    ) + "\n[deal.waterfall]\namortizing = [\"senior_fees\", \"interest\", \"principal\", \"residual\"]\n";
    let loaded = valid(&text);
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains("`deal.waterfall.amortizing`"));
}

const SEGMENTS: &str = r#"[assumptions.segments]
names = ["young", "prime", "new"]
rho = [0.12, 0.08, 0.15]
factor_correlation = [[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]]"#;

#[test]
fn segments_store_the_cholesky_factor() {
    let segments = valid(&plus(SEGMENTS))
        .scenario
        .assumptions
        .segments
        .expect("segments given");
    assert_eq!(segments.names, ["young", "prime", "new"]);
    assert_eq!(segments.rho, [0.12, 0.08, 0.15]);
    assert_eq!(segments.index_of("new"), Some(2));
    let l = &segments.factor_cholesky;
    assert_eq!(l[(0, 1)], 0.0, "the factor is lower triangular");
    let rebuilt = l * l.transpose();
    assert!((rebuilt - &segments.factor_correlation).amax() < 1e-14);
    assert_eq!(segments.factor_correlation[(2, 1)], 0.4);
}

#[test]
fn non_positive_definite_matrix_names_the_segments() {
    // ρ = ±0.9 inconsistently: eigenvalues 1.9, −0.8, 1.9.
    let text = plus(&SEGMENTS.replace(
        "[[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]]",
        "[[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]]",
    ));
    assert_single_problem(
        &text,
        &[
            "`assumptions.segments.factor_correlation`",
            "the matrix of segments young, prime, new is not positive definite",
        ],
    );
}

#[test]
fn asymmetric_matrix_is_rejected() {
    // nalgebra would accept it silently: it reads only the lower triangle.
    let text = plus(&SEGMENTS.replace("[1.0, 0.5, 0.3]", "[1.0, 0.99, 0.3]"));
    assert_single_problem(
        &text,
        &[
            "`assumptions.segments.factor_correlation`",
            "not symmetric",
            "`young` and `prime`",
        ],
    );
}

#[test]
fn matrix_needs_unit_diagonal_and_the_right_size() {
    let text = plus(&SEGMENTS.replace("[0.5, 1.0, 0.4]", "[0.5, 0.9, 0.4]"));
    assert_single_problem(
        &text,
        &[
            "`assumptions.segments.factor_correlation[1][1]`",
            "diagonal must be 1",
        ],
    );
    let text = plus(&SEGMENTS.replace(", [0.3, 0.4, 1.0]]", "]"));
    assert_single_problem(&text, &["must be a 3×3 matrix"]);
    let text = plus(&SEGMENTS.replace("rho = [0.12, 0.08, 0.15]", "rho = [0.12, 0.08]"));
    assert_single_problem(
        &text,
        &["`assumptions.segments.rho`", "2 values for 3 segments"],
    );
    let text = plus(&SEGMENTS.replace("\"new\"]", "\"young\"]"));
    assert_single_problem(
        &text,
        &["`assumptions.segments.names[2]`", "`young` is listed twice"],
    );
}

fn with_waterfall(list: &str, steps: &str) -> String {
    plus(&format!("[deal.waterfall]\n{list} = [{steps}]"))
}

#[test]
fn waterfall_list_needs_each_rated_interest_once() {
    assert_single_problem(
        &with_waterfall(
            "amortizing",
            r#""senior_fees", "interest:A", "principal", "residual""#,
        ),
        &[
            "`deal.waterfall.amortizing`",
            "interest on `B` appears 0 times",
        ],
    );
    assert_single_problem(
        &with_waterfall(
            "amortizing",
            r#""senior_fees", "interest", "interest:A", "principal", "residual""#,
        ),
        &["interest on `A` appears 2 times"],
    );
}

#[test]
fn purchases_belong_in_the_revolving_list() {
    assert_single_problem(
        &with_waterfall(
            "amortizing",
            r#""senior_fees", "interest", "purchases", "principal", "residual""#,
        ),
        &[
            "`deal.waterfall.amortizing[2]`",
            "`purchases` belongs in the revolving list only",
        ],
    );
}

#[test]
fn residual_must_be_last() {
    assert_single_problem(
        &with_waterfall(
            "revolving",
            r#""senior_fees", "interest", "residual", "purchases""#,
        ),
        &[
            "`deal.waterfall.revolving`",
            "`residual` must be the last step",
        ],
    );
}

#[test]
fn waterfall_step_names_must_be_known() {
    let problems = problems_of(&with_waterfall(
        "revolving",
        r#""senior_fees", "interest:A", "interest:Sub", "interest:C", "fees", "purchases", "residual""#,
    ));
    // Sub and C are not rated notes, `fees` is not a step, and B's interest is then missing.
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].contains("`deal.waterfall.revolving[2]`: `Sub` is the residual holder"));
    assert!(problems[1].contains("no rated tranche is named `C`; rated tranches: A, B"));
    assert!(problems[2].contains("`fees` is not a waterfall step"));
    assert!(problems[3].contains("interest on `B` appears 0 times"));
}

#[test]
fn senior_fees_appear_exactly_once() {
    assert_single_problem(
        &with_waterfall("revolving", r#""interest", "purchases", "residual""#),
        &["`senior_fees` appears 0 times"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = with("share = 0.10", "share = 0.05")
        .replacen("correlation = 0.1", "correlation = 1.2", 1)
        .replacen("revolving_months = 12", "revolving_months = 24", 1);
    let error = parse_text(&text).expect_err("three problems");
    let display = error.to_string();
    let lines: Vec<&str> = display.lines().collect();
    assert_eq!(lines.len(), 3, "{display}");
    assert!(
        lines.iter().all(|line| line.starts_with("t.toml: `")),
        "{display}"
    );
    assert!(lines[0].contains("`assumptions.correlation`"));
    assert!(lines[1].contains("`deal.revolving_months`"));
    assert!(lines[2].contains("`deal.tranches`: shares sum to 0.95"));
}

#[test]
fn missing_sections_are_all_reported() {
    let problems = problems_of("name = \"x\"\n");
    assert_eq!(problems.len(), 3, "{problems:#?}");
    for key in ["`pool`", "`assumptions`", "`deal`"] {
        assert!(
            problems.iter().any(|p| p.contains(key)),
            "{key}: {problems:#?}"
        );
    }
}

#[test]
fn rate_curves_repeat_their_last_value() {
    let text = plus("[deterministic]\ncdr = [0.01, 0.02, 0.03]\ncpr = 0.2");
    let stress = valid(&text).scenario.deterministic;
    let cdr = stress.cdr.expect("cdr given");
    assert_eq!(cdr, RateCurve::ByMonth(vec![0.01, 0.02, 0.03]));
    assert_eq!(
        [cdr.at(1), cdr.at(2), cdr.at(3), cdr.at(4), cdr.at(24)],
        [0.01, 0.02, 0.03, 0.03, 0.03]
    );
    let cpr = stress.cpr.expect("cpr given");
    assert_eq!(cpr, RateCurve::Flat(0.2));
    assert_eq!(cpr.at(17), 0.2);
}

#[test]
fn rate_curves_are_checked() {
    assert_single_problem(
        &plus("[deterministic]\ncdr = []"),
        &["`deterministic.cdr`", "empty"],
    );
    assert_single_problem(
        &plus("[deterministic]\ncpr = [0.1, 1.0]"),
        &["`deterministic.cpr[1]`: 1 is out of range"],
    );
    let long = format!("[deterministic]\ncdr = [{}]", vec!["0.05"; 25].join(", "));
    let loaded = valid(&plus(&long));
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains("25 monthly values"));
}

#[test]
fn targets_are_checked() {
    let targets = valid(&plus(
        "[targets]\nmax_pool_el = 0.03\nmin_advance_rate = 0.85\nfunding_need = 5e8",
    ))
    .scenario
    .targets;
    assert_eq!(targets.max_pool_el, Some(0.03));
    assert_eq!(targets.min_advance_rate, Some(0.85));
    assert_eq!(targets.funding_need, Some(5e8));
    let problems = problems_of(&plus(
        "[targets]\nmax_pool_el = 0\nmin_advance_rate = 1.1\nfunding_need = -1",
    ));
    assert_eq!(problems.len(), 3, "{problems:#?}");
}

#[test]
fn frontier_defaults_when_absent() {
    let frontier = valid(VALID).scenario.frontier;
    assert_eq!(frontier, FrontierSpec::default());
    assert_eq!(
        frontier.cutoffs, None,
        "the policy decides the default cut-offs"
    );
    assert_eq!(frontier.limit_multipliers, vec![0.8, 1.0, 1.2]);
    assert_eq!(frontier.paths, DEFAULT_FRONTIER_PATHS);
}

#[test]
fn frontier_grid_is_read() {
    let frontier = valid(&plus(
        "[frontier]\ncutoffs = [560, 600.5, 640]\nlimit_multipliers = [1.0]\npaths = 300",
    ))
    .scenario
    .frontier;
    assert_eq!(frontier.cutoffs, Some(vec![560.0, 600.5, 640.0]));
    assert_eq!(frontier.limit_multipliers, vec![1.0]);
    assert_eq!(frontier.paths, 300);
}

#[test]
fn frontier_values_are_checked_all_at_once() {
    let problems = problems_of(&plus(
        "[frontier]\ncutoffs = [560, 250, 1200]\nlimit_multipliers = [1.2, 1.0, -1]\npaths = 0",
    ));
    let expected = [
        "`frontier.cutoffs[1]`: 250 is out of range, it must be in [300, 1000]",
        "`frontier.cutoffs[2]`: 1200 is out of range",
        "`frontier.cutoffs[1]`: 250 does not exceed the value before it (560)",
        "`frontier.limit_multipliers[2]`: -1 is out of range, it must be in (0, 100]",
        "`frontier.limit_multipliers[1]`: 1 does not exceed the value before it (1.2)",
        "`frontier.paths`: 0 is out of range",
    ];
    for needle in expected {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("t.toml: ") && p.contains(needle)),
            "`{needle}` not in {problems:#?}"
        );
    }
    assert_single_problem(
        &plus("[frontier]\ncutoffs = []"),
        &["`frontier.cutoffs`", "empty list"],
    );
    assert_single_problem(
        &plus("[frontier]\nlimit_multipliers = [1.0, 1.0]"),
        &["`frontier.limit_multipliers[1]`", "strictly increasing"],
    );
    assert_single_problem(
        &plus("[frontier]\ncut_offs = [600]"),
        &["t.toml:", "unknown field `cut_offs`"],
    );
}

#[test]
fn base_scenario_writes_out_the_default_frontier_grid() {
    let frontier = shipped("base.toml").scenario.frontier;
    let policy = crate::credit::Policy::built_in();
    assert_eq!(
        frontier.cutoffs,
        Some(crate::sizing::frontier::default_cutoffs(&policy))
    );
    assert_eq!(frontier.limit_multipliers, DEFAULT_LIMIT_MULTIPLIERS);
    assert_eq!(frontier.paths, DEFAULT_FRONTIER_PATHS);
}

#[test]
fn simulation_settings_are_checked() {
    let settings = valid(&plus(
        "[simulation]\npaths = 500\nseed = 7\nimportance_sampling = false",
    ))
    .scenario
    .simulation;
    assert_eq!(
        settings,
        SimulationSettings {
            paths: 500,
            seed: 7,
            importance_sampling: false,
        }
    );
    let problems = problems_of(&plus("[simulation]\npaths = 0\nseed = -1"));
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("`simulation.paths`"));
    assert!(problems[1].contains("`simulation.seed`"));
}

#[test]
fn a_rating_table_file_replaces_the_built_in_one() {
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        folder.path().join("table.csv"),
        "rating,y1,y2\nAAA,0.0001,0.0002\nA,0.001,0.002\n",
    )
    .expect("write");
    let text = with(
        "revolving_months = 12",
        "revolving_months = 12\nrating_table = \"table.csv\"",
    );
    // the built-in default and stress tables name the built-in ratings: one line each
    let problems = parse(&text, folder.path(), "t.toml")
        .expect_err("no default or stress table for AAA and A")
        .problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`deal.pd_table`") && p.contains("AAA, A")),
        "{problems:#?}"
    );
    assert_eq!(
        problems
            .iter()
            .filter(|p| p.contains("`deal.stress_table`"))
            .count(),
        1,
        "{problems:#?}"
    );
    std::fs::write(
        folder.path().join("pd.csv"),
        "rating,y1,y2\nAAA,0.0002,0.0004\nA,0.002,0.004\n",
    )
    .expect("write");
    let levels = "prepayment_multiple_low = 0.5\nprepayment_multiple_high = 1.5\nyield_compression = 0.4\nrecovery_haircut = 0.6\nrecovery_lag_extra_months = 6";
    std::fs::write(
        folder.path().join("stress.toml"),
        format!(
            "schema_version = 1\n[shapes.even]\nstart = \"deal_start\"\ntilt = 0.0\n[categories.top]\nratings = [\"AAA\"]\n{levels}\n[categories.single_a]\nratings = [\"A\"]\n{levels}\n[[scenarios]]\nname = \"even\"\nshape = \"even\"\nprepayment = \"base\"\n"
        ),
    )
    .expect("write");
    let text = with(
        "revolving_months = 12",
        "revolving_months = 12\nrating_table = \"table.csv\"\npd_table = \"pd.csv\"\nstress_table = \"stress.toml\"",
    );
    let problems = parse(&text, folder.path(), "t.toml")
        .expect_err("Aaa and A2 are not in this table")
        .problems();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("`Aaa` is not a row") && problems[0].contains("allowed: AAA, A"));
    let text = text
        .replacen("\"Aaa\"", "\"AAA\"", 1)
        .replacen("\"A2\"", "\"A\"", 1);
    let deal = parse(&text, folder.path(), "t.toml")
        .expect("ratings in the table")
        .scenario
        .deal;
    assert_eq!(deal.rating_table.ratings(), ["AAA", "A"]);
}

#[test]
fn unreadable_scenario_is_an_io_error() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("missing.toml");
    let error = load(&path).expect_err("no such file");
    assert!(matches!(error, ScenarioError::Io { .. }));
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: cannot read the scenario: ", path.display()))
    );
}

#[test]
fn load_resolves_paths_against_the_scenario_folder() {
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(folder.path().join("pool.csv"), "id\n").expect("write tape");
    let text = with(
        "synthetic = { receivables = 10, seed = 1 }",
        "tape = \"pool.csv\"",
    );
    let path = folder.path().join("deal.toml");
    std::fs::write(&path, text).expect("write scenario");
    let scenario = load(&path).expect("valid").scenario;
    assert_eq!(scenario.file.as_deref(), Some(path.as_path()));
    assert_eq!(
        scenario.pool.source,
        PoolSource::Tape(folder.path().join("pool.csv"))
    );
}

fn shipped(name: &str) -> Loaded {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    match load(&path) {
        Ok(loaded) => loaded,
        Err(error) => panic!("{name} does not load:\n{error}"),
    }
}

#[test]
fn base_scenario_loads_as_the_first_baitiao_abs() {
    let Loaded { scenario, warnings } = shipped("base.toml");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(scenario.name, "base");
    assert_eq!(
        scenario.pool.source,
        PoolSource::Synthetic {
            receivables: 200_000,
            seed: 7
        }
    );
    assert_eq!(scenario.pool.target_balance, Some(800_000_000.0));
    // every credit assumption is the shipped calibration's
    let calibration: CalibrationFile = toml::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/base_calibration.toml"),
        )
        .unwrap(),
    )
    .unwrap();
    let a = &scenario.assumptions;
    assert_eq!(a.correlation, calibration.all.rho);
    assert_eq!(a.pd_multiplier, calibration.all.pd_scale);
    assert_eq!(a.prepayment, Prepayment::Flat(calibration.all.cpr));
    assert_eq!(a.recovery_rate, calibration.all.recovery_rate);
    assert_eq!(a.recovery_lag_months, calibration.all.recovery_lag_months);
    let used = a.calibration.as_ref().expect("base reads its calibration");
    assert!(used.overridden.is_empty(), "{:?}", used.overridden);
    let deal = &scenario.deal;
    assert_eq!((deal.horizon_months, deal.revolving_months), (24, 12));
    let shares: Vec<f64> = deal.tranches.iter().map(|t| t.share).collect();
    assert_eq!(shares, [0.75, 0.15, 0.10]);
    assert_eq!(deal.tranches[0].coupon, Some(0.051));
    assert_eq!(deal.tranches[1].coupon, Some(0.073));
    assert_eq!(deal.triggers.len(), 3);
    assert_eq!(deal.waterfall, Waterfall::standard(2));
    assert_eq!(scenario.simulation.paths, 10_000);
    assert_eq!(scenario.simulation.seed, 20_151_024);
}

#[test]
fn stress_aaa_scenario_applies_the_agency_stresses_to_the_same_deal() {
    let base = shipped("base.toml").scenario;
    let Loaded { scenario, warnings } = shipped("stress_aaa.toml");
    assert!(warnings.is_empty(), "{warnings:?}");
    let stressed = &scenario.assumptions;
    // charge-offs × 5.5 on base's calibrated PD scale
    assert!((stressed.pd_multiplier - 5.5 * base.assumptions.pd_multiplier).abs() < 1e-12);
    assert_eq!(stressed.correlation, base.assumptions.correlation);
    assert_eq!(stressed.yield_haircut, 0.45);
    assert_eq!(stressed.recovery_rate, 0.0);
    let (Prepayment::Flat(base_cpr), Prepayment::Flat(stressed_cpr)) =
        (&base.assumptions.prepayment, &stressed.prepayment)
    else {
        panic!("both scenarios use a flat cpr");
    };
    assert!((stressed_cpr - base_cpr * 0.45).abs() < 1e-12);
    assert_eq!(scenario.pool, base.pool);
    assert_eq!(scenario.deal.tranches, base.deal.tranches);
    assert_eq!(scenario.deal.triggers, base.deal.triggers);
}

#[test]
fn line_and_column_count_characters() {
    let text = "a = 1\nbé = 2\n";
    assert_eq!(line_and_column(text, 0), (1, 1));
    assert_eq!(line_and_column(text, 6), (2, 1));
    // `=` after "bé " is the 4th character although the 5th byte.
    assert_eq!(
        line_and_column(text, text.find("= 2").expect("present")),
        (2, 4)
    );
}

#[test]
fn numbers_in_messages_read_as_written() {
    assert_eq!(show(0.75 + 0.15 + 0.05), "0.95");
    assert_eq!(show(1.0), "1");
    assert_eq!(show(-0.0), "0");
    assert_eq!(show(20_151_024.0), "20151024");
    assert_eq!(show(f64::NAN), "NaN");
}

#[test]
fn nan_matrix_entry_is_reported_once() {
    let text = plus(&SEGMENTS.replace("[0.3, 0.4, 1.0]", "[0.3, nan, 1.0]"));
    assert_single_problem(
        &text,
        &["`assumptions.segments.factor_correlation[2][1]`: NaN is out of range"],
    );
}

#[test]
fn duplicate_tranche_names_do_not_confuse_waterfall_messages() {
    let text = with("name = \"B\"", "name = \"A\"")
        + "\n[deal.waterfall]\nrevolving = [\"senior_fees\", \"interest:A\", \"purchases\", \"residual\"]\n";
    let problems = problems_of(&text);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("`deal.tranches[1].name`"));
    assert!(
        problems[1].contains("interest on `deal.tranches[1]` appears 0 times"),
        "{problems:#?}"
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// `VALID` with its three tranches replaced by these shares.
    fn with_shares(shares: &[f64]) -> String {
        let rated: Vec<String> = shares[..shares.len() - 1]
            .iter()
            .enumerate()
            .map(|(i, share)| format!("  {{ name = \"T{i}\", share = {share:?}, coupon = 0.05 }},"))
            .collect();
        let residual = format!(
            "  {{ name = \"Sub\", share = {:?} }},",
            shares[shares.len() - 1]
        );
        let start = VALID.find("tranches = [").expect("tranches");
        format!(
            "{}tranches = [\n{}\n{}\n]\n",
            &VALID[..start],
            rated.join("\n"),
            residual
        )
    }

    proptest! {
        #[test]
        fn shares_normalised_to_one_are_accepted(weights in prop::collection::vec(0.01f64..1.0, 2..8)) {
            let total: f64 = weights.iter().sum();
            let mut shares: Vec<f64> = weights.iter().map(|w| w / total).collect();
            // Absorb the rounding of the division in the residual so the sum is 1 to 1e-15.
            let others: f64 = shares[..shares.len() - 1].iter().sum();
            let last = shares.len() - 1;
            shares[last] = 1.0 - others;
            prop_assume!(shares[last] > 0.0);
            let deal = valid(&with_shares(&shares)).scenario.deal;
            prop_assert_eq!(deal.tranches.len(), shares.len());
            prop_assert_eq!(deal.waterfall, Waterfall::standard(shares.len() - 1));
        }

        #[test]
        fn shares_off_by_more_than_the_tolerance_are_rejected(
            weights in prop::collection::vec(0.01f64..1.0, 2..8),
            excess in prop_oneof![1e-6f64..0.5, -0.5f64..-1e-6],
        ) {
            let total: f64 = weights.iter().sum();
            let mut shares: Vec<f64> = weights.iter().map(|w| w / total).collect();
            shares[0] += excess;
            prop_assume!(shares.iter().all(|s| *s > 0.0 && *s <= 1.0));
            let problems = problems_of(&with_shares(&shares));
            prop_assert_eq!(problems.len(), 1);
            prop_assert!(problems[0].contains("`deal.tranches`: shares sum to"));
        }

        #[test]
        fn rate_curve_is_the_month_value_then_the_last(
            rates in prop::collection::vec(0.0f64..1.0, 1..30),
            month in 1u32..=120,
        ) {
            let curve = RateCurve::ByMonth(rates.clone());
            let expected = rates[(month as usize).min(rates.len()) - 1];
            prop_assert_eq!(curve.at(month), expected);
        }
    }
}

#[test]
fn a_rate_curve_of_the_wrong_type_says_what_is_expected() {
    let text = plus("[deterministic]\ncdr = \"high\"");
    let line = text
        .lines()
        .position(|l| l.starts_with("cdr"))
        .expect("added")
        + 1;
    assert_single_problem(
        &text,
        &[
            &format!("t.toml:{line}:"),
            "an annual rate (a number) or a vector of annual rates by deal month",
        ],
    );
}

#[test]
fn report_language_is_english_unless_the_scenario_says_otherwise() {
    assert_eq!(valid(VALID).scenario.report.lang, crate::i18n::Lang::En);
    let chinese = valid(&plus("[report]\nlang = \"zh\""));
    assert_eq!(chinese.scenario.report.lang, crate::i18n::Lang::Zh);
    assert_single_problem(
        &plus("[report]\nlang = \"fr\""),
        &["report.lang", "\"fr\"", "en or zh"],
    );
    assert_single_problem(&plus("[report]\nlanguage = \"zh\""), &["language"]);
}

#[test]
fn a_missing_relative_scenario_says_what_it_is_relative_to() {
    let relative = load(Path::new("no_such_folder/s.toml")).expect_err("no such file");
    let cwd = std::env::current_dir().expect("current folder");
    assert_eq!(
        relative.to_string(),
        format!(
            "no_such_folder/s.toml: cannot read the scenario: No such file or directory (os error 2) (a relative path is taken from the current folder, {})",
            cwd.display()
        )
    );
    let folder = tempfile::tempdir().expect("temp dir");
    let absolute = load(&folder.path().join("missing.toml")).expect_err("no such file");
    assert!(!absolute.to_string().contains("relative"), "{absolute}");
}
