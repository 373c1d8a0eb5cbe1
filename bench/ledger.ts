// The ledger benchmark (`npm run bench`): commits a realistic workload through
// the real pipeline (edge parse -> solo orderer with fsync -> verify pool ->
// execute -> one SQLite transaction per block) and compares its throughput
// with node:crypto Ed25519 verification on all cores measured in the same
// run. Last line: one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeNode, initDevNetwork, loadSigningKey, openNode } from '../src/node/index.js';
import { measureProofs } from './proofs.js';
import { measureVerifyAllCores } from './verify-baseline.js';
import { buildWorkload } from './workload.js';

export interface LedgerBenchOptions {
  json: boolean;
  txs: number;
  clients?: number;
  chunk?: number;
  proofSizes?: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runLedgerBench(options: LedgerBenchOptions): Promise<Record<string, unknown>> {
  const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
  const clients = options.clients ?? 16;
  const chunk = options.chunk ?? 50;
  const dir = mkdtempSync(join(tmpdir(), 'careledger-bench-'));
  try {
    const cores = availableParallelism();
    log(`cores ${cores}; measuring Ed25519 verify on all cores`);
    const verifyBefore = await measureVerifyAllCores();
    const init = await initDevNetwork(join(dir, 'node'));
    // The edge's signature and signer checks run as for any client; quotas (a per-client policy) do not throttle the load.
    const opened = openNode(init.dataDir, { limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
    const admin = loadSigningKey(init.adminKeyFile);
    log(`pre-signing ${options.txs} transactions`);
    const phases = buildWorkload(init.config.networkId, admin, options.txs);
    const bytesBefore = opened.node.sizeBytes();
    const latencies: number[] = [];
    const codes = new Map<string, number>();
    let committed = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (const phase of phases) {
      let next = 0;
      const worker = async () => {
        while (next < phase.txs.length) {
          const batch = phase.txs.slice(next, next + chunk);
          next += chunk;
          const t0 = performance.now();
          const results = (await opened.node.submit(batch, { wait: true })) ?? [];
          latencies.push(performance.now() - t0);
          for (const r of results) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
          committed += results.length;
        }
      };
      await Promise.all(Array.from({ length: clients }, worker));
      log(`phase ${phase.name}: ${phase.txs.length} committed`);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const dbBytes = opened.node.sizeBytes() - bytesBefore;
    const height = opened.node.head.height;
    await closeNode(opened);
    const verifyAfter = await measureVerifyAllCores();
    const verifyPerSecAllCores = (verifyBefore + verifyAfter) / 2;
    log('building a 10^6-leaf log for proof timings');
    const proofs = measureProofs(options.proofSizes ?? [10_000, 100_000, 1_000_000], log);
    latencies.sort((a, b) => a - b);
    const committedTxPerSec = committed / seconds;
    // CPU of the whole process (main thread, verify workers, checkpointer) per
    // committed transaction, and the same in units of one Ed25519
    // verification on one core (from the baseline): a figure that does not
    // move with the host's speed the way throughput does.
    const cpuMsPerTx = (cpu.user + cpu.system) / 1000 / committed;
    const verifyMsOneCore = (1000 * cores) / verifyPerSecAllCores;
    const result = {
      bench: 'ledger',
      txs: committed,
      blocks: height,
      codes: Object.fromEntries(codes),
      clients,
      txsPerSubmit: chunk,
      seconds: round(seconds),
      committedTxPerSec: Math.round(committedTxPerSec),
      verifyPerSecAllCores: Math.round(verifyPerSecAllCores),
      ratio: round(committedTxPerSec / verifyPerSecAllCores, 3),
      p50CommitMs: round(percentile(latencies, 50)),
      p99CommitMs: round(percentile(latencies, 99)),
      dbBytesPerTx: Math.round(dbBytes / committed),
      cpuMsPerTx: round(cpuMsPerTx, 3),
      cpuPerTxInVerifications: round(cpuMsPerTx / verifyMsOneCore, 2),
      proofs,
    };
    if (!options.json) {
      log(`committed ${committed} tx in ${round(seconds)} s: ${Math.round(committedTxPerSec)} tx/s`);
      log(`verify baseline ${Math.round(verifyPerSecAllCores)}/s on all cores; ratio ${result.ratio}`);
    }
    process.stdout.write(JSON.stringify(result) + '\n');
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
