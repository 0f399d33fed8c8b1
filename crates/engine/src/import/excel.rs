//! Excel and OpenDocument workbooks (xlsx, xlsm, xlsb, xls, ods) via calamine: one table
//! per worksheet.
//!
//! ## What a table holds
//! - `sheet` is the sheet's name; the header is the sheet's first non-empty row and the
//!   table's columns start at that row's first cell (or the sheet's declared first
//!   column, if further left). `line` is the 1-based sheet row; empty rows are skipped.
//! - Values are text, as a person sees them: strings as they are; whole numbers without
//!   `.0`; other numbers in shortest round-trip form (`0.1`, `1234.5678`); booleans
//!   `TRUE`/`FALSE`; error cells as Excel shows them (`#DIV/0!`, `#N/A`, …), the row
//!   flagged naming the column. Formulas are read by their cached value.
//! - Dates, times and date-times (recognised by the cell's number format; xls by the
//!   value when the format says only "a date") are ISO 8601 text: `2024-03-14`,
//!   `09:30:00`, `2024-03-14T09:30:00` (milliseconds when not zero); durations
//!   (`[h]:mm:ss`) as `36:15:00`. A date outside Excel's range (before 1900 or after 9999)
//!   keeps its serial number as text and is flagged.
//! - **Raw serials** are kept next to the ISO text: each column holding Excel date cells
//!   gets a companion column `<name>__excel_serial`, appended after the sheet's own
//!   columns, holding the cell's serial number (`45365.395833333336`) and empty where the
//!   cell is not a date. For xls the whole sheet decides which columns get one; for xlsx
//!   and xlsb the header row and the first 1,000 data rows do (a date further down in
//!   another column keeps only its ISO text, which gives the serial to the millisecond).
//!   ODS stores ISO dates, not serials: no companions.
//! - A row with cells right of the header's last column keeps them (in `extra`) and is
//!   flagged ragged; a short row is not ragged (its empty cells are just empty).
//! - Hidden and very hidden sheets are read, and said so in `notes`; so are merged cells
//!   (xlsx, xls: "merged cells A1:C1, B5:B6"), a header not on row 1, and date
//!   companions. Chart and macro sheets are skipped (noted); so are empty sheets.
//! - `detected` is "xlsx workbook" (or xlsm, xlsb, xls, ods). Progress counts sheet rows;
//!   `size` is the sheet's last row (for xlsx and xlsb as the sheet's `<dimension>`
//!   declares it; a sheet that declares none, as some exporters write, is counted when
//!   opened: one extra streamed pass).
//!
//! ## Memory and hostile files
//! - The format is recognised by content, not extension: a zip holding
//!   `[Content_Types].xml` (xlsx, xlsm), `xl/workbook.bin` (xlsb) or `content.xml` and
//!   `mimetype` (ods); an OLE compound file with a `Workbook` stream (xls).
//! - xlsx and xlsb sheets are **streamed** a row at a time (a reader thread per sheet,
//!   started on the first read, rows handed over through a small bounded channel), so
//!   their size is limited only by time. A cell beyond column XFD is refused.
//! - xls and ods are read whole by calamine, so they are checked **before** reading: an
//!   xls sheet's declared and actual extent (from its BIFF records) and an ods sheet's
//!   extent after row/column repeats (from `content.xml`, streamed) must stay within
//!   [`MAX_CELLS`] cells per sheet and [`MAX_WORKBOOK_CELLS`] for the workbook.
//! - Every zip part's declared uncompressed size (which the zip reader enforces) is
//!   checked first: a part over [`MAX_PART_BYTES`], all parts over [`MAX_TOTAL_BYTES`],
//!   or a part over 16 MiB compressed more than [`MAX_RATIO`]:1 (a zip bomb) is refused.
//! - A workbook that panics the reader is reported as damaged, never a crash.
//!
//! Errors never quote cell values; they name the file, sheet, row and column.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{
    CellErrorType, Data, DataRef, Dimensions, ExcelDateTime, Reader, SheetType, SheetVisible,
    Sheets, Xls, Xlsb, Xlsx, open_workbook,
};

use crate::error::{EngineError, Result};
use crate::import::{ReadOptions, Record, RecordSource, Table, display_name, text};

/// Cells per sheet read into memory (xls, ods), counting empty cells inside the extent.
pub const MAX_CELLS: u64 = 5_000_000;
/// Cells per workbook read into memory (xls, ods).
pub const MAX_WORKBOOK_CELLS: u64 = 20_000_000;
/// The largest declared uncompressed size of one zip part.
pub const MAX_PART_BYTES: u64 = 1 << 30;
/// The largest declared uncompressed size of all zip parts together.
pub const MAX_TOTAL_BYTES: u64 = 4 << 30;
/// The highest compression ratio of a part over 16 MiB.
pub const MAX_RATIO: u64 = 100;
/// Excel's last column (XFD), 0-based + 1.
const MAX_COLUMNS: u32 = 16_384;
/// Data rows read when opening a streamed sheet to find its date columns.
const DATE_SAMPLE_ROWS: usize = 1_000;
/// Rows buffered between a sheet's reader thread and the import.
const CHANNEL_ROWS: usize = 64;

/// The workbook formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Xlsm,
    Xlsb,
    Xls,
    Ods,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Xlsx => "xlsx",
            Kind::Xlsm => "xlsm",
            Kind::Xlsb => "xlsb",
            Kind::Xls => "xls",
            Kind::Ods => "ods",
        }
    }

    fn streamed(self) -> bool {
        matches!(self, Kind::Xlsx | Kind::Xlsm | Kind::Xlsb)
    }
}

/// Open a workbook as one table per worksheet (or per sheet in `options.sheets`).
pub fn open(path: &Path, options: &ReadOptions) -> Result<Vec<Table>> {
    let file_name = display_name(path);
    let kind = sniff(path, &file_name)?;
    guarded(&file_name, || match kind {
        k if k.streamed() => open_streamed(path, &file_name, k, options),
        k => open_in_memory(path, &file_name, k, options),
    })
}

/// Run `f`, turning a panic inside the workbook reader into a damaged-workbook error.
fn guarded<T>(file_name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => Err(EngineError::bad_input(
            file_name,
            "not a readable workbook: it is damaged in a way the workbook reader cannot handle",
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Recognising the format and refusing hostile files before calamine reads them.

/// What kind of workbook the file is, after checking it is safe to read.
pub fn sniff(path: &Path, file_name: &str) -> Result<Kind> {
    let head = text::head(path, 4096)?;
    if head.is_empty() {
        return Err(EngineError::bad_input(file_name, "the file is empty"));
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return guarded(file_name, || check_zip(path, file_name));
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        guarded(file_name, || check_xls(path, file_name))?;
        return Ok(Kind::Xls);
    }
    let texty = !head.contains(&0)
        && head
            .iter()
            .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
            .count()
            * 10
            >= head.len() * 9;
    Err(EngineError::bad_input(
        file_name,
        if texty {
            "not a workbook: the file is text (a CSV or HTML table saved with a workbook extension?); import it as delimited text"
        } else {
            "not a workbook: neither a zip-based workbook (xlsx, xlsm, xlsb, ods) nor an Excel 97-2003 (xls) file"
        },
    ))
}

fn check_zip(path: &Path, file_name: &str) -> Result<Kind> {
    let file = File::open(path).map_err(|e| EngineError::io_at(path, "opening", e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|_| {
        EngineError::bad_input(
            file_name,
            "not a readable workbook: the zip archive is damaged or truncated",
        )
    })?;
    let mut names = BTreeSet::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|_| {
            EngineError::bad_input(
                file_name,
                "not a readable workbook: the zip archive is damaged or truncated",
            )
        })?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if size > MAX_PART_BYTES {
            return Err(EngineError::bad_input(
                file_name,
                format!(
                    "refused: workbook part '{name}' expands to {} MiB, more than the {} MiB this version reads (a zip bomb?)",
                    size >> 20,
                    MAX_PART_BYTES >> 20
                ),
            ));
        }
        if size > 16 << 20 && size / packed > MAX_RATIO {
            return Err(EngineError::bad_input(
                file_name,
                format!(
                    "refused: workbook part '{name}' expands from {} KiB to {} MiB ({}:1), far more than real workbooks compress (a zip bomb?)",
                    packed >> 10,
                    size >> 20,
                    size / packed
                ),
            ));
        }
        names.insert(name.to_ascii_lowercase());
    }
    if total > MAX_TOTAL_BYTES {
        return Err(EngineError::bad_input(
            file_name,
            format!(
                "refused: the workbook's parts expand to {} MiB, more than the {} MiB this version reads (a zip bomb?)",
                total >> 20,
                MAX_TOTAL_BYTES >> 20
            ),
        ));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if names.contains("content.xml") && names.contains("mimetype") {
        check_ods(&mut zip, file_name)?;
        Ok(Kind::Ods)
    } else if names.iter().any(|n| n.ends_with("workbook.bin")) {
        Ok(Kind::Xlsb)
    } else if names.contains("[content_types].xml")
        && names.iter().any(|n| n.ends_with("workbook.xml"))
    {
        Ok(if ext == "xlsm" {
            Kind::Xlsm
        } else {
            Kind::Xlsx
        })
    } else {
        Err(EngineError::bad_input(
            file_name,
            "a zip archive, but not a workbook: no xl/workbook.xml or content.xml inside",
        ))
    }
}

fn too_many_cells(file_name: &str, what: &str, cells: u64, limit: u64) -> EngineError {
    EngineError::bad_input(
        file_name,
        format!(
            "refused: {what} spans {cells} cells, more than the {limit} this version reads from xls and ods workbooks; save it as xlsx or CSV"
        ),
    )
}

/// An ods sheet's extent after repeats, from `content.xml`, streamed.
fn check_ods<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, file_name: &str) -> Result<()> {
    use quick_xml::events::{BytesStart, Event};
    let damaged = || {
        EngineError::bad_input(
            file_name,
            "not a readable workbook: the ods content is damaged",
        )
    };
    let content = zip.by_name("content.xml").map_err(|_| damaged())?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut buf = Vec::new();
    fn repeats(e: &BytesStart<'_>, name: &str, cap: u64) -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.value.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .clamp(1, cap)
    }
    fn valued(e: &BytesStart<'_>) -> bool {
        e.attributes().flatten().any(|a| {
            matches!(
                a.key.as_ref(),
                "office:value-type" | "table:formula" | "calcext:value-type"
            )
        })
    }
    let (mut sheet, mut total) = (0u64, 0u64);
    // Per sheet: current row, first and last non-empty rows, widest non-empty extent.
    let (mut row, mut first, mut last, mut width) = (0u64, None::<u64>, 0u64, 0u64);
    // Per row: repeats, current column, non-empty extent.
    let (mut row_repeats, mut col, mut row_width) = (1u64, 0u64, 0u64);
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(|_| damaged())?;
        let is_start = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table" => {
                sheet += 1;
                (row, first, last, width) = (0, None, 0, 0);
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row_repeats = repeats(&e, "table:number-rows-repeated", 1_048_576);
                (col, row_width) = (0, 0);
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let n = repeats(&e, "table:number-columns-repeated", MAX_COLUMNS as u64);
                let non_empty = valued(&e) || is_start;
                col = col.saturating_add(n).min(MAX_COLUMNS as u64);
                if non_empty {
                    row_width = row_width.max(col);
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if row_width > 0 {
                    first.get_or_insert(row);
                    last = row + row_repeats - 1;
                    width = width.max(row_width);
                }
                row = row.saturating_add(row_repeats).min(1_048_576);
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                let cells = first.map_or(0, |f| (last + 1 - f.min(last)) * width);
                if cells > MAX_CELLS {
                    return Err(too_many_cells(
                        file_name,
                        &format!("sheet {sheet}"),
                        cells,
                        MAX_CELLS,
                    ));
                }
                total = total.saturating_add(cells);
                if total > MAX_WORKBOOK_CELLS {
                    return Err(too_many_cells(
                        file_name,
                        "the workbook",
                        total,
                        MAX_WORKBOOK_CELLS,
                    ));
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// An xls file's sheets' extents, from the BIFF records of its Workbook stream.
fn check_xls(path: &Path, file_name: &str) -> Result<()> {
    let damaged = |what: &str| {
        EngineError::bad_input(
            file_name,
            format!("not a readable workbook: the Excel 97-2003 file is damaged ({what})"),
        )
    };
    let file = File::open(path).map_err(|e| EngineError::io_at(path, "opening", e))?;
    let mut cf = cfb::CompoundFile::open(BufReader::new(file))
        .map_err(|_| damaged("its compound-file structure is broken or truncated"))?;
    let Some(stream) = ["/Workbook", "/Book", "/WORKBOOK", "/BOOK"]
        .into_iter()
        .find(|s| cf.is_stream(s))
    else {
        return Err(EngineError::bad_input(
            file_name,
            "an OLE compound file (a Word or other Office document?), but not an Excel workbook: no Workbook stream",
        ));
    };
    let stream = cf
        .open_stream(stream)
        .map_err(|_| damaged("the Workbook stream cannot be read"))?;
    let mut r = BufReader::new(stream);
    let mut data = vec![0u8; 0xFFFF];
    let (mut depth, mut sheet, mut total) = (0usize, 0u64, 0u64);
    let mut ext: Option<(u32, u32, u32, u32)> = None;
    let mut declared = 0u64;
    let u16_at = |d: &[u8], i: usize| -> u32 {
        d.get(i..i + 2)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as u32)
    };
    let u32_at = |d: &[u8], i: usize| -> u32 {
        d.get(i..i + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    loop {
        let mut hdr = [0u8; 4];
        if r.read_exact(&mut hdr).is_err() {
            return Ok(());
        }
        let typ = u16::from_le_bytes([hdr[0], hdr[1]]);
        let len = u16::from_le_bytes([hdr[2], hdr[3]]) as usize;
        let Some(d) = data.get_mut(..len) else {
            return Ok(());
        };
        if r.read_exact(d).is_err() {
            return Ok(());
        }
        let d: &[u8] = d;
        let mut cell = |row: u32, c0: u32, c1: u32| {
            let e = ext.get_or_insert((row, row, c0, c1));
            *e = (e.0.min(row), e.1.max(row), e.2.min(c0), e.3.max(c1));
        };
        match typ {
            0x0809 => {
                depth += 1;
                if depth == 1 {
                    sheet += 1;
                    ext = None;
                    declared = 0;
                }
            }
            0x000A => {
                if depth == 1 {
                    let actual = ext.map_or(0, |(r0, r1, c0, c1)| {
                        (r1 - r0 + 1) as u64 * (c1 - c0 + 1) as u64
                    });
                    let cells = actual.max(declared);
                    // The first substream is the workbook globals, not a sheet.
                    let what = format!("sheet {}", sheet.saturating_sub(1));
                    if cells > MAX_CELLS {
                        return Err(too_many_cells(file_name, &what, cells, MAX_CELLS));
                    }
                    total = total.saturating_add(cells);
                    if total > MAX_WORKBOOK_CELLS {
                        return Err(too_many_cells(
                            file_name,
                            "the workbook",
                            total,
                            MAX_WORKBOOK_CELLS,
                        ));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            _ if depth != 1 => {}
            // DIMENSIONS: what calamine reserves memory for.
            0x0200 => {
                let (rf, rl, cf, cl) = match d.len() {
                    10 => (u16_at(d, 0), u16_at(d, 2), u16_at(d, 4), u16_at(d, 6)),
                    14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
                    _ => continue,
                };
                if rl < rf {
                    return Err(damaged("a sheet declares a negative number of rows"));
                }
                let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                declared = (rl - rf + 1) as u64 * (cl.saturating_sub(cf) + 1) as u64;
            }
            // Cells: Number, Label, LabelSst, Rk, BoolErr, Formula, RString.
            0x0203 | 0x0204 | 0x00FD | 0x027E | 0x0205 | 0x0006 | 0x00D6 if d.len() >= 4 => {
                let (row, col) = (u16_at(d, 0), u16_at(d, 2));
                cell(row, col, col);
            }
            // MulRk: row, first column, …, last column.
            0x00BD if d.len() >= 6 => {
                let row = u16_at(d, 0);
                let c0 = u16_at(d, 2);
                let c1 = u16_at(d, d.len() - 2).max(c0);
                cell(row, c0, c1);
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Cells as text.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateKind {
    Date,
    Time,
    DateTime,
}

/// One cell, as text.
#[derive(Debug, Clone, PartialEq)]
struct CellText {
    text: String,
    /// The Excel serial of a date, time or date-time cell.
    serial: Option<f64>,
    error: bool,
    out_of_range: bool,
}

impl CellText {
    fn plain(text: String) -> Self {
        CellText {
            text,
            serial: None,
            error: false,
            out_of_range: false,
        }
    }
}

/// A view of calamine's two cell types.
enum Value<'a> {
    Empty,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(&'a ExcelDateTime),
    Iso(&'a str),
    Duration(&'a str),
    Error(&'a CellErrorType),
}

impl<'a> From<&'a Data> for Value<'a> {
    fn from(d: &'a Data) -> Self {
        match d {
            Data::Empty => Value::Empty,
            Data::String(s) => Value::Str(s),
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            Data::Bool(b) => Value::Bool(*b),
            Data::DateTime(dt) => Value::Date(dt),
            Data::DateTimeIso(s) => Value::Iso(s),
            Data::DurationIso(s) => Value::Duration(s),
            Data::Error(e) => Value::Error(e),
        }
    }
}

impl<'a> From<&'a DataRef<'_>> for Value<'a> {
    fn from(d: &'a DataRef<'_>) -> Self {
        match d {
            DataRef::Empty => Value::Empty,
            DataRef::String(s) => Value::Str(s),
            DataRef::SharedString(s) => Value::Str(s),
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::Bool(b) => Value::Bool(*b),
            DataRef::DateTime(dt) => Value::Date(dt),
            DataRef::DateTimeIso(s) => Value::Iso(s),
            DataRef::DurationIso(s) => Value::Duration(s),
            DataRef::Error(e) => Value::Error(e),
        }
    }
}

/// A cell as text; `None` for an empty cell. `kind` is what the number format says.
fn cell_text(v: Value<'_>, kind: Option<DateKind>) -> Option<CellText> {
    Some(match v {
        Value::Empty => return None,
        Value::Str("") => return None,
        Value::Str(s) => CellText::plain(s.to_string()),
        Value::Int(i) => CellText::plain(i.to_string()),
        Value::Float(f) => CellText::plain(float_text(f)),
        Value::Bool(b) => CellText::plain(if b { "TRUE" } else { "FALSE" }.to_string()),
        Value::Date(dt) => date_text(dt, kind),
        Value::Iso(s) => CellText::plain(s.to_string()),
        Value::Duration(s) => CellText::plain(iso_duration_text(s)),
        Value::Error(e) => CellText {
            text: e.to_string(),
            serial: None,
            error: true,
            out_of_range: false,
        },
    })
}

/// Whole numbers without `.0`, others in shortest round-trip form.
pub fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn date_text(dt: &ExcelDateTime, kind: Option<DateKind>) -> CellText {
    let serial = dt.as_f64();
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return CellText {
            text: float_text(serial),
            serial: Some(serial),
            error: false,
            out_of_range: true,
        };
    }
    let text = if dt.is_duration() {
        let ms = (serial * 86_400_000.0).round() as u64;
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        with_millis(format!("{h:02}:{m:02}:{s:02}"), milli as u16)
    } else {
        let (y, mo, d, h, mi, s, milli) = dt.to_ymd_hms_milli();
        let date = format!("{y:04}-{mo:02}-{d:02}");
        let time = with_millis(format!("{h:02}:{mi:02}:{s:02}"), milli);
        let kind = kind.unwrap_or(if serial.fract() == 0.0 {
            DateKind::Date
        } else if serial < 1.0 {
            DateKind::Time
        } else {
            DateKind::DateTime
        });
        match kind {
            DateKind::Date => date,
            DateKind::Time => time,
            DateKind::DateTime => format!("{date}T{time}"),
        }
    };
    CellText {
        text,
        serial: Some(serial),
        error: false,
        out_of_range: false,
    }
}

fn with_millis(hms: String, milli: u16) -> String {
    if milli == 0 {
        hms
    } else {
        format!("{hms}.{milli:03}")
    }
}

/// ODS times come as ISO durations (`PT09H30M00S`): shown as `09:30:00`.
fn iso_duration_text(s: &str) -> String {
    let parse = || -> Option<String> {
        let rest = s.strip_prefix("PT")?;
        let (h, rest) = rest.split_once('H')?;
        let (m, rest) = rest.split_once('M')?;
        let sec = rest.strip_suffix('S')?;
        let h: u64 = h.parse().ok()?;
        let m: u64 = m.parse().ok()?;
        let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
        let whole: u64 = whole.parse().ok()?;
        let frac = frac.trim_end_matches('0');
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let base = format!("{h:02}:{m:02}:{whole:02}");
        Some(if frac.is_empty() {
            base
        } else {
            format!("{base}.{frac}")
        })
    };
    parse().unwrap_or_else(|| s.to_string())
}

/// What a number format shows: a date, a time, both, or neither.
fn date_kind_of_format(code: &str) -> Option<DateKind> {
    let section = code.split(';').next().unwrap_or_default();
    let mut plain = String::new();
    let mut chars = section.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '[' => {
                // [h], [mm], [ss] are elapsed time; colours and locales are skipped.
                let inner: String = chars.by_ref().take_while(|&q| q != ']').collect();
                let lower = inner.to_ascii_lowercase();
                if lower.chars().all(|q| matches!(q, 'h' | 'm' | 's')) {
                    plain.push_str(&lower);
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            c => plain.push(c.to_ascii_lowercase()),
        }
    }
    let has_time = plain.contains('h') || plain.contains('s');
    let has_date = plain.contains('y') || plain.contains('d') || (plain.contains('m') && !has_time);
    match (has_date, has_time) {
        (true, true) => Some(DateKind::DateTime),
        (true, false) => Some(DateKind::Date),
        (false, true) => Some(DateKind::Time),
        (false, false) => None,
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column.
fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

fn range_name(d: &Dimensions) -> String {
    let a = format!("{}{}", column_letters(d.start.1), d.start.0 as u64 + 1);
    if d.start == d.end {
        a
    } else {
        format!("{a}:{}{}", column_letters(d.end.1), d.end.0 as u64 + 1)
    }
}

/// Why calamine could not read a workbook, without its message (which may quote data):
/// the error's variant names only.
fn reader_failure(file_name: &str, e: &impl Debug) -> EngineError {
    let debug = format!("{e:?}");
    let path: Vec<&str> = debug
        .split('(')
        .map(str::trim)
        .take_while(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .take(4)
        .collect();
    if path.iter().any(|p| p.contains("Password")) {
        return EngineError::bad_input(
            file_name,
            "the workbook is password-protected; save an unprotected copy and import that",
        );
    }
    EngineError::bad_input(
        file_name,
        format!(
            "not a readable workbook: the workbook reader failed ({})",
            if path.is_empty() {
                "unknown error".to_string()
            } else {
                path.join(" / ")
            }
        ),
    )
}

// ---------------------------------------------------------------------------------------
// Sheets and tables.

/// Which sheets to read, in workbook order; notes about skipped sheets go to `notes`.
fn select_sheets(
    file_name: &str,
    metas: &[calamine::Sheet],
    wanted: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<calamine::Sheet>> {
    for w in wanted {
        match metas.iter().find(|m| m.name == *w) {
            None => {
                let list: Vec<String> = metas.iter().map(|m| format!("'{}'", m.name)).collect();
                return Err(EngineError::bad_input(
                    file_name,
                    format!("no sheet named '{w}' (sheets: {})", list.join(", ")),
                ));
            }
            Some(m) if m.typ != SheetType::WorkSheet => {
                return Err(EngineError::bad_input(
                    file_name,
                    format!("sheet '{w}' is a {:?}, not a worksheet with rows", m.typ),
                ));
            }
            Some(_) => {}
        }
    }
    let mut out = Vec::new();
    for m in metas {
        if !wanted.is_empty() && !wanted.contains(&m.name) {
            continue;
        }
        if m.typ != SheetType::WorkSheet {
            notes.push(format!("sheet '{}' skipped: a {:?}", m.name, m.typ));
            continue;
        }
        out.push(m.clone());
    }
    Ok(out)
}

fn sheet_notes(meta: &calamine::Sheet, merged: &[Dimensions]) -> Vec<String> {
    let mut notes = Vec::new();
    match meta.visible {
        SheetVisible::Visible => {}
        SheetVisible::Hidden => notes.push(format!("sheet '{}' is hidden", meta.name)),
        SheetVisible::VeryHidden => notes.push(format!(
            "sheet '{}' is very hidden (only macros can show it)",
            meta.name
        )),
    }
    if !merged.is_empty() {
        let mut names: Vec<String> = merged.iter().take(20).map(range_name).collect();
        if merged.len() > 20 {
            names.push(format!("and {} more", merged.len() - 20));
        }
        notes.push(format!("merged cells {}", names.join(", ")));
    }
    notes
}

/// A row of a sheet: its 0-based row index and its non-empty cells by 0-based column.
type Row = (u32, Vec<(u32, CellText)>);

/// How a sheet's rows become records.
#[derive(Debug, Clone)]
struct Layout {
    /// The sheet column of the table's first column.
    origin: u32,
    /// The sheet's own columns.
    width: usize,
    /// Sheet-relative column indexes (into the first `width`) with a serial companion.
    companions: Vec<usize>,
    /// The header: the sheet's own columns, then the companions.
    header: Vec<String>,
}

impl Layout {
    fn new(header_row: &Row, date_cols: &BTreeSet<u32>, dims: Option<&Dimensions>) -> Layout {
        let cells = &header_row.1;
        let first = cells.iter().map(|(c, _)| *c).min().unwrap_or(0);
        let origin = dims.map_or(first, |d| d.start.1.min(first));
        let last = cells.iter().map(|(c, _)| *c).max().unwrap_or(origin);
        let width = (last - origin + 1) as usize;
        let mut header = vec![String::new(); width];
        for (c, v) in cells {
            if let Some(h) = header.get_mut((c - origin) as usize) {
                h.clone_from(&v.text);
            }
        }
        let companions: Vec<usize> = date_cols
            .iter()
            .filter(|&&c| c >= origin && ((c - origin) as usize) < width)
            .map(|&c| (c - origin) as usize)
            .collect();
        for &i in &companions {
            let base = header
                .get(i)
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| format!("column_{}", i + 1));
            header.push(format!("{base}__excel_serial"));
        }
        Layout {
            origin,
            width,
            companions,
            header,
        }
    }

    fn notes(&self, header_line: u64) -> Vec<String> {
        let mut notes = Vec::new();
        if header_line > 1 {
            notes.push(format!("header is sheet row {header_line}"));
        }
        if !self.companions.is_empty() {
            let names: Vec<&str> = self.header[self.width..]
                .iter()
                .map(String::as_str)
                .collect();
            notes.push(format!(
                "dates shown as ISO 8601; Excel serials kept in {}",
                names.join(", ")
            ));
        }
        notes
    }

    fn column_name(&self, i: usize) -> String {
        match self.header.get(i).map(|h| h.trim()) {
            Some(h) if !h.is_empty() => h.to_string(),
            _ => format!("column_{}", i + 1),
        }
    }

    fn record(&self, row: Row) -> Record {
        let (r, cells) = row;
        let mut fields = vec![String::new(); self.width];
        let mut serials = vec![String::new(); self.companions.len()];
        let mut beyond: BTreeMap<u32, String> = BTreeMap::new();
        let mut left = Vec::new();
        let mut errors = Vec::new();
        let mut out_of_range = Vec::new();
        for (c, v) in cells {
            if c < self.origin {
                left.push(v.text);
                continue;
            }
            let i = (c - self.origin) as usize;
            if v.error {
                errors.push(self.column_name(i));
            }
            if v.out_of_range {
                out_of_range.push(self.column_name(i));
            }
            if let Some(f) = fields.get_mut(i) {
                if let (Some(serial), Some(k)) =
                    (v.serial, self.companions.iter().position(|&x| x == i))
                    && let Some(s) = serials.get_mut(k)
                {
                    *s = float_text(serial);
                }
                *f = v.text;
            } else {
                beyond.insert(i as u32, v.text);
            }
        }
        let mut flags = Vec::new();
        if !errors.is_empty() {
            flags.push(format!("Excel error value in column {}", errors.join(", ")));
        }
        if !out_of_range.is_empty() {
            flags.push(format!(
                "date outside Excel's range in column {} (kept as its serial number)",
                out_of_range.join(", ")
            ));
        }
        if !left.is_empty() {
            flags.push(format!(
                "{} cell(s) left of the header's first column (kept at the end)",
                left.len()
            ));
        }
        fields.extend(serials);
        if let Some((&last, _)) = beyond.iter().next_back() {
            let mut extra = vec![String::new(); last as usize + 1 - self.width];
            for (i, t) in beyond {
                if let Some(e) = extra.get_mut(i as usize - self.width) {
                    *e = t;
                }
            }
            fields.extend(extra);
        }
        fields.extend(left);
        Record::from_fields(r as u64 + 1, fields, self.header.len(), flags)
    }
}

// ---------------------------------------------------------------------------------------
// xlsx, xlsm, xlsb: streamed.

/// The next cell of a streamed sheet: `(row, col)` and its text (`None` when empty).
type NextCell<'a> =
    dyn FnMut() -> std::result::Result<Option<((u32, u32), Option<CellText>)>, String> + 'a;

fn variant_path(e: &impl Debug) -> String {
    let debug = format!("{e:?}");
    let path: Vec<&str> = debug
        .split('(')
        .map(str::trim)
        .take_while(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .take(4)
        .collect();
    format!("the sheet is damaged ({})", path.join(" / "))
}

/// Groups a cell stream into rows of non-empty cells.
struct Rows<'a> {
    cells: Box<NextCell<'a>>,
    pending: Option<(u32, u32, CellText)>,
    done: bool,
}

impl<'a> Rows<'a> {
    fn new(cells: Box<NextCell<'a>>) -> Self {
        Rows {
            cells,
            pending: None,
            done: false,
        }
    }

    fn next_row(&mut self) -> std::result::Result<Option<Row>, String> {
        let mut row: Option<Row> = self.pending.take().map(|(r, c, v)| (r, vec![(c, v)]));
        while !self.done {
            let Some(((r, c), v)) = (self.cells)()? else {
                self.done = true;
                break;
            };
            if c >= MAX_COLUMNS {
                return Err(format!(
                    "a cell in row {} is beyond column XFD, Excel's last",
                    r as u64 + 1
                ));
            }
            let Some(v) = v else { continue };
            match &mut row {
                Some((cur, cells)) if *cur == r => {
                    if cells.len() >= MAX_COLUMNS as usize {
                        return Err(format!(
                            "row {} has more cells than Excel allows",
                            r as u64 + 1
                        ));
                    }
                    cells.push((c, v));
                }
                Some(_) => {
                    self.pending = Some((r, c, v));
                    break;
                }
                None => row = Some((r, vec![(c, v)])),
            }
        }
        Ok(row)
    }
}

/// What opening a streamed sheet learns: its header row, date columns and extent.
struct Scan {
    header: Option<Row>,
    date_cols: BTreeSet<u32>,
    dims: Dimensions,
    last_row: u32,
}

fn date_kinds(styles: &[calamine::Style]) -> Vec<Option<DateKind>> {
    styles
        .iter()
        .map(|s| {
            s.number_format
                .as_ref()
                .and_then(|f| date_kind_of_format(&f.format_code))
        })
        .collect()
}

/// Run `f` over a streamed sheet's cells.
fn with_cells<T>(
    path: &Path,
    kind: Kind,
    sheet: &str,
    f: impl FnOnce(&mut dyn FnMut() -> std::result::Result<Option<Row>, String>, Dimensions) -> T,
) -> std::result::Result<T, String> {
    if kind == Kind::Xlsb {
        let mut wb: Xlsb<BufReader<File>> = open_workbook(path).map_err(|e| variant_path(&e))?;
        let mut reader = wb
            .worksheet_cells_reader(sheet)
            .map_err(|e| variant_path(&e))?;
        let dims = reader.dimensions();
        let mut rows = Rows::new(Box::new(move || match reader.next_cell() {
            Ok(Some(cell)) => Ok(Some((
                cell.get_position(),
                cell_text(Value::from(cell.get_value()), None),
            ))),
            Ok(None) => Ok(None),
            Err(e) => Err(variant_path(&e)),
        }));
        Ok(f(&mut || rows.next_row(), dims))
    } else {
        let mut wb: Xlsx<BufReader<File>> = open_workbook(path).map_err(|e| variant_path(&e))?;
        let mut reader = wb
            .worksheet_cells_reader(sheet)
            .map_err(|e| variant_path(&e))?;
        let kinds = date_kinds(reader.styles());
        let dims = reader.dimensions();
        let mut rows = Rows::new(Box::new(move || match reader.next_cell_with_style_id() {
            Ok(Some((cell, style))) => {
                let kind = kinds.get(style).copied().flatten();
                Ok(Some((
                    cell.get_position(),
                    cell_text(Value::from(cell.get_value()), kind),
                )))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(variant_path(&e)),
        }));
        Ok(f(&mut || rows.next_row(), dims))
    }
}

fn open_streamed(
    path: &Path,
    file_name: &str,
    kind: Kind,
    options: &ReadOptions,
) -> Result<Vec<Table>> {
    let mut skipped = Vec::new();
    let (metas, merged): (Vec<calamine::Sheet>, BTreeMap<String, Vec<Dimensions>>) =
        if kind == Kind::Xlsb {
            let wb: Xlsb<BufReader<File>> =
                open_workbook(path).map_err(|e| reader_failure(file_name, &e))?;
            (wb.sheets_metadata().to_vec(), BTreeMap::new())
        } else {
            let mut wb: Xlsx<BufReader<File>> =
                open_workbook(path).map_err(|e| reader_failure(file_name, &e))?;
            let metas = wb.sheets_metadata().to_vec();
            let mut merged = BTreeMap::new();
            for m in &metas {
                if let Ok(dims) = wb.merge_cells_by_sheet_name(&m.name) {
                    merged.insert(m.name.clone(), dims);
                }
            }
            (metas, merged)
        };
    let selected = select_sheets(file_name, &metas, &options.sheets, &mut skipped)?;
    let mut tables = Vec::new();
    for meta in selected {
        let scanned = with_cells(path, kind, &meta.name, scan_rows)
            .and_then(|r| r)
            .map_err(|reason| sheet_error(file_name, &meta.name, reason))?;
        let Some(header_row) = scanned.header.as_ref() else {
            skipped.push(format!("sheet '{}' is empty; skipped", meta.name));
            continue;
        };
        let header_line = header_row.0 as u64 + 1;
        let declared_start =
            (scanned.dims.end.0 > 0 || scanned.dims.end.1 > 0).then_some(&scanned.dims);
        let layout = Layout::new(header_row, &scanned.date_cols, declared_start);
        let size = (scanned.dims.end.0 as u64 + 1).max(scanned.last_row as u64 + 1);
        let mut notes = sheet_notes(&meta, merged.get(&meta.name).map_or(&[], Vec::as_slice));
        notes.extend(layout.notes(header_line));
        tables.push(Table {
            header_row: None,
            sheet: Some(meta.name.clone()),
            detected: format!("{} workbook", kind.label()),
            notes,
            size,
            reader: Box::new(StreamedSheet {
                path: path.to_path_buf(),
                file_name: file_name.to_string(),
                kind,
                sheet: meta.name.clone(),
                header_row: header_row.0,
                layout,
                rx: None,
                position: header_line,
                size,
                done: false,
            }),
        });
    }
    finish_tables(file_name, tables, skipped)
}

/// The header row, date columns and extent of a sheet from its rows.
fn scan_rows(
    next: &mut dyn FnMut() -> std::result::Result<Option<Row>, String>,
    dims: Dimensions,
) -> std::result::Result<Scan, String> {
    let mut scan_state = Scan {
        header: None,
        date_cols: BTreeSet::new(),
        dims,
        last_row: 0,
    };
    let declared = dims.end.0 > 0 || dims.end.1 > 0;
    let mut data_rows = 0;
    while let Some(row) = next()? {
        scan_state.last_row = scan_state.last_row.max(row.0);
        for (c, v) in &row.1 {
            if v.serial.is_some() {
                scan_state.date_cols.insert(*c);
            }
        }
        if scan_state.header.is_none() {
            scan_state.header = Some(row);
        } else {
            data_rows += 1;
            if data_rows >= DATE_SAMPLE_ROWS && declared {
                break;
            }
        }
    }
    Ok(scan_state)
}

fn sheet_error(file_name: &str, sheet: &str, reason: String) -> EngineError {
    EngineError::BadInput {
        file: file_name.to_string(),
        location: format!("sheet '{sheet}'"),
        reason: format!("not a readable workbook: {reason}"),
    }
}

fn finish_tables(
    file_name: &str,
    mut tables: Vec<Table>,
    skipped: Vec<String>,
) -> Result<Vec<Table>> {
    match tables.first_mut() {
        Some(t) => {
            t.notes.extend(skipped);
            Ok(tables)
        }
        None => Err(EngineError::bad_input(
            file_name,
            "the workbook has no data: every sheet read is empty",
        )),
    }
}

enum Msg {
    Row(Row),
    Failed(String),
    End,
}

/// A streamed sheet: a reader thread, started on the first read, sends rows.
struct StreamedSheet {
    path: PathBuf,
    file_name: String,
    kind: Kind,
    sheet: String,
    header_row: u32,
    layout: Layout,
    rx: Option<Receiver<Msg>>,
    position: u64,
    size: u64,
    done: bool,
}

impl StreamedSheet {
    fn start(&mut self) -> Result<()> {
        let (tx, rx) = sync_channel(CHANNEL_ROWS);
        let (path, kind, sheet) = (self.path.clone(), self.kind, self.sheet.clone());
        std::thread::Builder::new()
            .name("cutover-sheet-reader".into())
            .spawn(move || stream_rows(&path, kind, &sheet, &tx))
            .map_err(|e| EngineError::io("starting the sheet reader", e))?;
        self.rx = Some(rx);
        Ok(())
    }

    fn fail(&mut self, reason: String) -> EngineError {
        self.done = true;
        sheet_error(&self.file_name, &self.sheet, reason)
    }
}

fn stream_rows(path: &Path, kind: Kind, sheet: &str, tx: &SyncSender<Msg>) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        with_cells(
            path,
            kind,
            sheet,
            |next, _| -> std::result::Result<(), String> {
                while let Some(row) = next()? {
                    if tx.send(Msg::Row(row)).is_err() {
                        // The table was dropped: stop reading.
                        return Ok(());
                    }
                }
                Ok(())
            },
        )
        .and_then(|r| r)
    }));
    let _ = match outcome {
        Ok(Ok(())) => tx.send(Msg::End),
        Ok(Err(reason)) => tx.send(Msg::Failed(reason)),
        Err(_) => tx.send(Msg::Failed(
            "it is damaged in a way the workbook reader cannot handle".to_string(),
        )),
    };
}

impl RecordSource for StreamedSheet {
    fn header(&self) -> &[String] {
        &self.layout.header
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        if self.done {
            return Ok(None);
        }
        if self.rx.is_none() {
            self.start()?;
        }
        loop {
            let msg = match self.rx.as_ref().map(Receiver::recv) {
                Some(Ok(m)) => m,
                _ => {
                    return Err(self.fail(
                        "it is damaged in a way the workbook reader cannot handle".to_string(),
                    ));
                }
            };
            match msg {
                Msg::Row(row) => {
                    // The header row is not data; rows above it are empty.
                    if row.0 == self.header_row {
                        continue;
                    }
                    self.position = row.0 as u64 + 1;
                    return Ok(Some(self.layout.record(row)));
                }
                Msg::Failed(reason) => return Err(self.fail(reason)),
                Msg::End => {
                    self.done = true;
                    self.rx = None;
                    self.position = self.size;
                    return Ok(None);
                }
            }
        }
    }

    fn progress(&self) -> u64 {
        if self.done {
            self.size
        } else {
            self.position.min(self.size)
        }
    }
}

// ---------------------------------------------------------------------------------------
// xls, ods: read whole (after the extent checks above).

fn open_in_memory(
    path: &Path,
    file_name: &str,
    kind: Kind,
    options: &ReadOptions,
) -> Result<Vec<Table>> {
    let mut wb: Sheets<BufReader<File>> = match kind {
        Kind::Xls => Sheets::Xls(open_workbook(path).map_err(|e| reader_failure(file_name, &e))?),
        _ => Sheets::Ods(open_workbook(path).map_err(|e| reader_failure(file_name, &e))?),
    };
    let metas = wb.sheets_metadata().to_vec();
    let mut skipped = Vec::new();
    let selected = select_sheets(file_name, &metas, &options.sheets, &mut skipped)?;
    let mut tables = Vec::new();
    for meta in selected {
        let range = wb
            .worksheet_range(&meta.name)
            .map_err(|e| reader_failure(file_name, &e))?;
        let merged = match &wb {
            Sheets::Xls(x) => merged_xls(x, &meta.name),
            _ => Vec::new(),
        };
        let Some((r0, c0)) = range.start() else {
            skipped.push(format!("sheet '{}' is empty; skipped", meta.name));
            continue;
        };
        let mut rows = Vec::new();
        let mut date_cols = BTreeSet::new();
        for (i, cells) in range.rows().enumerate() {
            let row: Vec<(u32, CellText)> = cells
                .iter()
                .enumerate()
                .filter_map(|(j, d)| cell_text(Value::from(d), None).map(|t| (c0 + j as u32, t)))
                .collect();
            if row.is_empty() {
                continue;
            }
            for (c, t) in &row {
                if t.serial.is_some() {
                    date_cols.insert(*c);
                }
            }
            rows.push((r0 + i as u32, row));
        }
        drop(range);
        let mut rows = rows.into_iter();
        let Some(header_row) = rows.next() else {
            skipped.push(format!("sheet '{}' is empty; skipped", meta.name));
            continue;
        };
        let header_line = header_row.0 as u64 + 1;
        let layout = Layout::new(&header_row, &date_cols, None);
        let size = rows
            .as_slice()
            .last()
            .map_or(header_line, |r| r.0 as u64 + 1);
        let mut notes = sheet_notes(&meta, &merged);
        notes.extend(layout.notes(header_line));
        tables.push(Table {
            header_row: None,
            sheet: Some(meta.name.clone()),
            detected: format!("{} workbook", kind.label()),
            notes,
            size,
            reader: Box::new(MemorySheet {
                rows,
                layout,
                position: header_line,
                size,
            }),
        });
    }
    finish_tables(file_name, tables, skipped)
}

fn merged_xls(x: &Xls<BufReader<File>>, sheet: &str) -> Vec<Dimensions> {
    x.merge_cells_by_sheet_name(sheet).unwrap_or_default()
}

struct MemorySheet {
    rows: std::vec::IntoIter<Row>,
    layout: Layout,
    position: u64,
    size: u64,
}

impl RecordSource for MemorySheet {
    fn header(&self) -> &[String] {
        &self.layout.header
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        match self.rows.next() {
            Some(row) => {
                self.position = row.0 as u64 + 1;
                Ok(Some(self.layout.record(row)))
            }
            None => {
                self.position = self.size;
                Ok(None)
            }
        }
    }

    fn progress(&self) -> u64 {
        self.position.min(self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_show_as_people_see_them() {
        for (f, expected) in [
            (42.0, "42"),
            (-0.0, "0"),
            (0.1, "0.1"),
            (1234.5678, "1234.5678"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e20, "100000000000000000000"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(float_text(f), expected);
        }
    }

    #[test]
    fn number_formats_say_date_time_or_both() {
        for (code, expected) in [
            ("yyyy-mm-dd", Some(DateKind::Date)),
            ("m/d/yyyy", Some(DateKind::Date)),
            ("d-mmm-yy", Some(DateKind::Date)),
            ("mmm-yy", Some(DateKind::Date)),
            ("h:mm:ss", Some(DateKind::Time)),
            ("hh:mm AM/PM", Some(DateKind::Time)),
            ("mm:ss", Some(DateKind::Time)),
            ("yyyy-mm-dd hh:mm:ss", Some(DateKind::DateTime)),
            ("m/d/yy h:mm", Some(DateKind::DateTime)),
            ("[$-409]dddd, mmmm d, yyyy", Some(DateKind::Date)),
            ("[Red]0.00", None),
            ("\"day\" 0", None),
            ("General", None),
            ("0.00%", None),
        ] {
            assert_eq!(date_kind_of_format(code), expected, "{code}");
        }
    }

    #[test]
    fn dates_are_iso_text_with_their_serial() {
        use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
        for (serial, typ, kind, expected) in [
            (45365.0, DateTime, None, "2024-03-14"),
            (0.395833333333333, DateTime, None, "09:30:00"),
            (45365.395833333336, DateTime, None, "2024-03-14T09:30:00"),
            (
                45365.395833333336,
                DateTime,
                Some(DateKind::Date),
                "2024-03-14",
            ),
            (
                45365.0,
                DateTime,
                Some(DateKind::DateTime),
                "2024-03-14T00:00:00",
            ),
            (1.5104166666666667, TimeDelta, None, "36:15:00"),
        ] {
            let dt = ExcelDateTime::new(serial, typ, false);
            let t = date_text(&dt, kind);
            assert_eq!((t.text.as_str(), t.serial), (expected, Some(serial)));
            assert!(!t.out_of_range);
        }
        let bad = date_text(&ExcelDateTime::new(-5.0, DateTime, false), None);
        assert!(bad.out_of_range);
        assert_eq!(bad.text, "-5");
    }

    #[test]
    fn column_letters_and_ranges() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
        assert_eq!(
            range_name(&Dimensions::new((0, 0), (0, 2))),
            "A1:C1".to_string()
        );
    }

    #[test]
    fn ods_durations_show_as_times() {
        assert_eq!(iso_duration_text("PT09H30M00S"), "09:30:00");
        assert_eq!(iso_duration_text("PT36H15M00.500S"), "36:15:00.5");
        assert_eq!(iso_duration_text("P1D"), "P1D");
    }

    #[test]
    fn rows_become_records_with_companions_and_overflow() {
        let t = |s: &str| CellText::plain(s.to_string());
        let date = CellText {
            text: "2024-03-14".into(),
            serial: Some(45365.0),
            error: false,
            out_of_range: false,
        };
        let header: Row = (2, vec![(1, t("MRN")), (2, t("DOB")), (3, t("Result"))]);
        let layout = Layout::new(&header, &BTreeSet::from([2]), None);
        assert_eq!(layout.header, ["MRN", "DOB", "Result", "DOB__excel_serial"]);
        let err = CellText {
            text: "#DIV/0!".into(),
            serial: None,
            error: true,
            out_of_range: false,
        };
        let rec = layout.record((3, vec![(1, t("1")), (2, date), (3, err), (5, t("x"))]));
        assert_eq!(rec.line, 4);
        assert_eq!(
            rec.values,
            [
                Some("1".to_string()),
                Some("2024-03-14".into()),
                Some("#DIV/0!".into()),
                Some("45365".into())
            ]
        );
        assert_eq!(rec.extra, ["", "x"]);
        assert_eq!(
            rec.flag.as_deref(),
            Some("ragged: 6 fields, header has 4; Excel error value in column Result")
        );
        let short = layout.record((4, vec![(1, t("2"))]));
        assert_eq!(short.flag, None);
        assert_eq!(short.values[1].as_deref(), Some(""));
        let left = layout.record((5, vec![(0, t("y")), (1, t("3"))]));
        assert_eq!(left.extra, ["y"]);
    }
}
