// Test world for the secure repository (named .test.ts so the layer check
// allows its import of node/; it holds no tests itself): a real one-organisation LedgerNode on
// a temp dir (the real governance, identity, consent, records and access
// contracts), a vault on a temp SQLite file, members, patients and consents
// registered through signed transactions. Tests only.
import assert from 'node:assert/strict';
import { getChainHead } from '../../contracts/access/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateSigningKey, type SigningKey } from '../../crypto/index.js';
import { IDENTITY_CONTRACT, pseudonymForTx } from '../../contracts/identity/index.js';
import { CONSENT_CONTRACT, ConsentBook, consentIdForTx, sealConsentGrantFrom, SECURITY_LABELS, type Provision } from '../../contracts/consent/index.js';
import { parseEnvelope, signTx, type JsonValue, type LedgerPort } from '../../ledger/index.js';
import { closeNode, initDevNetwork, keyHome, ledgerPortOf, loadSigningKey, openNode, type OpenedNode } from '../../node/index.js';
import { Kek, Vault } from '../../vault/index.js';
import type { Actor, FhirResource, PurposeOfUse, RequestContext, SmartScope } from '../types.js';
import { SecureFhirRepository } from './repository.js';

export const ORG = 'org1';
const ALL: SmartScope = { context: 'user', resourceType: '*', permissions: { c: true, r: true, u: true, d: true, s: true } };

export class World {
  readonly dir: string;
  readonly vaultPath: string;
  readonly opened: OpenedNode;
  readonly admin: SigningKey;
  readonly db: Database.Database;
  readonly kek: Kek;
  readonly vault: Vault;
  readonly port: LedgerPort;
  readonly consents: ConsentBook;
  repo!: SecureFhirRepository;
  readonly memberKeys = new Map<string, SigningKey>();
  readonly patientKeys = new Map<string, SigningKey>();
  #request = 0;

  private constructor(dir: string, opened: OpenedNode) {
    this.dir = dir;
    this.opened = opened;
    this.admin = loadSigningKey(keyHome(join(dir, 'node')).adminKey);
    this.vaultPath = join(dir, 'vault.sqlite');
    this.db = new Database(this.vaultPath);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.kek = Kek.generate();
    this.vault = new Vault(this.db, this.kek);
    this.port = ledgerPortOf(opened.node, ORG);
    this.consents = new ConsentBook({ networkId: opened.node.networkId, hpkePrivateKey: opened.keys.hpkePrivateKey });
  }

  static async create(): Promise<World> {
    const dir = mkdtempSync(join(tmpdir(), 'careledger-fhir-secure-'));
    await initDevNetwork(join(dir, 'node'), { orgId: ORG });
    const world = new World(dir, openNode(join(dir, 'node'), { verifyWorkers: 0 }));
    world.repo = await SecureFhirRepository.open({ db: world.db, vault: world.vault, kek: world.kek, consents: world.consents, ledger: world.port });
    await world.addMember('dr-a', ['practitioner']);
    await world.addMember('dr-b', ['practitioner']);
    await world.addMember('clerk', ['auditor']);
    return world;
  }

  async close(): Promise<void> {
    await this.repo.close();
    await closeNode(this.opened);
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Signs, submits and waits; returns the txId and code. */
  async submit(key: SigningKey, contract: string, action: string, args: Record<string, unknown>): Promise<{ txId: string; code: string }> {
    const env = parseEnvelope(signTx({ network: this.port.networkId, contract, action, args }, key));
    const [r] = await this.port.submit([env]);
    return { txId: env.txId, code: r?.code ?? 'none' };
  }

  async ok(key: SigningKey, contract: string, action: string, args: Record<string, unknown>): Promise<string> {
    const r = await this.submit(key, contract, action, args);
    assert.equal(r.code, 'OK', `${contract}/${action}`);
    return r.txId;
  }

  async addMember(memberId: string, roles: string[]): Promise<void> {
    const key = generateSigningKey();
    await this.ok(this.admin, IDENTITY_CONTRACT, 'register-member', { memberId, roles, keys: [key.keyId] });
    this.memberKeys.set(memberId, key);
  }

  /**
   * Registers a patient with custodian ORG (signed by dr-a) and returns its
   * pseudonym; the patient lets `writer` (default dr-a; null: nobody) write
   * its records, labelled ones included (WRITE_ALL).
   */
  async addPatient(options: { writer?: string | null } = {}): Promise<string> {
    const key = generateSigningKey();
    const txId = await this.ok(this.memberKeys.get('dr-a') as SigningKey, IDENTITY_CONTRACT, 'register-patient', { keys: [key.keyId] });
    const pseudonym = pseudonymForTx(txId);
    this.patientKeys.set(pseudonym, key);
    const writer = options.writer === undefined ? 'dr-a' : options.writer;
    if (writer !== null) await this.grant(pseudonym, writer, WRITE_ALL);
    return pseudonym;
  }

  /** A grant by the patient to a practitioner of ORG; returns the consent id. */
  async grant(patient: string, memberId: string, provision: Provision): Promise<string> {
    const key = this.patientKeys.get(patient) as SigningKey;
    const args = sealConsentGrantFrom(this.opened.node.state, this.opened.node.networkId, patient, { grantee: { kind: 'practitioner', orgId: ORG, memberId }, provision });
    const txId = await this.ok(key, CONSENT_CONTRACT, 'grant', { ...args } as unknown as Record<string, JsonValue>);
    return consentIdForTx(txId);
  }

  async erase(patient: string): Promise<void> {
    await this.ok(this.patientKeys.get(patient) as SigningKey, IDENTITY_CONTRACT, 'erase-patient', { pseudonym: patient });
  }

  member(memberId: string, options: { roles?: string[]; scopes?: SmartScope[] } = {}): Actor {
    const key = this.memberKeys.get(memberId);
    return {
      kind: 'member', orgId: ORG, memberId, keyId: key?.keyId ?? 'none',
      roles: options.roles ?? ['practitioner'], scopes: options.scopes ?? [ALL],
    };
  }

  patient(pseudonym: string): Actor {
    return { kind: 'patient', pseudonym, keyId: this.patientKeys.get(pseudonym)?.keyId ?? 'none', scopes: [{ ...ALL, context: 'patient' }] };
  }

  ctx(actor: Actor, extra: { purpose?: PurposeOfUse; breakGlassReason?: string; deleteReason?: string } = {}): RequestContext {
    this.#request += 1;
    const ctx: RequestContext = { actor, purpose: extra.purpose ?? 'TREAT', interaction: 'read', requestId: `req-${this.#request}` };
    if (extra.breakGlassReason !== undefined) ctx.breakGlassReason = extra.breakGlassReason;
    if (extra.deleteReason !== undefined) ctx.deleteReason = extra.deleteReason;
    return ctx;
  }

  /** The custodian's access log entries for a patient (off the ledger). */
  accessLog(patient: string): Array<{ [k: string]: JsonValue }> {
    return this.repo.accessLog.events(patient) as unknown as Array<{ [k: string]: JsonValue }>;
  }

  /** The seq of the patient's chain head anchored on the ledger (0 if none). */
  anchoredSeq(patient: string): number {
    return getChainHead(this.port.state, ORG, this.repo.accessLog.chainIdOf(patient))?.seq ?? 0;
  }
}

export function observation(patient: string, extra: Partial<FhirResource> = {}): FhirResource {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2026-01-10T10:00:00Z',
    ...extra,
  };
}

export function patientResource(pseudonym: string, extra: Partial<FhirResource> = {}): FhirResource {
  return { resourceType: 'Patient', id: pseudonym, gender: 'female', ...extra };
}

export const PERMIT_ALL: Provision = { type: 'permit', actions: ['access'] };

/** Writes (collect, correct) of any resource, restricted labels included (each named). */
export const WRITE_ALL: Provision = {
  type: 'permit',
  actions: ['collect', 'correct'],
  provisions: [{ type: 'permit', securityLabels: [...SECURITY_LABELS] }],
};
