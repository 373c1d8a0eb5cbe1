// Patient rights under /ledger/v1/patients/{pseudonym}: the patient's consents
// (opened by this custodian's ConsentBook: the ledger holds them sealed), a
// consent grant checked before it is ordered,
// the HIPAA 164.528 accounting of disclosures (JSON rows with the access chain
// the patient verifies against the head anchored on the ledger, or a Bundle
// of BALP-shaped AuditEvents), GDPR erasure, and the privacy officer's
// break-glass review queue. Access events come from this custodian's own
// access log, never from the ledger (docs/privacy.md). Readable by the
// patient, their delegates (consents: 'read' or 'manage-consent';
// disclosures: 'read'), and the custodian organisation's overseers; anyone
// else gets the 404 of an unknown pseudonym (no existence oracle).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  REVIEW_ATTESTATION_DOMAIN,
  getBreakGlass,
  getChainHead,
  reviewAttestationPayload,
  type Attestation,
} from '../contracts/access/index.js';
import { appointmentsOfOrg, delegateMay, delegationsOfPatient, type DelegatePower } from '../contracts/identity/index.js';
import { consentIdForTx, type ConsentBook, type SealedConsentRecord } from '../contracts/consent/index.js';
import { signCanonical, toBase64Url } from '../crypto/index.js';
import type { Actor } from '../fhir/types.js';
import { auditEventOf, disclosureRow } from '../fhir/audit-event.js';
import type { AccessLogStore, StoredAccessEvent } from '../fhir/secure/index.js';
import { parseEnvelope, RFC3339_MILLIS, type LedgerPort } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { ledgerPortOf, type LedgerNode } from '../node/index.js';
import { parseWith } from './ledger-routes.js';

const PSEUDONYM = /^pt-[0-9a-f]{32}$/;
const ORG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const OVERSIGHT_ROLES = ['privacy-officer', 'auditor', 'org-admin'];
const MAX_ROWS = 5000;

const periodQuery = z.object({
  from: z.string().regex(RFC3339_MILLIS).optional(),
  to: z.string().regex(RFC3339_MILLIS).optional(),
  format: z.enum(['json', 'bundle']).default('json'),
});

export interface PatientRoutesDeps {
  node: LedgerNode;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
  /** Crypto-shreds the patient's vault data after the erasure transaction committed. */
  erasePatient: (pseudonym: string) => Promise<{ records: number }>;
  /** This custodian's access log (off the ledger). */
  accessLog: AccessLogStore;
  /** Opens this custodian's patients' sealed consents. */
  consents: ConsentBook;
}

function stateJson(node: LedgerNode, namespace: string, key: string): Record<string, unknown> | undefined {
  // The node's committed-state reader (cached), not the store.
  const value = node.state.get(namespace, key);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** The patient, a delegate of it holding one of `powers` now, or an overseer of the patient's custodian organisation. */
function mayOversee(node: LedgerNode, actor: Actor, pseudonym: string, powers: readonly DelegatePower[]): boolean {
  if (actor.kind === 'patient') return actor.pseudonym === pseudonym;
  if (actor.kind === 'delegate') {
    const now = new Date().toISOString();
    return actor.pseudonym === pseudonym && powers.some((power) => delegateMay(node.state, pseudonym, actor.delegateId, power, now));
  }
  const patient = stateJson(node, 'identity', `patient/${pseudonym}`);
  return patient?.['custodian'] === actor.orgId && actor.roles.some((r) => OVERSIGHT_ROLES.includes(r));
}

/** Org-appointed delegations of the patient: the notice the patient sees with the disclosures. */
function appointmentNotices(node: LedgerNode, pseudonym: string) {
  return delegationsOfPatient(node.state, pseudonym, new Date().toISOString()).filter((d) => d.appointedBy === 'org');
}

function scanAll(port: Pick<LedgerPort, 'scan'>, namespace: string, prefix: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let cursor = '';
  for (;;) {
    const rows = port.scan(namespace, prefix, 500, cursor);
    for (const r of rows) {
      out.push(r.value as Record<string, unknown>);
      if (out.length >= MAX_ROWS) throw new CareLedgerError('TOO_LARGE', `more than ${MAX_ROWS} rows`);
    }
    if (rows.length < 500) return out;
    cursor = rows.at(-1)!.key;
  }
}

/** The patient's report: events of the period, every chain link, and the head anchored on the ledger. */
export function disclosureReport(node: LedgerNode, log: AccessLogStore, pseudonym: string, from?: string, to?: string) {
  const all = log.events(pseudonym);
  const events = all.filter((e) => (from === undefined || e.at >= from) && (to === undefined || e.at <= to)).sort((a, b) => (a.at === b.at ? a.seq - b.seq : a.at < b.at ? -1 : 1));
  if (events.length > MAX_ROWS) throw new CareLedgerError('TOO_LARGE', `more than ${MAX_ROWS} rows: narrow the period`);
  const chain = log.chainIdOf(pseudonym);
  const onLedger = getChainHead(node.state, log.custodian, chain);
  const anchor = onLedger === undefined ? null : { seq: onLedger.seq, head: onLedger.head, txId: onLedger.txId, height: onLedger.height };
  return { events, accessChain: { chain, custodian: log.custodian, events, links: log.links(pseudonym), anchor } };
}

function attestationFor(node: LedgerNode, org: string, ref: string, reviewer: string): Attestation {
  const sig = signCanonical(node.nodeKey, REVIEW_ATTESTATION_DOMAIN, reviewAttestationPayload(node.networkId, org, ref, reviewer));
  return { keyId: node.nodeKey.keyId, sig: toBase64Url(sig) };
}

/** One item of the privacy officer's queue: the event from the local log, the review state from the ledger. */
function queueItem(node: LedgerNode, org: string, actor: Actor & { kind: 'member' }, ref: string, e: StoredAccessEvent) {
  const mark = getBreakGlass(node.state, org, ref);
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
    ...(mayReview ? { attestation: attestationFor(node, org, ref, actor.memberId) } : {}),
  };
}

export function registerPatientRoutes(app: FastifyInstance, deps: PatientRoutesDeps): void {
  const { node, accessLog } = deps;
  const port = ledgerPortOf(node, node.orgId);
  const patientParam = (params: unknown) =>
    parseWith(z.strictObject({ pseudonym: z.string().regex(PSEUDONYM) }), params, 'params').pseudonym;

  // An unknown pseudonym and one the caller may not see get the same answer.
  const guard = async (authorization: string | undefined, pseudonym: string, powers: readonly DelegatePower[]): Promise<Actor> => {
    const actor = await deps.authenticate(authorization);
    if (stateJson(node, 'identity', `patient/${pseudonym}`) === undefined || !mayOversee(node, actor, pseudonym, powers)) {
      throw new CareLedgerError('NOT_FOUND', 'no such patient');
    }
    return actor;
  };

  app.get('/ledger/v1/patients/:pseudonym/consents', async (request) => {
    const pseudonym = patientParam(request.params);
    await guard(request.headers.authorization, pseudonym, ['read', 'manage-consent']);
    const sealed = scanAll(port, 'consent', `grant/${pseudonym}/`) as unknown as SealedConsentRecord[];
    return { consents: deps.consents.view(sealed) };
  });

  // A consent grant for a patient in this custodian's care, checked before it
  // is ordered: the body opens with this node's key, matches its commitment
  // and validates, the grantee is active, the period has not ended. A refused
  // grant is never stored (4xx). The signer's authority is the contract's.
  app.post('/ledger/v1/patients/:pseudonym/consents', async (request) => {
    const pseudonym = patientParam(request.params);
    const parsed = parseEnvelope(request.body);
    const { tx } = parsed.envelope;
    if (tx.contract !== 'consent' || tx.action !== 'grant' || tx.args['patient'] !== pseudonym) {
      throw new CareLedgerError('MALFORMED', 'body must be a signed consent/grant transaction for this patient', { field: 'tx' });
    }
    deps.consents.checkGrant(node.state, accessLog.custodian, tx.args, new Date().toISOString());
    const [result] = (await node.submit([parsed], { wait: true })) ?? [];
    if (!result || result.code !== 'OK') {
      throw new CareLedgerError(result?.code ?? 'INTERNAL', `consent not committed: ${result?.code ?? 'no result'}`);
    }
    return { txId: result.txId, height: result.height, consentId: consentIdForTx(result.txId) };
  });

  app.get('/ledger/v1/patients/:pseudonym/disclosures', async (request, reply) => {
    const pseudonym = patientParam(request.params);
    await guard(request.headers.authorization, pseudonym, ['read']);
    const { from, to, format } = parseWith(periodQuery, request.query, 'query');
    const { events, accessChain } = disclosureReport(node, accessLog, pseudonym, from, to);
    if (format === 'bundle') {
      return reply.type('application/fhir+json; charset=utf-8').send({
        resourceType: 'Bundle',
        type: 'searchset',
        total: events.length,
        entry: events.map((e) => ({ resource: auditEventOf(e), search: { mode: 'match' } })),
      });
    }
    const anchoredSeq = accessChain.anchor?.seq ?? 0;
    return {
      patient: pseudonym,
      from: from ?? null,
      to: to ?? null,
      disclosures: events.map((e) => ({ ...disclosureRow(e), anchored: e.seq <= anchoredSeq })),
      accessChain,
      // Delegates an organisation appointed for the patient (two signatures, a legal basis): the notice owed to the patient.
      appointments: appointmentNotices(node, pseudonym),
    };
  });

  app.post('/ledger/v1/patients/:pseudonym/erasure', async (request) => {
    const pseudonym = patientParam(request.params);
    const parsed = parseEnvelope(request.body);
    const { tx } = parsed.envelope;
    if (tx.contract !== 'identity' || tx.action !== 'erase-patient' || tx.args['pseudonym'] !== pseudonym) {
      throw new CareLedgerError('MALFORMED', 'body must be a signed identity/erase-patient transaction for this patient', { field: 'tx' });
    }
    const [result] = (await node.submit([parsed], { wait: true })) ?? [];
    if (!result || result.code !== 'OK') {
      throw new CareLedgerError(result?.code ?? 'INTERNAL', `erasure not committed: ${result?.code ?? 'no result'}`);
    }
    const shredded = await deps.erasePatient(pseudonym);
    return { txId: result.txId, height: result.height, erased: true, recordsShredded: shredded.records };
  });

  app.get('/ledger/v1/orgs/:orgId/break-glass', async (request) => {
    const orgId = parseWith(z.strictObject({ orgId: z.string().regex(ORG) }), request.params, 'params').orgId;
    const { status } = parseWith(z.object({ status: z.enum(['pending', 'reviewed', 'all']).default('pending') }), request.query, 'query');
    const actor = await deps.authenticate(request.headers.authorization);
    if (actor.kind !== 'member' || actor.orgId !== orgId || !actor.roles.some((r) => OVERSIGHT_ROLES.includes(r))) {
      throw new CareLedgerError('FORBIDDEN', "only the organisation's privacy officers, auditors and admins");
    }
    // The queue lives in this custodian's access log: another organisation's is on its own node.
    const held = orgId === accessLog.custodian ? accessLog.breakGlassEvents() : [];
    const items = held
      .map(({ ref, event }) => queueItem(node, orgId, actor, ref, event))
      .filter((e) => status === 'all' || e.status === status)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    // Delegations this organisation appointed (or has pending): the privacy officer's notice of them.
    const appointments = appointmentsOfOrg(node.state, orgId, new Date().toISOString()).filter((d) => status === 'all' || (status === 'pending') === (d.status === 'pending'));
    return { orgId, status, items, appointments };
  });
}
