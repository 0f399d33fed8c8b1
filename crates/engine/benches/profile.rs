//! Benchmark: profiling a generated 1,000,000-row × 20-column source (`api::profile::run`:
//! one pass over the staging table, every column) and reading the cached profile back.
//! Target: a million rows × 20 columns profiled in 3 s or less. Run:
//! `cargo bench -p cutover-engine --bench profile` (ROWS=… to change the size, RUNS=… for
//! more timed runs). A benchmark, not a test: it asserts nothing about time.

use std::io::Write;
use std::time::Instant;

use cutover_engine::api::{self, Cancel, NoProgress};

mod common;
use common::{Rng, peak_rss_mb};

/// 20 columns as a legacy export has them: a unique id, then dates (some blank), names,
/// numbers, quoted free text, ZIP-like codes with leading zeros and Y/N flags.
fn write_csv(path: &std::path::Path, rows: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create csv"));
    let header: Vec<String> = (1..=20).map(|i| format!("COL_{i:02}")).collect();
    writeln!(out, "{}", header.join(",")).expect("write");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for r in 1..=rows {
        let mut line = format!("ID{r:08}");
        for c in 1..20 {
            match c % 6 {
                0 if rng.below(20) == 0 => line.push(','),
                0 => line.push_str(&format!(
                    ",{:02}/{:02}/{}",
                    1 + rng.below(12),
                    1 + rng.below(28),
                    1930 + rng.below(90)
                )),
                1 => line.push_str(&format!(",NAME{}", rng.below(5000))),
                2 => line.push_str(&format!(",{}", rng.below(100_000))),
                3 => line.push_str(&format!(",\"text {} with, comma\"", rng.below(1000))),
                4 => line.push_str(&format!(",{:05}", rng.below(100_000))),
                _ => line.push_str(if rng.below(3) == 0 { ",Y" } else { ",N" }),
            }
        }
        writeln!(out, "{line}").expect("write");
    }
}

fn main() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rows = env("ROWS", 1_000_000);
    let runs = env("RUNS", 3).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("wide.csv");
    let started = Instant::now();
    write_csv(&csv, rows);
    let size = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {rows} rows x 20 columns ({:.1} MB) in {:.1} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let (ctx, summary, secs) = common::import_into_new_project(dir.path(), &csv);
    let snapshot_id = summary.snapshot_id;
    println!("import: {secs:.2} s");
    let rss_before = peak_rss_mb();

    let mut times = Vec::new();
    let mut profile = None;
    for run in 1..=runs {
        let started = Instant::now();
        let p = api::profile::run(&ctx, snapshot_id, &NoProgress, &Cancel::new()).expect("profile");
        let secs = started.elapsed().as_secs_f64();
        println!(
            "profile run {run}: {} rows x {} columns in {secs:.2} s ({:.1} M cells/s)",
            p.rows,
            p.columns.len(),
            p.rows as f64 * p.columns.len() as f64 / secs / 1e6
        );
        times.push(secs);
        profile = Some(p);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "profile: best {:.2} s, median {:.2} s over {runs} runs (target: <= 3 s for 1,000,000 x 20)",
        times[0],
        times[times.len() / 2]
    );
    println!(
        "peak memory: {:.0} MB after import, {:.0} MB after profiling",
        rss_before,
        peak_rss_mb()
    );

    let started = Instant::now();
    let cached = api::profile::cached(&ctx, snapshot_id)
        .expect("cached")
        .expect("a cached profile");
    println!(
        "cached profile read back in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(Some(&cached), profile.as_ref());

    for c in cached.columns.iter().take(7) {
        println!(
            "  {:<7} {:?}{} fits {:>7}  blanks {:>6}  distinct {}{:>7}  patterns {:>4}  min {:?} max {:?}",
            c.name,
            c.inferred.kind,
            c.inferred
                .format
                .as_ref()
                .map(|f| format!(" {f}"))
                .unwrap_or_default(),
            c.inferred.fits,
            c.blanks,
            if c.distinct_capped { ">=" } else { "" },
            c.distinct,
            c.distinct_patterns,
            c.min.as_deref().unwrap_or(""),
            c.max.as_deref().unwrap_or(""),
        );
    }
}
