//! Use case: push valid converted resources to the target FHIR server, in dependency
//! order, recording each result so a re-run (or a resumed run) sends only what is not yet
//! accepted with the same content. Patients merged into another record are never sent;
//! a merge changes the bodies (and hashes) of the survivor and of the resources that now
//! point to it, so they are sent again.

use rusqlite::Connection;
use tracing::{info, warn};

use crate::api::dto::{PushRequest, PushSummary, Stage};
use crate::api::project::normalise_base_url;
use crate::api::{Cancel, Ctx, ProgressSink, Throttled};
use crate::error::{EngineError, Result, SqlContext};
use crate::push::{DEPENDENCY_ORDER, FhirClient, WriteOutcome};
use crate::store;

/// Resources read and recorded per transaction.
const BATCH: i64 = 200;

struct Pending {
    rowid: i64,
    id: String,
    system: String,
    value: String,
    body: String,
    body_hash: String,
    attempts: i64,
    already: bool,
}

pub fn run(
    ctx: &Ctx,
    req: &PushRequest,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<PushSummary> {
    let conn = ctx.open()?;
    let base_url = match &req.base_url {
        Some(url) => normalise_base_url(url)?,
        None => store::project_record(&conn)?
            .target_base_url
            .ok_or_else(|| {
                EngineError::bad_input(
                    "target",
                    "no FHIR target is set: give a base URL or set the project's target",
                )
            })?,
    };
    if !req.dry_run {
        crate::api::sample::check_push_allowed(&conn, &base_url)?;
    }
    let to_send: i64 = conn
        .query_row(
            "SELECT count(*) FROM resource r LEFT JOIN push_state p ON p.resource_id = r.id AND p.target = ?1
             WHERE r.valid = 1 AND r.merged_into IS NULL
               AND NOT (p.status IS 'accepted' AND p.body_hash = r.body_hash)",
            [&base_url],
            |r| r.get(0),
        )
        .ctx("counting resources to push")?;
    let skipped: i64 = conn
        .query_row(
            "SELECT count(*) FROM resource r JOIN push_state p ON p.resource_id = r.id AND p.target = ?1
             WHERE r.valid = 1 AND r.merged_into IS NULL
               AND p.status = 'accepted' AND p.body_hash = r.body_hash",
            [&base_url],
            |r| r.get(0),
        )
        .ctx("counting resources already pushed")?;
    let merged_away: i64 = conn
        .query_row(
            "SELECT count(*) FROM resource WHERE merged_into IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .ctx("counting merged records")?;
    let mut summary = PushSummary {
        base_url: base_url.clone(),
        dry_run: req.dry_run,
        attempted: 0,
        created: 0,
        updated: 0,
        rejected: 0,
        skipped,
        pending: to_send,
        cancelled: false,
        merged_away,
    };
    if req.dry_run {
        summary.attempted = to_send;
        return Ok(summary);
    }
    let client = FhirClient::new(&base_url);
    let mut throttle = Throttled::new(progress, Stage::Push, "resources", Some(to_send));
    throttle.tick(0);
    'types: for resource_type in DEPENDENCY_ORDER {
        let mut after = 0i64;
        loop {
            let batch = next_batch(&conn, &base_url, resource_type, after)?;
            let Some(last) = batch.last() else { break };
            after = last.rowid;
            for item in batch.into_iter().filter(|p| !p.already) {
                if cancel.is_cancelled() {
                    summary.cancelled = true;
                    break 'types;
                }
                let resource: serde_json::Value =
                    serde_json::from_str(&item.body).map_err(|e| {
                        EngineError::Internal(format!(
                            "stored resource {} is not JSON: {e}",
                            item.id
                        ))
                    })?;
                let outcome = client
                    .conditional_update(resource_type, &item.system, &item.value, &resource)
                    .map_err(|u| {
                        warn!(resource_id = %item.id, "push stopped: server unreachable");
                        EngineError::Network {
                            url: base_url.clone(),
                            reason: u.reason,
                        }
                    })?;
                record(&conn, &base_url, &item, &outcome, &ctx.now_text())?;
                summary.attempted += 1;
                summary.pending -= 1;
                match outcome {
                    WriteOutcome::Created { .. } => summary.created += 1,
                    WriteOutcome::Updated { .. } => summary.updated += 1,
                    WriteOutcome::Rejected { status, .. } => {
                        info!(resource_id = %item.id, status, "push rejected");
                        summary.rejected += 1;
                    }
                }
                throttle.tick(summary.attempted);
            }
        }
    }
    throttle.finish(summary.attempted);
    info!(
        attempted = summary.attempted,
        created = summary.created,
        updated = summary.updated,
        rejected = summary.rejected,
        skipped = summary.skipped,
        cancelled = summary.cancelled,
        "push finished"
    );
    Ok(summary)
}

fn next_batch(
    conn: &Connection,
    target: &str,
    resource_type: &str,
    after: i64,
) -> Result<Vec<Pending>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT r.rowid, r.id, r.identifier_system, r.identifier_value, r.body, r.body_hash,
                    coalesce(p.attempts, 0), (p.status IS 'accepted' AND p.body_hash = r.body_hash)
             FROM resource r LEFT JOIN push_state p ON p.resource_id = r.id AND p.target = ?1
             WHERE r.resource_type = ?2 AND r.valid = 1 AND r.merged_into IS NULL AND r.rowid > ?3
             ORDER BY r.rowid LIMIT ?4",
        )
        .ctx("reading resources to push")?;
    let rows = stmt
        .query_map((target, resource_type, after, BATCH), |r| {
            Ok(Pending {
                rowid: r.get(0)?,
                id: r.get(1)?,
                system: r.get(2)?,
                value: r.get(3)?,
                body: r.get(4)?,
                body_hash: r.get(5)?,
                attempts: r.get(6)?,
                already: r.get(7)?,
            })
        })
        .ctx("reading resources to push")?;
    rows.collect::<std::result::Result<_, _>>()
        .ctx("reading resources to push")
}

/// Record one result at once, so a crash loses at most the write in flight (which a
/// re-run repeats harmlessly: the write is a conditional update).
fn record(
    conn: &Connection,
    target: &str,
    item: &Pending,
    outcome: &WriteOutcome,
    now: &str,
) -> Result<()> {
    let (status, http, server_id, text) = match outcome {
        WriteOutcome::Created { server_id } => ("accepted", 201, server_id.clone(), None),
        WriteOutcome::Updated { server_id } => ("accepted", 200, server_id.clone(), None),
        WriteOutcome::Rejected { status, outcome } => {
            ("rejected", i64::from(*status), None, Some(outcome.clone()))
        }
    };
    conn.prepare_cached(
        "INSERT INTO push_state (resource_id, target, status, http_status, server_id, body_hash, outcome, attempts, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (resource_id, target) DO UPDATE SET status = excluded.status, http_status = excluded.http_status,
           server_id = coalesce(excluded.server_id, server_id), body_hash = excluded.body_hash,
           outcome = excluded.outcome, attempts = excluded.attempts, updated_at = excluded.updated_at",
    )
    .ctx("recording push result")?
    .execute((
        &item.id,
        target,
        status,
        http,
        server_id,
        &item.body_hash,
        text,
        item.attempts + 1,
        now,
    ))
    .ctx("recording push result")?;
    Ok(())
}
