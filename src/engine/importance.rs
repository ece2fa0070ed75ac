//! Importance sampling of the paths' systematic factors, whole: the pilot that finds where
//! each rated tranche starts to lose, the mixture the paths draw their factors from, and its
//! likelihood ratio.
//!
//! # Method
//! A pilot finds, for each rated tranche, the shift `t ≤ 0` of the systematic factors (every
//! segment factor moved by `t`) at which the tranche starts to lose principal in a path
//! (common random numbers: one pilot stream; bisection over `[−PILOT_MAX_SHIFT, 0]`). Paths
//! then draw their independent factor normals `W` from an equal mixture of the plain law and
//! normals centred on those shifts, each path weighted by its likelihood ratio (Glasserman &
//! Li 2005, with a defensive plain component that bounds every weight by the number of
//! components). Without importance sampling the mixture has one component, unshifted: plain
//! Monte Carlo, every ratio 1.
//!
//! # Why here
//! The pilot runs paths through the waterfall ([`run_deal`]), so it cannot live in `sim`,
//! which is upstream of `waterfall`. `sim` owns only the interface a path draws its factors
//! through, [`FactorSampler`]: the path calls it with its stream first thing, and the
//! mixture here implements it. Everything about which law the factors come from — the
//! type, how a draw reads the stream, the ratio, the pilot — is in this file.

use rand::Rng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::scenario::Deal;
use crate::sim::montecarlo::{FactorSampler, PathScratch, StochasticPool, centred_uniform};
use crate::waterfall::{LOSS_THRESHOLD_CNY, WaterfallError, run_deal};

/// Factor shifts searched by the pilot, in standard deviations of the systematic factor.
pub const PILOT_MAX_SHIFT: f64 = 8.0;

/// Bisection steps of the pilot (interval `PILOT_MAX_SHIFT / 2^steps`).
const PILOT_STEPS: usize = 20;

/// Seed offset of the pilot's common random numbers (so the pilot never shares a stream
/// with a path).
const PILOT_SEED_SALT: u64 = 0x5049_4c4f_545f_4953;

/// How a path's independent normals `W` are drawn: from a mixture of `N(m_k, I)` with
/// probabilities `p_k`, weighted by the likelihood ratio
/// `φ(W) / Σ_k p_k φ(W − m_k) = 1 / Σ_k p_k exp(m_k·W − |m_k|²/2)`.
/// One component with a zero shift is plain Monte Carlo (ratio 1).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FactorSampling {
    /// `(p_k, m_k)` per component.
    pub components: Vec<(f64, Vec<f64>)>,
}

impl FactorSampling {
    /// Plain Monte Carlo in `dimension` factors.
    pub fn plain(dimension: usize) -> FactorSampling {
        FactorSampling {
            components: vec![(1.0, vec![0.0; dimension])],
        }
    }

    /// `φ(W) / Σ_k p_k φ(W − m_k)`.
    ///
    /// # Formula
    /// `1 / Σ_k p_k exp(m_k·W − |m_k|²/2)`.
    pub fn likelihood_ratio(&self, w: &[f64]) -> f64 {
        let mixture: f64 = self
            .components
            .iter()
            .map(|(probability, shift)| {
                let dot: f64 = shift.iter().zip(w).map(|(m, x)| m * x).sum();
                let norm: f64 = shift.iter().map(|m| m * m).sum();
                probability * (dot - 0.5 * norm).exp()
            })
            .sum();
        1.0 / mixture
    }
}

impl FactorSampler for FactorSampling {
    /// With more than one component, the high 32 bits of the stream's first draw pick the
    /// component (a centred uniform against the cumulative probabilities); then one
    /// standard normal per factor, plus the component's shift.
    fn sample(&self, stream: &mut Xoshiro256PlusPlus, w: &mut [f64]) -> f64 {
        let component = if self.components.len() == 1 {
            0
        } else {
            let u = centred_uniform((stream.next_u64() >> 32) as u32);
            let mut cumulative = 0.0;
            let mut chosen = self.components.len() - 1;
            for (k, (probability, _)) in self.components.iter().enumerate() {
                cumulative += probability;
                if u < cumulative {
                    chosen = k;
                    break;
                }
            }
            chosen
        };
        let shift = &self.components[component].1;
        for (wk, mk) in w.iter_mut().zip(shift) {
            let standard: f64 = StandardNormal.sample(stream);
            *wk = standard + mk;
        }
        self.likelihood_ratio(w)
    }
}

/// The factor sampling of a run and the tail shifts it is centred on: the pilot and the
/// defensive mixture with importance sampling — centred on the pilot's shifts and on
/// `tail_targets` — plain Monte Carlo (and no shifts) without.
pub fn run_sampling(
    model: &StochasticPool,
    deal: &Deal,
    seed: u64,
    importance_sampling: bool,
    tail_targets: &[f64],
) -> Result<(FactorSampling, Vec<Option<f64>>), WaterfallError> {
    if !importance_sampling {
        return Ok((factor_sampling(model, &[]), Vec::new()));
    }
    let tail_shifts = find_tail_shifts(model, deal, seed)?;
    let centres: Vec<Option<f64>> = tail_shifts
        .iter()
        .copied()
        .chain(tail_targets.iter().map(|&t| Some(t)))
        .collect();
    Ok((factor_sampling(model, &centres), tail_shifts))
}

/// Tranche losses of one pilot path whose factors are shifted by `shift` along
/// `direction` (every segment factor moves by `shift`), with the pilot's common random
/// numbers.
fn pilot_losses<'p>(
    model: &StochasticPool<'p>,
    deal: &Deal,
    scratch: &mut PathScratch<'p>,
    seed: u64,
    direction: &[f64],
    shift: f64,
) -> Result<Vec<f64>, WaterfallError> {
    let w: Vec<f64> = direction.iter().map(|d| d * shift).collect();
    let mut collateral = model.start_path_with_factors(scratch, seed ^ PILOT_SEED_SALT, 0, &w);
    let outcome = run_deal(deal, &mut collateral, |_| {})?;
    Ok(outcome.principal_loss)
}

/// The direction in factor space that moves every segment factor by one: `L v = 1`.
fn uniform_shift_direction(model: &StochasticPool) -> Vec<f64> {
    match &model.factors.cholesky {
        None => vec![1.0],
        Some(l) => {
            let n = l.nrows();
            let mut v = vec![0.0; n];
            for i in 0..n {
                let partial: f64 = (0..i).map(|k| l[(i, k)] * v[k]).sum();
                v[i] = (1.0 - partial) / l[(i, i)];
            }
            v
        }
    }
}

/// For each rated tranche, the least extreme factor shift (≤ 0) at which a pilot path
/// shows a principal loss; `None` if none up to [`PILOT_MAX_SHIFT`].
pub fn find_tail_shifts(
    model: &StochasticPool,
    deal: &Deal,
    seed: u64,
) -> Result<Vec<Option<f64>>, WaterfallError> {
    let direction = uniform_shift_direction(model);
    let loses = |losses: &[f64], j: usize| losses[j] > LOSS_THRESHOLD_CNY;
    let pilot =
        |shift: f64| pilot_losses(model, deal, &mut model.scratch(), seed, &direction, shift);
    let (at_zero, at_extreme) = rayon::join(|| pilot(0.0), || pilot(-PILOT_MAX_SHIFT));
    let (at_zero, at_extreme) = (at_zero?, at_extreme?);
    // each tranche's bisection is independent of the others': they run side by side
    (0..deal.rated_count())
        .into_par_iter()
        .map(|j| {
            if loses(&at_zero, j) {
                return Ok(Some(0.0));
            }
            if !loses(&at_extreme, j) {
                return Ok(None);
            }
            let mut scratch = model.scratch();
            // invariant: no loss at `safe`, a loss at `losing`
            let (mut safe, mut losing) = (0.0, -PILOT_MAX_SHIFT);
            for _ in 0..PILOT_STEPS {
                let mid = 0.5 * (safe + losing);
                if loses(
                    &pilot_losses(model, deal, &mut scratch, seed, &direction, mid)?,
                    j,
                ) {
                    losing = mid;
                } else {
                    safe = mid;
                }
            }
            Ok(Some(losing))
        })
        .collect()
}

/// The factor sampling of a run: plain, or the defensive mixture over the tail shifts.
pub fn factor_sampling(model: &StochasticPool, shifts: &[Option<f64>]) -> FactorSampling {
    let direction = uniform_shift_direction(model);
    let mut centres: Vec<f64> = shifts
        .iter()
        .flatten()
        .copied()
        .filter(|&s| s < 0.0)
        .collect();
    centres.sort_by(|a, b| b.total_cmp(a));
    centres.dedup_by(|a, b| (*a - *b).abs() < 0.05);
    if centres.is_empty() {
        return FactorSampling::plain(direction.len());
    }
    let share = 1.0 / (centres.len() + 1) as f64;
    let mut components = vec![(share, vec![0.0; direction.len()])];
    components.extend(
        centres
            .iter()
            .map(|&c| (share, direction.iter().map(|d| d * c).collect())),
    );
    FactorSampling { components }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::montecarlo::path_rng;

    #[test]
    fn mixture_likelihood_ratio() {
        let sampling = FactorSampling {
            components: vec![(0.5, vec![0.0]), (0.5, vec![-2.0])],
        };
        // at w: 1 / (0.5 + 0.5 exp(−2w − 2))
        let w = -1.5;
        assert!(
            (sampling.likelihood_ratio(&[w]) - 1.0 / (0.5 + 0.5 * (-2.0 * w - 2.0_f64).exp()))
                .abs()
                < 1e-15
        );
        assert_eq!(FactorSampling::plain(1).likelihood_ratio(&[3.0]), 1.0);
    }

    #[test]
    fn plain_sampling_takes_the_first_normals_of_the_path_stream() {
        // the stream contract: no component draw with one component, then one normal per
        // factor (pinned in `sim::montecarlo`'s stream tests for seed 42, path 0)
        let mut w = [0.0; 2];
        let ratio = FactorSampling::plain(2).sample(&mut path_rng(42, 0), &mut w);
        assert_eq!(ratio, 1.0);
        assert_eq!(w, [0.7919353874584977, 0.8017667604241774]);
    }

    #[test]
    fn a_shifted_component_is_chosen_by_the_first_draw_and_shifts_the_normals() {
        let sampling = FactorSampling {
            components: vec![(0.5, vec![0.0]), (0.5, vec![-3.0])],
        };
        let (mut shifted, mut plain) = (0, 0);
        for path in 0..200 {
            let mut stream = path_rng(7, path);
            let u = centred_uniform((stream.clone().next_u64() >> 32) as u32);
            let mut w = [0.0];
            let ratio = sampling.sample(&mut stream, &mut w);
            assert_eq!(ratio, sampling.likelihood_ratio(&w));
            // the normal is the stream's next after the component draw
            let mut again = path_rng(7, path);
            again.next_u64();
            let standard: f64 = StandardNormal.sample(&mut again);
            if u < 0.5 {
                assert_eq!(w[0], standard);
                plain += 1;
            } else {
                assert_eq!(w[0], standard - 3.0);
                shifted += 1;
            }
        }
        assert!(
            plain > 70 && shifted > 70,
            "{plain} plain, {shifted} shifted"
        );
    }
}
