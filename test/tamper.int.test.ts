// Acceptance (ledger-core): "changing any stored byte of an envelope, a block
// header, a result or a state row makes careledger verify fail and name the
// height." A small ledger is built through a node and closed; each case
// copies the data dir, changes one byte or value of a row chosen by
// fast-check directly in ledger.sqlite, and runs `careledger verify`, which
// must exit 1 printing "FAILED at height N" for exactly the height that
// stored the row (for state rows: the row's `height` column; for log nodes:
// the block that appended the node's last leaf).
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { generateSigningKey } from '../src/crypto/index.js';
import { parseEnvelope } from '../src/ledger/index.js';
import { RESULT_CODES } from '../src/errors/index.js';
import { closeNode, initDevNetwork, keyHome, loadSigningKey, openNode, paths } from '../src/node/index.js';
import { keyRevocation, memberRegistration, selfEnrolment, type SignedTx } from './helpers/load.js';
import { makeTempDir, removeDir, runCli } from './helpers/proc.js';

const CASES_PER_KIND = 4;

/** One tamper: what to change in the copy's database, and the height verify must name. */
type Tamper = (db: Database.Database, pick: { row: number; at: number; value: number }) => { height: number; what: string };

function otherByte(old: number, value: number): number {
  return old === value % 256 ? (old + 1 + (value % 255)) % 256 : value % 256;
}

/** Replaces one character of ASCII text with another printable ASCII character. */
function otherChar(text: string, at: number, value: number): string {
  const i = at % text.length;
  let c = 32 + (value % 95);
  if (c === text.charCodeAt(i)) c = 32 + ((c - 32 + 1) % 95);
  return text.slice(0, i) + String.fromCharCode(c) + text.slice(i + 1);
}

const KINDS: Record<string, Tamper> = {
  'txs.envelope byte': (db, p) => {
    const rows = db.prepare('SELECT leaf_index, height, envelope FROM txs ORDER BY leaf_index').all() as Array<{ leaf_index: number; height: number; envelope: Buffer }>;
    const r = rows[p.row % rows.length]!;
    const bytes = Buffer.from(r.envelope);
    const at = p.at % bytes.length;
    bytes[at] = otherByte(bytes[at]!, p.value);
    db.prepare('UPDATE txs SET envelope = ? WHERE leaf_index = ?').run(bytes, r.leaf_index);
    return { height: r.height, what: `leaf ${r.leaf_index} byte ${at}` };
  },
  'blocks.header byte': (db, p) => {
    const rows = db.prepare('SELECT height, header FROM blocks ORDER BY height').all() as Array<{ height: number; header: string }>;
    const r = rows[p.row % rows.length]!;
    db.prepare('UPDATE blocks SET header = ? WHERE height = ?').run(otherChar(r.header, p.at, p.value), r.height);
    return { height: r.height, what: `header ${r.height} char ${p.at % r.header.length}` };
  },
  'blocks.hash byte': (db, p) => {
    const rows = db.prepare('SELECT height, hash FROM blocks ORDER BY height').all() as Array<{ height: number; hash: string }>;
    const r = rows[p.row % rows.length]!;
    const i = p.at % r.hash.length;
    const hex = '0123456789abcdef';
    const c = hex[(hex.indexOf(r.hash[i]!) + 1 + (p.value % 15)) % 16]!;
    db.prepare('UPDATE blocks SET hash = ? WHERE height = ?').run(r.hash.slice(0, i) + c + r.hash.slice(i + 1), r.height);
    return { height: r.height, what: `hash ${r.height} char ${i}` };
  },
  'txs.code': (db, p) => {
    const rows = db.prepare('SELECT leaf_index, height, code FROM txs ORDER BY leaf_index').all() as Array<{ leaf_index: number; height: number; code: string }>;
    const r = rows[p.row % rows.length]!;
    const codes = [...Object.keys(RESULT_CODES), 'ok', 'OK ', ''].filter((c) => c !== r.code);
    const code = codes[p.value % codes.length]!;
    db.prepare('UPDATE txs SET code = ? WHERE leaf_index = ?').run(code, r.leaf_index);
    return { height: r.height, what: `leaf ${r.leaf_index} code ${r.code} -> ${JSON.stringify(code)}` };
  },
  'txs.events byte': (db, p) => {
    const rows = db.prepare('SELECT leaf_index, height, events FROM txs ORDER BY leaf_index').all() as Array<{ leaf_index: number; height: number; events: string }>;
    const r = rows[p.row % rows.length]!;
    db.prepare('UPDATE txs SET events = ? WHERE leaf_index = ?').run(otherChar(r.events, p.at, p.value), r.leaf_index);
    return { height: r.height, what: `leaf ${r.leaf_index} events` };
  },
  'state.value byte': (db, p) => {
    const rows = db.prepare('SELECT ns, key, value, height FROM state ORDER BY ns, key').all() as Array<{ ns: string; key: string; value: string; height: number }>;
    const r = rows[p.row % rows.length]!;
    db.prepare('UPDATE state SET value = ? WHERE ns = ? AND key = ?').run(otherChar(r.value, p.at, p.value), r.ns, r.key);
    return { height: r.height, what: `state ${r.ns}/${r.key}` };
  },
  'log_nodes.hash byte': (db, p) => {
    const rows = db.prepare('SELECT level, idx, hash FROM log_nodes ORDER BY level, idx').all() as Array<{ level: number; idx: number; hash: Buffer }>;
    const r = rows[p.row % rows.length]!;
    const bytes = Buffer.from(r.hash);
    const at = p.at % bytes.length;
    bytes[at] = otherByte(bytes[at]!, p.value);
    db.prepare('UPDATE log_nodes SET hash = ? WHERE level = ? AND idx = ?').run(bytes, r.level, r.idx);
    // Complete-node append: node (level, idx) is written with leaf (idx + 1) * 2^level - 1.
    const lastLeaf = (r.idx + 1) * 2 ** r.level - 1;
    const { height } = db.prepare('SELECT height FROM txs WHERE leaf_index = ?').get(lastLeaf) as { height: number };
    return { height, what: `log node (${r.level}, ${r.idx}) byte ${at}` };
  },
};

/** Builds heights 0..6 with mixed transactions: OK ones, failures, state overwritten later. */
async function buildLedger(dataDir: string): Promise<number> {
  await initDevNetwork(dataDir);
  const opened = openNode(dataDir, { verifyWorkers: 0 });
  try {
    const network = opened.config.networkId;
    const admin = loadSigningKey(keyHome(dataDir).adminKey);
    const keys = Array.from({ length: 6 }, () => generateSigningKey());
    const blocks: SignedTx[][] = [
      [memberRegistration(network, admin, 'dr-a', ['practitioner'], [keys[0]!.keyId]), selfEnrolment(network)],
      [memberRegistration(network, admin, 'dr-b', ['practitioner', 'auditor'], [keys[1]!.keyId]), selfEnrolment(network, keys[2]!)],
      // A failure kept in its block: a registered practitioner acting as an org admin.
      [memberRegistration(network, keys[0]!, 'nobody', ['practitioner'], [keys[4]!.keyId]), selfEnrolment(network)],
      // Overwrites state written at height 1 (the key record of dr-a); a registered signer's stale transaction.
      [keyRevocation(network, admin, keys[0]!.keyId), memberRegistration(network, keys[1]!, 'late', ['auditor'], [keys[3]!.keyId], '2000-01-01T00:00:00.000Z')],
      [selfEnrolment(network), selfEnrolment(network), memberRegistration(network, admin, 'dr-c', ['pharmacist'], [keys[5]!.keyId])],
      [selfEnrolment(network)],
    ];
    for (const txs of blocks) {
      const results = await opened.node.submit(txs.map((t) => parseEnvelope(t.envelope)), { wait: true, timeoutMs: 10_000 });
      assert.ok(results?.every((r) => r.code !== 'TIMEOUT'));
    }
    return opened.node.head.height;
  } finally {
    await closeNode(opened);
  }
}

test('tamper: any changed byte makes careledger verify fail naming the height', { timeout: 600_000 }, async (t) => {
  const root = makeTempDir('careledger-tamper-');
  t.after(() => removeDir(root));
  const original = join(root, 'original');
  const head = await buildLedger(original);
  assert.equal(head, 6);

  await t.test('the untampered ledger verifies', async () => {
    const copy = join(root, 'untampered');
    cpSync(original, copy, { recursive: true });
    const r = await runCli(['verify', '--data-dir', copy, '--quiet', '--no-baseline']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok: 7 blocks/);
  });

  let n = 0;
  for (const [kind, tamper] of Object.entries(KINDS)) {
    await t.test(kind, async () => {
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(fc.record({ row: fc.nat(), at: fc.nat(), value: fc.nat() }), async (pick) => {
          const copy = join(root, `case-${++n}`);
          cpSync(original, copy, { recursive: true });
          const db = new Database(paths(copy).ledger);
          let expected: { height: number; what: string };
          try {
            expected = tamper(db, pick);
          } finally {
            db.close();
          }
          seen.add(expected.height);
          const r = await runCli(['verify', '--data-dir', copy, '--quiet', '--no-baseline']);
          removeDir(copy);
          assert.equal(r.code, 1, `${kind} (${expected.what}): exit ${String(r.code)}: ${r.stdout}${r.stderr}`);
          const named = /^FAILED at height (\d+): (.*)$/m.exec(r.stdout);
          assert.ok(named, `${kind} (${expected.what}): no height named: ${r.stdout}${r.stderr}`);
          assert.equal(Number(named[1]), expected.height, `${kind} (${expected.what}): named ${named[1]} (${named[2]})`);
        }),
        { numRuns: CASES_PER_KIND, endOnFailure: true },
      );
      t.diagnostic(`${kind}: heights ${[...seen].sort((a, b) => a - b).join(', ')}`);
    });
  }
});
