//! Monte Carlo pool paths (SPEC §4.1–4.3, §4.5): one systematic factor per segment per path,
//! each receivable's default month and prepayment month drawn once, and the events
//! aggregated by schedule cohort — the pool is never stepped receivable by month.
//!
//! # The joint law
//! Receivable `i` (12-month PD `p` after `pd_multiplier`, segment `s`) defaults in the first
//! month `t` of its life with `X_i = √ρ_s Z_s + √(1−ρ_s) ε_i < Φ⁻¹(F(t))`,
//! `F(t) = 1 − (1 − p)^(t/12)`. Given the path's factor `Z_s`, with `ε_i = Φ⁻¹(U_i)`:
//! - it defaults within its life `L` iff `U_i < Φ((Φ⁻¹(F(L)) − √ρ Z)/√(1−ρ))`, tested first
//!   against an upper bound of the same at the upper edge of a threshold grid cell (one
//!   table per path, from [`super::latent`]), so most receivables cost one comparison;
//! - its default month is the smallest `t` with `Φ(X_i) < F(t)`:
//!   `t = ⌊12 ln(1 − Φ(X_i)) / ln(1 − p)⌋ + 1`.
//!
//! Prepayment is independent with monthly probability SMM after the month's payments:
//! `t_p = ⌊ln V_i / ln(1 − SMM)⌋ + 1` for a uniform `V_i`, and none before maturity when
//! `V_i ≤ (1 − SMM)^(L − 1)`. A receivable that would default and prepay in the same month
//! defaults (the default test comes first). Both uniforms come from one 64-bit draw
//! (32 bits each, centred: `(k + ½)/2³²`).
//!
//! Purchases (SPEC §5 step 4) draw templates with probability proportional to balance
//! (Walker–Vose alias table) until the month's amount is spent, the last one scaled, and
//! give each its own draws under the same path's factors, its clock starting after the
//! month of purchase.
//!
//! Amounts: the cut-off receivables' events are summed per event-table entry as whole units
//! of 2⁻²⁰ CNY (`cash`; each receivable's balance and fee rounded to the unit once, and the
//! cohorts' starting masses are the exact sums of the same units), so a path's book does not
//! depend on the order in which its events are found. The reference simulator
//! (`sim::reference`) starts from the same rounded amounts.
//!
//! Streams: each path has its own `Xoshiro256PlusPlus` seeded from (seed, path index) by
//! SplitMix64, giving first its factors, then the seeds of four Xoshiro256++ lanes from
//! which the cut-off receivables draw, receivable `i` (in the model's order: by cohort, then
//! threshold cell) from lane `i mod 4` ([`super::lanes`]).
//! Each month's purchases draw from their own SplitMix64 stream keyed by (path, month),
//! read by position (pick `k` takes draws `2k` and `2k + 1`): a replay for another deal
//! structure can then re-draw just the end of a month's purchases ([`ReplayCollateral`]).
//!
//! The factors' law is not this module's: a path draws its independent normals `W` through
//! a [`FactorSampler`], which says how they are drawn from the start of the path's stream and
//! what likelihood ratio they carry. The path runner's importance sampling
//! (`crate::engine::importance`: the mixture, its likelihood ratio and the pilot that
//! centres it, which needs the waterfall downstream of here) implements it.
//!
//! # Where things are
//! - `streams`: path keys, the path stream, purchase streams, centred uniforms;
//! - `factors`: the factor model `Z = L W` and the [`FactorSampler`] a path draws `W` with;
//! - `tables`: the threshold grid, the per-path bound and default-month tables, the
//!   prepayment tables;
//! - `alias`: the purchase templates' Walker–Vose alias table;
//! - `cash`: the exact unit of the cut-off event sums;
//! - `model`: [`StochasticPool`], everything the same in every path, built once;
//! - `events`: a candidate receivable's event (default or prepayment month) into the book;
//! - `path`: one path as [`Collateral`](super::Collateral): [`PathScratch`],
//!   [`PathCollateral`] with its cut-off draws and purchases;
//! - `replay`: a path logged once ([`PathLog`]) and replayed for another structure
//!   ([`ReplayCollateral`]), for sizing.

mod alias;
mod cash;
mod events;
mod factors;
mod model;
mod path;
mod replay;
mod streams;
mod tables;

pub use cash::{CASH_UNIT_CNY, quantised_cny};
pub use factors::{FactorModel, FactorSampler};
pub use model::StochasticPool;
pub use path::{PathCollateral, PathScratch};
pub use replay::{CHECKPOINT_PICKS, PathLog, ReplayCollateral};
pub use streams::{PurchaseStream, centred_uniform, path_key, path_rng};
pub use tables::THRESHOLD_GRID_CELLS;
