//! Weighted empirical distributions of per-path outcomes (SPEC §6): every statistic takes
//! the paths' normalised weights (1/P for plain Monte Carlo, likelihood ratios under
//! importance sampling).

use serde::{Deserialize, Serialize};

use crate::engine::BLOCK_PATHS;

/// Confidence levels of VaR and ES (SPEC §6).
pub const RISK_LEVELS: [f64; 3] = [0.95, 0.99, 0.999];

/// Sum over paths in the fixed order of SPEC §4.5: consecutive blocks of
/// [`BLOCK_PATHS`] paths, each summed in path order, then the block totals in block order —
/// so a run split into shards of whole blocks merges to the same bits.
pub fn block_sum(terms: impl Iterator<Item = f64>) -> f64 {
    let mut total = 0.0;
    let mut block = 0.0;
    for (i, term) in terms.enumerate() {
        block += term;
        if (i + 1) % BLOCK_PATHS == 0 {
            total += block;
            block = 0.0;
        }
    }
    total + block
}

/// [`block_sum`] of many sums at once: `totals[k]` is the block sum over rows `r` of
/// `term(r, k)`, where `rows` yields each path's terms for `k = 0..totals.len()` in path
/// order. Every sum takes exactly the additions [`block_sum`] would (so the same bits),
/// but the sums advance side by side in one pass over the paths.
pub fn block_sums<'a>(rows: impl Iterator<Item = &'a [f64]>, scale: &[f64], totals: &mut [f64]) {
    let width = totals.len();
    totals.fill(0.0);
    let mut block = vec![0.0; width];
    for (i, (row, &w)) in rows.zip(scale).enumerate() {
        for (sum, &x) in block.iter_mut().zip(&row[..width]) {
            *sum += w * x;
        }
        if (i + 1) % BLOCK_PATHS == 0 {
            for (total, sum) in totals.iter_mut().zip(block.iter_mut()) {
                *total += *sum;
                *sum = 0.0;
            }
        }
    }
    for (total, sum) in totals.iter_mut().zip(&block) {
        *total += sum;
    }
}

/// The weighted mean `Σ wᵢ xᵢ` and its standard error `√(Σ wᵢ² (xᵢ − μ)²)`, as
/// [`loss_statistics`] gives them (the same sums), without the sorting its VaR and ES need.
pub fn mean_and_standard_error(
    values: impl Iterator<Item = f64> + Clone,
    weights: &[f64],
) -> (f64, f64) {
    let mean = block_sum(values.clone().zip(weights).map(|(x, w)| w * x));
    let error_variance = block_sum(values.zip(weights).map(|(x, w)| (w * (x - mean)).powi(2)));
    (mean, error_variance.sqrt())
}

/// Summary of one weighted outcome (a loss share), as `summary.json` holds it too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LossStatistics {
    /// Weighted mean (expected loss).
    pub mean: f64,
    /// Standard error of the mean.
    pub standard_error: f64,
    pub standard_deviation: f64,
    /// Weighted probability of a loss above zero.
    pub probability_of_loss: f64,
    /// VaR at [`RISK_LEVELS`]: the smallest x with weighted CDF ≥ α.
    pub var: [f64; 3],
    /// ES at [`RISK_LEVELS`]: the weighted mean of the worst (1 − α) share of paths.
    pub es: [f64; 3],
    /// Effective number of paths `1 / Σ w²` (the paths' information, after weighting).
    pub effective_paths: f64,
}

/// Statistics of `values` under normalised `weights` (same length, weights sum to 1).
///
/// # Formula
/// - mean `μ = Σ wᵢ xᵢ`; standard deviation `√(Σ wᵢ (xᵢ − μ)²)`;
/// - standard error of the self-normalised estimator `√(Σ wᵢ² (xᵢ − μ)²)` (Owen, *Monte
///   Carlo theory, methods and examples*, §9.2), which is `σ/√n` for equal weights;
/// - `VaRα = min{x : Σ_{xᵢ ≤ x} wᵢ ≥ α}`; `ESα = (1/(1−α)) Σ` over the largest values of
///   `wᵢ xᵢ` until their weight reaches `1 − α` (the boundary path counted in part).
pub fn loss_statistics(values: &[f64], weights: &[f64]) -> LossStatistics {
    let pairs = || values.iter().zip(weights);
    let (mean, standard_error) = mean_and_standard_error(values.iter().copied(), weights);
    let variance = block_sum(pairs().map(|(x, w)| w * (x - mean).powi(2)));
    let probability_of_loss = block_sum(pairs().map(|(x, w)| if *x > 0.0 { *w } else { 0.0 }));
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let var = RISK_LEVELS.map(|level| value_at_risk(values, weights, &order, level));
    let es = RISK_LEVELS.map(|level| expected_shortfall(values, weights, &order, level));
    LossStatistics {
        mean,
        standard_error,
        standard_deviation: variance.sqrt(),
        probability_of_loss,
        var,
        es,
        effective_paths: 1.0 / block_sum(weights.iter().map(|w| w * w)),
    }
}

fn value_at_risk(values: &[f64], weights: &[f64], order: &[usize], level: f64) -> f64 {
    let mut cumulative = 0.0;
    for &i in order {
        cumulative += weights[i];
        // a relative tolerance keeps 0.99 reachable when weights sum to 1 − ε
        if cumulative >= level * (1.0 - 1e-12) {
            return values[i];
        }
    }
    order.last().map_or(0.0, |&i| values[i])
}

fn expected_shortfall(values: &[f64], weights: &[f64], order: &[usize], level: f64) -> f64 {
    let tail = 1.0 - level;
    let mut mass = 0.0;
    let mut total = 0.0;
    for &i in order.iter().rev() {
        let take = weights[i].min(tail - mass);
        if take <= 0.0 {
            break;
        }
        mass += take;
        total += take * values[i];
    }
    if mass > 0.0 { total / mass } else { 0.0 }
}

/// Weighted quantile (the smallest x with weighted CDF ≥ `level`).
pub fn weighted_quantile(values: &[f64], weights: &[f64], level: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    value_at_risk(values, weights, &order, level)
}

/// The path whose value is the weighted `level` quantile (ties: the lowest path index).
pub fn quantile_path(values: &[f64], weights: &[f64], level: f64) -> usize {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut cumulative = 0.0;
    for &i in &order {
        cumulative += weights[i];
        if cumulative >= level * (1.0 - 1e-12) {
            return i;
        }
    }
    *order.last().unwrap_or(&0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn side_by_side_block_sums_are_each_columns_block_sum_bit_for_bit() {
        // more than two blocks of paths, terms of mixed magnitudes so the order shows
        let paths = 2 * BLOCK_PATHS + 123;
        let width = 5;
        let rows: Vec<f64> = (0..paths * width)
            .map(|i| ((i * 7919) % 1013) as f64 * 10f64.powi((i % 11) as i32 - 5))
            .collect();
        let scale: Vec<f64> = (0..paths).map(|p| 1.0 / (1.0 + p as f64)).collect();
        let mut totals = vec![f64::NAN; width];
        block_sums(rows.chunks_exact(width), &scale, &mut totals);
        for (k, &total) in totals.iter().enumerate() {
            let one = block_sum((0..paths).map(|p| scale[p] * rows[p * width + k]));
            assert_eq!(total.to_bits(), one.to_bits(), "column {k}");
        }
        // the block order matters: a plain sum gives other bits
        let plain: f64 = (0..paths).map(|p| scale[p] * rows[p * width]).sum();
        let blocked = block_sum((0..paths).map(|p| scale[p] * rows[p * width]));
        assert_ne!(plain.to_bits(), blocked.to_bits(), "a weak test");
    }

    #[test]
    fn mean_and_standard_error_are_loss_statistics_ones() {
        let values: Vec<f64> = (0..5000).map(|i| ((i * 31) % 97) as f64 / 97.0).collect();
        let raw: Vec<f64> = (0..5000).map(|i| 1.0 + (i % 13) as f64).collect();
        let total: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
        let s = loss_statistics(&values, &weights);
        let (mean, se) = mean_and_standard_error(values.iter().copied(), &weights);
        assert_eq!(
            (mean.to_bits(), se.to_bits()),
            (s.mean.to_bits(), s.standard_error.to_bits())
        );
    }

    #[test]
    fn equal_weights_give_the_textbook_statistics() {
        // 0, 1, ..., 999 with weight 1/1000 each
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        let weights = vec![1e-3; 1000];
        let s = loss_statistics(&values, &weights);
        assert_relative_eq!(s.mean, 499.5, epsilon = 1e-9);
        // population variance of 0..n−1 is (n² − 1)/12
        assert_relative_eq!(
            s.standard_deviation,
            ((1e6 - 1.0) / 12.0_f64).sqrt(),
            epsilon = 1e-9
        );
        assert_relative_eq!(
            s.standard_error,
            s.standard_deviation / 1000f64.sqrt(),
            epsilon = 1e-9
        );
        assert_relative_eq!(s.probability_of_loss, 0.999, epsilon = 1e-12);
        // 95 % VaR: smallest x with CDF ≥ 0.95 → 949 (CDF of 949 is 950/1000)
        assert_eq!(s.var, [949.0, 989.0, 998.0]);
        // ES 95 %: mean of the worst 50 values 950..999 = 974.5
        assert_relative_eq!(s.es[0], 974.5, epsilon = 1e-9);
        assert_relative_eq!(s.es[2], 999.0, epsilon = 1e-9);
        assert_relative_eq!(s.effective_paths, 1000.0, epsilon = 1e-6);
    }

    #[test]
    fn block_sums_follow_the_fixed_order() {
        // terms whose float sum depends on the association: 1e16 + 1 + 1 − 1e16
        let terms: Vec<f64> = (0..10_000)
            .map(|i| match i % 4 {
                0 => 1e16,
                3 => -1e16,
                _ => 1.0 + i as f64 * 1e-3,
            })
            .collect();
        let blocks: Vec<f64> = terms
            .chunks(BLOCK_PATHS)
            .map(|c| c.iter().fold(0.0, |a, t| a + t))
            .collect();
        let expected = blocks.iter().fold(0.0, |a, b| a + b);
        assert_eq!(
            block_sum(terms.iter().copied()).to_bits(),
            expected.to_bits()
        );
        assert_eq!(block_sum([1.0, 2.0, 3.5].into_iter()), 6.5);
    }

    #[test]
    fn weights_move_the_quantiles() {
        // a rare large loss carrying 2 % of the probability
        let values = [0.0, 0.5, 1.0];
        let weights = [0.9, 0.08, 0.02];
        let s = loss_statistics(&values, &weights);
        assert_relative_eq!(s.mean, 0.06);
        assert_eq!(s.var, [0.5, 1.0, 1.0]);
        // worst 5 %: 2 % at 1.0 and 3 % at 0.5 → (0.02 + 0.015)/0.05 = 0.7
        assert_relative_eq!(s.es[0], 0.7, epsilon = 1e-12);
        assert_relative_eq!(s.probability_of_loss, 0.1);
        assert_eq!(quantile_path(&values, &weights, 0.5), 0);
        assert_eq!(quantile_path(&values, &weights, 0.99), 2);
    }
}
