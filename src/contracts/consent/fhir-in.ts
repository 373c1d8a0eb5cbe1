// Translates a FHIR R4 Consent (IHE Privacy Consent on FHIR style) into a
// ConsentGrant, or refuses it with INVALID_ARGS naming the FHIR path.
// Accepted: status 'active'; scope patient-privacy; patient
// 'Patient/<pseudonym>' (required here: R4's invariant meant to require it
// never fires); root provision with type (or, when absent, policyRule
// OPTIN -> permit / OPTOUT -> deny), period, exactly one recipient actor
// (role IRCP/PRCP, references as in fhir-codes.ts), action, securityLabel,
// purpose, class (resource types) and nested provisions of the same kinds
// without actors. Metadata that does not change a decision (id, meta, text,
// identifier, category, dateTime, performer, organization, source*, policy,
// verification, extension) is ignored. Anything else that could change a
// decision (modifierExtension, implicitRules, code, data, dataPeriod, actors
// on nested provisions, unknown codes or systems, partial dates) is refused
// rather than silently dropped: dropping a deny would widen access.
// Dates: a full dateTime is taken as the instant it names; a date-only start
// is 00:00Z that day and a date-only end includes that whole day (FHIR
// Period.end is inclusive at its precision), i.e. ends 00:00Z the next day.
import { CareLedgerError } from '../../errors/index.js';
import { FHIR_SYSTEMS, RECIPIENT_ROLES, granteeFromReference } from './fhir-codes.js';
import {
  CONFIDENTIALITY_CODES,
  CONSENT_ACTIONS,
  MAX_PROVISION_DEPTH,
  PURPOSES_OF_USE,
  SENSITIVITY_CODES,
  consentGrantSchema,
  normalizeInstant,
  type ConsentGrant,
  type Grantee,
} from './schema.js';

type Obj = { [key: string]: unknown };

const CONSENT_KEYS = new Set([
  'resourceType', 'id', 'meta', 'language', 'text', 'extension', 'modifierExtension', 'identifier', 'status',
  'scope', 'category', 'patient', 'dateTime', 'performer', 'organization', 'sourceAttachment', 'sourceReference',
  'policy', 'policyRule', 'verification', 'provision',
]);
const PROVISION_KEYS = new Set([
  'id', 'extension', 'modifierExtension', 'type', 'period', 'actor', 'action', 'securityLabel', 'purpose', 'class',
  'code', 'dataPeriod', 'data', 'provision',
]);

function fail(field: string, message: string): never {
  throw new CareLedgerError('INVALID_ARGS', `Consent.${field}: ${message}`, { field: `Consent.${field}` });
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'expected an object');
  return v as Obj;
}

function list(v: unknown, field: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(field, 'expected an array');
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(field, 'expected a non-empty string');
  return v;
}

const at = (field: string, key: string): string => (field ? `${field}.${key}` : key);

function onlyKeys(o: Obj, allowed: ReadonlySet<string>, field: string): void {
  for (const k of Object.keys(o)) if (!allowed.has(k)) fail(at(field, k), 'not translatable');
  const f = at(field, 'modifierExtension');
  if (list(o['modifierExtension'], f).length > 0) fail(f, 'not understood');
  if (o['implicitRules'] !== undefined) fail(at(field, 'implicitRules'), 'not understood');
}

/** Codes of a Coding from one of `systems`, checked against `allowed`. */
function code<T extends string>(v: unknown, field: string, systems: readonly string[], allowed: readonly T[]): T {
  const c = obj(v, field);
  const system = str(c['system'], `${field}.system`);
  if (!systems.includes(system)) fail(`${field}.system`, `unsupported system ${system}`);
  const value = str(c['code'], `${field}.code`);
  if (!(allowed as readonly string[]).includes(value)) fail(`${field}.code`, `unsupported code ${value}`);
  return value as T;
}

/** Codes of a CodeableConcept: every coding must be translatable; at least one. */
function concept<T extends string>(v: unknown, field: string, system: string, allowed: readonly T[]): T[] {
  const codings = list(obj(v, field)['coding'], `${field}.coding`);
  if (codings.length === 0) fail(`${field}.coding`, 'expected a coding');
  return codings.map((c, i) => code(c, `${field}.coding[${i}]`, [system], allowed));
}

function fhirInstant(v: unknown, field: string, isEnd: boolean): string {
  const s = str(v, field);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const start = normalizeInstant(`${s}T00:00:00Z`);
    if (start === undefined) fail(field, 'invalid date');
    return isEnd ? new Date(Date.parse(start) + 86_400_000).toISOString() : start;
  }
  const t = normalizeInstant(s);
  if (t === undefined) fail(field, 'expected a date or a dateTime with seconds and zone');
  return t;
}

function period(v: unknown, field: string): { start?: string; end?: string } {
  const p = obj(v, field);
  for (const k of Object.keys(p)) if (!['id', 'extension', 'start', 'end'].includes(k)) fail(`${field}.${k}`, 'not translatable');
  const out: { start?: string; end?: string } = {};
  if (p['start'] !== undefined) out.start = fhirInstant(p['start'], `${field}.start`, false);
  if (p['end'] !== undefined) out.end = fhirInstant(p['end'], `${field}.end`, true);
  return out;
}

function grantee(actors: unknown[], field: string): Grantee {
  if (actors.length !== 1) fail(field, 'expected exactly one recipient actor');
  const a = obj(actors[0], `${field}[0]`);
  const roles = concept(a['role'], `${field}[0].role`, FHIR_SYSTEMS.participationType, RECIPIENT_ROLES);
  if (roles.length === 0) fail(`${field}[0].role`, 'expected a recipient role');
  const ref = str(obj(a['reference'], `${field}[0].reference`)['reference'], `${field}[0].reference.reference`);
  const g = granteeFromReference(ref);
  if (g === undefined) fail(`${field}[0].reference`, 'expected Organization/<orgId> or PractitionerRole/<orgId>.<memberId>');
  return g;
}

interface Translated {
  grantee?: Grantee;
  provision: Obj;
}

function provision(v: unknown, field: string, depth: number, defaultType: string | undefined): Translated {
  if (depth > MAX_PROVISION_DEPTH) fail(field, `provisions nest deeper than ${MAX_PROVISION_DEPTH}`);
  const p = obj(v, field);
  onlyKeys(p, PROVISION_KEYS, field);
  for (const k of ['code', 'data'] as const) if (list(p[k], `${field}.${k}`).length > 0) fail(`${field}.${k}`, 'not translatable');
  if (p['dataPeriod'] !== undefined) fail(`${field}.dataPeriod`, 'not translatable');

  const type = p['type'] ?? defaultType;
  if (type !== 'permit' && type !== 'deny') fail(`${field}.type`, 'expected permit or deny');
  const out: Obj = { type };
  const result: Translated = { provision: out };
  const actors = list(p['actor'], `${field}.actor`);
  if (depth === 1) result.grantee = grantee(actors, `${field}.actor`);
  else if (actors.length > 0) fail(`${field}.actor`, 'actors on nested provisions are not supported');

  if (p['period'] !== undefined) out['period'] = period(p['period'], `${field}.period`);
  const actions = list(p['action'], `${field}.action`).flatMap((a, i) =>
    concept(a, `${field}.action[${i}]`, FHIR_SYSTEMS.consentAction, CONSENT_ACTIONS),
  );
  if (actions.length > 0) out['actions'] = actions;
  const labels = list(p['securityLabel'], `${field}.securityLabel`).map((c, i) => {
    const f = `${field}.securityLabel[${i}]`;
    const system = obj(c, f)['system'];
    return system === FHIR_SYSTEMS.confidentiality
      ? code(c, f, [FHIR_SYSTEMS.confidentiality], CONFIDENTIALITY_CODES)
      : code(c, f, [FHIR_SYSTEMS.actCode], SENSITIVITY_CODES);
  });
  if (labels.length > 0) out['securityLabels'] = labels;
  const purposes = list(p['purpose'], `${field}.purpose`).map((c, i) =>
    code(c, `${field}.purpose[${i}]`, [FHIR_SYSTEMS.actReason], PURPOSES_OF_USE),
  );
  if (purposes.length > 0) out['purposes'] = purposes;
  const classes = list(p['class'], `${field}.class`).map((c, i) => {
    const f = `${field}.class[${i}]`;
    const system = str(obj(c, f)['system'], `${f}.system`);
    if (system !== FHIR_SYSTEMS.resourceTypes) fail(`${f}.system`, 'only resource types are supported');
    return str(obj(c, f)['code'], `${f}.code`);
  });
  if (classes.length > 0) out['resourceTypes'] = classes;
  const nested = list(p['provision'], `${field}.provision`).map(
    (n, i) => provision(n, `${field}.provision[${i}]`, depth + 1, undefined).provision,
  );
  if (nested.length > 0) out['provisions'] = nested;
  return result;
}

/** policyRule OPTIN/OPTOUT (v3-ActCode) as the root provision's type when it has none. */
function policyDefault(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const codings = list(obj(v, 'policyRule')['coding'], 'policyRule.coding');
  for (const c of codings) {
    const o = obj(c, 'policyRule.coding');
    if (o['system'] === FHIR_SYSTEMS.actCode && o['code'] === 'OPTIN') return 'permit';
    if (o['system'] === FHIR_SYSTEMS.actCode && o['code'] === 'OPTOUT') return 'deny';
  }
  return undefined;
}

/**
 * Translates a FHIR R4 Consent resource into the `grant` action's args.
 * Throws CareLedgerError INVALID_ARGS with the FHIR path in `field`.
 */
export function consentFromFhir(resource: unknown): ConsentGrant {
  const c = obj(resource, '');
  if (c['resourceType'] !== 'Consent') fail('resourceType', 'expected Consent');
  onlyKeys(c, CONSENT_KEYS, '');
  if (c['status'] !== 'active') fail('status', 'only active consents can be granted');
  const scopes = concept(c['scope'], 'scope', FHIR_SYSTEMS.consentScope, ['patient-privacy']);
  if (scopes.length === 0) fail('scope', 'expected patient-privacy');
  if (c['patient'] === undefined) fail('patient', 'required');
  const ref = str(obj(c['patient'], 'patient')['reference'], 'patient.reference');
  const m = /^Patient\/([^/]+)$/.exec(ref);
  if (m?.[1] === undefined) fail('patient.reference', 'expected Patient/<pseudonym>');
  if (c['provision'] === undefined) fail('provision', 'required');
  const root = provision(c['provision'], 'provision', 1, policyDefault(c['policyRule']));
  if (root.grantee === undefined) fail('provision.actor', 'required');

  const parsed = consentGrantSchema.safeParse({ patient: m[1], grantee: root.grantee, provision: root.provision });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(issue ? issue.path.map(String).join('.') : 'provision', issue?.message ?? 'invalid');
  }
  return parsed.data;
}
