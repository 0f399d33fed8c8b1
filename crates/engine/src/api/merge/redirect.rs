//! Moving references from merged-away Patients to their survivor: any `reference` whose
//! value is `Patient/<merged-away id>`, anywhere in any resource's body (an Appointment's
//! participant, an Observation's subject, an Encounter's, a DocumentReference's, …). Each
//! rewritten resource's body before is kept in `merge_redirect` for unmerge, and its hash
//! is recomputed so push sends it again.

use std::collections::HashSet;

use rusqlite::{Connection, params};
use serde_json::Value;

use crate::error::{EngineError, Result, SqlContext};
use crate::mapping::convert::body_hash;

const PREFIX: &str = "Patient/";

/// Rewrites every `reference` naming `Patient/<id>` for which `to` gives a new id; returns
/// how many it rewrote.
pub(super) fn rewrite(v: &mut Value, to: &dyn Fn(&str) -> Option<String>) -> usize {
    match v {
        Value::Object(m) => {
            let mut n = 0;
            for (k, x) in m.iter_mut() {
                if k == "reference"
                    && let Value::String(r) = x
                    && let Some(new) = r.strip_prefix(PREFIX).and_then(to)
                {
                    *r = format!("{PREFIX}{new}");
                    n += 1;
                } else {
                    n += rewrite(x, to);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(|x| rewrite(x, to)).sum(),
        _ => 0,
    }
}

/// Resources not merged away (other than `exclude`) with a reference to one of `moved`:
/// id, body, hash and the body with those references rewritten to `survivor`.
fn hits(
    conn: &Connection,
    moved: &[&str],
    survivor: &str,
    exclude: &HashSet<&str>,
) -> Result<Vec<(String, String, String, String)>> {
    if moved.is_empty() {
        return Ok(Vec::new());
    }
    // The reference's whole JSON string, quotes included, so the filter is exact.
    let needles: Vec<String> = moved.iter().map(|id| format!("\"{PREFIX}{id}\"")).collect();
    let cond: Vec<String> = (1..=needles.len())
        .map(|i| format!("instr(body, ?{i}) > 0"))
        .collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT id, body, body_hash FROM resource WHERE merged_into IS NULL AND ({})",
            cond.join(" OR ")
        ))
        .ctx("finding references")?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map(rusqlite::params_from_iter(needles.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .ctx("finding references")?
        .collect::<std::result::Result<_, _>>()
        .ctx("finding references")?;
    let moved: HashSet<&str> = moved.iter().copied().collect();
    let to = |id: &str| moved.contains(id).then(|| survivor.to_owned());
    let mut out = Vec::new();
    for (id, body, hash) in rows {
        if exclude.contains(id.as_str()) {
            continue;
        }
        let mut v: Value = serde_json::from_str(&body)
            .map_err(|e| EngineError::Internal(format!("stored resource {id} is not JSON: {e}")))?;
        if rewrite(&mut v, &to) > 0 {
            let new = serde_json::to_string(&v).unwrap_or_default();
            out.push((id, body, hash, new));
        }
    }
    Ok(out)
}

/// Ids of the resources that reference one of `moved` (what a merge would redirect).
pub(super) fn referencing(
    conn: &Connection,
    moved: &[&str],
    survivor: &str,
) -> Result<Vec<String>> {
    let exclude: HashSet<&str> = moved.iter().copied().chain([survivor]).collect();
    Ok(hits(conn, moved, survivor, &exclude)?
        .into_iter()
        .map(|h| h.0)
        .collect())
}

/// Points every reference to `moved` at `survivor`, keeping each body before in
/// `merge_redirect` under `merge_id`. Returns the ids rewritten.
pub(super) fn redirect(
    conn: &Connection,
    merge_id: i64,
    moved: &[&str],
    survivor: &str,
) -> Result<Vec<String>> {
    let exclude: HashSet<&str> = moved.iter().copied().chain([survivor]).collect();
    let mut ids = Vec::new();
    for (id, before, before_hash, after) in hits(conn, moved, survivor, &exclude)? {
        save_before(conn, merge_id, &id, &before, &before_hash)?;
        write(conn, &id, &after)?;
        ids.push(id);
    }
    Ok(ids)
}

fn save_before(conn: &Connection, merge_id: i64, id: &str, body: &str, hash: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO merge_redirect (merge_id, resource_id, body, body_hash)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .ctx("keeping redirected body")?
    .execute(params![merge_id, id, body, hash])
    .ctx("keeping redirected body")?;
    Ok(())
}

fn write(conn: &Connection, id: &str, body: &str) -> Result<()> {
    conn.prepare_cached("UPDATE resource SET body = ?2, body_hash = ?3 WHERE id = ?1")
        .ctx("redirecting references")?
        .execute(params![id, body, body_hash(body)])
        .ctx("redirecting references")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_patient_reference_to_a_moved_record_is_rewritten_and_nothing_else() {
        let mut v = json!({
            "resourceType": "Appointment",
            "participant": [
                {"actor": {"reference": "Patient/b"}},
                {"actor": {"reference": "Practitioner/b"}},
                {"actor": {"reference": "Patient/c"}}
            ],
            "subject": {"reference": "Patient/b", "display": "Patient/b"},
            "note": [{"text": "see Patient/b"}]
        });
        let n = rewrite(&mut v, &|id: &str| (id == "b").then(|| "a".to_string()));
        assert_eq!(n, 2);
        assert_eq!(v["participant"][0]["actor"]["reference"], "Patient/a");
        assert_eq!(
            v["participant"][1]["actor"]["reference"], "Practitioner/b",
            "another type's reference with the same id stays"
        );
        assert_eq!(v["participant"][2]["actor"]["reference"], "Patient/c");
        assert_eq!(v["subject"]["reference"], "Patient/a");
        assert_eq!(
            v["subject"]["display"], "Patient/b",
            "only `reference` values move"
        );
        assert_eq!(
            v["note"][0]["text"], "see Patient/b",
            "free text is not touched"
        );
    }
}
