//! Use case: write converted resources as FHIR NDJSON (the bulk-data format many EHRs
//! load), one file per resource type, plus `manifest.json` with counts and the mapping
//! versions they came from. Resources validation found errors in are left out and
//! counted; resources not yet validated are written and counted; Patients merged into
//! another record are left out (their survivor carries them) and counted.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::json;
use tracing::info;

use crate::api::dto::{ExportFile, ExportSummary, Stage};
use crate::api::{Cancel, Ctx, ProgressSink, Throttled};
use crate::error::{EngineError, Result, SqlContext};

pub fn run(
    ctx: &Ctx,
    dir: &Path,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<ExportSummary> {
    std::fs::create_dir_all(dir).map_err(|e| EngineError::io_at(dir, "creating", e))?;
    let conn = ctx.open()?;
    let (total, skipped_invalid, unvalidated, merged_away): (i64, i64, i64, i64) = conn
        .query_row(
            "SELECT coalesce(sum(merged_into IS NULL), 0),
                    coalesce(sum(valid = 0 AND merged_into IS NULL), 0),
                    coalesce(sum(valid IS NULL AND merged_into IS NULL), 0),
                    coalesce(sum(merged_into IS NOT NULL), 0) FROM resource",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .ctx("counting resources")?;
    if total + merged_away == 0 {
        return Err(EngineError::NoSuchRecord {
            what: "converted resource (run `cutover convert` first)".into(),
        });
    }
    let mut throttle = Throttled::new(
        progress,
        Stage::Export,
        "resources",
        Some(total - skipped_invalid),
    );
    let mut stmt = conn
        .prepare(
            "SELECT resource_type, body FROM resource WHERE valid IS NOT 0 AND merged_into IS NULL
             ORDER BY resource_type, snapshot_id, row",
        )
        .ctx("reading resources")?;
    let mut rows = stmt.query([]).ctx("reading resources")?;
    let mut files: Vec<ExportFile> = Vec::new();
    let mut out: Option<BufWriter<File>> = None;
    let mut written = 0i64;
    while let Some(r) = rows.next().ctx("reading resources")? {
        let rt: String = r.get(0).ctx("reading resource")?;
        let body: String = r.get(1).ctx("reading resource")?;
        if files.last().is_none_or(|f| f.resource_type != rt) {
            if let Some(mut w) = out.take() {
                w.flush()
                    .map_err(|e| EngineError::io("writing export", e))?;
            }
            let file = format!("{rt}.ndjson");
            let path = dir.join(&file);
            out = Some(BufWriter::new(
                File::create(&path).map_err(|e| EngineError::io_at(&path, "creating", e))?,
            ));
            files.push(ExportFile {
                resource_type: rt.clone(),
                file,
                count: 0,
            });
        }
        if let (Some(w), Some(f)) = (out.as_mut(), files.last_mut()) {
            w.write_all(body.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
                .map_err(|e| EngineError::io("writing export", e))?;
            f.count += 1;
        }
        written += 1;
        if written % 4096 == 0 {
            cancel.check("export")?;
            throttle.tick(written);
        }
    }
    if let Some(mut w) = out.take() {
        w.flush()
            .map_err(|e| EngineError::io("writing export", e))?;
    }
    throttle.finish(written);
    let mut mappings = conn
        .prepare(
            "SELECT m.name, m.version, m.resource_type, count(r.id) FROM mapping m
             JOIN resource r ON r.mapping_id = m.id AND r.merged_into IS NULL
             GROUP BY m.id ORDER BY m.name",
        )
        .ctx("reading mappings")?;
    let mapping_list: Vec<serde_json::Value> = mappings
        .query_map([], |r| {
            Ok(json!({
                "name": r.get::<_, String>(0)?,
                "version": r.get::<_, u32>(1)?,
                "resourceType": r.get::<_, String>(2)?,
                "resources": r.get::<_, i64>(3)?,
            }))
        })
        .ctx("reading mappings")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading mappings")?;
    let project = crate::store::project_record(&conn)?;
    // Shaped after the FHIR Bulk Data manifest (`output` with type, url, count).
    let manifest = json!({
        "transactionTime": ctx.now_text(),
        "project": project.name,
        "output": files.iter().map(|f| json!({ "type": f.resource_type, "url": f.file, "count": f.count })).collect::<Vec<_>>(),
        "skippedInvalid": skipped_invalid,
        "unvalidated": unvalidated,
        "mergedAway": merged_away,
        "mappings": mapping_list,
    });
    let path = dir.join("manifest.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&manifest).unwrap_or_default(),
    )
    .map_err(|e| EngineError::io_at(&path, "writing", e))?;
    info!(
        files = files.len(),
        written, skipped_invalid, merged_away, "export finished"
    );
    Ok(ExportSummary {
        dir: dir.display().to_string(),
        files,
        skipped_invalid,
        unvalidated,
        merged_away,
    })
}
