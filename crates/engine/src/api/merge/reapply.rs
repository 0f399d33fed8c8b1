//! Keeping merges across a re-conversion. Converting a mapping again deletes and re-inserts
//! its resources: fresh Patients carry no merged values, fresh Appointments point at the
//! merged-away charts again. So, inside the conversion's transaction, every active merge
//! is applied again, in merge order, with the rule and picks it was made with:
//!
//! - before the delete, `merge_redirect` rows of the mapping's resources are dropped (the
//!   bodies they keep are about to go; the re-application keeps the new ones);
//! - after the insert, each merge's survivor is rebuilt from its body before the merge (the
//!   freshly converted body when the conversion rewrote the survivor, so unmerge restores
//!   the new conversion's output, not a stale one) and its members' current bodies;
//!   re-converted members are marked merged again;
//! - the mapping's new resources that reference a merged-away Patient are redirected again.
//!
//! A merge whose survivor the conversion no longer produces (its legacy row is gone) cannot
//! stand: it is undone, with every later merge sharing its records, recorded as undone by
//! `conversion`. A member that is gone just contributes nothing.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use tracing::{info, warn};

use super::plan::{Member, load};
use super::undo::{later_sharing, undo};
use super::{CONVERSION, StoredRules, redirect};
use crate::error::{EngineError, Result, SqlContext};
use crate::mapping::convert::body_hash;
use crate::matching::survivorship::{MergeRecord, fields, survive};

/// An active merge as stored.
struct Active {
    id: i64,
    survivor: String,
    members: Vec<String>,
    rules: StoredRules,
    survivor_body: String,
}

fn active(conn: &Connection) -> Result<Vec<Active>> {
    let mut stmt = conn
        .prepare(
            "SELECT id, survivor_id, members, rules, survivor_body FROM merge
             WHERE unmerged_at IS NULL ORDER BY id",
        )
        .ctx("reading merges")?;
    let rows: Vec<(i64, String, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .ctx("reading merges")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading merges")?;
    rows.into_iter()
        .map(|(id, survivor, members, rules, survivor_body)| {
            Ok(Active {
                id,
                survivor,
                members: serde_json::from_str(&members)
                    .map_err(|e| EngineError::Internal(format!("merge {id} members: {e}")))?,
                rules: serde_json::from_str(&rules)
                    .map_err(|e| EngineError::Internal(format!("merge {id} rules: {e}")))?,
                survivor_body,
            })
        })
        .collect()
}

fn any_active(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM merge WHERE unmerged_at IS NULL LIMIT 1",
            [],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .ctx("reading merges")?
        .is_some())
}

/// Before a mapping's resources are deleted for re-conversion: forget the bodies active
/// merges kept of them.
pub(crate) fn before_reconversion(conn: &Connection, mapping_name: &str) -> Result<()> {
    if !any_active(conn)? {
        return Ok(());
    }
    conn.execute(
        "DELETE FROM merge_redirect
         WHERE merge_id IN (SELECT id FROM merge WHERE unmerged_at IS NULL)
           AND resource_id IN (SELECT id FROM resource
                               WHERE mapping_id IN (SELECT id FROM mapping WHERE name = ?1))",
        [mapping_name],
    )
    .ctx("clearing redirects of re-converted resources")?;
    Ok(())
}

/// What re-applying merges did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reapplied {
    pub merges: usize,
    pub redirected: usize,
    pub undone: usize,
}

/// After a mapping's resources are re-inserted: apply every active merge again (see the
/// module's documentation).
pub(crate) fn after_reconversion(
    conn: &Connection,
    mapping_name: &str,
    now: &str,
    today: NaiveDate,
) -> Result<Reapplied> {
    let merges = active(conn)?;
    if merges.is_empty() {
        return Ok(Reapplied::default());
    }
    let mut fresh_stmt = conn
        .prepare(
            "SELECT 1 FROM resource r JOIN mapping m ON m.id = r.mapping_id
             WHERE r.id = ?1 AND m.name = ?2",
        )
        .ctx("reading resources")?;
    let mut fresh = |id: &str| -> Result<bool> {
        Ok(fresh_stmt
            .query_row(params![id, mapping_name], |r| r.get::<_, i64>(0))
            .optional()
            .ctx("reading resources")?
            .is_some())
    };
    // Survivors rebuilt in this pass: their current body is the state before any later
    // merge that has them as survivor.
    let mut rebuilt: HashSet<String> = HashSet::new();
    let mut undone: HashSet<i64> = HashSet::new();
    let mut changed: Vec<String> = Vec::new();
    let mut out = Reapplied::default();
    for m in &merges {
        if undone.contains(&m.id) {
            continue;
        }
        let Some((survivor, _, _)) = load(conn, &m.survivor)? else {
            // The survivor is gone: undo this merge and the later ones sharing its records,
            // latest first, leaving alone what this conversion just wrote.
            let mut chain = vec![m.id];
            let mut i = 0;
            while i < chain.len() {
                for later in later_sharing(conn, chain[i])? {
                    if !chain.contains(&later) {
                        chain.push(later);
                    }
                }
                i += 1;
            }
            chain.sort_unstable_by(|a, b| b.cmp(a));
            for id in chain {
                undo(conn, id, CONVERSION, now, today, &mut |rid| {
                    Ok(fresh(rid)? || rebuilt.contains(rid))
                })?;
                undone.insert(id);
                warn!(
                    merge_id = id,
                    "merge undone: its survivor is no longer converted"
                );
            }
            continue;
        };
        // The survivor's body before this merge.
        let before = if fresh(&m.survivor)? || rebuilt.contains(&m.survivor) {
            conn.execute(
                "UPDATE merge SET survivor_body = ?2, survivor_hash = ?3 WHERE id = ?1",
                params![m.id, survivor.body, survivor.hash],
            )
            .ctx("updating merge")?;
            survivor.body.clone()
        } else {
            m.survivor_body.clone()
        };
        let before = Member {
            value: serde_json::from_str(&before)
                .map_err(|e| EngineError::Internal(format!("merge {} survivor body: {e}", m.id)))?,
            body: before,
            ..survivor
        };
        let mut members = vec![before];
        for id in &m.members {
            if let Some((member, _, _)) = load(conn, id)? {
                conn.execute(
                    "UPDATE resource SET merged_into = ?2 WHERE id = ?1",
                    params![id, m.survivor],
                )
                .ctx("marking merged records")?;
                members.push(member);
            }
        }
        let records: Vec<MergeRecord<'_>> = members.iter().map(Member::record).collect();
        // Picks of a member that is gone, or of a field no record has now, lapse.
        let known = fields(&records);
        let picks: Vec<(String, usize)> = m
            .rules
            .picks
            .iter()
            .filter_map(|p| {
                let at = members.iter().position(|x| x.id == p.resource_id)?;
                known.contains(&p.field).then(|| (p.field.clone(), at))
            })
            .collect();
        let outcome = survive(&records, 0, &m.rules.rule(), &picks)
            .map_err(|e| EngineError::Internal(format!("re-applying merge {}: {e}", m.id)))?;
        let body = serde_json::to_string(&outcome.body).unwrap_or_default();
        let current: String = conn
            .query_row(
                "SELECT body FROM resource WHERE id = ?1",
                [&m.survivor],
                |r| r.get(0),
            )
            .ctx("reading survivor")?;
        if body != current {
            conn.execute(
                "UPDATE resource SET body = ?2, body_hash = ?3 WHERE id = ?1",
                params![m.survivor, body, body_hash(&body)],
            )
            .ctx("writing survivor")?;
            changed.push(m.survivor.clone());
        }
        rebuilt.insert(m.survivor.clone());
        out.merges += 1;
    }
    let mut moves: HashMap<String, (i64, String)> = HashMap::new();
    let mut skip: HashSet<String> = HashSet::new();
    for m in merges.iter().filter(|m| !undone.contains(&m.id)) {
        for id in &m.members {
            moves.insert(id.clone(), (m.id, m.survivor.clone()));
            skip.insert(id.clone());
        }
        skip.insert(m.survivor.clone());
    }
    let redirected = redirect::redirect_converted(conn, mapping_name, &moves, &skip)?;
    out.redirected = redirected.len();
    out.undone = undone.len();
    changed.extend(redirected);
    crate::api::validate::recheck(conn, &changed, today)?;
    info!(
        merges = out.merges,
        redirected = out.redirected,
        undone = out.undone,
        "merges re-applied after conversion"
    );
    Ok(out)
}
