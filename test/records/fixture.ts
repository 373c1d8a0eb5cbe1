// Shared setup of the records acceptance tests: a real node with the records
// side (openNode + openRecords + buildServer) listening on 127.0.0.1, and a
// client that acts as a clinic and a patient would, over HTTP only: signed
// ledger transactions (?wait=commit), SMART backend-services tokens
// (private_key_jwt, EdDSA, client_id = the member's ledger key id), patient
// sign-in (challenge signed with the patient's key) and FHIR requests.
// The client also works against a node running as a child process.
import { signLedgerRead } from '../../src/node/peers/read-auth.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { buildServer } from '../../src/api/index.js';
import { JWT_BEARER_ASSERTION_TYPE, PATIENT_AUTH_DOMAIN } from '../../src/auth/index.js';
import { generateSigningKey, signCanonical, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { consentIdForTx, sealConsentGrant, SECURITY_LABELS, type Grantee, type Provision } from '../../src/contracts/consent/index.js';
import { pseudonymForTx } from '../../src/contracts/identity/index.js';
import { signTx, txIdOf, type Envelope } from '../../src/ledger/index.js';
import {
  closeNode,
  initDevNetwork,
  loadSigningKey,
  openNode,
  openRecords,
  type LedgerNode,
  type OpenedNode,
  type RecordsService,
} from '../../src/node/index.js';
import { CLI, freePort, LOOPBACK } from '../helpers/proc.js';

/** Assertions walk arbitrary FHIR JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface TxResult {
  txId: string;
  code: string;
  height: number;
  index: number;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

export interface Member {
  memberId: string;
  key: SigningKey;
}

export interface Patient {
  pseudonym: string;
  key: SigningKey;
}

export const PSY_LABEL = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every 25 ms until it returns something other than undefined; fails after timeoutMs. */
export async function poll<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** A clinic's and a patient's view of one node: only HTTP. */
export class RecordsClient {
  readonly url: string;
  readonly networkId: string;
  readonly fhirBase: string;
  readonly tokenUrl: string;
  #members = 0;
  /** A ledger reader's key (the org admin's), for the patient and org lookups a client makes before sealing a grant. */
  #reader: SigningKey | undefined;

  constructor(url: string, networkId: string, reader?: SigningKey) {
    this.url = url;
    this.networkId = networkId;
    this.#reader = reader;
    this.fhirBase = `${url}/fhir/R4`;
    this.tokenUrl = `${url}/auth/token`;
  }

  #readAuth(path: string): Record<string, string> {
    return this.#reader === undefined ? {} : { authorization: signLedgerRead(this.#reader, this.networkId, 'GET', path) };
  }

  async request(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; contentType?: string } = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/fhir+json', ...options.headers };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/fhir+json';
    }
    const res = await fetch(new URL(path, this.url), { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let parsed: Json = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    assert.ok(res.status < 500, `${method} ${path} answered ${res.status}: ${text}`);
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /** A FHIR interaction under /fhir/R4. */
  fhir(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.request(method, `/fhir/R4/${path}`, { token, headers, ...(body === undefined ? {} : { body }) });
  }

  sign(key: SigningKey, contract: string, action: string, args: Record<string, unknown>): Envelope {
    return signTx({ network: this.networkId, contract, action, args }, key);
  }

  /** POST /ledger/v1/transactions?wait=commit with one envelope. */
  async submit(envelope: Envelope): Promise<TxResult> {
    const res = await this.request('POST', '/ledger/v1/transactions?wait=commit', { body: envelope, contentType: 'application/json' });
    assert.equal(res.status, 200, res.text);
    const [result] = (res.body as { results: TxResult[] }).results;
    assert.ok(result);
    assert.equal(result.txId, txIdOf(envelope.tx));
    return result;
  }

  /**
   * Seals clear consent/grant args ({patient, grantee, provision}) to the
   * patient's custodian as a client does (sealConsentGrant), with the
   * custodian's HPKE key from GET /ledger/v1/orgs/{custodian}.
   */
  async sealGrant(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const patient = String(args['patient']);
    const rec = await this.request('GET', `/ledger/v1/patients/${patient}`, { headers: this.#readAuth(`/ledger/v1/patients/${patient}`) });
    const custodian = String((rec.body as { custodian?: unknown }).custodian);
    const org = await this.request('GET', `/ledger/v1/orgs/${custodian}`);
    const key = String((org.body as { hpkePublicKey?: unknown }).hpkePublicKey);
    return { ...sealConsentGrant({ network: this.networkId, patient, custodianHpkePublicKey: key, grantee: args['grantee'] as Grantee, provision: args['provision'] as Provision }) };
  }

  /** A consent/grant (clear args are sealed first) through the custodian's checked route POST /ledger/v1/patients/{p}/consents. */
  async postConsent(key: SigningKey, args: Record<string, unknown>): Promise<HttpResult> {
    const sealed = 'sealed' in args ? args : await this.sealGrant(args);
    return this.request('POST', `/ledger/v1/patients/${String(args['patient'])}/consents`, {
      body: this.sign(key, 'consent', 'grant', sealed),
      contentType: 'application/json',
    });
  }

  /** Signs and submits; asserts the expected result code. Clear consent/grant args are sealed first (sealGrant). */
  async tx(key: SigningKey, contract: string, action: string, args: Record<string, unknown>, expected = 'OK'): Promise<TxResult> {
    if (contract === 'consent' && action === 'grant' && !('sealed' in args)) args = await this.sealGrant(args);
    const envelope = this.sign(key, contract, action, args);
    const res = await this.request('POST', '/ledger/v1/transactions?wait=commit', { body: envelope, contentType: 'application/json' });
    if (res.status !== 200 && expected !== 'OK') {
      // A failing transaction of a patient or delegate key is refused at the edge (the submit gate's dry run)
      // rather than ordered: its code comes from the 4xx error body, and the result has height -1.
      const refused = (res.body as { error?: { code?: string; field?: string } }).error;
      assert.equal(refused?.code, expected, `${contract}/${action}: ${res.status} ${res.text}`);
      assert.equal(refused?.field, 'tx', 'only the dry run of an unaccountable key refuses a signed, registered transaction');
      return { txId: txIdOf(envelope.tx), code: refused.code, height: -1, index: -1 } as TxResult;
    }
    assert.equal(res.status, 200, res.text);
    const [result] = (res.body as { results: TxResult[] }).results;
    assert.ok(result);
    assert.equal(result.code, expected, `${contract}/${action}: ${result.code}`);
    return result;
  }

  /** identity/register-member by an org admin, with a fresh key. */
  async registerMember(admin: SigningKey, roles: string[], memberId = `m${++this.#members}-${randomUUID().slice(0, 8)}`): Promise<Member> {
    this.#reader ??= admin; // an org admin key reads the ledger (sealGrant's lookups)
    const key = generateSigningKey();
    await this.tx(admin, 'identity', 'register-member', { memberId, roles, keys: [key.keyId] });
    return { memberId, key };
  }

  /** identity/register-patient signed by a practitioner (or admin) of the custodian, with the patient's fresh key. */
  async registerPatient(signer: SigningKey, key: SigningKey = generateSigningKey()): Promise<Patient> {
    const result = await this.tx(signer, 'identity', 'register-patient', { keys: [key.keyId] });
    return { pseudonym: pseudonymForTx(result.txId), key };
  }

  /**
   * The patient lets a member write its records (issue 9, finding 4): a
   * grant for actions collect and correct, every restricted label named.
   * Returns the consent id.
   */
  async allowWrites(patient: Patient, orgId: string, memberId: string): Promise<string> {
    const provision = { type: 'permit', actions: ['collect', 'correct'], provisions: [{ type: 'permit', securityLabels: [...SECURITY_LABELS] }] };
    const result = await this.tx(patient.key, 'consent', 'grant', { patient: patient.pseudonym, grantee: { kind: 'practitioner', orgId, memberId }, provision });
    return consentIdForTx(result.txId);
  }

  /** SMART backend services: client_credentials with a private_key_jwt assertion signed by the member's ledger key. */
  async memberToken(key: SigningKey, scope = 'system/*.cruds'): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: key.keyId, sub: key.keyId, aud: this.tokenUrl, exp: now + 60, iat: now, jti: randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.keyId })
      .sign(key.privateKey);
    const res = await fetch(this.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        client_assertion: assertion,
      }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { access_token?: string; token_type?: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'bearer');
    assert.equal(typeof body.access_token, 'string');
    return body.access_token as string;
  }

  /** Patient sign-in: POST /auth/challenge, sign it with the patient's key, POST /auth/patient-token. */
  async patientToken(patient: Patient, scope?: string): Promise<string> {
    const ch = await this.request('POST', '/auth/challenge');
    assert.equal(ch.status, 200, ch.text);
    const challenge = (ch.body as { challenge: string }).challenge;
    const payload = { aud: this.tokenUrl, challenge, keyId: patient.key.keyId, pseudonym: patient.pseudonym };
    const signature = toBase64Url(signCanonical(patient.key, PATIENT_AUTH_DOMAIN, payload));
    const res = await this.request('POST', '/auth/patient-token', {
      body: { pseudonym: patient.pseudonym, keyId: patient.key.keyId, challenge, signature, ...(scope === undefined ? {} : { scope }) },
      contentType: 'application/json',
    });
    assert.equal(res.status, 200, res.text);
    return (res.body as { access_token: string }).access_token;
  }
}

/** A minimal valid Patient resource for a registered pseudonym. */
export function patientResource(pseudonym: string, extra: Record<string, unknown> = {}): Json {
  return { resourceType: 'Patient', id: pseudonym, active: true, ...extra };
}

/** A minimal valid Observation for a patient. */
export function observation(pseudonym: string, code: string, value: number, extra: Record<string, unknown> = {}): Json {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${pseudonym}` },
    effectiveDateTime: '2024-03-01T10:00:00Z',
    valueQuantity: { value, unit: 'mmHg' },
    ...extra,
  };
}

/** A minimal valid Condition for a patient. */
export function condition(pseudonym: string, code: string, extra: Record<string, unknown> = {}): Json {
  return {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: 'http://snomed.info/sct', code }] },
    subject: { reference: `Patient/${pseudonym}` },
    ...extra,
  };
}

export interface RecordsNode {
  tmp: string;
  dataDir: string;
  opened: OpenedNode;
  node: LedgerNode;
  records: RecordsService;
  app: FastifyInstance;
  url: string;
  orgId: string;
  networkId: string;
  /** The org admin key (outside the data directory: <D>-keys/admin.pem). */
  adminKey: SigningKey;
  client: RecordsClient;
  /** Closes server, records and node, and removes the temporary directory. Idempotent. */
  close(): Promise<void>;
  /** Closes server, records and node but keeps the data directory (the caller removes `tmp`). */
  stop(): Promise<void>;
}

/**
 * A fresh one-organisation dev network with the records side, listening on
 * 127.0.0.1. The port is chosen first (the base URL is the token audience
 * and the FHIR base of Bundle links), retried if someone took it meanwhile.
 */
export async function startRecordsNode(): Promise<RecordsNode> {
  const tmp = mkdtempSync(join(tmpdir(), 'careledger-records-'));
  const dataDir = join(tmp, 'node');
  let opened: OpenedNode | undefined;
  let records: RecordsService | undefined;
  let app: FastifyInstance | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await app?.close();
    await records?.close();
    if (opened) await closeNode(opened);
  };
  const close = async (): Promise<void> => {
    try {
      await stop();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  };
  try {
    const init = await initDevNetwork(dataDir);
    opened = openNode(dataDir, { verifyWorkers: 0 });
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const url = `http://${LOOPBACK}:${port}`;
      records = await openRecords(dataDir, opened, url);
      app = buildServer(opened.node, { records, baseUrl: url, logger: false }).app;
      try {
        await app.listen({ host: LOOPBACK, port });
      } catch (e) {
        await app.close();
        await records.close();
        app = undefined;
        records = undefined;
        if (attempt < 3 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw e;
      }
      return {
        tmp,
        dataDir,
        opened,
        node: opened.node,
        records,
        app,
        url,
        orgId: init.config.orgId,
        networkId: init.config.networkId,
        adminKey: loadSigningKey(init.adminKeyFile),
        client: new RecordsClient(url, init.config.networkId, loadSigningKey(init.adminKeyFile)),
        close,
        stop,
      };
    }
  } catch (error) {
    await close();
    throw error;
  }
}

export interface ChildNode {
  child: ChildProcess;
  url: string;
  client: RecordsClient;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after timeoutMs; resolves with how it exited. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `careledger start --data-dir D --port P --host 127.0.0.1 --log-level L`
 * as a child process (the data dir is initialised on first start), keeps all
 * of its output, and waits (bounded) for /healthz.
 */
export async function spawnRecordsNode(dataDir: string, logLevel = 'debug', timeoutMs = 20_000): Promise<ChildNode> {
  const port = await freePort();
  const args = [CLI, 'start', '--data-dir', dataDir, '--port', String(port), '--host', LOOPBACK, '--log-level', logLevel];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => chunks.push(b));
  child.stderr.on('data', (b: Buffer) => chunks.push(b));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const output = () => Buffer.concat(chunks).toString('utf8');
  const stop = async (ms = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const url = `http://${LOOPBACK}:${port}`;
  try {
    const health = await poll(async () => {
      if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}:\n${output()}`);
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200 ? ((await res.json()) as { networkId: string }) : undefined;
      } catch {
        return undefined;
      }
    }, `careledger start on ${url}`, timeoutMs);
    return { child, url, client: new RecordsClient(url, health.networkId), output, stop };
  } catch (e) {
    await stop(1000);
    throw e;
  }
}

/** Every regular file under dir, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * Byte patterns under which a secret could sit in a file: UTF-8, UTF-16LE,
 * hex, and base64/base64url at each of the three byte alignments (the middle
 * of the encoding, which does not depend on neighbouring bytes).
 */
export function leakPatterns(secret: string): Array<{ form: string; bytes: Buffer }> {
  const raw = Buffer.from(secret, 'utf8');
  const out = [
    { form: 'utf8', bytes: raw },
    { form: 'utf16le', bytes: Buffer.from(secret, 'utf16le') },
    { form: 'hex', bytes: Buffer.from(raw.toString('hex'), 'latin1') },
  ];
  for (const encoding of ['base64', 'base64url'] as const) {
    for (let k = 0; k < 3; k++) {
      const enc = Buffer.concat([Buffer.alloc(k), raw]).toString(encoding).replace(/=+$/, '');
      const core = enc.slice(k === 0 ? 0 : 4, enc.length - 4);
      out.push({ form: `${encoding}@${k}`, bytes: Buffer.from(core, 'latin1') });
    }
  }
  return out;
}

/** The (file, form) pairs in which any of the secrets' patterns occurs. */
export function findLeaks(files: readonly string[], secrets: ReadonlyArray<string | Buffer>, extra: ReadonlyArray<{ name: string; bytes: Buffer }> = []): string[] {
  const found: string[] = [];
  const haystacks = [...files.map((f) => ({ name: f, bytes: readFileSync(f) })), ...extra];
  for (const h of haystacks) {
    for (const s of secrets) {
      const patterns = typeof s === 'string' ? leakPatterns(s) : [{ form: 'bytes', bytes: s }];
      for (const p of patterns) if (h.bytes.includes(p.bytes)) found.push(`${h.name}: ${p.form}`);
    }
  }
  return found;
}
