// Worker thread of the verification pool: runs the stateless checks (parse,
// canonical form, txId, Ed25519 signature) of ordered envelopes. A job that
// throws is answered with an error rather than left without a reply.
// Results travel packed (packChecks): the leaf hashes in one transferred
// buffer instead of one cloned ArrayBuffer per transaction.
import { parentPort } from 'node:worker_threads';
import { checkOrderedEnvelope } from '../../ledger/index.js';
import { packChecks } from './verify-pack.js';

interface Job { id: number; envelopes: Uint8Array[] }

parentPort?.on('message', (job: Job) => {
  try {
    const packed = packChecks(job.envelopes.map((e) => checkOrderedEnvelope(e)));
    parentPort?.postMessage({ id: job.id, ...packed }, [packed.leafHashes.buffer]);
  } catch (e) {
    parentPort?.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  }
});
