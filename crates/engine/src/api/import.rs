//! Use cases: preview a legacy export (what would be imported, detected settings, first
//! rows), and import it as a new snapshot of a source (one per sheet for workbooks).
//!
//! An import is written in one transaction: a cancelled or failed import leaves nothing
//! behind, and readers (the grid) never see a half-written snapshot.

use std::path::Path;
use std::time::Instant;

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior};
use tracing::info;

use crate::api::dto::{ImportPreview, ImportRequest, ImportSummary, Stage, TablePreview};
use crate::api::{Cancel, Ctx, ProgressSink, Throttled};
use crate::error::{EngineError, Result, SqlContext};
use crate::import::{self, ReadOptions, Table, display_name, unique_header_names};
use crate::store::staging;

/// Rows between cancel checks and progress reports.
const CHECK_EVERY: i64 = 4096;

/// Rows shown in a preview.
const PREVIEW_ROWS: usize = 10;

fn read_options(req: &ImportRequest) -> Result<ReadOptions> {
    let delimiter = match req.delimiter.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("tab") | Some("\\t") | Some("\t") => Some(b'\t'),
        Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
        Some(d) => {
            return Err(EngineError::bad_input(
                display_name(Path::new(&req.path)),
                format!("delimiter '{d}' must be one character or 'tab'"),
            ));
        }
    };
    Ok(ReadOptions {
        format: req.format,
        encoding: req.encoding.clone().filter(|e| !e.trim().is_empty()),
        delimiter,
        sheets: req.sheets.clone(),
    })
}

fn source_name(req: &ImportRequest, table: &Table, tables: usize) -> String {
    let path = Path::new(&req.path);
    let base = match &req.source_name {
        Some(name) if !name.trim().is_empty() => name.trim().to_string(),
        _ => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| display_name(path)),
    };
    match &table.sheet {
        Some(sheet) if tables > 1 || req.source_name.is_none() => format!("{base}/{sheet}"),
        _ => base,
    }
}

/// Read the file's first rows with the detected (or requested) settings; write nothing.
pub fn preview(req: &ImportRequest) -> Result<ImportPreview> {
    let path = Path::new(&req.path);
    let options = read_options(req)?;
    let format = match options.format {
        Some(f) => f,
        None => {
            if !path.is_file() {
                return Err(EngineError::NotFound {
                    path: path.to_path_buf(),
                });
            }
            import::detect_format(path)?
        }
    };
    let tables = import::open(
        path,
        &ReadOptions {
            format: Some(format),
            ..options
        },
    )?;
    let count = tables.len();
    let mut previews = Vec::with_capacity(count);
    for mut table in tables {
        let mut rows = Vec::new();
        while rows.len() < PREVIEW_ROWS {
            match table.reader.next_record()? {
                Some(r) => rows.push(r.values),
                None => break,
            }
        }
        previews.push(TablePreview {
            sheet: table.sheet.clone(),
            source_name: source_name(req, &table, count),
            detected: table.detected.clone(),
            notes: table.notes.clone(),
            columns: unique_header_names(table.reader.header())
                .into_iter()
                .map(|(n, _)| n)
                .collect(),
            rows,
        });
    }
    Ok(ImportPreview {
        path: req.path.clone(),
        file_name: display_name(path),
        format,
        tables: previews,
    })
}

pub fn run(
    ctx: &Ctx,
    req: &ImportRequest,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<Vec<ImportSummary>> {
    let path = Path::new(&req.path);
    let file_name = display_name(path);
    let options = read_options(req)?;
    let tables = import::open(path, &options)?;
    let count = tables.len();
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let file_size = std::fs::metadata(path)
        .map_err(|e| EngineError::io_at(path, "reading", e))?
        .len() as i64;

    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting import")?;
    let now = ctx.now_text();
    let mut summaries = Vec::with_capacity(count);
    for table in tables {
        let name = source_name(req, &table, count);
        let started = Instant::now();
        let summary = stage_table(
            &tx,
            table,
            &name,
            &file_name,
            &absolute.display().to_string(),
            file_size,
            &now,
            progress,
            cancel,
        )?;
        summaries.push(ImportSummary {
            elapsed_ms: started.elapsed().as_millis() as i64,
            ..summary
        });
    }
    cancel.check("import")?;
    tx.commit().ctx("committing import")?;
    Ok(summaries)
}

#[allow(clippy::too_many_arguments)]
fn stage_table(
    tx: &Transaction<'_>,
    mut table: Table,
    source_name: &str,
    file_name: &str,
    file_path: &str,
    file_size: i64,
    now: &str,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<ImportSummary> {
    let columns = unique_header_names(table.reader.header());
    let source_id: i64 = match tx
        .query_row(
            "SELECT id FROM source WHERE name = ?1",
            [source_name],
            |r| r.get(0),
        )
        .optional()
        .ctx("finding source")?
    {
        Some(id) => id,
        None => {
            tx.execute(
                "INSERT INTO source (name, created_at) VALUES (?1, ?2)",
                (source_name, now),
            )
            .ctx("creating source")?;
            tx.last_insert_rowid()
        }
    };
    let seq: u32 = tx
        .query_row(
            "SELECT coalesce(max(seq), 0) + 1 FROM snapshot WHERE source_id = ?1",
            [source_id],
            |r| r.get(0),
        )
        .ctx("numbering snapshot")?;
    tx.execute(
        "INSERT INTO snapshot (source_id, seq, file_name, file_path, file_size, imported_at, row_count, flagged_rows)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0)",
        (source_id, seq, file_name, file_path, file_size, now),
    )
    .ctx("creating snapshot")?;
    let snapshot_id = tx.last_insert_rowid();
    {
        let mut col_stmt = tx
            .prepare("INSERT INTO snapshot_column (snapshot_id, idx, name, raw_name) VALUES (?1, ?2, ?3, ?4)")
            .ctx("saving columns")?;
        for (i, (name, raw)) in columns.iter().enumerate() {
            col_stmt
                .execute((snapshot_id, i as i64, name, raw))
                .ctx("saving columns")?;
        }
    }
    staging::create_table(tx, snapshot_id, columns.len())?;

    let unit = if table.sheet.is_some() {
        "rows"
    } else {
        "bytes"
    };
    let mut throttle = Throttled::new(progress, Stage::Import, unit, Some(table.size as i64));
    let mut rows: i64 = 0;
    let mut flagged: i64 = 0;
    {
        let mut stmt = tx
            .prepare(&staging::insert_sql(snapshot_id, columns.len()))
            .ctx("preparing row insert")?;
        while let Some(record) = table.reader.next_record()? {
            rows += 1;
            if record.flag.is_some() {
                flagged += 1;
            }
            let extra = if record.extra.is_empty() {
                None
            } else {
                Some(
                    serde_json::to_string(&record.extra)
                        .map_err(|e| EngineError::Internal(e.to_string()))?,
                )
            };
            stmt.raw_bind_parameter(1, rows).ctx("binding row")?;
            stmt.raw_bind_parameter(2, record.line as i64)
                .ctx("binding row")?;
            stmt.raw_bind_parameter(3, &record.hash[..])
                .ctx("binding row")?;
            stmt.raw_bind_parameter(4, &record.flag)
                .ctx("binding row")?;
            stmt.raw_bind_parameter(5, &extra).ctx("binding row")?;
            for (i, v) in record.values.iter().enumerate().take(columns.len()) {
                stmt.raw_bind_parameter(6 + i, v).ctx("binding row")?;
            }
            stmt.raw_execute().ctx("staging row")?;
            if rows % CHECK_EVERY == 0 {
                cancel.check("import")?;
                throttle.tick(table.reader.progress() as i64);
            }
        }
    }
    cancel.check("import")?;
    tx.execute(
        "UPDATE snapshot SET row_count = ?1, flagged_rows = ?2 WHERE id = ?3",
        (rows, flagged, snapshot_id),
    )
    .ctx("finishing snapshot")?;
    throttle.finish(table.size as i64);
    info!(snapshot_id, source_id, rows, flagged, "import finished");
    Ok(ImportSummary {
        source_id,
        source_name: source_name.to_string(),
        snapshot_id,
        seq,
        file_name: file_name.to_string(),
        sheet: table.sheet.clone(),
        detected: table.detected.clone(),
        notes: table.notes.clone(),
        rows,
        flagged_rows: flagged,
        columns: columns.len() as u32,
        elapsed_ms: 0,
    })
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::{ErrorCode, ProgressEvent};
    use crate::api::{NoProgress, project, sources};

    fn project_with_csv(rows: usize) -> (tempfile::TempDir, Ctx, String) {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("visits.csv");
        let mut text = String::from("ID,WHEN\n");
        for i in 0..rows {
            text.push_str(&format!("{i},2026-01-01\n"));
        }
        std::fs::write(&csv, text).unwrap();
        let ctx = Ctx::new(dir.path().join("p.cutover"));
        project::create(&ctx, None).unwrap();
        (dir, ctx, csv.display().to_string())
    }

    #[test]
    fn a_cancelled_import_leaves_no_snapshot_behind() {
        let (_dir, ctx, csv) = project_with_csv(50_000);
        let cancel = Cancel::new();
        let on_progress = {
            let cancel = cancel.clone();
            move |_: ProgressEvent| cancel.cancel()
        };
        let req = ImportRequest {
            path: csv.clone(),
            source_name: None,
            ..Default::default()
        };
        let err = run(&ctx, &req, &on_progress, &cancel).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Cancelled);
        assert!(
            sources::list(&ctx).unwrap().is_empty(),
            "no source or snapshot is kept"
        );
        let conn = ctx.open().unwrap();
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'stg_%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "no staging table is kept");

        // The same import, not cancelled, then succeeds with every row.
        let done = &run(&ctx, &req, &NoProgress, &Cancel::new()).unwrap()[0];
        assert_eq!((done.rows, done.seq), (50_000, 1));
    }

    #[test]
    fn progress_counts_bytes_up_to_the_file_size() {
        let (_dir, ctx, csv) = project_with_csv(20_000);
        let seen = std::sync::Mutex::new(Vec::new());
        let sink = |e: ProgressEvent| seen.lock().unwrap().push((e.done, e.total));
        run(
            &ctx,
            &ImportRequest {
                path: csv.clone(),
                source_name: Some("visits".into()),
                ..Default::default()
            },
            &sink,
            &Cancel::new(),
        )
        .unwrap();
        let seen = seen.into_inner().unwrap();
        let size = std::fs::metadata(&csv).unwrap().len() as i64;
        assert_eq!(
            seen.last(),
            Some(&(size, Some(size))),
            "the last report is the whole file"
        );
        assert!(
            seen.windows(2).all(|w| w[0].0 <= w[1].0),
            "progress never goes back"
        );
    }
}
