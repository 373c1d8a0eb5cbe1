// The consortium orderer on an etcd cluster (ARCHITECTURE section 3). Each
// batch is one key under /careledger/<networkId>/batches/; etcd's mod revision
// of that put is the global order and becomes batch.seq. etcd acknowledges a
// put after Raft commit and fsync on a majority, so submit() resolves only
// once the batch is durable. Delivery first pages through the stored batches
// at one snapshot revision, then watches the prefix from the next revision;
// on any watch trouble (disconnect, overflow of the bounded queue, compaction)
// it falls back to paging from the last delivered seq, so nothing is skipped
// or repeated. Heights and pruning live in etcd-heights.ts / etcd-compact.ts.
import { randomUUID } from 'node:crypto';
import { Etcd3, type IKeyValue } from 'etcd3';
import { MAX_BATCH_ENVELOPES, encodeBatch } from './codec.js';
import { compactBatches } from './etcd-compact.js';
import { HeightReporter } from './etcd-heights.js';
import { EtcdProbe } from './etcd-probe.js';
import { assertNodeId, networkKeys, parseSeq, type NetworkKeys } from './etcd-keys.js';
import { decodeBatchValue, encodeBatchValue } from './etcd-value.js';
import { WatchFeed } from './watch-feed.js';
import { etcdCredentials, type EtcdClientTls } from './etcd-tls.js';
import { CompactedError, DeliveryHandlerError } from './errors.js';
import type { BatchHandler, Orderer, OrderedBatch, OrdererHealth } from './types.js';

export interface EtcdOrdererOptions {
  /** Client URLs of the etcd members, e.g. ['http://10.0.0.1:2379']. */
  hosts: string[];
  /** Mutual TLS to etcd (https:// hosts): the consortium CA and this node's client certificate (etcd-tls.ts). */
  tls?: EtcdClientTls;
  networkId: string;
  /** This node's id (its height key name and the batches' proposer field). */
  nodeId: string;
  /** How long to gather submissions before cutting a batch (ms). Default 5. */
  batchDelayMs?: number;
  /** Cut a batch at this many envelopes. Default 2000. */
  maxBatchEnvelopes?: number;
  /** Cut a batch at this many payload bytes; etcd refuses requests over 1.5 MiB by default. */
  maxBatchBytes?: number;
  /** Puts in flight at once; more submissions wait and form bigger batches. Default 4. */
  maxInFlight?: number;
  /** Deadline of one put attempt (ms) and attempts before submit rejects. Defaults 5000, 3. */
  putTimeoutMs?: number;
  putAttempts?: number;
  /** Watch events buffered ahead of the handler before falling back to paging. Default 256. */
  queueLimit?: number;
  /** TTL of the height lease (s) and how often the height is written (ms). Defaults 10, 200. */
  leaseTtlSeconds?: number;
  reportIntervalMs?: number;
  /** Prune batches every live node has applied, this often (ms); 0 disables. Default 0. */
  compactIntervalMs?: number;
  /** The node's last committed seq (e.g. store.head().ordererSeq); default: last handled batch. */
  appliedSeq?: () => number;
  /** Delivery stopped for good: CompactedError or DeliveryHandlerError. */
  onError?: (error: Error) => void;
  now?: () => Date;
}

/** etcd's default --max-request-bytes is 1.5 MiB; keep room for the key, header and txn. */
const DEFAULT_MAX_BATCH_BYTES = 1536 * 1024 - 16 * 1024;
const PAGE_SIZE = 16;
const EPOCH = '1970-01-01T00:00:00.000Z';
const RPC_DEADLINE_MS = 5_000;

interface Pending {
  envelopes: readonly Uint8Array[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class EtcdOrderer implements Orderer {
  readonly nodeId: string;
  private readonly client: Etcd3;
  private readonly keys: NetworkKeys;
  private readonly delayMs: number;
  private readonly maxEnvelopes: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  private readonly putTimeoutMs: number;
  private readonly putAttempts: number;
  private readonly queueLimit: number;
  private readonly compactIntervalMs: number;
  private readonly onError: (error: Error) => void;
  private readonly now: () => Date;
  private readonly reporter: HeightReporter;
  private readonly probe: EtcdProbe;
  private pending: Pending[] = [];
  private pendingCount = 0;
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly puts = new Set<Promise<void>>();
  private compactTimer: NodeJS.Timeout | undefined;
  private compacting: Promise<number | undefined> | undefined;
  /** Every batch with seq <= cursor has been delivered (or was not a batch). */
  private cursor = 0;
  private handled = 0;
  private applied = 0;
  private lastTime = EPOCH;
  private delivering = false;
  private stopping = false;
  private closed = false;
  private loop: Promise<void> | undefined;
  private interrupt: (() => void) | undefined;

  constructor(options: EtcdOrdererOptions) {
    this.nodeId = assertNodeId(options.nodeId);
    this.keys = networkKeys(options.networkId);
    this.delayMs = options.batchDelayMs ?? 5;
    this.maxEnvelopes = Math.min(options.maxBatchEnvelopes ?? 2000, MAX_BATCH_ENVELOPES);
    this.maxBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.putTimeoutMs = options.putTimeoutMs ?? 5_000;
    this.putAttempts = options.putAttempts ?? 3;
    this.queueLimit = options.queueLimit ?? 256;
    this.compactIntervalMs = options.compactIntervalMs ?? 0;
    this.onError = options.onError ?? (() => undefined);
    this.now = options.now ?? (() => new Date());
    this.client = new Etcd3({
      hosts: options.hosts,
      ...etcdCredentials(options.tls),
      dialTimeout: 3_000,
      // Watch responses and range pages may carry several 1.5 MiB values.
      grpcOptions: { 'grpc.max_receive_message_length': 128 * 1024 * 1024 },
    });
    const source = options.appliedSeq ?? (() => this.handled);
    this.reporter = new HeightReporter(
      this.client,
      this.keys.nodes + this.nodeId,
      options.leaseTtlSeconds ?? 10,
      options.reportIntervalMs ?? 200,
      () => Math.max(source(), this.applied),
    );
    this.probe = new EtcdProbe(this.client, { key: this.keys.pruned, applied: () => Math.max(source(), this.applied) });
  }

  /** Reachability (a quorum read answered lately) and catch-up lag (etcd-probe.ts). */
  health(): OrdererHealth {
    return this.probe.health();
  }

  // ---- submission ------------------------------------------------------

  submit(envelopes: readonly Uint8Array[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('etcd orderer is closed'));
    if (envelopes.length === 0) return Promise.resolve();
    let bytes = 0;
    for (const e of envelopes) bytes += 4 + e.byteLength;
    if (envelopes.length > 1 && (envelopes.length > this.maxEnvelopes || bytes > this.maxBytes)) {
      const half = Math.ceil(envelopes.length / 2);
      return Promise.all([this.submit(envelopes.slice(0, half)), this.submit(envelopes.slice(half))]).then(() => undefined);
    }
    if (bytes > this.maxBytes) return Promise.reject(new RangeError(`envelope of ${bytes} bytes exceeds the batch limit ${this.maxBytes}`));
    return new Promise<void>((resolve, reject) => {
      if (this.pendingCount + envelopes.length > this.maxEnvelopes || this.pendingBytes + bytes > this.maxBytes) this.flush(true);
      this.pending.push({ envelopes, resolve, reject });
      this.pendingCount += envelopes.length;
      this.pendingBytes += bytes;
      if (this.pendingCount >= this.maxEnvelopes) this.flush(true);
      else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
    });
  }

  /**
   * Cuts the pending submissions into one batch and puts it. Unless forced
   * (batch full) or closing, it waits for a free put slot first: a finished
   * put flushes again, so batches grow while etcd is busy.
   */
  private flush(force = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    if (this.puts.size >= this.maxInFlight && !force && !this.closed) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingCount = 0;
    this.pendingBytes = 0;
    const value = encodeBatchValue(
      { proposer: this.nodeId, time: this.now().toISOString() },
      encodeBatch(batch.flatMap((p) => p.envelopes)),
    );
    const put = this.putBatch(value).then(
      () => batch.forEach((p) => p.resolve()),
      (e: unknown) => batch.forEach((p) => p.reject(e)),
    );
    this.puts.add(put);
    void put.finally(() => {
      this.puts.delete(put);
      if (this.pending.length > 0 && !this.timer) this.flush();
    });
  }

  /**
   * Puts the batch under a fresh key, only if that key does not exist yet:
   * a retry after a lost acknowledgement then finds its own earlier put and
   * stops, instead of ordering the batch twice or overwriting it.
   */
  private async putBatch(value: Buffer): Promise<void> {
    const key = this.keys.batches + randomUUID();
    let lastError: unknown;
    for (let attempt = 0; attempt < this.putAttempts; attempt++) {
      if (attempt > 0) await sleep(100 * 2 ** attempt);
      try {
        await this.client
          .if(key, 'Create', '==', 0)
          .then(this.client.put(key).value(value))
          .options({ deadline: Date.now() + this.putTimeoutMs })
          .commit();
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  // ---- delivery --------------------------------------------------------

  start(afterSeq: number, handler: BatchHandler): void {
    if (this.closed) throw new Error('etcd orderer is closed');
    if (this.delivering) throw new Error('orderer already started');
    this.delivering = true;
    this.stopping = false;
    this.cursor = afterSeq;
    this.handled = afterSeq;
    this.applied = afterSeq;
    void this.reporter.start();
    this.probe.start();
    if (this.compactIntervalMs > 0) this.compactTimer ??= setInterval(() => void this.compact().catch(() => undefined), this.compactIntervalMs);
    this.loop = this.deliver(handler).catch(async (error: Error) => {
      await this.reporter.stop(); // a node that cannot go on must not hold back pruning
      this.onError(error);
    }).finally(() => {
      this.delivering = false;
    });
  }

  /** The node reports its last committed seq (coalesced into the height key). */
  reportApplied(seq: number): void {
    if (seq > this.applied) this.applied = seq;
  }

  /** Prunes batches every live node has applied; returns the new pruned seq, if any. */
  compact(): Promise<number | undefined> {
    this.compacting ??= compactBatches(this.client, this.keys).finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  /** The highest seq delivered to the handler so far. */
  get position(): number {
    return this.cursor;
  }

  private async deliver(handler: BatchHandler): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.catchUp(handler);
        if (this.stopping) return;
        await this.follow(handler);
        failures = 0;
      } catch (error) {
        if (error instanceof CompactedError || error instanceof DeliveryHandlerError) throw error;
        failures++; // etcd unreachable, no leader, snapshot compacted under us: page again
        await this.pause(Math.min(2_000, 25 * 2 ** Math.min(failures, 7)));
      }
    }
  }

  /** Pages through every batch after the cursor at one snapshot revision. */
  private async catchUp(handler: BatchHandler): Promise<void> {
    const marker = await this.client.get(this.keys.pruned).options({ deadline: Date.now() + RPC_DEADLINE_MS }).exec();
    const snapshot = marker.header.revision;
    const pruned = parseSeq(marker.kvs[0]?.value.toString('utf8')) ?? 0;
    if (pruned > this.cursor) throw new CompactedError(this.cursor, pruned);
    while (!this.stopping) {
      const page = await this.client
        .getAll()
        .prefix(this.keys.batches)
        .revision(snapshot)
        .minModRevision(this.cursor + 1)
        .sort('Mod', 'Ascend')
        .limit(PAGE_SIZE)
        .options({ deadline: Date.now() + RPC_DEADLINE_MS })
        .exec();
      for (const kv of page.kvs) {
        if (this.stopping) return;
        await this.deliverKv(kv, handler);
      }
      if (!page.more || page.kvs.length === 0) break;
    }
    if (!this.stopping) this.cursor = Math.max(this.cursor, Number(snapshot));
  }

  /** Watches from cursor + 1 until the watch ends, the queue overflows, or close(). */
  private async follow(handler: BatchHandler): Promise<void> {
    const feed = new WatchFeed<IKeyValue>(this.queueLimit);
    const watcher = this.client
      .watch()
      .prefix(this.keys.batches)
      .only('put') // etcd3's ignore() is an alias of only()
      .startRevision(String(this.cursor + 1))
      .watcher();
    watcher.on('put', (kv) => feed.push(kv));
    watcher.on('disconnected', () => feed.end());
    watcher.on('error', () => feed.end());
    this.interrupt = () => feed.end();
    try {
      for (;;) {
        const kv = await feed.next();
        if (kv === undefined || this.stopping) return;
        await this.deliverKv(kv, handler);
      }
    } finally {
      this.interrupt = undefined;
      // Not awaited: a watcher whose creation was refused never answers a cancel.
      void watcher.cancel().catch(() => undefined);
    }
  }

  private async deliverKv(kv: IKeyValue, handler: BatchHandler): Promise<void> {
    const seq = Number(kv.mod_revision);
    if (!(seq > this.cursor)) return; // already delivered
    if (kv.version !== '1') {
      // An overwrite of an existing key is not a batch (our puts never overwrite).
      this.cursor = seq;
      return;
    }
    const decoded = decodeBatchValue(kv.value);
    const batch: OrderedBatch = decoded
      ? { seq, time: decoded.time, envelopes: decoded.envelopes }
      : { seq, time: this.lastTime, envelopes: [] };
    try {
      await handler(batch);
    } catch (error) {
      throw new DeliveryHandlerError(seq, error);
    }
    this.lastTime = batch.time;
    this.cursor = seq;
    this.handled = seq;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.interrupt = done;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    await Promise.allSettled([...this.puts]);
    this.stopping = true;
    this.interrupt?.();
    await this.loop;
    if (this.compactTimer) clearInterval(this.compactTimer);
    await this.compacting?.catch(() => undefined);
    await this.reporter.stop();
    await this.probe.stop();
    this.client.close();
  }
}
