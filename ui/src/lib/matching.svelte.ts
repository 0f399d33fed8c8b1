// The patient matching screen's state: the settings of the next run and what blocking
// would yield with them, the project's runs, the review queue (the review band's pending
// pairs, one at a time), the clusters a page at a time, and the evaluation against a
// labels column. Every figure — counts, levels, weights, bands — is the engine's; in blind
// mode the engine withholds score, band and weights, and this asks it for nothing else.

import * as api from './api';
import { app, latestSnapshot } from './app.svelte';
import type {
  BlockingPreview,
  BlockingRuleInfo,
  ClusterPage,
  ErrorDto,
  MatchConfig,
  MatchEvaluation,
  MatchRunSummary,
  PairDetail,
  ReviewDecision,
  ReviewProgress,
  ReviewVerdict,
  RulePairCount,
} from './bindings';

export type MatchTab = 'review' | 'clusters' | 'evaluation';

export const CLUSTER_PAGE = 20;

export const VERDICT_LABEL: Record<ReviewVerdict, string> = {
  same: 'Same person',
  different: 'Different people',
  skip: 'Skipped',
};

/** Pairs are named by resource ids, smaller first, as the engine names them. */
export interface PairKey {
  left: string;
  right: string;
}

class Matching {
  // ---- The next run's settings and the blocking preview ----------------------------

  rules = $state.raw<BlockingRuleInfo[]>([]);
  /** Rule names ticked for the next run. */
  chosenRules = $state<string[]>([]);
  linkThreshold = $state(0);
  reviewThreshold = $state(0);
  maxPairsPerRule = $state(0);
  preview = $state.raw<BlockingPreview | null>(null);
  previewLoading = $state(false);
  previewError = $state.raw<ErrorDto | null>(null);
  /** Each rule's pair count as last previewed (kept for rules ticked off since). */
  ruleCounts = $state.raw<Record<string, RulePairCount>>({});
  /** The run settings are unfolded (always while there is no run). */
  settingsOpen = $state(false);

  // ---- Runs -------------------------------------------------------------------------

  runs = $state.raw<MatchRunSummary[]>([]);
  runId = $state<number | null>(null);
  run = $derived(this.runs.find((r) => r.id === this.runId) ?? null);
  tab = $state<MatchTab>('review');
  /** The first load of the screen has not answered yet. */
  loading = $state(false);

  // ---- Review queue -------------------------------------------------------------------

  reviewer = $state('');
  reason = $state('');
  blind = $state(false);
  progress = $state.raw<ReviewProgress | null>(null);
  /** The pair on screen, explained by the engine; null when the queue is empty or done. */
  detail = $state.raw<PairDetail | null>(null);
  /** A decision, undo or page is on its way: keys are ignored until it lands. */
  working = $state(false);
  /** Going back over the skipped pairs once the queue is done. */
  revisiting = $state(false);
  /** The decision just undone, shown over the pair it came back to. */
  undone = $state.raw<ReviewDecision | null>(null);

  // ---- Clusters and evaluation ---------------------------------------------------------

  clusters = $state.raw<ClusterPage | null>(null);
  clusterOffset = $state(0);
  clustersLoading = $state(false);
  labelsColumn = $state('');
  /** Column names of the sources' current snapshots, offered for the labels column. */
  labelColumns = $state.raw<string[]>([]);
  evaluation = $state.raw<MatchEvaluation | null>(null);
  evaluating = $state(false);
  evaluationError = $state.raw<ErrorDto | null>(null);

  #previewSeq = 0;
  #previewTimer: ReturnType<typeof setTimeout> | undefined;
  #detailSeq = 0;
  /** Pairs skipped again while revisiting, so the pass moves on past them. */
  #reskipped = new Set<string>();
  #project: string | null = null;

  // ---- Opening and closing ------------------------------------------------------------

  /** Show the matching screen, loading its runs, settings and blocking preview. */
  async open(): Promise<void> {
    app.mainView = 'match';
    this.loading = true;
    try {
      await this.#load();
    } finally {
      this.loading = false;
    }
  }

  close(): void {
    app.mainView = 'data';
  }

  /** Forget the previous project's runs and pairs when another project opens. */
  projectChanged(path: string | null): void {
    if (path === this.#project) return;
    this.#project = path;
    this.runs = [];
    this.runId = null;
    this.preview = null;
    this.ruleCounts = {};
    this.#resetRun();
    this.labelsColumn = '';
    this.labelColumns = [];
    if (path !== null) void this.refreshRuns();
  }

  async #load(): Promise<void> {
    try {
      const [rules, defaults, runs] = await Promise.all([api.matchRules(), api.matchDefaults(), api.matchRuns()]);
      this.rules = rules;
      this.runs = runs;
      if (this.reviewer.trim() === '') {
        this.reviewer = await api.matchCurrentUser();
      }
      // Start from the latest run's settings, so a second run changes only what the
      // analyst changes; with no run, from the engine's defaults.
      const base = runs[0]?.config ?? defaults;
      this.#applyConfig(base, rules);
      this.settingsOpen = runs.length === 0;
      if (this.runId === null || !runs.some((r) => r.id === this.runId)) {
        this.runId = runs[0]?.id ?? null;
        this.#resetRun();
      }
    } catch (err) {
      app.showError(err);
      return;
    }
    await Promise.all([this.refreshPreview(), this.#loadTab()]);
  }

  #applyConfig(config: MatchConfig, rules: BlockingRuleInfo[]): void {
    this.chosenRules = config.rules.length > 0 ? [...config.rules] : rules.filter((r) => r.default).map((r) => r.name);
    this.linkThreshold = config.link_threshold;
    this.reviewThreshold = config.review_threshold;
    this.maxPairsPerRule = config.max_pairs_per_rule;
  }

  /** The settings as a run takes them. */
  config(): MatchConfig {
    return {
      rules: [...this.chosenRules],
      max_pairs_per_rule: Math.round(Number(this.maxPairsPerRule)),
      link_threshold: Number(this.linkThreshold),
      review_threshold: Number(this.reviewThreshold),
    };
  }

  async refreshRuns(): Promise<void> {
    try {
      this.runs = await api.matchRuns();
    } catch (err) {
      app.showError(err);
    }
  }

  // ---- Blocking preview and running ------------------------------------------------------

  toggleRule(name: string): void {
    this.chosenRules = this.chosenRules.includes(name)
      ? this.chosenRules.filter((r) => r !== name)
      : this.rules.map((r) => r.name).filter((r) => r === name || this.chosenRules.includes(r));
    this.schedulePreview();
  }

  /** Preview again 300 ms after the last change of rules or limit. */
  schedulePreview(): void {
    clearTimeout(this.#previewTimer);
    this.#previewTimer = setTimeout(() => void this.refreshPreview(), 300);
  }

  /** What blocking would yield on the converted patients with the chosen rules; a later
   * request wins over a slower earlier one. */
  async refreshPreview(): Promise<void> {
    clearTimeout(this.#previewTimer);
    const seq = ++this.#previewSeq;
    if (this.chosenRules.length === 0) {
      this.preview = null;
      this.previewError = { code: 'bad_input', message: 'Tick at least one blocking rule.' };
      return;
    }
    if (!Number.isFinite(this.maxPairsPerRule) || this.maxPairsPerRule < 1) {
      this.preview = null;
      this.previewError = { code: 'bad_input', message: 'Enter the most pairs a rule may yield, 1 or more.' };
      return;
    }
    this.previewLoading = true;
    try {
      const preview = await api.matchPreview(this.config());
      if (seq !== this.#previewSeq) return;
      this.preview = preview;
      this.previewError = null;
      const counts = { ...this.ruleCounts };
      for (const r of preview.rules) counts[r.rule] = r;
      this.ruleCounts = counts;
    } catch (err) {
      if (seq === this.#previewSeq) {
        this.preview = null;
        this.previewError = api.toErrorDto(err);
      }
    } finally {
      if (seq === this.#previewSeq) this.previewLoading = false;
    }
  }

  /** Run matching with the settings shown; on success the new run opens at its queue. */
  async runMatching(): Promise<void> {
    const summary = await app.matchRun(this.config());
    if (summary === null) return;
    await this.refreshRuns();
    this.runId = summary.id;
    this.settingsOpen = false;
    this.tab = 'review';
    this.#resetRun();
    await this.#loadTab();
  }

  async selectRun(id: number): Promise<void> {
    if (id === this.runId) return;
    this.runId = id;
    this.#resetRun();
    await this.#loadTab();
  }

  async showTab(tab: MatchTab): Promise<void> {
    this.tab = tab;
    await this.#loadTab();
  }

  #resetRun(): void {
    this.#detailSeq++;
    this.progress = null;
    this.detail = null;
    this.undone = null;
    this.revisiting = false;
    this.#reskipped.clear();
    this.clusters = null;
    this.clusterOffset = 0;
    this.evaluation = null;
    this.evaluationError = null;
  }

  async #loadTab(): Promise<void> {
    if (this.runId === null) return;
    if (this.tab === 'review') await this.loadQueue();
    else if (this.tab === 'clusters') await this.pageClusters(this.clusterOffset);
    else await this.#loadLabelColumns();
  }

  /** The run's counts (clusters and decisions change as pairs are decided). */
  async #refreshRun(): Promise<void> {
    if (this.runId === null) return;
    try {
      const fresh = await api.matchSummary(this.runId);
      this.runs = this.runs.map((r) => (r.id === fresh.id ? fresh : r));
    } catch (err) {
      app.showError(err);
    }
  }

  // ---- Review queue ---------------------------------------------------------------------

  /** Progress through the review band, and the first pending pair. */
  async loadQueue(): Promise<void> {
    if (this.runId === null) return;
    await this.#work(async () => {
      await this.#refreshProgress();
      await this.#next();
    });
  }

  /** Decisions record this name; the OS login until the analyst types another (kept for
   * the session only, so a shared workstation never signs for the previous person). */
  setReviewer(name: string): void {
    this.reviewer = name;
  }

  /** Record a verdict on the pair on screen, then show the next pending pair. */
  async decide(verdict: ReviewVerdict): Promise<void> {
    const d = this.detail;
    if (d === null || this.runId === null || this.working) return;
    await this.#work(async () => {
      await api.matchDecide({
        run_id: this.runId as number,
        left_id: d.left.resource_id,
        right_id: d.right.resource_id,
        verdict,
        reviewer: this.reviewer.trim(),
        reason: this.reason.trim() === '' ? null : this.reason.trim(),
      });
      this.reason = '';
      this.undone = null;
      if (this.revisiting && verdict === 'skip') this.#reskipped.add(pairName(d.left.resource_id, d.right.resource_id));
      await this.#refreshProgress();
      await this.#next();
      await this.#refreshRun();
    });
  }

  /** Undo the run's latest decision and go back to its pair (its reason back in the field). */
  async undo(): Promise<void> {
    if (this.runId === null || this.working) return;
    await this.#work(async () => {
      const decision = await api.matchUndo(this.runId as number);
      if (decision === null) {
        app.notify('Nothing to undo in this run', 'info');
        return;
      }
      this.undone = decision;
      this.reason = decision.reason ?? '';
      this.#reskipped.delete(pairName(decision.left_id, decision.right_id));
      await this.#refreshProgress();
      await this.#show({ left: decision.left_id, right: decision.right_id });
      await this.#refreshRun();
    });
  }

  /** Ask the engine again with weights withheld (or shown): the UI never hides them itself. */
  async setBlind(blind: boolean): Promise<void> {
    this.blind = blind;
    const d = this.detail;
    if (d !== null) await this.#work(() => this.#show({ left: d.left.resource_id, right: d.right.resource_id }));
  }

  /** After the queue: go over the skipped pairs again, strongest first. */
  async revisitSkipped(): Promise<void> {
    this.revisiting = true;
    this.#reskipped.clear();
    await this.#work(() => this.#next());
  }

  stopRevisiting(): void {
    this.revisiting = false;
    this.detail = null;
    void this.loadQueue();
  }

  async #refreshProgress(): Promise<void> {
    if (this.runId === null) return;
    this.progress = await api.matchReviewProgress(this.runId);
  }

  /** The strongest pending pair of the review band (or, revisiting, the strongest skipped
   * one not skipped again in this pass); none when the queue is done. */
  async #next(): Promise<void> {
    if (this.runId === null) return;
    const next = this.revisiting ? await this.#nextSkipped() : await this.#nextPending();
    if (next === null) {
      this.#detailSeq++;
      this.detail = null;
      if (this.revisiting && (this.progress?.skipped ?? 0) === 0) this.revisiting = false;
      return;
    }
    await this.#show(next);
  }

  async #nextPending(): Promise<PairKey | null> {
    const page = await api.matchPairs({
      run_id: this.runId as number,
      band: 'review',
      undecided_only: true,
      blind: this.blind,
      offset: 0,
      limit: 1,
    });
    const p = page.pairs[0];
    return p ? { left: p.left_id, right: p.right_id } : null;
  }

  async #nextSkipped(): Promise<PairKey | null> {
    const limit = 500;
    for (let offset = 0; ; offset += limit) {
      const page = await api.matchPairs({
        run_id: this.runId as number,
        band: 'review',
        undecided_only: false,
        blind: this.blind,
        offset,
        limit,
      });
      const p = page.pairs.find(
        (x) => x.decision?.verdict === 'skip' && !this.#reskipped.has(pairName(x.left_id, x.right_id)),
      );
      if (p) return { left: p.left_id, right: p.right_id };
      if (offset + limit >= page.total) return null;
    }
  }

  async #show(pair: PairKey): Promise<void> {
    if (this.runId === null) return;
    const seq = ++this.#detailSeq;
    const detail = await api.matchPairDetail(this.runId, pair.left, pair.right, this.blind);
    if (seq === this.#detailSeq) this.detail = detail;
  }

  async #work(run: () => Promise<void>): Promise<void> {
    this.working = true;
    try {
      await run();
    } catch (err) {
      app.showError(err);
    } finally {
      this.working = false;
    }
  }

  // ---- Clusters ------------------------------------------------------------------------

  async pageClusters(offset: number): Promise<void> {
    if (this.runId === null) return;
    this.clustersLoading = true;
    try {
      this.clusters = await api.matchClusters(this.runId, Math.max(0, offset), CLUSTER_PAGE);
      this.clusterOffset = Math.max(0, offset);
    } catch (err) {
      app.showError(err);
    } finally {
      this.clustersLoading = false;
    }
  }

  // ---- Evaluation -----------------------------------------------------------------------

  async #loadLabelColumns(): Promise<void> {
    if (this.labelColumns.length > 0) return;
    const names = new Set<string>();
    for (const s of app.sources) {
      const snap = latestSnapshot(s);
      if (snap === null) continue;
      try {
        const page = await api.page({ snapshot_id: snap.id, offset: 0, limit: 1, sort: null, filters: [] });
        for (const c of page.columns) names.add(c.name);
      } catch (err) {
        app.showError(err);
      }
    }
    this.labelColumns = [...names];
  }

  /**
   * Measure the run against the labels column, at thresholds spread from the run's review
   * threshold (pairs below it are not stored) up to the strongest pair's weight, so the
   * chart spans the thresholds that change the answer.
   */
  async evaluate(): Promise<void> {
    const run = this.run;
    if (run === null || this.labelsColumn.trim() === '' || this.evaluating) return;
    this.evaluating = true;
    this.evaluationError = null;
    try {
      const top = await api.matchPairs({
        run_id: run.id,
        band: null,
        undecided_only: false,
        blind: false,
        offset: 0,
        limit: 1,
      });
      // Up to the strongest pair, not past it: above it no pair links and the figures say nothing.
      const low = Math.floor(run.config.review_threshold);
      const high = Math.max(Math.floor(top.pairs[0]?.weight ?? run.config.link_threshold), Math.ceil(run.config.link_threshold), low + 2);
      const step = Math.max(0.5, Math.ceil((high - low) / 48 / 0.5) * 0.5);
      const thresholds: number[] = [];
      for (let t = low; t <= high; t += step) thresholds.push(t);
      thresholds.push(run.config.link_threshold);
      this.evaluation = await api.matchEvaluate(run.id, this.labelsColumn.trim(), thresholds);
    } catch (err) {
      this.evaluation = null;
      this.evaluationError = api.toErrorDto(err);
    } finally {
      this.evaluating = false;
    }
  }
}

function pairName(left: string, right: string): string {
  return left < right ? `${left}|${right}` : `${right}|${left}`;
}

export const matching = new Matching();
