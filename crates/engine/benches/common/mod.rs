//! Shared by the benchmarks: a deterministic generator of wide legacy-looking CSV files.
// Each benchmark uses only part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

/// A small deterministic generator (xorshift), so every run pages the same data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Write `rows` rows × 20 columns: ids, names, numbers, `MM/DD/YYYY` dates and quoted
/// text with commas. Returns the file size in bytes.
pub fn write_wide_csv(path: &Path, rows: u64) -> u64 {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create csv"));
    let header: Vec<String> = (1..=20).map(|i| format!("COL_{i:02}")).collect();
    writeln!(out, "{}", header.join(",")).expect("write");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for r in 1..=rows {
        let mut line = format!("ID{r:08}");
        for c in 1..20 {
            match c % 4 {
                0 => line.push_str(&format!(
                    ",{:02}/{:02}/{}",
                    1 + rng.below(12),
                    1 + rng.below(28),
                    1930 + rng.below(90)
                )),
                1 => line.push_str(&format!(",NAME{}", rng.below(5000))),
                2 => line.push_str(&format!(",{}", rng.below(100_000))),
                _ => line.push_str(&format!(",\"text {} with, comma\"", rng.below(1000))),
            }
        }
        writeln!(out, "{line}").expect("write");
    }
    drop(out);
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Peak resident memory of this process so far, in MB (Linux `VmHWM`).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A new project in `dir` with `file` imported as one snapshot, and the import's seconds.
pub fn import_into_new_project(
    dir: &Path,
    file: &Path,
) -> (
    cutover_engine::api::Ctx,
    cutover_engine::api::dto::ImportSummary,
    f64,
) {
    use cutover_engine::api::{self, Cancel, Ctx, NoProgress};
    let ctx = Ctx::new(dir.join("bench.cutover"));
    api::project::create(&ctx, Some("bench")).expect("project");
    let started = std::time::Instant::now();
    let summary = api::import::run(
        &ctx,
        &cutover_engine::api::dto::ImportRequest {
            path: file.display().to_string(),
            ..Default::default()
        },
        &NoProgress,
        &Cancel::new(),
    )
    .expect("import")
    .remove(0);
    (ctx, summary, started.elapsed().as_secs_f64())
}
