//! How numbers read in charts, the HTML report and the comparison table: CNY with thousands
//! separators, shares as percentages, very small probabilities in scientific notation.
//! Files keep full decimals (see [`super::decimal`]); these are for people.

use crate::i18n::{Lang, fill, tr};

/// A CNY amount with thousands separators and no decimals: `800,000,000`.
pub fn cny(amount: f64) -> String {
    if !amount.is_finite() {
        return "-".into();
    }
    let rounded = amount.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if rounded < 0.0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as a percentage with `digits` decimals: `0.0271` → `2.71 %`.
pub fn percent(share: f64, digits: usize) -> String {
    if !share.is_finite() {
        return "-".into();
    }
    format!("{:.*} %", digits, 100.0 * share)
}

/// A difference of two shares in percentage points, signed: `-0.0136` → `-1.36 pp`
/// (a margin between two rates is not a percentage of either).
pub fn points(difference: f64, digits: usize) -> String {
    if !difference.is_finite() {
        return "-".into();
    }
    format!("{:+.*} pp", digits, 100.0 * difference)
}

/// A share that can be anything from 1 down to 1e-15 (expected losses, probabilities of
/// loss), as a percentage people can read: three significant digits, scientific notation
/// below 0.001 %, `0 %` for zero.
pub fn small_percent(share: f64) -> String {
    if !share.is_finite() {
        return "-".into();
    }
    let pct = 100.0 * share;
    if pct == 0.0 {
        "0 %".into()
    } else if pct.abs() >= 0.001 {
        let digits = significant_decimals(pct, 3);
        format!("{:.*} %", digits, pct)
    } else {
        format!("{} %", scientific(pct, 2))
    }
}

/// Scientific notation with `digits` decimals in the mantissa: `1.32e-13`.
pub fn scientific(value: f64, digits: usize) -> String {
    format!("{:.*e}", digits, value)
}

/// Decimals needed to show `value` with `significant` significant digits (at most 6).
fn significant_decimals(value: f64, significant: i32) -> usize {
    if value == 0.0 {
        return 0;
    }
    let magnitude = value.abs().log10().floor() as i32;
    (significant - 1 - magnitude).clamp(0, 6) as usize
}

/// An axis tick on a log scale of shares: `1e-6` as `0.0001 %`, `0.5` as `50 %`.
pub fn log_percent_tick(share: f64) -> String {
    // ticks are powers of ten computed in floating point: compare with a little slack
    let pct = 100.0 * share * (1.0 + 1e-9);
    if pct >= 1.0 {
        format!("{} %", trim_decimals(pct, 0))
    } else if pct >= 1e-4 {
        let digits = significant_decimals(pct, 1);
        format!("{} %", trim_decimals(pct, digits))
    } else {
        format!("{} %", scientific(pct, 0))
    }
}

/// An axis tick for a probability on a log scale: `1`, `0.1`, `0.01`, then `1e-3`, `1e-4`.
pub fn log_probability_tick(probability: f64) -> String {
    let probability = probability * (1.0 + 1e-9);
    if probability >= 0.01 {
        trim_decimals(probability, significant_decimals(probability, 1))
    } else {
        scientific(probability, 0)
    }
}

fn trim_decimals(value: f64, digits: usize) -> String {
    let text = format!("{:.*}", digits, value);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The treasury's funding surplus: funding capacity − funding need, CNY. One sign convention
/// everywhere (terminal, `summary.json`, `frontier.csv`, `report.html`): positive is a
/// surplus, negative a shortfall.
pub fn funding_surplus(capacity: f64, need: f64) -> f64 {
    capacity - need
}

/// The word for a funding surplus's sign: `surplus` (capacity covers the need, zero included)
/// or `shortfall`.
pub fn funding_position(surplus: f64) -> &'static str {
    funding_position_in(Lang::En, surplus)
}

/// [`funding_position`] in `lang`.
pub fn funding_position_in(lang: Lang, surplus: f64) -> &'static str {
    if surplus >= 0.0 {
        tr(lang, "word.surplus")
    } else {
        tr(lang, "word.shortfall")
    }
}

/// A funding surplus in words, without a sign to misread: `surplus 497,062,280 CNY` or
/// `shortfall 103,000,000 CNY`.
pub fn funding_position_text(surplus: f64) -> String {
    funding_position_text_in(Lang::En, surplus)
}

/// [`funding_position_text`] in `lang` (`盈余 497,062,280 元`).
pub fn funding_position_text_in(lang: Lang, surplus: f64) -> String {
    fill(
        tr(lang, "money.position"),
        &[
            ("position", &funding_position_in(lang, surplus)),
            ("amount", &cny(surplus.abs())),
        ],
    )
}

/// Years with two decimals, `-` when missing.
pub fn years(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

/// An optional value, formatted, or `-`.
pub fn or_dash<T>(value: Option<T>, format: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "-".into(), format)
}

/// Text made safe for HTML element content and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_shares() {
        assert_eq!(cny(800_000_000.0), "800,000,000");
        assert_eq!(cny(999.4), "999");
        assert_eq!(cny(-1_234.0), "-1,234");
        assert_eq!(cny(0.0), "0");
        assert_eq!(cny(f64::NAN), "-");
        assert_eq!(percent(0.0271, 2), "2.71 %");
        assert_eq!(points(-0.0136, 2), "-1.36 pp");
        assert_eq!(points(0.005, 1), "+0.5 pp");
        assert_eq!(points(f64::INFINITY, 2), "-");
        assert_eq!(small_percent(0.027104), "2.71 %");
        assert_eq!(small_percent(0.00012345), "0.0123 %");
        assert_eq!(small_percent(1.3222e-15), "1.32e-13 %");
        assert_eq!(small_percent(0.0), "0 %");
        assert_eq!(small_percent(1.0), "100 %");
    }

    #[test]
    fn funding_position_is_named_by_the_sign_of_capacity_minus_need() {
        let surplus = funding_surplus(797_062_280.0, 300_000_000.0);
        assert_eq!(surplus, 497_062_280.0);
        assert_eq!(funding_position_text(surplus), "surplus 497,062,280 CNY");
        let shortfall = funding_surplus(197_000_000.0, 300_000_000.0);
        assert_eq!(shortfall, -103_000_000.0);
        assert_eq!(
            funding_position_text(shortfall),
            "shortfall 103,000,000 CNY"
        );
        assert_eq!(funding_position(0.0), "surplus");
    }

    #[test]
    fn ticks() {
        assert_eq!(log_percent_tick(1.0), "100 %");
        assert_eq!(log_percent_tick(0.01), "1 %");
        assert_eq!(log_percent_tick(0.001), "0.1 %");
        assert_eq!(log_percent_tick(1e-6), "0.0001 %");
        assert_eq!(log_percent_tick(1e-9), "1e-7 %");
        assert_eq!(log_probability_tick(1.0), "1");
        assert_eq!(log_probability_tick(0.1), "0.1");
        assert_eq!(log_probability_tick(0.01), "0.01");
        assert_eq!(log_probability_tick(0.001), "1e-3");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            html_escape("a < 0.5 & \"b\" > 'c'"),
            "a &lt; 0.5 &amp; &quot;b&quot; &gt; &#39;c&#39;"
        );
    }
}
