//! A merge request checked and planned: the members loaded (Patients, not merged away, not
//! decided different people), the survivor chosen, the picks resolved, and survivorship
//! applied; plus the text a value is shown as in a preview.

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

use super::StoredRules;
use crate::api::dto::{MergeRequest, ReviewVerdict, SurvivorshipRule};
use crate::error::{EngineError, Result, SqlContext};
use crate::matching::survivorship::{
    MergeRecord, PickError, Survivorship, choose_survivor, survive,
};

/// A Patient as the store holds it.
pub(super) struct Member {
    pub(super) id: String,
    pub(super) body: String,
    pub(super) hash: String,
    pub(super) value: Value,
    pub(super) recency: (i64, i64),
    pub(super) source: String,
}

impl Member {
    pub(super) fn record(&self) -> MergeRecord<'_> {
        MergeRecord {
            id: &self.id,
            body: &self.value,
            recency: self.recency,
            source: &self.source,
        }
    }
}

/// A resource with its type and, if merged away, its survivor.
pub(super) fn load(
    conn: &Connection,
    id: &str,
) -> Result<Option<(Member, String, Option<String>)>> {
    let row = conn
        .query_row(
            "SELECT r.resource_type, r.merged_into, r.body, r.body_hash, r.snapshot_id, r.row, s.name
             FROM resource r JOIN snapshot sn ON sn.id = r.snapshot_id
             JOIN source s ON s.id = sn.source_id WHERE r.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    (r.get::<_, i64>(4)?, r.get::<_, i64>(5)?),
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()
        .ctx("reading resource")?;
    let Some((resource_type, merged_into, body, hash, recency, source)) = row else {
        return Ok(None);
    };
    let value = serde_json::from_str(&body)
        .map_err(|e| EngineError::Internal(format!("stored resource {id} is not JSON: {e}")))?;
    Ok(Some((
        Member {
            id: id.to_owned(),
            body,
            hash,
            value,
            recency,
            source,
        },
        resource_type,
        merged_into,
    )))
}

pub(super) fn bad(reason: impl Into<String>) -> EngineError {
    EngineError::bad_input("merge", reason)
}

/// The members (survivor first, then the others in the request's order) and what survives.
pub(super) fn plan(conn: &Connection, req: &MergeRequest) -> Result<(Vec<Member>, Survivorship)> {
    if req.reviewer.trim().is_empty() {
        return Err(bad("a merge needs the reviewer's name"));
    }
    let mut ids: Vec<&str> = Vec::new();
    for id in &req.members {
        let id = id.trim();
        if !id.is_empty() && !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() < 2 {
        return Err(bad("a merge needs at least two different records"));
    }
    if req.rule == SurvivorshipRule::SourcePriority && req.source_priority.is_empty() {
        return Err(bad(
            "the source-priority rule needs the source names, most trusted first",
        ));
    }
    if !req.source_priority.is_empty() {
        // A misspelt source would silently rank last: name it instead.
        let known: Vec<String> = conn
            .prepare("SELECT name FROM source ORDER BY name")
            .ctx("reading sources")?
            .query_map([], |r| r.get(0))
            .ctx("reading sources")?
            .collect::<std::result::Result<_, _>>()
            .ctx("reading sources")?;
        if let Some(unknown) = req.source_priority.iter().find(|s| !known.contains(s)) {
            return Err(bad(format!(
                "no source '{unknown}' in the project (sources: {})",
                known.join(", ")
            )));
        }
    }
    if let Some(run_id) = req.run_id {
        let found: Option<i64> = conn
            .query_row("SELECT 1 FROM match_run WHERE id = ?1", [run_id], |r| {
                r.get(0)
            })
            .optional()
            .ctx("reading run")?;
        if found.is_none() {
            return Err(EngineError::NoSuchRecord {
                what: format!("matching run {run_id}"),
            });
        }
    }
    let mut members = Vec::with_capacity(ids.len());
    for id in &ids {
        let (member, resource_type, merged_into) =
            load(conn, id)?.ok_or_else(|| EngineError::NoSuchRecord {
                what: format!("resource '{id}'"),
            })?;
        if resource_type != "Patient" {
            return Err(bad(format!(
                "'{id}' is a {resource_type}: only Patients are merged"
            )));
        }
        if let Some(survivor) = merged_into {
            return Err(bad(format!(
                "'{id}' is already merged into '{survivor}'; merge that record instead"
            )));
        }
        members.push(member);
    }
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            if let Some(d) = crate::api::matching::standing_between(conn, a, b)?
                && d.verdict == ReviewVerdict::Different
            {
                return Err(bad(format!(
                    "'{a}' and '{b}' were decided different people (decision {} by {}); \
                     undo or replace that decision first",
                    d.id, d.reviewer
                )));
            }
        }
    }
    let rules = StoredRules {
        rule: req.rule,
        source_priority: req.source_priority.clone(),
        picks: req.picks.clone(),
    };
    let rule = rules.rule();
    let survivor = match &req.survivor {
        Some(s) => ids.iter().position(|id| *id == s.trim()).ok_or_else(|| {
            bad(format!(
                "the survivor '{}' is not one of the records merged",
                s.trim()
            ))
        })?,
        None => {
            let records: Vec<MergeRecord<'_>> = members.iter().map(Member::record).collect();
            choose_survivor(&records, &rule)
        }
    };
    let first = members.remove(survivor);
    members.insert(0, first);
    let mut picks = Vec::with_capacity(req.picks.len());
    for p in &req.picks {
        let field = p.field.trim();
        if req.picks.iter().filter(|q| q.field.trim() == field).count() > 1 {
            return Err(bad(format!("the field '{field}' is picked more than once")));
        }
        let at = members
            .iter()
            .position(|m| m.id == p.resource_id.trim())
            .ok_or_else(|| {
                bad(format!(
                    "the pick for '{field}' names '{}', which is not one of the records merged",
                    p.resource_id.trim()
                ))
            })?;
        picks.push((field.to_owned(), at));
    }
    let records: Vec<MergeRecord<'_>> = members.iter().map(Member::record).collect();
    let outcome = survive(&records, 0, &rule, &picks).map_err(|e: PickError| bad(e.to_string()))?;
    Ok((members, outcome))
}

/// A value as one line of text for people: names as given then family, codings by code and
/// display, system URIs and `use` left out.
fn display(v: &Value) -> String {
    let join = |parts: Vec<String>, sep: &str| {
        parts
            .into_iter()
            .filter(|p| !p.trim().is_empty())
            .collect::<Vec<_>>()
            .join(sep)
    };
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => join(items.iter().map(display).collect(), "; "),
        Value::Object(m) => {
            let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
            if m.contains_key("family") || m.contains_key("given") {
                keys = vec!["prefix", "given", "family", "suffix"];
            }
            join(
                keys.into_iter()
                    .filter(|k| *k != "use")
                    .filter_map(|k| m.get(k).map(|x| (k, x)))
                    .filter(|(k, x)| {
                        !(*k == "system" && x.as_str().is_some_and(|s| s.contains([':', '/'])))
                    })
                    .map(|(_, x)| match x {
                        Value::Array(items) => join(items.iter().map(display).collect(), " "),
                        other => display(other),
                    })
                    .collect(),
                " ",
            )
        }
        other => other.to_string(),
    }
}

pub(super) fn text(v: Option<&Value>) -> Option<String> {
    v.map(display).filter(|s| !s.is_empty())
}
