// Access events from the custodian's access log as FHIR R4 AuditEvents shaped after IHE Basic
// Audit Log Patterns (BALP): type rest, subtype the interaction, action
// R/E/C/U/D, agents (client user, custodian server), entities (the patient,
// type 1 role 1; the data, role 4), purposeOfEvent. Also the HIPAA 164.528
// accounting-of-disclosures row.
import type { StoredAccessEvent } from './secure/access-log.js';

export type { StoredAccessEvent };

/** One row of the HIPAA 164.528 accounting: date, recipient, what, purpose. */
export interface DisclosureRow {
  date: string;
  recipient: string;
  recipientOrg: string | null;
  description: string;
  purpose: string;
  interaction: string;
  breakGlass: string | null;
  custodian: string;
  eventId: string;
  /** Position in the patient's access chain at this custodian (docs/privacy.md). */
  seq: number;
}

const ACTION_OF: Record<string, 'C' | 'R' | 'U' | 'D' | 'E'> = {
  create: 'C',
  read: 'R',
  vread: 'R',
  history: 'R',
  disclose: 'R',
  update: 'U',
  delete: 'D',
  search: 'E',
  everything: 'E',
};

function recipientOf(e: StoredAccessEvent): string {
  return e.accessor.kind === 'member' ? `${e.accessor.orgId}/${e.accessor.memberId}` : `${e.accessor.kind}/${e.accessor.id}`;
}

export function disclosureRow(e: StoredAccessEvent): DisclosureRow {
  const types = [...new Set(e.resourceTypes)].sort();
  const count = e.records.length;
  return {
    date: e.at,
    recipient: recipientOf(e),
    recipientOrg: e.recipientOrg ?? (e.accessor.kind === 'member' ? e.accessor.orgId : null),
    description: `${e.interaction} of ${count} record version${count === 1 ? '' : 's'}${types.length ? ` (${types.join(', ')})` : ''}`,
    purpose: e.purpose,
    interaction: e.interaction,
    breakGlass: e.breakGlass?.reason ?? null,
    custodian: e.custodian,
    eventId: e.eventId,
    seq: e.seq,
  };
}

export function auditEventOf(e: StoredAccessEvent): Record<string, unknown> {
  const user =
    e.accessor.kind === 'member'
      ? { identifier: { system: `urn:careledger:org:${e.accessor.orgId}:member`, value: e.accessor.memberId } }
      : { reference: e.accessor.kind === 'patient' ? `Patient/${e.accessor.id}` : `RelatedPerson/${e.accessor.id}` };
  return {
    resourceType: 'AuditEvent',
    id: e.eventId,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: e.interaction === 'everything' ? 'search-type' : e.interaction }],
    action: ACTION_OF[e.interaction] ?? 'R',
    recorded: e.at,
    outcome: '0',
    purposeOfEvent: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: e.purpose }] },
      ...(e.breakGlass ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG' }], text: e.breakGlass.reason }] : []),
    ],
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'humanuser' }] },
        who: user,
        requestor: true,
        ...(e.recipientOrg ? { location: { display: e.recipientOrg } } : {}),
      },
      {
        type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' }] },
        who: { identifier: { system: 'urn:careledger:org', value: e.custodian } },
        requestor: false,
      },
    ],
    source: { observer: { identifier: { system: 'urn:careledger:org', value: e.custodian } } },
    entity: [
      {
        what: { reference: `Patient/${e.patient}` },
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' },
      },
      ...e.records.map((r) => ({
        what: { identifier: { system: 'urn:careledger:record', value: `${r.recordId}/${r.version}` } },
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4' },
      })),
      { what: { identifier: { system: 'urn:careledger:request', value: e.requestId } }, detail: [{ type: 'accessChain', valueString: e.chain }, { type: 'accessChainSeq', valueString: String(e.seq) }] },
    ],
  };
}
