// A pool of worker threads for the CPU-bound stateless checks of ordered
// envelopes, one worker per core. Small batches are checked inline: a worker
// round trip costs more than a handful of signatures. Workers keep the
// process alive until close(): callers close the pool when done.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkOrderedEnvelope, type OrderedCheck } from '../ledger/index.js';

const INLINE_BELOW = 16;

interface Waiting { resolve: (r: OrderedCheck[]) => void; reject: (e: unknown) => void }

export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;

  constructor(size = availableParallelism()) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./verify-worker.js', import.meta.url));
      w.on('message', (m: { id: number; results: OrderedCheck[] }) => {
        const waiting = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        waiting?.resolve(m.results);
      });
      w.on('error', (e) => {
        for (const waiting of this.waiting.values()) waiting.reject(e);
        this.waiting.clear();
      });
      this.workers.push(w);
    }
  }

  async check(envelopes: readonly Uint8Array[]): Promise<OrderedCheck[]> {
    if (envelopes.length < INLINE_BELOW || this.workers.length === 0) {
      return envelopes.map((e) => checkOrderedEnvelope(e));
    }
    const chunk = Math.ceil(envelopes.length / this.workers.length);
    const parts = this.workers.map((w, i) => {
      const slice = envelopes.slice(i * chunk, (i + 1) * chunk);
      if (slice.length === 0) return Promise.resolve([] as OrderedCheck[]);
      const id = this.nextId++;
      return new Promise<OrderedCheck[]>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        w.postMessage({ id, envelopes: slice });
      });
    });
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
