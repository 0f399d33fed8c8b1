//! Use cases: list sources with their snapshot history, and page through a snapshot.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};

use crate::api::Ctx;
use crate::api::dto::{Page, PageRequest, SnapshotSummary, SourceSummary};
use crate::error::{EngineError, Result, SqlContext};
use crate::store::staging;

pub fn list(ctx: &Ctx) -> Result<Vec<SourceSummary>> {
    let conn = ctx.open()?;
    list_with(&conn)
}

pub(crate) fn list_with(conn: &Connection) -> Result<Vec<SourceSummary>> {
    let mut sources: BTreeMap<i64, SourceSummary> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT id, name FROM source ORDER BY id")
        .ctx("listing sources")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .ctx("listing sources")?;
    for row in rows {
        let (id, name) = row.ctx("listing sources")?;
        sources.insert(
            id,
            SourceSummary {
                id,
                name,
                snapshots: Vec::new(),
            },
        );
    }
    let mut stmt = conn
        .prepare(
            "SELECT s.id, s.source_id, s.seq, s.file_name, s.imported_at, s.row_count,
                    (SELECT count(*) FROM snapshot_column c WHERE c.snapshot_id = s.id), s.flagged_rows
             FROM snapshot s ORDER BY s.source_id, s.seq",
        )
        .ctx("listing snapshots")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(SnapshotSummary {
                id: r.get(0)?,
                source_id: r.get(1)?,
                seq: r.get(2)?,
                file_name: r.get(3)?,
                imported_at: r.get(4)?,
                row_count: r.get(5)?,
                column_count: r.get(6)?,
                flagged_rows: r.get(7)?,
            })
        })
        .ctx("listing snapshots")?;
    for snap in rows {
        let snap = snap.ctx("listing snapshots")?;
        if let Some(source) = sources.get_mut(&snap.source_id) {
            source.snapshots.push(snap);
        }
    }
    Ok(sources.into_values().collect())
}

/// The snapshot `seq` of source `name`, or its latest when `seq` is `None`.
pub fn snapshot_id(ctx: &Ctx, name: &str, seq: Option<u32>) -> Result<i64> {
    let conn = ctx.open()?;
    snapshot_id_with(&conn, name, seq)
}

pub(crate) fn snapshot_id_with(conn: &Connection, name: &str, seq: Option<u32>) -> Result<i64> {
    let found: Option<i64> = match seq {
        Some(seq) => conn.query_row(
            "SELECT s.id FROM snapshot s JOIN source o ON o.id = s.source_id WHERE o.name = ?1 AND s.seq = ?2",
            (name, seq),
            |r| r.get(0),
        ),
        None => conn.query_row(
            "SELECT s.id FROM snapshot s JOIN source o ON o.id = s.source_id WHERE o.name = ?1 ORDER BY s.seq DESC LIMIT 1",
            [name],
            |r| r.get(0),
        ),
    }
    .optional()
    .ctx("finding snapshot")?;
    found.ok_or_else(|| EngineError::NoSuchRecord {
        what: match seq {
            Some(seq) => format!("snapshot {seq} of source '{name}'"),
            None => format!("source '{name}'"),
        },
    })
}

pub fn page(ctx: &Ctx, req: &PageRequest) -> Result<Page> {
    let conn = ctx.open()?;
    staging::page(&conn, req)
}
