//! Use cases: validate every converted resource against the built-in rules, and list
//! findings.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use tracing::info;

use crate::api::dto::{Finding, RuleCount, Severity, Stage, ValidateSummary};
use crate::api::{Cancel, Ctx, ProgressSink, Throttled};
use crate::error::{EngineError, Result, SqlContext};
use crate::findings;
use crate::validate::check_resource;

/// A reference resolves to a converted resource of its type that is not merged away (a
/// reference left on a merged-away Patient is a finding, not a silent success).
const RESOLVES: &str =
    "SELECT 1 FROM resource WHERE id = ?1 AND resource_type = ?2 AND merged_into IS NULL";

/// Element → legacy column, per mapping, so findings name the column to fix.
fn element_columns(conn: &Connection) -> Result<HashMap<i64, HashMap<String, String>>> {
    let mut columns = HashMap::new();
    let mut stmt = conn
        .prepare("SELECT id, spec FROM mapping")
        .ctx("reading mappings")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .ctx("reading mappings")?;
    for row in rows {
        let (id, text) = row.ctx("reading mappings")?;
        if let Ok(m) = crate::api::mapping::compile_in(conn, &text)? {
            // The first element under each top-level name that reads a column.
            let mut by_element: HashMap<String, String> = HashMap::new();
            for e in &m.elements {
                let label = e.column_label();
                let top = e.steps.first().map(|s| s.name.clone()).unwrap_or_default();
                if !label.is_empty() {
                    by_element.entry(top).or_insert(label);
                }
            }
            by_element.insert("identifier".into(), m.identifier_label());
            columns.insert(id, by_element);
        }
    }
    Ok(columns)
}

/// Checks again resources whose bodies something other than conversion rewrote (a merge's
/// survivor and redirected resources, an unmerge's restored ones), inside the caller's
/// transaction: their `valid` flag and validation findings follow the new body. Resources
/// never validated (or merged away) are left for the next validation.
pub(crate) fn recheck(conn: &Connection, ids: &[String], today: NaiveDate) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let columns = element_columns(conn)?;
    let mut exists_stmt = conn.prepare(RESOLVES).ctx("preparing reference check")?;
    for id in ids {
        let found: Option<(i64, i64, i64, i64, String)> = conn
            .query_row(
                "SELECT mapping_id, snapshot_id, row, line, body FROM resource
                 WHERE id = ?1 AND valid IS NOT NULL AND merged_into IS NULL",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .ctx("reading resource")?;
        let Some((mapping_id, snapshot_id, row, line, body)) = found else {
            continue;
        };
        let resource: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| EngineError::Internal(format!("stored resource {id} is not JSON: {e}")))?;
        let mut exists = |reference: &str| -> bool {
            let target = reference.split('/').nth(1).unwrap_or("");
            let rt = reference.split('/').next().unwrap_or("");
            exists_stmt.query_row((target, rt), |_| Ok(())).is_ok()
        };
        let violations = check_resource(&resource, today, &mut exists);
        let passes = !violations.iter().any(|v| v.severity == Severity::Error);
        conn.execute("UPDATE resource SET valid = ?1 WHERE id = ?2", (passes, id))
            .ctx("marking resource")?;
        conn.execute(
            "DELETE FROM finding WHERE stage = 'validate' AND resource_id = ?1",
            [id],
        )
        .ctx("clearing old findings")?;
        let mut writer =
            findings::Writer::new(conn, Stage::Validate, Some(mapping_id), snapshot_id)?;
        for v in violations {
            let column = columns
                .get(&mapping_id)
                .and_then(|c| c.get(v.element.as_str()))
                .map(String::as_str);
            writer.add_at(v.severity, Some(id), row, line, column, v.rule, &v.message)?;
        }
    }
    Ok(())
}

/// Checks every converted resource not merged away (merged-away Patients keep their rows
/// for lineage but are neither checked nor counted).
pub fn run(ctx: &Ctx, progress: &dyn ProgressSink, cancel: &Cancel) -> Result<ValidateSummary> {
    let today = ctx.clock.now().date_naive();
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting validation")?;
    tx.execute("DELETE FROM finding WHERE stage = 'validate'", [])
        .ctx("clearing old findings")?;
    let total: i64 = tx
        .query_row(
            "SELECT count(*) FROM resource WHERE merged_into IS NULL",
            [],
            |r| r.get(0),
        )
        .ctx("counting resources")?;
    let columns = element_columns(&tx)?;
    let mut throttle = Throttled::new(progress, Stage::Validate, "resources", Some(total));
    let (mut checked, mut valid) = (0i64, 0i64);
    let mut by_rule: HashMap<&'static str, i64> = HashMap::new();
    // Ensure the R4 schema is compiled before the transaction's loop (first use ~1 s).
    let _ = crate::fhir::check(&serde_json::json!({"resourceType": "Patient"}));
    let mut findings_written = 0;
    {
        let mut select = tx
            .prepare(
                "SELECT id, mapping_id, snapshot_id, row, line, body FROM resource
                 WHERE merged_into IS NULL ORDER BY snapshot_id, row",
            )
            .ctx("reading resources")?;
        let mut update = tx
            .prepare("UPDATE resource SET valid = ?1 WHERE id = ?2")
            .ctx("preparing update")?;
        let mut exists_stmt = tx.prepare(RESOLVES).ctx("preparing reference check")?;
        let mut writers: HashMap<(i64, i64), findings::Writer> = HashMap::new();
        let mut rows = select.query([]).ctx("reading resources")?;
        while let Some(r) = rows.next().ctx("reading resources")? {
            let id: String = r.get(0).ctx("reading resource")?;
            let mapping_id: i64 = r.get(1).ctx("reading resource")?;
            let snapshot_id: i64 = r.get(2).ctx("reading resource")?;
            let (row, line): (i64, i64) = (
                r.get(3).ctx("reading resource")?,
                r.get(4).ctx("reading resource")?,
            );
            let body: String = r.get(5).ctx("reading resource")?;
            let resource: serde_json::Value = serde_json::from_str(&body).map_err(|e| {
                EngineError::Internal(format!("stored resource {id} is not JSON: {e}"))
            })?;
            let mut exists = |reference: &str| -> bool {
                let id = reference.split('/').nth(1).unwrap_or("");
                let rt = reference.split('/').next().unwrap_or("");
                exists_stmt.query_row((id, rt), |_| Ok(())).is_ok()
            };
            let violations = check_resource(&resource, today, &mut exists);
            checked += 1;
            // Warnings are reported but do not stop a record.
            let passes = !violations.iter().any(|v| v.severity == Severity::Error);
            if passes {
                valid += 1;
            }
            update.execute((passes, &id)).ctx("marking resource")?;
            if !violations.is_empty() {
                let writer = match writers.entry((mapping_id, snapshot_id)) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(
                        findings::Writer::new(&tx, Stage::Validate, Some(mapping_id), snapshot_id)?,
                    ),
                };
                for v in violations {
                    let column = columns
                        .get(&mapping_id)
                        .and_then(|c| c.get(v.element.as_str()))
                        .map(String::as_str);
                    writer.add_at(v.severity, Some(&id), row, line, column, v.rule, &v.message)?;
                    *by_rule.entry(v.rule).or_default() += 1;
                    findings_written += 1;
                }
            }
            if checked % 4096 == 0 {
                cancel.check("validation")?;
                throttle.tick(checked);
            }
        }
    }
    cancel.check("validation")?;
    tx.commit().ctx("committing validation")?;
    throttle.finish(checked);
    info!(
        checked,
        valid,
        findings = findings_written,
        "validation finished"
    );
    let mut by_rule: Vec<RuleCount> = by_rule
        .into_iter()
        .map(|(rule, count)| RuleCount {
            rule: rule.to_string(),
            count,
        })
        .collect();
    by_rule.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(&b.rule)));
    Ok(ValidateSummary {
        checked,
        valid,
        invalid: checked - valid,
        findings: findings_written,
        by_rule,
    })
}

/// Findings of every stage, in row order.
pub fn findings(ctx: &Ctx, limit: u32) -> Result<Vec<Finding>> {
    findings::list(&ctx.open()?, limit)
}
