// Is the ordering service usable right now, and how far behind is this node?
// A loop of linearizable count queries (they need a Raft quorum, as a put
// does) over the batches this node has not applied yet: an answer means the
// cluster can order, and its count is the node's catch-up lag in batches.
// Readiness (/readyz), the fast refusal of submissions while etcd cannot
// order, and the metrics read the last answer (docs/operations.md).
import type { Etcd3 } from 'etcd3';
import type { OrdererHealth } from './types.js';

export interface EtcdProbeOptions {
  /** Prefix of the batch keys. */
  batches: string;
  /** The node's last applied seq: batches after it are the lag. */
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

  /** One round: up to two linearizable counts; the first answer wins. */
  async round(): Promise<void> {
    for (let attempt = 0; attempt < 2 && !this.stopped; attempt++) {
      try {
        this.lag = await this.client
          .getAll()
          .prefix(this.options.batches)
          .minModRevision(this.options.applied() + 1)
          .options({ deadline: Date.now() + this.timeoutMs })
          .count();
        this.lastOkAt = Date.now();
        this.lastError = undefined;
        return;
      } catch (error) {
        // The error class only (e.g. GRPCDeadlineExceededError): its message may name hosts.
        this.lastError = (error as Error)?.name ?? 'Error';
      }
    }
  }

  health(): OrdererHealth {
    const ago = this.lastOkAt === undefined ? undefined : Date.now() - this.lastOkAt;
    const reachable = ago !== undefined && ago <= this.staleAfterMs;
    return {
      reachable,
      ...(ago === undefined ? {} : { lastOkAgoMs: ago }),
      ...(this.lag === undefined ? {} : { lagBatches: this.lag }),
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
