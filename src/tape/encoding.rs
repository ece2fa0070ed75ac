//! The text encoding of a CSV file a person exported: UTF-8 (with or without a byte-order
//! mark), or GB18030 — the superset of GBK that Excel and WPS on a Chinese Windows write
//! when a sheet is saved as plain "CSV". Every reader of tapes, applicants and histories
//! opens its file here, so all of them read both.
//!
//! A file that is valid UTF-8 is read as UTF-8 (as before); otherwise, if the whole file
//! decodes as GB18030 without error, it is read decoded to UTF-8, with a one-line note. Line
//! breaks decode to themselves, so the CSV readers still number physical lines. Bytes that
//! are neither are one problem naming the line of the first such byte.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use encoding_rs::{DecoderResult, GB18030};

/// How to read a file's bytes as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextEncoding {
    /// UTF-8 when the file is valid UTF-8, else GB18030 when it decodes as that.
    #[default]
    Auto,
    Utf8,
    /// GBK, read with the GB18030 decoder (GB18030 is a superset of GBK; the WHATWG
    /// encoding standard decodes both labels the same way).
    Gb18030,
}

impl TextEncoding {
    /// `auto`, `utf-8` (`utf8`), `gbk`, `gb18030` in any case; the error names the choices.
    pub fn parse(text: &str) -> Result<TextEncoding, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(TextEncoding::Auto),
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "cp936" => Ok(TextEncoding::Gb18030),
            _ => Err(format!(
                "`{text}` is not an encoding this tool reads: use auto, utf-8, gbk or gb18030"
            )),
        }
    }
}

/// Why a file could not be opened as text.
#[derive(Debug)]
pub enum OpenError {
    Io(io::Error),
    /// The bytes are not text in the encodings allowed: one problem line `FILE:LINE: …`.
    NotText(String),
}

/// A file opened as UTF-8 text, with the note to show when it was decoded from GB18030.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    /// `FILE: not UTF-8; read as GB18030 (GBK) …` when decoded; `None` for UTF-8.
    pub note: Option<String>,
}

/// Size of the chunks the file is checked and decoded in.
const CHUNK: usize = 1 << 16;

/// Opens `path` (named `label` in messages) as UTF-8 text in the `encoding` asked for.
pub fn open(path: &Path, label: &str, encoding: TextEncoding) -> Result<Opened, OpenError> {
    let utf8 = || -> Result<Opened, OpenError> {
        Ok(Opened {
            reader: Box::new(File::open(path).map_err(OpenError::Io)?),
            note: None,
        })
    };
    let gb18030 = || -> Result<Opened, OpenError> {
        Ok(Opened {
            reader: Box::new(Gb18030Reader::new(BufReader::with_capacity(
                CHUNK,
                File::open(path).map_err(OpenError::Io)?,
            ))),
            note: Some(format!(
                "{label}: not UTF-8; read as GB18030 (GBK), as Excel or WPS on a Chinese Windows saves CSV"
            )),
        })
    };
    match encoding {
        // The UTF-8 readers report bytes that are not UTF-8 themselves, with the line.
        TextEncoding::Utf8 => utf8(),
        TextEncoding::Gb18030 => match first_gb18030_error(path).map_err(OpenError::Io)? {
            None => gb18030(),
            Some(line) => Err(OpenError::NotText(format!(
                "{label}:{line}: the file is not GB18030 (GBK) text{SAVE_AS_UTF8}"
            ))),
        },
        TextEncoding::Auto => {
            if first_utf8_error(path).map_err(OpenError::Io)?.is_none() {
                return utf8();
            }
            match first_gb18030_error(path).map_err(OpenError::Io)? {
                None => gb18030(),
                Some(line) => Err(OpenError::NotText(format!(
                    "{label}:{line}: the file is neither UTF-8 nor GB18030 (GBK) text{SAVE_AS_UTF8}"
                ))),
            }
        }
    }
}

const SAVE_AS_UTF8: &str = "; re-save it as UTF-8: in Excel, File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\"; in WPS or a text editor, choose the UTF-8 encoding";

/// Counts physical lines the way the CSV readers do: LF, CR and CRLF each end one.
#[derive(Default)]
struct Lines {
    line: u64,
    after_cr: bool,
}

impl Lines {
    fn pass(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => self.line += 1,
                b'\r' => {
                    self.line += 1;
                    self.after_cr = true;
                }
                _ => self.after_cr = false,
            }
        }
    }

    /// The 1-based line the next byte is on.
    fn current(&self) -> u64 {
        self.line + 1
    }
}

/// The line of the first byte that is not UTF-8, `None` when the whole file is UTF-8.
fn first_utf8_error(path: &Path) -> io::Result<Option<u64>> {
    let mut file = File::open(path)?;
    let mut buffer = vec![0u8; CHUNK];
    let (mut kept, mut lines) = (0usize, Lines::default());
    loop {
        let read = file.read(&mut buffer[kept..])?;
        let end = kept + read;
        match std::str::from_utf8(&buffer[..end]) {
            Ok(_) if read == 0 => return Ok(None),
            Ok(_) => {
                lines.pass(&buffer[..end]);
                kept = 0;
            }
            Err(error) => {
                let valid = error.valid_up_to();
                // an incomplete sequence at the end of the chunk may complete in the next
                if error.error_len().is_some() || read == 0 {
                    lines.pass(&buffer[..valid]);
                    return Ok(Some(lines.current()));
                }
                lines.pass(&buffer[..valid]);
                buffer.copy_within(valid..end, 0);
                kept = end - valid;
            }
        }
    }
}

/// The line of the first byte sequence that is not GB18030, `None` when the whole file is.
fn first_gb18030_error(path: &Path) -> io::Result<Option<u64>> {
    let mut reader = Gb18030Reader::new(BufReader::with_capacity(CHUNK, File::open(path)?));
    let mut buffer = vec![0u8; CHUNK];
    let mut lines = Lines::default();
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(None),
            // the decoded text has the same line breaks as the bytes
            Ok(n) => lines.pass(&buffer[..n]),
            Err(error) if error.kind() == io::ErrorKind::InvalidData => {
                return Ok(Some(lines.current()));
            }
            Err(error) => return Err(error),
        }
    }
}

/// A reader of GB18030 bytes that yields UTF-8; a malformed sequence is an
/// [`io::ErrorKind::InvalidData`] error after the text before it.
struct Gb18030Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    output: Vec<u8>,
    output_start: usize,
    output_end: usize,
    input_done: bool,
    finished: bool,
    malformed: bool,
}

impl<R: Read> Gb18030Reader<R> {
    fn new(inner: R) -> Self {
        Gb18030Reader {
            inner,
            decoder: GB18030.new_decoder_without_bom_handling(),
            input: vec![0; CHUNK],
            input_start: 0,
            input_end: 0,
            // a GB18030 byte decodes to at most 3 UTF-8 bytes (the decoder asks for room)
            output: vec![0; 3 * CHUNK + 16],
            output_start: 0,
            output_end: 0,
            input_done: false,
            finished: false,
            malformed: false,
        }
    }
}

impl<R: Read> Read for Gb18030Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.output_start < self.output_end {
                let n = buf.len().min(self.output_end - self.output_start);
                buf[..n].copy_from_slice(&self.output[self.output_start..self.output_start + n]);
                self.output_start += n;
                return Ok(n);
            }
            if self.malformed {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a byte sequence that is not GB18030",
                ));
            }
            if self.finished {
                return Ok(0);
            }
            if self.input_start == self.input_end && !self.input_done {
                let read = self.inner.read(&mut self.input)?;
                self.input_start = 0;
                self.input_end = read;
                self.input_done = read == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.input_start..self.input_end],
                &mut self.output,
                self.input_done,
            );
            self.input_start += read;
            self.output_start = 0;
            self.output_end = written;
            match result {
                DecoderResult::InputEmpty => self.finished = self.input_done,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(_, _) => self.malformed = true,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        file
    }

    fn read_all(opened: Opened) -> String {
        let mut text = String::new();
        let mut reader = opened.reader;
        reader.read_to_string(&mut text).unwrap();
        text
    }

    /// `白条` (Baitiao) in GBK, as a Chinese Excel writes it.
    const BAITIAO_GBK: [u8; 4] = [0xB0, 0xD7, 0xCC, 0xF5];

    #[test]
    fn gbk_is_detected_and_decoded() {
        let mut bytes = b"id,segment\r\nA,".to_vec();
        bytes.extend(BAITIAO_GBK);
        bytes.extend(b"\r\n");
        let f = file(&bytes);
        let opened = open(f.path(), "t.csv", TextEncoding::Auto).unwrap();
        assert!(
            opened
                .note
                .as_deref()
                .unwrap()
                .starts_with("t.csv: not UTF-8; read as GB18030")
        );
        assert_eq!(read_all(opened), "id,segment\r\nA,白条\r\n");
    }

    #[test]
    fn utf8_with_or_without_a_bom_is_read_as_it_is() {
        for bytes in ["id\n白条\n".as_bytes(), "\u{feff}id\n白条\n".as_bytes()] {
            let f = file(bytes);
            let opened = open(f.path(), "t.csv", TextEncoding::Auto).unwrap();
            assert!(opened.note.is_none());
            assert_eq!(read_all(opened).as_bytes(), bytes);
        }
    }

    #[test]
    fn bytes_that_are_neither_name_their_line() {
        // 0xFF is never a GB18030 lead byte, nor UTF-8
        let f = file(b"id\r\nA\rB\n\xFF\n");
        match open(f.path(), "t.csv", TextEncoding::Auto) {
            Err(OpenError::NotText(line)) => assert!(
                line.starts_with(
                    "t.csv:4: the file is neither UTF-8 nor GB18030 (GBK) text; re-save it as UTF-8"
                ),
                "{line}"
            ),
            _ => panic!("not text"),
        }
        match open(f.path(), "t.csv", TextEncoding::Gb18030) {
            Err(OpenError::NotText(line)) => {
                assert!(line.starts_with("t.csv:4: the file is not GB18030"))
            }
            _ => panic!("not text"),
        }
    }

    #[test]
    fn long_files_decode_across_chunks() {
        // a two-byte character straddles every chunk boundary at some offset
        let mut bytes = Vec::new();
        let mut expected = String::new();
        for i in 0..60_000 {
            bytes.push(b'a' + (i % 3) as u8);
            expected.push((b'a' + (i % 3) as u8) as char);
            bytes.extend(BAITIAO_GBK);
            expected.push_str("白条");
            if i % 7 == 0 {
                bytes.push(b'\n');
                expected.push('\n');
            }
        }
        let f = file(&bytes);
        assert_eq!(first_gb18030_error(f.path()).unwrap(), None);
        assert!(first_utf8_error(f.path()).unwrap().is_some());
        assert_eq!(
            read_all(open(f.path(), "t", TextEncoding::Auto).unwrap()),
            expected
        );
        // valid UTF-8 across chunks: no error
        let g = file(expected.as_bytes());
        assert_eq!(first_utf8_error(g.path()).unwrap(), None);
    }

    #[test]
    fn encodings_are_named_as_users_write_them() {
        assert_eq!(TextEncoding::parse("GBK"), Ok(TextEncoding::Gb18030));
        assert_eq!(TextEncoding::parse("utf-8"), Ok(TextEncoding::Utf8));
        assert_eq!(TextEncoding::parse("auto"), Ok(TextEncoding::Auto));
        assert!(
            TextEncoding::parse("latin1")
                .unwrap_err()
                .contains("auto, utf-8, gbk or gb18030")
        );
    }
}
