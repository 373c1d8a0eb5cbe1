// `careledger verify --save-checkpoint` / `--from-checkpoint`: a daily audit
// re-executes only the blocks after yesterday's verified checkpoint, still
// names the first bad height after it, and refuses a checkpoint whose block
// or log no longer matches the store, or whose rows were edited.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { generateSigningKey } from '../src/crypto/index.js';
import { parseEnvelope } from '../src/ledger/index.js';
import { closeNode, initDevNetwork, keyHome, loadSigningKey, openNode, paths } from '../src/node/index.js';
import { memberRegistration, selfEnrolment, type SignedTx } from './helpers/load.js';
import { makeTempDir, removeDir, runCli } from './helpers/proc.js';

async function submitBlocks(dataDir: string, blocks: (network: string, admin: ReturnType<typeof loadSigningKey>) => SignedTx[][]): Promise<number> {
  const opened = openNode(dataDir, { verifyWorkers: 0 });
  try {
    const admin = loadSigningKey(keyHome(dataDir).adminKey);
    for (const txs of blocks(opened.config.networkId, admin)) {
      const results = await opened.node.submit(txs.map((t) => parseEnvelope(t.envelope)), { wait: true, timeoutMs: 10_000 });
      assert.ok(results?.every((r) => r.code === 'OK'), JSON.stringify(results));
    }
    return opened.node.head.height;
  } finally {
    await closeNode(opened);
  }
}

const verify = (dir: string, ...extra: string[]) => runCli(['verify', '--data-dir', dir, '--quiet', '--no-baseline', ...extra]);

test('verify resumes from a saved checkpoint and names the first bad height after it', { timeout: 120_000 }, async (t) => {
  const root = makeTempDir('careledger-verify-cp-');
  t.after(() => removeDir(root));
  const dir = join(root, 'node');
  await initDevNetwork(dir);
  const first = await submitBlocks(dir, (network, admin) => [
    [memberRegistration(network, admin, 'dr-a', ['practitioner'], [generateSigningKey().keyId]), selfEnrolment(network)],
    [selfEnrolment(network), selfEnrolment(network)],
  ]);
  const checkpoint = join(root, 'audit.checkpoint');
  const saved = await verify(dir, '--save-checkpoint', checkpoint);
  assert.equal(saved.code, 0, saved.stdout + saved.stderr);
  assert.match(saved.stdout, new RegExp(`^ok: ${first + 1} blocks`));
  assert.equal(statSync(checkpoint).mode & 0o777, 0o600);

  const head = await submitBlocks(dir, (network, admin) => [
    [memberRegistration(network, admin, 'dr-b', ['practitioner'], [generateSigningKey().keyId])],
    [selfEnrolment(network)],
  ]);
  assert.equal(head, first + 2);
  const resumed = await verify(dir, '--from-checkpoint', checkpoint);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`^ok: 2 blocks, 2 transactions verified after the checkpoint at height ${first} `));

  await t.test('a changed envelope after the checkpoint is named', async () => {
    const copy = join(root, 'after');
    cpSync(dir, copy, { recursive: true });
    const db = new Database(paths(copy).ledger);
    const row = db.prepare('SELECT leaf_index, envelope FROM txs WHERE height = ?').get(first + 2) as { leaf_index: number; envelope: Buffer };
    row.envelope[row.envelope.length - 10]! ^= 1;
    db.prepare('UPDATE txs SET envelope = ? WHERE leaf_index = ?').run(row.envelope, row.leaf_index);
    db.close();
    const r = await verify(copy, '--from-checkpoint', checkpoint);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^FAILED at height ${first + 2}: `));
  });

  await t.test("a store whose block at the checkpoint changed is refused at that height", async () => {
    const copy = join(root, 'at');
    cpSync(dir, copy, { recursive: true });
    const db = new Database(paths(copy).ledger);
    db.prepare("UPDATE blocks SET hash = ? WHERE height = ?").run('0'.repeat(64), first);
    db.close();
    const r = await verify(copy, '--from-checkpoint', checkpoint);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^FAILED at height ${first}: block at the checkpoint differs`));
  });

  await t.test('an edited checkpoint is refused', async () => {
    const edited = join(root, 'edited.checkpoint');
    writeFileSync(edited, readFileSync(checkpoint, 'utf8').replace('dr-a', 'dr-x'), { mode: 0o600 });
    const r = await verify(dir, '--from-checkpoint', edited);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /checkpoint rows do not match their digest/);
  });
});
