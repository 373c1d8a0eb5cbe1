// Request signing and the custodian's checks (docs/exchange.md): a request
// verifies only when signed by an active registered node key of the
// requesting organisation, addressed to this organisation on this network,
// inside the time window, and not seen before. Refusals are asserted by code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { generateSigningKey, toBase64Url, type SigningKey } from '../crypto/index.js';
import { EMPTY_HEAD, type JsonValue, type StateReader } from '../ledger/index.js';
import { isCareLedgerError, type ResultCode } from '../errors/index.js';
import { answerExchangeRequest, verifyExchangeRequest, type CustodianDeps } from './custodian.js';
import { authorizeExchange, type AuthorizationScope } from './member-auth.js';
import type { ExchangeLedger } from './ports.js';
import { EXCHANGE_REQUEST_TYPE, signRequest, verifyRequestSignature, type ExchangeRequest, type SignedExchangeRequest } from './protocol.js';
import { ReplayGuard } from './replay.js';

const NET = 'net-test';
const NOW = '2026-03-01T12:00:00.000Z';
const keyA = generateSigningKey();
const keyB = generateSigningKey();
const keyC = generateSigningKey();
const revokedB = generateSigningKey();
/** Members of org-b: Dr Y (practitioner), a clerk (auditor), Dr Old (deactivated), and a revoked key of Dr Y. */
const drY = generateSigningKey();
const drW = generateSigningKey();
const clerk = generateSigningKey();
const drOld = generateSigningKey();
const drYRevoked = generateSigningKey();

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
  const member = (k: SigningKey, memberId: string, roles: string[], status = 'active', keyStatus = 'active', extraKeys: SigningKey[] = []) => {
    rows.set(`identity|member/org-b/${memberId}`, { orgId: 'org-b', memberId, roles, keys: [k.keyId, ...extraKeys.map((x) => x.keyId)], status });
    for (const x of [k, ...extraKeys]) {
      rows.set(`keys|${x.keyId}`, { kind: 'member', org: 'org-b', owner: memberId, roles, status: x === k ? keyStatus : 'revoked', since: 0 });
    }
  };
  member(drY, 'dr-y', ['practitioner'], 'active', 'active', [drYRevoked]);
  member(drW, 'dr-w', ['practitioner']);
  member(clerk, 'clerk', ['auditor']);
  member(drOld, 'dr-old', ['practitioner'], 'deactivated');
  return { get: (ns, k) => rows.get(`${ns}|${k}`) };
}

function deps(submitted: unknown[] = []): CustodianDeps {
  const ledger: ExchangeLedger = {
    networkId: NET, orgId: 'org-a', nodeKey: keyA, state: world(), now: () => NOW, head: () => ({ ...EMPTY_HEAD, height: 7 }),
    submit: async (envs) => {
      submitted.push(...envs);
      return envs.map((e, index) => ({ txId: e.txId, code: 'OK' as ResultCode, height: 8, index }));
    },
  };
  const source = { listForDisclosure: () => assert.fail('no record may be listed before consent') };
  const audit = { recordNow: async () => assert.fail('nothing may be recorded before consent') };
  const consents = { open: () => assert.fail('no consent is held in this world') };
  return { ledger, source, replay: new ReplayGuard(), audit, consents };
}

let n = 0;
/** A request by Dr Y (or `overrides.requester`), with that member's own authorisation unless one is given. */
function request(overrides: Partial<ExchangeRequest> = {}, signer: SigningKey = drY, scope: Partial<AuthorizationScope> = {}): ExchangeRequest {
  n += 1;
  const base: Omit<ExchangeRequest, 'authorization'> = {
    type: EXCHANGE_REQUEST_TYPE, network: NET, from: 'org-b', to: 'org-a', requester: { orgId: 'org-b', memberId: 'dr-y' },
    patient: 'pt-' + '0'.repeat(31) + (n % 10), purpose: 'TREAT', requestId: 'xr-' + n.toString(16).padStart(32, '0'), time: NOW,
    ...overrides,
  };
  const authorization = overrides.authorization ?? authorizeExchange({ network: base.network, requester: base.requester, patient: base.patient, purpose: base.purpose, ...scope }, signer, NOW);
  return { ...base, authorization };
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
    const fields = ['network', 'from', 'to', 'patient', 'purpose', 'requestId', 'time', 'requester', 'resourceTypes', 'authorization'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.string({ minLength: 1, maxLength: 8 }), (field, junk) => {
        const signed = signRequest(request({ resourceTypes: ['Observation'] }), keyB);
        assert.ok(verifyRequestSignature(signed));
        const changed = { ...signed.request } as Record<string, unknown>;
        changed[field] =
          field === 'requester' ? { orgId: 'org-b', memberId: junk }
          : field === 'resourceTypes' ? [junk]
          : field === 'authorization' ? { ...signed.request.authorization, signature: junk }
          : `${String(changed[field])}${junk}`;
        assert.equal(verifyRequestSignature({ ...signed, request: changed as ExchangeRequest }), false);
      }),
      { numRuns: 100 },
    );
  });

  describe('finding 11: the member a request names must have authorised it', () => {
    const forged = (r: ExchangeRequest) => () => verifyExchangeRequest(deps(), signRequest(r, keyB));

    test("a node naming Dr Y with an authorisation signed by its node key, another member's key or a revoked key is UNKNOWN_SIGNER", () => {
      refused(forged(request({}, keyB)), 'UNKNOWN_SIGNER', 'authorization.keyId');
      refused(forged(request({}, drW)), 'UNKNOWN_SIGNER', 'authorization.keyId');
      refused(forged(request({}, generateSigningKey())), 'UNKNOWN_SIGNER', 'authorization.keyId');
      refused(forged(request({}, drYRevoked)), 'UNKNOWN_SIGNER', 'authorization.keyId');
      refused(forged(request({ requester: { orgId: 'org-b', memberId: 'dr-old' } }, drOld)), 'UNKNOWN_SIGNER', 'authorization.keyId');
    });

    test("a node reusing Dr W's authorisation to name Dr Y, or editing Dr Y's, is refused", () => {
      const ofW = request({ requester: { orgId: 'org-b', memberId: 'dr-w' } }, drW).authorization;
      refused(forged(request({ authorization: ofW })), 'FORBIDDEN', 'authorization.requester');
      const ofY = request().authorization;
      const widened = { ...ofY, authorization: { ...ofY.authorization, purpose: 'HRESCH' as const } };
      refused(forged(request({ purpose: 'HRESCH', patient: ofY.authorization.patient, authorization: widened })), 'BAD_SIGNATURE', 'authorization.signature');
    });

    test('the request must stay within the authorisation: patient, purpose, custodian, resource types', () => {
      const a = request().authorization;
      refused(forged(request({ patient: 'pt-' + 'e'.repeat(32), authorization: a })), 'FORBIDDEN', 'authorization.patient');
      refused(forged(request({ purpose: 'HRESCH', patient: a.authorization.patient, authorization: a })), 'FORBIDDEN', 'authorization.purpose');
      refused(forged(request({}, drY, { custodians: ['org-c'] })), 'FORBIDDEN', 'authorization.custodians');
      refused(forged(request({}, drY, { resourceTypes: ['Observation'] })), 'FORBIDDEN', 'authorization.resourceTypes');
      refused(forged(request({ resourceTypes: ['Observation', 'Condition'] }, drY, { resourceTypes: ['Observation'] })), 'FORBIDDEN', 'authorization.resourceTypes');
      verifyExchangeRequest(deps(), signRequest(request({ resourceTypes: ['Observation'] }, drY, { resourceTypes: ['Observation', 'Condition'], custodians: ['org-a'] }), keyB));
    });

    test('a member without the practitioner role may not request; a stale or reused authorisation is refused', () => {
      refused(forged(request({ requester: { orgId: 'org-b', memberId: 'clerk' } }, clerk)), 'FORBIDDEN', 'authorization.requester');
      const old = authorizeExchange({ network: NET, requester: { orgId: 'org-b', memberId: 'dr-y' }, patient: 'pt-' + '1'.repeat(32), purpose: 'TREAT' }, drY, '2026-03-01T11:54:59.999Z');
      refused(forged(request({ patient: 'pt-' + '1'.repeat(32), authorization: old })), 'STALE_TIME', 'authorization.time');
      const d = deps();
      const once = request();
      verifyExchangeRequest(d, signRequest(once, keyB));
      const again = request({ patient: once.patient, authorization: once.authorization });
      refused(() => verifyExchangeRequest(d, signRequest(again, keyB)), 'DUPLICATE_TX');
    });

    test('a request without an authorisation is MALFORMED', () => {
      const { authorization: _drop, ...bare } = request();
      void _drop;
      refused(() => verifyExchangeRequest(deps(), { request: bare, keyId: keyB.keyId, signature: 'x' }), 'MALFORMED', 'request.request.authorization');
    });
  });
});
