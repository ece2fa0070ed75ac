//! The cut-off receivables' draws and their quick test, four receivables at a time.
//!
//! One Xoshiro256++ stream yields a draw every few cycles, bounded by the dependency chain
//! through its state. Four independent streams, each seeded from the path's own stream, have
//! no dependency between them, and receivable `i` of the pool takes lane `i mod 4`. Each
//! lane is exactly Xoshiro256++ (tested against `rand`'s implementation), so the draws keep
//! the generator's statistical quality, and which draw a receivable gets is fixed by (seed,
//! path, position), whatever the thread count.
//!
//! [`Xoshiro256PlusPlusX4::screen`] steps the four lanes and makes every receivable's quick
//! test (may it default or prepay within its life?) in AVX2 registers where the CPU has
//! them, and in plain code otherwise; both give the same candidates bit for bit (tested).

use rand::Rng;

use crate::rng::{GOLDEN_GAMMA, splitmix64};

/// Streams stepped together.
pub const LANES: usize = 4;

/// Four Xoshiro256++ states, word-major: `state[w][l]` is word `w` of lane `l`.
#[derive(Debug, Clone)]
pub struct Xoshiro256PlusPlusX4 {
    state: [[u64; LANES]; 4],
}

impl Xoshiro256PlusPlusX4 {
    /// Lane `l`'s state is words `4l .. 4l + 4` of `words` (Xoshiro256++'s `from_seed` on
    /// their little-endian bytes). An all-zero lane, which Xoshiro cannot step, takes
    /// `rand`'s state for `seed_from_u64(0)` instead.
    pub fn from_words(words: [u64; 4 * LANES]) -> Xoshiro256PlusPlusX4 {
        // rand's `Xoshiro256PlusPlus::seed_from_u64(0)`: four SplitMix64 outputs from 0
        let zero_seed_state: [u64; 4] =
            std::array::from_fn(|i| splitmix64(GOLDEN_GAMMA.wrapping_mul(i as u64)));
        let mut state = [[0; LANES]; 4];
        for lane in 0..LANES {
            let mut seed: [u64; 4] = std::array::from_fn(|w| words[4 * lane + w]);
            if seed == [0; 4] {
                seed = zero_seed_state;
            }
            for (w, word) in seed.into_iter().enumerate() {
                state[w][lane] = word;
            }
        }
        Xoshiro256PlusPlusX4 { state }
    }

    /// Seeds the four lanes with the next 16 outputs of `rng`.
    pub fn from_rng(rng: &mut impl Rng) -> Xoshiro256PlusPlusX4 {
        Self::from_words(std::array::from_fn(|_| rng.next_u64()))
    }

    /// The next output of every lane.
    #[inline(always)]
    pub fn next_u64s(&mut self) -> [u64; LANES] {
        let [s0, s1, s2, s3] = &mut self.state;
        let mut out = [0; LANES];
        for lane in 0..LANES {
            out[lane] = s0[lane]
                .wrapping_add(s3[lane])
                .rotate_left(23)
                .wrapping_add(s0[lane]);
            let t = s1[lane] << 17;
            s2[lane] ^= s0[lane];
            s3[lane] ^= s1[lane];
            s1[lane] ^= s2[lane];
            s0[lane] ^= s3[lane];
            s2[lane] ^= t;
            s3[lane] = s3[lane].rotate_left(45);
        }
        out
    }
}

/// A cut-off receivable as the quick test reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct HotReceivable {
    /// Threshold-grid cell (segment offset included): index into the path's bound table.
    pub cell: u32,
    /// Largest 32-bit prepayment draw with no prepayment before maturity.
    pub keep_until_maturity: u32,
}

/// Cut-off receivables' quick-test data, every cell checked once to lie below a cell count
/// (the vector code reads the bound table at those cells unchecked).
#[derive(Debug, Clone)]
pub struct HotTable {
    hots: Vec<HotReceivable>,
    cells: usize,
}

impl HotTable {
    /// Panics if a receivable's cell is not below `cells`.
    pub fn new(hots: Vec<HotReceivable>, cells: usize) -> HotTable {
        assert!(
            hots.iter().all(|hot| (hot.cell as usize) < cells),
            "a receivable's grid cell is outside the {cells} cells"
        );
        HotTable { hots, cells }
    }

    pub fn len(&self) -> usize {
        self.hots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hots.is_empty()
    }

    pub fn as_slice(&self) -> &[HotReceivable] {
        &self.hots
    }

    /// The receivables in chunks of [`SCREEN_CHUNK`], for [`Xoshiro256PlusPlusX4::screen`].
    pub fn chunks(&self) -> impl Iterator<Item = HotChunk<'_>> {
        self.hots.chunks(SCREEN_CHUNK).map(|hots| HotChunk {
            hots,
            cells: self.cells,
        })
    }
}

/// At most [`SCREEN_CHUNK`] receivables of a [`HotTable`].
#[derive(Debug, Clone, Copy)]
pub struct HotChunk<'a> {
    hots: &'a [HotReceivable],
    cells: usize,
}

impl HotChunk<'_> {
    pub fn as_slice(&self) -> &[HotReceivable] {
        self.hots
    }
}

/// Receivables screened per call (a multiple of [`LANES`]).
pub const SCREEN_CHUNK: usize = 256;

/// The receivables of a chunk that passed the quick test: position in the chunk and draw.
/// The arrays have [`LANES`] spare entries that the vector code may overwrite.
#[derive(Debug, Clone)]
pub struct Screened {
    pub index: [u32; SCREEN_CHUNK + LANES],
    pub bits: [u64; SCREEN_CHUNK + LANES],
}

impl Default for Screened {
    fn default() -> Self {
        Screened {
            index: [0; SCREEN_CHUNK + LANES],
            bits: [0; SCREEN_CHUNK + LANES],
        }
    }
}

/// Environment variable that turns the AVX2 screen off (any value): the plain code then
/// runs, with the same results, to check that on one machine.
pub const PLAIN_SCREEN_ENV: &str = "BAITIAO_ABS_PLAIN_SCREEN";

/// Whether the AVX2 screen runs: the CPU has AVX2 and [`PLAIN_SCREEN_ENV`] is not set
/// (read once per process).
#[cfg(target_arch = "x86_64")]
fn vector_screen() -> bool {
    static VECTOR: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *VECTOR.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2") && std::env::var_os(PLAIN_SCREEN_ENV).is_none()
    })
}

/// The quick test of one draw: its high 32 bits (the default draw) are below the cell's
/// lifetime-default bound, or its low 32 bits (the prepayment draw) above the receivable's
/// no-prepayment limit.
#[inline(always)]
fn passes(bits: u64, hot: &HotReceivable, bound_table: &[u64]) -> bool {
    let may_default = (bits >> 32) < bound_table[hot.cell as usize];
    let may_prepay = bits as u32 > hot.keep_until_maturity;
    may_default | may_prepay
}

impl Xoshiro256PlusPlusX4 {
    /// Draws for the receivables of `chunk` (receivable `i` takes lane `i mod 4`, and a
    /// last partial group of four still steps every lane) and writes those that pass the
    /// quick test to `out`; returns how many.
    ///
    /// `bound_table` holds, per grid cell, the number of 32-bit default draws that may
    /// default; it must cover the chunk's table's cells (checked).
    pub fn screen(
        &mut self,
        chunk: HotChunk<'_>,
        bound_table: &[u64],
        out: &mut Screened,
    ) -> usize {
        assert!(
            bound_table.len() >= chunk.cells,
            "the bound table misses cells"
        );
        #[cfg(target_arch = "x86_64")]
        if vector_screen() {
            // SAFETY: AVX2 is present (checked by `vector_screen`); every cell is below `chunk.cells` (`HotTable::new`),
            // so it indexes `bound_table`; a chunk holds at most SCREEN_CHUNK receivables.
            return unsafe { self.screen_avx2(chunk.hots, bound_table, out) };
        }
        self.screen_scalar(chunk.hots, bound_table, out)
    }

    /// [`Self::screen`] in plain code (on any receivables, at most [`SCREEN_CHUNK`]).
    pub fn screen_scalar(
        &mut self,
        hots: &[HotReceivable],
        bound_table: &[u64],
        out: &mut Screened,
    ) -> usize {
        assert!(hots.len() <= SCREEN_CHUNK);
        let mut found = 0;
        for (group, quad) in hots.chunks(LANES).enumerate() {
            found = self.screen_group(group * LANES, quad, bound_table, out, found);
        }
        found
    }

    /// Steps the lanes once and screens up to four receivables (the first at position
    /// `first` of the chunk), after the `found` already kept; returns the new count.
    #[inline(always)]
    fn screen_group(
        &mut self,
        first: usize,
        group: &[HotReceivable],
        bound_table: &[u64],
        out: &mut Screened,
        mut found: usize,
    ) -> usize {
        let draws = self.next_u64s();
        for (lane, (hot, &bits)) in group.iter().zip(&draws).enumerate() {
            // found ≤ position < SCREEN_CHUNK
            out.index[found] = (first + lane) as u32;
            out.bits[found] = bits;
            found += usize::from(passes(bits, hot, bound_table));
        }
        found
    }

    /// [`Self::screen`] in AVX2: the four lanes stepped in one register set, the four tests
    /// at once (the bounds gathered from the table), and the passing lanes packed to the
    /// front by a permutation looked up from the mask.
    ///
    /// # Safety
    /// The CPU must have AVX2, every `hot.cell` must index `bound_table`, and `hots` must
    /// hold at most [`SCREEN_CHUNK`] receivables.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn screen_avx2(
        &mut self,
        hots: &[HotReceivable],
        bound_table: &[u64],
        out: &mut Screened,
    ) -> usize {
        use std::arch::x86_64::*;

        /// For each 4-bit mask, the 32-bit positions that move the set lanes to the front:
        /// as pairs of 32-bit halves of 64-bit lanes (`halves`), or as single 32-bit lanes.
        const fn pack_table(halves: bool) -> [[i32; 8]; 16] {
            let mut table = [[0; 8]; 16];
            let mut mask = 0;
            while mask < 16 {
                let mut at = 0;
                let mut lane: i32 = 0;
                while lane < 4 {
                    if mask & (1 << lane) != 0 {
                        if halves {
                            table[mask][2 * at] = 2 * lane;
                            table[mask][2 * at + 1] = 2 * lane + 1;
                        } else {
                            table[mask][at] = lane;
                        }
                        at += 1;
                    }
                    lane += 1;
                }
                mask += 1;
            }
            table
        }
        const PACK_PAIRS: [[i32; 8]; 16] = pack_table(true);
        const PACK_LANES: [[i32; 8]; 16] = pack_table(false);

        #[inline(always)]
        fn rotate_left<const LEFT: i32, const RIGHT: i32>(x: __m256i) -> __m256i {
            // SAFETY (whole fn): plain AVX2 arithmetic, called only from the AVX2 kernel
            unsafe { _mm256_or_si256(_mm256_slli_epi64::<LEFT>(x), _mm256_srli_epi64::<RIGHT>(x)) }
        }

        let full_groups = hots.len() / LANES;
        let mut found = 0usize;
        // SAFETY: AVX2 is present (the caller's contract). Loads read `hots` four at a time
        // within its length; gathers read `bound_table` at cells the caller guarantees in
        // range; stores write four entries at `found ≤ position`, inside the arrays'
        // `SCREEN_CHUNK + LANES` entries.
        unsafe {
            let [w0, w1, w2, w3] = &mut self.state;
            let mut s0 = _mm256_loadu_si256(w0.as_ptr().cast());
            let mut s1 = _mm256_loadu_si256(w1.as_ptr().cast());
            let mut s2 = _mm256_loadu_si256(w2.as_ptr().cast());
            let mut s3 = _mm256_loadu_si256(w3.as_ptr().cast());
            let low_half = _mm256_set1_epi64x(0xFFFF_FFFF);
            let cell_positions = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
            let lane_numbers = _mm256_setr_epi32(0, 1, 2, 3, 0, 0, 0, 0);
            let table = bound_table.as_ptr().cast::<i64>();
            for group in 0..full_groups {
                // Xoshiro256++, four lanes
                let draws = _mm256_add_epi64(rotate_left::<23, 41>(_mm256_add_epi64(s0, s3)), s0);
                let t = _mm256_slli_epi64::<17>(s1);
                s2 = _mm256_xor_si256(s2, s0);
                s3 = _mm256_xor_si256(s3, s1);
                s1 = _mm256_xor_si256(s1, s2);
                s0 = _mm256_xor_si256(s0, s3);
                s2 = _mm256_xor_si256(s2, t);
                s3 = rotate_left::<45, 19>(s3);

                // the quick tests: every value below 2³³, so signed compares are exact
                let hot = _mm256_loadu_si256(hots.as_ptr().add(group * LANES).cast());
                let cells =
                    _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(hot, cell_positions));
                let bounds = _mm256_i32gather_epi64::<8>(table, cells);
                let may_default = _mm256_cmpgt_epi64(bounds, _mm256_srli_epi64::<32>(draws));
                let may_prepay = _mm256_cmpgt_epi64(
                    _mm256_and_si256(draws, low_half),
                    _mm256_srli_epi64::<32>(hot),
                );
                let mask = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_or_si256(
                    may_default,
                    may_prepay,
                ))) as usize;

                // the passing lanes, packed to the front, with their positions
                let pairs = _mm256_loadu_si256(PACK_PAIRS[mask].as_ptr().cast());
                let lanes = _mm256_loadu_si256(PACK_LANES[mask].as_ptr().cast());
                let positions = _mm256_add_epi32(
                    _mm256_permutevar8x32_epi32(lane_numbers, lanes),
                    _mm256_set1_epi32((group * LANES) as i32),
                );
                _mm256_storeu_si256(
                    out.bits.as_mut_ptr().add(found).cast(),
                    _mm256_permutevar8x32_epi32(draws, pairs),
                );
                _mm_storeu_si128(
                    out.index.as_mut_ptr().add(found).cast(),
                    _mm256_castsi256_si128(positions),
                );
                found += mask.count_ones() as usize;
            }
            _mm256_storeu_si256(w0.as_mut_ptr().cast(), s0);
            _mm256_storeu_si256(w1.as_mut_ptr().cast(), s1);
            _mm256_storeu_si256(w2.as_mut_ptr().cast(), s2);
            _mm256_storeu_si256(w3.as_mut_ptr().cast(), s3);
        }
        // a last partial group in plain code, from the same lanes
        let rest = &hots[full_groups * LANES..];
        if !rest.is_empty() {
            found = self.screen_group(full_groups * LANES, rest, bound_table, out, found);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    #[test]
    fn every_lane_is_xoshiro256plusplus() {
        let mut seeder = Xoshiro256PlusPlus::seed_from_u64(99);
        let words: [u64; 16] = std::array::from_fn(|_| seeder.next_u64());
        let mut lanes = Xoshiro256PlusPlusX4::from_words(words);
        let mut reference: Vec<Xoshiro256PlusPlus> = (0..LANES)
            .map(|lane| {
                let mut seed = [0u8; 32];
                for w in 0..4 {
                    seed[8 * w..8 * w + 8].copy_from_slice(&words[4 * lane + w].to_le_bytes());
                }
                Xoshiro256PlusPlus::from_seed(seed)
            })
            .collect();
        for _ in 0..1000 {
            let draws = lanes.next_u64s();
            for (lane, rng) in reference.iter_mut().enumerate() {
                assert_eq!(draws[lane], rng.next_u64());
            }
        }
    }

    #[test]
    fn an_all_zero_lane_takes_rands_zero_seed_state() {
        let mut words = [0u64; 16];
        words[4..].fill(7);
        let mut lanes = Xoshiro256PlusPlusX4::from_words(words);
        let mut reference = Xoshiro256PlusPlus::from_seed([0; 32]);
        for _ in 0..10 {
            assert_eq!(lanes.next_u64s()[0], reference.next_u64());
        }
    }

    fn screen_inputs(count: usize, seed: u64) -> (Vec<HotReceivable>, Vec<u64>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let bound_table: Vec<u64> = (0..64)
            .map(|cell| match cell % 4 {
                0 => 0,
                1 => 1 << 32,
                _ => rng.next_u64() >> 33,
            })
            .collect();
        let hots = (0..count)
            .map(|_| HotReceivable {
                cell: (rng.next_u64() % 64) as u32,
                keep_until_maturity: match rng.next_u64() % 3 {
                    0 => u32::MAX,
                    _ => (rng.next_u64() >> 32) as u32 | 0x8000_0000,
                },
            })
            .collect();
        (hots, bound_table)
    }

    #[test]
    fn screening_keeps_exactly_the_draws_that_pass_in_lane_order() {
        for count in [0, 1, 3, 4, 5, 255, 256] {
            let (hots, bound_table) = screen_inputs(count, count as u64);
            let words: [u64; 16] = std::array::from_fn(|i| 1000 + i as u64);
            let mut lanes = Xoshiro256PlusPlusX4::from_words(words);
            let mut reference = Xoshiro256PlusPlusX4::from_words(words);
            let mut out = Screened::default();
            let table = HotTable::new(hots.clone(), bound_table.len());
            let found = match table.chunks().next() {
                Some(chunk) => lanes.screen(chunk, &bound_table, &mut out),
                None => 0,
            };
            let mut expected = Vec::new();
            let mut draws = [0; LANES];
            for (i, hot) in hots.iter().enumerate() {
                if i % LANES == 0 {
                    draws = reference.next_u64s();
                }
                let bits = draws[i % LANES];
                let may_default = (bits >> 32) < bound_table[hot.cell as usize];
                let may_prepay = bits as u32 > hot.keep_until_maturity;
                if may_default || may_prepay {
                    expected.push((i as u32, bits));
                }
            }
            let got: Vec<(u32, u64)> = (0..found).map(|k| (out.index[k], out.bits[k])).collect();
            assert_eq!(got, expected, "{count} receivables");
            // both go on from the same state
            assert_eq!(lanes.next_u64s(), reference.next_u64s());
        }
    }

    #[test]
    fn vector_and_plain_screens_agree_bit_for_bit() {
        let (hots, bound_table) = screen_inputs(SCREEN_CHUNK * 3 + 2, 17);
        let words: [u64; 16] = std::array::from_fn(|i| 77 * i as u64 + 5);
        let mut vector = Xoshiro256PlusPlusX4::from_words(words);
        let mut plain = Xoshiro256PlusPlusX4::from_words(words);
        let (mut a, mut b) = (Screened::default(), Screened::default());
        let table = HotTable::new(hots, bound_table.len());
        for chunk in table.chunks() {
            let found = vector.screen(chunk, &bound_table, &mut a);
            let chunk = chunk.as_slice();
            assert_eq!(found, plain.screen_scalar(chunk, &bound_table, &mut b));
            if chunk.len() == SCREEN_CHUNK {
                assert!(
                    found > 0 && found < chunk.len(),
                    "{found} pass: a weak test"
                );
            }
            assert_eq!(a.index[..found], b.index[..found]);
            assert_eq!(a.bits[..found], b.bits[..found]);
        }
    }
}
