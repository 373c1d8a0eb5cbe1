// The offline verifier: re-derives a ledger from its stored envelopes and
// compares every byte that the node stored. Per block: header hash, prevHash
// chain, every signature and stateless check, a full re-execution (result
// codes, events, state writes, state hash), the log leaves and nodes and the
// log root. At the end the re-executed state must equal the stored state
// table row for row. The first mismatch names its height.
//
// Blocks stream from the store a few at a time: while the main thread
// re-executes block h in order, the worker pool (one thread per core) is
// already checking the signatures of the blocks after it. The log is kept as
// its right edge only (FrontierTree). A run may start from a checkpoint it
// saved earlier (checkpoint-file.ts): the blocks up to it are trusted as
// verified then, and only the blocks after it are re-executed.
import {
  EMPTY_HEAD,
  blockHashOf,
  buildBlock,
  claimsTxId,
  headAfter,
  rootAt,
  type BlockHeader,
  type ChainHead,
  type ContractRegistry,
  type OrderedCheck,
} from '../../ledger/index.js';
import { canonicalJson, toHex } from '../../crypto/index.js';
import type { BlockRow, LedgerStore, TxRow } from '../../storage/index.js';
import type { VerifyPool } from '../pipeline/verify-pool.js';
import { FrontierTree } from './frontier.js';
import { MemoryState } from './memory-state.js';

export interface VerifyProgress {
  height: number;
  total: number;
  /** Transactions verified so far (this run). */
  txs: number;
}

export type VerifyResult =
  | { ok: true; blocks: number; txs: number; fromHeight: number; state: MemoryState; head: ChainHead; logRoot: string }
  | { ok: false; height: number; reason: string };

/** Where a resumed run starts: a verified head and the state re-derived there. */
export interface VerifyStart {
  head: ChainHead;
  logRoot: string;
  txs: number;
  state: MemoryState;
}

export interface VerifyLedgerOptions {
  onProgress?: (p: VerifyProgress) => void;
  from?: VerifyStart;
}

/** Signature checks in flight ahead of execution, in transactions (enough to keep every worker busy). */
const READ_AHEAD_TXS = 4096;
const READ_AHEAD_BLOCKS = 64;

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

interface Pending {
  height: number;
  row: BlockRow | undefined;
  txs: TxRow[];
  checks: Promise<OrderedCheck[]>;
}

/** Reads blocks ahead of execution and starts their signature checks on the pool. */
class ReadAhead {
  private readonly queue: Pending[] = [];
  private next: number;
  private inFlight = 0;
  constructor(
    private readonly store: LedgerStore,
    private readonly pool: VerifyPool,
    from: number,
    private readonly end: number,
  ) {
    this.next = from;
  }

  private fill(): void {
    while (this.next < this.end && this.queue.length < READ_AHEAD_BLOCKS && (this.inFlight < READ_AHEAD_TXS || this.queue.length === 0)) {
      const height = this.next++;
      const row = this.store.getBlock(height);
      const txs = row === undefined ? [] : this.store.blockTxs(height);
      // Small blocks are checked inline (a worker round trip costs more than a few signatures).
      const checks = this.pool.check(txs.map((t) => t.envelope));
      // A rejected check is awaited when its block's turn comes; do not let it go unhandled meanwhile.
      checks.catch(() => undefined);
      this.inFlight += txs.length;
      this.queue.push({ height, row, txs, checks });
    }
  }

  async take(): Promise<{ height: number; row: BlockRow | undefined; txs: TxRow[]; checks: OrderedCheck[] }> {
    this.fill();
    const p = this.queue.shift()!;
    const checks = await p.checks;
    this.inFlight -= p.txs.length;
    this.fill();
    return { height: p.height, row: p.row, txs: p.txs, checks };
  }
}

export async function verifyLedger(
  store: LedgerStore,
  networkId: string,
  registry: ContractRegistry,
  pool: VerifyPool,
  options: VerifyLedgerOptions | ((p: VerifyProgress) => void) = {},
): Promise<VerifyResult> {
  const { onProgress = () => {}, from } = typeof options === 'function' ? { onProgress: options } : options;
  const last = store.head();
  if (!last) return { ok: false, height: 0, reason: 'ledger has no blocks' };
  const total = last.height + 1;
  const state = from?.state ?? new MemoryState();
  let head: ChainHead = from?.head ?? EMPTY_HEAD;
  let tree = new FrontierTree();
  if (from !== undefined) {
    const at = from.head.height;
    if (at > last.height) return { ok: false, height: last.height, reason: `checkpoint at height ${at} is beyond the ledger's head` };
    if (store.getBlock(at)?.hash !== from.head.hash) return { ok: false, height: at, reason: 'block at the checkpoint differs from the verified one' };
    const frontier = FrontierTree.of(from.head.logSize, (l, i) => store.getLogNode(l, i));
    if (frontier === undefined || toHex(rootAt(frontier, from.head.logSize)) !== from.logRoot) {
      return { ok: false, height: at, reason: 'log at the checkpoint differs from the verified one' };
    }
    tree = frontier;
    // Transactions claimed up to the checkpoint: the stored rows of those blocks (verified then).
    state.claimedBefore = (txId) => {
      const row = store.getTx(txId);
      return row !== undefined && row.height <= at && claimsTxId(row.code);
    };
  }
  const fromHeight = head.height + 1;
  let txCount = 0;
  let logRoot = from?.logRoot ?? '';
  const ahead = new ReadAhead(store, pool, fromHeight, total);
  for (let h = fromHeight; h < total; h++) {
    const { height, row, txs, checks } = await ahead.take();
    const fail = (reason: string): VerifyResult => ({ ok: false, height, reason });
    if (!row) return fail('block missing');
    const header = parseHeader(row.header);
    if (!header) return fail('stored header is not JSON');
    if (blockHashOf(header) !== row.hash) return fail('block hash does not match its header');
    if (header.prevHash !== head.hash) return fail('prevHash does not chain');
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
    logRoot = built.header.logRoot;
    onProgress({ height, total, txs: txCount });
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
  return { ok: true, blocks: total - fromHeight, txs: txCount, fromHeight, state, head, logRoot };
}
