//! Text columns for the terminal, measured in the columns a terminal draws rather than in
//! `char`s: a Chinese tranche or segment name takes two columns per character (East Asian
//! Wide, UAX #11), so `format!("{:<8}", name)` alone would push every later column out.

use std::fmt;

use unicode_width::UnicodeWidthStr;

/// Display columns `text` takes on a terminal (East Asian ambiguous characters such as `±`
/// count as one, as in a non-CJK locale).
pub fn columns(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to at most `most` display columns, with `…` marking a cut.
pub fn clip_columns(text: &str, most: usize) -> String {
    if columns(text) <= most {
        return text.to_string();
    }
    let mut clipped = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > most {
            break;
        }
        clipped.push(c);
        used += w;
    }
    clipped.push('…');
    clipped
}

/// A value whose `{:<w}` / `{:>w}` / `{:^w}` padding counts display columns: wrap a cell
/// that may hold user text (names) in it.
#[derive(Debug, Clone, Copy)]
pub struct Wide<T>(pub T);

impl<T: fmt::Display> fmt::Display for Wide<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        let pad = f.width().unwrap_or(0).saturating_sub(columns(&text));
        let (before, after) = match f.align() {
            Some(fmt::Alignment::Right) => (pad, 0),
            Some(fmt::Alignment::Center) => (pad / 2, pad - pad / 2),
            Some(fmt::Alignment::Left) | None => (0, pad),
        };
        let fill = f.fill();
        for _ in 0..before {
            write!(f, "{fill}")?;
        }
        f.write_str(&text)?;
        for _ in 0..after {
            write!(f, "{fill}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(columns("A-1"), 3);
        assert_eq!(columns("优先A"), 5);
        assert_eq!(columns("± ∞"), 3);
    }

    #[test]
    fn padding_counts_columns() {
        assert_eq!(format!("[{:<8}]", Wide("优先A")), "[优先A   ]");
        assert_eq!(format!("[{:>8}]", Wide("优先A")), "[   优先A]");
        assert_eq!(format!("[{:^7}]", Wide("次级")), "[ 次级  ]");
        assert_eq!(format!("[{:<4}]", Wide("A")), "[A   ]");
        // Wider than the column: printed whole, as std does.
        assert_eq!(format!("[{:<2}]", Wide("优先级")), "[优先级]");
    }

    #[test]
    fn clipping_counts_columns() {
        assert_eq!(clip_columns("优先级A档", 6), "优先…");
        assert_eq!(clip_columns("senior", 6), "senior");
        assert_eq!(columns(&clip_columns("优先级A档", 7)), 7);
    }
}
