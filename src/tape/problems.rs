//! What the project's CSV readers (the tape here, the applicants in `credit`) share: the
//! reader settings, physical line numbers, the check that a file is UTF-8 text, the hints for
//! numbers written the spreadsheet way, how user text is echoed in a message, the list of
//! problems capped at [`MAX_LISTED_PROBLEMS`] with each one a line
//! `FILE:LINE: column `NAME`: "VALUE" rule`, and how a list becomes one message.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::Read;

use csv::ByteRecord;

use super::MAX_LISTED_PROBLEMS;

/// The longest piece of user text (a cell, a name, a key) echoed in a message, in characters;
/// longer text is cut there and ends with `…`, so a runaway cell cannot flood the terminal.
pub const MAX_ECHOED_CHARS: usize = 40;

/// `text` as a message echoes it: at most [`MAX_ECHOED_CHARS`] characters, then `…`.
pub fn clip(text: &str) -> Cow<'_, str> {
    clip_to(text, MAX_ECHOED_CHARS)
}

/// A number as a message echoes it: as Rust writes it (the shortest form that reads back the
/// same), except that very large or very small magnitudes are in exponent form (`1e308`, not
/// 309 digits).
pub(crate) fn show_number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude.is_finite() && (magnitude >= 1e15 || (magnitude != 0.0 && magnitude < 1e-6)) {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

/// The longest message line built around a library's message (a `toml` error), in characters.
const MAX_MESSAGE_CHARS: usize = 400;

/// `message` with every `"…"` or `` `…` `` span it quotes cut by [`clip`], and the whole cut at
/// [`MAX_MESSAGE_CHARS`]: for messages of libraries that echo the user's text whole.
pub(crate) fn clip_echoes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE_CHARS + 8));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = &rest[open..=open];
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        match rest.find(quote) {
            Some(close) => {
                out.push_str(&clip(&rest[..close]));
                out.push_str(quote);
                rest = &rest[close + 1..];
            }
            None => {
                out.push_str(&clip(rest));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    clip_to(&out, MAX_MESSAGE_CHARS).into_owned()
}

/// `text` cut after `most` characters, then `…`.
fn clip_to(text: &str, most: usize) -> Cow<'_, str> {
    match text.char_indices().nth(most) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
    }
}

/// One line for a `toml` error (scenario, model or policy file), with the line and column of
/// its span when it has one, and the text it quotes cut by [`clip_echoes`].
pub(crate) fn toml_problem(file: &str, text: &str, error: &toml::de::Error) -> String {
    // The message can span lines (e.g. a list of expected keys); a problem is one line.
    let message = error
        .message()
        .trim()
        .lines()
        .collect::<Vec<_>>()
        .join("; ");
    let message = clip_echoes(&message);
    match error.span() {
        Some(span) => {
            let (line, column) = line_and_column(text, span.start);
            format!("{file}:{line}:{column}: {message}")
        }
        None => format!("{file}: {message}"),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// A CSV file read record by record, each record carrying the physical line it starts on.
///
/// The `csv` crate's own line count is the number of LF bytes consumed before a record's read
/// began: one too low for every record of a CRLF file (the LF after a CR is consumed with the
/// next record), 1 for every record of a CR-only file, and short by the blank lines skipped
/// before a record. Here the bytes are counted as they stream past ([`LineCounter`]) and
/// each record is given the line of its first byte, counting CRLF, CR and LF each as one
/// line break, as an editor numbers lines.
pub(crate) struct CsvSource<R> {
    reader: csv::Reader<LineCounter<R>>,
}

impl<R: Read> CsvSource<R> {
    /// A source with a header row that reports rows of the wrong length itself (`flexible`),
    /// so every such row is named with its line instead of the read stopping at the first.
    pub(crate) fn new(reader: R) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(LineCounter::new(reader));
        CsvSource { reader }
    }

    /// The header row and the physical line it is on.
    pub(crate) fn header(&mut self) -> csv::Result<(ByteRecord, u64)> {
        let header = self.reader.byte_headers()?.clone();
        let line = self.reader.get_mut().line_at(0);
        Ok((header, line))
    }

    /// Reads the next record into `record`, its position's line set to the physical line it
    /// starts on; `false` at the end of the file.
    pub(crate) fn read(&mut self, record: &mut ByteRecord) -> csv::Result<bool> {
        if !self.reader.read_byte_record(record)? {
            return Ok(false);
        }
        if let Some(mut position) = record.position().cloned() {
            let line = self.reader.get_mut().line_at(position.byte());
            position.set_line(line);
            record.set_position(Some(position));
        }
        Ok(true)
    }
}

/// The physical line a record starts on (set by [`CsvSource::read`]; 0 if unknown).
pub(crate) fn line_of(record: &ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

/// A reader that notes, for each line holding text, the offset of its first byte and its
/// physical line number, until [`LineCounter::line_at`] has passed it.
///
/// A CSV record starts at the first non-empty line at or after the offset where its read
/// began (the `csv` crate skips empty lines and the LF of a CRLF before a record), so the
/// queue only ever holds the lines of the reader's look-ahead buffer.
pub(crate) struct LineCounter<R> {
    inner: R,
    /// Bytes passed on so far.
    offset: u64,
    /// The physical line the next byte is on (1-based).
    line: u64,
    /// The last byte was a CR: an LF now completes the same line break.
    after_cr: bool,
    /// The current line has had a byte that is not a line break.
    line_has_text: bool,
    /// (offset of the first byte, line number) of the lines with text not yet passed.
    starts: VecDeque<(u64, u64)>,
}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            offset: 0,
            line: 1,
            after_cr: false,
            line_has_text: false,
            starts: VecDeque::new(),
        }
    }

    /// The line of the first line with text that starts at or after `offset`; queries must
    /// come in non-decreasing `offset` order.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self
            .starts
            .front()
            .is_some_and(|&(start, _)| start < offset)
        {
            self.starts.pop_front();
        }
        self.starts.front().map_or(self.line, |&(_, line)| line)
    }

    fn scan(&mut self, bytes: &[u8]) {
        let mut index = 0;
        while index < bytes.len() {
            match bytes[index] {
                b'\r' => {
                    self.line += 1;
                    self.line_has_text = false;
                    self.after_cr = true;
                }
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => {
                    self.line += 1;
                    self.line_has_text = false;
                }
                _ => {
                    self.after_cr = false;
                    if !self.line_has_text {
                        self.line_has_text = true;
                        self.starts
                            .push_back((self.offset + index as u64, self.line));
                    }
                    // The rest of the line's text needs no look.
                    match bytes[index..]
                        .iter()
                        .position(|&b| b == b'\n' || b == b'\r')
                    {
                        Some(length) => index += length,
                        None => break,
                    }
                    continue;
                }
            }
            index += 1;
        }
        self.offset += bytes.len() as u64;
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.scan(&buffer[..read]);
        Ok(read)
    }
}

/// The one problem of a file that is not UTF-8 text, found on `line`: what it is and how to
/// re-save the file (SPEC §2.1: not a list of broken cells).
pub(crate) fn not_utf8_problem(label: &str, line: u64) -> String {
    format!(
        "{label}:{line}: the file is not UTF-8 text (it looks like GBK or another legacy encoding, as Excel on a Chinese Windows saves CSV); re-save it as UTF-8: in Excel, File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\"; in WPS or a text editor, choose the UTF-8 encoding"
    )
}

/// Unknown header names listed in a warning; the rest are counted.
const MAX_LISTED_COLUMNS: usize = 10;

/// The one warning for the unknown columns of a header (`names` already quoted and clipped).
pub(crate) fn unknown_columns_warning(label: &str, line: u64, names: &[String]) -> String {
    let listed = names.len().min(MAX_LISTED_COLUMNS);
    let mut text = format!(
        "{label}:{line}: ignoring unknown columns {}",
        names[..listed].join(", ")
    );
    if names.len() > listed {
        text.push_str(&format!(" and {} more", names.len() - listed));
    }
    text
}

/// Whether every byte of `record` is UTF-8 text.
pub(crate) fn is_utf8(record: &ByteRecord) -> bool {
    std::str::from_utf8(record.as_slice()).is_ok()
}

/// The rule broken by a cell that should be a number and is not, with the expected form when
/// the cell is a number written the spreadsheet way: `1,234.50` (thousands separators) or
/// `0.8%` (a percentage).
pub(crate) fn not_a_number(raw: &[u8]) -> String {
    spreadsheet_number_rule(raw).unwrap_or_else(|| "is not a number".to_owned())
}

/// The rule of [`not_a_number`] when the cell is a number written the spreadsheet way;
/// `None` for any other text.
pub(crate) fn spreadsheet_number_rule(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim();
    if text.contains(',') {
        let plain: String = text.chars().filter(|&c| c != ',').collect();
        if plain.parse::<f64>().is_ok() {
            return Some(format!(
                "is not a number: write it without thousands separators, as {}",
                clip(&plain)
            ));
        }
    }
    let decimal = percent_as_decimal(text.strip_suffix('%')?.trim())?;
    Some(format!(
        "is not a number: write a percentage as a decimal, {} for {}",
        clip(&decimal),
        clip(text)
    ))
}

/// `percent` ÷ 100 by moving the decimal point in the text (`0.8` → `0.008`), so the hint
/// shows exactly the digits the user wrote; `None` when `percent` is not a plain decimal.
fn percent_as_decimal(percent: &str) -> Option<String> {
    let (sign, digits) = match percent.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", percent.strip_prefix('+').unwrap_or(percent)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let shifted_whole = whole.len().saturating_sub(2);
    let (whole, fraction) = (
        &whole[..shifted_whole],
        format!("{:0>2}{fraction}", &whole[shifted_whole..]),
    );
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    Some(if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    })
}

/// A header name as the readers match it: without a byte-order mark and surrounding spaces,
/// in lower case (spreadsheets write `Balance ` as readily as `balance`).
pub(crate) fn header_key(raw: &[u8]) -> (String, String) {
    let name = String::from_utf8_lossy(raw);
    let name = name.trim_start_matches('\u{feff}').trim();
    (name.to_ascii_lowercase(), clip(name).into_owned())
}

/// The I/O error inside a CSV error (the readers report format problems themselves).
pub(crate) fn io_error_of(error: csv::Error) -> std::io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Whether a header row is empty (an empty file, or one blank line).
pub(crate) fn header_is_blank(header: &ByteRecord) -> bool {
    header.is_empty() || (header.len() == 1 && header[0].trim_ascii().is_empty())
}

/// The message of a problem list: one line per problem, then the count left out.
pub(crate) fn join_problems(problems: &[String], more: usize) -> String {
    let mut text = problems.join("\n");
    if more > 0 {
        text.push_str(&format!("\n... and {more} more problems"));
    }
    text
}

/// Collects problem lines, listing the first [`MAX_LISTED_PROBLEMS`] and counting the rest.
pub(crate) struct Problems<'a> {
    pub(crate) label: &'a str,
    pub(crate) listed: Vec<String>,
    pub(crate) more: usize,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(label: &'a str) -> Self {
        Problems {
            label,
            listed: Vec::new(),
            more: 0,
        }
    }

    pub(crate) fn total(&self) -> usize {
        self.listed.len() + self.more
    }

    pub(crate) fn is_full(&self) -> bool {
        self.listed.len() >= MAX_LISTED_PROBLEMS
    }

    pub(crate) fn push(&mut self, problem: String) {
        if self.is_full() {
            self.more += 1;
        } else {
            self.listed.push(problem);
        }
    }

    /// A problem with one cell: `FILE:LINE: column `NAME`: "VALUE" rule`.
    pub(crate) fn cell(&mut self, line: u64, column: &str, value: &[u8], rule: &str) {
        if self.is_full() {
            // Formatting is skipped: past the cap only the count is reported.
            self.more += 1;
            return;
        }
        let value = String::from_utf8_lossy(value);
        let value = clip(&value);
        let label = self.label;
        self.push(format!(
            "{label}:{line}: column `{column}`: {value:?} {rule}"
        ));
    }

    /// Appends the problems found by a parallel task, in order.
    pub(crate) fn absorb(&mut self, listed: Vec<String>, more: usize) {
        for problem in listed {
            self.push(problem);
        }
        self.more += more;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The physical line of every record of `text` (the header first).
    fn record_lines(text: &str) -> Vec<u64> {
        let mut source = CsvSource::new(text.as_bytes());
        let (_, header_line) = source.header().expect("header");
        let mut lines = vec![header_line];
        let mut record = ByteRecord::new();
        while source.read(&mut record).expect("record") {
            lines.push(line_of(&record));
        }
        lines
    }

    #[test]
    fn records_carry_their_physical_line_whatever_the_line_breaks() {
        for newline in ["\n", "\r\n", "\r"] {
            let text = ["h", "a", "", "", "b", "\"c", "", "d\"", "e"].join(newline) + newline;
            assert_eq!(record_lines(&text), [1, 2, 5, 6, 9], "{newline:?}");
        }
        // Mixed breaks, blank lines before the header, no final break.
        assert_eq!(record_lines("\r\n\nh\r\na\n\rb"), [3, 4, 6]);
    }

    #[test]
    fn lines_are_counted_across_buffer_boundaries() {
        // More than the 64 KiB buffer, CRLF pairs split between reads.
        let rows: Vec<String> = (0..20_000).map(|i| format!("r{i}")).collect();
        let text = format!("h\r\n{}\r\n", rows.join("\r\n\r\n"));
        let lines = record_lines(&text);
        assert_eq!(lines.len(), 20_001);
        assert_eq!(lines[20_000], 2 + 2 * 19_999);
    }

    #[test]
    fn spreadsheet_numbers_get_the_plain_form() {
        let hint = |text: &str| not_a_number(text.as_bytes());
        assert_eq!(
            hint("1,234.50"),
            "is not a number: write it without thousands separators, as 1234.50"
        );
        for (percent, decimal) in [
            ("0.8%", "0.008"),
            ("12.5%", "0.125"),
            ("100%", "1"),
            ("3%", "0.03"),
            (".5%", "0.005"),
            ("-1234.5%", "-12.345"),
            ("007%", "0.07"),
        ] {
            assert_eq!(
                hint(percent),
                format!(
                    "is not a number: write a percentage as a decimal, {decimal} for {percent}"
                )
            );
        }
        for other in ["abc", "1,2,x", "%", "1e3%", "1.2.3%"] {
            assert_eq!(hint(other), "is not a number", "{other}");
        }
    }

    #[test]
    fn echoed_text_is_cut_after_forty_characters() {
        assert_eq!(clip("short"), "short");
        let long = "长".repeat(1_000_000);
        let clipped = clip(&long);
        assert_eq!(clipped.chars().count(), MAX_ECHOED_CHARS + 1);
        assert!(clipped.ends_with("长…"));
        assert_eq!(clip(&"x".repeat(40)), "x".repeat(40));
    }
}
