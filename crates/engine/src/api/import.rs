//! Use cases: preview a legacy export (what would be imported, detected settings, first
//! rows), and import it as a new snapshot of a source (one per sheet for workbooks).
//!
//! An import is written in one transaction: a cancelled or failed import leaves nothing
//! behind, and readers (the grid) never see a half-written snapshot.

use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior};
use tracing::info;

use crate::api::dto::{ImportPreview, ImportRequest, ImportSummary, Stage, TablePreview};
use crate::api::{Cancel, Ctx, ProgressSink, Throttled};
use crate::error::{EngineError, Result, SqlContext};
use crate::import::{self, ReadOptions, Record, Table, display_name, unique_header_names};
use crate::store::staging;

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
        header_row: req.header_row,
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
            header_row: table.header_row,
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
    let file = FileInfo {
        name: file_name,
        path: absolute.display().to_string(),
        size: file_size,
        imported_at: ctx.now_text(),
    };
    // Reading and parsing run on this thread, SQLite writes on another: the two halves
    // of an import take about as long as each other, and the machine has two cores.
    std::thread::scope(|scope| {
        let (to_writer, batches) = mpsc::sync_channel::<Message>(4);
        let (recycle, recycled) = mpsc::channel::<Vec<Record>>();
        let writer = scope.spawn(|| write_snapshots(ctx, &file, batches, recycle));
        let read = read_tables(req, tables, count, &to_writer, &recycled, progress, cancel);
        if read.is_err() {
            let _ = to_writer.send(Message::Abort);
        }
        drop(to_writer);
        let written = writer
            .join()
            .map_err(|_| EngineError::Internal("the import writer stopped unexpectedly".into()))?;
        let mut summaries = read?;
        let written = written?;
        for (summary, w) in summaries.iter_mut().zip(written) {
            summary.source_id = w.source_id;
            summary.snapshot_id = w.snapshot_id;
            summary.seq = w.seq;
            info!(
                snapshot_id = w.snapshot_id,
                source_id = w.source_id,
                rows = summary.rows,
                "import finished"
            );
        }
        Ok(summaries)
    })
}

/// Records sent to the writer at a time.
const BATCH: usize = 1024;

struct FileInfo {
    name: String,
    path: String,
    size: i64,
    imported_at: String,
}

enum Message {
    /// A new table: the source it goes to and its (unique) column names and raw names.
    Table {
        source_name: String,
        columns: Vec<(String, String)>,
    },
    Rows(Vec<Record>),
    /// The table is complete, with these counts.
    TableDone {
        rows: i64,
        flagged: i64,
    },
    /// Everything was read: commit.
    Commit,
    /// Reading failed or was cancelled: keep nothing.
    Abort,
}

struct Written {
    source_id: i64,
    snapshot_id: i64,
    seq: u32,
}

#[allow(clippy::too_many_arguments)]
fn read_tables(
    req: &ImportRequest,
    tables: Vec<Table>,
    count: usize,
    to_writer: &mpsc::SyncSender<Message>,
    recycled: &mpsc::Receiver<Vec<Record>>,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<Vec<ImportSummary>> {
    let send = |m: Message| {
        to_writer
            .send(m)
            .map_err(|_| EngineError::Internal("the import writer stopped".into()))
    };
    let mut summaries = Vec::with_capacity(count);
    for mut table in tables {
        let started = Instant::now();
        let source_name = source_name(req, &table, count);
        let columns = unique_header_names(table.reader.header());
        let width = columns.len();
        send(Message::Table {
            source_name: source_name.clone(),
            columns,
        })?;
        let unit = if table.sheet.is_some() {
            "rows"
        } else {
            "bytes"
        };
        let mut throttle = Throttled::new(progress, Stage::Import, unit, Some(table.size as i64));
        let (mut rows, mut flagged) = (0i64, 0i64);
        loop {
            let mut batch = recycled
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BATCH));
            let mut filled = 0;
            while filled < BATCH {
                if filled == batch.len() {
                    batch.push(Record::empty());
                }
                if !table.reader.read_into(&mut batch[filled])? {
                    break;
                }
                batch[filled].values.resize(width, None);
                if batch[filled].flag.is_some() {
                    flagged += 1;
                }
                filled += 1;
            }
            batch.truncate(filled);
            rows += filled as i64;
            let done = filled < BATCH;
            if filled > 0 {
                send(Message::Rows(batch))?;
            }
            cancel.check("import")?;
            throttle.tick(table.reader.progress() as i64);
            if done {
                break;
            }
        }
        send(Message::TableDone { rows, flagged })?;
        throttle.finish(table.size as i64);
        summaries.push(ImportSummary {
            source_id: 0,
            source_name,
            snapshot_id: 0,
            seq: 0,
            file_name: req_file_name(req),
            sheet: table.sheet.clone(),
            detected: table.detected.clone(),
            notes: table.notes.clone(),
            rows,
            flagged_rows: flagged,
            columns: width as u32,
            elapsed_ms: started.elapsed().as_millis() as i64,
        });
    }
    cancel.check("import")?;
    send(Message::Commit)?;
    Ok(summaries)
}

fn req_file_name(req: &ImportRequest) -> String {
    display_name(Path::new(&req.path))
}

/// The writer: one IMMEDIATE transaction for the whole file, committed only when the
/// reader says everything was read.
fn write_snapshots(
    ctx: &Ctx,
    file: &FileInfo,
    batches: mpsc::Receiver<Message>,
    recycle: mpsc::Sender<Vec<Record>>,
) -> Result<Vec<Written>> {
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting import")?;
    let mut written = Vec::new();
    let aborted = || EngineError::Cancelled {
        what: "import".into(),
    };
    loop {
        match batches.recv().map_err(|_| aborted())? {
            Message::Table {
                source_name,
                columns,
            } => {
                let w = begin_snapshot(&tx, file, &source_name, &columns)?;
                let mut stmt = tx
                    .prepare(&staging::insert_sql(w.snapshot_id, columns.len()))
                    .ctx("preparing row insert")?;
                let mut row: i64 = 0;
                loop {
                    match batches.recv().map_err(|_| aborted())? {
                        Message::Rows(records) => {
                            for record in &records {
                                row += 1;
                                insert_row(&mut stmt, row, record)?;
                            }
                            let _ = recycle.send(records);
                        }
                        Message::TableDone { rows, flagged } => {
                            tx.execute(
                                "UPDATE snapshot SET row_count = ?1, flagged_rows = ?2 WHERE id = ?3",
                                (rows, flagged, w.snapshot_id),
                            )
                            .ctx("finishing snapshot")?;
                            break;
                        }
                        Message::Abort => return Err(aborted()),
                        Message::Table { .. } | Message::Commit => {
                            return Err(EngineError::Internal(
                                "import messages out of order".into(),
                            ));
                        }
                    }
                }
                written.push(w);
            }
            Message::Commit => {
                tx.commit().ctx("committing import")?;
                return Ok(written);
            }
            Message::Abort => return Err(aborted()),
            Message::Rows(_) | Message::TableDone { .. } => {
                return Err(EngineError::Internal("import messages out of order".into()));
            }
        }
    }
}

fn begin_snapshot(
    tx: &Transaction<'_>,
    file: &FileInfo,
    source_name: &str,
    columns: &[(String, String)],
) -> Result<Written> {
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
                (source_name, &file.imported_at),
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
        (source_id, seq, &file.name, &file.path, file.size, &file.imported_at),
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
    Ok(Written {
        source_id,
        snapshot_id,
        seq,
    })
}

fn insert_row(stmt: &mut rusqlite::Statement<'_>, row: i64, record: &Record) -> Result<()> {
    let extra = if record.extra.is_empty() {
        None
    } else {
        Some(
            serde_json::to_string(&record.extra)
                .map_err(|e| EngineError::Internal(e.to_string()))?,
        )
    };
    stmt.raw_bind_parameter(1, row).ctx("binding row")?;
    stmt.raw_bind_parameter(2, record.line as i64)
        .ctx("binding row")?;
    stmt.raw_bind_parameter(3, &record.hash[..])
        .ctx("binding row")?;
    stmt.raw_bind_parameter(4, &record.flag)
        .ctx("binding row")?;
    stmt.raw_bind_parameter(5, &extra).ctx("binding row")?;
    for (i, v) in record.values.iter().enumerate() {
        stmt.raw_bind_parameter(6 + i, v).ctx("binding row")?;
    }
    stmt.raw_execute().ctx("staging row")?;
    Ok(())
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
