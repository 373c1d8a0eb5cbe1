// Patient rights as HTTP-free use cases (the doors in api/patient-routes.ts
// parse and authenticate, then call these): the patient's consents, a consent
// grant checked before it is ordered, the HIPAA 164.528 accounting of
// disclosures (JSON rows with the access chain and the head anchored on the
// ledger, or a Bundle of BALP-shaped AuditEvents), GDPR erasure (submit, then
// crypto-shred once committed) and the privacy officer's break-glass queue
// with the node's review attestation. Access events come from this
// custodian's own access log, never from the ledger (docs/privacy.md).
import {
  REVIEW_ATTESTATION_DOMAIN,
  anchoredHead,
  getBreakGlass,
  reviewAttestationPayload,
  type Attestation,
} from '../../contracts/access/index.js';
import { CONSENT_CONTRACT, consentIdForTx, consentsOfPatient, type ConsentBook } from '../../contracts/consent/index.js';
import { IDENTITY_CONTRACT, appointmentsOfOrg, delegationsOfPatient } from '../../contracts/identity/index.js';
import { signCanonical, toBase64Url } from '../../crypto/index.js';
import { CareLedgerError } from '../../errors/index.js';
import type { LedgerPort, ParsedEnvelope, SubmitResult } from '../../ledger/index.js';
import { auditEventOf, disclosureRow } from '../audit-event.js';
import type { Actor } from '../types.js';
import type { AccessLogStore, StoredAccessEvent } from './access-log.js';

/** Most rows one patient report (consents, disclosures) returns. */
export const MAX_PATIENT_ROWS = 5000;

/** What the patient use cases need: the ledger port and this custodian's own stores. */
export interface PatientRightsDeps {
  ledger: Pick<LedgerPort, 'state' | 'scan' | 'submit' | 'networkId' | 'nodeKey'>;
  /** This custodian's access log (off the ledger). */
  accessLog: AccessLogStore;
  /** Opens this custodian's patients' sealed consents. */
  consents: ConsentBook;
  /** Crypto-shreds the patient's vault data after the erasure transaction committed. */
  erasePatient: (pseudonym: string) => Promise<{ records: number }>;
}

/** The patient's consents, opened by this custodian's ConsentBook. */
export function patientConsents(deps: PatientRightsDeps, pseudonym: string) {
  return { consents: deps.consents.view(consentsOfPatient(deps.ledger.scan, pseudonym, MAX_PATIENT_ROWS)) };
}

/** The one committed result of a single submitted envelope, or the error its code names. */
async function submitOne(ledger: PatientRightsDeps['ledger'], parsed: ParsedEnvelope, what: string): Promise<SubmitResult> {
  const [result] = await ledger.submit([parsed]);
  if (!result || result.code !== 'OK') {
    throw new CareLedgerError(result?.code ?? 'INTERNAL', `${what} not committed: ${result?.code ?? 'no result'}`);
  }
  return result;
}

/**
 * A consent grant for a patient in this custodian's care, checked before it
 * is ordered: the body opens with this node's key, matches its commitment
 * and validates, the grantee is active, the period has not ended. A refused
 * grant is never stored. The signer's authority is the contract's.
 */
export async function grantConsent(deps: PatientRightsDeps, pseudonym: string, parsed: ParsedEnvelope, nowIso: string) {
  const { tx } = parsed.envelope;
  if (tx.contract !== CONSENT_CONTRACT || tx.action !== 'grant' || tx.args['patient'] !== pseudonym) {
    throw new CareLedgerError('MALFORMED', 'body must be a signed consent/grant transaction for this patient', { field: 'tx' });
  }
  deps.consents.checkGrant(deps.ledger.state, deps.accessLog.custodian, tx.args, nowIso);
  const result = await submitOne(deps.ledger, parsed, 'consent');
  return { txId: result.txId, height: result.height, consentId: consentIdForTx(result.txId) };
}

/** GDPR erasure: the signed identity/erase-patient transaction, then the crypto-shredding of the vault once it committed. */
export async function erasePatient(deps: PatientRightsDeps, pseudonym: string, parsed: ParsedEnvelope) {
  const { tx } = parsed.envelope;
  if (tx.contract !== IDENTITY_CONTRACT || tx.action !== 'erase-patient' || tx.args['pseudonym'] !== pseudonym) {
    throw new CareLedgerError('MALFORMED', 'body must be a signed identity/erase-patient transaction for this patient', { field: 'tx' });
  }
  const result = await submitOne(deps.ledger, parsed, 'erasure');
  const shredded = await deps.erasePatient(pseudonym);
  return { txId: result.txId, height: result.height, erased: true, recordsShredded: shredded.records };
}

/** The patient's report: events of the period, every chain link, and the head anchored on the ledger. */
export function disclosureReport(ledger: Pick<LedgerPort, 'state'>, log: AccessLogStore, pseudonym: string, from?: string, to?: string) {
  const all = log.events(pseudonym);
  const events = all.filter((e) => (from === undefined || e.at >= from) && (to === undefined || e.at <= to)).sort((a, b) => (a.at === b.at ? a.seq - b.seq : a.at < b.at ? -1 : 1));
  if (events.length > MAX_PATIENT_ROWS) throw new CareLedgerError('TOO_LARGE', `more than ${MAX_PATIENT_ROWS} rows: narrow the period`);
  const chain = log.chainIdOf(pseudonym);
  const onLedger = anchoredHead(ledger.state, log.custodian, chain);
  const anchor = onLedger === undefined ? null : { seq: onLedger.seq, head: onLedger.head, txId: onLedger.txId, height: onLedger.height };
  return { events, accessChain: { chain, custodian: log.custodian, events, links: log.links(pseudonym), anchor } };
}

/** The accounting of disclosures as JSON rows, with the access chain and the appointments owed to the patient as a notice. */
export function disclosuresJson(deps: PatientRightsDeps, pseudonym: string, nowIso: string, from?: string, to?: string) {
  const { events, accessChain } = disclosureReport(deps.ledger, deps.accessLog, pseudonym, from, to);
  const anchoredSeq = accessChain.anchor?.seq ?? 0;
  return {
    patient: pseudonym,
    from: from ?? null,
    to: to ?? null,
    disclosures: events.map((e) => ({ ...disclosureRow(e), anchored: e.seq <= anchoredSeq })),
    accessChain,
    // Delegates an organisation appointed for the patient (two signatures, a legal basis): the notice owed to the patient.
    appointments: delegationsOfPatient(deps.ledger.state, deps.ledger.scan, pseudonym, nowIso).filter((d) => d.appointedBy === 'org'),
  };
}

/** The accounting of disclosures as a FHIR searchset Bundle of AuditEvents. */
export function disclosuresBundle(deps: PatientRightsDeps, pseudonym: string, from?: string, to?: string) {
  const { events } = disclosureReport(deps.ledger, deps.accessLog, pseudonym, from, to);
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: events.length,
    entry: events.map((e) => ({ resource: auditEventOf(e), search: { mode: 'match' } })),
  };
}

/** This node's attestation that `reviewer` may review break-glass access `ref` of `org`. */
function attestationFor(ledger: PatientRightsDeps['ledger'], org: string, ref: string, reviewer: string): Attestation {
  const sig = signCanonical(ledger.nodeKey, REVIEW_ATTESTATION_DOMAIN, reviewAttestationPayload(ledger.networkId, org, ref, reviewer));
  return { keyId: ledger.nodeKey.keyId, sig: toBase64Url(sig) };
}

/** One item of the privacy officer's queue: the event from the local log, the review state from the ledger. */
function queueItem(deps: PatientRightsDeps, org: string, actor: Actor & { kind: 'member' }, ref: string, e: StoredAccessEvent) {
  const mark = getBreakGlass(deps.ledger.state, org, ref);
  const self = e.accessor.kind === 'member' && e.accessor.orgId === actor.orgId && e.accessor.memberId === actor.memberId;
  const status = mark?.status ?? 'pending';
  const mayReview = status === 'pending' && mark !== undefined && !self && actor.roles.includes('privacy-officer');
  return {
    eventId: e.eventId,
    ref,
    patient: e.patient,
    accessor: e.accessor,
    reason: e.breakGlass?.reason ?? '',
    purpose: e.purpose,
    at: e.at,
    status,
    anchored: mark !== undefined,
    ...(mark?.outcome === undefined ? {} : { outcome: mark.outcome }),
    ...(mark?.reviewedBy === undefined ? {} : { reviewedBy: mark.reviewedBy }),
    ...(mark?.reviewedAt === undefined ? {} : { reviewedAt: mark.reviewedAt }),
    ...(self ? { selfAccess: true } : {}),
    ...(mayReview ? { attestation: attestationFor(deps.ledger, org, ref, actor.memberId) } : {}),
  };
}

export type QueueStatus = 'pending' | 'reviewed' | 'all';

/** The break-glass review queue of `orgId` for an overseer of it, and the delegations the organisation appointed. */
export function breakGlassReview(deps: PatientRightsDeps, actor: Actor & { kind: 'member' }, orgId: string, status: QueueStatus, nowIso: string) {
  // The queue lives in this custodian's access log: another organisation's is on its own node.
  const held = orgId === deps.accessLog.custodian ? deps.accessLog.breakGlassEvents() : [];
  const items = held
    .map(({ ref, event }) => queueItem(deps, orgId, actor, ref, event))
    .filter((e) => status === 'all' || e.status === status)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  // Delegations this organisation appointed (or has pending): the privacy officer's notice of them.
  const appointments = appointmentsOfOrg(deps.ledger.state, deps.ledger.scan, orgId, nowIso).filter((d) => status === 'all' || (status === 'pending') === (d.status === 'pending'));
  return { orgId, status, items, appointments };
}
