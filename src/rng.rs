//! Seed derivation shared by every stage that draws random numbers (a leaf module, like
//! `normal`, so that the credit model and the simulation can use it without depending on
//! each other).

/// SplitMix64's increment, `⌊2⁶⁴/φ⌋` (odd).
pub const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 (Steele, Lea & Flood 2014): the output for state `z` (the increment is added
/// first, so output `n` of the generator seeded with `s` is `splitmix64(s + n·γ)`). Spreads
/// a seed and an index over unrelated stream seeds.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_outputs() {
        // the first outputs of SplitMix64 seeded with 0 (Vigna's reference C code)
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(GOLDEN_GAMMA), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(
            splitmix64(GOLDEN_GAMMA.wrapping_mul(2)),
            0x06C4_5D18_8009_454F
        );
    }
}
