// What TLS costs the consortium (`careledger bench --suite network --net-tls`):
// the same three organisations' node processes and workload, once in plain
// HTTP on a plain etcd cluster, once with TLS everywhere (each node serving
// HTTPS with its development certificate, peers called over HTTPS under the
// consortium CA and the registered pins, etcd with mutual TLS and RBAC), and
// once more in plain HTTP, in that order in one run; TLS is compared with the
// mean of the two plain runs, so a host that drifts biases neither side.
// The figure is CPU time per committed transaction at each node process
// (host-independent enough to compare in one run); the benchmark's HTTPS
// clients keep their connections alive, as a real client pool does.
import { Agent, request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsortiumPki, loadSigningKey, startDevEtcd } from '../src/node/index.js';
import { initConsortium } from '../src/node/wiring/network-init.js';
import { freePort, startEtcdCluster, type EtcdCluster } from '../src/ordering/index.js';
import { cpuMeter, drive, log, plainHttp, round, startNode, stopNode, waitHealthy, warmUp, type BenchHttp, type NetworkBenchOptions, type RunResult } from './network.js';
import { buildWorkload } from './workload.js';

/** An HTTPS client trusting `ca`, with keep-alive connections (HTTP/1.1 over TLS). */
function httpsClient(ca: Buffer): BenchHttp {
  const agent = new Agent({ keepAlive: true, ca, maxSockets: 64 });
  const call = (url: string, method: 'GET' | 'POST', body?: string) =>
    new Promise<{ status: number; json: unknown }>((resolve, reject) => {
      const req = request(url, { method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
          } catch (e) {
            reject(e as Error);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return { get: (url) => call(url, 'GET'), post: (url, body) => call(url, 'POST', body) };
}

interface Setup {
  tls: boolean;
  network: RunResult;
  warmup?: { committedTxPerSec: number; cpuMsPerTxPerNode?: number[] } | undefined;
  etcdCpuMsPerTx?: number | undefined;
}

/** One consortium of three nodes, warmed up and measured; everything it started is stopped. */
async function runSetup(root: string, name: string, tls: boolean, o: NetworkBenchOptions): Promise<Setup> {
  const networkId = `bench-${name}`;
  const orgIds = ['org1', 'org2', 'org3'];
  const ports = [await freePort(), await freePort(), await freePort()];
  const scheme = tls ? 'https' : 'http';
  const urls = ports.map((p) => `${scheme}://127.0.0.1:${p}`);
  const pkiDir = join(root, name, 'pki');
  let cluster: EtcdCluster | undefined;
  const children: ReturnType<typeof startNode>[] = [];
  try {
    cluster = tls ? (await startDevEtcd(pkiDir, networkId, orgIds)).cluster : await startEtcdCluster(3);
    const pki = tls ? createConsortiumPki(pkiDir, networkId, orgIds.map((orgId, i) => ({ orgId, endpoint: urls[i]! })), cluster.hosts) : undefined;
    const net = await initConsortium({
      networkId,
      etcd: cluster.hosts,
      ...(pki ? { tlsCa: pki.ca.certFile } : {}),
      orgs: orgIds.map((orgId, i) => ({
        orgId, endpoint: urls[i]!, dataDir: join(root, name, orgId),
        ...(pki ? { tlsPins: [pki.orgs[i]!.pin], etcdTls: pki.orgs[i]!.etcd } : {}),
      })),
    });
    const http = pki ? httpsClient(readFileSync(pki.ca.certFile)) : plainHttp;
    for (const [i, org] of net.orgs.entries()) {
      const tlsFlags = pki ? ['--tls-cert', pki.orgs[i]!.server.certFile, '--tls-key', pki.orgs[i]!.server.keyFile] : [];
      children.push(startNode(org.dataDir, ports[i]!, ['--verify-workers', String(o.verifyWorkers), ...tlsFlags]));
    }
    await Promise.all(urls.map((u) => waitHealthy(u, 60_000, http)));
    const admin = loadSigningKey(net.orgs[0]!.adminKeyFile);
    const pids = children.map((c) => c.pid);
    const warmup = await warmUp(urls, networkId, admin, o, pids, http);
    const etcdCpu = cpuMeter(cluster.pids());
    const network = await drive(urls, buildWorkload(networkId, admin, o.txs), o, pids, http);
    const etcdCpuMsPerTx = etcdCpu(o.txs)?.reduce((a, b) => a + b, 0);
    log(`${name}: ${network.committedTxPerSec} tx/s, CPU ms/tx per node ${network.cpuMsPerTxPerNode?.join(', ') ?? '?'}`);
    return { tls, network, warmup, ...(etcdCpuMsPerTx === undefined ? {} : { etcdCpuMsPerTx: round(etcdCpuMsPerTx, 3) }) };
  } finally {
    await Promise.all(children.map(stopNode));
    await cluster?.stop();
  }
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

export async function runTlsComparison(options: NetworkBenchOptions): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'careledger-bench-tls-'));
  try {
    const plain = await runSetup(root, 'plain', false, options);
    const tls = await runSetup(root, 'tls', true, options);
    const plainAgain = await runSetup(root, 'plain2', false, options);
    const perNode = (s: Setup) => mean(s.network.cpuMsPerTxPerNode ?? []);
    const plainCpu = (perNode(plain) + perNode(plainAgain)) / 2;
    const ratio = perNode(tls) / plainCpu;
    const result = {
      bench: 'network-tls',
      txs: options.txs,
      clients: options.clients,
      txsPerSubmit: options.chunk,
      verifyWorkersPerNode: options.verifyWorkers,
      warmupTxs: options.warmupTxs,
      plain,
      tls,
      plainAgain,
      cpuMsPerTxPerNode: { plain: round(plainCpu, 3), tls: round(perNode(tls), 3) },
      tlsCpuRatio: round(ratio, 3),
      target: { tlsCpuRatioAtMost: 1.15 },
      met: ratio <= 1.15,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
