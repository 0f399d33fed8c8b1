//! The data shapes that cross the engine's boundary: what the CLI prints with `--json`
//! and what the desktop app receives over IPC. TypeScript types are generated from these
//! (see `bindings.rs`); nothing here carries behaviour.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::import::FileFormat;

/// The project that is open: one SQLite file per migration project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ProjectInfo {
    pub path: String,
    pub name: String,
    pub schema_version: u32,
    pub created_at: String,
    /// The FHIR base URL pushes go to, if one has been set.
    pub target_base_url: Option<String>,
}

/// A project the app opened before, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct RecentProject {
    pub path: String,
    pub name: String,
    pub opened_at: String,
    /// False when the file has since been moved or deleted.
    pub exists: bool,
}

/// A legacy source (one kind of export, e.g. `patients`) with its snapshot history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SourceSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// Oldest first; the last one is the current snapshot.
    pub snapshots: Vec<SnapshotSummary>,
}

/// One import of a source file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SnapshotSummary {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub source_id: i64,
    /// 1 for the first import of the source, 2 for the next, ...
    pub seq: u32,
    pub file_name: String,
    pub imported_at: String,
    #[ts(type = "number")]
    pub row_count: i64,
    pub column_count: u32,
    /// Rows kept but marked, e.g. a ragged row with too many or too few fields.
    #[ts(type = "number")]
    pub flagged_rows: i64,
}

/// A column of a staged snapshot.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ColumnInfo {
    pub index: u32,
    pub name: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SortSpec {
    pub column: u32,
    pub direction: SortDirection,
}

/// Keep rows whose value in `column` contains `contains` (case-insensitive); with a
/// `mode`, rows whose value equals it or has it as pattern instead.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ColumnFilter {
    pub column: u32,
    pub contains: String,
    /// How `contains` is matched; `contains` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mode: Option<FilterMode>,
}

/// How a [`ColumnFilter`] matches.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum FilterMode {
    /// The value contains the text, ignoring case (an empty text keeps every row).
    Contains,
    /// The value is exactly the text; an empty text keeps blank rows (empty or absent).
    Equals,
    /// The value has the text as its pattern (digits as `9`, letters as `A`, e.g.
    /// `99/99/9999`); an empty text keeps blank rows.
    Pattern,
}

/// A window of a staged snapshot: what the grid asks for as it scrolls.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PageRequest {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    /// Position in the sorted and filtered view, from 0.
    #[ts(type = "number")]
    pub offset: i64,
    pub limit: u32,
    pub sort: Option<SortSpec>,
    pub filters: Vec<ColumnFilter>,
}

/// One staged legacy row, exactly as exported, with its provenance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct StagedRow {
    /// Row number within the snapshot, from 1 (header excluded).
    #[ts(type = "number")]
    pub row: i64,
    /// Physical line in the file where the record starts, from 1.
    #[ts(type = "number")]
    pub line: i64,
    /// Content hash of the row's values (hex).
    pub hash: String,
    /// One value per column; `null` where the row had no field for that column.
    pub values: Vec<Option<String>>,
    /// Why the row is marked, if it is (e.g. "ragged: 5 fields, header has 6").
    pub flag: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct Page {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub columns: Vec<ColumnInfo>,
    /// Rows in the filtered view (the whole snapshot when there is no filter).
    #[ts(type = "number")]
    pub total_rows: i64,
    #[ts(type = "number")]
    pub offset: i64,
    pub rows: Vec<StagedRow>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, TS)]
#[serde(default)]
pub struct ImportRequest {
    pub path: String,
    /// Source to add a snapshot to; defaults to the file name without extension (and
    /// `name/sheet` for each sheet of a workbook).
    pub source_name: Option<String>,
    /// Detected from the extension and content when absent.
    pub format: Option<FileFormat>,
    /// Encoding label (`utf-8`, `windows-1252`, `iso-8859-1`, `utf-16le`…); detected when absent.
    pub encoding: Option<String>,
    /// One character (`,` `;` `|`, or `tab`); detected when absent.
    pub delimiter: Option<String>,
    /// Workbook sheets to import; empty means every sheet.
    pub sheets: Vec<String>,
    /// Delimited text: `true` if the first row is the header, `false` if it is already
    /// data (columns are then named `column_1`, `column_2`, …); detected when absent.
    #[serde(default)]
    pub header_row: Option<bool>,
}

/// One snapshot written by an import (a workbook gives one per sheet).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ImportSummary {
    #[ts(type = "number")]
    pub source_id: i64,
    pub source_name: String,
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub seq: u32,
    pub file_name: String,
    pub sheet: Option<String>,
    /// What was detected or chosen: encoding and delimiter, or the workbook kind.
    pub detected: String,
    /// Worth knowing, not row problems: a hidden sheet, merged cells.
    pub notes: Vec<String>,
    #[ts(type = "number")]
    pub rows: i64,
    #[ts(type = "number")]
    pub flagged_rows: i64,
    pub columns: u32,
    #[ts(type = "number")]
    pub elapsed_ms: i64,
}

/// What an import would do, read before anything is written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ImportPreview {
    pub path: String,
    pub file_name: String,
    pub format: FileFormat,
    pub tables: Vec<TablePreview>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct TablePreview {
    pub sheet: Option<String>,
    /// The source a snapshot would be added to.
    pub source_name: String,
    pub detected: String,
    pub notes: Vec<String>,
    /// For delimited text, whether the first row was taken as the header (as detected
    /// or as asked); `null` for formats without that choice.
    pub header_row: Option<bool>,
    pub columns: Vec<String>,
    /// The first rows, as they would be staged.
    pub rows: Vec<Vec<Option<String>>>,
}

/// Which long-running operation a progress report belongs to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Import,
    Convert,
    Validate,
    Push,
    Profile,
    Export,
    Match,
}

/// A progress report. Carries counts only, never row content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ProgressEvent {
    pub stage: Stage,
    #[ts(type = "number")]
    pub done: i64,
    /// Known for pushes and conversions; for imports, bytes read vs file size.
    #[ts(type = "number | null")]
    pub total: Option<i64>,
    /// What `done` and `total` count: "rows", "bytes", "resources".
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MappingSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub resource_type: String,
    pub source_name: String,
    /// 1 for the first spec loaded under this name, then 2, ...
    pub version: u32,
    pub field_count: u32,
    pub loaded_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ConvertSummary {
    #[ts(type = "number")]
    pub mapping_id: i64,
    pub resource_type: String,
    #[ts(type = "number")]
    pub snapshot_id: i64,
    #[ts(type = "number")]
    pub rows_read: i64,
    #[ts(type = "number")]
    pub converted: i64,
    /// Rows that produced no resource (e.g. no business identifier); each has a finding.
    #[ts(type = "number")]
    pub failed: i64,
    /// Rows merged into another row's record (the spec's `[duplicates]`: a corrected
    /// result's original, a booking entered twice); each has a finding naming the kept
    /// row and resource. `rows_read` = `converted` + `failed` + `duplicates`.
    #[ts(type = "number")]
    pub duplicates: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found in a legacy row or converted record. Names the row and column,
/// never the value, so findings can be logged and exported without PHI.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct Finding {
    #[ts(type = "number")]
    pub id: i64,
    pub stage: Stage,
    pub resource_id: Option<String>,
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub file_name: String,
    #[ts(type = "number")]
    pub row: i64,
    #[ts(type = "number")]
    pub line: i64,
    pub column: Option<String>,
    pub rule: String,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct RuleCount {
    pub rule: String,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ValidateSummary {
    #[ts(type = "number")]
    pub checked: i64,
    #[ts(type = "number")]
    pub valid: i64,
    #[ts(type = "number")]
    pub invalid: i64,
    #[ts(type = "number")]
    pub findings: i64,
    pub by_rule: Vec<RuleCount>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PushRequest {
    /// FHIR R4 base URL, e.g. `http://127.0.0.1:8090/fhir/R4`. Defaults to the project's target.
    pub base_url: Option<String>,
    /// Build and count the requests but send nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PushSummary {
    pub base_url: String,
    pub dry_run: bool,
    /// Valid resources not yet accepted by this target, that this run tried.
    #[ts(type = "number")]
    pub attempted: i64,
    /// 201 from the server: it had no resource with that identifier.
    #[ts(type = "number")]
    pub created: i64,
    /// 200 from the server: the existing resource with that identifier was updated.
    #[ts(type = "number")]
    pub updated: i64,
    #[ts(type = "number")]
    pub rejected: i64,
    /// Already accepted by this target with the same content; not sent again.
    #[ts(type = "number")]
    pub skipped: i64,
    /// Not attempted because the run was cancelled; still pending.
    #[ts(type = "number")]
    pub pending: i64,
    pub cancelled: bool,
    /// Patients merged into another record: never sent (their survivor is).
    #[ts(type = "number")]
    pub merged_away: i64,
}

/// Counts per pipeline stage, for the pipeline bar and `cutover status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PipelineStatus {
    pub sources: u32,
    /// Rows in the current snapshot of every source.
    #[ts(type = "number")]
    pub imported: i64,
    #[ts(type = "number")]
    pub converted: i64,
    /// Converted records merged into another (not validated, exported or pushed).
    #[ts(type = "number")]
    pub merged_away: i64,
    /// Valid and invalid count records not merged away.
    #[ts(type = "number")]
    pub valid: i64,
    #[ts(type = "number")]
    pub invalid: i64,
    #[ts(type = "number")]
    pub pushed: i64,
    #[ts(type = "number")]
    pub rejected: i64,
    pub target_base_url: Option<String>,
}

/// What the UI switches on; the message is for people.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file or record that was asked for does not exist.
    NotFound,
    /// The file is not a Cutover project.
    NotAProject,
    /// The project was written by a newer Cutover.
    NewerSchema,
    /// An input file or spec cannot be used at all.
    BadInput,
    /// Reading or writing a file failed.
    Io,
    /// The operation was cancelled; nothing half-written was kept.
    Cancelled,
    /// The FHIR server could not be reached.
    Network,
    /// No project is open (app only).
    NoProject,
    /// A bug: please report it.
    Internal,
}

/// An error as the CLI prints it with `--json` and the app receives it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ErrorDto {
    pub code: ErrorCode,
    pub message: String,
}

/// Compare two snapshots of a source, matching rows by the analyst's key columns.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct DiffRequest {
    /// The older snapshot.
    #[ts(type = "number")]
    pub from_snapshot: i64,
    /// The newer snapshot.
    #[ts(type = "number")]
    pub to_snapshot: i64,
    /// Column names (present in both snapshots) that identify a row, e.g. `["APPT_ID"]`.
    pub key_columns: Vec<String>,
    /// Only rows of this kind; all kinds when absent.
    pub kind: Option<ChangeKind>,
    #[ts(type = "number")]
    pub offset: i64,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct DiffSummary {
    #[ts(type = "number")]
    pub from_snapshot: i64,
    #[ts(type = "number")]
    pub to_snapshot: i64,
    pub key_columns: Vec<String>,
    #[ts(type = "number")]
    pub added: i64,
    #[ts(type = "number")]
    pub removed: i64,
    #[ts(type = "number")]
    pub changed: i64,
    #[ts(type = "number")]
    pub unchanged: i64,
    /// Rows (of either snapshot) whose key is blank or repeats within a snapshot: they
    /// cannot be paired, so they are counted here and not guessed at.
    #[ts(type = "number")]
    pub duplicate_keys: i64,
    /// Columns in only one of the two snapshots (not compared).
    pub only_in_from: Vec<String>,
    pub only_in_to: Vec<String>,
}

/// One row that differs between the snapshots.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct DiffRow {
    pub kind: ChangeKind,
    /// The key values, in key-column order.
    pub key: Vec<Option<String>>,
    /// Row numbers in each snapshot (absent for added / removed).
    #[ts(type = "number | null")]
    pub from_row: Option<i64>,
    #[ts(type = "number | null")]
    pub to_row: Option<i64>,
    /// Values of the compared columns ([`DiffPage::columns`]) in each snapshot.
    pub from_values: Option<Vec<Option<String>>>,
    pub to_values: Option<Vec<Option<String>>>,
    /// Indexes into [`DiffPage::columns`] of the cells that changed.
    pub changed_columns: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct DiffPage {
    pub summary: DiffSummary,
    /// The columns compared: those present in both snapshots, in the newer one's order.
    pub columns: Vec<String>,
    /// Rows of the requested kind in total.
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub offset: i64,
    pub rows: Vec<DiffRow>,
}

/// What a snapshot's columns hold, from one pass over its staged rows. Cached in the
/// project; a clinical view, so unlike findings and logs it shows legacy values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SnapshotProfile {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    #[ts(type = "number")]
    pub rows: i64,
    pub profiled_at: String,
    #[ts(type = "number")]
    pub elapsed_ms: i64,
    pub columns: Vec<ColumnProfile>,
}

/// One column of a [`SnapshotProfile`]. Blank means empty or absent (a short row had no
/// field for the column); every other figure is over the non-blank values, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ColumnProfile {
    pub index: u32,
    pub name: String,
    #[ts(type = "number")]
    pub rows: i64,
    #[ts(type = "number")]
    pub blanks: i64,
    /// Distinct non-blank values; "at least" when `distinct_capped`.
    #[ts(type = "number")]
    pub distinct: i64,
    /// More distinct values than the profiler's memory budget holds: `distinct` is a
    /// lower bound.
    pub distinct_capped: bool,
    /// The most frequent values, most frequent first (then by value), at most 10.
    pub top_values: Vec<ValueCount>,
    /// More distinct values than are kept with their counts: `top_values` are the most
    /// frequent of those seen first, so a frequent value that first appears late may be
    /// missing (the counts shown are exact).
    pub top_values_partial: bool,
    /// Distinct patterns; "at least" when `patterns_capped`.
    #[ts(type = "number")]
    pub distinct_patterns: i64,
    /// More distinct patterns than are kept: `distinct_patterns` is a lower bound and
    /// `top_patterns` are the most frequent of those seen first.
    pub patterns_capped: bool,
    /// The most frequent patterns (digits as `9`, letters as `A`, everything else kept;
    /// cut at 64 characters with `…`), at most 10.
    pub top_patterns: Vec<ValueCount>,
    pub inferred: InferredType,
    /// The smallest and largest values that fit the inferred type, by that type's order
    /// (dates by date, numbers by number, codes and text by text).
    pub min: Option<String>,
    pub max: Option<String>,
    /// Shortest and longest value, in characters.
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ValueCount {
    pub value: String,
    #[ts(type = "number")]
    pub count: i64,
}

/// The type a column's values fit, and how many of them do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct InferredType {
    pub kind: ValueType,
    /// For dates, the format: `MM/DD/YYYY`, `YYYY-MM-DD`, `YYYYMMDD`, …
    pub format: Option<String>,
    /// Non-blank values that fit `kind` (and `format`).
    #[ts(type = "number")]
    pub fits: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Every value is blank.
    Empty,
    /// `Y`/`N`, `YES`/`NO`, `TRUE`/`FALSE`, `0`/`1` (any case).
    Boolean,
    Integer,
    Decimal,
    Date,
    /// Digits only, some with leading zeros (ZIP `04183`): an identifier, not a number.
    Code,
    Text,
}

/// A mapping with its spec, for the mapping editor and `cutover map show`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MappingDetail {
    pub summary: MappingSummary,
    pub spec: crate::mapping::spec::MappingSpec,
    /// The spec as stored (TOML).
    pub text: String,
    /// Every version of this mapping, newest first.
    pub versions: Vec<MappingVersion>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MappingVersion {
    #[ts(type = "number")]
    pub id: i64,
    pub version: u32,
    pub loaded_at: String,
}

/// Preview a spec (saved or not) on a few rows of its source's current snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, TS)]
#[serde(default)]
pub struct MappingPreviewRequest {
    pub spec: Option<crate::mapping::spec::MappingSpec>,
    /// Rows to convert (default 20, at most 200).
    pub limit: u32,
    /// First row (0-based) of the snapshot to preview.
    #[ts(type = "number")]
    pub offset: i64,
}

/// What a spec makes of sample rows: legacy values before, the resource after, and why a
/// row or element fails. A clinical view (it shows values), never logged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MappingPreview {
    /// Why the spec cannot be used as it is (nothing else is filled then).
    pub spec_error: Option<String>,
    /// Source columns the spec reads, in spec order (identifier first).
    pub columns: Vec<String>,
    pub rows: Vec<PreviewRow>,
    /// Of the previewed rows, how many made a resource with no error.
    pub ok_rows: u32,
    #[ts(type = "number")]
    pub source_rows: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PreviewRow {
    #[ts(type = "number")]
    pub row: i64,
    #[ts(type = "number")]
    pub line: i64,
    /// Values of `columns`, as staged.
    pub before: Vec<Option<String>>,
    /// The resource made, if one was.
    #[ts(type = "unknown")]
    pub resource: Option<serde_json::Value>,
    pub problems: Vec<PreviewProblem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PreviewProblem {
    /// The target element (empty for the identifier or the whole resource).
    pub target: String,
    pub column: String,
    pub rule: String,
    pub severity: Severity,
    pub message: String,
}

/// What changed between two versions of a mapping, element by element.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MappingDiff {
    pub name: String,
    pub from_version: u32,
    pub to_version: u32,
    /// Changes outside the elements: source, resource, identifier.
    pub header: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ElementChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ElementChange {
    pub target: String,
    /// The element's spec before and after, as one line of TOML each.
    pub before: String,
    pub after: String,
}

/// Where a converted resource (and each of its elements) came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct Lineage {
    pub resource_id: String,
    pub resource_type: String,
    pub mapping: String,
    pub mapping_version: u32,
    pub source: String,
    pub snapshot_seq: u32,
    pub file_name: String,
    #[ts(type = "number")]
    pub row: i64,
    #[ts(type = "number")]
    pub line: i64,
    pub elements: Vec<ElementLineage>,
}

/// One element's value traced back: the legacy columns and values, each transform's
/// output, and what was placed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ElementLineage {
    pub target: String,
    pub inputs: Vec<LineageInput>,
    pub steps: Vec<LineageStep>,
    #[ts(type = "unknown")]
    pub output: Option<serde_json::Value>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct LineageInput {
    /// The column, or `(constant)`.
    pub column: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct LineageStep {
    /// The transform's rule id, e.g. `transform.date_mdy`.
    pub transform: String,
    #[ts(type = "unknown")]
    pub value: serde_json::Value,
}

/// What `cutover export` wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ExportSummary {
    pub dir: String,
    pub files: Vec<ExportFile>,
    /// Resources left out because validation found errors in them.
    #[ts(type = "number")]
    pub skipped_invalid: i64,
    /// Resources not validated yet (exported, and counted here).
    #[ts(type = "number")]
    pub unvalidated: i64,
    /// Patients merged into another record: kept in the project (lineage), not exported.
    #[ts(type = "number")]
    pub merged_away: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ExportFile {
    pub resource_type: String,
    pub file: String,
    #[ts(type = "number")]
    pub count: i64,
}

/// Load a crosswalk (a code translation table) from a CSV or workbook file. Loading
/// under a name that exists replaces that crosswalk's entries.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, TS)]
pub struct CrosswalkLoadRequest {
    pub path: String,
    pub name: String,
    /// The column holding the legacy code (default: the first column).
    pub key_column: Option<String>,
    /// The workbook sheet to read (default: the first).
    pub sheet: Option<String>,
    /// Match codes regardless of ASCII letter case (`glu` = `GLU`).
    #[serde(default)]
    pub ignore_case: bool,
}

/// A row of a crosswalk file that was not loaded, or loaded with a caveat. Names the
/// line and column, never the code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct CrosswalkProblem {
    #[ts(type = "number")]
    pub line: i64,
    pub column: String,
    pub message: String,
}

/// A crosswalk in the project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct CrosswalkSummary {
    pub name: String,
    pub key_column: String,
    /// The other columns, in file order: what a code translates to.
    pub columns: Vec<String>,
    /// Codes loaded.
    #[ts(type = "number")]
    pub rows: i64,
    pub ignore_case: bool,
    pub file_name: String,
    pub loaded_at: String,
    /// Rows skipped (blank or repeated code) or kept with a caveat (ragged), at load.
    pub problems: Vec<CrosswalkProblem>,
}

/// One code of a crosswalk and what it translates to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct CrosswalkEntry {
    pub code: String,
    /// One value per column of the crosswalk (blank as "").
    pub values: Vec<String>,
    /// The line (or sheet row) of the file it came from.
    #[ts(type = "number")]
    pub line: i64,
}

/// A page of a crosswalk's entries, in file order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct CrosswalkEntries {
    pub name: String,
    pub key_column: String,
    pub columns: Vec<String>,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub offset: i64,
    pub entries: Vec<CrosswalkEntry>,
}

/// How well a crosswalk covers the codes in a source column.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, TS)]
pub struct CoverageRequest {
    pub crosswalk: String,
    pub source: String,
    pub column: String,
    /// Snapshot number (default: the latest).
    pub snapshot: Option<u32>,
}

/// One distinct (trimmed) legacy code of the source column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct CoverageValue {
    pub value: String,
    /// Rows with this code.
    #[ts(type = "number")]
    pub count: i64,
    /// Whether the crosswalk has the code.
    pub mapped: bool,
    /// What it translates to, one per crosswalk column; empty when unmapped.
    pub values: Vec<String>,
}

/// Every distinct legacy code of a source column, most frequent first, with totals.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct CoverageReport {
    pub crosswalk: String,
    pub source: String,
    pub column: String,
    pub snapshot_seq: u32,
    /// The crosswalk's columns, naming `CoverageValue::values`.
    pub columns: Vec<String>,
    #[ts(type = "number")]
    pub rows: i64,
    /// Rows whose code is blank; not counted in any other figure.
    #[ts(type = "number")]
    pub blank_rows: i64,
    #[ts(type = "number")]
    pub distinct_codes: i64,
    #[ts(type = "number")]
    pub mapped_codes: i64,
    #[ts(type = "number")]
    pub mapped_rows: i64,
    #[ts(type = "number")]
    pub unmapped_rows: i64,
    /// Mapped rows as a percentage of the non-blank rows (100 when there are none).
    pub rows_covered_percent: f64,
    pub values: Vec<CoverageValue>,
}

/// Export a crosswalk as a FHIR R4 ConceptMap.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, TS)]
pub struct ConceptMapRequest {
    pub crosswalk: String,
    /// The column holding the target code (e.g. `loinc`).
    pub target_column: String,
    /// The column holding the target's display text, if any.
    pub display_column: Option<String>,
    /// The code system of the legacy codes (a URI).
    pub source_system: String,
    /// The code system of the target codes, e.g. `http://loinc.org`.
    pub target_system: String,
    /// The ConceptMap's canonical URL.
    pub url: Option<String>,
}

/// A proposed mapping for one legacy column: the target it most likely is, the chain its
/// values need, and how sure the guess is. Reasons cite headers, counts and patterns,
/// never values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct Suggestion {
    pub column: String,
    /// Every column read when the element combines several (a date and its time, in
    /// that order); empty when it reads `column` alone.
    pub columns: Vec<String>,
    /// An element path, or `identifier` for the spec's business identifier.
    pub target: String,
    #[ts(type = "Array<TransformSpec>")]
    pub transforms: Vec<crate::mapping::transforms::TransformSpec>,
    /// 0 to 1.
    pub confidence: f64,
    pub reasons: Vec<String>,
}

// ---- Patient matching ------------------------------------------------------------------

/// A blocking rule a run can use.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct BlockingRuleInfo {
    /// The rule's name, as `MatchConfig::rules` takes it.
    pub name: String,
    /// Used when a run names no rules.
    pub default: bool,
}

/// How a matching run blocks, and where it draws its bands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MatchConfig {
    /// Blocking rule names; empty means the defaults.
    pub rules: Vec<String>,
    /// A rule yielding more candidate pairs than this is refused, by name, before any pair
    /// is built.
    #[ts(type = "number")]
    pub max_pairs_per_rule: i64,
    /// Match weight (bits) at or above which a pair is linked.
    pub link_threshold: f64,
    /// Match weight at or above which a pair goes to review (below: non-link).
    pub review_threshold: f64,
}

impl Default for MatchConfig {
    fn default() -> Self {
        let t = crate::matching::model::Thresholds::default();
        MatchConfig {
            rules: Vec::new(),
            max_pairs_per_rule: 5_000_000,
            link_threshold: t.link,
            review_threshold: t.review,
        }
    }
}

/// Candidate pairs one blocking rule yields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct RulePairCount {
    pub rule: String,
    #[ts(type = "number")]
    pub pairs: i64,
    /// Over `max_pairs_per_rule`: the run would refuse this rule.
    pub refused: bool,
}

/// What blocking would yield, measured before a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct BlockingPreview {
    /// Patients that would be matched (converted, not merged away).
    #[ts(type = "number")]
    pub records: i64,
    pub rules: Vec<RulePairCount>,
    /// Distinct pairs over the rules that are not refused.
    #[ts(type = "number")]
    pub total_pairs: i64,
    #[ts(type = "number")]
    pub max_pairs_per_rule: i64,
}

/// A stored matching run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MatchRunSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub config: MatchConfig,
    #[ts(type = "number")]
    pub records: i64,
    #[ts(type = "number")]
    pub candidate_pairs: i64,
    pub per_rule: Vec<RulePairCount>,
    #[ts(type = "number")]
    pub link_pairs: i64,
    #[ts(type = "number")]
    pub review_pairs: i64,
    #[ts(type = "number")]
    pub non_link_pairs: i64,
    /// Pairs a never-merge rule kept apart.
    #[ts(type = "number")]
    pub never_merge_pairs: i64,
    /// Groups of two or more records that the links and decisions join.
    #[ts(type = "number")]
    pub clusters: i64,
    /// Clusters with two members that do not themselves reach review.
    #[ts(type = "number")]
    pub chained_clusters: i64,
    /// Review-band pairs with a decision (same or different).
    #[ts(type = "number")]
    pub decided: i64,
    pub seconds: f64,
}

/// Where a run's pair falls.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchBand {
    Link,
    Review,
    NonLink,
}

/// A reviewer's verdict on a pair.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewVerdict {
    Same,
    Different,
    Skip,
}

/// A recorded review decision: who, when, why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ReviewDecision {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub run_id: i64,
    pub left_id: String,
    pub right_id: String,
    pub verdict: ReviewVerdict,
    pub reviewer: String,
    pub reason: Option<String>,
    pub decided_at: String,
    /// When it was undone; a pair's history keeps undone decisions, marked.
    pub undone_at: Option<String>,
}

/// One pair of a run. In blind mode the weight and band are withheld.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MatchPair {
    pub left_id: String,
    pub right_id: String,
    pub weight: Option<f64>,
    /// The match probability the weight stands for, 0 to 1.
    pub probability: Option<f64>,
    pub band: Option<MatchBand>,
    /// The never-merge rule that kept the pair apart, e.g. "likely twins".
    pub never_merge: Option<String>,
    /// The latest standing decision on this pair, from any run.
    pub decision: Option<ReviewDecision>,
}

/// Pages of a run's pairs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PairPageRequest {
    #[ts(type = "number")]
    pub run_id: i64,
    /// Only pairs of this band; all stored pairs when absent.
    pub band: Option<MatchBand>,
    /// Only pairs without a standing same/different decision.
    pub undecided_only: bool,
    pub blind: bool,
    #[ts(type = "number")]
    pub offset: i64,
    #[ts(type = "number")]
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PairPage {
    #[ts(type = "number")]
    pub total: i64,
    pub pairs: Vec<MatchPair>,
}

/// Progress through a run's review band.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ReviewProgress {
    #[ts(type = "number")]
    pub run_id: i64,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub same: i64,
    #[ts(type = "number")]
    pub different: i64,
    #[ts(type = "number")]
    pub skipped: i64,
    /// Neither decided nor skipped.
    #[ts(type = "number")]
    pub pending: i64,
}

/// One field of a pair, side by side, with its share of the weight.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct FieldComparison {
    /// `given`, `family`, `birth_date`, …
    pub field: String,
    /// "Given name", "Birth date", …
    pub label: String,
    /// As the converted records hold it (a clinical view).
    pub left: Option<String>,
    pub right: Option<String>,
    /// The comparison level, e.g. "nickname", "day and month transposed", "missing".
    pub level: String,
    /// log2(m/u) in bits; withheld in blind mode.
    pub weight: Option<f64>,
}

/// Where a matched record came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct RecordOrigin {
    pub resource_id: String,
    pub source: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub row: i64,
    #[ts(type = "number")]
    pub line: i64,
    /// The business identifier (e.g. the MRN) and its system.
    pub identifier_system: String,
    pub identifier_value: String,
    /// Set when the record was merged away into another.
    pub merged_into: Option<String>,
}

/// A pair explained: the records side by side, each field's level and weight, the prior
/// (the weight before any field) and the total.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PairDetail {
    #[ts(type = "number")]
    pub run_id: i64,
    pub pair: MatchPair,
    pub left: RecordOrigin,
    pub right: RecordOrigin,
    /// Withheld in blind mode.
    pub prior: Option<f64>,
    pub fields: Vec<FieldComparison>,
    pub link_threshold: f64,
    pub review_threshold: f64,
    /// Every decision ever made on this pair, newest first (undone ones included).
    pub history: Vec<ReviewDecision>,
}

/// Record a verdict on a pair.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct DecideRequest {
    #[ts(type = "number")]
    pub run_id: i64,
    pub left_id: String,
    pub right_id: String,
    pub verdict: ReviewVerdict,
    pub reviewer: String,
    pub reason: Option<String>,
}

/// A member of a cluster.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ClusterMember {
    pub resource_id: String,
    pub source: String,
    #[ts(type = "number")]
    pub row: i64,
    pub identifier_value: String,
}

/// Records that links and "same" decisions join into one person.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MatchCluster {
    /// The smallest member id: stable as long as the cluster's members are.
    pub key: String,
    pub members: Vec<ClusterMember>,
    /// Two members do not themselves reach the review threshold: joined only through
    /// others, worth a look before merging.
    pub chained: bool,
    pub lowest_weight: f64,
    /// The merge that folded this cluster, if any.
    #[ts(type = "number | null")]
    pub merge_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ClusterPage {
    #[ts(type = "number")]
    pub total: i64,
    pub clusters: Vec<MatchCluster>,
}

/// Pair metrics against a labels column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct PairMetricsDto {
    #[ts(type = "number")]
    pub true_positives: i64,
    #[ts(type = "number")]
    pub false_positives: i64,
    #[ts(type = "number")]
    pub false_negatives: i64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ThresholdMetrics {
    pub threshold: f64,
    pub metrics: PairMetricsDto,
}

/// A run measured against true entity ids read from a column of the patients' source rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MatchEvaluation {
    #[ts(type = "number")]
    pub run_id: i64,
    pub labels_column: String,
    #[ts(type = "number")]
    pub labelled_records: i64,
    /// Pairs of records with the same label.
    #[ts(type = "number")]
    pub true_pairs: i64,
    /// Candidate pairs blocking found among the true pairs, as recall.
    pub blocking_recall: f64,
    /// Link-band pairs (never-merge rules applied) at the run's thresholds.
    pub link: PairMetricsDto,
    /// Pairs inside clusters (links plus decisions).
    pub clusters: PairMetricsDto,
    /// Precision and recall if the link threshold were each of these.
    pub by_threshold: Vec<ThresholdMetrics>,
}

/// Result of applying decisions from a CSV.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ApplyDecisionsSummary {
    #[ts(type = "number")]
    pub applied: i64,
    /// Rows naming a pair the run does not hold, by line.
    pub unknown_pairs: Vec<u32>,
}

// ---- Merging ---------------------------------------------------------------------------

/// How a field of the surviving record is chosen among the merged records.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum SurvivorshipRule {
    /// The value from the most recently imported record (later snapshot, then later row).
    MostRecent,
    /// The value from the record where the field is fullest (most parts filled).
    MostComplete,
    /// The value from the record whose source comes first in `source_priority`.
    SourcePriority,
}

/// A manual choice: take this field from this record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct FieldPick {
    /// A Patient element: `name`, `birthDate`, `gender`, `telecom`, `address`, … (a choice
    /// type without its type: `deceased`, `multipleBirth`).
    pub field: String,
    /// A member of the merge. When it has no value for the field, the survivor has none.
    pub resource_id: String,
}

/// Merge records of one person into a survivor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MergeRequest {
    /// The matching run the merge came from, if any (kept with the merge).
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    /// Every record to fold together, the survivor included.
    pub members: Vec<String>,
    /// The record that survives; chosen by `rule` (record-level) when absent.
    pub survivor: Option<String>,
    /// The default rule for every field.
    pub rule: SurvivorshipRule,
    /// Source names, most trusted first (for `source_priority`).
    pub source_priority: Vec<String>,
    /// Fields picked by hand, overriding the rule.
    pub picks: Vec<FieldPick>,
    pub reviewer: String,
    pub reason: Option<String>,
}

/// One candidate value of a field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct FieldCandidate {
    pub resource_id: String,
    /// The value as text; `None` when the record has none.
    pub value: Option<String>,
}

/// A field of the surviving record: what was chosen, from whom, by which rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SurvivorField {
    pub field: String,
    pub label: String,
    pub chosen_from: Option<String>,
    /// `most_recent`, `most_complete`, `source_priority` or `manual`.
    pub rule: String,
    pub value: Option<String>,
    /// Every member's value, in member order.
    pub candidates: Vec<FieldCandidate>,
}

/// What a merge would do, before it is done. A clinical view: it shows values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MergePreview {
    pub survivor_id: String,
    /// The members that would be merged away.
    pub merged_ids: Vec<String>,
    pub fields: Vec<SurvivorField>,
    /// Identifiers of the merged-away records the survivor would gain (with `use: old`).
    #[ts(type = "number")]
    pub identifiers_added: i64,
    /// Other resources (appointments, results, …) whose references would move to the
    /// survivor.
    #[ts(type = "number")]
    pub redirected: i64,
    /// The surviving Patient as JSON.
    pub body: String,
}

/// A merge, done (and perhaps undone).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct MergeSummary {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    pub survivor_id: String,
    pub merged_ids: Vec<String>,
    /// Resources whose references the merge moved to the survivor.
    #[ts(type = "number")]
    pub redirected: i64,
    pub merged_by: String,
    pub merged_at: String,
    pub reason: Option<String>,
    pub unmerged_by: Option<String>,
    pub unmerged_at: Option<String>,
}

// ---- Reconciliation ledger ---------------------------------------------------------------

/// Where the rows of one source snapshot ended, for one mapping (resource type). Every row
/// is in exactly one of converted / merged / excluded / failed / unaccounted; every
/// converted record is accepted, rejected or pending at the target.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, TS)]
pub struct LedgerLine {
    pub source: String,
    pub snapshot_seq: u32,
    pub file_name: String,
    /// The mapping that reads the rows; empty when no mapping reads the source.
    pub mapping: String,
    pub resource_type: String,
    #[ts(type = "number")]
    pub rows: i64,
    #[ts(type = "number")]
    pub converted: i64,
    /// Folded into another record: a patient merged into its survivor, or a row superseded
    /// by a duplicate (a corrected result, a repeated appointment).
    #[ts(type = "number")]
    pub merged: i64,
    #[ts(type = "number")]
    pub excluded: i64,
    /// Did not convert, or converted but fails a validation error rule.
    #[ts(type = "number")]
    pub failed: i64,
    /// In none of the states above: a blocking error.
    #[ts(type = "number")]
    pub unaccounted: i64,
    /// Of the converted: accepted by the target with the current content.
    #[ts(type = "number")]
    pub accepted: i64,
    #[ts(type = "number")]
    pub rejected: i64,
    /// Converted, not yet accepted or rejected (never pushed, or changed since).
    #[ts(type = "number")]
    pub pending: i64,
}

/// A row the ledger cannot account for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct UnaccountedRow {
    pub source: String,
    pub mapping: String,
    #[ts(type = "number")]
    pub row: i64,
    #[ts(type = "number")]
    pub line: i64,
    /// Why it has no state, e.g. "no mapping reads this source", "not converted".
    pub reason: String,
}

/// The reconciliation ledger: every legacy row accounted for, by source, snapshot and
/// resource type, with totals that must add up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct LedgerReport {
    /// The push target the accepted/rejected/pending counts are for.
    pub target: Option<String>,
    pub lines: Vec<LedgerLine>,
    pub totals: LedgerLine,
    /// Failed rows by the rule that failed them.
    pub failed_by_rule: Vec<RuleCount>,
    /// The first unaccounted rows (at most 100), to go and look.
    pub unaccounted_rows: Vec<UnaccountedRow>,
    /// True when no row is unaccounted and every line's states add up to its rows.
    pub balanced: bool,
}

// ---- Clinician sample review -------------------------------------------------------------

/// Draw a sample of converted records for clinicians to check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SampleRequest {
    /// The accuracy the sample must be able to show, e.g. 0.95.
    pub target_accuracy: f64,
    /// 0.90, 0.95 or 0.99 (two-sided Wilson interval).
    pub confidence: f64,
    /// Wrong records the sample may hold and still show the target.
    pub allowed_errors: u32,
    /// Fixes the draw; the same seed over the same records draws the same sample.
    #[ts(type = "number | null")]
    pub seed: Option<i64>,
    pub created_by: String,
}

/// One stratum: resource type × source (site) × finding status.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SampleStratum {
    pub key: String,
    pub resource_type: String,
    pub source: String,
    /// `clean` or `with findings`.
    pub finding_status: String,
    #[ts(type = "number")]
    pub population: i64,
    #[ts(type = "number")]
    pub drawn: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct Signoff {
    pub name: String,
    pub role: String,
    pub statement: String,
    pub signed_at: String,
}

/// A sample and how its review stands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SampleSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub created_at: String,
    pub created_by: String,
    #[ts(type = "number")]
    pub seed: i64,
    pub target_accuracy: f64,
    pub confidence: f64,
    pub allowed_errors: u32,
    /// Records the sample was drawn from.
    #[ts(type = "number")]
    pub population: i64,
    #[ts(type = "number")]
    pub size: i64,
    pub strata: Vec<SampleStratum>,
    #[ts(type = "number")]
    pub reviewed: i64,
    #[ts(type = "number")]
    pub correct: i64,
    #[ts(type = "number")]
    pub wrong: i64,
    /// correct / reviewed.
    pub acceptance: Option<f64>,
    /// The Wilson interval of the acceptance rate at the sample's confidence.
    pub wilson_low: Option<f64>,
    pub wilson_high: Option<f64>,
    /// Every item reviewed and the interval's lower end at or above the target.
    pub meets_target: bool,
    /// Sampled records whose content changed since the draw (re-converted): the sample no
    /// longer speaks for them.
    #[ts(type = "number")]
    pub changed: i64,
    pub signoff: Option<Signoff>,
}

/// A reviewer's verdict on one sampled record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SampleVerdict {
    /// `correct` or `wrong`.
    pub verdict: String,
    /// The element that is wrong (for `wrong`).
    pub element: Option<String>,
    pub comment: Option<String>,
    pub reviewer: String,
    pub decided_at: String,
}

/// One sampled record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SampleItem {
    #[ts(type = "number")]
    pub position: i64,
    pub resource_id: String,
    pub resource_type: String,
    pub stratum: String,
    pub source: String,
    #[ts(type = "number")]
    pub row: i64,
    #[ts(type = "number")]
    pub line: i64,
    pub changed: bool,
    pub verdict: Option<SampleVerdict>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SampleVerdictRequest {
    #[ts(type = "number")]
    pub sample_id: i64,
    pub resource_id: String,
    /// `correct` or `wrong`.
    pub verdict: String,
    pub element: Option<String>,
    pub comment: Option<String>,
    pub reviewer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SignoffRequest {
    #[ts(type = "number")]
    pub sample_id: i64,
    pub name: String,
    pub role: String,
    pub statement: String,
}
