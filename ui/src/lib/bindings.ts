// Generated from the engine's Rust DTOs (crates/engine/src/api/dto.rs) by
// `UPDATE_BINDINGS=1 cargo test -p cutover-engine bindings`. Do not edit.
export type ProjectInfo = { path: string, name: string, schema_version: number, created_at: string, 
/**
 * The FHIR base URL pushes go to, if one has been set.
 */
target_base_url: string | null, };
export type RecentProject = { path: string, name: string, opened_at: string, 
/**
 * False when the file has since been moved or deleted.
 */
exists: boolean, };
export type SourceSummary = { id: number, name: string, 
/**
 * Oldest first; the last one is the current snapshot.
 */
snapshots: Array<SnapshotSummary>, };
export type SnapshotSummary = { id: number, source_id: number, 
/**
 * 1 for the first import of the source, 2 for the next, ...
 */
seq: number, file_name: string, imported_at: string, row_count: number, column_count: number, 
/**
 * Rows kept but marked, e.g. a ragged row with too many or too few fields.
 */
flagged_rows: number, };
export type ColumnInfo = { index: number, name: string, };
export type SortDirection = "asc" | "desc";
export type SortSpec = { column: number, direction: SortDirection, };
export type ColumnFilter = { column: number, contains: string, 
/**
 * How `contains` is matched; `contains` when absent.
 */
mode?: FilterMode, };
export type FilterMode = "contains" | "equals" | "pattern";
export type PageRequest = { snapshot_id: number, 
/**
 * Position in the sorted and filtered view, from 0.
 */
offset: number, limit: number, sort: SortSpec | null, filters: Array<ColumnFilter>, };
export type StagedRow = { 
/**
 * Row number within the snapshot, from 1 (header excluded).
 */
row: number, 
/**
 * Physical line in the file where the record starts, from 1.
 */
line: number, 
/**
 * Content hash of the row's values (hex).
 */
hash: string, 
/**
 * One value per column; `null` where the row had no field for that column.
 */
values: Array<string | null>, 
/**
 * Why the row is marked, if it is (e.g. "ragged: 5 fields, header has 6").
 */
flag: string | null, };
export type Page = { snapshot_id: number, columns: Array<ColumnInfo>, 
/**
 * Rows in the filtered view (the whole snapshot when there is no filter).
 */
total_rows: number, offset: number, rows: Array<StagedRow>, };
export type FileFormat = "delimited" | "excel" | "hl7" | "ndjson";
export type ImportRequest = { path: string, 
/**
 * Source to add a snapshot to; defaults to the file name without extension (and
 * `name/sheet` for each sheet of a workbook).
 */
source_name: string | null, 
/**
 * Detected from the extension and content when absent.
 */
format: FileFormat | null, 
/**
 * Encoding label (`utf-8`, `windows-1252`, `iso-8859-1`, `utf-16le`…); detected when absent.
 */
encoding: string | null, 
/**
 * One character (`,` `;` `|`, or `tab`); detected when absent.
 */
delimiter: string | null, 
/**
 * Workbook sheets to import; empty means every sheet.
 */
sheets: Array<string>, 
/**
 * Delimited text: `true` if the first row is the header, `false` if it is already
 * data (columns are then named `column_1`, `column_2`, …); detected when absent.
 */
header_row: boolean | null, };
export type ImportSummary = { source_id: number, source_name: string, snapshot_id: number, seq: number, file_name: string, sheet: string | null, 
/**
 * What was detected or chosen: encoding and delimiter, or the workbook kind.
 */
detected: string, 
/**
 * Worth knowing, not row problems: a hidden sheet, merged cells.
 */
notes: Array<string>, rows: number, flagged_rows: number, columns: number, elapsed_ms: number, };
export type ImportPreview = { path: string, file_name: string, format: FileFormat, tables: Array<TablePreview>, };
export type TablePreview = { sheet: string | null, 
/**
 * The source a snapshot would be added to.
 */
source_name: string, detected: string, notes: Array<string>, 
/**
 * For delimited text, whether the first row was taken as the header (as detected
 * or as asked); `null` for formats without that choice.
 */
header_row: boolean | null, columns: Array<string>, 
/**
 * The first rows, as they would be staged.
 */
rows: Array<Array<string | null>>, };
export type Stage = "import" | "convert" | "validate" | "push" | "profile" | "export" | "match";
export type ProgressEvent = { stage: Stage, done: number, 
/**
 * Known for pushes and conversions; for imports, bytes read vs file size.
 */
total: number | null, 
/**
 * What `done` and `total` count: "rows", "bytes", "resources".
 */
unit: string, };
export type MappingSummary = { id: number, name: string, resource_type: string, source_name: string, 
/**
 * 1 for the first spec loaded under this name, then 2, ...
 */
version: number, field_count: number, loaded_at: string, };
export type ConvertSummary = { mapping_id: number, resource_type: string, snapshot_id: number, rows_read: number, converted: number, 
/**
 * Rows that produced no resource (e.g. no business identifier); each has a finding.
 */
failed: number, 
/**
 * Rows merged into another row's record (the spec's `[duplicates]`: a corrected
 * result's original, a booking entered twice); each has a finding naming the kept
 * row and resource. `rows_read` = `converted` + `failed` + `duplicates`.
 */
duplicates: number, };
export type Severity = "error" | "warning";
export type Finding = { id: number, stage: Stage, resource_id: string | null, snapshot_id: number, file_name: string, row: number, line: number, column: string | null, rule: string, severity: Severity, message: string, };
export type RuleCount = { rule: string, count: number, };
export type ValidateSummary = { checked: number, valid: number, invalid: number, findings: number, by_rule: Array<RuleCount>, };
export type PushRequest = { 
/**
 * FHIR R4 base URL, e.g. `http://127.0.0.1:8090/fhir/R4`. Defaults to the project's target.
 */
base_url: string | null, 
/**
 * Build and count the requests but send nothing.
 */
dry_run: boolean, };
export type PushSummary = { base_url: string, dry_run: boolean, 
/**
 * Valid resources not yet accepted by this target, that this run tried.
 */
attempted: number, 
/**
 * 201 from the server: it had no resource with that identifier.
 */
created: number, 
/**
 * 200 from the server: the existing resource with that identifier was updated.
 */
updated: number, rejected: number, 
/**
 * Already accepted by this target with the same content; not sent again.
 */
skipped: number, 
/**
 * Not attempted because the run was cancelled; still pending.
 */
pending: number, cancelled: boolean, 
/**
 * Patients merged into another record: never sent (their survivor is).
 */
merged_away: number, };
export type PipelineStatus = { sources: number, 
/**
 * Rows in the current snapshot of every source.
 */
imported: number, converted: number, 
/**
 * Converted records merged into another (not validated, exported or pushed).
 */
merged_away: number, 
/**
 * Valid and invalid count records not merged away.
 */
valid: number, invalid: number, pushed: number, rejected: number, target_base_url: string | null, };
export type DiffRequest = { 
/**
 * The older snapshot.
 */
from_snapshot: number, 
/**
 * The newer snapshot.
 */
to_snapshot: number, 
/**
 * Column names (present in both snapshots) that identify a row, e.g. `["APPT_ID"]`.
 */
key_columns: Array<string>, 
/**
 * Only rows of this kind; all kinds when absent.
 */
kind: ChangeKind | null, offset: number, limit: number, };
export type ChangeKind = "added" | "removed" | "changed";
export type DiffSummary = { from_snapshot: number, to_snapshot: number, key_columns: Array<string>, added: number, removed: number, changed: number, unchanged: number, 
/**
 * Rows (of either snapshot) whose key is blank or repeats within a snapshot: they
 * cannot be paired, so they are counted here and not guessed at.
 */
duplicate_keys: number, 
/**
 * Columns in only one of the two snapshots (not compared).
 */
only_in_from: Array<string>, only_in_to: Array<string>, };
export type DiffRow = { kind: ChangeKind, 
/**
 * The key values, in key-column order.
 */
key: Array<string | null>, 
/**
 * Row numbers in each snapshot (absent for added / removed).
 */
from_row: number | null, to_row: number | null, 
/**
 * Values of the compared columns ([`DiffPage::columns`]) in each snapshot.
 */
from_values: Array<string | null> | null, to_values: Array<string | null> | null, 
/**
 * Indexes into [`DiffPage::columns`] of the cells that changed.
 */
changed_columns: Array<number>, };
export type DiffPage = { summary: DiffSummary, 
/**
 * The columns compared: those present in both snapshots, in the newer one's order.
 */
columns: Array<string>, 
/**
 * Rows of the requested kind in total.
 */
total: number, offset: number, rows: Array<DiffRow>, };
export type SnapshotProfile = { snapshot_id: number, rows: number, profiled_at: string, elapsed_ms: number, columns: Array<ColumnProfile>, };
export type ColumnProfile = { index: number, name: string, rows: number, blanks: number, 
/**
 * Distinct non-blank values; "at least" when `distinct_capped`.
 */
distinct: number, 
/**
 * More distinct values than the profiler's memory budget holds: `distinct` is a
 * lower bound.
 */
distinct_capped: boolean, 
/**
 * The most frequent values, most frequent first (then by value), at most 10.
 */
top_values: Array<ValueCount>, 
/**
 * More distinct values than are kept with their counts: `top_values` are the most
 * frequent of those seen first, so a frequent value that first appears late may be
 * missing (the counts shown are exact).
 */
top_values_partial: boolean, 
/**
 * Distinct patterns; "at least" when `patterns_capped`.
 */
distinct_patterns: number, 
/**
 * More distinct patterns than are kept: `distinct_patterns` is a lower bound and
 * `top_patterns` are the most frequent of those seen first.
 */
patterns_capped: boolean, 
/**
 * The most frequent patterns (digits as `9`, letters as `A`, everything else kept;
 * cut at 64 characters with `…`), at most 10.
 */
top_patterns: Array<ValueCount>, inferred: InferredType, 
/**
 * The smallest and largest values that fit the inferred type, by that type's order
 * (dates by date, numbers by number, codes and text by text).
 */
min: string | null, max: string | null, 
/**
 * Shortest and longest value, in characters.
 */
min_length: number | null, max_length: number | null, };
export type ValueCount = { value: string, count: number, };
export type InferredType = { kind: ValueType, 
/**
 * For dates, the format: `MM/DD/YYYY`, `YYYY-MM-DD`, `YYYYMMDD`, …
 */
format: string | null, 
/**
 * Non-blank values that fit `kind` (and `format`).
 */
fits: number, };
export type ValueType = "empty" | "boolean" | "integer" | "decimal" | "date" | "code" | "text";
export type CrosswalkLoadRequest = { path: string, name: string, 
/**
 * The column holding the legacy code (default: the first column).
 */
key_column: string | null, 
/**
 * The workbook sheet to read (default: the first).
 */
sheet: string | null, 
/**
 * Match codes regardless of ASCII letter case (`glu` = `GLU`).
 */
ignore_case: boolean, };
export type CrosswalkProblem = { line: number, column: string, message: string, };
export type CrosswalkSummary = { name: string, key_column: string, 
/**
 * The other columns, in file order: what a code translates to.
 */
columns: Array<string>, 
/**
 * Codes loaded.
 */
rows: number, ignore_case: boolean, file_name: string, loaded_at: string, 
/**
 * Rows skipped (blank or repeated code) or kept with a caveat (ragged), at load.
 */
problems: Array<CrosswalkProblem>, };
export type CrosswalkEntry = { code: string, 
/**
 * One value per column of the crosswalk (blank as "").
 */
values: Array<string>, 
/**
 * The line (or sheet row) of the file it came from.
 */
line: number, };
export type CrosswalkEntries = { name: string, key_column: string, columns: Array<string>, total: number, offset: number, entries: Array<CrosswalkEntry>, };
export type CoverageRequest = { crosswalk: string, source: string, column: string, 
/**
 * Snapshot number (default: the latest).
 */
snapshot: number | null, };
export type CoverageValue = { value: string, 
/**
 * Rows with this code.
 */
count: number, 
/**
 * Whether the crosswalk has the code.
 */
mapped: boolean, 
/**
 * What it translates to, one per crosswalk column; empty when unmapped.
 */
values: Array<string>, };
export type CoverageReport = { crosswalk: string, source: string, column: string, snapshot_seq: number, 
/**
 * The crosswalk's columns, naming `CoverageValue::values`.
 */
columns: Array<string>, rows: number, 
/**
 * Rows whose code is blank; not counted in any other figure.
 */
blank_rows: number, distinct_codes: number, mapped_codes: number, mapped_rows: number, unmapped_rows: number, 
/**
 * Mapped rows as a percentage of the non-blank rows (100 when there are none).
 */
rows_covered_percent: number, values: Array<CoverageValue>, };
export type ConceptMapRequest = { crosswalk: string, 
/**
 * The column holding the target code (e.g. `loinc`).
 */
target_column: string, 
/**
 * The column holding the target's display text, if any.
 */
display_column: string | null, 
/**
 * The code system of the legacy codes (a URI).
 */
source_system: string, 
/**
 * The code system of the target codes, e.g. `http://loinc.org`.
 */
target_system: string, 
/**
 * The ConceptMap's canonical URL.
 */
url: string | null, };
export type ErrorCode = "not_found" | "not_a_project" | "newer_schema" | "bad_input" | "io" | "cancelled" | "network" | "no_project" | "internal";
export type ErrorDto = { code: ErrorCode, message: string, };
export type TransformSpec = string | { map: { [key in string]: string }, 
/**
 * Used for values not in the table; without it such a value is a finding.
 */
otherwise?: string, 
/**
 * Look keys up without regard to letter case.
 */
ignore_case?: boolean, } | { date: DateOptions, } | { datetime: DatetimeOptions, } | { phone: PhoneOptions, } | { truncate: TruncateOptions, } | { regex_extract: string, 
/**
 * A value the pattern does not match becomes missing instead of a finding.
 */
or_missing?: boolean, } | { regex_replace: RegexReplaceOptions, } | { template: string, } | { join: string, } | { default: string, } | { constant: string, } | { if: Condition, then: string, 
/**
 * Without it a value that fails the condition passes on unchanged.
 */
else?: string, } | { quantity: QuantityOptions, } | { range: RangeOptions, } | { coding: CodingOptions, } | { crosswalk: string, 
/**
 * The crosswalk column to take (e.g. `loinc`).
 */
column: string, 
/**
 * Used for codes not in the crosswalk; without it such a code is a finding.
 */
otherwise?: string, };
export type TransformInfo = { name: string, description: string, 
/**
 * One step as written in a spec's `transforms = [ … ]`.
 */
example_toml: string, 
/**
 * The same step as the app's JSON spec editor holds it.
 */
example_json: unknown, };
export type DateOptions = { format?: DateFormat, pivot?: Pivot, };
export type DateFormat = "auto" | "MM/DD/YYYY" | "M/D/YY" | "DD/MM/YYYY" | "YYYYMMDD" | "YYYY-MM-DD" | "excel";
export type Pivot = number | PivotKeyword;
export type PivotKeyword = "past";
export type DatetimeOptions = { 
/**
 * An IANA zone name, e.g. `America/New_York`.
 */
zone: string, 
/**
 * The layout of the date part; `auto` when left out.
 */
date_format?: DateFormat, pivot?: Pivot, };
export type PhoneOptions = { 
/**
 * `US` or `CA` (both North American Numbering Plan).
 */
region: string, };
export type TruncateOptions = { 
/**
 * Most characters kept, the marker included.
 */
max: number, 
/**
 * Put at the end of a cut text; `…` when left out.
 */
marker?: string, };
export type RegexReplaceOptions = { pattern: string, 
/**
 * The replacement; `$1` or `${name}` insert a capture group.
 */
with: string, };
export type Condition = "missing" | { "equals": string } | { "in": Array<string> } | { "matches": string };
export type QuantityOptions = { 
/**
 * The unit system given with a UCUM code; `http://unitsofmeasure.org` when left out.
 */
system?: string, };
export type RangeOptions = { 
/**
 * The unit of both limits, when the range text does not carry one.
 */
unit?: string, };
export type CodingOptions = { system: string, 
/**
 * With a [code, display] list, also put the display text in the coding (it always
 * goes in `text`).
 */
display?: boolean, };
export type MappingSpec = { format: number, 
/**
 * Names the mapping; loading a changed spec under the same name makes a new version.
 */
name: string, 
/**
 * The source whose current snapshot is converted.
 */
source: string, 
/**
 * The FHIR R4 resource type produced, e.g. `Patient`, `Appointment`.
 */
resource: string, identifier: IdentifierSpec, 
/**
 * Rows that are one record (a corrected result and its original, a booking entered
 * twice): which rows, and which of them is kept.
 */
duplicates?: DuplicatesSpec, element?: Array<ElementSpec>, };
export type IdentifierSpec = { system: string, column?: string, 
/**
 * Several columns, every one required; the transforms combine them into one text.
 */
columns?: Array<string>, transforms?: Array<TransformSpec>, };
export type DuplicatesSpec = { 
/**
 * Rows whose values are equal on every part of the key are one record. A part is
 * `identifier` or the `target` of one of the spec's elements.
 */
key: Array<string>, 
/**
 * How the kept row is chosen, first criterion first; when every criterion ties, the
 * later row of the file is kept.
 */
prefer?: Array<PreferSpec>, 
/**
 * The finding rule of each row merged into another (`duplicate.…`; default
 * `duplicate.superseded`).
 */
rule?: string, };
export type PreferSpec = { 
/**
 * The `target` of one of the spec's elements.
 */
element: string, order?: Array<string>, latest?: boolean, };
export type ElementSpec = { target: string, column?: string, columns?: Array<string>, 
/**
 * A constant (text, number or boolean). Placed only where the element's parent
 * exists: `telecom[0].system = "phone"` appears only beside a phone number.
 */
value?: string | number | boolean, 
/**
 * The value is another converted resource's business identifier: the element
 * becomes a reference to it.
 */
reference?: ReferenceSpec, transforms?: Array<TransformSpec>, };
export type ReferenceSpec = { resource: string, 
/**
 * The identifier system of the referenced resource's mapping.
 */
system: string, };
export type MappingDetail = { summary: MappingSummary, spec: MappingSpec, 
/**
 * The spec as stored (TOML).
 */
text: string, 
/**
 * Every version of this mapping, newest first.
 */
versions: Array<MappingVersion>, };
export type MappingVersion = { id: number, version: number, loaded_at: string, };
export type MappingPreviewRequest = { spec: MappingSpec | null, 
/**
 * Rows to convert (default 20, at most 200).
 */
limit: number, 
/**
 * First row (0-based) of the snapshot to preview.
 */
offset: number, };
export type MappingPreview = { 
/**
 * Why the spec cannot be used as it is (nothing else is filled then).
 */
spec_error: string | null, 
/**
 * Source columns the spec reads, in spec order (identifier first).
 */
columns: Array<string>, rows: Array<PreviewRow>, 
/**
 * Of the previewed rows, how many made a resource with no error.
 */
ok_rows: number, source_rows: number, };
export type PreviewRow = { row: number, line: number, 
/**
 * Values of `columns`, as staged.
 */
before: Array<string | null>, 
/**
 * The resource made, if one was.
 */
resource: unknown, problems: Array<PreviewProblem>, };
export type PreviewProblem = { 
/**
 * The target element (empty for the identifier or the whole resource).
 */
target: string, column: string, rule: string, severity: Severity, message: string, };
export type MappingDiff = { name: string, from_version: number, to_version: number, 
/**
 * Changes outside the elements: source, resource, identifier.
 */
header: Array<string>, added: Array<string>, removed: Array<string>, changed: Array<ElementChange>, };
export type ElementChange = { target: string, 
/**
 * The element's spec before and after, as one line of TOML each.
 */
before: string, after: string, };
export type ElementInfo = { 
/**
 * The element name as written in a target; a choice is `value[x]`.
 */
name: string, 
/**
 * The FHIR type (`string`, `date`, `HumanName`, `Reference`, `code`…); for a choice,
 * its types joined by `|`.
 */
type_name: string, array: boolean, required: boolean, 
/**
 * Allowed codes, for a `code` element bound to a required value set.
 */
codes: Array<string>, description: string, };
export type SchemaIssue = { 
/**
 * JSON pointer into the resource, e.g. `/name/0/given`.
 */
path: string, message: string, };
export type Lineage = { resource_id: string, resource_type: string, mapping: string, mapping_version: number, source: string, snapshot_seq: number, file_name: string, row: number, line: number, elements: Array<ElementLineage>, };
export type ElementLineage = { target: string, inputs: Array<LineageInput>, steps: Array<LineageStep>, output: unknown, error: string | null, };
export type LineageInput = { 
/**
 * The column, or `(constant)`.
 */
column: string, value: string | null, };
export type LineageStep = { 
/**
 * The transform's rule id, e.g. `transform.date_mdy`.
 */
transform: string, value: unknown, };
export type ExportSummary = { dir: string, files: Array<ExportFile>, 
/**
 * Resources left out because validation found errors in them.
 */
skipped_invalid: number, 
/**
 * Resources not validated yet (exported, and counted here).
 */
unvalidated: number, 
/**
 * Patients merged into another record: kept in the project (lineage), not exported.
 */
merged_away: number, };
export type ExportFile = { resource_type: string, file: string, count: number, };
export type Suggestion = { column: string, 
/**
 * Every column read when the element combines several (a date and its time, in
 * that order); empty when it reads `column` alone.
 */
columns: Array<string>, 
/**
 * An element path, or `identifier` for the spec's business identifier.
 */
target: string, transforms: Array<TransformSpec>, 
/**
 * 0 to 1.
 */
confidence: number, reasons: Array<string>, };
export type BlockingRuleInfo = { 
/**
 * The rule's name, as `MatchConfig::rules` takes it.
 */
name: string, 
/**
 * Used when a run names no rules.
 */
default: boolean, };
export type MatchConfig = { 
/**
 * Blocking rule names; empty means the defaults.
 */
rules: Array<string>, 
/**
 * A rule yielding more candidate pairs than this is refused, by name, before any pair
 * is built.
 */
max_pairs_per_rule: number, 
/**
 * Match weight (bits) at or above which a pair is linked.
 */
link_threshold: number, 
/**
 * Match weight at or above which a pair goes to review (below: non-link).
 */
review_threshold: number, };
export type RulePairCount = { rule: string, pairs: number, 
/**
 * Over `max_pairs_per_rule`: the run would refuse this rule.
 */
refused: boolean, };
export type BlockingPreview = { 
/**
 * Patients that would be matched (converted, not merged away).
 */
records: number, rules: Array<RulePairCount>, 
/**
 * Distinct pairs over the rules that are not refused.
 */
total_pairs: number, max_pairs_per_rule: number, };
export type MatchRunSummary = { id: number, started_at: string, finished_at: string, config: MatchConfig, records: number, candidate_pairs: number, per_rule: Array<RulePairCount>, link_pairs: number, review_pairs: number, non_link_pairs: number, 
/**
 * Pairs a never-merge rule kept apart.
 */
never_merge_pairs: number, 
/**
 * Groups of two or more records that the links and decisions join.
 */
clusters: number, 
/**
 * Clusters with two members that do not themselves reach review.
 */
chained_clusters: number, 
/**
 * Review-band pairs with a decision (same or different).
 */
decided: number, seconds: number, };
export type MatchBand = "link" | "review" | "non_link";
export type ReviewVerdict = "same" | "different" | "skip";
export type ReviewDecision = { id: number, run_id: number, left_id: string, right_id: string, verdict: ReviewVerdict, reviewer: string, reason: string | null, decided_at: string, 
/**
 * When it was undone; a pair's history keeps undone decisions, marked.
 */
undone_at: string | null, };
export type MatchPair = { left_id: string, right_id: string, weight: number | null, 
/**
 * The match probability the weight stands for, 0 to 1.
 */
probability: number | null, band: MatchBand | null, 
/**
 * The never-merge rule that kept the pair apart, e.g. "likely twins".
 */
never_merge: string | null, 
/**
 * The latest standing decision on this pair, from any run.
 */
decision: ReviewDecision | null, };
export type PairPageRequest = { run_id: number, 
/**
 * Only pairs of this band; all stored pairs when absent.
 */
band: MatchBand | null, 
/**
 * Only pairs without a standing same/different decision.
 */
undecided_only: boolean, blind: boolean, offset: number, limit: number, };
export type PairPage = { total: number, pairs: Array<MatchPair>, };
export type ReviewProgress = { run_id: number, total: number, same: number, different: number, skipped: number, 
/**
 * Neither decided nor skipped.
 */
pending: number, };
export type FieldComparison = { 
/**
 * `given`, `family`, `birth_date`, …
 */
field: string, 
/**
 * "Given name", "Birth date", …
 */
label: string, 
/**
 * As the converted records hold it (a clinical view).
 */
left: string | null, right: string | null, 
/**
 * The comparison level, e.g. "nickname", "day and month transposed", "missing".
 */
level: string, 
/**
 * log2(m/u) in bits; withheld in blind mode.
 */
weight: number | null, };
export type RecordOrigin = { resource_id: string, source: string, file_name: string, row: number, line: number, 
/**
 * The business identifier (e.g. the MRN) and its system.
 */
identifier_system: string, identifier_value: string, 
/**
 * Set when the record was merged away into another.
 */
merged_into: string | null, };
export type PairDetail = { run_id: number, pair: MatchPair, left: RecordOrigin, right: RecordOrigin, 
/**
 * Withheld in blind mode.
 */
prior: number | null, fields: Array<FieldComparison>, link_threshold: number, review_threshold: number, 
/**
 * Every decision ever made on this pair, newest first (undone ones included).
 */
history: Array<ReviewDecision>, };
export type DecideRequest = { run_id: number, left_id: string, right_id: string, verdict: ReviewVerdict, reviewer: string, reason: string | null, };
export type ClusterMember = { resource_id: string, source: string, row: number, identifier_value: string, };
export type MatchCluster = { 
/**
 * The smallest member id: stable as long as the cluster's members are.
 */
key: string, members: Array<ClusterMember>, 
/**
 * Two members do not themselves reach the review threshold: joined only through
 * others, worth a look before merging.
 */
chained: boolean, lowest_weight: number, 
/**
 * The merge that folded this cluster, if any.
 */
merge_id: number | null, };
export type ClusterPage = { total: number, clusters: Array<MatchCluster>, };
export type PairMetricsDto = { true_positives: number, false_positives: number, false_negatives: number, precision: number, recall: number, f1: number, };
export type ThresholdMetrics = { threshold: number, metrics: PairMetricsDto, };
export type MatchEvaluation = { run_id: number, labels_column: string, labelled_records: number, 
/**
 * Pairs of records with the same label.
 */
true_pairs: number, 
/**
 * Candidate pairs blocking found among the true pairs, as recall.
 */
blocking_recall: number, 
/**
 * Link-band pairs (never-merge rules applied) at the run's thresholds.
 */
link: PairMetricsDto, 
/**
 * Pairs inside clusters (links plus decisions).
 */
clusters: PairMetricsDto, 
/**
 * Precision and recall if the link threshold were each of these.
 */
by_threshold: Array<ThresholdMetrics>, };
export type ApplyDecisionsSummary = { applied: number, 
/**
 * Rows naming a pair the run does not hold, by line.
 */
unknown_pairs: Array<number>, };
export type SurvivorshipRule = "most_recent" | "most_complete" | "source_priority";
export type FieldPick = { 
/**
 * A Patient element: `name`, `birthDate`, `gender`, `telecom`, `address`, … (a choice
 * type without its type: `deceased`, `multipleBirth`).
 */
field: string, 
/**
 * A member of the merge. When it has no value for the field, the survivor has none.
 */
resource_id: string, };
export type MergeRequest = { 
/**
 * The matching run the merge came from, if any (kept with the merge).
 */
run_id: number | null, 
/**
 * Every record to fold together, the survivor included.
 */
members: Array<string>, 
/**
 * The record that survives; chosen by `rule` (record-level) when absent.
 */
survivor: string | null, 
/**
 * The default rule for every field.
 */
rule: SurvivorshipRule, 
/**
 * Source names, most trusted first (for `source_priority`).
 */
source_priority: Array<string>, 
/**
 * Fields picked by hand, overriding the rule.
 */
picks: Array<FieldPick>, reviewer: string, reason: string | null, };
export type FieldCandidate = { resource_id: string, 
/**
 * The value as text; `None` when the record has none.
 */
value: string | null, };
export type SurvivorField = { field: string, label: string, chosen_from: string | null, 
/**
 * `most_recent`, `most_complete`, `source_priority` or `manual`.
 */
rule: string, value: string | null, 
/**
 * Every member's value, in member order.
 */
candidates: Array<FieldCandidate>, };
export type MergePreview = { survivor_id: string, 
/**
 * The members that would be merged away.
 */
merged_ids: Array<string>, fields: Array<SurvivorField>, 
/**
 * Identifiers of the merged-away records the survivor would gain (with `use: old`).
 */
identifiers_added: number, 
/**
 * Other resources (appointments, results, …) whose references would move to the
 * survivor.
 */
redirected: number, 
/**
 * The surviving Patient as JSON.
 */
body: string, };
export type MergeSummary = { id: number, run_id: number | null, survivor_id: string, merged_ids: Array<string>, 
/**
 * Resources whose references the merge moved to the survivor.
 */
redirected: number, merged_by: string, merged_at: string, reason: string | null, unmerged_by: string | null, unmerged_at: string | null, };
export type LedgerLine = { source: string, snapshot_seq: number, file_name: string, 
/**
 * The mapping that reads the rows; empty when no mapping reads the source.
 */
mapping: string, resource_type: string, rows: number, converted: number, 
/**
 * Folded into another record: a patient merged into its survivor, or a row superseded
 * by a duplicate (a corrected result, a repeated appointment).
 */
merged: number, excluded: number, 
/**
 * Did not convert, or converted but fails a validation error rule.
 */
failed: number, 
/**
 * In none of the states above: a blocking error.
 */
unaccounted: number, 
/**
 * Of the converted: accepted by the target with the current content.
 */
accepted: number, rejected: number, 
/**
 * Converted, not yet accepted or rejected (never pushed, or changed since).
 */
pending: number, };
export type UnaccountedRow = { source: string, mapping: string, row: number, line: number, 
/**
 * Why it has no state, e.g. "no mapping reads this source", "not converted".
 */
reason: string, };
export type LedgerReport = { 
/**
 * The push target the accepted/rejected/pending counts are for.
 */
target: string | null, lines: Array<LedgerLine>, totals: LedgerLine, 
/**
 * Failed rows by the rule that failed them.
 */
failed_by_rule: Array<RuleCount>, 
/**
 * The first unaccounted rows (at most 100), to go and look.
 */
unaccounted_rows: Array<UnaccountedRow>, 
/**
 * True when no row is unaccounted and every line's states add up to its rows.
 */
balanced: boolean, };
export type SampleRequest = { 
/**
 * The accuracy the sample must be able to show, e.g. 0.95.
 */
target_accuracy: number, 
/**
 * 0.90, 0.95 or 0.99 (two-sided Wilson interval).
 */
confidence: number, 
/**
 * Wrong records the sample may hold and still show the target.
 */
allowed_errors: number, 
/**
 * Fixes the draw; the same seed over the same records draws the same sample.
 */
seed: number | null, created_by: string, };
export type SampleStratum = { key: string, resource_type: string, source: string, 
/**
 * `clean` or `with findings`.
 */
finding_status: string, population: number, drawn: number, };
export type Signoff = { name: string, role: string, statement: string, signed_at: string, };
export type SampleSummary = { id: number, created_at: string, created_by: string, seed: number, target_accuracy: number, confidence: number, allowed_errors: number, 
/**
 * Records the sample was drawn from.
 */
population: number, size: number, strata: Array<SampleStratum>, reviewed: number, correct: number, wrong: number, 
/**
 * correct / reviewed.
 */
acceptance: number | null, 
/**
 * The Wilson interval of the acceptance rate at the sample's confidence.
 */
wilson_low: number | null, wilson_high: number | null, 
/**
 * Every item reviewed and the interval's lower end at or above the target.
 */
meets_target: boolean, 
/**
 * Sampled records whose content changed since the draw (re-converted): the sample no
 * longer speaks for them.
 */
changed: number, signoff: Signoff | null, };
export type SampleVerdict = { 
/**
 * `correct` or `wrong`.
 */
verdict: string, 
/**
 * The element that is wrong (for `wrong`).
 */
element: string | null, comment: string | null, reviewer: string, decided_at: string, };
export type SampleItem = { position: number, resource_id: string, resource_type: string, stratum: string, source: string, row: number, line: number, changed: boolean, verdict: SampleVerdict | null, };
export type SampleVerdictRequest = { sample_id: number, resource_id: string, 
/**
 * `correct` or `wrong`.
 */
verdict: string, element: string | null, comment: string | null, reviewer: string, };
export type SignoffRequest = { sample_id: number, name: string, role: string, statement: string, };
