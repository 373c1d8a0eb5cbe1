// Finding 7: three anonymous 12 MB bodies were read and parsed before
// authentication (latency and memory of the whole node went up). The FHIR
// door now checks the bearer token before reading a body: an anonymous upload
// is answered 401 while the client is still sending it, and the connection is
// closed rather than drained. Authenticated bodies are limited (4 MiB by
// default, ServerOptions.fhirBodyLimit / --fhir-body-limit) and an oversize
// one is a 413 OperationOutcome.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { buildServer, FHIR_BODY_LIMIT } from '../../src/api/index.js';
import { observation, startRecordsNode, type Member, type Patient, type RecordsNode } from '../records/fixture.js';

let fx: RecordsNode;
let drX: Member;
let P: Patient;
let token = '';

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
});
after(() => fx?.close());

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the server closed the connection (end) within the wait. */
  closedByServer: boolean;
}

/**
 * Sends request headers announcing `announced` body bytes (or chunked when
 * announced is 'chunked'), then `sent` bytes of body, and never the rest.
 * Resolves with the response the server sends meanwhile; rejects when none
 * comes within `timeoutMs` (the old code waited for the whole body).
 */
function unfinishedUpload(path: string, announced: number | 'chunked', sent: number, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<RawResponse> {
  const { hostname, port } = new URL(fx.url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    let data = '';
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within ${timeoutMs} ms while the upload was unfinished`));
    }, timeoutMs);
    const finish = () => {
      const at = data.indexOf('\r\n\r\n');
      if (at < 0) return false;
      const [statusLine = '', ...lines] = data.slice(0, at).split('\r\n');
      const head: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        head[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const body = data.slice(at + 4);
      const length = Number(head['content-length'] ?? -1);
      if (length >= 0 && Buffer.byteLength(body) < length) return false;
      // Give the server a moment to close the connection after its answer.
      setTimeout(() => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(statusLine.split(' ')[1]), headers: head, body, closedByServer: closed });
      }, 200);
      return true;
    };
    let done = false;
    socket.on('data', (b: Buffer) => {
      data += b.toString('utf8');
      if (!done) done = finish();
    });
    socket.on('end', () => {
      closed = true;
    });
    socket.on('error', () => {
      closed = true;
    });
    socket.on('connect', () => {
      const lines = [
        `POST ${path} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        'Content-Type: application/fhir+json',
        announced === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${announced}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      const chunk = Buffer.alloc(sent, 0x20);
      socket.write(announced === 'chunked' ? Buffer.concat([Buffer.from(`${sent.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
    });
  });
}

const TWELVE_MB = 12 * 1024 * 1024;

describe('finding 7: bodies are read only after authentication, and limited', () => {
  test('an anonymous 12 MB upload is answered 401 before its body is read, and the connection closed', async () => {
    for (const [announced, headers] of [
      [TWELVE_MB, {}],
      ['chunked', {}],
      [TWELVE_MB, { Authorization: 'Bearer not.a.token' }],
    ] as const) {
      const res = await unfinishedUpload('/fhir/R4/Observation', announced, 64 * 1024, headers);
      assert.equal(res.status, 401, `${String(announced)}: ${res.body}`);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      assert.equal(res.headers['connection'], 'close');
      assert.equal(res.closedByServer, true);
      const outcome = JSON.parse(res.body) as { resourceType: string; issue: Array<{ code: string }> };
      assert.equal(outcome.resourceType, 'OperationOutcome');
      assert.equal(outcome.issue[0]?.code, 'login');
    }
    // The node is still responsive, and nothing was created.
    const health = await fetch(`${fx.url}/healthz`);
    assert.equal(health.status, 200);
  });

  test('an authenticated body over the limit is a 413 OperationOutcome (announced or streamed)', async () => {
    assert.equal(FHIR_BODY_LIMIT, 4 * 1024 * 1024);
    // Announced length over the limit: refused before the body is read.
    const announced = await unfinishedUpload('/fhir/R4/Observation', FHIR_BODY_LIMIT + 1, 1024, { Authorization: `Bearer ${token}` });
    assert.equal(announced.status, 413, announced.body);
    const outcome = JSON.parse(announced.body) as { resourceType: string; issue: Array<{ code: string }> };
    assert.equal(outcome.resourceType, 'OperationOutcome');
    assert.equal(outcome.issue[0]?.code, 'too-long');
    // A complete body just over the limit (a valid resource padded with spaces).
    const resource = JSON.stringify(observation(P.pseudonym, '8480-6', 120));
    const big = resource + ' '.repeat(FHIR_BODY_LIMIT + 1 - Buffer.byteLength(resource));
    const res = await fx.client.request('POST', '/fhir/R4/Observation', { token, body: big });
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.equal(res.body.issue[0].code, 'too-long');
    // At the limit it is accepted.
    const fits = resource + ' '.repeat(FHIR_BODY_LIMIT - Buffer.byteLength(resource));
    const ok = await fx.client.request('POST', '/fhir/R4/Observation', { token, body: fits });
    assert.equal(ok.status, 201, ok.text);
  });

  test('the limit is configurable (fhirBodyLimit)', async () => {
    const { app } = buildServer(fx.node, { records: fx.records, baseUrl: fx.url, logger: false, fhirBodyLimit: 2048 });
    try {
      const resource = JSON.stringify(observation(P.pseudonym, '8480-6', 121));
      const inject = (payload: string) =>
        app.inject({
          method: 'POST',
          url: '/fhir/R4/Observation',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
          payload,
        });
      const over = await inject(resource + ' '.repeat(2049 - Buffer.byteLength(resource)));
      assert.equal(over.statusCode, 413, over.body);
      assert.equal(over.json<{ issue: Array<{ code: string }> }>().issue[0]?.code, 'too-long');
      const fits = await inject(resource + ' '.repeat(2048 - Buffer.byteLength(resource)));
      assert.equal(fits.statusCode, 201, fits.body);
    } finally {
      await app.close();
    }
  });
});
