//! The cut-off receivables' draws and their sorting, four receivables at a time.
//!
//! One Xoshiro256++ stream yields a draw every few cycles, bounded by the dependency chain
//! through its state. Four independent streams, each seeded from the path's own stream, have
//! no dependency between them, and receivable `i` of the pool takes lane `i mod 4`. Each
//! lane is exactly Xoshiro256++ (tested against `rand`'s implementation), so the draws keep
//! the generator's statistical quality, and which draw a receivable gets is fixed by (seed,
//! path, position), whatever the thread count.
//!
//! [`Xoshiro256PlusPlusX4::sort`] steps the four lanes and sorts every receivable's draw in
//! AVX2 registers where the CPU has them, and in plain code otherwise (the same results bit
//! for bit, tested): a draw that may default (or whose prepayment month one comparison does
//! not settle) is kept for plain code; one that can only prepay gets its prepayment month
//! from a [`PrepayCells`] lookup and, if within the window, its accumulator slot; the rest
//! have no event. The caller adds the prepaid balances into exact integer sums, so the
//! order in which they arrive does not matter.

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

/// Bits of the prepayment draw `W = !k_p` dropped to index a [`PrepayCells`] table.
pub const PREPAY_CELL_SHIFT: u32 = 22;

/// Cells of a [`PrepayCells`] table.
pub const PREPAY_CELLS: usize = 1 << (32 - PREPAY_CELL_SHIFT);

/// Flag of a [`PrepayCells`] entry whose cell is not settled by one comparison.
const UNSETTLED: u64 = 1 << 63;

/// Bits of a [`PrepayCells`] entry below the month.
const MONTH_SHIFT: u32 = 40;

/// The prepayment month of a 32-bit draw `W = !k_p` by one lookup and one comparison.
///
/// For thresholds `thr[t]` (non-decreasing, `thr[0] = 0`; the month is the smallest `t ≥ 1`
/// with `W < thr[t]`), cell `c` (the draws with `W >> PREPAY_CELL_SHIFT = c`) holds the
/// month `t₀` of its smallest draw and `thr[t₀]`: a draw of the cell prepays in `t₀` if
/// below `thr[t₀]`, else in `t₀ + 1` — unless `thr[t₀ + 1]` also falls inside the cell
/// (two month boundaries in one cell, only where a month's prepayments are rarer than
/// 2⁻¹⁰), which the entry flags so the draw is resolved in plain code.
#[derive(Debug, Clone)]
pub struct PrepayCells {
    /// `thr[t₀]` in bits 0–39, `t₀` in bits 40–47, bit 63 the flag.
    entries: Box<[u64; PREPAY_CELLS]>,
}

impl PrepayCells {
    /// The cells of thresholds `thr[0..=max_months]` (`thr[0] = 0`, non-decreasing, at most
    /// `2³²`, `max_months ≤ 255`).
    pub fn new(thresholds: &[u64]) -> PrepayCells {
        let max_months = thresholds.len() - 1;
        assert!(
            (1..=255).contains(&max_months) && thresholds[max_months] <= 1 << 32,
            "prepayment thresholds out of range"
        );
        let mut entries = Box::new([0u64; PREPAY_CELLS]);
        for (cell, entry) in entries.iter_mut().enumerate() {
            let low = (cell as u64) << PREPAY_CELL_SHIFT;
            let high = low + (1 << PREPAY_CELL_SHIFT) - 1;
            let start = (1..=max_months)
                .find(|&t| low < thresholds[t])
                .unwrap_or(max_months);
            let unsettled = start < max_months && thresholds[start + 1] <= high;
            *entry = thresholds[start]
                | ((start as u64) << MONTH_SHIFT)
                | if unsettled { UNSETTLED } else { 0 };
        }
        PrepayCells { entries }
    }

    /// The prepayment month of `w` (capped at the thresholds' last month plus one), or
    /// `None` when its cell does not settle it.
    #[inline(always)]
    pub fn month(&self, w: u32) -> Option<u32> {
        let entry = self.entries[(w >> PREPAY_CELL_SHIFT) as usize];
        let start = ((entry >> MONTH_SHIFT) & 0xFF) as u32;
        let past = u32::from(u64::from(w) >= entry & ((1 << MONTH_SHIFT) - 1));
        (entry & UNSETTLED == 0).then_some(start + past)
    }
}

/// The threshold-grid cells of receivables, every cell checked once to lie below a cell
/// count (the vector code reads the bound table at those cells unchecked).
#[derive(Debug, Clone)]
pub struct CellTable {
    cells: Vec<u16>,
    count: usize,
}

impl CellTable {
    /// Panics if a cell is not below `count`.
    pub fn new(cells: Vec<u16>, count: usize) -> CellTable {
        assert!(
            cells.iter().all(|&cell| usize::from(cell) < count),
            "a receivable's grid cell is outside the {count} cells"
        );
        CellTable { cells, count }
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn as_slice(&self) -> &[u16] {
        &self.cells
    }

    /// The cells of receivables `range`, for [`Xoshiro256PlusPlusX4::sort`].
    pub fn span(&self, range: std::ops::Range<usize>) -> CellSpan<'_> {
        CellSpan {
            cells: &self.cells[range],
            count: self.count,
        }
    }
}

/// Consecutive receivables of a [`CellTable`].
#[derive(Debug, Clone, Copy)]
pub struct CellSpan<'a> {
    cells: &'a [u16],
    count: usize,
}

impl CellSpan<'_> {
    pub fn as_slice(&self) -> &[u16] {
        self.cells
    }
}

/// What the sort needs of a run of receivables that share their cohort and prepayment
/// rate.
#[derive(Debug, Clone, Copy)]
pub struct RunSort<'a> {
    pub prepay: &'a PrepayCells,
    /// Last age at which a prepayment is recorded (`min(months − 1, horizon)`).
    pub window: u32,
    /// A prepayment at age `t` goes to accumulator slot `2t + slot_offset`.
    pub slot_offset: i64,
}

/// Receivables sorted per call (a multiple of [`LANES`]).
pub const SORT_CHUNK: usize = 1024;

/// The receivables of a chunk that need more than the vector code settles, and those whose
/// one event is a prepayment within the window. The arrays have [`LANES`] spare entries
/// that the vector code may overwrite.
#[derive(Debug, Clone)]
pub struct Sorted {
    /// Receivables that may default, or whose prepayment cell is unsettled: position in the
    /// chunk.
    pub plain_index: [u32; SORT_CHUNK + LANES],
    /// Their draws.
    pub plain_bits: [u64; SORT_CHUNK + LANES],
    /// Receivables that prepay within the window and cannot default: accumulator slot in
    /// the high 32 bits, position in the chunk in the low 32.
    pub prepaid: [u64; SORT_CHUNK + LANES],
}

impl Default for Sorted {
    fn default() -> Self {
        Sorted {
            plain_index: [0; SORT_CHUNK + LANES],
            plain_bits: [0; SORT_CHUNK + LANES],
            prepaid: [0; SORT_CHUNK + LANES],
        }
    }
}

/// Environment variable that turns the AVX2 sort off (any value): the plain code then
/// runs, with the same results, to check that on one machine.
pub const PLAIN_SCREEN_ENV: &str = "BAITIAO_ABS_PLAIN_SCREEN";

/// Whether the AVX2 sort runs: the CPU has AVX2 and [`PLAIN_SCREEN_ENV`] is not set
/// (read once per process).
#[cfg(target_arch = "x86_64")]
fn vector_sort() -> bool {
    static VECTOR: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *VECTOR.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2") && std::env::var_os(PLAIN_SCREEN_ENV).is_none()
    })
}

/// Where one draw goes: plain code (it may default: its high 32 bits are below the cell's
/// lifetime-default bound; or its prepayment cell is unsettled), a prepayment slot, or
/// nowhere (no event within the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Plain,
    Prepaid { slot: u32 },
    Nothing,
}

/// The sort of one draw of a receivable in cell `cell` (see [`Sort`]).
#[inline(always)]
pub fn sort_draw(bits: u64, cell: u16, bound_table: &[u64], run: &RunSort<'_>) -> Sort {
    if (bits >> 32) < bound_table[usize::from(cell)] {
        return Sort::Plain;
    }
    match run.prepay.month(!(bits as u32)) {
        None => Sort::Plain,
        Some(t) if t <= run.window => Sort::Prepaid {
            slot: (2 * i64::from(t) + run.slot_offset) as u32,
        },
        Some(_) => Sort::Nothing,
    }
}

impl Xoshiro256PlusPlusX4 {
    /// Draws for the receivables of `span` (receivable `i` takes lane `i mod 4`; at most
    /// [`SORT_CHUNK`] receivables, a multiple of [`LANES`]) and sorts them into `out` (see
    /// [`Sorted`]) in position order; returns how many go to plain code and how many are
    /// prepaid.
    ///
    /// `bound_table` holds, per grid cell, the number of 32-bit default draws that may
    /// default; it must cover the span's table's cells (checked).
    pub fn sort(
        &mut self,
        span: CellSpan<'_>,
        bound_table: &[u64],
        run: &RunSort<'_>,
        out: &mut Sorted,
    ) -> (usize, usize) {
        assert!(
            bound_table.len() >= span.count,
            "the bound table misses cells"
        );
        assert!(span.cells.len() <= SORT_CHUNK && span.cells.len().is_multiple_of(LANES));
        #[cfg(target_arch = "x86_64")]
        if vector_sort() {
            // A span of one grid cell (common: receivables are sorted by cell, and a pool
            // of one grade has one) reads its bound once instead of gathering it per draw.
            // SAFETY: AVX2 is present (checked by `vector_sort`); every cell is below
            // `span.count` (`CellTable::new`), so it indexes `bound_table`; the span holds
            // at most SORT_CHUNK receivables, a multiple of four; ONE_CELL only for a span
            // that is not empty and whose cells all equal the first.
            return match span.cells.first() {
                // (a fold without early exit: it vectorises)
                Some(&cell) if span.cells.iter().fold(0, |acc, &c| acc | (c ^ cell)) == 0 => unsafe {
                    self.sort_avx2::<true>(span.cells, bound_table, run, out)
                },
                _ => unsafe { self.sort_avx2::<false>(span.cells, bound_table, run, out) },
            };
        }
        self.sort_plain(span.cells, bound_table, run, out)
    }

    /// [`Self::sort`] in plain code.
    pub fn sort_plain(
        &mut self,
        cells: &[u16],
        bound_table: &[u64],
        run: &RunSort<'_>,
        out: &mut Sorted,
    ) -> (usize, usize) {
        assert!(cells.len() <= SORT_CHUNK && cells.len().is_multiple_of(LANES));
        let (mut plain, mut prepaid) = (0, 0);
        for (group, quad) in cells.chunks(LANES).enumerate() {
            let draws = self.next_u64s();
            for (lane, (&cell, &bits)) in quad.iter().zip(&draws).enumerate() {
                let position = (group * LANES + lane) as u32;
                match sort_draw(bits, cell, bound_table, run) {
                    Sort::Plain => {
                        out.plain_index[plain] = position;
                        out.plain_bits[plain] = bits;
                        plain += 1;
                    }
                    Sort::Prepaid { slot } => {
                        out.prepaid[prepaid] = (u64::from(slot) << 32) | u64::from(position);
                        prepaid += 1;
                    }
                    Sort::Nothing => {}
                }
            }
        }
        (plain, prepaid)
    }

    /// [`Self::sort`] in AVX2: the four lanes stepped in one register set, the four default
    /// tests and prepayment months at once (bounds and prepayment cells gathered), and the
    /// lanes of each kind packed to the front by a permutation looked up from its mask.
    ///
    /// # Safety
    /// The CPU must have AVX2, every cell must index `bound_table`, and `cells` must hold
    /// at most [`SORT_CHUNK`] receivables, a multiple of four; with `ONE_CELL`, `cells` must
    /// not be empty and every cell must be the first.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn sort_avx2<const ONE_CELL: bool>(
        &mut self,
        cells: &[u16],
        bound_table: &[u64],
        run: &RunSort<'_>,
        out: &mut Sorted,
    ) -> (usize, usize) {
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

        let groups = cells.len() / LANES;
        let (mut plain, mut prepaid) = (0usize, 0usize);
        // SAFETY: AVX2 is present (the caller's contract). Loads read `cells` four at a
        // time within its length; gathers read `bound_table` at cells the caller guarantees
        // in range and the prepayment cells at `W >> PREPAY_CELL_SHIFT < PREPAY_CELLS`;
        // stores write four entries at `count ≤ position`, inside the arrays'
        // `SORT_CHUNK + LANES` entries.
        unsafe {
            let [w0, w1, w2, w3] = &mut self.state;
            let mut s0 = _mm256_loadu_si256(w0.as_ptr().cast());
            let mut s1 = _mm256_loadu_si256(w1.as_ptr().cast());
            let mut s2 = _mm256_loadu_si256(w2.as_ptr().cast());
            let mut s3 = _mm256_loadu_si256(w3.as_ptr().cast());
            let low_half = _mm256_set1_epi64x(0xFFFF_FFFF);
            let threshold_bits = _mm256_set1_epi64x((1 << MONTH_SHIFT) - 1);
            let month_bits = _mm256_set1_epi64x(0xFF);
            let one = _mm256_set1_epi64x(1);
            let after_window = _mm256_set1_epi64x(i64::from(run.window) + 1);
            let slot_offset = _mm256_set1_epi64x(run.slot_offset);
            let lane_numbers_32 = _mm256_setr_epi32(0, 1, 2, 3, 0, 0, 0, 0);
            let lane_numbers_64 = _mm256_setr_epi64x(0, 1, 2, 3);
            let bounds_table = bound_table.as_ptr().cast::<i64>();
            // with ONE_CELL every cell is the first (and the span is not empty)
            let one_bound = if ONE_CELL {
                _mm256_set1_epi64x(bound_table[usize::from(cells[0])] as i64)
            } else {
                _mm256_setzero_si256()
            };
            let prepay_table = run.prepay.entries.as_ptr().cast::<i64>();
            for group in 0..groups {
                // Xoshiro256++, four lanes
                let draws = _mm256_add_epi64(rotate_left::<23, 41>(_mm256_add_epi64(s0, s3)), s0);
                let t = _mm256_slli_epi64::<17>(s1);
                s2 = _mm256_xor_si256(s2, s0);
                s3 = _mm256_xor_si256(s3, s1);
                s1 = _mm256_xor_si256(s1, s2);
                s0 = _mm256_xor_si256(s0, s3);
                s2 = _mm256_xor_si256(s2, t);
                s3 = rotate_left::<45, 19>(s3);

                // may it default? (every value below 2³³, so signed compares are exact)
                let bounds = if ONE_CELL {
                    one_bound
                } else {
                    let cell = _mm256_cvtepu16_epi64(_mm_loadl_epi64(
                        cells.as_ptr().add(group * LANES).cast(),
                    ));
                    _mm256_i64gather_epi64::<8>(bounds_table, cell)
                };
                let may_default = _mm256_cmpgt_epi64(bounds, _mm256_srli_epi64::<32>(draws));

                // its prepayment month: W = !k_p, t = t₀ + [W ≥ thr[t₀]]
                let w = _mm256_andnot_si256(draws, low_half);
                let entry = _mm256_i64gather_epi64::<8>(
                    prepay_table,
                    _mm256_srli_epi64::<{ PREPAY_CELL_SHIFT as i32 }>(w),
                );
                let below = _mm256_cmpgt_epi64(_mm256_and_si256(entry, threshold_bits), w);
                let month = _mm256_add_epi64(
                    _mm256_add_epi64(
                        _mm256_and_si256(
                            _mm256_srli_epi64::<{ MONTH_SHIFT as i32 }>(entry),
                            month_bits,
                        ),
                        one,
                    ),
                    below,
                );
                let in_window = _mm256_cmpgt_epi64(after_window, month);

                let plain_mask = (_mm256_movemask_pd(_mm256_castsi256_pd(may_default))
                    | _mm256_movemask_pd(_mm256_castsi256_pd(entry)))
                    as usize;
                let prepaid_mask =
                    _mm256_movemask_pd(_mm256_castsi256_pd(in_window)) as usize & !plain_mask;
                let first = (group * LANES) as i32;

                // the lanes for plain code, packed to the front, with their positions
                let pairs = _mm256_loadu_si256(PACK_PAIRS[plain_mask].as_ptr().cast());
                let lanes = _mm256_loadu_si256(PACK_LANES[plain_mask].as_ptr().cast());
                let positions = _mm256_add_epi32(
                    _mm256_permutevar8x32_epi32(lane_numbers_32, lanes),
                    _mm256_set1_epi32(first),
                );
                _mm256_storeu_si256(
                    out.plain_bits.as_mut_ptr().add(plain).cast(),
                    _mm256_permutevar8x32_epi32(draws, pairs),
                );
                _mm_storeu_si128(
                    out.plain_index.as_mut_ptr().add(plain).cast(),
                    _mm256_castsi256_si128(positions),
                );
                plain += plain_mask.count_ones() as usize;

                // the prepaid lanes: slot << 32 | position, packed to the front
                let slot = _mm256_add_epi64(_mm256_slli_epi64::<1>(month), slot_offset);
                let tagged = _mm256_or_si256(
                    _mm256_slli_epi64::<32>(slot),
                    _mm256_add_epi64(lane_numbers_64, _mm256_set1_epi64x(i64::from(first))),
                );
                let pairs = _mm256_loadu_si256(PACK_PAIRS[prepaid_mask].as_ptr().cast());
                _mm256_storeu_si256(
                    out.prepaid.as_mut_ptr().add(prepaid).cast(),
                    _mm256_permutevar8x32_epi32(tagged, pairs),
                );
                prepaid += prepaid_mask.count_ones() as usize;
            }
            _mm256_storeu_si256(w0.as_mut_ptr().cast(), s0);
            _mm256_storeu_si256(w1.as_mut_ptr().cast(), s1);
            _mm256_storeu_si256(w2.as_mut_ptr().cast(), s2);
            _mm256_storeu_si256(w3.as_mut_ptr().cast(), s3);
        }
        (plain, prepaid)
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

    /// Thresholds `⌈2³²(1 − (1 − smm)^t) − ½⌉` for `t = 0..=months`.
    fn thresholds(smm: f64, months: usize) -> Vec<u64> {
        (0..=months)
            .map(|t| {
                let share = -(t as f64 * (-smm).ln_1p()).exp_m1();
                (share * 4_294_967_296.0 - 0.5)
                    .ceil()
                    .clamp(0.0, 4_294_967_296.0) as u64
            })
            .collect()
    }

    #[test]
    fn prepayment_cells_give_the_first_month_above_the_draw_or_say_they_cannot() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for (smm, months) in [(0.03, 24), (0.3, 36), (0.0005, 60), (0.9, 12), (0.0, 6)] {
            let thr = thresholds(smm, months);
            let cells = PrepayCells::new(&thr);
            let mut unsettled = 0;
            let edges = thr.iter().flat_map(|&t| [t.saturating_sub(1), t, t + 1]);
            let draws: Vec<u64> = (0..20_000)
                .map(|_| rng.next_u64() >> 32)
                .chain(edges)
                .filter(|&w| w < 1 << 32)
                .collect();
            for w in draws {
                let exact = (1..=months).find(|&t| w < thr[t]).unwrap_or(months + 1) as u32;
                match cells.month(w as u32) {
                    Some(month) => assert_eq!(month, exact, "smm {smm}, W {w}"),
                    None => unsettled += 1,
                }
            }
            // only months rarer than a cell leave cells unsettled
            let months_wider_than_cells = thr[1..]
                .windows(2)
                .all(|pair| pair[1] - pair[0] >= 1 << PREPAY_CELL_SHIFT);
            if months_wider_than_cells {
                assert_eq!(unsettled, 0, "smm {smm}");
            }
            if smm == 0.03 {
                assert!(months_wider_than_cells);
            }
        }
    }

    fn sort_inputs(count: usize, seed: u64) -> (Vec<u16>, Vec<u64>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let bound_table: Vec<u64> = (0..64)
            .map(|cell| match cell % 4 {
                0 => 0,
                1 => 1 << 32,
                _ => rng.next_u64() >> 35,
            })
            .collect();
        let cells = (0..count).map(|_| (rng.next_u64() % 64) as u16).collect();
        (cells, bound_table)
    }

    #[test]
    fn sorting_keeps_every_draw_with_an_event_in_lane_order() {
        let thr = thresholds(0.0005, 24);
        let prepay = PrepayCells::new(&thr);
        for window in [0, 5, 23] {
            let run = RunSort {
                prepay: &prepay,
                window,
                slot_offset: 7,
            };
            for count in [0, 4, 8, 252, 256] {
                let (cells, bound_table) = sort_inputs(count, count as u64 + 17);
                let words: [u64; 16] = std::array::from_fn(|i| 1000 + i as u64);
                let mut lanes = Xoshiro256PlusPlusX4::from_words(words);
                let mut reference = Xoshiro256PlusPlusX4::from_words(words);
                let mut out = Sorted::default();
                let table = CellTable::new(cells.clone(), bound_table.len());
                let (plain, prepaid) =
                    lanes.sort(table.span(0..count), &bound_table, &run, &mut out);
                let (mut expected_plain, mut expected_prepaid) = (Vec::new(), Vec::new());
                let mut draws = [0; LANES];
                for (i, &cell) in cells.iter().enumerate() {
                    if i % LANES == 0 {
                        draws = reference.next_u64s();
                    }
                    let bits = draws[i % LANES];
                    let may_default = (bits >> 32) < bound_table[usize::from(cell)];
                    let w = !(bits as u32);
                    let month = (1..=24).find(|&t| u64::from(w) < thr[t]).unwrap_or(25) as u32;
                    if may_default || prepay.month(w).is_none() {
                        expected_plain.push((i as u32, bits));
                    } else if month <= window {
                        expected_prepaid.push(((2 * month + 7) as u64) << 32 | i as u64);
                    }
                }
                let got: Vec<(u32, u64)> = (0..plain)
                    .map(|k| (out.plain_index[k], out.plain_bits[k]))
                    .collect();
                assert_eq!(got, expected_plain, "{count} receivables");
                assert_eq!(
                    out.prepaid[..prepaid],
                    expected_prepaid[..],
                    "{count} receivables"
                );
                // both go on from the same state
                assert_eq!(lanes.next_u64s(), reference.next_u64s());
            }
        }
    }

    #[test]
    fn vector_and_plain_sorts_agree_on_a_span_of_one_cell() {
        let (_, bound_table) = sort_inputs(0, 5);
        let prepay = PrepayCells::new(&thresholds(0.03, 24));
        let run = RunSort {
            prepay: &prepay,
            window: 23,
            slot_offset: 3,
        };
        // cell 2: a bound strictly between 0 and 2³²
        let table = CellTable::new(vec![2; SORT_CHUNK], bound_table.len());
        let words: [u64; 16] = std::array::from_fn(|i| 31 * i as u64 + 9);
        let mut vector = Xoshiro256PlusPlusX4::from_words(words);
        let mut plain = Xoshiro256PlusPlusX4::from_words(words);
        let (mut a, mut b) = (Sorted::default(), Sorted::default());
        for _ in 0..3 {
            let span = table.span(0..SORT_CHUNK);
            let (found, prepaid) = vector.sort(span, &bound_table, &run, &mut a);
            assert_eq!(
                (found, prepaid),
                plain.sort_plain(span.as_slice(), &bound_table, &run, &mut b)
            );
            assert!(found > 0 && prepaid > 0, "a weak test");
            assert_eq!(a.plain_index[..found], b.plain_index[..found]);
            assert_eq!(a.plain_bits[..found], b.plain_bits[..found]);
            assert_eq!(a.prepaid[..prepaid], b.prepaid[..prepaid]);
        }
    }

    #[test]
    fn vector_and_plain_sorts_agree_bit_for_bit() {
        let (cells, bound_table) = sort_inputs(SORT_CHUNK * 3 + 8, 17);
        let prepay = PrepayCells::new(&thresholds(0.03, 24));
        let run = RunSort {
            prepay: &prepay,
            window: 20,
            slot_offset: -1,
        };
        let words: [u64; 16] = std::array::from_fn(|i| 77 * i as u64 + 5);
        let mut vector = Xoshiro256PlusPlusX4::from_words(words);
        let mut plain = Xoshiro256PlusPlusX4::from_words(words);
        let (mut a, mut b) = (Sorted::default(), Sorted::default());
        let table = CellTable::new(cells, bound_table.len());
        let mut start = 0;
        while start < table.len() {
            let end = (start + SORT_CHUNK).min(table.len());
            let span = table.span(start..end);
            let (found, prepaid) = vector.sort(span, &bound_table, &run, &mut a);
            assert_eq!(
                (found, prepaid),
                plain.sort_plain(span.as_slice(), &bound_table, &run, &mut b)
            );
            if end - start == SORT_CHUNK {
                assert!(
                    found > 0 && prepaid > 0 && found + prepaid < SORT_CHUNK,
                    "a weak test"
                );
            }
            assert_eq!(a.plain_index[..found], b.plain_index[..found]);
            assert_eq!(a.plain_bits[..found], b.plain_bits[..found]);
            assert_eq!(a.prepaid[..prepaid], b.prepaid[..prepaid]);
            start = end;
        }
    }
}
