// The scale benchmark (`careledger bench --suite scale`): does cost stay flat
// as the ledger grows? Two parts, each on a fresh node, then the offline
// verifier on the stopped data directory:
//  - the single-action table: `--single` register-patient transactions, then
//    as many register-member into ONE organisation (the index that used to be
//    one growing value), commit and verify throughput of each;
//  - a long run of `--txs` transactions of a realistic mix (bench/scale-workload.ts),
//    committed in rounds: commit and verify throughput in the first and the
//    last tenth, their ratio, and database bytes per transaction at each tenth.
// Throughputs are also given over node:crypto Ed25519 verifications per
// second on all cores measured in the same run. Last line: one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, type SigningKey } from '../src/crypto/index.js';
import { parseEnvelope, signTx, type ParsedEnvelope } from '../src/ledger/index.js';
import { orgHpkePublicKey } from '../src/contracts/governance/index.js';
import { closeNode, initDevNetwork, loadSigningKey, openNode, verifyDataDir } from '../src/node/index.js';
import { measureVerifyAllCores } from './verify-baseline.js';
import { ScaleWorkload } from './scale-workload.js';

export interface ScaleBenchOptions {
  txs: number;
  single: number;
  round?: number;
  clients?: number;
  chunk?: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

type Opened = ReturnType<typeof openNode>;

/** Submits one round with `clients` concurrent submitters of `chunk` transactions; returns result codes. */
async function submitRound(opened: Opened, txs: ParsedEnvelope[], clients: number, chunk: number, codes: Map<string, number>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < txs.length) {
      const batch = txs.slice(next, next + chunk);
      next += chunk;
      for (const r of (await opened.node.submit(batch, { wait: true })) ?? []) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
}

/** Verify throughput over the first and last tenth of the transactions, from the verifier's progress. */
async function verifyTenths(dataDir: string, total: number) {
  const marks: Array<{ txs: number; t: number }> = [];
  const report = await verifyDataDir(dataDir, { onProgress: (p) => marks.push({ txs: p.txs, t: performance.now() }) });
  if (!report.ok) throw new Error(`verify failed at ${report.height}: ${report.reason}`);
  const at = (share: number) => marks.find((m) => m.txs >= share * total) ?? marks.at(-1)!;
  const start = marks[0]!;
  const first = at(0.1);
  const nine = at(0.9);
  const end = marks.at(-1)!;
  const firstRate = (first.txs - start.txs) / ((first.t - start.t) / 1000);
  const lastRate = (end.txs - nine.txs) / ((end.t - nine.t) / 1000);
  return { txPerSec: Math.round(report.txPerSec), firstTenthTxPerSec: Math.round(firstRate), lastTenthTxPerSec: Math.round(lastRate), ratio: round2(lastRate / firstRate) };
}

async function fresh(dir: string, name: string) {
  const init = await initDevNetwork(join(dir, name));
  const opened = openNode(init.dataDir, { limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
  return { init, opened, admin: loadSigningKey(init.adminKeyFile) };
}

/** The table: N register-patient, then N register-member into one org. */
async function singleAction(dir: string, n: number, kind: 'register-patient' | 'register-member', clients: number, chunk: number, log: (m: string) => void) {
  const { init, opened, admin } = await fresh(dir, kind);
  const network = init.config.networkId;
  const sign = (args: Record<string, unknown>, key: SigningKey) => parseEnvelope(signTx({ network, contract: 'identity', action: kind, args }, key));
  let signer = admin;
  if (kind === 'register-patient') {
    signer = generateSigningKey();
    const practitioner = signTx({ network, contract: 'identity', action: 'register-member', args: { memberId: 'dr', roles: ['practitioner'], keys: [signer.keyId] } }, admin);
    await submitRound(opened, [parseEnvelope(practitioner)], 1, 1, new Map());
  }
  const txs = Array.from({ length: n }, (_, i) =>
    kind === 'register-patient' ? sign({ keys: [generateSigningKey().keyId] }, signer) : sign({ memberId: `m-${i}`, roles: ['practitioner'], keys: [generateSigningKey().keyId] }, admin),
  );
  const codes = new Map<string, number>();
  const t0 = performance.now();
  await submitRound(opened, txs, clients, chunk, codes);
  const commitSeconds = (performance.now() - t0) / 1000;
  await closeNode(opened);
  const verify = await verifyTenths(init.dataDir, n);
  log(`${kind}: ${n} committed in ${round2(commitSeconds)} s; verify ${verify.txPerSec} tx/s`);
  return { kind, txs: n, codes: Object.fromEntries(codes), commitTxPerSec: Math.round(n / commitSeconds), verifyTxPerSec: verify.txPerSec };
}

export async function runScaleBench(options: ScaleBenchOptions): Promise<Record<string, unknown>> {
  const log = (msg: string) => process.stderr.write(`bench scale: ${msg}\n`);
  const clients = options.clients ?? 8;
  const chunk = options.chunk ?? 50;
  const roundSize = options.round ?? Math.max(500, Math.min(10_000, Math.floor(options.txs / 50)));
  const dir = mkdtempSync(join(tmpdir(), 'careledger-scale-'));
  try {
    log('measuring Ed25519 verify on all cores');
    const baseline = await measureVerifyAllCores();
    const single = [];
    if (options.single > 0) {
      for (const kind of ['register-patient', 'register-member'] as const) single.push(await singleAction(dir, options.single, kind, clients, chunk, log));
    }
    const { init, opened, admin } = await fresh(dir, 'mix');
    const hpke = orgHpkePublicKey(opened.node.state, init.config.orgId);
    if (hpke === undefined) throw new Error('dev network without an HPKE key');
    const work = new ScaleWorkload(init.config.networkId, admin, hpke);
    const codes = new Map<string, number>();
    for (const r of work.setup()) await submitRound(opened, r, clients, chunk, codes);
    const setupTxs = opened.node.head.logSize;
    const tenths: Array<{ txs: number; seconds: number; dbBytesPerTx: number }> = [];
    let done = 0;
    let seconds = 0;
    let tenthTxs = 0;
    let tenthSeconds = 0;
    while (done < options.txs) {
      const txs = work.round(Math.min(roundSize, options.txs - done));
      const t0 = performance.now();
      await submitRound(opened, txs, clients, chunk, codes);
      const dt = (performance.now() - t0) / 1000;
      done += txs.length;
      seconds += dt;
      tenthTxs += txs.length;
      tenthSeconds += dt;
      if (done >= ((tenths.length + 1) * options.txs) / 10 || done === options.txs) {
        tenths.push({ txs: tenthTxs, seconds: tenthSeconds, dbBytesPerTx: Math.round(opened.node.sizeBytes() / (done + setupTxs)) });
        log(`${done} committed; ${Math.round(tenthTxs / tenthSeconds)} tx/s in this tenth; ${tenths.at(-1)!.dbBytesPerTx} DB bytes/tx`);
        tenthTxs = 0;
        tenthSeconds = 0;
      }
    }
    await closeNode(opened);
    const rate = (t: { txs: number; seconds: number }) => t.txs / t.seconds;
    const commitFirst = rate(tenths[0]!);
    const commitLast = rate(tenths.at(-1)!);
    log('verifying the mix offline');
    const verify = await verifyTenths(init.dataDir, done + setupTxs);
    const result = {
      bench: 'scale',
      verifyPerSecAllCores: Math.round(baseline),
      single,
      mix: {
        txs: done,
        roundSize,
        codes: Object.fromEntries(codes),
        commitTxPerSec: Math.round(done / seconds),
        commitFirstTenthTxPerSec: Math.round(commitFirst),
        commitLastTenthTxPerSec: Math.round(commitLast),
        commitLastOverFirst: round2(commitLast / commitFirst),
        verify,
        verifyOverAllCoreRate: round2(verify.txPerSec / baseline),
        dbBytesPerTxByTenth: tenths.map((t) => t.dbBytesPerTx),
      },
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
