// The embedded solo orderer: gathers submissions for a few milliseconds (or up
// to a size cap) into one batch, appends it to the SQLite batch log with an
// fsync, and only then acknowledges the submitters. Delivery reads the log in
// order, so a restarted node resumes from the batch after its last block.
import type { BatchLogStore } from '../storage/index.js';
import { decodeBatch, encodeBatch, MAX_BATCH_ENVELOPES } from './codec.js';
import type { BatchHandler, Orderer, OrderedBatch } from './types.js';

export interface SoloOrdererOptions {
  /** How long to gather submissions before cutting a batch (ms). */
  batchDelayMs?: number;
  /** Cut a batch at this many envelopes. */
  maxBatchEnvelopes?: number;
  /** Cut a batch at this many bytes. */
  maxBatchBytes?: number;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

interface Pending {
  envelopes: readonly Uint8Array[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class SoloOrderer implements Orderer {
  private readonly store: BatchLogStore;
  private readonly delayMs: number;
  private readonly maxEnvelopes: number;
  private readonly maxBytes: number;
  private readonly now: () => Date;
  private pending: Pending[] = [];
  private pendingCount = 0;
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(store: BatchLogStore, options: SoloOrdererOptions = {}) {
    this.store = store;
    this.delayMs = options.batchDelayMs ?? 2;
    this.maxEnvelopes = Math.min(options.maxBatchEnvelopes ?? 256, MAX_BATCH_ENVELOPES);
    this.maxBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
    this.now = options.now ?? (() => new Date());
  }

  submit(envelopes: readonly Uint8Array[]): Promise<void> {
    if (envelopes.length === 0) return Promise.resolve();
    if (envelopes.length > this.maxEnvelopes) {
      // Split oversized submissions; each part is ordered in sequence.
      const parts: Promise<void>[] = [];
      for (let i = 0; i < envelopes.length; i += this.maxEnvelopes) {
        parts.push(this.submit(envelopes.slice(i, i + this.maxEnvelopes)));
      }
      return Promise.all(parts).then(() => undefined);
    }
    return new Promise<void>((resolve, reject) => {
      let bytes = 0;
      for (const e of envelopes) bytes += e.byteLength;
      if (this.pendingCount + envelopes.length > this.maxEnvelopes || this.pendingBytes + bytes > this.maxBytes) {
        this.flush();
      }
      this.pending.push({ envelopes, resolve, reject });
      this.pendingCount += envelopes.length;
      this.pendingBytes += bytes;
      if (this.pendingCount >= this.maxEnvelopes) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
    });
  }

  /** Cuts the pending submissions into one durable batch. */
  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingCount = 0;
    this.pendingBytes = 0;
    try {
      const time = this.now().toISOString();
      this.store.appendBatch(time, encodeBatch(batch.flatMap((p) => p.envelopes)));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    for (const p of batch) p.resolve();
    this.wake?.();
  }

  start(afterSeq: number, handler: BatchHandler): void {
    if (this.running) throw new Error('orderer already started');
    this.running = true;
    this.loop = this.deliver(afterSeq, handler);
  }

  private async deliver(afterSeq: number, handler: BatchHandler): Promise<void> {
    let last = afterSeq;
    while (this.running) {
      const rows = this.store.batchesAfter(last, 8);
      if (rows.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      for (const row of rows) {
        if (!this.running) return;
        const envelopes = decodeBatch(row.payload) ?? [];
        const batch: OrderedBatch = { seq: row.seq, time: row.time, envelopes };
        await handler(batch);
        last = row.seq;
      }
    }
  }

  async close(): Promise<void> {
    this.flush();
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
