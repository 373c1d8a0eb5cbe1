// The offline verifier: re-derives a whole ledger from its stored envelopes
// and compares every byte that the node stored. Per block: header hash,
// prevHash chain, every signature and stateless check, a full re-execution
// (result codes, events, state writes, state hash), the log leaves and nodes
// and the log root. At the end the re-executed state must equal the stored
// state table row for row. The first mismatch names its height.
import {
  EMPTY_HEAD,
  MemoryTreeStore,
  blockHashOf,
  buildBlock,
  claimsTxId,
  headAfter,
  type BlockHeader,
  type ChainHead,
  type ContractRegistry,
  type OrderedCheck,
} from '../../ledger/index.js';
import { MemoryState } from './memory-state.js';
import { canonicalJson } from '../../crypto/index.js';
import type { LedgerStore } from '../../storage/index.js';
import type { VerifyPool } from '../pipeline/verify-pool.js';

export interface VerifyProgress {
  height: number;
  total: number;
}

export type VerifyResult =
  | { ok: true; blocks: number; txs: number }
  | { ok: false; height: number; reason: string };


function parseHeader(text: string): BlockHeader | undefined {
  try {
    return JSON.parse(text) as BlockHeader;
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

export async function verifyLedger(
  store: LedgerStore,
  networkId: string,
  registry: ContractRegistry,
  pool: VerifyPool,
  onProgress: (p: VerifyProgress) => void = () => {},
): Promise<VerifyResult> {
  const last = store.head();
  if (!last) return { ok: false, height: 0, reason: 'ledger has no blocks' };
  const total = last.height + 1;
  const state = new MemoryState();
  const tree = new MemoryTreeStore();
  let head: ChainHead = EMPTY_HEAD;
  let txCount = 0;
  for (let height = 0; height < total; height++) {
    const fail = (reason: string): VerifyResult => ({ ok: false, height, reason });
    const row = store.getBlock(height);
    if (!row) return fail('block missing');
    const header = parseHeader(row.header);
    if (!header) return fail('stored header is not JSON');
    if (blockHashOf(header) !== row.hash) return fail('block hash does not match its header');
    if (header.prevHash !== head.hash) return fail('prevHash does not chain');
    const txs = store.blockTxs(height);
    const checks: OrderedCheck[] = await pool.check(txs.map((t) => t.envelope));
    const entries = txs.map((t, i) => ({ bytes: t.envelope, check: checks[i]! }));
    const built = buildBlock(head, networkId, header.time, entries, state, tree, registry);
    if (canonicalJson(built.header) !== canonicalJson(header)) {
      const field = (Object.keys(header) as Array<keyof BlockHeader>).find((k) => built.header[k] !== header[k]);
      return fail(`re-executed header differs${field ? ` in ${field}` : ''}`);
    }
    for (const [i, t] of txs.entries()) {
      const re = built.outcome.txs[i]!;
      if (t.leafIndex !== built.firstLeaf + i || t.index !== i) return fail(`transaction ${i} is out of place`);
      if (t.txId !== re.txId) return fail(`transaction ${i} id differs`);
      if (t.code !== re.code) return fail(`transaction ${i} result ${t.code} differs from re-executed ${re.code}`);
      if (t.events !== JSON.stringify(re.events)) return fail(`transaction ${i} events differ`);
    }
    for (const n of built.logNodes) {
      if (!sameBytes(store.getLogNode(n.level, n.index), n.hash)) return fail(`log node (${n.level}, ${n.index}) differs`);
      tree.put(n.level, n.index, n.hash);
    }
    for (const w of built.outcome.writes) {
      if (w.text === null) state.delete(w.namespace, w.key);
      else state.set(w.namespace, w.key, { value: w.text, height });
    }
    for (const t of built.outcome.txs) if (claimsTxId(t.code)) state.txIds.add(t.txId);
    txCount += txs.length;
    head = headAfter(built);
    onProgress({ height, total });
  }
  if (head.hash !== last.hash) return { ok: false, height: last.height, reason: 'head hash differs' };
  const seen = new Set<string>();
  for (const r of store.allState()) {
    const k = r.namespace + '\u0000' + r.key;
    seen.add(k);
    const expected = state.values.get(k);
    if (!expected) return { ok: false, height: r.height, reason: `stored state ${r.namespace}/${r.key} was never written` };
    if (expected.value !== r.value || expected.height !== r.height) {
      return { ok: false, height: expected.height, reason: `stored state ${r.namespace}/${r.key} differs` };
    }
  }
  for (const [k, v] of state.values) {
    if (!seen.has(k)) return { ok: false, height: v.height, reason: `state ${k.replace('\u0000', '/')} is missing` };
  }
  return { ok: true, blocks: total, txs: txCount };
}
