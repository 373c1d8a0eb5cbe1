// Worker thread of the verification pool: runs the stateless checks (parse,
// canonical form, txId, Ed25519 signature) of ordered envelopes. A job that
// throws is answered with an error rather than left without a reply.
import { parentPort } from 'node:worker_threads';
import { checkOrderedEnvelope } from '../ledger/index.js';

interface Job { id: number; envelopes: Uint8Array[] }

parentPort?.on('message', (job: Job) => {
  try {
    parentPort?.postMessage({ id: job.id, results: job.envelopes.map((e) => checkOrderedEnvelope(e)) });
  } catch (e) {
    parentPort?.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  }
});
