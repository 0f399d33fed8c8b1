// End-to-end: the mapping editor on a project with fixtures/patients.csv imported and the
// patients mapping loaded (the real app window through WebDriver). The preview converts
// the first 20 rows with the spec as edited; editing a transform chain changes it; saving
// makes version 2, and comparing versions lists the changed element. Screenshots land in
// tests/out/screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { choose, cli, openApp, repo, screenshot, tempDir, text, waitForText } from './harness.mjs';

let dir;
let app;

before(async () => {
  dir = tempDir('cutover-e2e-mapping-');
  const project = join(dir, 'mapping.cutover');
  cli('new', project, '--name', 'Mapping clinic');
  cli('-p', project, 'import', join(repo, 'fixtures/patients.csv'));
  cli('-p', project, 'map', join(repo, 'fixtures/mappings/patients.toml'));
  app = await openApp({ args: ['--project', project], configDir: join(dir, 'config') });
});

after(async () => {
  await app?.close();
});

/** What the preview shows: each row's status, each column's legacy and FHIR value, problems. */
async function previewRows(b) {
  return b.execute(() =>
    [...document.querySelectorAll('[data-testid="preview-row"]')].map((r) => {
      const cells = [...r.querySelectorAll('[data-testid="preview-cell"]')];
      const side = (id) =>
        Object.fromEntries(
          cells.map((c) => [c.getAttribute('data-target'), c.querySelector(`[data-testid="${id}"]`).textContent.trim()]),
        );
      const n = r.getAttribute('data-row');
      return {
        row: Number(n),
        status: r.getAttribute('data-status'),
        failingCells: cells.filter((c) => c.classList.contains('hit')).map((c) => c.getAttribute('data-target')),
        before: side('cell-before'),
        after: side('cell-after'),
        problems: [...document.querySelectorAll(`[data-testid="preview-problem"][data-row="${n}"]`)].map((p) => ({
          target: p.getAttribute('data-target'),
          rule: p.getAttribute('data-rule'),
          text: p.textContent.replace(/\s+/g, ' ').trim(),
        })),
      };
    }),
  );
}

async function waitForCount(b, expected, what) {
  await waitForText(b, 'preview-count', expected, 20_000).catch((err) => {
    throw new Error(`${what}: ${err.message}`);
  });
}

test('the mapping editor previews 20 rows of the patients mapping, before and after', async () => {
  const b = app.browser;
  const item = await b.$('[data-testid="mapping-item"][data-name="patients"] button');
  await item.waitForClickable({ timeout: 30_000 });
  await item.click();
  await (await b.$('[data-testid="mapping-editor"]')).waitForDisplayed({ timeout: 20_000 });
  await b.waitUntil(async () => (await previewRows(b)).length === 20, {
    timeout: 20_000,
    timeoutMsg: 'the preview shows the first 20 rows of patients',
  });

  // The six columns of patients.csv, each with sample values.
  const columns = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="source-column"]')].map((c) => c.getAttribute('data-column')),
  );
  assert.deepEqual(columns, ['MRN', 'PATIENT_NAME', 'DOB', 'SEX', 'PHONE', 'ZIP']);
  const targets = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="element-row"]')].map((r) => r.getAttribute('data-target')),
  );
  assert.deepEqual(targets, ['name', 'birthDate', 'gender', 'telecom.phone', 'address.postalCode']);

  await waitForCount(b, '17 of 20 rows convert cleanly', 'three of the first 20 patients have bad legacy data');
  const rows = await previewRows(b);
  const failing = Object.fromEntries(
    rows.filter((r) => r.status !== 'ok').map((r) => [r.row, r.problems.map((p) => `${p.target}|${p.rule}`)]),
  );
  assert.deepEqual(
    failing,
    {
      11: ['birthDate|transform.date_mdy'],
      13: ['gender|transform.map'],
      19: ['|identifier.missing'],
    },
    'row 11 has 02/30/1975, row 13 sex X, row 19 no MRN',
  );
  const eleventh = rows.find((r) => r.row === 11);
  assert.match(eleventh.problems[0].text, /no such calendar date/);
  assert.equal(eleventh.before.birthDate, '02/30/1975');
  assert.deepEqual(eleventh.failingCells, ['birthDate'], 'the failing cell is marked');
  assert.deepEqual(rows.find((r) => r.row === 19).failingCells, ['identifier']);

  const first = rows.find((r) => r.row === 1);
  assert.equal(first.before.birthDate, '09/03/2000', 'row 1 read DOB as staged');
  assert.equal(first.after.birthDate, '2000-09-03', 'date_mdy made an ISO date of 09/03/2000');
  assert.equal(first.after.gender, 'female', 'F is mapped to female');
  assert.equal(first.after.name, 'ABERNATHY, CORDELIA F', 'split_name made family and given names');
  assert.equal(first.after.identifier, 'MRN100001');
  assert.equal(first.after['address.postalCode'], '04183', 'the ZIP keeps its leading zero');
  const seventh = rows.find((r) => r.row === 7);
  assert.equal(seventh.before.birthDate, '', 'row 7 has no DOB');
  assert.equal(seventh.after.birthDate, '', 'a blank DOB leaves birthDate out');
  assert.equal(seventh.status, 'ok', 'and is not an error');
  await screenshot(b, '40-mapping-editor');
});

test('removing date_mdy from birthDate shows the failure on the rows it breaks', async () => {
  const b = app.browser;
  const remove = await b.$(
    '[data-testid="element-row"][data-target="birthDate"] [data-testid="transform-step"][data-step="date_mdy"] [data-testid="btn-remove-step"]',
  );
  await remove.waitForClickable({ timeout: 20_000 });
  await remove.click();
  await waitForCount(b, '1 of 20 rows convert cleanly', 'only row 7 (no DOB) still converts cleanly');

  const rows = await previewRows(b);
  const failing = rows.filter((r) => r.status === 'error').map((r) => r.row);
  assert.deepEqual(failing, rows.map((r) => r.row).filter((n) => n !== 7), 'every row with a DOB (or no MRN) fails');
  const first = rows.find((r) => r.row === 1);
  assert.equal(first.after.birthDate, '09/03/2000', 'the legacy date now reaches birthDate unchanged');
  assert.ok(
    first.problems.some((p) => /birthDate/.test(p.target) && p.rule === 'fhir.schema'),
    `row 1 names birthDate and the failed rule: ${JSON.stringify(first.problems)}`,
  );
  const eleventh = rows.find((r) => r.row === 11);
  assert.equal(eleventh.after.birthDate, '02/30/1975');
  assert.match(eleventh.problems.find((p) => p.rule === 'fhir.schema').text, /is not a valid FHIR date/);
  assert.ok(
    eleventh.problems.some((p) => /birthDate/.test(p.target) && p.rule === 'fhir.schema'),
    `row 11 now fails FHIR's date format instead of date_mdy: ${JSON.stringify(eleventh.problems)}`,
  );
  // Every row with a DOB and a resource: not row 7 (no DOB) nor row 19 (no MRN, no resource).
  assert.equal(
    await text(b, 'element-failing'),
    '18 rows fail',
    'the birthDate element shows how many preview rows fail on it',
  );
  assert.equal(await text(b, 'unsaved'), 'unsaved changes');
  await screenshot(b, '41-mapping-broken-date');
});

test('a transform that does not exist is shown inline as a spec error', async () => {
  const b = app.browser;
  const add = await b.$('[data-testid="element-row"][data-target="gender"] [data-testid="add-step"]');
  await add.setValue('no_such_transform');
  await b.keys('Enter');
  const error = await b.$('[data-testid="spec-error"]');
  await error.waitForDisplayed({ timeout: 20_000 });
  assert.match(await text(b, 'spec-error'), /no_such_transform/, 'the error names the unknown transform');
  await screenshot(b, '42-mapping-spec-error');
  // Take it out again: the preview comes back.
  const remove = await b.$(
    '[data-testid="element-row"][data-target="gender"] [data-testid="transform-step"][data-step="no_such_transform"] [data-testid="btn-remove-step"]',
  );
  await remove.click();
  await waitForCount(b, '1 of 20 rows convert cleanly', 'the preview is back once the step is gone');
});

test('saving makes version 2, and comparing with v1 lists the changed element', async () => {
  const b = app.browser;
  await (await b.$('[data-testid="btn-save-mapping"]')).click();
  await waitForText(b, 'save-note', 'v2 saved');
  const versions = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="version-select"] option')].map((o) => o.value),
  );
  assert.deepEqual(versions, ['2', '1'], 'both versions are listed, newest first');
  await b.waitUntil(async () => / v2 /.test(` ${await text(b, 'mapping-item')} `), {
    timeout: 20_000,
    timeoutMsg: 'the mappings list shows v2',
  });

  await choose(b, 'compare-select', '1');
  await (await b.$('[data-testid="mapping-diff"]')).waitForDisplayed({ timeout: 20_000 });
  const changed = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="diff-changed"]')].map((c) => c.getAttribute('data-target')),
  );
  assert.deepEqual(changed, ['birthDate'], 'only birthDate changed between v1 and v2');
  assert.equal((await b.$$('[data-testid="diff-added"]')).length, 0);
  assert.equal((await b.$$('[data-testid="diff-removed"]')).length, 0);
  assert.match(await text(b, 'diff-changed'), /date_mdy/, 'the v1 side still has date_mdy');
  await screenshot(b, '43-mapping-compare');

  // v1 opens read-only, with date_mdy back and the preview clean again.
  await choose(b, 'version-select', '1');
  await (await b.$('[data-testid="readonly-bar"]')).waitForDisplayed({ timeout: 20_000 });
  await waitForCount(b, '17 of 20 rows convert cleanly', 'v1 previews as it did before the edit');
  const steps = await b.execute(() =>
    [...document.querySelectorAll('[data-testid="element-row"][data-target="birthDate"] [data-testid="transform-step"]')].map(
      (s) => s.getAttribute('data-step'),
    ),
  );
  assert.deepEqual(steps, ['trim', 'date_mdy']);
  assert.equal(await (await b.$('[data-testid="btn-save-mapping"]')).isEnabled(), false, 'an older version is not saved over');
  await screenshot(b, '44-mapping-v1-readonly');
});

test('a new mapping is built from source columns and saved as version 1', async () => {
  const b = app.browser;
  await (await b.$('[data-testid="btn-new-mapping"]')).click();
  await (await b.$('[data-testid="new-mapping-dialog"]')).waitForDisplayed({ timeout: 20_000 });
  await (await b.$('[data-testid="new-mapping-name"]')).setValue('patients-dob');
  await choose(b, 'new-mapping-resource', 'Patient');
  await (await b.$('[data-testid="btn-create-mapping"]')).click();
  await b.waitUntil(async () => (await text(b, 'editor-name')) === 'patients-dob', {
    timeout: 20_000,
    timeoutMsg: 'the editor opens on the new mapping',
  });

  // The identifier row is selected: a click on MRN reads it; the system is typed.
  await (await b.$('[data-testid="source-column"][data-column="MRN"]')).click();
  await (await b.$('[data-testid="identifier-row"] input[aria-label="Identifier system"]')).setValue('urn:example:mrn');
  await choose(b, 'add-element', 'birthDate');
  const row = await b.$('[data-testid="element-row"][data-target="birthDate"]');
  await row.waitForExist({ timeout: 20_000 });
  await (await b.$('[data-testid="source-column"][data-column="DOB"]')).click();
  await (await row.$('[data-testid="add-step"]')).setValue('date_mdy');
  await b.keys('Enter');
  // Row 11 (02/30/1975) and row 19 (no MRN) fail; the rest convert.
  await waitForCount(b, '18 of 20 rows convert cleanly', 'the new mapping previews like the loaded one');
  const first = (await previewRows(b)).find((r) => r.row === 1);
  assert.equal(first.after.birthDate, '2000-09-03');
  await screenshot(b, '45-mapping-new');

  // Opening another mapping now would lose the unsaved one: the editor asks first.
  await (await b.$('[data-testid="mapping-item"][data-name="patients"] button')).click();
  await (await b.$('[data-testid="leave-bar"]')).waitForDisplayed({ timeout: 20_000 });
  assert.match(await text(b, 'leave-bar'), /patients-dob has unsaved changes\. Open patients and lose them\?/);
  await screenshot(b, '46-mapping-unsaved-guard');
  await (await b.$('[data-testid="btn-keep-editing"]')).click();
  assert.equal(await text(b, 'editor-name'), 'patients-dob', 'still editing the new mapping');

  await (await b.$('[data-testid="btn-save-mapping"]')).click();
  await waitForText(b, 'save-note', 'v1 saved');
  await b.waitUntil(async () => (await b.$$('[data-testid="mapping-item"]')).length === 2, {
    timeout: 20_000,
    timeoutMsg: 'the new mapping is listed beside patients',
  });
});
