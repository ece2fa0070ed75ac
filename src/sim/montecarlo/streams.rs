//! The random streams of a path (SPEC §4.5): the path's key and its `Xoshiro256PlusPlus`
//! stream (its factors, then the seeds of the cut-off receivables' lanes), each month's
//! purchase stream read by position, and the centred uniforms made from 32 random bits.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use crate::rng::{GOLDEN_GAMMA, splitmix64};

const TWO_POW_MINUS_32: f64 = 1.0 / 4_294_967_296.0;

/// The key of one path, `splitmix64(splitmix64(seed) ^ path)` (hashing first, so seed 43
/// path 0 is not seed 42 path 1): it seeds the path's stream and its purchase streams.
pub fn path_key(seed: u64, path: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ path)
}

/// The random stream of one path: `Xoshiro256PlusPlus` seeded with [`path_key`].
pub fn path_rng(seed: u64, path: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(path_key(seed, path))
}

/// Salt separating purchase-stream keys from path keys.
const PURCHASE_SALT: u64 = 0x5055_5243_4841_5345;

/// The purchases of one path in one month: a SplitMix64 stream keyed by (path key, month),
/// read at any position. Pick `k` takes draws `2k` (which template) and `2k + 1` (its
/// default and prepayment uniforms). Random access lets a replay re-draw the end of a
/// month's purchases when a candidate structure buys a different amount, without the
/// draws before it (see `ReplayCollateral`).
#[derive(Debug, Clone, Copy)]
pub struct PurchaseStream {
    key: u64,
}

impl PurchaseStream {
    pub fn new(path_key: u64, month: u32) -> PurchaseStream {
        PurchaseStream {
            key: splitmix64(splitmix64(path_key ^ PURCHASE_SALT) ^ u64::from(month)),
        }
    }

    /// Draw `n` of the stream: `splitmix64` adds the increment once more, so this is the
    /// `n`-th output of SplitMix64 seeded with the key.
    #[inline]
    fn draw(&self, n: u64) -> u64 {
        splitmix64(self.key.wrapping_add(n.wrapping_mul(GOLDEN_GAMMA)))
    }

    /// The template draw of pick `k`.
    #[inline]
    pub fn pick_bits(&self, k: u32) -> u64 {
        self.draw(2 * u64::from(k))
    }

    /// The default (high 32 bits) and prepayment (low 32 bits) draws of pick `k`.
    #[inline]
    pub fn event_bits(&self, k: u32) -> u64 {
        self.draw(2 * u64::from(k) + 1)
    }
}

/// A centred uniform in (0, 1) from 32 random bits.
///
/// # Formula
/// `(k + ½) / 2³²`: never 0 or 1, so `Φ⁻¹` of it is finite.
#[inline]
pub fn centred_uniform(bits: u32) -> f64 {
    (f64::from(bits) + 0.5) * TWO_POW_MINUS_32
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngExt};
    use rand_distr::{Distribution, StandardNormal};

    const PINNED_PICK_0: u64 = 868_182_633_604_061_339;
    const PINNED_EVENT_1000: u64 = 12_560_498_112_790_175_746;

    #[test]
    fn path_streams_are_pinned() {
        // value-stability: a change of generator, seeding or rand version shows up here
        let mut rng = path_rng(42, 0);
        let normals: Vec<f64> = (0..3).map(|_| StandardNormal.sample(&mut rng)).collect();
        assert_eq!(
            normals,
            vec![0.7919353874584977, 0.8017667604241774, -0.2571233963916292]
        );
        let mut rng = path_rng(20151024, 7);
        let first: Vec<u64> = (0..2).map(|_| rng.next_u64()).collect();
        let mut again = path_rng(20151024, 7);
        assert_eq!(first, (0..2).map(|_| again.next_u64()).collect::<Vec<_>>());
        assert_ne!(
            path_rng(43, 0).random::<u64>(),
            path_rng(42, 1).random::<u64>()
        );
    }

    #[test]
    fn purchase_streams_are_pinned_and_read_by_position() {
        let stream = PurchaseStream::new(path_key(20151024, 7), 3);
        // pick k's draws are outputs 2k and 2k + 1 of SplitMix64 seeded with the key
        let mut state = stream.key;
        let mut sequential = || {
            state = state.wrapping_add(GOLDEN_GAMMA);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        for k in 0..5 {
            assert_eq!(stream.pick_bits(k), sequential());
            assert_eq!(stream.event_bits(k), sequential());
        }
        assert_eq!(
            [stream.pick_bits(0), stream.event_bits(1000)],
            [PINNED_PICK_0, PINNED_EVENT_1000]
        );
        assert_ne!(
            PurchaseStream::new(path_key(20151024, 7), 4).pick_bits(0),
            stream.pick_bits(0)
        );
    }

    #[test]
    fn centred_uniforms_stay_inside_the_unit_interval() {
        assert_eq!(centred_uniform(0), 0.5 / 4_294_967_296.0);
        assert_eq!(centred_uniform(u32::MAX), 1.0 - 0.5 / 4_294_967_296.0);
        assert_eq!(centred_uniform(1 << 31), 0.5 + 0.5 / 4_294_967_296.0);
    }
}
