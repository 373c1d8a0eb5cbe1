// The access chain: known structure of the hashes, and fast-check properties
// that any dropped, altered, reordered or inserted event makes verification
// against an anchored head fail, while the untouched chain verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson } from '../../crypto/index.js';
import {
  GENESIS_HEAD,
  accessEventHash,
  accessEventId,
  breakGlassRef,
  chainIdOf,
  nextChainHead,
  verifyAccessChain,
  type ChainedAccessEvent,
} from './index.js';

const CHAIN = 'ch-' + 'c'.repeat(64);
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');

function event(seq: number, over: Partial<ChainedAccessEvent> = {}): ChainedAccessEvent {
  return {
    custodian: 'alpha',
    chain: CHAIN,
    seq,
    patient: 'pt-' + 'a'.repeat(32),
    accessor: { kind: 'member', orgId: 'alpha', memberId: `dr-${seq % 3}` },
    interaction: 'read',
    records: [{ recordId: `obs-${seq}`, version: 1 }],
    resourceTypes: ['Observation'],
    purpose: 'TREAT',
    consentIds: [],
    requestId: `req-${seq}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    ...over,
  };
}

const chainOf = (n: number) => Array.from({ length: n }, (_, i) => event(i + 1));

function headsOf(events: readonly ChainedAccessEvent[]): string[] {
  const heads = [GENESIS_HEAD];
  for (const e of events) heads.push(nextChainHead(heads.at(-1)!, accessEventHash(e)));
  return heads;
}

test('hashes follow the documented derivation', () => {
  const e = event(1);
  const eh = sha(Buffer.from('careledger.access-event/1\n'), Buffer.from(canonicalJson(e)));
  assert.equal(accessEventHash(e), eh);
  assert.equal(nextChainHead(GENESIS_HEAD, eh), sha(Buffer.from('careledger.access-chain/1\n'), Buffer.alloc(32), Buffer.from(eh, 'hex')));
  const key = Buffer.alloc(32, 9);
  assert.equal(chainIdOf(key, 'pt-' + 'a'.repeat(32)), 'ch-' + createHmac('sha256', key).update('careledger.access-chain-id/1\npt-' + 'a'.repeat(32)).digest('hex'));
  assert.equal(breakGlassRef(eh), sha(Buffer.from('careledger.btg-ref/1\n'), Buffer.from(eh, 'hex')));
  assert.equal(accessEventId('alpha', CHAIN, 1), 'ae-' + sha(Buffer.from(`careledger.access-event-id/1\nalpha\n${CHAIN}\n1`)).slice(0, 32));
  assert.notEqual(accessEventId('alpha', CHAIN, 1), accessEventId('alpha', CHAIN, 2));
});

test('an intact chain verifies against every anchored head; an anchor past the events does not', () => {
  const events = chainOf(5);
  const heads = headsOf(events);
  assert.deepEqual(verifyAccessChain(CHAIN, events, [{ seq: 2, head: heads[2]! }, { seq: 5, head: heads[5]! }]), { ok: true, head: heads[5], seq: 5 });
  assert.deepEqual(verifyAccessChain(CHAIN, events, [{ seq: 6, head: heads[5]! }]), { ok: false, reason: 'anchor-beyond-events', seq: 6 });
  assert.deepEqual(verifyAccessChain(CHAIN, events, [{ seq: 5, head: heads[4]! }]), { ok: false, reason: 'head-mismatch', seq: 5 });
  assert.deepEqual(verifyAccessChain('ch-' + 'd'.repeat(64), events, []), { ok: false, reason: 'wrong-chain', seq: 1 });
});

type Tamper =
  | { kind: 'drop'; at: number }
  | { kind: 'alter'; at: number; field: 'accessor' | 'purpose' | 'at' | 'reason' | 'records' }
  | { kind: 'swap'; at: number }
  | { kind: 'insert'; at: number };

/** Applies a tamper and renumbers seq so the result still looks like a well-formed chain. */
function tamper(events: ChainedAccessEvent[], t: Tamper): ChainedAccessEvent[] {
  const out = events.map((e) => ({ ...e }));
  const i = t.at % out.length;
  switch (t.kind) {
    case 'drop':
      out.splice(i, 1);
      break;
    case 'alter': {
      const e = out[i]!;
      if (t.field === 'accessor') e.accessor = { kind: 'member', orgId: 'alpha', memberId: 'someone-else' };
      if (t.field === 'purpose') e.purpose = e.purpose === 'HPAYMT' ? 'HOPERAT' : 'HPAYMT';
      if (t.field === 'at') e.at = '2030-01-01T00:00:00.000Z';
      if (t.field === 'reason') Object.assign(e, { purpose: 'ETREAT', breakGlass: { reason: 'changed reason' } });
      if (t.field === 'records') e.records = [...e.records, { recordId: 'extra', version: 1 }];
      break;
    }
    case 'swap': {
      const j = (i + 1) % out.length;
      [out[i], out[j]] = [out[j]!, out[i]!];
      break;
    }
    case 'insert':
      out.splice(i, 0, event(99, { requestId: 'forged' }));
      break;
  }
  return out.map((e, k) => ({ ...e, seq: k + 1 }));
}

test('property: any dropped, altered, reordered or inserted event fails against the anchored head', () => {
  const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
    fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('alter' as const), at: fc.nat(), field: fc.constantFrom('accessor' as const, 'purpose' as const, 'at' as const, 'reason' as const, 'records' as const) }),
    fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 12 }), tamperArb, (n, t) => {
      const events = chainOf(n);
      const anchored = { seq: n, head: headsOf(events)[n]! };
      assert.equal(verifyAccessChain(CHAIN, events, [anchored]).ok, true);
      const forged = tamper(events, t);
      // The custodian may also claim the anchor covers fewer or more events: it must still fail.
      const verdict = verifyAccessChain(CHAIN, forged, [anchored]);
      return verdict.ok === false;
    }),
    { numRuns: 1000 },
  );
});
