// `careledger demo --network 3 --json` (also spelled `careledger demo-network
// --network 3 --json`, the older name kept as an alias): a local consortium to
// try. N organisations, each with its own node process (`careledger start`), on a
// local etcd cluster of three members when `etcd` is on the PATH (or on the
// cluster given with --etcd). Prints every node's URL and each organisation's
// admin key file, then runs until SIGINT/SIGTERM, when it stops every child
// it started and (unless a data directory was given: --data-dir for `demo`,
// --dir for `demo-network`) removes the data.
//
// TLS is on by default (docs/tls.md): a development CA in <dir>/pki, each
// node serving HTTPS with its own certificate whose key is registered in the
// genesis (tlsPins), peers checked against that CA and those pins, and the
// etcd members (when the demo starts them) requiring client certificates,
// with each node's etcd user limited by RBAC. `--no-tls` runs it all in
// plain HTTP, as before.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CareLedgerError } from '../errors/index.js';
import { trustedRequest } from '../exchange/index.js';
import { createConsortiumPki, initConsortium, parseHostList, startDevEtcd, type ConsortiumPki } from '../node/index.js';
import type { EtcdCluster } from '../ordering/index.js';
import { runSupplyDemo } from './demo-supply.js';

const HOST = '127.0.0.1';
const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, HOST, () => {
      const a = server.address();
      server.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** GET url's status: over HTTPS checked against the demo's CA when there is one. */
async function statusOf(url: string, ca: Buffer | undefined): Promise<number> {
  if (ca === undefined) return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).status;
  return (await trustedRequest(new URL(url), { method: 'GET', headers: {}, timeoutMs: 1_000, maxBytes: 1 << 20 }, { anchors: ca })).status;
}

async function waitFor(url: string, ok: () => Promise<boolean>, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new CareLedgerError('UNAVAILABLE', `${url}: process exited with ${child.exitCode}`);
    try {
      if (await ok()) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new CareLedgerError('UNAVAILABLE', `${url} not ready within ${timeoutMs} ms`);
}

/** Three etcd members on loopback; returns their client URLs. */
async function startEtcd(dir: string, children: ChildProcess[]): Promise<string[]> {
  const members = await Promise.all([1, 2, 3].map(async (n) => ({ name: `m${n}`, client: await freePort(), peer: await freePort() })));
  const initial = members.map((m) => `${m.name}=http://${HOST}:${m.peer}`).join(',');
  const token = `careledger-demo-${randomBytes(4).toString('hex')}`;
  for (const m of members) {
    const client = `http://${HOST}:${m.client}`;
    const peer = `http://${HOST}:${m.peer}`;
    children.push(
      spawn('etcd', ['--name', m.name, '--data-dir', join(dir, 'etcd', m.name), '--listen-client-urls', client, '--advertise-client-urls', client,
        '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', initial, '--initial-cluster-state', 'new',
        '--initial-cluster-token', token, '--log-level', 'error'], { stdio: 'ignore' }),
    );
  }
  const hosts = members.map((m) => `http://${HOST}:${m.client}`);
  const healthy = async (h: string) => {
    const r = await fetch(`${h}/health`, { signal: AbortSignal.timeout(1_000) });
    return r.ok && ((await r.json()) as { health?: string }).health === 'true';
  };
  await Promise.all(hosts.map((h, i) => waitFor(`${h}/health`, () => healthy(h), 20_000, children[i]!)));
  return hosts;
}

/** What the consortium demo needs, however it was spelled on the command line. */
export interface DemoFlags { network: string; json?: boolean; dir?: string; etcd?: string; noTls?: boolean }

/** The flags without their unset members (exactOptionalPropertyTypes: no `key: undefined`). */
export function demoFlags(o: { network: string; json?: boolean | undefined; dir?: string | undefined; etcd?: string | undefined; tls?: boolean | undefined }): DemoFlags {
  return {
    network: o.network,
    ...(o.tls === false ? { noTls: true } : {}),
    ...(o.json ? { json: true } : {}),
    ...(o.dir !== undefined ? { dir: o.dir } : {}),
    ...(o.etcd !== undefined ? { etcd: o.etcd } : {}),
  };
}

/**
 * `careledger demo-network`: the alias of `careledger demo --network N`, with
 * the same defaults (three organisations) and its own name for the data
 * directory (--dir). `run` is the demo itself (replaced by a test).
 */
export function registerDemoNetwork(program: Command, run: (flags: DemoFlags) => Promise<void> = runDemoNetwork): void {
  program
    .command('demo-network')
    .description('alias of `demo --network N`: a local consortium of N organisations, one node process each, on a 3-member etcd cluster')
    .option('--network <n>', 'number of organisations', '3')
    .option('--json', 'print one JSON object')
    .option('--dir <dir>', 'keep the data here (default: a temporary directory removed on exit)')
    .option('--etcd <hosts>', 'use this etcd cluster instead of starting one')
    .option('--no-tls', 'plain HTTP nodes and etcd (TLS with a development CA is the default)')
    .action((o: { network: string; json?: boolean; dir?: string; etcd?: string; tls?: boolean }) => run(demoFlags(o)));
}

/** The consortium demo: `careledger demo --network N` (alias `careledger demo-network`). */
export async function runDemoNetwork(o: DemoFlags): Promise<void> {
  const n = Number(o.network);
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new CareLedgerError('MALFORMED', '--network must be 1 to 9', { field: 'network' });
  if (!o.etcd && spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new CareLedgerError('UNAVAILABLE', 'etcd is not on the PATH: install it (apt-get install etcd-server) or pass --etcd HOSTS');
  }
  const dir = o.dir ? resolve(o.dir) : mkdtempSync(join(tmpdir(), 'careledger-demo-network-'));
  const children: ChildProcess[] = [];
  let etcdCluster: EtcdCluster | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const exits = children.filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once('exit', r)));
    for (const c of children) c.kill('SIGTERM');
    await Promise.race([Promise.all(exits), sleep(5_000)]);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await etcdCluster?.stop().catch(() => undefined);
    if (!o.dir) rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    const tls = !o.noTls;
    const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
    const networkId = `demo-${randomBytes(3).toString('hex')}`;
    const orgIds = ports.map((_, i) => `org${i + 1}`);
    const endpoints = ports.map((port) => `${tls ? 'https' : 'http'}://${HOST}:${port}`);
    const pkiDir = join(dir, 'pki');
    // With TLS and no cluster given: etcd members with mutual TLS, node users under RBAC.
    if (tls && !o.etcd) etcdCluster = (await startDevEtcd(pkiDir, networkId, orgIds)).cluster;
    const hosts = o.etcd ? parseHostList(o.etcd) : etcdCluster?.hosts ?? (await startEtcd(dir, children));
    const pki: ConsortiumPki | undefined = tls ? createConsortiumPki(pkiDir, networkId, orgIds.map((orgId, i) => ({ orgId, endpoint: endpoints[i]! })), hosts) : undefined;
    const r = await initConsortium({
      networkId,
      etcd: hosts,
      ...(pki ? { tlsCa: pki.ca.certFile } : {}),
      orgs: orgIds.map((orgId, i) => ({
        orgId, name: `Organisation ${i + 1}`, endpoint: endpoints[i]!, dataDir: join(dir, orgId),
        ...(pki ? { tlsPins: [pki.orgs[i]!.pin] } : {}),
        ...(pki && etcdCluster ? { etcdTls: pki.orgs[i]!.etcd } : {}),
      })),
    });
    const ca = pki ? readFileSync(pki.ca.certFile) : undefined;
    const nodes = r.orgs.map((org, i) => {
      const tlsFlags = pki ? ['--tls-cert', pki.orgs[i]!.server.certFile, '--tls-key', pki.orgs[i]!.server.keyFile] : [];
      const child = spawn(process.execPath, [CLI, 'start', '--data-dir', org.dataDir, '--port', String(ports[i]), '--host', HOST, '--log-level', 'warn', ...tlsFlags], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return { child, org };
    });
    await Promise.all(nodes.map(({ child, org }) => waitFor(`${org.endpoint}/healthz`, async () => (await statusOf(`${org.endpoint}/healthz`, ca)) === 200, 60_000, child)));
    const summary = {
      networkId,
      etcd: hosts,
      dataDir: dir,
      ...(pki ? { tls: { ca: pki.ca.certFile, etcdMutualTls: etcdCluster !== undefined, rbacScript: pki.rbacScript } } : {}),
      nodes: r.orgs.map((org) => ({
        orgId: org.orgId,
        url: org.endpoint,
        dataDir: org.dataDir,
        admin: { keyFile: org.adminKeyFile, keyId: org.adminKeyId },
        nodeKeyId: org.nodeKeyId,
      })),
      // The CLI's HTTP client trusts the system roots plus NODE_EXTRA_CA_CERTS (read by Node at start).
      try: `${pki ? `NODE_EXTRA_CA_CERTS=${pki.ca.certFile} ` : ''}careledger tx --key ${r.orgs[0]!.adminKeyFile} --url ${r.orgs[0]!.endpoint} --contract identity --action register-member --args '{"memberId":"dr-demo","roles":["practitioner"],"keys":["<key id from careledger keys new>"]}'`,
    };
    // With three organisations or more: a manufacturer, a wholesaler and a pharmacy at work (demo-supply.ts).
    const supply = n >= 3 ? await runSupplyDemo(networkId, r.orgs.map((org) => ({ ...org, ca })), dir) : [];
    if (o.json) process.stdout.write(JSON.stringify({ ...summary, supply }) + '\n');
    else {
      process.stdout.write(`consortium ${networkId} on etcd ${hosts.join(',')} (data ${dir})\n`);
      for (const node of summary.nodes) process.stdout.write(`  ${node.orgId}: ${node.url}  admin key ${node.admin.keyFile}\n`);
      if (pki) process.stdout.write(`TLS: certificates under the development CA ${pki.ca.certFile} (curl --cacert ${pki.ca.certFile} ...; for careledger commands: export NODE_EXTRA_CA_CERTS=${pki.ca.certFile})\n`);
      process.stdout.write(`try: ${summary.try}\n`);
      for (const line of supply) process.stdout.write(line + '\n');
      process.stdout.write('Ctrl-C stops every process.\n');
    }
    for (const { child, org } of nodes) child.once('exit', (code) => void (stopping || (process.stderr.write(`careledger: ${org.orgId} exited (${code})\n`), stop(1))));
  } catch (error) {
    process.stderr.write(`careledger: demo-network: ${(error as Error).message}\n`);
    await stop(2);
  }
}
