//! Benchmark: paging through a generated 1,000,000-row × 20-column source, the way the
//! app's grid does (each page through `api::sources::page`, which opens the project like
//! the app does). Prints import time and page-fetch p50/p95/max for plain, sorted and
//! filtered views. Run: `cargo bench -p cutover-engine --bench paging` (ROWS=… to change
//! the size). A benchmark, not a test: it asserts nothing about time.

use std::time::{Duration, Instant};

use cutover_engine::api;
use cutover_engine::api::dto::{ColumnFilter, PageRequest, SortDirection, SortSpec};

mod common;
use common::Rng;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label:<36} n={:<5} p50={:>7.2} ms  p95={:>7.2} ms  max={:>7.2} ms",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );
}

fn main() {
    let rows: u64 = std::env::var("ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("wide.csv");
    let started = Instant::now();
    common::write_wide_csv(&csv, rows);
    let size = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {rows} rows x 20 columns ({:.1} MB) in {:.1} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let (ctx, summary, secs) = common::import_into_new_project(dir.path(), &csv);
    println!(
        "import: {} rows in {secs:.2} s ({:.0} rows/s)",
        summary.rows,
        summary.rows as f64 / secs
    );
    let snapshot_id = summary.snapshot_id;
    let total = summary.rows;
    let mut rng = Rng(42);
    let page = |offset: i64, sort: Option<SortSpec>, filters: Vec<ColumnFilter>| {
        let t = Instant::now();
        let p = api::sources::page(
            &ctx,
            &PageRequest {
                snapshot_id,
                offset,
                limit: 100,
                sort,
                filters,
            },
        )
        .expect("page");
        assert!(!p.rows.is_empty() || offset >= p.total_rows);
        t.elapsed()
    };

    let plain: Vec<Duration> = (0..1000)
        .map(|_| page(rng.below(total as u64 - 100) as i64, None, vec![]))
        .collect();
    report("page, file order, random offset", plain);
    let scroll: Vec<Duration> = (0..500).map(|i| page(i * 37, None, vec![])).collect();
    report("page, file order, scrolling", scroll);

    let sort = SortSpec {
        column: 1,
        direction: SortDirection::Asc,
    };
    let t = Instant::now();
    page(0, Some(sort.clone()), vec![]);
    println!(
        "first sorted page (builds the column index): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let sorted_top: Vec<Duration> = (0..200)
        .map(|i| page(i * 100, Some(sort.clone()), vec![]))
        .collect();
    report("page, sorted, first 20,000 rows", sorted_top);
    let sorted_deep: Vec<Duration> = (0..50)
        .map(|_| {
            page(
                rng.below(total as u64 - 100) as i64,
                Some(sort.clone()),
                vec![],
            )
        })
        .collect();
    report("page, sorted, random offset", sorted_deep);
    let filter = vec![ColumnFilter {
        column: 1,
        contains: "NAME12".into(),
        mode: None,
    }];
    let filtered: Vec<Duration> = (0..20)
        .map(|i| page(i * 100, None, filter.clone()))
        .collect();
    report("page, filtered (contains, counts all)", filtered);
}
