// End-to-end: mapping suggestions in the New mapping flow, on a project with
// fixtures/patients.csv imported (the real app window through WebDriver). The editor lists
// a suggestion per column with its confidence; accepting puts it into the spec (the live
// preview follows), rejecting hides it; the result saves as version 1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { choose, cli, openApp, repo, screenshot, tempDir, text, waitForText } from './harness.mjs';

let dir;
let app;

before(async () => {
  dir = tempDir('cutover-e2e-suggest-');
  const project = join(dir, 'suggest.cutover');
  cli('new', project, '--name', 'Suggest clinic');
  cli('-p', project, 'import', join(repo, 'fixtures/patients.csv'));
  app = await openApp({ args: ['--project', project], configDir: join(dir, 'config') });
});

after(async () => {
  await app?.close();
});

/** The suggestions listed: column, target and the confidence shown. */
async function suggestions(b) {
  return b.execute(() =>
    [...document.querySelectorAll('[data-testid="suggestion"]')].map((s) => ({
      column: s.getAttribute('data-column'),
      target: s.getAttribute('data-target'),
      confidence: s.querySelector('[data-testid="suggestion-confidence"]').textContent.trim(),
    })),
  );
}

async function press(b, column, button) {
  await (await b.$(`[data-testid="suggestion"][data-column="${column}"] [data-testid="${button}"]`)).click();
}

test('suggestions map patients.csv in the New mapping flow: accept, reject, preview, save', async () => {
  const b = app.browser;
  await (await b.$('[data-testid="btn-new-mapping"]')).waitForClickable({ timeout: 30_000 });
  await (await b.$('[data-testid="btn-new-mapping"]')).click();
  await (await b.$('[data-testid="new-mapping-dialog"]')).waitForDisplayed({ timeout: 20_000 });
  await (await b.$('[data-testid="new-mapping-name"]')).setValue('suggested');
  await choose(b, 'new-mapping-resource', 'Patient');
  await (await b.$('[data-testid="btn-create-mapping"]')).click();
  await b.waitUntil(async () => (await suggestions(b)).length === 6, {
    timeout: 30_000,
    timeoutMsg: 'one suggestion per column of patients.csv',
  });
  assert.deepEqual(await suggestions(b), [
    { column: 'DOB', target: 'birthDate', confidence: '99%' },
    { column: 'ZIP', target: 'address[0].postalCode', confidence: '99%' },
    { column: 'PATIENT_NAME', target: 'name[0]', confidence: '95%' },
    { column: 'SEX', target: 'gender', confidence: '93%' },
    { column: 'MRN', target: 'identifier', confidence: '90%' },
    { column: 'PHONE', target: 'telecom[0].value', confidence: '85%' },
  ]);
  await (await b.$('[data-testid="suggestions"]')).scrollIntoView();
  await b.pause(300);
  await screenshot(b, '47-suggestions');

  await press(b, 'MRN', 'btn-accept');
  await (await b.$('[data-testid="identifier-row"] input[aria-label="Identifier system"]')).setValue('urn:example:mrn');
  await press(b, 'DOB', 'btn-accept');
  await press(b, 'SEX', 'btn-accept');
  await press(b, 'PHONE', 'btn-reject');
  // Row 11 (02/30/1975), row 13 (sex X) and row 19 (no MRN) fail; the rest convert.
  await waitForText(b, 'preview-count', '17 of 20 rows convert cleanly', 20_000);
  const targets = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="element-row"]')].map((r) => r.getAttribute('data-target')),
  );
  assert.deepEqual(targets, ['birthDate', 'gender']);
  assert.deepEqual(
    (await suggestions(b)).map((s) => s.column),
    ['ZIP', 'PATIENT_NAME'],
    'accepted and rejected suggestions are no longer listed',
  );
  await (await b.$('[data-testid="suggestions"]')).scrollIntoView();
  await b.pause(300);
  await screenshot(b, '48-suggestions-accepted');

  await (await b.$('[data-testid="btn-save-mapping"]')).click();
  await waitForText(b, 'save-note', 'v1 saved');
  assert.equal(await text(b, 'editor-name'), 'suggested');
});
