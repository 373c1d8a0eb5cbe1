// The SQLite ledger store: blocks commit and survive a reopen, and a node's
// WAL checkpoints run on the background thread (the writer only keeps a
// high backstop threshold), stopping cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLedgerStore, openDatabase } from './sqlite.js';
import type { BlockCommit } from './types.js';
import { BACKSTOP_PAGES } from './wal-checkpointer.js';

const TXS_PER_BLOCK = 50;

function block(height: number): BlockCommit {
  const txs = Array.from({ length: TXS_PER_BLOCK }, (_, i) => {
    const leafIndex = height * TXS_PER_BLOCK + i;
    return {
      leafIndex,
      txId: leafIndex.toString(16).padStart(64, '0'),
      height,
      index: i,
      envelope: new Uint8Array(1024).fill(leafIndex % 251),
      code: 'OK' as const,
      events: '[]',
    };
  });
  return {
    block: { height, hash: height.toString(16).padStart(64, '0'), header: `{"height":${height}}`, ordererSeq: height + 1 },
    txs,
    state: txs.map((t) => ({ namespace: 'test', key: `k/${t.leafIndex}`, value: `{"n":${t.leafIndex}}` })),
    logNodes: txs.map((t) => ({ level: 0, index: t.leafIndex, hash: new Uint8Array(32).fill(t.leafIndex % 256) })),
  };
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'careledger-store-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const BLOCKS = 40;

void test(
  'background checkpoints move committed pages into the database file; the writer keeps only the backstop',
  withDir(async (dir) => {
    const path = join(dir, 'ledger.sqlite');
    const store = new SqliteLedgerStore(openDatabase(path));
    store.checkpointInBackground(20);
    assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES);
    const before = statSync(path).size;
    for (let h = 0; h < BLOCKS; h++) store.commitBlock(block(h));
    // About 2.5 MB of new pages, far below the writer's 64 MiB threshold: only the worker moves them.
    assert.ok(await until(() => statSync(path).size > before + 1_000_000, 10_000), 'the database file did not grow');
    await store.stopBackgroundCheckpoints();
    store.close();
    assert.equal(existsSync(`${path}-wal`), false, 'the last connection closed cleanly and removed the WAL');
    const reopened = new SqliteLedgerStore(openDatabase(path));
    try {
      assert.equal(reopened.head()?.height, BLOCKS - 1);
      assert.equal(reopened.txCount(), BLOCKS * TXS_PER_BLOCK);
      assert.equal(reopened.getState('test', `k/${BLOCKS * TXS_PER_BLOCK - 1}`), `{"n":${BLOCKS * TXS_PER_BLOCK - 1}}`);
    } finally {
      reopened.close();
    }
  }),
);

void test(
  'control: with the same threshold and no checkpointer, the pages stay in the WAL',
  withDir(async (dir) => {
    const path = join(dir, 'ledger.sqlite');
    const store = new SqliteLedgerStore(openDatabase(path));
    store.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const before = statSync(path).size;
    for (let h = 0; h < BLOCKS; h++) store.commitBlock(block(h));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(statSync(path).size, before);
    assert.ok(statSync(`${path}-wal`).size > 1_000_000);
    store.close();
  }),
);

void test('an in-memory store keeps checkpoints inline; stopping without a checkpointer resolves', async () => {
  const store = new SqliteLedgerStore(openDatabase(':memory:'));
  store.checkpointInBackground();
  assert.notEqual(store.db.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES);
  await store.stopBackgroundCheckpoints();
  store.close();
});
