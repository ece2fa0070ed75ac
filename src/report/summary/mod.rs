//! `summary.json` (SPEC §8): what a run or a frontier found, with the manifest, for people
//! and programs that open the folder without the report. [`run`] builds a run's, [`frontier`]
//! a frontier's; the treasury view and the rounding of money are shared.

pub mod frontier;
pub mod run;

use serde_json::json;

use super::format::{funding_position, funding_surplus};

pub use frontier::{FrontierCommand, FrontierResults, frontier_summary};
pub use run::{RunResults, run_summary};

/// What `sign_convention` says in every `treasury` object.
pub const FUNDING_SIGN_CONVENTION: &str =
    "surplus = funding_capacity − funding_need (CNY): positive is a surplus, negative a shortfall";

/// The bytes of `summary.json`: pretty-printed, with a final newline.
pub fn to_bytes(summary: &serde_json::Value) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(summary)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Money as `summary.json` holds it: CNY rounded to cents (SPEC).
pub(crate) fn round_cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// Adds the funding position to a `treasury` object, in the one sign convention of
/// [`funding_surplus`]: `surplus` (capacity − need), `position` (`surplus` or `shortfall`),
/// `gap` (the same number under its earlier name), `sign_convention` and
/// `meets_funding_need`; `null` without a need.
fn add_funding_position(
    treasury: &mut serde_json::Value,
    capacity: Option<f64>,
    need: Option<f64>,
) {
    let surplus = capacity.zip(need).map(|(c, n)| funding_surplus(c, n));
    if let Some(object) = treasury.as_object_mut() {
        for (key, value) in [
            ("surplus", json!(surplus.map(round_cents))),
            ("position", json!(surplus.map(funding_position))),
            ("gap", json!(surplus.map(round_cents))),
            ("sign_convention", json!(FUNDING_SIGN_CONVENTION)),
            ("meets_funding_need", json!(surplus.map(|s| s >= 0.0))),
        ] {
            object.insert(key.to_string(), value);
        }
    }
}

/// Rounds the named money fields (CNY) of an object, or of every object of an array, to
/// cents: money is rounded to cents when written (SPEC); shares and rates keep their digits.
fn round_money_fields(value: &mut serde_json::Value, keys: &[&str]) {
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                round_money_fields(item, keys);
            }
        }
        serde_json::Value::Object(object) => {
            for key in keys {
                if let Some(amount) = object.get(*key).and_then(serde_json::Value::as_f64) {
                    object.insert((*key).to_string(), json!(round_cents(amount)));
                }
            }
        }
        _ => {}
    }
}
