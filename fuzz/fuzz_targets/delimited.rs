//! Arbitrary bytes as a delimited export: the sniffer, then the whole file read through
//! `import::open` (encoding detection, delimiter sniffing, records). Never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use cutover_engine::import::{self, FileFormat, ReadOptions, delimited};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cutover-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch dir");
        dir.join("input.csv")
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = delimited::sniff_delimiter(data);
    let path = scratch();
    if std::fs::write(path, data).is_err() {
        return;
    }
    let options = ReadOptions {
        format: Some(FileFormat::Delimited),
        ..Default::default()
    };
    if let Ok(tables) = import::open(path, &options) {
        for mut t in tables {
            let mut last = 0;
            while let Ok(Some(r)) = t.reader.next_record() {
                assert!(r.line > last, "lines go forward");
                last = r.line;
            }
        }
    }
});
