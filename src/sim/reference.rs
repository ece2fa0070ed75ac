//! The slow reference path simulator: one Monte Carlo path of the pool computed one
//! receivable at a time with the exact formulas of SPEC §4.1–§4.3, from the same random
//! draws as the fast engine ([`super::montecarlo`]), so the two must give the same
//! [`PoolFlows`] month by month (to rounding: the engine sums by cohort, this by receivable).
//!
//! What it shares with the engine is only where the draws come from (the contract of
//! SPEC §4.5 and of the engine's documentation): the path's stream seeded from
//! `(seed, path)`, the factor draw of the [`FactorSampler`], four Xoshiro256++ lanes seeded by
//! the next 16 outputs of the path's stream (receivable `i` of the engine's draw order takes
//! lane `i mod 4`), one 64-bit draw per receivable (the high 32 bits give the default
//! uniform, the low 32 bits the prepayment uniform, each `(k + ½)/2³²`), and each month's
//! [`PurchaseStream`]. Everything else is computed here from the definitions:
//! - default: the first month `t` of the receivable's life (capped at the horizon for the
//!   cut-off pool) with `Φ(√ρ Z + √(1 − ρ) Φ⁻¹(U)) < F(t) = 1 − (1 − p)^(t/12)`, by a linear
//!   search over `t`, no screening tables and no hazard bounds;
//! - prepayment: `t_p = ⌊ln V / ln(1 − SMM)⌋ + 1`, if before maturity; a default in the
//!   same month comes first;
//! - amounts: a cut-off receivable's balance and monthly fee rounded to the engine's exact
//!   unit of 2⁻²⁰ CNY ([`quantised_cny`]) before anything else (the engine sums the cut-off
//!   events as whole units, in any order); purchases keep their amounts as drawn;
//! - cash flows: each receivable stepped month by month from its own balance (equal
//!   principal and a fee on the original principal for instalments, the level payment for
//!   annuities, one repayment at maturity for bullets), no unit schedules and no cohorts;
//! - purchases: templates drawn by a Walker–Vose alias table built here (the method the
//!   engine documents) and resolved pick by pick, the last scaled to the month's amount.
//!
//! Every change to what the engine computes is made here first (DEVELOPERS' rule), and the
//! engine is tested against this in `tests/reference.rs`. Slow on purpose: do not optimise.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

use super::montecarlo::{FactorSampler, PurchaseStream, StochasticPool, path_key, quantised_cny};
use super::pool::{Pool, PurchaseTemplate};
use super::{Collateral, PoolFlows};
use crate::normal::{normal_cdf, normal_quantile};
use crate::scenario::Assumptions;
use crate::tape::Product;
use crate::units::{smm_from_cpr, stressed_pd};

/// A uniform in (0, 1) from 32 bits: `(k + ½)/2³²`.
fn centred(bits: u32) -> f64 {
    (f64::from(bits) + 0.5) / 4_294_967_296.0
}

/// What happens to a receivable within the horizon: its age at the event and whether it
/// prepays (else it defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Event {
    age: u32,
    prepaid: bool,
}

/// One receivable, stepped month by month.
#[derive(Debug, Clone)]
struct Receivable {
    /// Month after which it starts paying (0: the cut-off pool).
    start: u32,
    product: Product,
    months: u32,
    /// Annual interest rate of an annuity (0 otherwise).
    annuity_rate: f64,
    monthly_fee: f64,
    /// Level monthly payment of an annuity.
    payment: f64,
    balance: f64,
    alive: bool,
    event: Option<Event>,
}

impl Receivable {
    fn new(
        start: u32,
        product: Product,
        months: u32,
        annuity_rate: f64,
        balance: f64,
        monthly_fee: f64,
        event: Option<Event>,
    ) -> Receivable {
        let j = annuity_rate / 12.0;
        let payment = if j == 0.0 {
            balance / f64::from(months)
        } else {
            balance * j / (1.0 - (1.0 + j).powf(-f64::from(months)))
        };
        Receivable {
            start,
            product,
            months,
            annuity_rate,
            monthly_fee,
            payment,
            balance,
            alive: true,
            event,
        }
    }

    /// Adds the receivable's flows of `month` to `flows`.
    fn step(&mut self, month: u32, flows: &mut PoolFlows) {
        if !self.alive || month <= self.start {
            return;
        }
        let age = month - self.start;
        flows.begin_balance += self.balance;
        if self.event
            == Some(Event {
                age,
                prepaid: false,
            })
        {
            flows.defaults += self.balance;
            self.alive = false;
            return;
        }
        let last = age == self.months;
        let j = self.annuity_rate / 12.0;
        flows.interest += self.monthly_fee + j * self.balance;
        let principal = match self.product {
            _ if last => self.balance,
            Product::Installment => self.balance / f64::from(self.months - age + 1),
            Product::Annuity => (self.payment - j * self.balance).min(self.balance),
            Product::Bullet => 0.0,
        };
        flows.scheduled_principal += principal;
        self.balance -= principal;
        if self.event == Some(Event { age, prepaid: true }) {
            flows.prepayments += self.balance;
            self.balance = 0.0;
        }
        if last || self.balance == 0.0 {
            self.alive = false;
            self.balance = 0.0;
        }
        flows.end_balance += self.balance;
    }
}

/// The event of a receivable from its 64-bit draw (SPEC §4.1, §4.3), if within `window`
/// months of its start.
#[allow(clippy::too_many_arguments)]
fn event_of(
    bits: u64,
    pd_12m: f64,
    annual_cpr: f64,
    months: u32,
    life: u32,
    window: u32,
    (rho, factor): (f64, f64),
    assumptions: &Assumptions,
) -> Option<Event> {
    let p = stressed_pd(pd_12m, assumptions.pd_multiplier);
    let u = centred((bits >> 32) as u32);
    let x = rho.sqrt() * factor + (1.0 - rho).sqrt() * normal_quantile(u);
    let phi = normal_cdf(x);
    let default_age = (1..=life).find(|&t| phi < 1.0 - (1.0 - p).powf(f64::from(t) / 12.0));
    let smm = smm_from_cpr(annual_cpr);
    let prepay_age = (smm > 0.0)
        .then(|| {
            let v = centred(bits as u32);
            let t = (v.ln() / (1.0 - smm).ln()).floor() + 1.0;
            // prepaying is only possible before maturity
            (t <= f64::from(months - 1)).then_some(t as u32)
        })
        .flatten();
    let event = match (default_age, prepay_age) {
        (Some(d), Some(t)) if t < d => Event {
            age: t,
            prepaid: true,
        },
        (Some(d), _) => Event {
            age: d,
            prepaid: false,
        },
        (None, Some(t)) => Event {
            age: t,
            prepaid: true,
        },
        (None, None) => return None,
    };
    (event.age <= window).then_some(event)
}

/// Walker–Vose alias table: `(probability of keeping the column, alias)` per column.
fn alias_table(weights: &[f64]) -> Vec<(f64, usize)> {
    let n = weights.len();
    let total: f64 = weights.iter().sum();
    let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
    let mut table: Vec<(f64, usize)> = (0..n).map(|i| (1.0, i)).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
    while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
        table[s] = (scaled[s], l);
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    table
}

/// One path of the pool, receivable by receivable, as [`Collateral`] for the waterfall.
pub struct ReferencePath<'p> {
    pool: &'p Pool,
    assumptions: &'p Assumptions,
    horizon_months: u32,
    revolving_months: u32,
    key: u64,
    /// `(ρ, Z)` of each factor segment.
    factors: Vec<(f64, f64)>,
    alias: Vec<(f64, usize)>,
    receivables: Vec<Receivable>,
    defaults_by_month: Vec<f64>,
    sold: bool,
    last_end_balance: f64,
    purchased: usize,
}

impl<'p> ReferencePath<'p> {
    /// Path `path` of `seed` drawn from `sampling`, with the cut-off receivables taking
    /// their draws in `model`'s draw order. Returns the path and the factors' likelihood
    /// ratio.
    pub fn start(
        model: &StochasticPool<'p>,
        assumptions: &'p Assumptions,
        horizon_months: u32,
        revolving_months: u32,
        seed: u64,
        path: u64,
        sampling: &dyn FactorSampler,
    ) -> (ReferencePath<'p>, f64) {
        let pool = model.pool;
        let key = path_key(seed, path);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(key);
        let dimension = assumptions
            .segments
            .as_ref()
            .map_or(1, |config| config.rho.len());
        let mut w = vec![0.0; dimension];
        let ratio = sampling.sample(&mut rng, &mut w);
        let factors: Vec<(f64, f64)> = match &assumptions.segments {
            None => vec![(assumptions.correlation, w[0])],
            Some(config) => (0..config.rho.len())
                .map(|s| {
                    let z: f64 = (0..=s).map(|k| config.factor_cholesky[(s, k)] * w[k]).sum();
                    (config.rho[s], z)
                })
                .collect(),
        };
        let words: Vec<u64> = (0..16).map(|_| rng.next_u64()).collect();
        let mut lanes: Vec<Xoshiro256PlusPlus> = (0..4)
            .map(|lane| {
                let mut seed = [0u8; 32];
                for (k, word) in words[4 * lane..4 * lane + 4].iter().enumerate() {
                    seed[8 * k..8 * k + 8].copy_from_slice(&word.to_le_bytes());
                }
                Xoshiro256PlusPlus::from_seed(seed)
            })
            .collect();
        let mut reference = ReferencePath {
            pool,
            assumptions,
            horizon_months,
            revolving_months,
            key,
            factors,
            alias: alias_table(&pool.templates.iter().map(|t| t.weight).collect::<Vec<_>>()),
            receivables: Vec::with_capacity(pool.assets.len()),
            defaults_by_month: vec![0.0; horizon_months as usize],
            sold: false,
            last_end_balance: 0.0,
            purchased: 0,
        };
        for (position, &asset_index) in model.draw_order().iter().enumerate() {
            let bits = lanes[position % 4].next_u64();
            let asset = &pool.assets[asset_index];
            let key = pool.schedules.get(asset.schedule).key;
            let event = event_of(
                bits,
                asset.pd_12m,
                asset.annual_cpr,
                key.months,
                key.months.min(horizon_months),
                horizon_months,
                reference.factor(asset.segment),
                assumptions,
            );
            reference.receivables.push(Receivable::new(
                0,
                key.product,
                key.months,
                f64::from_bits(key.annuity_rate_bits),
                quantised_cny(asset.balance),
                quantised_cny(asset.monthly_fee),
                event,
            ));
        }
        (reference, ratio)
    }

    /// `(ρ, Z)` of a tape segment's factor.
    fn factor(&self, segment: usize) -> (f64, f64) {
        match self.assumptions.segments {
            Some(_) => self.factors[segment],
            None => self.factors[0],
        }
    }

    /// Receivables bought so far in this path.
    pub fn purchased_receivables(&self) -> usize {
        self.purchased
    }

    /// The template a purchase draw picks: column `⌊n · hi/2³²⌋`, kept when the centred
    /// low 32 bits are below its probability, else its alias.
    fn template_of(&self, bits: u64) -> &'p PurchaseTemplate {
        let n = self.alias.len() as u64;
        let column = (((bits >> 32) * n) >> 32) as usize;
        let (keep, alias) = self.alias[column];
        let template = if centred(bits as u32) < keep {
            column
        } else {
            alias
        };
        &self.pool.templates[template]
    }
}

impl Collateral for ReferencePath<'_> {
    fn closing_balance(&self) -> f64 {
        self.pool.closing_balance
    }

    fn collect(&mut self, month: u32) -> PoolFlows {
        let mut flows = PoolFlows::default();
        if !self.sold {
            for receivable in &mut self.receivables {
                receivable.step(month, &mut flows);
            }
            flows.interest *= 1.0 - self.assumptions.yield_haircut;
        }
        self.defaults_by_month[month as usize - 1] = flows.defaults;
        let lag = self.assumptions.recovery_lag_months;
        if month > lag {
            flows.recoveries =
                self.assumptions.recovery_rate * self.defaults_by_month[(month - lag) as usize - 1];
        }
        self.last_end_balance = flows.end_balance;
        flows
    }

    fn purchase(&mut self, month: u32, amount: f64) {
        if self.sold || amount <= 0.0 || month == 0 || month > self.revolving_months {
            return;
        }
        let stream = PurchaseStream::new(self.key, month);
        let mut spent = 0.0;
        let mut pick = 0;
        loop {
            let template = self.template_of(stream.pick_bits(pick));
            let last = spent + template.balance >= amount;
            let balance = if last {
                amount - spent
            } else {
                template.balance
            };
            let key = self.pool.schedules.get(template.schedule).key;
            let event = event_of(
                stream.event_bits(pick),
                template.pd_12m,
                template.annual_cpr,
                key.months,
                key.months,
                self.horizon_months - month,
                self.factor(template.segment),
                self.assumptions,
            );
            self.receivables.push(Receivable::new(
                month,
                key.product,
                key.months,
                f64::from_bits(key.annuity_rate_bits),
                balance,
                template.fee_rate * balance,
                event,
            ));
            self.purchased += 1;
            pick += 1;
            if last {
                break;
            }
            spent += template.balance;
        }
    }

    fn sell_performing(&mut self, _month: u32) -> f64 {
        self.sold = true;
        self.last_end_balance
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_table_keeps_each_weight() {
        // probability of template i = (keep_i + Σ_{alias_j = i} (1 − keep_j)) / n
        let weights = [1.0, 2.0, 3.0, 10.0, 0.5];
        let table = alias_table(&weights);
        let n = weights.len() as f64;
        let total: f64 = weights.iter().sum();
        for (i, w) in weights.iter().enumerate() {
            let mass: f64 = table[i].0
                + table
                    .iter()
                    .filter(|(keep, alias)| *alias == i && *keep < 1.0)
                    .map(|(keep, _)| 1.0 - keep)
                    .sum::<f64>();
            assert!((mass / n - w / total).abs() < 1e-15, "template {i}");
        }
    }

    #[test]
    fn an_installment_steps_by_equal_principal_and_a_fixed_fee() {
        // 900 over 3 months, fee 9 a month; prepays in month 2 after paying
        let mut r = Receivable::new(
            0,
            Product::Installment,
            3,
            0.0,
            900.0,
            9.0,
            Some(Event {
                age: 2,
                prepaid: true,
            }),
        );
        let mut m1 = PoolFlows::default();
        r.step(1, &mut m1);
        assert_eq!(
            (m1.begin_balance, m1.interest, m1.scheduled_principal),
            (900.0, 9.0, 300.0)
        );
        let mut m2 = PoolFlows::default();
        r.step(2, &mut m2);
        assert_eq!(
            (m2.scheduled_principal, m2.prepayments, m2.end_balance),
            (300.0, 300.0, 0.0)
        );
        let mut m3 = PoolFlows::default();
        r.step(3, &mut m3);
        assert_eq!(m3, PoolFlows::default());
    }
}
