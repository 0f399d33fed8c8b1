//! The pass over a snapshot's staging table. The calling thread reads rows from SQLite
//! into batches of [`BATCH_ROWS`]; worker threads, each owning some of the columns, count
//! them. Memory is bounded by the batches in flight and the counters' limits, whatever
//! the snapshot's size. Cancel is checked, and progress reported, between batches.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use rusqlite::Connection;

use crate::api::dto::{ColumnInfo, ColumnProfile};
use crate::api::{Cancel, Throttled};
use crate::error::{EngineError, Result};
use crate::profile::column::{Budget, ColumnProfiler, Limits};
use crate::store::staging;

pub const BATCH_ROWS: usize = 8192;
/// Batches queued per worker: how far reading may run ahead of counting.
const QUEUE: usize = 2;
const MAX_WORKERS: usize = 4;

/// Rows of one batch, all values in one buffer, checked to be UTF-8 once when full.
struct Batch {
    rows: usize,
    columns: usize,
    bytes: Vec<u8>,
    text: String,
    /// Per cell (row-major): start and end in `text`; `NULL` marks an absent field.
    cells: Vec<(u32, u32)>,
}

const NULL: (u32, u32) = (u32::MAX, u32::MAX);

impl Batch {
    fn new(columns: usize) -> Self {
        Batch {
            rows: 0,
            columns,
            bytes: Vec::with_capacity(BATCH_ROWS * columns * 12),
            text: String::new(),
            cells: Vec::with_capacity(BATCH_ROWS * columns),
        }
    }

    fn push(&mut self, values: &[Option<&[u8]>]) -> Result<()> {
        for v in values {
            self.cells.push(match v {
                None => NULL,
                Some(v) => {
                    let start = self.bytes.len();
                    self.bytes.extend_from_slice(v);
                    match (u32::try_from(start), u32::try_from(self.bytes.len())) {
                        (Ok(s), Ok(e)) if e != u32::MAX => (s, e),
                        _ => {
                            return Err(EngineError::Internal("a profile batch over 4 GiB".into()));
                        }
                    }
                }
            });
        }
        self.rows += 1;
        Ok(())
    }

    /// Check the whole batch is UTF-8 and every value starts and ends on a character.
    fn seal(mut self, snapshot_id: i64) -> Result<Self> {
        let not_utf8 = || {
            EngineError::Internal(format!(
                "snapshot {snapshot_id}: a staged value is not UTF-8"
            ))
        };
        self.text = String::from_utf8(std::mem::take(&mut self.bytes)).map_err(|_| not_utf8())?;
        for &(start, end) in &self.cells {
            if (start, end) != NULL
                && !(self.text.is_char_boundary(start as usize)
                    && self.text.is_char_boundary(end as usize))
            {
                return Err(not_utf8());
            }
        }
        Ok(self)
    }

    fn get(&self, row: usize, column: usize) -> Option<&str> {
        let (start, end) = self.cells[row * self.columns + column];
        if (start, end) == NULL {
            None
        } else {
            self.text.get(start as usize..end as usize)
        }
    }
}

/// How many threads count: one per core (up to four), besides the reading thread.
fn worker_count(columns: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.clamp(1, MAX_WORKERS).min(columns.max(1))
}

/// Profile every column of a snapshot in one pass. Returns the rows read and a profile
/// per column, in column order.
pub(crate) fn run(
    conn: &Connection,
    snapshot_id: i64,
    columns: &[ColumnInfo],
    progress: &mut Throttled<'_>,
    cancel: &Cancel,
) -> Result<(i64, Vec<ColumnProfile>)> {
    let n = columns.len();
    let limits = Limits::for_columns(n);
    let budget = Budget::new(Budget::HASHES);
    let workers = worker_count(n);

    let (rows, counted) = std::thread::scope(|scope| {
        let mut senders = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let (tx, rx) = sync_channel::<Arc<Batch>>(QUEUE);
            let mine: Vec<usize> = (w..n).step_by(workers).collect();
            let budget = &budget;
            handles.push(scope.spawn(move || count(rx, mine, limits, budget)));
            senders.push(tx);
        }

        let mut rows = 0i64;
        let mut batch = Batch::new(n);
        let send = |batch: Batch| -> Result<()> {
            let batch = Arc::new(batch.seal(snapshot_id)?);
            for tx in &senders {
                tx.send(Arc::clone(&batch))
                    .map_err(|_| EngineError::Internal("a profile worker stopped".into()))?;
            }
            Ok(())
        };
        let read = staging::scan_raw(conn, snapshot_id, n, |values| {
            batch.push(values)?;
            rows += 1;
            if batch.rows == BATCH_ROWS {
                send(std::mem::replace(&mut batch, Batch::new(n)))?;
                progress.tick(rows);
                cancel.check("profile")?;
            }
            Ok(true)
        })
        .and_then(|()| if batch.rows > 0 { send(batch) } else { Ok(()) });
        // Workers stop when their channel closes, after the batches already queued.
        drop(senders);
        let mut counted: Vec<Option<ColumnProfiler>> = (0..n).map(|_| None).collect();
        let mut crashed = false;
        for handle in handles {
            match handle.join() {
                Ok(done) => {
                    for (i, p) in done {
                        counted[i] = Some(p);
                    }
                }
                Err(_) => crashed = true,
            }
        }
        read?;
        if crashed {
            return Err(EngineError::Internal("a profile worker panicked".into()));
        }
        Ok((rows, counted))
    })?;
    progress.finish(rows);

    columns
        .iter()
        .zip(counted)
        .map(|(col, p)| {
            p.map(|p| p.finish(col.index, col.name.clone(), &budget))
                .ok_or_else(|| EngineError::Internal(format!("column {} not profiled", col.index)))
        })
        .collect::<Result<Vec<_>>>()
        .map(|profiles| (rows, profiles))
}

/// A worker: count its columns of every batch, a column at a time (its maps stay warm).
fn count(
    rx: Receiver<Arc<Batch>>,
    mine: Vec<usize>,
    limits: Limits,
    budget: &Budget,
) -> Vec<(usize, ColumnProfiler)> {
    let mut profilers: Vec<(usize, ColumnProfiler)> = mine
        .into_iter()
        .map(|i| (i, ColumnProfiler::new(limits)))
        .collect();
    for batch in rx {
        for (column, profiler) in &mut profilers {
            for row in 0..batch.rows {
                profiler.observe(batch.get(row, *column), budget);
            }
        }
    }
    profilers
}
