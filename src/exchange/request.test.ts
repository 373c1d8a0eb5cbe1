// Request signing and the custodian's checks (docs/exchange.md): a request
// verifies only when signed by an active registered node key of the
// requesting organisation, addressed to this organisation on this network,
// inside the time window, and not seen before. Refusals are asserted by code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { generateSigningKey, toBase64Url, type SigningKey } from '../crypto/index.js';
import { isCareLedgerError, type JsonValue, type ResultCode, type StateReader } from '../ledger/index.js';
import { answerExchangeRequest, verifyExchangeRequest, type CustodianDeps } from './custodian.js';
import type { ExchangeLedger } from './ports.js';
import { EXCHANGE_REQUEST_TYPE, signRequest, verifyRequestSignature, type ExchangeRequest, type SignedExchangeRequest } from './protocol.js';
import { ReplayGuard } from './replay.js';

const NET = 'net-test';
const NOW = '2026-03-01T12:00:00.000Z';
const keyA = generateSigningKey();
const keyB = generateSigningKey();
const keyC = generateSigningKey();
const revokedB = generateSigningKey();

function world(): StateReader {
  const rows = new Map<string, JsonValue>();
  const org = (orgId: string, nodeKeys: string[]) =>
    rows.set(`governance|org/${orgId}`, {
      orgId, name: orgId, adminKeys: [], nodeKeys, hpkePublicKey: toBase64Url(new Uint8Array(32).fill(9)),
      endpoint: `http://127.0.0.1:1/${orgId}`, status: 'active', since: 0,
    });
  org('org-a', [keyA.keyId]);
  org('org-b', [keyB.keyId, revokedB.keyId]);
  org('org-c', [keyC.keyId]);
  rows.set('governance|index/orgs', { orgIds: ['org-a', 'org-b', 'org-c'] });
  const key = (k: SigningKey, org: string, status = 'active') => rows.set(`keys|${k.keyId}`, { kind: 'node', org, owner: org, roles: [], status, since: 0 });
  key(keyA, 'org-a');
  key(keyB, 'org-b');
  key(keyC, 'org-c');
  key(revokedB, 'org-b', 'revoked');
  return { get: (ns, k) => rows.get(`${ns}|${k}`) };
}

function deps(submitted: unknown[] = []): CustodianDeps {
  const ledger: ExchangeLedger = {
    networkId: NET, orgId: 'org-a', nodeKey: keyA, state: world(), now: () => NOW, height: () => 7,
    submit: async (envs) => {
      submitted.push(...envs);
      return envs.map((e) => ({ txId: e.txId, code: 'OK' as ResultCode, height: 8 }));
    },
  };
  const source = { listForDisclosure: () => assert.fail('no record may be listed before consent') };
  const audit = { recordNow: async () => assert.fail('nothing may be recorded before consent') };
  return { ledger, source, replay: new ReplayGuard(), audit };
}

let n = 0;
function request(overrides: Partial<ExchangeRequest> = {}): ExchangeRequest {
  n += 1;
  return {
    type: EXCHANGE_REQUEST_TYPE, network: NET, from: 'org-b', to: 'org-a', requester: { orgId: 'org-b', memberId: 'dr-y' },
    patient: 'pt-' + '0'.repeat(31) + (n % 10), purpose: 'TREAT', requestId: 'xr-' + n.toString(16).padStart(32, '0'), time: NOW,
    ...overrides,
  };
}

function refused(fn: () => unknown, code: ResultCode, field?: string): void {
  assert.throws(fn, (e: unknown) => isCareLedgerError(e) && e.code === code && (field === undefined || e.field === field), `expected ${code}`);
}

describe('exchange request verification', () => {
  test('a request signed by a registered node key of the requesting org verifies', () => {
    const r = request();
    assert.deepEqual(verifyExchangeRequest(deps(), signRequest(r, keyB)), r);
  });

  test('wrong key: unregistered, another org\'s, or revoked -> UNKNOWN_SIGNER', () => {
    const d = deps();
    refused(() => verifyExchangeRequest(d, signRequest(request(), generateSigningKey())), 'UNKNOWN_SIGNER', 'keyId');
    refused(() => verifyExchangeRequest(d, signRequest(request(), keyC)), 'UNKNOWN_SIGNER', 'keyId');
    refused(() => verifyExchangeRequest(d, signRequest(request(), keyA)), 'UNKNOWN_SIGNER', 'keyId');
    refused(() => verifyExchangeRequest(d, signRequest(request(), revokedB)), 'UNKNOWN_SIGNER', 'keyId');
  });

  test('a signature over other bytes -> BAD_SIGNATURE', () => {
    const signed = signRequest(request(), keyB);
    const forged: SignedExchangeRequest = { ...signed, request: { ...signed.request, patient: 'pt-' + 'f'.repeat(32) } };
    refused(() => verifyExchangeRequest(deps(), forged), 'BAD_SIGNATURE', 'signature');
  });

  test('wrong org or network: to another custodian, requester of another org, from itself, another network', () => {
    const d = deps();
    refused(() => verifyExchangeRequest(d, signRequest(request({ to: 'org-c' }), keyB)), 'FORBIDDEN', 'to');
    refused(() => verifyExchangeRequest(d, signRequest(request({ requester: { orgId: 'org-c', memberId: 'dr-y' } }), keyB)), 'FORBIDDEN', 'requester');
    refused(() => verifyExchangeRequest(d, signRequest(request({ from: 'org-a', requester: { orgId: 'org-a', memberId: 'x' } }), keyA)), 'FORBIDDEN', 'from');
    refused(() => verifyExchangeRequest(d, signRequest(request({ network: 'other' }), keyB)), 'WRONG_NETWORK', 'network');
  });

  test('replay: the same signed request twice -> DUPLICATE_TX', () => {
    const d = deps();
    const signed = signRequest(request(), keyB);
    verifyExchangeRequest(d, signed);
    refused(() => verifyExchangeRequest(d, signed), 'DUPLICATE_TX', 'requestId');
  });

  test('stale or future time beyond the 5 minute window -> STALE_TIME; inside it verifies', () => {
    const d = deps();
    refused(() => verifyExchangeRequest(d, signRequest(request({ time: '2026-03-01T11:54:59.999Z' }), keyB)), 'STALE_TIME', 'time');
    refused(() => verifyExchangeRequest(d, signRequest(request({ time: '2026-03-01T12:05:00.001Z' }), keyB)), 'STALE_TIME', 'time');
    verifyExchangeRequest(d, signRequest(request({ time: '2026-03-01T11:56:00.000Z' }), keyB));
  });

  test('malformed input -> MALFORMED with the field', () => {
    refused(() => verifyExchangeRequest(deps(), { request: { ...request(), extra: 1 }, keyId: keyB.keyId, signature: 'x' }), 'MALFORMED');
    refused(() => verifyExchangeRequest(deps(), 'not an object'), 'MALFORMED');
    refused(() => verifyExchangeRequest(deps(), signRequest(request({ purpose: 'BTG' as 'TREAT' }), keyB)), 'MALFORMED', 'request.request.purpose');
  });

  test('no consent (unknown patient) -> FORBIDDEN consent; nothing listed or recorded', async () => {
    const submitted: unknown[] = [];
    await assert.rejects(
      answerExchangeRequest(deps(submitted), signRequest(request(), keyB)),
      (e: unknown) => isCareLedgerError(e) && e.code === 'FORBIDDEN' && e.field === 'consent',
    );
    assert.equal(submitted.length, 0);
  });

  test('property: changing any signed field breaks the signature', () => {
    const fields = ['network', 'from', 'to', 'patient', 'purpose', 'requestId', 'time', 'requester', 'resourceTypes'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.string({ minLength: 1, maxLength: 8 }), (field, junk) => {
        const signed = signRequest(request({ resourceTypes: ['Observation'] }), keyB);
        assert.ok(verifyRequestSignature(signed));
        const changed = { ...signed.request } as Record<string, unknown>;
        changed[field] = field === 'requester' ? { orgId: 'org-b', memberId: junk } : field === 'resourceTypes' ? [junk] : `${String(changed[field])}${junk}`;
        assert.equal(verifyRequestSignature({ ...signed, request: changed as ExchangeRequest }), false);
      }),
      { numRuns: 100 },
    );
  });
});
