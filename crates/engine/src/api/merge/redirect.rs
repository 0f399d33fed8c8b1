//! Moving references from merged-away Patients to their survivor: any `reference` whose
//! value is `Patient/<merged-away id>`, anywhere in any resource's body (an Appointment's
//! participant, an Observation's subject, an Encounter's, a DocumentReference's, …). Each
//! rewritten resource's body before is kept in `merge_redirect` for unmerge, and its hash
//! is recomputed so push sends it again.

use std::collections::{HashMap, HashSet};

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

/// The Patient ids a body's references name.
fn referenced(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(r) if k == "reference" => {
                        if let Some(id) = r.strip_prefix(PREFIX) {
                            out.push(id.to_owned());
                        }
                    }
                    _ => referenced(x, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| referenced(x, out)),
        _ => {}
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

/// After a re-conversion: points the references of the mapping's new resources at the
/// survivors of the active merges. `moves` maps each merged-away id to its merge and
/// survivor; a reference to a record merged away by merge 1 into a survivor that merge 2
/// merged away in turn is moved twice, each step kept under its own merge, as if the merges
/// had happened after the conversion. Resources in `skip` (the merges' own records) are
/// left alone. Returns the ids rewritten.
pub(super) fn redirect_converted(
    conn: &Connection,
    mapping_name: &str,
    moves: &HashMap<String, (i64, String)>,
    skip: &HashSet<String>,
) -> Result<Vec<String>> {
    if moves.is_empty() {
        return Ok(Vec::new());
    }
    // Stream the mapping's resources, keeping only those naming a merged-away Patient (a
    // textual look first; the JSON is read only for those).
    let mut candidates: Vec<(String, String, String)> = Vec::new();
    {
        let mut stmt = conn
            .prepare(
                "SELECT r.id, r.body, r.body_hash FROM resource r
                 WHERE r.mapping_id IN (SELECT id FROM mapping WHERE name = ?1)
                   AND r.merged_into IS NULL AND instr(r.body, '\"Patient/') > 0",
            )
            .ctx("finding references")?;
        let mut rows = stmt.query([mapping_name]).ctx("finding references")?;
        while let Some(r) = rows.next().ctx("finding references")? {
            let id: String = r.get(0).ctx("finding references")?;
            let body: String = r.get(1).ctx("finding references")?;
            let names_one = body.split("\"Patient/").skip(1).any(|rest| {
                rest.split('"')
                    .next()
                    .is_some_and(|target| moves.contains_key(target))
            });
            if names_one && !skip.contains(&id) {
                candidates.push((id, body, r.get(2).ctx("finding references")?));
            }
        }
    }
    let mut ids = Vec::with_capacity(candidates.len());
    for (id, mut body, mut hash) in candidates {
        let mut v: Value = serde_json::from_str(&body)
            .map_err(|e| EngineError::Internal(format!("stored resource {id} is not JSON: {e}")))?;
        loop {
            let mut named = Vec::new();
            referenced(&v, &mut named);
            let Some(merge_id) = named.iter().filter_map(|t| moves.get(t)).map(|m| m.0).min()
            else {
                break;
            };
            save_before(conn, merge_id, &id, &body, &hash)?;
            rewrite(&mut v, &|t: &str| {
                moves
                    .get(t)
                    .filter(|(m, _)| *m == merge_id)
                    .map(|(_, s)| s.clone())
            });
            body = serde_json::to_string(&v).unwrap_or_default();
            hash = body_hash(&body);
        }
        write(conn, &id, &body)?;
        ids.push(id);
    }
    Ok(ids)
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
