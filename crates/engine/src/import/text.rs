//! Text files in legacy encodings: detecting the encoding (BOM, UTF-16 without BOM, valid
//! UTF-8, else a statistical guess) and reading the file as UTF-8, counting the raw bytes
//! read for progress.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

use crate::error::{EngineError, Result};
use crate::import::display_name;

/// The first `n` bytes of a file (fewer if it is shorter).
pub fn head(path: &Path, n: usize) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| EngineError::io_at(path, "opening", e))?;
    let mut buf = Vec::with_capacity(n);
    file.take(n as u64)
        .read_to_end(&mut buf)
        .map_err(|e| EngineError::io_at(path, "reading", e))?;
    Ok(buf)
}

/// The encoding named by a label. ISO-8859-1 is read as Windows-1252, its superset, as
/// browsers do: legacy exports labelled Latin-1 are nearly always cp1252.
pub fn encoding_for_label(file: &str, label: &str) -> Result<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        EngineError::bad_input(
            file,
            format!("unknown encoding '{label}' (try utf-8, windows-1252, iso-8859-1, utf-16le)"),
        )
    })
}

/// The encoding of a file from its first bytes, and the length of its byte-order mark.
pub fn detect_encoding(sample: &[u8]) -> (&'static Encoding, usize) {
    if let Some((enc, bom)) = Encoding::for_bom(sample) {
        return (enc, bom);
    }
    // UTF-16 without a BOM: ASCII text has a zero in every other byte.
    let pairs = sample.len() / 2;
    if pairs >= 4 {
        let even_zero = sample
            .iter()
            .step_by(2)
            .take(pairs)
            .filter(|&&b| b == 0)
            .count();
        let odd_zero = sample
            .iter()
            .skip(1)
            .step_by(2)
            .take(pairs)
            .filter(|&&b| b == 0)
            .count();
        if odd_zero * 10 > pairs * 7 && even_zero * 10 < pairs {
            return (UTF_16LE, 0);
        }
        if even_zero * 10 > pairs * 7 && odd_zero * 10 < pairs {
            return (UTF_16BE, 0);
        }
    }
    if valid_utf8_prefix(sample) {
        return (UTF_8, 0);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, false);
    (detector.guess(None, chardetng::Utf8Detection::Allow), 0)
}

/// Valid UTF-8, allowing a character cut off at the end of the sample.
fn valid_utf8_prefix(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && sample.len() - e.valid_up_to() < 4,
    }
}

/// Counts the raw bytes read from the file, for progress.
pub struct ByteCounter<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for ByteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A file opened as UTF-8 bytes. UTF-8 files are passed through untouched (so invalid
/// sequences can be flagged per row); other encodings are transcoded.
pub struct DecodedFile {
    pub reader: Box<dyn Read>,
    pub encoding: &'static Encoding,
    /// Raw bytes read so far.
    pub raw_read: Arc<AtomicU64>,
    /// The first bytes of the text, decoded, for sniffing.
    pub sample: String,
}

pub fn open_decoded(path: &Path, encoding_label: Option<&str>) -> Result<DecodedFile> {
    let file_name = display_name(path);
    let sample = head(path, 64 * 1024)?;
    if sample.is_empty() {
        return Err(EngineError::bad_input(&file_name, "the file is empty"));
    }
    let (detected, bom) = detect_encoding(&sample);
    let encoding = match encoding_label {
        Some(label) => encoding_for_label(&file_name, label)?,
        None => detected,
    };
    let is_utf16 = encoding == UTF_16LE || encoding == UTF_16BE;
    if !is_utf16 && let Some(pos) = sample.iter().position(|&b| b == 0) {
        return Err(EngineError::bad_input(
            &file_name,
            format!("not a text file: binary content (NUL byte at offset {pos})"),
        ));
    }
    let raw_read = Arc::new(AtomicU64::new(0));
    let file = File::open(path).map_err(|e| EngineError::io_at(path, "opening", e))?;
    let counter = ByteCounter {
        inner: BufReader::with_capacity(256 * 1024, file),
        count: raw_read.clone(),
    };
    let (decoded_sample, _) =
        encoding.decode_without_bom_handling(&sample[bom.min(sample.len())..]);
    let reader: Box<dyn Read> = if encoding == UTF_8 {
        let mut counter = counter;
        if bom > 0 {
            let mut skip = vec![0u8; bom];
            counter
                .read_exact(&mut skip)
                .map_err(|e| EngineError::io_at(path, "reading", e))?;
        }
        Box::new(counter)
    } else {
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .bom_override(true)
                .build(counter),
        )
    };
    Ok(DecodedFile {
        reader,
        encoding,
        raw_read,
        sample: decoded_sample.into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected() {
        let cp1252 = b"NAME,CITY\nMu\xF1oz,S\xE3o Paulo\nJos\xE9,Caf\xE9\n";
        let utf16le: Vec<u8> = "NAME,CITY\nMuñoz,x\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let utf16be: Vec<u8> = "NAME,CITY\nMuñoz,x\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        let cases: Vec<(&str, Vec<u8>, &str, usize)> = vec![
            ("utf-8", "NAME\nMuñoz\n".as_bytes().to_vec(), "UTF-8", 0),
            ("utf-8 bom", b"\xEF\xBB\xBFNAME\n".to_vec(), "UTF-8", 3),
            (
                "utf-16le bom",
                [&[0xFF, 0xFE][..], &utf16le].concat(),
                "UTF-16LE",
                2,
            ),
            ("utf-16le", utf16le.clone(), "UTF-16LE", 0),
            ("utf-16be", utf16be, "UTF-16BE", 0),
            ("cp1252", cp1252.to_vec(), "windows-1252", 0),
            ("ascii", b"A,B\n1,2\n".to_vec(), "UTF-8", 0),
        ];
        for (what, bytes, expected, bom) in cases {
            let (enc, b) = detect_encoding(&bytes);
            assert_eq!((enc.name(), b), (expected, bom), "{what}");
        }
    }

    #[test]
    fn a_cut_off_character_at_the_end_of_the_sample_is_still_utf8() {
        let s = "Muñoz".as_bytes();
        assert!(valid_utf8_prefix(&s[..4]), "ñ cut in half");
        assert!(!valid_utf8_prefix(b"Mu\xF1oz"));
    }

    #[test]
    fn latin1_labels_read_as_cp1252() {
        assert_eq!(
            encoding_for_label("f", "ISO-8859-1").unwrap().name(),
            "windows-1252"
        );
        assert_eq!(
            encoding_for_label("f", "latin1").unwrap().name(),
            "windows-1252"
        );
        assert!(
            encoding_for_label("f", "klingon")
                .unwrap_err()
                .to_string()
                .contains("unknown encoding 'klingon'")
        );
    }
}
