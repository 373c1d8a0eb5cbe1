// Argument schemas of the trials contract's actions. Hashes of documents
// (protocol, statistical analysis plan, results) are SHA-256 in lowercase hex;
// CRF commitments are the vault's HMAC-SHA-256 (32 bytes, canonical base64url).
// Free text allowed on the ledger is about the trial, never a participant:
// titles, endpoint names, amendment reasons, ethics references.
import { z } from 'zod';
import { fromBase64Url, KEY_ID_PATTERN } from '../../crypto/index.js';
import { ORG_ID_PATTERN } from '../governance/keys.js';
import { MEMBER_ID_PATTERN } from '../identity/keys.js';
import {
  CHANGE_REASONS,
  CONSENT_SIGNERS,
  CRF_ID_PATTERN,
  ENDPOINT_ID_PATTERN,
  ENDPOINT_TYPES,
  PARTICIPANT_PATTERN,
  SIGNATURE_MEANINGS,
  TRIAL_ID_PATTERN,
  TRIAL_PHASES,
} from './keys.js';

export const MAX_SITES = 64;
export const MAX_ENDPOINTS = 50;
export const MAX_CONSENT_KEYS = 3;

const hasControl = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
const text = (max: number) => z.string().min(1).max(max).refine((s) => !hasControl(s), 'control characters are not allowed');
const unique = <T>(key: (x: T) => string) => (list: T[]) => new Set(list.map(key)).size === list.length;

export const trialIdSchema = z.string().regex(TRIAL_ID_PATTERN);
export const participantSchema = z.string().regex(PARTICIPANT_PATTERN);
export const crfIdSchema = z.string().regex(CRF_ID_PATTERN);
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected SHA-256 as 64 lowercase hex digits');
export const commitmentSchema = z
  .string()
  .refine((s) => fromBase64Url(s)?.byteLength === 32, 'expected canonical base64url of 32 bytes');
export const keyIdSchema = z.string().regex(KEY_ID_PATTERN);
export const versionSchema = z.number().int().min(1).max(1_000_000);
export const orgIdSchema = z.string().regex(ORG_ID_PATTERN);
export const memberRefSchema = z.strictObject({ orgId: orgIdSchema, memberId: z.string().regex(MEMBER_ID_PATTERN) });

export const endpointSchema = z.strictObject({
  id: z.string().regex(ENDPOINT_ID_PATTERN),
  type: z.enum(ENDPOINT_TYPES),
  title: text(300),
  timeFrame: text(120),
});

/** Endpoints as reported with results: unique ids. */
export const reportedEndpointsSchema = z
  .array(endpointSchema)
  .min(1)
  .max(MAX_ENDPOINTS)
  .refine(unique((e: { id: string }) => e.id), 'an endpoint id is listed twice');

/** Endpoints as pre-specified in a protocol version: unique ids and at least one primary. */
export const endpointsSchema = reportedEndpointsSchema.refine(
  (list) => list.some((e) => e.type === 'primary'),
  'at least one primary endpoint is required',
);

export const registerArgs = z.strictObject({
  trialId: trialIdSchema,
  registryId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{2,39}$/),
  title: text(300),
  phase: z.enum(TRIAL_PHASES),
  sites: z.array(orgIdSchema).min(1).max(MAX_SITES).refine(unique((s: string) => s), 'a site is listed twice'),
  investigators: z.array(memberRefSchema).min(1).max(MAX_SITES * 4).refine(unique((m: { orgId: string; memberId: string }) => `${m.orgId}/${m.memberId}`), 'an investigator is listed twice'),
  protocolHash: sha256HexSchema,
  sapHash: sha256HexSchema,
  endpoints: endpointsSchema,
});

export const amendArgs = z.strictObject({
  trialId: trialIdSchema,
  /** The new version: exactly the current one plus one. */
  version: versionSchema.min(2),
  protocolHash: sha256HexSchema,
  sapHash: sha256HexSchema,
  endpoints: endpointsSchema,
  reason: text(500),
  ethicsRef: text(120),
  reconsentRequired: z.boolean(),
});

export const addParticipantArgs = z.strictObject({
  trialId: trialIdSchema,
  participant: participantSchema,
  consentKeys: z
    .array(z.strictObject({ keyId: keyIdSchema, role: z.enum(CONSENT_SIGNERS) }))
    .min(1)
    .max(MAX_CONSENT_KEYS)
    .refine(unique((k: { keyId: string }) => k.keyId), 'a consent key is listed twice'),
});

/** A participant's signature over a consent statement (statements.ts). */
export const attestationSchema = z.strictObject({
  keyId: keyIdSchema,
  sig: z.string().refine((s) => fromBase64Url(s)?.byteLength === 64, 'expected base64url of 64 bytes'),
});

export const consentArgs = z.strictObject({ trialId: trialIdSchema, participant: participantSchema, version: versionSchema, attestation: attestationSchema });
export const participantArgs = z.strictObject({ trialId: trialIdSchema, participant: participantSchema });
/** Withdrawal: signed by the participant (attestation) or recorded by the site alone. */
export const withdrawArgs = participantArgs.extend({ attestation: attestationSchema.optional() });

export const anchorCrfArgs = z.strictObject({
  trialId: trialIdSchema,
  participant: participantSchema,
  visit: crfIdSchema,
  form: crfIdSchema,
  version: versionSchema,
  commitment: commitmentSchema,
  reason: z.enum(CHANGE_REASONS),
  author: z.string().regex(MEMBER_ID_PATTERN),
}).refine((a) => (a.version === 1) === (a.reason === 'initial'), { message: "reason 'initial' exactly for version 1", path: ['reason'] });

export const signEntryArgs = z.strictObject({
  trialId: trialIdSchema,
  participant: participantSchema,
  visit: crfIdSchema,
  form: crfIdSchema,
  version: versionSchema,
  /** The commitment being signed: the signature binds to exactly that content. */
  commitment: commitmentSchema,
  meaning: z.enum(SIGNATURE_MEANINGS),
});

export const lockArgs = z.strictObject({ trialId: trialIdSchema });

export const declareResultsArgs = z.strictObject({
  trialId: trialIdSchema,
  resultsHash: sha256HexSchema,
  endpoints: reportedEndpointsSchema,
});

export type RegisterArgs = z.infer<typeof registerArgs>;
export type AmendArgs = z.infer<typeof amendArgs>;
export type AnchorCrfArgs = z.infer<typeof anchorCrfArgs>;
export type SignEntryArgs = z.infer<typeof signEntryArgs>;
