// Renders a stored consent as a FHIR R4 Consent (IHE Privacy Consent on FHIR
// shape) for the API's "a patient's consents" query and for FHIR clients.
// consentFromFhir(consentToFhir(g)) gives g back (tested as a property).
// A revoked grant renders with status 'inactive'. Period ends are written as
// the exclusive instant the ledger stores.
import type { JsonValue } from '../../ledger/contract.js';
import { FHIR_SYSTEMS, PATIENT_CONSENT_LOINC, granteeReference } from './fhir-codes.js';
import { CONFIDENTIALITY_CODES, type ConsentGrant, type Provision } from './schema.js';
import type { ConsentRecord } from './state.js';

type JsonObject = { [key: string]: JsonValue };

const CONFIDENTIALITY: ReadonlySet<string> = new Set(CONFIDENTIALITY_CODES);

const coding = (system: string, code: string): JsonObject => ({ system, code });

function provisionToFhir(p: Provision, actor: JsonObject | undefined): JsonObject {
  const out: JsonObject = { type: p.type };
  if (p.period) {
    const period: JsonObject = {};
    if (p.period.start !== undefined) period['start'] = p.period.start;
    if (p.period.end !== undefined) period['end'] = p.period.end;
    out['period'] = period;
  }
  if (actor) out['actor'] = [actor];
  if (p.actions) out['action'] = p.actions.map((a) => ({ coding: [coding(FHIR_SYSTEMS.consentAction, a)] }));
  if (p.securityLabels) {
    out['securityLabel'] = p.securityLabels.map((l) =>
      coding(CONFIDENTIALITY.has(l) ? FHIR_SYSTEMS.confidentiality : FHIR_SYSTEMS.actCode, l),
    );
  }
  if (p.purposes) out['purpose'] = p.purposes.map((c) => coding(FHIR_SYSTEMS.actReason, c));
  if (p.resourceTypes) out['class'] = p.resourceTypes.map((t) => coding(FHIR_SYSTEMS.resourceTypes, t));
  if (p.provisions) out['provision'] = p.provisions.map((n) => provisionToFhir(n, undefined));
  return out;
}

/** A FHIR R4 Consent for a grant (args) or a stored record (with id, status, dateTime). */
export function consentToFhir(grant: ConsentGrant | ConsentRecord): JsonObject {
  const record = 'consentId' in grant ? grant : undefined;
  const out: JsonObject = { resourceType: 'Consent' };
  if (record) out['id'] = record.consentId;
  out['status'] = record?.status === 'revoked' ? 'inactive' : 'active';
  out['scope'] = { coding: [coding(FHIR_SYSTEMS.consentScope, 'patient-privacy')] };
  out['category'] = [{ coding: [coding(FHIR_SYSTEMS.loinc, PATIENT_CONSENT_LOINC)] }];
  out['patient'] = { reference: `Patient/${grant.patient}` };
  if (record) out['dateTime'] = record.grantedAt;
  const actor: JsonObject = {
    role: { coding: [coding(FHIR_SYSTEMS.participationType, 'IRCP')] },
    reference: { reference: granteeReference(grant.grantee) },
  };
  out['provision'] = provisionToFhir(grant.provision, actor);
  return out;
}
