// Bundles the router returns: searchset (with total and self/next/previous
// links carrying `_offset`), history, and the entry helpers shared by
// transaction-response and batch-response.
import { statusLine } from './outcome.js';
import type { FhirResource, HistoryEntry } from '../types.js';

export interface BundleLink {
  relation: string;
  url: string;
}

export interface PageInfo {
  /** URL without query, e.g. https://host/fhir/R4/Observation. */
  url: string;
  /** Canonical parameters except paging. */
  params: Array<[string, string]>;
  count: number;
  offset: number;
  total: number;
}

/** self, next (only when more matches remain) and previous links. */
export function pageLinks(page: PageInfo): BundleLink[] {
  const link = (offset: number): string => {
    const qs = new URLSearchParams([...page.params.filter(([k]) => k !== '_count' && k !== '_offset'), ['_count', String(page.count)]]);
    if (offset > 0) qs.set('_offset', String(offset));
    return `${page.url}?${qs.toString()}`;
  };
  const links: BundleLink[] = [{ relation: 'self', url: link(page.offset) }];
  if (page.count > 0 && page.offset + page.count < page.total) links.push({ relation: 'next', url: link(page.offset + page.count) });
  if (page.offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, page.offset - Math.max(page.count, 1))) });
  return links;
}

export function searchsetBundle(base: string, resources: FhirResource[], page: PageInfo): FhirResource {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total,
    link: pageLinks(page),
    entry: resources.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

const HISTORY_STATUS = { POST: 201, PUT: 200, DELETE: 204 } as const;

/** Instance history, newest version first (http.html#history). */
export function historyBundle(base: string, resourceType: string, id: string, entries: HistoryEntry[], page: Omit<PageInfo, 'total'>): FhirResource {
  const sorted = [...entries].sort((a, b) => compareVersions(b, a));
  const slice = page.count === 0 ? [] : sorted.slice(page.offset, page.offset + page.count);
  return {
    resourceType: 'Bundle',
    type: 'history',
    total: sorted.length,
    link: pageLinks({ ...page, total: sorted.length }),
    entry: slice.map((e) => {
      const entry: Record<string, unknown> = { fullUrl: `${base}/${resourceType}/${id}` };
      if (e.resource !== undefined) entry['resource'] = e.resource;
      entry['request'] = { method: e.method, url: e.method === 'POST' ? resourceType : `${resourceType}/${id}` };
      entry['response'] = {
        status: statusLine(HISTORY_STATUS[e.method]),
        etag: `W/"${e.versionId}"`,
        lastModified: e.lastUpdated,
      };
      return entry;
    }),
  };
}

function compareVersions(a: HistoryEntry, b: HistoryEntry): number {
  const na = Number(a.versionId);
  const nb = Number(b.versionId);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a.lastUpdated < b.lastUpdated ? -1 : a.lastUpdated > b.lastUpdated ? 1 : 0;
}

/** entry.response of a write in a transaction/batch response. */
export function writeResponse(status: number, base: string, resource: FhirResource | undefined): Record<string, unknown> {
  const response: Record<string, unknown> = { status: statusLine(status) };
  if (resource?.id !== undefined) {
    const vid = resource.meta?.versionId;
    response['location'] = `${base}/${resource.resourceType}/${resource.id}${vid === undefined ? '' : `/_history/${vid}`}`;
    if (vid !== undefined) response['etag'] = `W/"${vid}"`;
    if (resource.meta?.lastUpdated !== undefined) response['lastModified'] = resource.meta.lastUpdated;
  }
  return response;
}
