//! Synthetic static-pool history from a documented true model (`gen-history`, SPEC §4.6), so
//! that calibration can be tested against known answers.
//!
//! # The true model
//!
//! Vintages `v = 0 … N−1` are consecutive months from `first_vintage`; the data date is the
//! last vintage's month, so vintage `v` is observed at months on book `m = 0 … N−1−v` (the
//! recent vintages are immature). Vintages go to the segments in turn (`v mod S`), because a
//! vintage belongs to one segment (SPEC §2.4) and each segment needs old and new vintages.
//!
//! **Originated**: `O_v = originated_first · (1 + originated_growth)^v`.
//!
//! **Systematic factor**, standard normal and AR(1) across vintages (an economic cycle):
//! `Z_0 = ε_0`, `Z_v = φ Z_{v−1} + √(1−φ²) ε_v`, `ε_v` i.i.d. N(0, 1), so `Z_v ~ N(0, 1)` for
//! every `v` and `corr(Z_v, Z_{v+k}) = φ^k`.
//!
//! **Lifetime charge-off rate** of the vintage (Vasicek's large-pool law, asset correlation
//! ρ, the segment's lifetime default probability `p`):
//! `D_v = Φ((Φ⁻¹(p) − √ρ Z_v) / √(1−ρ))`, whose mean over `Z` is exactly `p`. In
//! `--expected` mode `D_v = p` for every vintage: the model's mean curves, no noise.
//! `D_v` is capped at `1 / g` (below) so the defaulting loans never hold more principal than
//! the vintage; with the defaults that takes `Z_v` below −6 and never happens in practice;
//! the truth file flags a capped vintage.
//!
//! **Charge-offs**: `t_m` is the timing curve (shares by month on book, normalised to sum to
//! 1). Principal charged off in month `m`: `CO_m = O_v · D_v · t_m`; cumulative
//! `charged_off(m) = Σ_{k≤m} CO_k`, so the timing curve is exactly the share of lifetime
//! charge-offs by month on book.
//!
//! **Loans**: `term_months` (T) equal monthly principal instalments due at months on book
//! 1 … T. A defaulting loan misses its first instalment at month `j` and is charged off
//! `d = delay_to_charge_off_months` months later (at 90+ days past due for d = 3): the
//! principal charged off at `m` is that of the loans first missing at `j = m − d`, which had
//! paid `j − 1` instalments, so they originated `G_j = CO_{j+d} · T / (T − j + 1)`. The
//! curve must therefore end by month `T − 1 + d`. Those loans do not prepay. Their balance at
//! month `m`: `G_j (T − m) / T` before `j`, `CO_{j+d}` from `j` to `j + d − 1` (delinquent, no
//! payments), 0 from `j + d` (charged off). `g = Σ_m t_m T / (T − m + d + 1)`, so
//! `Σ_j G_j = O_v D_v g`.
//!
//! **Healthy loans** (never default) start with `H_0 = O_v − Σ_j G_j` and in month `m`:
//! - pay their scheduled instalments `H_{m−1} / (T − m + 1)` (equal principal instalments of
//!   the surviving loans; nothing after month T);
//! - prepay `SMM_m · outstanding(m−1)`, with `SMM_m = 1 − (1 − CPR_m)^(1/12)`: the single
//!   monthly mortality is defined on the vintage's whole outstanding at the start of the
//!   month, exactly as the estimator `SMM_m = (prepaid(m) − prepaid(m−1)) / outstanding(m−1)`
//!   and `CPR_m = 1 − (1 − SMM_m)^12` measure it; the principal comes out of the healthy
//!   loans' balance after their instalment (capped at it: never with the defaults, flagged in
//!   the truth). `CPR_m = 0` from month T on (nothing is left to pay ahead of schedule).
//!
//! **Outstanding** `= H_m + Σ_j balance of the defaulting loans of month j`, which is
//! `originated − scheduled principal − prepaid − charged off`, all cumulative.
//!
//! **Delinquency buckets** (d buckets of 30 days: `dpd_1_30`, `dpd_31_60`, `dpd_61_90` for
//! d = 3), at the end of month `m`:
//! - bucket `k ≥ 2`: `CO_{m+d+1−k}`, the defaulting loans in their k-th month past due;
//! - bucket 1: `CO_{m+d} / (1 − c)`: the loans that will charge off plus healthy loans that
//!   missed an instalment and cure the next month, a share `c` (the cure rate) of the
//!   bucket. A curing loan's principal is counted in `dpd_1_30` and, as it catches up, is
//!   treated as paid on schedule (it stays in `H`), which keeps the balance identity exact.
//!
//! So the roll rates (balance in bucket k+1 at t+1 ÷ balance in bucket k at t, the last
//! "bucket" being the charge-offs of the month) are constant by month: `1 − c` from the
//! first bucket, 1 from every later one; their product `1 − c` is the share of new
//! delinquency that charges off. The cure rates are `c`, then 0.
//!
//! **Recoveries**: a share R of the principal charged off in month `m` is recovered L months
//! later: `recovered(m) = R · charged_off(m − L)`.
//!
//! Deterministic: one [`Xoshiro256PlusPlus`] stream seeded with `seed_from_u64(seed)` draws
//! `ε_0, ε_1, …` in vintage order; the same model and seed give the same bytes.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::reader::nth_bucket;
use super::{History, Vintage, VintageMonth, YearMonth};
use crate::normal::{normal_cdf, normal_quantile};
use crate::units::smm_from_cpr;

/// The most vintages `gen-history` writes (50 years of monthly vintages; the file grows with
/// the square of the count).
pub const MAX_VINTAGES: usize = 600;

/// One segment of the true model and its lifetime default probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentModel {
    pub name: String,
    /// Lifetime default probability `p`: the mean of the vintages' lifetime charge-off rate.
    pub pd: f64,
}

/// The true model's parameters (module docs: every equation). A `--params` TOML file
/// overrides any of them; the others keep these defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrueModel {
    /// The first vintage, `YYYY-MM`.
    pub first_vintage: String,
    pub vintages: usize,
    /// Principal originated in the first vintage, CNY.
    pub originated_first: f64,
    /// Monthly growth of the originated principal.
    pub originated_growth: f64,
    /// The segments; vintage v goes to segment v mod (number of segments).
    pub segments: Vec<SegmentModel>,
    /// Asset correlation ρ.
    pub rho: f64,
    /// Autocorrelation φ of the systematic factor from one vintage to the next.
    pub phi: f64,
    /// Equal monthly principal instalments of a loan.
    pub term_months: u32,
    /// Months from the first missed instalment to charge-off (= the number of 30-day
    /// delinquency buckets).
    pub delay_to_charge_off_months: u32,
    /// Share of lifetime charge-offs by month on book, from month 0 (normalised to sum to 1).
    pub timing_curve: Vec<f64>,
    /// Share of the balance entering `dpd_1_30` that cures the next month.
    pub cure_rate: f64,
    /// Annual CPR in months on book 1, 2, … (0 after the list's end and from the term on).
    pub cpr_by_mob: Vec<f64>,
    /// Share of charged-off principal recovered.
    pub recovery_rate: f64,
    /// Months from charge-off to recovery.
    pub recovery_lag_months: u32,
}

impl Default for TrueModel {
    fn default() -> Self {
        TrueModel {
            // Judgement: four years of monthly vintages, the span of the public Baitiao ABS
            // programme's early deals.
            first_vintage: "2017-01".to_owned(),
            vintages: 48,
            // Judgement: 1 bn CNY a month growing 2 % a month (scale does not matter to rates).
            originated_first: 1.0e9,
            originated_growth: 0.02,
            segments: vec![SegmentModel {
                name: super::DEFAULT_SEGMENT.to_owned(),
                // Rating reports on Baitiao ABS estimated a static-pool write-off (lifetime
                // charge-off) of about 1.0–1.15 %; 1.1 % sits in that range.
                pd: 0.011,
            }],
            // Judgement, checked against the public figures: with p = 1.1 %, ρ = 0.10 puts
            // the reports' maximum cumulative default near 3 % at Z ≈ −1.6 (a 1-in-18 vintage,
            // about the worst of 48 autocorrelated vintages), and the 2020 deal's 4.6 % of the
            // pool 91+ dpd (about five times base) at Z ≈ −2.2 (1 in 70).
            rho: 0.10,
            // Judgement: a cycle lasting a few months.
            phi: 0.5,
            // Judgement: Baitiao's 12-month instalment plan.
            term_months: 12,
            // Charge-off at 90+ days past due: three 30-day buckets, then charge-off.
            delay_to_charge_off_months: 3,
            // Judgement: nothing before month 4 (first instalment at month 1, + 3 months),
            // a hump peaking at months 7–8, the last at month 14 (first missed instalment at
            // month 11).
            timing_curve: vec![
                0.0, 0.0, 0.0, 0.0, 0.04, 0.08, 0.12, 0.14, 0.14, 0.12, 0.10, 0.08, 0.07, 0.06,
                0.05,
            ],
            // Judgement: most early arrears of a consumer wallet are forgotten payments.
            cure_rate: 0.6,
            // Judgement: prepayment ramps up with seasoning to 25 % a year.
            cpr_by_mob: vec![
                0.10, 0.14, 0.18, 0.22, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25,
            ],
            // Judgement: unsecured consumer debt recovers little, a collection cycle later.
            recovery_rate: 0.15,
            recovery_lag_months: 4,
        }
    }
}

impl TrueModel {
    /// Every broken rule of the parameters, one line each naming the key.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, key: &str, rule: &str| {
            if !ok {
                problems.push(format!("`{key}`: {rule}"));
            }
        };
        check(
            YearMonth::parse(&self.first_vintage).is_some(),
            "first_vintage",
            "must be a month YYYY-MM",
        );
        check(
            (1..=MAX_VINTAGES).contains(&self.vintages),
            "vintages",
            &format!("must be from 1 to {MAX_VINTAGES}"),
        );
        check(
            self.originated_first.is_finite() && self.originated_first > 0.0,
            "originated_first",
            "must be a finite amount > 0",
        );
        check(
            (-0.5..=0.5).contains(&self.originated_growth),
            "originated_growth",
            "must be in [-0.5, 0.5] (monthly)",
        );
        check(
            !self.segments.is_empty(),
            "segments",
            "must list at least one segment",
        );
        for (index, segment) in self.segments.iter().enumerate() {
            check(
                segment.pd > 0.0 && segment.pd < 1.0,
                &format!("segments[{index}].pd"),
                "must be in (0, 1)",
            );
            let name = segment.name.trim();
            check(
                !name.is_empty() && name == segment.name && !name.contains(['\n', '\r']),
                &format!("segments[{index}].name"),
                "must be non-empty text without surrounding spaces or line breaks",
            );
            check(
                !self.segments[..index]
                    .iter()
                    .any(|s| s.name == segment.name),
                &format!("segments[{index}].name"),
                "must differ from the other segments' names",
            );
        }
        check(self.rho > 0.0 && self.rho < 1.0, "rho", "must be in (0, 1)");
        check(
            self.phi > -1.0 && self.phi < 1.0,
            "phi",
            "must be in (-1, 1)",
        );
        check(
            (1..=60).contains(&self.term_months),
            "term_months",
            "must be from 1 to 60",
        );
        check(
            (1..=12).contains(&self.delay_to_charge_off_months),
            "delay_to_charge_off_months",
            "must be from 1 to 12",
        );
        let delay = self.delay_to_charge_off_months as usize;
        let last_mob = self.term_months as usize - 1 + delay;
        let total: f64 = self.timing_curve.iter().sum();
        check(
            self.timing_curve.iter().all(|t| t.is_finite() && *t >= 0.0)
                && (total - 1.0).abs() <= 1e-6,
            "timing_curve",
            "must be shares ≥ 0 summing to 1",
        );
        check(
            self.timing_curve.len() <= last_mob + 1,
            "timing_curve",
            &format!(
                "must end by month on book {last_mob} (term_months − 1 + delay_to_charge_off_months: a loan's last instalment can go unpaid at term_months − 1 at the latest, while the loans that cure still have a balance)"
            ),
        );
        check(
            self.timing_curve.iter().take(delay + 1).all(|t| *t == 0.0),
            "timing_curve",
            &format!(
                "must be 0 up to month on book {delay}: the first instalment is due at month 1 and charge-off comes delay_to_charge_off_months later"
            ),
        );
        check(
            (0.0..1.0).contains(&self.cure_rate),
            "cure_rate",
            "must be in [0, 1)",
        );
        check(
            self.cpr_by_mob.iter().all(|c| (0.0..1.0).contains(c)),
            "cpr_by_mob",
            "must be annual rates in [0, 1)",
        );
        check(
            self.cpr_by_mob.len() < self.term_months as usize,
            "cpr_by_mob",
            "must end before month on book term_months (the last instalment is paid on schedule)",
        );
        check(
            (0.0..=1.0).contains(&self.recovery_rate),
            "recovery_rate",
            "must be in [0, 1]",
        );
        check(
            self.recovery_lag_months <= 60,
            "recovery_lag_months",
            "must be from 0 to 60",
        );
        problems
    }

    /// The timing curve normalised to sum to 1.
    pub fn timing(&self) -> Vec<f64> {
        let total: f64 = self.timing_curve.iter().sum();
        self.timing_curve.iter().map(|t| t / total).collect()
    }

    /// The true CPR in month on book `mob` (0 at month 0, past the list and from the term on).
    pub fn cpr(&self, mob: u32) -> f64 {
        if mob == 0 || mob >= self.term_months {
            return 0.0;
        }
        self.cpr_by_mob
            .get(mob as usize - 1)
            .copied()
            .unwrap_or(0.0)
    }

    /// The true roll rates from bucket k to bucket k+1 (the last to charge-off).
    pub fn roll_rates(&self) -> Vec<f64> {
        let mut rates = vec![1.0; self.delay_to_charge_off_months as usize];
        rates[0] = 1.0 - self.cure_rate;
        rates
    }

    /// The true cure rates by bucket.
    pub fn cure_rates(&self) -> Vec<f64> {
        let mut rates = vec![0.0; self.delay_to_charge_off_months as usize];
        rates[0] = self.cure_rate;
        rates
    }

    /// The month on book when a vintage's curves stop moving: the last charge-off plus the
    /// recovery lag, or the term when that is later.
    pub fn full_life_months(&self) -> u32 {
        let last_charge_off = self
            .timing_curve
            .iter()
            .rposition(|t| *t > 0.0)
            .unwrap_or(0) as u32;
        (last_charge_off + self.recovery_lag_months).max(self.term_months)
    }

    /// `g`: originated principal of the defaulting loans per unit of lifetime charge-off.
    fn defaulter_origination_factor(&self) -> f64 {
        let term = f64::from(self.term_months);
        self.timing()
            .iter()
            .enumerate()
            .skip(self.delay_to_charge_off_months as usize + 1)
            .map(|(mob, t)| {
                let paid = (mob - self.delay_to_charge_off_months as usize - 1) as f64;
                t * term / (term - paid)
            })
            .sum()
    }
}

/// A vintage's draw: its factor (`None` in expected mode) and lifetime charge-off rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VintageTruth {
    pub vintage: String,
    pub segment: String,
    pub originated: f64,
    pub z: Option<f64>,
    pub charge_off_rate: f64,
    /// Whether `charge_off_rate` or a month's prepayment was capped (module docs).
    pub capped: bool,
}

/// What `--truth` writes (JSON): the model, the values it implies, and the draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub model: TrueModel,
    pub seed: u64,
    pub expected: bool,
    pub data_date: String,
    /// The timing curve by month on book from 0, normalised.
    pub timing_curve: Vec<f64>,
    /// CPR and SMM by month on book from 0 to the full life.
    pub cpr_by_mob: Vec<f64>,
    pub smm_by_mob: Vec<f64>,
    pub roll_rates: Vec<f64>,
    pub cure_rates: Vec<f64>,
    pub full_life_months: u32,
    pub vintages: Vec<VintageTruth>,
}

/// The systematic factors `Z_v` of `model.vintages` vintages (module docs).
pub fn draw_factors(model: &TrueModel, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let innovation = (1.0 - model.phi * model.phi).sqrt();
    let mut factors = Vec::with_capacity(model.vintages);
    let mut previous: Option<f64> = None;
    for _ in 0..model.vintages {
        let epsilon: f64 = rng.sample(StandardNormal);
        let z = match previous {
            None => epsilon,
            Some(z) => model.phi * z + innovation * epsilon,
        };
        factors.push(z);
        previous = Some(z);
    }
    factors
}

/// Vasicek's large-pool default rate given the factor: `Φ((Φ⁻¹(p) − √ρ z) / √(1−ρ))`.
pub fn vasicek_rate(pd: f64, rho: f64, z: f64) -> f64 {
    normal_cdf((normal_quantile(pd) - rho.sqrt() * z) / (1.0 - rho).sqrt())
}

/// The history and its truth; `model` must have no [`TrueModel::problems`].
pub fn generate(model: &TrueModel, seed: u64, expected: bool) -> (History, Truth) {
    debug_assert!(model.problems().is_empty());
    let first = YearMonth::parse(&model.first_vintage).unwrap_or(YearMonth {
        year: 2017,
        month: 1,
    });
    let factors = (!expected).then(|| draw_factors(model, seed));
    let timing = model.timing();
    let max_rate = 1.0 / model.defaulter_origination_factor();
    let count = model.vintages;
    let mut vintages = Vec::with_capacity(count);
    let mut truths = Vec::with_capacity(count);
    for v in 0..count {
        let segment = &model.segments[v % model.segments.len()];
        let z = factors.as_ref().map(|f| f[v]);
        let rate = z.map_or(segment.pd, |z| vasicek_rate(segment.pd, model.rho, z));
        let rate_capped = rate > max_rate;
        let originated = model.originated_first * (1.0 + model.originated_growth).powi(v as i32);
        let age = (count - 1 - v) as u32;
        let (months, prepay_capped) =
            vintage_months(model, &timing, originated, rate.min(max_rate), age);
        let vintage = first.plus_months(v as u32);
        truths.push(VintageTruth {
            vintage: vintage.to_string(),
            segment: segment.name.clone(),
            originated,
            z,
            charge_off_rate: rate.min(max_rate),
            capped: rate_capped || prepay_capped,
        });
        vintages.push(Vintage {
            vintage,
            segment: segment.name.clone(),
            originated,
            months,
        });
    }
    vintages.sort_by(|a, b| (&a.segment, a.vintage).cmp(&(&b.segment, b.vintage)));
    let history = History {
        buckets: (0..model.delay_to_charge_off_months)
            .map(nth_bucket)
            .collect(),
        vintages,
        has_recovered: true,
        has_prepaid: true,
    };
    let life = model.full_life_months();
    let cpr_by_mob: Vec<f64> = (0..=life).map(|m| model.cpr(m)).collect();
    let truth = Truth {
        model: model.clone(),
        seed,
        expected,
        data_date: first.plus_months(count as u32 - 1).to_string(),
        timing_curve: timing,
        smm_by_mob: cpr_by_mob.iter().map(|&c| smm_from_cpr(c)).collect(),
        cpr_by_mob,
        roll_rates: model.roll_rates(),
        cure_rates: model.cure_rates(),
        full_life_months: life,
        vintages: truths,
    };
    (history, truth)
}

/// One vintage's months on book 0 to `age` (module docs), and whether a prepayment or a
/// cure was capped by the healthy balance.
fn vintage_months(
    model: &TrueModel,
    timing: &[f64],
    originated: f64,
    rate: f64,
    age: u32,
) -> (Vec<VintageMonth>, bool) {
    let term = model.term_months as usize;
    let delay = model.delay_to_charge_off_months as usize;
    let last = age as usize;
    // Charged off in month m, for every month a bucket may look ahead to.
    let horizon = last.max(term) + delay + 1;
    let charge_off: Vec<f64> = (0..=horizon)
        .map(|m| originated * rate * timing.get(m).copied().unwrap_or(0.0))
        .collect();
    // Originated principal of the loans first missing instalment j (j = 1 … term − 1).
    let defaulter_originated = |j: usize| -> f64 {
        if j == 0 || j >= term {
            return 0.0;
        }
        charge_off[j + delay] * term as f64 / (term - j + 1) as f64
    };
    let defaulter_balance = |j: usize, m: usize| -> f64 {
        if m < j {
            defaulter_originated(j) * (term - m) as f64 / term as f64
        } else if m < j + delay {
            charge_off[j + delay]
        } else {
            0.0
        }
    };
    let defaulters_total: f64 = (1..term).map(defaulter_originated).sum();
    let mut healthy = originated - defaulters_total;
    let mut capped = false;
    let mut outstanding = originated;
    let mut charged_off = 0.0;
    let mut prepaid = 0.0;
    let mut cumulative_charge_off = Vec::with_capacity(last + 1);
    let mut months = Vec::with_capacity(last + 1);
    for m in 0..=last {
        if m > 0 {
            let instalment = if m <= term {
                healthy / (term - m + 1) as f64
            } else {
                0.0
            };
            let available = (healthy - instalment).max(0.0);
            let wanted = smm_from_cpr(model.cpr(m as u32)) * outstanding;
            capped |= wanted > available;
            let prepayment = wanted.min(available);
            healthy = (available - prepayment).max(0.0);
            prepaid += prepayment;
            charged_off += charge_off[m];
            outstanding = healthy + (1..term).map(|j| defaulter_balance(j, m)).sum::<f64>();
        }
        cumulative_charge_off.push(charged_off);
        let mut delinquent: Vec<f64> = (1..=delay).map(|k| charge_off[m + delay + 1 - k]).collect();
        let curing = delinquent[0] * model.cure_rate / (1.0 - model.cure_rate);
        if curing <= healthy {
            delinquent[0] /= 1.0 - model.cure_rate;
        } else {
            capped = true;
            delinquent[0] += healthy;
        }
        let recovered = match m.checked_sub(model.recovery_lag_months as usize) {
            Some(before) => model.recovery_rate * cumulative_charge_off[before],
            None => 0.0,
        };
        months.push(VintageMonth {
            months_on_book: m as u32,
            outstanding,
            delinquent,
            charged_off,
            recovered: Some(recovered),
            prepaid: Some(prepaid),
        });
    }
    (months, capped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(TrueModel::default().problems(), Vec::<String>::new());
    }

    #[test]
    fn outstanding_is_originated_less_what_left_the_balance() {
        let model = TrueModel::default();
        let (history, truth) = generate(&model, 3, false);
        assert!(truth.vintages.iter().all(|v| !v.capped));
        let term = f64::from(model.term_months);
        for vintage in &history.vintages {
            // scheduled principal = originated − outstanding − prepaid − charged off ≥ 0 and
            // nondecreasing; all of it paid by month on book `term` + the pipeline's end
            let mut scheduled_before = 0.0;
            for month in &vintage.months {
                let scheduled = vintage.originated
                    - month.outstanding
                    - month.prepaid.unwrap_or(0.0)
                    - month.charged_off;
                assert!(scheduled >= scheduled_before - 1e-6 * vintage.originated);
                assert!(month.outstanding >= 0.0);
                assert!(month.delinquent.iter().sum::<f64>() <= month.outstanding * (1.0 + 1e-12));
                scheduled_before = scheduled;
                if f64::from(month.months_on_book) >= term + 3.0 {
                    assert!(month.outstanding.abs() < 1e-6 * vintage.originated);
                }
            }
        }
    }
}
