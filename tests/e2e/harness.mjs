// Shared pieces of the end-to-end tests: build a demo project with the real CLI, start
// the test FHIR server, start tauri-driver and open the real app window through it.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { remote } from 'webdriverio';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const appBinary = process.env.CUTOVER_APP ?? join(repo, 'target/debug/cutover-app');
export const cliBinary = process.env.CUTOVER_CLI ?? join(repo, 'target/debug/cutover');
export const screenshots = process.env.CUTOVER_SCREENSHOTS ?? join(repo, 'tests/out/screenshots');
mkdirSync(screenshots, { recursive: true });

/** Run the real CLI with --json and return the result's data. */
export function cli(...args) {
  const out = execFileSync(cliBinary, [...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const result = out.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.type === 'result');
  if (!result) throw new Error(`no result from cutover ${args.join(' ')}`);
  return result.data;
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A project with fixtures/patients.csv imported, mapped, converted and validated. */
export function demoProject(dir, target) {
  const path = join(dir, 'demo.cutover');
  cli('new', path, '--name', 'Demo clinic');
  cli('-p', path, 'import', join(repo, 'fixtures/patients.csv'));
  cli('-p', path, 'map', join(repo, 'fixtures/mappings/patients.toml'));
  cli('-p', path, 'convert');
  cli('-p', path, 'validate');
  if (target) cli('-p', path, 'target', target);
  return path;
}

function waitForLine(child, prefix, what) {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in time`)), 60_000);
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      if (line.startsWith(prefix)) {
        clearTimeout(timer);
        resolvePromise(line.slice(prefix.length).trim());
      }
    });
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

/** The test FHIR server on a free port; resolves to { base, stop }. */
export async function startFhirServer() {
  const child = spawn('node', [join(repo, 'tests/fhir-server/server.mjs'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await waitForLine(child, 'FHIR server listening on ', 'the FHIR server');
  return { base, stop: () => child.kill('SIGTERM') };
}

async function waitForPort(port) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok || res.status) return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

// CUTOVER_E2E_PORT moves the drivers' ports, for two runs on one machine.
let nextPort = Number(process.env.CUTOVER_E2E_PORT ?? 4444);

/**
 * Start tauri-driver and open the app. `args` go to the app (e.g. ['--project', file]);
 * `configDir` keeps its recent-projects list apart from other runs.
 */
export async function openApp({ args = [], configDir }) {
  if (!existsSync(appBinary)) throw new Error(`the app is not built: ${appBinary}`);
  const port = nextPort;
  nextPort += 2;
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CUTOVER_CONFIG_DIR: configDir, GSETTINGS_BACKEND: 'memory' },
  });
  await waitForPort(port);
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    capabilities: {
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application: appBinary, args },
    },
  });
  return {
    browser,
    async close() {
      try {
        await browser.deleteSession();
      } finally {
        driver.kill('SIGTERM');
      }
    },
  };
}

/**
 * Text of the first element with this data-testid, trimmed and with white space folded
 * (textContent: WebKitWebDriver's getText drops text it thinks is clipped).
 */
export async function text(browser, testId) {
  const el = await browser.$(`[data-testid="${testId}"]`);
  await el.waitForExist({ timeout: 20_000 });
  return textOf(browser, el);
}

export async function textOf(browser, el) {
  const t = await browser.execute((e) => e.textContent, el);
  return (t ?? '').replace(/\s+/g, ' ').trim();
}

/** Wait until a test id's text equals `expected`; fails with what it saw instead. */
export async function waitForText(browser, testId, expected, timeout = 30_000) {
  let seen = '';
  try {
    await browser.waitUntil(async () => (seen = await text(browser, testId)) === expected, { timeout, interval: 200 });
  } catch {
    throw new Error(`[data-testid=${testId}] showed ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
  }
}

/** The cells of the rendered grid rows, as arrays of strings, in screen order. */
export async function gridRows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="grid-row"]')]
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((r) => ({
        row: Number(r.getAttribute('data-row')),
        cells: [...r.querySelectorAll('[data-testid="cell"]')].map((c) => c.textContent.trim()),
      })),
  );
}

export async function screenshot(browser, name) {
  await browser.pause(400);
  await browser.saveScreenshot(join(screenshots, `${name}.png`));
}

/** Choose an option of a <select> by value, as a change by the analyst would, once the
 * option is there (a source's columns arrive after the source is chosen). */
export async function choose(b, testId, value) {
  const el = await b.$(`[data-testid="${testId}"]`);
  await el.waitForExist({ timeout: 20_000 });
  await b.waitUntil(() => b.execute((e, v) => [...e.options].some((o) => o.value === v), el, value), {
    timeout: 20_000,
    timeoutMsg: `[data-testid=${testId}] never offered ${JSON.stringify(value)}`,
  });
  await b.execute(
    (e, v) => {
      e.value = v;
      e.dispatchEvent(new Event('change', { bubbles: true }));
    },
    el,
    value,
  );
}
