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

/** What the commitment covers besides the trial id: a CrfEntry, or a dataset row (its salt is not covered). */
export type CrfContent = Omit<CrfEntry, 'trialId' | 'note'> & { note?: string | undefined };

/** The bytes sealed in the vault and committed on the ledger: JCS({format, ...entry}). */
export function crfPlaintext(entry: CrfEntry): Uint8Array {
  return crfBytes(entry.trialId, entry);
}

/** Any UTF-16 surrogate: RFC 8785 refuses lone ones, so such text goes to the one canonicaliser to decide. */
const SURROGATE = /[\ud800-\udfff]/;

/** JSON text of a scalar as RFC 8785 writes it (ECMAScript's JSON.stringify), or undefined when the canonicaliser must decide. */
function scalarJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return SURROGATE.test(value) ? undefined : JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : undefined;
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      return undefined;
  }
}

/**
 * JCS({format, trialId, ...content}) written in one pass: the entry's keys
 * are fixed and written in RFC 8785 order, the values' item ids sorted by
 * UTF-16 code units, every scalar as JSON.stringify writes it (RFC 8785
 * 3.2.2). No intermediate object, no generic key walk: this is the hot
 * path of dataset verification (one call per row). Anything outside that
 * shape (a surrogate, a non-finite number, a nested value) goes to the one
 * canonicaliser, canonicalBytes; a property test checks both agree.
 */
export function crfBytes(trialId: string, content: CrfContent): Uint8Array {
  const { form, note, participant, reason, values, version, visit } = content;
  const items = Object.keys(values).sort();
  let json = '';
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const value = scalarJson(values[item]);
    const key = scalarJson(item);
    if (value === undefined || key === undefined) return canonicalCrf(trialId, content);
    json += (i === 0 ? '' : ',') + key + ':' + value;
  }
  const fields = [form, participant, reason, trialId, visit, version, ...(note === undefined ? [] : [note])].map(scalarJson);
  if (fields.includes(undefined)) return canonicalCrf(trialId, content);
  const [f, p, r, t, v, n, text] = fields as string[];
  const noteJson = text === undefined ? '' : `,"note":${text}`;
  return utf8(`{"form":${f},"format":"${CRF_FORMAT}"${noteJson},"participant":${p},"reason":${r},"trialId":${t},"values":{${json}},"version":${n},"visit":${v}}`);
}

/** The same bytes through the generic canonicaliser (which refuses what RFC 8785 refuses). */
function canonicalCrf(trialId: string, content: CrfContent): Uint8Array {
  const { form, note, participant, reason, values, version, visit } = content;
  return canonicalBytes({ form, format: CRF_FORMAT, participant, reason, trialId, values, version, visit, ...(note === undefined ? {} : { note }) });
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
