// Property tests of the records contract: random sequences of anchor attempts
// by two custodians (and an occasional erasure) agree with a small reference
// model, never write on refusal, and always leave every record's `latest`
// equal to its highest stored version with versions 1..latest contiguous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KEYS_NAMESPACE } from '../../ledger/contract.js';
import { MemoryState, runAction, testKeyId } from '../../../test/helpers/contracts.js';
import { getRecord, getVersion, recordsContract, type RecordAnchor } from './index.js';

const PATIENTS = ['pt-' + 'a'.repeat(32), 'pt-' + 'b'.repeat(32)];
const NODES = { alpha: testKeyId('alpha/node'), beta: testKeyId('beta/node') } as const;
const RECORD_IDS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
const TYPES = ['Observation', 'Condition'];

function world(): MemoryState {
  const state = new MemoryState();
  for (const [org, key] of Object.entries(NODES)) {
    state.put('governance', `org/${org}`, { orgId: org, status: 'active' });
    state.put(KEYS_NAMESPACE, key, { kind: 'node', org, owner: org, roles: [], status: 'active', since: 0 });
  }
  for (const p of PATIENTS) state.put('identity', `patient/${p}`, { pseudonym: p, keys: [], custodian: 'alpha', status: 'active' });
  return state;
}

const anchorArb = fc.record({
  record: fc.nat(RECORD_IDS.length - 1),
  // Usually the record's own patient and type (so chains grow), sometimes the other one.
  mismatch: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'patient', 'type'),
  // Small versions, or "next after latest" so that chains actually grow.
  version: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 3, arbitrary: fc.constant(-1) }),
  // 'auto': create at version 1, update otherwise (the common, valid case).
  op: fc.constantFrom('auto', 'auto', 'auto', 'create', 'update', 'delete'),
  salt: fc.nat(1000),
});
const stepArb = fc.oneof(
  { weight: 30, arbitrary: fc.record({ kind: fc.constant('anchor' as const), org: fc.constantFrom('alpha', 'alpha', 'alpha', 'beta'), anchors: fc.array(anchorArb, { minLength: 1, maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('erase' as const), patient: fc.constantFrom(...PATIENTS) }) },
);

type Model = { records: Map<string, RecordAnchor>; erased: Set<string> };

/** The expected result code of an anchor batch, per the contract's documented rules. */
function expected(model: Model, custodian: string, anchors: ReadonlyArray<{ recordId: string; patient: string; resourceType: string; version: number; op: string }>): string {
  if (new Set(anchors.map((a) => a.recordId)).size !== anchors.length) return 'INVALID_ARGS';
  if (anchors.some((a) => (a.op === 'create' && a.version !== 1) || (a.op === 'delete' && a.version === 1))) return 'INVALID_ARGS';
  for (const a of anchors) {
    if (model.erased.has(a.patient)) return 'GONE';
    const head = model.records.get(a.recordId);
    if (a.version === 1) {
      if (head !== undefined) return 'ALREADY_EXISTS';
      continue;
    }
    if (head === undefined) return 'NOT_FOUND';
    if (head.custodian !== custodian) return 'UNAUTHORIZED';
    if (head.patient !== a.patient || head.resourceType !== a.resourceType || head.latest !== a.version - 1) return 'CONFLICT';
    if (a.op === 'delete' && head.deleted) return 'CONFLICT';
  }
  return 'OK';
}

function checkInvariants(state: MemoryState): void {
  const versions = new Map<string, number[]>();
  for (const [key] of state.list('records')) {
    const m = /^ver\/([^/]+)\/(\d{10})$/.exec(key);
    if (m?.[1] !== undefined) versions.set(m[1], [...(versions.get(m[1]) ?? []), Number(m[2])]);
  }
  for (const [recordId, list] of versions) {
    const head = getRecord(state, recordId);
    assert.ok(head !== undefined, `versions without a head for ${recordId}`);
    assert.deepEqual(list, Array.from({ length: head.latest }, (_, i) => i + 1), `versions of ${recordId} not contiguous up to latest`);
    assert.equal(head.deleted, getVersion(state, recordId, head.latest)?.op === 'delete');
  }
  for (const [key] of state.list('records')) if (key.startsWith('rec/')) assert.ok(versions.has(key.slice(4)), `head without versions: ${key}`);
}

test('random anchor sequences match the model and keep latest = highest contiguous version', () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 60, size: 'medium' }), (steps) => {
      const state = world();
      const model: Model = { records: new Map(), erased: new Set() };
      for (const step of steps) {
        if (step.kind === 'erase') {
          const rec = state.get('identity', `patient/${step.patient}`) as { [k: string]: string };
          state.put('identity', `patient/${step.patient}`, { ...rec, status: 'erased' });
          model.erased.add(step.patient);
          continue;
        }
        const anchors = step.anchors.map(({ salt, op, record, mismatch, version: v }) => {
          const recordId = RECORD_IDS[record] ?? 'r1';
          const patient = PATIENTS[(record + (mismatch === 'patient' ? 1 : 0)) % 2] ?? '';
          const resourceType = TYPES[(record + (mismatch === 'type' ? 1 : 0)) % 2] ?? '';
          const version = v === -1 ? (model.records.get(recordId)?.latest ?? 0) + 1 : v;
          const resolved = op === 'auto' ? (version === 1 ? 'create' : 'update') : op;
          return { recordId, patient, resourceType, version, op: resolved, commitment: Buffer.alloc(32, salt % 256).toString('base64url') };
        });
        const r = runAction(recordsContract, 'anchor', { anchors }, { state, signer: NODES[step.org] });
        assert.equal(r.refusal?.code ?? 'OK', expected(model, step.org, anchors));
        if (r.refusal !== undefined) {
          assert.deepEqual(r.writes, []);
        } else {
          for (const a of anchors) {
            const head = getRecord(state, a.recordId);
            assert.ok(head !== undefined);
            assert.deepEqual([head.latest, head.custodian, head.patient], [a.version, step.org, a.patient]);
            assert.equal(getVersion(state, a.recordId, a.version)?.commitment, a.commitment);
            model.records.set(a.recordId, head);
          }
        }
        checkInvariants(state);
      }
    }),
    { numRuns: 200 },
  );
});
