// Admitting a new organisation to a running consortium, end to end, the way
// operators do it with the CLI: a real etcd cluster on loopback; a
// two-organisation consortium created by `careledger init --network-genesis`;
// both nodes started as child processes from their saved network.json, with
// some history; `careledger init --join` for org3, whose printed admit-org
// proposal org1's admin submits with `careledger tx` and org2's admin
// approves; org3's node then syncs the whole history (503 'syncing' until it
// has), ends at the same head and checkpoint as the others, commits a
// transaction signed by org3's admin that every node applies, and its data
// dir verifies offline.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSigningKey } from '../../src/crypto/index.js';
import { proposalIdForTx } from '../../src/contracts/governance/ids.js';
import { parseCheckpoint, verifyCheckpointSignatures } from '../../src/ledger/index.js';
import { keyHome, loadSigningKey, unlockKeyring } from '../../src/node/index.js';
import { signLedgerRead } from '../../src/node/peers/read-auth.js';
import type { SigningKey } from '../../src/crypto/index.js';
import { memberRegistration, selfEnrolment, type SignedTx } from '../helpers/load.js';
import {
  LOOPBACK,
  freePort,
  makeTempDir,
  removeDir,
  runCli,
  spawnNode,
  stopNode,
  waitForHealth,
  type NodeProcess,
} from '../helpers/proc.js';
import { startEtcdCluster, type EtcdCluster } from './etcd.js';
import { etcdSuiteSkip } from './etcd-suite.js';

const skip = etcdSuiteSkip();

const WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until<T>(what: string | (() => string), timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

interface InitOrg { orgId: string; dataDir: string; endpoint: string; adminKeyFile: string; adminKeyId: string; nodeKeyId: string }
interface TxResult { txId: string; code: string }
interface NodeInfo { networkId: string; height: number; blockHash: string; logSize: number }

describe('a new organisation joins a running consortium through governance', { skip: skip ?? false, timeout: 120_000 }, () => {
  let cluster: EtcdCluster | undefined;
  let root = '';
  const networkId = `join-${randomBytes(3).toString('hex')}`;
  const ports: number[] = [];
  const dirs: string[] = [];
  const nodes: Array<NodeProcess | undefined> = [undefined, undefined, undefined];
  let founders: InitOrg[] = [];
  let proposalId = '';
  const url = (i: number) => `http://${LOOPBACK}:${ports[i]}`;
  const logs = () => nodes.map((n, i) => `--- node ${i + 1}:\n${n?.output() ?? '(not running)'}`).join('\n');

  /** GET, as a ledger reader when `reader` is given (a signed read: member lists are not public). */
  const get = async <T>(i: number, path: string, reader?: SigningKey): Promise<{ status: number; body: T }> => {
    const headers: Record<string, string> = reader ? { authorization: signLedgerRead(reader, networkId, 'GET', path) } : {};
    const res = await fetch(`${url(i)}${path}`, { signal: AbortSignal.timeout(5_000), headers });
    return { status: res.status, body: (await res.json()) as T };
  };
  const nodeInfo = async (i: number) => (await get<NodeInfo>(i, '/ledger/v1/node')).body;
  const submit = async (i: number, txs: SignedTx[]): Promise<TxResult[]> => {
    const res = await fetch(`${url(i)}/ledger/v1/transactions?wait=commit&timeoutMs=20000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `[${txs.map((t) => t.text).join(',')}]`,
      signal: AbortSignal.timeout(25_000),
    });
    const body = (await res.json()) as { results: TxResult[] };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.results;
  };
  /** Waits until the given nodes report the same height and head hash; returns it. */
  const converged = (list: number[]) =>
    until(() => `nodes ${list.map((i) => i + 1).join(',')} to converge\n${logs()}`, WAIT_MS, async () => {
      const infos = await Promise.all(list.map(nodeInfo));
      return new Set(infos.map((x) => `${x.height}:${x.blockHash}`)).size === 1 ? infos[0] : undefined;
    });
  /** `careledger tx ...`; asserts exit 0 and result OK; returns the result. */
  const cliTx = async (args: string[]): Promise<TxResult> => {
    const r = await runCli(['tx', ...args]);
    assert.equal(r.code, 0, `careledger tx ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    const body = JSON.parse(r.stdout) as { results: TxResult[] };
    assert.equal(body.results.length, 1);
    assert.equal(body.results[0]!.code, 'OK', r.stdout);
    return body.results[0]!;
  };

  before(async () => {
    cluster = await startEtcdCluster(3);
    root = makeTempDir('careledger-join-');
    for (let i = 0; i < 3; i++) {
      ports.push(await freePort());
      dirs.push(join(root, `org${i + 1}`));
    }
  });

  after(async () => {
    await Promise.allSettled(nodes.map((n) => (n ? stopNode(n) : undefined)));
    for (const n of nodes) if (n && n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    await cluster?.stop();
    if (root) removeDir(root);
  });

  test('`careledger init --network-genesis` creates two orgs; both nodes start from their saved config and build history', async () => {
    const file = join(root, 'orgs.json');
    writeFileSync(file, JSON.stringify({
      networkId,
      orgs: [0, 1].map((i) => ({ orgId: `org${i + 1}`, name: `Org ${i + 1}`, endpoint: url(i), dataDir: dirs[i] })),
    }));
    const init = await runCli(['init', '--network-genesis', file, '--etcd', cluster!.hosts.join(',')]);
    assert.equal(init.code, 0, init.stdout + init.stderr);
    const printed = JSON.parse(init.stdout) as { networkId: string; orgs: InitOrg[]; genesisTxId: string };
    assert.equal(printed.networkId, networkId);
    assert.match(printed.genesisTxId, /^[0-9a-f]{64}$/);
    assert.deepEqual(printed.orgs.map((o) => o.orgId), ['org1', 'org2']);
    founders = printed.orgs;
    for (const [i, o] of founders.entries()) {
      assert.equal(o.endpoint, url(i));
      assert.equal(loadSigningKey(o.adminKeyFile).keyId, o.adminKeyId);
    }

    for (const i of [0, 1]) nodes[i] = spawnNode(dirs[i]!, ports[i]!);
    await Promise.all([0, 1].map((i) => waitForHealth(nodes[i]!, WAIT_MS)));
    for (const i of [0, 1]) {
      const info = await nodeInfo(i);
      assert.equal(info.networkId, networkId);
    }

    const results = await Promise.all([0, 1].map((i) => submit(i, Array.from({ length: 4 }, () => selfEnrolment(networkId)))));
    assert.deepEqual(results.flat().map((r) => r.code), Array(8).fill('OK'));
    const head = await converged([0, 1]);
    assert.equal(head.logSize, 9); // genesis + 8
  });

  test('`careledger init --join` prints the admit-org proposal; org1 proposes it, org2 approves, org3 is admitted', async () => {
    const join3 = await runCli([
      'init', '--join', '--data-dir', dirs[2]!, '--network', networkId, '--org', 'org3', '--name', 'Org 3',
      '--endpoint', url(2), '--etcd', cluster!.hosts.join(','), '--peer', url(0),
    ]);
    assert.equal(join3.code, 0, join3.stdout + join3.stderr);
    const out = join3.stdout;
    const admin3 = loadSigningKey(keyHome(dirs[2]!).adminKey);
    const node3 = unlockKeyring(dirs[2]!).nodeKey;

    // The payload block and the propose command line agree, and name this data dir's keys.
    const payloadText = /admit-org proposal payload:\n([\s\S]*?)\n\n/.exec(out)?.[1];
    assert.ok(payloadText, out);
    const payload = JSON.parse(payloadText) as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), ['adminKeys', 'endpoint', 'hpkePublicKey', 'name', 'nodeKeys', 'orgId']);
    assert.equal(payload.orgId, 'org3');
    assert.equal(payload.name, 'Org 3');
    assert.equal(payload.endpoint, url(2));
    assert.deepEqual(payload.adminKeys, [admin3.keyId]);
    assert.deepEqual(payload.nodeKeys, [node3.keyId]);
    const line = /^\s*careledger tx (.*) --args '(.*)'$/m.exec(out);
    assert.ok(line, out);
    assert.match(line[1]!, /--contract governance --action propose/);
    assert.match(line[1]!, new RegExp(`--url ${url(0).replace(/[.]/g, '\\.')}(\\s|$)`));
    const proposeArgs = JSON.parse(line[2]!) as { kind: string; payload: unknown };
    assert.deepEqual(proposeArgs, { kind: 'admit-org', payload });

    // org1's admin runs the printed command with its own key.
    const proposed = await cliTx(['--key', founders[0]!.adminKeyFile, '--contract', 'governance', '--action', 'propose', '--args', line[2]!, '--url', url(0)]);
    proposalId = proposalIdForTx(proposed.txId);
    const open = await get<{ status: string; approvals: string[]; kind: string }>(0, `/ledger/v1/proposals/${proposalId}`);
    assert.equal(open.status, 200, JSON.stringify(open.body));
    assert.equal(open.body.kind, 'admit-org');
    assert.equal(open.body.status, 'open'); // majority of 2 active orgs is 2
    assert.deepEqual(open.body.approvals, ['org1']);
    assert.equal((await get(0, '/ledger/v1/orgs/org3')).status, 404);

    // org2's admin approves on its own node.
    await converged([0, 1]);
    await cliTx(['--key', founders[1]!.adminKeyFile, '--contract', 'governance', '--action', 'approve', '--args', JSON.stringify({ proposalId }), '--url', url(1)]);
    await converged([0, 1]);
    for (const i of [0, 1]) {
      const p = await get<{ status: string; approvals: string[] }>(i, `/ledger/v1/proposals/${proposalId}`);
      assert.equal(p.body.status, 'executed', JSON.stringify(p.body));
      assert.deepEqual(p.body.approvals, ['org1', 'org2']);
      const org = await get<{ orgId: string; status: string; adminKeys: string[]; nodeKeys: string[]; endpoint: string }>(i, '/ledger/v1/orgs/org3');
      assert.equal(org.status, 200, JSON.stringify(org.body));
      assert.equal(org.body.status, 'active');
      assert.deepEqual(org.body.adminKeys, [admin3.keyId]);
      assert.deepEqual(org.body.nodeKeys, [node3.keyId]);
      assert.equal(org.body.endpoint, url(2));
    }
  });

  test('org3\'s node syncs the whole history, then matches the others block for block', async () => {
    const t0 = Date.now();
    nodes[2] = spawnNode(dirs[2]!, ports[2]!);
    let syncingSeen = 0;
    await until(() => `node 3 healthy\n${logs()}`, WAIT_MS, async () => {
      if (nodes[2]!.child.exitCode !== null) throw new Error('node 3 exited');
      const res = await fetch(`${url(2)}/healthz`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { status: string; networkId: string; height: number };
      if (res.status === 200) {
        assert.equal(body.status, 'ok');
        return true;
      }
      // Not guaranteed to be observed; when it is, it has this shape.
      assert.equal(res.status, 503, JSON.stringify(body));
      assert.equal(body.status, 'syncing', JSON.stringify(body));
      assert.equal(body.networkId, networkId);
      assert.equal(typeof body.height, 'number');
      syncingSeen++;
      return undefined;
    }).catch((e: unknown) => {
      if (nodes[2]!.child.exitCode !== null) throw new Error(`node 3 exited with ${nodes[2]!.child.exitCode}:\n${nodes[2]!.output()}`);
      throw e;
    });
    const healthyMs = Date.now() - t0;

    const head = await converged([0, 1, 2]);
    const bodies = await until(() => `checkpoints at height ${head.height}\n${logs()}`, WAIT_MS, async () => {
      const texts = await Promise.all([0, 1, 2].map(async (i) => (await (await fetch(`${url(i)}/ledger/v1/checkpoint`)).text()).split('\n\n')[0]!));
      return texts.every((t) => t.endsWith(`\ncareledger-block ${head.height} ${head.blockHash}`)) ? texts : undefined;
    });
    assert.equal(new Set(bodies).size, 1, bodies.join('\n---\n'));
    console.log(`# join: org3 healthy after ${healthyMs} ms (${syncingSeen} 'syncing' answers seen) at height ${head.height}`);
  });

  test('a transaction signed by org3\'s admin commits on org3\'s node and reaches every node', async () => {
    const admin3 = loadSigningKey(keyHome(dirs[2]!).adminKey);
    const practitioner = generateSigningKey();
    const tx = memberRegistration(networkId, admin3, 'dr-org3', ['practitioner'], [practitioner.keyId]);
    const [result] = await submit(2, [tx]);
    assert.equal(result?.code, 'OK', JSON.stringify(result));
    assert.equal(result.txId, tx.txId);
    const head = await converged([0, 1, 2]);
    for (const i of [0, 1, 2]) {
      const found = await get<{ code: string }>(i, `/ledger/v1/transactions/${tx.txId}`);
      assert.equal(found.status, 200, `node ${i + 1}: ${JSON.stringify(found.body)}`);
      assert.equal(found.body.code, 'OK');
      const members = await get<{ items: Array<{ memberId: string; keys: string[] }> }>(i, '/ledger/v1/orgs/org3/members', admin3);
      assert.deepEqual(members.body.items.map((m) => [m.memberId, m.keys]), [['dr-org3', [practitioner.keyId]]]);
    }
    // Witnessing includes the new member: every node's head ends up cosigned by all three node keys, none diverged.
    const nodeKeys = [...founders.map((o) => o.nodeKeyId), unlockKeyring(dirs[2]!).nodeKey.keyId];
    for (const i of [0, 1, 2]) {
      await until(() => `node ${i + 1}'s head cosigned by all three orgs\n${logs()}`, WAIT_MS, async () => {
        const res = await fetch(`${url(i)}/ledger/v1/checkpoint/witnessed`, { signal: AbortSignal.timeout(1_000) });
        if (!res.ok) return undefined;
        const parsed = parseCheckpoint(await res.text());
        return parsed.block?.hash === head.blockHash && verifyCheckpointSignatures(parsed, nodeKeys).length === 3 ? true : undefined;
      });
      const health = await get<{ status: string }>(i, '/healthz');
      assert.deepEqual([health.status, health.body.status], [200, 'ok'], `node ${i + 1}`);
    }
  });

  test('stopped, org3\'s data dir verifies offline', async () => {
    for (const i of [2, 1, 0]) {
      const n = nodes[i]!;
      nodes[i] = undefined;
      const exit = await stopNode(n);
      assert.equal(exit.code, 0, `node ${i + 1} did not exit cleanly on SIGTERM:\n${n.output()}`);
    }
    const verify = await runCli(['verify', '--data-dir', dirs[2]!, '--quiet']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^ok: \d+ blocks, 12 transactions verified/);
  });
});
