//! Integration tests of the credit model through the library API: the score scale, points,
//! every reason code, outages, monotone decisions (property test), limits, model and policy
//! files, applicant validation (one test per rule), the generator, and `decide_file`.

use std::path::{Path, PathBuf};

use baitiao_abs::credit::applicant::APPLICANT_COLUMNS;
use baitiao_abs::credit::{
    Applicant, ApplicantError, ConfigError, DECISION_COLUMNS, Feature, MAX_LISTED_PROBLEMS,
    Messages, Outcome, Policy, ReasonCode, Scorecard, decide, decide_all, decide_file, decide_with,
    generate_applicants, read_applicants, write_applicants,
};
use baitiao_abs::i18n::Lang;
use baitiao_abs::units::{pd_from_score, score_from_pd};
use proptest::prelude::*;

/// An applicant the built-in model and policy approve comfortably.
fn good_applicant() -> Applicant {
    Applicant {
        applicant_id: "A1".into(),
        orders_12m: 30,
        avg_order_value: 300.0,
        return_rate: 0.03,
        on_time_ratio: 0.99,
        delinquencies_12m: 0,
        other_credit_lines: 1,
        info_completeness: 0.95,
        id_verified: true,
        external_score: Some(720.0),
        applications_7d: 0,
        login_risk: 0.05,
        max_order_value: 900.0,
        electronics_share: 0.3,
        defaulted_12m: None,
    }
}

fn built_in_decision(applicant: &Applicant) -> baitiao_abs::credit::Decision {
    decide(applicant, &Scorecard::built_in(), &Policy::built_in())
}

// ---------------------------------------------------------------- score scale and points

#[test]
fn scorecard_score_scale_600_at_50_to_1_and_20_points_double_the_odds() {
    // logit(PD) = −ln 50 − ln 2 · x with x = (external − 650)/100: x = 0 is 50:1, x = 1 is 100:1.
    let model = Scorecard::new(
        -(50f64.ln()),
        vec![(Feature::ExternalScore, -std::f64::consts::LN_2)],
        vec![0.0],
    )
    .expect("valid model");
    let mut applicant = good_applicant();
    applicant.external_score = Some(650.0);
    let score = model.score(&applicant).expect("scored");
    let pd = model.pd(&applicant).expect("scored");
    assert!((score - 600.0).abs() < 1e-9, "{score}");
    assert!((pd - 1.0 / 51.0).abs() < 1e-15, "{pd}");
    applicant.external_score = Some(750.0);
    let score = model.score(&applicant).expect("scored");
    let pd = model.pd(&applicant).expect("scored");
    assert!((score - 620.0).abs() < 1e-9, "{score}");
    assert!((pd - 1.0 / 101.0).abs() < 1e-15, "{pd}");
    // PD ↔ score round trip through the units module.
    assert!((score_from_pd(pd) - score).abs() < 1e-9);
    assert!((pd_from_score(score) - pd).abs() < 1e-15);
}

#[test]
fn points_sum_to_score_minus_the_average_score() {
    let model = Scorecard::built_in();
    let average = model.average_score();
    let mut checked = 0;
    for applicant in generate_applicants(2_000, 11, false) {
        let Some(score) = model.score(&applicant) else {
            assert!(model.points(&applicant).is_none());
            continue;
        };
        let points: f64 = model
            .points(&applicant)
            .expect("scored")
            .iter()
            .map(|p| p.1)
            .sum();
        assert!(
            (points - (score - average)).abs() < 1e-9,
            "{points} vs {}",
            score - average
        );
        checked += 1;
    }
    assert!(checked > 1_900);
}

#[test]
fn an_applicant_at_the_population_means_gets_zero_points() {
    let model = Scorecard::built_in();
    let row = model.design_row(&good_applicant()).expect("scored");
    assert_eq!(row.len(), Feature::ALL.len());
    assert!((row[0] - 31f64.ln()).abs() < 1e-12, "ln(1 + 30 orders)");
    assert!((row[8] - 0.7).abs() < 1e-12, "(720 − 650)/100");
    // Points are linear in x − mean: an applicant with the mean external score gets 0 for it.
    let mean = model.population_means[8];
    let mut applicant = good_applicant();
    applicant.external_score = Some(650.0 + 100.0 * mean);
    let points = model.points(&applicant).expect("scored");
    assert!(points[8].1.abs() < 1e-9, "{:?}", points[8]);
}

#[test]
fn design_row_is_none_during_an_outage() {
    let mut applicant = good_applicant();
    applicant.external_score = None;
    assert_eq!(Scorecard::built_in().design_row(&applicant), None);
    assert_eq!(
        Feature::design_row(&[Feature::Orders, Feature::IdVerified], &applicant),
        Some(vec![31f64.ln(), 1.0])
    );
}

// ---------------------------------------------------------------- reason codes

#[test]
fn the_good_applicant_is_approved_with_a_limit() {
    let decision = built_in_decision(&good_applicant());
    assert_eq!(decision.decision, Outcome::Approve, "{decision:?}");
    assert!(decision.reasons.is_empty());
    assert!(decision.limit > 0.0);
    assert!(
        decision.message.contains("credit limit"),
        "{}",
        decision.message
    );
}

/// Decides `applicant` under the built-in model and policy and checks that it is declined
/// with `code` as its first reason.
fn declined_with(applicant: &Applicant, code: ReasonCode) -> baitiao_abs::credit::Decision {
    let decision = built_in_decision(applicant);
    assert_eq!(decision.decision, Outcome::Decline, "{decision:?}");
    assert_eq!(decision.reasons.first(), Some(&code), "{decision:?}");
    assert_eq!(decision.limit, 0.0);
    assert!(decision.score.is_some() && decision.pd_12m.is_some());
    assert!(
        decision.message.contains(code.advice()),
        "{}",
        decision.message
    );
    decision
}

#[test]
fn reason_low_external_score() {
    let mut applicant = good_applicant();
    applicant.external_score = Some(519.0);
    declined_with(&applicant, ReasonCode::LowExternalScore);
}

#[test]
fn reason_recent_delinquency() {
    let mut applicant = good_applicant();
    applicant.delinquencies_12m = 3;
    declined_with(&applicant, ReasonCode::RecentDelinquency);
}

#[test]
fn reason_too_many_credit_lines() {
    let mut applicant = good_applicant();
    applicant.other_credit_lines = 9;
    declined_with(&applicant, ReasonCode::TooManyCreditLines);
}

#[test]
fn reason_incomplete_information() {
    let mut applicant = good_applicant();
    applicant.info_completeness = 0.39;
    declined_with(&applicant, ReasonCode::IncompleteInformation);
}

#[test]
fn reason_identity_not_verified() {
    let mut applicant = good_applicant();
    applicant.id_verified = false;
    declined_with(&applicant, ReasonCode::IdentityNotVerified);
}

#[test]
fn reason_too_many_applications() {
    let mut applicant = good_applicant();
    applicant.applications_7d = 6;
    let decision = declined_with(&applicant, ReasonCode::TooManyApplications);
    assert_eq!(decision.reasons, [ReasonCode::TooManyApplications]);
}

#[test]
fn reason_abnormal_login() {
    let mut applicant = good_applicant();
    applicant.login_risk = 0.81;
    declined_with(&applicant, ReasonCode::AbnormalLogin);
}

#[test]
fn reason_abnormal_orders_by_amount_and_by_category() {
    let mut applicant = good_applicant();
    applicant.max_order_value = applicant.avg_order_value * 16.0;
    declined_with(&applicant, ReasonCode::AbnormalOrders);
    let mut applicant = good_applicant();
    applicant.electronics_share = 0.99;
    declined_with(&applicant, ReasonCode::AbnormalOrders);
}

#[test]
fn reason_policy_tightening_between_the_standard_and_the_raised_cutoff() {
    let applicant = good_applicant();
    let model = Scorecard::built_in();
    let score = model.score(&applicant).expect("scored");
    let policy = Policy {
        cutoff: score + 5.0,
        base_cutoff: Some(score - 5.0),
        ..Policy::built_in()
    };
    let decision = decide(&applicant, &model, &policy);
    assert_eq!(decision.decision, Outcome::Decline);
    assert_eq!(decision.reasons, [ReasonCode::PolicyTightening]);
    // Without the tightening the same applicant is approved.
    let standard = Policy {
        cutoff: score - 5.0,
        ..policy
    };
    assert_eq!(
        decide(&applicant, &model, &standard).decision,
        Outcome::Approve
    );
}

#[test]
fn reason_score_below_cutoff_names_the_costliest_features_with_their_points() {
    let mut applicant = good_applicant();
    applicant.on_time_ratio = 0.55;
    applicant.return_rate = 0.4;
    applicant.orders_12m = 1;
    applicant.max_order_value = applicant.avg_order_value;
    let decision = declined_with(&applicant, ReasonCode::ScoreBelowCutoff);
    assert_eq!(decision.reasons, [ReasonCode::ScoreBelowCutoff]);
    // The three costliest features, most costly first, with their rounded points.
    let model = Scorecard::built_in();
    let mut points = model.points(&applicant).expect("scored");
    points.sort_by(|a, b| a.1.total_cmp(&b.1));
    let on_time = points[0];
    assert_eq!(on_time.0, Feature::OnTimeRatio, "{points:?}");
    let expected = format!(
        "mainly: few on-time repayments (−{:.0} points), many returned orders (−{:.0} points), ",
        -on_time.1, -points[1].1
    );
    assert!(decision.message.contains(&expected), "{}", decision.message);
    assert!(
        decision.message.contains(&format!(
            "({})",
            decision.score.expect("scored").round() as i64
        )),
        "{}",
        decision.message
    );
}

/// The same decline in Chinese: the same reasons, the score sentence with the applicant's
/// score and the standard cut-off, the costliest features in Chinese with their points, and
/// every reason's sentence and advice from the zh catalogue; no English word is left.
#[test]
fn messages_in_chinese_say_the_same_in_chinese() {
    let mut applicant = good_applicant();
    applicant.on_time_ratio = 0.55;
    applicant.return_rate = 0.4;
    applicant.orders_12m = 1;
    applicant.max_order_value = applicant.avg_order_value;
    applicant.id_verified = false;
    let model = Scorecard::built_in();
    let policy = Policy::built_in();
    let english = decide(&applicant, &model, &policy);
    let chinese = decide_with(&applicant, &model, &policy, Messages::get(Lang::Zh));
    assert_eq!(chinese.reasons, english.reasons);
    assert_eq!(
        chinese.reasons,
        [
            ReasonCode::IdentityNotVerified,
            ReasonCode::ScoreBelowCutoff
        ]
    );
    assert_eq!(
        (chinese.score, chinese.limit),
        (english.score, english.limit)
    );
    let mut points = model.points(&applicant).expect("scored");
    points.sort_by(|a, b| a.1.total_cmp(&b.1));
    let score = chinese.score.expect("scored").round() as i64;
    let cutoff = policy.standard_cutoff().round() as i64;
    let expected = format!(
        "您的身份尚未完成认证。请在 App 中完成实名认证后再次申请。\
         您的信用评分（{score} 分）低于我们的最低要求（{cutoff} 分），主要原因：\
         按时还款比例较低（扣 {:.0} 分）、退货较多（扣 {:.0} 分）",
        -points[0].1, -points[1].1
    );
    assert!(
        chinese.message.starts_with(&expected),
        "{}",
        chinese.message
    );
    assert!(
        chinese
            .message
            .ends_with(ReasonCode::ScoreBelowCutoff.advice_in(Lang::Zh)),
        "{}",
        chinese.message
    );
    let words: String = chinese
        .message
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    assert_eq!(words, "App", "only the product word App stays Latin");
}

#[test]
fn every_reason_and_feature_has_words_in_both_languages() {
    for lang in Lang::ALL {
        let catalogue = baitiao_abs::i18n::catalogue(lang);
        for code in ReasonCode::ALL {
            for part in ["sentence", "advice"] {
                let key = format!("decide.reason.{}.{part}", code.code());
                assert!(catalogue.contains_key(key.as_str()), "{lang}: {key}");
            }
        }
        for feature in Feature::ALL {
            for side in ["higher", "lower"] {
                let key = format!("decide.feature.{}.{side}", feature.name());
                assert!(catalogue.contains_key(key.as_str()), "{lang}: {key}");
            }
        }
    }
    // English keeps its words (the decisions files of earlier versions say the same).
    assert_eq!(
        ReasonCode::LowExternalScore.sentence(),
        "Your external credit score is below our minimum."
    );
    assert_eq!(
        ReasonCode::LowExternalScore.sentence_in(Lang::Zh),
        "您的外部信用评分低于我们的最低要求。"
    );
}

/// An outage in Chinese is pending, with the zh sentence and advice.
#[test]
fn an_outage_in_chinese_is_pending() {
    let mut applicant = good_applicant();
    applicant.external_score = None;
    let decision = decide_with(
        &applicant,
        &Scorecard::built_in(),
        &Policy::built_in(),
        Messages::get(Lang::Zh),
    );
    assert_eq!(decision.decision, Outcome::Pending);
    assert_eq!(
        decision.message,
        "暂时无法连接外部征信评分服务，因此我们还不能作出决定。您的申请没有问题：请稍后再查看，我们会自动重试。"
    );
}

#[test]
fn reasons_are_listed_knock_outs_first_in_the_fixed_order() {
    let mut applicant = good_applicant();
    applicant.electronics_share = 0.99;
    applicant.id_verified = false;
    applicant.external_score = Some(400.0);
    applicant.on_time_ratio = 0.5;
    applicant.delinquencies_12m = 5;
    let decision = built_in_decision(&applicant);
    assert_eq!(
        decision.reasons,
        [
            ReasonCode::LowExternalScore,
            ReasonCode::RecentDelinquency,
            ReasonCode::IdentityNotVerified,
            ReasonCode::AbnormalOrders,
            ReasonCode::ScoreBelowCutoff,
        ]
    );
    let codes: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.code()).collect();
    let mut unique = codes.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), codes.len(), "codes are distinct");
}

#[test]
fn an_outage_is_pending_never_a_decline() {
    let mut applicant = good_applicant();
    applicant.external_score = None;
    let decision = built_in_decision(&applicant);
    assert_eq!(decision.decision, Outcome::Pending);
    assert_eq!(decision.reasons, [ReasonCode::ExternalScoreUnavailable]);
    assert_eq!(
        (decision.score, decision.pd_12m, decision.limit),
        (None, None, 0.0)
    );
    assert!(
        decision.message.contains("check back later"),
        "{}",
        decision.message
    );
    // Even an applicant breaking every other rule is pending during an outage.
    applicant.id_verified = false;
    applicant.delinquencies_12m = 9;
    applicant.login_risk = 1.0;
    applicant.on_time_ratio = 0.0;
    assert_eq!(built_in_decision(&applicant).decision, Outcome::Pending);
}

#[test]
fn an_outage_with_a_model_that_does_not_need_the_score_still_shows_the_score() {
    let model = Scorecard::new(-4.0, vec![(Feature::OnTimeRatio, -1.0)], vec![0.9]).expect("valid");
    let mut applicant = good_applicant();
    applicant.external_score = None;
    // The policy's external-score floor cannot be checked: pending, but with the score.
    let decision = decide(&applicant, &model, &Policy::built_in());
    assert_eq!(decision.decision, Outcome::Pending);
    assert!(decision.score.is_some() && decision.pd_12m.is_some());
    // Without the floor nothing needs the external score: decided normally.
    let mut policy = Policy::built_in();
    policy.knock_outs.min_external_score = None;
    policy.cutoff = 500.0;
    policy.base_cutoff = None;
    assert_eq!(
        decide(&applicant, &model, &policy).decision,
        Outcome::Approve
    );
}

// ---------------------------------------------------------------- monotonicity

fn applicant_strategy() -> impl Strategy<Value = Applicant> {
    (
        (
            0u32..200,
            0.0f64..2_000.0,
            0.0f64..0.5,
            0.5f64..=1.0,
            0u32..8,
        ),
        (
            0u32..12,
            0.0f64..=1.0,
            any::<bool>(),
            350.0f64..=950.0,
            0u32..8,
        ),
        (0.0f64..=1.0, 1.0f64..25.0, 0.0f64..=1.0),
    )
        .prop_map(
            |(
                (orders, avg, returns, on_time, delinquencies),
                (lines, completeness, verified, external, applications),
                (login, ratio, electronics),
            )| Applicant {
                applicant_id: "P".into(),
                orders_12m: orders,
                avg_order_value: avg,
                return_rate: returns,
                on_time_ratio: on_time,
                delinquencies_12m: delinquencies,
                other_credit_lines: lines,
                info_completeness: completeness,
                id_verified: verified,
                external_score: Some(external),
                applications_7d: applications,
                login_risk: login,
                max_order_value: avg * ratio,
                electronics_share: electronics,
                defaulted_12m: None,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn a_higher_external_score_or_fewer_delinquencies_never_turn_an_approval_into_a_decline(
        applicant in applicant_strategy(),
        raise in 0.0f64..300.0,
        fewer in 0u32..8,
        cutoff in 540.0f64..660.0,
    ) {
        let model = Scorecard::built_in();
        let policy = Policy { cutoff, base_cutoff: None, ..Policy::built_in() };
        let before = decide(&applicant, &model, &policy);
        let mut better = applicant.clone();
        better.external_score = better.external_score.map(|s| (s + raise).min(950.0));
        better.delinquencies_12m = better.delinquencies_12m.saturating_sub(fewer);
        let after = decide(&better, &model, &policy);
        prop_assert!(after.score >= before.score, "{:?} → {:?}", before.score, after.score);
        if before.decision == Outcome::Approve {
            prop_assert_eq!(after.decision, Outcome::Approve);
            prop_assert!(after.limit >= before.limit);
        }
        // Declines can only lose reasons.
        for reason in &after.reasons {
            prop_assert!(before.reasons.contains(reason), "{:?} ⊄ {:?}", after.reasons, before.reasons);
        }
    }
}

// ---------------------------------------------------------------- limits

#[test]
fn limits_follow_the_band_spending_multiplier_and_cap() {
    let mut policy = Policy::built_in();
    let mut applicant = good_applicant();
    // Monthly spend 30 × 300 / 12 = 750 CNY: factor 750/400 = 1.875.
    assert_eq!(applicant.monthly_spend_cny(), 750.0);
    assert_eq!(
        policy.limit(&applicant, 645.0),
        11_200.0,
        "6,000 × 1.875 = 11,250 → 11,200"
    );
    assert_eq!(
        policy.limit(&applicant, 600.0),
        3_700.0,
        "2,000 × 1.875 = 3,750 → 3,700"
    );
    // Spending capacity is clamped to [0.5, 2].
    applicant.orders_12m = 1;
    assert_eq!(policy.limit(&applicant, 645.0), 3_000.0, "6,000 × 0.5");
    applicant.orders_12m = 1_000;
    assert_eq!(policy.limit(&applicant, 645.0), 12_000.0, "6,000 × 2");
    // The multiplier scales, the cap bounds.
    policy.limit_multiplier = 1.5;
    assert_eq!(policy.limit(&applicant, 645.0), 18_000.0);
    assert_eq!(
        policy.limit(&applicant, 800.0),
        30_000.0,
        "20,000 × 2 × 1.5 capped"
    );
    policy.limit_cap = 25_000.0;
    assert_eq!(policy.limit(&applicant, 800.0), 25_000.0);
}

#[test]
fn an_approved_decision_carries_the_policy_limit() {
    let applicant = good_applicant();
    let decision = built_in_decision(&applicant);
    let score = decision.score.expect("scored");
    assert_eq!(decision.limit, Policy::built_in().limit(&applicant, score));
}

// ---------------------------------------------------------------- model and policy files

#[test]
fn model_file_round_trips_with_standard_errors() {
    let mut model = Scorecard::built_in();
    model.standard_errors = (0..model.coefficients.len())
        .map(|k| (k % 2 == 0).then_some(0.01 * (k as f64 + 1.0)))
        .collect();
    let text = model.to_toml();
    assert!(text.contains("[[model.coefficients]]"), "{text}");
    assert!(text.contains("feature = \"external_score\""), "{text}");
    assert!(text.contains("[population_means]"), "{text}");
    let back = Scorecard::from_toml(&text, "m.toml").expect("valid");
    assert_eq!(back, model);
}

#[test]
fn a_model_written_by_hand_reads() {
    let text = r#"
[model]
intercept = -3.5

[[model.coefficients]]
feature = "external_score"
coefficient = -0.9
standard_error = 0.02

[[model.coefficients]]
feature = "delinquencies_12m"
coefficient = 0.4

[population_means]
external_score = 0.1
delinquencies_12m = 0.2
"#;
    let model = Scorecard::from_toml(text, "m.toml").expect("valid");
    assert_eq!(
        model.coefficients,
        [
            (Feature::ExternalScore, -0.9),
            (Feature::Delinquencies, 0.4)
        ]
    );
    assert_eq!(model.standard_errors, [Some(0.02), None]);
    assert_eq!(model.population_means, [0.1, 0.2]);
}

fn config_problems(error: ConfigError) -> String {
    assert!(error.is_bad_input());
    match error {
        ConfigError::Invalid { problems, .. } => problems.join("\n"),
        other => panic!("expected an invalid file, got {other:?}"),
    }
}

#[test]
fn an_unknown_model_key_is_an_error_naming_it() {
    let text = Scorecard::built_in()
        .to_toml()
        .replace("[model]\n", "[model]\nslope = 1.0\n");
    let problems = config_problems(Scorecard::from_toml(&text, "m.toml").expect_err("invalid"));
    assert!(problems.contains("slope"), "{problems}");
    // One line, with the line and column of the key.
    assert!(problems.starts_with("m.toml:2:1: "), "{problems}");
    assert_eq!(problems.lines().count(), 1, "{problems}");
}

#[test]
fn an_unknown_feature_is_an_error_naming_it() {
    let text = Scorecard::built_in().to_toml().replacen(
        "feature = \"return_rate\"",
        "feature = \"shoe_size\"",
        1,
    );
    let problems = config_problems(Scorecard::from_toml(&text, "m.toml").expect_err("invalid"));
    assert!(
        problems.contains("model.coefficients[2].feature: \"shoe_size\" is not a feature"),
        "{problems}"
    );
}

#[test]
fn a_coefficient_without_a_population_mean_is_an_error() {
    let text = "[model]\nintercept = 1.0\n[[model.coefficients]]\nfeature = \"return_rate\"\ncoefficient = 1.0\n[population_means]\nshoe_size = 1.0\n";
    let problems = config_problems(Scorecard::from_toml(text, "m.toml").expect_err("invalid"));
    assert!(
        problems.contains("population_means.return_rate: missing"),
        "{problems}"
    );
    assert!(
        problems.contains("population_means.shoe_size: not a feature"),
        "{problems}"
    );
}

#[test]
fn a_feature_given_twice_is_an_error() {
    let text = "[model]\nintercept = 1.0\n[[model.coefficients]]\nfeature = \"return_rate\"\ncoefficient = 1.0\n[[model.coefficients]]\nfeature = \"return_rate\"\ncoefficient = 2.0\n[population_means]\nreturn_rate = 0.1\n";
    let problems = config_problems(Scorecard::from_toml(text, "m.toml").expect_err("invalid"));
    assert!(
        problems.contains("model.coefficients[1].feature: \"return_rate\" appears twice"),
        "{problems}"
    );
}

#[test]
fn policy_file_round_trips_and_the_default_file_is_the_built_in_policy() {
    let policy = Policy::built_in();
    assert_eq!(
        Policy::from_toml(&policy.to_toml(), "p.toml").expect("valid"),
        policy
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/policy_default.toml");
    assert_eq!(Policy::read(&path).expect("valid"), policy);
}

#[test]
fn an_unknown_policy_key_is_an_error_naming_it() {
    let text = Policy::built_in()
        .to_toml()
        .replace("[knock_outs]\n", "[knock_outs]\nmax_shoe_size = 3\n");
    let problems = config_problems(Policy::from_toml(&text, "p.toml").expect_err("invalid"));
    assert!(problems.contains("max_shoe_size"), "{problems}");
}

#[test]
fn policy_values_are_validated_all_at_once() {
    let mut policy = Policy::built_in();
    policy.base_cutoff = Some(650.0);
    policy.limit_multiplier = 0.0;
    policy.knock_outs.max_login_risk = Some(1.5);
    policy.limit_bands[2].min_score = 610.0;
    let problems = config_problems(policy.validate("p.toml").expect_err("invalid"));
    for expected in [
        "p.toml: base_cutoff: 650 must be a score from 300 to 1000, at most `cutoff`",
        "p.toml: limit_multiplier: 0 must be a number > 0",
        "p.toml: knock_outs.max_login_risk: 1.5 must be in [0, 1]",
        "p.toml: limit_bands[2].min_score: 610 must be a score",
    ] {
        assert!(problems.contains(expected), "{expected}\n{problems}");
    }
}

// ---------------------------------------------------------------- applicant validation

const HEADER: &str = "applicant_id,orders_12m,avg_order_value,return_rate,on_time_ratio,delinquencies_12m,other_credit_lines,info_completeness,id_verified,external_score,applications_7d,login_risk,max_order_value,electronics_share";
const GOOD_ROW: &str = "A1,12,150,0.05,0.98,0,2,0.9,true,700,1,0.1,400,0.3";

fn applicants_file(lines: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("applicants.csv");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    (dir, path)
}

/// The problems of an invalid file.
fn problems_of(lines: &[&str]) -> (String, Vec<String>, usize) {
    let (_dir, path) = applicants_file(lines);
    match read_applicants(&path) {
        Err(error @ ApplicantError::Invalid { .. }) => {
            assert!(error.is_bad_input());
            let ApplicantError::Invalid {
                file,
                problems,
                more,
            } = error
            else {
                unreachable!()
            };
            assert_eq!(file, path.display().to_string());
            (file, problems, more)
        }
        other => panic!("expected an invalid file, got {other:?}"),
    }
}

/// The good row with `column` set to `value`.
fn row_with(column: &str, value: &str) -> String {
    let index = APPLICANT_COLUMNS
        .iter()
        .position(|c| *c == column)
        .expect("known column");
    let mut cells: Vec<&str> = GOOD_ROW.split(',').collect();
    cells[index] = value;
    cells.join(",")
}

/// One bad cell gives exactly one problem naming the file, line 2, the column and the value.
fn assert_one_problem(column: &str, value: &str, rule: &str) {
    let row = row_with(column, value);
    let (file, problems, more) = problems_of(&[HEADER, &row]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(more, 0);
    let expected = format!("{file}:2: column `{column}`: {value:?} {rule}");
    assert_eq!(problems[0], expected);
}

#[test]
fn the_good_row_is_valid() {
    let (_dir, path) = applicants_file(&[HEADER, GOOD_ROW]);
    let file = read_applicants(&path).expect("valid");
    assert_eq!(file.applicants.len(), 1);
    assert!(file.warnings.is_empty());
}

#[test]
fn bad_number() {
    assert_one_problem("avg_order_value", "12x", "is not a number");
}

#[test]
fn shares_must_be_in_zero_one() {
    for column in [
        "return_rate",
        "on_time_ratio",
        "info_completeness",
        "login_risk",
        "electronics_share",
    ] {
        assert_one_problem(column, "1.2", "must be in [0, 1]");
        assert_one_problem(column, "-0.1", "must be in [0, 1]");
    }
}

#[test]
fn external_score_must_be_in_range_or_empty() {
    assert_one_problem(
        "external_score",
        "951",
        "must be from 350 to 950, or empty when the score service did not answer",
    );
    assert_one_problem(
        "external_score",
        "349",
        "must be from 350 to 950, or empty when the score service did not answer",
    );
    let (_dir, path) = applicants_file(&[HEADER, &row_with("external_score", "")]);
    let file = read_applicants(&path).expect("an empty score is an outage");
    assert_eq!(file.applicants[0].external_score, None);
}

#[test]
fn counts_must_be_whole_and_non_negative() {
    for column in [
        "orders_12m",
        "delinquencies_12m",
        "other_credit_lines",
        "applications_7d",
    ] {
        assert_one_problem(column, "-1", "must be a whole number ≥ 0");
        assert_one_problem(column, "2.5", "must be a whole number ≥ 0");
    }
}

#[test]
fn money_must_be_non_negative() {
    assert_one_problem(
        "avg_order_value",
        "-5",
        "must be an amount from 0 to 100,000,000 CNY",
    );
}

#[test]
fn max_order_value_must_be_at_least_the_average() {
    assert_one_problem("max_order_value", "149", "must be ≥ avg_order_value (150)");
}

#[test]
fn id_verified_must_be_a_boolean() {
    assert_one_problem("id_verified", "yes", "must be true or false (or 1 or 0)");
    let (_dir, path) = applicants_file(&[HEADER, &row_with("id_verified", "0")]);
    assert!(!read_applicants(&path).expect("valid").applicants[0].id_verified);
}

#[test]
fn defaulted_12m_must_be_zero_or_one() {
    let header = format!("{HEADER},defaulted_12m");
    let (file, problems, _) = problems_of(&[&header, &format!("{GOOD_ROW},2")]);
    assert_eq!(
        problems,
        [format!(
            "{file}:2: column `defaulted_12m`: \"2\" must be 0 or 1"
        )]
    );
    let (_dir, path) = applicants_file(&[&header, &format!("{GOOD_ROW},1")]);
    assert_eq!(
        read_applicants(&path).expect("valid").applicants[0].defaulted_12m,
        Some(true)
    );
}

#[test]
fn empty_required_cells_and_ids() {
    assert_one_problem("on_time_ratio", "", "is empty; a value is required");
    assert_one_problem(
        "applicant_id",
        "",
        "is empty; every applicant needs a unique id",
    );
}

#[test]
fn duplicate_ids_name_the_first_line() {
    let (file, problems, _) = problems_of(&[HEADER, GOOD_ROW, GOOD_ROW]);
    assert_eq!(
        problems,
        [format!(
            "{file}:3: column `applicant_id`: \"A1\" duplicates the id on line 2; ids must be unique"
        )]
    );
}

#[test]
fn missing_columns_are_listed_at_once() {
    let header = HEADER.replace(",login_risk", "").replace("orders_12m,", "");
    let (file, problems, _) = problems_of(&[&header]);
    assert_eq!(
        problems,
        [
            format!("{file}:1: column `orders_12m`: missing from the header; it is required"),
            format!("{file}:1: column `login_risk`: missing from the header; it is required"),
        ]
    );
}

#[test]
fn a_row_with_the_wrong_number_of_fields() {
    let (file, problems, _) = problems_of(&[HEADER, "A1,12,150"]);
    assert_eq!(
        problems,
        [format!(
            "{file}:2: the row has 3 fields but the header has 14; check the separators and quotes"
        )]
    );
}

#[test]
fn unknown_columns_warn_once() {
    let (_dir, path) =
        applicants_file(&[&format!("{HEADER},city,age"), &format!("{GOOD_ROW},x,1")]);
    let file = read_applicants(&path).expect("valid");
    assert_eq!(
        file.warnings,
        [format!(
            "{}:1: ignoring unknown columns `city`, `age`",
            path.display()
        )]
    );
}

#[test]
fn an_empty_file_is_an_error() {
    let (_dir, path) = applicants_file(&[HEADER]);
    let error = read_applicants(&path).expect_err("empty");
    assert!(matches!(error, ApplicantError::Empty { .. }) && error.is_bad_input());
}

#[test]
fn a_missing_file_is_not_bad_input() {
    let error = read_applicants(Path::new("/nonexistent/applicants.csv")).expect_err("missing");
    assert!(matches!(error, ApplicantError::Io { .. }) && !error.is_bad_input());
}

#[test]
fn problems_are_all_reported_and_capped() {
    let bad = row_with("return_rate", "2");
    let rows: Vec<String> = (0..150)
        .map(|i| bad.replacen("A1", &format!("A{i}"), 1))
        .collect();
    let mut lines = vec![HEADER];
    lines.extend(rows.iter().map(String::as_str));
    let (_, problems, more) = problems_of(&lines);
    assert_eq!(problems.len(), MAX_LISTED_PROBLEMS);
    assert_eq!(more, 50);
}

// ---------------------------------------------------------------- generator

#[test]
fn the_generator_is_deterministic_and_outcomes_do_not_change_the_features() {
    let a = generate_applicants(500, 42, false);
    assert_eq!(a, generate_applicants(500, 42, false));
    assert_ne!(a, generate_applicants(500, 43, false));
    let with = generate_applicants(500, 42, true);
    for (plain, labelled) in a.iter().zip(&with) {
        assert!(labelled.defaulted_12m.is_some());
        let mut stripped = labelled.clone();
        stripped.defaulted_12m = None;
        assert_eq!(&stripped, plain);
    }
    // A shorter run is a prefix of a longer one.
    assert_eq!(&generate_applicants(100, 42, false)[..], &a[..100]);
}

#[test]
fn the_first_applicant_of_seed_7_is_pinned() {
    // Catches an accidental change of the random stream or of a distribution; update together
    // with docs/credit.md when the generator changes on purpose.
    let first = &generate_applicants(1, 7, true)[0];
    let pinned = format!("{first:?}");
    assert_eq!(pinned, FIRST_APPLICANT_SEED_7);
}

const FIRST_APPLICANT_SEED_7: &str = "Applicant { applicant_id: \"A00000001\", orders_12m: 7, avg_order_value: 94.66, return_rate: 0.1009, on_time_ratio: 0.9874, delinquencies_12m: 1, other_credit_lines: 0, info_completeness: 0.4032, id_verified: true, external_score: Some(723.0), applications_7d: 0, login_risk: 0.0004, max_order_value: 492.9, electronics_share: 0.293, defaulted_12m: Some(false) }";

#[test]
fn generated_applicants_satisfy_the_reader_and_round_trip() {
    let applicants = generate_applicants(5_000, 3, true);
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("history.csv");
    write_applicants(&path, &applicants).expect("write");
    let file = read_applicants(&path).expect("valid");
    assert_eq!(file.applicants, applicants);
    // Without outcomes the column is left out.
    let plain = generate_applicants(50, 3, false);
    write_applicants(&path, &plain).expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.lines().next().unwrap_or("").contains("defaulted_12m"));
    assert_eq!(read_applicants(&path).expect("valid").applicants, plain);
}

#[test]
fn population_default_rate_is_between_2_and_4_percent_and_means_match_the_model() {
    let n = 200_000;
    let applicants = generate_applicants(n, 2024, true);
    let defaults = applicants
        .iter()
        .filter(|a| a.defaulted_12m == Some(true))
        .count();
    let rate = defaults as f64 / n as f64;
    assert!((0.02..=0.04).contains(&rate), "default rate {rate}");
    let outages = applicants
        .iter()
        .filter(|a| a.external_score.is_none())
        .count();
    let outage_share = outages as f64 / n as f64;
    // 3 % outages; binomial standard error 0.00038, allow 4 of them.
    assert!((outage_share - 0.03).abs() < 0.0016, "{outage_share}");
    // The built-in population means (seed 7, rounded to 4 decimals) agree with another
    // seed's sample: the difference of two sample means has standard error sd·√(2/n); allow
    // 4 of them plus the rounding.
    let model = Scorecard::built_in();
    let rows: Vec<Vec<f64>> = applicants
        .iter()
        .filter_map(|a| model.design_row(a))
        .collect();
    let count = rows.len() as f64;
    for (k, &mean) in model.population_means.iter().enumerate() {
        let sample = rows.iter().map(|r| r[k]).sum::<f64>() / count;
        let variance = rows.iter().map(|r| (r[k] - sample).powi(2)).sum::<f64>() / count;
        let tolerance = 4.0 * (variance * 2.0 / count).sqrt() + 5e-5;
        assert!(
            (sample - mean).abs() < tolerance,
            "{:?}: {sample} vs {mean} (tolerance {tolerance})",
            model.coefficients[k].0
        );
    }
}

#[test]
fn the_segments_produce_the_documented_correlations() {
    let applicants = generate_applicants(50_000, 5, false);
    let corr = |x: &dyn Fn(&Applicant) -> f64, y: &dyn Fn(&Applicant) -> f64| {
        let n = applicants.len() as f64;
        let (mx, my) = applicants
            .iter()
            .fold((0.0, 0.0), |(a, b), p| (a + x(p), b + y(p)));
        let (mx, my) = (mx / n, my / n);
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for p in &applicants {
            let (dx, dy) = (x(p) - mx, y(p) - my);
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        sxy / (sxx * syy).sqrt()
    };
    let external = |a: &Applicant| a.external_score.unwrap_or(650.0);
    let delinquencies = |a: &Applicant| f64::from(a.delinquencies_12m);
    let lines = |a: &Applicant| f64::from(a.other_credit_lines);
    let on_time = |a: &Applicant| a.on_time_ratio;
    let orders = |a: &Applicant| f64::from(a.orders_12m).ln_1p();
    let electronics = |a: &Applicant| a.electronics_share;
    assert!(corr(&external, &delinquencies) < -0.1);
    assert!(corr(&external, &on_time) > 0.2);
    assert!(corr(&lines, &delinquencies) > 0.1);
    assert!(corr(&orders, &electronics) > 0.1);
}

// ---------------------------------------------------------------- decide_file

#[test]
fn decide_file_writes_one_row_per_applicant_in_input_order() {
    let applicants = generate_applicants(70_000, 9, false);
    let dir = tempfile::tempdir().expect("temporary folder");
    let input = dir.path().join("applicants.csv");
    let output = dir.path().join("decisions.csv");
    write_applicants(&input, &applicants).expect("write");
    let model = Scorecard::built_in();
    let policy = Policy::built_in();
    let summary = decide_file(&input, &model, &policy, Lang::En, &output).expect("decided");
    let decisions = decide_all(&applicants, &model, &policy);
    assert_eq!(summary.applicants, applicants.len());
    assert_eq!(
        summary.approved,
        decisions
            .iter()
            .filter(|d| d.decision == Outcome::Approve)
            .count()
    );
    assert_eq!(
        summary.pending,
        applicants
            .iter()
            .filter(|a| a.external_score.is_none())
            .count()
    );

    let mut reader = csv::Reader::from_path(&output).expect("decisions file");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, DECISION_COLUMNS);
    let mut rows = 0;
    for ((record, applicant), decision) in reader.records().zip(&applicants).zip(&decisions) {
        let record = record.expect("row");
        assert_eq!(&record[0], applicant.applicant_id);
        assert_eq!(&record[1], decision.decision.as_str());
        match decision.score {
            Some(score) => {
                assert!((record[2].parse::<f64>().expect("score") - score).abs() <= 0.005)
            }
            None => assert_eq!(&record[2], ""),
        }
        assert_eq!(record[4].parse::<f64>().expect("limit"), decision.limit);
        let codes: Vec<&str> = decision.reasons.iter().map(|r| r.code()).collect();
        assert_eq!(&record[5], codes.join(";"));
        assert_eq!(&record[6], decision.message);
        rows += 1;
    }
    assert_eq!(rows, applicants.len());
    assert!(!dir.path().join("decisions.csv.tmp").exists());
}

#[test]
fn decide_file_on_a_bad_file_reports_problems_and_leaves_no_output() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let input = dir.path().join("applicants.csv");
    let output = dir.path().join("decisions.csv");
    let mut text = String::new();
    write_applicants_text(&mut text, &generate_applicants(70_000, 1, false));
    text.push_str("BAD,1,10,0,1,0,0,1,maybe,700,0,0,10,0\n");
    std::fs::write(&input, text).expect("write");
    let error = decide_file(
        &input,
        &Scorecard::built_in(),
        &Policy::built_in(),
        Lang::En,
        &output,
    )
    .expect_err("invalid");
    assert!(error.is_bad_input(), "{error}");
    assert!(
        error
            .to_string()
            .contains(":70002: column `id_verified`: \"maybe\""),
        "{error}"
    );
    assert!(!output.exists());
    assert!(!dir.path().join("decisions.csv.tmp").exists());
}

fn write_applicants_text(text: &mut String, applicants: &[Applicant]) {
    let mut bytes = Vec::new();
    baitiao_abs::credit::write_applicants_to(&mut bytes, applicants).expect("write");
    text.push_str(&String::from_utf8(bytes).expect("UTF-8"));
}

// ---------------------------------------------------------------- documentation

#[test]
fn the_points_table_in_the_docs_matches_the_built_in_model() {
    // (feature, applicant change, rounded points of that feature) from docs/credit.md.
    type Change = fn(&mut Applicant);
    let rows: [(Feature, Change, f64); 8] = [
        (
            Feature::ExternalScore,
            |a| a.external_score = Some(450.0),
            -54.0,
        ),
        (
            Feature::ExternalScore,
            |a| a.external_score = Some(850.0),
            50.0,
        ),
        (Feature::Delinquencies, |a| a.delinquencies_12m = 9, -75.0),
        (Feature::Delinquencies, |a| a.delinquencies_12m = 1, -10.0),
        (Feature::OnTimeRatio, |a| a.on_time_ratio = 0.5, -40.0),
        (Feature::Orders, |a| a.orders_12m = 0, -18.0),
        (
            Feature::OtherCreditLines,
            |a| a.other_credit_lines = 12,
            -28.0,
        ),
        (Feature::IdVerified, |a| a.id_verified = false, -16.0),
    ];
    let model = Scorecard::built_in();
    for (feature, change, expected) in rows {
        let mut applicant = good_applicant();
        change(&mut applicant);
        let points = model.points(&applicant).expect("scored");
        let (_, got) = points
            .iter()
            .find(|(f, _)| *f == feature)
            .expect("feature in the model");
        assert_eq!(got.round(), expected, "{feature}: {got}");
    }
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/credit.md"))
            .expect("docs/credit.md");
    assert!(
        docs.contains(&format!("{:.1}", model.average_score())),
        "average score in the docs"
    );
    assert!(docs.contains(&format!("β₀ = **{}**", model.intercept)));
}

#[test]
fn a_model_that_would_break_monotone_decisions_is_refused() {
    let problems = Scorecard::new(
        -4.0,
        vec![
            (Feature::ExternalScore, 0.3),
            (Feature::Delinquencies, -0.1),
        ],
        vec![0.0, 0.2],
    )
    .expect_err("wrong signs");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("model.coefficients[0].coefficient: 0.3 must be ≤ 0"));
    assert!(problems[1].starts_with("model.coefficients[1].coefficient: -0.1 must be ≥ 0"));
}
