//! How well a credit model's predicted PDs rank and match the observed defaults (SPEC §3, the
//! figures `fit` prints): AUC, KS and Gini for ranking, a calibration table by score band with
//! Wilson intervals for matching, and a deterministic hold-out split to measure them on rows the
//! fit did not see.
//!
//! Everything here works on plain `(predicted PD, defaulted)` pairs, so it serves the fitted model,
//! the built-in scorecard and any benchmark model alike. Results are exact functions of the
//! input: sorting is by value with ties grouped, and sums run in row order.

use serde::Serialize;
use thiserror::Error;

use crate::rng::splitmix64;

/// Standard normal quantile `Φ⁻¹(0.975)`, the `z` of a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Why a performance figure could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PerformanceError {
    /// Two inputs that pair up row by row differ in length.
    #[error("{what} has {found} values but there are {expected} outcomes; give one per row")]
    LengthMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// A value is NaN or infinite, or a PD lies outside [0, 1].
    #[error("{what} at row {row} (0-based) is {value}, which is not a valid {what}")]
    InvalidValue {
        what: &'static str,
        row: usize,
        value: f64,
    },
    /// The figure compares defaulters with non-defaulters, and one group is empty.
    #[error(
        "{what} needs both defaulters and non-defaulters, but the {rows} rows have {defaults} defaults"
    )]
    OneClass {
        what: &'static str,
        rows: usize,
        defaults: usize,
    },
    /// Score band edges must be finite and strictly increasing.
    #[error(
        "score band edges must be finite and strictly increasing; edge {index} is {value} after {previous}"
    )]
    InvalidBands {
        index: usize,
        value: f64,
        previous: f64,
    },
    /// The hold-out share must lie in [0, 1].
    #[error("the hold-out share must lie in [0, 1], not {share}")]
    InvalidShare { share: f64 },
}

/// AUC, KS and Gini of one set of predictions, from one sort.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Discrimination {
    /// Area under the ROC curve, see [`auc`].
    pub auc: f64,
    /// Kolmogorov–Smirnov statistic, see [`ks`].
    pub ks: f64,
    /// Gini coefficient (accuracy ratio), `2·AUC − 1`.
    pub gini: f64,
    /// Rows evaluated.
    pub rows: usize,
    /// Defaulters among them.
    pub defaults: usize,
}

/// AUC, KS and Gini of predicted PDs against outcomes (`true` = defaulted).
///
/// # Errors
/// Lengths differ, a PD is not finite, or all rows are in one class.
pub fn discrimination(pd: &[f64], defaulted: &[bool]) -> Result<Discrimination, PerformanceError> {
    let groups = TieGroups::new(pd, defaulted, "discrimination")?;
    let auc = groups.auc();
    Ok(Discrimination {
        auc,
        ks: groups.ks(),
        gini: 2.0 * auc - 1.0,
        rows: pd.len(),
        defaults: groups.defaults,
    })
}

/// Area under the ROC curve: the probability that a randomly chosen defaulter has a higher
/// predicted PD than a randomly chosen non-defaulter, ties counted half. 1 is perfect ranking,
/// 0.5 no better than chance, 0 perfectly reversed.
///
/// # Formula
/// Mann–Whitney: `AUC = (1/(n₁n₀)) Σ_{i∈D} Σ_{j∈N} [1(pᵢ > pⱼ) + ½·1(pᵢ = pⱼ)]`, computed in
/// `O(n log n)` by sorting and walking groups of tied PDs; exact (integer counts of half-pairs).
///
/// Reference: Hanley, J. A. & McNeil, B. J. (1982), "The meaning and use of the area under a
/// receiver operating characteristic (ROC) curve", *Radiology* 143(1), 29–36.
///
/// # Errors
/// Lengths differ, a PD is not finite, or all rows are in one class.
pub fn auc(pd: &[f64], defaulted: &[bool]) -> Result<f64, PerformanceError> {
    Ok(TieGroups::new(pd, defaulted, "AUC")?.auc())
}

/// Kolmogorov–Smirnov statistic: the largest distance between the cumulative distributions of
/// predicted PD among defaulters and among non-defaulters.
///
/// # Formula
/// `KS = max_t |F_D(t) − F_N(t)|`, `F_D(t)` the share of defaulters with PD ≤ t, `F_N(t)` that
/// of non-defaulters; evaluated at every distinct PD.
///
/// # Errors
/// Lengths differ, a PD is not finite, or all rows are in one class.
pub fn ks(pd: &[f64], defaulted: &[bool]) -> Result<f64, PerformanceError> {
    Ok(TieGroups::new(pd, defaulted, "KS")?.ks())
}

/// Gini coefficient (accuracy ratio) of predicted PDs.
///
/// # Formula
/// `Gini = 2·AUC − 1`
///
/// # Errors
/// As [`auc`].
pub fn gini(pd: &[f64], defaulted: &[bool]) -> Result<f64, PerformanceError> {
    Ok(2.0 * TieGroups::new(pd, defaulted, "Gini")?.auc() - 1.0)
}

/// Rows sorted by predicted PD and grouped by equal PD: per group, defaulters and
/// non-defaulters.
struct TieGroups {
    groups: Vec<(u64, u64)>,
    defaults: usize,
    others: usize,
}

impl TieGroups {
    fn new(pd: &[f64], defaulted: &[bool], what: &'static str) -> Result<Self, PerformanceError> {
        check_lengths("predicted PD", pd.len(), defaulted.len())?;
        if let Some(row) = pd.iter().position(|p| !p.is_finite()) {
            return Err(PerformanceError::InvalidValue {
                what: "predicted PD",
                row,
                value: pd[row],
            });
        }
        let defaults = defaulted.iter().filter(|&&d| d).count();
        if defaults == 0 || defaults == pd.len() {
            return Err(PerformanceError::OneClass {
                what,
                rows: pd.len(),
                defaults,
            });
        }
        let mut pairs: Vec<(f64, bool)> =
            pd.iter().copied().zip(defaulted.iter().copied()).collect();
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut groups: Vec<(u64, u64)> = Vec::new();
        let mut previous = f64::NAN;
        for (p, d) in pairs {
            // `==` rather than bit equality so that −0.0 and 0.0 tie.
            if groups.is_empty() || p != previous {
                groups.push((0, 0));
                previous = p;
            }
            let group = groups.last_mut().expect("pushed above");
            if d {
                group.0 += 1;
            } else {
                group.1 += 1;
            }
        }
        Ok(Self {
            groups,
            defaults,
            others: pd.len() - defaults,
        })
    }

    fn auc(&self) -> f64 {
        // Twice the Mann–Whitney count, in integers: each defaulter scores 2 per non-defaulter
        // below it and 1 per tied non-defaulter.
        let mut doubled_wins: u128 = 0;
        let mut others_below: u128 = 0;
        for &(defaults, others) in &self.groups {
            doubled_wins += u128::from(defaults) * (2 * others_below + u128::from(others));
            others_below += u128::from(others);
        }
        doubled_wins as f64 / (2.0 * self.defaults as f64 * self.others as f64)
    }

    fn ks(&self) -> f64 {
        let (mut defaults_below, mut others_below) = (0u64, 0u64);
        let mut largest: f64 = 0.0;
        for &(defaults, others) in &self.groups {
            defaults_below += defaults;
            others_below += others;
            let distance = (defaults_below as f64 / self.defaults as f64
                - others_below as f64 / self.others as f64)
                .abs();
            largest = largest.max(distance);
        }
        largest
    }
}

fn check_lengths(
    what: &'static str,
    found: usize,
    expected: usize,
) -> Result<(), PerformanceError> {
    if found == expected {
        Ok(())
    } else {
        Err(PerformanceError::LengthMismatch {
            what,
            expected,
            found,
        })
    }
}

/// A two-sided confidence interval for a binomial proportion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BinomialInterval {
    pub lower: f64,
    pub upper: f64,
}

impl BinomialInterval {
    /// Whether `value` lies in `[lower, upper]`.
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }
}

/// Wilson score interval for a proportion of `events` in `trials`, at normal quantile `z`
/// ([`Z_95`] for 95 %). Unlike the Wald interval it stays inside [0, 1] and keeps its coverage
/// for the small default counts of good score bands. `None` when `trials` is 0 or
/// `events > trials`.
///
/// # Formula
/// With `p̂ = events/trials`, `n = trials`:
/// `(p̂ + z²/(2n) ± z·√(p̂(1 − p̂)/n + z²/(4n²))) / (1 + z²/n)`
///
/// Reference: Wilson, E. B. (1927), "Probable inference, the law of succession, and statistical
/// inference", *JASA* 22(158), 209–212; values checked against Newcombe, R. G. (1998),
/// "Two-sided confidence intervals for the single proportion", *Statistics in Medicine* 17,
/// 857–872, Table I.
pub fn wilson_interval(events: u64, trials: u64, z: f64) -> Option<BinomialInterval> {
    if trials == 0 || events > trials {
        return None;
    }
    let n = trials as f64;
    let rate = events as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (rate + z2 / (2.0 * n)) / denominator;
    let half_width = z * (rate * (1.0 - rate) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At 0 or n events one bound is exactly 0 or 1; clamp away the rounding.
    Some(BinomialInterval {
        lower: if events == 0 {
            0.0
        } else {
            (centre - half_width).max(0.0)
        },
        upper: if events == trials {
            1.0
        } else {
            (centre + half_width).min(1.0)
        },
    })
}

/// One row of a calibration table: the rows whose score lies in `[score_from, score_to)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CalibrationBand {
    /// Lower score bound (inclusive); `−∞` for the lowest band.
    pub score_from: f64,
    /// Upper score bound (exclusive); `+∞` for the highest band.
    pub score_to: f64,
    /// Rows in the band.
    pub count: u64,
    /// Defaults among them.
    pub defaults: u64,
    /// Mean predicted PD of the band.
    pub mean_predicted_pd: f64,
    /// Observed default rate, `defaults / count`.
    pub observed_default_rate: f64,
    /// 95 % Wilson interval of the observed default rate.
    pub interval: BinomialInterval,
    /// Whether the mean predicted PD lies inside the interval.
    pub predicted_within_interval: bool,
}

/// Predicted versus observed default rate by score band.
///
/// `bands` are the finite, strictly increasing edges between bands: `k` edges make `k + 1`
/// bands, `[−∞, e₀), [e₀, e₁), …, [e_{k−1}, +∞)`. Bands without rows are left out. Rows are in
/// ascending score order (so descending risk).
///
/// # Formula
/// Per band: mean predicted PD `(1/m) Σ PDᵢ`, observed rate `d/m`, and its 95 % Wilson
/// interval ([`wilson_interval`]). A calibrated model has the mean predicted PD inside the
/// interval in about 95 % of the bands.
///
/// # Errors
/// Lengths differ, a PD is outside [0, 1] or not finite, a score is not finite, or the edges are
/// not finite and strictly increasing.
pub fn calibration_table(
    pd: &[f64],
    defaulted: &[bool],
    scores: &[f64],
    bands: &[f64],
) -> Result<Vec<CalibrationBand>, PerformanceError> {
    check_lengths("predicted PD", pd.len(), defaulted.len())?;
    check_lengths("score", scores.len(), defaulted.len())?;
    for (index, window) in bands.windows(2).enumerate() {
        if window[0] >= window[1] || !window[1].is_finite() {
            return Err(PerformanceError::InvalidBands {
                index: index + 1,
                value: window[1],
                previous: window[0],
            });
        }
    }
    if let Some(&first) = bands.first()
        && !first.is_finite()
    {
        return Err(PerformanceError::InvalidBands {
            index: 0,
            value: first,
            previous: f64::NEG_INFINITY,
        });
    }
    if let Some(row) = pd.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(PerformanceError::InvalidValue {
            what: "predicted PD",
            row,
            value: pd[row],
        });
    }
    if let Some(row) = scores.iter().position(|s| !s.is_finite()) {
        return Err(PerformanceError::InvalidValue {
            what: "score",
            row,
            value: scores[row],
        });
    }

    let mut counts = vec![0u64; bands.len() + 1];
    let mut defaults = vec![0u64; bands.len() + 1];
    let mut pd_sums = vec![0.0; bands.len() + 1];
    for ((&p, &d), &score) in pd.iter().zip(defaulted).zip(scores) {
        let band = bands.partition_point(|&edge| edge <= score);
        counts[band] += 1;
        defaults[band] += u64::from(d);
        pd_sums[band] += p;
    }
    let edge = |index: usize, missing: f64| bands.get(index).copied().unwrap_or(missing);
    Ok((0..=bands.len())
        .filter(|&band| counts[band] > 0)
        .map(|band| {
            let count = counts[band];
            let mean_predicted_pd = pd_sums[band] / count as f64;
            let interval =
                wilson_interval(defaults[band], count, Z_95).expect("count > 0, defaults ≤ count");
            CalibrationBand {
                score_from: if band == 0 {
                    f64::NEG_INFINITY
                } else {
                    edge(band - 1, f64::NEG_INFINITY)
                },
                score_to: edge(band, f64::INFINITY),
                count,
                defaults: defaults[band],
                mean_predicted_pd,
                observed_default_rate: defaults[band] as f64 / count as f64,
                interval,
                predicted_within_interval: interval.contains(mean_predicted_pd),
            }
        })
        .collect())
}

/// Row indices of a training and a test (hold-out) set, each in ascending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldoutSplit {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// Splits rows `0..rows` into training and test sets. Row `i` goes to the test set when a hash of
/// `(seed, i)` maps below `test_share`, so the split depends only on the seed and the row index:
/// it is the same on every machine and thread count, and adding rows to a file does not move the
/// existing ones. The test share is `test_share` in expectation, not exactly.
///
/// # Formula
/// `uᵢ = ⌊h(h(seed) ⊕ i) / 2¹¹⌋ · 2⁻⁵³` with `h` = SplitMix64 (Steele, Lea & Flood 2014,
/// "Fast splittable pseudorandom number generators", OOPSLA); row `i` is a test row iff
/// `uᵢ < test_share`.
///
/// # Errors
/// `test_share` outside [0, 1].
pub fn holdout_split(
    rows: usize,
    test_share: f64,
    seed: u64,
) -> Result<HoldoutSplit, PerformanceError> {
    if !(0.0..=1.0).contains(&test_share) {
        return Err(PerformanceError::InvalidShare { share: test_share });
    }
    let stream = splitmix64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for row in 0..rows {
        let uniform = (splitmix64(stream ^ row as u64) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        if uniform < test_share {
            test.push(row);
        } else {
            train.push(row);
        }
    }
    Ok(HoldoutSplit { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn auc_of_perfect_reversed_and_tied_rankings() {
        let defaulted = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.3, 0.4], &defaulted), Ok(1.0));
        assert_eq!(auc(&[0.4, 0.3, 0.2, 0.1], &defaulted), Ok(0.0));
        assert_eq!(auc(&[0.2; 4], &defaulted), Ok(0.5));
        assert_eq!(gini(&[0.1, 0.2, 0.3, 0.4], &defaulted), Ok(1.0));
    }

    #[test]
    fn auc_hand_examples() {
        // Defaulters 0.35 and 0.8 against non-defaulters 0.1 and 0.4: pairs won 1 + 2 of 4.
        assert_eq!(
            auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            Ok(0.75)
        );
        // Defaulters 0.2 and 0.5 against 0.2 and 0.1: one tie (½) and three wins of 4.
        assert_eq!(
            auc(&[0.2, 0.2, 0.5, 0.1], &[true, false, true, false]),
            Ok(0.875)
        );
    }

    #[test]
    fn ks_hand_example() {
        // Non-defaulters 0.1 0.2 0.4 0.5, defaulters 0.3 0.6 0.9: after 0.5, F_N = 1 and
        // F_D = 1/3, the largest gap.
        let pd = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9];
        let defaulted = [false, false, true, false, false, true, true];
        let value = ks(&pd, &defaulted).expect("two classes");
        assert!((value - 2.0 / 3.0).abs() < 1e-15, "{value}");
        assert_eq!(ks(&[0.3; 7], &defaulted), Ok(0.0));
    }

    #[test]
    fn one_class_and_bad_values_are_errors() {
        assert!(matches!(
            auc(&[0.1, 0.2], &[true, true]),
            Err(PerformanceError::OneClass { defaults: 2, .. })
        ));
        assert!(matches!(
            ks(&[0.1, f64::NAN], &[true, false]),
            Err(PerformanceError::InvalidValue { row: 1, .. })
        ));
        assert!(matches!(
            auc(&[0.1], &[true, false]),
            Err(PerformanceError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn wilson_matches_newcombe_1998_table_1() {
        // Newcombe (1998), Table I, method 3 (score interval without continuity correction).
        for (events, trials, lower, upper) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let interval = wilson_interval(events, trials, Z_95).expect("trials > 0");
            assert!(
                (interval.lower - lower).abs() < 5e-5,
                "{events}/{trials}: {interval:?}"
            );
            assert!(
                (interval.upper - upper).abs() < 5e-5,
                "{events}/{trials}: {interval:?}"
            );
        }
        assert_eq!(wilson_interval(0, 0, Z_95), None);
        assert_eq!(wilson_interval(20, 20, Z_95).map(|i| i.upper), Some(1.0));
    }

    #[test]
    fn calibration_table_counts_by_band() {
        let scores = [480.0, 520.0, 530.0, 610.0, 640.0, 700.0];
        let pd = [0.2, 0.1, 0.1, 0.02, 0.02, 0.01];
        let defaulted = [true, false, true, false, false, false];
        let table = calibration_table(&pd, &defaulted, &scores, &[500.0, 600.0, 650.0])
            .expect("valid input");
        assert_eq!(table.len(), 4);
        assert_eq!(table[0].score_from, f64::NEG_INFINITY);
        assert_eq!((table[1].score_from, table[1].score_to), (500.0, 600.0));
        assert_eq!((table[1].count, table[1].defaults), (2, 1));
        assert!((table[1].mean_predicted_pd - 0.1).abs() < 1e-15);
        assert_eq!(table[1].observed_default_rate, 0.5);
        assert_eq!(table[2].count, 2);
        assert_eq!(table[3].score_to, f64::INFINITY);
        // One default in one row: the Wilson interval is [0.2065, 1], so the predicted 0.2 lies
        // just below it.
        assert!(!table[0].predicted_within_interval);
        assert!(table[1].predicted_within_interval);
        assert!(matches!(
            calibration_table(&pd, &defaulted, &scores, &[600.0, 500.0]),
            Err(PerformanceError::InvalidBands { index: 1, .. })
        ));
    }

    #[test]
    fn holdout_split_is_deterministic_and_near_its_share() {
        let split = holdout_split(100_000, 0.3, 11).expect("valid share");
        assert_eq!(split, holdout_split(100_000, 0.3, 11).expect("valid share"));
        assert_ne!(split, holdout_split(100_000, 0.3, 12).expect("valid share"));
        assert_eq!(split.train.len() + split.test.len(), 100_000);
        // Binomial standard deviation √(n·0.3·0.7) ≈ 145: allow 5 of them.
        assert!(
            (split.test.len() as f64 - 30_000.0).abs() < 725.0,
            "{}",
            split.test.len()
        );
        // The first rows do not move when rows are added.
        let longer = holdout_split(200_000, 0.3, 11).expect("valid share");
        assert_eq!(&longer.test[..split.test.len()], &split.test[..]);
        assert!(holdout_split(10, 1.5, 1).is_err());
        assert_eq!(holdout_split(10, 0.0, 1).map(|s| s.test.len()), Ok(0));
    }

    fn brute_force_auc(pd: &[f64], defaulted: &[bool]) -> f64 {
        let (mut wins, mut pairs) = (0.0, 0.0);
        for (i, &di) in defaulted.iter().enumerate() {
            for (j, &dj) in defaulted.iter().enumerate() {
                if di && !dj {
                    pairs += 1.0;
                    if pd[i] > pd[j] {
                        wins += 1.0;
                    } else if pd[i] == pd[j] {
                        wins += 0.5;
                    }
                }
            }
        }
        wins / pairs
    }

    proptest! {
        #[test]
        fn auc_equals_the_pairwise_count(
            rows in proptest::collection::vec((0u8..6, any::<bool>()), 2..60)
        ) {
            let pd: Vec<f64> = rows.iter().map(|(p, _)| f64::from(*p) / 10.0).collect();
            let defaulted: Vec<bool> = rows.iter().map(|(_, d)| *d).collect();
            let defaults = defaulted.iter().filter(|&&d| d).count();
            prop_assume!(defaults > 0 && defaults < rows.len());
            let fast = auc(&pd, &defaulted).expect("two classes");
            prop_assert!((fast - brute_force_auc(&pd, &defaulted)).abs() < 1e-12);
        }
    }
}
