//! Findings: problems found in legacy rows or converted records, stored in the project.
//! A finding names the file, row, line and column, and a rule; its message never quotes
//! the legacy value, so findings are safe to list, log and export.

use rusqlite::{Connection, Statement};

use crate::api::dto::{Finding, Severity, Stage};
use crate::error::{Result, SqlContext};

pub(crate) fn stage_key(stage: Stage) -> &'static str {
    match stage {
        Stage::Import => "import",
        Stage::Convert => "convert",
        Stage::Validate => "validate",
        Stage::Push => "push",
        Stage::Profile => "profile",
        Stage::Export => "export",
        Stage::Match => "match",
    }
}

fn stage_from(key: &str) -> Stage {
    match key {
        "import" => Stage::Import,
        "convert" => Stage::Convert,
        "push" => Stage::Push,
        "profile" => Stage::Profile,
        "export" => Stage::Export,
        "match" => Stage::Match,
        _ => Stage::Validate,
    }
}

fn severity_key(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Writes findings for one stage run, with a prepared statement, inside the caller's
/// transaction.
pub(crate) struct Writer<'c> {
    stmt: Statement<'c>,
    stage: Stage,
    mapping_id: Option<i64>,
    snapshot_id: i64,
    pub(crate) written: i64,
}

impl<'c> Writer<'c> {
    pub(crate) fn new(
        conn: &'c Connection,
        stage: Stage,
        mapping_id: Option<i64>,
        snapshot_id: i64,
    ) -> Result<Self> {
        let stmt = conn
            .prepare(
                "INSERT INTO finding (stage, mapping_id, resource_id, snapshot_id, row, line, column_name, rule, severity, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .ctx("preparing finding insert")?;
        Ok(Writer {
            stmt,
            stage,
            mapping_id,
            snapshot_id,
            written: 0,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_at(
        &mut self,
        severity: Severity,
        resource_id: Option<&str>,
        row: i64,
        line: i64,
        column: Option<&str>,
        rule: &str,
        message: &str,
    ) -> Result<()> {
        self.stmt
            .execute((
                stage_key(self.stage),
                self.mapping_id,
                resource_id,
                self.snapshot_id,
                row,
                line,
                column,
                rule,
                severity_key(severity),
                message,
            ))
            .ctx("saving finding")?;
        self.written += 1;
        Ok(())
    }
}

/// Findings in snapshot and row order, up to `limit`.
pub(crate) fn list(conn: &Connection, limit: u32) -> Result<Vec<Finding>> {
    let mut stmt = conn
        .prepare(
            "SELECT f.id, f.stage, f.resource_id, f.snapshot_id, s.file_name, f.row, f.line, f.column_name,
                    f.rule, f.severity, f.message
             FROM finding f JOIN snapshot s ON s.id = f.snapshot_id
             ORDER BY f.snapshot_id, f.row, f.id LIMIT ?1",
        )
        .ctx("listing findings")?;
    let rows = stmt
        .query_map([limit], |r| {
            let stage: String = r.get(1)?;
            let severity: String = r.get(9)?;
            Ok(Finding {
                id: r.get(0)?,
                stage: stage_from(&stage),
                resource_id: r.get(2)?,
                snapshot_id: r.get(3)?,
                file_name: r.get(4)?,
                row: r.get(5)?,
                line: r.get(6)?,
                column: r.get(7)?,
                rule: r.get(8)?,
                severity: if severity == "warning" {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                message: r.get(10)?,
            })
        })
        .ctx("listing findings")?;
    rows.collect::<std::result::Result<_, _>>()
        .ctx("listing findings")
}
