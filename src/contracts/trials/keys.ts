// The state vocabulary of the trials contract, the one module other layers
// import to read it (namespace 'trials'):
//   'trial/<trialId>'                                        -> TrialRecord
//   'site/<trialId>/<orgId>'                                 -> TrialSite (one entry per site)
//   'pi/<trialId>/<orgId>/<memberId>'                        -> MemberRef (one entry per principal investigator)
//   'protocol/<trialId>/<version:010>'                       -> ProtocolVersion
//   'part/<trialId>/<participant>'                           -> ParticipantRecord
//   'ckey/<keyId>'                                           -> ConsentKeyRef (a consent key is used once, network-wide)
//   'consent/<trialId>/<participant>/<version:010>'          -> TrialConsent
//   'crf/<trialId>/<participant>/<visit>/<form>'             -> CrfHead
//   'crfv/<trialId>/<participant>/<visit>/<form>/<ver:010>'  -> CrfVersion
//   'sig/<trialId>/<participant>/<visit>/<form>/<ver:010>/<meaning>/<orgId>/<memberId>' -> EntrySignature
//   'results/<trialId>'                                      -> ResultsRecord
// Every list that grows with a trial (sites, investigators, protocol
// versions, participants, consents, CRF versions, signatures) is keyed
// entries under a per-trial prefix, read by prefix scan: no state value grows
// with the data, so one transaction's writes stay within a fixed size.
// Participants appear only under their per-trial pseudonym (`tp-` + 32 hex,
// an HMAC under the site's secret); case report form data only as salted
// commitments. Pure vocabulary: constants, key builders, record types, typed readers.
import type { JsonValue } from '../../ledger/contract.js';
import { asObject, type StateReader } from '../keys/keys.js';

export const TRIALS_CONTRACT = 'trials';
export const TRIALS_NAMESPACE = 'trials';

/** Trial ids are chosen by the sponsor (FHIR id characters, so `ResearchStudy/<trialId>` is valid). */
export const TRIAL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;
/** Per-trial participant pseudonym: `tp-` + 32 lowercase hex (see src/trials/pseudonym.ts). */
export const PARTICIPANT_PATTERN = /^tp-[0-9a-f]{32}$/;
/** Visit and form ids of the case report form (protocol schedule names). */
export const CRF_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
/** Endpoint ids as pre-registered (e.g. `primary-1`, `ep.hba1c`). */
export const ENDPOINT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
/** Width of zero-padded version numbers in keys, so keys sort in version order. */
export const VERSION_KEY_WIDTH = 10;

export const TRIAL_PHASES = ['early-phase-1', 'phase-1', 'phase-1-2', 'phase-2', 'phase-2-3', 'phase-3', 'phase-4', 'not-applicable'] as const;
export type TrialPhase = (typeof TRIAL_PHASES)[number];
export const ENDPOINT_TYPES = ['primary', 'secondary'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];
/** 21 CFR 11.50(a)(3): the meaning of an electronic signature. */
export const SIGNATURE_MEANINGS = ['authored', 'reviewed', 'approved'] as const;
export type SignatureMeaning = (typeof SIGNATURE_MEANINGS)[number];
/** Who signed a consent: the participant, or a legally authorised representative. */
export const CONSENT_SIGNERS = ['participant', 'representative'] as const;
export type ConsentSigner = (typeof CONSENT_SIGNERS)[number];
/** Why a CRF version exists (the free-text reason stays in the vault with the data). */
export const CHANGE_REASONS = ['initial', 'correction', 'transcription-error', 'late-data', 'query-resolution', 'other'] as const;
export type ChangeReason = (typeof CHANGE_REASONS)[number];

/** A pre-specified endpoint (ClinicalTrials.gov outcome measure: title and time frame). */
export interface Endpoint {
  [k: string]: JsonValue;
  id: string;
  type: EndpointType;
  title: string;
  timeFrame: string;
}

/** A member of an organisation, named on the ledger (principal investigators, signers). */
export interface MemberRef {
  [k: string]: JsonValue;
  orgId: string;
  memberId: string;
}

export interface TrialRecord {
  [k: string]: JsonValue;
  trialId: string;
  /** Public registry identifier (NCT number, EU CT number, ISRCTN). */
  registryId: string;
  title: string;
  phase: TrialPhase;
  sponsor: string;
  /** Current protocol version. */
  version: number;
  /** Lowest protocol version whose consent still allows enrolment and capture (raised by amendments requiring re-consent). */
  consentVersion: number;
  status: 'open' | 'locked';
  registeredAt: string;
  registeredHeight: number;
  lockedAt?: string;
  lockedHeight?: number;
}

/** A site of the trial: an organisation whose node enrols participants and keeps their CRF data. */
export interface TrialSite {
  [k: string]: JsonValue;
  trialId: string;
  orgId: string;
  since: string;
}

/** One protocol version: v1 is the registration, later ones amendments. */
export interface ProtocolVersion {
  [k: string]: JsonValue;
  version: number;
  protocolHash: string;
  sapHash: string;
  endpoints: Endpoint[];
  reconsentRequired: boolean;
  /** Amendments only: why, and the ethics committee approval reference. */
  reason?: string;
  ethicsRef?: string;
  at: string;
  txId: string;
  signer: string;
}

export interface ConsentKey {
  [k: string]: JsonValue;
  keyId: string;
  role: ConsentSigner;
}

export interface ParticipantRecord {
  [k: string]: JsonValue;
  trialId: string;
  participant: string;
  /** The site organisation that enrolled the participant (custodian of its CRF data). */
  site: string;
  /** Trial-only keys of the participant and any representative (never keys of the registry). */
  consentKeys: ConsentKey[];
  status: 'screened' | 'enrolled' | 'withdrawn';
  /** Highest protocol version consented to, 0 before any consent. */
  consentedVersion: number;
  addedAt: string;
  enrolledAt?: string;
  withdrawnAt?: string;
  withdrawnBy?: 'participant' | 'representative' | 'site';
}

export interface ConsentKeyRef {
  [k: string]: JsonValue;
  trialId: string;
  participant: string;
}

export interface TrialConsent {
  [k: string]: JsonValue;
  version: number;
  keyId: string;
  /** The participant's signature over the consent statement (statements.ts), re-verifiable by anyone. */
  sig: string;
  signedAs: ConsentSigner;
  at: string;
  txId: string;
}

export interface CrfHead {
  [k: string]: JsonValue;
  trialId: string;
  participant: string;
  visit: string;
  form: string;
  site: string;
  latest: number;
  updatedAt: string;
}

export interface CrfVersion {
  [k: string]: JsonValue;
  version: number;
  commitment: string;
  reason: ChangeReason;
  /** The site member who entered the data (as attested by the site's node). */
  author: MemberRef;
  at: string;
  txId: string;
}

/** A Part 11 signature manifestation (11.50): printed name, time and meaning; the signer's key signed the transaction. */
export interface EntrySignature {
  [k: string]: JsonValue;
  meaning: SignatureMeaning;
  orgId: string;
  memberId: string;
  printedName: string;
  keyId: string;
  commitment: string;
  at: string;
  txId: string;
}

export interface ResultsRecord {
  [k: string]: JsonValue;
  resultsHash: string;
  endpoints: Endpoint[];
  at: string;
  txId: string;
  signer: string;
}

const pad = (n: number): string => String(n).padStart(VERSION_KEY_WIDTH, '0');

export const TRIAL_PREFIX = 'trial/';
export const trialKey = (trialId: string): string => `${TRIAL_PREFIX}${trialId}`;
export const sitePrefix = (trialId: string): string => `site/${trialId}/`;
export const siteKey = (trialId: string, orgId: string): string => `${sitePrefix(trialId)}${orgId}`;
export const investigatorPrefix = (trialId: string, orgId?: string): string => (orgId === undefined ? `pi/${trialId}/` : `pi/${trialId}/${orgId}/`);
export const investigatorKey = (trialId: string, ref: MemberRef): string => `${investigatorPrefix(trialId, ref.orgId)}${ref.memberId}`;
export const protocolKey = (trialId: string, version: number): string => `protocol/${trialId}/${pad(version)}`;
export const protocolPrefix = (trialId: string): string => `protocol/${trialId}/`;
export const participantKey = (trialId: string, participant: string): string => `part/${trialId}/${participant}`;
export const participantPrefix = (trialId: string): string => `part/${trialId}/`;
export const consentKeyRefKey = (keyId: string): string => `ckey/${keyId}`;
export const consentKey = (trialId: string, participant: string, version: number): string => `consent/${trialId}/${participant}/${pad(version)}`;
export const consentPrefix = (trialId: string, participant?: string): string =>
  participant === undefined ? `consent/${trialId}/` : `consent/${trialId}/${participant}/`;
export const crfKey = (trialId: string, participant: string, visit: string, form: string): string => `crf/${trialId}/${participant}/${visit}/${form}`;
export const crfPrefix = (trialId: string, participant?: string): string =>
  participant === undefined ? `crf/${trialId}/` : `crf/${trialId}/${participant}/`;
export const crfVersionKey = (trialId: string, participant: string, visit: string, form: string, version: number): string =>
  `crfv/${trialId}/${participant}/${visit}/${form}/${pad(version)}`;
export const crfVersionPrefix = (trialId: string, participant?: string): string =>
  participant === undefined ? `crfv/${trialId}/` : `crfv/${trialId}/${participant}/`;
export const signatureKey = (
  trialId: string,
  participant: string,
  visit: string,
  form: string,
  version: number,
  meaning: SignatureMeaning,
  signer: MemberRef,
): string => `sig/${trialId}/${participant}/${visit}/${form}/${pad(version)}/${meaning}/${signer.orgId}/${signer.memberId}`;
export const signaturePrefix = (trialId: string, participant?: string): string =>
  participant === undefined ? `sig/${trialId}/` : `sig/${trialId}/${participant}/`;
export const resultsKey = (trialId: string): string => `results/${trialId}`;

/** The parts of a `crfv/` or `sig/` key (after the trial id): participant, visit, form, version. */
export function parseEntryKey(key: string): { participant: string; visit: string; form: string; version: number } | undefined {
  const parts = key.split('/');
  const [participant, visit, form, version] = [parts[2], parts[3], parts[4], parts[5]];
  if (participant === undefined || visit === undefined || form === undefined || version === undefined) return undefined;
  const n = Number(version);
  return Number.isSafeInteger(n) && n >= 1 ? { participant, visit, form, version: n } : undefined;
}

function read<T>(reader: StateReader, key: string, field: string): T | undefined {
  const o = asObject(reader.get(TRIALS_NAMESPACE, key));
  return o !== undefined && o[field] !== undefined ? (o as T) : undefined;
}

export const getTrial = (reader: StateReader, trialId: string): TrialRecord | undefined => read<TrialRecord>(reader, trialKey(trialId), 'trialId');
export const getSite = (reader: StateReader, trialId: string, orgId: string): TrialSite | undefined => read<TrialSite>(reader, siteKey(trialId, orgId), 'orgId');
/** Whether `orgId` is a site of the trial. */
export const isTrialSite = (reader: StateReader, trialId: string, orgId: string): boolean => getSite(reader, trialId, orgId) !== undefined;
/** Whether the member was named a principal investigator of the trial at registration. */
export const isPrincipalInvestigator = (reader: StateReader, trialId: string, ref: MemberRef): boolean =>
  read<MemberRef>(reader, investigatorKey(trialId, ref), 'memberId') !== undefined;
export const getProtocol = (reader: StateReader, trialId: string, version: number): ProtocolVersion | undefined =>
  read<ProtocolVersion>(reader, protocolKey(trialId, version), 'protocolHash');
export const getParticipant = (reader: StateReader, trialId: string, participant: string): ParticipantRecord | undefined =>
  read<ParticipantRecord>(reader, participantKey(trialId, participant), 'participant');
export const getConsentKeyRef = (reader: StateReader, keyId: string): ConsentKeyRef | undefined =>
  read<ConsentKeyRef>(reader, consentKeyRefKey(keyId), 'trialId');
export const getTrialConsent = (reader: StateReader, trialId: string, participant: string, version: number): TrialConsent | undefined =>
  read<TrialConsent>(reader, consentKey(trialId, participant, version), 'keyId');
export const getCrfHead = (reader: StateReader, trialId: string, participant: string, visit: string, form: string): CrfHead | undefined =>
  read<CrfHead>(reader, crfKey(trialId, participant, visit, form), 'latest');
export const getCrfVersion = (
  reader: StateReader,
  trialId: string,
  participant: string,
  visit: string,
  form: string,
  version: number,
): CrfVersion | undefined => read<CrfVersion>(reader, crfVersionKey(trialId, participant, visit, form, version), 'commitment');
export const getResults = (reader: StateReader, trialId: string): ResultsRecord | undefined => read<ResultsRecord>(reader, resultsKey(trialId), 'resultsHash');

/** The participant's consent still covers what the trial now requires. */
export function hasCurrentConsent(trial: TrialRecord, participant: ParticipantRecord): boolean {
  return participant.consentedVersion >= trial.consentVersion;
}
