// The requesting side of an exchange (organisation B asking custodian A for
// patient P on behalf of its member): build and sign the request with B's
// node key, send it to A's endpoint from governance state, check A's signed
// response, wait until B's ledger has A's disclosure, open the ONE sealed
// bundle with B's HPKE key and check EVERY record against its on-ledger
// anchor (custodian A, patient P, resource type, salted commitment). Any
// mismatch rejects the whole response and records an integrity incident
// (access.report-incident, signed by B's node key).
import { randomBytes } from 'node:crypto';
import { ACCESS_CONTRACT, incidentIdForTx, incidentSubject, type IncidentKind } from '../contracts/access/index.js';
import { getRecord, getVersion } from '../contracts/records/index.js';
import { fromBase64Url, toHex } from '../crypto/index.js';
import { parseEnvelope, signTx, type JsonValue } from '../ledger/index.js';
import { CareLedgerError, issuePath } from '../errors/index.js';
import { verifyCommitment } from '../vault/index.js';
import { openBundle, type HpkeRecipientKey } from './hpke.js';
import { activeOrg, isActiveNodeKey } from './peers.js';
import type { ExchangeLedger, ExchangeTransport } from './ports.js';
import {
  EXCHANGE_REQUEST_TYPE,
  exchangeBundleSchema,
  exchangeResponseSchema,
  requestAad,
  signRequest,
  verifyResponseSignature,
  type ExchangeBundle,
  type ExchangeRequest,
  type ExchangeResponse,
  type SignedMemberAuthorization,
} from './protocol.js';

export interface RequesterDeps {
  ledger: ExchangeLedger;
  /** This node's HPKE key pair (importHpkePrivateKey of the key unsealed from D/keys/keyring.sealed). */
  hpkeKey: HpkeRecipientKey;
  transport: ExchangeTransport;
  /** How long to wait for this node to reach the custodian's disclosure height (default 10 s). */
  catchUpMs?: number;
}

export interface RecordsQuery {
  custodian: string;
  patient: string;
  requester: { orgId: string; memberId: string };
  purpose: ExchangeRequest['purpose'];
  resourceTypes?: string[];
  /** The requester's signed authorisation (authorizeExchange), passed through to the custodian. */
  authorization: SignedMemberAuthorization;
}

/** A record that matched its on-ledger commitment. */
export interface VerifiedRecord {
  custodian: string;
  recordId: string;
  version: number;
  resourceType: string;
  resource: { [k: string]: JsonValue };
}

/** A custodian's response failed verification after it signed it: the whole response is rejected. */
export class ExchangeIntegrityError extends CareLedgerError {
  readonly custodian: string;
  /** The incident recorded on the ledger, undefined if reporting it failed. */
  readonly incidentId: string | undefined;

  constructor(custodian: string, detail: string, incidentId: string | undefined) {
    const note = incidentId === undefined ? 'reporting the incident failed' : `incident ${incidentId} recorded`;
    super('CONFLICT', `integrity check failed for custodian ${custodian}: ${detail}; the response was rejected and ${note}`, { field: 'integrity' });
    this.name = 'ExchangeIntegrityError';
    this.custodian = custodian;
    this.incidentId = incidentId;
  }
}

const badResponse = (message: string) => new CareLedgerError('CONFLICT', `custodian response rejected: ${message}`, { field: 'response' });

/** Builds the request for a query (random request id, this node's clock). */
export function buildRequest(ledger: ExchangeLedger, q: RecordsQuery): ExchangeRequest {
  const request: ExchangeRequest = {
    type: EXCHANGE_REQUEST_TYPE,
    network: ledger.networkId,
    from: ledger.orgId,
    to: q.custodian,
    requester: { orgId: q.requester.orgId, memberId: q.requester.memberId },
    patient: q.patient,
    purpose: q.purpose,
    requestId: 'xr-' + toHex(randomBytes(16)),
    time: ledger.now(),
    authorization: q.authorization,
  };
  if (q.resourceTypes !== undefined && q.resourceTypes.length > 0) request.resourceTypes = [...q.resourceTypes];
  return request;
}

/**
 * Records an incident against a custodian (access.report-incident); returns its
 * id or undefined. The patient is named only through incidentSubject(requestId,
 * patient): the request id is random and known to the two nodes alone.
 */
export async function reportIncident(
  ledger: ExchangeLedger,
  incident: { kind: IncidentKind; custodianOrg: string; requestId: string; patient: string; detail: string },
): Promise<string | undefined> {
  const args: { [k: string]: JsonValue } = {
    kind: incident.kind,
    custodianOrg: incident.custodianOrg,
    subject: incidentSubject(incident.requestId, incident.patient),
    detail: incident.detail,
  };
  const envelope = parseEnvelope(signTx({ network: ledger.networkId, contract: ACCESS_CONTRACT, action: 'report-incident', args, time: ledger.now() }, ledger.nodeKey));
  try {
    const [result] = await ledger.submit([envelope]);
    return result?.code === 'OK' ? incidentIdForTx(envelope.txId) : undefined;
  } catch {
    return undefined;
  }
}

async function waitForHeight(ledger: ExchangeLedger, height: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (ledger.head().height < height) {
    if (Date.now() > deadline) {
      throw new CareLedgerError('UNAVAILABLE', `this node has not reached the custodian's disclosure at height ${height}`, { field: 'height' });
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Mismatch {
  recordId?: string;
  version?: number;
  detail: string;
}

/** Checks every record of an opened bundle against its anchor; the first mismatch, or the verified records. */
function checkBundle(ledger: ExchangeLedger, request: ExchangeRequest, bundle: ExchangeBundle): Mismatch | VerifiedRecord[] {
  if (bundle.requestId !== request.requestId || bundle.patient !== request.patient) return { detail: 'bundle names another request or patient' };
  const seen = new Set<string>();
  const out: VerifiedRecord[] = [];
  for (const rec of bundle.records) {
    const at = { recordId: rec.recordId, version: rec.version };
    const key = `${rec.recordId}/${rec.version}`;
    if (seen.has(key)) return { ...at, detail: 'record listed twice' };
    seen.add(key);
    if (request.resourceTypes !== undefined && !request.resourceTypes.includes(rec.resourceType)) return { ...at, detail: 'resource type not requested' };
    const anchor = getRecord(ledger.state, rec.recordId);
    if (anchor === undefined) return { ...at, detail: 'record has no anchor on the ledger' };
    if (anchor.custodian !== request.to) return { ...at, detail: 'anchor names another custodian' };
    if (anchor.patient !== request.patient) return { ...at, detail: 'anchor names another patient' };
    if (anchor.resourceType !== rec.resourceType) return { ...at, detail: 'anchor names another resource type' };
    const version = getVersion(ledger.state, rec.recordId, rec.version);
    if (version === undefined || version.op === 'delete') return { ...at, detail: 'version is not anchored as content' };
    const plaintext = fromBase64Url(rec.plaintext);
    const salt = fromBase64Url(rec.salt);
    if (plaintext === undefined || salt === undefined || !verifyCommitment(salt, plaintext, version.commitment)) {
      return { ...at, detail: 'record does not match its on-ledger commitment' };
    }
    let resource: unknown;
    try {
      resource = JSON.parse(Buffer.from(plaintext).toString('utf8'));
    } catch {
      return { ...at, detail: 'committed record is not JSON' };
    }
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource) || (resource as { resourceType?: unknown }).resourceType !== rec.resourceType) {
      return { ...at, detail: 'committed record is not a resource of its type' };
    }
    out.push({ custodian: request.to, recordId: rec.recordId, version: rec.version, resourceType: rec.resourceType, resource: resource as { [k: string]: JsonValue } });
  }
  return out;
}

/** Checks the custodian's signed envelope of a response; nothing here is attributable yet. */
function checkResponse(ledger: ExchangeLedger, request: ExchangeRequest, raw: unknown): ExchangeResponse {
  const parsed = exchangeResponseSchema.safeParse(raw);
  if (!parsed.success) throw badResponse(`malformed at ${issuePath(parsed.error)}`);
  const res = parsed.data;
  if (res.requestId !== request.requestId || res.custodian !== request.to || res.recipient !== request.from) {
    throw badResponse('it answers another request');
  }
  if (!isActiveNodeKey(ledger.state, request.to, res.keyId)) throw badResponse("not signed by an active node key of the custodian");
  if (!verifyResponseSignature(res)) throw badResponse('signature does not verify');
  return res;
}

/**
 * Asks one custodian for a patient's records and returns only verified
 * records. Errors: the custodian's refusal code (FORBIDDEN for no consent,
 * ...), UNAVAILABLE when unreachable, CONFLICT field 'response' for an
 * unsigned or foreign response, ExchangeIntegrityError (CONFLICT field
 * 'integrity', incident recorded) for a signed response that fails its checks.
 */
export async function requestRecords(deps: RequesterDeps, q: RecordsQuery): Promise<VerifiedRecord[]> {
  const { ledger } = deps;
  if (q.custodian === ledger.orgId) throw new CareLedgerError('UNPROCESSABLE', 'this organisation is not asked through exchange', { field: 'custodian' });
  const custodian = activeOrg(ledger.state, q.custodian);
  if (custodian === undefined) throw new CareLedgerError('NOT_FOUND', 'no such active organisation', { field: 'custodian' });
  const request = buildRequest(ledger, q);
  const raw = await deps.transport.send(custodian.endpoint, signRequest(request, ledger.nodeKey));
  const res = checkResponse(ledger, request, raw);
  await waitForHeight(ledger, res.height, deps.catchUpMs ?? 10_000);

  const fail = async (m: Mismatch): Promise<never> => {
    const incidentId = await reportIncident(ledger, {
      kind: 'integrity-mismatch',
      custodianOrg: q.custodian,
      requestId: request.requestId,
      patient: q.patient,
      detail: m.detail,
    });
    const where = m.recordId === undefined ? '' : ` (record ${m.recordId} version ${m.version ?? '?'})`;
    throw new ExchangeIntegrityError(q.custodian, `${m.detail}${where}`, incidentId);
  };

  let bytes: Uint8Array | undefined;
  try {
    bytes = await openBundle(deps.hpkeKey, res, requestAad(request));
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined) return fail({ detail: 'signed bundle does not open with this node key and request' });
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    json = undefined;
  } finally {
    bytes.fill(0);
  }
  const parsed = exchangeBundleSchema.safeParse(json);
  if (!parsed.success) return fail({ detail: 'bundle is malformed' });
  const bundle: ExchangeBundle = parsed.data;
  const checked = checkBundle(ledger, request, bundle);
  if (!Array.isArray(checked)) return fail(checked);
  return checked;
}
