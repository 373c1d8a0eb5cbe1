// FHIR R4 views of trials state: a trial as ResearchStudy, a participant as
// ResearchSubject, and a participant's consent to a protocol version as a
// Consent (category research, policy = the protocol version). Pure mappings
// from ledger records; who may read them is decided by the caller (the
// trials routes: registrations public, participants only at their site).
import type { FhirResource } from '../fhir/types.js';
import type { ParticipantRecord, ProtocolVersion, Registration, TrialConsent } from '../contracts/trials/index.js';

export const TRIAL_SYSTEM = 'urn:careledger:trial';
export const PARTICIPANT_SYSTEM = 'urn:careledger:trial-participant';
export const PROTOCOL_SYSTEM = 'urn:careledger:trial-protocol';

const PHASES: Record<string, string> = {
  'early-phase-1': 'early-phase-1',
  'phase-1': 'phase-1',
  'phase-1-2': 'phase-1-phase-2',
  'phase-2': 'phase-2',
  'phase-2-3': 'phase-2-phase-3',
  'phase-3': 'phase-3',
  'phase-4': 'phase-4',
  'not-applicable': 'n-a',
};

/** ResearchStudy (R4): status active, or closed-to-accrual once locked; protocol version and hashes as identifiers. */
export function researchStudyOf(registration: Pick<Registration, 'trial' | 'sites' | 'investigators'>, protocol: ProtocolVersion): FhirResource {
  const { trial, sites, investigators } = registration;
  const pi = investigators[0];
  return {
    resourceType: 'ResearchStudy',
    id: trial.trialId,
    identifier: [
      { system: TRIAL_SYSTEM, value: trial.trialId },
      { use: 'official', value: trial.registryId },
    ],
    title: trial.title,
    protocol: [{ identifier: { system: PROTOCOL_SYSTEM, value: `${trial.trialId}/v${protocol.version}/sha256:${protocol.protocolHash}` } }],
    status: trial.status === 'locked' ? 'closed-to-accrual' : 'active',
    phase: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/research-study-phase', code: PHASES[trial.phase] ?? 'n-a' }] },
    sponsor: { identifier: { system: 'urn:careledger:org', value: trial.sponsor } },
    principalInvestigator: pi === undefined ? undefined : { identifier: { system: 'urn:careledger:member', value: `${pi.orgId}/${pi.memberId}` } },
    site: sites.map((s) => ({ identifier: { system: 'urn:careledger:org', value: s } })),
    objective: protocol.endpoints.map((e) => ({ name: `${e.type}: ${e.id} ${e.title} (${e.timeFrame})`, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/research-study-objective-type', code: e.type }] } })),
    period: { start: trial.registeredAt, ...(trial.lockedAt === undefined ? {} : { end: trial.lockedAt }) },
  };
}

const SUBJECT_STATUS: Record<ParticipantRecord['status'], string> = { screened: 'candidate', enrolled: 'on-study', withdrawn: 'withdrawn' };

/** ResearchSubject (R4) under the per-trial pseudonym (no link to the patient's Patient resource). */
export function researchSubjectOf(p: ParticipantRecord, consents: readonly TrialConsent[]): FhirResource {
  const last = consents.at(-1);
  return {
    resourceType: 'ResearchSubject',
    id: p.participant,
    identifier: [{ system: PARTICIPANT_SYSTEM, value: p.participant }],
    status: SUBJECT_STATUS[p.status],
    period: { start: p.enrolledAt ?? p.addedAt, ...(p.withdrawnAt === undefined ? {} : { end: p.withdrawnAt }) },
    study: { reference: `ResearchStudy/${p.trialId}` },
    individual: { identifier: { system: PARTICIPANT_SYSTEM, value: p.participant } },
    ...(last === undefined ? {} : { consent: { reference: `Consent/${p.participant}-v${last.version}` } }),
  };
}

/** The trial consent as FHIR R4 Consent: scope research, policy = the protocol version consented to. */
export function trialConsentOf(p: ParticipantRecord, c: TrialConsent): FhirResource {
  return {
    resourceType: 'Consent',
    id: `${p.participant}-v${c.version}`,
    status: p.status === 'withdrawn' ? 'inactive' : 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { identifier: { system: PARTICIPANT_SYSTEM, value: p.participant } },
    dateTime: c.at,
    policy: [{ uri: `${PROTOCOL_SYSTEM}:${p.trialId}/v${c.version}` }],
    verification: [{ verified: true, verifiedWith: { identifier: { system: 'urn:careledger:key', value: c.keyId } }, verificationDate: c.at }],
    provision: { type: 'permit', period: { start: c.at, ...(p.withdrawnAt === undefined ? {} : { end: p.withdrawnAt }) } },
    extension: [{ url: 'urn:careledger:consent-signer', valueCode: c.signedAs }],
  };
}
