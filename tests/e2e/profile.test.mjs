// End-to-end: the column profile panel beside the grid, on the demo project (the real app
// window through WebDriver). Screenshots land in tests/out/screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoProject, gridRows, openApp, screenshot, tempDir, text, waitForText } from './harness.mjs';

let dir;
let app;

before(async () => {
  dir = tempDir('cutover-e2e-profile-');
  const project = demoProject(dir);
  app = await openApp({ args: ['--project', project], configDir: join(dir, 'config') });
});

after(async () => {
  await app?.close();
});

/** What the panel shows for one column: figures, type, and the value and pattern bars. */
async function column(b, name) {
  return b.execute((n) => {
    const card = document.querySelector(`[data-testid="profile-column"][data-column="${n}"]`);
    if (!card) return null;
    const one = (id) => card.querySelector(`[data-testid="${id}"]`)?.textContent.replace(/\s+/g, ' ').trim() ?? null;
    const bars = (id) =>
      [...card.querySelectorAll(`[data-testid="${id}"]`)].map((el) => [
        el.getAttribute('data-value'),
        el.querySelector('.count')?.textContent.trim(),
        el.getAttribute('aria-pressed'),
      ]);
    return {
      type: one('profile-type'),
      fill: one('profile-fill'),
      blanks: one('profile-blanks'),
      distinct: one('profile-distinct'),
      min: one('profile-min'),
      max: one('profile-max'),
      values: bars('profile-value'),
      once: one('profile-once'),
      patterns: bars('profile-pattern'),
    };
  }, name);
}

async function click(b, testId, card, value) {
  const el = await b.$(`[data-testid="profile-column"][data-column="${card}"] [data-testid="${testId}"][data-value="${value}"]`);
  await el.waitForClickable({ timeout: 20_000 });
  await el.click();
}

async function waitForStatus(b, pattern, what) {
  await b.waitUntil(async () => pattern.test(await text(b, 'grid-status')), { timeout: 20_000, timeoutMsg: what });
}

test('the profile panel shows what each column of the snapshot holds', async () => {
  const b = app.browser;
  await waitForText(b, 'count-imported', '120');
  await b.waitUntil(async () => (await gridRows(b)).length >= 10, { timeout: 20_000 });
  await (await b.$('[data-testid="btn-profile"]')).click();
  await (await b.$('[data-testid="profile-panel"]')).waitForDisplayed({ timeout: 20_000 });
  // The demo project has never been profiled: opening the panel profiles it.
  await b.waitUntil(async () => (await b.$$('[data-testid="profile-column"]')).length === 6, {
    timeout: 30_000,
    timeoutMsg: 'a card for each of the six columns',
  });

  const dob = await column(b, 'DOB');
  assert.equal(dob.type, 'date MM/DD/YYYY 99.2%', '118 of 119 dates are real: 02/30/1975 is not');
  assert.equal(dob.blanks, '1');
  assert.equal(dob.distinct, '118');
  assert.equal(dob.fill, '99.2% filled');
  assert.equal(dob.min, '02/19/1931');
  assert.equal(dob.max, '01/01/2031');
  assert.deepEqual(dob.patterns, [['99/99/9999', '119', 'false']]);
  assert.deepEqual(dob.values[0], ['02/09/1988', '2', 'false']);
  assert.deepEqual(dob.values, [
    ['02/09/1988', '2', 'false'],
    ['', '1', 'false'],
  ], 'values seen once are folded away; the blank DOB is listed and can be picked');
  assert.equal(dob.once, '117 values appear once · show 9');

  const sex = await column(b, 'SEX');
  assert.equal(sex.type, 'text');
  assert.equal(sex.blanks, '0');
  assert.equal(sex.distinct, '3');
  assert.equal(sex.fill, '100% filled');
  assert.deepEqual(sex.values, [
    ['F', '62', 'false'],
    ['M', '57', 'false'],
    ['X', '1', 'false'],
  ]);
  assert.deepEqual(sex.patterns, [['A', '120', 'false']]);

  const zip = await column(b, 'ZIP');
  assert.equal(zip.type, 'code', 'ZIPs with leading zeros are codes, not numbers');
  assert.equal(zip.min, '01096');

  const mrn = await column(b, 'MRN');
  assert.deepEqual(mrn.values[0], ['MRN100022', '2', 'false'], 'the duplicated MRN comes first');
  assert.equal(mrn.once, '117 values appear once · show 9');
  assert.equal((await column(b, 'PATIENT_NAME')).once, 'All 120 values are different · show 10');
  await b.execute(() =>
    document.querySelector('[data-testid="profile-column"][data-column="DOB"]').scrollIntoView({ block: 'start' }),
  );
  await screenshot(b, '20-profile');
});

test('clicking a value or pattern filters the grid to it', async () => {
  const b = app.browser;
  await click(b, 'profile-value', 'SEX', 'F');
  await waitForStatus(b, /of 62 filtered from 120/, 'the grid shows the 62 F rows');
  await b.waitUntil(async () => (await gridRows(b)).length >= 10, { timeout: 20_000 });
  const rows = await gridRows(b);
  assert.ok(rows.every((r) => r.cells[3] === 'F'), `only F rows: ${JSON.stringify(rows.map((r) => r.cells[3]))}`);
  assert.equal(rows[0].row, 1);
  assert.equal(await text(b, 'col-filter-pick'), '= F✕');
  assert.deepEqual((await column(b, 'SEX')).values[0], ['F', '62', 'true'], 'the picked value is marked');
  await screenshot(b, '21-profile-filtered');

  // Filters on two columns combine: F rows whose DOB has the date pattern (row 7 has none).
  await click(b, 'profile-pattern', 'DOB', '99/99/9999');
  await waitForStatus(b, /of 61 filtered from 120/, 'F rows with a DOB');
  // Picking F again clears that column's filter and keeps the other.
  await click(b, 'profile-value', 'SEX', 'F');
  await waitForStatus(b, /of 119 filtered from 120/, 'rows with a DOB');
  await click(b, 'profile-value', 'DOB', '');
  await waitForStatus(b, /of 1 filtered from 120/, 'the one blank DOB');
  assert.deepEqual((await gridRows(b)).map((r) => r.row), [7]);
  await (await b.$('[data-testid="btn-clear-filters"]')).click();
  await waitForStatus(b, /^Rows 1–\d+ of 120$/, 'no filter left');
});

test('the kept profile is shown again at once, and Re-profile replaces it', async () => {
  const b = app.browser;
  await (await b.$('[data-testid="btn-profile"]')).click(); // close
  await b.waitUntil(async () => (await b.$$('[data-testid="profile-panel"]')).length === 0, { timeout: 10_000 });
  await (await b.$('[data-testid="btn-profile"]')).click(); // open again: read from the project
  await b.waitUntil(async () => (await b.$$('[data-testid="profile-column"]')).length === 6, { timeout: 10_000 });
  assert.equal((await b.$$('[data-testid="progress"]')).length, 0, 'nothing is profiled again');
  await (await b.$('[data-testid="btn-profile-refresh"]')).click();
  await b.waitUntil(async () => /Profiled 120 rows × 6 columns/.test(await text(b, 'notice')), {
    timeout: 30_000,
    timeoutMsg: 'a notice says the snapshot was profiled again',
  });
  assert.deepEqual((await column(b, 'SEX')).values[0], ['F', '62', 'false']);
});
