//! The approval policy (SPEC §3): score cut-off, knock-out rules and the limit rule, read from
//! and written to a policy file (TOML, unknown keys are errors).
//!
//! `decide` applies a policy to scored applicants; `frontier` (SPEC §7.2) writes one. The
//! built-in policy ([`Policy::built_in`]) is written out as `scenarios/policy_default.toml`.

use serde::{Deserialize, Serialize};

use super::{Applicant, ConfigError};
use crate::tape::problems::{show_number, toml_problem};
use crate::units::{MAX_CREDIT_LIMIT_CNY, MAX_LIMIT_MULTIPLIER, grouped};

/// Limits are rounded down to a multiple of this many CNY.
pub const LIMIT_STEP_CNY: f64 = 100.0;

/// An approval policy. Validated by [`Policy::from_toml`] and [`Policy::validate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Approve only scores ≥ this cut-off.
    pub cutoff: f64,
    /// The standard cut-off; scores in `[base_cutoff, cutoff)` are declined with
    /// `POLICY_TIGHTENING` (the applicant would have passed under the standard policy).
    /// Omitted: equal to `cutoff`. Must not exceed `cutoff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_cutoff: Option<f64>,
    /// Scales every limit (the frontier's lever).
    pub limit_multiplier: f64,
    /// No limit exceeds this, CNY.
    pub limit_cap: f64,
    /// Knock-out rules; an omitted threshold switches its rule off.
    pub knock_outs: KnockOuts,
    /// How spending capacity scales the base limit.
    pub spending: SpendingScaling,
    /// Base limit by score band, in increasing `min_score`.
    pub limit_bands: Vec<LimitBand>,
}

/// Knock-out thresholds: an applicant breaking any is declined whatever the score.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnockOuts {
    /// Decline when the external score is below this floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_external_score: Option<f64>,
    /// Decline when `delinquencies_12m` exceeds this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delinquencies_12m: Option<u32>,
    /// Decline when `other_credit_lines` exceeds this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_other_credit_lines: Option<u32>,
    /// Decline when `info_completeness` is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_info_completeness: Option<f64>,
    /// Decline when the identity is not verified.
    #[serde(default)]
    pub require_id_verified: bool,
    /// Decline when `applications_7d` exceeds this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_applications_7d: Option<u32>,
    /// Decline when `login_risk` exceeds this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_login_risk: Option<f64>,
    /// Decline when `max_order_value / avg_order_value` exceeds this (one order far above the
    /// usual basket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_order_value_ratio: Option<f64>,
    /// Decline when `electronics_share` exceeds this (a resale pattern).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_electronics_share: Option<f64>,
}

/// Spending-capacity scaling of the base limit.
///
/// # Formula
/// `factor = clamp(monthly_spend / reference_monthly_spend, min_factor, max_factor)` with
/// `monthly_spend = orders_12m × avg_order_value / 12`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendingScaling {
    /// Monthly spend, CNY, at which the base limit applies unscaled.
    pub reference_monthly_spend: f64,
    pub min_factor: f64,
    pub max_factor: f64,
}

/// A score band of the limit table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitBand {
    /// Lowest score of the band; the band runs to the next band's `min_score`. The first band
    /// also covers approved scores below its `min_score` (a cut-off lowered below the table).
    pub min_score: f64,
    /// Base limit, CNY.
    pub base_limit: f64,
}

impl Policy {
    /// The standard policy, written out as `scenarios/policy_default.toml`.
    pub fn built_in() -> Policy {
        Policy {
            cutoff: 600.0,
            base_cutoff: Some(600.0),
            limit_multiplier: 1.0,
            limit_cap: 30_000.0,
            knock_outs: KnockOuts {
                min_external_score: Some(520.0),
                max_delinquencies_12m: Some(2),
                max_other_credit_lines: Some(8),
                min_info_completeness: Some(0.4),
                require_id_verified: true,
                max_applications_7d: Some(5),
                max_login_risk: Some(0.8),
                max_order_value_ratio: Some(15.0),
                max_electronics_share: Some(0.96),
            },
            spending: SpendingScaling {
                reference_monthly_spend: 400.0,
                min_factor: 0.5,
                max_factor: 2.0,
            },
            limit_bands: [
                (600.0, 2_000.0),
                (620.0, 4_000.0),
                (640.0, 6_000.0),
                (660.0, 9_000.0),
                (680.0, 12_000.0),
                (700.0, 16_000.0),
                (730.0, 20_000.0),
            ]
            .into_iter()
            .map(|(min_score, base_limit)| LimitBand {
                min_score,
                base_limit,
            })
            .collect(),
        }
    }

    /// The standard cut-off: `base_cutoff`, or `cutoff` when omitted.
    pub fn standard_cutoff(&self) -> f64 {
        self.base_cutoff.unwrap_or(self.cutoff)
    }

    /// The base limit of `score`'s band (CNY).
    pub fn base_limit(&self, score: f64) -> f64 {
        self.limit_bands
            .iter()
            .take_while(|band| band.min_score <= score)
            .last()
            .or(self.limit_bands.first())
            .map_or(0.0, |band| band.base_limit)
    }

    /// The credit limit of an approved applicant with `score`, CNY.
    ///
    /// # Formula
    /// `min(base_limit(score) × clamp(monthly_spend / reference, min_factor, max_factor) ×
    /// limit_multiplier, limit_cap)`, rounded down to a multiple of [`LIMIT_STEP_CNY`].
    pub fn limit(&self, applicant: &Applicant, score: f64) -> f64 {
        let spending = &self.spending;
        let factor = (applicant.monthly_spend_cny() / spending.reference_monthly_spend)
            .clamp(spending.min_factor, spending.max_factor);
        let limit = (self.base_limit(score) * factor * self.limit_multiplier).min(self.limit_cap);
        (limit / LIMIT_STEP_CNY).floor() * LIMIT_STEP_CNY
    }

    /// Every broken rule of the policy, one line each naming the key.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, key: &str, value: &f64, rule: &str| {
            if !ok {
                problems.push(format!("{key}: {} {rule}", show_number(*value)));
            }
        };
        let score_ok = |s: f64| (300.0..=1000.0).contains(&s);
        check(
            score_ok(self.cutoff),
            "cutoff",
            &self.cutoff,
            "must be a score from 300 to 1000",
        );
        if let Some(base) = self.base_cutoff {
            check(
                score_ok(base) && base <= self.cutoff,
                "base_cutoff",
                &base,
                "must be a score from 300 to 1000, at most `cutoff`",
            );
        }
        let multiplier_rule = format!("must be a number > 0 and at most {MAX_LIMIT_MULTIPLIER}");
        let multiplier_ok = |m: f64| m > 0.0 && m <= MAX_LIMIT_MULTIPLIER;
        let limit_rule = format!(
            "must be an amount > 0 and at most {} (CNY)",
            grouped(MAX_CREDIT_LIMIT_CNY)
        );
        let limit_ok = |amount: f64| amount > 0.0 && amount <= MAX_CREDIT_LIMIT_CNY;
        check(
            multiplier_ok(self.limit_multiplier),
            "limit_multiplier",
            &self.limit_multiplier,
            &multiplier_rule,
        );
        check(
            limit_ok(self.limit_cap),
            "limit_cap",
            &self.limit_cap,
            &limit_rule,
        );
        let k = &self.knock_outs;
        if let Some(floor) = k.min_external_score {
            check(
                (350.0..=950.0).contains(&floor),
                "knock_outs.min_external_score",
                &floor,
                "must be from 350 to 950",
            );
        }
        for (key, value) in [
            ("knock_outs.min_info_completeness", k.min_info_completeness),
            ("knock_outs.max_login_risk", k.max_login_risk),
            ("knock_outs.max_electronics_share", k.max_electronics_share),
        ] {
            if let Some(value) = value {
                check(
                    (0.0..=1.0).contains(&value),
                    key,
                    &value,
                    "must be in [0, 1]",
                );
            }
        }
        if let Some(ratio) = k.max_order_value_ratio {
            check(
                ratio.is_finite() && ratio >= 1.0,
                "knock_outs.max_order_value_ratio",
                &ratio,
                "must be a number ≥ 1",
            );
        }
        let s = &self.spending;
        check(
            s.reference_monthly_spend.is_finite() && s.reference_monthly_spend > 0.0,
            "spending.reference_monthly_spend",
            &s.reference_monthly_spend,
            "must be an amount > 0 (CNY)",
        );
        check(
            multiplier_ok(s.min_factor),
            "spending.min_factor",
            &s.min_factor,
            &multiplier_rule,
        );
        check(
            s.max_factor >= s.min_factor && s.max_factor <= MAX_LIMIT_MULTIPLIER,
            "spending.max_factor",
            &s.max_factor,
            &format!("must be a number ≥ spending.min_factor and at most {MAX_LIMIT_MULTIPLIER}"),
        );
        if self.limit_bands.is_empty() {
            problems.push("limit_bands: empty; give at least one band".to_owned());
        }
        for (index, band) in self.limit_bands.iter().enumerate() {
            let increasing = index == 0 || band.min_score > self.limit_bands[index - 1].min_score;
            if !(score_ok(band.min_score) && increasing) {
                problems.push(format!(
                    "limit_bands[{index}].min_score: {} must be a score from 300 to 1000, above the previous band's",
                    show_number(band.min_score)
                ));
            }
            if !limit_ok(band.base_limit) {
                problems.push(format!(
                    "limit_bands[{index}].base_limit: {} {limit_rule}",
                    show_number(band.base_limit)
                ));
            }
        }
        problems
    }

    /// Checks the policy.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] listing every problem; `label` names the file.
    pub fn validate(&self, label: &str) -> Result<(), ConfigError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                file: label.to_owned(),
                problems: problems
                    .into_iter()
                    .map(|problem| format!("{label}: {problem}"))
                    .collect(),
            })
        }
    }

    /// The policy file (TOML); [`Policy::from_toml`] reads it back exactly.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|error| {
            // Only non-finite numbers could fail, and validation excludes them.
            format!("# cannot write this policy: {error}\n")
        })
    }

    /// Parses and validates a policy file; `label` names it in messages.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key (unknown keys included).
    pub fn from_toml(text: &str, label: &str) -> Result<Policy, ConfigError> {
        let policy: Policy = toml::from_str(text).map_err(|error| ConfigError::Invalid {
            file: label.to_owned(),
            problems: vec![toml_problem(label, text, &error)],
        })?;
        policy.validate(label)?;
        Ok(policy)
    }

    /// Reads a policy file.
    ///
    /// # Errors
    /// [`ConfigError::Io`] when it cannot be read, else as [`Policy::from_toml`].
    pub fn read(path: &std::path::Path) -> Result<Policy, ConfigError> {
        Policy::from_toml(&super::read_text(path)?, &path.display().to_string())
    }

    /// Writes the policy file atomically.
    ///
    /// # Errors
    /// [`ConfigError::Write`] naming `path`.
    pub fn write(&self, path: &std::path::Path) -> Result<(), ConfigError> {
        let text = self.to_toml();
        super::write_atomically(path, |out| std::io::Write::write_all(out, text.as_bytes()))
            .map_err(|source| ConfigError::Write {
                file: path.display().to_string(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_policy_is_valid_and_round_trips() {
        let policy = Policy::built_in();
        assert_eq!(policy.problems(), Vec::<String>::new());
        let back = Policy::from_toml(&policy.to_toml(), "p.toml").expect("valid");
        assert_eq!(back, policy);
    }

    #[test]
    fn base_limit_follows_bands_and_covers_scores_below_the_table() {
        let policy = Policy::built_in();
        assert_eq!(policy.base_limit(590.0), 2_000.0);
        assert_eq!(policy.base_limit(600.0), 2_000.0);
        assert_eq!(policy.base_limit(639.9), 4_000.0);
        assert_eq!(policy.base_limit(640.0), 6_000.0);
        assert_eq!(policy.base_limit(800.0), 20_000.0);
    }
}
