//! Use case: what changed between two snapshots of a source, with rows paired by the
//! analyst's key columns. Computed in SQLite over the staging tables (indexed on the key
//! on first use), so neither snapshot is loaded into memory.
//!
//! Pairing is strict: only keys that are non-blank and unique in both snapshots pair up.
//! A row with a blank or repeated key is counted in `duplicate_keys`, never guessed at.

use rusqlite::{Connection, params_from_iter, types::Value};

use crate::api::Ctx;
use crate::api::dto::{ChangeKind, ColumnInfo, DiffPage, DiffRequest, DiffRow, DiffSummary};
use crate::error::{EngineError, Result, SqlContext};
use crate::store::staging::{self, MAX_PAGE};

/// The two snapshots' layout: where each key and compared column sits in each.
struct Plan {
    from_table: String,
    to_table: String,
    /// (from index, to index) per key column.
    keys: Vec<(u32, u32)>,
    /// Compared columns: name and (from index, to index).
    compared: Vec<(String, u32, u32)>,
    only_in_from: Vec<String>,
    only_in_to: Vec<String>,
}

fn plan(conn: &Connection, req: &DiffRequest) -> Result<Plan> {
    if req.key_columns.is_empty() {
        return Err(EngineError::bad_input(
            "diff",
            "choose at least one key column",
        ));
    }
    let from_cols = staging::columns(conn, req.from_snapshot)?;
    let to_cols = staging::columns(conn, req.to_snapshot)?;
    if from_cols.is_empty() && to_cols.is_empty() {
        return Err(EngineError::NoSuchRecord {
            what: format!("snapshots {} and {}", req.from_snapshot, req.to_snapshot),
        });
    }
    let find =
        |cols: &[ColumnInfo], name: &str| cols.iter().find(|c| c.name == name).map(|c| c.index);
    let mut keys = Vec::new();
    for k in &req.key_columns {
        match (find(&from_cols, k), find(&to_cols, k)) {
            (Some(a), Some(b)) => keys.push((a, b)),
            _ => {
                return Err(EngineError::bad_input(
                    "diff",
                    format!("key column '{k}' is not in both snapshots"),
                ));
            }
        }
    }
    let compared = to_cols
        .iter()
        .filter_map(|c| find(&from_cols, &c.name).map(|a| (c.name.clone(), a, c.index)))
        .collect();
    Ok(Plan {
        from_table: staging::table_name(req.from_snapshot),
        to_table: staging::table_name(req.to_snapshot),
        keys,
        compared,
        only_in_from: from_cols
            .iter()
            .filter(|c| find(&to_cols, &c.name).is_none())
            .map(|c| c.name.clone())
            .collect(),
        only_in_to: to_cols
            .iter()
            .filter(|c| find(&from_cols, &c.name).is_none())
            .map(|c| c.name.clone())
            .collect(),
    })
}

impl Plan {
    fn key_cols(&self, side: Side) -> Vec<u32> {
        self.keys.iter().map(|&(a, b)| side.pick(a, b)).collect()
    }

    /// Rows of one side whose key is non-blank and unique within that side.
    fn unique_keyed(&self, side: Side, alias: &str) -> String {
        let table = side.pick(&self.from_table, &self.to_table);
        let cols = self.key_cols(side);
        let non_blank: Vec<String> = cols
            .iter()
            .map(|i| format!("coalesce({alias}.c{i}, '') <> ''"))
            .collect();
        let same: Vec<String> = cols
            .iter()
            .map(|i| format!("d.c{i} = {alias}.c{i}"))
            .collect();
        format!(
            "{} AND NOT EXISTS (SELECT 1 FROM {table} d WHERE {} AND d.row <> {alias}.row)",
            non_blank.join(" AND "),
            same.join(" AND ")
        )
    }

    /// `EXISTS`: the other side has a row with this row's key.
    fn has_match(&self, side: Side, alias: &str) -> String {
        let other = side.other();
        let table = other.pick(&self.from_table, &self.to_table);
        let same: Vec<String> = self
            .keys
            .iter()
            .map(|&(a, b)| format!("o.c{} = {alias}.c{}", other.pick(a, b), side.pick(a, b)))
            .collect();
        format!(
            "EXISTS (SELECT 1 FROM {table} o WHERE {})",
            same.join(" AND ")
        )
    }

    fn join_on(&self) -> String {
        self.keys
            .iter()
            .map(|&(a, b)| format!("f.c{a} = t.c{b}"))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn differs(&self) -> String {
        if self.compared.is_empty() {
            return "0".to_string();
        }
        self.compared
            .iter()
            .map(|(_, a, b)| format!("f.c{a} IS NOT t.c{b}"))
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// SELECT for one kind: kind code, from row, to row, then the compared values of each
    /// side (NULL-padded for the missing side).
    fn select(&self, kind: ChangeKind) -> String {
        let values = |alias: Option<&str>, side: Side| -> String {
            self.compared
                .iter()
                .map(|(_, a, b)| match alias {
                    Some(al) => format!("{al}.c{}", side.pick(*a, *b)),
                    None => "NULL".to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let n = self.compared.len();
        let pad = |s: String| {
            if n == 0 {
                String::new()
            } else {
                format!(", {s}")
            }
        };
        match kind {
            ChangeKind::Removed => format!(
                "SELECT 1 AS kind, f.row AS from_row, NULL AS to_row{}{} FROM {} f WHERE {} AND NOT {}",
                pad(values(Some("f"), Side::From)),
                pad(values(None, Side::To)),
                self.from_table,
                self.unique_keyed(Side::From, "f"),
                self.has_match(Side::From, "f"),
            ),
            ChangeKind::Added => format!(
                "SELECT 0 AS kind, NULL AS from_row, t.row AS to_row{}{} FROM {} t WHERE {} AND NOT {}",
                pad(values(None, Side::From)),
                pad(values(Some("t"), Side::To)),
                self.to_table,
                self.unique_keyed(Side::To, "t"),
                self.has_match(Side::To, "t"),
            ),
            ChangeKind::Changed => format!(
                "SELECT 2 AS kind, f.row AS from_row, t.row AS to_row{}{} FROM {} f JOIN {} t ON {} WHERE {} AND {} AND ({})",
                pad(values(Some("f"), Side::From)),
                pad(values(Some("t"), Side::To)),
                self.from_table,
                self.to_table,
                self.join_on(),
                self.unique_keyed(Side::From, "f"),
                self.unique_keyed(Side::To, "t"),
                self.differs(),
            ),
        }
    }

    fn paired_count_sql(&self) -> String {
        format!(
            "SELECT count(*) FROM {} f JOIN {} t ON {} WHERE {} AND {}",
            self.from_table,
            self.to_table,
            self.join_on(),
            self.unique_keyed(Side::From, "f"),
            self.unique_keyed(Side::To, "t"),
        )
    }
}

#[derive(Clone, Copy)]
enum Side {
    From,
    To,
}

impl Side {
    fn pick<T>(self, from: T, to: T) -> T {
        match self {
            Side::From => from,
            Side::To => to,
        }
    }
    fn other(self) -> Side {
        match self {
            Side::From => Side::To,
            Side::To => Side::From,
        }
    }
}

/// Index the key columns of a staging table once, so pairing is a lookup per row.
fn ensure_key_index(conn: &Connection, table: &str, cols: &[u32]) -> Result<()> {
    let name = format!(
        "{table}_key_{}",
        cols.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("_")
    );
    let list = cols
        .iter()
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.execute_batch(&format!(
        "CREATE INDEX IF NOT EXISTS {name} ON {table}({list}, row)"
    ))
    .ctx("indexing key columns")
}

fn count(conn: &Connection, sql: &str) -> Result<i64> {
    conn.query_row(sql, [], |r| r.get(0))
        .ctx("counting differences")
}

pub fn run(ctx: &Ctx, req: &DiffRequest) -> Result<DiffPage> {
    let conn = ctx.open()?;
    let plan = plan(&conn, req)?;
    ensure_key_index(&conn, &plan.from_table, &plan.key_cols(Side::From))?;
    ensure_key_index(&conn, &plan.to_table, &plan.key_cols(Side::To))?;

    let kind_count =
        |k: ChangeKind| count(&conn, &format!("SELECT count(*) FROM ({})", plan.select(k)));
    let added = kind_count(ChangeKind::Added)?;
    let removed = kind_count(ChangeKind::Removed)?;
    let changed = kind_count(ChangeKind::Changed)?;
    let paired = count(&conn, &plan.paired_count_sql())?;
    let from_rows = count(&conn, &format!("SELECT count(*) FROM {}", plan.from_table))?;
    let to_rows = count(&conn, &format!("SELECT count(*) FROM {}", plan.to_table))?;
    let summary = DiffSummary {
        from_snapshot: req.from_snapshot,
        to_snapshot: req.to_snapshot,
        key_columns: req.key_columns.clone(),
        added,
        removed,
        changed,
        unchanged: paired - changed,
        duplicate_keys: (from_rows - removed - paired) + (to_rows - added - paired),
        only_in_from: plan.only_in_from.clone(),
        only_in_to: plan.only_in_to.clone(),
    };

    let kinds: Vec<ChangeKind> = match req.kind {
        Some(k) => vec![k],
        None => vec![ChangeKind::Changed, ChangeKind::Added, ChangeKind::Removed],
    };
    let total = kinds
        .iter()
        .map(|k| match k {
            ChangeKind::Added => added,
            ChangeKind::Removed => removed,
            ChangeKind::Changed => changed,
        })
        .sum();
    let union = kinds
        .iter()
        .map(|k| plan.select(*k))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    // Changed first, then added, then removed; within a kind, in file order.
    let sql = format!(
        "SELECT * FROM ({union}) ORDER BY CASE kind WHEN 2 THEN 0 WHEN 0 THEN 1 ELSE 2 END, coalesce(to_row, from_row) LIMIT ? OFFSET ?"
    );
    let n = plan.compared.len();
    let key_positions: Vec<usize> = req
        .key_columns
        .iter()
        .filter_map(|k| plan.compared.iter().position(|(name, _, _)| name == k))
        .collect();
    let mut stmt = conn.prepare(&sql).ctx("preparing diff query")?;
    let args = [
        Value::Integer(i64::from(req.limit.min(MAX_PAGE))),
        Value::Integer(req.offset.max(0)),
    ];
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            let kind = match r.get::<_, i64>(0)? {
                0 => ChangeKind::Added,
                1 => ChangeKind::Removed,
                _ => ChangeKind::Changed,
            };
            let from_row: Option<i64> = r.get(1)?;
            let to_row: Option<i64> = r.get(2)?;
            let mut from_values = Vec::with_capacity(n);
            let mut to_values = Vec::with_capacity(n);
            for i in 0..n {
                from_values.push(r.get::<_, Option<String>>(3 + i)?);
                to_values.push(r.get::<_, Option<String>>(3 + n + i)?);
            }
            let changed_columns = if kind == ChangeKind::Changed {
                (0..n)
                    .filter(|&i| from_values[i] != to_values[i])
                    .map(|i| i as u32)
                    .collect()
            } else {
                Vec::new()
            };
            let shown = if to_row.is_some() {
                &to_values
            } else {
                &from_values
            };
            Ok(DiffRow {
                kind,
                key: key_positions.iter().map(|&i| shown[i].clone()).collect(),
                from_row,
                to_row,
                from_values: from_row.map(|_| from_values.clone()),
                to_values: to_row.map(|_| to_values.clone()),
                changed_columns,
            })
        })
        .ctx("reading differences")?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx("reading differences")?;
    Ok(DiffPage {
        summary,
        columns: plan
            .compared
            .iter()
            .map(|(name, _, _)| name.clone())
            .collect(),
        total,
        offset: req.offset.max(0),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::ImportRequest;
    use crate::api::{Cancel, NoProgress, import, project};

    fn import_text(ctx: &Ctx, dir: &std::path::Path, name: &str, text: &str) -> i64 {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let req = ImportRequest {
            path: path.display().to_string(),
            source_name: Some("appts".into()),
            ..Default::default()
        };
        import::run(ctx, &req, &NoProgress, &Cancel::new()).unwrap()[0].snapshot_id
    }

    #[test]
    fn added_removed_changed_and_ambiguous_keys_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Ctx::new(dir.path().join("p.cutover"));
        project::create(&ctx, None).unwrap();
        let old = import_text(
            &ctx,
            dir.path(),
            "old.csv",
            "APPT_ID,START,STATUS,NOTE\nA1,09:00,booked,x\nA2,10:00,booked,y\nA3,11:00,booked,z\nD1,12:00,booked,\nD1,12:30,booked,\n,13:00,booked,\n",
        );
        // A1 unchanged; A2 rescheduled; A3 cancelled (removed); A4 new; D1 duplicated in
        // the old file, so its rows cannot be paired; a blank key never pairs. The new
        // export dropped NOTE and added ROOM.
        let new = import_text(
            &ctx,
            dir.path(),
            "new.csv",
            "APPT_ID,START,STATUS,ROOM\nA1,09:00,booked,1\nA2,10:30,booked,2\nA4,14:00,booked,3\nD1,12:00,booked,4\n",
        );
        let req = DiffRequest {
            from_snapshot: old,
            to_snapshot: new,
            key_columns: vec!["APPT_ID".into()],
            kind: None,
            offset: 0,
            limit: 100,
        };
        let page = run(&ctx, &req).unwrap();
        let s = &page.summary;
        assert_eq!(
            (s.added, s.removed, s.changed, s.unchanged, s.duplicate_keys),
            (1, 1, 1, 1, 4),
            "A4 added, A3 removed, A2 changed, A1 unchanged; D1 twice + blank in old, D1 in new"
        );
        assert_eq!(s.only_in_from, ["NOTE"]);
        assert_eq!(s.only_in_to, ["ROOM"]);
        assert_eq!(page.columns, ["APPT_ID", "START", "STATUS"]);
        assert_eq!(page.total, 3);
        let kinds: Vec<(ChangeKind, Vec<Option<String>>)> =
            page.rows.iter().map(|r| (r.kind, r.key.clone())).collect();
        assert_eq!(
            kinds,
            [
                (ChangeKind::Changed, vec![Some("A2".to_string())]),
                (ChangeKind::Added, vec![Some("A4".to_string())]),
                (ChangeKind::Removed, vec![Some("A3".to_string())]),
            ]
        );
        let changed = &page.rows[0];
        assert_eq!(changed.changed_columns, [1], "only START changed");
        assert_eq!(
            changed.from_values.as_ref().unwrap()[1].as_deref(),
            Some("10:00")
        );
        assert_eq!(
            changed.to_values.as_ref().unwrap()[1].as_deref(),
            Some("10:30")
        );

        let only_added = run(
            &ctx,
            &DiffRequest {
                kind: Some(ChangeKind::Added),
                ..req.clone()
            },
        )
        .unwrap();
        assert_eq!((only_added.total, only_added.rows.len()), (1, 1));

        let bad = run(
            &ctx,
            &DiffRequest {
                key_columns: vec!["NOTE".into()],
                ..req
            },
        )
        .unwrap_err();
        assert!(
            bad.to_string()
                .contains("key column 'NOTE' is not in both snapshots"),
            "{bad}"
        );
    }
}
