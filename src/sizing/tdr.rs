//! Target default rates (SPEC §7.3): the weighted `1 − PD_R(w)` quantile of the Monte
//! Carlo distribution of the pool's cumulative default rate, with its standard error.
//!
//! # The quantile and its error
//! The paths carry self-normalised importance weights `w_i` (Σ w_i = 1). The quantile at
//! level `1 − p` is the smallest value `x` whose weighted tail above it, `Σ_{X_i > x} w_i`,
//! is at most `p` — the smallest `x` with weighted CDF ≥ `1 − p`, as
//! [`crate::metrics::distribution::weighted_quantile`] has it, but summed from the top so
//! that a tail of 1e-6 is not lost in the rounding of a sum near 1.
//!
//! Its standard error comes from the tail probability's, by inverting the interval
//! (Woodruff 1952; for importance sampling, Glynn 1996, "Importance sampling for Monte
//! Carlo estimation of quantiles"): at the quantile `q` the self-normalised estimate of
//! `P(X > q)` has the delta-method standard error `s = √(Σ w_i² (1{X_i > q} − p)²)`, and the
//! quantile's error is half the width of `[Q(1 − p − s), Q(1 − p + s)]`. No density is
//! estimated; where the interval runs past the largest path simulated, the error is
//! infinite and reported as such — the paths do not reach that quantile.

use crate::normal::normal_quantile;

/// The weighted distribution of one variable over the paths, sorted once.
#[derive(Debug, Clone)]
pub struct WeightedDistribution {
    /// Values ascending (ties in path order).
    values: Vec<f64>,
    /// Weights in the same order.
    weights: Vec<f64>,
    /// `tail[i]` = Σ of the weights after position `i` (summed from the top).
    tail: Vec<f64>,
}

/// A target default rate and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetRate {
    /// The tail probability the quantile leaves above it, PD_R(w).
    pub probability: f64,
    pub rate: f64,
    /// Standard error; infinite when the interval runs past the paths simulated.
    pub se: f64,
}

impl WeightedDistribution {
    /// The distribution of `values` with normalised `weights` (same length, Σ = 1).
    pub fn new(values: &[f64], weights: &[f64]) -> WeightedDistribution {
        assert_eq!(values.len(), weights.len(), "one weight per value");
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
        let values: Vec<f64> = order.iter().map(|&i| values[i]).collect();
        let weights: Vec<f64> = order.iter().map(|&i| weights[i]).collect();
        let mut tail = vec![0.0; values.len()];
        let mut above = 0.0;
        for i in (0..values.len()).rev() {
            tail[i] = above;
            above += weights[i];
        }
        WeightedDistribution {
            values,
            weights,
            tail,
        }
    }

    /// Paths in the distribution.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether it has no paths.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Weight strictly above `x`.
    pub fn tail_above(&self, x: f64) -> f64 {
        let first_above = self.values.partition_point(|&v| v <= x);
        match first_above {
            0 => self.tail.first().map_or(0.0, |t| t + self.weights[0]),
            i => self.tail[i - 1],
        }
    }

    /// The smallest value whose weighted tail above is at most `p`; `None` when `p < 0`
    /// or no path is simulated, the largest value when `p` is below every tail.
    pub fn upper_quantile(&self, p: f64) -> Option<f64> {
        if self.values.is_empty() || p < 0.0 {
            return None;
        }
        // values with equal neighbours: the tail above a value counts only larger ones
        let i = self.tail.partition_point(|&t| t > p);
        let i = i.min(self.values.len() - 1);
        Some(self.values[i])
    }

    /// The rate at which the weighted tail is `p`, with its standard error (module docs).
    pub fn target(&self, p: f64) -> TargetRate {
        let rate = self.upper_quantile(p).unwrap_or(f64::NAN);
        let variance: f64 = self
            .values
            .iter()
            .zip(&self.weights)
            .map(|(&x, &w)| {
                let indicator = if x > rate { 1.0 } else { 0.0 };
                (w * (indicator - p)).powi(2)
            })
            .sum();
        let s = variance.sqrt();
        // the upper end is resolved only below the largest path: at the largest, the paths
        // say nothing about how far above it the quantile lies
        let largest = self.values.last().copied().unwrap_or(f64::NAN);
        let se = match (self.upper_quantile(p + s), self.upper_quantile(p - s)) {
            (Some(low), Some(high)) if p - s > 0.0 && high < largest => 0.5 * (high - low),
            _ => f64::INFINITY,
        };
        TargetRate {
            probability: p,
            rate,
            se,
        }
    }
}

/// The systematic factor's level whose lower tail is `pd`: `Φ⁻¹(pd)` (≤ 0 for pd ≤ ½),
/// where importance sampling centres a component to reach the quantile at level `1 − pd`
/// (in a one-factor pool the default rate's `1 − pd` quantile is the conditional rate at
/// that factor level, SPEC §4.1).
pub fn factor_level(pd: f64) -> f64 {
    normal_quantile(pd.clamp(1e-15, 0.5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_give_the_order_statistics() {
        // 0..1024, weight 1/1024 (exact in binary): the tail above k is (1023 − k)/1024
        let n = 1024;
        let values: Vec<f64> = (0..n).map(f64::from).collect();
        let w = 1.0 / f64::from(n);
        let weights = vec![w; n as usize];
        let d = WeightedDistribution::new(&values, &weights);
        // the smallest x with tail ≤ 8/1024 is 1015 (tail 8/1024; 1014 has 9/1024)
        let p = 8.0 * w;
        assert_eq!(d.upper_quantile(p), Some(1015.0));
        assert_eq!(d.upper_quantile(0.0), Some(1023.0));
        assert_eq!(d.upper_quantile(1.0), Some(0.0));
        assert_eq!(d.tail_above(1015.0), p);
        assert_eq!(d.tail_above(-1.0), 1.0);
        // s = √(Σ w²(1{x > q} − p)²) = w √(8 (1 − p)² + 1016 p²) = √(p(1 − p)/n) here
        let s = w * (8.0 * (1.0 - p).powi(2) + 1016.0 * p * p).sqrt();
        assert!((s - (p * (1.0 - p) / f64::from(n)).sqrt()).abs() < 1e-15);
        let t = d.target(p);
        assert_eq!(t.rate, 1015.0);
        // p ± s = (8 ± 2.8)/1024: the quantiles at tails 5.2/1024 and 10.8/1024 are 1018
        // and 1013, so the error is half of 5
        assert_eq!(d.upper_quantile(p - s), Some(1018.0));
        assert_eq!(d.upper_quantile(p + s), Some(1013.0));
        assert_eq!(t.se, 2.5);
    }

    #[test]
    fn a_tail_beyond_the_paths_has_an_infinite_error() {
        let values: Vec<f64> = (0..100).map(f64::from).collect();
        let weights = vec![1e-2; 100];
        let t = WeightedDistribution::new(&values, &weights).target(1e-6);
        assert_eq!(t.rate, 99.0);
        assert!(t.se.is_infinite());
    }
}
