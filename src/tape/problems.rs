//! What the project's CSV readers (the tape here, the applicants in `credit`) share: the
//! reader settings, the list of problems capped at [`MAX_LISTED_PROBLEMS`] with each one a
//! line `FILE:LINE: column `NAME`: "VALUE" rule`, and how a list becomes one message.

use csv::ByteRecord;

use super::MAX_LISTED_PROBLEMS;

/// A CSV reader with a header row that reports rows of the wrong length itself (`flexible`),
/// so every such row is named with its line instead of the read stopping at the first.
pub(crate) fn csv_reader<R: std::io::Read>(reader: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(reader)
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
