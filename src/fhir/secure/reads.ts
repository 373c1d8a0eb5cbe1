// read, vread and history: resolve the blind id token to the opaque record,
// check the actor against the version's security labels (consent decided
// with the wall clock), decrypt only what is returned, and queue one access
// event per patient in the audit outbox (never waiting for the ledger).
// Refusals are not existence oracles (issue 9, finding 4): a missing
// resource, a missing version and a version the actor may not see all
// answer NOT_FOUND `<Type>/<id> not found` (field 'id').
import { CareLedgerError } from '../../errors/index.js';
import type { FhirResource, HistoryEntry, RequestContext } from '../types.js';
import { readEvents, type Hit } from './events.js';
import { mayReadShared, readAccess, type ReadAccess, type Verdict } from './policy.js';
import { requireScope } from '../../auth/scopes.js';
import { patientStatus } from '../../contracts/identity/index.js';
import type { ResourceRow, VersionRow } from './schema.js';
import type { Deps } from './tables.js';
import { FHIR_ID } from './writes.js';

/** The one answer for "absent or not yours" (same code, text and field for both). */
export function notFound(resourceType: string, id: string): CareLedgerError {
  return new CareLedgerError('NOT_FOUND', `${resourceType}/${id} not found`, { field: 'id' });
}

/** The head row of Type/id: NOT_FOUND if unknown or not yet committed, GONE if erased. */
export function loadHead(deps: Deps, resourceType: string, id: string): ResourceRow {
  return loadHeadAndCurrent(deps, resourceType, id).row;
}

/** loadHead, with the head's current version row read in the same statement. */
function loadHeadAndCurrent(deps: Deps, resourceType: string, id: string): { row: ResourceRow; current: VersionRow | undefined } {
  if (!FHIR_ID.test(id)) throw notFound(resourceType, id);
  const token = deps.keys.idToken(resourceType, id);
  const head = deps.tables.headByToken(token);
  const erased = (p: string): boolean => patientStatus(deps.port.state, p) === 'erased';
  if (head === undefined || head.row.version === 0) {
    if (deps.tables.isErased(token) || (resourceType === 'Patient' && erased(id))) {
      throw new CareLedgerError('GONE', `${resourceType}/${id} was erased`, { field: 'id' });
    }
    throw notFound(resourceType, id);
  }
  if (head.row.is_patient === 1 && erased(head.row.owner)) throw new CareLedgerError('GONE', `${resourceType}/${id} was erased`, { field: 'id' });
  return head;
}

/** The access verdict for one version of a resource. */
export function verdictFor(ctx: RequestContext, deps: Deps, access: ReadAccess, row: ResourceRow, version: VersionRow): Verdict {
  if (row.is_patient === 0) return { permit: mayReadShared(ctx, deps.port), consentIds: [] };
  const labels = deps.keys.openLabels(version.labels, row.record_id, version.version);
  return access.gate(row.owner)(row.resource_type, labels);
}

export function decryptResource(deps: Deps, recordId: string, version: number): FhirResource {
  const rec = deps.vault.get(recordId, version);
  try {
    const p = rec.plaintext;
    return JSON.parse(Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8')) as FhirResource;
  } finally {
    rec.plaintext.fill(0);
  }
}

/** The committed row of a version, undefined if there is none. */
function committed(deps: Deps, row: ResourceRow, version: number, current?: VersionRow): VersionRow | undefined {
  const v = current !== undefined && version === row.version ? current : deps.tables.version(row.record_id, version);
  return v === undefined || v.status !== 'committed' ? undefined : v;
}

function audit(ctx: RequestContext, deps: Deps, interaction: 'read' | 'vread' | 'history', hits: Hit[], access: ReadAccess): void {
  deps.outbox.enqueue(readEvents(ctx, interaction, hits, access.breakGlass, access.at));
}

/** read (versionId undefined) and vread. */
export function readResource(ctx: RequestContext, deps: Deps, resourceType: string, id: string, versionId?: string): FhirResource {
  requireScope(ctx.actor.scopes, resourceType, 'r');
  const { row, current } = loadHeadAndCurrent(deps, resourceType, id);
  let version = row.version;
  if (versionId !== undefined) {
    if (!/^[1-9][0-9]{0,15}$/.test(versionId)) throw notFound(resourceType, id);
    version = Number(versionId);
  }
  const v = committed(deps, row, version, current);
  if (v === undefined) throw notFound(resourceType, id);
  const access = readAccess(ctx, deps.port, deps.consent);
  const verdict = verdictFor(ctx, deps, access, row, v);
  if (!verdict.permit) throw notFound(resourceType, id);
  if (v.op === 'delete') throw new CareLedgerError('GONE', `${resourceType}/${id} is deleted`, { field: 'id' });
  const resource = decryptResource(deps, row.record_id, version);
  if (row.is_patient === 1) {
    const hit = { patient: row.owner, recordId: row.record_id, version, resourceType, consentIds: verdict.consentIds };
    audit(ctx, deps, versionId === undefined ? 'read' : 'vread', [hit], access);
  }
  return resource;
}

const METHODS = { create: 'POST', update: 'PUT', delete: 'DELETE' } as const;

/** Instance history, newest first; versions the actor may not see are left out (FORBIDDEN if none remain). */
export function historyOf(ctx: RequestContext, deps: Deps, resourceType: string, id: string): HistoryEntry[] {
  requireScope(ctx.actor.scopes, resourceType, 'r');
  const row = loadHead(deps, resourceType, id);
  const access = readAccess(ctx, deps.port, deps.consent);
  const entries: HistoryEntry[] = [];
  const hits: Hit[] = [];
  for (const v of deps.tables.versions(row.record_id).reverse()) {
    if (v.status !== 'committed') continue;
    const verdict = verdictFor(ctx, deps, access, row, v);
    if (!verdict.permit) continue;
    const entry: HistoryEntry = { versionId: String(v.version), lastUpdated: v.last_updated, method: METHODS[v.op] };
    if (v.op !== 'delete') {
      entry.resource = decryptResource(deps, row.record_id, v.version);
      hits.push({ patient: row.owner, recordId: row.record_id, version: v.version, resourceType, consentIds: verdict.consentIds });
    }
    entries.push(entry);
  }
  if (entries.length === 0) throw notFound(resourceType, id);
  if (row.is_patient === 1 && hits.length > 0) audit(ctx, deps, 'history', hits, access);
  return entries;
}
