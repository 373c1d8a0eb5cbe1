// An in-memory FhirRepository for tests: versions, deletes (410), history,
// search, Patient/$everything and all-or-nothing transactions. No access control.
import { randomUUID } from 'node:crypto';
import { CareLedgerError } from '../../errors/index.js';
import { clinicalDate, inAnyRange, matchesQuery, patientsOf, sortResources } from './memory-match.js';
import type {
  EverythingOptions, FhirRepository, FhirResource, HistoryEntry, RequestContext, SearchQuery, SearchResult, WriteOp, WriteResult,
} from '../types.js';

interface Version {
  versionId: string;
  lastUpdated: string;
  method: 'POST' | 'PUT' | 'DELETE';
  resource?: FhirResource;
}

export interface MemoryRepositoryOptions {
  /** Injected clock (defaults to the system clock). */
  now?: () => Date;
}

export class MemoryFhirRepository implements FhirRepository {
  private store = new Map<string, Version[]>();
  private readonly now: () => Date;

  constructor(options: MemoryRepositoryOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async create(_ctx: RequestContext, resource: FhirResource): Promise<FhirResource> {
    return this.createSync(resource);
  }

  async read(_ctx: RequestContext, resourceType: string, id: string): Promise<FhirResource> {
    const current = this.current(resourceType, id);
    if (current.resource === undefined) throw new CareLedgerError('GONE', 'resource deleted');
    return structuredClone(current.resource);
  }

  async vread(_ctx: RequestContext, resourceType: string, id: string, versionId: string): Promise<FhirResource> {
    const version = this.versions(resourceType, id).find((v) => v.versionId === versionId);
    if (version === undefined) throw new CareLedgerError('NOT_FOUND', 'no such version');
    if (version.resource === undefined) throw new CareLedgerError('GONE', 'version is a delete');
    return structuredClone(version.resource);
  }

  async update(_ctx: RequestContext, resource: FhirResource, ifMatch?: string): Promise<{ resource: FhirResource; created: boolean }> {
    return this.updateSync(resource, ifMatch);
  }

  async delete(_ctx: RequestContext, resourceType: string, id: string): Promise<void> {
    this.deleteSync(resourceType, id);
  }

  async history(_ctx: RequestContext, resourceType: string, id: string): Promise<HistoryEntry[]> {
    return this.versions(resourceType, id).map((v) => {
      const entry: HistoryEntry = { versionId: v.versionId, lastUpdated: v.lastUpdated, method: v.method };
      if (v.resource !== undefined) entry.resource = structuredClone(v.resource);
      return entry;
    });
  }

  async search(_ctx: RequestContext, query: SearchQuery): Promise<SearchResult> {
    const matches = sortResources(this.live().filter((r) => matchesQuery(r, query)), query.sort);
    return { resources: page(matches, query.count, query.offset), total: matches.length };
  }

  async everything(ctx: RequestContext, patientId: string, options: EverythingOptions): Promise<SearchResult> {
    await this.read(ctx, 'Patient', patientId); // 404 / 410 as for a read
    const matches = this.live().filter((r) => {
      if (!patientsOf(r).includes(patientId)) return false;
      if (options.types !== undefined && !options.types.includes(r.resourceType)) return false;
      if (options.since !== undefined && !inAnyRange(r.meta?.lastUpdated, [{ from: options.since }])) return false;
      const date = r.resourceType === 'Patient' ? undefined : clinicalDate(r);
      if (date === undefined) return true; // undated resources are part of the record
      const range = { ...(options.start === undefined ? {} : { from: options.start }), ...(options.end === undefined ? {} : { to: options.end }) };
      return inAnyRange(date, [range]);
    });
    return { resources: page(matches, options.count, options.offset), total: matches.length };
  }

  async transaction(_ctx: RequestContext, ops: WriteOp[]): Promise<WriteResult[]> {
    const backup = new Map([...this.store].map(([k, v]) => [k, [...v]]));
    try {
      return ops.map((op): WriteResult => {
        switch (op.op) {
          case 'create': {
            const resource = this.createSync(op.resource);
            return { resource, status: 201, versionId: resource.meta?.versionId ?? '1' };
          }
          case 'update': {
            const { resource, created } = this.updateSync(op.resource, op.ifMatch);
            return { resource, status: created ? 201 : 200, versionId: resource.meta?.versionId ?? '' };
          }
          case 'delete':
            this.deleteSync(op.resourceType, op.id);
            return { status: 204 };
        }
      });
    } catch (e) {
      this.store = backup;
      throw e;
    }
  }

  private createSync(resource: FhirResource): FhirResource {
    const id = resource.id ?? randomUUID();
    if (this.store.has(key(resource.resourceType, id))) throw new CareLedgerError('CONFLICT', 'id already in use');
    return this.append(resource.resourceType, id, 'POST', resource);
  }

  private updateSync(resource: FhirResource, ifMatch: string | undefined): { resource: FhirResource; created: boolean } {
    if (resource.id === undefined) throw new CareLedgerError('MALFORMED', 'update needs an id', { field: `${resource.resourceType}.id` });
    const versions = this.store.get(key(resource.resourceType, resource.id));
    const last = versions?.at(-1);
    if (ifMatch !== undefined && (last === undefined || last.versionId !== ifMatch)) {
      throw new CareLedgerError('PRECONDITION_FAILED', 'If-Match does not name the current version');
    }
    const created = last === undefined || last.resource === undefined;
    return { resource: this.append(resource.resourceType, resource.id, last === undefined ? 'POST' : 'PUT', resource), created };
  }

  private deleteSync(resourceType: string, id: string): void {
    const last = this.versions(resourceType, id).at(-1);
    if (last?.resource === undefined) return; // already deleted: idempotent
    this.push(resourceType, id, { versionId: next(last.versionId), lastUpdated: this.now().toISOString(), method: 'DELETE' });
  }

  private append(resourceType: string, id: string, method: 'POST' | 'PUT', resource: FhirResource): FhirResource {
    const last = this.store.get(key(resourceType, id))?.at(-1);
    const versionId = last === undefined ? '1' : next(last.versionId);
    const lastUpdated = this.now().toISOString();
    const stored: FhirResource = { ...structuredClone(resource), id, meta: { ...resource.meta, versionId, lastUpdated } };
    this.push(resourceType, id, { versionId, lastUpdated, method, resource: stored });
    return structuredClone(stored);
  }

  private push(resourceType: string, id: string, version: Version): void {
    const k = key(resourceType, id);
    this.store.set(k, [...(this.store.get(k) ?? []), version]);
  }

  private versions(resourceType: string, id: string): Version[] {
    const versions = this.store.get(key(resourceType, id));
    if (versions === undefined) throw new CareLedgerError('NOT_FOUND', 'no such resource');
    return versions;
  }

  private current(resourceType: string, id: string): Version {
    return this.versions(resourceType, id).at(-1) as Version;
  }

  /** Current versions of live resources, in creation order. */
  private live(): FhirResource[] {
    const out: FhirResource[] = [];
    for (const versions of this.store.values()) {
      const r = versions.at(-1)?.resource;
      if (r !== undefined) out.push(structuredClone(r));
    }
    return out;
  }
}

function key(resourceType: string, id: string): string {
  return `${resourceType}/${id}`;
}

function next(versionId: string): string {
  return String(Number(versionId) + 1);
}

function page<T>(items: T[], count: number, offset: number): T[] {
  return items.slice(offset, offset + count);
}
