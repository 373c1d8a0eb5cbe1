// A CareLedger node: the pipeline order -> verify -> execute -> commit
// (ARCHITECTURE section 3) over a LedgerStore and an Orderer, with commit
// waiters for `?wait=commit`, block listeners for SSE, and a signed
// checkpoint after every block.
import { EventEmitter } from 'node:events';
import { fromHex, sha256Hex, toBase64Url, type SigningKey } from '../../crypto/index.js';
import {
  EMPTY_HEAD,
  assembleBlock,
  BlockExecution,
  nextBlockInput,
  consistencyProof,
  emptyRoot,
  formatCheckpointBody,
  headAfter,
  inclusionProof,
  signCheckpoint,
  type BlockHeader,
  type ChainHead,
  type ContractRegistry,
  type JsonValue,
  type OrderedCheck,
  type BlockView,
  type CommittedBlock,
  type InclusionProof,
  type StateReader,
  type StateRow,
  type TreeNodeReader,
  type TxView,
} from '../../ledger/index.js';
import {
  CareLedgerError,
  type ResultCode,
} from '../../errors/index.js';
import type { OrderedBatch, Orderer, OrdererHealth } from '../../ordering/index.js';
import type { LedgerStore, TxRow } from '../../storage/index.js';
import { CheckedCache, batchChecks } from './checked-cache.js';
import { blockViewOf, txViewOf } from './row-views.js';
import { StateCache } from './state-cache.js';
import { SubmitGate, type SubmitItem, type SubmitLimits } from './submit-gate.js';
import { OrderingGate } from './ordering-gate.js';
import { isStorageFault, storageFaultOf, type StorageFault } from '../../errors/index.js';
import { VerifyPool } from './verify-pool.js';

export interface TxResult {
  txId: string;
  code: ResultCode;
  height: number;
  index: number;
}

export type { CommittedBlock };

export interface LedgerNodeOptions {
  networkId: string;
  /** The organisation running this node (node.json orgId). */
  orgId: string;
  nodeKey: SigningKey;
  store: LedgerStore;
  orderer: Orderer;
  registry: ContractRegistry;
  /** Worker threads for signature checks; 0 checks inline. */
  verifyWorkers?: number;
  /** Called if committing a block fails: the node cannot go on safely. */
  onFatal?: (error: unknown) => void;
  /** Submission quotas at this node's edge (defaults: DEFAULT_SUBMIT_LIMITS). */
  limits?: Partial<SubmitLimits>;
  /** How long a submission waits for the orderer's acknowledgement (default ORDERING_DEADLINE_MS). */
  orderingDeadlineMs?: number;
}

function rootFromHex(hex: string | undefined): Uint8Array {
  const root = hex === undefined ? undefined : fromHex(hex);
  return root ?? emptyRoot();
}

/** Batches whose signatures are checked ahead of the one being executed. */
const PIPELINE_DEPTH = 3;

interface Waiter { txId: string; resolve: (r: TxResult) => void; timer: NodeJS.Timeout }

function waiterKey(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

export class LedgerNode {
  readonly networkId: string;
  readonly orgId: string;
  readonly nodeKey: SigningKey;
  /** Only the node reads its store: everything above it goes through the reads below or the ledger port. */
  private readonly store: LedgerStore;
  readonly registry: ContractRegistry;
  private readonly orderer: Orderer;
  private readonly pool: VerifyPool;
  private readonly events = new EventEmitter();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly tree: TreeNodeReader;
  private readonly stateCache: StateCache;
  private readonly gate: SubmitGate;
  /** Orders with a deadline; its latency and error counts are the ordering metrics. */
  readonly ordering: OrderingGate;
  private storageFaultState: StorageFault | undefined;
  /** The in-process orderer's log refused a batch on a full or failing disk (cleared by the next one it takes). */
  private orderingStorageFault: StorageFault | undefined;
  private readonly checked = new CheckedCache();
  private readonly onFatal: (error: unknown) => void;
  private headState: ChainHead;
  private checkpointNote: string;
  private closed = false;
  /** Set first thing in close(): a commit waiting out a storage fault gives up (halted), and nothing commits after it. */
  private closing = false;
  private halted = false;
  private pipeline: Promise<void> = Promise.resolve();
  private readonly inFlight: Promise<void>[] = [];

  constructor(options: LedgerNodeOptions) {
    this.networkId = options.networkId;
    this.orgId = options.orgId;
    this.nodeKey = options.nodeKey;
    this.store = options.store;
    this.registry = options.registry;
    this.orderer = options.orderer;
    this.pool = new VerifyPool(options.verifyWorkers);
    this.onFatal = options.onFatal ?? ((e) => { throw e; });
    this.tree = { getNode: (level, index) => this.store.getLogNode(level, index) };
    this.stateCache = new StateCache(this.store);
    this.gate = new SubmitGate({
      networkId: this.networkId,
      nodeKeyId: this.nodeKey.keyId,
      registry: this.registry,
      state: this.stateCache.reader,
      pool: this.pool,
      ...(options.limits ? { limits: options.limits } : {}),
      // A block on committed state that is never committed: synchronous, so no block commits in between.
      dryRun: (entries) => {
        const execution = new BlockExecution(nextBlockInput(this.headState, this.networkId, new Date().toISOString()), this.stateCache, this.registry);
        for (const entry of entries) execution.add(entry);
        return execution.finish().txs.map((t) => t.code);
      },
    });
    this.ordering = new OrderingGate(this.orderer, options.orderingDeadlineMs);
    this.events.setMaxListeners(0);
    this.headState = this.loadHead();
    this.checkpointNote = this.signCheckpointNote();
  }

  private loadHead(): ChainHead {
    const row = this.store.head();
    if (!row) return EMPTY_HEAD;
    const header = JSON.parse(row.header) as BlockHeader;
    return { height: header.height, hash: row.hash, stateHash: header.stateHash, time: header.time, logSize: header.logSize };
  }

  /** Starts delivery from the batch after the last committed block. */
  start(): void {
    const last = this.store.head()?.ordererSeq ?? 0;
    this.orderer.start(last, (batch) => this.applyBatch(batch));
  }

  /** Committed state as read-only parsed values, cached and kept current block by block. */
  get state(): StateReader {
    return this.stateCache.reader;
  }

  get head(): ChainHead {
    return this.headState;
  }

  /** The latest signed checkpoint (C2SP signed note). */
  get checkpoint(): string {
    return this.checkpointNote;
  }

  /** Signs the checkpoint of the head; `logRoot` is the head block's, read from the store if not given. */
  private signCheckpointNote(logRoot?: string): string {
    const h = this.headState;
    if (h.height < 0) return signCheckpoint(formatCheckpointBody({ origin: this.networkId, treeSize: 0, root: rootFromHex(undefined) }), this.nodeKey);
    const root = rootFromHex(logRoot ?? this.headerOf(h.height)?.logRoot);
    return signCheckpoint(
      formatCheckpointBody({ origin: this.networkId, treeSize: h.logSize, root, block: { height: h.height, hash: h.hash } }),
      this.nodeKey,
    );
  }

  private headerOf(height: number): BlockHeader | undefined {
    const row = this.store.getBlock(height);
    return row && (JSON.parse(row.header) as BlockHeader);
  }

  /**
   * Pipelines delivery: the worker pool checks the signatures of the next
   * batches while this thread executes and commits the current one. Blocks
   * still commit strictly in order; at most PIPELINE_DEPTH batches are ahead.
   */
  private async applyBatch(batch: OrderedBatch): Promise<void> {
    if (batch.envelopes.length === 0 || this.closed) return;
    const chunks = batchChecks(batch.envelopes, this.checked, (run) => this.pool.checkChunks(run));
    for (const c of chunks) c.catch(() => undefined); // observed by commitBatch
    const committed = this.pipeline.then(() => this.commitBatch(batch, chunks));
    this.pipeline = committed.catch(() => undefined);
    this.inFlight.push(committed);
    void committed.finally(() => this.inFlight.splice(this.inFlight.indexOf(committed), 1)).catch(() => undefined);
    if (this.inFlight.length >= PIPELINE_DEPTH) await this.inFlight[0];
  }

  /**
   * Executes the batch chunk by chunk as its signature checks arrive (the
   * first entries run while the workers still check the last), then commits
   * the block. Nothing else changes the head or committed state meanwhile:
   * blocks commit one at a time, in order, through this.pipeline.
   */
  private async commitBatch(batch: OrderedBatch, chunks: Array<Promise<OrderedCheck[]>>): Promise<void> {
    // A full or failing disk is not a reason to die: the block's transaction rolled back, so the same
    // batch is executed and committed again once the storage takes writes (readiness says why meanwhile).
    for (let attempt = 0; ; attempt++) {
      try {
        await this.commitBatchOnce(batch, chunks);
        this.storageFaultState = undefined;
        return;
      } catch (error) {
        if (!isStorageFault(error)) throw error;
        this.storageFaultState ??= storageFaultOf(error);
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5))));
        if (this.closing) {
          this.halted = true; // a restart resumes from the last committed block
          return;
        }
      }
    }
  }

  /** The orderer's reachability and this node's lag; undefined for the in-process orderer. */
  ordererHealth(): OrdererHealth | undefined {
    return this.orderer.health?.();
  }

  /** A storage fault (full disk, I/O error) that blocks commits now, if any. */
  get storageFault(): StorageFault | undefined {
    return this.storageFaultState ?? this.orderingStorageFault;
  }

  private async commitBatchOnce(batch: OrderedBatch, chunks: Array<Promise<OrderedCheck[]>>): Promise<void> {
    if (this.closed || this.halted) return;
    try {
      const head = this.headState;
      const execution = new BlockExecution(nextBlockInput(head, this.networkId, batch.time), this.stateCache, this.registry);
      const leafHashes: Uint8Array[] = [];
      for (const chunk of chunks) {
        for (const check of await chunk) {
          execution.add({ bytes: batch.envelopes[leafHashes.length]!, check });
          leafHashes.push(check.leafHash);
        }
      }
      if (leafHashes.length !== batch.envelopes.length) throw new Error(`checked ${leafHashes.length} of ${batch.envelopes.length} envelopes`);
      const built = assembleBlock(head, execution.finish(), leafHashes, this.tree);
      const { header, outcome, firstLeaf } = built;
      const txRows: TxRow[] = outcome.txs.map((t, index) => ({
        leafIndex: firstLeaf + index,
        txId: t.txId,
        height: header.height,
        index,
        envelope: t.bytes,
        code: t.code,
        events: JSON.stringify(t.events),
      }));
      this.store.commitBlock({
        block: { height: header.height, hash: built.hash, header: JSON.stringify(header), ordererSeq: batch.seq },
        txs: txRows,
        state: outcome.writes.map((w) => ({ namespace: w.namespace, key: w.key, value: w.text })),
        logNodes: built.logNodes,
      });
      this.stateCache.applyCommitted(outcome.writes);
      this.headState = headAfter(built);
      // The checkpoint names the head block too (careledger-block extension), so
      // nodes whose state diverged disagree on a signed body (witnessing).
      this.checkpointNote = this.signCheckpointNote(header.logRoot);
      outcome.txs.forEach((t, index) =>
        this.settle(waiterKey(t.bytes), { txId: t.txId, code: t.code, height: header.height, index }),
      );
      const committed: CommittedBlock = {
        header,
        hash: built.hash,
        txs: outcome.txs.map((t) => ({ txId: t.txId, code: t.code, events: t.events })),
      };
      this.events.emit('block', committed);
    } catch (error) {
      if (!isStorageFault(error)) this.onFatal(error);
      throw error;
    }
  }

  /** Resolves the oldest waiter for exactly these envelope bytes: one result per occurrence. */
  private settle(key: string, result: TxResult): void {
    const list = this.waiters.get(key);
    const w = list?.shift();
    if (!w) return;
    if (list?.length === 0) this.waiters.delete(key);
    clearTimeout(w.timer);
    w.resolve(result);
  }

  /**
   * Orders envelopes (JCS bytes already parsed at the edge) once the submit
   * gate admits them: a bad signature, an unknown or revoked signer or a
   * spent quota refuses the whole request with a SubmitRefusal and orders
   * nothing (submit-gate.ts). An envelope whose exact bytes are already
   * committed is not ordered again: its original result is the answer
   * (retries are idempotent). The orderer must acknowledge within the
   * ordering deadline, else OrderingUnavailable (ordering-gate.ts). With
   * `wait`, resolves with each transaction's result once committed (TIMEOUT
   * code if `timeoutMs` passes first); otherwise once the batch is durably
   * ordered, with the results of those already committed.
   */
  async submit(items: readonly SubmitItem[], options: { wait?: boolean; timeoutMs?: number } = {}): Promise<TxResult[] | undefined> {
    const outcome = await this.submitTracked(items, options);
    if (!options.wait) return undefined;
    return outcome as TxResult[];
  }

  /**
   * submit(), answering for every envelope: its result when committed
   * (before or during the call, with `wait`), undefined when only ordered.
   */
  async submitTracked(items: readonly SubmitItem[], options: { wait?: boolean; timeoutMs?: number } = {}): Promise<Array<TxResult | undefined>> {
    if (this.closed) throw new CareLedgerError('UNAVAILABLE', 'node is shutting down');
    const known = items.map((item) => this.committedResult(item));
    const fresh = items.filter((_, i) => known[i] === undefined);
    if (fresh.length === 0) return known;
    const bytes = fresh.map((i) => i.bytes);
    const checks = await this.gate.admit(fresh);
    if (this.closed) throw new CareLedgerError('UNAVAILABLE', 'node is shutting down');
    this.checked.remember(bytes, checks);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const keys = fresh.map((item) => waiterKey(item.bytes));
    const waits = options.wait ? fresh.map((item, i) => this.waitFor(item.txId, keys[i]!, timeoutMs)) : [];
    try {
      await this.ordering.order(fresh.map((item, i) => ({ txId: item.txId, key: keys[i]!, bytes: item.bytes })), options.wait ? options.timeoutMs : undefined);
      this.orderingStorageFault = undefined;
    } catch (error) {
      keys.forEach((key) => this.dropWaiter(key));
      if (isStorageFault(error)) this.orderingStorageFault ??= storageFaultOf(error);
      throw error;
    }
    const results = options.wait ? await Promise.all(waits) : [];
    let next = 0;
    return known.map((r) => r ?? results[next++]);
  }

  /** The original result of an envelope whose exact bytes are committed, if they are. */
  private committedResult(item: SubmitItem): TxResult | undefined {
    const row = this.store.getTx(item.txId);
    if (!row || row.code === 'DUPLICATE_TX' || !Buffer.from(row.envelope).equals(Buffer.from(item.bytes))) return undefined;
    return { txId: row.txId, code: row.code as ResultCode, height: row.height, index: row.index };
  }

  /** Forgets the newest waiter for these bytes (its submission was not acknowledged). */
  private dropWaiter(key: string): void {
    const list = this.waiters.get(key);
    const w = list?.pop();
    if (!w) return;
    clearTimeout(w.timer);
    if (list?.length === 0) this.waiters.delete(key);
  }

  /**
   * Waiters are keyed by the exact envelope bytes, not the txId: a copy of a
   * transaction with a broken signature shares its txId but must not answer
   * for the genuine one, and each occurrence gets its own result.
   */
  private waitFor(txId: string, key: string, timeoutMs: number): Promise<TxResult> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(key)?.filter((w) => w.timer !== timer);
        if (list?.length) this.waiters.set(key, list);
        else this.waiters.delete(key);
        resolve({ txId, code: 'TIMEOUT', height: -1, index: -1 });
      }, timeoutMs);
      const list = this.waiters.get(key) ?? [];
      list.push({ txId, resolve, timer });
      this.waiters.set(key, list);
    });
  }

  onBlock(listener: (block: CommittedBlock) => void): () => void {
    this.events.on('block', listener);
    return () => this.events.off('block', listener);
  }

  // ---- committed reads (what ledgerPortOf hands to services and doors) ----

  block(height: number): BlockView | undefined {
    const row = this.store.getBlock(height);
    return row && blockViewOf(row);
  }

  /** Up to `limit` blocks from height `from` upwards. */
  blocks(from: number, limit: number): BlockView[] {
    return this.store.listBlocks(from, limit).map(blockViewOf);
  }

  /** The transactions of a block in order. */
  blockTxs(height: number): TxView[] {
    return this.store.blockTxs(height).map(txViewOf);
  }

  tx(txId: string): TxView | undefined {
    const row = this.store.getTx(txId);
    return row && txViewOf(row);
  }

  /** The log leaf hash at `leafIndex`, as stored. */
  leafHash(leafIndex: number): Uint8Array | undefined {
    return this.store.getLogNode(0, leafIndex);
  }

  /** Inclusion proof of a leaf against the current tree size. */
  inclusion(leafIndex: number): InclusionProof {
    const treeSize = this.headState.logSize;
    return { treeSize, leafIndex, hashes: inclusionProof(this.tree, leafIndex, treeSize).map(toBase64Url) };
  }

  /** Committed state rows under a prefix, parsed (a scan reads the store: the cache holds single keys). */
  scan(namespace: string, prefix: string, limit: number, afterKey?: string): StateRow[] {
    return this.store.scanState(namespace, prefix, limit, afterKey).map((r) => ({ key: r.key, value: JSON.parse(r.value) as JsonValue }));
  }

  /** Size of the ledger database in bytes. */
  sizeBytes(): number {
    return this.store.sizeBytes();
  }

  /** RFC 9162 2.1.4 consistency proof between two tree sizes. */
  consistency(from: number, to: number): string[] {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || from > to || to > this.headState.logSize) {
      throw new CareLedgerError('MALFORMED', `need 1 <= from <= to <= ${this.headState.logSize}`, { field: 'from' });
    }
    return consistencyProof(this.tree, from, to).map(toBase64Url);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.orderer.close();
    await this.pipeline;
    this.closed = true;
    await this.pool.close();
    for (const list of this.waiters.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve({ txId: w.txId, code: 'UNAVAILABLE', height: -1, index: -1 });
      }
    }
    this.waiters.clear();
    this.events.removeAllListeners();
  }
}
