//! Import: reading legacy exports into staging tables, row by row, keeping every row
//! (ragged or badly encoded rows are kept and flagged, never dropped or shifted).
//!
//! Each format is a reader that yields a header and a stream of [`Record`]s; a file holds
//! one table (text formats) or one per sheet (workbooks). [`open`] picks the reader.

pub mod delimited;
pub mod excel;
pub mod header;
pub mod hl7;
pub mod ndjson;
pub mod text;

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{EngineError, Result};

/// The kinds of legacy export Cutover reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// CSV, TSV, pipe- or semicolon-delimited text.
    Delimited,
    /// xlsx, xlsm, xls, ods.
    Excel,
    /// HL7 v2 message archives (ADT, SIU, ORU, …).
    Hl7,
    /// FHIR NDJSON bulk export.
    Ndjson,
}

/// How to read a file; every field is optional and detected when absent.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub format: Option<FileFormat>,
    /// An encoding label (`utf-8`, `windows-1252`, `iso-8859-1`, `utf-16le`, …).
    pub encoding: Option<String>,
    pub delimiter: Option<u8>,
    /// Workbook sheets to read; empty means every sheet.
    pub sheets: Vec<String>,
    /// Whether a text file's first row is its header; detected when absent
    /// (see [`header`]).
    pub header_row: Option<bool>,
}

/// One legacy record, decoded, with everything needed to stage it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Where the record starts: the physical line (text formats), the sheet row (workbooks).
    pub line: u64,
    /// Values for the header's columns; `None` where the record is short.
    pub values: Vec<Option<String>>,
    /// Fields past the header's width.
    pub extra: Vec<String>,
    /// Why the record is marked, if it is.
    pub flag: Option<String>,
    /// xxh3-128 of the raw fields.
    pub hash: [u8; 16],
}

impl Record {
    /// A record from decoded fields, hashed and checked against the header's width.
    pub fn from_fields(
        line: u64,
        fields: Vec<String>,
        width: usize,
        mut flags: Vec<String>,
    ) -> Record {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for f in &fields {
            hasher.update(&(f.len() as u64).to_le_bytes());
            hasher.update(f.as_bytes());
        }
        let count = fields.len();
        let mut values = Vec::with_capacity(width);
        let mut extra = Vec::new();
        for (i, f) in fields.into_iter().enumerate() {
            if i < width {
                values.push(Some(f));
            } else {
                extra.push(f);
            }
        }
        values.resize(width, None);
        if count != width {
            flags.insert(0, format!("ragged: {count} fields, header has {width}"));
        }
        Record {
            line,
            values,
            extra,
            flag: if flags.is_empty() {
                None
            } else {
                Some(flags.join("; "))
            },
            hash: hasher.digest128().to_be_bytes(),
        }
    }
}

/// A stream of records with a header.
pub trait RecordSource {
    /// The header as found in the file (not yet made unique).
    fn header(&self) -> &[String];
    /// The next record, or `None` at the end.
    fn next_record(&mut self) -> Result<Option<Record>>;
    /// How far through the input the reader is, in the unit of [`Table::size`].
    fn progress(&self) -> u64;
    /// Read the next record into `record`, reusing its buffers; false at the end. The hot
    /// loop of an import calls this; readers override it to avoid allocating per field.
    fn read_into(&mut self, record: &mut Record) -> Result<bool> {
        match self.next_record()? {
            Some(r) => {
                *record = r;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

impl Record {
    pub fn empty() -> Record {
        Record {
            line: 0,
            values: Vec::new(),
            extra: Vec::new(),
            flag: None,
            hash: [0; 16],
        }
    }
}

/// One table of a legacy file.
pub struct Table {
    /// The sheet's name, for workbooks.
    pub sheet: Option<String>,
    /// What was detected or chosen, for people: "UTF-8", "windows-1252, delimiter ';'".
    pub detected: String,
    /// Things worth knowing that are not row problems (hidden sheet, merged cells).
    pub notes: Vec<String>,
    /// The total of [`RecordSource::progress`] at the end (file size, or rows).
    pub size: u64,
    /// Whether the first row was taken as the header, for delimited text (workbooks,
    /// HL7 and NDJSON have no choice to make).
    pub header_row: Option<bool>,
    pub reader: Box<dyn RecordSource>,
}

/// What a file looks like: the format by extension, confirmed by its first bytes.
pub fn detect_format(path: &Path) -> Result<FileFormat> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let head = text::head(path, 4096)?;
    let zip = head.starts_with(b"PK\x03\x04");
    let ole = head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    Ok(match ext.as_str() {
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => FileFormat::Excel,
        _ if zip || ole => FileFormat::Excel,
        "ndjson" | "jsonl" => FileFormat::Ndjson,
        "hl7" => FileFormat::Hl7,
        _ => {
            let start: Vec<u8> = head
                .iter()
                .copied()
                .skip_while(|b| {
                    b.is_ascii_whitespace() || *b == 0x0b || *b == 0xEF || *b == 0xBB || *b == 0xBF
                })
                .take(4)
                .collect();
            if start.starts_with(b"MSH|")
                || start.starts_with(b"FHS|")
                || start.starts_with(b"BHS|")
            {
                FileFormat::Hl7
            } else if start.first() == Some(&b'{') && ext == "json" {
                FileFormat::Ndjson
            } else {
                FileFormat::Delimited
            }
        }
    })
}

/// Open a legacy file as its tables.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Vec<Table>> {
    if !path.is_file() {
        return Err(EngineError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let format = match options.format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    match format {
        FileFormat::Delimited => Ok(vec![delimited::open(path, options)?]),
        FileFormat::Excel => excel::open(path, options),
        FileFormat::Hl7 => Ok(vec![hl7::open(path, options)?]),
        FileFormat::Ndjson => Ok(vec![ndjson::open(path, options)?]),
    }
}

/// Make header names usable and unique: blanks become `column_N`, repeats get `_2`, `_3`.
/// Returns `(name, raw_name)` pairs so the original header stays visible.
pub fn unique_header_names(raw: &[String]) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    raw.iter()
        .enumerate()
        .map(|(i, r)| {
            let trimmed = r.trim();
            let base = if trimmed.is_empty() {
                format!("column_{}", i + 1)
            } else {
                trimmed.to_string()
            };
            let mut name = base.clone();
            let mut k = 2;
            while !seen.insert(name.to_lowercase()) {
                name = format!("{base}_{k}");
                k += 1;
            }
            (name, r.clone())
        })
        .collect()
}

/// The file name, for messages.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_made_unique_and_blanks_named() {
        let raw: Vec<String> = ["MRN", "", "Name", "name", " DOB ", "MRN"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let names: Vec<String> = unique_header_names(&raw).into_iter().map(|p| p.0).collect();
        assert_eq!(names, ["MRN", "column_2", "Name", "name_2", "DOB", "MRN_2"]);
    }

    #[test]
    fn records_from_fields_keep_every_field() {
        let r = Record::from_fields(3, vec!["a".into(), "b".into(), "c".into()], 2, vec![]);
        assert_eq!(r.values, [Some("a".to_string()), Some("b".to_string())]);
        assert_eq!(r.extra, ["c"]);
        assert_eq!(r.flag.as_deref(), Some("ragged: 3 fields, header has 2"));
        let short = Record::from_fields(4, vec!["a".into()], 2, vec!["x".into()]);
        assert_eq!(short.values, [Some("a".to_string()), None]);
        assert_eq!(
            short.flag.as_deref(),
            Some("ragged: 1 fields, header has 2; x")
        );
    }

    #[test]
    fn formats_are_detected_by_extension_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8], FileFormat); 6] = [
            ("a.csv", b"A,B\n1,2\n", FileFormat::Delimited),
            ("a.txt", b"MSH|^~\\&|X\r", FileFormat::Hl7),
            ("a.dat", b"\x0bMSH|^~\\&|X\r\x1c\r", FileFormat::Hl7),
            (
                "a.ndjson",
                b"{\"resourceType\":\"Patient\"}\n",
                FileFormat::Ndjson,
            ),
            ("a.xlsx", b"PK\x03\x04rest", FileFormat::Excel),
            ("a.csv.bak", b"PK\x03\x04rest", FileFormat::Excel),
        ];
        for (name, content, expected) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, content).unwrap();
            assert_eq!(detect_format(&p).unwrap(), expected, "{name}");
        }
    }
}
