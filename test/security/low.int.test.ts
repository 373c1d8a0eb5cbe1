// Finding 9 (low): the node logged full request URLs (pseudonyms, resource
// ids, search parameters with names and identifiers, an access_token query
// parameter); break-glass reasons accepted one character and Latin-1
// garbage; SQLite files were created 0644. Now: one log line per response
// with the route pattern, method, status and time; reasons are UTF-8 text
// (plain ASCII or RFC 8187) of at least three words and fifteen characters;
// every database file, WAL and SHM is 0600 and the data directory 0700.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../src/api/index.js';
import { spawnRecordsNode, startRecordsNode, type Member, type Patient, type RecordsNode } from '../records/fixture.js';

let fx: RecordsNode;
let drX: Member;
let P: Patient;
let token = '';
const NAME = 'Zebediah';
const IDENTIFIER = '987-65-4321';

before(async () => {
  fx = await startRecordsNode();
  const c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  P = await c.registerPatient(drX.key);
  await c.tx(P.key, 'consent', 'grant', {
    patient: P.pseudonym,
    grantee: { kind: 'organization', orgId: fx.orgId },
    provision: { type: 'permit', purposes: ['TREAT'] },
  });
  token = await c.memberToken(drX.key);
  const put = await c.fhir(token, 'PUT', `Patient/${P.pseudonym}`, { resourceType: 'Patient', id: P.pseudonym, active: true });
  assert.equal(put.status, 201, put.text);
});
after(() => fx?.close());

/** Requests whose URLs carry what must never be logged. */
async function leakyRequests(url: string, bearer: string): Promise<void> {
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { headers: { accept: 'application/fhir+json', ...headers } }).then((r) => r.text());
  const auth = { authorization: `Bearer ${bearer}` };
  await get(`/fhir/R4/Patient/${P.pseudonym}`, auth);
  await get(`/fhir/R4/Patient?name=${NAME}&identifier=${IDENTIFIER}`, auth);
  await get(`/fhir/R4/Observation?subject=Patient/${P.pseudonym}&access_token=${bearer}`);
  await get(`/fhir/R4/Patient/${P.pseudonym}/$everything?identifier=${IDENTIFIER}`, auth);
  await get(`/ledger/v1/patients/${P.pseudonym}/consents?name=${NAME}`, auth);
  await get(`/no/such/route/${P.pseudonym}?identifier=${IDENTIFIER}`);
  await get(`/fhir/R4/Patient/%E0%A4%A${IDENTIFIER}`, auth);
  await get(`/ledger/v1/transactions/%zz${IDENTIFIER}?name=${NAME}`);
}

function assertNoLeak(lines: readonly string[], bearer: string): void {
  for (const line of lines) {
    for (const secret of [P.pseudonym, NAME, IDENTIFIER, bearer, bearer.slice(0, 20), 'access_token', '%E0']) {
      assert.ok(!line.includes(secret), `log line leaks ${secret.slice(0, 12)}: ${line}`);
    }
  }
}

describe('finding 9: logs, break-glass reasons and file modes', () => {
  test('log lines carry the route pattern, method, status and time, never the URL, query, ids or token', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
        done();
      },
    });
    const { app } = buildServer(fx.node, { records: fx.records, baseUrl: fx.url, logger: { level: 'debug', stream } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      await leakyRequests(url, token);
      // The line is written when the response has finished on the server's side.
      const deadline = Date.now() + 5_000;
      while (lines.filter((l) => l.includes('"msg":"request"')).length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await app.close();
    }
    const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'request');
    assert.equal(requests.length, 8, lines.join('\n'));
    const seen = requests.map((r) => `${String(r['method'])} ${String(r['route'])}`).sort();
    assert.deepEqual(seen, [
      'GET (no route)',
      'GET (no route)',
      'GET /fhir/R4/Observation',
      'GET /fhir/R4/Patient',
      'GET /fhir/R4/Patient/:id',
      'GET /fhir/R4/Patient/:id',
      'GET /fhir/R4/Patient/:id/$everything',
      'GET /ledger/v1/patients/:pseudonym/consents',
    ]);
    const statusOf = (route: string) => requests.filter((r) => r['route'] === route).map((r) => r['status']).sort();
    assert.deepEqual(statusOf('/fhir/R4/Patient/:id'), [200, 400]);
    assert.deepEqual(statusOf('/fhir/R4/Observation'), [401]);
    assert.deepEqual(statusOf('(no route)'), [400, 404]);
    for (const r of requests) {
      assert.deepEqual(Object.keys(r).sort(), ['hostname', 'level', 'method', 'ms', 'msg', 'pid', 'reqId', 'route', 'status', 'time']);
      assert.equal(typeof r['ms'], 'number');
    }
    assertNoLeak(lines, token);
  });

  test('a running careledger node (careledger start) logs no URL, query or identifier', { timeout: 90_000 }, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'careledger-log-'));
    const child = await spawnRecordsNode(join(tmp, 'node'), 'debug', 50_000);
    try {
      await leakyRequests(child.url, 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz');
    } finally {
      await child.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
    const lines = child.output().split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.filter((l) => l.includes('"msg":"request"')).length >= 8, child.output());
    assert.ok(lines.some((l) => l.includes('"route":"/fhir/R4/Patient/:id"')), child.output());
    assertNoLeak(lines, 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz');
  });

  test('break-glass reasons: UTF-8 text of at least three words and fifteen characters', async () => {
    const read = (reason: string) =>
      fetch(`${fx.url}/fhir/R4/Patient/${P.pseudonym}`, {
        headers: { authorization: `Bearer ${token}`, 'x-purpose-of-use': 'ETREAT', 'x-break-glass-reason': reason },
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { resourceType: string; issue?: Array<{ code: string }> } }));
    const latin1OfUtf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
    for (const bad of [
      'x',
      'unconscious',
      'two words',
      'café patient unconscious now', // a Latin-1 byte
      latin1OfUtf8('Patient bewusstlos, Notaufnahme übernommen'), // UTF-8 bytes outside RFC 8187
      "UTF-8''caf%C3%28%20patient%20unconscious", // invalid UTF-8
      "ISO-8859-1''caf%E9%20patient%20unconscious",
      "UTF-8''unconscious%20in%20the%0Aemergency%20room",
    ]) {
      const res = await read(bad);
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.equal(res.body.issue?.[0]?.code, 'structure');
    }
    for (const good of ['unconscious in the emergency department', "UTF-8''Patient%20bewusstlos%2C%20Notaufnahme%20%C3%BCbernommen"]) {
      const res = await read(good);
      assert.equal(res.status, 200, `${good}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.resourceType, 'Patient');
    }
  });

  test('database files, WAL and SHM are 0600 and the data directory 0700', () => {
    assert.equal(statSync(fx.dataDir).mode & 0o777, 0o700);
    const dbFiles = readdirSync(fx.dataDir).filter((f) => /\.sqlite(-wal|-shm)?$/.test(f));
    for (const db of ['ledger.sqlite', 'vault.sqlite', 'auth.sqlite']) {
      for (const suffix of ['', '-wal', '-shm']) assert.ok(dbFiles.includes(db + suffix), `${db + suffix} in ${dbFiles.join(', ')}`);
    }
    for (const f of dbFiles) assert.equal(statSync(join(fx.dataDir, f)).mode & 0o777, 0o600, f);
  });
});
