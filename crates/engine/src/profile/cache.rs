//! Profiles cached in the project (`snapshot_profile`), so that viewing one again does not
//! read the snapshot again. Snapshots never change once imported, so a cached profile is
//! good until the profile's own layout changes ([`FORMAT`]) or the analyst asks again.

use rusqlite::{Connection, OptionalExtension};
use tracing::warn;

use crate::api::dto::SnapshotProfile;
use crate::error::{EngineError, Result, SqlContext};

/// The layout (and meaning) of cached profiles; bump it when either changes, and older
/// caches are recomputed instead of read.
pub const FORMAT: i64 = 1;

pub(crate) fn save(conn: &Connection, profile: &SnapshotProfile) -> Result<()> {
    let body = serde_json::to_string(profile)
        .map_err(|e| EngineError::Internal(format!("serialising a profile: {e}")))?;
    conn.execute(
        "INSERT OR REPLACE INTO snapshot_profile (snapshot_id, format, profiled_at, body)
         VALUES (?1, ?2, ?3, ?4)",
        (profile.snapshot_id, FORMAT, &profile.profiled_at, body),
    )
    .ctx("saving the profile")?;
    Ok(())
}

/// The cached profile of a snapshot, if there is one of the current format.
pub(crate) fn load(conn: &Connection, snapshot_id: i64) -> Result<Option<SnapshotProfile>> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM snapshot_profile WHERE snapshot_id = ?1 AND format = ?2",
            (snapshot_id, FORMAT),
            |r| r.get(0),
        )
        .optional()
        .ctx("reading the cached profile")?;
    Ok(body.and_then(|b| match serde_json::from_str(&b) {
        Ok(p) => Some(p),
        Err(e) => {
            // Not worth failing over: the profile is recomputed. Only the error's kind
            // is logged, since serde's messages can quote the text they failed on.
            warn!(snapshot_id, category = ?e.classify(), "cached profile unreadable");
            None
        }
    }))
}
