//! Choosing the kept row of each record, in SQL over temporary tables of the caller's
//! connection, so that a source of millions of rows is sorted on disk rather than held in
//! memory. A filter of fixed size first sets aside the rows whose key and identifier are
//! each seen once (most of them), so only the rest are sorted. The rows are added in any
//! order; the outcome depends only on the rows.
//!
//! One more rule keeps a kept row from being refused later for its identifier: a row that
//! repeats the identifier of an earlier row is one of its record only if it has the same
//! key as the *first* row with that identifier (a different key is another record under a
//! repeated identifier, which stays an `identifier.duplicate` error). Such a row is
//! refused in advance when the record of that first row keeps a row with this identifier
//! ([`FateKind::IdentifierTaken`]), so the kept row's resource is always written.

use rusqlite::{Connection, Statement};
use uuid::Uuid;

use crate::error::{EngineError, Result, SqlContext};
use crate::mapping::duplicates::Candidate;

/// What becomes of a row that is not simply converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FateKind {
    /// One record with the kept row, which is preferred: merged into it.
    Merged,
    /// Repeats the identifier the kept row of another record carries: refused, as any
    /// repeated identifier is.
    IdentifierTaken,
}

/// The kept row of a record and the resource it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub row: i64,
    pub line: i64,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fate {
    pub row: i64,
    pub kind: FateKind,
    pub kept: Kept,
}

/// The rows of one conversion, sorted into records. Lives in the connection's temporary
/// tables (dropped and made anew by [`Records::new`]).
pub struct Records<'c> {
    conn: &'c Connection,
    add: Statement<'c>,
    repeats: Repeats,
}

/// Whether a hash was seen more than once, in two bitsets of fixed size: never wrong
/// when it says no, sometimes wrong when it says yes. Most rows are nobody's duplicate:
/// only the rows whose key or identifier may repeat go on to be sorted in SQL.
struct Repeats {
    once: Vec<u64>,
    twice: Vec<u64>,
    mask: u64,
}

impl Repeats {
    /// About 32 bits per expected hash (a row gives two), at most 2^27 bits (16 MiB) each.
    fn new(rows: usize) -> Self {
        let bits = (rows.max(64) * 32).next_power_of_two().min(1 << 27);
        Repeats {
            once: vec![0; bits / 64],
            twice: vec![0; bits / 64],
            mask: bits as u64 - 1,
        }
    }

    fn slot(&self, h: u64) -> (usize, u64) {
        let bit = h & self.mask;
        ((bit / 64) as usize, 1 << (bit % 64))
    }

    fn note(&mut self, h: u64) {
        let (word, bit) = self.slot(h);
        if self.once[word] & bit != 0 {
            self.twice[word] |= bit;
        } else {
            self.once[word] |= bit;
        }
    }

    fn repeated(&self, h: u64) -> bool {
        let (word, bit) = self.slot(h);
        self.twice[word] & bit != 0
    }
}

fn id_hash(id: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(id, 1)
}

fn key_hash(key: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(key, 2)
}

const TABLES: [&str; 6] = [
    "dup_row", "dup_sub", "dup_key", "dup_id", "dup_cand", "dup_fate",
];

/// `dup_row`: every row with an identifier. `dup_sub`: those whose key or identifier may
/// repeat. `dup_fate`: what becomes of the rows that are not simply converted.
const CREATE: &str = "
CREATE TEMP TABLE dup_row (
    row  INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,
    id   BLOB NOT NULL,
    key  BLOB,
    rank BLOB NOT NULL
);
CREATE TEMP TABLE dup_sub (
    row  INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,
    id   BLOB NOT NULL,
    key  BLOB,
    rank BLOB NOT NULL
);
CREATE TEMP TABLE dup_fate (
    row       INTEGER PRIMARY KEY,
    kind      INTEGER NOT NULL,
    kept_row  INTEGER NOT NULL,
    kept_line INTEGER NOT NULL,
    kept_id   BLOB NOT NULL
);";

/// Over `dup_sub`, exact: every row of a repeated key or identifier is there. `dup_key`:
/// keys of two rows or more. `dup_id`: repeated identifiers and their first row.
/// `dup_cand`: the rows that belong to a record of two or more (their identifier is
/// unique, or its first row has the same key), numbered best first within each record.
/// Kind 1 is merged into the record's first; kind 2 repeats the identifier of a record's
/// kept row without being of that record.
const RESOLVE: &str = "
CREATE TEMP TABLE dup_key (key BLOB PRIMARY KEY) WITHOUT ROWID;
INSERT INTO dup_key SELECT key FROM dup_sub WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1;
CREATE TEMP TABLE dup_id (id BLOB PRIMARY KEY, first INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO dup_id SELECT id, min(row) FROM dup_sub GROUP BY id HAVING count(*) > 1;
CREATE TEMP TABLE dup_cand (
    row  INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,
    id   BLOB NOT NULL,
    key  BLOB NOT NULL,
    n    INTEGER NOT NULL
);
INSERT INTO dup_cand (row, line, id, key, n)
    SELECT row, line, id, key, row_number() OVER (PARTITION BY key ORDER BY rank DESC, row DESC)
    FROM dup_sub d
    WHERE key IN (SELECT key FROM dup_key)
      AND (NOT EXISTS (SELECT 1 FROM dup_id i WHERE i.id = d.id)
           OR key = (SELECT f.key FROM dup_id i JOIN dup_sub f ON f.row = i.first WHERE i.id = d.id));
CREATE INDEX temp.dup_cand_by_key ON dup_cand (key, n);
INSERT INTO dup_fate (row, kind, kept_row, kept_line, kept_id)
    SELECT c.row, 1, k.row, k.line, k.id
    FROM dup_cand c JOIN dup_cand k ON k.key = c.key AND k.n = 1
    WHERE c.n > 1;
INSERT INTO dup_fate (row, kind, kept_row, kept_line, kept_id)
    SELECT d.row, 2, k.row, k.line, k.id
    FROM dup_sub d JOIN dup_id i ON i.id = d.id AND d.row > i.first
    JOIN dup_sub f ON f.row = i.first
    JOIN dup_cand k ON k.key = f.key AND k.n = 1 AND k.id = d.id
    WHERE d.row NOT IN (SELECT row FROM dup_cand);";

impl<'c> Records<'c> {
    /// Records for about `rows` rows (it sizes a filter; any number works).
    pub fn new(conn: &'c Connection, rows: usize) -> Result<Self> {
        drop_tables(conn)?;
        conn.execute_batch(CREATE)
            .ctx("preparing the duplicate check")?;
        let add = conn
            .prepare(
                "INSERT INTO temp.dup_row (row, line, id, key, rank) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .ctx("preparing the duplicate check")?;
        Ok(Records {
            conn,
            add,
            repeats: Repeats::new(rows),
        })
    }

    pub fn add(&mut self, c: &Candidate) -> Result<()> {
        self.repeats.note(id_hash(c.id.as_bytes()));
        if let Some(key) = &c.key {
            self.repeats.note(key_hash(key));
        }
        self.add
            .execute((
                c.row,
                c.line,
                c.id.as_bytes().as_slice(),
                c.key.as_ref().map(|k| k.as_slice()),
                c.rank.as_slice(),
            ))
            .ctx("recording a row for the duplicate check")?;
        Ok(())
    }

    /// Treat every row as one that may repeat (the filter at its worst), for tests: the
    /// outcome must not change.
    #[cfg(test)]
    pub(super) fn suspect_every_row(&mut self) {
        self.repeats.twice.fill(u64::MAX);
    }

    /// Choose the kept row of every record; the number of rows merged and of rows
    /// refused for a taken identifier.
    pub fn resolve(&self) -> Result<(i64, i64)> {
        {
            let what = "choosing the kept rows";
            let mut rows = self
                .conn
                .prepare("SELECT row, id, key FROM temp.dup_row")
                .ctx(what)?;
            let mut keep = self
                .conn
                .prepare("INSERT INTO temp.dup_sub SELECT * FROM temp.dup_row WHERE row = ?1")
                .ctx(what)?;
            let mut all = rows.query([]).ctx(what)?;
            while let Some(r) = all.next().ctx(what)? {
                let row: i64 = r.get(0).ctx(what)?;
                let id = r.get_ref(1).and_then(|v| Ok(v.as_blob()?)).ctx(what)?;
                let key = r
                    .get_ref(2)
                    .and_then(|v| Ok(v.as_blob_or_null()?))
                    .ctx(what)?;
                if self.repeats.repeated(id_hash(id))
                    || key.is_some_and(|k| self.repeats.repeated(key_hash(k)))
                {
                    keep.execute([row]).ctx(what)?;
                }
            }
        }
        self.conn
            .execute_batch(RESOLVE)
            .ctx("choosing the kept rows")?;
        self.conn
            .query_row(
                "SELECT count(*) FILTER (WHERE kind = 1), count(*) FILTER (WHERE kind = 2) FROM temp.dup_fate",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ctx("counting duplicates")
    }

    /// The fates of rows `from..=to`, in row order (rows converted as usual are absent).
    pub fn fates_between(&self, from: i64, to: i64) -> Result<Vec<Fate>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT row, kind, kept_row, kept_line, kept_id FROM temp.dup_fate
                 WHERE row BETWEEN ?1 AND ?2 ORDER BY row",
            )
            .ctx("reading duplicates")?;
        let rows = stmt
            .query_map((from, to), |r| {
                let id: Vec<u8> = r.get(4)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    id,
                ))
            })
            .ctx("reading duplicates")?;
        let mut out = Vec::new();
        for r in rows {
            let (row, kind, kept_row, kept_line, id) = r.ctx("reading duplicates")?;
            let id = Uuid::from_slice(&id)
                .map_err(|e| EngineError::Internal(format!("duplicate check: {e}")))?;
            out.push(Fate {
                row,
                kind: if kind == 1 {
                    FateKind::Merged
                } else {
                    FateKind::IdentifierTaken
                },
                kept: Kept {
                    row: kept_row,
                    line: kept_line,
                    id: id.to_string(),
                },
            });
        }
        Ok(out)
    }

    /// Drop the temporary tables.
    pub fn finish(self) -> Result<()> {
        drop(self.add);
        drop_tables(self.conn)
    }
}

fn drop_tables(conn: &Connection) -> Result<()> {
    for t in TABLES {
        conn.execute_batch(&format!("DROP TABLE IF EXISTS temp.{t}"))
            .ctx("clearing the duplicate check")?;
    }
    Ok(())
}
