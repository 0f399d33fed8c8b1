//! `cutover crosswalk …`: load code translation tables, list and show them, measure how
//! well one covers a source column, and export one as a FHIR R4 ConceptMap.

use std::path::PathBuf;

use clap::Subcommand;
use cutover_engine::EngineError;
use cutover_engine::api::dto::{ConceptMapRequest, CoverageRequest, CrosswalkLoadRequest};
use cutover_engine::api::{self, Ctx};
use serde_json::json;

use crate::output::{self, Out};

#[derive(Subcommand)]
pub enum CrosswalkCommand {
    /// Load a crosswalk from a CSV (any encoding) or a workbook sheet; the first row is the
    /// header. Loading under an existing name replaces it. Codes match exactly after
    /// trimming (or regardless of letter case with --ignore-case).
    Load {
        file: PathBuf,
        /// The crosswalk's name, e.g. lab_codes.
        #[arg(long)]
        name: String,
        /// The column holding the legacy code (default: the first column).
        #[arg(long)]
        key: Option<String>,
        /// The workbook sheet to read (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Match codes regardless of ASCII letter case.
        #[arg(long)]
        ignore_case: bool,
    },
    /// List the project's crosswalks.
    List,
    /// Print a page of a crosswalk's codes and what they translate to.
    Show {
        name: String,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// Codes to print (at most 1000).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Every distinct code in a source column, with its row count and whether the
    /// crosswalk maps it, most frequent first.
    Coverage {
        name: String,
        /// The source whose column holds legacy codes.
        #[arg(long)]
        source: String,
        /// The column (name).
        #[arg(long)]
        column: String,
        /// Snapshot number (default: the latest).
        #[arg(long)]
        snapshot: Option<u32>,
    },
    /// Export a crosswalk as a FHIR R4 ConceptMap (JSON).
    Conceptmap {
        name: String,
        /// The column holding the target code, e.g. loinc.
        #[arg(long)]
        target_column: String,
        /// The column holding the target's display text.
        #[arg(long)]
        display_column: Option<String>,
        /// The legacy codes' system (a URI).
        #[arg(long)]
        source_system: String,
        /// The target codes' system, e.g. http://loinc.org.
        #[arg(long)]
        target_system: String,
        /// The ConceptMap's canonical URL.
        #[arg(long)]
        url: Option<String>,
        /// Write the ConceptMap to this file instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(ctx: &Ctx, out: &Out, command: CrosswalkCommand) -> Result<(), EngineError> {
    match command {
        CrosswalkCommand::Load {
            file,
            name,
            key,
            sheet,
            ignore_case,
        } => {
            let s = api::crosswalk::load(
                ctx,
                &CrosswalkLoadRequest {
                    path: file.display().to_string(),
                    name,
                    key_column: key,
                    sheet,
                    ignore_case,
                },
            )?;
            out.result(&s, || output::crosswalk_loaded_text(&s));
        }
        CrosswalkCommand::List => {
            let all = api::crosswalk::list(ctx)?;
            out.result(&all, || output::crosswalks_table(&all));
        }
        CrosswalkCommand::Show {
            name,
            offset,
            limit,
        } => {
            let page = api::crosswalk::entries(ctx, &name, offset, limit)?;
            out.result(&page, || output::crosswalk_entries_table(&page));
        }
        CrosswalkCommand::Coverage {
            name,
            source,
            column,
            snapshot,
        } => {
            let r = api::crosswalk::coverage(
                ctx,
                &CoverageRequest {
                    crosswalk: name,
                    source,
                    column,
                    snapshot,
                },
            )?;
            out.result(&r, || output::coverage_text(&r));
        }
        CrosswalkCommand::Conceptmap {
            name,
            target_column,
            display_column,
            source_system,
            target_system,
            url,
            out: file,
        } => {
            let map = api::crosswalk::concept_map(
                ctx,
                &ConceptMapRequest {
                    crosswalk: name,
                    target_column,
                    display_column,
                    source_system,
                    target_system,
                    url,
                },
            )?;
            let elements = map["group"][0]["element"].as_array().map_or(0, Vec::len);
            match file {
                Some(path) => {
                    let text = serde_json::to_string_pretty(&map).map_err(|e| {
                        EngineError::Internal(format!("writing the ConceptMap: {e}"))
                    })?;
                    std::fs::write(&path, text + "\n")
                        .map_err(|e| EngineError::io_at(&path, "writing", e))?;
                    let written =
                        json!({ "path": path.display().to_string(), "elements": elements });
                    out.result(&written, || {
                        format!(
                            "Wrote a ConceptMap of {elements} codes to {}",
                            path.display()
                        )
                    });
                }
                None => out.result(&map, || {
                    serde_json::to_string_pretty(&map).unwrap_or_default()
                }),
            }
        }
    }
    Ok(())
}
