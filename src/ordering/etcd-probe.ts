// Is the ordering service usable right now, and how far behind is this node?
// A loop of linearizable reads of one small key (a linearizable read needs a
// Raft quorum, as a put does): an answer means the cluster can order, and the
// revision in its header minus the node's last applied batch seq is the
// node's catch-up lag in etcd revisions (each batch is one revision; height
// reports and leases are others, so the lag overstates the batches behind a
// few times over, and a caught-up node shows a handful). A count of the
// batches themselves would make etcd scan every batch key each round: its
// count ignores the revision filter. Readiness (/readyz), the fast refusal
// of submissions while etcd cannot order, and the metrics read the last
// answer (docs/operations.md).
import type { Etcd3 } from 'etcd3';
import type { OrdererHealth } from './types.js';

export interface EtcdProbeOptions {
  /** A small key to read (the network's pruned marker). */
  key: string;
  /** The node's last applied seq: revisions after it are the lag. */
  applied: () => number;
  /** Pause between rounds (ms). Default 500. */
  intervalMs?: number;
  /** Deadline of one query (ms); a round tries twice (another member may answer). Default 800. */
  timeoutMs?: number;
  /** A round that succeeded longer ago than this means unreachable (ms). Default 2500. */
  staleAfterMs?: number;
}

const sleep = (ms: number, wake: (w: () => void) => void) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake(() => {
      clearTimeout(timer);
      resolve();
    });
  });

export class EtcdProbe {
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly staleAfterMs: number;
  private lastOkAt: number | undefined;
  /** When the probe started (the first answer gets the same grace as any later one); undefined before. */
  private startedAt: number | undefined;
  private lag: number | undefined;
  private lastError: string | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly client: Etcd3, private readonly options: EtcdProbeOptions) {
    this.intervalMs = options.intervalMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 800;
    this.staleAfterMs = options.staleAfterMs ?? 2_500;
  }

  start(): void {
    if (this.loop === undefined) this.startedAt ??= Date.now();
    this.stopped = false;
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.round();
      if (this.stopped) return;
      await sleep(this.intervalMs, (w) => (this.wake = w));
    }
  }

  /** One round: up to two linearizable reads; the first answer wins. */
  async round(): Promise<void> {
    for (let attempt = 0; attempt < 2 && !this.stopped; attempt++) {
      try {
        const res = await this.client.get(this.options.key).options({ deadline: Date.now() + this.timeoutMs }).exec();
        this.lag = Math.max(0, Number(res.header.revision) - this.options.applied());
        this.lastOkAt = Date.now();
        this.lastError = undefined;
        return;
      } catch (error) {
        // The error class only (e.g. GRPCDeadlineExceededError): its message may name hosts.
        this.lastError = (error as object | null)?.constructor?.name ?? 'Error';
      }
    }
  }

  health(): OrdererHealth {
    const ago = this.lastOkAt === undefined ? undefined : Date.now() - this.lastOkAt;
    // Unreachable once no answer came for staleAfterMs, counting from the start when none ever came
    // (an orderer not started yet, e.g. during a catch-up from a peer, is not judged).
    const since = this.lastOkAt ?? this.startedAt;
    const reachable = since === undefined || Date.now() - since <= this.staleAfterMs;
    return {
      reachable,
      ...(ago === undefined ? {} : { lastOkAgoMs: ago }),
      ...(this.lag === undefined ? {} : { lagRevisions: this.lag }),
      ...(reachable || this.lastError === undefined ? {} : { detail: this.lastError }),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }
}
