// Consent vocabulary and argument schemas (ARCHITECTURE section 5, consent),
// shaped after FHIR R4 Consent.provision and IHE Privacy Consent on FHIR.
// Codes come from the HL7 v3 code systems named beside each list. Everything
// here parses hostile input: transaction args and stored FHIR resources.
import { z } from 'zod';
import { CONSENT_ID_PATTERN, PURPOSES_OF_USE, type PurposeOfUse } from './keys.js';

export { PURPOSES_OF_USE };
export type { PurposeOfUse };

/**
 * FHIR R4 consent-action codes (http://terminology.hl7.org/CodeSystem/consentaction):
 * reads decide 'access', the exchange 'access', creates 'collect', updates
 * and deletes 'correct'. A provision without actions covers all of them.
 */
export const CONSENT_ACTIONS = ['access', 'collect', 'use', 'disclose', 'correct'] as const;
/** v3 Confidentiality (http://terminology.hl7.org/CodeSystem/v3-Confidentiality). */
export const CONFIDENTIALITY_CODES = ['U', 'L', 'M', 'N', 'R', 'V'] as const;
/**
 * v3 ActCode sensitivity codes (http://terminology.hl7.org/CodeSystem/v3-ActCode,
 * the _ActInformationSensitivityPolicy concepts): data carrying any of them
 * is released only by a permit that names it (decide.ts).
 */
export const SENSITIVITY_CODES = [
  'ETH', 'ETHUD', 'OPIOIDUD', 'SUD', 'COCAUD', 'DRGUD', 'HIV', 'PSY', 'PSYTHPN', 'BH', 'SEX', 'STD', 'SDV',
  'SCA', 'SICKLE', 'GDIS', 'MST', 'PREGNANT', 'SPI', 'TBOO',
] as const;
/** Confidentiality codes that restrict like a sensitivity code: restricted (R) and very restricted (V). */
export const RESTRICTED_CONFIDENTIALITY = ['R', 'V'] as const;
/** Labels a permit must name before it releases data carrying them (README, security model). */
export const RESTRICTED_LABELS: readonly string[] = [...SENSITIVITY_CODES, ...RESTRICTED_CONFIDENTIALITY];
export const SECURITY_LABELS = [...CONFIDENTIALITY_CODES, ...SENSITIVITY_CODES] as const;

/** Root provision is depth 1; nested exceptions go at most three levels further. */
export const MAX_PROVISION_DEPTH = 4;
/** Bounds the work of one evaluation: provision nodes per grant. */
export const MAX_PROVISION_NODES = 64;

export type ConsentAction = (typeof CONSENT_ACTIONS)[number];
export type SecurityLabel = (typeof SECURITY_LABELS)[number];

/** Ledger identifiers (org, member, pseudonym): no '/', since they are parts of state keys. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** FHIR resource type names (Observation, Condition, ...). */
export const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]{1,63}$/;
/** The ledger's canonical instant: RFC 3339 UTC with milliseconds (block time's format). */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Normalises an RFC 3339 date-time (seconds required, 'Z' or offset) to the
 * canonical UTC millisecond form, so instants compare as strings. Returns
 * undefined for anything else, including out-of-range fields and years the
 * canonical form cannot hold.
 */
export function normalizeInstant(text: string): string | undefined {
  if (CANONICAL_INSTANT.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) || new Date(ms).toISOString() !== text ? undefined : text;
  }
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  // Date.parse silently rolls over some invalid fields; check them first.
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (date.getUTCDate() !== Number(d) || date.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const out = new Date(ms).toISOString();
  return CANONICAL_INSTANT.test(out) ? out : undefined;
}

const instant = z.string().transform((s, ctx) => {
  const n = normalizeInstant(s);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 date-time with seconds and zone' });
    return z.NEVER;
  }
  return n;
});

export const idSchema = z.string().regex(ID_PATTERN);

export const periodSchema = z
  .strictObject({ start: instant.optional(), end: instant.optional() })
  .refine((p) => p.start === undefined || p.end === undefined || p.start < p.end, {
    message: 'period.start must be before period.end',
  });

/** A FHIR-shaped provision; absent or empty lists mean "any". */
export interface Provision {
  type: 'permit' | 'deny';
  actions?: ConsentAction[];
  resourceTypes?: string[];
  securityLabels?: SecurityLabel[];
  purposes?: PurposeOfUse[];
  period?: { start?: string; end?: string };
  provisions?: Provision[];
}

const rawProvisionSchema = z.strictObject({
  type: z.enum(['permit', 'deny']),
  actions: z.array(z.enum(CONSENT_ACTIONS)).max(CONSENT_ACTIONS.length * 2).optional(),
  resourceTypes: z.array(z.string().regex(RESOURCE_TYPE_PATTERN)).max(64).optional(),
  securityLabels: z.array(z.enum(SECURITY_LABELS)).max(SECURITY_LABELS.length * 2).optional(),
  purposes: z.array(z.enum(PURPOSES_OF_USE)).max(PURPOSES_OF_USE.length * 2).optional(),
  period: periodSchema.optional(),
  get provisions(): z.ZodOptional<z.ZodArray<typeof rawProvisionSchema>> {
    return z.array(rawProvisionSchema).max(MAX_PROVISION_NODES).optional();
  },
});
type RawProvision = z.infer<typeof rawProvisionSchema>;

function uniqueSorted<T extends string>(list: readonly T[] | undefined): T[] | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return [...new Set(list)].sort();
}

/**
 * Canonical stored form: lists deduplicated and sorted, empty lists and
 * absent fields omitted (both mean "any"), instants normalised. Two grants
 * that mean the same thing are stored identically.
 */
export function canonicalProvision(p: RawProvision): Provision {
  const out: Provision = { type: p.type };
  const actions = uniqueSorted(p.actions);
  if (actions) out.actions = actions;
  const resourceTypes = uniqueSorted(p.resourceTypes);
  if (resourceTypes) out.resourceTypes = resourceTypes;
  const securityLabels = uniqueSorted(p.securityLabels);
  if (securityLabels) out.securityLabels = securityLabels;
  const purposes = uniqueSorted(p.purposes);
  if (purposes) out.purposes = purposes;
  if (p.period && (p.period.start !== undefined || p.period.end !== undefined)) {
    out.period = {};
    if (p.period.start !== undefined) out.period.start = p.period.start;
    if (p.period.end !== undefined) out.period.end = p.period.end;
  }
  if (p.provisions && p.provisions.length > 0) out.provisions = p.provisions.map(canonicalProvision);
  return out;
}

function shape(p: RawProvision): { depth: number; nodes: number } {
  let depth = 0;
  let nodes = 1;
  for (const child of p.provisions ?? []) {
    const s = shape(child);
    depth = Math.max(depth, s.depth);
    nodes += s.nodes;
  }
  return { depth: depth + 1, nodes };
}

export const provisionSchema = rawProvisionSchema
  .superRefine((p, ctx) => {
    const s = shape(p);
    if (s.depth > MAX_PROVISION_DEPTH) {
      ctx.addIssue({ code: 'custom', message: `provisions nest deeper than ${MAX_PROVISION_DEPTH}`, path: ['provisions'] });
    }
    if (s.nodes > MAX_PROVISION_NODES) {
      ctx.addIssue({ code: 'custom', message: `more than ${MAX_PROVISION_NODES} provisions`, path: ['provisions'] });
    }
  })
  .transform(canonicalProvision);

export type Grantee = { kind: 'practitioner'; orgId: string; memberId: string } | { kind: 'organization'; orgId: string };

export const granteeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('practitioner'), orgId: idSchema, memberId: idSchema }),
  z.strictObject({ kind: z.literal('organization'), orgId: idSchema }),
]);

/** A grant in clear: what a sealed body says (sealed.ts) and what consentFromFhir returns. */
export interface ConsentGrant {
  patient: string;
  grantee: Grantee;
  provision: Provision;
}

export const consentGrantSchema: z.ZodType<ConsentGrant> = z.strictObject({
  patient: idSchema,
  grantee: granteeSchema,
  provision: provisionSchema,
});

export const revokeArgsSchema = z.strictObject({ patient: idSchema, consentId: z.string().regex(CONSENT_ID_PATTERN) });
export type RevokeArgs = z.infer<typeof revokeArgsSchema>;
