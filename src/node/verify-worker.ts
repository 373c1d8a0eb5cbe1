// Worker thread of the verification pool: runs the stateless checks (parse,
// canonical form, txId, Ed25519 signature) of ordered envelopes.
import { parentPort } from 'node:worker_threads';
import { checkOrderedEnvelope } from '../ledger/index.js';

interface Job { id: number; envelopes: Uint8Array[] }

parentPort?.on('message', (job: Job) => {
  parentPort?.postMessage({ id: job.id, results: job.envelopes.map((e) => checkOrderedEnvelope(e)) });
});
