// fast-check generators for consent property tests: canonical provisions
// (as the schema stores them), grants over the test world's grantees, and
// access requests over the same small vocabulary so that matches are common.
import fc from 'fast-check';
import type { AccessRequest } from '../../src/contracts/consent/decide.js';
import { CONSENT_ACTIONS, PURPOSES_OF_USE, consentGrantSchema, type ConsentGrant, type Grantee, type Provision, type SecurityLabel } from '../../src/contracts/consent/schema.js';
import { CLINIC, HOSP, PATIENT, T0, addHours } from './consent-world.js';

export const RESOURCE_TYPES = ['Observation', 'Condition', 'MedicationRequest', 'DiagnosticReport'] as const;
/**
 * Labels the generators use: unrestricted (N), restricted confidentiality (R, V)
 * and a few sensitivity codes; small, so that provisions and data share labels often.
 */
export const LABEL_VOCABULARY: readonly SecurityLabel[] = ['N', 'R', 'V', 'ETH', 'HIV', 'PSY', 'SEX', 'SUD'];
/** Instants around T0 (hours offset), shared by periods and decision times. */
export const arbTime = fc.integer({ min: -48, max: 96 }).map((h) => addHours(T0, h));

const sub = <T>(values: readonly T[]) => fc.option(fc.subarray([...values], { minLength: 1 }), { nil: undefined });

const arbPeriod = fc.option(
  fc.tuple(fc.option(arbTime, { nil: undefined }), fc.option(arbTime, { nil: undefined })).map(([a, b]) => {
    if (a !== undefined && b !== undefined && a >= b) return a === b ? { start: a } : { start: b, end: a };
    return { ...(a === undefined ? {} : { start: a }), ...(b === undefined ? {} : { end: b }) };
  }),
  { nil: undefined },
);

function arbProvisionAt(depth: number, type?: 'permit' | 'deny'): fc.Arbitrary<Provision> {
  const children = depth >= 3 ? fc.constant(undefined) : fc.option(fc.array(arbProvisionAt(depth + 1, type), { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 });
  return fc
    .record({
      type: type === undefined ? fc.constantFrom('permit' as const, 'deny' as const) : fc.constant(type),
      actions: sub(CONSENT_ACTIONS),
      resourceTypes: sub(RESOURCE_TYPES),
      securityLabels: sub(LABEL_VOCABULARY),
      purposes: sub(PURPOSES_OF_USE),
      period: depth === 1 ? arbPeriod : fc.constant(undefined),
      provisions: children,
    })
    .map((raw) => {
      const p: Provision = { type: raw.type };
      if (raw.actions) p.actions = raw.actions;
      if (raw.resourceTypes) p.resourceTypes = raw.resourceTypes;
      if (raw.securityLabels) p.securityLabels = raw.securityLabels;
      if (raw.purposes) p.purposes = raw.purposes;
      if (raw.period && Object.keys(raw.period).length > 0) p.period = raw.period;
      if (raw.provisions) p.provisions = raw.provisions;
      return p;
    });
}

/** A provision tree; with `type`, every node in it has that type (e.g. an all-deny grant). */
export const arbProvision = (type?: 'permit' | 'deny'): fc.Arbitrary<Provision> => arbProvisionAt(1, type);

export const arbGrantee: fc.Arbitrary<Grantee> = fc.constantFrom<Grantee>(
  { kind: 'practitioner', orgId: HOSP, memberId: 'dr-y' },
  { kind: 'practitioner', orgId: HOSP, memberId: 'dr-z' },
  { kind: 'practitioner', orgId: CLINIC, memberId: 'dr-w' },
  { kind: 'organization', orgId: HOSP },
  { kind: 'organization', orgId: CLINIC },
);

/** A grant in the canonical form the contract stores. */
export function arbGrant(patient: string = PATIENT, type?: 'permit' | 'deny'): fc.Arbitrary<ConsentGrant> {
  return fc
    .record({ grantee: arbGrantee, provision: arbProvision(type) })
    .map(({ grantee, provision }) => consentGrantSchema.parse({ patient, grantee, provision }));
}

export const arbRequest: fc.Arbitrary<AccessRequest> = fc.record({
  patient: fc.constant(PATIENT),
  requester: fc.constantFrom({ orgId: HOSP, memberId: 'dr-y' }, { orgId: HOSP, memberId: 'dr-z' }, { orgId: CLINIC, memberId: 'dr-w' }),
  action: fc.constantFrom(...CONSENT_ACTIONS),
  resourceType: fc.constantFrom(...RESOURCE_TYPES),
  securityLabels: fc.subarray([...LABEL_VOCABULARY], { maxLength: 3 }),
  purpose: fc.constantFrom(...PURPOSES_OF_USE),
});
