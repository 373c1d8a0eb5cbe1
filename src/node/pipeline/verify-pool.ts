// A pool of worker threads for the CPU-bound stateless checks of ordered
// envelopes, one worker per core. Small batches are checked inline: a worker
// round trip costs more than a handful of signatures. Workers keep the
// process alive until close(): callers close the pool when done.
//
// A check never waits on a dead worker: a job that fails in the worker is
// rejected, and a worker that exits or crashes rejects its pending jobs and is
// replaced, so the node's pipeline cannot stall behind a lost reply.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkOrderedEnvelope, type OrderedCheck } from '../../ledger/index.js';
import { unpackChecks, type PackedChecks } from './verify-pack.js';

const INLINE_BELOW = 16;
/** Chunks per worker and batch: more start execution sooner, fewer cost fewer messages. */
const CHUNKS_PER_WORKER = 4;

interface Waiting { resolve: (r: OrderedCheck[]) => void; reject: (e: unknown) => void }

type Reply = ({ id: number } & PackedChecks) | { id: number; error: string };

interface Slot { worker: Worker; waiting: Map<number, Waiting> }

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  /** Round-robin position, so small offloaded jobs spread over the workers. */
  private turn = 0;
  private closing = false;

  constructor(size = availableParallelism()) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(new URL('./verify-worker.js', import.meta.url)), waiting: new Map() };
    slot.worker.on('message', (m: Reply) => {
      const waiting = slot.waiting.get(m.id);
      slot.waiting.delete(m.id);
      if ('error' in m) {
        waiting?.reject(new Error(`verify worker: ${m.error}`));
        return;
      }
      try {
        waiting?.resolve(unpackChecks(m));
      } catch (e) {
        waiting?.reject(e);
      }
    });
    const lost = (why: Error) => {
      for (const waiting of slot.waiting.values()) waiting.reject(why);
      slot.waiting.clear();
      const at = this.slots.indexOf(slot);
      if (at >= 0 && !this.closing) this.slots[at] = this.spawn();
    };
    slot.worker.on('error', (e) => lost(e));
    slot.worker.on('exit', (code) => lost(new Error(`verify worker exited with ${code}`)));
    return slot;
  }

  /** Worker threads currently running (for tests). */
  get size(): number {
    return this.slots.length;
  }

  /**
   * The checks of every envelope, in order. `offload` sends even a small
   * batch to a worker (the submit edge: keep the main thread for execution).
   */
  async check(envelopes: readonly Uint8Array[], options: { offload?: boolean } = {}): Promise<OrderedCheck[]> {
    return (await Promise.all(this.checkChunks(envelopes, options))).flat();
  }

  /**
   * The checks of consecutive chunks of the batch, in order, dealt round-robin
   * to the workers (each answers its jobs in order), so the first chunks are
   * ready while the later ones are still being checked: the node executes
   * them meanwhile. Small batches are one chunk checked inline.
   */
  checkChunks(envelopes: readonly Uint8Array[], options: { offload?: boolean } = {}): Array<Promise<OrderedCheck[]>> {
    if (this.slots.length === 0 || (envelopes.length < INLINE_BELOW && !options.offload)) {
      try {
        return [Promise.resolve(envelopes.map((e) => checkOrderedEnvelope(e)))];
      } catch (e) {
        return [Promise.reject(e)];
      }
    }
    const size = Math.max(INLINE_BELOW, Math.ceil(envelopes.length / (this.slots.length * CHUNKS_PER_WORKER)));
    const parts: Array<Promise<OrderedCheck[]>> = [];
    for (let at = 0; at < envelopes.length; at += size) {
      const slot = this.slots[this.turn++ % this.slots.length]!;
      const slice = envelopes.slice(at, at + size);
      const id = this.nextId++;
      parts.push(
        new Promise<OrderedCheck[]>((resolve, reject) => {
          slot.waiting.set(id, { resolve, reject });
          slot.worker.postMessage({ id, envelopes: slice });
        }),
      );
    }
    return parts;
  }

  async close(): Promise<void> {
    this.closing = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
