//! `cutover reconcile`: the ledger that accounts for every legacy row. Exits non-zero when
//! any row is unaccounted or a line does not add up, so a script can gate a go-live on it.

use cutover_engine::EngineError;
use cutover_engine::api::dto::{LedgerLine, LedgerReport};
use cutover_engine::api::{self, Ctx};

use crate::output::{self, Out};

fn cells(l: &LedgerLine) -> Vec<String> {
    vec![
        if l.snapshot_seq > 0 {
            format!("{} #{}", l.source, l.snapshot_seq)
        } else {
            l.source.clone()
        },
        if l.source == "all" && l.snapshot_seq == 0 {
            String::new()
        } else if l.resource_type.is_empty() {
            "(no mapping)".into()
        } else {
            l.resource_type.clone()
        },
        l.rows.to_string(),
        l.converted.to_string(),
        l.merged.to_string(),
        l.excluded.to_string(),
        l.failed.to_string(),
        l.unaccounted.to_string(),
        l.accepted.to_string(),
        l.rejected.to_string(),
        l.pending.to_string(),
    ]
}

fn text(r: &LedgerReport) -> String {
    let headers: Vec<String> = [
        "source",
        "resource",
        "rows",
        "converted",
        "merged",
        "excluded",
        "failed",
        "UNACCOUNTED",
        "accepted",
        "rejected",
        "pending",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let mut rows: Vec<Vec<String>> = r.lines.iter().map(cells).collect();
    rows.push(cells(&r.totals));
    let mut out = vec![
        format!(
            "Reconciliation against {}",
            r.target
                .as_deref()
                .unwrap_or("no target set (every converted record is pending)")
        ),
        output::table(&headers, &rows),
    ];
    if !r.failed_by_rule.is_empty() {
        out.push("Failed rows by rule:".into());
        for c in &r.failed_by_rule {
            out.push(format!("  {:<40} {}", c.rule, c.count));
        }
    }
    if r.balanced {
        out.push("Balanced: every row is accounted for.".into());
    } else {
        out.push(format!(
            "NOT BALANCED: {} rows unaccounted.",
            r.totals.unaccounted
        ));
        for u in &r.unaccounted_rows {
            out.push(format!(
                "  {} row {} (line {}){}: {}",
                u.source,
                u.row,
                u.line,
                if u.mapping.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", u.mapping)
                },
                u.reason
            ));
        }
    }
    out.join("\n")
}

pub fn run(ctx: &Ctx, out: &Out) -> Result<(), EngineError> {
    let report = api::reconcile::ledger(ctx)?;
    out.result(&report, || text(&report));
    if report.balanced {
        Ok(())
    } else {
        Err(EngineError::bad_input(
            "ledger",
            format!(
                "{} rows are unaccounted for; the ledger lists them",
                report.totals.unaccounted
            ),
        ))
    }
}
