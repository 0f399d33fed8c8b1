//! `cutover mapping …`, `cutover lineage`, `cutover export`, `cutover targets`: the
//! mapping studio's use cases on the command line.

use std::path::PathBuf;

use clap::Subcommand;
use cutover_engine::EngineError;
use cutover_engine::api::dto::{
    ExportSummary, Lineage, MappingDiff, MappingPreview, MappingPreviewRequest, Suggestion,
};
use cutover_engine::api::{self, Cancel, Ctx};
use cutover_engine::mapping::spec::{MappingSpec, to_toml};
use cutover_engine::mapping::suggest;
use cutover_engine::mapping::transforms::TransformSpec;

use crate::output::{self, Out};

#[derive(Subcommand)]
pub enum MappingCommand {
    /// Print a mapping's spec (TOML) and its versions.
    Show {
        name: String,
        /// Version (default: the latest).
        #[arg(long)]
        version: Option<u32>,
    },
    /// Write a mapping's spec to a file, to load into another project with `cutover map`.
    Export {
        name: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        version: Option<u32>,
    },
    /// What changed between two versions, element by element.
    Diff { name: String, from: u32, to: u32 },
    /// Convert sample rows with a spec file without saving anything: legacy values before,
    /// the resource after, and every problem.
    Preview {
        spec: PathBuf,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Propose mappings of a source's columns to a resource type's elements, from header
    /// names and the columns' profiles, each with a confidence and its reasons.
    Suggest {
        source: String,
        /// The FHIR R4 resource type to map to.
        #[arg(long)]
        resource: String,
        /// Write every suggestion, accepted, as a starting spec (TOML).
        #[arg(long, requires_all = ["name", "system"])]
        write: Option<PathBuf>,
        /// The written spec's mapping name.
        #[arg(long)]
        name: Option<String>,
        /// The written spec's identifier system (a URI).
        #[arg(long)]
        system: Option<String>,
    },
}

pub fn mapping(ctx: &Ctx, out: &Out, command: MappingCommand) -> Result<(), EngineError> {
    match command {
        MappingCommand::Show { name, version } => {
            let d = api::studio::get(ctx, &name, version)?;
            out.result(&d, || {
                let versions: Vec<String> = d
                    .versions
                    .iter()
                    .map(|v| format!("v{} ({})", v.version, v.loaded_at))
                    .collect();
                format!(
                    "# mapping '{}' v{} — versions: {}\n{}",
                    d.summary.name,
                    d.summary.version,
                    versions.join(", "),
                    d.text
                )
            });
        }
        MappingCommand::Export {
            name,
            out: file,
            version,
        } => {
            let d = api::studio::export_spec(ctx, &name, version, &file)?;
            out.result(&d.summary, || {
                format!(
                    "Wrote mapping '{}' v{} to {}",
                    d.summary.name,
                    d.summary.version,
                    file.display()
                )
            });
        }
        MappingCommand::Diff { name, from, to } => {
            let d = api::studio::diff(ctx, &name, from, to)?;
            out.result(&d, || diff_text(&d));
        }
        MappingCommand::Preview {
            spec,
            limit,
            offset,
        } => {
            let file = spec.display().to_string();
            let text = std::fs::read_to_string(&spec)
                .map_err(|e| EngineError::io_at(&spec, "reading", e))?;
            let spec: MappingSpec =
                toml::from_str(&text).map_err(|e| EngineError::bad_input(&file, e.to_string()))?;
            let p = api::studio::preview(
                ctx,
                &MappingPreviewRequest {
                    spec: Some(spec),
                    limit,
                    offset,
                },
            )?;
            if let Some(e) = &p.spec_error {
                return Err(EngineError::bad_input(&file, e.clone()));
            }
            out.result(&p, || preview_text(&p));
        }
        MappingCommand::Suggest {
            source,
            resource,
            write,
            name,
            system,
        } => {
            let list = api::studio::suggest(ctx, &source, &resource)?;
            if let (Some(file), Some(name), Some(system)) = (&write, &name, &system) {
                let what = file.display().to_string();
                let spec = suggest::spec_from(&list, name, &source, &resource, system)
                    .map_err(|r| EngineError::bad_input(&what, r))?;
                let text = to_toml(&spec).map_err(|r| EngineError::bad_input(&what, r))?;
                std::fs::write(file, text).map_err(|e| EngineError::io_at(file, "writing", e))?;
            }
            out.result(&list, || {
                let mut text = suggestions_text(&list);
                if let Some(file) = &write {
                    text.push_str(&format!(
                        "\nWrote them all, accepted, to {}",
                        file.display()
                    ));
                }
                text
            });
        }
    }
    Ok(())
}

/// A transform chain as TOML inline values: `["trim", { date = { format = "M/D/YY" } }]`.
fn chain_toml(chain: &[TransformSpec]) -> String {
    let steps: Vec<String> = chain
        .iter()
        .map(|t| {
            toml::Value::try_from(t)
                .map(|v| v.to_string())
                .unwrap_or_else(|e| format!("<{e}>"))
        })
        .collect();
    format!("[{}]", steps.join(", "))
}

fn suggestions_text(list: &[Suggestion]) -> String {
    if list.is_empty() {
        return "No suggestions: no header resembles a known name for this resource.".into();
    }
    let mut lines = Vec::new();
    for s in list {
        let columns = if s.columns.is_empty() {
            s.column.clone()
        } else {
            s.columns.join(" + ")
        };
        lines.push(format!(
            "{columns} → {}  {}  {:.0}%",
            s.target,
            chain_toml(&s.transforms),
            s.confidence * 100.0
        ));
        lines.extend(s.reasons.iter().map(|r| format!("    {r}")));
    }
    lines.join("\n")
}

fn diff_text(d: &MappingDiff) -> String {
    let mut lines = vec![format!(
        "mapping '{}' v{} → v{}",
        d.name, d.from_version, d.to_version
    )];
    lines.extend(d.header.iter().map(|h| format!("  ~ {h}")));
    lines.extend(d.added.iter().map(|t| format!("  + {t}")));
    lines.extend(d.removed.iter().map(|t| format!("  - {t}")));
    for c in &d.changed {
        lines.push(format!(
            "  ~ {}\n      before: {}\n      after:  {}",
            c.target, c.before, c.after
        ));
    }
    if lines.len() == 1 {
        lines.push("  no changes".into());
    }
    lines.join("\n")
}

fn preview_text(p: &MappingPreview) -> String {
    let mut lines = vec![format!(
        "{} of {} rows convert cleanly (source has {} rows)",
        p.ok_rows,
        p.rows.len(),
        p.source_rows
    )];
    for r in &p.rows {
        let before: Vec<String> = p
            .columns
            .iter()
            .zip(&r.before)
            .map(|(c, v)| format!("{c}={}", output::clip(v.as_deref().unwrap_or(""), 24)))
            .collect();
        lines.push(format!(
            "row {} (line {}): {}",
            r.row,
            r.line,
            before.join(" ")
        ));
        match &r.resource {
            Some(res) => lines.push(format!("  → {res}")),
            None => lines.push("  → no resource".into()),
        }
        for pr in &r.problems {
            lines.push(format!("  ! {:?} {} {}", pr.severity, pr.rule, pr.message));
        }
    }
    lines.join("\n")
}

pub fn lineage(ctx: &Ctx, out: &Out, id: &str, element: Option<&str>) -> Result<(), EngineError> {
    let l = api::studio::lineage(ctx, id, element)?;
    out.result(&l, || lineage_text(&l));
    Ok(())
}

fn lineage_text(l: &Lineage) -> String {
    let mut lines = vec![format!(
        "{}/{} from source '{}' snapshot #{} ({}), row {} (line {}), mapping '{}' v{}",
        l.resource_type,
        l.resource_id,
        l.source,
        l.snapshot_seq,
        l.file_name,
        l.row,
        l.line,
        l.mapping,
        l.mapping_version
    )];
    for e in &l.elements {
        let inputs: Vec<String> = e
            .inputs
            .iter()
            .map(|i| format!("{} = {:?}", i.column, i.value.as_deref().unwrap_or("")))
            .collect();
        lines.push(format!("{} ← {}", e.target, inputs.join(", ")));
        for s in &e.steps {
            lines.push(format!("    {} → {}", s.transform, s.value));
        }
        match (&e.output, &e.error) {
            (_, Some(err)) => lines.push(format!("    ✗ {err}")),
            (Some(o), None) => lines.push(format!("    = {o}")),
            (None, None) => lines.push("    = (missing: left out)".into()),
        }
    }
    lines.join("\n")
}

pub fn export(
    ctx: &Ctx,
    out: &Out,
    dir: &std::path::Path,
    progress: &dyn cutover_engine::api::ProgressSink,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    let s: ExportSummary = api::export::run(ctx, dir, progress, cancel)?;
    out.result(&s, || {
        let mut lines: Vec<String> = s
            .files
            .iter()
            .map(|f| format!("{:>8}  {}", f.count, f.file))
            .collect();
        lines.insert(0, format!("Exported to {} (manifest.json):", s.dir));
        if s.skipped_invalid > 0 {
            lines.push(format!(
                "{} resources with validation errors were left out (see `cutover findings`)",
                s.skipped_invalid
            ));
        }
        if s.unvalidated > 0 {
            lines.push(format!(
                "{} resources were not validated yet (run `cutover validate`)",
                s.unvalidated
            ));
        }
        if s.merged_away > 0 {
            lines.push(format!(
                "{} patients merged into another were left out (`cutover match merges`)",
                s.merged_away
            ));
        }
        lines.join("\n")
    });
    Ok(())
}

pub fn targets(out: &Out, type_name: &str) -> Result<(), EngineError> {
    let list = api::studio::targets(type_name)?;
    out.result(&list, || {
        let headers: Vec<String> = ["element", "type", "repeats", "required", "codes"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    e.type_name.clone(),
                    if e.array { "yes" } else { "" }.into(),
                    if e.required { "yes" } else { "" }.into(),
                    output::clip(&e.codes.join(" "), 40),
                ]
            })
            .collect();
        output::table(&headers, &rows)
    });
    Ok(())
}
