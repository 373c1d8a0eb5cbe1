// The trials benchmark (issue 13), each figure against a baseline in the same run:
//  - anchoring throughput: case report form entries captured through the
//    trials service (commitment anchored on the ledger and committed, then
//    the entry sealed in the vault), with `concurrency` captures in flight,
//    against a plain vault write (Vault.put) of the same entries into a second
//    vault on the same disk; anchorRatio = anchored entries/s / vault writes/s;
//  - dataset verification: verifyDatasetRows over a `rows`-row dataset (per
//    row: the anchor lookup, the committed bytes written from the row, one
//    HMAC-SHA-256 under the row's salt, the comparison) against plain SHA-256
//    hashing of the same rows (the same bytes, written the same way, so the
//    ratio is what verifying adds to hashing the data);
//    verifyRatio = hashing time / verification time (1 = as fast as hashing).
//    hmacRatio: the same against HMAC-SHA-256 of the same rows under their
//    salts (the commitment's own function), i.e. the cost of the lookups and
//    comparisons alone.
// Setup (members, trial, participants, their consents) is not timed. Last
// line on stdout: one JSON object.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, sha256, signCanonical, toBase64Url, type SigningKey } from '../src/crypto/index.js';
import { TRIAL_CONSENT_DOMAIN, consentStatement, type CrfAnchor } from '../src/contracts/trials/index.js';
import { parseEnvelope, signTx } from '../src/ledger/index.js';
import { closeNode, initDevNetwork, ledgerPortOf, loadSigningKey, openNode, openRecordsDatabase, type OpenedNode } from '../src/node/index.js';
import { DATASET_FORMAT, TrialsService, crfBytes, crfPlaintext, verifyDatasetRows, type Dataset, type DatasetRow, type TrialsLedger } from '../src/trials/index.js';
import { Kek, Vault, commitmentOf } from '../src/vault/index.js';

export interface TrialsBenchOptions {
  json: boolean;
  /** CRF entries captured (default 2,000). */
  entries?: number;
  /** Captures in flight (default 32). */
  concurrency?: number;
  /** Rows of the verified dataset (default 100,000). */
  rows?: number;
}

const INVESTIGATOR = { kind: 'member' as const, orgId: '', memberId: 'pi', roles: ['investigator'] };

async function submitOk(opened: OpenedNode, key: SigningKey, action: string, contract: string, args: Record<string, unknown>): Promise<string> {
  const env = parseEnvelope(signTx({ network: opened.node.networkId, contract, action, args }, key));
  const [r] = (await opened.node.submit([env], { wait: true, timeoutMs: 60_000 })) ?? [];
  if (r?.code !== 'OK') throw new Error(`trials bench setup: ${contract}/${action} gave ${r?.code}`);
  return r.txId;
}

function valuesOf(i: number) {
  return { sbp: 110 + (i % 50), dbp: 70 + (i % 20), weight: 60 + (i % 40) + 0.5, smoker: i % 3 === 0, comment: 'stable' };
}

export async function runTrialsBench(options: TrialsBenchOptions): Promise<Record<string, unknown>> {
  const entries = options.entries ?? 2000;
  const concurrency = options.concurrency ?? 32;
  const rowCount = options.rows ?? 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'careledger-bench-trials-'));
  let opened: OpenedNode | undefined;
  const dbs: Array<{ close(): void }> = [];
  try {
    const init = await initDevNetwork(join(dir, 'node'));
    opened = openNode(init.dataDir, { limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
    const node = opened.node;
    const orgId = init.config.orgId;
    const admin = loadSigningKey(init.adminKeyFile);
    const sponsor = generateSigningKey();
    const pi = generateSigningKey();
    await submitOk(opened, admin, 'register-member', 'identity', { memberId: 'sponsor', roles: ['sponsor'], keys: [sponsor.keyId] });
    await submitOk(opened, admin, 'register-member', 'identity', { memberId: 'pi', roles: ['investigator'], keys: [pi.keyId] });
    const ep = [{ id: 'ep1', type: 'primary', title: 'Primary', timeFrame: '12 weeks' }];
    const hash = Buffer.from(sha256(new TextEncoder().encode('protocol'))).toString('hex');
    await submitOk(opened, sponsor, 'register', 'trials', { trialId: 'BENCH', registryId: 'NCT00000000', title: 'Bench', phase: 'phase-2', sites: [orgId], investigators: [{ orgId, memberId: 'pi' }], protocolHash: hash, sapHash: hash, endpoints: ep });

    const ledger: TrialsLedger = ledgerPortOf(node, orgId);
    const db = openRecordsDatabase(join(dir, 'vault.sqlite'));
    dbs.push(db);
    const service = new TrialsService({ ledger, vault: new Vault(db, Kek.generate()) });
    const actor = { ...INVESTIGATOR, orgId };
    const participants = Math.max(1, Math.min(concurrency, entries));
    const tps: string[] = [];
    for (let i = 0; i < participants; i++) {
      const key = generateSigningKey();
      const { participant } = await service.addParticipant(actor, 'BENCH', 'pt-' + i.toString(16).padStart(32, '0'), [{ keyId: key.keyId, role: 'participant' }]);
      const attestation = { keyId: key.keyId, sig: toBase64Url(signCanonical(key, TRIAL_CONSENT_DOMAIN, consentStatement(node.networkId, 'BENCH', participant, 1))) };
      await service.carryStatement('BENCH', participant, attestation, 1);
      await service.enrol(actor, 'BENCH', participant);
      tps.push(participant);
    }

    // Anchored captures: one worker per participant, each capturing its own visits in turn.
    let next = 0;
    const anchoredStart = process.hrtime.bigint();
    await Promise.all(
      tps.map(async (participant) => {
        for (;;) {
          const i = next++;
          if (i >= entries) return;
          await service.capture(actor, { trialId: 'BENCH', participant, visit: `v${i}`, form: 'vitals', values: valuesOf(i), reason: 'initial' });
        }
      }),
    );
    const anchoredS = Number(process.hrtime.bigint() - anchoredStart) / 1e9;

    // Baseline: the same entries written to a plain vault (same database settings), no ledger.
    const plainDb = openRecordsDatabase(join(dir, 'plain.sqlite'));
    dbs.push(plainDb);
    const plain = new Vault(plainDb, Kek.generate());
    const plainStart = process.hrtime.bigint();
    for (let i = 0; i < entries; i++) {
      const participant = tps[i % tps.length]!;
      const plaintext = crfPlaintext({ trialId: 'BENCH', participant, visit: `v${i}`, form: 'vitals', version: 1, values: valuesOf(i), reason: 'initial' });
      plain.put({ pseudonym: participant, resourceType: 'TrialCrfEntry', recordId: `crf.${i}`, version: 1, plaintext });
    }
    const plainS = Number(process.hrtime.bigint() - plainStart) / 1e9;

    const verification = measureVerification(rowCount, orgId);
    const result = {
      bench: 'trials',
      entries,
      concurrency: tps.length,
      anchoredPerSec: Math.round(entries / anchoredS),
      plainVaultPerSec: Math.round(entries / plainS),
      anchorRatio: Number((plainS / anchoredS).toFixed(3)),
      ...verification,
    };
    if (options.json) process.stdout.write(JSON.stringify(result) + '\n');
    else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    for (const db of dbs) db.close();
    if (opened !== undefined) await closeNode(opened);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU microseconds per row of `fn` over `rows` rows (user + system: the figure that does not depend on the machine's other load). */
function cpuUsPerRow(fn: () => void, rows: number): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / rows;
}

/**
 * Dataset verification of `rowCount` rows (participant-major, in the order
 * an export writes them) against SHA-256 and HMAC-SHA-256 of the same rows'
 * committed bytes; and the same dataset shuffled (a file re-sorted by hand),
 * which takes the map path. Interleaved, best of five each, CPU time.
 */
function measureVerification(rowCount: number, orgId: string): Record<string, number> {
  const rows: DatasetRow[] = [];
  const anchors: CrfAnchor[] = [];
  const visits = 20;
  for (let i = 0; i < rowCount; i++) {
    const salt = new Uint8Array(randomBytes(32));
    const participant = 'tp-' + Math.floor(i / visits).toString(16).padStart(32, '0');
    const row: DatasetRow = { participant, visit: `week-${String(i % visits).padStart(2, '0')}`, form: 'vitals', version: 1, values: valuesOf(i), reason: 'initial', salt: toBase64Url(salt) };
    rows.push(row);
    const anchor = { version: 1, commitment: commitmentOf(salt, crfBytes('BENCH', row)), reason: 'initial' as const, author: { orgId, memberId: 'pi' }, at: '', txId: '' };
    anchors.push({ participant: row.participant, visit: row.visit, form: row.form, version: 1, anchor });
  }
  const dataset: Dataset = { format: DATASET_FORMAT, trialId: 'BENCH', site: orgId, exportedAt: '', height: 0, rows };
  // A fixed permutation (multiplication by a number coprime with most row counts), so runs are alike.
  const shuffled: Dataset = { ...dataset, rows: rows.map((_, i) => rows[(i * 7919) % rows.length]!) };
  let sink = 0;
  let failures = 0;
  const runs: Record<'hash' | 'hmac' | 'verify' | 'shuffled', () => void> = {
    hash: () => {
      for (const row of rows) sink ^= sha256(crfBytes('BENCH', row))[0]!;
    },
    hmac: () => {
      for (const row of rows) sink ^= commitmentOf(Buffer.from(row.salt, 'base64url'), crfBytes('BENCH', row)).charCodeAt(0);
    },
    verify: () => {
      if (!verifyDatasetRows(dataset, anchors).ok) failures++;
    },
    shuffled: () => {
      if (verifyDatasetRows(shuffled, anchors).matched !== new Set(shuffled.rows).size) failures++;
    },
  };
  const best = { hash: Infinity, hmac: Infinity, verify: Infinity, shuffled: Infinity };
  for (const fn of Object.values(runs)) fn(); // warm-up
  for (let r = 0; r < 5; r++) {
    for (const [name, fn] of Object.entries(runs) as Array<[keyof typeof best, () => void]>) best[name] = Math.min(best[name], cpuUsPerRow(fn, rowCount));
  }
  if (failures > 0) throw new Error('trials bench: the benchmark dataset did not verify');
  const ratio = (x: number): number => Number(x.toFixed(3));
  return {
    rows: rowCount,
    verifyCpuUsPerRow: ratio(best.verify),
    hashCpuUsPerRow: ratio(best.hash),
    hmacCpuUsPerRow: ratio(best.hmac),
    shuffledCpuUsPerRow: ratio(best.shuffled),
    verifyRatio: ratio(best.hash / best.verify),
    hmacRatio: ratio(best.hmac / best.verify),
    shuffledRatio: ratio(best.hash / best.shuffled),
    sink: sink & 1,
  };
}
