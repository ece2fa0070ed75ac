//! Statistics of the synthetic applicant population quoted in `docs/credit.md`:
//! `cargo run --release --example credit_stats -- [N] [SEED]`.

use baitiao_abs::credit::{
    Feature, Outcome, Policy, ReasonCode, Scorecard, decide_all, generate_applicants,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let applicants = generate_applicants(n, seed, true);
    let model = Scorecard::built_in();
    let policy = Policy::built_in();

    let defaults = applicants
        .iter()
        .filter(|a| a.defaulted_12m == Some(true))
        .count();
    println!(
        "applicants {n}, seed {seed}: default rate {:.4}",
        defaults as f64 / n as f64
    );
    let outages = applicants
        .iter()
        .filter(|a| a.external_score.is_none())
        .count();
    println!("external score outages {:.4}", outages as f64 / n as f64);

    println!("population means of the transformed features (scored applicants):");
    let rows: Vec<Vec<f64>> = applicants
        .iter()
        .filter_map(|a| model.design_row(a))
        .collect();
    for (k, feature) in model.features().iter().enumerate() {
        let mean = rows.iter().map(|r| r[k]).sum::<f64>() / rows.len() as f64;
        println!("  {:<20} {mean:.4}", feature.name());
    }
    println!("average score {:.1}", model.average_score());

    let decisions = decide_all(&applicants, &model, &policy);
    for outcome in [Outcome::Approve, Outcome::Decline, Outcome::Pending] {
        let count = decisions.iter().filter(|d| d.decision == outcome).count();
        println!("{:<8} {:.4}", outcome.as_str(), count as f64 / n as f64);
    }
    for code in ReasonCode::ALL {
        let count = decisions
            .iter()
            .filter(|d| d.reasons.contains(&code))
            .count();
        println!("  {:<28} {:.4}", code.code(), count as f64 / n as f64);
    }
    let approved: Vec<_> = applicants
        .iter()
        .zip(&decisions)
        .filter(|(_, d)| d.decision == Outcome::Approve)
        .collect();
    let approved_defaults = approved
        .iter()
        .filter(|(a, _)| a.defaulted_12m == Some(true))
        .count();
    let mean_limit = approved.iter().map(|(_, d)| d.limit).sum::<f64>() / approved.len() as f64;
    println!(
        "approved default rate {:.4}, mean limit {mean_limit:.0} CNY",
        approved_defaults as f64 / approved.len() as f64
    );

    let mut scored: Vec<(f64, bool)> = applicants
        .iter()
        .zip(&decisions)
        .filter_map(|(a, d)| Some((d.score?, a.defaulted_12m == Some(true))))
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let bads = scored.iter().filter(|s| s.1).count() as f64;
    let goods = scored.len() as f64 - bads;
    // AUC = P(score of a good > score of a bad), by ranks.
    let mut bads_below = 0.0;
    let mut auc = 0.0;
    for &(_, bad) in &scored {
        if bad {
            bads_below += 1.0;
        } else {
            auc += bads_below;
        }
    }
    println!("true-model AUC {:.4}", auc / (goods * bads));
    for band in [
        (300.0, 560.0),
        (560.0, 600.0),
        (600.0, 640.0),
        (640.0, 680.0),
        (680.0, 1000.0),
    ] {
        let inside: Vec<_> = scored
            .iter()
            .filter(|s| s.0 >= band.0 && s.0 < band.1)
            .collect();
        let rate = inside.iter().filter(|s| s.1).count() as f64 / inside.len().max(1) as f64;
        println!(
            "  score {:>4}–{:<4} share {:.3} default rate {:.4}",
            band.0,
            band.1,
            inside.len() as f64 / scored.len() as f64,
            rate
        );
    }
    let _ = Feature::ALL;
}
