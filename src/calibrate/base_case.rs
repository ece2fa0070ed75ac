//! The base case of a group of vintages (SPEC §4.6 "Base case"). Notation as in
//! [`super::chain_ladder`]: vintage `v`, originated `O_v`, age `a_v`, month on book `m`;
//! `C_v(m)`, `R_v(m)`, `P_v(m)` cumulative charged-off, recovered and prepaid principal;
//! `OS_v(m)` principal outstanding at the month's end; `D_{v,k}(m)` principal in delinquency
//! bucket `k = 0..K−1` (bucket 0 is `dpd_1_30`, bucket `K−1` the last before charge-off).
//!
//! - **Lifetime charge-off rate** `L = Σ_v O_v L_v / Σ_v O_v`, the originated-weighted mean
//!   of the chain ladder's projected lifetime rates.
//! - **Timing curve**: with the all-vintage projected curve `A(m) = Σ_v O_v ĉ_v(m) / Σ_v O_v`
//!   (so `A(M) = L`), `timing[m] = (A(m) − A(m−1)) / A(M)` for `m = 0..=M`, `A(−1) = 0`: the
//!   share of lifetime charge-offs in month on book `m` (sums to 1; all 0 when `L = 0`).
//! - **Recovery rate and lag**: the fit of `R_v(m) ≈ r · C_v(m − ℓ)` (`C_v(m − ℓ) = 0` for
//!   `m < ℓ`) — every charged-off CNY recovers `r` after exactly `ℓ` months, SPEC §4.3's
//!   convention — by least squares on the rates weighted by originated,
//!   `SSE(ℓ, r) = Σ_v Σ_{m ≤ a_v} (R_v(m) − r C_v(m−ℓ))² / O_v`. For each `ℓ = 0..=M`,
//!   `r(ℓ) = Σ R_v(m) C_v(m−ℓ)/O_v ÷ Σ C_v(m−ℓ)²/O_v`; `ℓ̂` minimizes `SSE(ℓ, r(ℓ))` (the
//!   smallest on a tie), `r̂ = r(ℓ̂)` clipped to [0, 1]. Every month of every vintage counts,
//!   so immature vintages need no cut-off: recoveries not yet due are not expected. Under the
//!   model every recovery arrives `ℓ` months after its charge-off, so `ℓ̂` is the
//!   balance-weighted mean delay. No `recovered` column: rate 0, lag 0.
//! - **CPR by month on book**: `SMM_m = Σ_v (P_v(m) − P_v(m−1)) / Σ_v OS_v(m−1)` over the
//!   vintages observed at `m` (`m = 1..=M`), `CPR_m = 1 − (1 − SMM_m)^12`; undefined when
//!   nothing is outstanding. The scenario's single **annual CPR** weights `SMM_m` by the
//!   outstanding `W_m = Σ_v OS_v(m−1)`: `SMM̄ = Σ_m W_m SMM_m / Σ_m W_m` (the pooled ratio),
//!   `CPR = 1 − (1 − SMM̄)^12`. No `prepaid` column: none.
//! - **Roll rates** over all vintages and months `t → t+1` both observed:
//!   `roll_k = Σ D_{v,k+1}(t+1) / Σ D_{v,k}(t)` for `k < K−1`, and the last bucket rolls to
//!   charge-off, `roll_{K−1} = Σ (C_v(t+1) − C_v(t)) / Σ D_{v,K−1}(t)`. The **entry rate** from
//!   current into the first bucket is `Σ D_{v,0}(t+1) / Σ (OS_v(t) − Σ_k D_{v,k}(t))`.
//!   The **cure rate** of bucket `k` is `1 − roll_k`: a 30-day bucket cannot be held for a
//!   month, so what does not roll on has been brought back (cured, paid down or paid off).
//!   Each is undefined when its denominator is 0.
//! - **Delay from first missed payment to charge-off**: `K` months, the number of buckets —
//!   a payment missed in month `t` is in bucket 1 at its end, in bucket `K` at `t + K − 1`,
//!   and charged off at `t + K` (no buckets: undefined).

use super::chain_ladder::ChainLadder;
use crate::history::Vintage;
use crate::units::cpr_from_smm;

/// `L` and the timing curve of a chain ladder over vintages with these originated amounts.
pub fn lifetime_and_timing(originated: &[f64], chain: &ChainLadder) -> (f64, Vec<f64>) {
    let months = chain.longest_age as usize + 1;
    let volume: f64 = originated.iter().sum();
    let mut all = vec![0.0; months];
    for (o, curve) in originated.iter().zip(&chain.projected) {
        for (sum, c) in all.iter_mut().zip(curve) {
            *sum += o * c;
        }
    }
    if volume > 0.0 {
        all.iter_mut().for_each(|a| *a /= volume);
    }
    let lifetime = all.last().copied().unwrap_or(0.0);
    let timing = (0..months)
        .map(|m| {
            let before = if m == 0 { 0.0 } else { all[m - 1] };
            if lifetime > 0.0 {
                (all[m] - before) / lifetime
            } else {
                0.0
            }
        })
        .collect();
    (lifetime, timing)
}

/// The recovery fit `(r̂, ℓ̂)`; `None` without recoveries data or charge-offs.
pub fn recovery_fit(vintages: &[&Vintage]) -> Option<(f64, u32)> {
    let longest = vintages.iter().map(|v| v.age()).max()?;
    if vintages
        .iter()
        .any(|v| v.months.iter().any(|m| m.recovered.is_none()))
    {
        return None;
    }
    let mut best: Option<(f64, f64, u32)> = None; // (sse, r, lag)
    for lag in 0..=longest as usize {
        let (mut rc, mut cc, mut rr) = (0.0, 0.0, 0.0);
        for v in vintages.iter().filter(|v| v.originated > 0.0) {
            for (m, month) in v.months.iter().enumerate() {
                let r = month.recovered.unwrap_or(0.0);
                let c = if m >= lag {
                    v.months[m - lag].charged_off
                } else {
                    0.0
                };
                rc += r * c / v.originated;
                cc += c * c / v.originated;
                rr += r * r / v.originated;
            }
        }
        if cc <= 0.0 {
            continue;
        }
        let r = rc / cc;
        let sse = rr - r * rc;
        if best.is_none_or(|(b, _, _)| sse < b) {
            best = Some((sse, r, lag as u32));
        }
    }
    best.map(|(_, r, lag)| (r.clamp(0.0, 1.0), lag))
}

/// CPR by month on book (`cpr[m]`, `m = 0..=M`; month 0 has none) and the annual CPR.
pub fn cpr_by_mob(vintages: &[&Vintage]) -> (Vec<Option<f64>>, Option<f64>) {
    let longest = vintages.iter().map(|v| v.age()).max().unwrap_or(0) as usize;
    if vintages
        .iter()
        .any(|v| v.months.iter().any(|m| m.prepaid.is_none()))
    {
        return (vec![None; longest + 1], None);
    }
    let mut by_mob = vec![None];
    let (mut prepaid, mut outstanding) = (0.0, 0.0);
    for m in 1..=longest {
        let (mut num, mut den) = (0.0, 0.0);
        for v in vintages.iter().filter(|v| v.months.len() > m) {
            num += v.months[m].prepaid.unwrap_or(0.0) - v.months[m - 1].prepaid.unwrap_or(0.0);
            den += v.months[m - 1].outstanding;
        }
        by_mob.push((den > 0.0).then(|| cpr_from_smm(num / den)));
        prepaid += num;
        outstanding += den;
    }
    let annual = (outstanding > 0.0).then(|| cpr_from_smm(prepaid / outstanding));
    (by_mob, annual)
}

/// Roll rates between delinquency buckets (see the module's formulas).
#[derive(Debug, Clone, PartialEq)]
pub struct RollRates {
    /// Current → first bucket.
    pub entry: Option<f64>,
    /// `roll[k]`: bucket `k` → `k + 1`; the last entry: last bucket → charge-off.
    pub roll: Vec<Option<f64>>,
    /// `1 − roll[k]`.
    pub cure: Vec<Option<f64>>,
    /// `K`, months from the first missed payment to charge-off.
    pub months_to_charge_off: Option<u32>,
}

/// The roll rates of vintages with `buckets` delinquency buckets.
pub fn roll_rates(vintages: &[&Vintage], buckets: usize) -> RollRates {
    let mut num = vec![0.0; buckets];
    let mut den = vec![0.0; buckets];
    let (mut entry_num, mut entry_den) = (0.0, 0.0);
    for v in vintages {
        for pair in v.months.windows(2) {
            let (now, next) = (&pair[0], &pair[1]);
            if now.delinquent.len() != buckets || next.delinquent.len() != buckets {
                continue;
            }
            for k in 0..buckets {
                den[k] += now.delinquent[k];
                num[k] += if k + 1 < buckets {
                    next.delinquent[k + 1]
                } else {
                    next.charged_off - now.charged_off
                };
            }
            if buckets > 0 {
                entry_num += next.delinquent[0];
                entry_den += now.outstanding - now.delinquent.iter().sum::<f64>();
            }
        }
    }
    let roll: Vec<Option<f64>> = num
        .iter()
        .zip(&den)
        .map(|(n, d)| (*d > 0.0).then(|| n / d))
        .collect();
    RollRates {
        entry: (buckets > 0 && entry_den > 0.0).then(|| entry_num / entry_den),
        cure: roll.iter().map(|r| r.map(|r| 1.0 - r)).collect(),
        roll,
        months_to_charge_off: (buckets > 0).then_some(buckets as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::chain_ladder::chain_ladder;
    use crate::history::{VintageMonth, YearMonth};
    use approx::assert_relative_eq;

    fn vintage(originated: f64, months: Vec<VintageMonth>) -> Vintage {
        Vintage {
            vintage: YearMonth {
                year: 2020,
                month: 1,
            },
            segment: "all".into(),
            originated,
            months,
        }
    }

    fn month(
        m: u32,
        outstanding: f64,
        delinquent: Vec<f64>,
        c: f64,
        r: f64,
        p: f64,
    ) -> VintageMonth {
        VintageMonth {
            months_on_book: m,
            outstanding,
            delinquent,
            charged_off: c,
            recovered: Some(r),
            prepaid: Some(p),
        }
    }

    /// The triangle of `chain_ladder`'s test: A(m) = 0, 67.5, 143.4375, 172.125 (÷ 4,500) =
    /// 0, .015, .031875, .03825; L = .03825; timing = 0, .015/.03825, .016875/.03825,
    /// .006375/.03825 = 0, 0.3921568627…, 0.4411764705…, 1/6.
    #[test]
    fn timing_of_the_hand_made_triangle() {
        let originated = [1_000.0, 2_000.0, 1_000.0, 500.0];
        let cl = chain_ladder(
            &originated,
            &[
                vec![0.0, 10.0, 25.0, 30.0],
                vec![0.0, 30.0, 60.0],
                vec![0.0, 20.0],
                vec![0.0],
            ],
        );
        let (lifetime, timing) = lifetime_and_timing(&originated, &cl);
        assert_relative_eq!(lifetime, 0.038_25, epsilon = 1e-15);
        let want = [0.0, 0.015 / 0.038_25, 0.016_875 / 0.038_25, 1.0 / 6.0];
        for (got, want) in timing.iter().zip(want) {
            assert_relative_eq!(*got, want, epsilon = 1e-13);
        }
    }

    /// Recoveries of 40 % exactly two months after each charge-off: the fit recovers r = 0.4
    /// and ℓ = 2 (SSE 0), on a mature and an immature vintage together.
    #[test]
    fn recovery_fit_finds_a_fixed_lag() {
        let charged = [0.0, 0.0, 10.0, 30.0, 45.0, 50.0, 50.0, 50.0, 50.0];
        let build = |age: usize, o: f64| {
            let months = (0..=age)
                .map(|m| {
                    let r = if m >= 2 { 0.4 * charged[m - 2] } else { 0.0 };
                    month(
                        m as u32,
                        500.0,
                        vec![],
                        charged[m] * o / 1000.0,
                        r * o / 1000.0,
                        0.0,
                    )
                })
                .collect();
            vintage(o, months)
        };
        let (a, b) = (build(8, 1000.0), build(4, 3000.0));
        let (r, lag) = recovery_fit(&[&a, &b]).unwrap();
        assert_relative_eq!(r, 0.4, epsilon = 1e-12);
        assert_eq!(lag, 2);
    }

    /// Two vintages; month 1: prepaid 10 + 30 on outstanding 1,000 + 2,000 at month 0, so
    /// SMM_1 = 40/3,000; month 2 (only the first): 18 on 900 → SMM_2 = 0.02. Pooled:
    /// 58 / 3,900.
    #[test]
    fn cpr_is_pooled_smm_annualized() {
        let a = vintage(
            1_000.0,
            vec![
                month(0, 1_000.0, vec![], 0.0, 0.0, 0.0),
                month(1, 900.0, vec![], 0.0, 0.0, 10.0),
                month(2, 800.0, vec![], 0.0, 0.0, 28.0),
            ],
        );
        let b = vintage(
            2_000.0,
            vec![
                month(0, 2_000.0, vec![], 0.0, 0.0, 0.0),
                month(1, 1_800.0, vec![], 0.0, 0.0, 30.0),
            ],
        );
        let (by_mob, annual) = cpr_by_mob(&[&a, &b]);
        assert_eq!(by_mob[0], None);
        let cpr = |smm: f64| 1.0 - (1.0 - smm).powi(12);
        assert_relative_eq!(by_mob[1].unwrap(), cpr(40.0 / 3_000.0), epsilon = 1e-15);
        assert_relative_eq!(by_mob[2].unwrap(), cpr(0.02), epsilon = 1e-15);
        assert_relative_eq!(annual.unwrap(), cpr(58.0 / 3_900.0), epsilon = 1e-15);
    }

    /// Two buckets. t=0→1: bucket 1 holds 100 at t=0, bucket 2 holds 30 at t=1; bucket 2
    /// holds 20 at t=0 and charge-offs rise by 12 → roll = .3 and .6 (then t=1→2: bucket 1
    /// 50 → bucket 2 10; bucket 2 30 → charge-offs +15): roll_0 = (30+10)/(100+50) = 4/15,
    /// roll_1 = (12+15)/(20+30) = 0.54. Entry: (50 + 40) / ((1000−120) + (900−80)) = 90/1700.
    #[test]
    fn roll_rates_are_ratios_of_sums() {
        let v = vintage(
            1_000.0,
            vec![
                month(0, 1_000.0, vec![100.0, 20.0], 0.0, 0.0, 0.0),
                month(1, 900.0, vec![50.0, 30.0], 12.0, 0.0, 0.0),
                month(2, 800.0, vec![40.0, 10.0], 27.0, 0.0, 0.0),
            ],
        );
        let rolls = roll_rates(&[&v], 2);
        assert_relative_eq!(rolls.roll[0].unwrap(), 40.0 / 150.0, epsilon = 1e-15);
        assert_relative_eq!(rolls.roll[1].unwrap(), 0.54, epsilon = 1e-15);
        assert_relative_eq!(rolls.cure[0].unwrap(), 1.0 - 40.0 / 150.0, epsilon = 1e-15);
        assert_relative_eq!(rolls.entry.unwrap(), 90.0 / 1_700.0, epsilon = 1e-15);
        assert_eq!(rolls.months_to_charge_off, Some(2));
        assert_eq!(roll_rates(&[&v], 0).months_to_charge_off, None);
    }
}
