// Argument schemas of the records contract. Record ids follow FHIR's id rule
// ([A-Za-z0-9.-]{1,64}, widened to 80 for custodian prefixes); commitments are
// HMAC-SHA-256 outputs (32 bytes) in canonical base64url.
import { z } from 'zod';
import { fromBase64Url } from '../../crypto/index.js';
import { PSEUDONYM_PATTERN } from '../identity/keys.js';
import { RECORD_ID_PATTERN, RESOURCE_TYPE_PATTERN } from './keys.js';

export { RECORD_ID_PATTERN, RESOURCE_TYPE_PATTERN, PSEUDONYM_PATTERN };
export const ANCHOR_OPS = ['create', 'update', 'delete'] as const;
export const MAX_ANCHORS_PER_TX = 500;
export const COMMITMENT_BYTES = 32;

export const recordIdSchema = z.string().regex(RECORD_ID_PATTERN);
export const resourceTypeSchema = z.string().regex(RESOURCE_TYPE_PATTERN);
export const pseudonymSchema = z.string().regex(PSEUDONYM_PATTERN);
export const commitmentSchema = z
  .string()
  .refine((s) => fromBase64Url(s)?.byteLength === COMMITMENT_BYTES, `expected canonical base64url of ${COMMITMENT_BYTES} bytes`);

/**
 * One record version to anchor. 'create' only at version 1 and 'delete' never
 * at version 1 (nothing to delete); 'update' may create (FHIR update-as-create).
 */
export const anchorSchema = z
  .strictObject({
    recordId: recordIdSchema,
    patient: pseudonymSchema,
    resourceType: resourceTypeSchema,
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    commitment: commitmentSchema,
    op: z.enum(ANCHOR_OPS),
  })
  .refine((a) => a.op !== 'create' || a.version === 1, { message: "op 'create' requires version 1", path: ['op'] })
  .refine((a) => a.op !== 'delete' || a.version > 1, { message: "op 'delete' requires version > 1", path: ['op'] });

export const anchorArgsSchema = z.strictObject({
  anchors: z
    .array(anchorSchema)
    .min(1)
    .max(MAX_ANCHORS_PER_TX)
    .refine((list) => new Set(list.map((a) => a.recordId)).size === list.length, 'a recordId is anchored twice in one transaction'),
});

export type Anchor = z.infer<typeof anchorSchema>;
export type AnchorArgs = z.infer<typeof anchorArgsSchema>;
