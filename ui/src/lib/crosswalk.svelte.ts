// The crosswalk editor's state: loading a crosswalk file (the "Load crosswalk…" dialog),
// the open crosswalk's entries a page at a time, its coverage of a source column (every
// legacy code seen, by frequency, and whether it maps) and the ConceptMap export. Every
// figure is the engine's; this only remembers what the analyst picked.

import * as api from './api';
import { app, latestSnapshot } from './app.svelte';
import type { CoverageReport, CoverageValue, CrosswalkEntries, CrosswalkSummary, ErrorDto } from './bindings';
import { plural } from './format';

export const ENTRIES_PAGE = 50;

export type CoverageFilter = 'all' | 'unmapped';

/** One open crosswalk: its entries and its coverage of a source column. */
export class CrosswalkEditor {
  readonly name: string;
  summary = $state.raw<CrosswalkSummary | null>(null);
  entries = $state.raw<CrosswalkEntries | null>(null);
  entriesLoading = $state(false);

  /** The source and column coverage is measured over ('' until picked). */
  source = $state('');
  column = $state('');
  /** The columns of the chosen source's current snapshot. */
  sourceColumns = $state.raw<string[]>([]);
  coverage = $state.raw<CoverageReport | null>(null);
  coverageLoading = $state(false);
  coverageError = $state.raw<ErrorDto | null>(null);
  filter = $state<CoverageFilter>('all');

  /** The codes the table shows: all by frequency, or the unmapped ones by frequency. */
  shownValues = $derived.by((): CoverageValue[] => {
    const values = this.coverage?.values ?? [];
    return this.filter === 'unmapped' ? values.filter((v) => !v.mapped) : values;
  });

  #coverageSeq = 0;

  constructor(name: string) {
    this.name = name;
    this.summary = app.crosswalks.find((c) => c.name === name) ?? null;
  }

  async init(): Promise<void> {
    await this.page(0);
    // A source with a column named like the crosswalk's key is almost always the one to
    // measure: offer it, so the analyst sees coverage at once.
    const key = this.entries?.key_column ?? this.summary?.key_column ?? '';
    for (const s of app.sources) {
      const columns = await this.#columnsOf(s.name);
      const match = columns.find((c) => c.toLowerCase() === key.toLowerCase());
      if (match !== undefined) {
        this.source = s.name;
        this.sourceColumns = columns;
        this.column = match;
        await this.measure();
        return;
      }
    }
  }

  async page(offset: number): Promise<void> {
    this.entriesLoading = true;
    try {
      this.entries = await api.crosswalkEntries(this.name, Math.max(0, offset), ENTRIES_PAGE);
    } catch (err) {
      app.showError(err);
    } finally {
      this.entriesLoading = false;
    }
  }

  async #columnsOf(source: string): Promise<string[]> {
    const s = app.sources.find((x) => x.name === source);
    const snap = s ? latestSnapshot(s) : null;
    if (snap === null) return [];
    try {
      const page = await api.page({ snapshot_id: snap.id, offset: 0, limit: 1, sort: null, filters: [] });
      return page.columns.map((c) => c.name);
    } catch (err) {
      app.showError(err);
      return [];
    }
  }

  async pickSource(source: string): Promise<void> {
    this.source = source;
    this.column = '';
    this.coverage = null;
    this.coverageError = null;
    this.sourceColumns = await this.#columnsOf(source);
  }

  async pickColumn(column: string): Promise<void> {
    this.column = column;
    await this.measure();
  }

  /** Measure coverage of the chosen column; a later request wins over a slower earlier one. */
  async measure(): Promise<void> {
    if (this.source === '' || this.column === '') return;
    const seq = ++this.#coverageSeq;
    this.coverageLoading = true;
    this.coverageError = null;
    try {
      const report = await api.crosswalkCoverage({
        crosswalk: this.name,
        source: this.source,
        column: this.column,
        snapshot: null,
      });
      if (seq === this.#coverageSeq) this.coverage = report;
    } catch (err) {
      if (seq === this.#coverageSeq) {
        this.coverage = null;
        this.coverageError = api.toErrorDto(err);
      }
    } finally {
      if (seq === this.#coverageSeq) this.coverageLoading = false;
    }
  }

  /** Export as a FHIR R4 ConceptMap to a file the analyst picks; false if not written. */
  async exportConceptMap(form: {
    targetColumn: string;
    displayColumn: string;
    sourceSystem: string;
    targetSystem: string;
    url: string;
  }): Promise<boolean> {
    try {
      const out = await api.pickConceptMapPath(this.name);
      if (out === null) return false;
      const map = (await api.crosswalkConceptMap(
        {
          crosswalk: this.name,
          target_column: form.targetColumn,
          display_column: form.displayColumn === '' ? null : form.displayColumn,
          source_system: form.sourceSystem.trim(),
          target_system: form.targetSystem.trim(),
          url: form.url.trim() === '' ? null : form.url.trim(),
        },
        out,
      )) as { group?: { element?: unknown[] }[] };
      const n = map.group?.[0]?.element?.length ?? 0;
      app.notify(`Wrote a ConceptMap of ${plural(n, 'code')} to ${out}`);
      return true;
    } catch (err) {
      app.showError(err);
      return false;
    }
  }
}

class Crosswalks {
  editor = $state.raw<CrosswalkEditor | null>(null);
  /** The "Load crosswalk…" dialog is showing. */
  loadOpen = $state(false);

  async open(name: string): Promise<void> {
    const editor = new CrosswalkEditor(name);
    this.editor = editor;
    app.mainView = 'crosswalk';
    await editor.init();
  }

  close(): void {
    this.editor = null;
    app.mainView = 'data';
  }

  /** Load a crosswalk file; resolves to its summary (with any problems), or null on error
   * (shown by the dialog, which stays open). */
  async load(req: {
    path: string;
    name: string;
    keyColumn: string;
    sheet: string;
    ignoreCase: boolean;
  }): Promise<CrosswalkSummary> {
    const summary = await api.crosswalkLoad({
      path: req.path.trim(),
      name: req.name.trim(),
      key_column: req.keyColumn.trim() === '' ? null : req.keyColumn.trim(),
      sheet: req.sheet.trim() === '' ? null : req.sheet.trim(),
      ignore_case: req.ignoreCase,
    });
    await app.refreshCrosswalks();
    app.notify(`Loaded crosswalk ${summary.name}: ${plural(summary.rows, 'code')}`);
    if (this.editor?.name === summary.name) await this.open(summary.name);
    return summary;
  }
}

export const crosswalks = new Crosswalks();
