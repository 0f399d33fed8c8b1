//! The pass over a snapshot's staging table. The calling thread reads rows from SQLite
//! into batches of [`BATCH_ROWS`]; worker threads, each owning some of the columns, count
//! them. Memory is bounded by the batches in flight and the counters' limits, whatever
//! the snapshot's size. Cancel is checked, and progress reported, between batches.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::{Duration, Instant};

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
///
/// Columns cost very different amounts to count (a Y/N flag against a unique id), so the
/// first batch is counted here, timing each column, and the columns are then shared out
/// to the workers so that each gets about the same work. Every column is counted by one
/// thread, batch after batch in row order, so the result does not depend on the split.
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
        let budget = &budget;
        let mut first: Vec<Option<ColumnProfiler>> =
            (0..n).map(|_| Some(ColumnProfiler::new(limits))).collect();
        let mut senders = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        let mut dispatch = |batch: Batch| -> Result<()> {
            let batch = batch.seal(snapshot_id)?;
            if senders.is_empty() {
                let mut cost = vec![Duration::ZERO; n];
                for (column, profiler) in first.iter_mut().enumerate() {
                    let started = Instant::now();
                    if let Some(p) = profiler {
                        for row in 0..batch.rows {
                            p.observe(batch.get(row, column), budget);
                        }
                    }
                    cost[column] = started.elapsed();
                }
                for group in share_out(&cost, workers) {
                    let (tx, rx) = sync_channel::<Arc<Batch>>(QUEUE);
                    let mine: Vec<(usize, ColumnProfiler)> = group
                        .into_iter()
                        .filter_map(|c| first[c].take().map(|p| (c, p)))
                        .collect();
                    handles.push(scope.spawn(move || count(rx, mine, budget)));
                    senders.push(tx);
                }
                return Ok(());
            }
            let batch = Arc::new(batch);
            for tx in &senders {
                tx.send(Arc::clone(&batch))
                    .map_err(|_| EngineError::Internal("a profile worker stopped".into()))?;
            }
            Ok(())
        };

        let mut rows = 0i64;
        let mut batch = Batch::new(n);
        let read = staging::scan_raw(conn, snapshot_id, n, |values| {
            batch.push(values)?;
            rows += 1;
            if batch.rows == BATCH_ROWS {
                dispatch(std::mem::replace(&mut batch, Batch::new(n)))?;
                progress.tick(rows);
                cancel.check("profile")?;
            }
            Ok(true)
        })
        .and_then(|()| dispatch(batch));
        // Workers stop when their channel closes, after the batches already queued.
        drop(senders);
        let mut counted = first;
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

/// Share columns out to `workers` by cost, costliest first, each to the least loaded
/// worker (longest processing time first).
fn share_out(cost: &[Duration], workers: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..cost.len()).collect();
    order.sort_by(|&a, &b| cost[b].cmp(&cost[a]).then(a.cmp(&b)));
    let mut groups: Vec<(Duration, Vec<usize>)> =
        vec![(Duration::ZERO, Vec::new()); workers.max(1)];
    for c in order {
        if let Some(least) = groups.iter_mut().min_by_key(|(load, _)| *load) {
            least.0 += cost[c];
            least.1.push(c);
        }
    }
    groups
        .into_iter()
        .map(|(_, mut g)| {
            g.sort_unstable();
            g
        })
        .collect()
}

/// A worker: count its columns of every batch, a column at a time (its maps stay warm).
fn count(
    rx: Receiver<Arc<Batch>>,
    mut profilers: Vec<(usize, ColumnProfiler)>,
    budget: &Budget,
) -> Vec<(usize, ColumnProfiler)> {
    for batch in rx {
        for (column, profiler) in &mut profilers {
            for row in 0..batch.rows {
                profiler.observe(batch.get(row, *column), budget);
            }
        }
    }
    profilers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_shared_out_by_cost() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            share_out(&ms(&[9, 1, 8, 1, 7, 1, 6, 1]), 2),
            vec![vec![0, 1, 5, 6], vec![2, 3, 4, 7]],
            "9+6+1+1 against 8+7+1+1"
        );
        assert_eq!(
            share_out(&ms(&[5, 5, 5]), 4).len(),
            4,
            "idle workers get nothing"
        );
        assert_eq!(share_out(&ms(&[]), 2), vec![Vec::<usize>::new(), vec![]]);
    }
}
