// Launching etcd processes for local runs (benchmarks, tests): a real etcd
// cluster (1 or 3 members) on loopback, with random free ports and temporary
// data dirs. Members can be stopped (SIGKILL) and restarted on the same ports
// and data. Every member is killed and every directory removed by stop(), and
// members are SIGKILLed if this process exits early. When etcd is not
// installed, requireEtcd() fails in CI (CI=true) with a clear message and
// lets a local run skip. A production consortium runs its own etcd; nothing
// here is used by a node. With `tls`, members serve clients and peers over
// HTTPS and require a client certificate from the given CA on both
// (--client-cert-auth, --peer-client-cert-auth), as a consortium's cluster does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BIN = process.env.ETCD_BIN ?? 'etcd';

/** The etcd version line, or undefined when etcd cannot be run. */
export function etcdVersion(): string | undefined {
  const r = spawnSync(ETCD_BIN, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  if (r.status !== 0) return undefined;
  return /etcd Version: (\S+)/.exec(r.stdout)?.[1];
}

/**
 * Returns a skip reason when etcd is missing locally, undefined when it is
 * installed, and throws in CI, where a missing etcd is a broken setup.
 */
export function requireEtcd(): string | undefined {
  if (etcdVersion()) return undefined;
  const message = `etcd is not installed (tried "${ETCD_BIN} --version"); install it with "apt-get install -y etcd-server" (.ci/run does)`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  child: ChildProcess | undefined;
  log: string;
}

export interface EtcdCluster {
  /** Client URLs of every member (http://127.0.0.1:port). */
  hosts: string[];
  size: number;
  /** SIGKILLs member i (0-based) and waits for it to exit. */
  kill(i: number): Promise<void>;
  /** Starts member i again on its ports and data dir and waits for it to be healthy. */
  restart(i: number): Promise<void>;
  /** Waits until every running member reports healthy. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every member and removes the data dirs. Idempotent. */
  stop(): Promise<void>;
  /** Process ids of the running members (benchmarks read their CPU time). */
  pids(): number[];
  /** Process id of member i (0-based), if it is running (fault tests pause it with SIGSTOP). */
  pid(i: number): number | undefined;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills launched members when this process exits; installed at the first launch, not on import. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export interface EtcdMemberTls {
  /** The consortium CA: clients and peers must present certificates it issued. */
  caFile: string;
  /** The members' certificate (server and client use, SAN 127.0.0.1) and key. */
  certFile: string;
  keyFile: string;
  /** A client certificate the launcher's health check presents. */
  clientCertFile: string;
  clientKeyFile: string;
}

function tlsHealthy(port: number, tls: EtcdMemberTls): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(
      { host: '127.0.0.1', port, path: '/health', ca: readFileSync(tls.caFile), cert: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile), timeout: 1_000, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export async function startEtcdCluster(size: 1 | 3 = 3, options: { tls?: EtcdMemberTls } = {}): Promise<EtcdCluster> {
  const tls = options.tls;
  const scheme = tls ? 'https' : 'http';
  const root = mkdtempSync(join(tmpdir(), 'careledger-etcd-'));
  const token = `careledger-${randomBytes(6).toString('hex')}`;
  const members: Member[] = [];
  for (let i = 0; i < size; i++) {
    members.push({ name: `m${i + 1}`, clientPort: await freePort(), peerPort: await freePort(), dataDir: join(root, `m${i + 1}`), child: undefined, log: '' });
  }
  const initialCluster = members.map((m) => `${m.name}=${scheme}://127.0.0.1:${m.peerPort}`).join(',');
  const tlsArgs = tls
    ? [
        '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--trusted-ca-file', tls.caFile, '--client-cert-auth',
        '--peer-cert-file', tls.certFile, '--peer-key-file', tls.keyFile, '--peer-trusted-ca-file', tls.caFile, '--peer-client-cert-auth',
      ]
    : [];

  installExitHook();
  const launch = (m: Member): void => {
    const client = `${scheme}://127.0.0.1:${m.clientPort}`;
    const peer = `${scheme}://127.0.0.1:${m.peerPort}`;
    const child = spawn(
      ETCD_BIN,
      [
        '--name', m.name,
        '--data-dir', m.dataDir,
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', token,
        // Loopback: fast heartbeats so a lost leader is replaced in about a second.
        '--heartbeat-interval', '50',
        '--election-timeout', '500',
        '--log-level', 'warn',
        ...tlsArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    live.add(child);
    child.once('exit', () => live.delete(child));
    child.stderr?.on('data', (c: Buffer) => {
      m.log = (m.log + c.toString('utf8')).slice(-4_000);
    });
    m.child = child;
  };

  const healthy = async (m: Member): Promise<boolean> => {
    if (tls) return tlsHealthy(m.clientPort, tls);
    try {
      const res = await fetch(`http://127.0.0.1:${m.clientPort}/health`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { health?: string };
      return res.ok && body.health === 'true';
    } catch {
      return false;
    }
  };

  const waitHealthy = async (timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (const m of members) {
      if (!m.child) continue;
      while (!(await healthy(m))) {
        if (m.child.exitCode !== null) throw new Error(`etcd ${m.name} exited with ${m.child.exitCode}:\n${m.log}`);
        if (Date.now() > deadline) throw new Error(`etcd ${m.name} not healthy after ${timeoutMs} ms:\n${m.log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const kill = async (i: number): Promise<void> => {
    const m = members[i];
    const child = m?.child;
    if (!m || !child) return;
    m.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };

  let stopped = false;
  const cluster: EtcdCluster = {
    hosts: members.map((m) => `${scheme}://127.0.0.1:${m.clientPort}`),
    size,
    kill,
    async restart(i) {
      const m = members[i];
      if (!m) throw new RangeError(`no member ${i}`);
      await kill(i);
      launch(m);
      await waitHealthy();
    },
    waitHealthy,
    pids: () => members.flatMap((m) => (m.child?.pid === undefined ? [] : [m.child.pid])),
    pid: (i) => members[i]?.child?.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        for (let i = 0; i < members.length; i++) await kill(i);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
  try {
    members.forEach(launch);
    await waitHealthy();
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
