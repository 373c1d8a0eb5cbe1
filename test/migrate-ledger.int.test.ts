// A ledger written before the state layout change (identity kept one
// growing `org-members/<orgId>` value per organisation) no longer verifies
// with this release's contracts; `careledger migrate-ledger` re-derives it:
// same envelopes, same results, same log roots, the new layout, and then it
// verifies. The legacy ledger is written here by a registry whose identity
// contract also writes the old index, exactly as the old code did.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSigningKey } from '../src/crypto/index.js';
import {
  ContractRegistry,
  buildBlock,
  checkOrderedEnvelope,
  headAfter,
  parseEnvelope,
  type BlockHeader,
  type ChainHead,
  type Contract,
  type JsonValue,
} from '../src/ledger/index.js';
import { SqliteLedgerStore, openDatabase } from '../src/storage/index.js';
import { initDevNetwork, keyHome, loadSigningKey, paths } from '../src/node/index.js';
import { StateCache } from '../src/node/pipeline/state-cache.js';
import { FrontierTree } from '../src/node/verifier/frontier.js';
import { defaultRegistry } from '../src/node/wiring/contracts.js';
import { memberRegistration, selfEnrolment } from './helpers/load.js';
import { makeTempDir, removeDir, runCli } from './helpers/proc.js';

/** The identity contract as it was: register-member also rewrites the org's whole member index. */
function legacyRegistry(): ContractRegistry {
  const current = defaultRegistry();
  const identity = current.get('identity')!;
  const register = identity.actions['register-member']!;
  const legacy: Contract = {
    ...identity,
    actions: {
      ...identity.actions,
      'register-member': {
        ...register,
        apply(ctx, args: { memberId: string }, facts: unknown) {
          const refusal = register.apply(ctx, args, facts);
          if (refusal !== undefined) return refusal;
          const orgId = ctx.signerKey!.org!;
          const before = ctx.state.get('identity', `org-members/${orgId}`) as { memberIds: string[] } | undefined;
          ctx.state.put('identity', `org-members/${orgId}`, { orgId, memberIds: [...(before?.memberIds ?? []), args.memberId] } as JsonValue);
          return undefined;
        },
      },
    },
  };
  return new ContractRegistry(current.names().map((n) => (n === 'identity' ? legacy : current.get(n)!)));
}

test('a ledger of the old layout fails verify, migrates with every result and log root unchanged, then verifies', { timeout: 120_000 }, async (t) => {
  const root = makeTempDir('careledger-migrate-');
  t.after(() => removeDir(root));
  const dir = join(root, 'node');
  const init = await initDevNetwork(dir);
  const admin = loadSigningKey(keyHome(dir).adminKey);
  const network = init.config.networkId;
  const store = new SqliteLedgerStore(openDatabase(paths(dir).ledger));
  const last = store.head()!;
  const h0 = JSON.parse(last.header) as BlockHeader;
  let head: ChainHead = { height: h0.height, hash: last.hash, stateHash: h0.stateHash, time: h0.time, logSize: h0.logSize };
  const tree = FrontierTree.of(head.logSize, (l, i) => store.getLogNode(l, i))!;
  const state = new StateCache(store);
  const registry = legacyRegistry();
  const blocks = [
    [memberRegistration(network, admin, 'dr-a', ['practitioner'], [generateSigningKey().keyId]), selfEnrolment(network)],
    [memberRegistration(network, admin, 'dr-b', ['practitioner'], [generateSigningKey().keyId])],
  ];
  const roots: string[] = [];
  for (const txs of blocks) {
    const entries = txs.map((tx) => {
      const bytes = parseEnvelope(tx.envelope).bytes;
      return { bytes, check: checkOrderedEnvelope(bytes) };
    });
    const built = buildBlock(head, network, new Date().toISOString(), entries, state, tree, registry);
    assert.deepEqual(built.outcome.txs.map((x) => x.code), txs.map(() => 'OK'));
    store.commitBlock({
      block: { height: built.header.height, hash: built.hash, header: JSON.stringify(built.header), ordererSeq: 0 },
      txs: built.outcome.txs.map((x, index) => ({ leafIndex: built.firstLeaf + index, txId: x.txId, height: built.header.height, index, envelope: x.bytes, code: x.code, events: JSON.stringify(x.events) })),
      state: built.outcome.writes.map((w) => ({ namespace: w.namespace, key: w.key, value: w.text })),
      logNodes: built.logNodes,
    });
    state.applyCommitted(built.outcome.writes);
    for (const n of built.logNodes) tree.put(n.level, n.index, n.hash);
    head = headAfter(built);
    roots.push(built.header.logRoot);
  }
  assert.deepEqual(JSON.parse(store.getState('identity', 'org-members/org1')!), { memberIds: ['dr-a', 'dr-b'], orgId: 'org1' });
  store.close();

  const before = await runCli(['verify', '--data-dir', dir, '--quiet', '--no-baseline']);
  assert.equal(before.code, 1, before.stdout + before.stderr);
  assert.match(before.stdout, /^FAILED at height 1: /);

  const migrated = await runCli(['migrate-ledger', '--data-dir', dir]);
  assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
  assert.match(migrated.stdout, /^migrated: 3 blocks, 4 transactions re-executed, every result unchanged; the old ledger is .*ledger\.sqlite\.pre-migration$/m);
  assert.ok(existsSync(`${paths(dir).ledger}.pre-migration`));

  const after = await runCli(['verify', '--data-dir', dir, '--quiet', '--no-baseline']);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.match(after.stdout, /^ok: 3 blocks, 4 transactions verified/);
  const reopened = new SqliteLedgerStore(openDatabase(paths(dir).ledger, { readonly: true }));
  try {
    assert.deepEqual([1, 2].map((h) => (JSON.parse(reopened.getBlock(h)!.header) as BlockHeader).logRoot), roots);
    assert.equal(reopened.getState('identity', 'org-members/org1'), undefined);
    assert.deepEqual(reopened.blockTxs(1).map((x) => x.code), ['OK', 'OK']);
  } finally {
    reopened.close();
  }
  const again = await runCli(['migrate-ledger', '--data-dir', dir]);
  assert.match(again.stdout, /^nothing to migrate: 3 blocks/);
});
