//! FHIR NDJSON bulk exports: one record per resource line.
//!
//! Columns: `resourceType`, `id`, `resource` (the line's JSON text exactly as written) and
//! `error` (empty when the line is a resource). A line that is not JSON, not an object, or
//! has no `resourceType` string is kept with its error and flagged; errors name the
//! problem and the column, never a value. Blank lines are skipped. Lines end with LF or
//! CRLF (a CR before the LF is not part of the resource).
//!
//! The file is decoded with [`text::open_decoded`] and streamed a line at a time; a single
//! line longer than 256 MiB is refused (an error naming its line) rather than held in
//! memory. `line` is the physical line; progress is raw bytes read.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;

use crate::error::{EngineError, Result};
use crate::import::hl7::Counting;
use crate::import::text::open_decoded;
use crate::import::{ReadOptions, Record, RecordSource, Table, display_name};

/// The columns of an NDJSON table.
pub const COLUMNS: [&str; 4] = ["resourceType", "id", "resource", "error"];

/// A line longer than this is refused.
pub const MAX_LINE_BYTES: usize = 256 * 1024 * 1024;

/// Open an NDJSON file as a table of resources.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Table> {
    let file_name = display_name(path);
    let size = std::fs::metadata(path)
        .map_err(|e| EngineError::io_at(path, "reading", e))?
        .len();
    let decoded = open_decoded(path, options.encoding.as_deref())?;
    let detected = format!("FHIR NDJSON, {}", decoded.encoding.name());
    let reader = NdjsonReader::with_progress(&file_name, decoded.reader, decoded.raw_read);
    Ok(Table {
        header_row: None,
        sheet: None,
        detected,
        notes: Vec::new(),
        size,
        reader: Box::new(reader),
    })
}

pub struct NdjsonReader {
    file_name: String,
    reader: BufReader<Box<dyn Read>>,
    header: Vec<String>,
    line: u64,
    buf: Vec<u8>,
    raw_read: Arc<AtomicU64>,
}

impl NdjsonReader {
    /// A reader over UTF-8 bytes; progress counts the bytes it consumes.
    pub fn from_reader(file_name: &str, reader: impl Read + 'static) -> Self {
        let raw_read = Arc::new(AtomicU64::new(0));
        let counting = Counting {
            inner: reader,
            count: raw_read.clone(),
        };
        Self::with_progress(file_name, Box::new(counting), raw_read)
    }

    fn with_progress(file_name: &str, reader: Box<dyn Read>, raw_read: Arc<AtomicU64>) -> Self {
        NdjsonReader {
            file_name: file_name.to_string(),
            reader: BufReader::with_capacity(64 * 1024, reader),
            header: COLUMNS.iter().map(|c| c.to_string()).collect(),
            line: 0,
            buf: Vec::new(),
            raw_read,
        }
    }

    /// Read one physical line into `self.buf` (without its line break); false at the end.
    fn read_line(&mut self) -> Result<bool> {
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 2;
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| EngineError::io(format!("reading {}", self.file_name), e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        } else if n as u64 >= limit {
            return Err(EngineError::BadInput {
                file: self.file_name.clone(),
                location: format!("line {}", self.line),
                reason: format!(
                    "a line longer than {} MiB; refusing to hold it in memory",
                    MAX_LINE_BYTES / (1024 * 1024)
                ),
            });
        }
        Ok(true)
    }

    /// The next resource line, or `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<Record>> {
        loop {
            if !self.read_line()? {
                return Ok(None);
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let mut flags = Vec::new();
            let text = match std::str::from_utf8(&self.buf) {
                Ok(t) => t.to_string(),
                Err(_) => {
                    flags.push("invalid UTF-8 in column resource (kept with U+FFFD)".to_string());
                    String::from_utf8_lossy(&self.buf).into_owned()
                }
            };
            let (resource_type, id, error) = match inspect(&text) {
                Ok((t, id)) => (t, id, String::new()),
                Err(e) => {
                    flags.insert(0, format!("NDJSON: {e}"));
                    (String::new(), String::new(), e)
                }
            };
            return Ok(Some(Record::from_fields(
                self.line,
                vec![resource_type, id, text, error],
                COLUMNS.len(),
                flags,
            )));
        }
    }
}

impl RecordSource for NdjsonReader {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        self.next_line()
    }

    fn progress(&self) -> u64 {
        self.raw_read.load(Ordering::Relaxed)
    }
}

/// Only the members we show; the rest of the object is checked for syntax and skipped.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "resourceType")]
    resource_type: Option<serde_json::Value>,
    id: Option<serde_json::Value>,
}

/// `(resourceType, id)` of a resource line, or why it is not a resource (never quoting a
/// value).
pub fn inspect(line: &str) -> std::result::Result<(String, String), String> {
    let trimmed = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if !trimmed.starts_with('{') {
        // Is it JSON at all?
        return Err(
            match serde_json::from_str::<serde::de::IgnoredAny>(trimmed) {
                Ok(_) => "not a JSON object",
                Err(_) => "not JSON",
            }
            .to_string(),
        );
    }
    let head: Head = serde_json::from_str(trimmed).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => {
            "not JSON: the line ends inside the object (truncated?)".to_string()
        }
        serde_json::error::Category::Data => {
            // Only a repeated member gets here (every member is read as any value).
            "not a valid resource: a member is repeated".to_string()
        }
        _ => format!("not JSON: syntax error at column {}", e.column()),
    })?;
    let resource_type = match head.resource_type {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s,
        Some(serde_json::Value::String(_)) => return Err("resourceType is empty".to_string()),
        Some(_) => return Err("resourceType is not a string".to_string()),
        None => return Err("no resourceType".to_string()),
    };
    let id = match head.id {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s,
        Some(_) => return Err("id is not a string".to_string()),
    };
    Ok((resource_type, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_inspected_without_quoting_values() {
        for (line, expected) in [
            (
                r#"{"resourceType":"Patient","id":"p1","name":[{"family":"Muñoz"}]}"#,
                Ok(("Patient", "p1")),
            ),
            (r#"{"resourceType":"Observation"}"#, Ok(("Observation", ""))),
            (r#"{"id":"secret"}"#, Err("no resourceType")),
            (r#"{"resourceType":7}"#, Err("resourceType is not a string")),
            (r#"{"resourceType":""}"#, Err("resourceType is empty")),
            (
                r#"{"resourceType":"Patient","id":12}"#,
                Err("id is not a string"),
            ),
            (r#"["secret"]"#, Err("not a JSON object")),
            ("secret", Err("not JSON")),
            (
                r#"{"resourceType":"Patient","id":"#,
                Err("not JSON: the line ends inside the object (truncated?)"),
            ),
            (
                r#"{"resourceType":"Patient" "id":"x"}"#,
                Err("not JSON: syntax error at column 27"),
            ),
            (
                r#"{"resourceType":"Patient","id":"a","id":"b"}"#,
                Err("not a valid resource: a member is repeated"),
            ),
            (
                r#"{"resourceType":"Patient"} trailing"#,
                Err("not JSON: syntax error at column 28"),
            ),
        ] {
            let got = inspect(line);
            let got = got
                .as_ref()
                .map(|(t, i)| (t.as_str(), i.as_str()))
                .map_err(|e| e.as_str());
            assert_eq!(got, expected, "{line}");
        }
    }

    #[test]
    fn lines_are_physical_and_blank_lines_skipped() {
        let text = b"{\"resourceType\":\"Patient\",\"id\":\"a\"}\r\n\r\n  \n{bad\n{\"resourceType\":\"Observation\",\"id\":\"o\"}";
        let mut r = NdjsonReader::from_reader("t.ndjson", std::io::Cursor::new(text.to_vec()));
        let mut got = Vec::new();
        while let Some(rec) = r.next_line().unwrap() {
            got.push((rec.line, rec.values[0].clone().unwrap(), rec.flag.clone()));
        }
        assert_eq!(
            got,
            [
                (1, "Patient".to_string(), None),
                (
                    4,
                    String::new(),
                    Some("NDJSON: not JSON: syntax error at column 2".to_string())
                ),
                (5, "Observation".to_string(), None),
            ]
        );
        assert_eq!(r.progress(), text.len() as u64);
    }
}
