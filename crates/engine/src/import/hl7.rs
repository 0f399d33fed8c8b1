//! HL7 v2 message archives (ADT, SIU, ORU, …): one record per message.
//!
//! ## Reading an archive
//! The file is decoded with [`text::open_decoded`] (BOM, UTF-16, cp1252 guess, or the
//! encoding asked for) and streamed; nothing but the message being assembled is held.
//!
//! - Segments end with CR, LF or CRLF. MLLP framing bytes (0x0B start block, 0x1C end
//!   block) are stripped; they also end a segment. A message whose start block has no end
//!   block, or an end block without a start block, is kept and flagged.
//! - A message starts at each `MSH` segment and runs to the next `MSH`, batch segment,
//!   MLLP end block or the end of the file.
//! - Batch wrappers (`FHS`, `BHS`, `BTS`, `FTS`) are envelope, not data: they are skipped.
//! - Text that is not inside a message (lines before the first `MSH`, or after a batch
//!   trailer) is never dropped: each run of such lines is kept as its own record, with an
//!   `error` and a flag (split every 1 MiB so it stays small).
//! - A file with no `MSH` segment in its first 64 KiB is not an HL7 archive at all: that
//!   is a [`EngineError::BadInput`] error, nothing is imported.
//! - A single message or segment longer than 256 MiB is refused as unusable input (an
//!   error naming its line): keeping it would mean holding it all in memory.
//!
//! ## Columns
//! `message_type` (MSH-9, e.g. `ADT^A04`), `control_id` (MSH-10), `timestamp` (MSH-7 as
//! written), `sending_facility` (MSH-4), `message` (the whole message as received, its
//! segments joined by `\r`) and `error` (empty when it parsed). MSH fields with parts are
//! shown with the standard separators (`^`, `&`, `~`) whatever the message declared, with
//! escape sequences decoded, so archives with custom separators read the same.
//! A message that does not parse (no or bad MSH, a line that is not a segment) keeps its
//! text, its `error` says why (never quoting a value) and the record is flagged.
//!
//! `line` is the physical line the message starts on; progress is raw bytes read.
//!
//! ## Parsing for mapping
//! [`Hl7Message::parse`] and [`Hl7Message::get`] (`PID-5.1`, `PID-3[2].1`, `OBX[2]-5`,
//! `MSH-9.2`) read fields from a staged message's text.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{EngineError, Result};
use crate::import::text::open_decoded;
use crate::import::{ReadOptions, Record, RecordSource, Table, display_name};

/// The columns of an HL7 table.
pub const COLUMNS: [&str; 6] = [
    "message_type",
    "control_id",
    "timestamp",
    "sending_facility",
    "message",
    "error",
];

/// A message or segment longer than this is refused.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Runs of text outside any message are split into records of about this size.
const ORPHAN_CHUNK_BYTES: usize = 1024 * 1024;

const START_BLOCK: u8 = 0x0B;
const END_BLOCK: u8 = 0x1C;

/// Open an HL7 v2 archive as a table of messages.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Table> {
    let file_name = display_name(path);
    let size = std::fs::metadata(path)
        .map_err(|e| EngineError::io_at(path, "reading", e))?
        .len();
    let decoded = open_decoded(path, options.encoding.as_deref())?;
    if !has_msh_segment(decoded.sample.as_bytes()) {
        return Err(EngineError::bad_input(
            &file_name,
            "not an HL7 v2 archive: no MSH segment in the first 64 KiB",
        ));
    }
    let detected = format!("HL7 v2, {}", decoded.encoding.name());
    let reader = Hl7Reader::with_progress(&file_name, decoded.reader, decoded.raw_read);
    Ok(Table {
        header_row: None,
        sheet: None,
        detected,
        notes: Vec::new(),
        size,
        reader: Box::new(reader),
    })
}

/// Whether any segment in `sample` starts with `MSH` followed by a separator.
fn has_msh_segment(sample: &[u8]) -> bool {
    sample
        .split(|&b| b == b'\r' || b == b'\n' || b == START_BLOCK || b == END_BLOCK)
        .any(|seg| segment_kind(seg) == SegmentKind::Msh)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SegmentKind {
    Msh,
    Batch,
    Other,
}

/// What a raw segment is, ignoring leading spaces, tabs and a stray BOM.
fn segment_kind(seg: &[u8]) -> SegmentKind {
    let seg = trim_segment_start(seg);
    let Some(id) = seg.get(..3) else {
        return SegmentKind::Other;
    };
    // A segment id is followed by the field separator, which is never a letter or digit.
    let separated = seg.get(3).is_none_or(|b| !b.is_ascii_alphanumeric());
    if !separated {
        return SegmentKind::Other;
    }
    match id {
        b"MSH" => SegmentKind::Msh,
        b"FHS" | b"BHS" | b"BTS" | b"FTS" => SegmentKind::Batch,
        _ => SegmentKind::Other,
    }
}

fn trim_segment_start(mut seg: &[u8]) -> &[u8] {
    loop {
        if let Some(rest) = seg.strip_prefix(b"\xEF\xBB\xBF") {
            seg = rest;
        } else if let Some((&first, rest)) = seg.split_first()
            && (first == b' ' || first == b'\t')
        {
            seg = rest;
        } else {
            return seg;
        }
    }
}

/// What the byte stream holds next.
#[derive(Debug)]
enum Piece {
    /// A non-empty segment and the physical line it starts on.
    Segment(u64, Vec<u8>),
    StartBlock,
    EndBlock,
}

/// Splits a byte stream into segments (CR, LF, CRLF) and MLLP framing bytes, counting
/// physical lines.
struct Splitter {
    reader: Box<dyn Read>,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    line: u64,
    after_cr: bool,
    segment: Vec<u8>,
    segment_line: u64,
    /// A framing byte seen right after a segment ended, to hand out next.
    queued: Option<Piece>,
}

impl Splitter {
    fn new(reader: Box<dyn Read>) -> Self {
        Splitter {
            reader,
            buf: vec![0; 64 * 1024],
            pos: 0,
            len: 0,
            eof: false,
            line: 1,
            after_cr: false,
            segment: Vec::new(),
            segment_line: 1,
            queued: None,
        }
    }

    fn take_segment(&mut self) -> Option<Piece> {
        if self.segment.is_empty() {
            None
        } else {
            Some(Piece::Segment(
                self.segment_line,
                std::mem::take(&mut self.segment),
            ))
        }
    }

    fn next_piece(&mut self, file_name: &str) -> Result<Option<Piece>> {
        if let Some(p) = self.queued.take() {
            return Ok(Some(p));
        }
        loop {
            if self.pos >= self.len {
                if self.eof {
                    return Ok(self.take_segment());
                }
                self.len = loop {
                    match self.reader.read(&mut self.buf) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(EngineError::io(format!("reading {file_name}"), e)),
                    }
                };
                self.pos = 0;
                if self.len == 0 {
                    self.eof = true;
                }
                continue;
            }
            // Copy plain bytes in bulk up to the next special byte.
            let chunk = self.buf.get(self.pos..self.len).unwrap_or_default();
            let special = chunk
                .iter()
                .position(|&b| matches!(b, b'\r' | b'\n' | START_BLOCK | END_BLOCK));
            let plain = special.unwrap_or(chunk.len());
            if plain > 0 {
                if self.segment.is_empty() {
                    self.segment_line = self.line;
                }
                self.segment
                    .extend_from_slice(chunk.get(..plain).unwrap_or_default());
                self.after_cr = false;
                self.pos += plain;
                if self.segment.len() > MAX_MESSAGE_BYTES {
                    return Err(too_long(file_name, self.segment_line));
                }
                continue;
            }
            let b = chunk.first().copied().unwrap_or_default();
            self.pos += 1;
            match b {
                b'\r' => {
                    self.line += 1;
                    self.after_cr = true;
                    if let Some(p) = self.take_segment() {
                        return Ok(Some(p));
                    }
                }
                b'\n' => {
                    if self.after_cr {
                        self.after_cr = false;
                        continue;
                    }
                    self.line += 1;
                    if let Some(p) = self.take_segment() {
                        return Ok(Some(p));
                    }
                }
                _ => {
                    self.after_cr = false;
                    let framing = if b == START_BLOCK {
                        Piece::StartBlock
                    } else {
                        Piece::EndBlock
                    };
                    match self.take_segment() {
                        Some(p) => {
                            self.queued = Some(framing);
                            return Ok(Some(p));
                        }
                        None => return Ok(Some(framing)),
                    }
                }
            }
        }
    }
}

fn too_long(file_name: &str, line: u64) -> EngineError {
    EngineError::BadInput {
        file: file_name.to_string(),
        location: format!("line {line}"),
        reason: format!(
            "an HL7 message longer than {} MiB; refusing to hold it in memory",
            MAX_MESSAGE_BYTES / (1024 * 1024)
        ),
    }
}

/// A message (or a run of text outside any message) being put together.
struct Pending {
    line: u64,
    text: Vec<u8>,
    orphan: bool,
    /// Started inside an MLLP block.
    framed: bool,
    end_seen: bool,
    flags: Vec<String>,
}

/// Reads messages from any byte stream of UTF-8 text (invalid sequences are kept as
/// U+FFFD and flagged).
pub struct Hl7Reader {
    file_name: String,
    splitter: Splitter,
    header: Vec<String>,
    current: Option<Pending>,
    block_open: bool,
    /// A flag for the next message (an end block that had no start block).
    next_flags: Vec<String>,
    raw_read: Arc<AtomicU64>,
    done: bool,
}

impl Hl7Reader {
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
        Hl7Reader {
            file_name: file_name.to_string(),
            splitter: Splitter::new(reader),
            header: COLUMNS.iter().map(|c| c.to_string()).collect(),
            current: None,
            block_open: false,
            next_flags: Vec::new(),
            raw_read,
            done: false,
        }
    }

    fn start(&mut self, line: u64, seg: Vec<u8>, orphan: bool) -> Option<Pending> {
        let pending = Pending {
            line,
            text: seg,
            orphan,
            framed: self.block_open && !orphan,
            end_seen: false,
            flags: std::mem::take(&mut self.next_flags),
        };
        self.current.replace(pending)
    }

    /// The next message, or `None` at the end.
    pub fn next_message(&mut self) -> Result<Option<Record>> {
        if self.done {
            return Ok(None);
        }
        loop {
            let piece = self.splitter.next_piece(&self.file_name)?;
            let finished = match piece {
                None => {
                    self.done = true;
                    let last = self.current.take();
                    if last.is_none() && !self.next_flags.is_empty() {
                        // A stray end block at the very end: nothing to flag it on.
                        self.next_flags.clear();
                    }
                    return Ok(last.map(|p| self.build(p)));
                }
                Some(Piece::StartBlock) => {
                    let was_open = self.block_open;
                    self.block_open = true;
                    if was_open {
                        // The previous block never ended: finish its message.
                        self.current.take()
                    } else {
                        None
                    }
                }
                Some(Piece::EndBlock) => {
                    if self.block_open {
                        self.block_open = false;
                        match self.current.as_mut() {
                            Some(p) => {
                                p.end_seen = true;
                                self.current.take()
                            }
                            None => None,
                        }
                    } else {
                        let flag = "MLLP framing: end block (0x1C) without a start block";
                        match self.current.as_mut() {
                            Some(p) => {
                                p.flags.push(flag.to_string());
                                self.current.take()
                            }
                            None => {
                                self.next_flags.push(flag.to_string());
                                None
                            }
                        }
                    }
                }
                Some(Piece::Segment(line, seg)) => match segment_kind(&seg) {
                    SegmentKind::Msh => self.start(line, seg, false),
                    SegmentKind::Batch => self.current.take(),
                    SegmentKind::Other => match self.current.as_mut() {
                        Some(p) if !p.orphan || p.text.len() < ORPHAN_CHUNK_BYTES => {
                            if p.text.len() + seg.len() + 1 > MAX_MESSAGE_BYTES {
                                return Err(too_long(&self.file_name, p.line));
                            }
                            p.text.push(b'\r');
                            p.text.extend_from_slice(&seg);
                            None
                        }
                        _ => self.start(line, seg, true),
                    },
                },
            };
            if let Some(p) = finished {
                return Ok(Some(self.build(p)));
            }
        }
    }

    fn build(&self, p: Pending) -> Record {
        let mut flags = p.flags;
        let text = match String::from_utf8(p.text) {
            Ok(t) => t,
            Err(e) => {
                flags.push("invalid UTF-8 in column message (kept with U+FFFD)".to_string());
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        if p.framed && !p.end_seen {
            flags.push("MLLP framing: start block (0x0B) without an end block (0x1C)".to_string());
        }
        let fields = if p.orphan {
            let error = "no MSH segment: text outside any HL7 message".to_string();
            flags.insert(0, format!("HL7: {error}"));
            vec![
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                text,
                error,
            ]
        } else {
            match Hl7Message::parse(&text) {
                Ok(m) => vec![
                    m.msh_text(9).unwrap_or_default(),
                    m.msh_text(10).unwrap_or_default(),
                    m.msh_raw(7).unwrap_or_default(),
                    m.msh_text(4).unwrap_or_default(),
                    text,
                    String::new(),
                ],
                Err(reason) => {
                    flags.insert(0, format!("HL7: {reason}"));
                    vec![
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        text,
                        reason,
                    ]
                }
            }
        };
        Record::from_fields(p.line, fields, COLUMNS.len(), flags)
    }
}

impl RecordSource for Hl7Reader {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        self.next_message()
    }

    fn progress(&self) -> u64 {
        self.raw_read.load(Ordering::Relaxed)
    }
}

/// Counts the bytes read, for progress.
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The separators a message declares in MSH-1 and MSH-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub field: char,
    pub component: char,
    pub repetition: Option<char>,
    pub escape: Option<char>,
    pub subcomponent: Option<char>,
}

/// One parsed HL7 v2 message: its segments, split on demand.
#[derive(Debug, Clone)]
pub struct Hl7Message {
    separators: Separators,
    /// MSH-2 as written.
    encoding_characters: String,
    /// `(segment id, the segment's whole text)`.
    segments: Vec<(String, String)>,
}

impl Hl7Message {
    /// Parse a message: segments separated by CR, LF or CRLF, starting with MSH.
    /// Errors say what is wrong and where, never quoting a value.
    pub fn parse(text: &str) -> std::result::Result<Hl7Message, String> {
        let mut raw_segments = text
            .split(['\r', '\n'])
            .map(|s| s.trim_start_matches([' ', '\t', '\u{FEFF}', '\u{0B}', '\u{1C}']))
            .map(|s| s.trim_end_matches(['\u{1C}', '\u{0B}']))
            .filter(|s| !s.is_empty());
        let Some(msh) = raw_segments.next() else {
            return Err("empty message".to_string());
        };
        let Some(after_id) = msh.strip_prefix("MSH") else {
            return Err("the message does not start with an MSH segment".to_string());
        };
        let mut chars = after_id.chars();
        let Some(field) = chars.next() else {
            return Err("MSH-1 (field separator) is missing".to_string());
        };
        if field.is_alphanumeric() || field.is_whitespace() {
            return Err(
                "MSH-1 (field separator) is a letter, digit or space; not a separator".to_string(),
            );
        }
        let rest = chars.as_str();
        let encoding_characters: String = rest.split(field).next().unwrap_or_default().to_string();
        let enc: Vec<char> = encoding_characters.chars().collect();
        let Some(&component) = enc.first() else {
            return Err("MSH-2 (encoding characters) is missing".to_string());
        };
        let repetition = enc.get(1).copied();
        let escape = enc.get(2).copied();
        let subcomponent = enc.get(3).copied();
        // MSH-2 may carry a fifth character (truncation, v2.7); more is not MSH-2.
        let mut seen = vec![field];
        for (i, &c) in enc.iter().enumerate() {
            if i >= 5 || c.is_alphanumeric() || c.is_whitespace() || seen.contains(&c) {
                return Err(
                    "MSH-2 (encoding characters) is invalid: separators must be distinct punctuation"
                        .to_string(),
                );
            }
            seen.push(c);
        }
        let mut segments = vec![("MSH".to_string(), msh.to_string())];
        for (i, seg) in raw_segments.enumerate() {
            let id = seg.get(..3).filter(|id| {
                id.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            });
            let separated = seg
                .get(id.map_or(0, str::len)..)
                .unwrap_or_default()
                .chars()
                .next()
                .is_none_or(|c| c == field);
            match id {
                Some(id) if separated => segments.push((id.to_string(), seg.to_string())),
                _ => {
                    return Err(format!(
                        "segment {} is not a segment: it does not start with a segment id and the field separator",
                        i + 2
                    ));
                }
            }
        }
        Ok(Hl7Message {
            separators: Separators {
                field,
                component,
                repetition,
                escape,
                subcomponent,
            },
            encoding_characters,
            segments,
        })
    }

    pub fn separators(&self) -> Separators {
        self.separators
    }

    /// The segment ids in order.
    pub fn segment_ids(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(|(id, _)| id.as_str())
    }

    /// The message as text, segments joined by `\r`.
    pub fn to_text(&self) -> String {
        let parts: Vec<&str> = self.segments.iter().map(|(_, s)| s.as_str()).collect();
        parts.join("\r")
    }

    /// A value by path: `PID-5` (field), `PID-5.1` (component), `PID-5.1.2`
    /// (subcomponent), `PID-3[2].1` (second repetition of the field), `OBX[2]-5` (second
    /// OBX segment). Indexes count from 1; MSH-1 is the field separator itself, MSH-2 the
    /// encoding characters (as written), MSH-3 the sending application, and so on.
    ///
    /// Escape sequences (`\F\ \S\ \T\ \R\ \E\`, `\Xhh…\`, `\.br\` as a line break) are
    /// decoded. An element with parts (a field with components asked as a field) keeps the
    /// message's separators between its parts. `None` when the element is absent or empty,
    /// or the path is not a path.
    pub fn get(&self, path: &str) -> Option<String> {
        let p = FieldPath::parse(path)?;
        let (_, seg) = self
            .segments
            .iter()
            .filter(|(id, _)| *id == p.segment)
            .nth(p.segment_rep - 1)?;
        let sep = self.separators.field;
        let raw_field: &str = if p.segment == "MSH" {
            match p.field {
                1 => {
                    return (p.field_rep == 1 && p.component.is_none()).then(|| sep.to_string());
                }
                2 => {
                    return (p.field_rep == 1 && p.component.is_none())
                        .then(|| self.encoding_characters.clone())
                        .filter(|s| !s.is_empty());
                }
                n => seg.get(4..)?.split(sep).nth(n - 2)?,
            }
        } else {
            seg.split(sep).nth(p.field)?
        };
        let repetition = match self.separators.repetition {
            Some(r) => raw_field.split(r).nth(p.field_rep - 1)?,
            None if p.field_rep == 1 => raw_field,
            None => return None,
        };
        let value = match p.component {
            None => repetition,
            Some(c) => {
                let component = repetition.split(self.separators.component).nth(c - 1)?;
                match (p.subcomponent, self.separators.subcomponent) {
                    (None, _) => component,
                    (Some(s), Some(sub)) => component.split(sub).nth(s - 1)?,
                    (Some(1), None) => component,
                    (Some(_), None) => return None,
                }
            }
        };
        let decoded = self.decode(value);
        (!decoded.is_empty()).then_some(decoded)
    }

    /// Escape sequences decoded.
    pub fn decode(&self, text: &str) -> String {
        decode_escapes(text, &self.separators)
    }

    /// An MSH field with its parts re-rendered with the standard separators.
    fn msh_text(&self, field: usize) -> Option<String> {
        let raw = self.msh_raw(field)?;
        let s = &self.separators;
        let reps: Vec<String> = match s.repetition {
            Some(r) => raw.split(r).map(str::to_string).collect(),
            None => vec![raw],
        };
        let out: Vec<String> = reps
            .iter()
            .map(|rep| {
                rep.split(s.component)
                    .map(|comp| match s.subcomponent {
                        Some(sub) => comp
                            .split(sub)
                            .map(|x| self.decode(x))
                            .collect::<Vec<_>>()
                            .join("&"),
                        None => self.decode(comp),
                    })
                    .collect::<Vec<_>>()
                    .join("^")
            })
            .collect();
        Some(out.join("~"))
    }

    /// An MSH field (3 and up) as written.
    fn msh_raw(&self, field: usize) -> Option<String> {
        let (_, msh) = self.segments.first()?;
        msh.get(4..)?
            .split(self.separators.field)
            .nth(field.checked_sub(2)?)
            .map(str::to_string)
    }
}

/// Decode HL7 escape sequences. Unknown or unterminated sequences are kept as written.
pub fn decode_escapes(text: &str, seps: &Separators) -> String {
    let Some(esc) = seps.escape else {
        return text.to_string();
    };
    if !text.contains(esc) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(esc) {
        out.push_str(&rest[..i]);
        let after = &rest[i + esc.len_utf8()..];
        let Some(j) = after.find(esc) else {
            out.push_str(&rest[i..]);
            return out;
        };
        let code = &after[..j];
        match code {
            "F" => out.push(seps.field),
            "S" => out.push(seps.component),
            "T" => match seps.subcomponent {
                Some(c) => out.push(c),
                None => push_raw(&mut out, esc, code),
            },
            "R" => match seps.repetition {
                Some(c) => out.push(c),
                None => push_raw(&mut out, esc, code),
            },
            "E" => out.push(esc),
            ".br" => out.push('\n'),
            _ => match code.strip_prefix('X').and_then(hex_bytes) {
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(s) => out.push_str(&s),
                    // Not UTF-8: read the bytes as Latin-1, one character each.
                    Err(e) => out.extend(e.as_bytes().iter().map(|&b| char::from(b))),
                },
                None => push_raw(&mut out, esc, code),
            },
        }
        rest = &after[j + esc.len_utf8()..];
    }
    out.push_str(rest);
    out
}

fn push_raw(out: &mut String, esc: char, code: &str) {
    out.push(esc);
    out.push_str(code);
    out.push(esc);
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// A parsed `SEG[n]-F[n].C.S` path.
#[derive(Debug, PartialEq, Eq)]
struct FieldPath {
    segment: String,
    segment_rep: usize,
    field: usize,
    field_rep: usize,
    component: Option<usize>,
    subcomponent: Option<usize>,
}

impl FieldPath {
    fn parse(path: &str) -> Option<FieldPath> {
        let (seg_part, rest) = path.trim().split_once('-')?;
        let (segment, segment_rep) = with_index(seg_part)?;
        if segment.len() != 3
            || !segment
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b.is_ascii_digit())
        {
            return None;
        }
        let mut parts = rest.split('.');
        let (field, field_rep) = with_index(parts.next()?)?;
        let field: usize = number(field)?;
        let component = parts
            .next()
            .map(number)
            .map_or(Some(None), |c| c.map(Some))?;
        let subcomponent = parts
            .next()
            .map(number)
            .map_or(Some(None), |c| c.map(Some))?;
        if parts.next().is_some() {
            return None;
        }
        Some(FieldPath {
            segment: segment.to_ascii_uppercase(),
            segment_rep,
            field,
            field_rep,
            component,
            subcomponent,
        })
    }
}

/// `"OBX[2]"` → `("OBX", 2)`; `"OBX"` → `("OBX", 1)`.
fn with_index(s: &str) -> Option<(&str, usize)> {
    match s.split_once('[') {
        None => Some((s, 1)),
        Some((name, idx)) => Some((name, number(idx.strip_suffix(']')?)?)),
    }
}

/// A positive number.
fn number(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&n| n >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADT: &str = "MSH|^~\\&|EPIC|CLINIC^1.2.3^ISO|NEWEHR|HOSP|20240314093000||ADT^A04^ADT_A01|MSG0001|P|2.5.1\rEVN|A04|20240314093000\rPID|1||12345^^^MRN~67890^^^SSN||Mu\\X00F1\\oz^Zo\\XC3AB\\^Q||19800101|F|||1 Main St\\S\\Apt 2^^Hoboken^NJ^07030\rOBX|1|TX|||first\\.br\\second\rOBX|2|NM|||42\\E\\3";

    fn message() -> Hl7Message {
        Hl7Message::parse(ADT).unwrap()
    }

    #[test]
    fn paths_select_fields_components_repetitions_and_segments() {
        let m = message();
        let cases: [(&str, Option<&str>); 22] = [
            ("MSH-1", Some("|")),
            ("MSH-2", Some("^~\\&")),
            ("MSH-3", Some("EPIC")),
            ("MSH-4", Some("CLINIC^1.2.3^ISO")),
            ("MSH-4.2", Some("1.2.3")),
            ("MSH-7", Some("20240314093000")),
            ("MSH-9", Some("ADT^A04^ADT_A01")),
            ("MSH-9.1", Some("ADT")),
            ("MSH-9.2", Some("A04")),
            ("MSH-10", Some("MSG0001")),
            ("PID-3.1", Some("12345")),
            ("PID-3[2].1", Some("67890")),
            ("PID-3[2].4", Some("SSN")),
            ("PID-3[3].1", None),
            ("PID-5.2", Some("Zoë")),
            ("PID-11.1", Some("1 Main St^Apt 2")),
            ("PID-11.5", Some("07030")),
            ("OBX[2]-5", Some("42\\3")),
            ("OBX-5", Some("first\nsecond")),
            ("OBX[3]-5", None),
            ("PV1-2", None),
            ("PID-99", None),
        ];
        for (path, expected) in cases {
            assert_eq!(m.get(path).as_deref(), expected, "{path}");
        }
        // \X00F1\ is not UTF-8: read as Latin-1 bytes (0x00, 0xF1).
        assert_eq!(m.get("PID-5.1").as_deref(), Some("Mu\u{0}ñoz"));
    }

    #[test]
    fn bad_paths_are_none() {
        let m = message();
        for path in [
            "",
            "PID",
            "PID-",
            "PID-0",
            "PID-x",
            "PI-5",
            "PID[0]-5",
            "PID-5.0",
            "PID-5.1.1.1",
            "PID-3[",
            "PID-3[2",
            "PID-3[]",
            "MSH-1.1",
            "MSH-2.1",
        ] {
            assert_eq!(m.get(path), None, "{path:?}");
        }
    }

    #[test]
    fn custom_separators_and_escapes_come_from_msh() {
        let text = "MSH#$*@%#APP#FAC#R#RF#2024##ORU$R01#C1#P#2.3\nPID###A1*B2##Smith@Jr$John@Paul$$$@F@@S@@T@@R@@E@\n";
        let m = Hl7Message::parse(text).unwrap();
        assert_eq!(
            m.separators(),
            Separators {
                field: '#',
                component: '$',
                repetition: Some('*'),
                escape: Some('@'),
                subcomponent: Some('%'),
            }
        );
        assert_eq!(m.get("MSH-9.2").as_deref(), Some("R01"));
        assert_eq!(m.msh_text(9).as_deref(), Some("ORU^R01"));
        assert_eq!(m.get("PID-3[2]").as_deref(), Some("B2"));
        assert_eq!(
            m.get("PID-5.1").as_deref(),
            Some("Smith@Jr"),
            "escaped escape"
        );
        assert_eq!(m.get("PID-5.2").as_deref(), Some("John@Paul"));
        assert_eq!(m.get("PID-5.5").as_deref(), Some("#$%*@"));
    }

    #[test]
    fn unparseable_messages_say_why_without_values() {
        for (text, expected) in [
            ("", "empty message"),
            (
                "PID|1||123",
                "the message does not start with an MSH segment",
            ),
            ("MSH", "MSH-1 (field separator) is missing"),
            ("MSHA^~\\&", "MSH-1 (field separator) is a letter"),
            ("MSH||", "MSH-2 (encoding characters) is missing"),
            ("MSH|^^\\&|", "MSH-2 (encoding characters) is invalid"),
            (
                "MSH|^~\\&|A\rsecret free text",
                "segment 2 is not a segment",
            ),
        ] {
            let err = Hl7Message::parse(text).unwrap_err();
            assert!(err.starts_with(expected), "{text:?}: {err}");
            assert!(!err.contains("secret"));
        }
    }

    #[test]
    fn escapes_decode_and_unknown_ones_stay() {
        let s = Separators {
            field: '|',
            component: '^',
            repetition: Some('~'),
            escape: Some('\\'),
            subcomponent: Some('&'),
        };
        for (raw, expected) in [
            ("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f", "a|b^c&d~e\\f"),
            ("\\X4D75C3B16F7A\\", "Muñoz"),
            ("\\H\\bold\\N\\", "\\H\\bold\\N\\"),
            ("unterminated \\F", "unterminated \\F"),
            ("\\XZZ\\ \\X1\\", "\\XZZ\\ \\X1\\"),
            ("\\X\\", ""),
        ] {
            assert_eq!(decode_escapes(raw, &s), expected, "{raw}");
        }
    }

    fn read(bytes: &[u8]) -> Vec<Record> {
        let mut r = Hl7Reader::from_reader("t.hl7", std::io::Cursor::new(bytes.to_vec()));
        let mut out = Vec::new();
        while let Some(rec) = r.next_message().unwrap() {
            out.push(rec);
        }
        assert_eq!(r.progress(), bytes.len() as u64);
        out
    }

    #[test]
    fn archives_split_into_messages_with_lines_and_framing() {
        let bytes = b"FHS|^~\\&\r\nBHS|^~\\&\r\n\x0bMSH|^~\\&|A|F1|||20240101||ADT^A04|1|P|2.5\r\nPID|1\r\n\x1c\r\n\x0bMSH|^~\\&|A|F2|||20240102||SIU^S12|2|P|2.5\rSCH|1\r\x1c\rBTS|2\nFTS|1\n";
        let recs = read(bytes);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].line, 3);
        assert_eq!(recs[0].values[0].as_deref(), Some("ADT^A04"));
        assert_eq!(recs[0].values[3].as_deref(), Some("F1"));
        assert_eq!(
            recs[0].values[4].as_deref(),
            Some("MSH|^~\\&|A|F1|||20240101||ADT^A04|1|P|2.5\rPID|1")
        );
        assert_eq!(recs[0].flag, None);
        assert_eq!(recs[1].line, 6);
        assert_eq!(recs[1].values[1].as_deref(), Some("2"));
        assert_eq!(recs[1].flag, None);
    }

    #[test]
    fn text_outside_messages_and_bad_framing_are_kept_and_flagged() {
        let recs = read(b"junk line\r\nmore junk\r\nMSH|^~\\&|A\r\x0bMSH|^~\\&|B\r\x0bMSH|^~\\&|C\r\x1c\r\x1cMSH|^~\\&|D\r");
        assert_eq!(recs.len(), 5);
        assert_eq!(recs[0].values[4].as_deref(), Some("junk line\rmore junk"));
        assert!(
            recs[0]
                .flag
                .as_deref()
                .unwrap()
                .starts_with("HL7: no MSH segment")
        );
        assert_eq!(recs[1].flag, None);
        assert_eq!(
            recs[2].flag.as_deref(),
            Some("MLLP framing: start block (0x0B) without an end block (0x1C)")
        );
        assert_eq!(recs[3].flag, None);
        assert_eq!(
            recs[4].flag.as_deref(),
            Some("MLLP framing: end block (0x1C) without a start block")
        );
    }
}
