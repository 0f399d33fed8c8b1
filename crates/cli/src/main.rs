//! The `cutover` command: the engine, headless. Parses arguments, calls one use case in
//! `cutover_engine::api`, and prints the result for people or, with `--json`, as JSON Lines.

/// mimalloc: conversion hands many small allocations between threads, where glibc's
/// malloc locks (see `crates/engine/benches/convert.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod crosswalk;
mod matching;
mod output;
mod reconcile;
mod sample;
mod studio;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cutover_engine::EngineError;
use cutover_engine::api::dto::{
    ChangeKind, ColumnFilter, DiffRequest, FileFormat, FilterMode, ImportRequest, PageRequest,
    PushRequest, SortDirection, SortSpec,
};
use cutover_engine::api::{self, Cancel, Ctx};

use crate::output::Out;

/// Cutover: move a clinic's legacy EHR exports into a new EHR over FHIR R4.
///
/// A project is one file (SQLite). Typical run:
///   cutover new demo.cutover
///   cutover -p demo.cutover import patients.csv
///   cutover -p demo.cutover map patients.toml
///   cutover -p demo.cutover convert
///   cutover -p demo.cutover validate
///   cutover -p demo.cutover push --target http://127.0.0.1:8090/fhir/R4
#[derive(Parser)]
#[command(name = "cutover", version, verbatim_doc_comment)]
struct Cli {
    /// The project file (or set CUTOVER_PROJECT).
    #[arg(short, long, global = true, env = "CUTOVER_PROJECT")]
    project: Option<PathBuf>,

    /// Print machine-readable JSON Lines: {"type": "progress"|"result"|"error", "data": …}.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new, empty project file.
    New {
        /// Where to create it, e.g. demo.cutover.
        file: PathBuf,
        /// A name for the project (default: the file name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Import a legacy export (CSV/TSV/pipe in any encoding, Excel, HL7 v2, FHIR NDJSON)
    /// as a new snapshot of a source; a workbook gives one source per sheet.
    Import {
        file: PathBuf,
        /// The source to add a snapshot to (default: the file name without extension).
        #[arg(long)]
        source: Option<String>,
        /// delimited, excel, hl7 or ndjson (default: detected).
        #[arg(long, value_parser = parse_format)]
        format: Option<FileFormat>,
        /// Text encoding, e.g. utf-8, windows-1252, iso-8859-1, utf-16le (default: detected).
        #[arg(long)]
        encoding: Option<String>,
        /// Field delimiter: one character, or `tab` (default: detected).
        #[arg(long)]
        delimiter: Option<String>,
        /// Import only this sheet of a workbook; repeatable (default: every sheet).
        #[arg(long)]
        sheet: Vec<String>,
        /// Delimited text: `yes` if the first row is the header, `no` if it is already
        /// data (columns are then named column_1, column_2, …) (default: detected).
        #[arg(long, value_parser = parse_yes_no, value_name = "yes|no")]
        header_row: Option<bool>,
        /// Show what would be imported (detected settings, first rows); write nothing.
        #[arg(long)]
        preview: bool,
    },
    /// List sources with their snapshots and row counts.
    Sources,
    /// Print a page of a source's staged rows, exactly as imported.
    Show {
        source: String,
        /// Snapshot number (default: the latest).
        #[arg(long)]
        snapshot: Option<u32>,
        /// Rows to skip.
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// Rows to print (at most 1000).
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Sort by this column (name).
        #[arg(long)]
        sort: Option<String>,
        /// Sort descending.
        #[arg(long)]
        desc: bool,
        /// Keep rows whose COLUMN contains TEXT (case-insensitive); repeatable.
        #[arg(long, value_name = "COLUMN=TEXT")]
        filter: Vec<String>,
        /// Keep rows whose COLUMN is exactly VALUE (an empty VALUE keeps blank rows);
        /// repeatable.
        #[arg(long, value_name = "COLUMN=VALUE")]
        equals: Vec<String>,
        /// Keep rows whose COLUMN has PATTERN (digits as 9, letters as A, as `cutover
        /// profile` lists them, e.g. DOB=99/99/9999); repeatable.
        #[arg(long, value_name = "COLUMN=PATTERN")]
        pattern: Vec<String>,
    },
    /// Profile a source's columns: blanks, distinct values, most frequent values and
    /// patterns, the type the values fit, range and lengths. Kept in the project, so
    /// asking again is instant.
    Profile {
        source: String,
        /// Snapshot number (default: the latest).
        #[arg(long)]
        snapshot: Option<u32>,
        /// Only this column (name).
        #[arg(long)]
        column: Option<String>,
        /// Profile again even if the project holds a profile of the snapshot.
        #[arg(long)]
        refresh: bool,
    },
    /// What changed between two snapshots of a source, rows paired by key columns.
    Diff {
        source: String,
        /// Key column(s) that identify a row, e.g. --key APPT_ID; repeatable.
        #[arg(long, required = true)]
        key: Vec<String>,
        /// The older snapshot number (default: the one before --to).
        #[arg(long)]
        from: Option<u32>,
        /// The newer snapshot number (default: the latest).
        #[arg(long)]
        to: Option<u32>,
        /// Only added, removed or changed rows.
        #[arg(long, value_parser = parse_kind)]
        kind: Option<ChangeKind>,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Load a mapping spec (TOML) into the project; a changed spec becomes a new version.
    Map { spec: PathBuf },
    /// Convert the current snapshot of each mapped source into FHIR R4 resources.
    Convert,
    /// Validate converted resources; findings name row and column, never values.
    Validate,
    /// List findings from conversion and validation.
    Findings {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Set the FHIR R4 base URL that pushes go to.
    Target {
        base_url: String,
        /// The new EHR's live server: a real push there needs a signed-off clinician
        /// sample (`cutover sample`). Without it the target is a sandbox.
        #[arg(long)]
        production: bool,
    },
    /// Push valid resources to the FHIR server by conditional update (idempotent).
    Push {
        /// FHIR R4 base URL (default: the project's target).
        #[arg(long)]
        target: Option<String>,
        /// Count what would be sent; send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Counts per pipeline stage.
    Status,
    /// Clinician sample review: draw a stratified sample, record verdicts, sign off.
    Sample {
        #[command(subcommand)]
        command: sample::SampleCommand,
    },
    /// The reconciliation ledger: where every legacy row ended (converted, merged,
    /// excluded, failed) and, once pushed, accepted, rejected or pending. Exits non-zero
    /// when any row is unaccounted.
    Reconcile,
    /// Patient matching: find duplicate patients among the converted records, review the
    /// uncertain pairs, list clusters, evaluate against known labels.
    Match {
        #[command(subcommand)]
        command: matching::MatchCommand,
    },
    /// Crosswalks: tables that translate legacy codes (lab code → LOINC, sex code → FHIR).
    Crosswalk {
        #[command(subcommand)]
        command: crosswalk::CrosswalkCommand,
    },
    /// Mappings in the project: show a version's spec, export it, compare versions, and
    /// preview a spec file on sample rows.
    Mapping {
        #[command(subcommand)]
        command: studio::MappingCommand,
    },
    /// Where a converted resource's values came from: snapshot row, mapping version, each
    /// element's legacy values and transforms. Shows patient data: a clinical view.
    Lineage {
        resource_id: String,
        /// Only this element (a target path or its start, e.g. birthDate, name).
        #[arg(long)]
        element: Option<String>,
    },
    /// Write converted resources as FHIR NDJSON, one file per type, with manifest.json.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// The elements of a FHIR R4 resource or data type (mapping targets).
    Targets { type_name: String },
}

fn parse_format(text: &str) -> Result<FileFormat, String> {
    serde_json::from_value(serde_json::Value::String(text.to_lowercase()))
        .map_err(|_| format!("'{text}' is not one of delimited, excel, hl7, ndjson"))
}

fn parse_yes_no(text: &str) -> Result<bool, String> {
    match text.to_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        _ => Err(format!("'{text}' is not yes or no")),
    }
}

fn parse_kind(text: &str) -> Result<ChangeKind, String> {
    serde_json::from_value(serde_json::Value::String(text.to_lowercase()))
        .map_err(|_| format!("'{text}' is not one of added, removed, changed"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let out = Out::new(cli.json);
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, off by default (`CUTOVER_LOG=info` turns them on). The engine logs
/// ids and counts only.
fn init_logging() {
    if let Ok(filter) = std::env::var("CUTOVER_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .try_init();
    }
}

fn run(cli: Cli, out: &Out) -> Result<(), EngineError> {
    if let Command::New { file, name } = &cli.command {
        let info = api::project::create(&Ctx::new(file), name.as_deref())?;
        out.result(&info, || {
            format!("Created project '{}' at {}", info.name, info.path)
        });
        return Ok(());
    }
    if let Command::Targets { type_name } = &cli.command {
        return studio::targets(out, type_name);
    }
    // A preview reads the file only; it needs no project.
    let needs_project = !matches!(&cli.command, Command::Import { preview: true, .. });
    let project = match cli.project.clone() {
        Some(p) => p,
        None if needs_project => {
            return Err(EngineError::bad_input(
                "--project",
                "no project file given: use -p FILE or set CUTOVER_PROJECT",
            ));
        }
        None => PathBuf::new(),
    };
    let ctx = Ctx::new(project);
    let cancel = Cancel::new();
    let progress = out.progress_sink();
    match cli.command {
        Command::New { .. } => unreachable!("handled above"),
        Command::Import {
            file,
            source,
            format,
            encoding,
            delimiter,
            sheet,
            header_row,
            preview,
        } => {
            let req = ImportRequest {
                path: file.display().to_string(),
                source_name: source,
                format,
                encoding,
                delimiter,
                sheets: sheet,
                header_row,
            };
            if preview {
                let p = api::import::preview(&req)?;
                out.result(&p, || output::preview_text(&p));
                return Ok(());
            }
            let imported = api::import::run(&ctx, &req, &progress, &cancel)?;
            out.result(&imported, || {
                imported
                    .iter()
                    .map(|s| {
                        format!(
                            "Imported {} rows ({} columns, {} flagged) from {}{} into source '{}' as snapshot {} in {} ms ({})",
                            s.rows,
                            s.columns,
                            s.flagged_rows,
                            s.file_name,
                            s.sheet.as_ref().map(|n| format!(" sheet '{n}'")).unwrap_or_default(),
                            s.source_name,
                            s.seq,
                            s.elapsed_ms,
                            s.detected
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Sources => {
            let sources = api::sources::list(&ctx)?;
            out.result(&sources, || output::sources_table(&sources));
        }
        Command::Show {
            source,
            snapshot,
            offset,
            limit,
            sort,
            desc,
            filter,
            equals,
            pattern,
        } => {
            let snapshot_id = api::sources::snapshot_id(&ctx, &source, snapshot)?;
            let columns = api::sources::page(
                &ctx,
                &PageRequest {
                    snapshot_id,
                    offset: 0,
                    limit: 0,
                    sort: None,
                    filters: vec![],
                },
            )?
            .columns;
            let column_index = |name: &str| -> Result<u32, EngineError> {
                columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(name))
                    .map(|c| c.index)
                    .ok_or_else(|| {
                        EngineError::bad_input(
                            &source,
                            format!(
                                "no column '{name}' (columns: {})",
                                columns
                                    .iter()
                                    .map(|c| c.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })
            };
            let sort = sort
                .map(|c| {
                    Ok::<_, EngineError>(SortSpec {
                        column: column_index(&c)?,
                        direction: if desc {
                            SortDirection::Desc
                        } else {
                            SortDirection::Asc
                        },
                    })
                })
                .transpose()?;
            let filters = (filter.iter().map(|f| ("--filter", f, None)))
                .chain(
                    equals
                        .iter()
                        .map(|f| ("--equals", f, Some(FilterMode::Equals))),
                )
                .chain(
                    pattern
                        .iter()
                        .map(|f| ("--pattern", f, Some(FilterMode::Pattern))),
                )
                .map(|(flag, f, mode)| {
                    let (col, text) = f.split_once('=').ok_or_else(|| {
                        EngineError::bad_input(flag, format!("'{f}' is not COLUMN=TEXT"))
                    })?;
                    Ok(ColumnFilter {
                        column: column_index(col)?,
                        contains: text.to_string(),
                        mode,
                    })
                })
                .collect::<Result<Vec<_>, EngineError>>()?;
            let page = api::sources::page(
                &ctx,
                &PageRequest {
                    snapshot_id,
                    offset,
                    limit,
                    sort,
                    filters,
                },
            )?;
            out.result(&page, || output::page_table(&page));
        }
        Command::Profile {
            source,
            snapshot,
            column,
            refresh,
        } => {
            let snapshot_id = api::sources::snapshot_id(&ctx, &source, snapshot)?;
            let cached = if refresh {
                None
            } else {
                api::profile::cached(&ctx, snapshot_id)?
            };
            let was_cached = cached.is_some();
            let mut profile = match cached {
                Some(p) => p,
                None => api::profile::run(&ctx, snapshot_id, &progress, &cancel)?,
            };
            if let Some(name) = column {
                let names: Vec<String> = profile.columns.iter().map(|c| c.name.clone()).collect();
                profile
                    .columns
                    .retain(|c| c.name.eq_ignore_ascii_case(&name));
                if profile.columns.is_empty() {
                    return Err(EngineError::bad_input(
                        &source,
                        format!("no column '{name}' (columns: {})", names.join(", ")),
                    ));
                }
            }
            out.result(&profile, || {
                output::profile_text(&profile, &source, was_cached)
            });
        }
        Command::Diff {
            source,
            key,
            from,
            to,
            kind,
            offset,
            limit,
        } => {
            let to_seq = match to {
                Some(seq) => seq,
                None => api::sources::list(&ctx)?
                    .into_iter()
                    .find(|s| s.name == source)
                    .and_then(|s| s.snapshots.last().map(|n| n.seq))
                    .ok_or_else(|| EngineError::NoSuchRecord {
                        what: format!("source '{source}'"),
                    })?,
            };
            let from_seq = from.unwrap_or(to_seq.saturating_sub(1));
            let req = DiffRequest {
                from_snapshot: api::sources::snapshot_id(&ctx, &source, Some(from_seq))?,
                to_snapshot: api::sources::snapshot_id(&ctx, &source, Some(to_seq))?,
                key_columns: key,
                kind,
                offset,
                limit,
            };
            let page = api::diff::run(&ctx, &req)?;
            out.result(&page, || output::diff_text(&page, from_seq, to_seq));
        }
        Command::Map { spec } => {
            let m = api::mapping::load(&ctx, &spec)?;
            out.result(&m, || {
                format!(
                    "Loaded mapping '{}' version {}: {} from source '{}' ({} fields)",
                    m.name, m.version, m.resource_type, m.source_name, m.field_count
                )
            });
        }
        Command::Convert => {
            let results = api::mapping::convert(&ctx, &progress, &cancel)?;
            out.result(&results, || {
                results
                    .iter()
                    .map(|c| {
                        format!(
                            "Converted {} of {} rows to {} ({} failed, {} merged as duplicates; see `cutover findings`)",
                            c.converted, c.rows_read, c.resource_type, c.failed, c.duplicates
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Validate => {
            let v = api::validate::run(&ctx, &progress, &cancel)?;
            out.result(&v, || output::validate_text(&v));
        }
        Command::Findings { limit } => {
            let f = api::validate::findings(&ctx, limit)?;
            out.result(&f, || output::findings_table(&f));
        }
        Command::Target {
            base_url,
            production,
        } => {
            let info = api::project::set_target(&ctx, &base_url)?;
            api::sample::set_target_kind(&ctx, &base_url, production)?;
            out.result(&info, || {
                format!(
                    "Pushes go to {} ({})",
                    info.target_base_url.clone().unwrap_or_default(),
                    if production {
                        "production: a real push needs a signed-off clinician sample"
                    } else {
                        "sandbox"
                    }
                )
            });
        }
        Command::Push { target, dry_run } => {
            let s = api::push::run(
                &ctx,
                &PushRequest {
                    base_url: target,
                    dry_run,
                },
                &progress,
                &cancel,
            )?;
            out.result(&s, || {
                let mut text = format!(
                    "{}{}: {} sent ({} created, {} updated, {} rejected), {} already there, {} pending",
                    if s.dry_run { "Dry run, nothing sent to " } else { "Pushed to " },
                    s.base_url,
                    s.attempted,
                    s.created,
                    s.updated,
                    s.rejected,
                    s.skipped,
                    s.pending
                );
                if s.merged_away > 0 {
                    text.push_str(&format!("; {} merged-away patients not sent", s.merged_away));
                }
                text
            });
        }
        Command::Status => {
            let s = api::status::pipeline(&ctx)?;
            out.result(&s, || output::status_text(&s));
        }
        Command::Crosswalk { command } => crosswalk::run(&ctx, out, command)?,
        Command::Reconcile => reconcile::run(&ctx, out)?,
        Command::Sample { command } => sample::run(&ctx, out, command)?,
        Command::Match { command } => matching::run(&ctx, out, command, &progress, &cancel)?,
        Command::Mapping { command } => studio::mapping(&ctx, out, command)?,
        Command::Lineage {
            resource_id,
            element,
        } => studio::lineage(&ctx, out, &resource_id, element.as_deref())?,
        Command::Export { out: dir } => studio::export(&ctx, out, &dir, &progress, &cancel)?,
        Command::Targets { .. } => unreachable!("handled above"),
    }
    Ok(())
}
