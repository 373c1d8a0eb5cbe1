// The node checked by a second implementation of ARCHITECTURE section 4
// (./verifier.ts, which imports nothing from src/ledger or src/crypto): it signs
// transactions the node accepts over real HTTP, recomputes their txIds, and
// verifies the node's inclusion proofs, consistency proofs, checkpoint
// signatures and block hash chain. src/node and src/api are used only to set
// the node up (test/helpers/node.ts).
// Vectors: RFC 8785 section 3.2.3 (string escaping), RFC 6962 / CT reference
// roots (test/vectors/rfc6962-merkle.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { startTestNode } from '../helpers/node.js';
import {
  blockHashOf,
  fromB64url,
  jcs,
  keyIdOf,
  leafHashOf,
  merkleRoot,
  parseCheckpoint,
  referencePath,
  referenceProof,
  sha256,
  signTx,
  signedReadHeader,
  txIdOf,
  verifyCheckpoint,
  verifyConsistency,
  verifyEnvelope,
  verifyInclusion,
  type Envelope,
  type Json,
  type TxDraft,
} from './verifier.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const flipped = (b: Uint8Array, i = 0): Buffer => {
  const c = Buffer.from(b);
  c[i % c.length] = c[i % c.length]! ^ 0x01;
  return c;
};
const decodeAll = (hashes: readonly string[]): Buffer[] =>
  hashes.map((h) => {
    const b = fromB64url(h);
    assert.ok(b, `proof hash ${h} is not base64url`);
    return b;
  });

void test('own JCS matches RFC 8785 escaping and the canonicalize package on the ledger subset', () => {
  // RFC 8785 section 3.2.3: the "string" member of the example.
  assert.equal(jcs('\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/'), '"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"');
  assert.equal(jcs({ b: [1, -0, true, null], a: { '\u00e9': 'x', e: '' } }), '{"a":{"e":"","\u00e9":"x"},"b":[1,0,true,null]}');
  assert.throws(() => jcs(1.5), TypeError);
  assert.throws(() => jcs('\ud800'), TypeError);
  const str = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }));
  const { value } = fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      str,
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(str, tie('value'), { maxKeys: 5 }),
    ),
  }));
  fc.assert(fc.property(value, (v) => jcs(v) === canonicalize(v)), { numRuns: 500 });
});

void test('own RFC 9162 code: CT reference roots, and verifiers accept exactly the reference proofs', () => {
  const vectors = JSON.parse(readFileSync(new URL('../../../test/vectors/rfc6962-merkle.json', import.meta.url), 'utf8')) as {
    leavesHex: string[];
    emptyTreeRoot: string;
    rootsBySize: Record<string, string>;
  };
  const leaves = vectors.leavesHex.map((h) => sha256(Buffer.of(0), Buffer.from(h, 'hex')));
  assert.equal(hex(merkleRoot([])), vectors.emptyTreeRoot);
  for (const [n, root] of Object.entries(vectors.rootsBySize)) assert.equal(hex(merkleRoot(leaves.slice(0, Number(n)))), root);

  const all = Array.from({ length: 20 }, (_, i) => sha256(Buffer.from([i])));
  for (let n = 1; n <= all.length; n++) {
    const tree = all.slice(0, n);
    const root = merkleRoot(tree);
    for (let m = 0; m < n; m++) {
      const path = referencePath(m, tree);
      assert.ok(verifyInclusion(m, n, tree[m]!, path, root), `inclusion ${m} in ${n}`);
      if (n > 1) assert.ok(!verifyInclusion((m + 1) % n, n, tree[m]!, path, root), `wrong index ${m} in ${n}`);
      if (path.length > 0) assert.ok(!verifyInclusion(m, n, tree[m]!, [flipped(path[0]!), ...path.slice(1)], root));
      if (path.length > 0) assert.ok(!verifyInclusion(m, n, tree[m]!, path.slice(0, -1), root), 'truncated path');
      assert.ok(!verifyInclusion(m, n, tree[m]!, [...path, root], root), 'extended path');
    }
    for (let m = 1; m <= n; m++) {
      const proof = referenceProof(m, tree);
      const oldRoot = merkleRoot(tree.slice(0, m));
      assert.ok(verifyConsistency(m, n, oldRoot, root, proof), `consistency ${m} -> ${n}`);
      if (proof.length > 0) {
        assert.ok(!verifyConsistency(m, n, oldRoot, root, [...proof.slice(0, -1), flipped(proof.at(-1)!)]));
        assert.ok(!verifyConsistency(m, n, flipped(oldRoot), root, proof));
        assert.ok(!verifyConsistency(m, n, oldRoot, flipped(root), proof));
      }
    }
  }
});

interface TxResponse {
  txId: string;
  code: string;
  leafIndex: number;
  envelope: Envelope;
  proof: { treeSize: number; leafIndex: number; hashes: string[] };
  checkpoint: string;
}
interface BlockHeader {
  [key: string]: Json;
  height: number;
  prevHash: string;
  time: string;
  txCount: number;
  logSize: number;
  logRoot: string;
  resultsHash: string;
  stateHash: string;
}
interface BlocksResponse {
  blocks: Array<{ height: number; hash: string; header: BlockHeader; txs: Array<{ txId: string; code: string; leafIndex: number; envelope: Envelope }> }>;
  height: number;
}

void test('the node agrees with the independent implementation of section 4 over HTTP', async (t) => {
  const fixture = await startTestNode({ listen: true });
  t.after(() => fixture.close());
  const base = `${fixture.url}/ledger/v1`;
  // Full blocks and transactions are for ledger readers: once the admin key is loaded, reads are signed with it.
  let readAs: ((path: string) => string) | undefined = undefined;
  const get = async <T>(path: string, signed = true): Promise<T> => {
    const headers: Record<string, string> = signed && readAs ? { authorization: readAs('/ledger/v1' + path) } : {};
    const res = await fetch(base + path, { signal: AbortSignal.timeout(10_000), headers });
    assert.equal(res.status, 200, `GET ${path}`);
    return (res.headers.get('content-type') ?? '').startsWith('text/plain') ? ((await res.text()) as T) : ((await res.json()) as T);
  };
  const post = async (envelopes: Envelope[]): Promise<Array<{ txId: string; code: string; height: number; index: number }>> => {
    const res = await fetch(`${base}/transactions?wait=commit&timeoutMs=10000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelopes.length === 1 ? envelopes[0] : envelopes),
      signal: AbortSignal.timeout(15_000),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { results: Array<{ txId: string; code: string; height: number; index: number }> }).results;
  };

  const info = await get<{ networkId: string; nodeKeyId: string; logSize: number }>('/node');
  const network = info.networkId;
  const admin = createPrivateKey(readFileSync(fixture.init.adminKeyFile, 'utf8'));
  assert.equal(keyIdOf(admin), fixture.init.adminKeyId);
  readAs = (path) => signedReadHeader(admin, network, 'GET', path);
  // Generated as DER and imported (a generated KeyObject's JWK export can deadlock with GC on Node 20).
  const fresh = (): KeyObject =>
    createPrivateKey({
      key: generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'der', type: 'pkcs8' }, publicKeyEncoding: { format: 'der', type: 'spki' } }).privateKey,
      format: 'der',
      type: 'pkcs8',
    });
  const identity = (action: string, args: { [k: string]: Json }): TxDraft => ({ network, contract: 'identity', action, args });

  // Checkpoints as the tree grows, verified with the node key id the node announces.
  const checkpoints = [verifyCheckpoint(await get<string>('/checkpoint'), info.nodeKeyId)];
  const submitted: Array<{ envelope: Envelope; txId: string; code: string }> = [];
  const submit = async (items: Array<{ envelope: Envelope; txId: string }>, expected = 'OK'): Promise<void> => {
    const results = await post(items.map((i) => i.envelope));
    assert.equal(results.length, items.length);
    results.forEach((r, i) => {
      assert.equal(r.txId, items[i]!.txId, 'node txId equals the independently computed txId');
      assert.equal(r.code, expected);
      submitted.push({ ...items[i]!, code: r.code });
    });
    checkpoints.push(verifyCheckpoint(await get<string>('/checkpoint'), info.nodeKeyId));
  };

  const alice = fresh();
  const bob = fresh();
  await submit([signTx(identity('register-member', { memberId: 'alice', roles: ['practitioner'], keys: [keyIdOf(alice)] }), admin)]);
  await submit([
    signTx(identity('register-member', { memberId: 'bob', roles: ['auditor'], licence: 'L-1', keys: [keyIdOf(bob)] }), admin),
    signTx(identity('set-member-roles', { memberId: 'alice', roles: ['practitioner', 'privacy-officer'] }), admin),
  ]);
  // A member key signs: alice registers a patient in her organisation's custody.
  await submit([signTx(identity('register-patient', { keys: [keyIdOf(fresh())] }), alice)]);
  // An unregistered key enrols itself.
  const self = fresh();
  await submit([signTx(identity('register-patient', { keys: [keyIdOf(self)] }), self)]);
  // A bad signature is refused at the edge and never ordered (issue 9, finding 5)...
  const forged = signTx(identity('register-member', { memberId: 'mallory', roles: ['auditor'], keys: [keyIdOf(fresh())] }), admin);
  const badSig = { envelope: { ...forged.envelope, sig: signTx(identity('x', {}), admin).envelope.sig }, txId: forged.txId };
  assert.ok(!verifyEnvelope(badSig.envelope));
  const refused = await fetch(`${base}/transactions?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(badSig.envelope) });
  assert.equal(refused.status, 400);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'BAD_SIGNATURE');
  // ...while a registered signer's transaction that breaks a contract rule is ordered and logged with its code.
  await submit([signTx(identity('register-member', { memberId: 'eve', roles: ['auditor'], keys: [keyIdOf(fresh())] }), alice)], 'UNAUTHORIZED');
  await submit([signTx(identity('revoke-key', { keyId: keyIdOf(bob), reason: 'left' }), admin)]);

  for (const cp of checkpoints) {
    assert.ok(cp, 'every checkpoint verifies under the node key');
    assert.equal(cp.origin, network);
  }
  const last = checkpoints.at(-1)!;
  assert.equal(last.treeSize, 1 + submitted.length);

  // Inclusion of every submitted transaction against the checkpoint served with it.
  for (const s of submitted) {
    const view = await get<TxResponse>(`/transactions/${s.txId}`);
    assert.equal(view.txId, s.txId);
    assert.equal(view.code, s.code);
    assert.equal(jcs(view.envelope), jcs(s.envelope));
    assert.equal(txIdOf(view.envelope.tx), s.txId);
    const cp = verifyCheckpoint(view.checkpoint, info.nodeKeyId);
    assert.ok(cp);
    assert.equal(cp.treeSize, view.proof.treeSize);
    assert.equal(view.proof.leafIndex, view.leafIndex);
    const leaf = leafHashOf(s.envelope);
    const path = decodeAll(view.proof.hashes);
    assert.ok(verifyInclusion(view.leafIndex, cp.treeSize, leaf, path, cp.root), `inclusion of ${s.txId}`);
    // Negative checks: a flipped proof byte, a wrong leaf index, an altered root.
    path.forEach((_, i) => assert.ok(!verifyInclusion(view.leafIndex, cp.treeSize, leaf, path.map((p, j) => (i === j ? flipped(p, 7) : p)), cp.root)));
    assert.ok(!verifyInclusion(view.leafIndex ^ 1, cp.treeSize, leaf, path, cp.root));
    assert.ok(!verifyInclusion(view.leafIndex, cp.treeSize, leaf, path, flipped(cp.root)));
    assert.ok(!verifyInclusion(view.leafIndex, cp.treeSize, flipped(leaf), path, cp.root));
  }

  // Checkpoint negatives: altered root, altered size, another key, a stripped signature.
  const note = await get<string>('/checkpoint');
  assert.ok(verifyCheckpoint(note, info.nodeKeyId));
  const [origin, size, rootLine, ...rest] = note.split('\n');
  const alteredRoot = [origin, size, flipped(Buffer.from(rootLine!, 'base64'), 31).toString('base64'), ...rest].join('\n');
  assert.ok(parseCheckpoint(alteredRoot), 'altered note still parses');
  assert.equal(verifyCheckpoint(alteredRoot, info.nodeKeyId), undefined);
  assert.equal(verifyCheckpoint([origin, String(Number(size) + 1), rootLine, ...rest].join('\n'), info.nodeKeyId), undefined);
  assert.equal(verifyCheckpoint(note, keyIdOf(admin)), undefined);
  assert.equal(verifyCheckpoint(note.slice(0, note.indexOf('\n\n') + 2), info.nodeKeyId), undefined);

  // Consistency between every pair of checkpoints seen.
  for (const [i, a] of checkpoints.entries()) {
    for (const b of checkpoints.slice(i + 1)) {
      const proof = await get<{ from: number; to: number; hashes: string[] }>(`/proofs/consistency?from=${a!.treeSize}&to=${b!.treeSize}`);
      const hashes = decodeAll(proof.hashes);
      assert.ok(verifyConsistency(a!.treeSize, b!.treeSize, a!.root, b!.root, hashes), `consistency ${a!.treeSize} -> ${b!.treeSize}`);
      if (hashes.length > 0) assert.ok(!verifyConsistency(a!.treeSize, b!.treeSize, a!.root, b!.root, [flipped(hashes[0]!), ...hashes.slice(1)]));
      assert.ok(!verifyConsistency(a!.treeSize, b!.treeSize, flipped(a!.root), b!.root, hashes));
      assert.ok(!verifyConsistency(a!.treeSize, b!.treeSize, a!.root, flipped(b!.root), hashes));
    }
  }

  // The block hash chain and every log root recomputed from all envelopes.
  const { blocks, height } = await get<BlocksResponse>('/blocks?from=0&limit=100');
  assert.equal(blocks.length, height + 1);
  const leaves: Buffer[] = [];
  let prevHash = '0'.repeat(64);
  for (const [i, block] of blocks.entries()) {
    assert.equal(block.height, i);
    assert.equal(block.header.height, i);
    assert.equal(block.hash, blockHashOf(block.header), `block ${i} hash`);
    assert.equal(block.header.prevHash, prevHash, `block ${i} prevHash`);
    assert.equal(block.header.txCount, block.txs.length);
    for (const tx of block.txs) {
      assert.equal(tx.leafIndex, leaves.length);
      assert.equal(tx.txId, txIdOf(tx.envelope.tx));
      assert.equal(verifyEnvelope(tx.envelope), tx.code !== 'BAD_SIGNATURE', `signature of ${tx.txId}`);
      leaves.push(leafHashOf(tx.envelope));
    }
    assert.equal(block.header.logSize, leaves.length);
    assert.equal(block.header.logRoot, hex(merkleRoot(leaves)), `block ${i} logRoot`);
    prevHash = block.hash;
  }
  assert.equal(leaves.length, last.treeSize);
  assert.equal(hex(merkleRoot(leaves)), hex(last.root));
  // Each checkpoint's block line names the block whose log size is the checkpoint's size.
  for (const cp of checkpoints) {
    assert.ok(cp!.block, 'node checkpoints carry the careledger-block line');
    const named = blocks[cp!.block.height]!;
    assert.equal(named.hash, cp!.block.hash);
    assert.equal(blockHashOf(named.header), cp!.block.hash);
    assert.equal(named.header.logSize, cp!.treeSize);
  }
  // Without credentials the same blocks list each leaf's hash, which the envelopes reproduce.
  const open = await get<{ blocks: Array<{ hash: string; txs: Array<{ leafIndex: number; leafHash: string; envelope?: unknown }> }> }>('/blocks?from=0&limit=100', false);
  assert.deepEqual(open.blocks.map((b) => b.hash), blocks.map((b) => b.hash));
  const openLeaves = open.blocks.flatMap((b) => b.txs);
  assert.ok(openLeaves.every((t) => t.envelope === undefined));
  assert.deepEqual(openLeaves.map((t) => t.leafHash), leaves.map((l) => l.toString('base64url')));
  const after = await get<{ blockHash: string; logSize: number }>('/node');
  assert.equal(after.blockHash, prevHash);
  assert.equal(after.logSize, leaves.length);
});
