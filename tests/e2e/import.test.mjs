// End-to-end: the import dialog (preview before writing, per-file errors, overrides) and
// the snapshot diff view, in the real app on a fresh project. Files are added by path:
// WebDriver cannot drive the native GTK file dialog (it opens, and is left alone).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, gridRows, openApp, repo, screenshot, tempDir, text, textOf, waitForText } from './harness.mjs';

let dir;
let project;
let app;

before(async () => {
  dir = tempDir('cutover-e2e-import-');
  project = join(dir, 'import.cutover');
  cli('new', project, '--name', 'Import clinic');
  app = await openApp({ args: ['--project', project], configDir: join(dir, 'config') });
});

after(async () => {
  await app?.close();
});

/** The cards of the import dialog, in order. */
async function cards(b) {
  return b.$$('[data-testid="import-file-card"]');
}

/** Open the import dialog (the native file dialog it also opens is left alone). */
async function openImportDialog(b) {
  await (await b.$('[data-testid="btn-import"]')).waitForEnabled({ timeout: 20_000 });
  await (await b.$('[data-testid="btn-import"]')).click();
  await (await b.$('[data-testid="import-dialog"]')).waitForDisplayed({ timeout: 20_000 });
}

async function addPath(b, path) {
  const before = (await cards(b)).length;
  await (await b.$('[data-testid="import-path"]')).setValue(path);
  await (await b.$('[data-testid="btn-import-add"]')).click();
  await b.waitUntil(async () => (await cards(b)).length === before + 1, {
    timeout: 20_000, timeoutMsg: `a card for ${path}`,
  });
  return (await cards(b))[before];
}

/** Text of the element with this test id inside `root`, once it exists. */
async function within(b, root, testId, timeout = 20_000) {
  const el = await root.$(`[data-testid="${testId}"]`);
  await el.waitForExist({ timeout });
  return textOf(b, el);
}

async function waitWithin(b, root, testId, expected, timeout = 20_000) {
  let seen = '';
  await b.waitUntil(async () => {
    const el = await root.$(`[data-testid="${testId}"]`);
    seen = (await el.isExisting()) ? await textOf(b, el) : '';
    return typeof expected === 'string' ? seen === expected : expected.test(seen);
  }, { timeout, interval: 150 }).catch(async () => {
    const whole = await textOf(b, root).catch(() => '?');
    throw new Error(`[data-testid=${testId}] showed ${JSON.stringify(seen)}, expected ${expected}; the card: ${whole}`);
  });
}

test('the import dialog previews each file before anything is written', async () => {
  const b = app.browser;
  await waitForText(b, 'count-imported', '0');
  await openImportDialog(b);

  const patients = await addPath(b, join(repo, 'fixtures/patients.csv'));
  await waitWithin(b, patients, 'import-detected', "UTF-8, delimiter ',', header row");
  assert.equal(await within(b, patients, 'import-columns'), '6 columns');
  const rows = await b.execute(
    (card) =>
      [...card.querySelectorAll('[data-testid="import-preview-row"]')].map((r) =>
        [...r.querySelectorAll('td')].map((c) => c.textContent),
      ),
    patients,
  );
  assert.equal(rows.length, 10, 'the first ten rows');
  assert.deepEqual(rows[0], ['1', 'MRN100001', 'ABERNATHY, CORDELIA F', '09/03/2000', 'F', '555-0148', '04183']);
  assert.equal(rows[6][3], '', 'row 7 has an empty DOB, shown empty');
  assert.match(await textOf(b, patients), /→ patients new source/);

  // An override re-runs the preview.
  await (await patients.$('[data-testid="import-encoding"]')).selectByAttribute('value', 'windows-1252');
  await waitWithin(b, patients, 'import-detected', "windows-1252, delimiter ',', header row");
  await (await patients.$('[data-testid="import-encoding"]')).selectByAttribute('value', '');
  await waitWithin(b, patients, 'import-detected', "UTF-8, delimiter ',', header row");
  assert.equal(await text(b, 'count-imported'), '0', 'a preview writes nothing');
  await screenshot(b, '30-import-dialog');

  // An export without a header row: detected, its columns named, the analyst can overrule.
  const bare = await addPath(b, join(repo, 'fixtures/formats/no-header.csv'));
  await waitWithin(b, bare, 'import-detected', "windows-1252, delimiter ',', no header row (first row is data)");
  const heads = () => b.execute(
    (card) => [...card.querySelectorAll('thead th')].map((c) => c.textContent.trim()),
    bare,
  );
  assert.deepEqual(await heads(), ['#', 'column_1', 'column_2', 'column_3', 'column_4', 'column_5']);
  const first = await b.execute(
    (card) => [...card.querySelector('[data-testid="import-preview-row"]').querySelectorAll('td')].map((c) => c.textContent),
    bare,
  );
  assert.deepEqual(first, ['1', '00123', 'Muñoz', 'Zoë', '03/15/1980', 'F']);
  const firstRow = await bare.$('[data-testid="import-header-row"]');
  assert.equal(await firstRow.getValue(), '');
  assert.match(await textOf(b, firstRow), /auto \(data\)/);
  await screenshot(b, '32-import-no-header');
  await firstRow.selectByAttribute('value', 'yes');
  await waitWithin(b, bare, 'import-detected', "windows-1252, delimiter ',', header row");
  assert.deepEqual(await heads(), ['#', '00123', 'Muñoz', 'Zoë', '03/15/1980', 'F']);
  await (await bare.$('button[aria-label="Remove no-header.csv"]')).click();
  await b.waitUntil(async () => (await cards(b)).length === 1, { timeout: 20_000, timeoutMsg: 'the card is removed' });

  const binary = await addPath(b, join(repo, 'fixtures/bad/binary.csv'));
  await waitWithin(b, binary, 'import-error', /not a text file/);
  const error = await within(b, binary, 'import-error');
  assert.match(error, /binary\.csv: not a text file/);
  assert.match(error, /bad_input$/, 'the error code is shown');
  assert.equal(await (await binary.$$('[data-testid="import-preview-row"]')).length, 0);
  const confirm = await b.$('[data-testid="btn-import-confirm"]');
  await b.waitUntil(async () => (await textOf(b, confirm)) === 'Import 1 file' && (await confirm.isEnabled()), {
    timeout: 20_000, timeoutMsg: 'the good file can still be imported',
  });
  assert.equal(await (await b.$('[data-testid="error-banner"]')).isExisting(), false, 'no crash, no banner');
  await screenshot(b, '31-import-error');

  await confirm.click();
  await (await b.$('[data-testid="import-dialog"]')).waitForExist({ reverse: true, timeout: 20_000 });
  await waitForText(b, 'count-imported', '120');
  await b.waitUntil(async () => /of 120/.test(await text(b, 'grid-status')), { timeout: 20_000 });
  const grid = await gridRows(b);
  assert.deepEqual(grid[0].cells.slice(0, 2), ['MRN100001', 'ABERNATHY, CORDELIA F']);
  const notice = await text(b, 'notice');
  assert.match(notice, /Imported 1 file/);
  assert.match(notice, /patients\.csv → patients #1: 120 rows, 1 row flagged \(UTF-8, delimiter ',', header row\)/);
  assert.match(notice, /Not imported: binary\.csv/);
});

test('a changed export imported as a second snapshot compares by key', async () => {
  const b = app.browser;
  // From patients.csv: MRN100005 removed, MRN100010's phone changed, MRN100121 added.
  // Rows 19 (no MRN) and 22/23 (MRN100022 twice) are kept, so their keys stay ambiguous.
  const lines = readFileSync(join(repo, 'fixtures/patients.csv'), 'utf8').split('\n');
  const changed = lines
    .filter((l) => !l.startsWith('MRN100005,'))
    .map((l) => (l.startsWith('MRN100010,') ? l.replace('555-0186', '555-0999') : l));
  const end = changed.at(-1) === '' ? changed.length - 1 : changed.length;
  changed.splice(end, 0, 'MRN100121,"ZUBIRI, OCTAVIA M",05/05/1985,F,555-0111,02139');
  const path = join(dir, 'patients-march.csv');
  writeFileSync(path, changed.join('\n'));

  await openImportDialog(b);
  const card = await addPath(b, path);
  await waitWithin(b, card, 'import-detected', "UTF-8, delimiter ',', header row");
  assert.match(await textOf(b, card), /→ patients-march new source/);
  await (await card.$('[data-testid="import-source"]')).setValue('patients');
  await b.waitUntil(async () => /→ patients new snapshot #2/.test(await textOf(b, card)), {
    timeout: 20_000, timeoutMsg: 'the preview names the existing source and the next snapshot',
  });
  await (await b.$('[data-testid="btn-import-confirm"]')).click();
  await b.waitUntil(async () => (await b.$$('[data-testid="snapshot-item"]')).length === 2, {
    timeout: 30_000, timeoutMsg: 'patients has two snapshots',
  });
  assert.equal((await b.$$('[data-testid="source-item"]')).length, 1, 'no new source');
  assert.match(await text(b, 'notice'), /patients-march\.csv → patients #2: 120 rows/);

  await (await b.$('[data-testid="btn-compare"]')).click();
  await (await b.$('[data-testid="diff-view"]')).waitForDisplayed({ timeout: 20_000 });
  const key = await b.$('[data-testid="diff-key-select"]');
  await key.waitForEnabled({ timeout: 20_000 });
  assert.equal(await key.getValue(), 'MRN', 'no column ends in ID, so the first column is the key');
  await key.selectByAttribute('value', 'MRN');

  await waitForText(b, 'diff-count-changed', '1');
  assert.equal(await text(b, 'diff-count-added'), '1');
  assert.equal(await text(b, 'diff-count-removed'), '1');
  const summary = await text(b, 'diff-summary');
  assert.match(summary, /115 unchanged/);
  // Row 19 has no MRN and rows 22 and 23 share one, in both snapshots: 3 + 3 rows.
  assert.match(summary, /6 rows have a blank or repeated key — not compared/);

  await b.waitUntil(async () => (await b.$$('[data-testid="diff-row"]')).length === 3, {
    timeout: 20_000, timeoutMsg: 'three differing rows',
  });
  const diffRows = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="diff-row"]')].map((r) => ({
      kind: r.getAttribute('data-kind'),
      text: r.textContent.replace(/\s+/g, ' ').trim(),
    })),
  );
  assert.deepEqual(diffRows.map((r) => r.kind), ['changed', 'added', 'removed']);
  assert.match(diffRows[0].text, /MRN100010/);
  assert.match(diffRows[1].text, /MRN100121.*ZUBIRI, OCTAVIA M/);
  assert.match(diffRows[2].text, /MRN100005.*EKWUEME, BEATRIX L/);

  const cells = await b.$$('[data-testid="diff-cell-changed"]');
  assert.equal(cells.length, 1, 'only the phone changed');
  const cell = await b.execute((c) => {
    const del = c.querySelector('del');
    const ins = c.querySelector('ins');
    return {
      old: del?.textContent,
      new: ins?.textContent,
      struck: getComputedStyle(del).textDecorationLine,
      background: getComputedStyle(c).backgroundColor,
    };
  }, cells[0]);
  assert.equal(cell.old, '555-0186');
  assert.equal(cell.new, '555-0999');
  assert.match(cell.struck, /line-through/);
  assert.notEqual(cell.background, 'rgba(0, 0, 0, 0)', 'the changed cell is highlighted');
  await screenshot(b, '32-diff');

  // The kind tabs ask the engine for one kind only.
  await (await b.$('[data-testid="diff-count-added"]')).click();
  await b.waitUntil(async () => {
    const kinds = await b.execute(() =>
      [...document.querySelectorAll('[data-testid="diff-row"]')].map((r) => r.getAttribute('data-kind')),
    );
    return kinds.length === 1 && kinds[0] === 'added';
  }, { timeout: 20_000, timeoutMsg: 'the Added tab lists the added row only' });

  // Picking a snapshot in Sources goes back to the grid.
  await (await b.$$('[data-testid="snapshot-item"]'))[1].click();
  await (await b.$('[data-testid="diff-view"]')).waitForExist({ reverse: true, timeout: 20_000 });
  await b.waitUntil(async () => /of 120/.test(await text(b, 'grid-status')), { timeout: 20_000 });
});
