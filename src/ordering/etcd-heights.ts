// A node's applied height in etcd, kept under a lease with keepalive, so the
// compactor only counts live nodes. Writes are coalesced: at most one put per
// interval, and only when the height changed (or the lease was renewed).
import type { Etcd3, Lease } from 'etcd3';

export class HeightReporter {
  private readonly client: Etcd3;
  private readonly key: string;
  private readonly ttlSeconds: number;
  private readonly intervalMs: number;
  private readonly source: () => number;
  private lease: Lease | undefined;
  private written = -1;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(client: Etcd3, key: string, ttlSeconds: number, intervalMs: number, source: () => number) {
    this.client = client;
    this.key = key;
    this.ttlSeconds = ttlSeconds;
    this.intervalMs = intervalMs;
    this.source = source;
  }

  /** Registers now (so compaction waits for this node) and then every interval. */
  start(): Promise<void> {
    this.stopped = false;
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    return this.tick();
  }

  /** One coalesced write; failures are retried on the next tick. */
  tick(): Promise<void> {
    this.running ??= this.write().finally(() => (this.running = undefined));
    return this.running;
  }

  private async write(): Promise<void> {
    const seq = this.source();
    if (this.stopped || (seq === this.written && this.lease)) return;
    if (!this.lease) {
      const lease = this.client.lease(this.ttlSeconds);
      lease.on('lost', () => {
        if (this.lease === lease) this.lease = undefined;
      });
      this.lease = lease;
    }
    try {
      await this.lease.put(this.key).value(String(seq)).options({ deadline: Date.now() + 5_000 });
      this.written = seq;
    } catch {
      // Lease lost or etcd unreachable: grant a new lease next time.
      const old = this.lease;
      this.lease = undefined;
      old?.release();
    }
  }

  /** Stops reporting and revokes the lease, which deletes the height key. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    const lease = this.lease;
    this.lease = undefined;
    this.written = -1;
    if (!lease) return;
    try {
      await lease.revoke({ deadline: Date.now() + 2_000 });
    } catch {
      lease.release(); // it expires after its TTL
    }
  }
}
