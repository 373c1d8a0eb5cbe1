// Baseline for the ledger benchmark and `careledger verify`: node:crypto Ed25519 verifications per
// second on every core (one worker thread per core, cached KeyObject), measured
// in the same run as the pipeline so the ratio survives a noisy machine.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { generateKeyPairSync, sign, verify } = require('node:crypto');
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const msg = Buffer.alloc(300, 7);
const sig = sign(null, msg, privateKey);
let n = 0;
const end = Date.now() + workerData.ms;
while (Date.now() < end) { for (let i = 0; i < 100; i++) { if (!verify(null, msg, publicKey, sig)) throw new Error('verify failed'); } n += 100; }
parentPort.postMessage(n);
`;

export async function measureVerifyAllCores(ms = 2000, cores = availableParallelism()): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: cores }, () =>
      new Promise<number>((resolve, reject) => {
        const w = new Worker(WORKER, { eval: true, workerData: { ms } });
        w.once('message', (n: number) => {
          resolve(n);
          void w.terminate();
        });
        w.once('error', reject);
      }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0) / (ms / 1000);
}
