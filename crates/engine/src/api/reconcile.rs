//! Use case: the reconciliation ledger. Every staged row of every source's latest snapshot
//! ends, for each mapping that reads it, in exactly one state — converted, merged into
//! another record, excluded, or failed (by rule) — and every converted record is accepted,
//! rejected or pending at the push target. A row in no state is unaccounted, which blocks
//! a go-live: the ledger says which rows and why.
//!
//! The states come from what the stages stored: `resource` (with `merged_into` and
//! `valid`), convert findings (a row that produced no resource), duplicate findings (a row
//! superseded by another, which names the resource it folded into), validation findings
//! (the failing rule), and `push_state` for the project's target. Counts and ids only.

use std::collections::HashMap;

use rusqlite::Connection;
use tracing::info;

use crate::api::Ctx;
use crate::api::dto::{LedgerLine, LedgerReport, RuleCount, UnaccountedRow};
use crate::api::mapping::list_with as mappings;
use crate::error::{Result, SqlContext};
use crate::store::{self, staging};

/// Unaccounted rows listed in a report (the counts are always complete).
const MAX_LISTED: usize = 100;

/// What the stages say about one row of one mapping.
#[derive(Default)]
struct RowFacts {
    resource: Option<ResourceFacts>,
    /// A convert error: the row gave no resource.
    convert_rule: Option<String>,
    /// Superseded by a duplicate (the rule, e.g. `duplicate.superseded`).
    duplicate_rule: Option<String>,
}

struct ResourceFacts {
    id: String,
    merged: bool,
    valid: Option<bool>,
    hash: String,
}

struct Snapshot {
    id: i64,
    seq: u32,
    file_name: String,
}

fn latest_snapshot(conn: &Connection, source: &str) -> Result<Option<Snapshot>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT s.id, s.seq, s.file_name FROM snapshot s JOIN source o ON o.id = s.source_id
         WHERE o.name = ?1 ORDER BY s.seq DESC LIMIT 1",
        [source],
        |r| {
            Ok(Snapshot {
                id: r.get(0)?,
                seq: r.get(1)?,
                file_name: r.get(2)?,
            })
        },
    )
    .optional()
    .ctx("reading snapshots")
}

/// The ledger of the whole project, against its push target.
pub fn ledger(ctx: &Ctx) -> Result<LedgerReport> {
    let conn = ctx.open()?;
    let target = store::project_record(&conn)?.target_base_url;
    let target_key = target.clone().unwrap_or_default();
    let push: HashMap<String, (String, String)> = {
        let mut stmt = conn
            .prepare("SELECT resource_id, status, body_hash FROM push_state WHERE target = ?1")
            .ctx("reading push state")?;
        stmt.query_map([&target_key], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .ctx("reading push state")?
            .collect::<std::result::Result<_, _>>()
            .ctx("reading push state")?
    };
    let validation_rule: HashMap<String, String> = {
        let mut stmt = conn
            .prepare(
                "SELECT resource_id, min(rule) FROM finding
                 WHERE stage = 'validate' AND severity = 'error' AND resource_id IS NOT NULL
                 GROUP BY resource_id",
            )
            .ctx("reading findings")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .ctx("reading findings")?
            .collect::<std::result::Result<_, _>>()
            .ctx("reading findings")?
    };

    let all_mappings = mappings(&conn)?;
    let mut lines = Vec::new();
    let mut failed_by_rule: HashMap<String, i64> = HashMap::new();
    let mut unaccounted_rows = Vec::new();
    let sources: Vec<String> = conn
        .prepare("SELECT name FROM source ORDER BY name")
        .ctx("reading sources")?
        .query_map([], |r| r.get(0))
        .ctx("reading sources")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading sources")?;
    for source in &sources {
        let Some(snapshot) = latest_snapshot(&conn, source)? else {
            continue;
        };
        let readers: Vec<_> = all_mappings
            .iter()
            .filter(|m| &m.source_name == source)
            .collect();
        if readers.is_empty() {
            let mut line = LedgerLine {
                source: source.clone(),
                snapshot_seq: snapshot.seq,
                file_name: snapshot.file_name.clone(),
                ..LedgerLine::default()
            };
            for_each_row(&conn, snapshot.id, |row, l| {
                line.rows += 1;
                line.unaccounted += 1;
                if unaccounted_rows.len() < MAX_LISTED {
                    unaccounted_rows.push(UnaccountedRow {
                        source: source.clone(),
                        mapping: String::new(),
                        row,
                        line: l,
                        reason: "no mapping reads this source".into(),
                    });
                }
            })?;
            lines.push(line);
            continue;
        }
        for m in readers {
            let facts = row_facts(&conn, &m.name, snapshot.id)?;
            let mut line = LedgerLine {
                source: source.clone(),
                snapshot_seq: snapshot.seq,
                file_name: snapshot.file_name.clone(),
                mapping: m.name.clone(),
                resource_type: m.resource_type.clone(),
                ..LedgerLine::default()
            };
            for_each_row(&conn, snapshot.id, |row, l| {
                line.rows += 1;
                let f = facts.get(&row);
                let resource = f.and_then(|f| f.resource.as_ref());
                if let Some(r) = resource {
                    if r.merged {
                        line.merged += 1;
                    } else if r.valid == Some(false) {
                        line.failed += 1;
                        let rule = validation_rule
                            .get(&r.id)
                            .cloned()
                            .unwrap_or_else(|| "validation".into());
                        *failed_by_rule.entry(rule).or_default() += 1;
                    } else {
                        line.converted += 1;
                        match push.get(&r.id) {
                            Some((status, hash)) if status == "accepted" && *hash == r.hash => {
                                line.accepted += 1
                            }
                            Some((status, _)) if status == "rejected" => line.rejected += 1,
                            _ => line.pending += 1,
                        }
                    }
                    return;
                }
                if f.and_then(|f| f.duplicate_rule.as_ref()).is_some() {
                    line.merged += 1;
                } else if let Some(rule) = f.and_then(|f| f.convert_rule.as_ref()) {
                    line.failed += 1;
                    *failed_by_rule.entry(rule.clone()).or_default() += 1;
                } else {
                    line.unaccounted += 1;
                    if unaccounted_rows.len() < MAX_LISTED {
                        unaccounted_rows.push(UnaccountedRow {
                            source: source.clone(),
                            mapping: m.name.clone(),
                            row,
                            line: l,
                            reason:
                                "no resource, finding or duplicate for this row (convert again?)"
                                    .into(),
                        });
                    }
                }
            })?;
            lines.push(line);
        }
    }

    let mut totals = LedgerLine {
        source: "all".into(),
        ..LedgerLine::default()
    };
    for l in &lines {
        totals.rows += l.rows;
        totals.converted += l.converted;
        totals.merged += l.merged;
        totals.excluded += l.excluded;
        totals.failed += l.failed;
        totals.unaccounted += l.unaccounted;
        totals.accepted += l.accepted;
        totals.rejected += l.rejected;
        totals.pending += l.pending;
    }
    let adds_up = |l: &LedgerLine| {
        l.rows == l.converted + l.merged + l.excluded + l.failed + l.unaccounted
            && l.converted == l.accepted + l.rejected + l.pending
    };
    let balanced = totals.unaccounted == 0 && lines.iter().all(adds_up) && adds_up(&totals);
    let mut failed_by_rule: Vec<RuleCount> = failed_by_rule
        .into_iter()
        .map(|(rule, count)| RuleCount { rule, count })
        .collect();
    failed_by_rule.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule.cmp(&b.rule)));
    info!(
        rows = totals.rows,
        converted = totals.converted,
        merged = totals.merged,
        failed = totals.failed,
        unaccounted = totals.unaccounted,
        balanced,
        "ledger reconciled"
    );
    Ok(LedgerReport {
        target,
        lines,
        totals,
        failed_by_rule,
        unaccounted_rows,
        balanced,
    })
}

fn for_each_row(conn: &Connection, snapshot_id: i64, mut f: impl FnMut(i64, i64)) -> Result<()> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT row, line FROM {} ORDER BY row",
            staging::table_name(snapshot_id)
        ))
        .ctx("reading staged rows")?;
    let mut rows = stmt.query([]).ctx("reading staged rows")?;
    while let Some(r) = rows.next().ctx("reading staged rows")? {
        f(
            r.get(0).ctx("reading staged rows")?,
            r.get(1).ctx("reading staged rows")?,
        );
    }
    Ok(())
}

/// What the resources and findings of the mapping (any version) say about each row of the
/// snapshot.
fn row_facts(conn: &Connection, mapping: &str, snapshot_id: i64) -> Result<HashMap<i64, RowFacts>> {
    let mut facts: HashMap<i64, RowFacts> = HashMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT row, id, merged_into IS NOT NULL, valid, body_hash FROM resource
             WHERE snapshot_id = ?2 AND mapping_id IN (SELECT id FROM mapping WHERE name = ?1)",
        )
        .ctx("reading resources")?;
    let mut rows = stmt
        .query(rusqlite::params![mapping, snapshot_id])
        .ctx("reading resources")?;
    while let Some(r) = rows.next().ctx("reading resources")? {
        let row: i64 = r.get(0).ctx("reading resources")?;
        let valid: Option<i64> = r.get(3).ctx("reading resources")?;
        facts.entry(row).or_default().resource = Some(ResourceFacts {
            id: r.get(1).ctx("reading resources")?,
            merged: r.get(2).ctx("reading resources")?,
            valid: valid.map(|v| v != 0),
            hash: r.get(4).ctx("reading resources")?,
        });
    }
    let mut stmt = conn
        .prepare(
            "SELECT row, rule, severity FROM finding
             WHERE snapshot_id = ?2 AND stage = 'convert'
               AND mapping_id IN (SELECT id FROM mapping WHERE name = ?1)
               AND (severity = 'error' OR rule LIKE 'duplicate.%')
             ORDER BY id",
        )
        .ctx("reading findings")?;
    let mut rows = stmt
        .query(rusqlite::params![mapping, snapshot_id])
        .ctx("reading findings")?;
    while let Some(r) = rows.next().ctx("reading findings")? {
        let row: i64 = r.get(0).ctx("reading findings")?;
        let rule: String = r.get(1).ctx("reading findings")?;
        let entry = facts.entry(row).or_default();
        if rule.starts_with("duplicate.") {
            entry.duplicate_rule.get_or_insert(rule);
        } else {
            entry.convert_rule.get_or_insert(rule);
        }
    }
    Ok(facts)
}
