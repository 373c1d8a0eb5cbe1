// The executor's checks, in order, with a toy contract: each failing
// transaction keeps its place with its code and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { generateSigningKey, type SigningKey } from '../crypto/index.js';
import { ContractRegistry, defineAction, KEYS_NAMESPACE, refuse, type KeyRecord } from './contract.js';
import { executeBlock, blockTimeOf, type StateSource } from './executor.js';
import { checkOrderedEnvelope } from './ordered.js';
import { parseEnvelope, signTx } from './tx.js';

const NET = 'test-net';
const TIME = '2026-03-01T10:00:00.000Z';

const toy = {
  name: 'toy',
  version: 1,
  actions: {
    set: defineAction({
      args: z.strictObject({ key: z.string(), value: z.number() }),
      authorize: (ctx, args) => (args.value < 0 ? refuse('RULE_VIOLATION', 'negative') : undefined),
      apply(ctx, args) {
        ctx.state.put('toy', args.key, { value: args.value, by: ctx.signer });
        ctx.emit('set', { key: args.key });
        // Writes before a refusal must be discarded with it.
        return args.value === 13 ? refuse('CONFLICT') : undefined;
      },
    }),
    boom: defineAction({ args: z.object({}), authorize: () => undefined, apply: () => { throw new Error('bug'); } }),
    open: defineAction({ args: z.object({}), signer: 'any', authorize: () => undefined, apply: (ctx) => { ctx.state.put('toy', 'open', ctx.signer); return undefined; } }),
  },
};

function world(keys: Array<[SigningKey, 'active' | 'revoked']>): StateSource {
  const state = new Map<string, string>();
  for (const [k, status] of keys) {
    const rec: KeyRecord = { kind: 'member', org: 'o', owner: 'm', roles: [], status, since: 0 };
    state.set(KEYS_NAMESPACE + '\u0000' + k.keyId, JSON.stringify(rec));
  }
  return { getState: (ns, key) => state.get(ns + '\u0000' + key), scanState: () => [], hasTx: () => false };
}

function entry(key: SigningKey, action: string, args: Record<string, unknown>, over: { network?: string; time?: string } = {}) {
  const env = parseEnvelope(signTx({ network: over.network ?? NET, contract: 'toy', action, args, time: over.time ?? TIME }, key));
  return { bytes: env.bytes, check: checkOrderedEnvelope(env.bytes) };
}

test('each check yields its code and a failed transaction writes nothing', () => {
  const alice = generateSigningKey();
  const revoked = generateSigningKey();
  const stranger = generateSigningKey();
  const ok = entry(alice, 'set', { key: 'a', value: 1 });
  // A valid envelope whose signature belongs to another transaction.
  const forged = parseEnvelope({
    tx: signTx({ network: NET, contract: 'toy', action: 'set', args: { key: 'b', value: 2 }, time: TIME }, alice).tx,
    sig: signTx({ network: NET, contract: 'toy', action: 'set', args: { key: 'b', value: 3 }, time: TIME }, alice).sig,
  }).bytes;
  const entries = [
    ok,
    ok, // replay in the same block
    { bytes: forged, check: checkOrderedEnvelope(forged) },
    entry(alice, 'set', { key: 'c', value: 3 }, { network: 'other-net' }),
    entry(alice, 'set', { key: 'd', value: 4 }, { time: '2026-03-01T11:00:00.000Z' }),
    entry(stranger, 'set', { key: 'e', value: 5 }),
    entry(revoked, 'set', { key: 'f', value: 6 }),
    entry(alice, 'nope', {}),
    entry(alice, 'set', { key: 'g' }),
    entry(alice, 'set', { key: 'h', value: -1 }),
    entry(alice, 'set', { key: 'i', value: 13 }),
    entry(alice, 'boom', {}),
    entry(stranger, 'open', {}),
  ];
  const out = executeBlock(
    { network: NET, height: 5, prevStateHash: '0'.repeat(64), prevTime: undefined, proposedTime: TIME, entries },
    world([[alice, 'active'], [revoked, 'revoked']]),
    new ContractRegistry([toy]),
  );
  assert.deepEqual(
    out.txs.map((t) => t.code),
    ['OK', 'DUPLICATE_TX', 'BAD_SIGNATURE', 'WRONG_NETWORK', 'STALE_TIME', 'UNKNOWN_SIGNER', 'REVOKED_SIGNER', 'UNKNOWN_ACTION', 'INVALID_ARGS', 'RULE_VIOLATION', 'CONFLICT', 'INTERNAL', 'OK'],
  );
  assert.deepEqual(
    out.writes.map((w) => [w.namespace, w.key, w.text]),
    [
      ['toy', 'a', `{"by":"${alice.keyId}","value":1}`],
      ['toy', 'open', JSON.stringify(stranger.keyId)],
    ],
  );
  assert.deepEqual(out.txs[0]!.events, [{ contract: 'toy', type: 'set', data: { key: 'a' } }]);
  assert.deepEqual(out.txs[10]!.events, []);
});

test('block time is forced monotonic and malformed proposals fall back', () => {
  assert.equal(blockTimeOf(undefined, TIME), TIME);
  assert.equal(blockTimeOf(TIME, '2026-02-01T00:00:00.000Z'), TIME);
  assert.equal(blockTimeOf(TIME, '2026-04-01T00:00:00.000Z'), '2026-04-01T00:00:00.000Z');
  assert.equal(blockTimeOf(TIME, 'yesterday'), TIME);
  assert.equal(blockTimeOf(undefined, 'yesterday'), '1970-01-01T00:00:00.000Z');
});
