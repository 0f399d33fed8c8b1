// The import dialog's state: the files the analyst picked or pasted, their overrides, and
// the engine's preview of each (`import_preview`, which writes nothing). Importing runs
// through `app.importFiles`, so it gets the usual progress strip, cancel and refresh.

import * as api from './api';
import { app } from './app.svelte';
import type { ErrorDto, FileFormat, ImportPreview, ImportRequest, ImportSummary } from './bindings';
import { formatElapsed, plural } from './format';

export const FORMATS: readonly { value: FileFormat; label: string }[] = [
  { value: 'delimited', label: 'Delimited text' },
  { value: 'excel', label: 'Workbook' },
  { value: 'hl7', label: 'HL7 v2' },
  { value: 'ndjson', label: 'FHIR NDJSON' },
];

export const ENCODINGS: readonly string[] = ['utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le', 'utf-16be'];

export const DELIMITERS: readonly { value: string; label: string }[] = [
  { value: ',', label: ', comma' },
  { value: ';', label: '; semicolon' },
  { value: '|', label: '| pipe' },
  { value: 'tab', label: 'tab' },
];

const SOURCE_NAME_DEBOUNCE_MS = 350;

export function formatLabel(format: FileFormat): string {
  return FORMATS.find((f) => f.value === format)?.label ?? format;
}

/** Paths as analysts paste them: quoted ("Copy as path"), as file:// URLs, one per line. */
export function parsePaths(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim().replace(/^(["'])(.*)\1$/, '$2').trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      if (!/^file:\/\//i.test(line)) return line;
      try {
        return decodeURIComponent(new URL(line).pathname);
      } catch {
        return line;
      }
    });
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

let nextKey = 1;

/** One file in the dialog: the analyst's overrides and the engine's latest preview. */
export class ImportFile {
  readonly key = nextKey++;
  readonly path: string;
  readonly fileName: string;

  /** Overrides; '' means "let the engine detect it". */
  format = $state<FileFormat | ''>('');
  encoding = $state('');
  delimiter = $state('');
  /** Whether the first row is the header: '' detect, 'yes', 'no' (it is data). */
  headerRow = $state<'' | 'yes' | 'no'>('');
  sourceName = $state('');
  /** Every sheet of the workbook, as the preview of all sheets listed them. */
  allSheets = $state.raw<string[]>([]);
  /** Sheets the analyst unticked. */
  skippedSheets = $state.raw<string[]>([]);

  preview = $state.raw<ImportPreview | null>(null);
  /** Why the file cannot be read with these settings (from the preview or the import). */
  error = $state.raw<ErrorDto | null>(null);
  loading = $state(false);

  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(path: string) {
    this.path = path;
    this.fileName = baseName(path);
  }

  /** The format in force: the override, else what the engine detected. */
  get effectiveFormat(): FileFormat | null {
    return this.format === '' ? (this.preview?.format ?? null) : this.format;
  }

  /** Encoding and delimiter apply to text formats; before a preview, offer them all. */
  get isText(): boolean {
    return this.effectiveFormat !== 'excel';
  }

  get isDelimited(): boolean {
    const f = this.effectiveFormat;
    return f === null || f === 'delimited';
  }

  get chosenSheets(): string[] {
    if (this.skippedSheets.length === 0) return [];
    return this.allSheets.filter((s) => !this.skippedSheets.includes(s));
  }

  get noSheetChosen(): boolean {
    return this.allSheets.length > 0 && this.skippedSheets.length >= this.allSheets.length;
  }

  get canImport(): boolean {
    return !this.loading && this.error === null && this.preview !== null && !this.noSheetChosen;
  }

  request(): ImportRequest {
    return {
      path: this.path,
      source_name: this.sourceName.trim() === '' ? null : this.sourceName.trim(),
      format: this.format === '' ? null : this.format,
      encoding: this.isText && this.encoding !== '' ? this.encoding : null,
      delimiter: this.isDelimited && this.delimiter !== '' ? this.delimiter : null,
      sheets: this.chosenSheets,
      header_row: this.isDelimited && this.headerRow !== '' ? this.headerRow === 'yes' : null,
    };
  }

  /** Ask the engine again with the current settings; older answers are dropped. */
  async refresh(): Promise<void> {
    clearTimeout(this.#timer);
    const seq = ++this.#seq;
    if (this.noSheetChosen) {
      this.loading = false;
      return;
    }
    this.loading = true;
    try {
      const preview = await api.importPreview(this.request());
      if (seq !== this.#seq) return;
      this.preview = preview;
      this.error = null;
      if (this.skippedSheets.length === 0) {
        this.allSheets = preview.tables.flatMap((t) => (t.sheet === null ? [] : [t.sheet]));
      }
    } catch (err) {
      if (seq !== this.#seq) return;
      this.preview = null;
      this.error = api.toErrorDto(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  setFormat(value: FileFormat | ''): void {
    this.format = value;
    // Another reader: its sheets (if any) are found again.
    this.allSheets = [];
    this.skippedSheets = [];
    void this.refresh();
  }

  setEncoding(value: string): void {
    this.encoding = value;
    void this.refresh();
  }

  setDelimiter(value: string): void {
    this.delimiter = value;
    void this.refresh();
  }

  setHeaderRow(value: '' | 'yes' | 'no'): void {
    this.headerRow = value;
    void this.refresh();
  }

  /** What the engine decided about the first row (the first table's; text has one). */
  get detectedHeaderRow(): boolean | null {
    return this.preview?.tables[0]?.header_row ?? null;
  }

  setSourceName(value: string): void {
    this.sourceName = value;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), SOURCE_NAME_DEBOUNCE_MS);
  }

  toggleSheet(sheet: string, include: boolean): void {
    this.skippedSheets = include
      ? this.skippedSheets.filter((s) => s !== sheet)
      : [...this.skippedSheets.filter((s) => s !== sheet), sheet];
    void this.refresh();
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#seq++;
  }
}

function summaryLine(s: ImportSummary): string {
  const sheet = s.sheet === null ? '' : ` [${s.sheet}]`;
  const flagged = s.flagged_rows > 0 ? `, ${plural(s.flagged_rows, 'row')} flagged` : '';
  return `${s.file_name}${sheet} → ${s.source_name} #${s.seq}: ${plural(s.rows, 'row')}${flagged} (${s.detected})`;
}

class ImportDraft {
  files = $state.raw<ImportFile[]>([]);
  /** The native file dialog is open; there is never more than one. */
  browsing = $state(false);
  /** A short remark about the last paths added (e.g. already listed). */
  hint = $state<string | null>(null);

  loading = $derived(this.files.some((f) => f.loading));
  importable = $derived(this.files.filter((f) => f.canImport));
  failed = $derived(this.files.filter((f) => f.error !== null));

  /**
   * Pick files with the native dialog and add them. A dialog still open from before is
   * not doubled (each open one holds a worker thread of the app until it answers): what
   * it returns goes to the import dialog if that is showing, and is dropped otherwise.
   */
  async browse(): Promise<void> {
    if (this.browsing) return;
    this.browsing = true;
    try {
      const paths = await api.pickImportFiles();
      if (app.importOpen) this.add(paths);
    } catch (err) {
      if (app.importOpen) app.showError(err);
    } finally {
      this.browsing = false;
    }
  }

  /** Add files by path (each previewed at once); paths already listed are skipped. */
  add(paths: string[]): void {
    const known = new Set(this.files.map((f) => f.path));
    const added: ImportFile[] = [];
    const repeated: string[] = [];
    for (const path of paths) {
      if (known.has(path)) {
        repeated.push(baseName(path));
        continue;
      }
      known.add(path);
      added.push(new ImportFile(path));
    }
    this.hint = repeated.length > 0 ? `Already listed: ${repeated.join(', ')}` : null;
    if (added.length === 0) return;
    this.files = [...this.files, ...added];
    for (const file of added) void file.refresh();
  }

  remove(file: ImportFile): void {
    file.dispose();
    this.files = this.files.filter((f) => f !== file);
  }

  /** Forget every file (the dialog was cancelled, or the import is done). */
  clear(): void {
    for (const file of this.files) file.dispose();
    this.files = [];
    this.hint = null;
  }

  close(): void {
    this.clear();
    app.closeImport();
  }

  /**
   * Import every file that previewed cleanly, one after another. The dialog closes so
   * the progress strip and Cancel are in view; a summary notice lists what went in. If
   * a file fails, the dialog comes back with that file's error and the files not yet
   * imported.
   */
  async importAll(): Promise<void> {
    const queue = this.importable;
    if (queue.length === 0 || app.busy) return;
    const skipped = this.files.filter((f) => !queue.includes(f));
    const started = performance.now();
    const done: ImportSummary[][] = [];
    app.closeImport();
    const ok = await app.importFiles(
      queue.map((f) => f.request()),
      (i, summaries) => {
        done[i] = summaries;
        this.remove(queue[i]);
      },
    );
    const failure = app.error;
    const imported = done.flat();
    const notImported = queue.filter((_, i) => done[i] === undefined);

    if (imported.length > 0) {
      app.selectSnapshot(imported[0].snapshot_id);
      const files = done.filter(Boolean).length;
      const elapsed = formatElapsed(performance.now() - started);
      const head = ok
        ? `Imported ${plural(files, 'file')} in ${elapsed}`
        : failure !== null
          ? `Imported ${files} of ${plural(queue.length, 'file')}; ${notImported[0]?.fileName ?? 'a file'} failed`
          : `Import cancelled after ${plural(files, 'file')}`;
      const lines = [head, ...imported.map(summaryLine)];
      for (const f of skipped) lines.push(`Not imported: ${f.fileName}${f.error ? ` — ${f.error.message}` : ''}`);
      if (!ok && notImported.length > 0) {
        lines.push(`Not imported: ${notImported.map((f) => f.fileName).join(', ')}`);
      }
      app.notify(lines.join('\n'), ok ? 'success' : 'info');
    }

    if (!ok && failure !== null && notImported.length > 0) {
      // Show the failed file's reason on its card, and keep the rest for another try.
      notImported[0].error = failure;
      this.files = notImported;
      app.importFile();
      return;
    }
    this.clear();
  }
}

export const importDraft = new ImportDraft();
