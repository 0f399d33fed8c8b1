//! Use cases: load a mapping spec into the project, list mappings, and convert the current
//! snapshot of each mapped source into FHIR resources.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use tracing::info;
use uuid::Uuid;

use crate::api::dto::{ConvertSummary, MappingSummary, Severity, Stage, StagedRow};
use crate::api::{Cancel, Ctx, ProgressSink, Throttled, sources};
use crate::error::{EngineError, Result, SqlContext};
use crate::findings;
use crate::mapping::convert::{ColumnIndex, RowOutcome, body_hash, convert_row};
use crate::mapping::duplicates::{FateKind, Records};
use crate::mapping::spec::{CompiledMapping, MappingSpec, compile_spec};
use crate::mapping::transforms::{Env, TransformSpec};
use crate::store::{self, staging};

/// The environment a spec compiles in: today, and the project's crosswalks it names.
pub(crate) fn env_for(conn: &Connection, spec: &MappingSpec) -> Result<Env> {
    let mut env = Env::default();
    let steps = spec
        .identifier
        .transforms
        .iter()
        .chain(spec.elements.iter().flat_map(|e| e.transforms.iter()));
    for step in steps {
        if let TransformSpec::Crosswalk { crosswalk, .. } = step
            && !env.crosswalks.contains_key(crosswalk)
            && let Some(table) = crate::crosswalk::lookup_table(conn, crosswalk)?
        {
            env.crosswalks
                .insert(crosswalk.clone(), std::sync::Arc::new(table));
        }
    }
    Ok(env)
}

/// Parse and compile a stored or loaded spec with the project's crosswalks. The outer
/// error is the store's; the inner one says what is wrong with the spec.
pub(crate) fn compile_in(
    conn: &Connection,
    text: &str,
) -> Result<std::result::Result<CompiledMapping, String>> {
    let spec: MappingSpec = match toml::from_str(text) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let env = env_for(conn, &spec)?;
    Ok(compile_spec(spec, &env))
}

/// Load a spec file. A spec identical to the latest version of its name is not stored
/// again; a changed one becomes the next version.
pub fn load(ctx: &Ctx, spec_path: &Path) -> Result<MappingSummary> {
    let file = spec_path.display().to_string();
    let text = std::fs::read_to_string(spec_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => {
            EngineError::bad_input(&file, "the spec is not UTF-8 text")
        }
        _ => EngineError::io_at(spec_path, "reading", e),
    })?;
    let conn = ctx.open()?;
    let compiled =
        compile_in(&conn, &text)?.map_err(|reason| EngineError::bad_input(&file, reason))?;
    store_spec(&conn, ctx, &text, &compiled)
}

/// Store a spec's text as the next version of its name, unless it equals the latest.
pub(crate) fn store_spec(
    conn: &Connection,
    ctx: &Ctx,
    text: &str,
    compiled: &CompiledMapping,
) -> Result<MappingSummary> {
    let spec = &compiled.spec;
    let latest: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, spec FROM mapping WHERE name = ?1 ORDER BY version DESC LIMIT 1",
            [&spec.name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .ctx("reading mappings")?;
    let id = match latest {
        Some((id, stored)) if stored == text => id,
        _ => {
            conn.execute(
                "INSERT INTO mapping (name, version, resource_type, source_name, spec, loaded_at)
                 VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM mapping WHERE name = ?1), ?2, ?3, ?4, ?5)",
                (&spec.name, &spec.resource, &spec.source, text, ctx.now_text()),
            )
            .ctx("saving mapping")?;
            conn.last_insert_rowid()
        }
    };
    list_with(conn)?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| EngineError::Internal("mapping vanished".into()))
}

/// The latest version of every mapping, by name.
pub fn list(ctx: &Ctx) -> Result<Vec<MappingSummary>> {
    list_with(&ctx.open()?)
}

pub(crate) fn list_with(conn: &Connection) -> Result<Vec<MappingSummary>> {
    let mut stmt = conn
        .prepare(
            "SELECT id, name, resource_type, source_name, version, spec, loaded_at FROM mapping m
             WHERE version = (SELECT max(version) FROM mapping WHERE name = m.name) ORDER BY name",
        )
        .ctx("listing mappings")?;
    let rows = stmt
        .query_map([], |r| {
            let spec: String = r.get(5)?;
            Ok(MappingSummary {
                id: r.get(0)?,
                name: r.get(1)?,
                resource_type: r.get(2)?,
                source_name: r.get(3)?,
                version: r.get(4)?,
                field_count: toml::from_str::<MappingSpec>(&spec)
                    .map_or(0, |s| s.elements.len() as u32 + 1),
                loaded_at: r.get(6)?,
            })
        })
        .ctx("listing mappings")?;
    rows.collect::<std::result::Result<_, _>>()
        .ctx("listing mappings")
}

/// Rows converted per batch handed from the converting thread to the writer.
const BATCH: usize = 1024;

/// Threads converting rows beside the one writing them.
const CONVERTERS: usize = 2;

/// The rows a conversion reads: a snapshot, its row count and its column count.
struct Rows {
    snapshot_id: i64,
    count: i64,
    columns: usize,
}

/// Run every row of a snapshot through `work` on [`CONVERTERS`] threads, each reading
/// ranges of [`BATCH`] rows on its own WAL connection, and hand the batches to `take` on
/// this thread in file order, whatever the timing: converter w takes batches w, w + W,
/// w + 2W, … and sends them in order on its own channel; batch k is taken from converter
/// k % W. An error from `take` stops the converters.
fn in_file_order<T: Send>(
    ctx: &Ctx,
    rows: &Rows,
    work: &(dyn Fn(&StagedRow) -> T + Sync),
    mut take: impl FnMut(&[T]) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|scope| -> Result<()> {
        let mut receivers = Vec::with_capacity(CONVERTERS);
        let mut recyclers = Vec::with_capacity(CONVERTERS);
        let mut converters = Vec::with_capacity(CONVERTERS);
        for w in 0..CONVERTERS {
            let (to_writer, batches) = std::sync::mpsc::sync_channel::<Vec<T>>(4);
            // Taken batches go back to be freed where they were allocated (glibc's malloc
            // locks when one thread frees many small blocks another allocated).
            let (to_producer, taken_batches) = std::sync::mpsc::sync_channel::<Vec<T>>(8);
            receivers.push(batches);
            recyclers.push(to_producer);
            converters.push(scope.spawn(move || -> Result<()> {
                let conn = ctx.open()?;
                let mut k = w as i64;
                while k * (BATCH as i64) < rows.count {
                    let from = k * BATCH as i64 + 1;
                    let mut batch = Vec::with_capacity(BATCH);
                    staging::for_each_row_between(
                        &conn,
                        rows.snapshot_id,
                        rows.columns,
                        (from, from + BATCH as i64 - 1),
                        |row| {
                            batch.push(work(&row));
                            Ok(())
                        },
                    )?;
                    while let Ok(done) = taken_batches.try_recv() {
                        drop(done);
                    }
                    if to_writer.send(batch).is_err() {
                        break;
                    }
                    k += CONVERTERS as i64;
                }
                Ok(())
            }));
        }
        let taken = (|| -> Result<()> {
            let mut k = 0usize;
            while let Ok(batch) = receivers[k % CONVERTERS].recv() {
                take(&batch)?;
                let _ = recyclers[k % CONVERTERS].try_send(batch);
                k += 1;
            }
            Ok(())
        })();
        // Stop the converters (if taking failed) by dropping the receivers, then wait.
        drop(receivers);
        drop(recyclers);
        let mut produced = Ok(());
        for c in converters {
            let r = c
                .join()
                .map_err(|_| EngineError::Internal("conversion thread panicked".into()))?;
            if produced.is_ok() {
                produced = r;
            }
        }
        taken?;
        produced
    })
}

/// Convert one staged row and serialise the resource (on a converter thread).
fn convert_one_row(
    mapping: &CompiledMapping,
    index: &ColumnIndex,
    namespace: &Uuid,
    row: &StagedRow,
) -> Converted {
    let outcome = match convert_row(mapping, index, namespace, row) {
        RowOutcome::Converted {
            id,
            identifier_value,
            resource,
            problems,
        } => {
            // serde_json's own writer, not Display (which goes through fmt).
            let body = serde_json::to_string(&resource).unwrap_or_default();
            let hash = body_hash(&body);
            Made::Resource {
                id,
                identifier_value,
                body,
                hash,
                problems,
            }
        }
        RowOutcome::Failed(problems) => Made::Nothing(problems),
    };
    Converted {
        row: row.row,
        line: row.line,
        outcome,
    }
}

/// A staged row and what it became, ready to write.
struct Converted {
    /// Only the row's position travels: the staged values stay (and are freed) on the
    /// converting thread, so the allocator is not handing memory between threads.
    row: i64,
    line: i64,
    outcome: Made,
}

enum Made {
    Resource {
        id: String,
        identifier_value: String,
        body: String,
        hash: String,
        problems: Vec<crate::mapping::convert::RowProblem>,
    },
    Nothing(Vec<crate::mapping::convert::RowProblem>),
}

/// Convert the current snapshot of every mapped source, each mapping in one transaction.
pub fn convert(
    ctx: &Ctx,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<Vec<ConvertSummary>> {
    let mappings = list(ctx)?;
    if mappings.is_empty() {
        return Err(EngineError::NoSuchRecord {
            what: "mapping (load a spec with `cutover map` first)".into(),
        });
    }
    mappings
        .iter()
        .map(|m| convert_one(ctx, m, progress, cancel))
        .collect()
}

fn convert_one(
    ctx: &Ctx,
    summary: &MappingSummary,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<ConvertSummary> {
    let mut conn = ctx.open()?;
    // A conversion writes one long transaction: a larger page cache keeps SQLite from
    // spilling pages to the WAL mid-way (bounded: 64 MB).
    conn.pragma_update(None, "cache_size", -65_536)
        .ctx("sizing the page cache")?;
    let namespace = Uuid::parse_str(&store::project_record(&conn)?.namespace)
        .map_err(|e| EngineError::Internal(format!("project namespace: {e}")))?;
    let text: String = conn
        .query_row(
            "SELECT spec FROM mapping WHERE id = ?1",
            [summary.id],
            |r| r.get(0),
        )
        .ctx("reading mapping")?;
    let mapping: CompiledMapping = compile_in(&conn, &text)?.map_err(|reason| {
        EngineError::bad_input(
            format!("mapping '{}' v{}", summary.name, summary.version),
            reason,
        )
    })?;
    let snapshot_id = sources::snapshot_id_with(&conn, &summary.source_name, None)?;
    let row_count: i64 = conn
        .query_row(
            "SELECT row_count FROM snapshot WHERE id = ?1",
            [snapshot_id],
            |r| r.get(0),
        )
        .ctx("reading snapshot")?;
    let columns: Vec<String> = staging::columns(&conn, snapshot_id)?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let index = ColumnIndex::resolve(&mapping, &columns).map_err(|reason| {
        EngineError::bad_input(
            format!("mapping '{}' v{}", summary.name, summary.version),
            reason,
        )
    })?;
    let rows = Rows {
        snapshot_id,
        count: row_count,
        columns: columns.len(),
    };
    if mapping.duplicates.is_some() {
        // The duplicate check's temporary tables grow with the source: on disk, not in
        // memory (this connection only).
        conn.pragma_update(None, "temp_store", "FILE")
            .ctx("placing temporary tables")?;
    }

    let now = ctx.now_text();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting conversion")?;
    // A re-run replaces what earlier versions of this mapping produced. Ids are
    // deterministic, so push state (keyed by id) still applies to the new resources, and
    // active merges are applied again to them below.
    crate::api::merge::before_reconversion(&tx, &summary.name)?;
    let previous = "SELECT id FROM mapping WHERE name = ?1";
    tx.execute(
        &format!("DELETE FROM finding WHERE mapping_id IN ({previous})"),
        [&summary.name],
    )
    .ctx("clearing old findings")?;
    tx.execute(
        &format!("DELETE FROM resource WHERE mapping_id IN ({previous})"),
        [&summary.name],
    )
    .ctx("clearing old resources")?;

    // With `[duplicates]`, a first pass sorts the rows into records and chooses the row
    // each keeps; the second converts and writes, merging the others into it.
    let records = match &mapping.duplicates {
        Some(rule) => {
            let mut records = Records::new(&tx, row_count as usize)?;
            let mut throttle =
                Throttled::new(progress, Stage::Convert, "rows compared", Some(row_count));
            let mut compared = 0i64;
            in_file_order(
                ctx,
                &rows,
                &|row| rule.candidate(&mapping, &index, &namespace, row),
                |batch| {
                    for c in batch.iter().flatten() {
                        records.add(c)?;
                    }
                    compared += batch.len() as i64;
                    cancel.check("conversion")?;
                    throttle.tick(compared);
                    Ok(())
                },
            )?;
            records.resolve()?;
            Some(records)
        }
        None => None,
    };

    let mut throttle = Throttled::new(progress, Stage::Convert, "rows", Some(row_count));
    let (mut read, mut converted, mut failed, mut merged) = (0i64, 0i64, 0i64, 0i64);
    {
        let mut insert = tx
            .prepare(
                "INSERT OR IGNORE INTO resource (id, resource_type, mapping_id, snapshot_id, row, line,
                   identifier_system, identifier_value, body, body_hash, valid, converted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11)",
            )
            .ctx("preparing resource insert")?;
        let mut sink = findings::Writer::new(&tx, Stage::Convert, Some(summary.id), snapshot_id)?;
        let identifier = mapping.identifier_label();
        in_file_order(
            ctx,
            &rows,
            &|row| convert_one_row(&mapping, &index, &namespace, row),
            |batch| {
                let fates = match (&records, batch.first(), batch.last()) {
                    (Some(r), Some(first), Some(last)) => r.fates_between(first.row, last.row)?,
                    _ => vec![],
                };
                let mut fates = fates.into_iter().peekable();
                for Converted { row, line, outcome } in batch {
                    let (row, line) = (*row, *line);
                    read += 1;
                    if let Some(fate) = fates.next_if(|f| f.row == row) {
                        let kept = &fate.kept;
                        match fate.kind {
                            FateKind::Merged => {
                                merged += 1;
                                let (rule, key) = mapping
                                    .duplicates
                                    .as_ref()
                                    .map(|d| (d.rule.as_str(), d.key_label.as_str()))
                                    .unwrap_or_default();
                                sink.add_at(
                                    Severity::Warning,
                                    Some(&kept.id),
                                    row,
                                    line,
                                    None,
                                    rule,
                                    &format!(
                                        "one record with row {} (line {}): the same {key}; that row is kept (resource {}) and this one is merged into it",
                                        kept.row, kept.line, kept.id
                                    ),
                                )?;
                            }
                            FateKind::IdentifierTaken => {
                                failed += 1;
                                sink.add_at(
                                    Severity::Error,
                                    None,
                                    row,
                                    line,
                                    Some(&identifier),
                                    "identifier.duplicate",
                                    &format!(
                                        "business identifier (column {identifier}) repeats that of row {} (line {}), kept as resource {}; this row was not converted",
                                        kept.row, kept.line, kept.id
                                    ),
                                )?;
                            }
                        }
                        continue;
                    }
                    match outcome {
                        Made::Resource {
                            id,
                            identifier_value,
                            body,
                            hash,
                            problems,
                        } => {
                            let inserted = insert
                                .execute((
                                    &id,
                                    &mapping.spec.resource,
                                    summary.id,
                                    snapshot_id,
                                    row,
                                    line,
                                    &mapping.spec.identifier.system,
                                    &identifier_value,
                                    &body,
                                    &hash,
                                    &now,
                                ))
                                .ctx("saving resource")?;
                            if inserted == 0 {
                                failed += 1;
                                sink.add_at(
                                    Severity::Error,
                                    None,
                                    row,
                                    line,
                                    Some(&identifier),
                                    "identifier.duplicate",
                                    &format!(
                                        "business identifier repeats an earlier row's (column {identifier}); this row was not converted"
                                    ),
                                )?;
                            } else {
                                converted += 1;
                                for p in problems {
                                    let column =
                                        (!p.column.is_empty()).then_some(p.column.as_str());
                                    sink.add_at(
                                        p.severity,
                                        Some(id),
                                        row,
                                        line,
                                        column,
                                        &p.rule,
                                        &p.message,
                                    )?;
                                }
                            }
                        }
                        Made::Nothing(problems) => {
                            failed += 1;
                            for p in problems {
                                sink.add_at(
                                    p.severity,
                                    None,
                                    row,
                                    line,
                                    Some(&p.column),
                                    &p.rule,
                                    &p.message,
                                )?;
                            }
                        }
                    }
                }
                cancel.check("conversion")?;
                throttle.tick(read);
                Ok(())
            },
        )?;
    }
    records.map(Records::finish).transpose()?;
    cancel.check("conversion")?;
    crate::api::merge::after_reconversion(&tx, &summary.name, &now, ctx.clock.now().date_naive())?;
    tx.commit().ctx("committing conversion")?;
    throttle.finish(read);
    info!(
        mapping_id = summary.id,
        snapshot_id, read, converted, failed, merged, "conversion finished"
    );
    Ok(ConvertSummary {
        mapping_id: summary.id,
        resource_type: mapping.spec.resource.clone(),
        snapshot_id,
        rows_read: read,
        converted,
        failed,
        duplicates: merged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::ImportRequest;
    use crate::api::{NoProgress, import, project};

    /// Several batches over both converter threads: rows are written in file order, so a
    /// repeated identifier is always the later row's finding, and every row is accounted
    /// for.
    #[test]
    fn a_conversion_over_many_batches_keeps_file_order_and_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Ctx::new(dir.path().join("p.cutover"));
        project::create(&ctx, None).unwrap();
        let rows = BATCH * 5 + 17;
        let mut csv = String::from("MRN,DOB\n");
        for i in 1..=rows {
            // Row 3000 repeats row 10's MRN; row 4500 has a bad date.
            let mrn = if i == 3000 { 10 } else { i };
            let dob = if i == 4500 {
                "02/30/1970"
            } else {
                "01/02/1970"
            };
            csv.push_str(&format!("M{mrn},{dob}\n"));
        }
        let path = dir.path().join("p.csv");
        std::fs::write(&path, csv).unwrap();
        let req = ImportRequest {
            path: path.display().to_string(),
            ..Default::default()
        };
        import::run(&ctx, &req, &NoProgress, &Cancel::new()).unwrap();
        let spec = dir.path().join("p.toml");
        std::fs::write(
            &spec,
            "format = 2\nname = \"p\"\nsource = \"p\"\nresource = \"Patient\"\n[identifier]\nsystem = \"urn:x\"\ncolumn = \"MRN\"\n[[element]]\ntarget = \"birthDate\"\ncolumn = \"DOB\"\ntransforms = [\"date_mdy\"]\n",
        )
        .unwrap();
        load(&ctx, &spec).unwrap();
        let out = convert(&ctx, &NoProgress, &Cancel::new()).unwrap();
        assert_eq!(
            (out[0].rows_read, out[0].converted, out[0].failed),
            (rows as i64, rows as i64 - 1, 1)
        );
        let conn = ctx.open().unwrap();
        let finding = |rule: &str| -> Vec<i64> {
            let mut stmt = conn
                .prepare("SELECT row FROM finding WHERE rule = ?1 ORDER BY row")
                .unwrap();
            stmt.query_map([rule], |r| r.get(0))
                .unwrap()
                .collect::<std::result::Result<_, _>>()
                .unwrap()
        };
        assert_eq!(finding("identifier.duplicate"), [3000]);
        assert_eq!(finding("transform.date_mdy"), [4500]);
        let (min, max, n): (i64, i64, i64) = conn
            .query_row(
                "SELECT min(row), max(row), count(*) FROM resource",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((min, max, n), (1, rows as i64, rows as i64 - 1));
        // The first of the repeated MRNs is the one kept.
        let kept: i64 = conn
            .query_row(
                "SELECT row FROM resource WHERE identifier_value = 'M10'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 10);
    }

    /// A correction and its original in different batches (so on different converter
    /// threads), in either order, and a tie decided by the later row: one resource per
    /// accession and test, the kept row's, and a finding for each merged row that names
    /// the kept row and resource but no value.
    #[test]
    fn corrections_supersede_their_originals_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Ctx::new(dir.path().join("p.cutover"));
        project::create(&ctx, None).unwrap();
        let rows = BATCH * 3 + 5;
        let mut csv = String::from("ACC,TEST,ST,AT,VALUE\n");
        for i in 1..=rows {
            let line = match i {
                // Row 5's correction, two batches later.
                2000 => "L5,GLU,C,202403011015,999".to_string(),
                // Row 1500 is a correction; its final original comes later and loses.
                1500 => "L1500,GLU,C,202403011015,777".to_string(),
                3000 => "L1500,GLU,F,202403011200,1".to_string(),
                // Row 10 again, identical status and time: the later row is kept.
                3050 => "L10,GLU,F,202403010700,555".to_string(),
                i => format!("L{i},GLU,F,202403010700,{i}"),
            };
            csv.push_str(&line);
            csv.push('\n');
        }
        let path = dir.path().join("labs.csv");
        std::fs::write(&path, csv).unwrap();
        let req = ImportRequest {
            path: path.display().to_string(),
            ..Default::default()
        };
        import::run(&ctx, &req, &NoProgress, &Cancel::new()).unwrap();
        let spec = dir.path().join("labs.toml");
        std::fs::write(
            &spec,
            r#"format = 2
name = "labs"
source = "labs"
resource = "Observation"
[identifier]
system = "urn:x"
columns = ["ACC", "TEST"]
transforms = [{ template = "{1}-{2}" }]
[duplicates]
key = ["identifier"]
prefer = [
  { element = "status", order = ["corrected", "amended", "final", "preliminary"] },
  { element = "effective[x]", latest = true },
]
[[element]]
target = "status"
column = "ST"
transforms = [{ map = { F = "final", C = "corrected" } }]
[[element]]
target = "code.text"
column = "TEST"
[[element]]
target = "effective[x]"
column = "AT"
transforms = [{ datetime = { zone = "America/New_York" } }]
[[element]]
target = "value[x]"
column = "VALUE"
transforms = [{ quantity = {} }]
"#,
        )
        .unwrap();
        load(&ctx, &spec).unwrap();
        for run in 1..=2 {
            let out = convert(&ctx, &NoProgress, &Cancel::new()).unwrap();
            let s = &out[0];
            assert_eq!(
                (s.rows_read, s.converted, s.failed, s.duplicates),
                (rows as i64, rows as i64 - 3, 0, 3),
                "run {run}: three rows merged, every row accounted for"
            );
            let conn = ctx.open().unwrap();
            let kept = |value: &str| -> (i64, String, String) {
                conn.query_row(
                    "SELECT row, id, body FROM resource WHERE identifier_value = ?1",
                    [value],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap()
            };
            let (row, l5, body) = kept("L5-GLU");
            let body: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(row, 2000, "the correction is kept");
            assert_eq!(
                (&body["status"], &body["valueQuantity"]["value"]),
                (&serde_json::json!("corrected"), &serde_json::json!(999)),
                "with its own status and value"
            );
            let (row, l1500, _) = kept("L1500-GLU");
            assert_eq!(row, 1500, "a correction beats a later final result");
            let (row, l10, _) = kept("L10-GLU");
            assert_eq!(row, 3050, "a tie goes to the later row");

            let mut stmt = conn
                .prepare(
                    "SELECT row, line, resource_id, severity, column_name, message FROM finding
                     WHERE rule = 'duplicate.superseded' ORDER BY row",
                )
                .unwrap();
            let found: Vec<(i64, i64, String, String, Option<String>, String)> = stmt
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .unwrap()
                .collect::<std::result::Result<_, _>>()
                .unwrap();
            let brief: Vec<(i64, i64, &str, &str)> = found
                .iter()
                .map(|f| (f.0, f.1, f.2.as_str(), f.3.as_str()))
                .collect();
            assert_eq!(
                brief,
                [
                    (5, 6, l5.as_str(), "warning"),
                    (10, 11, l10.as_str(), "warning"),
                    (3000, 3001, l1500.as_str(), "warning"),
                ],
                "each merged row names the kept resource"
            );
            assert!(
                found[0].5.contains("row 2000 (line 2001)"),
                "{}",
                found[0].5
            );
            assert!(
                found[1].5.contains("row 3050 (line 3051)"),
                "{}",
                found[1].5
            );
            assert!(
                found[2].5.contains("row 1500 (line 1501)"),
                "{}",
                found[2].5
            );
            for f in &found {
                assert_eq!(f.4, None, "no column: the whole row is merged");
                for value in ["L5", "L10", "L1500", "GLU", "999", "777", "555", "2024"] {
                    assert!(
                        !f.5.replace(&f.2, "").contains(value),
                        "no values in {:?}",
                        f.5
                    );
                }
            }
            let others: i64 = conn
                .query_row(
                    "SELECT count(*) FROM finding WHERE row IN (5, 10, 3000) AND rule <> 'duplicate.superseded'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(others, 0, "a merged row has only its duplicate finding");
        }
    }
}
