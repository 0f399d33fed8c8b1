//! Undoing a merge inside a transaction, and the rule that orders undos: a merge cannot be
//! undone while a later active merge shares a record with it (last in, first out).

use rusqlite::{Connection, OptionalExtension, params};

use super::plan::bad;
use crate::error::{EngineError, Result, SqlContext};

/// Later active merges that share a record with `merge_id`: the survivor, a merged-away
/// record or a redirected resource of one is any of these of the other.
pub(super) fn later_sharing(conn: &Connection, merge_id: i64) -> Result<Vec<i64>> {
    let mut stmt = conn
        .prepare_cached(
            "WITH mine(id) AS (
               SELECT survivor_id FROM merge WHERE id = ?1
               UNION SELECT j.value FROM merge m, json_each(m.members) j WHERE m.id = ?1
               UNION SELECT resource_id FROM merge_redirect WHERE merge_id = ?1)
             SELECT m.id FROM merge m WHERE m.id > ?1 AND m.unmerged_at IS NULL AND (
               m.survivor_id IN (SELECT id FROM mine)
               OR EXISTS (SELECT 1 FROM json_each(m.members) j WHERE j.value IN (SELECT id FROM mine))
               OR EXISTS (SELECT 1 FROM merge_redirect r WHERE r.merge_id = m.id
                          AND r.resource_id IN (SELECT id FROM mine)))
             ORDER BY m.id",
        )
        .ctx("reading merges")?;
    stmt.query_map([merge_id], |r| r.get(0))
        .ctx("reading merges")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading merges")
}

/// Undoes a merge inside the caller's transaction; `keep(id)` says a resource's current
/// body must stay (a re-conversion has just written it). Returns how many bodies were
/// restored.
pub(super) fn undo(
    conn: &Connection,
    merge_id: i64,
    who: &str,
    now: &str,
    today: chrono::NaiveDate,
    keep: &mut dyn FnMut(&str) -> Result<bool>,
) -> Result<i64> {
    /// A stored merge as `undo` needs it.
    struct Stored {
        survivor: String,
        members: String,
        body: String,
        hash: String,
        by: Option<String>,
        at: Option<String>,
    }
    let Stored {
        survivor,
        members,
        body,
        hash,
        by,
        at,
    } = conn
        .query_row(
            "SELECT survivor_id, members, survivor_body, survivor_hash, unmerged_by, unmerged_at
             FROM merge WHERE id = ?1",
            [merge_id],
            |r| {
                Ok(Stored {
                    survivor: r.get(0)?,
                    members: r.get(1)?,
                    body: r.get(2)?,
                    hash: r.get(3)?,
                    by: r.get(4)?,
                    at: r.get(5)?,
                })
            },
        )
        .optional()
        .ctx("reading merge")?
        .ok_or_else(|| EngineError::NoSuchRecord {
            what: format!("merge {merge_id}"),
        })?;
    if let Some(at) = at {
        return Err(bad(format!(
            "merge {merge_id} was already undone (by {}, {at})",
            by.unwrap_or_default()
        )));
    }
    let later = later_sharing(conn, merge_id)?;
    if !later.is_empty() {
        let names: Vec<String> = later.iter().map(i64::to_string).collect();
        return Err(bad(format!(
            "merge {merge_id} cannot be undone while later merges involving the same records \
             stand: undo {} first (merges undo last-in first-out)",
            names.join(", ")
        )));
    }
    let members: Vec<String> = serde_json::from_str(&members)
        .map_err(|e| EngineError::Internal(format!("merge {merge_id} members: {e}")))?;
    let mut touched: Vec<String> = Vec::new();
    let mut restored = 0i64;
    if !keep(&survivor)? {
        restored += conn
            .execute(
                "UPDATE resource SET body = ?2, body_hash = ?3 WHERE id = ?1",
                params![survivor, body, hash],
            )
            .ctx("restoring survivor")? as i64;
    }
    touched.push(survivor.clone());
    for id in &members {
        conn.execute(
            "UPDATE resource SET merged_into = NULL WHERE id = ?1 AND merged_into = ?2",
            params![id, survivor],
        )
        .ctx("restoring merged records")?;
        touched.push(id.clone());
    }
    let redirects: Vec<(String, String, String)> = conn
        .prepare("SELECT resource_id, body, body_hash FROM merge_redirect WHERE merge_id = ?1")
        .ctx("reading redirects")?
        .query_map([merge_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .ctx("reading redirects")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading redirects")?;
    for (id, body, hash) in redirects {
        if keep(&id)? {
            continue;
        }
        restored += conn
            .execute(
                "UPDATE resource SET body = ?2, body_hash = ?3 WHERE id = ?1",
                params![id, body, hash],
            )
            .ctx("restoring redirected resource")? as i64;
        touched.push(id);
    }
    conn.execute(
        "UPDATE merge SET unmerged_by = ?2, unmerged_at = ?3 WHERE id = ?1",
        params![merge_id, who, now],
    )
    .ctx("marking merge undone")?;
    crate::api::validate::recheck(conn, &touched, today)?;
    Ok(restored)
}
