//! Benchmark: importing a generated 200,000-row × 20-column xlsx workbook (numbers,
//! text and real Excel dates). Prints the import time, rows/s and peak memory.
//! Run: `cargo bench -p cutover-engine --bench xlsx` (ROWS=… to change the size).

use std::time::Instant;

use cutover_engine::api::dto::ImportRequest;
use cutover_engine::api::{self, Cancel, Ctx, NoProgress};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

mod common;

fn main() {
    let rows: u32 = std::env::var("ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wide.xlsx");
    let started = Instant::now();
    {
        let mut workbook = Workbook::new();
        let date_format = Format::new().set_num_format("mm/dd/yyyy");
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .expect("constant-memory worksheet");
        sheet.set_name("Patients").expect("sheet name");
        for c in 0..20u16 {
            sheet
                .write_string(0, c, format!("COL_{:02}", c + 1))
                .expect("header");
        }
        let mut rng = common::Rng(0x9E37_79B9_7F4A_7C15);
        for r in 1..=rows {
            sheet.write_string(r, 0, format!("ID{r:08}")).expect("id");
            for c in 1..20u16 {
                match c % 4 {
                    0 => {
                        let date = ExcelDateTime::from_ymd(
                            1930 + rng.below(90) as u16,
                            1 + rng.below(12) as u8,
                            1 + rng.below(28) as u8,
                        )
                        .expect("date");
                        sheet
                            .write_datetime_with_format(r, c, &date, &date_format)
                            .expect("date cell");
                    }
                    1 => {
                        sheet
                            .write_string(r, c, format!("NAME{}", rng.below(5000)))
                            .expect("text");
                    }
                    2 => {
                        sheet
                            .write_number(r, c, rng.below(100_000) as f64)
                            .expect("number");
                    }
                    _ => {
                        sheet
                            .write_string(r, c, format!("text {} with, comma", rng.below(1000)))
                            .expect("text");
                    }
                }
            }
        }
        workbook.save(&path).expect("save workbook");
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {rows} rows x 20 columns xlsx ({:.1} MB) in {:.1} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let before = common::peak_rss_mb();
    let ctx = Ctx::new(dir.path().join("bench.cutover"));
    api::project::create(&ctx, Some("bench")).expect("project");
    let started = Instant::now();
    let imported = api::import::run(
        &ctx,
        &ImportRequest {
            path: path.display().to_string(),
            ..Default::default()
        },
        &NoProgress,
        &Cancel::new(),
    )
    .expect("import");
    let secs = started.elapsed().as_secs_f64();
    let total: i64 = imported.iter().map(|s| s.rows).sum();
    println!(
        "cutover import of xlsx: {total} rows in {secs:.2} s ({:.0} rows/s)",
        total as f64 / secs
    );
    println!(
        "peak memory: {:.0} MB for the whole bench process (before importing: {before:.0} MB)",
        common::peak_rss_mb()
    );
}
