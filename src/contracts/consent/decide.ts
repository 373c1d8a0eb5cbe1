// The pure consent decision (ARCHITECTURE section 5: `decide(state, request,
// time)`), after FHIR R4 Consent.provision semantics and IHE PCF.
//
// Algorithm, for a request (patient, requester org/member, action, resource
// type, the data's security labels, purpose) at instant `time`:
//  1. Patient: no identity record -> deny 'unknown-patient'; status 'erased'
//     -> deny 'patient-erased'.
//  2. Requester: its organisation ('governance'/org) and membership
//     ('identity'/member) must be 'active', else deny 'requester-inactive'.
//  3. Candidate grants: the ids in 'consent'/index/<patient> (active grants
//     only; point lookups, no scans), whose record is still 'active',
//     opened by the custodian's GrantOpener (the ConsentBook; the ledger holds
//     them sealed). If any active grant of the patient does not open or is
//     invalid, every decision for the patient is deny 'consent-unreadable'
//     (fail closed: the unreadable one might have been a deny). Then those
//     whose grantee covers the requester: a practitioner grantee matches that
//     exact (orgId, memberId); an organisation grantee matches every member
//     of the organisation.
//  4. A grant is in effect iff its root provision's period contains `time`:
//     start <= time < end (start inclusive, end exclusive; absent = open).
//     Grants not in effect neither permit nor deny.
//  5. Evaluating provision P (type T) against the request gives undefined
//     when P does not match, otherwise:
//       - if some nested provision evaluates to 'deny' -> 'deny';
//       - else if some nested provision evaluates to 'permit' -> 'permit';
//       - else T.
//     So nested provisions are exceptions to their parent (a child only
//     matches inside its parent's criteria) and deny wins among siblings.
//     P matches iff every criterion it states matches (absent or empty list
//     = any): its period contains `time`; the action is in `actions`; the
//     purpose is in `purposes` (exact codes, no ActReason subsumption); the
//     resource type is in `resourceTypes`; and the data carries at least
//     one of its `securityLabels` (FHIR R4: the labels "define which
//     resources are controlled").
//     Release rule (README, security model): data carrying restricted
//     labels (every v3 ActCode sensitivity code of SENSITIVITY_CODES, and
//     confidentiality R and V) is released only by a permit that names
//     EVERY restricted label it carries. A matching permit provision that
//     does not name them all still scopes its nested exceptions, but
//     evaluates to undefined itself (not 'permit'): a generic permit never
//     releases a labelled resource. One provision must name all the labels;
//     the union over several permits does not count, so a PSY-only permit
//     and an HIV-only permit together do not release PSY+HIV data (each
//     provision says exactly what it releases). A provision's own list
//     counts, and so do its ancestors' (a nested permit inside a root permit
//     that names PSY releases within that root's PSY scope).
//  6. Across grants deny wins: if any grant in effect evaluates to 'deny' ->
//     deny 'denied-by-provision' with the denying grants' ids; else if any
//     evaluates to 'permit' -> permit 'permitted' with the permitting ids;
//     else if a grant whose period has ended would have permitted (root
//     period ignored) -> deny 'expired' with those ids; else deny 'no-consent'.
// decide reads state only and never mutates it; the same state, request and
// time give the same decision on every node.
import { CareLedgerError } from '../../errors/index.js';
import type { StateReader } from '../../ledger/contract.js';
import { GOVERNANCE_NAMESPACE } from '../governance/keys.js';
import { IDENTITY_NAMESPACE } from '../identity/keys.js';
import { normalizeInstant, RESTRICTED_LABELS, type ConsentAction, type Provision } from './schema.js';
import {
  CONSENT_NAMESPACE,
  isGranteeActive,
  patientStatus,
  readIndex,
  readSealedGrant,
  type ConsentRecord,
  type SealedConsentRecord,
} from './state.js';

/**
 * Opens a stored sealed grant into the consent it says, or undefined when it
 * cannot (not sealed to this custodian, altered, invalid). The ConsentBook is
 * the real one; it is the only way decide sees grantees and provisions.
 */
export interface GrantOpener {
  open(record: SealedConsentRecord): ConsentRecord | undefined;
}

export type DecisionReason =
  | 'permitted'
  | 'denied-by-provision'
  | 'no-consent'
  | 'expired'
  | 'patient-erased'
  | 'unknown-patient'
  | 'requester-inactive'
  | 'consent-unreadable';

export interface Decision {
  decision: 'permit' | 'deny';
  /** The grants that permitted, the grants that denied, or the expired grants; in grant order. */
  consentIds: string[];
  reason: DecisionReason;
}

/** What is asked once per request, whatever the resources. */
export interface ConsentQuery {
  patient: string;
  requester: { orgId: string; memberId: string };
  action: ConsentAction;
  /** v3 ActReason code; codes outside the catalogue never match a listed purpose. */
  purpose: string;
}

/** What differs per resource. */
export interface ResourceFacts {
  resourceType: string;
  /** Security labels carried by the data (meta.security codes). */
  securityLabels: readonly string[];
}

export interface AccessRequest extends ConsentQuery, ResourceFacts {}

/** Decides for one resource of a prepared query. */
export type Decider = (resource: ResourceFacts) => Decision;

const RESTRICTED: ReadonlySet<string> = new Set(RESTRICTED_LABELS);
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function canonicalTime(time: string): string {
  const t = CANONICAL_INSTANT.test(time) ? time : normalizeInstant(time);
  if (t === undefined) throw new CareLedgerError('INVALID_ARGS', 'decision time is not an RFC 3339 date-time', { field: 'time' });
  return t;
}

function inPeriod(p: Provision, time: string): boolean {
  const period = p.period;
  if (period === undefined) return true;
  if (period.start !== undefined && time < period.start) return false;
  return period.end === undefined || time < period.end;
}

/** The restricted labels a resource carries (what a permit must name to release it). */
export function restrictedLabelsOf(labels: readonly string[]): string[] {
  return labels.filter((l) => RESTRICTED.has(l));
}

/**
 * The per-resource view of a query: `unnamed` are the restricted labels not
 * yet named on the path from the root provision to the current one.
 */
interface Facts {
  resource: ResourceFacts;
  unnamed: readonly string[];
}

function evaluate(p: Provision, q: ConsentQuery, f: Facts, time: string, checkPeriod: boolean): 'permit' | 'deny' | undefined {
  const r = f.resource;
  if (checkPeriod && !inPeriod(p, time)) return undefined;
  if (p.actions !== undefined && p.actions.length > 0 && !p.actions.includes(q.action)) return undefined;
  if (p.purposes !== undefined && p.purposes.length > 0 && !(p.purposes as readonly string[]).includes(q.purpose)) return undefined;
  if (p.resourceTypes !== undefined && p.resourceTypes.length > 0 && !p.resourceTypes.includes(r.resourceType)) return undefined;
  const listed: readonly string[] | undefined = p.securityLabels;
  if (listed !== undefined && listed.length > 0 && !r.securityLabels.some((l) => listed.includes(l))) return undefined;
  const unnamed = listed === undefined || f.unnamed.length === 0 ? f.unnamed : f.unnamed.filter((l) => !listed.includes(l));
  const here: Facts = unnamed === f.unnamed ? f : { resource: r, unnamed };
  if (p.provisions !== undefined) {
    let permitted = false;
    for (const child of p.provisions) {
      const c = evaluate(child, q, here, time, true);
      if (c === 'deny') return 'deny';
      if (c === 'permit') permitted = true;
    }
    if (permitted) return 'permit';
  }
  // The release rule: a permit releases restricted data only if it names every restricted label.
  if (p.type === 'permit' && unnamed.length > 0) return undefined;
  return p.type;
}

function factsOf(resource: ResourceFacts): Facts {
  return { resource, unnamed: restrictedLabelsOf(resource.securityLabels) };
}

/** Evaluates one grant's provision tree for one resource; exported for tests and tooling. */
export function evaluateProvision(
  provision: Provision,
  query: ConsentQuery,
  resource: ResourceFacts,
  time: string,
): 'permit' | 'deny' | undefined {
  return evaluate(provision, query, factsOf(resource), canonicalTime(time), true);
}

function coversRequester(grant: ConsentRecord, requester: ConsentQuery['requester']): boolean {
  const g = grant.grantee;
  if (g.orgId !== requester.orgId) return false;
  return g.kind === 'organization' || g.memberId === requester.memberId;
}

const constant =
  (decision: Decision['decision'], reason: DecisionReason): Decider =>
  () => ({ decision, consentIds: [], reason });

/**
 * What a query reads of a patient, whoever asks: the patient's status and
 * the active grants (grant order). A function of committed state only, so it
 * can be memoised while the consent and identity namespaces are unchanged
 * (DecisionMemo).
 */
export type PatientGrants =
  | { kind: 'constant'; reason: 'unknown-patient' | 'patient-erased' | 'consent-unreadable' }
  | { kind: 'grants'; grants: readonly ConsentRecord[] };

/** Reads a patient's status and active grants (point lookups only), opened by `opener`; fails closed. */
export function patientGrants(state: StateReader, patient: string, opener: GrantOpener): PatientGrants {
  const status = patientStatus(state, patient);
  if (status === 'unknown') return { kind: 'constant', reason: 'unknown-patient' };
  if (status === 'erased') return { kind: 'constant', reason: 'patient-erased' };
  const grants: ConsentRecord[] = [];
  for (const id of readIndex(state, patient)) {
    const sealed = readSealedGrant(state, patient, id);
    if (sealed === undefined || sealed.status !== 'active') continue;
    const grant = opener.open(sealed);
    if (grant === undefined) return { kind: 'constant', reason: 'consent-unreadable' };
    grants.push(grant);
  }
  return { kind: 'grants', grants };
}

/** Whether the requester is an active member of an active organisation. */
function requesterActive(state: StateReader, requester: ConsentQuery['requester']): boolean {
  return isGranteeActive(state, { kind: 'practitioner', orgId: requester.orgId, memberId: requester.memberId });
}

/** The decider of a query at instant `now` (canonical form) from what it read of state. */
function deciderAt(patient: PatientGrants, requesterIsActive: () => boolean, query: ConsentQuery, now: string): Decider {
  if (patient.kind === 'constant') return constant('deny', patient.reason);
  if (!requesterIsActive()) return constant('deny', 'requester-inactive');
  const inEffect: ConsentRecord[] = [];
  const ended: ConsentRecord[] = [];
  for (const grant of patient.grants) {
    if (!coversRequester(grant, query.requester)) continue;
    if (inPeriod(grant.provision, now)) inEffect.push(grant);
    else if (grant.provision.period?.end !== undefined && grant.provision.period.end <= now) ended.push(grant);
  }
  if (inEffect.length === 0 && ended.length === 0) return constant('deny', 'no-consent');

  return (resource) => {
    const facts = factsOf(resource);
    const permitting: string[] = [];
    const denying: string[] = [];
    for (const grant of inEffect) {
      const result = evaluate(grant.provision, query, facts, now, false);
      if (result === 'deny') denying.push(grant.consentId);
      else if (result === 'permit') permitting.push(grant.consentId);
    }
    if (denying.length > 0) return { decision: 'deny', consentIds: denying, reason: 'denied-by-provision' };
    if (permitting.length > 0) return { decision: 'permit', consentIds: permitting, reason: 'permitted' };
    const expired = ended
      .filter((g) => evaluate(g.provision, query, facts, now, false) === 'permit')
      .map((g) => g.consentId);
    if (expired.length > 0) return { decision: 'deny', consentIds: expired, reason: 'expired' };
    return { decision: 'deny', consentIds: [], reason: 'no-consent' };
  };
}

/**
 * Loads everything a query needs once (patient, requester, the requester's
 * grants) and returns a decider per resource: the FHIR search path prepares
 * one query and decides for each resource in the page.
 */
export function prepareDecision(state: StateReader, query: ConsentQuery, time: string, opener: GrantOpener): Decider {
  const now = canonicalTime(time);
  return deciderAt(patientGrants(state, query.patient, opener), () => requesterActive(state, query.requester), query, now);
}

/** Namespaces whose stamps invalidate the memo: what patientGrants and requesterActive read. */
const MEMO_NAMESPACES = [CONSENT_NAMESPACE, IDENTITY_NAMESPACE, GOVERNANCE_NAMESPACE] as const;

/**
 * prepareDecision with what it reads of state memoised: each patient's status
 * and active grants, and each requester's status, for as long as the consent,
 * identity and governance namespaces are unchanged, as told by the state's
 * `stamp` (a reader without one is read every time). The time-dependent part
 * (periods) and the requester's coverage are still evaluated on every call,
 * so an expiring grant stops permitting at once. Bounded: at most `limit`
 * entries of each kind, oldest dropped first; all go when a stamp moves.
 */
export class DecisionMemo {
  readonly #opener: GrantOpener;
  readonly #limit: number;
  readonly #patients = new Map<string, PatientGrants>();
  readonly #requesters = new Map<string, boolean>();
  #stamp = -1;

  constructor(opener: GrantOpener, limit = 10_000) {
    this.#opener = opener;
    this.#limit = limit;
  }

  prepare(state: StateReader, query: ConsentQuery, time: string): Decider {
    const now = canonicalTime(time);
    const stampOf = state.stamp?.bind(state);
    if (stampOf === undefined) return prepareDecision(state, query, now, this.#opener);
    // Stamps only grow, so their sum moves whenever any of them does.
    let stamp = 0;
    for (const ns of MEMO_NAMESPACES) stamp += stampOf(ns);
    if (stamp !== this.#stamp) {
      this.#patients.clear();
      this.#requesters.clear();
      this.#stamp = stamp;
    }
    const patient = remember(this.#patients, this.#limit, query.patient, () => patientGrants(state, query.patient, this.#opener));
    const requesterKey = `${query.requester.orgId}\u0000${query.requester.memberId}`;
    const active = () => remember(this.#requesters, this.#limit, requesterKey, () => requesterActive(state, query.requester));
    return deciderAt(patient, active, query, now);
  }
}

function remember<V>(map: Map<string, V>, limit: number, key: string, load: () => V): V {
  const hit = map.get(key);
  if (hit !== undefined) return hit;
  const value = load();
  if (map.size >= limit) map.delete(map.keys().next().value as string);
  map.set(key, value);
  return value;
}

/**
 * Decides whether `request` is permitted by the patient's consents at `time`
 * (block time or the serving node's clock), as `opener` opens them. Pure:
 * reads `state` and the opener (a cache of what the sealed bodies say) only.
 */
export function decide(state: StateReader, request: AccessRequest, time: string, opener: GrantOpener): Decision {
  return prepareDecision(state, request, time, opener)(request);
}

/** Decides one query for many resources with one round of state lookups. */
export function decideMany(
  state: StateReader,
  query: ConsentQuery,
  resources: readonly ResourceFacts[],
  time: string,
  opener: GrantOpener,
): Decision[] {
  const decider = prepareDecision(state, query, time, opener);
  return resources.map((r) => decider(r));
}
