// The executor's prefix scan (StateAccess.scan): committed rows with the
// block's and the transaction's writes applied, in key order, paged by limit
// and afterKey. Property: for any committed state and any sequence of puts,
// deletes and scans over transactions of one block, every scan answers what
// a plain sorted model answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { generateSigningKey } from '../crypto/index.js';
import { ContractRegistry, defineAction, KEYS_NAMESPACE, type KeyRecord } from './contract.js';
import { executeBlock, type StateSource } from './executor.js';
import { checkOrderedEnvelope } from './ordered.js';
import { parseEnvelope, signTx } from './tx.js';

const NET = 'test-net';
const TIME = '2026-03-01T10:00:00.000Z';
const KEYS = ['a/', 'a/1', 'a/2', 'a/10', 'a/b/1', 'a/b/2', 'ab/1', 'b/1', 'b/2'];

const op = z.union([
  z.strictObject({ put: z.string(), value: z.number() }),
  z.strictObject({ del: z.string() }),
  z.strictObject({ scan: z.string(), limit: z.number(), after: z.string().optional() }),
]);

const toy = {
  name: 'toy',
  version: 1,
  actions: {
    ops: defineAction({
      args: z.strictObject({ ops: z.array(op), n: z.number() }),
      authorize: () => undefined,
      apply(ctx, args) {
        for (const o of args.ops) {
          if ('put' in o) ctx.state.put('t', o.put, o.value);
          else if ('del' in o) ctx.state.delete('t', o.del);
          else ctx.emit('scan', { rows: ctx.state.scan('t', o.scan, o.limit, o.after).map((r) => [r.key, r.value]) });
        }
        return undefined;
      },
    }),
  },
};

type Op = z.infer<typeof op>;

function source(committed: Map<string, number>, signer: string): StateSource {
  const key: KeyRecord = { kind: 'member', org: 'o', owner: 'm', roles: [], status: 'active', since: 0 };
  return {
    getState: (ns, k) => (ns === KEYS_NAMESPACE && k === signer ? JSON.stringify(key) : ns === 't' && committed.has(k) ? String(committed.get(k)) : undefined),
    scanState: (ns, prefix, limit, after = '') =>
      ns !== 't'
        ? []
        : [...committed.keys()]
            .filter((k) => k.startsWith(prefix) && k > after)
            .sort()
            .slice(0, limit)
            .map((k) => ({ key: k, value: String(committed.get(k)) })),
    hasTx: () => false,
  };
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ put: fc.constantFrom(...KEYS), value: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ del: fc.constantFrom(...KEYS) }),
  fc.record({ scan: fc.constantFrom('a/', 'a', 'a/b/', 'b/', ''), limit: fc.integer({ min: 1, max: 5 }), after: fc.option(fc.constantFrom(...KEYS), { nil: undefined }) }),
);

test('property: scans see committed state with the block and transaction writes applied, in key order', () => {
  const alice = generateSigningKey();
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 9 })),
      fc.array(fc.array(opArb, { maxLength: 8 }), { minLength: 1, maxLength: 4 }),
      (initial, txs) => {
        const committed = new Map(Object.entries(initial));
        const model = new Map(committed);
        const expected: unknown[] = [];
        for (const ops of txs) {
          for (const o of ops) {
            if ('put' in o) model.set(o.put, o.value);
            else if ('del' in o) model.delete(o.del);
            else {
              const rows = [...model.keys()].filter((k) => k.startsWith(o.scan) && k > (o.after ?? '')).sort().slice(0, o.limit);
              expected.push(rows.map((k) => [k, model.get(k)]));
            }
          }
        }
        const entries = txs.map((ops, i) => {
          const bytes = parseEnvelope(signTx({ network: NET, contract: 'toy', action: 'ops', args: { ops, n: i }, time: TIME }, alice)).bytes;
          return { bytes, check: checkOrderedEnvelope(bytes) };
        });
        const out = executeBlock(
          { network: NET, height: 1, prevStateHash: '0'.repeat(64), prevTime: undefined, proposedTime: TIME, entries },
          source(committed, alice.keyId),
          new ContractRegistry([toy]),
        );
        assert.deepEqual(out.txs.map((t) => t.code), txs.map(() => 'OK'));
        assert.deepEqual(out.txs.flatMap((t) => t.events.map((e) => e.data['rows'])), expected);
      },
    ),
    { numRuns: 150 },
  );
});
