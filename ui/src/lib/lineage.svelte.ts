// The lineage drawer's state: which converted resource it shows and the engine's account
// of where its values came from (`mapping_lineage`). Lineage shows legacy values: it is a
// clinical view, opened only on the analyst's request and never logged.

import * as api from './api';
import type { ErrorDto, Lineage } from './bindings';

class LineageDrawer {
  /** The resource being traced; null when the drawer is closed. */
  resourceId = $state<string | null>(null);
  /** The legacy column the finding named, whose elements are highlighted. */
  focusColumn = $state<string | null>(null);
  lineage = $state.raw<Lineage | null>(null);
  loading = $state(false);
  error = $state.raw<ErrorDto | null>(null);

  #seq = 0;

  async open(resourceId: string, focusColumn: string | null = null): Promise<void> {
    const seq = ++this.#seq;
    this.resourceId = resourceId;
    this.focusColumn = focusColumn;
    this.lineage = null;
    this.error = null;
    this.loading = true;
    try {
      const lineage = await api.mappingLineage(resourceId);
      if (seq === this.#seq) this.lineage = lineage;
    } catch (err) {
      if (seq === this.#seq) this.error = api.toErrorDto(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  close(): void {
    this.#seq++;
    this.resourceId = null;
    this.lineage = null;
    this.error = null;
    this.loading = false;
  }
}

export const lineage = new LineageDrawer();
