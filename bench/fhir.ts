// The FHIR benchmark (issue 11): in one run, on one node,
//  - import: Synthea-like patient bundles (test/fhir/synthea-like.ts, seeded)
//    loaded through the FHIR router's transaction path, each registering its
//    patient (identity/register-patient) and anchoring its records
//    (records.anchor, as many transactions as needed), against the baseline:
//    plain vault writes (Vault.put, one SQLite transaction per bundle) of the
//    same resources' JSON. importRatio = import rate / vault rate.
//  - search: Observation?patient=<p>&_include=Observation:encounter&_count=20
//    by a consented practitioner over everything loaded (consent decision,
//    decryption of the page, includes read one by one as the caller, access
//    events queued), p50/p99 and CPU per search, against the same search
//    without _include in the same run.
// Setup (members, consents) is not timed. Last line on stdout: one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { generateSigningKey, utf8 } from '../src/crypto/index.js';
import { ConsentBook, sealConsentGrantFrom } from '../src/contracts/consent/index.js';
import { pseudonymForTx } from '../src/contracts/identity/index.js';
import { ensureFhirDefinitions, handleFhirRequest, validateFhirResource } from '../src/fhir/router/index.js';
import { SecureFhirRepository } from '../src/fhir/secure/index.js';
import { REGISTRATION_EXTENSION, type Actor, type SmartScope } from '../src/fhir/types.js';
import { parseEnvelope, signTx, txIdOf } from '../src/ledger/index.js';
import { closeNode, initDevNetwork, ledgerPortOf, loadSigningKey, openNode, openRecordsDatabase, type OpenedNode } from '../src/node/index.js';
import { Kek, Vault } from '../src/vault/index.js';
import { syntheaLikeBundle } from '../test/fhir/synthea-like.js';

export interface FhirBenchOptions {
  /** Resources to load in all (default 20,000). */
  resources?: number;
  /** Entries per patient bundle (default 1,000). */
  perPatient?: number;
  /** Timed searches of each kind (default 300). */
  searches?: number;
}

const ALL: SmartScope = { context: 'system', resourceType: '*', permissions: { c: true, r: true, u: true, d: true, s: true } };
const log = (line: string): void => void process.stderr.write(`[fhir] ${line}\n`);
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function runFhirBench(options: FhirBenchOptions): Promise<Record<string, unknown>> {
  const total = options.resources ?? 20_000;
  const perPatient = options.perPatient ?? 1000;
  const searches = options.searches ?? 300;
  const patientsWanted = Math.max(1, Math.ceil(total / perPatient));
  const dir = mkdtempSync(join(tmpdir(), 'careledger-bench-fhir-'));
  let opened: OpenedNode | undefined;
  let db: Database.Database | undefined;
  let repo: SecureFhirRepository | undefined;
  try {
    const init = await initDevNetwork(join(dir, 'node'));
    const { orgId, networkId: network } = init.config;
    opened = openNode(init.dataDir, { limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
    db = openRecordsDatabase(join(dir, 'vault.sqlite'));
    const kek = Kek.generate();
    const vault = new Vault(db, kek);
    const port = ledgerPortOf(opened.node, orgId);
    repo = await SecureFhirRepository.open({ db, vault, kek, ledger: port, consents: new ConsentBook({ networkId: network, hpkePrivateKey: opened.keys.hpkePrivateKey }) });
    const admin = loadSigningKey(init.adminKeyFile);
    const drKey = generateSigningKey();
    await port.submit([parseEnvelope(signTx({ network, contract: 'identity', action: 'register-member', args: { memberId: 'dr', roles: ['practitioner'], keys: [drKey.keyId] } }, admin))]);
    const dr: Actor = { kind: 'member', orgId, memberId: 'dr', keyId: drKey.keyId, roles: ['practitioner'], scopes: [ALL] };
    let seq = 0;
    const fhir = async (method: string, path: string, query: Record<string, string> = {}, body?: unknown) => {
      const ctx = { actor: dr, purpose: 'TREAT' as const, requestId: `bench-${++seq}` };
      return handleFhirRequest({ method, path, query, headers: { prefer: 'return=minimal' }, ...(body === undefined ? {} : { body }) }, repo as SecureFhirRepository, ctx, { baseUrl: 'http://bench.invalid/fhir/R4' });
    };

    ensureFhirDefinitions(); // once per process (about 1.7 s), not an import cost
    // ---- import, interleaved per bundle with the vault baseline of the same resources ----
    log(`cores ${availableParallelism()}; ${patientsWanted} patients x ${perPatient} entries`);
    const patients: Array<{ pseudonym: string; key: ReturnType<typeof generateSigningKey> }> = [];
    let importMs = 0;
    let importCpu = 0;
    let vaultMs = 0;
    let vaultCpu = 0;
    let loaded = 0;
    let validateCpu = 0;
    const insert = db.transaction((rows: Array<{ plaintext: Uint8Array; type: string }>, owner: string) => {
      for (const r of rows) vault.put({ pseudonym: owner, resourceType: r.type, recordId: 'b-' + randomBytes(16).toString('hex'), version: 1, plaintext: r.plaintext, lastUpdated: new Date().toISOString(), salt: randomBytes(32) });
    });
    for (let p = 0; p < patientsWanted; p++) {
      const { bundle } = syntheaLikeBundle(1000 + p, perPatient);
      const key = generateSigningKey();
      const envelope = signTx({ network, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId] } }, drKey);
      const pseudonym = pseudonymForTx(txIdOf(envelope.tx));
      const entry = (bundle.entry as Array<{ resource: { resourceType: string }; request: Record<string, unknown> }>);
      const pe = entry.find((e) => e.resource.resourceType === 'Patient');
      if (pe !== undefined) pe.request['extension'] = [{ url: REGISTRATION_EXTENSION, valueString: JSON.stringify(envelope) }];
      const rows = entry.map((e) => ({ type: e.resource.resourceType, plaintext: utf8(JSON.stringify(e.resource)) }));
      // What validation alone costs (R4 structure and invariants, medplum), measured on copies of the same resources.
      const copies = entry.map((e) => structuredClone(e.resource));
      let c0 = cpuMs();
      for (const r of copies) validateFhirResource(r as never);
      validateCpu += cpuMs() - c0;
      let t0 = performance.now();
      c0 = cpuMs();
      insert(rows, `bench-${p}`);
      vaultMs += performance.now() - t0;
      vaultCpu += cpuMs() - c0;
      t0 = performance.now();
      c0 = cpuMs();
      const res = await fhir('POST', '', {}, bundle);
      importMs += performance.now() - t0;
      importCpu += cpuMs() - c0;
      if (res.status !== 200) throw new Error(`import answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
      loaded += entry.length;
      patients.push({ pseudonym, key });
      log(`loaded ${loaded} resources (${Math.round(loaded / (importMs / 1000))}/s; vault ${Math.round(loaded / (vaultMs / 1000))}/s)`);
    }
    const importRate = loaded / (importMs / 1000);
    const vaultRate = loaded / (vaultMs / 1000);

    // ---- search (consents granted first, untimed) ----
    for (const p of patients) {
      const args = sealConsentGrantFrom(opened.node.state, network, p.pseudonym, { grantee: { kind: 'practitioner', orgId, memberId: 'dr' }, provision: { type: 'permit', actions: ['access'] } });
      await port.submit([parseEnvelope(signTx({ network, contract: 'consent', action: 'grant', args: { ...args } }, p.key))]);
    }
    const time = async (query: Record<string, string>): Promise<{ ms: number[]; cpu: number; included: number }> => {
      const ms: number[] = [];
      let included = 0;
      const c0 = cpuMs();
      for (let i = 0; i < searches; i++) {
        const p = patients[i % patients.length] as (typeof patients)[number];
        const t0 = performance.now();
        const res = await fhir('GET', 'Observation', { patient: p.pseudonym, _count: '20', ...query });
        ms.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`search answered ${res.status}`);
        included += ((res.body as { entry?: Array<{ search: { mode: string } }> }).entry ?? []).filter((e) => e.search.mode === 'include').length;
      }
      return { ms: ms.sort((a, b) => a - b), cpu: (cpuMs() - c0) / searches, included };
    };
    await time({}); // warm-up: data keys and consent inputs of every patient
    const plain = await time({});
    const withInclude = await time({ _include: 'Observation:encounter' });
    await repo.flush();
    const result = {
      bench: 'fhir',
      cores: availableParallelism(),
      resources: loaded,
      patients: patients.length,
      importPerSecond: Math.round(importRate),
      importCpuMsPerResource: round(importCpu / loaded, 4),
      vaultWritePerSecond: Math.round(vaultRate),
      vaultCpuMsPerResource: round(vaultCpu / loaded, 4),
      importRatio: round(importRate / vaultRate, 4),
      validateCpuMsPerResource: round(validateCpu / loaded, 4),
      searches,
      includePerSearch: round(withInclude.included / searches, 1),
      searchIncludeP50Ms: round(percentile(withInclude.ms, 50)),
      searchIncludeP99Ms: round(percentile(withInclude.ms, 99)),
      searchIncludeCpuMs: round(withInclude.cpu),
      searchPlainP50Ms: round(percentile(plain.ms, 50)),
      searchPlainP99Ms: round(percentile(plain.ms, 99)),
      searchPlainCpuMs: round(plain.cpu),
      includeRatioP99: round(percentile(withInclude.ms, 99) / percentile(plain.ms, 99)),
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    return result;
  } finally {
    await repo?.close();
    if (opened !== undefined) await closeNode(opened);
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
