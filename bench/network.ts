// The consortium benchmark: three organisations' node processes on a
// three-member etcd cluster on this machine, beside the single embedded node
// (solo orderer) measured in the same run with the same workload and the same
// HTTP client. Reports committed tx/s at every node, p50/p99 submit-to-commit,
// and the ratio of the network's throughput to the embedded node's.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SigningKey } from '../src/crypto/index.js';
import { initDevNetwork, loadSigningKey } from '../src/node/index.js';
import { initConsortium } from '../src/node/wiring/network-init.js';
import type { ParsedEnvelope } from '../src/ledger/index.js';
import { freePort, requireEtcd, startEtcdCluster } from '../src/ordering/index.js';
import { buildWorkload } from './workload.js';

export interface NetworkBenchOptions {
  txs: number;
  clients: number;
  chunk: number;
  /** Verify workers of each of the three nodes (the embedded node keeps one per core). */
  verifyWorkers: number;
  /** Transactions of an untimed warm-up run through each setup before it is measured (0: none). */
  warmupTxs: number;
  /** Instead of the embedded comparison: the three nodes with TLS everywhere against the same three in plain HTTP (network-tls.ts). */
  tls?: boolean;
}

/** How the benchmark's clients speak to the nodes: fetch over plain HTTP, or an HTTPS client trusting the consortium CA (network-tls.ts). */
export interface BenchHttp {
  get(url: string): Promise<{ status: number; json: unknown }>;
  post(url: string, body: string): Promise<{ status: number; json: unknown }>;
}

export const plainHttp: BenchHttp = {
  async get(url) {
    const res = await fetch(url);
    return { status: res.status, json: await res.json() };
  },
  async post(url, body) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, json: await res.json() };
  },
};

export interface RunResult {
  seconds: number;
  committedTxPerSec: number;
  p50CommitMs: number;
  p99CommitMs: number;
  perNodeTxPerSec: number[];
  /** CPU time (user + system, all threads) per committed transaction at each node process, while driven. */
  cpuMsPerTxPerNode?: number[];
  /** CPU time of this benchmark process (the HTTP clients) per committed transaction. */
  clientCpuMsPerTx: number;
}

/** CPU time (user + system) of a process so far, in ms; undefined where /proc is not available. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime at USER_HZ = 100
  } catch {
    return undefined;
  }
}

/** Starts measuring: the returned function gives the CPU ms each process spent since, per transaction. */
export function cpuMeter(pids: ReadonlyArray<number | undefined>): (txs: number) => number[] | undefined {
  const before = pids.map(cpuMs);
  return (txs) => {
    const after = pids.map(cpuMs);
    if (txs === 0 || before.some((b) => b === undefined) || after.some((a) => a === undefined)) return undefined;
    return after.map((a, i) => round((a! - before[i]!) / txs, 3));
  };
}

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
export const log = (msg: string) => process.stderr.write(`bench(network): ${msg}\n`);
export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function startNode(dataDir: string, port: number, extra: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'start', '--data-dir', dataDir, '--port', String(port), '--log-level', 'error', ...extra], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

/** SIGTERM, then waits for the process to exit (a clean shutdown), at most 10 s before SIGKILL. */
export async function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function waitHealthy(url: string, timeoutMs = 60_000, http: BenchHttp = plainHttp): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const res = await http.get(`${url}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not become healthy`);
}

async function height(url: string, http: BenchHttp): Promise<number> {
  return ((await http.get(`${url}/ledger/v1/node`)).json as { height: number }).height;
}

/** Drives the phases over HTTP, round-robin over `urls`; measures at every node. */
export async function drive(
  urls: string[],
  phases: Array<{ txs: ParsedEnvelope[] }>,
  o: NetworkBenchOptions,
  pids: ReadonlyArray<number | undefined>,
  http: BenchHttp = plainHttp,
): Promise<RunResult> {
  const cpu = cpuMeter(pids);
  const clientCpu = process.cpuUsage();
  const latencies: number[] = [];
  let committed = 0;
  let bad = 0;
  let turn = 0;
  const started = performance.now();
  const reachedAt: number[] = urls.map(() => 0);
  for (const phase of phases) {
    let next = 0;
    const worker = async () => {
      while (next < phase.txs.length) {
        const batch = phase.txs.slice(next, next + o.chunk);
        next += o.chunk;
        const url = urls[turn++ % urls.length]!;
        const body = `[${batch.map((b) => Buffer.from(b.bytes).toString('utf8')).join(',')}]`;
        const t0 = performance.now();
        const res = await http.post(`${url}/ledger/v1/transactions?wait=commit&timeoutMs=60000`, body);
        const out = res.json as { results?: Array<{ code: string }> };
        latencies.push(performance.now() - t0);
        for (const r of out.results ?? []) {
          if (r.code === 'OK') committed++;
          else bad++;
        }
      }
    };
    await Promise.all(Array.from({ length: o.clients }, worker));
  }
  // Every node must reach the height the submitting nodes reported.
  const target = Math.max(...(await Promise.all(urls.map((u) => height(u, http)))));
  await Promise.all(
    urls.map(async (url, i) => {
      while ((await height(url, http)) < target) await sleep(20);
      reachedAt[i] = performance.now();
    }),
  );
  if (bad > 0) throw new Error(`${bad} transactions did not commit OK`);
  const seconds = (performance.now() - started) / 1000;
  const cpuMsPerTxPerNode = cpu(committed);
  const client = process.cpuUsage(clientCpu);
  latencies.sort((a, b) => a - b);
  return {
    ...(cpuMsPerTxPerNode === undefined ? {} : { cpuMsPerTxPerNode }),
    clientCpuMsPerTx: round((client.user + client.system) / 1000 / Math.max(committed, 1), 3),
    seconds: round(seconds),
    committedTxPerSec: Math.round(committed / seconds),
    p50CommitMs: round(percentile(latencies, 50)),
    p99CommitMs: round(percentile(latencies, 99)),
    perNodeTxPerSec: reachedAt.map((t) => Math.round(committed / ((t - started) / 1000))),
  };
}

/**
 * An untimed run of `warmupTxs` transactions of the same shape (its own
 * practitioners): node processes start cold, and each of them would otherwise
 * compile its hot code (V8's optimising compiler) inside the timed run.
 * Both setups get the same warm-up, so both are measured in steady state;
 * the warm-up's own figures are reported beside them.
 */
export async function warmUp(
  urls: string[],
  networkId: string,
  admin: SigningKey,
  o: NetworkBenchOptions,
  pids: ReadonlyArray<number | undefined>,
  http: BenchHttp = plainHttp,
): Promise<{ committedTxPerSec: number; cpuMsPerTxPerNode?: number[] } | undefined> {
  if (o.warmupTxs === 0) return undefined;
  const r = await drive(urls, buildWorkload(networkId, admin, o.warmupTxs, 100, 'warm'), o, pids, http);
  log(`warm-up: ${r.committedTxPerSec} tx/s`);
  return { committedTxPerSec: r.committedTxPerSec, ...(r.cpuMsPerTxPerNode ? { cpuMsPerTxPerNode: r.cpuMsPerTxPerNode } : {}) };
}

export async function runNetworkBench(options: NetworkBenchOptions): Promise<Record<string, unknown>> {
  const missing = requireEtcd();
  if (missing) throw new Error(`the network benchmark needs etcd: ${missing}`);
  const root = mkdtempSync(join(tmpdir(), 'careledger-bench-net-'));
  const children: ChildProcess[] = [];
  const etcd = await startEtcdCluster(3);
  try {
    // The embedded node (solo orderer), same client, same workload shape. It
    // is measured before and after the network (idle in between), and the
    // network is compared with the mean of the two runs, so a host that
    // speeds up or slows down during the run biases neither side.
    log('embedded node');
    const dev = await initDevNetwork(join(root, 'solo'));
    const soloPort = await freePort();
    const soloChild = startNode(dev.dataDir, soloPort);
    children.push(soloChild);
    const soloUrl = `http://127.0.0.1:${soloPort}`;
    await waitHealthy(soloUrl);
    const soloAdmin = loadSigningKey(dev.adminKeyFile);
    const soloWarmup = await warmUp([soloUrl], dev.config.networkId, soloAdmin, options, [soloChild.pid]);
    const before = await drive([soloUrl], buildWorkload(dev.config.networkId, soloAdmin, options.txs), options, [soloChild.pid]);
    log(`embedded: ${before.committedTxPerSec} tx/s, p99 ${before.p99CommitMs} ms`);

    log('three organisations on a three-member etcd cluster');
    const ports = [await freePort(), await freePort(), await freePort()];
    const net = await initConsortium({
      networkId: 'bench-net',
      etcd: etcd.hosts,
      orgs: ports.map((port, i) => ({ orgId: `org${i + 1}`, endpoint: `http://127.0.0.1:${port}`, dataDir: join(root, `org${i + 1}`) })),
    });
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    // Three nodes share this machine's cores: each gets a verify pool sized to
    // its share (at least one worker) instead of one worker per core, so the
    // three pools do not oversubscribe the cores (--net-verify-workers).
    const nodes = net.orgs.map((org, i) => startNode(org.dataDir, ports[i]!, ['--verify-workers', String(options.verifyWorkers)]));
    children.push(...nodes);
    await Promise.all(urls.map((u) => waitHealthy(u)));
    const netAdmin = loadSigningKey(net.orgs[0]!.adminKeyFile);
    const netWarmup = await warmUp(urls, net.networkId, netAdmin, options, nodes.map((c) => c.pid));
    const phases = buildWorkload(net.networkId, netAdmin, options.txs);
    const etcdCpu = cpuMeter(etcd.pids());
    const network = await drive(urls, phases, options, nodes.map((c) => c.pid));
    const etcdCpuMsPerTx = etcdCpu(options.txs)?.reduce((a, b) => a + b, 0);
    log(`network: ${network.committedTxPerSec} tx/s, p99 ${network.p99CommitMs} ms, per node ${network.perNodeTxPerSec.join(', ')}`);
    await Promise.all(nodes.map(stopNode));

    const after = await drive([soloUrl], buildWorkload(dev.config.networkId, soloAdmin, options.txs, 100, 'dr2'), options, [soloChild.pid]);
    log(`embedded again: ${after.committedTxPerSec} tx/s, p99 ${after.p99CommitMs} ms`);
    const embeddedTxPerSec = (before.committedTxPerSec + after.committedTxPerSec) / 2;
    const slowest = Math.min(...network.perNodeTxPerSec);
    const result = {
      bench: 'network',
      txs: options.txs,
      clients: options.clients,
      txsPerSubmit: options.chunk,
      verifyWorkersPerNode: options.verifyWorkers,
      warmupTxs: options.warmupTxs,
      ...(soloWarmup ? { embeddedWarmup: soloWarmup } : {}),
      ...(netWarmup ? { networkWarmup: netWarmup } : {}),
      embedded: before,
      embeddedAfter: after,
      embeddedTxPerSec: Math.round(embeddedTxPerSec),
      network,
      ...(etcdCpuMsPerTx === undefined ? {} : { etcdCpuMsPerTx: round(etcdCpuMsPerTx, 3) }),
      ratio: round(slowest / embeddedTxPerSec, 3),
      p99CommitMs: network.p99CommitMs,
      targets: { ratio: 0.4, p99CommitMs: 500 },
      met: { ratio: slowest / embeddedTxPerSec >= 0.4, p99: network.p99CommitMs <= 500 },
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    return result;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await etcd.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
