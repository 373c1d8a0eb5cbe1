// The health-records benchmark: a node with a realistic records load (20
// practitioners, 1,000 patients, 100,000 FHIR resources written through the
// secure repository's real write path, 10,000 consents on the ledger), then,
// in the same run:
//  - FHIR read latency through the full path (SecureFhirRepository.read by a
//    member holding a consent: consent decision + vault decrypt + access
//    event into the audit outbox), with the background flusher running as in
//    production;
//  - the baseline: a plain vault read (Vault.get) of the same records, no
//    consent, no audit; reads and baseline reads are interleaved so machine
//    noise hits both alike, and readRatio = full read / plain vault read;
//    first a warm-up of one read per patient (reported apart: a patient's
//    first read loads its data key and consent inputs), then the timed reads
//    of a node in steady state;
//  - `decide` against the node's committed SQLite state for random
//    (patient, practitioner, type, purpose) requests, against one committed
//    state point read (interleaved) as its baseline.
// Setup is not timed. The workload is seeded, so two runs build the same
// mix. Last line on stdout: one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { generateSigningKey, type SigningKey } from '../src/crypto/index.js';
import { ConsentBook, decide, prepareDecision, sealConsentGrantFrom, type AccessRequest, type Grantee, type Provision, type PurposeOfUse } from '../src/contracts/consent/index.js';
import { pseudonymForTx } from '../src/contracts/identity/index.js';
import { SecureFhirRepository } from '../src/fhir/secure/index.js';
import type { Actor, FhirResource, RequestContext, SmartScope, WriteOp } from '../src/fhir/types.js';
import { parseEnvelope, signTx, type ParsedEnvelope, type StateReader } from '../src/ledger/index.js';
import { closeNode, initDevNetwork, ledgerPortOf, loadSigningKey, openNode, openRecordsDatabase, type OpenedNode } from '../src/node/index.js';
import { Kek, Vault } from '../src/vault/index.js';

export interface RecordsBenchOptions {
  json: boolean;
  /** FHIR resources written in setup (default 100,000). */
  resources?: number;
  /** Consent grants put on the ledger in setup (default 10,000). */
  consents?: number;
  /** Patients (default resources / 100, at most 1,000, at least 10). */
  patients?: number;
  /** Practitioners registered by the org admin (default 20). */
  practitioners?: number;
  /** Timed FHIR reads, each paired with a timed plain vault read (default 5,000). */
  reads?: number;
  /** Timed decide calls (default 50,000). */
  decides?: number;
  /** Resources per repository.transaction in setup (default 200). */
  batch?: number;
  /** Concurrent setup writers (default 4). */
  writers?: number;
  /** Print the JSON line on stdout (default true; `careledger bench --suite all` folds it into one line). */
  print?: boolean;
  /** Seed of the workload generator (default 1). */
  seed?: number;
}

export interface RecordsBenchResult {
  bench: 'records';
  resources: number;
  consents: number;
  patients: number;
  practitioners: number;
  reads: number;
  readP50Ms: number;
  readP99Ms: number;
  vaultReadP50Ms: number;
  vaultReadP99Ms: number;
  readRatioP50: number;
  readRatioP99: number;
  /** The warm-up reads (each patient's first: data key and consent inputs loaded), p50, and its ratio to their vault reads. */
  firstReadPerPatientP50Ms: number;
  firstReadPerPatientRatioP50: number;
  eventLoopDelayP99Ms: number;
  /** Access events still in the outbox when the timed reads ended (the flusher kept up if small). */
  auditBacklogAtEnd: number;
  decides: number;
  decideMedianUs: number;
  decideP99Us: number;
  decidePermitShare: number;
  /** Baseline of decide: one committed-state point read (SQLite + JSON.parse). */
  stateGetMedianUs: number;
  /** decide median / state read median: how many point reads' worth a decision costs. */
  decideRatio: number;
  setupSeconds: number;
  writeResourcesPerSec: number;
  targets: { readP99Ms: 5; decideMedianUs: 50; readRatioP50: 3 };
  met: { readP99: boolean; decideMedian: boolean; readRatio: boolean };
}

const ORG_SCOPE: SmartScope = { context: 'user', resourceType: '*', permissions: { c: true, r: true, u: true, d: true, s: true } };
const PURPOSES: PurposeOfUse[] = ['TREAT', 'HPAYMT', 'HOPERAT', 'HRESCH'];
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const OBSERVATION_CODES = [
  ['8867-4', 'Heart rate'],
  ['8480-6', 'Systolic blood pressure'],
  ['8462-4', 'Diastolic blood pressure'],
  ['29463-7', 'Body weight'],
  ['2339-0', 'Glucose [Mass/volume] in Blood'],
  ['4548-4', 'Hemoglobin A1c'],
  ['2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma'],
  ['718-7', 'Hemoglobin [Mass/volume] in Blood'],
] as const;
const CONDITION_CODES = [
  ['44054006', 'Diabetes mellitus type 2'],
  ['38341003', 'Hypertensive disorder'],
  ['195967001', 'Asthma'],
  ['35489007', 'Depressive disorder'],
  ['86406008', 'Human immunodeficiency virus infection'],
  ['13645005', 'Chronic obstructive lung disease'],
] as const;

/** mulberry32: a small seeded generator, so the workload is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Patient {
  pseudonym: string;
  key: SigningKey;
}

/** Submits pre-signed envelopes in arrays, a few arrays at a time, waiting for commit; throws unless every result is OK. */
async function submitAll(opened: OpenedNode, envs: ParsedEnvelope[], what: string, chunk = 200, parallel = 4): Promise<void> {
  const codes = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < envs.length) {
      const batch = envs.slice(next, next + chunk);
      next += chunk;
      const results = (await opened.node.submit(batch, { wait: true, timeoutMs: 120_000 })) ?? [];
      for (const r of results) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  if (codes.size !== 1 || codes.get('OK') !== envs.length) {
    throw new Error(`records bench setup: ${what} did not all commit OK: ${JSON.stringify(Object.fromEntries(codes))}`);
  }
}

/** What each patient lets the organisation write: every resource, the labels resourceFor uses named. */
const WRITE_PROVISION: Provision = { type: 'permit', actions: ['collect', 'correct'], provisions: [{ type: 'permit', securityLabels: ['PSY', 'HIV', 'R'] }] };

function resourceFor(random: () => number, patient: string): FhirResource {
  const day = new Date(Date.UTC(2015, 0, 1) + Math.floor(random() * 10 * 365) * 86_400_000);
  const r = random();
  const security =
    r < 0.05
      ? [{ system: ACT_CODE, code: 'PSY' }]
      : r < 0.07
        ? [{ system: ACT_CODE, code: 'HIV' }]
        : r < 0.15
          ? [{ system: CONFIDENTIALITY, code: 'R' }]
          : undefined;
  const meta = security === undefined ? {} : { meta: { security } };
  if (random() < 0.7) {
    const [code, display] = OBSERVATION_CODES[Math.floor(random() * OBSERVATION_CODES.length)] ?? OBSERVATION_CODES[0];
    return {
      resourceType: 'Observation',
      ...meta,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code, display }] },
      subject: { reference: `Patient/${patient}` },
      effectiveDateTime: day.toISOString(),
      valueQuantity: { value: Math.round(random() * 2000) / 10, unit: 'unit', system: 'http://unitsofmeasure.org', code: '1' },
    };
  }
  const [code, display] = CONDITION_CODES[Math.floor(random() * CONDITION_CODES.length)] ?? CONDITION_CODES[0];
  return {
    resourceType: 'Condition',
    ...meta,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: 'http://snomed.info/sct', code, display }] },
    subject: { reference: `Patient/${patient}` },
    onsetDateTime: day.toISOString(),
    recordedDate: day.toISOString(),
  };
}

/**
 * One consent: 35% for the whole organisation, else for one practitioner;
 * half limited to purposes, 40% to one resource type, 30% with a nested deny
 * (a sensitivity label, or Conditions for research), 10% with a validity
 * period around now, 5% a root deny of psychiatric data.
 */
function consentFor(random: () => number, orgId: string, practitioners: number): { grantee: Grantee; provision: Provision } {
  const grantee: Grantee =
    random() < 0.35 ? { kind: 'organization', orgId } : { kind: 'practitioner', orgId, memberId: `dr-${Math.floor(random() * practitioners)}` };
  if (random() < 0.05) return { grantee, provision: { type: 'deny', actions: ['access'], securityLabels: ['PSY'] } };
  const provision: Provision = { type: 'permit', actions: random() < 0.8 ? ['access'] : ['access', 'use'] };
  if (random() < 0.5) {
    const purposes = PURPOSES.filter(() => random() < 0.5);
    provision.purposes = purposes.length > 0 ? purposes : ['TREAT'];
  }
  const t = random();
  if (t < 0.2) provision.resourceTypes = ['Observation'];
  else if (t < 0.4) provision.resourceTypes = ['Condition'];
  const d = random();
  if (d < 0.15) provision.provisions = [{ type: 'deny', securityLabels: ['PSY'] }];
  else if (d < 0.25) provision.provisions = [{ type: 'deny', securityLabels: ['HIV', 'PSY'] }];
  else if (d < 0.3) provision.provisions = [{ type: 'deny', resourceTypes: ['Condition'], purposes: ['HRESCH'] }];
  if (random() < 0.1) {
    const now = Date.now();
    provision.period = { start: new Date(now - 400 * 86_400_000).toISOString(), end: new Date(now + 3 * 365 * 86_400_000).toISOString() };
  }
  return { grantee, provision };
}

interface ReadSample {
  recordId: string;
  resourceType: string;
  id: string;
  ctx: RequestContext;
}

export async function runRecordsBench(options: RecordsBenchOptions): Promise<RecordsBenchResult> {
  const log = (msg: string) => process.stderr.write(`bench records: ${msg}\n`);
  const resources = options.resources ?? 100_000;
  const consents = options.consents ?? 10_000;
  const patientCount = options.patients ?? Math.min(1_000, Math.max(10, Math.ceil(resources / 100)));
  const practitionerCount = options.practitioners ?? 20;
  const reads = options.reads ?? 5_000;
  const decides = options.decides ?? 50_000;
  const batch = options.batch ?? 200;
  const writers = options.writers ?? 4;
  const random = rng(options.seed ?? 1);
  if (consents / patientCount > 128) throw new Error('records bench: more than 128 consents per patient (MAX_ACTIVE_GRANTS)');

  const dir = mkdtempSync(join(tmpdir(), 'careledger-bench-records-'));
  let opened: OpenedNode | undefined;
  let db: Database.Database | undefined;
  let repo: SecureFhirRepository | undefined;
  try {
    // ---- setup (not timed) ----
    const setupStarted = performance.now();
    log(`cores ${availableParallelism()}; ${practitionerCount} practitioners, ${patientCount} patients, ${resources} resources, ${consents} consents`);
    const init = await initDevNetwork(join(dir, 'node'));
    const orgId = init.config.orgId;
    const network = init.config.networkId;
    // The edge's signature and signer checks run as for any client; quotas (a per-client policy) do not throttle the load.
    opened = openNode(init.dataDir, { limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
    const node = opened;
    db = openRecordsDatabase(join(dir, 'vault.sqlite'));
    const kek = Kek.generate();
    const vault = new Vault(db, kek);
    const consentBook = new ConsentBook({ networkId: network, hpkePrivateKey: opened.keys.hpkePrivateKey });
    repo = await SecureFhirRepository.open({ db, vault, kek, ledger: ledgerPortOf(opened.node, orgId), consents: consentBook });
    const repository = repo;

    const sign = (contract: string, action: string, args: Record<string, unknown>, key: SigningKey) =>
      parseEnvelope(signTx({ network, contract, action, args }, key));
    const admin = loadSigningKey(init.adminKeyFile);
    const practitionerKeys = Array.from({ length: practitionerCount }, () => generateSigningKey());
    await submitAll(
      node,
      practitionerKeys.map((k, i) => sign('identity', 'register-member', { memberId: `dr-${i}`, roles: ['practitioner'], keys: [k.keyId] }, admin)),
      'register-member',
    );
    const patients: Patient[] = [];
    const registrations = Array.from({ length: patientCount }, (_, i) => {
      const key = generateSigningKey();
      const env = sign('identity', 'register-patient', { keys: [key.keyId] }, practitionerKeys[i % practitionerCount] as SigningKey);
      patients.push({ key, pseudonym: pseudonymForTx(env.txId) });
      return env;
    });
    await submitAll(node, registrations, 'register-patient');
    log(`registered ${practitionerCount} practitioners and ${patientCount} patients`);
    // Writes need the patient's consent (collect, correct; restricted labels named): one per patient, for the organisation.
    await submitAll(
      node,
      patients.map((p) =>
        sign('consent', 'grant', { ...sealConsentGrantFrom(node.node.state, network, p.pseudonym, { grantee: { kind: 'organization', orgId }, provision: WRITE_PROVISION }) }, p.key),
      ),
      'consent/grant (writes)',
    );

    const member = (i: number): Actor => ({
      kind: 'member', orgId, memberId: `dr-${i}`, keyId: practitionerKeys[i]?.keyId ?? 'none', roles: ['practitioner'], scopes: [ORG_SCOPE],
    });
    let requestSeq = 0;
    const ctxOf = (actor: Actor, purpose: PurposeOfUse, interaction: RequestContext['interaction']): RequestContext => ({
      actor, purpose, interaction, requestId: `bench-${++requestSeq}`,
    });

    // Resources: each patient's resources are contiguous, so a 200-op transaction
    // touches one or two patients (like a real bundle) and is anchored by one
    // records.anchor transaction, committed before the answer.
    const perPatient = Math.ceil(resources / patientCount);
    const ops: WriteOp[] = Array.from({ length: resources }, (_, i) => ({
      op: 'create',
      resource: resourceFor(random, (patients[Math.min(patientCount - 1, Math.floor(i / perPatient))] as Patient).pseudonym),
    }));
    const writeStarted = performance.now();
    let written = 0;
    let nextOp = 0;
    let nextTenth = 1;
    const writer = async (w: number) => {
      while (nextOp < ops.length) {
        const slice = ops.slice(nextOp, nextOp + batch);
        nextOp += batch;
        const results = await repository.transaction(ctxOf(member(w % practitionerCount), 'TREAT', 'transaction'), slice);
        written += results.length;
        while (written >= (nextTenth * resources) / 10 && nextTenth <= 10) {
          log(`written ${written}/${resources} resources (${nextTenth * 10}%, ${Math.round(written / ((performance.now() - writeStarted) / 1000))}/s)`);
          nextTenth += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    const writeSeconds = (performance.now() - writeStarted) / 1000;

    // Consents, signed by the patients' keys, spread evenly over the patients.
    const grants = Array.from({ length: consents }, (_, i) => {
      const p = patients[i % patientCount] as Patient;
      const { grantee, provision } = consentFor(random, orgId, practitionerCount);
      return sign('consent', 'grant', { ...sealConsentGrantFrom(node.node.state, network, p.pseudonym, { grantee, provision }) }, p.key);
    });
    await submitAll(node, grants, 'consent/grant');
    log(`${consents} consents committed`);
    await repository.flush();

    // Read samples: random records of random patients, each with a member and
    // purpose the patient's consents permit (so every timed read succeeds).
    // The node's committed-state reader, as the FHIR path and consent checks use it
    // (parsed values cached and updated block by block).
    const state: StateReader = node.node.state;
    const now = new Date().toISOString();
    // One permitted read of a random record of patient p, or undefined if none was found.
    const sampleOf = (p: Patient): ReadSample | undefined => {
      const metas = vault.listByPatient(p.pseudonym);
      const meta = metas[Math.floor(random() * metas.length)];
      if (meta === undefined) return undefined;
      const rec = vault.get(meta.recordId);
      const resource = JSON.parse(Buffer.from(rec.plaintext).toString('utf8')) as FhirResource;
      const labels = (resource.meta?.security ?? []).map((s) => s.code).filter((c): c is string => typeof c === 'string');
      for (let t = 0; t < 12; t++) {
        const dr = Math.floor(random() * practitionerCount);
        const purpose = PURPOSES[Math.floor(random() * PURPOSES.length)] as PurposeOfUse;
        const d = prepareDecision(state, { patient: p.pseudonym, requester: { orgId, memberId: `dr-${dr}` }, action: 'access', purpose }, now, consentBook)({
          resourceType: meta.resourceType,
          securityLabels: labels,
        });
        if (d.decision === 'permit') return { recordId: meta.recordId, resourceType: meta.resourceType, id: String(resource.id), ctx: ctxOf(member(dr), purpose, 'read') };
      }
      return undefined;
    };
    // Warm-up, not timed: one read per patient (in random order), so the
    // per-patient caches (data keys, consent inputs) are warm and the timed
    // reads describe a node in steady state, as after minutes of service.
    const samples: ReadSample[] = [];
    const order = [...patients];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as Patient, order[i] as Patient];
    }
    for (const p of order) {
      const s = sampleOf(p);
      if (s !== undefined) samples.push(s);
    }
    const warmup = samples.length;
    let attempts = 0;
    while (samples.length < reads + warmup) {
      if (++attempts > reads * 50) throw new Error('records bench: too few permitted reads in the workload');
      const s = sampleOf(patients[Math.floor(random() * patientCount)] as Patient);
      if (s !== undefined) samples.push(s);
    }
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    log(`setup done in ${round(setupSeconds, 1)} s (writes ${Math.round(resources / writeSeconds)} resources/s); ${samples.length} read samples`);

    // ---- (a) + (c): full FHIR read vs plain vault read, interleaved ----
    // The flusher runs as in production: each iteration yields to the event
    // loop, where its timer (25 ms after the first event, at once at 200)
    // moves events into the access log and signs and submits access.anchor transactions; the node commits blocks.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    const readMs: number[] = [];
    const vaultMs: number[] = [];
    const firstMs: number[] = [];
    const firstVaultMs: number[] = [];
    const n = samples.length;
    for (let i = 0; i < n; i++) {
      if (i === warmup) loopDelay.enable();
      const s = samples[i] as ReadSample;
      // The baseline reads the same set of records, in another order, so the
      // page a read just touched is not the next baseline read's.
      const b = samples[(i + Math.floor(n / 2)) % n] as ReadSample;
      const fullFirst = i % 2 === 0;
      let t0 = 0;
      let full = 0;
      let plain = 0;
      if (!fullFirst) {
        t0 = performance.now();
        vault.get(b.recordId).plaintext.fill(0);
        plain = performance.now() - t0;
      }
      t0 = performance.now();
      const got = await repository.read({ ...s.ctx, requestId: `bench-read-${i}` }, s.resourceType, s.id);
      full = performance.now() - t0;
      if (fullFirst) {
        t0 = performance.now();
        vault.get(b.recordId).plaintext.fill(0);
        plain = performance.now() - t0;
      }
      if (got.id !== s.id) throw new Error('records bench: read returned another resource');
      if (i >= warmup) {
        readMs.push(full);
        vaultMs.push(plain);
      } else {
        firstMs.push(full);
        firstVaultMs.push(plain);
      }
      await yieldToLoop();
    }
    loopDelay.disable();
    const pendingBefore = repository.pendingAccessEvents();
    await repository.flush();
    log(`reads done; ${pendingBefore} access events were still queued, now flushed`);

    // ---- (b): decide against committed SQLite state ----
    const requests: AccessRequest[] = Array.from({ length: decides + 2_000 }, () => ({
      patient: (patients[Math.floor(random() * patientCount)] as Patient).pseudonym,
      requester: { orgId, memberId: `dr-${Math.floor(random() * practitionerCount)}` },
      action: 'access',
      purpose: PURPOSES[Math.floor(random() * PURPOSES.length)] as PurposeOfUse,
      resourceType: random() < 0.7 ? 'Observation' : 'Condition',
      securityLabels: random() < 0.07 ? ['PSY'] : [],
    }));
    // Its baseline, interleaved: ONE committed-state point read (SQLite +
    // JSON.parse) of the patient's identity record, the unit decide is built of.
    const decideUs: number[] = [];
    const stateGetUs: number[] = [];
    let permits = 0;
    const decideAt = new Date().toISOString();
    for (let i = 0; i < requests.length; i++) {
      const req = requests[i] as AccessRequest;
      let t0 = performance.now();
      const d = decide(state, req, decideAt, consentBook);
      const us = (performance.now() - t0) * 1000;
      const other = requests[(i + 1_000) % requests.length] as AccessRequest;
      t0 = performance.now();
      state.get('identity', `patient/${other.patient}`);
      const getUs = (performance.now() - t0) * 1000;
      if (i >= 2_000) {
        decideUs.push(us);
        stateGetUs.push(getUs);
        if (d.decision === 'permit') permits += 1;
      }
    }

    readMs.sort((a, b) => a - b);
    vaultMs.sort((a, b) => a - b);
    firstMs.sort((a, b) => a - b);
    firstVaultMs.sort((a, b) => a - b);
    decideUs.sort((a, b) => a - b);
    stateGetUs.sort((a, b) => a - b);
    const readP50Ms = percentile(readMs, 50);
    const readP99Ms = percentile(readMs, 99);
    const vaultReadP50Ms = percentile(vaultMs, 50);
    const vaultReadP99Ms = percentile(vaultMs, 99);
    const decideMedianUs = percentile(decideUs, 50);
    const decideP99Us = percentile(decideUs, 99);
    const stateGetMedianUs = percentile(stateGetUs, 50);
    const readRatioP50 = readP50Ms / vaultReadP50Ms;
    const readRatioP99 = readP99Ms / vaultReadP99Ms;
    const result: RecordsBenchResult = {
      bench: 'records',
      resources,
      consents,
      patients: patientCount,
      practitioners: practitionerCount,
      reads: readMs.length,
      readP50Ms: round(readP50Ms),
      readP99Ms: round(readP99Ms),
      vaultReadP50Ms: round(vaultReadP50Ms),
      vaultReadP99Ms: round(vaultReadP99Ms),
      readRatioP50: round(readRatioP50, 2),
      readRatioP99: round(readRatioP99, 2),
      firstReadPerPatientP50Ms: round(percentile(firstMs, 50), 3),
      firstReadPerPatientRatioP50: round(percentile(firstMs, 50) / percentile(firstVaultMs, 50), 2),
      eventLoopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 2),
      auditBacklogAtEnd: pendingBefore,
      decides: decideUs.length,
      decideMedianUs: round(decideMedianUs, 1),
      decideP99Us: round(decideP99Us, 1),
      decidePermitShare: round(permits / decideUs.length, 3),
      stateGetMedianUs: round(stateGetMedianUs, 1),
      decideRatio: round(decideMedianUs / stateGetMedianUs, 1),
      setupSeconds: round(setupSeconds, 1),
      writeResourcesPerSec: Math.round(resources / writeSeconds),
      targets: { readP99Ms: 5, decideMedianUs: 50, readRatioP50: 3 },
      met: { readP99: readP99Ms <= 5, decideMedian: decideMedianUs <= 50, readRatio: readRatioP50 <= 3 },
    };
    if (!options.json) {
      log(`FHIR read p50 ${result.readP50Ms} ms, p99 ${result.readP99Ms} ms (target p99 <= 5 ms)`);
      log(`plain vault read p50 ${result.vaultReadP50Ms} ms, p99 ${result.vaultReadP99Ms} ms; ratio p50 ${result.readRatioP50}x, p99 ${result.readRatioP99}x (target <= 3x)`);
      log(`decide median ${result.decideMedianUs} us, p99 ${result.decideP99Us} us (target median <= 50 us); ${result.decideRatio}x one state read (${result.stateGetMedianUs} us)`);
    }
    if (options.print ?? true) process.stdout.write(JSON.stringify(result) + '\n');
    return result;
  } finally {
    if (repo !== undefined) await repo.close();
    if (opened !== undefined) await closeNode(opened);
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
