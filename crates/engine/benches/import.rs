//! Benchmark: importing a generated 1,000,000-row × 20-column CSV into a project, side by
//! side with `sqlite3`'s own `.import` of the same file into an empty database (the
//! Debian `sqlite3` package). Cutover keeps provenance (line, content hash, flags) that
//! `.import` does not. Prints both times, the ratio and this process's peak memory.
//! Run: `cargo bench -p cutover-engine --bench import` (ROWS=… to change the size).

use std::process::Command;
use std::time::Instant;

use cutover_engine::api::dto::ImportRequest;
use cutover_engine::api::{self, Cancel, Ctx, NoProgress};

mod common;

fn main() {
    let rows: u64 = std::env::var("ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("wide.csv");
    let size = common::write_wide_csv(&csv, rows);
    println!(
        "generated {rows} rows x 20 columns ({:.1} MB)",
        size as f64 / 1e6
    );
    let before = common::peak_rss_mb();

    // sqlite3's own importer, into an empty database (default settings, as people run it).
    let db = dir.path().join("plain.db");
    let started = Instant::now();
    let status = Command::new("sqlite3")
        .arg(&db)
        .arg(".mode csv")
        .arg(format!(".import '{}' t", csv.display()))
        .status();
    let sqlite_s = started.elapsed().as_secs_f64();
    match status {
        Ok(s) if s.success() => println!("sqlite3 .import:  {sqlite_s:>6.2} s"),
        _ => {
            println!("sqlite3 .import:  not run (install the Debian sqlite3 package)");
            return;
        }
    }

    let ctx = Ctx::new(dir.path().join("bench.cutover"));
    api::project::create(&ctx, Some("bench")).expect("project");
    let started = Instant::now();
    let summary = api::import::run(
        &ctx,
        &ImportRequest {
            path: csv.display().to_string(),
            ..Default::default()
        },
        &NoProgress,
        &Cancel::new(),
    )
    .expect("import")
    .remove(0);
    let cutover_s = started.elapsed().as_secs_f64();
    assert_eq!(summary.rows as u64, rows);
    println!(
        "cutover import:   {cutover_s:>6.2} s  ({:.0} rows/s, with line, hash and flags per row)",
        rows as f64 / cutover_s
    );
    println!(
        "ratio cutover / sqlite3: {:.2} (target <= 0.80)",
        cutover_s / sqlite_s
    );
    println!(
        "peak memory: {:.0} MB for the whole bench process (before importing: {before:.0} MB)",
        common::peak_rss_mb()
    );
}
