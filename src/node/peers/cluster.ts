// A node's orderer in a consortium (ARCHITECTURE section 3, etcd ordering):
// an EtcdOrderer whose delivery survives pruning. When etcd answers that the
// node's position was compacted (CompactedError), the node fetches the missing
// blocks from a peer, re-executes and checks each one (catchup.ts), commits
// them through its own pipeline, then starts a fresh EtcdOrderer from the
// batch seq of the last caught-up block. Submissions go to whichever
// EtcdOrderer is current, so clients are not refused during a catch-up.
import { Etcd3 } from 'etcd3';
import { type ContractRegistry } from '../../ledger/index.js';
import { CareLedgerError } from '../../errors/index.js';
import { CompactedError, EtcdOrderer, etcdCredentials, type BatchHandler, type EtcdClientTls, type EtcdOrdererOptions, type Orderer, type OrdererHealth } from '../../ordering/index.js';
import type { LedgerStore } from '../../storage/index.js';
import { reexecuteFromPeer, type PeerReadAuth } from './catchup.js';
import type { PeerTransport } from './transport.js';

export interface ClusterOrdererOptions {
  hosts: string[];
  networkId: string;
  /** The node key id: its etcd height key. */
  nodeId: string;
  store: LedgerStore;
  registry: ContractRegistry;
  /** Peer base URLs to catch up from, tried in order (governance endpoints and configured peers). */
  peers: () => string[];
  /** Prune batches every live node has applied, this often (ms); 0 disables. */
  compactIntervalMs?: number;
  /** Extra EtcdOrderer settings (tests shorten leases and intervals). */
  etcd?: Partial<EtcdOrdererOptions>;
  /** Operational log lines (no health data). */
  log?: (message: string) => void;
  /** Delivery cannot go on: no peer could fill the gap, a block did not verify, or the handler failed. */
  onFatal: (error: Error) => void;
  /** Signs block reads from peers with this node's key (peers serve full blocks only to member nodes). */
  readAuth?: PeerReadAuth;
  /** How catch-up reaches peers (default: HTTP(S) with the system's roots; see transport.ts for trust anchors). */
  transport?: PeerTransport;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const CATCHUP_ATTEMPTS = 5;

export class ClusterOrderer implements Orderer {
  private inner: EtcdOrderer;
  private handler: BatchHandler | undefined;
  private closed = false;
  private recovering: Promise<void> | undefined;
  private catchUps = 0;
  private caughtUpBlocks = 0;
  private readonly log: (message: string) => void;

  constructor(private readonly options: ClusterOrdererOptions) {
    this.log = options.log ?? (() => undefined);
    this.inner = this.makeInner();
  }

  private makeInner(): EtcdOrderer {
    const store = this.options.store;
    return new EtcdOrderer({
      hosts: this.options.hosts,
      networkId: this.options.networkId,
      nodeId: this.options.nodeId,
      compactIntervalMs: this.options.compactIntervalMs ?? 0,
      ...this.options.etcd,
      appliedSeq: () => store.head()?.ordererSeq ?? 0,
      onError: (error) => this.onDeliveryError(error),
    });
  }

  submit(envelopes: readonly Uint8Array[]): Promise<void> {
    return this.inner.submit(envelopes);
  }

  start(afterSeq: number, handler: BatchHandler): void {
    this.handler = handler;
    this.inner.start(afterSeq, handler);
  }

  /** Highest batch seq delivered by the current EtcdOrderer. */
  get position(): number {
    return this.inner.position;
  }

  /** How many times the node caught up from a peer, and how many blocks it re-executed doing so. */
  get stats(): { catchUps: number; blocks: number; recovering: boolean } {
    return { catchUps: this.catchUps, blocks: this.caughtUpBlocks, recovering: this.recovering !== undefined };
  }

  /** The current EtcdOrderer's reachability and lag, and whether a catch-up from a peer is running. */
  health(): OrdererHealth {
    return { ...this.inner.health(), ...(this.recovering ? { recovering: true } : {}) };
  }

  /** Prunes batches every live node has applied (also run on the interval, if configured). */
  compact(): Promise<number | undefined> {
    return this.inner.compact();
  }

  private onDeliveryError(error: Error): void {
    if (this.closed) return;
    if (!(error instanceof CompactedError)) {
      this.options.onFatal(error);
      return;
    }
    this.recovering ??= this.recover(error)
      .catch((e: unknown) => {
        if (!this.closed) this.options.onFatal(e instanceof Error ? e : new Error(String(e)));
      })
      .finally(() => (this.recovering = undefined));
  }

  private async recover(error: CompactedError): Promise<void> {
    const old = this.inner;
    this.inner = this.makeInner(); // takes submissions while we catch up
    void old.close().catch(() => undefined);
    const handler = this.handler;
    if (!handler) throw new CareLedgerError('INTERNAL', 'orderer was not started');
    this.log(`ordering position ${error.requestedSeq} was pruned (through ${error.compactRevision}); catching up from a peer`);
    let lastError: unknown;
    for (let attempt = 0; attempt < CATCHUP_ATTEMPTS && !this.closed; attempt++) {
      const peers = this.options.peers();
      if (peers.length === 0) throw new CareLedgerError('UNAVAILABLE', 'batches were pruned and no peer is known to catch up from (configure --peer)');
      for (const url of peers) {
        if (this.closed) return;
        try {
          const r = await reexecuteFromPeer({
            url,
            networkId: this.options.networkId,
            store: this.options.store,
            registry: this.options.registry,
            untilSeq: error.compactRevision,
            deliver: handler,
            ...(this.options.readAuth ? { auth: this.options.readAuth } : {}),
            ...(this.options.transport ? { transport: this.options.transport } : {}),
          });
          this.catchUps++;
          this.caughtUpBlocks += r.blocks;
          this.log(`caught up ${r.blocks} blocks from ${url}; ordering resumes after batch ${r.lastSeq}`);
          if (!this.closed) this.inner.start(r.lastSeq, handler);
          return;
        } catch (e) {
          // A block that re-executes differently is not a transient failure: stop.
          if (e instanceof CareLedgerError && e.code === 'CONFLICT') throw e;
          lastError = e;
          this.log(`catch-up from ${url} failed: ${(e as Error).message}`);
        }
      }
      await sleep(500 * (attempt + 1));
    }
    throw lastError instanceof Error ? lastError : new CareLedgerError('UNAVAILABLE', 'catch-up failed');
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.recovering;
    await this.inner.close();
  }
}

/**
 * The seq of the newest batch ordered so far (or the pruned position, if
 * higher): a node whose delivery reached it has seen every batch ordered
 * before it asked. Not etcd's revision: height reports raise that too, and
 * they are never delivered.
 */
export async function latestBatchSeq(hosts: string[], networkId: string, timeoutMs = 5_000, tls?: EtcdClientTls): Promise<number> {
  const client = new Etcd3({ hosts, ...etcdCredentials(tls), dialTimeout: 3_000 });
  const options = { deadline: Date.now() + timeoutMs };
  try {
    const root = `/careledger/${networkId}/`;
    const newest = await client.getAll().prefix(`${root}batches/`).sort('Mod', 'Descend').limit(1).options(options).exec();
    const pruned = Number(await client.get(`${root}pruned`).options(options).string());
    return Math.max(Number(newest.kvs[0]?.mod_revision ?? 0), Number.isSafeInteger(pruned) ? pruned : 0);
  } finally {
    client.close();
  }
}

/**
 * Resolves once the orderer delivered everything ordered before this call
 * (the node is in sync), polling its position; retries etcd until it answers.
 */
export async function waitUntilSynced(orderer: ClusterOrderer, hosts: string[], networkId: string, isClosed: () => boolean, tls?: EtcdClientTls): Promise<void> {
  let target: number | undefined;
  while (target === undefined && !isClosed()) {
    try {
      target = await latestBatchSeq(hosts, networkId, 5_000, tls);
    } catch {
      await sleep(500);
    }
  }
  while (!isClosed() && (orderer.position < (target ?? 0) || orderer.stats.recovering)) await sleep(25);
}
