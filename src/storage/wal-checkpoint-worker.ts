// Worker thread of WalCheckpointer: its own connection to the ledger database
// runs PASSIVE checkpoints (never blocking the writer or readers) every
// interval, until told to stop; then it closes its connection and exits.
// A checkpoint that fails (busy, I/O) is retried at the next interval; if the
// database cannot be opened the worker ends and the writer's own
// auto-checkpoint (the backstop) keeps the WAL bounded.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new Database(path, { fileMustExist: true });
db.pragma('busy_timeout = 0');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or a transient I/O error: the next interval tries again.
  }
}, intervalMs);

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
