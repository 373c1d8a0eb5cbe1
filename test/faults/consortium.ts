// A consortium to break on purpose (the fault-injection suite and the soak
// benchmark): a real three-member etcd cluster (src/ordering/etcd-process.ts)
// and three node processes (`careledger start --orderer etcd`) on loopback,
// one organisation each, in temporary directories. Members and nodes can be
// paused (SIGSTOP/SIGCONT), killed and restarted on the same ports and data.
// Every child is SIGKILLed on stop() and when this process exits.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { paths } from '../../src/node/index.js';
import { initConsortium, type OrgDataDir } from '../../src/node/wiring/network-init.js';
import { startEtcdCluster, type EtcdCluster } from '../../src/ordering/index.js';
import { LOOPBACK, freePort, makeTempDir, removeDir, spawnNode, stopNode, type NodeProcess } from '../helpers/proc.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` every 50 ms until it returns a value (not undefined) or `timeoutMs` passes. */
export async function until<T>(what: string | (() => string), timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

export interface NodeInfo {
  height: number;
  blockHash: string;
  logSize: number;
}

export interface Consortium {
  networkId: string;
  etcd: EtcdCluster;
  orgs: OrgDataDir[];
  url(i: number): string;
  /** The running node process i, if any. */
  node(i: number): NodeProcess | undefined;
  /** Starts node i (extra flags after the defaults) and waits for /healthz 200 unless `wait` is false. */
  startNode(i: number, extra?: readonly string[], wait?: boolean): Promise<void>;
  /** SIGTERM (or `signal`), bounded, then SIGKILL. */
  stopNode(i: number, signal?: NodeJS.Signals): Promise<void>;
  pauseNode(i: number): void;
  resumeNode(i: number): void;
  /** Index of the etcd member that is leader now (asked of each member). */
  etcdLeader(): Promise<number>;
  pauseEtcd(i: number): void;
  resumeEtcd(i: number): void;
  info(i: number): Promise<NodeInfo>;
  /** Waits until the running nodes report the same height and head hash twice in a row; returns it. */
  converged(timeoutMs?: number): Promise<NodeInfo>;
  /** Every txId in node i's ledger with its result codes, in ledger order (read-only SQLite). */
  ledgerTxs(i: number): Map<string, string[]>;
  /** PRAGMA page_count * page_size of node i's ledger (WAL included). */
  ledgerBytes(i: number): number;
  stop(): Promise<void>;
}

export interface ConsortiumOptions {
  /** Witness interval of the nodes (ms). Default 250. */
  witnessIntervalMs?: number;
  /** Flags every node starts with (after the defaults). */
  nodeFlags?: readonly string[];
}

const HEALTH_TIMEOUT_MS = 60_000;

export async function startConsortium(options: ConsortiumOptions = {}): Promise<Consortium> {
  const etcd = await startEtcdCluster(3);
  const root = makeTempDir('careledger-faults-');
  const networkId = `faults-${randomBytes(3).toString('hex')}`;
  const ports = [await freePort(), await freePort(), await freePort()];
  const url = (i: number) => `http://${LOOPBACK}:${ports[i]}`;
  const procs: Array<NodeProcess | undefined> = [undefined, undefined, undefined];
  const paused = new Set<number>();
  let orgs: OrgDataDir[] = [];
  try {
    orgs = (
      await initConsortium({
        networkId,
        etcd: etcd.hosts,
        orgs: [0, 1, 2].map((i) => ({ orgId: `org${i + 1}`, name: `Org ${i + 1}`, endpoint: url(i), dataDir: join(root, `org${i + 1}`) })),
      })
    ).orgs;
  } catch (error) {
    await etcd.stop();
    removeDir(root);
    throw error;
  }

  const signalPid = (pid: number | undefined, signal: NodeJS.Signals) => {
    if (pid !== undefined) process.kill(pid, signal);
  };
  const info = async (i: number): Promise<NodeInfo> =>
    (await (await fetch(`${url(i)}/ledger/v1/node`, { signal: AbortSignal.timeout(2_000) })).json()) as NodeInfo;

  const c: Consortium = {
    networkId,
    etcd,
    orgs,
    url,
    node: (i) => procs[i],
    async startNode(i, extra = [], wait = true) {
      const flags = ['--orderer', 'etcd', '--etcd', etcd.hosts.join(','), '--witness-interval', String(options.witnessIntervalMs ?? 250),
        '--verify-workers', '1', '--self-enrolment', 'unlimited', '--patient-quota', 'unlimited', ...(options.nodeFlags ?? []), ...extra];
      const p = spawnNode(orgs[i]!.dataDir, ports[i]!, flags);
      procs[i] = p;
      if (!wait) return;
      await until(() => `node ${i + 1} healthy\n${p.output()}`, HEALTH_TIMEOUT_MS, async () => {
        if (p.child.exitCode !== null) throw new Error(`node ${i + 1} exited:\n${p.output()}`);
        const res = await fetch(`${url(i)}/healthz`, { signal: AbortSignal.timeout(1_000) });
        return res.status === 200 ? true : undefined;
      });
    },
    async stopNode(i, signal = 'SIGTERM') {
      const p = procs[i];
      procs[i] = undefined;
      if (!p) return;
      if (paused.delete(1000 + i)) signalPid(p.child.pid, 'SIGCONT');
      await stopNode(p, signal, 10_000);
    },
    pauseNode(i) {
      signalPid(procs[i]?.child.pid, 'SIGSTOP');
      paused.add(1000 + i);
    },
    resumeNode(i) {
      signalPid(procs[i]?.child.pid, 'SIGCONT');
      paused.delete(1000 + i);
    },
    async etcdLeader() {
      for (let i = 0; i < etcd.size; i++) {
        try {
          const res = await fetch(`${etcd.hosts[i]}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1_000) });
          const s = (await res.json()) as { header?: { member_id?: string }; leader?: string };
          if (s.leader !== undefined && s.header?.member_id === s.leader) return i;
        } catch {
          // paused or down: ask the next
        }
      }
      throw new Error('no etcd member says it is the leader');
    },
    pauseEtcd(i) {
      signalPid(etcd.pid(i), 'SIGSTOP');
      paused.add(i);
    },
    resumeEtcd(i) {
      signalPid(etcd.pid(i), 'SIGCONT');
      paused.delete(i);
    },
    info,
    async converged(timeoutMs = 30_000) {
      const running = [0, 1, 2].filter((i) => procs[i] !== undefined);
      let last = '';
      return until(() => `nodes ${running.map((i) => i + 1).join(',')} to converge (last: ${last})`, timeoutMs, async () => {
        const a = await Promise.all(running.map(info));
        const key = [...new Set(a.map((x) => `${x.height}:${x.blockHash}`))].join(' ');
        const same = !key.includes(' ') && key === last;
        last = key;
        return same ? a[0] : undefined;
      });
    },
    ledgerTxs(i) {
      const db = new Database(paths(orgs[i]!.dataDir).ledger, { readonly: true });
      try {
        const map = new Map<string, string[]>();
        for (const row of db.prepare('SELECT tx_id AS id, code FROM txs ORDER BY leaf_index').iterate() as Iterable<{ id: string; code: string }>) {
          const list = map.get(row.id) ?? [];
          list.push(row.code);
          map.set(row.id, list);
        }
        return map;
      } finally {
        db.close();
      }
    },
    ledgerBytes(i) {
      const db = new Database(paths(orgs[i]!.dataDir).ledger, { readonly: true });
      try {
        return Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
      } finally {
        db.close();
      }
    },
    async stop() {
      for (const i of paused) {
        if (i >= 1000) signalPid(procs[i - 1000]?.child.pid, 'SIGCONT');
        else signalPid(etcd.pid(i), 'SIGCONT');
      }
      paused.clear();
      await Promise.allSettled([0, 1, 2].map((i) => c.stopNode(i)));
      await etcd.stop();
      removeDir(root);
    },
  };
  return c;
}
