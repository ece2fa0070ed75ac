//! How the report's files write their numbers, as serde helpers for the row types and
//! `summary.json` (`#[serde(serialize_with = "cells::decimal")]`), so a field's type stays a
//! plain `f64` for the reader while its text stays what every version wrote:
//!
//! - [`decimal`]: rates and shares to ten decimals, trailing zeros dropped ([`super::decimal`]);
//! - [`cents`]: money to the cent ([`super::cents`]);
//! - [`sci`]: probabilities and small losses in Rust's shortest exponent form (`1.3e-7`);
//! - [`tenths`], [`six_decimals`]: fixed decimals where a file has always used them;
//! - [`exact`]: every digit in plain notation (`grid.csv`);
//! - [`json_cents`]: money in `summary.json`, a number rounded to cents.
//!
//! Each has an `opt_` twin for `Option<f64>` (empty cell or `null` when absent) and the
//! dynamic rows have `_each` twins for a list. Reading needs no helper (a cell parses as a
//! number), except the lenient [`flag`], [`yes`] and [`or_nan`].

use serde::{Deserialize, Deserializer, Serializer};

/// A pair of helpers writing `f64` and `Option<f64>` as the text `$format` makes.
macro_rules! written_as {
    ($(#[$doc:meta])* $name:ident, $optional:ident, $each:ident, $format:expr) => {
        $(#[$doc])*
        pub fn $name<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(&$format(*value))
        }

        /// As the helper without `opt_`; `None` is an empty cell.
        pub fn $optional<S: Serializer>(
            value: &Option<f64>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => serializer.serialize_str(&$format(*value)),
                None => serializer.serialize_none(),
            }
        }

        /// As the helper without `_each`, for each value of a list (one cell each).
        pub fn $each<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(values.iter().map(|v| $format(*v)))
        }
    };
}

written_as!(
    /// A rate or share: [`super::decimal`].
    decimal,
    opt_decimal,
    decimal_each,
    super::decimal
);
written_as!(
    /// Money: [`super::cents`].
    cents,
    opt_cents,
    cents_each,
    super::cents
);
written_as!(
    /// A probability or a small loss share: `{:e}`, every digit of the double.
    sci,
    opt_sci,
    sci_each,
    |v: f64| format!("{v:e}")
);
written_as!(
    /// One decimal: `{:.1}`.
    tenths,
    opt_tenths,
    tenths_each,
    |v: f64| format!("{v:.1}")
);
written_as!(
    /// Six decimals: `{:.6}`.
    six_decimals,
    opt_six_decimals,
    six_decimals_each,
    |v: f64| format!("{v:.6}")
);

written_as!(
    /// Every digit of the double in plain notation (`{}`: the shortest text that reads back
    /// as the same number), where a reader compares values exactly.
    exact,
    opt_exact,
    exact_each,
    |v: f64| format!("{v}")
);

/// Money as `summary.json` holds it: CNY rounded to cents (SPEC).
pub fn round_cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// Money in `summary.json`: a number, rounded to cents.
pub fn json_cents<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round_cents(*value))
}

/// As [`json_cents`]; `None` is `null`.
pub fn opt_json_cents<S: Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.serialize_f64(round_cents(*value)),
        None => serializer.serialize_none(),
    }
}

/// A yes/no cell as people and spreadsheets write it: `true`, `TRUE`, `True` or `1`, and
/// `false`, `FALSE`, `False` or `0`; anything else (an empty cell included) is unknown.
/// Use with `#[serde(default, deserialize_with = "cells::flag")]` on an `Option<bool>`.
pub fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Ok(
        match Option::<String>::deserialize(deserializer)?.as_deref() {
            Some("true" | "TRUE" | "True" | "1") => Some(true),
            Some("false" | "FALSE" | "False" | "0") => Some(false),
            _ => None,
        },
    )
}

/// A yes/no cell read as [`flag`] reads it, unknown as no. Use with
/// `#[serde(default, deserialize_with = "cells::yes")]` on a `bool`.
pub fn yes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(flag(deserializer)? == Some(true))
}

/// A number that may be missing, NaN when it is. Use with
/// `#[serde(default = "cells::nan", deserialize_with = "cells::or_nan")]`.
pub fn or_nan<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// NaN: a number a file lacks.
pub fn nan() -> f64 {
    f64::NAN
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct Row {
        #[serde(serialize_with = "super::decimal")]
        share: f64,
        #[serde(serialize_with = "super::opt_sci")]
        el: Option<f64>,
        #[serde(serialize_with = "super::cents")]
        amount: f64,
        #[serde(default, deserialize_with = "super::flag")]
        meets: Option<bool>,
    }

    #[test]
    fn cells_are_written_as_every_version_wrote_them_and_read_back() {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.serialize(Row {
            share: 0.051,
            el: Some(1.5e-7),
            amount: 1_234.565_1,
            meets: Some(true),
        })
        .unwrap();
        out.serialize(Row {
            share: 2.0,
            el: None,
            amount: 0.0,
            meets: None,
        })
        .unwrap();
        let text = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(
            text,
            "share,el,amount,meets\n0.051,1.5e-7,1234.57,true\n2,,0.00,\n"
        );
        let rows: Vec<Row> =
            csv::Reader::from_reader("share,el,amount,meets\n1,,2,TRUE\n".as_bytes())
                .deserialize()
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(
            (rows[0].share, rows[0].el, rows[0].meets),
            (1.0, None, Some(true))
        );
    }
}
