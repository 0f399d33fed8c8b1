// The one boundary between the UI and the Rust engine: every Tauri `invoke` lives here,
// one typed function per command. Argument names are camelCase, as Tauri exposes the
// Rust parameters (`op_id` → `opId`, `on_progress` → `onProgress`, `base_url` → `baseUrl`).
//
// Every function rejects with an `ErrorDto` and nothing else: the engine's own errors
// arrive that way already; anything else (a missing command, a dialog failure, a bug)
// is wrapped as code "internal".

import { Channel, invoke } from '@tauri-apps/api/core';
import { open, save } from '@tauri-apps/plugin-dialog';
import type {
  BlockingPreview,
  BlockingRuleInfo,
  ClusterPage,
  ConceptMapRequest,
  ConvertSummary,
  CoverageReport,
  CoverageRequest,
  CrosswalkEntries,
  CrosswalkLoadRequest,
  CrosswalkSummary,
  DecideRequest,
  DiffPage,
  DiffRequest,
  ErrorCode,
  ErrorDto,
  Finding,
  ImportPreview,
  ImportRequest,
  ImportSummary,
  ElementInfo,
  Lineage,
  MappingDetail,
  MappingDiff,
  MappingPreview,
  MappingPreviewRequest,
  MappingSpec,
  MappingSummary,
  MatchConfig,
  MatchEvaluation,
  MatchRunSummary,
  Page,
  PageRequest,
  PairDetail,
  PairPage,
  PairPageRequest,
  PipelineStatus,
  ProgressEvent,
  ProjectInfo,
  PushRequest,
  PushSummary,
  RecentProject,
  ReviewDecision,
  ReviewProgress,
  SnapshotProfile,
  SourceSummary,
  Suggestion,
  ValidateSummary,
} from './bindings';

export type ProgressHandler = (event: ProgressEvent) => void;

const ERROR_CODES: readonly ErrorCode[] = [
  'not_found',
  'not_a_project',
  'newer_schema',
  'bad_input',
  'io',
  'cancelled',
  'network',
  'no_project',
  'internal',
];

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Turn whatever a command or plugin rejected with into an `ErrorDto`. */
export function toErrorDto(err: unknown): ErrorDto {
  if (err !== null && typeof err === 'object') {
    const obj = err as Record<string, unknown>;
    if (typeof obj.message === 'string' && typeof obj.code === 'string' && obj.code.length > 0) {
      // Keep a code this build does not know yet rather than hide it behind "internal".
      return { code: obj.code as ErrorCode, message: obj.message };
    }
    if (typeof obj.message === 'string' && obj.message.length > 0) {
      return { code: 'internal', message: obj.message };
    }
  }
  if (typeof err === 'string' && err.length > 0) {
    return { code: 'internal', message: err };
  }
  return { code: 'internal', message: 'Unexpected error' };
}

export function isErrorDto(value: unknown): value is ErrorDto {
  return (
    value !== null &&
    typeof value === 'object' &&
    isErrorCode((value as Record<string, unknown>).code) &&
    typeof (value as Record<string, unknown>).message === 'string'
  );
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (err) {
    throw toErrorDto(err);
  }
}

function progressChannel(onProgress: ProgressHandler): Channel<ProgressEvent> {
  const channel = new Channel<ProgressEvent>();
  channel.onmessage = onProgress;
  return channel;
}

/** A fresh id for a long-running operation, so it can be cancelled. */
export function newOpId(): string {
  return crypto.randomUUID();
}

// ---- Projects -------------------------------------------------------------------

export function projectNew(path: string): Promise<ProjectInfo> {
  return call('project_new', { path });
}

export function projectOpen(path: string): Promise<ProjectInfo> {
  return call('project_open', { path });
}

export function projectCurrent(): Promise<ProjectInfo | null> {
  return call('project_current');
}

export function recentProjects(): Promise<RecentProject[]> {
  return call('recent_projects');
}

export function setTarget(baseUrl: string): Promise<ProjectInfo> {
  return call('set_target', { baseUrl });
}

// ---- Staging --------------------------------------------------------------------

export function sources(): Promise<SourceSummary[]> {
  return call('sources');
}

export function page(req: PageRequest): Promise<Page> {
  return call('page', { req });
}

export function importFile(
  req: ImportRequest,
  opId: string,
  onProgress: ProgressHandler,
): Promise<ImportSummary[]> {
  return call('import_file', { req, opId, onProgress: progressChannel(onProgress) });
}

/** What importing `req` would do (format, encodings, sources, first rows); writes nothing. */
export function importPreview(req: ImportRequest): Promise<ImportPreview> {
  return call('import_preview', { req });
}

/** One page of the differences between two snapshots of a source, with the summary. */
export function diffSnapshots(req: DiffRequest): Promise<DiffPage> {
  return call('diff_snapshots', { req });
}

// ---- Profiling ----------------------------------------------------------------------

/** Profile a snapshot's columns now (replacing the profile kept in the project). */
export function profileSnapshot(
  snapshotId: number,
  opId: string,
  onProgress: ProgressHandler,
): Promise<SnapshotProfile> {
  return call('profile_snapshot', { snapshotId, opId, onProgress: progressChannel(onProgress) });
}

/** The profile kept in the project for a snapshot; null when it has not been profiled. */
export function cachedProfile(snapshotId: number): Promise<SnapshotProfile | null> {
  return call('cached_profile', { snapshotId });
}

// ---- Mapping, conversion, validation ----------------------------------------------

export function loadMapping(path: string): Promise<MappingSummary> {
  return call('load_mapping', { path });
}

export function mappings(): Promise<MappingSummary[]> {
  return call('mappings');
}

export function convert(opId: string, onProgress: ProgressHandler): Promise<ConvertSummary[]> {
  return call('convert', { opId, onProgress: progressChannel(onProgress) });
}

export function validate(opId: string, onProgress: ProgressHandler): Promise<ValidateSummary> {
  return call('validate', { opId, onProgress: progressChannel(onProgress) });
}

export function findings(limit: number): Promise<Finding[]> {
  return call('findings', { limit });
}

// ---- Mapping editor ----------------------------------------------------------------

/** A mapping's spec at a version (the latest when null), with every version listed. */
export function mappingGet(name: string, version: number | null = null): Promise<MappingDetail> {
  return call('mapping_get', { name, version });
}

/** Save an edited spec as the next version of its mapping (nothing new if unchanged). */
export function mappingSave(spec: MappingSpec): Promise<MappingSummary> {
  return call('mapping_save', { spec });
}

/** Convert sample rows with the spec as edited; writes nothing. A spec that does not
 * compile comes back as `spec_error`, not as a rejection. */
export function mappingPreview(req: MappingPreviewRequest): Promise<MappingPreview> {
  return call('mapping_preview', { req });
}

/** What changed from one version of a mapping to another, element by element. */
export function mappingDiff(name: string, from: number, to: number): Promise<MappingDiff> {
  return call('mapping_diff', { name, from, to });
}

/** The elements of a FHIR resource type (`Patient`) or data type (`HumanName`). */
export function mappingTargets(typeName: string): Promise<ElementInfo[]> {
  return call('mapping_targets', { typeName });
}

export function mappingResourceTypes(): Promise<string[]> {
  return call('mapping_resource_types');
}

/** Where a converted resource's values came from (one element, or all). */
export function mappingLineage(resourceId: string, element: string | null = null): Promise<Lineage> {
  return call('mapping_lineage', { resourceId, element });
}

// ---- Crosswalks ------------------------------------------------------------------

/** Read a crosswalk file into the project (replacing one of the same name). Blank and
 * repeated codes come back as `problems` (line and column), not as a rejection. */
export function crosswalkLoad(req: CrosswalkLoadRequest): Promise<CrosswalkSummary> {
  return call('crosswalk_load', { req });
}

export function crosswalkList(): Promise<CrosswalkSummary[]> {
  return call('crosswalk_list');
}

/** A page of a crosswalk's entries in file order (at most 1000). */
export function crosswalkEntries(name: string, offset: number, limit: number): Promise<CrosswalkEntries> {
  return call('crosswalk_entries', { name, offset, limit });
}

/** Every legacy code of a source column, most frequent first, and what the crosswalk maps it to. */
export function crosswalkCoverage(req: CoverageRequest): Promise<CoverageReport> {
  return call('crosswalk_coverage', { req });
}

/** The crosswalk as a FHIR R4 ConceptMap; also written to `out` when given. */
export function crosswalkConceptMap(req: ConceptMapRequest, out: string | null): Promise<unknown> {
  return call('crosswalk_concept_map', { req, out });
}

/** Proposed mappings of a source's columns to a resource type's elements, most
 * confident first (the source is profiled first if it has not been). */
export function mappingSuggest(source: string, resource: string): Promise<Suggestion[]> {
  return call('mapping_suggest', { source, resource });
}

// ---- Patient matching --------------------------------------------------------------

/** The blocking rules a run can name. */
export function matchRules(): Promise<BlockingRuleInfo[]> {
  return call('match_rules');
}

/** The settings a run uses when none are given: every rule, the default thresholds. */
export function matchDefaults(): Promise<MatchConfig> {
  return call('match_defaults');
}

/** How many candidate pairs each blocking rule would yield on the converted patients, and
 * which a run would refuse (over `max_pairs_per_rule`); writes nothing. */
export function matchPreview(config: MatchConfig): Promise<BlockingPreview> {
  return call('match_preview', { config });
}

/** Block, fit, score and store a matching run (progress and cancel like convert). */
export function matchRun(config: MatchConfig, opId: string, onProgress: ProgressHandler): Promise<MatchRunSummary> {
  return call('match_run', { config, opId, onProgress: progressChannel(onProgress) });
}

/** Every matching run of the project, newest first. */
export function matchRuns(): Promise<MatchRunSummary[]> {
  return call('match_runs');
}

export function matchSummary(runId: number): Promise<MatchRunSummary> {
  return call('match_summary', { runId });
}

/** A page of a run's stored pairs, strongest first; weights and bands withheld when blind. */
export function matchPairs(req: PairPageRequest): Promise<PairPage> {
  return call('match_pairs', { req });
}

/** Two records side by side, each field's level and weight, the prior, the thresholds and
 * the pair's decision history. A clinical view. Blind withholds score, band and weights. */
export function matchPairDetail(runId: number, leftId: string, rightId: string, blind: boolean): Promise<PairDetail> {
  return call('match_pair_detail', { runId, leftId, rightId, blind });
}

/** Record a verdict on a pair (who, why; the engine stamps when). */
export function matchDecide(req: DecideRequest): Promise<ReviewDecision> {
  return call('match_decide', { req });
}

/** Undo the run's latest standing decision; resolves to it (to go back to its pair), or
 * null when there was nothing to undo. */
export function matchUndo(runId: number): Promise<ReviewDecision | null> {
  return call('match_undo', { runId });
}

export function matchReviewProgress(runId: number): Promise<ReviewProgress> {
  return call('match_review_progress', { runId });
}

/** A page of a run's clusters (at most 1000), chained ones first. */
export function matchClusters(runId: number, offset: number, limit: number): Promise<ClusterPage> {
  return call('match_clusters', { runId, offset, limit });
}

/** Precision, recall and F1 of a run against true ids in a source column, also at each of
 * `thresholds` (a spread around the run's link threshold when empty). */
export function matchEvaluate(runId: number, labelsColumn: string, thresholds: number[]): Promise<MatchEvaluation> {
  return call('match_evaluate', { runId, labelsColumn, thresholds });
}

/** The name decisions are recorded under by default (the OS login). */
export function matchCurrentUser(): Promise<string> {
  return call('match_current_user');
}

// ---- Push and status --------------------------------------------------------------

export function push(
  req: PushRequest,
  opId: string,
  onProgress: ProgressHandler,
): Promise<PushSummary> {
  return call('push', { req, opId, onProgress: progressChannel(onProgress) });
}

export function pipelineStatus(): Promise<PipelineStatus> {
  return call('pipeline_status');
}

export function cancel(opId: string): Promise<boolean> {
  return call('cancel', { opId });
}

// ---- File dialogs (the dialog plugin; also IPC, so also normalised here) -------------

const PROJECT_FILTER = { name: 'Cutover project', extensions: ['cutover'] };

async function dialog<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toErrorDto(err);
  }
}

/** Ask where to create a new project; null when the analyst cancels. */
export function pickNewProjectPath(): Promise<string | null> {
  return dialog(async () => {
    const path = await save({
      title: 'New Cutover project',
      defaultPath: 'migration.cutover',
      filters: [PROJECT_FILTER],
    });
    if (path === null) return null;
    return /\.cutover$/i.test(path) ? path : `${path}.cutover`;
  });
}

export function pickProjectToOpen(): Promise<string | null> {
  return dialog(() =>
    open({ title: 'Open Cutover project', multiple: false, directory: false, filters: [PROJECT_FILTER] }),
  );
}

// GTK matches filter patterns case-sensitively, and legacy exports are often upper case.
function exts(...names: string[]): string[] {
  return names.flatMap((n) => [n, n.toUpperCase()]);
}

const IMPORT_FILTERS = [
  { name: 'Delimited text', extensions: exts('csv', 'tsv', 'txt', 'psv', 'dat') },
  { name: 'Workbooks', extensions: exts('xlsx', 'xlsm', 'xlsb', 'xls', 'ods') },
  { name: 'HL7 v2 messages', extensions: exts('hl7', 'txt') },
  { name: 'FHIR NDJSON', extensions: exts('ndjson', 'jsonl') },
];

/** Legacy exports to import (several at once); an empty list when the analyst cancels. */
export function pickImportFiles(): Promise<string[]> {
  return dialog(async () => {
    const paths = await open({
      title: 'Import legacy exports',
      multiple: true,
      directory: false,
      filters: [
        { name: 'All legacy exports', extensions: [...new Set(IMPORT_FILTERS.flatMap((f) => f.extensions))] },
        ...IMPORT_FILTERS,
        { name: 'All files', extensions: ['*'] },
      ],
    });
    return paths ?? [];
  });
}

export function pickMappingFile(): Promise<string | null> {
  return dialog(() =>
    open({
      title: 'Load a mapping spec',
      multiple: false,
      directory: false,
      filters: [{ name: 'Mapping spec', extensions: ['toml'] }],
    }),
  );
}

/** A crosswalk file to load; null when the analyst cancels. */
export function pickCrosswalkFile(): Promise<string | null> {
  return dialog(() =>
    open({
      title: 'Load a crosswalk',
      multiple: false,
      directory: false,
      filters: [
        { name: 'Crosswalk tables', extensions: exts('csv', 'tsv', 'txt', 'xlsx', 'xls', 'ods') },
        { name: 'All files', extensions: ['*'] },
      ],
    }),
  );
}

/** Where to write a ConceptMap; null when the analyst cancels. */
export function pickConceptMapPath(name: string): Promise<string | null> {
  return dialog(async () => {
    const path = await save({
      title: 'Export ConceptMap',
      defaultPath: `${name}.conceptmap.json`,
      filters: [{ name: 'FHIR JSON', extensions: ['json'] }],
    });
    if (path === null) return null;
    return /\.json$/i.test(path) ? path : `${path}.json`;
  });
}
