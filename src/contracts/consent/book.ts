// The ConsentBook: the custodian's view of its patients' consents. The
// ledger holds each grant's grantee and provision sealed to the patient's
// custodian (sealed.ts); the book opens them with the node's HPKE private
// key, checks the commitment, validates the body, and keeps what it opened
// by consentId (bounded, oldest dropped first). decide sees grants only
// through it (GrantOpener). A grant that does not open or is invalid is
// reported once, by consentId only, and makes the patient's decisions deny
// (decide's 'consent-unreadable'). It also checks a grant at the edge,
// before it is ordered (checkGrant).
import type { KeyObject } from 'node:crypto';
import { CareLedgerError, isCareLedgerError } from '../../errors/index.js';
import type { StateReader } from '../../ledger/contract.js';
import type { GrantOpener } from './decide.js';
import type { Grantee, Provision } from './schema.js';
import { openSealedGrant, sealedGrantArgsSchema, type SealedGrantArgs } from './sealed.js';
import { isGranteeActive, patientStatus, readSealedGrant, type ConsentRecord, type SealedConsentRecord } from './state.js';

export interface ConsentBookOptions {
  networkId: string;
  /** This node's HPKE private key (X25519), whose public half is the org's registered hpkePublicKey. */
  hpkePrivateKey: KeyObject;
  /** Opened bodies kept (default 100,000). */
  limit?: number;
  /** Told once per unreadable consent: its id and the error code, never content. */
  onUnreadable?: (consentId: string, code: string) => void;
}

type Opened = { grantee: Grantee; provision: Provision } | { unreadable: string };
interface Entry {
  enc: string;
  commitment: string;
  opened: Opened;
}

/** One consent in the patient's view: opened, or marked unreadable (no content). */
export type ConsentView =
  | (ConsentRecord & { readable: true })
  | (Pick<SealedConsentRecord, 'consentId' | 'patient' | 'status' | 'grantedBy' | 'grantedAt' | 'revokedAt' | 'revokedBy'> & { readable: false });

export class ConsentBook implements GrantOpener {
  readonly #options: ConsentBookOptions;
  readonly #limit: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: ConsentBookOptions) {
    this.#options = options;
    this.#limit = options.limit ?? 100_000;
  }

  /** The consent a sealed grant says (with the record's current status), or undefined when it cannot be opened or is invalid. */
  open(record: SealedConsentRecord): ConsentRecord | undefined {
    const opened = this.#opened(record);
    if ('unreadable' in opened) return undefined;
    const out: ConsentRecord = { ...withoutSealed(record), grantee: opened.grantee, provision: opened.provision };
    return out;
  }

  /** The patient's view of a list of grants: each opened, or marked unreadable. */
  view(records: readonly SealedConsentRecord[]): ConsentView[] {
    return records.map((r) => {
      const opened = this.open(r);
      return opened === undefined ? { ...withoutSealed(r), readable: false as const } : { ...opened, readable: true as const };
    });
  }

  /**
   * Checks grant args before they are ordered, at `now`: they parse, the
   * patient is active and in this custodian's care (`orgId`), the body opens,
   * matches its commitment and validates, the grantee is active, and the
   * period has not ended. Throws the CareLedgerError of the first failure.
   */
  checkGrant(state: StateReader, orgId: string, args: unknown, now: string): SealedGrantArgs {
    const parsed = sealedGrantArgsSchema.safeParse(args);
    if (!parsed.success) throw new CareLedgerError('INVALID_ARGS', 'consent/grant args do not match the schema', { field: 'args' });
    const a = parsed.data;
    if (patientStatus(state, a.patient) !== 'active') throw new CareLedgerError('NOT_FOUND', 'unknown patient', { field: 'patient' });
    const custodian = (state.get('identity', `patient/${a.patient}`) as { custodian?: unknown } | undefined)?.custodian;
    if (custodian !== orgId) throw new CareLedgerError('FORBIDDEN', 'this node is not the custodian of the patient', { field: 'patient' });
    const probe: SealedConsentRecord = { consentId: 'cns_check', patient: a.patient, sealed: a.sealed, commitment: a.commitment, status: 'active', grantedBy: '', grantedAt: now };
    const grant = openSealedGrant(this.#options.hpkePrivateKey, this.#options.networkId, probe);
    if (!isGranteeActive(state, grant.grantee)) throw new CareLedgerError('NOT_FOUND', 'grantee is unknown or inactive', { field: 'grantee' });
    const end = grant.provision.period?.end;
    if (end !== undefined && end <= now) throw new CareLedgerError('RULE_VIOLATION', 'consent period has already ended', { field: 'provision.period' });
    return a;
  }

  /** Reads and opens one stored grant (undefined if absent or unreadable). */
  read(state: StateReader, patient: string, consentId: string): ConsentRecord | undefined {
    const rec = readSealedGrant(state, patient, consentId);
    return rec === undefined ? undefined : this.open(rec);
  }

  #opened(record: SealedConsentRecord): Opened {
    const hit = this.#entries.get(record.consentId);
    if (hit !== undefined && hit.enc === record.sealed.enc && hit.commitment === record.commitment) return hit.opened;
    let opened: Opened;
    try {
      const g = openSealedGrant(this.#options.hpkePrivateKey, this.#options.networkId, record);
      opened = { grantee: g.grantee, provision: g.provision };
    } catch (e) {
      if (!isCareLedgerError(e)) throw e;
      opened = { unreadable: e.code };
      this.#options.onUnreadable?.(record.consentId, e.code);
    }
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(record.consentId, { enc: record.sealed.enc, commitment: record.commitment, opened });
    return opened;
  }
}

function withoutSealed(r: SealedConsentRecord): Omit<SealedConsentRecord, 'sealed' | 'commitment'> {
  const out: Omit<SealedConsentRecord, 'sealed' | 'commitment'> = {
    consentId: r.consentId,
    patient: r.patient,
    status: r.status,
    grantedBy: r.grantedBy,
    grantedAt: r.grantedAt,
  };
  if (r.revokedAt !== undefined) out.revokedAt = r.revokedAt;
  if (r.revokedBy !== undefined) out.revokedBy = r.revokedBy;
  return out;
}
