//! Use cases: load a crosswalk (code translation table) from a file, list crosswalks,
//! page through one, measure how well it covers a source column, and export it as a
//! FHIR R4 ConceptMap. Reading, storing and matching live in `crate::crosswalk`.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::TransactionBehavior;
use serde_json::{Value, json};
use tracing::info;

use crate::api::Ctx;
use crate::api::dto::{
    ConceptMapRequest, CoverageReport, CoverageRequest, CoverageValue, CrosswalkEntries,
    CrosswalkLoadRequest, CrosswalkSummary,
};
use crate::api::sources::snapshot_id_with;
use crate::crosswalk::{self, ReadSpec};
use crate::error::{EngineError, Result, SqlContext};
use crate::store::staging;

/// Most entries one page may return.
pub const MAX_ENTRIES_PAGE: u32 = 1000;

/// Read a crosswalk file and store it under `req.name`, replacing the entries of a
/// crosswalk of that name, in one transaction. Blank and repeated codes are reported in
/// the summary's problems, not errors.
pub fn load(ctx: &Ctx, req: &CrosswalkLoadRequest) -> Result<CrosswalkSummary> {
    let name = req.name.trim();
    if name.is_empty() {
        return Err(EngineError::bad_input("--name", "a crosswalk needs a name"));
    }
    let file = crosswalk::read(
        Path::new(&req.path),
        &ReadSpec {
            key_column: req.key_column.as_deref(),
            sheet: req.sheet.as_deref().filter(|s| !s.trim().is_empty()),
            ignore_case: req.ignore_case,
        },
    )?;
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting crosswalk load")?;
    let id = crosswalk::save(&tx, name, &file, req.ignore_case, &ctx.now_text())?;
    let summary = crosswalk::summary(&tx, name)?;
    tx.commit().ctx("committing crosswalk load")?;
    info!(
        crosswalk_id = id,
        rows = summary.rows,
        problems = summary.problems.len(),
        "loaded crosswalk"
    );
    Ok(summary)
}

/// Every crosswalk in the project, by name, with the problems of its last load.
pub fn list(ctx: &Ctx) -> Result<Vec<CrosswalkSummary>> {
    let conn = ctx.open()?;
    crosswalk::list(&conn)
}

/// A page of a crosswalk's entries in file order (at most [`MAX_ENTRIES_PAGE`]).
pub fn entries(ctx: &Ctx, name: &str, offset: i64, limit: u32) -> Result<CrosswalkEntries> {
    let conn = ctx.open()?;
    let (summary, entries) = crosswalk::entries(&conn, name, offset, limit.min(MAX_ENTRIES_PAGE))?;
    Ok(CrosswalkEntries {
        name: summary.name,
        key_column: summary.key_column,
        columns: summary.columns,
        total: summary.rows,
        offset: offset.max(0),
        entries,
    })
}

/// Every distinct legacy code in a source column (trimmed, as lookups see it), with its
/// row count and what the crosswalk maps it to, most frequent first; blank values are
/// counted apart. One grouped SQL pass over the snapshot.
pub fn coverage(ctx: &Ctx, req: &CoverageRequest) -> Result<CoverageReport> {
    let conn = ctx.open()?;
    let lookup = crosswalk::lookup_table(&conn, &req.crosswalk)?
        .ok_or_else(|| crosswalk::not_found(&req.crosswalk))?;
    let snapshot_id = snapshot_id_with(&conn, &req.source, req.snapshot)?;
    let seq: u32 = conn
        .query_row(
            "SELECT seq FROM snapshot WHERE id = ?1",
            [snapshot_id],
            |r| r.get(0),
        )
        .ctx("reading snapshot")?;
    let columns = staging::columns(&conn, snapshot_id)?;
    let column = columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(req.column.trim()))
        .ok_or_else(|| {
            EngineError::bad_input(
                &req.source,
                format!(
                    "no column '{}' (columns: {})",
                    req.column,
                    columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;

    // SQLite groups the exact values; values that differ only by surrounding
    // whitespace are then merged here, since lookups trim.
    let mut counts: HashMap<String, i64> = HashMap::new();
    let mut blank_rows = 0;
    let mut rows = 0;
    {
        let sql = format!(
            "SELECT c{i}, count(*) FROM {table} GROUP BY c{i}",
            i = column.index,
            table = staging::table_name(snapshot_id)
        );
        let mut stmt = conn.prepare(&sql).ctx("counting column values")?;
        let mut found = stmt.query([]).ctx("counting column values")?;
        while let Some(r) = found.next().ctx("counting column values")? {
            let value: Option<String> = r.get(0).ctx("counting column values")?;
            let n: i64 = r.get(1).ctx("counting column values")?;
            rows += n;
            let code = value.as_deref().map(str::trim).unwrap_or("");
            if code.is_empty() {
                blank_rows += n;
            } else {
                *counts.entry(code.to_string()).or_default() += n;
            }
        }
    }

    let mut values: Vec<CoverageValue> = counts
        .into_iter()
        .map(|(value, count)| {
            let mapped = lookup.values(&value);
            CoverageValue {
                mapped: mapped.is_some(),
                values: mapped.map(<[String]>::to_vec).unwrap_or_default(),
                value,
                count,
            }
        })
        .collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    let mapped_codes = values.iter().filter(|v| v.mapped).count() as i64;
    let mapped_rows: i64 = values.iter().filter(|v| v.mapped).map(|v| v.count).sum();
    let non_blank = rows - blank_rows;
    let report = CoverageReport {
        crosswalk: req.crosswalk.clone(),
        source: req.source.clone(),
        column: column.name.clone(),
        snapshot_seq: seq,
        columns: lookup.columns.clone(),
        rows,
        blank_rows,
        distinct_codes: values.len() as i64,
        mapped_codes,
        mapped_rows,
        unmapped_rows: non_blank - mapped_rows,
        rows_covered_percent: if non_blank == 0 {
            100.0
        } else {
            mapped_rows as f64 * 100.0 / non_blank as f64
        },
        values,
    };
    info!(
        snapshot_id,
        distinct = report.distinct_codes,
        mapped = report.mapped_codes,
        unmapped_rows = report.unmapped_rows,
        "measured crosswalk coverage"
    );
    Ok(report)
}

/// A crosswalk as a FHIR R4 ConceptMap: one group from `source_system` to
/// `target_system`, one element per code in file order. A code whose target is blank is
/// mapped with `equivalence: "unmatched"` and no target code (R4 names the field
/// `equivalence`; R5 renamed it `relationship`).
pub fn concept_map(ctx: &Ctx, req: &ConceptMapRequest) -> Result<Value> {
    for (flag, value) in [
        ("--source-system", &req.source_system),
        ("--target-system", &req.target_system),
    ] {
        if value.trim().is_empty() {
            return Err(EngineError::bad_input(
                flag,
                "a ConceptMap needs the source and target code systems (URIs)",
            ));
        }
    }
    let conn = ctx.open()?;
    let summary = crosswalk::summary(&conn, &req.crosswalk)?;
    let column_index = |name: &str, flag: &str| -> Result<usize> {
        summary
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                EngineError::bad_input(
                    flag,
                    format!(
                        "crosswalk '{}' has no column '{name}' (columns: {})",
                        summary.name,
                        summary.columns.join(", ")
                    ),
                )
            })
    };
    let target = column_index(&req.target_column, "--target-column")?;
    let display = req
        .display_column
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| column_index(d, "--display-column"))
        .transpose()?;
    let (_, entries) = crosswalk::entries(&conn, &summary.name, 0, u32::MAX)?;

    let elements: Vec<Value> = entries
        .iter()
        .map(|e| {
            let value = |i: usize| e.values.get(i).map(String::as_str).unwrap_or("");
            let target_code = value(target);
            let mut t = serde_json::Map::new();
            if target_code.is_empty() {
                t.insert("equivalence".into(), json!("unmatched"));
            } else {
                t.insert("code".into(), json!(target_code));
                if let Some(d) = display.map(value).filter(|d| !d.is_empty()) {
                    t.insert("display".into(), json!(d));
                }
                t.insert("equivalence".into(), json!("equivalent"));
            }
            json!({ "code": e.code, "target": [t] })
        })
        .collect();

    let mut map = serde_json::Map::new();
    map.insert("resourceType".into(), json!("ConceptMap"));
    if let Some(url) = req.url.as_deref().filter(|u| !u.trim().is_empty()) {
        map.insert("url".into(), json!(url.trim()));
    }
    map.insert("name".into(), json!(computable_name(&summary.name)));
    map.insert("title".into(), json!(summary.name));
    map.insert("status".into(), json!("active"));
    map.insert("date".into(), json!(ctx.now_text()));
    map.insert(
        "description".into(),
        json!(format!(
            "Crosswalk '{}' ({}), key column {}, target column {}",
            summary.name, summary.file_name, summary.key_column, summary.columns[target]
        )),
    );
    map.insert(
        "group".into(),
        json!([{
            "source": req.source_system.trim(),
            "target": req.target_system.trim(),
            "element": elements,
        }]),
    );
    info!(
        elements = entries.len(),
        "exported crosswalk as a ConceptMap"
    );
    Ok(Value::Object(map))
}

/// A name a machine can use (R4 `cmd-0`: `[A-Z]([A-Za-z0-9_]){0,254}`): `lab_codes` →
/// `LabCodes`.
fn computable_name(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_uppercase()) {
        out.insert_str(0, "Crosswalk");
    }
    out.truncate(255);
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::api::dto::ImportRequest;
    use crate::api::{Cancel, FixedClock, NoProgress};

    const CROSSWALK: &str = "\
TEST_CODE,loinc,display,unit
GLU,2345-7,Glucose,mg/dL
NA,2951-2,Sodium,mmol/L
K,2823-3,Potassium,mmol/L
MISC,,Send-out test,
";

    const LABS: &str = "\
ACCESSION,TEST_CODE,RESULT
A1,GLU,98
A2,GLU,101
A3, GLU ,95
A4,NA,140
A5,K,4.1
A6,K,3.9
A7,VITD,30
A8,VITD,28
A9,FERR,80
A10,,1
A11,MISC,x
";

    fn project() -> (tempfile::TempDir, Ctx) {
        let dir = tempfile::tempdir().unwrap();
        let clock = chrono::DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
            .unwrap()
            .to_utc();
        let ctx = Ctx::with_clock(dir.path().join("t.cutover"), Arc::new(FixedClock(clock)));
        crate::api::project::create(&ctx, Some("t")).unwrap();
        let cw = dir.path().join("lab_codes.csv");
        std::fs::write(&cw, CROSSWALK).unwrap();
        let labs = dir.path().join("labs.csv");
        std::fs::write(&labs, LABS).unwrap();
        crate::api::import::run(
            &ctx,
            &ImportRequest {
                path: labs.display().to_string(),
                ..Default::default()
            },
            &NoProgress,
            &Cancel::new(),
        )
        .unwrap();
        load(
            &ctx,
            &CrosswalkLoadRequest {
                path: cw.display().to_string(),
                name: "lab_codes".into(),
                ..Default::default()
            },
        )
        .unwrap();
        (dir, ctx)
    }

    #[test]
    fn coverage_counts_every_distinct_code_most_frequent_first() {
        let (_dir, ctx) = project();
        let r = coverage(
            &ctx,
            &CoverageRequest {
                crosswalk: "lab_codes".into(),
                source: "labs".into(),
                column: "test_code".into(),
                snapshot: None,
            },
        )
        .unwrap();
        let seen: Vec<(&str, i64, bool)> = r
            .values
            .iter()
            .map(|v| (v.value.as_str(), v.count, v.mapped))
            .collect();
        assert_eq!(
            seen,
            [
                ("GLU", 3, true),
                ("K", 2, true),
                ("VITD", 2, false),
                ("FERR", 1, false),
                ("MISC", 1, true),
                ("NA", 1, true),
            ],
            "' GLU ' counts as GLU; ties in code order"
        );
        assert_eq!(r.values[0].values, ["2345-7", "Glucose", "mg/dL"]);
        assert!(
            r.values[2].values.is_empty(),
            "unmapped codes map to nothing"
        );
        assert_eq!(r.column, "TEST_CODE");
        assert_eq!(r.snapshot_seq, 1);
        assert_eq!(
            (
                r.rows,
                r.blank_rows,
                r.distinct_codes,
                r.mapped_codes,
                r.mapped_rows,
                r.unmapped_rows
            ),
            (11, 1, 6, 4, 7, 3)
        );
        assert!((r.rows_covered_percent - 70.0).abs() < 1e-9);
    }

    #[test]
    fn coverage_of_an_unknown_column_or_crosswalk_is_an_error() {
        let (_dir, ctx) = project();
        let req = CoverageRequest {
            crosswalk: "lab_codes".into(),
            source: "labs".into(),
            column: "CPT".into(),
            snapshot: None,
        };
        let err = coverage(&ctx, &req).unwrap_err();
        assert!(err.to_string().contains("no column 'CPT'"), "{err}");
        let err = coverage(
            &ctx,
            &CoverageRequest {
                crosswalk: "nope".into(),
                ..req
            },
        )
        .unwrap_err();
        assert!(matches!(err, EngineError::NoSuchRecord { .. }), "{err}");
    }

    #[test]
    fn a_concept_map_is_r4_with_one_element_per_code() {
        let (_dir, ctx) = project();
        let map = concept_map(
            &ctx,
            &ConceptMapRequest {
                crosswalk: "lab_codes".into(),
                target_column: "LOINC".into(),
                display_column: Some("display".into()),
                source_system: "urn:cutover:legacy-lab".into(),
                target_system: "http://loinc.org".into(),
                url: Some("http://example.org/fhir/ConceptMap/lab-codes".into()),
            },
        )
        .unwrap();
        assert_eq!(map["resourceType"], "ConceptMap");
        assert_eq!(map["status"], "active");
        assert_eq!(map["name"], "LabCodes");
        assert_eq!(map["url"], "http://example.org/fhir/ConceptMap/lab-codes");
        assert_eq!(map["date"], "2026-03-01T09:00:00Z");
        let group = &map["group"][0];
        assert_eq!(group["source"], "urn:cutover:legacy-lab");
        assert_eq!(group["target"], "http://loinc.org");
        let elements = group["element"].as_array().unwrap();
        assert_eq!(elements.len(), 4);
        assert_eq!(
            elements[0],
            json!({"code": "GLU", "target": [{"code": "2345-7", "display": "Glucose", "equivalence": "equivalent"}]})
        );
        assert_eq!(
            elements[3],
            json!({"code": "MISC", "target": [{"equivalence": "unmatched"}]}),
            "a blank target is unmatched, without a code"
        );
        assert!(
            !map.to_string().contains("relationship"),
            "R4, not R5: the field is equivalence"
        );

        let err = concept_map(
            &ctx,
            &ConceptMapRequest {
                crosswalk: "lab_codes".into(),
                target_column: "snomed".into(),
                source_system: "urn:x".into(),
                target_system: "urn:y".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("no column 'snomed'"), "{err}");
    }

    #[test]
    fn reloading_a_crosswalk_replaces_it_and_lists_once() {
        let (dir, ctx) = project();
        let cw = dir.path().join("lab_codes_v2.csv");
        std::fs::write(&cw, "TEST_CODE,loinc\nVITD,1989-3\nVITD,0000-0\n").unwrap();
        let s = load(
            &ctx,
            &CrosswalkLoadRequest {
                path: cw.display().to_string(),
                name: "lab_codes".into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((s.rows, s.problems.len()), (1, 1));
        assert_eq!(s.problems[0].line, 3);
        let all = list(&ctx).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].file_name, "lab_codes_v2.csv");
        assert_eq!(all[0].problems, s.problems, "problems are kept with it");
        let page = entries(&ctx, "lab_codes", 0, 10).unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.entries[0].code, "VITD");
        assert_eq!(page.entries[0].values, ["1989-3"]);
    }

    #[test]
    fn names_become_computable_conceptmap_names() {
        for (input, expected) in [
            ("lab_codes", "LabCodes"),
            ("sex-codes v2", "SexCodesV2"),
            ("2024 labs", "Crosswalk2024Labs"),
        ] {
            assert_eq!(computable_name(input), expected, "{input}");
        }
    }
}
