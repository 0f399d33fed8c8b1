//! Delimited text (CSV, TSV, pipe, semicolon) read as a stream of records with their
//! physical line numbers. Values are kept exactly as exported, as text.

use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use xxhash_rust::xxh3::Xxh3;

use crate::error::{EngineError, Result};
use crate::import::text::open_decoded;
use crate::import::{ReadOptions, Record, RecordSource, Table, display_name, header};

/// A record as read, with where it starts and whether a quote ran away in it.
struct Raw {
    record: csv::ByteRecord,
    line: u64,
    runaway: Option<usize>,
}

/// Open a delimited text file as a table, detecting encoding, delimiter and whether the
/// first row is a header unless given.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Table> {
    let size = std::fs::metadata(path)
        .map_err(|e| EngineError::io_at(path, "reading", e))?
        .len();
    let reader = DelimitedReader::open_with(path, options)?;
    let detected = format!(
        "{}, delimiter {}, {}",
        reader.encoding,
        match reader.delimiter {
            b'\t' => "tab".to_string(),
            d => format!("'{}'", d as char),
        },
        if reader.header_row {
            "header row"
        } else {
            "no header row (first row is data)"
        }
    );
    Ok(Table {
        sheet: None,
        detected,
        notes: Vec::new(),
        size,
        header_row: Some(reader.header_row),
        reader: Box::new(reader),
    })
}

pub struct DelimitedReader {
    file_name: String,
    reader: csv::Reader<LineCounter<Box<dyn Read>>>,
    record: csv::ByteRecord,
    pub header: Vec<String>,
    /// Whether the file's first row is the header (else the header names are generated
    /// and the first row is data).
    pub header_row: bool,
    pub delimiter: u8,
    pub encoding: &'static str,
    /// Records read ahead (to decide on the header) and not yet handed out.
    ahead: VecDeque<Raw>,
    lines: Arc<Mutex<LineIndex>>,
    raw_read: Arc<AtomicU64>,
}

impl RecordSource for DelimitedReader {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        DelimitedReader::next_record(self)
    }

    fn progress(&self) -> u64 {
        self.raw_read.load(Ordering::Relaxed)
    }

    fn read_into(&mut self, record: &mut Record) -> Result<bool> {
        DelimitedReader::read_into(self, record)
    }
}

impl DelimitedReader {
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, &ReadOptions::default())
    }

    pub fn open_with(path: &Path, options: &ReadOptions) -> Result<Self> {
        let file_name = display_name(path);
        let decoded = open_decoded(path, options.encoding.as_deref())?;
        let delimiter = options
            .delimiter
            .unwrap_or_else(|| sniff_delimiter(decoded.sample.as_bytes()));
        let lines = Arc::new(Mutex::new(LineIndex::default()));
        let counting = LineCounter {
            inner: decoded.reader,
            lines: lines.clone(),
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(counting);
        let mut this = DelimitedReader {
            file_name,
            reader,
            record: csv::ByteRecord::new(),
            header: Vec::new(),
            header_row: true,
            delimiter,
            encoding: decoded.encoding.name(),
            ahead: VecDeque::new(),
            lines,
            raw_read: decoded.raw_read,
        };
        let Some(first) = this.fetch()? else {
            return Err(EngineError::bad_input(
                &this.file_name,
                "the file has no header row",
            ));
        };
        let text = |r: &csv::ByteRecord| -> Vec<String> {
            r.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        };
        let first_fields = text(&first.record);
        this.header_row = match options.header_row {
            Some(given) => given,
            None => {
                while this.ahead.len() < header::SAMPLE_ROWS {
                    match this.fetch()? {
                        Some(raw) => this.ahead.push_back(raw),
                        None => break,
                    }
                }
                let below: Vec<Vec<String>> = this.ahead.iter().map(|r| text(&r.record)).collect();
                header::first_row_is_header(&first_fields, &below)
            }
        };
        if this.header_row {
            this.header = first_fields;
        } else {
            this.header = header::generated_names(first_fields.len());
            this.ahead.push_front(first);
        }
        Ok(this)
    }

    /// The next raw record with its line and whether an unterminated quote ran it to the
    /// end of the file (decided now: later reads move the reader on).
    fn fetch(&mut self) -> Result<Option<Raw>> {
        let mut record = csv::ByteRecord::new();
        let more = self
            .reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(&self.file_name, e))?;
        if !more {
            return Ok(None);
        }
        let (line, runaway) = self.locate(&record);
        Ok(Some(Raw {
            record,
            line,
            runaway,
        }))
    }

    /// The physical line `record` (just read) starts on, and the field an unterminated
    /// quote ran to the end of the file, if one did.
    fn locate(&self, record: &csv::ByteRecord) -> (u64, Option<usize>) {
        // The csv crate's own line numbers skip blank lines and miscount CRLF, so the
        // line comes from our own index of where each non-empty line starts.
        let line = match record.position() {
            Some(p) => self.line_at(p.byte(), p.line()),
            None => 0,
        };
        // An unterminated quote makes the csv reader take the rest of the file into one
        // field: nothing is lost, but the row must say so.
        let end = self.reader.position().byte();
        let runaway = if self
            .lines
            .lock()
            .is_ok_and(|l| l.quotes % 2 == 1 && l.offset == end)
        {
            record
                .iter()
                .position(|f| f.contains(&b'\n') || f.contains(&b'\r'))
        } else {
            None
        };
        (line, runaway)
    }

    pub fn bytes_read(&self) -> u64 {
        self.raw_read.load(Ordering::Relaxed)
    }

    /// The physical line a record starting at byte `start` begins on.
    fn line_at(&self, start: u64, fallback: u64) -> u64 {
        let Ok(mut index) = self.lines.lock() else {
            return fallback;
        };
        while index
            .starts
            .front()
            .is_some_and(|&(offset, _)| offset < start)
        {
            index.starts.pop_front();
        }
        index.starts.front().map_or(fallback, |&(_, line)| line)
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record>> {
        let mut record = Record::empty();
        Ok(if self.read_into(&mut record)? {
            Some(record)
        } else {
            None
        })
    }

    /// Read the next record into `rec`, reusing its strings.
    pub fn read_into(&mut self, rec: &mut Record) -> Result<bool> {
        let runaway;
        let record = if let Some(raw) = self.ahead.pop_front() {
            rec.line = raw.line;
            runaway = raw.runaway;
            self.record = raw.record;
            &self.record
        } else {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.file_name, e))?;
            if !more {
                return Ok(false);
            }
            let (line, found) = self.locate(&self.record);
            rec.line = line;
            runaway = found;
            &self.record
        };
        let width = self.header.len();
        let fields = record.len();
        let mut hasher = Xxh3::new();
        let mut bad_utf8: Vec<usize> = Vec::new();
        rec.values.resize(width, None);
        rec.extra.clear();
        for (i, field) in record.iter().enumerate() {
            hasher.update(&(field.len() as u64).to_le_bytes());
            hasher.update(field);
            let text = match std::str::from_utf8(field) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => {
                    bad_utf8.push(i);
                    String::from_utf8_lossy(field)
                }
            };
            if i < width {
                match &mut rec.values[i] {
                    Some(slot) => {
                        slot.clear();
                        slot.push_str(&text);
                    }
                    none => *none = Some(text.into_owned()),
                }
            } else {
                rec.extra.push(text.into_owned());
            }
        }
        for v in rec.values.iter_mut().skip(fields) {
            *v = None;
        }
        rec.hash = hasher.digest128().to_be_bytes();
        rec.flag = if fields == width && bad_utf8.is_empty() && runaway.is_none() {
            None
        } else {
            let mut flags = Vec::new();
            if fields != width {
                flags.push(format!("ragged: {fields} fields, header has {width}"));
            }
            if !bad_utf8.is_empty() {
                let names: Vec<String> = bad_utf8
                    .iter()
                    .map(|&i| {
                        self.header
                            .get(i)
                            .cloned()
                            .unwrap_or_else(|| format!("field {}", i + 1))
                    })
                    .collect();
                flags.push(format!(
                    "invalid UTF-8 in column {} (kept with U+FFFD)",
                    names.join(", ")
                ));
            }
            if let Some(i) = runaway {
                let column = self
                    .header
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("field {}", i + 1));
                flags.push(format!(
                    "unterminated quote in column {column}: the rest of the file was read into this field"
                ));
            }
            Some(flags.join("; "))
        };
        Ok(true)
    }
}

fn csv_error(file_name: &str, e: csv::Error) -> EngineError {
    let location = e
        .position()
        .map(|p| format!("line {}", p.line()))
        .unwrap_or_default();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => EngineError::io(format!("reading {file_name}"), io),
        other => EngineError::BadInput {
            file: file_name.to_string(),
            location,
            reason: format!("{other:?}"),
        },
    }
}

/// Pick the delimiter that splits the first line into the most fields, outside quotes.
pub fn sniff_delimiter(sample: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b'\t', b'|', b';'];
    let mut counts = [0usize; 4];
    let mut in_quotes = false;
    for &b in sample {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(i, n)| (*n, usize::MAX - i))
        .unwrap_or((0, &0));
    if *n == 0 { b',' } else { CANDIDATES[best] }
}

/// Where each non-empty physical line starts, for the stretch of the file the csv reader
/// has read ahead; entries are dropped as records pass them, so memory stays small.
#[derive(Default)]
struct LineIndex {
    /// `(byte offset, line number)` of each non-empty line start not yet passed.
    starts: VecDeque<(u64, u64)>,
    /// Bytes seen so far.
    offset: u64,
    line: u64,
    at_line_start: bool,
    after_cr: bool,
    started: bool,
    /// Quote characters seen: an odd count at the end means a quote was never closed.
    quotes: u64,
}

impl LineIndex {
    /// Line breaks are `\n`, `\r\n` or a lone `\r`.
    fn scan(&mut self, bytes: &[u8]) {
        if !self.started {
            self.started = true;
            self.line = 1;
            self.at_line_start = true;
        }
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => {
                    self.line += 1;
                    self.at_line_start = true;
                }
                b'\r' => {
                    self.line += 1;
                    self.at_line_start = true;
                    self.after_cr = true;
                }
                _ => {
                    if b == b'"' {
                        self.quotes += 1;
                    }
                    self.after_cr = false;
                    if self.at_line_start {
                        self.starts.push_back((self.offset, self.line));
                        self.at_line_start = false;
                    }
                }
            }
            self.offset += 1;
        }
    }
}

struct LineCounter<R> {
    inner: R,
    lines: Arc<Mutex<LineIndex>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut lines) = self.lines.lock() {
            lines.scan(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_sniffed_from_the_header_line() {
        for (sample, expected) in [
            (&b"a,b,c\n1,2,3"[..], b','),
            (b"a\tb\tc\n", b'\t'),
            (b"a|b|c\r\n", b'|'),
            (b"a;b;c", b';'),
            (b"\"x,y\"|b|c\n", b'|'),
            (b"single\n", b','),
        ] {
            assert_eq!(
                sniff_delimiter(sample) as char,
                expected as char,
                "sample {:?}",
                String::from_utf8_lossy(sample)
            );
        }
    }

    fn read_all(content: &[u8]) -> Result<(Vec<String>, Vec<Record>)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, content).unwrap();
        let mut r = DelimitedReader::open(&path)?;
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(rec);
        }
        Ok((r.header.clone(), out))
    }

    #[test]
    fn ragged_rows_are_kept_and_flagged_without_shifting() {
        let (header, rows) = read_all(b"A,B,C\n1,2\n1,2,3,4\n\"x\ny\",07030,z\n").unwrap();
        assert_eq!(header, ["A", "B", "C"]);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].values, [Some("1".into()), Some("2".into()), None]);
        assert_eq!(
            rows[0].flag.as_deref(),
            Some("ragged: 2 fields, header has 3")
        );
        assert_eq!(rows[1].extra, ["4"]);
        assert_eq!(rows[1].line, 3);
        assert_eq!(
            rows[2].values[0].as_deref(),
            Some("x\ny"),
            "embedded newline kept"
        );
        assert_eq!(
            rows[2].values[1].as_deref(),
            Some("07030"),
            "leading zero kept"
        );
        assert_eq!(rows[2].line, 4, "a record's line is where it starts");
        assert!(rows[2].flag.is_none());
    }

    #[test]
    fn lines_are_physical_lines_for_lf_and_crlf() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["A,B", "1,2", "\"x", "y\",3", "", "4,5", ""].join(ending);
            let (_, rows) = read_all(text.as_bytes()).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3, 6], "line ending {ending:?}");
        }
    }

    #[test]
    fn an_unterminated_quote_is_flagged_and_a_closed_one_is_not() {
        let (_, rows) = read_all(b"A,B\n1,\"open\n2,x\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].values[1].as_deref(),
            Some("open\n2,x\n"),
            "nothing is lost"
        );
        assert!(
            rows[0]
                .flag
                .as_deref()
                .unwrap_or("")
                .starts_with("unterminated quote in column B")
        );
        let (_, rows) = read_all(b"A,B\n1,\"closed\nacross lines\"").unwrap();
        assert!(
            rows[0].flag.is_none(),
            "a multi-line field that closes is fine"
        );
    }

    #[test]
    fn bom_is_stripped_and_bad_utf8_flagged() {
        let (header, rows) = read_all(b"\xEF\xBB\xBFMRN,NAME\n1,Caf\xE9\n").unwrap();
        assert_eq!(header, ["MRN", "NAME"]);
        assert_eq!(rows[0].values[1].as_deref(), Some("Caf\u{FFFD}"));
        assert!(rows[0].flag.as_deref().unwrap().contains("column NAME"));
    }

    #[test]
    fn unusable_files_are_errors_naming_the_file() {
        for (content, expected) in [
            (&b""[..], "t.csv: the file is empty"),
            (b"PK\x03\x04\x00\x00binary", "t.csv: not a text file"),
        ] {
            let err = read_all(content).expect_err("an error");
            assert!(err.to_string().starts_with(expected), "{err}");
        }
    }

    #[test]
    fn equal_rows_hash_equal_and_field_boundaries_matter() {
        let (_, rows) = read_all(b"A,B\nab,c\nab,c\na,bc\n").unwrap();
        assert_eq!(rows[0].hash, rows[1].hash);
        assert_ne!(rows[0].hash, rows[2].hash);
    }
}
