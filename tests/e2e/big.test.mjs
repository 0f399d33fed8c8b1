// End-to-end: a 1,000,000-row source scrolls in the real app. The grid pages from SQLite;
// the whole source is never in the window's memory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { cli, gridRows, openApp, repo, screenshot, tempDir, text } from './harness.mjs';

const ROWS = Number(process.env.BIG_ROWS ?? 1_000_000);
let app;
let dir;

before(async () => {
  dir = tempDir('cutover-e2e-big-');
  const csv = join(dir, 'patients_1m.csv');
  execFileSync('sh', ['-c', `python3 "${join(repo, 'scripts/gen_patients.py')}" ${ROWS} > "${csv}"`]);
  const project = join(dir, 'big.cutover');
  cli('new', project);
  const imported = cli('-p', project, 'import', csv, '--source', 'patients');
  assert.equal(imported[0].rows, ROWS);
  app = await openApp({ args: ['--project', project], configDir: join(dir, 'config') });
});

after(async () => {
  await app?.close();
});

test(`a ${ROWS.toLocaleString('en-US')}-row source scrolls to its last row`, async () => {
  const b = app.browser;
  const expected = `of ${ROWS.toLocaleString('en-US')}`;
  await b.waitUntil(async () => (await text(b, 'grid-status')).includes(expected), { timeout: 30_000 });
  await screenshot(b, '10-big-top');

  // Jump to the bottom, as dragging the scrollbar to the end does.
  await b.execute(() => {
    const grid = document.querySelector('[data-testid="grid"]');
    grid.scrollTop = grid.scrollHeight;
  });
  await b.waitUntil(async () => (await gridRows(b)).some((r) => r.row === ROWS), {
    timeout: 30_000, timeoutMsg: 'the last row is reachable',
  });
  const last = (await gridRows(b)).find((r) => r.row === ROWS);
  assert.equal(last.cells[0], `MRN${100000 + ROWS}`);

  // And somewhere in the middle.
  await b.execute(() => {
    const grid = document.querySelector('[data-testid="grid"]');
    grid.scrollTop = grid.scrollHeight / 2;
  });
  await b.waitUntil(async () => {
    const rows = await gridRows(b);
    return rows.length > 5 && rows.every((r) => r.cells[0] === '' || r.cells[0] === `MRN${100000 + r.row}`)
      && Math.abs(rows[0].row - ROWS / 2) < ROWS / 50;
  }, { timeout: 30_000, timeoutMsg: 'the middle of the source shows its own rows' });
  await screenshot(b, '11-big-middle');
});
