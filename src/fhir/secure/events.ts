// Access events of reads, after IHE BALP: one event per patient per request,
// naming the record versions returned, the consents relied on and, for a
// break-glass access, the reason. Shaped to the access contract's schema
// (request ids sanitised, at most 1000 records per event).
import type { Actor, RequestContext } from '../types.js';
import type { AccessEvent } from './outbox.js';

export interface Hit {
  patient: string;
  recordId: string;
  version: number;
  resourceType: string;
  consentIds: readonly string[];
}

const MAX_RECORDS_PER_EVENT = 1000;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function accessorOf(actor: Actor): AccessEvent['accessor'] {
  switch (actor.kind) {
    case 'member':
      return { kind: 'member', orgId: actor.orgId, memberId: actor.memberId };
    case 'patient':
      return { kind: 'patient', id: actor.pseudonym };
    case 'delegate':
      return { kind: 'delegate', id: actor.delegateId };
  }
}

/** The request id as the access contract accepts it ([A-Za-z0-9._-]{1,64}). */
export function auditRequestId(requestId: string): string {
  if (REQUEST_ID.test(requestId)) return requestId;
  const cleaned = requestId.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  return cleaned === '' ? 'unknown' : cleaned;
}

function sortedUnique(values: readonly string[]): string[] {
  return values.length < 2 ? [...values] : [...new Set(values)].sort();
}

/** Builds the events of a read request from the records it returned. */
export function readEvents(
  ctx: RequestContext,
  interaction: AccessEvent['interaction'],
  hits: readonly Hit[],
  breakGlass: { reason: string } | undefined,
  at: string,
): AccessEvent[] {
  const byPatient = new Map<string, Hit[]>();
  for (const h of hits) {
    const list = byPatient.get(h.patient);
    if (list === undefined) byPatient.set(h.patient, [h]);
    else list.push(h);
  }
  const accessor = accessorOf(ctx.actor);
  const requestId = auditRequestId(ctx.requestId);
  const out: AccessEvent[] = [];
  for (const [patient, list] of byPatient) {
    for (let i = 0; i < list.length; i += MAX_RECORDS_PER_EVENT) {
      const chunk = list.slice(i, i + MAX_RECORDS_PER_EVENT);
      const event: AccessEvent = {
        patient,
        accessor,
        interaction,
        records: chunk.map((h) => ({ recordId: h.recordId, version: h.version })),
        resourceTypes: sortedUnique(chunk.map((h) => h.resourceType)),
        purpose: ctx.purpose,
        consentIds: sortedUnique(chunk.flatMap((h) => h.consentIds)).slice(0, 128),
        requestId,
        at,
      };
      if (breakGlass !== undefined) event.breakGlass = breakGlass;
      out.push(event);
    }
  }
  return out;
}
