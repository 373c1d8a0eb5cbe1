// The custodian side of an exchange (organisation A answering B): verify the
// signed request against B's registered node keys, the time window and replay,
// and the requesting member's own signed authorisation (member-auth.ts);
// decide consent for B's requester per record (consent.decide, action
// 'access', the serving node's clock); record ONE access event (interaction
// 'disclose', recipientOrg B) in the custodian's access log and wait until its
// chain head is anchored on the ledger (docs/privacy.md); then seal
// the permitted records as ONE HPKE bundle to B's REGISTERED key, bound to
// the request by aad, and sign the response with A's node key.
import { prepareDecision, type DecisionReason, type GrantOpener } from '../contracts/consent/index.js';
import { canonicalBytes, fromBase64Url, toBase64Url } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { sealBundle } from './hpke.js';
import { verifyMemberAuthorization } from './member-auth.js';
import { activeOrg, isActiveNodeKey } from './peers.js';
import type { AccessAudit, DisclosableRecord, DisclosureSource, ExchangeLedger } from './ports.js';
import {
  EXCHANGE_BUNDLE_TYPE,
  EXCHANGE_RESPONSE_TYPE,
  EXCHANGE_WINDOW_MS,
  MAX_RECORDS_PER_EXCHANGE,
  parseWire,
  requestAad,
  signResponse,
  signedRequestSchema,
  verifyRequestSignature,
  type ExchangeBundle,
  type ExchangeRequest,
  type ExchangeResponse,
} from './protocol.js';
import type { ReplayGuard } from './replay.js';

export interface CustodianDeps {
  ledger: ExchangeLedger;
  source: DisclosureSource;
  replay: ReplayGuard;
  /** The custodian's access log: the disclosure is recorded and anchored before anything leaves. */
  audit: AccessAudit;
  /** Opens the patient's sealed consents (the custodian's ConsentBook). */
  consents: GrantOpener;
  /** Accepted clock difference for request times (default 5 min). */
  windowMs?: number;
}

/** Reasons that refuse the whole request whatever the records. */
const REQUEST_LEVEL_DENIALS: ReadonlySet<DecisionReason> = new Set([
  'no-consent',
  'unknown-patient',
  'patient-erased',
  'requester-inactive',
  'consent-unreadable',
]);

const refuse = (code: 'FORBIDDEN' | 'UNKNOWN_SIGNER' | 'BAD_SIGNATURE' | 'STALE_TIME' | 'WRONG_NETWORK', message: string, field: string) =>
  new CareLedgerError(code, message, { field });

/** Checks everything about the request that does not depend on the patient's data. */
export function verifyExchangeRequest(deps: CustodianDeps, input: unknown): ExchangeRequest {
  const signed = parseWire(signedRequestSchema, input, 'request');
  const r = signed.request;
  const { ledger } = deps;
  if (r.network !== ledger.networkId) throw refuse('WRONG_NETWORK', 'request is for another network', 'network');
  if (r.to !== ledger.orgId) throw refuse('FORBIDDEN', 'request is addressed to another organisation', 'to');
  if (r.from === r.to) throw refuse('FORBIDDEN', 'an organisation does not exchange with itself', 'from');
  if (r.requester.orgId !== r.from) throw refuse('FORBIDDEN', 'the requester must be a member of the requesting organisation', 'requester');
  if (!isActiveNodeKey(ledger.state, r.from, signed.keyId)) {
    throw refuse('UNKNOWN_SIGNER', 'the signing key is not an active node key of the requesting organisation', 'keyId');
  }
  if (!verifyRequestSignature(signed)) throw refuse('BAD_SIGNATURE', 'request signature does not verify', 'signature');
  const now = Date.parse(ledger.now());
  const at = Date.parse(r.time);
  const windowMs = deps.windowMs ?? EXCHANGE_WINDOW_MS;
  if (!Number.isFinite(at) || Math.abs(now - at) > windowMs) throw refuse('STALE_TIME', 'request time is outside the accepted window', 'time');
  deps.replay.claim(r.requestId, at + windowMs, now);
  // The node vouches for the request; the member's own signature vouches for the member (finding 11).
  verifyMemberAuthorization(ledger.state, r, { now, windowMs, replay: deps.replay });
  return r;
}

interface Permitted {
  records: DisclosableRecord[];
  consentIds: string[];
}

function permittedRecords(deps: CustodianDeps, r: ExchangeRequest, now: string): Permitted {
  const decider = prepareDecision(
    deps.ledger.state,
    { patient: r.patient, requester: r.requester, action: 'access', purpose: r.purpose },
    now,
    deps.consents,
  );
  const probe = decider({ resourceType: r.resourceTypes?.[0] ?? 'Patient', securityLabels: [] });
  if (probe.decision === 'deny' && REQUEST_LEVEL_DENIALS.has(probe.reason)) {
    throw new CareLedgerError('FORBIDDEN', `consent does not permit this disclosure (${probe.reason})`, { field: 'consent' });
  }
  const all = deps.source.listForDisclosure(r.patient, r.resourceTypes);
  const records: DisclosableRecord[] = [];
  const consentIds = new Set<string>();
  for (const rec of all) {
    const d = decider({ resourceType: rec.resourceType, securityLabels: rec.securityLabels });
    if (d.decision !== 'permit') continue;
    records.push(rec);
    for (const id of d.consentIds) consentIds.add(id);
  }
  if (all.length > 0 && records.length === 0) {
    throw new CareLedgerError('FORBIDDEN', 'consent does not permit disclosing any of the requested records', { field: 'consent' });
  }
  if (records.length > MAX_RECORDS_PER_EXCHANGE) {
    throw new CareLedgerError('TOO_LARGE', `more than ${MAX_RECORDS_PER_EXCHANGE} records: narrow resourceTypes`, { field: 'resourceTypes' });
  }
  return { records, consentIds: [...consentIds].sort().slice(0, 128) };
}

/** Records the one disclosure event and anchors it; returns the anchor's height. Nothing leaves unless it is anchored. */
async function recordDisclosure(deps: CustodianDeps, r: ExchangeRequest, p: Permitted, at: string): Promise<number> {
  const event = {
    patient: r.patient,
    accessor: { kind: 'member', orgId: r.requester.orgId, memberId: r.requester.memberId },
    interaction: 'disclose',
    records: p.records.map((x) => ({ recordId: x.recordId, version: x.version })),
    resourceTypes: [...new Set(p.records.map((x) => x.resourceType))].sort(),
    purpose: r.purpose,
    consentIds: p.consentIds,
    recipientOrg: r.from,
    requestId: r.requestId,
    at,
  };
  try {
    return await deps.audit.recordNow([event]);
  } catch (cause) {
    const code = isTimeout(cause) ? 'TIMEOUT' : 'UNAVAILABLE';
    throw new CareLedgerError(code, 'the disclosure could not be recorded and anchored; nothing was disclosed', { field: 'audit', cause });
  }
}

function isTimeout(e: unknown): boolean {
  return e instanceof CareLedgerError && e.code === 'TIMEOUT';
}

/**
 * Answers POST /exchange/v1/requests (docs/exchange.md). Refusals are
 * CareLedgerErrors: MALFORMED, WRONG_NETWORK, FORBIDDEN (to, from, requester,
 * consent), UNKNOWN_SIGNER, BAD_SIGNATURE, STALE_TIME, DUPLICATE_TX (replay),
 * TOO_LARGE, and UNAVAILABLE/TIMEOUT when the disclosure did not commit.
 */
export async function answerExchangeRequest(deps: CustodianDeps, input: unknown): Promise<ExchangeResponse> {
  const r = verifyExchangeRequest(deps, input);
  const recipient = activeOrg(deps.ledger.state, r.from);
  if (recipient === undefined) throw refuse('FORBIDDEN', 'the requesting organisation is not active', 'from');
  if (fromBase64Url(recipient.hpkePublicKey)?.byteLength !== 32) {
    throw new CareLedgerError('UNPROCESSABLE', 'the requesting organisation has no valid registered HPKE key', { field: 'hpkePublicKey' });
  }
  const now = deps.ledger.now();
  const permitted = permittedRecords(deps, r, now);
  let height = deps.ledger.head().height;
  if (permitted.records.length > 0) height = Math.max(height, await recordDisclosure(deps, r, permitted, now));

  const opened = permitted.records.map((rec) => ({ rec, ...rec.open() }));
  let plaintext: Uint8Array | undefined;
  try {
    const bundle: ExchangeBundle = {
      type: EXCHANGE_BUNDLE_TYPE,
      requestId: r.requestId,
      patient: r.patient,
      records: opened.map(({ rec, plaintext: pt, salt }) => ({
        recordId: rec.recordId,
        version: rec.version,
        resourceType: rec.resourceType,
        plaintext: toBase64Url(pt),
        salt: toBase64Url(salt),
      })),
    };
    plaintext = canonicalBytes(bundle);
    const sealed = await sealBundle(recipient.hpkePublicKey, plaintext, requestAad(r));
    return signResponse(
      { type: EXCHANGE_RESPONSE_TYPE, requestId: r.requestId, custodian: deps.ledger.orgId, recipient: r.from, height, ...sealed },
      deps.ledger.nodeKey,
    );
  } finally {
    plaintext?.fill(0);
    for (const o of opened) o.plaintext.fill(0);
  }
}
