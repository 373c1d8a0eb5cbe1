// Test world for the consent contract: two organisations, practitioners, a
// patient with a key, a guardian delegate, and the identity/governance
// records the contract reads (written directly in the shared state layout,
// since contracts never import each other). Grants are sealed to the
// custodian (HOSP) as clients do; `book` is the custodian's ConsentBook.
import { createPublicKey } from 'node:crypto';
import { generateX25519PrivateKey, toBase64Url, x25519PublicBytes } from '../../src/crypto/index.js';
import { isCareLedgerError } from '../../src/errors/index.js';
import { KEYS_NAMESPACE, type JsonValue, type KeyRecord } from '../../src/ledger/contract.js';
import { ConsentBook } from '../../src/contracts/consent/book.js';
import { sealConsentBody } from '../../src/contracts/consent/sealed.js';
import { MemoryState, runAction, testKeyId, type RunResult } from './contracts.js';
import { consentContract } from '../../src/contracts/consent/contract.js';
import { decide, type AccessRequest, type Decision } from '../../src/contracts/consent/decide.js';
import type { ConsentGrant, Provision } from '../../src/contracts/consent/schema.js';
import { consentIdForTx } from '../../src/contracts/consent/state.js';

export const T0 = '2026-03-01T08:00:00.000Z';
export const PATIENT = 'pt-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const OTHER_PATIENT = 'pt-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
export const DELEGATE = 'dg-cccccccccccccccccccccccccccccccc';
export const HOSP = 'hosp-a';
export const CLINIC = 'clinic-b';
export const NETWORK = 'test-net';
/** The custodian's HPKE key pair, shared by every world (key generation is the slow part). */
export const HOSP_HPKE = generateX25519PrivateKey();
export const HOSP_HPKE_PUBLIC = toBase64Url(x25519PublicBytes(createPublicKey(HOSP_HPKE)));
let salt = 0;
/** A fresh 16-byte salt (deterministic in tests). */
export const nextSalt = (): string => toBase64Url(Buffer.from((salt++).toString(16).padStart(32, '0'), 'hex'));

/** Seals a clear grant as a client does, without checking it (the custodian checks). */
export function seal(grant: { patient: string; grantee?: unknown; provision?: unknown; consent?: unknown }, salted: string = nextSalt()) {
  const body = grant.consent !== undefined ? { consent: grant.consent, salt: salted } : { grantee: grant.grantee, provision: grant.provision, salt: salted };
  return sealConsentBody(NETWORK, grant.patient, HOSP_HPKE_PUBLIC, body as JsonValue);
}

export const KEYS = {
  patient: testKeyId('patient'),
  otherPatient: testKeyId('other-patient'),
  delegate: testKeyId('delegate'),
  member: testKeyId('dr-y'),
  admin: testKeyId('admin'),
} as const;

export function addHours(time: string, hours: number): string {
  return new Date(Date.parse(time) + hours * 3_600_000).toISOString();
}

function key(kind: KeyRecord['kind'], owner: string, org: string | null, extra: { [k: string]: JsonValue } = {}): KeyRecord {
  return { kind, org, owner, roles: [], status: 'active', since: 1, ...extra };
}

export class World {
  readonly state = new MemoryState();
  readonly unreadable: string[] = [];
  readonly book = new ConsentBook({ networkId: NETWORK, hpkePrivateKey: HOSP_HPKE, onUnreadable: (id) => this.unreadable.push(id) });
  private tx = 0;

  constructor() {
    const s = this.state;
    for (const orgId of [HOSP, CLINIC]) s.put('governance', `org/${orgId}`, { orgId, status: 'active', hpkePublicKey: HOSP_HPKE_PUBLIC });
    for (const [orgId, memberId] of [[HOSP, 'dr-y'], [HOSP, 'dr-z'], [CLINIC, 'dr-w']] as const) {
      s.put('identity', `member/${orgId}/${memberId}`, { orgId, memberId, roles: ['practitioner'], keys: [], status: 'active' });
    }
    for (const [p, k] of [[PATIENT, KEYS.patient], [OTHER_PATIENT, KEYS.otherPatient]] as const) {
      s.put('identity', `patient/${p}`, { pseudonym: p, keys: [k], custodian: HOSP, status: 'active' });
      s.put(KEYS_NAMESPACE, k, key('patient', p, null));
    }
    this.setDelegate({});
    s.put(KEYS_NAMESPACE, KEYS.delegate, key('delegate', DELEGATE, null, { patient: PATIENT }));
    s.put(KEYS_NAMESPACE, KEYS.member, key('member', 'dr-y', HOSP, { roles: ['practitioner'] }));
    s.put(KEYS_NAMESPACE, KEYS.admin, key('org-admin', HOSP, HOSP));
  }

  setDelegate(fields: { [k: string]: JsonValue }): void {
    this.state.put('identity', `delegate/${PATIENT}/${DELEGATE}`, {
      pseudonym: PATIENT, delegateId: DELEGATE, relationship: 'guardian', keys: [KEYS.delegate], status: 'active',
      powers: ['read', 'manage-consent'], appointment: { by: 'patient', keyId: KEYS.patient, at: T0 }, ...fields,
    });
  }

  nextTxId(): string {
    this.tx += 1;
    return `${this.tx.toString(16).padStart(8, '0')}`.padEnd(64, 'a');
  }

  /** Runs an action; clear grant args ({patient, grantee, provision} or {patient, consent}) are sealed first. */
  run(action: string, args: unknown, opts: { signer?: string; at?: string } = {}): RunResult & { txId: string } {
    const txId = this.nextTxId();
    if (action === 'grant' && typeof args === 'object' && args !== null && !('sealed' in args)) args = seal(args as { patient: string });
    const r = runAction(consentContract, action, args, { signer: opts.signer ?? KEYS.patient, state: this.state, blockTime: opts.at ?? T0, txId });
    return { ...r, txId };
  }

  /** Grants and returns the new consent id; throws if refused. */
  grant(grant: ConsentGrant, opts: { signer?: string; at?: string } = {}): string {
    const r = this.run('grant', grant, opts);
    if (r.refusal) throw new Error(`grant refused: ${r.refusal.code} ${r.refusal.detail ?? ''}`);
    return consentIdForTx(r.txId);
  }

  revoke(consentId: string, opts: { signer?: string; at?: string; patient?: string } = {}): RunResult {
    return this.run('revoke', { patient: opts.patient ?? PATIENT, consentId }, opts);
  }

  decide(req: Partial<AccessRequest>, time: string = T0): Decision {
    return decide(this.state, request(req), time, this.book);
  }

  /** The custodian's edge check of a clear grant (sealed unchecked): undefined if accepted, else the error code. */
  check(grant: { patient: string; grantee?: unknown; provision?: unknown; consent?: unknown }, at: string = T0): string | undefined {
    try {
      this.book.checkGrant(this.state, HOSP, seal(grant), at);
      return undefined;
    } catch (e) {
      if (isCareLedgerError(e)) return e.code;
      throw e;
    }
  }
}

export function request(req: Partial<AccessRequest> = {}): AccessRequest {
  return {
    patient: PATIENT,
    requester: { orgId: HOSP, memberId: 'dr-y' },
    action: 'access',
    resourceType: 'Observation',
    securityLabels: [],
    purpose: 'TREAT',
    ...req,
  };
}

export function drY(provision: Provision, patient: string = PATIENT): ConsentGrant {
  return { patient, grantee: { kind: 'practitioner', orgId: HOSP, memberId: 'dr-y' }, provision };
}

export function orgGrant(orgId: string, provision: Provision): ConsentGrant {
  return { patient: PATIENT, grantee: { kind: 'organization', orgId }, provision };
}
