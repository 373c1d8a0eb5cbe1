// Helpers for ledger API tests through fastify's inject (no socket): submit
// envelopes, assert error bodies by code (never by message), sign drafts with
// the node's own client code. Every response is checked not to be a 500.
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { signTx, type Envelope, type TxDraft } from '../../src/ledger/index.js';
import { signLedgerRead } from '../../src/node/peers/read-auth.js';
import type { TestNode, TestSigningKey } from './node.js';

export interface SubmitResult {
  txId: string;
  code: string;
  height: number;
  index: number;
}

/** Injects a request and fails the test on any 5xx. */
export async function call(app: FastifyInstance, options: InjectOptions): Promise<LightMyRequestResponse> {
  const res = await app.inject(options);
  assert.ok(res.statusCode < 500, `${String(options.method ?? 'GET')} ${String(options.url)} answered ${res.statusCode}: ${res.body}`);
  return res;
}

/** POST /ledger/v1/transactions with a JSON body (one envelope or an array). */
export function post(app: FastifyInstance, body: unknown, query = 'wait=commit&timeoutMs=10000'): Promise<LightMyRequestResponse> {
  return call(app, {
    method: 'POST',
    url: `/ledger/v1/transactions${query ? '?' + query : ''}`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

/** Submits with ?wait=commit and returns the results, asserting HTTP 200 and the result shape. */
export async function submit(app: FastifyInstance, body: Envelope | Envelope[]): Promise<SubmitResult[]> {
  const res = await post(app, body);
  assert.equal(res.statusCode, 200, res.body);
  const parsed = res.json<{ results: SubmitResult[] }>();
  assert.deepEqual(Object.keys(parsed), ['results']);
  for (const r of parsed.results) {
    assert.deepEqual(Object.keys(r).sort(), ['code', 'height', 'index', 'txId']);
    assert.match(r.txId, /^[0-9a-f]{64}$/);
  }
  return parsed.results;
}

/** Submits one envelope and returns its result code. */
export async function submitOne(app: FastifyInstance, envelope: Envelope): Promise<string> {
  const [result] = await submit(app, envelope);
  assert.ok(result);
  return result.code;
}

/** Asserts an API error body {"error":{"code","message","field"?}} with this status and code (and field, if given). */
export function assertError(res: LightMyRequestResponse, status: number, code: string, field?: string): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json<{ error: { code: string; message: string; field?: string } }>();
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  if (field !== undefined) assert.equal(body.error.field, field);
}

/** A signer for drafts on the fixture's network: sign(key, contract, action, args, extra draft fields). */
export function signerFor(fixture: TestNode) {
  return (key: TestSigningKey, contract: string, action: string, args: Record<string, unknown>, extra: Partial<TxDraft> = {}): Envelope =>
    signTx({ network: fixture.networkId, contract, action, args, ...extra }, key);
}

/** GET as a ledger reader: a CareLedger-Sig signed read with `key` (the fixture's org admin key by default). */
export function readerGet(fixture: TestNode, url: string, key: TestSigningKey = fixture.adminKey): Promise<LightMyRequestResponse> {
  return call(fixture.app, { method: 'GET', url, headers: { authorization: signLedgerRead(key, fixture.networkId, 'GET', url) } });
}
