//! The closing pool: the tape's eligible receivables with their PDs resolved, scaled to the
//! target balance, mapped to unit schedules and segments; and the templates revolving
//! purchases copy (SPEC §2.1, §4, §5 step 4).

use std::collections::BTreeSet;

use super::schedule::{ScheduleKey, ScheduleTable};
use crate::scenario::{Assumptions, Deal, Scenario};
use crate::tape::problems::clip;
use crate::tape::{Product, Receivable};
use crate::units::{MAX_POOL_BALANCE_CNY, grouped, pd_from_score, stressed_pd};

/// Distinct (product, term, rate) combinations a pool's purchase templates may have.
pub const MAX_PURCHASE_SLOTS: usize = 65_536;

/// A scale factor to `[pool] target_balance` outside this range is reported as a warning: a
/// tape scaled to half or double its balance is plausible (a tape cut at another date, a
/// deal sized up), one scaled ×98 is more likely the wrong tape or the wrong target.
pub const PLAUSIBLE_SCALE: (f64, f64) = (0.5, 2.0);

/// A receivable of the closing pool, reduced to what the cash-flow models need.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolAsset {
    /// Outstanding principal at cut-off (after scaling), CNY.
    pub balance: f64,
    /// Monthly fee while alive (instalment: rate × original principal; bullet: rate ×
    /// balance; annuity: 0, its interest follows its schedule), CNY.
    pub monthly_fee: f64,
    /// 12-month PD before `pd_multiplier`.
    pub pd_12m: f64,
    /// Annual CPR for this receivable's term.
    pub annual_cpr: f64,
    /// Index into the pool's [`ScheduleTable`].
    pub schedule: usize,
    /// Index into [`Pool::segments`].
    pub segment: usize,
}

/// A receivable revolving purchases copy: product, term, rate, PD and segment of an eligible
/// cut-off receivable, with `balance = original_principal` and `remaining = term`.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseTemplate {
    /// Original principal of the template (after scaling): the purchased balance, CNY.
    pub balance: f64,
    /// Monthly fee per CNY of purchased balance (instalment and bullet `rate`; annuity 0).
    pub fee_rate: f64,
    pub pd_12m: f64,
    pub annual_cpr: f64,
    /// Schedule over the full term.
    pub schedule: usize,
    pub segment: usize,
    /// Probability weight: the cut-off receivable's balance (SPEC §5: drawn with
    /// probability proportional to balance).
    pub weight: f64,
}

/// The closing pool.
#[derive(Debug, Clone)]
pub struct Pool {
    pub assets: Vec<PoolAsset>,
    pub templates: Vec<PurchaseTemplate>,
    pub schedules: ScheduleTable,
    /// Segment names, indexed by `PoolAsset::segment`.
    pub segments: Vec<String>,
    /// Sum of eligible balances after scaling, CNY.
    pub closing_balance: f64,
    /// Factor applied to balances to reach `target_balance` (1 without one).
    pub scale: f64,
    /// Receivables left out because they are past due (count, balance before scaling).
    pub ineligible_count: usize,
    pub ineligible_balance: f64,
    /// Longest term among the templates, months.
    pub longest_template_term: u32,
}

/// Problems joining a tape to a scenario, all reported at once.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct PoolError {
    pub problems: Vec<String>,
}

/// The 12-month PD of a tape receivable: `pd_12m` when given, else its score's PD (SPEC §3).
pub fn receivable_pd(receivable: &Receivable) -> Option<f64> {
    receivable
        .pd_12m
        .or_else(|| receivable.score.map(pd_from_score))
}

impl Pool {
    /// Representative lines of the pool for deterministic searches: receivables (and
    /// purchase templates) with the same schedule, CPR, fee rate and segment whose 12-month
    /// PDs lie in the same bucket of ratio `pd_ratio` (log-spaced) merged into one line with
    /// their summed balance and fee and their balance-weighted PD — what rating agencies and
    /// cash-flow engines run stresses on. A deterministic run is linear in a line's balance
    /// and fee given its rates, so the only approximation is the PD within a bucket:
    /// survival is smooth in the PD, and the error is second order in the bucket's width.
    /// Searches use the lines to find where to look and confirm on the pool itself.
    pub fn representative_lines(&self, pd_ratio: f64) -> Pool {
        let bucket = |pd: f64| (pd.max(1e-12).ln() / pd_ratio.ln()).floor() as i64;
        let mut assets: Vec<PoolAsset> = Vec::new();
        let mut weights: Vec<f64> = Vec::new();
        let mut index: std::collections::HashMap<(usize, u64, usize, i64), usize> =
            std::collections::HashMap::new();
        for a in &self.assets {
            let key = (
                a.schedule,
                a.annual_cpr.to_bits(),
                a.segment,
                bucket(a.pd_12m),
            );
            let slot = *index.entry(key).or_insert_with(|| {
                assets.push(PoolAsset {
                    balance: 0.0,
                    monthly_fee: 0.0,
                    pd_12m: 0.0,
                    ..a.clone()
                });
                weights.push(0.0);
                assets.len() - 1
            });
            let line = &mut assets[slot];
            line.balance += a.balance;
            line.monthly_fee += a.monthly_fee;
            line.pd_12m += a.pd_12m * a.balance;
            weights[slot] += a.balance;
        }
        for (line, w) in assets.iter_mut().zip(&weights) {
            line.pd_12m = if *w > 0.0 { line.pd_12m / w } else { 0.0 };
        }
        let mut templates: Vec<PurchaseTemplate> = Vec::new();
        let mut template_index: std::collections::HashMap<(usize, u64, u64, usize, i64), usize> =
            std::collections::HashMap::new();
        for t in &self.templates {
            let key = (
                t.schedule,
                t.fee_rate.to_bits(),
                t.annual_cpr.to_bits(),
                t.segment,
                bucket(t.pd_12m),
            );
            let slot = *template_index.entry(key).or_insert_with(|| {
                templates.push(PurchaseTemplate {
                    balance: 0.0,
                    pd_12m: 0.0,
                    weight: 0.0,
                    ..t.clone()
                });
                templates.len() - 1
            });
            let line = &mut templates[slot];
            line.balance += t.balance;
            line.pd_12m += t.pd_12m * t.weight;
            line.weight += t.weight;
        }
        for line in &mut templates {
            if line.weight > 0.0 {
                line.pd_12m /= line.weight;
            }
        }
        // the rest of the pool, field by field: cloning it whole would copy every asset
        Pool {
            assets,
            templates,
            schedules: self.schedules.clone(),
            segments: self.segments.clone(),
            closing_balance: self.closing_balance,
            scale: self.scale,
            ineligible_count: self.ineligible_count,
            ineligible_balance: self.ineligible_balance,
            longest_template_term: self.longest_template_term,
        }
    }
    /// Builds the closing pool from a validated tape under a scenario's assumptions.
    /// `tape_label` names the tape in errors.
    pub fn build(
        receivables: &[Receivable],
        scenario: &Scenario,
        tape_label: &str,
    ) -> Result<Pool, PoolError> {
        Pool::build_with(
            receivables,
            &scenario.assumptions,
            scenario.pool.target_balance,
            tape_label,
        )
    }

    /// [`Pool::build`] from the parts of a scenario it reads.
    pub fn build_with(
        receivables: &[Receivable],
        assumptions: &Assumptions,
        target_balance: Option<f64>,
        tape_label: &str,
    ) -> Result<Pool, PoolError> {
        let mut problems = Vec::new();
        let mut segments: Vec<String> = match &assumptions.segments {
            Some(config) => config.names.clone(),
            None => Vec::new(),
        };
        let mut unknown_segments = BTreeSet::new();
        let mut missing_terms = BTreeSet::new();
        let mut ineligible_count = 0;
        let mut ineligible_balance = 0.0;
        let eligible: Vec<&Receivable> = receivables
            .iter()
            .filter(|r| {
                if r.is_eligible() {
                    true
                } else {
                    ineligible_count += 1;
                    ineligible_balance += r.balance;
                    false
                }
            })
            .collect();
        if eligible.is_empty() {
            problems.push(format!(
                "{tape_label}: no eligible receivable (all {} are past due)",
                receivables.len()
            ));
            return Err(PoolError { problems });
        }
        let raw_balance: f64 = eligible.iter().map(|r| r.balance).sum();
        if target_balance.is_none() && raw_balance > MAX_POOL_BALANCE_CNY {
            // Beyond it cash can no longer be conserved to the cent (`units` limits).
            problems.push(format!(
                "{tape_label}: column `balance`: the eligible receivables sum to {} CNY; a pool holds at most {} CNY (set `pool.target_balance` to scale it, or split the tape)",
                grouped(raw_balance),
                grouped(MAX_POOL_BALANCE_CNY)
            ));
            return Err(PoolError { problems });
        }
        let scale = target_balance.map_or(1.0, |target| target / raw_balance);

        let mut schedules = ScheduleTable::default();
        let mut assets = Vec::with_capacity(eligible.len());
        let mut templates = Vec::with_capacity(eligible.len());
        let mut longest_template_term = 0;
        for r in eligible {
            let segment = match segments.iter().position(|s| *s == r.segment) {
                Some(index) => index,
                None if assumptions.segments.is_some() => {
                    unknown_segments.insert(r.segment.clone());
                    0
                }
                None => {
                    segments.push(r.segment.clone());
                    segments.len() - 1
                }
            };
            let Some(annual_cpr) = assumptions.prepayment.annual_cpr(r.term_months) else {
                missing_terms.insert(r.term_months);
                continue;
            };
            let Some(pd_12m) = receivable_pd(r) else {
                // the tape reader guarantees a score or a PD
                problems.push(format!(
                    "{tape_label}: receivable `{}` has neither score nor pd_12m",
                    r.id
                ));
                continue;
            };
            let balance = r.balance * scale;
            let original = r.original_principal * scale;
            let monthly_fee = match r.product {
                Product::Installment => r.rate * original,
                Product::Bullet => r.rate * balance,
                Product::Annuity => 0.0,
            };
            assets.push(PoolAsset {
                balance,
                monthly_fee,
                pd_12m,
                annual_cpr,
                schedule: schedules.intern(ScheduleKey::new(r.product, r.remaining_months, r.rate)),
                segment,
            });
            templates.push(PurchaseTemplate {
                balance: original,
                fee_rate: if r.product == Product::Annuity {
                    0.0
                } else {
                    r.rate
                },
                pd_12m,
                annual_cpr,
                schedule: schedules.intern(ScheduleKey::new(r.product, r.term_months, r.rate)),
                segment,
                weight: balance,
            });
            longest_template_term = longest_template_term.max(r.term_months);
        }
        if !unknown_segments.is_empty() {
            let names: Vec<String> = unknown_segments
                .iter()
                .map(|name| clip(name).into_owned())
                .collect();
            problems.push(format!(
                "{tape_label}: column `segment`: {} not in `assumptions.segments.names` (add them or fix the tape)",
                names.join(", ")
            ));
        }
        if !missing_terms.is_empty() {
            let terms: Vec<String> = missing_terms.iter().map(u32::to_string).collect();
            problems.push(format!(
                "{tape_label}: column `term_months`: terms {} have no entry in `assumptions.cpr_by_term`",
                terms.join(", ")
            ));
        }
        // the Monte Carlo model tags each purchase template with a 16-bit (schedule, fee
        // rate) slot
        let purchase_slots: BTreeSet<(usize, u64)> = templates
            .iter()
            .map(|t| (t.schedule, t.fee_rate.to_bits()))
            .collect();
        if purchase_slots.len() > MAX_PURCHASE_SLOTS {
            problems.push(format!(
                "{tape_label}: columns `product`, `term_months` and `rate`: {} distinct combinations; at most {MAX_PURCHASE_SLOTS} are supported",
                purchase_slots.len()
            ));
        }
        if !problems.is_empty() {
            return Err(PoolError { problems });
        }
        let closing_balance = assets.iter().map(|a| a.balance).sum();
        Ok(Pool {
            assets,
            templates,
            schedules,
            segments,
            closing_balance,
            scale,
            ineligible_count,
            ineligible_balance,
            longest_template_term,
        })
    }

    /// Warnings a user should see before trusting a run on this pool (past-due receivables
    /// are reported where the tape is read, or by [`Pool::past_due_warning`]).
    pub fn warnings(&self, deal: &Deal) -> Vec<String> {
        let mut warnings = Vec::new();
        if !(PLAUSIBLE_SCALE.0..=PLAUSIBLE_SCALE.1).contains(&self.scale) {
            let factor = if self.scale >= 0.1 {
                format!("{:.2}", self.scale)
            } else {
                format!("{:.3e}", self.scale)
            };
            warnings.push(format!(
                "`pool.target_balance`: the eligible receivables ({} CNY) are scaled by a factor of {factor} to {} CNY; a factor outside [{}, {}] usually means the tape or the target is not the one meant",
                grouped(self.closing_balance / self.scale),
                grouped(self.closing_balance),
                PLAUSIBLE_SCALE.0,
                PLAUSIBLE_SCALE.1
            ));
        }
        if deal.revolving_months > 0
            && deal.revolving_months + self.longest_template_term > deal.horizon_months
        {
            warnings.push(format!(
                "receivables bought in month {} can mature in month {}, after the horizon ({}): the originator buys them back at par at the legal final",
                deal.revolving_months,
                deal.revolving_months + self.longest_template_term,
                deal.horizon_months
            ));
        }
        warnings
    }

    /// The line reporting receivables left out as past due, if any.
    pub fn past_due_warning(&self) -> Option<String> {
        (self.ineligible_count > 0).then(|| {
            format!(
                "{} receivables past due (balance {:.2} CNY before scaling) are not eligible and were left out of the pool",
                self.ineligible_count, self.ineligible_balance
            )
        })
    }

    /// Balance-weighted 12-month PD before any multiplier.
    pub fn weighted_pd(&self) -> f64 {
        self.assets
            .iter()
            .map(|a| a.balance * a.pd_12m)
            .sum::<f64>()
            / self.closing_balance
    }

    /// Balance-weighted 12-month PD after `pd_multiplier`, each PD capped as the model caps
    /// it: the PD the simulation and the deterministic run use (the tape's is
    /// [`Pool::weighted_pd`]).
    ///
    /// # Formula
    /// Σᵢ balanceᵢ × min(pdᵢ × multiplier, 0.999) ÷ Σᵢ balanceᵢ
    pub fn weighted_stressed_pd(&self, pd_multiplier: f64) -> f64 {
        self.assets
            .iter()
            .map(|a| a.balance * stressed_pd(a.pd_12m, pd_multiplier))
            .sum::<f64>()
            / self.closing_balance
    }
}
