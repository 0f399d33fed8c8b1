//! Use case: counts per pipeline stage, for the pipeline bar and `cutover status`.

use rusqlite::ToSql;

use crate::api::Ctx;
use crate::api::dto::PipelineStatus;
use crate::error::{Result, SqlContext};
use crate::store;

pub fn pipeline(ctx: &Ctx) -> Result<PipelineStatus> {
    let conn = ctx.open()?;
    let target = store::project_record(&conn)?.target_base_url;
    let count = |sql: &str, params: &[&dyn ToSql]| -> Result<i64> {
        conn.query_row(sql, params, |r| r.get(0))
            .ctx("counting pipeline")
    };
    // Pushed and rejected count against the current target only.
    let target_key = target.as_deref().unwrap_or("");
    Ok(PipelineStatus {
        sources: count("SELECT count(*) FROM source", &[])? as u32,
        imported: count(
            "SELECT coalesce(sum(row_count), 0) FROM snapshot s
             WHERE seq = (SELECT max(seq) FROM snapshot WHERE source_id = s.source_id)",
            &[],
        )?,
        converted: count("SELECT count(*) FROM resource", &[])?,
        merged_away: count(
            "SELECT count(*) FROM resource WHERE merged_into IS NOT NULL",
            &[],
        )?,
        valid: count(
            "SELECT count(*) FROM resource WHERE valid = 1 AND merged_into IS NULL",
            &[],
        )?,
        invalid: count(
            "SELECT count(*) FROM resource WHERE valid = 0 AND merged_into IS NULL",
            &[],
        )?,
        pushed: count(
            "SELECT count(*) FROM resource r JOIN push_state p ON p.resource_id = r.id
             WHERE p.target = ?1 AND p.status = 'accepted' AND p.body_hash = r.body_hash",
            &[&target_key],
        )?,
        rejected: count(
            "SELECT count(*) FROM resource r JOIN push_state p ON p.resource_id = r.id
             WHERE p.target = ?1 AND p.status = 'rejected'",
            &[&target_key],
        )?,
        target_base_url: target,
    })
}
