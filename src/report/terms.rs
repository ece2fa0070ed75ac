//! The `terms` block of `summary.json`: the scenario's assumptions, deal structure,
//! simulation settings, deterministic stresses and targets exactly as the run used them
//! (after `--paths` and `--seed`), so the report folder alone says what was assumed.
//!
//! Every folder with terms has had all of these keys; a key missing from a hand-made summary
//! reads as its default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scenario::{PoolSource, Prepayment, PrincipalMode, RateCurve, Scenario};

/// `terms`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Terms {
    pub pool: PoolTerms,
    pub assumptions: AssumptionTerms,
    pub deal: DealTerms,
    pub deterministic: StressTerms,
    pub simulation: SimulationTerms,
    pub targets: TargetTerms,
}

/// `terms.pool`: where the pool came from and what it was scaled to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolTerms {
    pub source: Option<PoolSourceTerms>,
    pub target_balance: Option<f64>,
    pub credit_model: Option<String>,
    pub credit_policy: Option<String>,
}

/// `terms.pool.source`: `{"tape": PATH}` or `{"synthetic": {"receivables": N, "seed": S}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolSourceTerms {
    Tape(String),
    Synthetic { receivables: u64, seed: u64 },
}

/// `terms.assumptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssumptionTerms {
    pub pd_multiplier: f64,
    pub correlation: f64,
    pub segments: Option<SegmentTerms>,
    pub cpr: Option<CprTerms>,
    pub recovery_rate: f64,
    pub recovery_lag_months: u32,
    pub yield_haircut: f64,
    /// `[assumptions] calibration`: where the calibrated values came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationTerms>,
}

/// `terms.assumptions.calibration` (SPEC §4.6): the calibration file, the history behind
/// it, the keys taken from it and those the scenario overrode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CalibrationTerms {
    pub file: String,
    pub history: String,
    pub data_date: String,
    pub calibrated: Vec<String>,
    pub overridden: Vec<String>,
    pub rho_ci90: [f64; 2],
    pub lifetime_charge_off_rate: f64,
}

/// `terms.assumptions.segments`: each segment's correlation and the factors' correlations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentTerms {
    pub names: Vec<String>,
    pub correlation: Vec<f64>,
    pub factor_correlation: Vec<Vec<f64>>,
}

/// `terms.assumptions.cpr`: one annual CPR, or one per original term (keys are terms in
/// months, as text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CprTerms {
    Flat(f64),
    ByTerm(BTreeMap<String, f64>),
}

/// `terms.deal`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DealTerms {
    pub horizon_months: u32,
    pub revolving_months: u32,
    pub senior_fee_bps: f64,
    pub reserve_pct: f64,
    pub clean_up_call: f64,
    /// `sequential` or `pro_rata`.
    pub principal: String,
    pub tranches: Vec<TrancheTerms>,
    /// Each trigger's label: `metric > level -> effect`.
    pub triggers: Vec<String>,
    /// The rating table's ratings, best first.
    pub rating_scale: Vec<String>,
}

/// One tranche of `terms.deal.tranches`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrancheTerms {
    pub name: String,
    pub share: f64,
    pub coupon: Option<f64>,
    pub target_rating: Option<String>,
}

/// `terms.deterministic`: the fixed stresses of the deterministic run, if any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StressTerms {
    pub cdr: Option<RateCurveTerms>,
    pub cpr: Option<RateCurveTerms>,
}

/// An annual rate: one for every month, or one per deal month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RateCurveTerms {
    Flat(f64),
    ByMonth(Vec<f64>),
}

/// `terms.simulation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulationTerms {
    pub paths: u64,
    pub seed: u64,
    pub importance_sampling: bool,
}

/// `terms.targets` (and a frontier's `targets`): what `[targets]` asks, `null` where it asks
/// nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetTerms {
    pub max_pool_el: Option<f64>,
    pub min_advance_rate: Option<f64>,
    pub funding_need: Option<f64>,
}

impl RateCurveTerms {
    fn of(curve: &RateCurve) -> RateCurveTerms {
        match curve {
            RateCurve::Flat(rate) => RateCurveTerms::Flat(*rate),
            RateCurve::ByMonth(rates) => RateCurveTerms::ByMonth(rates.clone()),
        }
    }
}

impl TargetTerms {
    /// The scenario's `[targets]`, as given.
    pub fn of(scenario: &Scenario) -> TargetTerms {
        let targets = &scenario.targets;
        TargetTerms {
            max_pool_el: targets.max_pool_el,
            min_advance_rate: targets.min_advance_rate,
            funding_need: targets.funding_need,
        }
    }
}

impl Terms {
    /// The `terms` of a scenario as run.
    pub fn of(scenario: &Scenario) -> Terms {
        let a = &scenario.assumptions;
        let deal = &scenario.deal;
        let source = match &scenario.pool.source {
            PoolSource::Tape(path) => PoolSourceTerms::Tape(path.display().to_string()),
            PoolSource::Synthetic { receivables, seed } => PoolSourceTerms::Synthetic {
                receivables: *receivables as u64,
                seed: *seed,
            },
        };
        let cpr = match &a.prepayment {
            Prepayment::Flat(cpr) => CprTerms::Flat(*cpr),
            Prepayment::ByTerm(table) => CprTerms::ByTerm(
                table
                    .iter()
                    .map(|(term, cpr)| (term.to_string(), *cpr))
                    .collect(),
            ),
        };
        let segments = a.segments.as_ref().map(|s| {
            let n = s.names.len();
            SegmentTerms {
                names: s.names.clone(),
                correlation: s.rho.clone(),
                factor_correlation: (0..n)
                    .map(|i| (0..n).map(|j| s.factor_correlation[(i, j)]).collect())
                    .collect(),
            }
        });
        let path_text =
            |path: &Option<std::path::PathBuf>| path.as_ref().map(|p| p.display().to_string());
        Terms {
            pool: PoolTerms {
                source: Some(source),
                target_balance: scenario.pool.target_balance,
                credit_model: path_text(&scenario.credit.model),
                credit_policy: path_text(&scenario.credit.policy),
            },
            assumptions: AssumptionTerms {
                pd_multiplier: a.pd_multiplier,
                correlation: a.correlation,
                segments,
                cpr: Some(cpr),
                recovery_rate: a.recovery_rate,
                recovery_lag_months: a.recovery_lag_months,
                yield_haircut: a.yield_haircut,
                calibration: a.calibration.as_ref().map(|c| CalibrationTerms {
                    file: c.file.display().to_string(),
                    history: c.history.clone(),
                    data_date: c.data_date.clone(),
                    calibrated: c.calibrated.iter().map(|k| k.to_string()).collect(),
                    overridden: c.overridden.iter().map(|k| k.to_string()).collect(),
                    rho_ci90: c.rho_ci90,
                    lifetime_charge_off_rate: c.lifetime_charge_off_rate,
                }),
            },
            deal: DealTerms {
                horizon_months: deal.horizon_months,
                revolving_months: deal.revolving_months,
                senior_fee_bps: deal.senior_fee_bps,
                reserve_pct: deal.reserve_pct,
                clean_up_call: deal.clean_up_call,
                principal: match deal.principal {
                    PrincipalMode::Sequential => "sequential",
                    PrincipalMode::ProRata => "pro_rata",
                }
                .into(),
                tranches: deal
                    .tranches
                    .iter()
                    .map(|t| TrancheTerms {
                        name: t.name.clone(),
                        share: t.share,
                        coupon: t.coupon,
                        target_rating: t.target_rating.clone(),
                    })
                    .collect(),
                triggers: deal.triggers.iter().map(|t| t.label()).collect(),
                rating_scale: deal.rating_table.ratings().to_vec(),
            },
            deterministic: StressTerms {
                cdr: scenario.deterministic.cdr.as_ref().map(RateCurveTerms::of),
                cpr: scenario.deterministic.cpr.as_ref().map(RateCurveTerms::of),
            },
            simulation: SimulationTerms {
                paths: scenario.simulation.paths as u64,
                seed: scenario.simulation.seed,
                importance_sampling: scenario.simulation.importance_sampling,
            },
            targets: TargetTerms::of(scenario),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_scenario_terms() {
        let loaded = crate::scenario::load(std::path::Path::new("scenarios/base.toml")).unwrap();
        let terms = Terms::of(&loaded.scenario);
        assert_eq!(terms.deal.revolving_months, 12);
        // base's CPR is its calibration's (data/base_calibration.toml)
        assert_eq!(
            terms.assumptions.cpr,
            Some(CprTerms::Flat(0.191_060_961_078_319_27))
        );
        assert_eq!(terms.deal.tranches[0].name, "A");
        assert_eq!(terms.deal.rating_scale[0], "Aaa");
        assert_eq!(terms.deterministic.cdr, None);
        // written as every version wrote it
        let json = serde_json::to_value(&terms).unwrap();
        assert_eq!(json["pool"]["source"]["synthetic"]["receivables"], 200_000);
        assert!(json["deterministic"]["cdr"].is_null());
        assert_eq!(serde_json::from_value::<Terms>(json).unwrap(), terms);
    }
}
