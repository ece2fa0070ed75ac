//! The tables that let most draws be settled by a comparison or a lookup.
//!
//! Per pool, built once: the threshold grid (cells of the receivables' default thresholds,
//! per segment), the quantiles of the default-month table's cells, and one prepayment table
//! per SMM. Per path, from its factors: the lifetime-default bound of every grid cell and
//! the default-month table ([`PathTables`]). The per-path tables hold bounds from
//! [`LatentBounds`] rather than exact values: they only ever decide which draws need a
//! closer look, so a path is the same as with exact values.

use super::streams::centred_uniform;
use crate::normal::{normal_cdf, normal_quantile};
use crate::sim::lanes::PrepayCells;
use crate::sim::latent::{LatentBounds, f32_at_least, f32_at_most};

/// Cells of the per-path threshold grid (per segment).
pub const THRESHOLD_GRID_CELLS: usize = 1024;

/// Bits of the default uniform that index the per-path default-month table.
const MONTH_TABLE_BITS: u32 = 11;
/// Cells of the per-path default-month table (per segment).
const MONTH_TABLE_CELLS: usize = 1 << MONTH_TABLE_BITS;
/// Further bits of the default uniform that index a cell's sub-cells, once a cell whose
/// bracket straddles a month has needed [`REFINE_AFTER`] exact default months in a path.
const SUBCELL_BITS: u32 = 4;
/// Sub-cells of a cell.
const SUBCELLS: usize = 1 << SUBCELL_BITS;
/// Exact default months computed in a straddling cell before its sub-cells are bracketed
/// (bracketing them costs about as much as two exact months; a cell met once or twice in
/// a path, the common case where defaults are rare, is not worth it).
const REFINE_AFTER: u32 = 2;
/// Bits of `W = !k_p` dropped to index a [`PrepayTable`]'s start months.
const PREPAY_INDEX_SHIFT: u32 = 20;

/// `⌈b · 2³² − ½⌉`: the 32-bit draws `k` with `(k + ½)/2³² < b` are exactly `k` below it.
#[inline]
pub(super) fn draws_below(b: f64) -> u64 {
    (b * 4_294_967_296.0 - 0.5)
        .ceil()
        .clamp(0.0, 4_294_967_296.0) as u64
}

/// `S = −ln(1 − Φ(x)) = −ln Φ(−x)`: the cumulative hazard at which a latent `x` defaults.
#[inline]
pub(super) fn cumulative_hazard(x: f64) -> f64 {
    -normal_cdf(-x).ln()
}

/// [`THRESHOLD_GRID_CELLS`] equal cells spanning the default thresholds
/// `Φ⁻¹(F(L))` of every receivable and template; a receivable's cell is the one whose upper
/// edge is the first at or above its threshold, offset by its factor segment.
#[derive(Debug, Clone)]
pub(super) struct ThresholdGrid {
    low: f64,
    width: f64,
    /// Upper edge of each cell, in threshold units.
    upper: Vec<f64>,
}

impl ThresholdGrid {
    /// The grid over `thresholds` (a width of at least 1e-12 when they are all equal).
    pub(super) fn spanning(thresholds: impl Iterator<Item = f64>) -> ThresholdGrid {
        let (low, high) = thresholds.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), t| {
            (lo.min(t), hi.max(t))
        });
        let width = ((high - low) / THRESHOLD_GRID_CELLS as f64).max(1e-12);
        let upper = (1..=THRESHOLD_GRID_CELLS)
            .map(|k| low + width * k as f64)
            .collect();
        ThresholdGrid { low, width, upper }
    }

    /// The cell of a threshold in factor segment `segment` (segment offset included).
    pub(super) fn cell(&self, threshold: f64, segment: u16) -> u32 {
        let mut cell =
            (((threshold - self.low) / self.width) as usize).min(THRESHOLD_GRID_CELLS - 1);
        while threshold > self.upper[cell] && cell + 1 < THRESHOLD_GRID_CELLS {
            cell += 1;
        }
        (usize::from(segment) * THRESHOLD_GRID_CELLS + cell) as u32
    }
}

/// What the per-path tables are computed on, the same in every path.
#[derive(Debug, Clone)]
pub(super) struct TableGrids {
    threshold_grid: ThresholdGrid,
    /// `Φ⁻¹(k / (MONTH_TABLE_CELLS × SUBCELLS))` for `k = 0..=MONTH_TABLE_CELLS × SUBCELLS`:
    /// every [`SUBCELLS`]-th is a cell's edge, the others its sub-cells' edges.
    month_grid_quantiles: Vec<f64>,
    latent: LatentBounds,
}

impl TableGrids {
    pub(super) fn new(threshold_grid: ThresholdGrid) -> TableGrids {
        TableGrids {
            threshold_grid,
            month_grid_quantiles: (0..=MONTH_TABLE_CELLS * SUBCELLS)
                .map(|k| normal_quantile(k as f64 / (MONTH_TABLE_CELLS * SUBCELLS) as f64))
                .collect(),
            latent: LatentBounds::new(),
        }
    }

    /// The per-path tables of every segment, for loadings `(√ρ, √(1 − ρ))` and segment
    /// factors `z`: the lifetime-default bound at each threshold grid edge (as 32-bit draw
    /// counts) and the default-month table.
    ///
    /// The default-month table: with `a = √ρ Z`, `b = √(1 − ρ)`, a receivable with default
    /// uniform `U` has `X = a + b Φ⁻¹(U)` and cumulative hazard at default
    /// `S(U) = −ln(1 − Φ(X))`, increasing in `U`; it defaults in month
    /// `⌊S(U) · 12 / −ln(1 − p)⌋ + 1` if that is within its life (SPEC §4.1:
    /// `Φ(X) < F(t) ⟺ S(U) < t · (−ln(1 − p))/12`). The table brackets `S` on each cell
    /// `[j, j + 1) / 2^MONTH_TABLE_BITS` of `U`, so a draw's month lies between the months
    /// of its cell's bracket; only when those differ is `S(U)` computed.
    pub(super) fn fill(&self, loadings: &[(f64, f64)], z: &[f64], tables: &mut PathTables) {
        tables.refined.start_path();
        for (s, &(sqrt_rho, sqrt_one_minus_rho)) in loadings.iter().enumerate() {
            let offset = sqrt_rho * z[s];
            tables.offsets[s] = (offset, sqrt_one_minus_rho);
            let bounds =
                &mut tables.bound_table[s * THRESHOLD_GRID_CELLS..(s + 1) * THRESHOLD_GRID_CELLS];
            let mut largest = 0.0;
            for (bound, &upper) in bounds.iter_mut().zip(&self.threshold_grid.upper) {
                let b = self.latent.cdf_upper((upper - offset) / sqrt_one_minus_rho);
                largest = b;
                *bound = draws_below(b);
            }
            // draws at or above the largest bound never default: their cells are not needed
            let needed =
                ((largest * MONTH_TABLE_CELLS as f64).ceil() as usize + 1).min(MONTH_TABLE_CELLS);
            let cells =
                &mut tables.month_bounds[s * MONTH_TABLE_CELLS..s * MONTH_TABLE_CELLS + needed];
            let edges = self.month_grid_quantiles.iter().step_by(SUBCELLS);
            bracket_cells(&self.latent, (offset, sqrt_one_minus_rho), edges, cells);
        }
    }

    /// The brackets of the [`SUBCELLS`] sub-cells of default-month cell `j` (segment
    /// offset not included) under factor offsets `offsets`.
    fn subcell_brackets(&self, offsets: (f64, f64), j: usize, out: &mut [[f32; 2]]) {
        let edges = &self.month_grid_quantiles[j * SUBCELLS..=(j + 1) * SUBCELLS];
        bracket_cells(&self.latent, offsets, edges.iter(), out);
    }
}

/// `[lower bound of S at a cell's lower edge, upper bound at its upper edge]` for the cells
/// between consecutive quantiles of `edges`, under `X = offset + scale × q`.
#[inline]
fn bracket_cells<'q>(
    latent: &LatentBounds,
    (offset, scale): (f64, f64),
    mut edges: impl Iterator<Item = &'q f64>,
    cells: &mut [[f32; 2]],
) {
    let hazard_at = |q: f64| latent.hazard_bounds(offset + scale * q);
    let Some(&first) = edges.next() else { return };
    let mut lower_edge = hazard_at(first);
    for (cell, &q) in cells.iter_mut().zip(edges) {
        let upper_edge = hazard_at(q);
        *cell = [f32_at_most(lower_edge.0), f32_at_least(upper_edge.1)];
        lower_edge = upper_edge;
    }
}

/// The sub-cell brackets of a path's straddling default-month cells, made when a cell has
/// needed [`REFINE_AFTER`] exact months in the path. Per cell, stamped with the path's
/// generation (so nothing is cleared between paths): how many exact months it has
/// needed, or where its sub-cell brackets are.
#[derive(Debug, Clone)]
struct Refinements {
    generation: u32,
    /// Per cell and segment: the generation of the path that last touched it.
    stamp: Vec<u32>,
    /// Per cell: exact months so far, or `REFINED | offset into brackets`.
    state: Vec<u32>,
    brackets: Vec<[f32; 2]>,
}

/// Flag of a [`Refinements`] state whose sub-cells are bracketed.
const REFINED: u32 = 1 << 31;

impl Refinements {
    fn new(cells: usize) -> Refinements {
        Refinements {
            generation: 0,
            stamp: vec![0; cells],
            state: vec![0; cells],
            brackets: Vec::new(),
        }
    }

    /// Forgets the previous path's refinements.
    fn start_path(&mut self) {
        self.brackets.clear();
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
    }
}

/// One path's tables, per factor segment.
#[derive(Debug, Clone)]
pub(super) struct PathTables {
    /// Lifetime-default bounds per threshold grid cell, as counts of 32-bit draws below.
    pub(super) bound_table: Vec<u64>,
    /// Per cell of the default-month table, per segment: a lower bound of `S` at the
    /// cell's lower edge and an upper bound at its upper edge.
    month_bounds: Vec<[f32; 2]>,
    /// `(√ρ Z, √(1 − ρ))` per segment.
    offsets: Vec<(f64, f64)>,
    refined: Refinements,
}

impl PathTables {
    /// Empty tables for `segments` factor segments.
    pub(super) fn new(segments: usize) -> PathTables {
        PathTables {
            bound_table: vec![0; segments * THRESHOLD_GRID_CELLS],
            month_bounds: vec![[0.0; 2]; segments * MONTH_TABLE_CELLS],
            offsets: vec![(0.0, 1.0); segments],
            refined: Refinements::new(segments * MONTH_TABLE_CELLS),
        }
    }

    /// `⌊S(U) · months_per_hazard⌋` capped at `life` (`life` = no default within the
    /// life) for the default draw `draw` of a receivable of factor segment `segment`, from
    /// the default-month table; when the cell's edges disagree, from its sub-cells' (once
    /// the cell has needed [`REFINE_AFTER`] exact months in this path), and exact `S(U)`
    /// only when those disagree too. Brackets only narrow the range the exact month lies
    /// in, so the month is the same whichever decides it.
    #[inline(always)]
    pub(super) fn months_before_default(
        &mut self,
        grids: &TableGrids,
        segment: usize,
        months_per_hazard: f64,
        draw: u32,
        life: u32,
    ) -> u32 {
        let j = (draw >> (32 - MONTH_TABLE_BITS)) as usize;
        let [lower, upper] = self.month_bounds[segment * MONTH_TABLE_CELLS + j];
        // `as u32` saturates (∞ → u32::MAX) and floors non-negative values
        let low = ((f64::from(lower) * months_per_hazard) as u32).min(life);
        let high = ((f64::from(upper) * months_per_hazard) as u32).min(life);
        if low == high {
            return low;
        }
        self.straddling_months_before_default(grids, segment, months_per_hazard, draw, life)
    }

    /// [`Self::months_before_default`] of a draw whose cell's bracket straddles a month.
    #[inline(never)]
    fn straddling_months_before_default(
        &mut self,
        grids: &TableGrids,
        segment: usize,
        months_per_hazard: f64,
        draw: u32,
        life: u32,
    ) -> u32 {
        let j = (draw >> (32 - MONTH_TABLE_BITS)) as usize;
        let cell = segment * MONTH_TABLE_CELLS + j;
        let [lower, upper] = self.month_bounds[cell];
        let months = |bound: f32| ((f64::from(bound) * months_per_hazard) as u32).min(life);
        let (mut low, mut high) = (months(lower), months(upper));
        let refined = &mut self.refined;
        if refined.stamp[cell] != refined.generation {
            refined.stamp[cell] = refined.generation;
            refined.state[cell] = 0;
        }
        if refined.state[cell] & REFINED == 0 && refined.state[cell] >= REFINE_AFTER {
            let at = refined.brackets.len();
            refined.brackets.resize(at + SUBCELLS, [0.0; 2]);
            grids.subcell_brackets(self.offsets[segment], j, &mut refined.brackets[at..]);
            refined.state[cell] = REFINED | at as u32;
        }
        if refined.state[cell] & REFINED != 0 {
            let sub = (draw >> (32 - MONTH_TABLE_BITS - SUBCELL_BITS)) as usize & (SUBCELLS - 1);
            let at = (refined.state[cell] & !REFINED) as usize;
            let [lower, upper] = refined.brackets[at + sub];
            (low, high) = (months(lower), months(upper));
            if low == high {
                return low;
            }
        } else {
            refined.state[cell] += 1;
        }
        let (offset, scale) = self.offsets[segment];
        let hazard = cumulative_hazard(offset + scale * normal_quantile(centred_uniform(draw)));
        ((hazard * months_per_hazard) as u32).clamp(low, high)
    }
}

/// Prepayment months for one SMM, from the 32-bit prepayment draw `k_p` alone.
///
/// With `W = 2³² − 1 − k_p` (so `V = (k_p + ½)/2³² = 1 − (W + ½)/2³²`), the month
/// `t_p = ⌊ln V / ln(1 − SMM)⌋ + 1` satisfies `t_p ≤ t ⟺ V > (1 − SMM)^t ⟺ W < thr[t]` with
/// `thr[t] = ⌈2³² (1 − (1 − SMM)^t) − ½⌉`: exact integer thresholds, no logarithm per draw.
/// A threshold of `2³²` (every draw prepays by then: SMM near 1) is kept at `2³² − 1`, so
/// the draw `W = 2³² − 1` never prepays.
#[derive(Debug, Clone)]
pub(super) struct PrepayTable {
    /// `thr[t]` for `t = 0..=max_months` (`thr[0] = 0`), non-decreasing.
    thresholds: Vec<u64>,
    /// For each cell `W >> PREPAY_INDEX_SHIFT`: the prepayment month of the cell's smallest
    /// `W` (where the scan for `t_p` starts).
    start: Vec<u8>,
    /// The same months for the vector sort: one lookup and one comparison per draw.
    pub(super) cells: PrepayCells,
}

impl PrepayTable {
    pub(super) fn new(smm: f64, max_months: u32) -> PrepayTable {
        let log_keep = (-smm).ln_1p();
        let thresholds: Vec<u64> = (0..=max_months)
            .map(|t| {
                let share = -(f64::from(t) * log_keep).exp_m1();
                let x = (share * 4_294_967_296.0 - 0.5).ceil();
                if x.is_nan() {
                    0
                } else {
                    x.clamp(0.0, 4_294_967_295.0) as u64
                }
            })
            .collect();
        let start = (0..(1u64 << (32 - PREPAY_INDEX_SHIFT)))
            .map(|cell| {
                let low = cell << PREPAY_INDEX_SHIFT;
                // smallest t ≥ 1 with low < thr[t]; months cap at 255 in the table
                (1..=max_months as usize)
                    .find(|&t| low < thresholds[t])
                    .unwrap_or(max_months as usize)
                    .min(255) as u8
            })
            .collect();
        let cells = PrepayCells::new(&thresholds);
        PrepayTable {
            thresholds,
            start,
            cells,
        }
    }

    /// `thr[months − 1]`: prepaying before maturity means `W` below this.
    pub(super) fn before_maturity(&self, months: u32) -> u64 {
        self.thresholds[months.saturating_sub(1) as usize]
    }

    /// The prepayment month of a draw `W = !k_p` known to prepay before maturity
    /// (`W < thr[months − 1]`, so the scan stops by `months − 1`).
    #[inline]
    pub(super) fn month(&self, w: u32) -> u32 {
        let mut t = usize::from(self.start[(w >> PREPAY_INDEX_SHIFT) as usize]);
        // the cells are narrower than a month's share of prepayments for ordinary SMMs,
        // so this loop runs zero or one time
        while self.thresholds[t] <= u64::from(w) {
            t += 1;
        }
        t as u32
    }
}

#[cfg(test)]
mod tests {
    use super::super::path_rng;
    use super::*;
    use crate::sim::Pool;
    use crate::sim::montecarlo::StochasticPool;
    use crate::sim::montecarlo::model::ColdReceivable;
    use rand::Rng;

    /// The per-path tables hold bounds, not exact values: every draw must still get the
    /// month the formula gives, and no draw the lifetime bound rules out may default.
    #[test]
    fn bracket_tables_give_the_exact_default_month_of_every_draw() {
        let scenario = crate::scenario::load("scenarios/base.toml".as_ref())
            .unwrap()
            .scenario;
        let receivables = crate::tape::generate(3_000, 11);
        let pool = Pool::build(&receivables, &scenario, "test").unwrap();
        let model = StochasticPool::new(&pool, &scenario.assumptions, 24, 12);
        let mut scratch = model.scratch();
        let mut rng = path_rng(5, 5);
        let mut defaults = 0;
        for z in [-4.5, -2.0, 0.0, 2.0] {
            scratch.z.fill(z);
            model.fill_path_tables(&mut scratch);
            let tables = &mut scratch.tables;
            for (&cell, cold) in model.asset_cells.as_slice().iter().zip(&model.asset_cold) {
                let life = u32::from(cold.life_months);
                let segment = usize::from(cold.segment);
                let (offset, scale) = tables.offsets[segment];
                for _ in 0..100 {
                    let draw = rng.next_u64() as u32;
                    let latent = offset + scale * normal_quantile(centred_uniform(draw));
                    let exact =
                        ((cumulative_hazard(latent) * cold.months_per_hazard) as u32).min(life);
                    if u64::from(draw) < tables.bound_table[usize::from(cell)] {
                        let months = tables.months_before_default(
                            &model.grids,
                            segment,
                            cold.months_per_hazard,
                            draw,
                            life,
                        );
                        assert_eq!(months, exact, "draw {draw}, z {z}");
                        defaults += usize::from(months < life);
                    } else {
                        assert_eq!(exact, life, "draw {draw} above the bound defaults, z {z}");
                    }
                }
            }
        }
        // the stressed factors make a good share of the draws default
        assert!(defaults > 20_000, "{defaults} defaults");
    }

    /// Cells whose bracket straddles a month get sub-cell brackets after a few exact
    /// months: the draws at and around every sub-cell edge of every such cell must still
    /// get the month the formula gives.
    #[test]
    fn sub_cell_brackets_give_the_exact_default_month_at_their_edges() {
        let scenario = crate::scenario::load("scenarios/base.toml".as_ref())
            .unwrap()
            .scenario;
        let receivables = crate::tape::generate(200, 3);
        let pool = Pool::build(&receivables, &scenario, "test").unwrap();
        let model = StochasticPool::new(&pool, &scenario.assumptions, 24, 12);
        let mut scratch = model.scratch();
        let sub_width = 1u64 << (32 - MONTH_TABLE_BITS - SUBCELL_BITS);
        let (mut refined_cells, mut checked) = (0, 0);
        // receivables of the largest and the smallest PD, each under a few factors
        let by_pd = |a: &&ColdReceivable, b: &&ColdReceivable| {
            a.months_per_hazard.total_cmp(&b.months_per_hazard)
        };
        let extremes = [
            *model.asset_cold.iter().min_by(by_pd).unwrap(),
            *model.asset_cold.iter().max_by(by_pd).unwrap(),
        ];
        for (cold, z) in extremes
            .into_iter()
            .flat_map(|c| [-4.0, -2.5, -1.0, 0.5].map(|z| (c, z)))
        {
            let life = u32::from(cold.life_months);
            let segment = usize::from(cold.segment);
            scratch.z.fill(z);
            model.fill_path_tables(&mut scratch);
            let tables = &mut scratch.tables;
            let (offset, scale) = tables.offsets[segment];
            // the cells below the largest lifetime bound: where draws may default
            let largest = *tables.bound_table.iter().max().unwrap();
            for j in 0..MONTH_TABLE_CELLS {
                let first = (j as u64) << (32 - MONTH_TABLE_BITS);
                if first >= largest {
                    break;
                }
                let before = tables.refined.brackets.len();
                for k in 0..SUBCELLS as u64 {
                    let edge = first + k * sub_width;
                    for draw in [edge, edge + 1, edge + sub_width / 2, edge + sub_width - 1] {
                        let draw = draw as u32;
                        let latent = offset + scale * normal_quantile(centred_uniform(draw));
                        let exact =
                            ((cumulative_hazard(latent) * cold.months_per_hazard) as u32).min(life);
                        let months = tables.months_before_default(
                            &model.grids,
                            segment,
                            cold.months_per_hazard,
                            draw,
                            life,
                        );
                        assert_eq!(months, exact, "draw {draw}, z {z}");
                        checked += 1;
                    }
                }
                refined_cells += usize::from(tables.refined.brackets.len() > before);
            }
        }
        assert!(
            refined_cells >= 10 && checked > 10_000,
            "a weak test: {refined_cells} cells"
        );
    }

    #[test]
    fn prepayment_months_match_the_logarithm() {
        // t_p = ⌊ln V / ln(1 − SMM)⌋ + 1 with V = (k_p + ½)/2³² and W = !k_p
        let smm = 0.02;
        let table = PrepayTable::new(smm, 36);
        let mut rng = path_rng(3, 3);
        for _ in 0..10_000 {
            let k = rng.next_u64() as u32;
            let exact = ((centred_uniform(k).ln() / (-smm).ln_1p()).floor() as u32) + 1;
            if u64::from(!k) < table.before_maturity(36) {
                assert_eq!(table.month(!k), exact, "draw {k}");
            } else {
                assert!(exact >= 36, "draw {k} prepays in month {exact}");
            }
        }
    }
}
