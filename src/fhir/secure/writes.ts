// The write path: every request's versions go to the vault, then ONE
// records.anchor transaction (signed by the node key) for all of them, which
// is submitted and waited for before the answer (docs/records.md).
// Consistency of vault and ledger: versions are staged first (vault row +
// fhir_versions 'pending' + the signed envelope in fhir_pending, one SQLite
// transaction) and are invisible to reads. Committed OK -> the versions are
// finalised (head, tokens). Refused -> the staged rows are retracted. TIMEOUT
// or UNAVAILABLE -> left pending; `reconcile` (at start) asks the ledger for
// the tx result, resubmits the same envelope if unknown, and finalises or
// retracts accordingly.
import { randomBytes, randomUUID } from 'node:crypto';
import { canonicalJson, utf8 } from '../../crypto/index.js';
import { parseEnvelope, signTx, type ParsedEnvelope } from '../../ledger/index.js';
import { CareLedgerError, isCareLedgerError, type ResultCode } from '../../errors/index.js';
import { COMMITMENT_SALT_BYTES, commitmentOf } from '../../vault/index.js';
import { PSEUDONYM_PATTERN } from '../../contracts/identity/index.js';
import { RECORDS_CONTRACT } from '../../contracts/records/index.js';
import { REGISTRATION_EXTENSION, type FhirResource, type RequestContext } from '../types.js';
import { clinicalRange, dayOf, indexTokenParts, ownerOf, securityLabelsOf, tokenValuesOf } from './compartment.js';
import type { AccessEvent } from './outbox.js';
import { readEvents } from './events.js';
import { breakGlassOf, requireCustodialPatient } from './policy.js';
import type { ResourceRow, VersionOp } from './schema.js';
import { authorizeWriter, deleteReasonOf, maySharedWrite, type WriteAction, type WriteGate } from './write-policy.js';
import type { Deps } from './tables.js';

export const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

export type WriteRequest =
  | { kind: 'create'; resource: FhirResource }
  | { kind: 'update'; resource: FhirResource; ifMatch?: string | undefined }
  | { kind: 'delete'; resourceType: string; id: string };

/** One staged version (or a no-op delete of a deleted resource). */
export interface Staged {
  op: VersionOp;
  recordId: string;
  idToken: Buffer;
  isNew: boolean;
  resourceType: string;
  owner: string;
  patient: string | undefined;
  version: number;
  lastUpdated: string;
  /** The stored resource; undefined for a delete. */
  resource: FhirResource | undefined;
  plaintext: Uint8Array;
  salt: Uint8Array;
  commitment: string;
  labels: string[];
  noop: boolean;
  /** The consents the write relied on (none for break-glass, an org admin's delete or the patient's own write). */
  consentIds: string[];
}

const newRecordId = (): string => 'r-' + randomBytes(16).toString('hex');

function ownerFor(deps: Deps, resource: FhirResource): { owner: string; patient: string | undefined } {
  const o = ownerOf(resource);
  if (o.kind === 'invalid') throw new CareLedgerError('UNPROCESSABLE', o.reason, { field: 'subject' });
  if (o.kind === 'none') return { owner: `org.${deps.port.orgId}`, patient: undefined };
  if (!PSEUDONYM_PATTERN.test(o.pseudonym)) {
    throw new CareLedgerError('UNPROCESSABLE', 'patient references must name a ledger pseudonym (Patient/pt-<32 hex>)', { field: 'subject' });
  }
  requireCustodialPatient(deps.port, o.pseudonym);
  return { owner: o.pseudonym, patient: o.pseudonym };
}

function seal(resource: FhirResource | undefined, tombstone: object): { plaintext: Uint8Array; salt: Uint8Array; commitment: string } {
  const plaintext = utf8(resource === undefined ? canonicalJson(tombstone) : JSON.stringify(resource));
  const salt = new Uint8Array(randomBytes(COMMITMENT_SALT_BYTES));
  return { plaintext, salt, commitment: commitmentOf(salt, plaintext) };
}

/** The uniform refusal of an instance the caller may not write: the answer of a missing one. */
function notFound(type: string, id: string): CareLedgerError {
  return new CareLedgerError('NOT_FOUND', `${type}/${id} not found`, { field: 'id' });
}

/** The committed (or, while being created, staged) labels of a resource's head. */
function headLabels(deps: Deps, row: ResourceRow): string[] {
  const version = row.version === 0 ? 1 : row.version;
  const v = deps.tables.version(row.record_id, version);
  return v === undefined ? [] : deps.keys.openLabels(v.labels, row.record_id, version);
}

/**
 * Checks authority and builds the next version of one write (nothing is
 * stored yet). Order matters for the non-oracle rule: what does not depend
 * on the resource first (role, scope, reason), then the consent for the
 * existing resource's patient, and only then what reveals its state
 * (pending writes, If-Match, compartment). A caller refused for an existing
 * resource gets NOT_FOUND `<Type>/<id> not found`, as for a missing one,
 * and so does an If-Match on a missing resource.
 */
export function stageWrite(ctx: RequestContext, deps: Deps, req: WriteRequest, gate: WriteGate): Staged {
  const now = deps.port.now();
  const type = req.kind === 'delete' ? req.resourceType : req.resource.resourceType;
  authorizeWriter(ctx, deps.port, type, req.kind);
  if (req.kind === 'create' && type === 'Patient') {
    throw new CareLedgerError(
      'UNPROCESSABLE',
      `Patient ids are ledger pseudonyms: register the patient (identity/register-patient), then PUT Patient/<pseudonym>, or carry the signed registration in the transaction entry's request extension ${REGISTRATION_EXTENSION}`,
      { field: 'id' },
    );
  }
  // A create keeps an id the router assigned (transaction bundles rewrite
  // urn:uuid references to it); the router strips client ids on plain creates.
  const assigned = req.kind === 'create' && typeof req.resource.id === 'string' && FHIR_ID.test(req.resource.id) ? req.resource.id : undefined;
  const id = req.kind === 'create' ? (assigned ?? randomUUID()) : req.kind === 'delete' ? req.id : req.resource.id;
  if (typeof id !== 'string' || !FHIR_ID.test(id)) {
    if (req.kind === 'delete') throw notFound(type, String(id));
    throw new CareLedgerError('UNPROCESSABLE', 'resource id is missing or invalid', { field: 'id' });
  }
  const idToken = deps.keys.idToken(type, id);
  if (deps.tables.isErased(idToken)) throw new CareLedgerError('GONE', `${type}/${id} was erased`, { field: 'id' });
  if (assigned !== undefined && deps.tables.byToken(idToken) !== undefined) {
    throw new CareLedgerError('CONFLICT', `${type}/${id} already exists`, { field: 'id' });
  }
  const row = req.kind === 'create' ? undefined : deps.tables.byToken(idToken);
  const consentIds = new Set<string>();
  const allow = (pseudonym: string, action: WriteAction, labels: readonly string[]): boolean => {
    const verdict = gate(pseudonym, action, type, labels, req.kind);
    for (const c of verdict.consentIds) consentIds.add(c);
    return verdict.permit;
  };
  let currentLabels: string[] = [];
  if (row !== undefined) {
    currentLabels = headLabels(deps, row);
    if (row.is_patient === 1) {
      if (!allow(row.owner, 'correct', currentLabels)) throw notFound(type, id);
    } else if (!maySharedWrite(ctx)) throw notFound(type, id);
  }
  if (row === undefined && req.kind !== 'create' && (req.kind === 'delete' || req.ifMatch !== undefined)) throw notFound(type, id);
  if (row !== undefined && deps.tables.hasPending(row.record_id)) {
    throw new CareLedgerError('CONFLICT', `${type}/${id} has a write still being committed`, { field: 'id' });
  }
  if (row !== undefined && row.version === 0) throw new CareLedgerError('CONFLICT', `${type}/${id} is being created`, { field: 'id' });

  if (req.kind === 'delete') {
    const existing = row as ResourceRow;
    const patient = existing.is_patient === 1 ? existing.owner : undefined;
    if (patient !== undefined) requireCustodialPatient(deps.port, patient);
    const version = existing.version + 1;
    const reason = deleteReasonOf(ctx);
    const sealed = seal(undefined, { resourceType: type, id, versionId: String(version), deleted: true, reason });
    return {
      op: 'delete', recordId: existing.record_id, idToken, isNew: false, resourceType: type, owner: existing.owner, patient,
      version, lastUpdated: now, resource: undefined, ...sealed, labels: currentLabels, noop: existing.deleted === 1, consentIds: [...consentIds].sort(),
    };
  }

  const { owner, patient } = ownerFor(deps, { ...req.resource, id });
  if (type === 'Patient' && patient !== id) throw new CareLedgerError('UNPROCESSABLE', 'Patient id must be its pseudonym', { field: 'id' });
  if (row !== undefined && row.owner !== owner) {
    throw new CareLedgerError('CONFLICT', `${type}/${id} belongs to another compartment; references to the patient cannot change`, {
      field: 'subject',
    });
  }
  const labels = securityLabelsOf(req.resource);
  if (patient !== undefined && !allow(patient, row === undefined ? 'collect' : 'correct', labels)) {
    if (req.kind === 'create') {
      throw new CareLedgerError('FORBIDDEN', "consent does not permit writing this patient's records", { field: 'consent' });
    }
    throw notFound(type, id);
  }
  if (req.kind === 'update' && req.ifMatch !== undefined && req.ifMatch !== String(row?.version ?? '')) {
    throw new CareLedgerError('PRECONDITION_FAILED', `If-Match ${req.ifMatch} is not the current version`, { field: 'ifMatch' });
  }
  const version = (row?.version ?? 0) + 1;
  const resource: FhirResource = { ...req.resource, id, meta: { ...req.resource.meta, versionId: String(version), lastUpdated: now } };
  return {
    op: version === 1 ? 'create' : 'update', recordId: row?.record_id ?? newRecordId(), idToken, isNew: row === undefined,
    resourceType: type, owner, patient, version, lastUpdated: now, resource, ...seal(resource, {}),
    labels: securityLabelsOf(resource), noop: false, consentIds: [...consentIds].sort(),
  };
}

/** Anchors per transaction tried first; halved while an envelope is over the 64 KiB limit. */
const ANCHORS_PER_TX = 200;

/**
 * The records.anchor envelopes of a request's versions: as many as needed,
 * each under the envelope limit. A request's versions of one patient may
 * land in several transactions; the request stays atomic because nothing is
 * visible before every one of them committed (commitWrites).
 */
function anchorEnvelopes(deps: Deps, staged: readonly Staged[]): Array<{ envelope: ParsedEnvelope; recordIds: string[] }> {
  const anchors = staged
    .filter((s) => s.patient !== undefined)
    .map((s) => ({ recordId: s.recordId, patient: s.patient, resourceType: s.resourceType, version: s.version, commitment: s.commitment, op: s.op }));
  const out: Array<{ envelope: ParsedEnvelope; recordIds: string[] }> = [];
  const sign = (chunk: typeof anchors): void => {
    const draft = { network: deps.port.networkId, contract: RECORDS_CONTRACT, action: 'anchor', args: { anchors: chunk }, time: deps.port.now() };
    try {
      out.push({ envelope: parseEnvelope(signTx(draft, deps.port.nodeKey)), recordIds: chunk.map((c) => c.recordId) });
    } catch (e) {
      if (!isCareLedgerError(e) || e.code !== 'TOO_LARGE' || chunk.length === 1) throw e;
      const half = Math.ceil(chunk.length / 2);
      sign(chunk.slice(0, half));
      sign(chunk.slice(half));
    }
  };
  for (let i = 0; i < anchors.length; i += ANCHORS_PER_TX) sign(anchors.slice(i, i + ANCHORS_PER_TX));
  return out;
}

/**
 * Stores, anchors and finalises the staged versions; all or nothing. With
 * several anchor transactions, a refusal of any of them retracts every
 * staged version (an anchor that did commit then names a version nobody can
 * read, the trace of a refused request); an unconfirmed one leaves all pending
 * for reconcilePending.
 */
export async function commitWrites(deps: Deps, staged: readonly Staged[]): Promise<void> {
  const live = staged.filter((s) => !s.noop);
  if (new Set(live.map((s) => s.recordId)).size !== live.length) {
    throw new CareLedgerError('UNPROCESSABLE', 'a resource is written twice in one transaction', { field: 'entry' });
  }
  if (live.length === 0) return;
  const envelopes = anchorEnvelopes(deps, live);
  const txOf = new Map<string, string>();
  for (const { envelope, recordIds } of envelopes) for (const r of recordIds) txOf.set(r, envelope.txId);
  try {
    deps.tables.atomically(() => {
      for (const { envelope } of envelopes) deps.tables.insertPending(envelope.txId, canonicalJson(envelope.envelope));
      for (const s of live) {
        if (s.isNew) deps.tables.insertResource(s.recordId, s.idToken, s.resourceType, s.owner, s.patient !== undefined, s.lastUpdated);
        deps.tables.insertVersion(s.recordId, s.version, s.op, s.lastUpdated, deps.keys.sealLabels(s.labels, s.recordId, s.version), txOf.get(s.recordId) ?? null);
        deps.vault.put({
          pseudonym: s.owner, resourceType: s.resourceType, recordId: s.recordId, version: s.version,
          plaintext: s.plaintext, lastUpdated: s.lastUpdated, salt: s.salt,
        });
      }
    });
  } catch (e) {
    if (isCareLedgerError(e) && e.code !== 'ALREADY_EXISTS') throw e;
    throw new CareLedgerError('CONFLICT', 'a concurrent write touched the same resource', { cause: e });
  }
  if (envelopes.length === 0) {
    finalize(deps, live.map((s) => ({ ...s, txId: null })));
    return;
  }
  let codes: ResultCode[];
  try {
    const results = await deps.port.submit(envelopes.map((e) => e.envelope));
    codes = envelopes.map((_, i) => results[i]?.code ?? 'UNAVAILABLE');
  } catch {
    codes = envelopes.map(() => 'UNAVAILABLE');
  }
  if (codes.every((c) => c === 'OK')) {
    finalize(deps, live.map((s) => ({ ...s, txId: txOf.get(s.recordId) ?? null })));
    return;
  }
  const refused = codes.find((c) => c !== 'OK' && c !== 'TIMEOUT' && c !== 'UNAVAILABLE');
  if (refused === undefined) {
    const code = codes.find((c) => c !== 'OK') as ResultCode;
    throw new CareLedgerError(code, 'the anchor transaction was not confirmed; the write will be reconciled', { field: 'anchor' });
  }
  for (const { envelope } of envelopes) retract(deps, envelope.txId);
  throw new CareLedgerError(ANCHOR_REFUSALS[refused] ?? 'INTERNAL', `the ledger refused the anchor: ${refused}`, { field: 'anchor' });
}

const ANCHOR_REFUSALS: Partial<Record<ResultCode, ResultCode>> = {
  ALREADY_EXISTS: 'CONFLICT',
  CONFLICT: 'CONFLICT',
  GONE: 'GONE',
  NOT_FOUND: 'UNPROCESSABLE',
  UNAUTHORIZED: 'FORBIDDEN',
  UNKNOWN_SIGNER: 'FORBIDDEN',
  REVOKED_SIGNER: 'FORBIDDEN',
};

export interface Finalizable {
  recordId: string;
  version: number;
  op: VersionOp;
  lastUpdated: string;
  resource: FhirResource | undefined;
  txId: string | null;
}

/** Marks versions committed and moves each resource's head, search tokens and date bounds to them. */
export function finalize(deps: Deps, versions: readonly Finalizable[]): void {
  deps.tables.atomically(() => {
    for (const v of versions) {
      deps.tables.commitVersion(v.recordId, v.version);
      const range = v.resource === undefined ? undefined : clinicalRange(v.resource);
      deps.tables.updateHead({
        recordId: v.recordId, version: v.version, deleted: v.op === 'delete', lastUpdated: v.lastUpdated,
        dateLo: range === undefined ? null : dayOf(range[0]), dateHi: range === undefined ? null : dayOf(range[1]),
      });
      const tokens = v.resource === undefined ? [] : tokenValuesOf(v.resource).flatMap(([param, system, code]) =>
        indexTokenParts(param, system, code).map((parts) => deps.keys.token('search', ...parts)));
      deps.tables.replaceTokens(v.recordId, tokens);
    }
    for (const txId of new Set(versions.map((v) => v.txId))) if (txId !== null) deps.tables.deletePending(txId);
  });
}

/** Retracts every version staged under an anchor that will never commit. */
export function retract(deps: Deps, txId: string): void {
  deps.tables.atomically(() => {
    for (const v of deps.tables.versionsOfTx(txId)) if (v.status === 'pending') deps.tables.retractVersion(v.record_id, v.version);
    deps.tables.deletePending(txId);
  });
}

/** Access events of a write request: one per patient and interaction. */
export function writeEvents(ctx: RequestContext, deps: Deps, staged: readonly Staged[]): AccessEvent[] {
  if (ctx.actor.kind !== 'member') return [];
  const groups = new Map<string, Staged[]>();
  for (const s of staged) {
    if (s.patient === undefined || s.noop) continue;
    const key = `${s.patient}\n${s.op}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const at = deps.port.now();
  const breakGlass = breakGlassOf(ctx);
  return [...groups.values()].flatMap((list) => {
    const first = list[0] as Staged;
    const hits = list.map((s) => ({ patient: s.owner, recordId: s.recordId, version: s.version, resourceType: s.resourceType, consentIds: s.consentIds }));
    return readEvents(ctx, first.op, hits, breakGlass, at);
  });
}
