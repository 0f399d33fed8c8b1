// The app's state and the actions that change it. Components read `app.*` and call its
// methods; every fact comes from the engine through ./api, and the state is refreshed
// from the engine after each operation rather than patched locally.

import * as api from './api';
import type {
  CrosswalkSummary,
  ErrorDto,
  Finding,
  ImportRequest,
  ImportSummary,
  MappingSummary,
  MatchConfig,
  MatchRunSummary,
  PipelineStatus,
  ProgressEvent,
  ProjectInfo,
  RecentProject,
  SnapshotProfile,
  SnapshotSummary,
  SourceSummary,
  Stage,
  ValidateSummary,
} from './bindings';
import { formatCount, formatElapsed, plural } from './format';

export const FINDINGS_LIMIT = 500;

export interface Operation {
  id: string;
  stage: Stage;
  label: string;
  done: number;
  total: number | null;
  unit: string;
  cancelling: boolean;
  /** Which part of the operation is running, e.g. "patients.csv (2 of 3)". */
  detail?: string;
}

export interface Notice {
  id: number;
  text: string;
  kind: 'success' | 'info';
}

const STAGE_LABEL: Record<Stage, string> = {
  import: 'Import',
  convert: 'Convert',
  validate: 'Validate',
  push: 'Push',
  profile: 'Profile',
  export: 'Export',
  match: 'Match',
};

/** The latest snapshot of a source: the one with the highest seq. */
export function latestSnapshot(source: SourceSummary): SnapshotSummary | null {
  let best: SnapshotSummary | null = null;
  for (const snap of source.snapshots) {
    if (best === null || snap.seq > best.seq) best = snap;
  }
  return best;
}

class AppState {
  /** True until the start-up `project_current` call has answered. */
  booting = $state(true);
  project = $state.raw<ProjectInfo | null>(null);
  recent = $state.raw<RecentProject[]>([]);
  sources = $state.raw<SourceSummary[]>([]);
  mappings = $state.raw<MappingSummary[]>([]);
  crosswalks = $state.raw<CrosswalkSummary[]>([]);
  status = $state.raw<PipelineStatus | null>(null);
  findings = $state.raw<Finding[]>([]);
  findingsOpen = $state(false);
  /** The summary of the last validation run in this session (per-rule counts). */
  lastValidate = $state.raw<ValidateSummary | null>(null);
  selectedSnapshotId = $state<number | null>(null);
  op = $state<Operation | null>(null);
  /** A short action that is not cancellable (loading a mapping, setting the target). */
  pending = $state(false);
  error = $state.raw<ErrorDto | null>(null);
  notice = $state.raw<Notice | null>(null);
  dryRun = $state(false);
  /** The import dialog is showing (it keeps its own files and previews). */
  importOpen = $state(false);
  /** What the main area shows: staged data (grid or snapshot diff), the mapping editor,
   * the crosswalk editor or patient matching. */
  mainView = $state<'data' | 'mapping' | 'crosswalk' | 'match'>('data');
  /** The source whose snapshots are being compared in the main area, if any. */
  diffSourceId = $state<number | null>(null);
  /** The column profile panel is showing beside the grid. */
  profileOpen = $state(false);
  /** The snapshot being profiled, and the latest profile made in this session. */
  profilingSnapshotId = $state<number | null>(null);
  lastProfile = $state.raw<SnapshotProfile | null>(null);

  busy = $derived(this.op !== null || this.pending);

  selectedSnapshot = $derived.by((): SnapshotSummary | null => {
    for (const source of this.sources) {
      for (const snap of source.snapshots) {
        if (snap.id === this.selectedSnapshotId) return snap;
      }
    }
    return null;
  });

  /** The source being compared, while it still has two snapshots to compare. */
  diffSource = $derived(
    this.sources.find((s) => s.id === this.diffSourceId && s.snapshots.length >= 2) ?? null,
  );

  selectedSource = $derived.by((): SourceSummary | null => {
    const snap = this.selectedSnapshot;
    if (snap === null) return null;
    return this.sources.find((s) => s.id === snap.source_id) ?? null;
  });

  #noticeSeq = 0;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;
  #progressFrame = 0;
  #pendingProgress: ProgressEvent | null = null;

  // ---- Feedback ---------------------------------------------------------------

  showError(err: unknown): void {
    this.error = api.toErrorDto(err);
  }

  dismissError(): void {
    this.error = null;
  }

  notify(text: string, kind: Notice['kind'] = 'success'): void {
    this.notice = { id: ++this.#noticeSeq, text, kind };
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = null), 7000);
  }

  dismissNotice(): void {
    clearTimeout(this.#noticeTimer);
    this.notice = null;
  }

  // ---- Start-up and projects ------------------------------------------------------

  async init(): Promise<void> {
    try {
      const current = await api.projectCurrent();
      if (current !== null) {
        await this.#enter(current);
      } else {
        await this.loadRecent();
      }
    } catch (err) {
      this.showError(err);
      await this.loadRecent();
    } finally {
      this.booting = false;
    }
  }

  async loadRecent(): Promise<void> {
    try {
      this.recent = await api.recentProjects();
    } catch (err) {
      this.showError(err);
    }
  }

  async newProject(): Promise<void> {
    if (this.busy) return;
    await this.#guard(async () => {
      const path = await api.pickNewProjectPath();
      if (path === null) return;
      await this.#enter(await api.projectNew(path));
      this.notify(`Created project ${this.project?.name ?? path}`);
    });
  }

  async openProject(path?: string): Promise<void> {
    if (this.busy) return;
    await this.#guard(async () => {
      const chosen = path ?? (await api.pickProjectToOpen());
      if (chosen === null) return;
      await this.#enter(await api.projectOpen(chosen));
    });
  }

  async #enter(info: ProjectInfo): Promise<void> {
    this.project = info;
    this.sources = [];
    this.mappings = [];
    this.crosswalks = [];
    this.status = null;
    this.findings = [];
    this.findingsOpen = false;
    this.lastValidate = null;
    this.selectedSnapshotId = null;
    this.diffSourceId = null;
    this.mainView = 'data';
    this.error = null;
    await Promise.all([
      this.refreshSources(),
      this.refreshMappings(),
      this.refreshCrosswalks(),
      this.refreshStatus(),
      this.refreshFindings(),
    ]);
  }

  // ---- Refreshing from the engine -----------------------------------------------------

  async refreshSources(select?: number): Promise<void> {
    try {
      this.sources = await api.sources();
    } catch (err) {
      this.showError(err);
      return;
    }
    if (select !== undefined) this.selectedSnapshotId = select;
    if (this.selectedSnapshot === null) {
      // Default: the current (latest) snapshot of the first source.
      const first = this.sources.find((s) => s.snapshots.length > 0);
      this.selectedSnapshotId = first ? (latestSnapshot(first)?.id ?? null) : null;
    }
  }

  async refreshMappings(): Promise<void> {
    try {
      this.mappings = await api.mappings();
    } catch (err) {
      this.showError(err);
    }
  }

  async refreshCrosswalks(): Promise<void> {
    try {
      this.crosswalks = await api.crosswalkList();
    } catch (err) {
      this.showError(err);
    }
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await api.pipelineStatus();
    } catch (err) {
      this.showError(err);
    }
  }

  async refreshFindings(): Promise<void> {
    try {
      this.findings = await api.findings(FINDINGS_LIMIT);
    } catch (err) {
      this.showError(err);
    }
  }

  selectSnapshot(id: number): void {
    this.selectedSnapshotId = id;
    this.diffSourceId = null;
    this.mainView = 'data';
  }

  openDiff(sourceId: number): void {
    this.diffSourceId = sourceId;
    this.mainView = 'data';
  }

  closeDiff(): void {
    this.diffSourceId = null;
  }

  // ---- Operations -------------------------------------------------------------------

  /** Run a short, non-cancellable action, reporting its error in the banner. */
  async #guard(run: () => Promise<void>): Promise<void> {
    this.pending = true;
    try {
      await run();
    } catch (err) {
      this.showError(err);
    } finally {
      this.pending = false;
    }
  }

  /**
   * Run a long, cancellable operation with progress. Resolves to its result, or to null
   * when it failed (banner) or was cancelled (notice). The pipeline counts and the
   * sources are refreshed afterwards either way.
   */
  async #runOp<T>(
    stage: Stage,
    run: (opId: string, onProgress: api.ProgressHandler) => Promise<T>,
  ): Promise<T | null> {
    if (this.busy) return null;
    const id = api.newOpId();
    this.op = { id, stage, label: STAGE_LABEL[stage], done: 0, total: null, unit: '', cancelling: false };
    this.error = null;
    try {
      return await run(id, (event) => this.#queueProgress(id, event));
    } catch (err) {
      const dto = api.toErrorDto(err);
      if (dto.code === 'cancelled') this.notify(`${STAGE_LABEL[stage]} cancelled`, 'info');
      else this.error = dto;
      return null;
    } finally {
      cancelAnimationFrame(this.#progressFrame);
      this.#pendingProgress = null;
      this.op = null;
      await Promise.all([this.refreshStatus(), this.refreshSources()]);
    }
  }

  /** Progress may arrive thousands of times a second: apply at most once per frame. */
  #queueProgress(opId: string, event: ProgressEvent): void {
    this.#pendingProgress = event;
    if (this.#progressFrame !== 0) return;
    this.#progressFrame = requestAnimationFrame(() => {
      this.#progressFrame = 0;
      const latest = this.#pendingProgress;
      if (latest === null || this.op === null || this.op.id !== opId) return;
      this.op.stage = latest.stage;
      this.op.label = STAGE_LABEL[latest.stage];
      this.op.done = latest.done;
      this.op.total = latest.total;
      this.op.unit = latest.unit;
    });
  }

  async cancelOp(): Promise<void> {
    const op = this.op;
    if (op === null || op.cancelling) return;
    op.cancelling = true;
    try {
      await api.cancel(op.id);
    } catch (err) {
      this.showError(err);
    }
  }

  /** Open the import dialog: it asks for files and previews them before anything is written. */
  importFile(): void {
    if (this.busy) return;
    this.importOpen = true;
  }

  closeImport(): void {
    this.importOpen = false;
  }

  /**
   * Import files one after another as one cancellable operation (one progress strip).
   * `imported` hears of each file as soon as it is in. Resolves to true when every file
   * was imported; a failure goes to the banner and a cancel to a notice, as for any
   * operation, and the files imported before it stay imported.
   */
  async importFiles(
    reqs: ImportRequest[],
    imported: (index: number, summaries: ImportSummary[]) => void,
  ): Promise<boolean> {
    const done = await this.#runOp('import', async (opId, onProgress) => {
      for (const [i, req] of reqs.entries()) {
        // A cancel that lands between two files finds no running import to stop.
        if (this.op?.cancelling) throw { code: 'cancelled', message: 'Import cancelled' } satisfies ErrorDto;
        if (this.op !== null && reqs.length > 1) {
          const name = req.path.split(/[\\/]/).pop() ?? req.path;
          this.op.detail = `${name} (${i + 1} of ${reqs.length})`;
          this.op.done = 0;
          this.op.total = null;
        }
        imported(i, await api.importFile(req, opId, onProgress));
        // Each file is in as soon as it is done: show it while the next one runs.
        if (i < reqs.length - 1) await Promise.all([this.refreshStatus(), this.refreshSources()]);
      }
      return true;
    });
    return done === true;
  }

  async loadMapping(): Promise<void> {
    if (this.busy) return;
    await this.#guard(async () => {
      const path = await api.pickMappingFile();
      if (path === null) return;
      const m = await api.loadMapping(path);
      await Promise.all([this.refreshMappings(), this.refreshStatus()]);
      this.notify(
        `Loaded mapping ${m.name} v${m.version}: ${m.source_name} → ${m.resource_type} (${plural(m.field_count, 'field')})`,
      );
    });
  }

  async convert(): Promise<void> {
    const results = await this.#runOp('convert', (opId, onProgress) => api.convert(opId, onProgress));
    if (results === null) return;
    if (results.length === 0) {
      this.notify('Nothing to convert', 'info');
      return;
    }
    const parts = results.map(
      (r) =>
        `${r.resource_type}: ${formatCount(r.converted)} converted` +
        (r.failed > 0 ? `, ${formatCount(r.failed)} failed` : '') +
        (r.duplicates > 0 ? `, ${formatCount(r.duplicates)} merged as duplicates` : ''),
    );
    this.notify(`Converted — ${parts.join('; ')}`);
  }

  async validate(): Promise<void> {
    const summary = await this.#runOp('validate', (opId, onProgress) => api.validate(opId, onProgress));
    if (summary === null) return;
    this.lastValidate = summary;
    await this.refreshFindings();
    if (summary.findings > 0) this.findingsOpen = true;
    this.notify(
      `Validated ${plural(summary.checked, 'resource')}: ${formatCount(summary.valid)} valid, ` +
        `${formatCount(summary.invalid)} invalid (${plural(summary.findings, 'finding')})`,
    );
  }

  async push(): Promise<void> {
    const dryRun = this.dryRun;
    const s = await this.#runOp('push', (opId, onProgress) =>
      api.push({ base_url: null, dry_run: dryRun }, opId, onProgress),
    );
    if (s === null) return;
    let text =
      `${s.dry_run ? 'Dry run' : 'Pushed'}: ${formatCount(s.created)} created, ` +
      `${formatCount(s.updated)} updated, ${formatCount(s.rejected)} rejected`;
    if (s.skipped > 0) text += `, ${formatCount(s.skipped)} skipped`;
    if (s.pending > 0) text += `, ${formatCount(s.pending)} pending`;
    if (s.cancelled) text += ' (cancelled)';
    this.notify(text, s.cancelled ? 'info' : 'success');
  }

  /** Run patient matching (progress and cancel in the strip); null if not done. No notice:
   * the matching screen shows the run's figures at once, and a toast would sit over the
   * review queue's buttons. */
  matchRun(config: MatchConfig): Promise<MatchRunSummary | null> {
    return this.#runOp('match', (opId, onProgress) => api.matchRun(config, opId, onProgress));
  }

  /** Profile a snapshot's columns (progress and cancel in the strip); null if not done. */
  async profileSnapshot(snapshotId: number): Promise<SnapshotProfile | null> {
    if (this.busy) return null;
    this.profilingSnapshotId = snapshotId;
    try {
      const p = await this.#runOp('profile', (opId, onProgress) => api.profileSnapshot(snapshotId, opId, onProgress));
      if (p !== null) {
        this.lastProfile = p;
        this.notify(`Profiled ${plural(p.rows, 'row')} × ${plural(p.columns.length, 'column')} in ${formatElapsed(p.elapsed_ms)}`);
      }
      return p;
    } finally {
      this.profilingSnapshotId = null;
    }
  }

  async setTarget(baseUrl: string): Promise<boolean> {
    if (this.busy) return false;
    let ok = false;
    await this.#guard(async () => {
      this.project = await api.setTarget(baseUrl);
      await this.refreshStatus();
      ok = true;
    });
    return ok;
  }
}

export const app = new AppState();
