//! Arbitrary bytes as an HL7 v2 archive (segments, MLLP framing, batches) and as one
//! message for the parser and its path lookups. Never a panic.
#![no_main]

use cutover_engine::import::RecordSource;
use cutover_engine::import::hl7::{Hl7Message, Hl7Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = Hl7Reader::from_reader("fuzz.hl7", std::io::Cursor::new(data.to_vec()));
    let mut kept = 0usize;
    while let Ok(Some(r)) = reader.next_record() {
        kept += r
            .values
            .get(4)
            .and_then(|v| v.as_ref())
            .map_or(0, String::len);
    }
    assert_eq!(reader.progress(), data.len() as u64);
    let _ = kept;

    let text = String::from_utf8_lossy(data);
    if let Ok(m) = Hl7Message::parse(&text) {
        for path in [
            "MSH-1",
            "MSH-2",
            "MSH-9.2",
            "PID-3[2].1",
            "OBX[2]-5",
            "PID-5.1.2",
        ] {
            let _ = m.get(path);
        }
        // A path made of the input's own last characters.
        let tail: String = text.chars().rev().take(12).collect();
        let _ = m.get(&tail);
        let _ = m.to_text();
    }
});
