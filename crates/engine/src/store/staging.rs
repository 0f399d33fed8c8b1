//! Staging tables: one table per snapshot, `stg_<snapshot id>`, with the legacy values as
//! text exactly as exported. Columns are `c0..cN`; `row` is dense from 1, which makes
//! unsorted paging a primary-key range scan however large the snapshot is.

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use crate::api::dto::{
    ColumnFilter, ColumnInfo, FilterMode, Page, PageRequest, SortDirection, StagedRow,
};
use crate::error::{EngineError, Result, SqlContext};
use crate::profile::pattern;

/// Most rows one page request may return: the grid asks for a screenful at a time.
pub const MAX_PAGE: u32 = 1000;

pub fn table_name(snapshot_id: i64) -> String {
    format!("stg_{snapshot_id}")
}

/// `CREATE TABLE` for a snapshot with `columns` columns. `extra` holds, as a JSON array,
/// fields beyond the header's width, so a ragged row is kept whole.
pub fn create_table(conn: &Connection, snapshot_id: i64, columns: usize) -> Result<()> {
    let mut sql = format!(
        "CREATE TABLE {} (row INTEGER PRIMARY KEY, line INTEGER NOT NULL, hash BLOB NOT NULL, flag TEXT, extra TEXT",
        table_name(snapshot_id)
    );
    for i in 0..columns {
        sql.push_str(&format!(", c{i} TEXT"));
    }
    sql.push(')');
    conn.execute_batch(&sql).ctx("creating staging table")?;
    Ok(())
}

pub fn insert_sql(snapshot_id: i64, columns: usize) -> String {
    let mut names = String::from("row, line, hash, flag, extra");
    let mut marks = String::from("?, ?, ?, ?, ?");
    for i in 0..columns {
        names.push_str(&format!(", c{i}"));
        marks.push_str(", ?");
    }
    format!(
        "INSERT INTO {} ({names}) VALUES ({marks})",
        table_name(snapshot_id)
    )
}

pub fn columns(conn: &Connection, snapshot_id: i64) -> Result<Vec<ColumnInfo>> {
    let mut stmt = conn
        .prepare_cached("SELECT idx, name FROM snapshot_column WHERE snapshot_id = ?1 ORDER BY idx")
        .ctx("reading columns")?;
    let cols = stmt
        .query_map([snapshot_id], |r| {
            Ok(ColumnInfo {
                index: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .ctx("reading columns")?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx("reading columns")?;
    Ok(cols)
}

fn snapshot_row_count(conn: &Connection, snapshot_id: i64) -> Result<i64> {
    conn.query_row(
        "SELECT row_count FROM snapshot WHERE id = ?1",
        [snapshot_id],
        |r| r.get(0),
    )
    .optional()
    .ctx("reading snapshot")?
    .ok_or_else(|| EngineError::NoSuchRecord {
        what: format!("snapshot {snapshot_id}"),
    })
}

/// Escape `%`, `_` and the escape character itself for a LIKE pattern.
fn like_contains(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

fn where_clause(filters: &[ColumnFilter], column_count: usize) -> Result<(String, Vec<Value>)> {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for f in filters {
        let mode = f.mode.unwrap_or(FilterMode::Contains);
        if mode == FilterMode::Contains && f.contains.is_empty() {
            continue;
        }
        check_column(f.column, column_count)?;
        let c = f.column;
        match mode {
            FilterMode::Contains => {
                parts.push(format!("c{c} LIKE ? ESCAPE '\\'"));
                args.push(Value::Text(like_contains(&f.contains)));
            }
            // Blank is empty or absent, as the profile counts it.
            FilterMode::Equals | FilterMode::Pattern if f.contains.is_empty() => {
                parts.push(format!("(c{c} IS NULL OR c{c} = '')"));
            }
            FilterMode::Equals => {
                parts.push(format!("c{c} = ?"));
                args.push(Value::Text(f.contains.clone()));
            }
            FilterMode::Pattern => {
                parts.push(format!("{}(c{c}) = ?", pattern::SQL_FUNCTION));
                args.push(Value::Text(f.contains.clone()));
            }
        }
    }
    if parts.is_empty() {
        Ok((String::new(), args))
    } else {
        Ok((format!(" WHERE {}", parts.join(" AND ")), args))
    }
}

fn check_column(column: u32, column_count: usize) -> Result<()> {
    if column as usize >= column_count {
        return Err(EngineError::NoSuchRecord {
            what: format!("column {column}"),
        });
    }
    Ok(())
}

/// A window of a snapshot in the requested order and filter.
pub fn page(conn: &Connection, req: &PageRequest) -> Result<Page> {
    let total_unfiltered = snapshot_row_count(conn, req.snapshot_id)?;
    let columns = columns(conn, req.snapshot_id)?;
    let table = table_name(req.snapshot_id);
    let limit = i64::from(req.limit.min(MAX_PAGE));
    let offset = req.offset.max(0);
    let (where_sql, mut args) = where_clause(&req.filters, columns.len())?;

    let total_rows = if where_sql.is_empty() {
        total_unfiltered
    } else {
        conn.query_row(
            &format!("SELECT count(*) FROM {table}{where_sql}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )
        .ctx("counting filtered rows")?
    };

    let select = select_list(columns.len());
    let sql = match (&req.sort, where_sql.is_empty()) {
        (None, true) => {
            // Rows are numbered densely from 1, so the window is a key range.
            args.push(Value::Integer(offset));
            args.push(Value::Integer(limit));
            format!("SELECT {select} FROM {table} WHERE row > ? ORDER BY row LIMIT ?")
        }
        (sort, _) => {
            let order = match sort {
                Some(s) => {
                    check_column(s.column, columns.len())?;
                    ensure_sort_index(conn, req.snapshot_id, s.column)?;
                    let dir = match s.direction {
                        SortDirection::Asc => "ASC",
                        SortDirection::Desc => "DESC",
                    };
                    format!("c{} {dir}, row {dir}", s.column)
                }
                None => "row".to_string(),
            };
            args.push(Value::Integer(limit));
            args.push(Value::Integer(offset));
            format!("SELECT {select} FROM {table}{where_sql} ORDER BY {order} LIMIT ? OFFSET ?")
        }
    };
    let mut stmt = conn.prepare_cached(&sql).ctx("preparing page query")?;
    let n = columns.len();
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| read_row(r, n))
        .ctx("reading page")?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx("reading page")?;
    Ok(Page {
        snapshot_id: req.snapshot_id,
        columns,
        total_rows,
        offset,
        rows,
    })
}

fn select_list(columns: usize) -> String {
    let mut s = String::from("row, line, hash, flag");
    for i in 0..columns {
        s.push_str(&format!(", c{i}"));
    }
    s
}

fn read_row(r: &rusqlite::Row<'_>, columns: usize) -> rusqlite::Result<StagedRow> {
    let hash: Vec<u8> = r.get(2)?;
    let mut values = Vec::with_capacity(columns);
    for i in 0..columns {
        values.push(r.get::<_, Option<String>>(4 + i)?);
    }
    Ok(StagedRow {
        row: r.get(0)?,
        line: r.get(1)?,
        hash: hex(&hash),
        values,
        flag: r.get(3)?,
    })
}

/// Sorting a large snapshot by a column needs an index; build it once, on first use.
fn ensure_sort_index(conn: &Connection, snapshot_id: i64, column: u32) -> Result<()> {
    let table = table_name(snapshot_id);
    conn.execute_batch(&format!(
        "CREATE INDEX IF NOT EXISTS {table}_c{column} ON {table}(c{column}, row)"
    ))
    .ctx("indexing column for sort")
}

/// Visit the rows numbered `from..=to` in order (rows are numbered densely from 1, so
/// this is a key-range scan): how parallel passes share a snapshot out.
pub fn for_each_row_between(
    conn: &Connection,
    snapshot_id: i64,
    columns: usize,
    (from, to): (i64, i64),
    mut visit: impl FnMut(StagedRow) -> Result<()>,
) -> Result<()> {
    let sql = format!(
        "SELECT {} FROM {} WHERE row BETWEEN ?1 AND ?2 ORDER BY row",
        select_list(columns),
        table_name(snapshot_id)
    );
    let mut stmt = conn.prepare_cached(&sql).ctx("reading staged rows")?;
    let mut rows = stmt.query((from, to)).ctx("reading staged rows")?;
    while let Some(r) = rows.next().ctx("reading staged rows")? {
        visit(read_row(r, columns).ctx("reading staged row")?)?;
    }
    Ok(())
}

/// Visit every row's values in row order, as the bytes SQLite holds (staged text is
/// UTF-8; the caller checks, once for many values if it likes): nothing is copied and
/// nothing is held, for passes over large snapshots. `visit` gets one value per column,
/// `None` where the row had no field; it returns false to stop.
pub fn scan_raw(
    conn: &Connection,
    snapshot_id: i64,
    columns: usize,
    mut visit: impl FnMut(&[Option<&[u8]>]) -> Result<bool>,
) -> Result<()> {
    let list = (0..columns)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {} FROM {} ORDER BY row",
        if list.is_empty() { "row" } else { &list },
        table_name(snapshot_id)
    );
    let mut stmt = conn.prepare(&sql).ctx("reading staged rows")?;
    let mut rows = stmt.query([]).ctx("reading staged rows")?;
    let mut values: Vec<Option<&[u8]>> = Vec::with_capacity(columns);
    while let Some(r) = rows.next().ctx("reading staged rows")? {
        let mut row = reuse(values);
        for i in 0..columns {
            row.push(match r.get_ref(i).ctx("reading staged row")? {
                ValueRef::Null => None,
                ValueRef::Text(bytes) => Some(bytes),
                _ => {
                    return Err(EngineError::Internal(format!(
                        "snapshot {snapshot_id}: a staged value in column {i} is not text"
                    )));
                }
            });
        }
        if !visit(&row)? {
            break;
        }
        values = reuse(row);
    }
    Ok(())
}

/// An empty vector with the allocation of `v`, for borrows of another lifetime (the
/// in-place collect reuses the buffer).
fn reuse<'b>(mut v: Vec<Option<&[u8]>>) -> Vec<Option<&'b [u8]>> {
    v.clear();
    v.into_iter().map(|_| None).collect()
}

/// Register the SQL functions filters use (`cutover_pattern`) on a connection.
pub fn register_functions(conn: &Connection) -> Result<()> {
    pattern::register(conn)
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        for (input, expected) in [
            ("abc", "%abc%"),
            ("50%", "%50\\%%"),
            ("a_b", "%a\\_b%"),
            ("c:\\x", "%c:\\\\x%"),
        ] {
            assert_eq!(like_contains(input), expected, "input {input:?}");
        }
    }
}
