// HTTP-free reads of the trials state for services and doors: over a
// StateReader for point lookups and a prefix scan (LedgerPort.scan) for
// lists. Also the pure comparison of pre-registered and reported endpoints
// that the outcome-switching report is built on.
import { SCAN_PAGE, asObject, type StateReader, type StateRow, type StateScan } from '../keys/keys.js';
import {
  TRIALS_NAMESPACE,
  TRIAL_PREFIX,
  consentPrefix,
  crfVersionPrefix,
  getProtocol,
  getResults,
  getTrial,
  investigatorPrefix,
  parseEntryKey,
  sitePrefix,
  participantPrefix,
  protocolPrefix,
  signaturePrefix,
  type CrfVersion,
  type Endpoint,
  type EntrySignature,
  type MemberRef,
  type TrialSite,
  type ParticipantRecord,
  type ProtocolVersion,
  type ResultsRecord,
  type TrialConsent,
  type TrialRecord,
} from './keys.js';

/** Every row under a prefix of the trials namespace, page by page. */
export function scanAll(scan: StateScan, prefix: string): StateRow[] {
  const out: StateRow[] = [];
  let after: string | undefined;
  for (;;) {
    const rows = scan(TRIALS_NAMESPACE, prefix, SCAN_PAGE, after);
    out.push(...rows);
    if (rows.length < SCAN_PAGE) return out;
    after = rows[rows.length - 1]?.key;
  }
}

function objects<T>(rows: StateRow[]): T[] {
  return rows.flatMap((r) => {
    const o = asObject(r.value);
    return o === undefined ? [] : [o as T];
  });
}

/** The trial's site organisations, in id order. */
export function sitesOf(scan: StateScan, trialId: string): string[] {
  return objects<TrialSite>(scanAll(scan, sitePrefix(trialId))).map((s) => s.orgId);
}

/** The trial's principal investigators, by site and member id. */
export function investigatorsOf(scan: StateScan, trialId: string): MemberRef[] {
  return objects<MemberRef>(scanAll(scan, investigatorPrefix(trialId))).map((m) => ({ orgId: m.orgId, memberId: m.memberId }));
}

/** A trial with every protocol version, oldest first. */
export function protocolHistory(scan: StateScan, trialId: string): ProtocolVersion[] {
  return objects<ProtocolVersion>(scanAll(scan, protocolPrefix(trialId)));
}

/** The trial's participants, optionally those of one site. */
export function participantsOf(scan: StateScan, trialId: string, site?: string): ParticipantRecord[] {
  const all = objects<ParticipantRecord>(scanAll(scan, participantPrefix(trialId)));
  return site === undefined ? all : all.filter((p) => p.site === site);
}

/** A participant's consents, oldest protocol version first. */
export function consentsOf(scan: StateScan, trialId: string, participant: string): TrialConsent[] {
  return objects<TrialConsent>(scanAll(scan, consentPrefix(trialId, participant)));
}

/** One anchored CRF version with its place. */
export interface CrfAnchor {
  participant: string;
  visit: string;
  form: string;
  version: number;
  anchor: CrfVersion;
}

/** Every anchored CRF version of the trial (or of one participant), in key order (participant, visit, form, version). */
export function crfAnchorsOf(scan: StateScan, trialId: string, participant?: string): CrfAnchor[] {
  return scanAll(scan, crfVersionPrefix(trialId, participant)).flatMap((row) => {
    const at = parseEntryKey(row.key);
    const anchor = asObject(row.value) as CrfVersion | undefined;
    return at === undefined || anchor === undefined ? [] : [{ ...at, anchor }];
  });
}

/** The latest anchored version of each form: what a dataset export must hold, row for row. */
export function latestCrfAnchors(scan: StateScan, trialId: string, participant?: string): CrfAnchor[] {
  const latest = new Map<string, CrfAnchor>();
  for (const a of crfAnchorsOf(scan, trialId, participant)) latest.set(`${a.participant}/${a.visit}/${a.form}`, a);
  return [...latest.values()];
}

export interface SignatureEntry {
  participant: string;
  visit: string;
  form: string;
  version: number;
  signature: EntrySignature;
}

/** Part 11 signatures on the trial's entries (or one participant's). */
export function signaturesOf(scan: StateScan, trialId: string, participant?: string): SignatureEntry[] {
  return scanAll(scan, signaturePrefix(trialId, participant)).flatMap((row) => {
    const at = parseEntryKey(row.key);
    const signature = asObject(row.value) as EntrySignature | undefined;
    return at === undefined || signature === undefined ? [] : [{ ...at, signature }];
  });
}

/** What changed between pre-registered and reported endpoints (COMPare's categories of outcome switching). */
export type EndpointDifference =
  | { kind: 'primary-omitted' | 'secondary-omitted'; id: string; registered: Endpoint }
  | { kind: 'added-as-primary' | 'added-as-secondary'; id: string; reported: Endpoint }
  | { kind: 'primary-demoted' | 'secondary-promoted'; id: string; registered: Endpoint; reported: Endpoint }
  | { kind: 'definition-changed'; id: string; registered: Endpoint; reported: Endpoint; fields: Array<'title' | 'timeFrame'> };

/** Every difference between two endpoint lists, by endpoint id; empty when they match. Pure. */
export function compareEndpoints(registered: readonly Endpoint[], reported: readonly Endpoint[]): EndpointDifference[] {
  const out: EndpointDifference[] = [];
  const byId = new Map(reported.map((e) => [e.id, e]));
  for (const r of registered) {
    const p = byId.get(r.id);
    if (p === undefined) {
      out.push({ kind: r.type === 'primary' ? 'primary-omitted' : 'secondary-omitted', id: r.id, registered: r });
      continue;
    }
    if (r.type !== p.type) out.push({ kind: r.type === 'primary' ? 'primary-demoted' : 'secondary-promoted', id: r.id, registered: r, reported: p });
    const fields = (['title', 'timeFrame'] as const).filter((f) => r[f] !== p[f]);
    if (fields.length > 0) out.push({ kind: 'definition-changed', id: r.id, registered: r, reported: p, fields });
  }
  const known = new Set(registered.map((e) => e.id));
  for (const p of reported) {
    if (!known.has(p.id)) out.push({ kind: p.type === 'primary' ? 'added-as-primary' : 'added-as-secondary', id: p.id, reported: p });
  }
  return out;
}

/** Endpoint changes made by each amendment against the version before it. */
export function amendmentEndpointChanges(history: readonly ProtocolVersion[]): Array<{ version: number; reason: string; differences: EndpointDifference[] }> {
  const out: Array<{ version: number; reason: string; differences: EndpointDifference[] }> = [];
  for (let i = 1; i < history.length; i++) {
    const before = history[i - 1];
    const after = history[i];
    if (before === undefined || after === undefined) continue;
    const differences = compareEndpoints(before.endpoints, after.endpoints);
    if (differences.length > 0) out.push({ version: after.version, reason: after.reason ?? '', differences });
  }
  return out;
}

export interface OutcomeReport {
  trialId: string;
  registryId: string;
  /** Results against the endpoints pre-registered at version 1 (before any enrolment). */
  versusRegistration: EndpointDifference[];
  /** Results against the endpoints of the protocol version in force at lock. */
  versusFinalProtocol: EndpointDifference[];
  /** Endpoint changes made through amendments (legitimate only with their reason and ethics approval). */
  amendments: Array<{ version: number; reason: string; differences: EndpointDifference[] }>;
  results: ResultsRecord;
}

/** The outcome-switching part of the results report; undefined until results are declared. */
export function outcomeReport(reader: StateReader, scan: StateScan, trialId: string): OutcomeReport | undefined {
  const trial = getTrial(reader, trialId);
  const results = getResults(reader, trialId);
  const v1 = getProtocol(reader, trialId, 1);
  const current = trial === undefined ? undefined : getProtocol(reader, trialId, trial.version);
  if (trial === undefined || results === undefined || v1 === undefined || current === undefined) return undefined;
  return {
    trialId,
    registryId: trial.registryId,
    versusRegistration: compareEndpoints(v1.endpoints, results.endpoints),
    versusFinalProtocol: compareEndpoints(current.endpoints, results.endpoints),
    amendments: amendmentEndpointChanges(protocolHistory(scan, trialId)),
    results,
  };
}

/** A trial's public registration: the trial record, its sites and principal investigators, and its protocol versions (no participant data). */
export interface Registration {
  trial: TrialRecord;
  sites: string[];
  investigators: MemberRef[];
  protocol: ProtocolVersion[];
}

export function registrationOf(reader: StateReader, scan: StateScan, trialId: string): Registration | undefined {
  const trial = getTrial(reader, trialId);
  if (trial === undefined) return undefined;
  return { trial, sites: sitesOf(scan, trialId), investigators: investigatorsOf(scan, trialId), protocol: protocolHistory(scan, trialId) };
}

/** Every trial id (registrations are public on the network). */
export function trialIds(scan: StateScan): string[] {
  return scanAll(scan, TRIAL_PREFIX).flatMap((r) => {
    const id = asObject(r.value)?.['trialId'];
    return typeof id === 'string' ? [id] : [];
  });
}


