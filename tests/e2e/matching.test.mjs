// End-to-end: patient matching in the real app window through WebDriver. The CLI makes a
// project with FEBRL 3 (5,000 synthetic patients, about 1,700 of them duplicates)
// imported, mapped and converted. In the app: the blocking preview shows the engine's
// per-rule counts before any run; a run with link 25 / review 0 bits puts the pairs in the
// review band (46 on FEBRL 3 today; the test takes the figure from `cutover match runs`);
// the queue shows the first pair side by side with a weight waterfall; S records "same
// person" (1 of N decided), U undoes it (0 of N, the same pair back),
// "different people" is recorded with a reason and the reviewer typed in the screen, and
// blind mode hides score and weights. The CLI then reads the decision back. Clusters and
// the evaluation against FEBRL's entity_id column are checked last, then the queue is
// emptied to see its "done" state. Screenshots land in tests/out/screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, openApp, repo, screenshot, tempDir, text, waitForText } from './harness.mjs';

let dir;
let project;
let app;
/** The CLI's blocking preview with the thresholds the app will use. */
let expected;
/** Pairs in the review band of the run made in the app, as the CLI counts them. */
let total;

const count = (n) => n.toLocaleString('en-US');

before(async () => {
  dir = tempDir('cutover-e2e-matching-');
  project = join(dir, 'febrl.cutover');
  cli('new', project, '--name', 'FEBRL 3');
  cli('-p', project, 'import', join(repo, 'fixtures/febrl/febrl3.csv'));
  cli('-p', project, 'map', join(repo, 'fixtures/febrl/patients.toml'));
  cli('-p', project, 'convert');
  expected = cli('-p', project, 'match', 'preview', '--link', '25', '--review', '0');
  app = await openApp({ args: ['--project', project], configDir: join(dir, 'config') });
});

after(async () => {
  await app?.close();
});

/** The pair on screen, by resource ids. */
async function shownPair(b) {
  const q = await b.$('[data-testid="review-queue"]');
  return { left: await q.getAttribute('data-left'), right: await q.getAttribute('data-right') };
}

async function waitForPair(b, unlike) {
  let pair;
  await b.waitUntil(
    async () => {
      pair = await shownPair(b);
      return pair.left !== '' && (unlike === undefined || pair.left !== unlike.left || pair.right !== unlike.right);
    },
    { timeout: 20_000, timeoutMsg: unlike ? 'the queue moved on to another pair' : 'a pair is shown' },
  );
  return pair;
}

async function setNumber(b, testId, value) {
  const el = await b.$(`[data-testid="${testId}"]`);
  await el.clearValue();
  await el.setValue(String(value));
}

test('the blocking preview shows each rule\'s candidate pairs before any run', async () => {
  const b = app.browser;
  const open = await b.$('[data-testid="btn-open-matching"]');
  await open.waitForClickable({ timeout: 30_000 });
  await open.click();
  await (await b.$('[data-testid="match-no-run"]')).waitForDisplayed({ timeout: 20_000 });

  assert.equal(expected.records, 5000, 'FEBRL 3 has 5,000 patients');
  await waitForText(b, 'preview-total', count(expected.total_pairs));
  assert.equal(await text(b, 'preview-records'), '5,000 patients');
  const shown = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="blocking-rule"]')].map((r) => ({
      rule: r.getAttribute('data-rule'),
      pairs: r.querySelector('[data-testid="rule-pairs"]').textContent.trim(),
      refused: r.querySelector('[data-testid="rule-refused"]') !== null,
    })),
  );
  assert.deepEqual(
    shown,
    expected.rules.map((r) => ({ rule: r.rule, pairs: count(r.pairs), refused: r.refused })),
    'every rule with the candidate pairs the engine counts (as `cutover match preview` prints them)',
  );
  assert.ok(expected.rules.length >= 5 && expected.rules.every((r) => r.pairs > 0 && !r.refused));
  await screenshot(b, 'matching-1-preview');
});

test('a run with link 25 and review 0 bits fills the review queue', async () => {
  const b = app.browser;
  await setNumber(b, 'link-threshold', 25);
  await setNumber(b, 'review-threshold', 0);
  await (await b.$('[data-testid="btn-run-match"]')).click();
  // Progress and Cancel in the strip while it runs (a debug build takes some seconds).
  await (await b.$('[data-testid="progress"]')).waitForDisplayed({ timeout: 10_000 });
  await screenshot(b, 'matching-2-running');

  await (await b.$('[data-testid="run-summary"]')).waitForDisplayed({ timeout: 170_000 });
  const [run] = cli('-p', project, 'match', 'runs');
  assert.equal(run.config.link_threshold, 25);
  assert.equal(run.config.review_threshold, 0);
  total = run.review_pairs;
  assert.ok(total >= 20 && total <= 100, `FEBRL 3 gives a few dozen pairs between 0 and 25 bits, not ${total}`);
  assert.equal(await text(b, 'run-records'), '5,000');
  assert.equal(await text(b, 'run-candidates'), count(run.candidate_pairs));
  assert.equal(await text(b, 'run-linked'), count(run.link_pairs));
  assert.equal(await text(b, 'run-review'), String(total));
  assert.equal(await text(b, 'run-never'), count(run.never_merge_pairs));
  assert.equal(await text(b, 'run-clusters'), count(run.clusters));
  assert.equal(await text(b, 'run-chained'), count(run.chained_clusters));
  await waitForText(b, 'review-decided', `0 of ${total} decided`);
});

test('review: S decides "same", U undoes it, "different" is kept with a reason, blind hides weights', async () => {
  const b = app.browser;
  const first = await waitForPair(b);
  assert.equal(await text(b, 'pair-position'), `Pair 1 of ${total}`);

  const fields = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="pair-field"]')].map((r) => ({
      field: r.getAttribute('data-field'),
      level: r.getAttribute('data-level'),
      left: r.querySelector('[data-testid="value-left"]').textContent.trim(),
      right: r.querySelector('[data-testid="value-right"]').textContent.trim(),
    })),
  );
  assert.deepEqual(
    fields.map((f) => f.field),
    ['given', 'family', 'birth_date', 'sex', 'ssn', 'phone', 'postcode', 'address', 'city'],
    'the nine compared fields, in the engine\'s order',
  );
  for (const f of fields.filter((x) => x.level !== 'missing')) {
    assert.ok(f.left !== '—' && f.right !== '—', `${f.field} shows both values (${f.level})`);
  }
  assert.ok(fields.some((f) => f.level !== 'exact' && f.level !== 'same' && f.level !== 'missing'), 'a review pair differs somewhere');
  const bars = await b.$$('[data-testid="waterfall-bar"]');
  assert.equal(bars.length, 11, 'the waterfall: prior, nine fields, total');
  assert.match(await text(b, 'pair-score'), /bits/);
  await screenshot(b, 'matching-3-first-pair');

  // S: "same person", recorded; the queue moves on.
  await b.keys('s');
  await waitForText(b, 'review-decided', `1 of ${total} decided`);
  const second = await waitForPair(b, first);
  assert.notDeepEqual(second, first);

  // U: undone, back to 0 and to the same pair, with the undo shown.
  await b.keys('u');
  await waitForText(b, 'review-decided', `0 of ${total} decided`);
  await b.waitUntil(async () => JSON.stringify(await shownPair(b)) === JSON.stringify(first), {
    timeout: 20_000,
    timeoutMsg: 'undo goes back to the pair it undid',
  });
  assert.match(await text(b, 'undone-note'), /^Undone: “Same person” by /);
  assert.match(await text(b, 'decision-history'), /Same person by .* undone/, 'the history keeps the undone decision, marked');
  await screenshot(b, 'matching-4-undone');

  // "Different people", with a reason, under a reviewer name typed in the screen.
  const reviewer = await b.$('[data-testid="reviewer"]');
  assert.notEqual(await reviewer.getValue(), '', 'the OS login by default');
  await reviewer.clearValue();
  await reviewer.setValue('Dana Analyst');
  await (await b.$('[data-testid="reason"]')).setValue('different SSN and birth year');
  await (await b.$('[data-testid="btn-different"]')).click();
  await waitForText(b, 'review-decided', `1 of ${total} decided`);
  const next = await waitForPair(b, first);

  // Blind mode: the engine withholds score, band and weights.
  await (await b.$('[data-testid="blind-toggle"]')).click();
  await (await b.$('[data-testid="pair-blind"]')).waitForDisplayed({ timeout: 20_000 });
  assert.equal((await b.$$('[data-testid="waterfall"]')).length, 0, 'no waterfall in blind mode');
  assert.equal((await b.$$('[data-testid="pair-score"]')).length, 0, 'no score in blind mode');
  assert.deepEqual(await shownPair(b), next, 'the same pair, asked again blind');
  assert.equal((await b.$$('[data-testid="waterfall-bar"]')).length, 0, 'no field weights in blind mode');
  assert.equal((await b.$$('[data-testid="pair-field"]')).length, 9, 'the records are still side by side');
  await screenshot(b, 'matching-5-blind');
  await (await b.$('[data-testid="blind-toggle"]')).click();
  await (await b.$('[data-testid="waterfall"]')).waitForDisplayed({ timeout: 20_000 });

  // The decision as the CLI reads it back.
  const page = cli('-p', project, 'match', 'pairs', '--band', 'review', '--limit', '100');
  const decided = page.pairs.filter((p) => p.decision !== null);
  assert.equal(decided.length, 1, 'one standing decision: the undone "same" no longer stands');
  assert.deepEqual(
    [decided[0].left_id, decided[0].right_id, decided[0].decision.verdict, decided[0].decision.reviewer, decided[0].decision.reason],
    [first.left, first.right, 'different', 'Dana Analyst', 'different SSN and birth year'],
  );
});

test('clusters list chained clusters first, with a place for merging', async () => {
  const b = app.browser;
  await (await b.$('[data-testid="tab-clusters"]')).click();
  await b.waitUntil(async () => (await b.$$('[data-testid="cluster"]')).length > 0, {
    timeout: 20_000,
    timeoutMsg: 'clusters are listed',
  });
  const chained = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="cluster"]')].map((c) => c.getAttribute('data-chained') === 'true'),
  );
  const firstPlain = chained.indexOf(false);
  assert.ok(firstPlain === -1 || chained.slice(firstPlain).every((c) => !c), 'chained clusters come first');
  const members = await b.$$('[data-testid="cluster-member"]');
  assert.ok(members.length >= 2 * chained.length, 'each cluster lists two or more members');
  await screenshot(b, 'matching-6-clusters');
});

test('evaluation against entity_id gives the CLI\'s precision and recall, and a chart', async () => {
  const b = app.browser;
  await (await b.$('[data-testid="tab-evaluation"]')).click();
  await (await b.$('[data-testid="labels-column"]')).setValue('entity_id');
  await (await b.$('[data-testid="btn-evaluate"]')).click();
  await (await b.$('[data-testid="threshold-chart"]')).waitForDisplayed({ timeout: 30_000 });
  const ev = cli('-p', project, 'match', 'evaluate', '--labels', 'entity_id');
  const pct = (v) => `${(v * 100).toFixed(1)}%`;
  assert.match(
    await text(b, 'metrics-link'),
    new RegExp(`${pct(ev.link.precision)} precision ${pct(ev.link.recall)} recall ${pct(ev.link.f1)} F1`.replace(/\./g, '\\.')),
  );
  assert.match(await text(b, 'evaluation-summary'), new RegExp(`${count(ev.true_pairs)} true pairs`));
  for (const line of ['precision', 'recall', 'f1']) {
    const d = await (await b.$(`[data-testid="chart-line-${line}"]`)).getAttribute('d');
    assert.ok(d.split('L').length > 10, `the ${line} line has a point per threshold`);
  }
  await screenshot(b, 'matching-7-evaluation');
});

test('the queue says when it is done', async () => {
  const b = app.browser;
  // Decide all but one of the pending pairs through the CLI, as a spreadsheet would.
  const pending = cli('-p', project, 'match', 'pairs', '--band', 'review', '--undecided', '--limit', '100').pairs;
  assert.equal(pending.length, total - 1);
  const csv = join(dir, 'decisions.csv');
  writeFileSync(
    csv,
    'left_id,right_id,decision,reason\n' + pending.slice(1).map((p) => `${p.left_id},${p.right_id},same,bulk`).join('\n') + '\n',
  );
  cli('-p', project, 'match', 'apply', csv, '--reviewer', 'Dana Analyst');

  await (await b.$('[data-testid="tab-review"]')).click();
  await waitForText(b, 'review-decided', `${total - 1} of ${total} decided`);
  const last = { left: pending[0].left_id, right: pending[0].right_id };
  await b.waitUntil(async () => JSON.stringify(await shownPair(b)) === JSON.stringify(last), {
    timeout: 20_000,
    timeoutMsg: 'the one pair left is shown',
  });
  await b.keys('k');
  await (await b.$('[data-testid="queue-done"]')).waitForDisplayed({ timeout: 20_000 });
  assert.match(await text(b, 'queue-done'), new RegExp(`Queue done Every one of the ${total} pairs .* 1 skipped`));
  await screenshot(b, 'matching-8-done');

  // The skipped pair can be revisited, and decided.
  await (await b.$('[data-testid="btn-revisit"]')).click();
  const again = await waitForPair(b);
  assert.deepEqual(again, last);
  await b.keys('s');
  await waitForText(b, 'review-decided', `${total} of ${total} decided`);
  await (await b.$('[data-testid="queue-done"]')).waitForDisplayed({ timeout: 20_000 });
});

test('a run whose band is empty says there is nothing to review, and why', async () => {
  const b = app.browser;
  await (await b.$('[data-testid="btn-run-settings"]')).click();
  await (await b.$('[data-testid="run-settings"]')).waitForDisplayed({ timeout: 10_000 });
  assert.equal(await (await b.$('[data-testid="link-threshold"]')).getValue(), '25', "the settings start from the latest run's");
  // Link and review at the same weight: no pair can fall between them.
  await setNumber(b, 'link-threshold', 10);
  await setNumber(b, 'review-threshold', 10);
  await (await b.$('[data-testid="btn-run-match"]')).click();
  await (await b.$('[data-testid="queue-empty"]')).waitForDisplayed({ timeout: 170_000 });
  const runs = cli('-p', project, 'match', 'runs');
  assert.equal(runs.length, 2);
  assert.equal(runs[0].review_pairs, 0);
  assert.equal(await (await b.$('[data-testid="run-select"]')).getValue(), String(runs[0].id), 'the new run is shown');
  assert.match(await text(b, 'queue-empty'), /No pairs to review in run #2/);
  await screenshot(b, 'matching-9-empty-band');
});
