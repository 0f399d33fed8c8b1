//! Use cases of merging duplicate patients: preview a merge (which value of each field
//! survives, from whom, by which rule), merge, unmerge, list merges, and the members of a
//! matching run's cluster. Survivorship itself is `crate::matching::survivorship`; moving
//! references is [`redirect`]; keeping merges across a re-conversion is [`reapply`].
//!
//! A merge is one transaction: the survivor's body becomes the surviving Patient (its body
//! before is kept in `merge.survivor_body`), merged-away records keep their rows with
//! `merged_into` set (lineage), and every resource that referenced a merged-away Patient
//! points to the survivor (its body before is kept in `merge_redirect`). Unmerge writes the
//! kept bodies and hashes back, byte for byte. Merges undo last-in first-out: a merge
//! cannot be undone while a later active merge shares a record with it (a patient, or a
//! resource both redirected). Logs carry merge ids and counts only. Checking and planning a request is [`plan`];
//! undoing, [`undo`].

mod plan;
mod reapply;
mod redirect;
mod undo;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use tracing::info;

pub(crate) use reapply::{after_reconversion, before_reconversion};

use crate::api::Ctx;
use crate::api::dto::{
    FieldCandidate, FieldPick, MergePreview, MergeRequest, MergeSummary, SurvivorField,
    SurvivorshipRule,
};
use crate::error::{EngineError, Result, SqlContext};
use crate::mapping::convert::body_hash;
use crate::matching::survivorship::{Rule, field_label, value_of};
use plan::{bad, plan, text};
use undo::undo;

/// Who an automatic unmerge is recorded under (a re-conversion that no longer produces a
/// merge's survivor).
pub(crate) const CONVERSION: &str = "conversion";

/// The rule and picks of a merge, as stored in `merge.rules`, so a re-conversion can apply
/// the merge again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredRules {
    rule: SurvivorshipRule,
    source_priority: Vec<String>,
    picks: Vec<FieldPick>,
}

impl StoredRules {
    pub(super) fn rule(&self) -> Rule {
        match self.rule {
            SurvivorshipRule::MostRecent => Rule::MostRecent,
            SurvivorshipRule::MostComplete => Rule::MostComplete,
            SurvivorshipRule::SourcePriority => Rule::SourcePriority(self.source_priority.clone()),
        }
    }
}

fn rule_key(rule: SurvivorshipRule) -> &'static str {
    match rule {
        SurvivorshipRule::MostRecent => "most_recent",
        SurvivorshipRule::MostComplete => "most_complete",
        SurvivorshipRule::SourcePriority => "source_priority",
    }
}

/// What a merge would do: the survivor, each field's value and where it comes from, the
/// identifiers added and how many other resources would point to the survivor. Nothing is
/// written.
pub fn preview(ctx: &Ctx, req: &MergeRequest) -> Result<MergePreview> {
    let conn = ctx.open()?;
    let (members, outcome) = plan(&conn, req)?;
    let moved: Vec<&str> = members[1..].iter().map(|m| m.id.as_str()).collect();
    let redirected = redirect::referencing(&conn, &moved, &members[0].id)?;
    let rule = rule_key(req.rule);
    let fields = outcome
        .fields
        .iter()
        .map(|c| SurvivorField {
            field: c.field.clone(),
            label: field_label(&c.field),
            chosen_from: Some(members[c.chosen].id.clone()),
            rule: if c.manual { "manual" } else { rule }.to_owned(),
            value: text(c.value.as_ref().map(|(_, v)| v)),
            candidates: members
                .iter()
                .map(|m| FieldCandidate {
                    resource_id: m.id.clone(),
                    value: text(value_of(&m.value, &c.field).map(|(_, v)| v)),
                })
                .collect(),
        })
        .collect();
    Ok(MergePreview {
        survivor_id: members[0].id.clone(),
        merged_ids: moved.iter().map(|s| s.to_string()).collect(),
        fields,
        identifiers_added: outcome.identifiers_added as i64,
        redirected: redirected.len() as i64,
        body: serde_json::to_string(&outcome.body).unwrap_or_default(),
    })
}

/// Merges the records: the survivor gets the surviving values and the others' identifiers,
/// the others are marked merged into it, and every reference to them moves to it. Records
/// who, when and why. One transaction.
pub fn merge(ctx: &Ctx, req: &MergeRequest) -> Result<MergeSummary> {
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting merge")?;
    let (members, outcome) = plan(&tx, req)?;
    let survivor = &members[0];
    let moved: Vec<String> = members[1..].iter().map(|m| m.id.clone()).collect();
    let rules = StoredRules {
        rule: req.rule,
        source_priority: req.source_priority.clone(),
        picks: req.picks.clone(),
    };
    tx.execute(
        "INSERT INTO merge (run_id, survivor_id, members, rules, survivor_body, survivor_hash,
           merged_by, reason, merged_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            req.run_id,
            survivor.id,
            serde_json::to_string(&moved).unwrap_or_default(),
            serde_json::to_string(&rules).unwrap_or_default(),
            survivor.body,
            survivor.hash,
            req.reviewer.trim(),
            req.reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty()),
            ctx.now_text(),
        ],
    )
    .ctx("storing merge")?;
    let merge_id = tx.last_insert_rowid();
    let body = serde_json::to_string(&outcome.body).unwrap_or_default();
    tx.execute(
        "UPDATE resource SET body = ?2, body_hash = ?3 WHERE id = ?1",
        params![survivor.id, body, body_hash(&body)],
    )
    .ctx("writing survivor")?;
    for id in &moved {
        tx.execute(
            "UPDATE resource SET merged_into = ?2 WHERE id = ?1",
            params![id, survivor.id],
        )
        .ctx("marking merged records")?;
    }
    let moved_refs: Vec<&str> = moved.iter().map(String::as_str).collect();
    let redirected = redirect::redirect(&tx, merge_id, &moved_refs, &survivor.id)?;
    let mut touched = redirected.clone();
    touched.push(survivor.id.clone());
    crate::api::validate::recheck(&tx, &touched, ctx.clock.now().date_naive())?;
    tx.commit().ctx("committing merge")?;
    info!(
        merge_id,
        merged = moved.len(),
        redirected = redirected.len(),
        identifiers_added = outcome.identifiers_added,
        "patients merged"
    );
    summary_with(&conn, merge_id)
}

/// The active members of a run's cluster (named by its key, the smallest member id): a
/// member merged away since is replaced by its survivor, so a cluster merged in part is
/// finished, not refused. Fewer than two means the cluster is already one record.
pub fn cluster_members(ctx: &Ctx, run_id: i64, key: &str) -> Result<Vec<String>> {
    let conn = ctx.open()?;
    let members = crate::api::matching::cluster_members_with(&conn, run_id, key.trim())?
        .ok_or_else(|| EngineError::NoSuchRecord {
            what: format!("cluster '{}' in matching run {run_id}", key.trim()),
        })?;
    let mut out: Vec<String> = Vec::with_capacity(members.len());
    for id in members {
        let active = active_record(&conn, &id)?;
        if !out.contains(&active) {
            out.push(active);
        }
    }
    Ok(out)
}

/// Merges a whole cluster of a run: `req`'s members are replaced by the cluster's.
pub fn merge_cluster(
    ctx: &Ctx,
    run_id: i64,
    key: &str,
    req: &MergeRequest,
) -> Result<MergeSummary> {
    let members = cluster_members(ctx, run_id, key)?;
    if members.len() < 2 {
        return Err(bad(format!(
            "cluster '{}' of run {run_id} is already merged into '{}'",
            key.trim(),
            members.first().map(String::as_str).unwrap_or("")
        )));
    }
    merge(
        ctx,
        &MergeRequest {
            run_id: Some(run_id),
            members,
            ..req.clone()
        },
    )
}

/// Where a record lives now: itself, or the survivor it was merged into (followed through
/// later merges).
fn active_record(conn: &Connection, id: &str) -> Result<String> {
    let mut current = id.to_owned();
    // Each step is a later merge; a chain longer than the merges is a cycle (never written).
    for _ in 0..10_000 {
        let next: Option<Option<String>> = conn
            .query_row(
                "SELECT merged_into FROM resource WHERE id = ?1",
                [&current],
                |r| r.get(0),
            )
            .optional()
            .ctx("reading resource")?;
        match next.flatten() {
            Some(s) => current = s,
            None => return Ok(current),
        }
    }
    Err(EngineError::Internal(format!(
        "merged_into of '{id}' loops"
    )))
}

/// Undoes a merge: the survivor's body before the merge, every redirected resource's body
/// before it (bodies and hashes byte for byte), merged-away records active again. Refused
/// while a later active merge shares a record with it: undo that one first.
pub fn unmerge(ctx: &Ctx, merge_id: i64, who: &str) -> Result<MergeSummary> {
    if who.trim().is_empty() {
        return Err(bad("an unmerge needs the reviewer's name"));
    }
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting unmerge")?;
    let restored = undo(
        &tx,
        merge_id,
        who.trim(),
        &ctx.now_text(),
        ctx.clock.now().date_naive(),
        &mut |_| Ok(false),
    )?;
    tx.commit().ctx("committing unmerge")?;
    info!(merge_id, restored, "merge undone");
    summary_with(&conn, merge_id)
}

/// Every merge, newest first (undone ones included).
pub fn merges(ctx: &Ctx) -> Result<Vec<MergeSummary>> {
    let conn = ctx.open()?;
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM merge ORDER BY id DESC")
        .ctx("listing merges")?
        .query_map([], |r| r.get(0))
        .ctx("listing merges")?
        .collect::<std::result::Result<_, _>>()
        .ctx("listing merges")?;
    ids.into_iter().map(|id| summary_with(&conn, id)).collect()
}

/// One merge.
pub fn summary(ctx: &Ctx, merge_id: i64) -> Result<MergeSummary> {
    summary_with(&ctx.open()?, merge_id)
}

fn summary_with(conn: &Connection, merge_id: i64) -> Result<MergeSummary> {
    conn.query_row(
        "SELECT id, run_id, survivor_id, members, merged_by, merged_at, reason, unmerged_by,
                unmerged_at, (SELECT count(*) FROM merge_redirect WHERE merge_id = merge.id)
         FROM merge WHERE id = ?1",
        [merge_id],
        |r| {
            let members: String = r.get(3)?;
            Ok(MergeSummary {
                id: r.get(0)?,
                run_id: r.get(1)?,
                survivor_id: r.get(2)?,
                merged_ids: serde_json::from_str(&members).unwrap_or_default(),
                merged_by: r.get(4)?,
                merged_at: r.get(5)?,
                reason: r.get(6)?,
                unmerged_by: r.get(7)?,
                unmerged_at: r.get(8)?,
                redirected: r.get(9)?,
            })
        },
    )
    .optional()
    .ctx("reading merge")?
    .ok_or_else(|| EngineError::NoSuchRecord {
        what: format!("merge {merge_id}"),
    })
}
