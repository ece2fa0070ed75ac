//! The purchase templates' Walker–Vose alias table (SPEC §5 step 4: templates drawn with
//! probability proportional to balance), laid out for the purchase loop: one 32-byte column
//! per template holds everything a pick needs for both its sides, and the slots hold what
//! the templates of one schedule and fee rate share.

/// One column of the Walker–Vose alias table over the purchase templates, holding what a
/// purchase needs for its pick, its mass and its event test for both the column's own
/// template (side 0) and its alias (side 1) in 32 bytes, one cache line: the picks of a
/// month land at random places in a table as long as the pool. What a template shares with
/// its purchase schedule is in [`PurchaseSlot`].
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
pub(super) struct AliasColumn {
    pub(super) balance: [f64; 2],
    /// The alias's template (the column's own is the column's index).
    alias: u32,
    /// Keep the column's own template when the low 32 bits of the draw are below this.
    keep_below: u32,
    /// Threshold-grid cell (segment offset included).
    pub(super) cell: [u16; 2],
    /// Purchase-schedule slot (cohort within the month's purchases).
    pub(super) slot: [u16; 2],
}

impl AliasColumn {
    /// The template of side `side` of column `column` (this one).
    #[inline]
    pub(super) fn template(&self, column: usize, side: usize) -> usize {
        [column, self.alias as usize][side]
    }
}

/// What every purchase template on one schedule with one fee rate shares (the term fixes
/// the prepayment rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PurchaseSlot {
    /// Fee per CNY of purchased balance.
    pub(super) fee_rate: f64,
    /// The schedule's cohort within a month's purchases.
    pub(super) cohort: u16,
    /// Largest 32-bit prepayment draw with no prepayment before maturity.
    pub(super) keep_until_maturity: u32,
    /// Event-table index of the slot's cohort at age 1, relative to the month's first
    /// purchase cohort.
    pub(super) event_base: u32,
    pub(super) life_months: u8,
    pub(super) prepay_class: u8,
}

/// Collects `items` into a vector the kernel is asked to back with 2 MiB pages where it can:
/// purchases read the alias table at random places, and with 4 KiB pages most of those
/// reads would first miss the TLB.
fn huge_page_vec<T>(items: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    let mut vec: Vec<T> = Vec::with_capacity(items.len());
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let start = vec.as_mut_ptr() as usize;
        let end = start + vec.capacity() * std::mem::size_of::<T>();
        // madvise wants a page-aligned start; huge pages then back the aligned 2 MiB
        // stretches inside
        let aligned_start = start.div_ceil(PAGE) * PAGE;
        if end > aligned_start + (2 << 20) {
            // SAFETY: advice on memory this vector owns (page-aligned inside its
            // allocation); it changes no contents, and a refusal only means no huge pages.
            unsafe {
                libc::madvise(
                    aligned_start as *mut libc::c_void,
                    end - aligned_start,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    vec.extend(items);
    vec
}

/// Walker–Vose alias table (probability ∝ weight).
#[derive(Debug, Clone)]
pub(super) struct AliasTable {
    pub(super) columns: Vec<AliasColumn>,
}

/// What a pick of one template needs, stored in both sides of the alias columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct AliasEntry {
    /// The template's balance (its original principal).
    pub(super) balance: f64,
    /// Threshold-grid cell (segment offset included).
    pub(super) cell: u16,
    /// Index of the template's [`PurchaseSlot`].
    pub(super) slot: u16,
}

impl AliasTable {
    /// The alias table; `entry(i)` gives template `i`'s balance, cell and slot.
    pub(super) fn new(weights: &[f64], entry: impl Fn(usize) -> AliasEntry) -> AliasTable {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut probability = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            probability[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        let columns = huge_page_vec((0..n).map(|i| {
            // P(keep) = probability: the centred 32-bit uniform (k + ½)/2³² is below it
            // for k < probability × 2³² − ½; a column kept with certainty (2³² does
            // not fit in 32 bits) is its own alias instead
            let keep = (probability[i] * 4_294_967_296.0 - 0.5).ceil().max(0.0);
            let (other, keep_below) = if keep >= 4_294_967_296.0 {
                (i, u32::MAX)
            } else {
                (alias[i] as usize, keep as u32)
            };
            let (own, aliased) = (entry(i), entry(other));
            AliasColumn {
                balance: [own.balance, aliased.balance],
                alias: other as u32,
                keep_below,
                cell: [own.cell, aliased.cell],
                slot: [own.slot, aliased.slot],
            }
        }));
        AliasTable { columns }
    }

    /// The column a draw lands in (high 32 bits).
    #[inline]
    pub(super) fn column(&self, bits: u64) -> usize {
        (((bits >> 32) * self.columns.len() as u64) >> 32) as usize
    }

    /// 0 for the column's own template, 1 for its alias (low 32 bits).
    #[inline]
    pub(super) fn side(column: &AliasColumn, bits: u64) -> usize {
        usize::from(bits as u32 >= column.keep_below)
    }

    #[cfg(test)]
    fn sample(&self, bits: u64) -> usize {
        let column = self.column(bits);
        let c = &self.columns[column];
        c.template(column, Self::side(c, bits))
    }
}

#[cfg(test)]
mod tests {
    use super::super::path_rng;
    use super::*;
    use rand::Rng;

    #[test]
    fn alias_table_draws_in_proportion_to_weight() {
        let table = AliasTable::new(&[1.0, 3.0, 0.0, 4.0], |i| AliasEntry {
            balance: 10.0 * i as f64,
            cell: 0,
            slot: 0,
        });
        let mut rng = path_rng(1, 1);
        let mut counts = [0usize; 4];
        let draws = 400_000;
        for _ in 0..draws {
            counts[table.sample(rng.next_u64())] += 1;
        }
        assert_eq!(counts[2], 0);
        for (count, weight) in counts.iter().zip([1.0, 3.0, 0.0, 4.0]) {
            let p = weight / 8.0;
            let sd = (p * (1.0 - p) / draws as f64).sqrt();
            assert!(
                ((*count as f64 / draws as f64) - p).abs() < 5.0 * sd + 1e-12,
                "{counts:?}"
            );
        }
    }
}
