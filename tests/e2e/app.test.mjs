// End-to-end: the real app window on the demo project, driven through WebDriver.
// Screenshots land in tests/out/screenshots for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  demoProject, gridRows, openApp, screenshot, startFhirServer, tempDir, text, textOf, waitForText,
} from './harness.mjs';

let fhir;
let dir;
let project;
let app;

async function patientCount() {
  const res = await fetch(`${fhir.base}/Patient?_count=1000`);
  const bundle = await res.json();
  return (bundle.entry ?? []).length;
}

before(async () => {
  fhir = await startFhirServer();
  dir = tempDir('cutover-e2e-');
  project = demoProject(dir);
  app = await openApp({ args: ['--project', project], configDir: join(dir, 'config') });
});

after(async () => {
  await app?.close();
  fhir?.stop();
});

test('the demo project opens on its staging grid with the first legacy rows', async () => {
  const b = app.browser;
  await waitForText(b, 'count-imported', '120');
  assert.equal(await text(b, 'count-converted'), '118');
  assert.equal(await text(b, 'count-valid'), '114');
  assert.equal(await text(b, 'count-invalid'), '4');
  assert.equal(await text(b, 'count-pushed'), '0');
  await b.waitUntil(async () => (await gridRows(b)).length >= 10, { timeout: 20_000 });
  const rows = await gridRows(b);
  assert.equal(rows[0].row, 1);
  assert.deepEqual(rows[0].cells, ['MRN100001', 'ABERNATHY, CORDELIA F', '09/03/2000', 'F', '555-0148', '04183']);
  assert.deepEqual(rows[1].cells.slice(0, 2), ['MRN100002', 'BALDWIN, AMBROSE C']);
  assert.equal(rows[18].cells[0], '', 'row 19 has no MRN and shows an empty cell');
  assert.match(await text(b, 'grid-status'), /of 120/);
  const sources = await b.$$('[data-testid="source-item"]');
  assert.equal(sources.length, 1);
  assert.match(await textOf(b, sources[0]), /patients/);
  await screenshot(b, '01-project-grid');
});

test('the grid sorts and filters in the engine', async () => {
  const b = app.browser;
  const mrnHeader = await b.$('[data-testid="col-header"] button');
  await mrnHeader.click(); // ascending
  await mrnHeader.click(); // descending
  await b.waitUntil(async () => (await gridRows(b))[0]?.cells[0] === 'MRN100120', {
    timeout: 20_000, timeoutMsg: 'sorting MRN descending puts MRN100120 first',
  });
  await mrnHeader.click(); // back to file order
  await b.waitUntil(async () => (await gridRows(b))[0]?.cells[0] === 'MRN100001', { timeout: 20_000 });

  const filters = await b.$$('[data-testid="col-filter"]');
  await filters[1].setValue('abernathy');
  await b.waitUntil(async () => /of 5\b/.test(await text(b, 'grid-status')), {
    timeout: 20_000, timeoutMsg: 'five rows are ABERNATHY',
  });
  const rows = await gridRows(b);
  assert.deepEqual(rows.map((r) => r.row), [1, 27, 53, 79, 105]);
  await screenshot(b, '02-filtered');
  await (await b.$('[data-testid="btn-clear-filters"]')).click();
  await b.waitUntil(async () => /of 120/.test(await text(b, 'grid-status')), { timeout: 20_000 });
});

test('findings name file, row and column', async () => {
  const b = app.browser;
  await (await b.$('[data-testid="btn-findings"]')).click();
  await b.waitUntil(async () => (await b.$$('[data-testid="finding-row"]')).length === 8, {
    timeout: 20_000, timeoutMsg: 'eight findings: four from conversion, four from validation',
  });
  const all = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="finding-row"]')].map((r) => r.textContent),
  );
  assert.ok(all.some((t) => t.includes('identifier.missing') && t.includes('MRN')), 'row 19 has no identifier');
  assert.ok(all.some((t) => t.includes('plausible.birthDate')), 'row 17 is born in the future');
  assert.ok(!all.some((t) => t.includes('01/01/2031')), 'findings do not quote legacy values');
  await screenshot(b, '03-findings');
  await (await b.$('[data-testid="btn-findings"]')).click();
});

async function setTarget(b, url) {
  await (await b.$('[data-testid="btn-edit-target"]')).click();
  const input = await b.$('[data-testid="target-input"]');
  await input.setValue(url);
  await b.keys('Enter');
  await waitForText(b, 'target-url', url);
}

test('push from the app creates one Patient per valid row, and a second push adds none', async () => {
  const b = app.browser;
  await setTarget(b, fhir.base);
  await (await b.$('[data-testid="btn-push"]')).click();
  await waitForText(b, 'count-pushed', '114', 60_000);
  assert.equal(await patientCount(), 114);
  assert.match(await text(b, 'notice'), /114 created/);
  await screenshot(b, '04-pushed');

  await (await b.$('[data-testid="btn-push"]')).waitForEnabled({ timeout: 20_000 });
  await (await b.$('[data-testid="btn-push"]')).click();
  await b.waitUntil(async () => /0 created/.test(await text(b, 'notice')), { timeout: 30_000 });
  assert.equal(await text(b, 'count-pushed'), '114');
  assert.equal(await patientCount(), 114, 'pushing again leaves exactly one copy of each');
});

test('an unreachable target shows a clear error, not a stack trace', async () => {
  const b = app.browser;
  await setTarget(b, 'http://127.0.0.1:9/fhir/R4');
  // Nothing is left to send to the old target, but everything is new to this one.
  await (await b.$('[data-testid="btn-push"]')).click();
  const banner = await b.$('[data-testid="error-banner"]');
  await banner.waitForDisplayed({ timeout: 30_000 });
  const message = await textOf(b, banner);
  assert.match(message, /cannot reach the FHIR server at http:\/\/127\.0\.0\.1:9\/fhir\/R4/);
  assert.doesNotMatch(message, /panicked|at src\/|stack/i);
  await screenshot(b, '05-error');
});

test('the welcome screen lists the project as recent', async () => {
  await app.close();
  app = await openApp({ args: [], configDir: join(dir, 'config') });
  const b = app.browser;
  await b.waitUntil(async () => /Demo clinic/.test(await textOf(b, await b.$('body'))), {
    timeout: 20_000, timeoutMsg: 'the recent list names the demo project',
  });
  assert.ok(await (await b.$('[data-testid="btn-new-project"]')).isDisplayed());
  assert.ok(await (await b.$('[data-testid="btn-open-project"]')).isDisplayed());
  await screenshot(b, '06-welcome');
});
