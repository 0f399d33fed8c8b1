// The mapping editor's state: the spec being edited (plain `MappingSpec` JSON, deeply
// reactive), the source's columns with a few sample values, the target resource's
// elements, and the engine's live preview of sample rows (`mapping_preview`, which writes
// nothing). Saving makes a new version; older versions open read-only.

import * as api from './api';
import { app, latestSnapshot } from './app.svelte';
import type {
  ElementInfo,
  ElementSpec,
  ErrorDto,
  MappingDetail,
  MappingDiff,
  MappingPreview,
  MappingSpec,
  PreviewProblem,
  Suggestion,
} from './bindings';

export const PREVIEW_DEBOUNCE_MS = 300;
export const PREVIEW_ROWS = 20;
const SAMPLE_ROWS = 8;
const SAMPLES_SHOWN = 3;
/** The spec format this editor writes (format 1 specs are read and kept as they are). */
const SPEC_FORMAT = 2;

/** One column of the mapping's source, as the column list shows it. */
export interface SourceColumn {
  name: string;
  /** A few distinct non-blank values from the first rows. */
  samples: string[];
  /** The profiled type (`date MM/DD/YYYY`), when the snapshot has been profiled. */
  type: string | null;
}

/** Which part of the spec the column list writes into when a column is clicked. */
export type Selection = { kind: 'identifier' } | { kind: 'element'; index: number } | null;

/** How a transform step reads in its text field: a bare name, or compact JSON. */
export function stepText(step: unknown): string {
  return typeof step === 'string' ? step : JSON.stringify(step);
}

/**
 * A step as the analyst typed it: JSON when it looks like JSON (`{ "map": … }`), else a
 * transform name. Throws a SyntaxError for broken JSON; whether the transform exists is
 * the engine's to say (the preview's `spec_error`).
 */
export function parseStep(text: string): unknown {
  const t = text.trim();
  if (/^[{["]/.test(t)) return JSON.parse(t);
  return t;
}

/**
 * The top-level element a target or problem names: `name` for `name.family`, and for a
 * schema problem's JSON pointer (`/name/0/given`) too, so both land on the same row.
 */
export function topElement(target: string): string {
  return target.split(/[./[]/).find((part) => part !== '') ?? '';
}

/** The columns an element reads (none for a constant). */
export function elementColumns(e: { column?: string; columns?: Array<string> }): string[] {
  if (e.column !== undefined && e.column !== '') return [e.column];
  return e.columns ?? [];
}

function suggestionKey(s: Suggestion): string {
  return `${s.column}→${s.target}`;
}

function errorsOf(problems: PreviewProblem[]): PreviewProblem[] {
  return problems.filter((p) => p.severity === 'error');
}

function specJson(spec: MappingSpec): string {
  return JSON.stringify(spec);
}

export class MappingEditor {
  readonly name: string;
  /** A mapping made in this session and not saved yet: it has no versions. */
  isNew = $state(false);
  loading = $state(true);
  /** Why the mapping could not be opened (it is not in the project, say). */
  loadError = $state.raw<ErrorDto | null>(null);
  detail = $state.raw<MappingDetail | null>(null);
  /** The spec as edited. Every change re-runs the preview. */
  spec = $state<MappingSpec>({ format: SPEC_FORMAT, name: '', source: '', resource: '', identifier: { system: '', column: '' } });
  /** The spec as last loaded or saved, to tell whether there is anything to save. */
  #savedJson = $state('');
  /** The version on screen (null for a new mapping). */
  version = $state<number | null>(null);
  selection = $state.raw<Selection>(null);

  columns = $state.raw<SourceColumn[]>([]);
  /** The spec's source is not in the project. */
  sourceMissing = $state(false);
  targets = $state.raw<ElementInfo[]>([]);

  preview = $state.raw<MappingPreview | null>(null);
  previewing = $state(false);
  /** The preview call itself failed (not the spec: that is `preview.spec_error`). */
  previewError = $state.raw<ErrorDto | null>(null);

  saving = $state(false);
  /** "v3 saved", or why saving failed. */
  saveNote = $state<{ text: string; ok: boolean } | null>(null);
  /** The version compared with the one on screen, and what changed. */
  compareWith = $state<number | null>(null);
  diff = $state.raw<MappingDiff | null>(null);

  /** Proposed mappings of the source's columns (`mapping_suggest`), most confident first. */
  suggestions = $state.raw<Suggestion[]>([]);
  /** Suggestions the analyst rejected in this session, by column and target. */
  rejected = $state.raw<Set<string>>(new Set());

  /** Suggestions for columns and targets not mapped yet, and not rejected. */
  openSuggestions = $derived.by((): Suggestion[] => {
    const elements = this.spec.element ?? [];
    const used = new Set([...elementColumns(this.spec.identifier), ...elements.flatMap(elementColumns)]);
    const targets = new Set(elements.map((e) => e.target));
    return this.suggestions.filter((s) => {
      if (this.rejected.has(suggestionKey(s))) return false;
      if ([s.column, ...s.columns].some((c) => used.has(c))) return false;
      return s.target === 'identifier' ? elementColumns(this.spec.identifier).length === 0 : !targets.has(s.target);
    });
  });

  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastPreviewed = '';
  #loadedSource = '';
  #loadedResource = '';

  latestVersion = $derived(this.detail?.versions[0]?.version ?? null);
  readOnly = $derived(!this.isNew && this.version !== null && this.version !== this.latestVersion);
  dirty = $derived(specJson(this.spec) !== this.#savedJson);
  canSave = $derived(!this.readOnly && !this.saving && (this.isNew || this.dirty));

  /** Preview rows with an error, per top-level element (`topElement`). */
  failingByTarget = $derived.by((): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const row of this.preview?.rows ?? []) {
      const targets = new Set(errorsOf(row.problems).map((p) => topElement(p.target)));
      for (const t of targets) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    return counts;
  });

  constructor(name: string) {
    this.name = name;
  }

  /** Open the latest version of a saved mapping (or `version`, read-only if older). */
  async load(version: number | null = null): Promise<void> {
    this.loading = true;
    try {
      const detail = await api.mappingGet(this.name, version);
      this.detail = detail;
      this.version = detail.summary.version;
      this.#adopt(detail.spec);
      this.loadError = null;
    } catch (err) {
      this.loadError = api.toErrorDto(err);
    } finally {
      this.loading = false;
    }
    await this.#refreshContext();
  }

  /** Start a new, unsaved mapping of a source to a resource type. */
  async start(source: string, resource: string): Promise<void> {
    this.isNew = true;
    this.spec = {
      format: SPEC_FORMAT,
      name: this.name,
      source,
      resource,
      identifier: { system: '', column: '', transforms: ['trim'] },
      element: [],
    };
    this.#savedJson = '';
    this.selection = { kind: 'identifier' };
    this.loading = false;
    await this.#refreshContext();
  }

  #adopt(spec: MappingSpec): void {
    this.spec = { ...spec, element: spec.element ?? [] };
    this.#savedJson = specJson(this.spec);
    this.selection = null;
  }

  /** Source columns and target elements follow the spec's source and resource. */
  async #refreshContext(): Promise<void> {
    const jobs: Promise<void>[] = [];
    if (this.spec.source !== this.#loadedSource) jobs.push(this.#loadColumns(this.spec.source));
    if (this.spec.resource !== this.#loadedResource) jobs.push(this.#loadTargets(this.spec.resource));
    const changed = jobs.length > 0;
    await Promise.all(jobs);
    if (changed) await this.loadSuggestions();
  }

  async #loadColumns(sourceName: string): Promise<void> {
    this.#loadedSource = sourceName;
    const source = app.sources.find((s) => s.name === sourceName);
    const snap = source ? latestSnapshot(source) : null;
    if (snap === null) {
      this.sourceMissing = true;
      this.columns = [];
      return;
    }
    this.sourceMissing = false;
    try {
      const [page, profile] = await Promise.all([
        api.page({ snapshot_id: snap.id, offset: 0, limit: SAMPLE_ROWS, sort: null, filters: [] }),
        api.cachedProfile(snap.id).catch(() => null),
      ]);
      this.columns = page.columns.map((c, i) => {
        const samples: string[] = [];
        for (const row of page.rows) {
          const v = row.values[i]?.trim();
          if (v && !samples.includes(v) && samples.length < SAMPLES_SHOWN) samples.push(v);
        }
        const p = profile?.columns.find((pc) => pc.name === c.name);
        const type = p ? [p.inferred.kind, p.inferred.format].filter(Boolean).join(' ') : null;
        return { name: c.name, samples, type };
      });
    } catch (err) {
      app.showError(err);
    }
  }

  async #loadTargets(resource: string): Promise<void> {
    this.#loadedResource = resource;
    try {
      this.targets = await api.mappingTargets(resource);
    } catch {
      // An unknown resource type: the preview's spec error says so where the analyst looks.
      this.targets = [];
    }
  }

  async loadSuggestions(): Promise<void> {
    if (this.sourceMissing || this.spec.source === '' || this.spec.resource === '') {
      this.suggestions = [];
      return;
    }
    try {
      this.suggestions = await api.mappingSuggest(this.spec.source, this.spec.resource);
    } catch {
      // Suggestions are a help, not a step: without them the editor works as before.
      this.suggestions = [];
    }
  }

  /** Put a suggestion into the spec: an element, or the identifier's column. */
  acceptSuggestion(s: Suggestion): void {
    if (this.readOnly) return;
    const transforms = $state.snapshot(s.transforms);
    if (s.target === 'identifier') {
      this.spec.identifier.column = s.column;
      delete this.spec.identifier.columns;
      this.spec.identifier.transforms = transforms;
      return;
    }
    const element: ElementSpec =
      s.columns.length > 0 ? { target: s.target, columns: [...s.columns], transforms } : { target: s.target, column: s.column, transforms };
    (this.spec.element ??= []).push(element);
  }

  /** Hide a suggestion for this session. */
  rejectSuggestion(s: Suggestion): void {
    this.rejected = new Set([...this.rejected, suggestionKey(s)]);
  }

  /** Accept every open suggestion at least this confident. */
  acceptAbove(threshold: number): void {
    for (const s of this.openSuggestions.filter((x) => x.confidence >= threshold)) this.acceptSuggestion(s);
  }

  // ---- Preview -------------------------------------------------------------------------

  /** Preview the spec as it is now, after a pause in typing; older answers are dropped. */
  schedulePreview(): void {
    const json = specJson(this.spec);
    if (json === this.#lastPreviewed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.runPreview(), PREVIEW_DEBOUNCE_MS);
  }

  async runPreview(): Promise<void> {
    clearTimeout(this.#timer);
    const spec = $state.snapshot(this.spec);
    this.#lastPreviewed = specJson(spec);
    const seq = ++this.#seq;
    this.previewing = true;
    try {
      const preview = await api.mappingPreview({ spec, limit: PREVIEW_ROWS, offset: 0 });
      if (seq !== this.#seq) return;
      this.preview = preview;
      this.previewError = null;
    } catch (err) {
      if (seq !== this.#seq) return;
      this.previewError = api.toErrorDto(err);
    } finally {
      if (seq === this.#seq) this.previewing = false;
    }
  }

  // ---- Editing -------------------------------------------------------------------------

  select(selection: Selection): void {
    this.selection = selection;
  }

  /** A click on a source column: it becomes the input of the selected element. */
  useColumn(column: string): void {
    if (this.readOnly) return;
    const sel = this.selection;
    if (sel === null) return;
    if (sel.kind === 'identifier') {
      const id = this.spec.identifier;
      // A composite identifier (several columns): a click adds one or takes it out again.
      if (id.columns !== undefined && id.columns.length > 0)
        id.columns = id.columns.includes(column) ? id.columns.filter((c) => c !== column) : [...id.columns, column];
      else id.column = column;
      return;
    }
    const e = this.spec.element?.[sel.index];
    if (e === undefined) return;
    if (e.columns !== undefined && e.columns.length > 0) {
      // Several columns combined: a click adds one (or takes it out again).
      e.columns = e.columns.includes(column) ? e.columns.filter((c) => c !== column) : [...e.columns, column];
      return;
    }
    delete e.value;
    e.column = column;
  }

  addElement(target: string): void {
    if (this.readOnly) return;
    const elements = (this.spec.element ??= []);
    elements.push({ target, transforms: ['trim'] });
    this.selection = { kind: 'element', index: elements.length - 1 };
  }

  removeElement(index: number): void {
    if (this.readOnly) return;
    this.spec.element?.splice(index, 1);
    const sel = this.selection;
    if (sel?.kind === 'element' && sel.index >= index) {
      this.selection = sel.index === index ? null : { kind: 'element', index: sel.index - 1 };
    }
  }

  /** Switch an element between one column, several columns and a constant. */
  setInputKind(index: number, kind: 'column' | 'columns' | 'value'): void {
    const e = this.spec.element?.[index];
    if (e === undefined || this.readOnly) return;
    const current = elementColumns(e);
    delete e.column;
    delete e.columns;
    delete e.value;
    if (kind === 'column') e.column = current[0] ?? '';
    else if (kind === 'columns') e.columns = current;
    else e.value = '';
  }

  // ---- Versions ------------------------------------------------------------------------

  async save(): Promise<void> {
    if (!this.canSave) return;
    this.saving = true;
    this.saveNote = null;
    const before = this.latestVersion;
    try {
      const summary = await api.mappingSave($state.snapshot(this.spec));
      const detail = await api.mappingGet(this.name, null);
      this.detail = detail;
      this.version = detail.summary.version;
      this.isNew = false;
      this.#savedJson = specJson(this.spec);
      this.saveNote =
        before === summary.version
          ? { text: `No changes: still v${summary.version}`, ok: true }
          : { text: `v${summary.version} saved`, ok: true };
      await Promise.all([app.refreshMappings(), app.refreshStatus()]);
    } catch (err) {
      this.saveNote = { text: api.toErrorDto(err).message, ok: false };
    } finally {
      this.saving = false;
    }
  }

  /** Show another version (read-only unless it is the latest); also how edits are reverted. */
  async showVersion(version: number): Promise<void> {
    this.saveNote = null;
    this.diff = null;
    this.compareWith = null;
    await this.load(version);
  }

  /** Compare the version on screen with another one (older → newer). */
  async compare(other: number | null): Promise<void> {
    this.compareWith = other;
    this.diff = null;
    if (other === null || this.version === null) return;
    const [from, to] = other < this.version ? [other, this.version] : [this.version, other];
    try {
      this.diff = await api.mappingDiff(this.name, from, to);
    } catch (err) {
      app.showError(err);
      this.compareWith = null;
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#seq++;
  }
}

/** What the analyst asked for while the editor held unsaved changes. */
export type Leaving = { kind: 'open'; name: string } | { kind: 'new'; name: string; source: string; resource: string } | { kind: 'close' };

/** The editor in the main area, and the "New mapping…" dialog. */
class MappingStudio {
  editor = $state.raw<MappingEditor | null>(null);
  newOpen = $state(false);
  resourceTypes = $state.raw<string[]>([]);
  /** Waiting for the analyst to discard unsaved changes (or keep editing). */
  leaving = $state.raw<Leaving | null>(null);

  /** Unsaved work that switching away would lose. */
  get #unsaved(): boolean {
    const e = this.editor;
    return e !== null && !e.readOnly && (e.isNew || e.dirty);
  }

  /** Open a mapping; the one already open is shown again as it was left. */
  async open(name: string): Promise<void> {
    if (this.editor?.name === name) {
      app.mainView = 'mapping';
      return;
    }
    await this.#leave({ kind: 'open', name });
  }

  async openNew(): Promise<void> {
    this.newOpen = true;
    if (this.resourceTypes.length === 0) {
      try {
        this.resourceTypes = await api.mappingResourceTypes();
      } catch (err) {
        app.showError(err);
      }
    }
  }

  /** Start editing a new mapping; it is stored when first saved. */
  async create(name: string, source: string, resource: string): Promise<void> {
    this.newOpen = false;
    await this.#leave({ kind: 'new', name, source, resource });
  }

  close(): void {
    void this.#leave({ kind: 'close' });
  }

  /** Go where the analyst asked, unless that would drop unsaved changes: then ask first. */
  async #leave(to: Leaving, discard = false): Promise<void> {
    if (this.#unsaved && !discard) {
      this.leaving = to;
      app.mainView = 'mapping';
      return;
    }
    this.leaving = null;
    this.editor?.dispose();
    if (to.kind === 'close') {
      this.editor = null;
      app.mainView = 'data';
      return;
    }
    const editor = new MappingEditor(to.name);
    this.editor = editor;
    app.mainView = 'mapping';
    if (to.kind === 'open') await editor.load();
    else await editor.start(to.source, to.resource);
  }

  /** Drop the unsaved changes and go on. */
  async discardAndLeave(): Promise<void> {
    const to = this.leaving;
    if (to !== null) await this.#leave(to, true);
  }

  keepEditing(): void {
    this.leaving = null;
  }
}

export const studio = new MappingStudio();
