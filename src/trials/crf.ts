// Case report form entries off the ledger: the canonical bytes of one
// version (what the vault seals and the commitment covers), the vault record
// that holds it, and the schema of entered values. The commitment binds the
// values to their trial, participant, visit, form and version, so a row
// cannot be moved elsewhere and still match an anchor.
import { z } from 'zod';
import { canonicalBytes, sha256, toHex, utf8 } from '../crypto/index.js';
import { CHANGE_REASONS, CRF_ID_PATTERN, type ChangeReason } from '../contracts/trials/index.js';

export const CRF_FORMAT = 'careledger.crf/1';
export const CRF_RESOURCE_TYPE = 'TrialCrfEntry';
export const MAX_CRF_ITEMS = 200;

/** Entered values: item id -> a scalar (free text up to 2,000 characters). */
export const crfValuesSchema = z
  .record(z.string().regex(CRF_ID_PATTERN), z.union([z.string().max(2000), z.number().finite(), z.boolean(), z.null()]))
  .refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= MAX_CRF_ITEMS, `1 to ${MAX_CRF_ITEMS} items`);
export type CrfValues = z.infer<typeof crfValuesSchema>;

/** One version of a form as committed: everything the commitment covers. */
export interface CrfEntry {
  trialId: string;
  participant: string;
  visit: string;
  form: string;
  version: number;
  values: CrfValues;
  reason: ChangeReason;
  /** The free-text reason for a change (never on the ledger). */
  note?: string;
}

export const crfEntrySchema = z.strictObject({
  trialId: z.string(),
  participant: z.string(),
  visit: z.string().regex(CRF_ID_PATTERN),
  form: z.string().regex(CRF_ID_PATTERN),
  version: z.number().int().min(1),
  values: crfValuesSchema,
  reason: z.enum(CHANGE_REASONS),
  note: z.string().max(1000).optional(),
});

/** The bytes sealed in the vault and committed on the ledger: JCS({format, ...entry}). */
export function crfPlaintext(entry: CrfEntry): Uint8Array {
  // Keys already in RFC 8785 order, so the canonicaliser takes its fast path (same bytes either way).
  const { form, note, participant, reason, trialId, values, version, visit } = entry;
  return canonicalBytes(
    note === undefined
      ? { form, format: CRF_FORMAT, participant, reason, trialId, values, version, visit }
      : { form, format: CRF_FORMAT, note, participant, reason, trialId, values, version, visit },
  );
}

/** The vault record id of a form (all its versions): `crf.` + 40 hex of SHA-256 over its place. */
export function crfRecordId(trialId: string, participant: string, visit: string, form: string): string {
  return 'crf.' + toHex(sha256(utf8(`${CRF_FORMAT}\n${trialId}\n${participant}\n${visit}\n${form}`)).subarray(0, 20));
}

/** Parses vault bytes back into an entry (INTERNAL-worthy if they do not parse: the vault authenticated them). */
export function parseCrfPlaintext(bytes: Uint8Array): CrfEntry | undefined {
  try {
    const { format, ...rest } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { format?: unknown };
    if (format !== CRF_FORMAT) return undefined;
    const parsed = crfEntrySchema.safeParse(rest);
    return parsed.success ? (parsed.data as CrfEntry) : undefined;
  } catch {
    return undefined;
  }
}
