//! Hand-computed golden cases (SPEC §4.4, §5). The expected numbers come from
//! `tests/fixtures/reference.py`, an independent transcription of the SPEC that steps each
//! receivable's expected surviving share by hand; its comments give the derivation. The
//! first installment case can be checked with a pencil:
//! month 1: begin 1200, 10 % defaults (120), survivors (0.9) pay the fee 0.01 × 1800 × 0.9 =
//! 16.2 and principal 0.9 × 1200/4 = 270, then 5 % of the 0.9 × 900 left prepays (40.5),
//! leaving 769.5.

mod common;

use baitiao_abs::metrics::run_deterministic;
use baitiao_abs::scenario::{
    DeterministicStress, PrincipalMode, RateCurve, Trigger, TriggerEffect, TriggerMetric,
    TriggerTest,
};
use baitiao_abs::sim::{Collateral, DeterministicCollateral, DeterministicRates, Pool};
use baitiao_abs::tape::Product;
use common::*;

/// Amounts agree to a hundredth of a cent (SPEC: tests compare to 0.01 CNY).
const CENT: f64 = 1e-4;

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= CENT,
        "{what}: got {actual}, expected {expected}"
    );
}

fn product_case(receivable: baitiao_abs::tape::Receivable, expected: &[[f64; 6]]) {
    let assumptions = assumptions(0.0, 0.0, 0);
    let pool = Pool::build_with(&[receivable], &assumptions, None, "golden").unwrap();
    let rates = DeterministicRates {
        cdr: Some(RateCurve::Flat(annual_of_monthly(0.10))),
        cpr: Some(RateCurve::Flat(annual_of_monthly(0.05))),
        pd_multiplier: 1.0,
        default_stress: None,
        cpr_multiple: 1.0,
    };
    let mut collateral =
        DeterministicCollateral::new(&pool, &assumptions, rates, expected.len() as u32);
    for (index, row) in expected.iter().enumerate() {
        let month = index as u32 + 1;
        let f = collateral.collect(month);
        let got = [
            f.begin_balance,
            f.defaults,
            f.interest,
            f.scheduled_principal,
            f.prepayments,
            f.end_balance,
        ];
        for (column, (a, e)) in [
            "begin",
            "defaults",
            "interest",
            "scheduled",
            "prepay",
            "end",
        ]
        .iter()
        .zip(got.iter().zip(row))
        {
            assert_close(*a, *e, &format!("month {month} {column}"));
        }
    }
}

const INSTALLMENT: [[f64; 6]; 4] = [
    [1200.0, 120.0, 16.2, 270.0, 40.50000000000001, 769.5],
    [
        769.5,
        76.95,
        13.850999999999999,
        230.85,
        23.085,
        438.61499999999995,
    ],
    [
        438.61499999999995,
        43.8615,
        11.842604999999999,
        197.37675,
        9.8688375,
        187.5079125,
    ],
    [
        187.5079125,
        18.750791250000002,
        10.125427275000002,
        168.75712125,
        0.0,
        0.0,
    ],
];
const ANNUITY: [[f64; 6]; 3] = [
    [
        1000.0,
        100.0,
        9.0,
        297.0199003333221,
        30.1490049833339,
        572.831094683344,
    ],
    [
        572.831094683344,
        57.2831094683344,
        5.155479852150096,
        256.4915349328403,
        12.952822514108467,
        246.10362776806085,
    ],
    [
        246.10362776806085,
        24.610362776806085,
        2.214932649912548,
        221.49326499125476,
        0.0,
        0.0,
    ],
];
const BULLET: [[f64; 6]; 2] = [
    [1000.0, 100.0, 18.0, 0.0, 45.00000000000001, 855.0],
    [855.0, 85.5, 15.389999999999999, 769.5, 0.0, 0.0],
];
const THREE_TRANCHE_POOL: [[f64; 12]; 5] = [
    [
        10000.0,
        444.8576658252058,
        112.75890621210104,
        2382.556576913903,
        132.1439194268504,
        0.0,
        0.0,
        7040.4418378340415,
        10.0,
        0.0,
        0.0,
        180.0,
    ],
    [
        7040.4418378340415,
        304.6656809307583,
        105.81173397044567,
        3118.4369911985636,
        66.643940055869,
        0.0,
        0.0,
        3550.6952256488507,
        7.040441837834042,
        0.0,
        0.0,
        128.68414528227623,
    ],
    [
        3550.6952256488507,
        140.56351101721725,
        91.03800959009669,
        2088.1845422715455,
        24.354854238454546,
        177.94306633008233,
        0.0,
        1297.5923181216333,
        3.550695225648851,
        0.0,
        0.0,
        62.75753777992559,
    ],
    [
        1297.5923181216333,
        38.00067924902437,
        60.460398665885236,
        1259.591638872609,
        0.0,
        121.86627237230333,
        0.0,
        0.0,
        1.2975923181216333,
        0.0,
        0.0,
        14.326731108020923,
    ],
    [
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        56.2254044068869,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
];
const THREE_TRANCHE_TRANCHES: [[[f64; 6]; 3]; 5] = [
    [
        [
            7000.0,
            35.0,
            35.0,
            2565.792735886188,
            4434.207264113812,
            0.0,
        ],
        [
            2000.0,
            16.666666666666668,
            16.666666666666668,
            0.0,
            2000.0,
            0.0,
        ],
        [1000.0, 0.0, 0.0, 0.0, 1000.0, 0.0],
    ],
    [
        [
            4434.207264113812,
            22.171036320569062,
            22.171036320569062,
            3296.3303751175326,
            1137.8768889962794,
            0.0,
        ],
        [
            2000.0,
            16.666666666666668,
            16.666666666666668,
            0.0,
            2000.0,
            0.0,
        ],
        [1000.0, 0.0, 0.0, 0.0, 1000.0, 0.0],
    ],
    [
        [
            1137.8768889962794,
            5.689384444981397,
            5.689384444981397,
            1137.8768889962794,
            0.0,
            0.0,
        ],
        [
            2000.0,
            16.666666666666668,
            16.666666666666668,
            1283.663444598954,
            716.3365554010461,
            0.0,
        ],
        [1000.0, 0.0, 0.0, 0.0, 1000.0, 0.0],
    ],
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [
            716.3365554010461,
            5.969471295008717,
            5.969471295008717,
            716.3365554010461,
            0.0,
            0.0,
        ],
        [1000.0, 0.0, 0.0, 766.7454975685257, 233.2545024314743, 0.0],
    ],
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [
            233.2545024314743,
            0.0,
            0.0,
            70.55213551490783,
            162.70236691656646,
            0.0,
        ],
    ],
];
const REVOLVING_TRIGGER_POOL: [[f64; 12]; 6] = [
    [
        2000.0,
        112.25137463661295,
        47.193715634084676,
        1415.8114690225402,
        0.0,
        0.0,
        1456.338517989958,
        1928.2756743308048,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        1928.2756743308046,
        108.2257975609873,
        45.30998471679975,
        1304.5746826324496,
        0.0,
        0.0,
        0.0,
        515.4751941373679,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        515.4751941373679,
        28.931399566497237,
        6.487250594278277,
        162.18126485695691,
        0.0,
        0.0,
        0.0,
        324.36252971391383,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        324.36252971391383,
        18.20506992049802,
        6.123149195868316,
        153.0787298967079,
        0.0,
        0.0,
        0.0,
        153.0787298967079,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        153.0787298967079,
        8.591648929266121,
        5.7794832386976704,
        144.48708096744178,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
];
const REVOLVING_TRIGGER_TRANCHES: [[[f64; 6]; 2]; 6] = [
    [
        [
            1600.0,
            6.666666666666667,
            6.666666666666667,
            0.0,
            1600.0,
            0.0,
        ],
        [400.0, 0.0, 0.0, 0.0, 400.0, 0.0],
    ],
    [
        [
            1600.0,
            6.666666666666667,
            6.666666666666667,
            1343.2180006825827,
            256.78199931741733,
            0.0,
        ],
        [400.0, 0.0, 0.0, 0.0, 400.0, 0.0],
    ],
    [
        [
            256.78199931741733,
            1.0699249971559055,
            1.0699249971559055,
            167.59859045407927,
            89.18340886333806,
            0.0,
        ],
        [400.0, 0.0, 0.0, 0.0, 400.0, 0.0],
    ],
    [
        [
            89.18340886333806,
            0.37159753693057523,
            0.37159753693057523,
            89.18340886333806,
            0.0,
            0.0,
        ],
        [400.0, 0.0, 0.0, 69.64687269230757, 330.35312730769243, 0.0],
    ],
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [
            330.35312730769243,
            0.0,
            0.0,
            150.26656420613946,
            180.08656310155297,
            0.0,
        ],
    ],
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [180.08656310155297, 0.0, 0.0, 0.0, 180.08656310155297, 0.0],
    ],
];

#[test]
fn installment_pays_equal_principal_and_a_fee_on_original_principal() {
    // 1,200 left of 1,800 over 6 months: 4 instalments of 300, fee 1 % of 1,800 a month
    product_case(
        receivable("i", Product::Installment, 1200.0, 1800.0, 6, 4, 0.01, 0.02),
        &INSTALLMENT,
    );
}

#[test]
fn annuity_pays_its_level_payment() {
    // 1,000 over 3 months at 12 % a year: payment 340.02 per surviving unit
    product_case(
        receivable("a", Product::Annuity, 1000.0, 1000.0, 3, 3, 0.12, 0.02),
        &ANNUITY,
    );
}

#[test]
fn bullet_pays_fees_then_its_balance_at_maturity() {
    product_case(
        receivable("b", Product::Bullet, 1000.0, 1000.0, 2, 2, 0.02, 0.02),
        &BULLET,
    );
}

fn check_deal(
    run: &baitiao_abs::metrics::DeterministicRun,
    pool_expected: &[[f64; 12]],
    tranches_expected: &[Vec<[f64; 6]>],
) {
    assert_eq!(run.pool.len(), pool_expected.len());
    for (p, e) in run.pool.iter().zip(pool_expected) {
        let f = &p.flows;
        let got = [
            f.begin_balance,
            f.defaults,
            f.interest,
            f.scheduled_principal,
            f.prepayments,
            f.recoveries,
            p.purchases,
            p.end_balance,
            p.senior_fees_paid,
            p.residual,
            p.sale_proceeds,
            p.reserve_end,
        ];
        let names = [
            "begin",
            "defaults",
            "interest",
            "scheduled",
            "prepay",
            "recoveries",
            "purchases",
            "end",
            "fees",
            "residual",
            "sale",
            "reserve",
        ];
        for ((name, a), b) in names.iter().zip(got).zip(e) {
            assert_close(a, *b, &format!("month {} pool {name}", p.month));
        }
    }
    for (month, (got, expected)) in run.tranches.iter().zip(tranches_expected).enumerate() {
        for (j, (t, e)) in got.iter().zip(expected).enumerate() {
            let values = [
                t.begin_balance,
                t.interest_due,
                t.interest_paid,
                t.principal_paid,
                t.end_balance,
                t.interest_shortfall,
            ];
            let names = [
                "begin",
                "interest_due",
                "interest_paid",
                "principal",
                "end",
                "shortfall",
            ];
            for ((name, a), b) in names.iter().zip(values).zip(e) {
                assert_close(a, *b, &format!("month {} tranche {j} {name}", month + 1));
            }
        }
    }
}

#[test]
fn three_tranche_sequential_with_defaults_prepayment_and_lagged_recoveries() {
    let receivables = [
        receivable(
            "i1",
            Product::Installment,
            6000.0,
            9000.0,
            6,
            4,
            0.008,
            0.30,
        ),
        receivable(
            "i2",
            Product::Installment,
            3000.0,
            3000.0,
            3,
            3,
            0.012,
            0.60,
        ),
        receivable("b1", Product::Bullet, 1000.0, 1000.0, 2, 2, 0.01, 0.45),
    ];
    let assumptions = assumptions(0.2, 0.4, 2);
    let pool = Pool::build_with(&receivables, &assumptions, None, "golden").unwrap();
    let deal = deal(
        5,
        0,
        120.0,
        0.02,
        0.0,
        tranches(&[
            ("A", 0.7, Some(0.06)),
            ("B", 0.2, Some(0.10)),
            ("C", 0.1, None),
        ]),
        vec![],
    );
    let run =
        run_deterministic(&pool, &assumptions, &DeterministicStress::default(), &deal).unwrap();
    let tranches: Vec<Vec<[f64; 6]>> = THREE_TRANCHE_TRANCHES.iter().map(|m| m.to_vec()).collect();
    check_deal(&run, &THREE_TRANCHE_POOL, &tranches);
    // the residual tranche absorbs the loss: 162.70 of its 1,000 unpaid at the legal final
    assert_close(run.outcome.principal_loss[2], 162.702_367, "C loss");
    assert_eq!(run.outcome.principal_loss[0], 0.0);
    assert_eq!(run.outcome.principal_loss[1], 0.0);
    assert_close(
        run.outcome.reserve_funding,
        180.0,
        "reserve at closing: 2 % of 9,000",
    );
}

#[test]
fn revolving_period_ended_early_by_a_cumulative_net_loss_trigger() {
    let receivables = [
        receivable("b", Product::Bullet, 1000.0, 1000.0, 1, 1, 0.03, 0.5),
        receivable("i", Product::Installment, 1000.0, 2000.0, 4, 2, 0.01, 0.5),
    ];
    let assumptions = assumptions(0.0, 0.0, 0);
    let pool = Pool::build_with(&receivables, &assumptions, None, "golden").unwrap();
    let trigger = Trigger {
        metric: TriggerMetric::CumulativeNetLoss,
        test: TriggerTest::Above(0.06),
        effect: TriggerEffect::EarlyAmortization,
    };
    let deal = deal(
        6,
        4,
        0.0,
        0.0,
        0.0,
        tranches(&[("A", 0.8, Some(0.05)), ("S", 0.2, None)]),
        vec![trigger],
    );
    let run =
        run_deterministic(&pool, &assumptions, &DeterministicStress::default(), &deal).unwrap();
    // month 2: 220.48 defaulted of 2,000 + 1,456.34 bought = 6.38 % > 6 %: amortization from month 2
    assert_eq!(run.outcome.trigger_breach_month, vec![Some(2)]);
    assert_eq!(run.outcome.last_revolving_month, 1);
    let tranches: Vec<Vec<[f64; 6]>> = REVOLVING_TRIGGER_TRANCHES
        .iter()
        .map(|m| m.to_vec())
        .collect();
    check_deal(&run, &REVOLVING_TRIGGER_POOL, &tranches);
}

#[test]
fn monthly_vectors_repeat_their_last_value_and_match_flat_rates() {
    // A revolving deal (purchases exercise the month-dependent purchase profiles): a CDR/CPR
    // vector whose values are all c gives the flat-c run; a vector [a, b] gives month 1 at a
    // and every later month at b.
    let receivables = [
        receivable(
            "i1",
            Product::Installment,
            6000.0,
            9000.0,
            6,
            4,
            0.008,
            0.30,
        ),
        receivable("b1", Product::Bullet, 1000.0, 1000.0, 2, 2, 0.01, 0.45),
    ];
    let assumptions = assumptions(0.2, 0.4, 1);
    let pool = Pool::build_with(&receivables, &assumptions, None, "golden").unwrap();
    let deal = deal(
        8,
        3,
        50.0,
        0.0,
        0.0,
        tranches(&[("A", 0.8, Some(0.05)), ("S", 0.2, None)]),
        vec![],
    );
    let run = |cdr: RateCurve, cpr: RateCurve| {
        let stress = DeterministicStress {
            cdr: Some(cdr),
            cpr: Some(cpr),
        };
        run_deterministic(&pool, &assumptions, &stress, &deal).unwrap()
    };
    let flat = run(RateCurve::Flat(0.2), RateCurve::Flat(0.3));
    let vector = run(
        RateCurve::ByMonth(vec![0.2; 3]),
        RateCurve::ByMonth(vec![0.3, 0.3]),
    );
    for (a, b) in flat.pool.iter().zip(&vector.pool) {
        assert_close(a.flows.defaults, b.flows.defaults, "defaults");
        assert_close(a.flows.prepayments, b.flows.prepayments, "prepayments");
        assert_close(a.purchases, b.purchases, "purchases");
        assert_close(a.end_balance, b.end_balance, "end balance");
    }
    // month 1 at CDR 0.2, later months at 0.6: month 1 agrees with the flat-0.2 run,
    // month 2's defaults are higher
    let stepped = run(RateCurve::ByMonth(vec![0.2, 0.6]), RateCurve::Flat(0.3));
    assert_close(
        stepped.pool[0].flows.defaults,
        flat.pool[0].flows.defaults,
        "month 1",
    );
    assert!(stepped.pool[1].flows.defaults > flat.pool[1].flows.defaults * 2.0);
    // and month 2's defaults are exactly MDR(0.6) of the beginning balance of the cut-off
    // pool plus month 1's purchases (all alive at the start of month 2 share one MDR)
    let mdr = 1.0 - (1.0 - 0.6_f64).powf(1.0 / 12.0);
    assert_close(
        stepped.pool[1].flows.defaults,
        mdr * stepped.pool[1].flows.begin_balance,
        "month 2 defaults = MDR × beginning balance",
    );
}

// Pro rata with an early-amortization trigger that breaches after the revolving period
// (`pro_rata_breach_after_revolving` in reference.py, whose comments derive every number).
const PRO_RATA_BREACH_POOL: [[f64; 12]; 4] = [
    [
        1200.0, 120.0, 10.8, 360.0, 0.0, 0.0, 363.6, 1083.6, 0.0, 0.0, 0.0, 0.0,
    ],
    [
        1083.6, 108.36, 12.9924, 433.08, 0.0, 0.0, 0.0, 542.16, 0.0, 0.0, 0.0, 0.0,
    ],
    [
        542.16, 54.216, 11.69316, 389.772, 0.0, 0.0, 0.0, 98.172, 0.0, 0.0, 0.0, 0.0,
    ],
    [
        98.172, 9.8172, 2.650644, 88.3548, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    ],
];
const PRO_RATA_BREACH_TRANCHES: [[[f64; 6]; 3]; 4] = [
    [
        [720.0, 3.6, 3.6, 0.0, 720.0, 0.0],
        [360.0, 3.6, 3.6, 0.0, 360.0, 0.0],
        [120.0, 0.0, 0.0, 0.0, 120.0, 0.0],
    ],
    [
        [720.0, 3.6, 3.6, 292.5816, 427.4184, 0.0],
        [360.0, 3.6, 3.6, 146.2908, 213.7092, 0.0],
        [120.0, 0.0, 0.0, 0.0, 120.0, 0.0],
    ],
    [
        [427.4184, 2.137092, 2.137092, 397.190976, 30.227424, 0.0],
        [213.7092, 2.137092, 2.137092, 0.0, 213.7092, 0.0],
        [120.0, 0.0, 0.0, 0.0, 120.0, 0.0],
    ],
    [
        [30.227424, 0.15113712, 0.15113712, 30.227424, 0.0, 0.0],
        [213.7092, 2.137092, 2.137092, 58.48979088, 155.21940912, 0.0],
        [120.0, 0.0, 0.0, 0.0, 120.0, 0.0],
    ],
];

/// A deterministic run whose every receivable (cut-off and purchased) has the monthly
/// default rate `mdr` and no prepayment.
fn run_at_monthly_default_rate(
    receivables: &[baitiao_abs::tape::Receivable],
    assumptions: &baitiao_abs::scenario::Assumptions,
    deal: &baitiao_abs::scenario::Deal,
    mdr: f64,
) -> baitiao_abs::metrics::DeterministicRun {
    let pool = Pool::build_with(receivables, assumptions, None, "golden").unwrap();
    let stress = DeterministicStress {
        cdr: Some(RateCurve::Flat(annual_of_monthly(mdr))),
        cpr: Some(RateCurve::Flat(0.0)),
    };
    run_deterministic(&pool, assumptions, &stress, deal).unwrap()
}

#[test]
fn pro_rata_turns_sequential_when_an_early_amortization_trigger_breaches_after_revolving() {
    // SPEC §5: every trigger is tested in every period until the pool is sold, after the
    // revolving period too, and any breach ends pro-rata principal from that period on.
    // 1,200 of instalments over 3 months, fee 1 % of 1,200 a month, MDR 10 %; one month
    // revolving; cumulative net loss 10 % (month 1), 228.36 / 1,563.6 = 14.60 % (month 2),
    // 282.576 / 1,563.6 = 18.07 % (month 3) against a 16 % trigger.
    let receivables = [receivable(
        "i",
        Product::Installment,
        1200.0,
        1200.0,
        3,
        3,
        0.01,
        0.5,
    )];
    let assumptions = assumptions(0.0, 0.0, 0);
    let mut deal = deal(
        4,
        1,
        0.0,
        0.0,
        0.0,
        tranches(&[
            ("A", 0.6, Some(0.06)),
            ("B", 0.3, Some(0.12)),
            ("Sub", 0.1, None),
        ]),
        vec![Trigger {
            metric: TriggerMetric::CumulativeNetLoss,
            test: TriggerTest::Above(0.16),
            effect: TriggerEffect::EarlyAmortization,
        }],
    );
    deal.principal = PrincipalMode::ProRata;
    let run = run_at_monthly_default_rate(&receivables, &assumptions, &deal, 0.10);
    assert_eq!(run.outcome.last_revolving_month, 1);
    assert_eq!(run.outcome.trigger_breach_month, vec![Some(3)]);
    assert_close(
        run.pool[1].metrics.cumulative_net_loss,
        228.36 / 1563.6,
        "month 2 CNL",
    );
    assert_close(
        run.pool[2].metrics.cumulative_net_loss,
        282.576 / 1563.6,
        "month 3 CNL",
    );
    // month 2, before the breach: 438.8724 of principal pro rata, A 2/3 and B 1/3
    assert_close(
        run.tranches[1][0].principal_paid,
        292.5816,
        "month 2 A principal",
    );
    assert_close(
        run.tranches[1][1].principal_paid,
        146.2908,
        "month 2 B principal",
    );
    // month 3, the breach month: all 397.190976 to A, nothing to B
    assert_close(
        run.tranches[2][0].principal_paid,
        397.190976,
        "month 3 A principal",
    );
    assert_eq!(run.tranches[2][1].principal_paid, 0.0);
    // legal final: A is repaid, B loses 155.22 (pro rata to the end: A 103.04, B 51.52)
    assert_eq!(run.outcome.principal_loss[0], 0.0);
    assert_close(run.outcome.principal_loss[1], 155.219_409_12, "B loss");
    assert_close(run.outcome.principal_loss[2], 120.0, "Sub loss");
    let tranches: Vec<Vec<[f64; 6]>> = PRO_RATA_BREACH_TRANCHES
        .iter()
        .map(|m| m.to_vec())
        .collect();
    check_deal(&run, &PRO_RATA_BREACH_POOL, &tranches);
}

// A pool paid down to zero before the legal final, with a reserve and a 10 % clean-up call
// (`paid_down_not_called` in reference.py).
const PAID_DOWN_POOL: [[f64; 12]; 4] = [
    [
        1000.0, 200.0, 8.0, 0.0, 0.0, 0.0, 0.0, 800.0, 0.0, 0.0, 0.0, 45.0,
    ],
    [
        800.0, 160.0, 6.4, 640.0, 0.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 45.0,
    ],
    [0.0, 0.0, 0.0, 0.0, 0.0, 80.0, 0.0, 0.0, 0.0, 0.0, 0.0, 8.08],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
];
const PAID_DOWN_TRANCHES: [[[f64; 6]; 3]; 4] = [
    [
        [600.0, 5.0, 5.0, 0.0, 600.0, 0.0],
        [300.0, 3.0, 3.0, 0.0, 300.0, 0.0],
        [100.0, 0.0, 0.0, 0.0, 100.0, 0.0],
    ],
    [
        [600.0, 5.0, 5.0, 600.0, 0.0, 0.0],
        [300.0, 3.0, 3.0, 138.4, 161.6, 0.0],
        [100.0, 0.0, 0.0, 0.0, 100.0, 0.0],
    ],
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [161.6, 1.616, 1.616, 115.304, 46.296, 0.0],
        [100.0, 0.0, 0.0, 0.0, 100.0, 0.0],
    ],
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [46.296, 0.46296, 0.46296, 7.61704, 38.67896, 0.0],
        [100.0, 0.0, 0.0, 0.0, 100.0, 0.0],
    ],
];

#[test]
fn a_pool_paid_down_to_zero_is_not_called_and_keeps_its_reserve_target() {
    // SPEC §5: "A pool that has paid down to zero is not called: nothing is sold, and the
    // reserve target stays in force while rated notes are outstanding."
    // A 1,000 bullet over 2 months, fee 1 % of the balance a month, MDR 20 %, recoveries
    // 50 % a month later; A 600 at 10 %, B 300 at 12 %, Sub 100; reserve 5 % of the rated
    // notes; call at 10 % of 1,000; legal final month 4. By hand:
    // month 1: 1,000 → 200 defaults; fees 0.8 × 10 = 8; funds 8 + reserve 45 = 53; interest
    //   A 600 × 10 %/12 = 5, B 300 × 12 %/12 = 3; reserve back to 5 % × 900 = 45; end 800
    //   (≥ 100: no call).
    // month 2: 800 → 160 defaults; fees 6.4, the bullet's 640; recoveries 0.5 × 200 = 100;
    //   funds 6.4 + 640 + 100 + 45 = 791.4; interest 8; the pool ends at 0: not called, so
    //   the reserve target is 5 % × (600 + 300) = 45 (a call would have made it 0);
    //   principal 738.4: A 600, B 138.4 → B 161.6.
    // month 3: recoveries 0.5 × 160 = 80; funds 80 + 45 = 125; B interest 1.616; reserve
    //   5 % × 161.6 = 8.08; principal 115.304 to B → 46.296.
    // month 4 (legal final, target 0): funds 8.08; B interest 0.46296; principal 7.61704;
    //   B loses 46.296 − 7.61704 = 38.67896, Sub its 100.
    let receivables = [receivable(
        "b",
        Product::Bullet,
        1000.0,
        1000.0,
        2,
        2,
        0.01,
        0.5,
    )];
    let assumptions = assumptions(0.0, 0.5, 1);
    let deal = deal(
        4,
        0,
        0.0,
        0.05,
        0.10,
        tranches(&[
            ("A", 0.6, Some(0.10)),
            ("B", 0.3, Some(0.12)),
            ("Sub", 0.1, None),
        ]),
        vec![],
    );
    let run = run_at_monthly_default_rate(&receivables, &assumptions, &deal, 0.20);
    assert_eq!(run.outcome.call_month, None);
    assert!(run.pool.iter().all(|p| !p.called && p.sale_proceeds == 0.0));
    assert_eq!(run.pool[1].end_balance, 0.0);
    assert_close(run.pool[1].reserve_end, 45.0, "month 2 reserve");
    assert_close(run.pool[2].reserve_end, 8.08, "month 3 reserve");
    assert_close(run.pool[3].reserve_end, 0.0, "legal final reserve");
    assert_close(run.outcome.principal_loss[1], 38.678_96, "B loss");
    assert_close(run.outcome.principal_loss[2], 100.0, "Sub loss");
    let tranches: Vec<Vec<[f64; 6]>> = PAID_DOWN_TRANCHES.iter().map(|m| m.to_vec()).collect();
    check_deal(&run, &PAID_DOWN_POOL, &tranches);
}
