//! Chain-ladder projection of the cumulative charge-off rate (SPEC §4.6 "Projection").
//!
//! Vintages `v` with originated principal `O_v`, cumulative charged-off principal `C_v(m)`
//! observed for `m = 0..=a_v` (`a_v` the vintage's age), rate `c_v(m) = C_v(m) / O_v`.
//! `M = max_v a_v` is the longest observed age.
//!
//! For each step `m → m + 1` (`m = 0..M−1`), over the set `S_m = {v : a_v ≥ m + 1}` of
//! vintages observed at both ages:
//!
//! - the volume-weighted development factor
//!   `f_m = Σ_{v∈S_m} C_v(m+1) / Σ_{v∈S_m} C_v(m)` (a ratio of sums of amounts, i.e. the
//!   originated-weighted ratio of the rates); undefined (`None`) when the denominator is 0;
//! - the volume-weighted increment `Δ_m = Σ_{v∈S_m} (C_v(m+1) − C_v(m)) / Σ_{v∈S_m} O_v`
//!   (0 when `Σ O_v = 0`).
//!
//! A vintage is projected from its age: `ĉ_v(m) = c_v(m)` for `m ≤ a_v`, then for
//! `m = a_v..M−1`: `ĉ_v(m+1) = ĉ_v(m) · f_m` when `ĉ_v(m) > 0` and `f_m` is defined, else the
//! additive step `ĉ_v(m+1) = ĉ_v(m) + Δ_m` (a vintage with nothing charged off yet, or a step
//! whose factor is undefined, cannot be developed multiplicatively: 0 × f stays 0).
//! There is no development beyond `M` (no tail factor): the projected lifetime rate of a
//! vintage is `L_v = ĉ_v(M)`.

/// One development step `m → m + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct DevelopmentFactor {
    /// `m`.
    pub from_month: u32,
    /// `f_m`; `None` when `Σ C_v(m) = 0` over the vintages observed at both ages.
    pub factor: Option<f64>,
    /// `Δ_m`, the additive step used where the factor cannot be.
    pub increment: f64,
    /// `|S_m|`: vintages observed at both `m` and `m + 1`.
    pub vintages: usize,
}

/// The chain ladder of one group of vintages.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainLadder {
    /// `M`, the longest observed age: nothing is developed beyond it.
    pub longest_age: u32,
    /// `f_0 … f_{M−1}`.
    pub factors: Vec<DevelopmentFactor>,
    /// `projected[v][m] = ĉ_v(m)` for `m = 0..=M`, in the input order.
    pub projected: Vec<Vec<f64>>,
}

impl ChainLadder {
    /// `L_v = ĉ_v(M)`, in the input order.
    pub fn lifetime_rates(&self) -> Vec<f64> {
        self.projected
            .iter()
            .map(|curve| curve.last().copied().unwrap_or(0.0))
            .collect()
    }
}

/// The chain ladder of vintages with originated principal `originated[v]` and cumulative
/// charged-off principal `cumulative[v][m]`, `m = 0..=a_v` (see the module's formulas).
///
/// # Panics
/// If the two slices differ in length or a vintage has no month.
pub fn chain_ladder(originated: &[f64], cumulative: &[Vec<f64>]) -> ChainLadder {
    assert_eq!(originated.len(), cumulative.len());
    assert!(cumulative.iter().all(|c| !c.is_empty()));
    let longest_age = cumulative
        .iter()
        .map(|c| c.len() as u32 - 1)
        .max()
        .unwrap_or(0);
    let factors: Vec<DevelopmentFactor> = (0..longest_age as usize)
        .map(|m| {
            let (mut next, mut here, mut volume, mut count) = (0.0, 0.0, 0.0, 0);
            for (o, c) in originated.iter().zip(cumulative) {
                if c.len() > m + 1 {
                    next += c[m + 1];
                    here += c[m];
                    volume += o;
                    count += 1;
                }
            }
            DevelopmentFactor {
                from_month: m as u32,
                factor: (here > 0.0).then(|| next / here),
                increment: if volume > 0.0 {
                    (next - here) / volume
                } else {
                    0.0
                },
                vintages: count,
            }
        })
        .collect();
    let projected = originated
        .iter()
        .zip(cumulative)
        .map(|(&o, c)| {
            let mut curve: Vec<f64> = c
                .iter()
                .map(|&amount| super::curves::ratio_or_zero(amount, o))
                .collect();
            for step in &factors[c.len() - 1..] {
                let here = *curve.last().expect("a vintage has month 0");
                curve.push(match step.factor {
                    Some(f) if here > 0.0 => here * f,
                    _ => here + step.increment,
                });
            }
            curve
        })
        .collect();
    ChainLadder {
        longest_age,
        factors,
        projected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// The triangle of cumulative charged-off principal (CNY):
    ///
    /// | vintage | O     | m=0 | m=1 | m=2 | m=3 |
    /// |---------|-------|-----|-----|-----|-----|
    /// | A       | 1,000 | 0   | 10  | 25  | 30  |
    /// | B       | 2,000 | 0   | 30  | 60  |     |
    /// | C       | 1,000 | 0   | 20  |     |     |
    /// | D       |   500 | 0   |     |     |     |
    ///
    /// By hand: M = 3.
    /// - m=0→1, S = {A, B, C}: Σ C(0) = 0, so f_0 is undefined; Δ_0 = (10+30+20)/4,000 = 0.015.
    /// - m=1→2, S = {A, B}: f_1 = (25+60)/(10+30) = 85/40 = 2.125.
    /// - m=2→3, S = {A}: f_2 = 30/25 = 1.2.
    ///
    /// Projections (rates): A observed 0, .01, .025, .03 → L = 0.03;
    /// B: .03 × 1.2 = 0.036; C: .02 × 2.125 = .0425, × 1.2 = 0.051;
    /// D: nothing charged off, additive: 0 + .015 = .015, × 2.125 = .031875, × 1.2 = 0.03825.
    #[test]
    fn hand_made_triangle() {
        let originated = [1_000.0, 2_000.0, 1_000.0, 500.0];
        let cumulative = vec![
            vec![0.0, 10.0, 25.0, 30.0],
            vec![0.0, 30.0, 60.0],
            vec![0.0, 20.0],
            vec![0.0],
        ];
        let cl = chain_ladder(&originated, &cumulative);
        assert_eq!(cl.longest_age, 3);
        assert_eq!(cl.factors[0].factor, None);
        assert_relative_eq!(cl.factors[0].increment, 0.015, epsilon = 1e-15);
        assert_eq!(cl.factors[0].vintages, 3);
        assert_relative_eq!(cl.factors[1].factor.unwrap(), 2.125, epsilon = 1e-15);
        assert_eq!(cl.factors[1].vintages, 2);
        assert_relative_eq!(cl.factors[2].factor.unwrap(), 1.2, epsilon = 1e-15);
        assert_eq!(cl.factors[2].vintages, 1);
        let lifetime = cl.lifetime_rates();
        for (got, want) in lifetime.iter().zip([0.03, 0.036, 0.051, 0.03825]) {
            assert_relative_eq!(*got, want, epsilon = 1e-15);
        }
        assert_relative_eq!(cl.projected[3][2], 0.031_875, epsilon = 1e-15);
        // observed months are kept as observed
        assert_eq!(cl.projected[0], vec![0.0, 0.01, 0.025, 0.03]);
    }

    #[test]
    fn zero_triangle_projects_zero_and_single_vintage_has_no_development() {
        let cl = chain_ladder(&[100.0, 100.0], &[vec![0.0, 0.0, 0.0], vec![0.0]]);
        assert_eq!(cl.lifetime_rates(), vec![0.0, 0.0]);
        let one = chain_ladder(&[100.0], &[vec![1.0, 2.0]]);
        assert_eq!(one.lifetime_rates(), vec![0.02]);
    }
}
