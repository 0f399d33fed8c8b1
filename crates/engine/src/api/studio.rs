//! Use cases of the mapping editor: read a mapping with its versions, save an edited spec
//! as a new version, preview a spec on sample rows, compare versions, list a resource
//! type's elements, and trace a converted resource back to its legacy row (lineage).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use crate::api::dto::{
    ElementChange, ElementLineage, Lineage, LineageInput, LineageStep, MappingDetail, MappingDiff,
    MappingPreview, MappingPreviewRequest, MappingSummary, MappingVersion, PreviewProblem,
    PreviewRow, Severity, StagedRow,
};
use crate::api::mapping::{compile_in, env_for, store_spec};
use crate::api::{Ctx, sources};
use crate::error::{EngineError, Result, SqlContext};
use crate::fhir::{self, ElementInfo};
use crate::mapping::convert::{
    ColumnIndex, RowOutcome, convert_row, identifier_input, input_value, run_chain_traced,
    to_placed,
};
use crate::mapping::duplicates::{Fate, FateKind, Records};
use crate::mapping::spec::{CompiledMapping, Input, MappingSpec, compile_spec, to_toml};
use crate::mapping::transforms::{Transform, Value};
use crate::store::{self, staging};

/// Rows previewed when the request does not say.
pub const PREVIEW_ROWS: u32 = 20;
const MAX_PREVIEW_ROWS: u32 = 200;

fn namespace(conn: &Connection) -> Result<Uuid> {
    Uuid::parse_str(&store::project_record(conn)?.namespace)
        .map_err(|e| EngineError::Internal(format!("project namespace: {e}")))
}

fn versions(conn: &Connection, name: &str) -> Result<Vec<(MappingVersion, String)>> {
    let mut stmt = conn
        .prepare("SELECT id, version, loaded_at, spec FROM mapping WHERE name = ?1 ORDER BY version DESC")
        .ctx("reading mapping versions")?;
    let rows = stmt
        .query_map([name], |r| {
            Ok((
                MappingVersion {
                    id: r.get(0)?,
                    version: r.get(1)?,
                    loaded_at: r.get(2)?,
                },
                r.get(3)?,
            ))
        })
        .ctx("reading mapping versions")?;
    rows.collect::<std::result::Result<_, _>>()
        .ctx("reading mapping versions")
}

/// A mapping's spec at a version (the latest when `None`), with every version listed.
pub fn get(ctx: &Ctx, name: &str, version: Option<u32>) -> Result<MappingDetail> {
    let conn = ctx.open()?;
    let all = versions(&conn, name)?;
    let not_found = || EngineError::NoSuchRecord {
        what: match version {
            Some(v) => format!("mapping '{name}' version {v}"),
            None => format!("mapping '{name}'"),
        },
    };
    let (chosen, text) = match version {
        Some(v) => all.iter().find(|(m, _)| m.version == v),
        None => all.first(),
    }
    .cloned()
    .ok_or_else(not_found)?;
    let spec: MappingSpec = toml::from_str(&text).map_err(|e| {
        EngineError::bad_input(
            format!("mapping '{name}' v{}", chosen.version),
            e.to_string(),
        )
    })?;
    let summary = MappingSummary {
        id: chosen.id,
        name: name.to_string(),
        resource_type: spec.resource.clone(),
        source_name: spec.source.clone(),
        version: chosen.version,
        field_count: spec.elements.len() as u32 + 1,
        loaded_at: chosen.loaded_at.clone(),
    };
    Ok(MappingDetail {
        summary,
        spec,
        text,
        versions: all.into_iter().map(|(m, _)| m).collect(),
    })
}

/// Save an edited spec as the next version of its name (nothing new if unchanged).
pub fn save(ctx: &Ctx, spec: &MappingSpec) -> Result<MappingSummary> {
    let what = format!("mapping '{}'", spec.name);
    let conn = ctx.open()?;
    let env = env_for(&conn, spec)?;
    let compiled =
        compile_spec(spec.clone(), &env).map_err(|r| EngineError::bad_input(&what, r))?;
    let text = to_toml(spec).map_err(|r| EngineError::bad_input(&what, r))?;
    store_spec(&conn, ctx, &text, &compiled)
}

/// Write a mapping version's spec to a file (to reuse at another site).
pub fn export_spec(
    ctx: &Ctx,
    name: &str,
    version: Option<u32>,
    path: &std::path::Path,
) -> Result<MappingDetail> {
    let detail = get(ctx, name, version)?;
    std::fs::write(path, &detail.text).map_err(|e| EngineError::io_at(path, "writing", e))?;
    Ok(detail)
}

fn problem_of(
    target: &str,
    column: &str,
    rule: &str,
    severity: Severity,
    message: &str,
) -> PreviewProblem {
    PreviewProblem {
        target: target.to_string(),
        column: column.to_string(),
        rule: rule.to_string(),
        severity,
        message: message.to_string(),
    }
}

/// Convert sample rows with a spec (the saved one when the request has none is not
/// supported: the editor always sends what it shows). Nothing is written.
pub fn preview(ctx: &Ctx, req: &MappingPreviewRequest) -> Result<MappingPreview> {
    let empty = |spec_error: String| MappingPreview {
        spec_error: Some(spec_error),
        columns: vec![],
        rows: vec![],
        ok_rows: 0,
        source_rows: 0,
    };
    let Some(spec) = req.spec.clone() else {
        return Ok(empty("no spec to preview".into()));
    };
    let conn = ctx.open()?;
    let env = env_for(&conn, &spec)?;
    let mapping = match compile_spec(spec, &env) {
        Ok(m) => m,
        Err(e) => return Ok(empty(e)),
    };
    let snapshot_id = match sources::snapshot_id_with(&conn, &mapping.spec.source, None) {
        Ok(id) => id,
        Err(_) => return Ok(empty(format!("no source named '{}'", mapping.spec.source))),
    };
    let columns: Vec<String> = staging::columns(&conn, snapshot_id)?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let index = match ColumnIndex::resolve(&mapping, &columns) {
        Ok(i) => i,
        Err(e) => return Ok(empty(e)),
    };
    let source_rows: i64 = conn
        .query_row(
            "SELECT row_count FROM snapshot WHERE id = ?1",
            [snapshot_id],
            |r| r.get(0),
        )
        .ctx("reading snapshot")?;
    let ns = namespace(&conn)?;
    // The columns shown: the identifier's, then each element's, once each.
    let mut shown: Vec<String> = vec![];
    for c in mapping
        .identifier_columns()
        .into_iter()
        .chain(mapping.elements.iter().flat_map(|e| e.columns()))
    {
        if !shown.iter().any(|s| s == c) {
            shown.push(c.to_string());
        }
    }
    let positions: Vec<usize> = shown
        .iter()
        .filter_map(|c| columns.iter().position(|x| x == c))
        .collect();
    let limit = match req.limit {
        0 => PREVIEW_ROWS,
        n => n.min(MAX_PREVIEW_ROWS),
    };
    let rows = sample_rows(&conn, snapshot_id, req.offset.max(0), limit)?;
    let fates = duplicates_among(&mapping, &index, &ns, &rows)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut ok_rows = 0;
    for row in rows {
        let before = positions
            .iter()
            .map(|&i| row.values.get(i).cloned().flatten())
            .collect();
        let (resource, mut problems) = match convert_row(&mapping, &index, &ns, &row) {
            RowOutcome::Converted {
                resource, problems, ..
            } => (Some(resource), problems),
            RowOutcome::Failed(problems) => (None, problems),
        };
        let target_of = |column: &str| -> String {
            mapping
                .elements
                .iter()
                .find(|e| e.column_label() == column)
                .map(|e| e.target.clone())
                .unwrap_or_default()
        };
        let mut list: Vec<PreviewProblem> = problems
            .drain(..)
            .map(|p| {
                problem_of(
                    &target_of(&p.column),
                    &p.column,
                    &p.rule,
                    p.severity,
                    &p.message,
                )
            })
            .collect();
        if let Some(fate) = fates.iter().find(|f| f.row == row.row) {
            list.push(duplicate_problem(&mapping, fate));
        }
        if let Some(r) = &resource {
            for issue in fhir::check(r) {
                list.push(problem_of(
                    &issue.path,
                    "",
                    "fhir.schema",
                    Severity::Error,
                    &format!("{}: {}", issue.path, issue.message),
                ));
            }
        }
        if resource.is_some() && !list.iter().any(|p| p.severity == Severity::Error) {
            ok_rows += 1;
        }
        out.push(PreviewRow {
            row: row.row,
            line: row.line,
            before,
            resource,
            problems: list,
        });
    }
    Ok(MappingPreview {
        spec_error: None,
        columns: shown,
        rows: out,
        ok_rows,
        source_rows,
    })
}

/// The `[duplicates]` rule over the rows shown only (a conversion compares the whole
/// source), in a scratch database.
fn duplicates_among(
    mapping: &CompiledMapping,
    index: &ColumnIndex,
    namespace: &Uuid,
    rows: &[StagedRow],
) -> Result<Vec<Fate>> {
    let (Some(rule), Some(first), Some(last)) = (&mapping.duplicates, rows.first(), rows.last())
    else {
        return Ok(vec![]);
    };
    let scratch = Connection::open_in_memory().ctx("opening a scratch database")?;
    let mut records = Records::new(&scratch, rows.len())?;
    for row in rows {
        if let Some(c) = rule.candidate(mapping, index, namespace, row) {
            records.add(&c)?;
        }
    }
    records.resolve()?;
    records.fates_between(first.row, last.row)
}

fn duplicate_problem(mapping: &CompiledMapping, fate: &Fate) -> PreviewProblem {
    let kept = &fate.kept;
    match (fate.kind, &mapping.duplicates) {
        (FateKind::Merged, Some(rule)) => problem_of(
            "",
            "",
            &rule.rule,
            Severity::Warning,
            &format!(
                "among the rows shown, one record with row {} (line {}): the same {}; that row is kept and this one would be merged into it",
                kept.row, kept.line, rule.key_label
            ),
        ),
        _ => problem_of(
            "identifier",
            &mapping.identifier_label(),
            "identifier.duplicate",
            Severity::Error,
            &format!(
                "business identifier repeats that of row {} (line {}), which is kept; this row would not be converted",
                kept.row, kept.line
            ),
        ),
    }
}

fn sample_rows(
    conn: &Connection,
    snapshot_id: i64,
    offset: i64,
    limit: u32,
) -> Result<Vec<StagedRow>> {
    let page = staging::page(
        conn,
        &crate::api::dto::PageRequest {
            snapshot_id,
            offset,
            limit,
            sort: None,
            filters: vec![],
        },
    )?;
    Ok(page.rows)
}

/// Compare two versions of a mapping element by element.
pub fn diff(ctx: &Ctx, name: &str, from: u32, to: u32) -> Result<MappingDiff> {
    let a = get(ctx, name, Some(from))?.spec;
    let b = get(ctx, name, Some(to))?.spec;
    let mut header = Vec::new();
    if a.source != b.source {
        header.push(format!("source: {} → {}", a.source, b.source));
    }
    if a.resource != b.resource {
        header.push(format!("resource: {} → {}", a.resource, b.resource));
    }
    if a.identifier != b.identifier {
        header.push(format!(
            "identifier: {} → {}",
            one_line(&a.identifier),
            one_line(&b.identifier)
        ));
    }
    if a.duplicates != b.duplicates {
        header.push(format!(
            "duplicates: {} → {}",
            one_line(&a.duplicates),
            one_line(&b.duplicates)
        ));
    }
    let by_target = |s: &MappingSpec| -> BTreeMap<String, String> {
        s.elements
            .iter()
            .map(|e| (e.target.clone(), one_line(e)))
            .collect()
    };
    let (ea, eb) = (by_target(&a), by_target(&b));
    let added = eb
        .keys()
        .filter(|k| !ea.contains_key(*k))
        .cloned()
        .collect();
    let removed = ea
        .keys()
        .filter(|k| !eb.contains_key(*k))
        .cloned()
        .collect();
    let changed = ea
        .iter()
        .filter_map(|(k, before)| {
            let after = eb.get(k)?;
            (after != before).then(|| ElementChange {
                target: k.clone(),
                before: before.clone(),
                after: after.clone(),
            })
        })
        .collect();
    Ok(MappingDiff {
        name: name.to_string(),
        from_version: from,
        to_version: to,
        header,
        added,
        removed,
        changed,
    })
}

/// Run a chain, keeping each step's output for the lineage view.
fn trace(
    chain: &[Transform],
    start: Value,
) -> (
    Vec<LineageStep>,
    std::result::Result<Value, (String, String)>,
) {
    let mut steps = Vec::new();
    let result = run_chain_traced(chain, start, &mut Vec::new(), |t, v| {
        steps.push(LineageStep {
            transform: t.rule().to_string(),
            value: value_json(v),
        })
    });
    (steps, result)
}

/// A chain's value as plain JSON: missing is null, a list an array, a choice
/// `{"type": …, "value": …}`.
fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Missing => serde_json::Value::Null,
        Value::Text(t) => t.clone().into(),
        Value::List(items) => items.iter().map(value_json).collect(),
        Value::Json(j) => j.clone(),
        Value::Choice(t, j) => serde_json::json!({ "type": t, "value": j }),
    }
}

fn one_line<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The elements of a resource or data type, for target pickers.
pub fn targets(type_name: &str) -> Result<Vec<ElementInfo>> {
    fhir::elements(type_name).ok_or_else(|| EngineError::NoSuchRecord {
        what: format!("FHIR type '{type_name}'"),
    })
}

/// Every R4 resource type.
pub fn resource_types() -> Vec<String> {
    fhir::resource_types()
        .into_iter()
        .map(String::from)
        .collect()
}

/// Where a converted resource came from, element by element: the snapshot row, the
/// mapping version, each element's legacy inputs and every transform's output. A clinical
/// view (it shows values).
pub fn lineage(ctx: &Ctx, resource_id: &str, element: Option<&str>) -> Result<Lineage> {
    let conn = ctx.open()?;
    let found: Option<(String, i64, i64, i64, i64)> = conn
        .query_row(
            "SELECT resource_type, mapping_id, snapshot_id, row, line FROM resource WHERE id = ?1",
            [resource_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .ctx("reading resource")?;
    let (resource_type, mapping_id, snapshot_id, row_no, line) =
        found.ok_or_else(|| EngineError::NoSuchRecord {
            what: format!("resource '{resource_id}'"),
        })?;
    let (name, version, text): (String, u32, String) = conn
        .query_row(
            "SELECT name, version, spec FROM mapping WHERE id = ?1",
            [mapping_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ctx("reading mapping")?;
    let (source, seq, file_name): (String, u32, String) = conn
        .query_row(
            "SELECT s.name, sn.seq, sn.file_name FROM snapshot sn JOIN source s ON s.id = sn.source_id WHERE sn.id = ?1",
            [snapshot_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ctx("reading snapshot")?;
    let mapping: CompiledMapping = compile_in(&conn, &text)?
        .map_err(|r| EngineError::bad_input(format!("mapping '{name}' v{version}"), r))?;
    let columns: Vec<String> = staging::columns(&conn, snapshot_id)?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let index = ColumnIndex::resolve(&mapping, &columns)
        .map_err(|r| EngineError::bad_input(format!("mapping '{name}' v{version}"), r))?;
    let row = sample_rows(&conn, snapshot_id, row_no - 1, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| EngineError::NoSuchRecord {
            what: format!("row {row_no} of snapshot {snapshot_id}"),
        })?;
    let ns = namespace(&conn)?;
    let mut elements = Vec::new();
    let positions = index.positions();
    // The identifier first, as `identifier`.
    if element.is_none_or(|e| e == "identifier") {
        let (steps, result) = trace(
            &mapping.identifier_chain,
            identifier_input(&mapping, &index, &row),
        );
        elements.push(ElementLineage {
            target: "identifier".into(),
            inputs: mapping
                .identifier_columns()
                .iter()
                .zip(index.identifier())
                .map(|(c, &i)| LineageInput {
                    column: c.to_string(),
                    value: row.values.get(i).cloned().flatten(),
                })
                .collect(),
            steps,
            output: result.as_ref().ok().map(value_json),
            error: result.err().map(|(rule, m)| format!("{rule}: {m}")),
        });
    }
    for (el, cols) in mapping.elements.iter().zip(positions) {
        if element.is_some_and(|e| !el.target.starts_with(e)) {
            continue;
        }
        let inputs = match &el.input {
            Input::Constant(v) => vec![LineageInput {
                column: "(constant)".into(),
                value: Some(v.as_str().map_or_else(|| v.to_string(), String::from)),
            }],
            _ => el
                .columns()
                .iter()
                .zip(cols)
                .map(|(c, &i)| LineageInput {
                    column: c.to_string(),
                    value: row.values.get(i).cloned().flatten(),
                })
                .collect(),
        };
        let (steps, result) = trace(&el.chain, input_value(el, cols, &row));
        let result = result.and_then(|v| to_placed(el, v, &ns));
        let (output, error) = match result {
            Ok(Some(p)) => (Some(p.to_json()), None),
            Ok(None) => (None, None),
            Err((rule, m)) => (None, Some(format!("{rule}: {m}"))),
        };
        elements.push(ElementLineage {
            target: el.target.clone(),
            inputs,
            steps,
            output,
            error,
        });
    }
    if let Some(e) = element
        && elements.is_empty()
    {
        return Err(EngineError::NoSuchRecord {
            what: format!("element '{e}' in mapping '{name}' v{version}"),
        });
    }
    Ok(Lineage {
        resource_id: resource_id.to_string(),
        resource_type,
        mapping: name,
        mapping_version: version,
        source,
        snapshot_seq: seq,
        file_name,
        row: row_no,
        line,
        elements,
    })
}

/// Suggested mappings of a source's columns to a resource type's elements, most
/// confident first. The source's current snapshot is profiled first if it has not been.
pub fn suggest(
    ctx: &Ctx,
    source: &str,
    resource: &str,
) -> Result<Vec<crate::api::dto::Suggestion>> {
    if !fhir::is_resource_type(resource) {
        return Err(EngineError::bad_input(
            "resource",
            format!("'{resource}' is not a FHIR R4 resource type"),
        ));
    }
    let snapshot_id = {
        let conn = ctx.open()?;
        sources::snapshot_id_with(&conn, source, None)?
    };
    let profile = crate::api::profile::get(
        ctx,
        snapshot_id,
        &crate::api::NoProgress,
        &crate::api::Cancel::new(),
    )?;
    let columns: Vec<String> = profile.columns.iter().map(|c| c.name.clone()).collect();
    Ok(crate::mapping::suggest::suggest(
        resource,
        &columns,
        &profile.columns,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::ImportRequest;
    use crate::api::{Cancel, NoProgress, import, project};

    /// The preview applies `[duplicates]` to the rows it shows: a merged row keeps its
    /// resource (to compare) and gets a warning naming the kept row.
    #[test]
    fn the_preview_marks_rows_merged_among_those_shown() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Ctx::new(dir.path().join("p.cutover"));
        project::create(&ctx, None).unwrap();
        let csv = dir.path().join("labs.csv");
        std::fs::write(
            &csv,
            "ACC,TEST,ST\nL1,GLU,F\nL1,TSH,F\nL1,GLU,C\nL2,GLU,F\n",
        )
        .unwrap();
        let req = ImportRequest {
            path: csv.display().to_string(),
            ..Default::default()
        };
        import::run(&ctx, &req, &NoProgress, &Cancel::new()).unwrap();
        let spec: MappingSpec = toml::from_str(
            r#"format = 2
name = "labs"
source = "labs"
resource = "Observation"
[identifier]
system = "urn:x"
columns = ["ACC", "TEST"]
transforms = [{ join = "-" }]
[duplicates]
key = ["identifier"]
prefer = [{ element = "status", order = ["corrected", "final"] }]
[[element]]
target = "status"
column = "ST"
transforms = [{ map = { F = "final", C = "corrected" } }]
[[element]]
target = "code.text"
column = "TEST"
"#,
        )
        .unwrap();
        let preview = preview(
            &ctx,
            &MappingPreviewRequest {
                spec: Some(spec),
                limit: 0,
                offset: 0,
            },
        )
        .unwrap();
        assert_eq!(preview.columns, ["ACC", "TEST", "ST"]);
        let rules: Vec<(i64, Vec<&str>)> = preview
            .rows
            .iter()
            .map(|r| (r.row, r.problems.iter().map(|p| p.rule.as_str()).collect()))
            .collect();
        assert_eq!(
            rules,
            [
                (1, vec!["duplicate.superseded"]),
                (2, vec![]),
                (3, vec![]),
                (4, vec![])
            ]
        );
        let merged = &preview.rows[0];
        assert!(merged.resource.is_some(), "still shown");
        assert_eq!(merged.problems[0].severity, Severity::Warning);
        assert!(
            merged.problems[0].message.contains("row 3 (line 4)"),
            "{}",
            merged.problems[0].message
        );
        assert_eq!(preview.ok_rows, 4, "a warning does not fail a row");
    }
}
