// Planning `careledger import`: Synthea output (transaction bundles, or Bulk
// Data NDJSON, one resource per line) as transaction bundles the FHIR
// endpoint loads. A bundle's POST Patient entries get a registration at send
// time (import.ts). NDJSON: resources outside any patient (Organization,
// Location, Practitioner, ...) go first, in bundles of ADMIN_BATCH, keeping
// their ids (PUT); then one bundle per patient: its Patient as a POST with
// fullUrl urn:uuid:<source id> (the node mints the pseudonym), every
// reference to Patient/<source id> pointed at that fullUrl, the rest PUT with
// their source ids. Synthea reuses ids across types, which PUT Type/id keeps apart.
export interface Resource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

export interface BundleEntry {
  fullUrl?: string;
  resource?: Resource;
  request: { method: string; url: string; [key: string]: unknown };
}

/** One transaction to send; `sourcePatients[i]` is the source id of the Patient POSTed at entry i, if any. */
export interface ImportUnit {
  entries: BundleEntry[];
  label: string;
}

export const ADMIN_BATCH = 500;
const PATIENT_REF = /^(?:.*\/)?Patient\/([A-Za-z0-9.-]{1,64})$/;

/** Every Patient id a resource references (its own id for a Patient). */
export function patientsOf(resource: Resource): Set<string> {
  const out = new Set<string>();
  if (resource.resourceType === 'Patient') {
    if (resource.id !== undefined) out.add(resource.id);
    return out;
  }
  const stack: unknown[] = [resource];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...(node as unknown[]));
    else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'reference' && typeof v === 'string') {
          const id = PATIENT_REF.exec(v)?.[1];
          if (id !== undefined) out.add(id);
        } else if (typeof v === 'object' && v !== null) stack.push(v);
      }
    }
  }
  return out;
}

/** Points `Patient/<id>` references at `urn:uuid:<id>` (in place). */
function linkToPlaceholder(node: unknown, id: string): void {
  if (Array.isArray(node)) node.forEach((n) => linkToPlaceholder(n, id));
  else if (typeof node === 'object' && node !== null) {
    const obj = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'reference' && typeof v === 'string' && PATIENT_REF.exec(v)?.[1] === id) obj[k] = `urn:uuid:${id}`;
      else linkToPlaceholder(v, id);
    }
  }
}

const put = (r: Resource): BundleEntry => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id ?? ''}` } });

/** Transaction bundles for loose resources (NDJSON). */
export function planResources(resources: readonly Resource[]): ImportUnit[] {
  const admin: Resource[] = [];
  const byPatient = new Map<string, Resource[]>();
  const orphans: Resource[] = [];
  for (const r of resources) {
    const patients = patientsOf(r);
    if (patients.size === 0) admin.push(r);
    else if (patients.size === 1) {
      const [p] = patients as Set<string> & { size: 1 };
      byPatient.set(p as string, [...(byPatient.get(p as string) ?? []), r]);
    } else orphans.push(r);
  }
  const units: ImportUnit[] = [];
  for (let i = 0; i < admin.length; i += ADMIN_BATCH) {
    units.push({ entries: admin.slice(i, i + ADMIN_BATCH).map(put), label: `shared resources ${i + 1}-${Math.min(i + ADMIN_BATCH, admin.length)}` });
  }
  for (const [source, list] of byPatient) {
    const patient = list.find((r) => r.resourceType === 'Patient');
    const entries: BundleEntry[] = [];
    for (const r of list) {
      const copy = structuredClone(r);
      if (patient !== undefined) linkToPlaceholder(copy, source);
      if (copy === undefined) continue;
      if (copy.resourceType === 'Patient') {
        delete copy.id;
        entries.unshift({ fullUrl: `urn:uuid:${source}`, resource: copy, request: { method: 'POST', url: 'Patient' } });
      } else entries.push(put(copy));
    }
    units.push({ entries, label: `patient ${units.length + 1}` });
  }
  if (orphans.length > 0) units.push({ entries: orphans.map(put), label: 'resources naming several patients' });
  return units;
}

/** A bundle read from a file: transaction bundles go as they are; collections are loose resources. */
export function planBundle(bundle: { type?: unknown; entry?: unknown }): ImportUnit[] {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as BundleEntry[]) : [];
  if (bundle.type === 'transaction') return [{ entries, label: 'bundle' }];
  return planResources(entries.flatMap((e) => (e.resource === undefined ? [] : [e.resource])));
}
