// The supply-chain benchmark (issue 12): a one-organisation node admitted as
// a manufacturer commissions N serialised packs (default 1,000,000) through
// the supply-chain service (GS1 checks, hashed ids and commitments, signed
// transactions of 1,000 packs, ordered, verified, executed and committed),
// and in the same run the baseline inserts the same state rows into a raw
// SQLite table with the ledger's pragmas; commissionRatio = pipeline packs/s
// over raw rows/s (target >= 0.3). Then verification latency with N packs on
// the ledger: verifyScans of random commissioned packs (parse, hash, state
// reads through the node's cache), p50 and p99 (target p99 <= 10 ms), and
// the p99 of the CPU time each call used (the wall clock on a shared host
// also counts preemption by other processes).
// Last line on stdout: one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { getPack, packIdOf, lotExpiryCommitmentOf } from '../src/contracts/supplychain/index.js';
import { parseEnvelope, signTx } from '../src/ledger/index.js';
import { closeNode, initDevNetwork, ledgerPortOf, loadSigningKey, openNode } from '../src/node/index.js';
import { commission, formatElementString, registerProduct, verifyScans, type SupplyContext } from '../src/supplychain/index.js';

export interface SupplyBenchOptions {
  packs?: number;
  verifies?: number;
  /** Serials per commissioning request (split into transactions of 1,000). */
  request?: number;
  /** Concurrent commissioning requests. */
  clients?: number;
}

const GTIN = '09506000134352';
const LOT = 'BENCH01';
const EXPIRY = '301231';
const serialOf = (i: number): string => `S${i.toString(36).toUpperCase().padStart(10, '0')}`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** Inserts the rows the commissioning wrote, in transactions of 1,000, into a fresh WAL database with synchronous=FULL. */
function rawInsert(file: string, packs: number, orgId: string): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE state (contract TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, height INTEGER NOT NULL, PRIMARY KEY (contract, key)) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO state (contract, key, value, height) VALUES (?, ?, ?, ?)');
  const rows: Array<[string, string]> = [];
  for (let i = 0; i < packs; i++) {
    const serial = serialOf(i);
    const id = packIdOf(GTIN, serial);
    rows.push([`pack/${id}`, JSON.stringify({ commitment: lotExpiryCommitmentOf(GTIN, serial, LOT, EXPIRY), custodian: orgId, manufacturer: orgId, since: 1, status: 'active' })]);
  }
  const batch = db.transaction((from: number, height: number) => {
    for (let i = from; i < Math.min(from + 1000, rows.length); i++) insert.run('supplychain', rows[i]![0], rows[i]![1], height);
  });
  const start = performance.now();
  for (let from = 0, h = 1; from < rows.length; from += 1000, h++) batch(from, h);
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return packs / seconds;
}

export async function runSupplyBench(options: SupplyBenchOptions = {}): Promise<Record<string, number | string>> {
  const packs = options.packs ?? 1_000_000;
  const verifies = options.verifies ?? 5000;
  const request = options.request ?? 10_000;
  const clients = options.clients ?? 4;
  const dir = mkdtempSync(join(tmpdir(), 'careledger-bench-supply-'));
  try {
    const init = await initDevNetwork(join(dir, 'node'));
    const opened = openNode(init.dataDir, { limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
    try {
      const orgId = init.config.orgId;
      const admin = loadSigningKey(init.adminKeyFile);
      const roles = parseEnvelope(
        signTx({ network: opened.node.networkId, contract: 'governance', action: 'propose', args: { kind: 'set-trading-roles', payload: { orgId, roles: ['manufacturer', 'dispenser'] } } }, admin),
      );
      await opened.node.submit([roles], { wait: true });
      const ledger = ledgerPortOf(opened.node, orgId, { timeoutMs: 120_000 });
      const ctx: SupplyContext = { ledger, orgId, signer: opened.node.nodeKey };
      await registerProduct(ctx, { gtin: GTIN, name: 'Benchmark capsules' });
      process.stderr.write(`supply: commissioning ${packs} packs (${request} per request, ${clients} clients)\n`);
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          for (;;) {
            const from = next;
            if (from >= packs) return;
            next = Math.min(packs, from + request);
            const serials = Array.from({ length: next - from }, (_, k) => serialOf(from + k));
            await commission(ctx, { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials });
          }
        }),
      );
      const commissionSeconds = (performance.now() - start) / 1000;
      const commissionPacksPerSec = packs / commissionSeconds;
      if (getPack(ledger.state, packIdOf(GTIN, serialOf(packs - 1))) === undefined) throw new Error('the last pack was not commissioned');
      process.stderr.write(`supply: ${commissionPacksPerSec.toFixed(0)} packs/s; raw SQLite baseline\n`);
      const rawRowsPerSec = rawInsert(join(dir, 'raw.sqlite'), packs, orgId);
      process.stderr.write(`supply: verifying ${verifies} packs\n`);
      const times: number[] = [];
      const cpu: number[] = [];
      const sys: number[] = [];
      const starts: number[] = [];
      // Garbage collections during the run, to tell which slow samples a GC pause explains.
      const gcs: Array<{ start: number; end: number }> = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
      });
      observer.observe({ entryTypes: ['gc'] });
      let state = 12345;
      for (let k = 0; k < verifies; k++) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        const scan = formatElementString({ gtin: GTIN, expiry: EXPIRY, lot: LOT, serial: serialOf(state % packs) });
        const t = performance.now();
        const c = process.cpuUsage();
        const [outcome] = await verifyScans(ctx, [scan]);
        const used = process.cpuUsage(c);
        starts.push(t);
        times.push(performance.now() - t);
        // CPU time of this process: what the wall clock shows minus preemption on a shared host.
        cpu.push((used.user + used.system) / 1000);
        sys.push(used.system / 1000);
        if (outcome?.answer !== 'verified') throw new Error(`unexpected answer ${outcome?.answer}`);
      }
      // The verify loop never yields to the event loop (no I/O on the verified path): take the entries still queued.
      for (const e of observer.takeRecords()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
      observer.disconnect();
      // The slowest 1% by CPU time: how many overlap a GC, and how much of their CPU was system time (page reads).
      const byCpu = cpu.map((c, k) => k).sort((a, b) => (cpu[a] ?? 0) - (cpu[b] ?? 0));
      const slow = byCpu.slice(Math.floor(0.99 * byCpu.length));
      const overlapsGc = (k: number) => gcs.some((g) => g.end >= (starts[k] ?? 0) && g.start <= (starts[k] ?? 0) + (times[k] ?? 0));
      const slowWithGc = slow.filter(overlapsGc).length;
      const slowSysShare = slow.reduce((a, k) => a + (sys[k] ?? 0), 0) / Math.max(1e-9, slow.reduce((a, k) => a + (cpu[k] ?? 0), 0));
      const noGc = cpu.filter((_, k) => !overlapsGc(k)).sort((a, b) => a - b);
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      return {
        bench: 'supply',
        packs,
        commissionSeconds: Number(commissionSeconds.toFixed(2)),
        commissionPacksPerSec: Math.round(commissionPacksPerSec),
        rawInsertRowsPerSec: Math.round(rawRowsPerSec),
        commissionRatio: Number((commissionPacksPerSec / rawRowsPerSec).toFixed(3)),
        verifies,
        verifyP50Ms: Number(percentile(times, 0.5).toFixed(3)),
        verifyP99Ms: Number(percentile(times, 0.99).toFixed(3)),
        verifyMaxMs: Number((times.at(-1) ?? 0).toFixed(3)),
        verifyCpuP50Ms: Number(percentile(cpu, 0.5).toFixed(3)),
        verifyCpuP99Ms: Number(percentile(cpu, 0.99).toFixed(3)),
        verifyCpuP99NoGcMs: Number(percentile(noGc, 0.99).toFixed(3)),
        gcDuringVerify: gcs.length,
        slowestPctWithGc: Number((slowWithGc / Math.max(1, slow.length)).toFixed(2)),
        slowestPctSysShare: Number(slowSysShare.toFixed(2)),
      };
    } finally {
      await closeNode(opened);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
