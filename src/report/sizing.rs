//! Sizing tables (SPEC §7.1): `sizing.csv`, one row per tranche of the sized structure,
//! and `sizing_curve.csv`, every candidate share evaluated while sizing (the EL-against-size
//! curve behind each sized point).

use super::{CsvResult, cents, decimal, into_bytes, optional};
use crate::sizing::SizingResult;

/// `sizing.csv`: SPEC §7.1's columns, then whether the target could be met.
pub fn sizing_csv(result: &SizingResult) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "tranche",
        "target_rating",
        "share",
        "amount",
        "credit_enhancement",
        "el",
        "el_se",
        "wal",
        "target_el",
        "feasible",
    ])?;
    for t in &result.tranches {
        out.write_record([
            t.tranche.clone(),
            t.target_rating.clone().unwrap_or_default(),
            decimal(t.share),
            cents(t.amount),
            decimal(t.credit_enhancement.max(0.0)),
            format!("{:e}", t.el),
            format!("{:e}", t.el_se),
            optional(t.wal),
            t.target_el.map(|e| format!("{e:e}")).unwrap_or_default(),
            t.feasible.to_string(),
        ])?;
    }
    into_bytes(out)
}

/// `sizing_curve.csv`: every candidate evaluated, in the order evaluated.
pub fn sizing_curve_csv(result: &SizingResult) -> CsvResult {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "tranche",
        "share",
        "el",
        "el_se",
        "wal",
        "target_el",
        "meets",
    ])?;
    for p in &result.curve {
        out.write_record([
            p.tranche.clone(),
            decimal(p.share),
            format!("{:e}", p.el),
            format!("{:e}", p.el_se),
            optional(p.wal),
            format!("{:e}", p.target_el),
            p.meets.to_string(),
        ])?;
    }
    into_bytes(out)
}
