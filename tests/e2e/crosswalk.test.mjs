// End-to-end: the crosswalk editor and the lineage drawer, in the real app window through
// WebDriver. The CLI makes a project with fixtures/labs.csv and fixtures/patients.csv
// imported and the patients mapping converted and validated. In the app: load
// fixtures/crosswalks/lab_codes.csv through "Load crosswalk…", measure its coverage of
// labs.TEST_CODE (the figures the CLI test asserts: 40 rows, 1 blank, 13 codes, 11 mapped
// over 35 rows, VITD 3 and FERR 1 unmapped), and trace findings back to their legacy rows.
// Screenshots land in tests/out/screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { choose, cli, openApp, repo, screenshot, tempDir, text, textOf } from './harness.mjs';

let dir;
let app;

before(async () => {
  dir = tempDir('cutover-e2e-crosswalk-');
  const project = join(dir, 'crosswalk.cutover');
  cli('new', project, '--name', 'Crosswalk clinic');
  cli('-p', project, 'import', join(repo, 'fixtures/labs.csv'));
  cli('-p', project, 'import', join(repo, 'fixtures/patients.csv'));
  cli('-p', project, 'map', join(repo, 'fixtures/mappings/patients.toml'));
  cli('-p', project, 'convert');
  cli('-p', project, 'validate');
  app = await openApp({ args: ['--project', project], configDir: join(dir, 'config') });
});

after(async () => {
  await app?.close();
});

/** The coverage table as shown: code, rows, mapped, highlighted, in screen order. */
async function coverageRows(b) {
  return b.execute(() =>
    [...document.querySelectorAll('[data-testid="coverage-row"]')].map((r) => ({
      code: r.getAttribute('data-code'),
      count: Number(r.getAttribute('data-count')),
      mapped: r.getAttribute('data-mapped') === 'true',
      highlighted: r.classList.contains('unmapped') && getComputedStyle(r).backgroundColor !== 'rgba(0, 0, 0, 0)',
      text: r.textContent.replace(/\s+/g, ' ').trim(),
    })),
  );
}

test('a crosswalk loaded in the app covers the lab codes of labs.csv, unmapped codes first-by-count', async () => {
  const b = app.browser;
  const load = await b.$('[data-testid="btn-load-crosswalk"]');
  await load.waitForClickable({ timeout: 30_000 });
  await load.click();
  await (await b.$('[data-testid="crosswalk-load-dialog"]')).waitForDisplayed({ timeout: 10_000 });
  await (await b.$('[data-testid="crosswalk-path"]')).setValue(join(repo, 'fixtures/crosswalks/lab_codes.csv'));
  const name = await b.$('[data-testid="crosswalk-name"]');
  assert.equal(await name.getValue(), 'lab_codes', 'the name is suggested from the file name');
  await (await b.$('[data-testid="crosswalk-key"]')).setValue('TEST_CODE');
  await screenshot(b, 'crosswalk-1-load-dialog');
  await (await b.$('[data-testid="btn-crosswalk-load"]')).click();

  // No problems in lab_codes.csv: the dialog closes and the crosswalk opens.
  const view = await b.$('[data-testid="crosswalk-view"][data-name="lab_codes"]');
  await view.waitForDisplayed({ timeout: 20_000 });
  const item = await b.$('[data-testid="crosswalk-item"][data-name="lab_codes"]');
  assert.match(await textOf(b, item), /lab_codes 13 codes TEST_CODE → loinc, display, unit/, 'listed with rows and columns');
  await b.waitUntil(async () => (await b.$$('[data-testid="crosswalk-entry"]')).length === 13, {
    timeout: 20_000,
    timeoutMsg: 'the 13 entries of lab_codes are listed',
  });

  await choose(b, 'coverage-source', 'labs');
  await choose(b, 'coverage-column', 'TEST_CODE');
  let rows = [];
  await b.waitUntil(async () => (rows = await coverageRows(b)).length === 13, {
    timeout: 20_000,
    timeoutMsg: 'every one of the 13 distinct codes of labs.TEST_CODE is listed',
  });
  assert.equal(
    await text(b, 'coverage-totals'),
    '11 of 13 codes map, covering 35 of 39 rows (89.7%) labs #1 · TEST_CODE · 40 rows · 1 blank row not counted · 2 codes unmapped in 4 rows',
    'the totals the CLI reports for labs.csv: 40 rows, 1 blank, 11 of 13 codes mapped over 35 rows',
  );
  assert.deepEqual(
    rows.slice(0, 1).map((r) => [r.code, r.count, r.mapped]),
    [['GLU', 6, true]],
    'most frequent first',
  );
  const counts = rows.map((r) => r.count);
  assert.deepEqual(counts, [...counts].sort((x, y) => y - x), 'ordered by frequency');
  assert.equal(rows.reduce((n, r) => n + r.count, 0), 39, 'the non-blank rows, all accounted for');
  assert.ok(rows.filter((r) => r.mapped).every((r) => !r.highlighted), 'mapped codes are not highlighted');
  await screenshot(b, 'crosswalk-2-coverage');

  await (await b.$('[data-testid="coverage-filter-unmapped"]')).click();
  await b.waitUntil(async () => (rows = await coverageRows(b)).length === 2, {
    timeout: 10_000,
    timeoutMsg: 'the Unmapped filter shows the two unmapped codes',
  });
  assert.deepEqual(
    rows.map((r) => [r.code, r.count, r.mapped, r.highlighted]),
    [
      ['VITD', 3, false, true],
      ['FERR', 1, false, true],
    ],
    'VITD (3 rows) is the first unmapped code, then FERR (1 row), both highlighted',
  );
  assert.match(rows[0].text, /not in crosswalk/);
  await screenshot(b, 'crosswalk-3-unmapped');
});

test('a finding traces its resource back to the legacy row, value by value', async () => {
  const b = app.browser;
  const toggle = await b.$('[data-testid="btn-findings"]');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const finding = await b.$('[data-testid="finding-row"][data-rule="plausible.birthDate"]');
  await finding.waitForDisplayed({ timeout: 20_000 });
  await (await finding.$('[data-testid="btn-lineage"]')).click();

  const drawer = await b.$('[data-testid="lineage-view"]');
  await drawer.waitForDisplayed({ timeout: 10_000 });
  await (await b.$('[data-testid="lineage-facts"]')).waitForExist({ timeout: 20_000 });
  assert.match(await text(b, 'lineage-clinical'), /^Clinical view/, 'labelled as showing patient data');
  assert.equal(await text(b, 'lineage-file'), 'patients.csv');
  assert.equal(await text(b, 'lineage-row'), 'row 17', 'the snapshot row of the finding');
  assert.equal(await text(b, 'lineage-line'), 'line 18', 'the physical line of the file');
  assert.equal(await text(b, 'lineage-mapping'), 'patients');

  const birthDate = await b.execute(() => {
    const el = document.querySelector('[data-testid="lineage-element"][data-target="birthDate"]');
    return {
      focus: el.classList.contains('focus'),
      inputs: [...el.querySelectorAll('[data-testid="lineage-input"]')].map((i) => i.textContent.replace(/\s+/g, ' ').trim()),
      steps: [...el.querySelectorAll('[data-testid="lineage-step"]')].map((s) => s.textContent.replace(/\s+/g, ' ').trim()),
      output: el.querySelector('[data-testid="lineage-output"]')?.textContent.trim() ?? null,
    };
  });
  assert.deepEqual(
    birthDate,
    {
      focus: true,
      inputs: ['DOB = 01/01/2031'],
      steps: ['transform.trim → 01/01/2031', 'transform.date_mdy → 2031-01-01'],
      output: '2031-01-01',
    },
    'birthDate: the DOB the finding names, read from the legacy row, through trim and date_mdy',
  );
  await screenshot(b, 'crosswalk-4-lineage');

  // A conversion error: the failing transform is shown as the step that failed.
  const failed = await b.$('[data-testid="finding-row"][data-rule="transform.date_mdy"]');
  await (await failed.$('[data-testid="btn-lineage"]')).click();
  await b.waitUntil(async () => (await text(b, 'lineage-row')) === 'row 11', {
    timeout: 20_000,
    timeoutMsg: 'the drawer follows the second finding to row 11',
  });
  const steps = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="lineage-element"][data-target="birthDate"] [data-testid="lineage-step"]')].map(
      (s) => [s.getAttribute('data-transform'), s.getAttribute('data-failed') === 'true'],
    ),
  );
  assert.deepEqual(
    steps,
    [
      ['transform.trim', false],
      ['transform.date_mdy', true],
    ],
    'row 11: 02/30/1975 fails in date_mdy',
  );
  await screenshot(b, 'crosswalk-5-lineage-error');
  await (await b.$('[data-testid="btn-lineage-close"]')).click();
  await drawer.waitForDisplayed({ reverse: true, timeout: 10_000 });
});
