//! The `terms` block of `summary.json`: the scenario's assumptions, deal structure,
//! simulation settings, deterministic stresses and targets exactly as the run used them
//! (after `--paths` and `--seed`), so the report folder alone says what was assumed.

use serde_json::{Value, json};

use crate::scenario::{PoolSource, Prepayment, RateCurve, Scenario};

fn rate_curve(curve: &Option<RateCurve>) -> Value {
    match curve {
        None => Value::Null,
        Some(RateCurve::Flat(rate)) => json!(rate),
        Some(RateCurve::ByMonth(rates)) => json!(rates),
    }
}

/// The `terms` object of `summary.json`.
pub fn scenario_terms(scenario: &Scenario) -> Value {
    let a = &scenario.assumptions;
    let deal = &scenario.deal;
    let pool_source = match &scenario.pool.source {
        PoolSource::Tape(path) => json!({ "tape": path.display().to_string() }),
        PoolSource::Synthetic { receivables, seed } => {
            json!({ "synthetic": { "receivables": receivables, "seed": seed } })
        }
    };
    let cpr = match &a.prepayment {
        Prepayment::Flat(cpr) => json!(cpr),
        Prepayment::ByTerm(table) => json!(
            table
                .iter()
                .map(|(term, cpr)| (term.to_string(), json!(cpr)))
                .collect::<serde_json::Map<_, _>>()
        ),
    };
    let segments = a.segments.as_ref().map(|s| {
        json!({
            "names": s.names,
            "correlation": s.rho,
            "factor_correlation": (0..s.names.len())
                .map(|i| (0..s.names.len()).map(|j| s.factor_correlation[(i, j)]).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
        })
    });
    json!({
        "pool": {
            "source": pool_source,
            "target_balance": scenario.pool.target_balance,
            "credit_model": scenario.credit.model.as_ref().map(|p| p.display().to_string()),
            "credit_policy": scenario.credit.policy.as_ref().map(|p| p.display().to_string()),
        },
        "assumptions": {
            "pd_multiplier": a.pd_multiplier,
            "correlation": a.correlation,
            "segments": segments,
            "cpr": cpr,
            "recovery_rate": a.recovery_rate,
            "recovery_lag_months": a.recovery_lag_months,
            "yield_haircut": a.yield_haircut,
        },
        "deal": {
            "horizon_months": deal.horizon_months,
            "revolving_months": deal.revolving_months,
            "senior_fee_bps": deal.senior_fee_bps,
            "reserve_pct": deal.reserve_pct,
            "clean_up_call": deal.clean_up_call,
            "principal": match deal.principal {
                crate::scenario::PrincipalMode::Sequential => "sequential",
                crate::scenario::PrincipalMode::ProRata => "pro_rata",
            },
            "tranches": deal.tranches.iter().map(|t| json!({
                "name": t.name,
                "share": t.share,
                "coupon": t.coupon,
                "target_rating": t.target_rating,
            })).collect::<Vec<_>>(),
            "triggers": deal.triggers.iter().map(|t| t.label()).collect::<Vec<_>>(),
            "rating_scale": deal.rating_table.ratings(),
        },
        "deterministic": {
            "cdr": rate_curve(&scenario.deterministic.cdr),
            "cpr": rate_curve(&scenario.deterministic.cpr),
        },
        "simulation": {
            "paths": scenario.simulation.paths,
            "seed": scenario.simulation.seed,
            "importance_sampling": scenario.simulation.importance_sampling,
        },
        "targets": {
            "max_pool_el": scenario.targets.max_pool_el,
            "min_advance_rate": scenario.targets.min_advance_rate,
            "funding_need": scenario.targets.funding_need,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_scenario_terms() {
        let loaded = crate::scenario::load(std::path::Path::new("scenarios/base.toml")).unwrap();
        let terms = scenario_terms(&loaded.scenario);
        assert_eq!(terms.pointer("/deal/revolving_months"), Some(&json!(12)));
        assert_eq!(terms.pointer("/assumptions/cpr"), Some(&json!(0.15)));
        assert_eq!(terms.pointer("/deal/tranches/0/name"), Some(&json!("A")));
        assert_eq!(terms.pointer("/deal/rating_scale/0"), Some(&json!("Aaa")));
        assert!(terms.pointer("/deterministic/cdr").unwrap().is_null());
    }
}
