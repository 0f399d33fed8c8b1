// Smoke test for the test FHIR server: node --test tests/fhir-server/   (after npm ci in this folder)
// Starts server.mjs on a free port (--port 0) as a child process and talks to it over HTTP.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const FHIR_JSON = 'application/fhir+json';

let child;
let base;
let exited;
const stdoutLines = [];

before(async () => {
  assert.ok(
    existsSync(join(here, 'node_modules', '@medplum', 'fhir-router')),
    'dependencies missing: run `npm ci` in tests/fhir-server first'
  );
  child = spawn(process.execPath, [join(here, 'server.mjs'), '--port', '0'], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));

  base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s; stderr:\n${stderr}`)), 60_000);
    let buffered = '';
    child.stdout.on('data', (d) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        stdoutLines.push(line);
        const m = /^FHIR server listening on (http:\/\/127\.0\.0\.1:\d+\/fhir\/R4)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early with ${code}; stderr:\n${stderr}`));
    });
  });
});

after(async () => {
  if (!child || child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const { code } = await exited;
  clearTimeout(timer);
  assert.equal(code, 0, 'server should exit cleanly on SIGTERM');
});

async function fhir(method, path, body) {
  const res = await fetch(`${base}/${path}`, {
    method,
    headers: body ? { 'Content-Type': FHIR_JSON, Accept: FHIR_JSON } : { Accept: FHIR_JSON },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

function expressions(outcome) {
  return outcome.issue.flatMap((i) => i.expression ?? []);
}

const patient = (value, extra = {}) => ({
  resourceType: 'Patient',
  identifier: [{ system: 'urn:test', value }],
  name: [{ family: 'Testperson', given: ['Smoke'] }],
  gender: 'female',
  birthDate: '1980-04-01',
  ...extra,
});

test('metadata answers with a CapabilityStatement', async () => {
  const r = await fhir('GET', 'metadata');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/fhir\+json/);
  assert.equal(r.json.resourceType, 'CapabilityStatement');
  assert.equal(r.json.fhirVersion, '4.0.1');
});

test('conditional update creates once, then updates; search finds exactly one', async () => {
  const first = await fhir('PUT', 'Patient?identifier=urn:test|1', patient('1'));
  assert.equal(first.status, 201, JSON.stringify(first.json));
  assert.equal(first.json.resourceType, 'Patient');
  assert.ok(first.json.id);

  const second = await fhir('PUT', 'Patient?identifier=urn:test|1', patient('1', { gender: 'male' }));
  assert.equal(second.status, 200, JSON.stringify(second.json));
  assert.equal(second.json.id, first.json.id);
  assert.equal(second.json.gender, 'male');

  const search = await fhir('GET', 'Patient?identifier=urn:test|1');
  assert.equal(search.status, 200);
  assert.equal(search.json.resourceType, 'Bundle');
  assert.equal(search.json.entry?.length, 1);
  assert.equal(search.json.entry[0].resource.id, first.json.id);
});

test('invalid gender code is rejected with 400 and nothing is stored', async () => {
  const r = await fhir('PUT', 'Patient?identifier=urn:test|2', patient('2', { gender: 'mail' }));
  assert.equal(r.status, 400);
  assert.equal(r.json.resourceType, 'OperationOutcome');
  assert.deepEqual(expressions(r.json), ['Patient.gender']);
  assert.equal(r.json.issue[0].code, 'code-invalid');

  const search = await fhir('GET', 'Patient?identifier=urn:test|2');
  assert.equal(search.json.entry?.length ?? 0, 0);
});

test('invalid birthDate is rejected with 400', async () => {
  for (const birthDate of ['1980-13-01', '01/04/1980', '1990-02-30']) {
    const r = await fhir('PUT', 'Patient?identifier=urn:test|3', patient('3', { birthDate }));
    assert.equal(r.status, 400, `birthDate ${birthDate}`);
    assert.equal(r.json.resourceType, 'OperationOutcome');
    assert.deepEqual(expressions(r.json), ['Patient.birthDate'], `birthDate ${birthDate}`);
  }
});

test('Appointment missing required status and participant is rejected with 400', async () => {
  const r = await fhir('POST', 'Appointment', { resourceType: 'Appointment', description: 'no status' });
  assert.equal(r.status, 400);
  assert.equal(r.json.resourceType, 'OperationOutcome');
  const paths = expressions(r.json);
  assert.ok(paths.includes('Appointment.status'), paths.join(', '));
  assert.ok(paths.includes('Appointment.participant'), paths.join(', '));
});

test('request log carries no query values or bodies', async () => {
  const requestLines = stdoutLines.filter((l) => /^(GET|PUT|POST|PATCH|DELETE) /.test(l));
  assert.ok(requestLines.includes('PUT /fhir/R4/Patient 201'), requestLines.join('\n'));
  assert.ok(requestLines.includes('PUT /fhir/R4/Patient 400'), requestLines.join('\n'));
  for (const line of stdoutLines) {
    assert.doesNotMatch(line, /urn:test|Testperson|identifier/, line);
  }
});
