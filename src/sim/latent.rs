//! Cheap, guaranteed bounds on two functions of a receivable's latent variable, from a
//! fixed grid computed once per pool: `Φ(y)` and the cumulative hazard at default
//! `S(x) = −ln Φ(−x)` (SPEC §4.1: a receivable with latent `X` defaults when its cumulative
//! default hazard reaches `S(X)`).
//!
//! A Monte Carlo path needs both at a few thousand points that depend on its factor: the
//! lifetime-default bound of every threshold cell and the default month at the edges of the
//! default-month table. Evaluated with `erfc`, `exp` and `ln`, those points cost about a
//! tenth of a path. The path only ever uses them as brackets (a receivable whose draw falls
//! where the bracket decides nothing is computed exactly), so bounds from a grid do the same
//! job and leave every result unchanged.
//!
//! # Bounds
//! On the grid `x_k = −9 + k/256`, with `t ∈ [0, 1)` the position of `x` between `x_k` and
//! `x_{k+1}` and `c(x)` the chord through the two grid values:
//! - `Φ`: `|Φ''| ≤ φ(1) < 0.242`, so the chord is within `h²/8 · 0.242 < 4.7e-7` of `Φ`
//!   (`h = 1/256`); `c + 1e-6` is an upper bound.
//! - `S`: `S' = φ(x)/Φ(−x)` is the normal's hazard rate (the inverse Mills ratio), which is
//!   increasing with derivative in (0, 1) (Sampford, 1953). So `S` is convex with
//!   `0 < S'' < 1`: the chord is an upper bound and `c − h²/8` a lower bound.
//!
//! A small relative and absolute slack on top covers the rounding of the grid values and of
//! the arithmetic.

use crate::normal::normal_cdf;

/// Lowest grid point.
const GRID_LOW: f64 = -9.0;
/// Grid points per unit of the latent variable (a power of two: grid points are exact).
const STEPS_PER_UNIT: f64 = 256.0;
/// Grid points from −9 to 9.
const GRID_POINTS: usize = 18 * 256 + 1;
/// `h²/8 · max |Φ''|` rounded up, plus rounding slack.
const CDF_SLACK: f64 = 1e-6;
/// `h²/8 · max S''` (`S'' < 1`), rounded up.
const HAZARD_CHORD_GAP: f64 = 1.0 / (8.0 * STEPS_PER_UNIT * STEPS_PER_UNIT);
/// Relative and absolute slack for rounding in the grid values and the chord.
const RELATIVE_SLACK: f64 = 1e-12;
const ABSOLUTE_SLACK: f64 = 1e-15;

/// `Φ` and `S` on the fixed grid.
#[derive(Debug, Clone)]
pub struct LatentBounds {
    cdf: Vec<f64>,
    hazard: Vec<f64>,
}

impl Default for LatentBounds {
    fn default() -> Self {
        Self::new()
    }
}

impl LatentBounds {
    pub fn new() -> LatentBounds {
        let points = (0..GRID_POINTS).map(|k| GRID_LOW + k as f64 / STEPS_PER_UNIT);
        LatentBounds {
            cdf: points.clone().map(normal_cdf).collect(),
            hazard: points.map(|x| -normal_cdf(-x).ln()).collect(),
        }
    }

    /// The grid interval holding `x` (`x_k ≤ x < x_{k+1}`) and the position in it, or
    /// `None` outside the grid (and for NaN).
    #[inline]
    fn locate(x: f64) -> Option<(usize, f64)> {
        let position = (x - GRID_LOW) * STEPS_PER_UNIT;
        if position >= 0.0 && position < (GRID_POINTS - 1) as f64 {
            let k = position as usize;
            Some((k, position - k as f64))
        } else {
            None
        }
    }

    /// An upper bound of `Φ(y)`, within `1.5e-6` of it (and 1 at or above the grid).
    #[inline]
    pub fn cdf_upper(&self, y: f64) -> f64 {
        match Self::locate(y) {
            Some((k, t)) => {
                let chord = self.cdf[k] + (self.cdf[k + 1] - self.cdf[k]) * t;
                (chord + CDF_SLACK).min(1.0)
            }
            // Φ is increasing: Φ(−9) bounds everything below the grid
            None if y < GRID_LOW => self.cdf[0] * (1.0 + RELATIVE_SLACK) + ABSOLUTE_SLACK,
            None => 1.0,
        }
    }

    /// Lower and upper bounds of `S(x) = −ln Φ(−x)`, within `2e-6` of each other on the
    /// grid; `(S(9), ∞)` above it and `(0, ∞)` for NaN.
    #[inline]
    pub fn hazard_bounds(&self, x: f64) -> (f64, f64) {
        match Self::locate(x) {
            Some((k, t)) => {
                let chord = self.hazard[k] + (self.hazard[k + 1] - self.hazard[k]) * t;
                let slack = chord * RELATIVE_SLACK + ABSOLUTE_SLACK;
                ((chord - HAZARD_CHORD_GAP - slack).max(0.0), chord + slack)
            }
            None if x < GRID_LOW => (
                0.0,
                self.hazard[0] * (1.0 + RELATIVE_SLACK) + ABSOLUTE_SLACK,
            ),
            None if x >= GRID_LOW => (
                self.hazard[GRID_POINTS - 1] * (1.0 - RELATIVE_SLACK),
                f64::INFINITY,
            ),
            None => (0.0, f64::INFINITY),
        }
    }
}

/// The largest `f32` at or below `v` (`v` not NaN).
pub fn f32_at_most(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) > v { f.next_down() } else { f }
}

/// The smallest `f32` at or above `v` (`v` not NaN).
pub fn f32_at_least(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) < v { f.next_up() } else { f }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cumulative_hazard(x: f64) -> f64 {
        -normal_cdf(-x).ln()
    }

    /// Points across and beyond the grid, off the grid points and on them.
    fn probe_points() -> impl Iterator<Item = f64> {
        (0..200_000)
            .map(|i| -10.0 + 20.0 * (i as f64 + 0.377) / 200_000.0)
            .chain((0..GRID_POINTS).map(|k| GRID_LOW + k as f64 / STEPS_PER_UNIT))
            .chain([f64::NEG_INFINITY, f64::INFINITY, -9.0, 9.0, 0.0])
    }

    #[test]
    fn cdf_upper_bounds_phi_tightly() {
        let bounds = LatentBounds::new();
        for y in probe_points() {
            let exact = normal_cdf(y);
            let upper = bounds.cdf_upper(y);
            assert!(upper >= exact, "Φ({y}) = {exact} above its bound {upper}");
            assert!(
                upper - exact <= 1.5e-6,
                "bound {upper} loose at {y} (Φ = {exact})"
            );
        }
    }

    #[test]
    fn hazard_bounds_bracket_the_cumulative_hazard_tightly() {
        let bounds = LatentBounds::new();
        for x in probe_points() {
            let exact = cumulative_hazard(x);
            let (lower, upper) = bounds.hazard_bounds(x);
            assert!(
                lower <= exact && exact <= upper,
                "S({x}) = {exact} outside [{lower}, {upper}]"
            );
            if (-9.0..9.0).contains(&x) {
                assert!(
                    upper - lower <= 2.1e-6,
                    "bracket [{lower}, {upper}] wide at {x}"
                );
            }
        }
        assert_eq!(bounds.hazard_bounds(f64::NAN), (0.0, f64::INFINITY));
    }

    #[test]
    fn f32_rounding_is_outward() {
        for v in [0.1, 1.0 / 3.0, 43.6, 1e-30, 0.0, 2.5] {
            assert!(f64::from(f32_at_most(v)) <= v);
            assert!(f64::from(f32_at_least(v)) >= v);
            assert!(f64::from(f32_at_least(v)) - f64::from(f32_at_most(v)) <= v * 2.5e-7);
        }
        assert_eq!(f32_at_least(f64::INFINITY), f32::INFINITY);
        assert_eq!(f32_at_most(0.5), 0.5);
        assert_eq!(f32_at_least(0.5), 0.5);
    }
}
