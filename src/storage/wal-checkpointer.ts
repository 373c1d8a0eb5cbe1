// Moves WAL checkpoints off the committing thread. A checkpoint copies the
// pages of committed transactions from the WAL into the database file and
// fsyncs both; SQLite runs one automatically inside the commit that crosses
// its threshold, so the thread executing blocks would stop for it. Here a
// worker thread with its own connection checkpoints every interval instead
// (PASSIVE: it never blocks the writer), and the writer's auto-checkpoint
// stays on at a higher threshold as a backstop should the worker lag or fail.
// Durability is unchanged: a commit is durable in the WAL before any checkpoint.
import { Worker } from 'node:worker_threads';

/** The writer's auto-checkpoint threshold while a checkpointer runs (pages, 4 KiB each: 64 MiB). */
export const BACKSTOP_PAGES = 16_384;

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #stopping: Promise<void> | undefined;

  constructor(path: string, intervalMs = 100) {
    this.#worker = new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), { workerData: { path, intervalMs } });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    // A worker that cannot open the database just ends: the backstop remains.
    this.#worker.on('error', () => undefined);
    this.#worker.unref();
  }

  /** Stops checkpointing; resolves once the worker closed its connection and exited. */
  stop(): Promise<void> {
    if (this.#stopping === undefined) {
      // Held open until the worker is gone, so a caller awaiting this is not left behind at exit.
      this.#worker.ref();
      this.#worker.postMessage('stop');
      this.#stopping = this.#exited;
    }
    return this.#stopping;
  }
}
