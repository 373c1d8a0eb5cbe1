// Argument schemas of the access contract. An access event mirrors an IHE
// BALP / FHIR AuditEvent (who, whose data, which interaction, which record
// versions, purposeOfUse, consents relied on) without any health data.
import { z } from 'zod';
import { RFC3339_MILLIS, isRealInstant } from '../../ledger/tx.js';

export const PSEUDONYM_PATTERN = /^pt-[0-9a-f]{32}$/;
export const DELEGATE_ID_PATTERN = /^dg-[0-9a-f]{32}$/;
export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const MEMBER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const RECORD_ID_PATTERN = /^[A-Za-z0-9.-]{1,80}$/;
export const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]{1,63}$/;
/** Consent ids as the consent contract derives them: 'cns_' + base64url(16 bytes). */
export const CONSENT_ID_PATTERN = /^cns_[A-Za-z0-9_-]{22}$/;
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const EVENT_ID_PATTERN = /^ae-[0-9a-f]{32}$/;

/** FHIR REST interactions (DOMAIN.md, BALP subtypes) plus 'disclose' for transfers to another organisation. */
export const INTERACTIONS = ['read', 'vread', 'search', 'history', 'everything', 'disclose', 'create', 'update', 'delete'] as const;
/** v3 ActReason purposes of use accepted in the audit trail. */
export const PURPOSES = ['TREAT', 'HPAYMT', 'HOPERAT', 'HRESCH', 'ETREAT', 'BTG'] as const;
/** Purposes under which the glass may be broken. */
export const BREAK_GLASS_PURPOSES: readonly Purpose[] = ['ETREAT', 'BTG'];
export const MAX_EVENTS_PER_TX = 500;
export const MAX_RECORDS_PER_EVENT = 1000;

/** Single-line text (no control characters, not blank) of 1..max characters. It must never carry health data. */
export const lineTextSchema = (max: number) =>
  z.string().min(1).max(max).regex(/^\P{Cc}*$/u, 'must be a single line').regex(/\S/, 'must not be blank');
export const instantSchema = z.string().regex(RFC3339_MILLIS).refine(isRealInstant, 'not a real instant');
export const pseudonymSchema = z.string().regex(PSEUDONYM_PATTERN);
export const orgIdSchema = z.string().regex(ORG_ID_PATTERN);
export const recordIdSchema = z.string().regex(RECORD_ID_PATTERN);
export const eventIdSchema = z.string().regex(EVENT_ID_PATTERN);

const uniqueList = <T extends z.ZodType<string>>(item: T, max: number) =>
  z.array(item).max(max).refine((l) => new Set(l).size === l.length, 'an entry is listed twice');

/** Who accessed: a member of an organisation, the patient, or a delegate. Asserted by the signing custodian. */
export const accessorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('member'), orgId: orgIdSchema, memberId: z.string().regex(MEMBER_ID_PATTERN) }),
  z.strictObject({ kind: z.literal('patient'), id: pseudonymSchema }),
  z.strictObject({ kind: z.literal('delegate'), id: z.string().regex(DELEGATE_ID_PATTERN) }),
]);

/**
 * One access or disclosure. breakGlass requires purpose ETREAT or BTG, and
 * purpose BTG requires breakGlass; recipientOrg only with 'disclose'. These
 * depend on the args alone, so they are INVALID_ARGS (refused at the edge).
 */
export const accessEventSchema = z
  .strictObject({
    patient: pseudonymSchema,
    accessor: accessorSchema,
    interaction: z.enum(INTERACTIONS),
    records: z
      .array(z.strictObject({ recordId: recordIdSchema, version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }))
      .max(MAX_RECORDS_PER_EVENT),
    resourceTypes: uniqueList(z.string().regex(RESOURCE_TYPE_PATTERN), 256),
    purpose: z.enum(PURPOSES),
    consentIds: uniqueList(z.string().regex(CONSENT_ID_PATTERN), 128),
    breakGlass: z.strictObject({ reason: lineTextSchema(500) }).optional(),
    recipientOrg: orgIdSchema.optional(),
    requestId: z.string().regex(REQUEST_ID_PATTERN),
    at: instantSchema,
  })
  .refine((e) => e.breakGlass === undefined || BREAK_GLASS_PURPOSES.includes(e.purpose), {
    message: 'breakGlass requires purpose ETREAT or BTG',
    path: ['breakGlass'],
  })
  .refine((e) => e.purpose !== 'BTG' || e.breakGlass !== undefined, { message: 'purpose BTG requires breakGlass', path: ['purpose'] })
  .refine((e) => e.recipientOrg === undefined || e.interaction === 'disclose', {
    message: "recipientOrg requires interaction 'disclose'",
    path: ['recipientOrg'],
  });

export const recordArgsSchema = z.strictObject({ events: z.array(accessEventSchema).min(1).max(MAX_EVENTS_PER_TX) });

export const reviewArgsSchema = z.strictObject({
  eventId: eventIdSchema,
  outcome: z.enum(['justified', 'unjustified']),
  note: lineTextSchema(256).optional(),
});

export const INCIDENT_KINDS = ['integrity-mismatch', 'exchange-refused'] as const;

export const incidentArgsSchema = z
  .strictObject({
    kind: z.enum(INCIDENT_KINDS),
    custodianOrg: orgIdSchema,
    patient: pseudonymSchema,
    recordId: recordIdSchema.optional(),
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    detail: lineTextSchema(256),
  })
  .refine((a) => a.version === undefined || a.recordId !== undefined, { message: 'version requires recordId', path: ['version'] });

export type Purpose = (typeof PURPOSES)[number];
export type Interaction = (typeof INTERACTIONS)[number];
export type Accessor = z.infer<typeof accessorSchema>;
export type AccessEvent = z.infer<typeof accessEventSchema>;
export type RecordArgs = z.infer<typeof recordArgsSchema>;
export type ReviewArgs = z.infer<typeof reviewArgsSchema>;
export type IncidentArgs = z.infer<typeof incidentArgsSchema>;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];
