// The soak benchmark (`careledger bench --suite soak --duration 10m`): a
// steady load on a three-member etcd cluster and three node processes on
// this machine (test/faults/consortium.ts), with faults on a schedule (an
// etcd follower, a node and the etcd leader paused for 2 s, an etcd member
// restarted with its data, in turn). Reports throughput per window, p50/p99
// of the answers, each node's resident memory and open file descriptors
// after the warm-up and at the end (and their ratio: a leak shows as a ratio
// that grows with the duration), and the ledger database's growth per
// committed transaction. At the end every acknowledged transaction must be
// on every node exactly once. Hours are for a dedicated machine
// (BENCHMARKS.md); minutes here.
import { readFileSync, readdirSync } from 'node:fs';
import { sleep, startConsortium, type Consortium } from '../test/faults/consortium.js';
import { checkLedgers, startLoad } from '../test/faults/load.js';

export interface SoakBenchOptions {
  durationS: number;
  warmupS: number;
  faults: boolean;
  /** Seconds between scheduled faults. */
  faultEveryS?: number;
  clients?: number;
  perRequest?: number;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const log = (m: string) => process.stderr.write(`soak: ${m}\n`);

/** VmRSS of a process in bytes (Linux /proc), or undefined. */
function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

function fdsOf(pid: number | undefined): number | undefined {
  try {
    return pid === undefined ? undefined : readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

interface NodeSample {
  rss: number;
  fds: number;
}

/** The median of three samples half a second apart, per node (one sample hits a GC at random). */
async function sampleNodes(c: Consortium): Promise<NodeSample[]> {
  const rounds: Array<Array<{ rss: number | undefined; fds: number | undefined }>> = [];
  for (let k = 0; k < 3; k++) {
    rounds.push([0, 1, 2].map((i) => ({ rss: rssOf(c.node(i)?.child.pid), fds: fdsOf(c.node(i)?.child.pid) })));
    await sleep(500);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return [0, 1, 2].map((i) => ({
    rss: median(rounds.map((r) => r[i]!.rss ?? 0)),
    fds: median(rounds.map((r) => r[i]!.fds ?? 0)),
  }));
}

const percentile = (xs: readonly number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** One scheduled fault, by its turn. */
async function injectFault(c: Consortium, turn: number): Promise<string> {
  switch (turn % 4) {
    case 0: {
      const follower = ((await c.etcdLeader()) + 1) % 3;
      c.pauseEtcd(follower);
      await sleep(2_000);
      c.resumeEtcd(follower);
      return 'etcd follower paused 2 s';
    }
    case 1:
      c.pauseNode(1);
      await sleep(2_000);
      c.resumeNode(1);
      return 'node 2 paused 2 s';
    case 2: {
      const leader = await c.etcdLeader();
      c.pauseEtcd(leader);
      await sleep(2_000);
      c.resumeEtcd(leader);
      return 'etcd leader paused 2 s';
    }
    default: {
      const member = ((await c.etcdLeader()) + 2) % 3;
      await c.etcd.restart(member);
      return 'etcd member restarted with its data';
    }
  }
}

export async function runSoakBench(options: SoakBenchOptions): Promise<void> {
  const c = await startConsortium({ witnessIntervalMs: 1_000 });
  try {
    await Promise.all([0, 1, 2].map((i) => c.startNode(i)));
    const load = startLoad(c, { clients: options.clients ?? 3, perRequest: options.perRequest ?? 10, pauseMs: 50 });
    const { book } = load;
    log(`warming up for ${options.warmupS} s`);
    await sleep(options.warmupS * 1_000);
    const warm = await sampleNodes(c);
    const warmInfo = await c.info(0);
    const warmBytes = c.ledgerBytes(0);
    const mark = { latencies: book.latencies.length, commits: book.commits.length, at: Date.now() };
    log(`measuring for ${options.durationS} s${options.faults ? `, a fault every ${options.faultEveryS ?? 20} s` : ''}`);
    const end = mark.at + options.durationS * 1_000;
    const faults: string[] = [];
    let turn = 0;
    while (Date.now() < end) {
      const next = Math.min(end, Date.now() + (options.faultEveryS ?? 20) * 1_000);
      await sleep(Math.max(0, next - Date.now()));
      if (options.faults && Date.now() < end - 5_000) faults.push(await injectFault(c, turn++));
    }
    const last = await sampleNodes(c);
    const measuredS = (Date.now() - mark.at) / 1_000;
    await load.stop();
    const head = await c.converged(60_000);
    const endBytes = c.ledgerBytes(0);
    let problems = checkLedgers(c, book, [0, 1, 2]);
    for (let k = 0; k < 40 && problems.length > 0; k++) {
      await sleep(500);
      problems = checkLedgers(c, book, [0, 1, 2]);
    }
    const windows = 10;
    const windowMs = (measuredS * 1_000) / windows;
    const commits = book.commits.slice(mark.commits);
    const perWindow = Array.from({ length: windows }, (_, w) => commits.filter((t) => t >= mark.at + w * windowMs && t < mark.at + (w + 1) * windowMs).length);
    const latencies = book.latencies.slice(mark.latencies);
    const txs = head.logSize - warmInfo.logSize;
    const result = {
      bench: 'soak',
      durationS: round(measuredS, 1),
      warmupS: options.warmupS,
      faults,
      committedTxs: txs,
      txPerSec: round(txs / measuredS, 1),
      txPerSecByWindow: perWindow.map((n) => round(n / (windowMs / 1_000), 1)),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      answers: Object.fromEntries([...book.statuses].sort()),
      errorCodes: [...book.errorCodes].sort(),
      nodes: warm.map((w, i) => ({
        rssWarmMiB: round(w.rss / 2 ** 20, 1),
        rssEndMiB: round(last[i]!.rss / 2 ** 20, 1),
        rssEndOverWarm: round(last[i]!.rss / w.rss, 3),
        fdsWarm: w.fds,
        fdsEnd: last[i]!.fds,
      })),
      dbBytesPerTx: txs > 0 ? Math.round((endBytes - warmBytes) / txs) : null,
      acknowledged: book.acked.size,
      doubtful: book.doubtful.size,
      ledgerProblems: problems.length,
      contractProblems: book.problems.length,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    if (problems.length > 0 || book.problems.length > 0) {
      log([...book.problems, ...problems].slice(0, 10).join('\n'));
      process.exitCode = 1;
    }
  } finally {
    await c.stop();
  }
}
