// Schemas of the access contract. Two kinds of thing: the access event (an
// IHE BALP / FHIR AuditEvent: who, whose data, which interaction, which record
// versions, purposeOfUse, consents relied on, a break-glass reason), which
// never goes on the ledger and is kept by its custodian (docs/privacy.md);
// and the action args, which carry only chain heads, opaque references,
// outcomes and counts.
import { z } from 'zod';
import { RFC3339_MILLIS, isRealInstant } from '../../ledger/tx.js';
import { CONSENT_ID_PATTERN, PURPOSES_OF_USE } from '../consent/keys.js';
import { ORG_ID_PATTERN } from '../governance/keys.js';
import { DELEGATE_ID_PATTERN, MEMBER_ID_PATTERN, PSEUDONYM_PATTERN } from '../identity/keys.js';
import { RECORD_ID_PATTERN, RESOURCE_TYPE_PATTERN } from '../records/keys.js';
import { INCIDENT_KINDS, type IncidentKind } from './keys.js';

export { PSEUDONYM_PATTERN, DELEGATE_ID_PATTERN, MEMBER_ID_PATTERN, ORG_ID_PATTERN, RECORD_ID_PATTERN, RESOURCE_TYPE_PATTERN, CONSENT_ID_PATTERN };
export { INCIDENT_KINDS };
export type { IncidentKind };
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const EVENT_ID_PATTERN = /^ae-[0-9a-f]{32}$/;
/** A blinded per-patient chain id: 'ch-' + hex(HMAC-SHA-256(custodian chain key, pseudonym)). */
export const CHAIN_ID_PATTERN = /^ch-[0-9a-f]{64}$/;
/** A SHA-256 value in lowercase hex (chain heads, break-glass references, incident subjects). */
export const HASH_HEX_PATTERN = /^[0-9a-f]{64}$/;
/** Identifiers that must never appear in free text on the ledger. */
const IDENTIFIER_IN_TEXT = /(pt|dg)-[0-9a-f]{32}/;

/** FHIR REST interactions (DOMAIN.md, BALP subtypes) plus 'disclose' for transfers to another organisation. */
export const INTERACTIONS = ['read', 'vread', 'search', 'history', 'everything', 'disclose', 'create', 'update', 'delete'] as const;
/** v3 ActReason purposes of use accepted in the audit trail (the consent vocabulary's list). */
export const PURPOSES = PURPOSES_OF_USE;
/** Purposes under which the glass may be broken. */
export const BREAK_GLASS_PURPOSES: readonly Purpose[] = ['ETREAT', 'BTG'];
/** Chain entries (and break-glass references) per anchor transaction. */
export const MAX_ANCHOR_ENTRIES = 500;
export const MAX_RECORDS_PER_EVENT = 1000;

/** Single-line text (no control characters, not blank) of 1..max characters. It must never carry health data. */
export const lineTextSchema = (max: number) =>
  z.string().min(1).max(max).regex(/^\P{Cc}*$/u, 'must be a single line').regex(/\S/, 'must not be blank');
export const instantSchema = z.string().regex(RFC3339_MILLIS).refine(isRealInstant, 'not a real instant');
export const pseudonymSchema = z.string().regex(PSEUDONYM_PATTERN);
export const orgIdSchema = z.string().regex(ORG_ID_PATTERN);
export const recordIdSchema = z.string().regex(RECORD_ID_PATTERN);
export const chainIdSchema = z.string().regex(CHAIN_ID_PATTERN);
export const hashHexSchema = z.string().regex(HASH_HEX_PATTERN);
const seqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const uniqueList = <T extends z.ZodType<string>>(item: T, max: number) =>
  z.array(item).max(max).refine((l) => new Set(l).size === l.length, 'an entry is listed twice');

/** Who accessed: a member of an organisation, the patient, or a delegate. Asserted by the custodian. */
export const accessorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('member'), orgId: orgIdSchema, memberId: z.string().regex(MEMBER_ID_PATTERN) }),
  z.strictObject({ kind: z.literal('patient'), id: pseudonymSchema }),
  z.strictObject({ kind: z.literal('delegate'), id: z.string().regex(DELEGATE_ID_PATTERN) }),
]);

/**
 * One access or disclosure, as the custodian keeps it OFF the ledger.
 * breakGlass requires purpose ETREAT or BTG, and purpose BTG requires
 * breakGlass; recipientOrg only with 'disclose'.
 */
export const accessEventSchema = z
  .strictObject({
    patient: pseudonymSchema,
    accessor: accessorSchema,
    interaction: z.enum(INTERACTIONS),
    records: z
      .array(z.strictObject({ recordId: recordIdSchema, version: seqSchema }))
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

/** One chain advance: events `from`..`seq` of a chain were appended; `head` is the chain head after `seq`. */
export const chainEntrySchema = z
  .strictObject({ chain: chainIdSchema, from: seqSchema, seq: seqSchema, head: hashHexSchema })
  .refine((e) => e.from <= e.seq, { message: 'from must not exceed seq', path: ['from'] });

/** access/anchor: chain heads and break-glass references of one flushed batch; no identifiers, no reasons. */
export const anchorArgsSchema = z
  .strictObject({
    entries: z
      .array(chainEntrySchema)
      .max(MAX_ANCHOR_ENTRIES)
      .refine((l) => new Set(l.map((e) => e.chain)).size === l.length, 'a chain is listed twice'),
    breakGlass: uniqueList(hashHexSchema, MAX_ANCHOR_ENTRIES),
  })
  .refine((a) => a.entries.length + a.breakGlass.length > 0, { message: 'nothing to anchor', path: ['entries'] });

/** The custodian node's attestation that the reviewer is not the accessor (docs/privacy.md). */
export const attestationSchema = z.strictObject({
  keyId: z.string().min(1).max(128),
  sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});

export const reviewArgsSchema = z.strictObject({
  ref: hashHexSchema,
  outcome: z.enum(['justified', 'unjustified']),
  attestation: attestationSchema,
});

export const incidentArgsSchema = z.strictObject({
  kind: z.enum(INCIDENT_KINDS),
  custodianOrg: orgIdSchema,
  /** incidentSubject(requestId, pseudonym): binds the incident to a request and patient without naming them. */
  subject: hashHexSchema,
  detail: lineTextSchema(256).refine((t) => !IDENTIFIER_IN_TEXT.test(t), 'detail must not name a patient or delegate'),
});

export type Purpose = (typeof PURPOSES)[number];
export type Interaction = (typeof INTERACTIONS)[number];
export type Accessor = z.infer<typeof accessorSchema>;
export type AccessEvent = z.infer<typeof accessEventSchema>;
export type ChainEntry = z.infer<typeof chainEntrySchema>;
export type AnchorArgs = z.infer<typeof anchorArgsSchema>;
export type ReviewArgs = z.infer<typeof reviewArgsSchema>;
export type Attestation = z.infer<typeof attestationSchema>;
export type IncidentArgs = z.infer<typeof incidentArgsSchema>;
