//! The systematic factors of a path (SPEC §4.1–§4.2): independent standard normals `W`,
//! drawn through a [`FactorSampler`], become the segment factors `Z = L W`.

use nalgebra::DMatrix;
use rand::rngs::Xoshiro256PlusPlus;

use crate::scenario::Assumptions;

/// The systematic factors: one per segment, correlated by a Cholesky factor.
#[derive(Debug, Clone)]
pub struct FactorModel {
    /// `(√ρ_s, √(1 − ρ_s))` per factor segment: the segments of `[assumptions.segments]`,
    /// or one shared by the whole pool without it.
    pub loadings: Vec<(f64, f64)>,
    /// Lower-triangular `L` with `Z = L W`, `W ~ N(0, I)`; `None` for one factor shared by
    /// every segment (no `[assumptions.segments]`).
    pub cholesky: Option<DMatrix<f64>>,
}

impl FactorModel {
    /// The factor model of a pool under its assumptions.
    pub fn new(assumptions: &Assumptions) -> FactorModel {
        let loading = |rho: f64| (rho.sqrt(), (1.0 - rho).sqrt());
        match &assumptions.segments {
            Some(config) => FactorModel {
                loadings: config.rho.iter().map(|&rho| loading(rho)).collect(),
                cholesky: Some(config.factor_cholesky.clone()),
            },
            // every tape segment has the same ρ and factor: one set of per-path tables
            None => FactorModel {
                loadings: vec![loading(assumptions.correlation)],
                cholesky: None,
            },
        }
    }

    /// Number of independent normals a path draws.
    pub fn dimension(&self) -> usize {
        self.cholesky.as_ref().map_or(1, |l| l.nrows())
    }

    /// Segment factors `Z` from independent normals `W`.
    pub fn segment_factors(&self, w: &[f64], z: &mut [f64]) {
        match &self.cholesky {
            None => z.iter_mut().for_each(|zs| *zs = w[0]),
            Some(l) => {
                for (s, zs) in z.iter_mut().enumerate() {
                    *zs = (0..=s).map(|k| l[(s, k)] * w[k]).sum();
                }
            }
        }
    }
}

/// How a path draws its independent factor normals `W` ([`FactorModel::dimension`] of
/// them): the first draws of the path's stream, and the likelihood ratio `φ(W) / g(W)` of
/// the law `g` they were drawn from, by which the path is weighted.
///
/// The paths only call it. The law is chosen by the path runner: its importance sampling
/// (`crate::engine::importance::FactorSampling`, plain Monte Carlo being its one-component
/// case) implements this, because finding where to shift the factors runs pilot paths
/// through the waterfall, downstream of `sim`. Whatever implements it must read the stream
/// the same way every time: the cut-off receivables' lanes are seeded from the draws after
/// it, and a replay redraws a path's factors from its stream.
pub trait FactorSampler {
    /// Draws `W` into `w` from the start of the path's stream and returns its likelihood
    /// ratio (1 for plain Monte Carlo).
    fn sample(&self, stream: &mut Xoshiro256PlusPlus, w: &mut [f64]) -> f64;
}
