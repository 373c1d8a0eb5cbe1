// Trial dataset files and their verification against the ledger's anchors.
// A dataset is the latest version of every form of a site's (or a trial's)
// participants, each row with its commitment salt, so anyone holding the file
// can check it row by row against the anchors: a row whose commitment differs
// is tampered, a row the ledger does not anchor (or a duplicate) is extra, a
// row of a superseded version is stale, an anchored form with no row is missing.
import { z } from 'zod';
import { fromBase64Url } from '../crypto/index.js';
import { COMMITMENT_SALT_BYTES, commitmentOf } from '../vault/index.js';
import type { CrfAnchor } from '../contracts/trials/index.js';
import { crfPlaintext, crfValuesSchema, type CrfEntry } from './crf.js';
import { CHANGE_REASONS, CRF_ID_PATTERN, PARTICIPANT_PATTERN, TRIAL_ID_PATTERN } from '../contracts/trials/index.js';

export const DATASET_FORMAT = 'careledger.trial-dataset/1';

export const datasetRowSchema = z.strictObject({
  participant: z.string().regex(PARTICIPANT_PATTERN),
  visit: z.string().regex(CRF_ID_PATTERN),
  form: z.string().regex(CRF_ID_PATTERN),
  version: z.number().int().min(1),
  values: crfValuesSchema,
  reason: z.enum(CHANGE_REASONS),
  note: z.string().max(1000).optional(),
  /** The commitment salt, base64url (32 bytes). */
  salt: z.string().refine((s) => fromBase64Url(s)?.byteLength === 32, 'expected base64url of 32 bytes'),
});

export const datasetSchema = z.strictObject({
  format: z.literal(DATASET_FORMAT),
  trialId: z.string().regex(TRIAL_ID_PATTERN),
  /** The exporting site; absent for a pooled dataset of every site. */
  site: z.string().optional(),
  exportedAt: z.string(),
  /** Ledger height the export was read at. */
  height: z.number().int(),
  rows: z.array(datasetRowSchema).max(10_000_000),
});

export type DatasetRow = z.infer<typeof datasetRowSchema>;
export type Dataset = z.infer<typeof datasetSchema>;

/** A row named by its position (0-based) and place. */
export interface RowRef {
  row: number;
  participant: string;
  visit: string;
  form: string;
  version: number;
}

export interface DatasetVerdict {
  ok: boolean;
  rows: number;
  matched: number;
  tampered: RowRef[];
  /** Rows of a version older than the latest anchored one. */
  stale: Array<RowRef & { latest: number }>;
  extra: Array<RowRef & { why: 'not-anchored' | 'duplicate' }>;
  missing: Array<Omit<RowRef, 'row'>>;
}

const placeOf = (r: { participant: string; visit: string; form: string }): string => `${r.participant}/${r.visit}/${r.form}`;

/** The committed entry a row claims to be. */
export function entryOfRow(trialId: string, row: DatasetRow): CrfEntry {
  const entry: CrfEntry = { trialId, participant: row.participant, visit: row.visit, form: row.form, version: row.version, values: row.values, reason: row.reason };
  return row.note === undefined ? entry : { ...entry, note: row.note };
}

/**
 * Checks every row against `anchors` (every anchored version of the forms in
 * scope, e.g. crfAnchorsOf for the dataset's site's participants). Pure.
 */
export function verifyDatasetRows(dataset: Dataset, anchors: readonly CrfAnchor[]): DatasetVerdict {
  // One map entry per form: its latest anchor, and every anchored version (most forms have one).
  const byPlace = new Map<string, { latest: CrfAnchor; versions: CrfAnchor[] }>();
  for (const a of anchors) {
    const place = placeOf(a);
    const known = byPlace.get(place);
    if (known === undefined) {
      byPlace.set(place, { latest: a, versions: [a] });
    } else {
      known.versions.push(a);
      if (known.latest.version < a.version) known.latest = a;
    }
  }
  const verdict: DatasetVerdict = { ok: true, rows: dataset.rows.length, matched: 0, tampered: [], stale: [], extra: [], missing: [] };
  const seen = new Set<string>();
  dataset.rows.forEach((row, index) => {
    const ref: RowRef = { row: index, participant: row.participant, visit: row.visit, form: row.form, version: row.version };
    const place = placeOf(row);
    const form = byPlace.get(place);
    if (seen.has(place)) {
      verdict.extra.push({ ...ref, why: 'duplicate' });
      return;
    }
    seen.add(place);
    const anchor = form?.versions.find((a) => a.version === row.version);
    if (anchor === undefined) {
      verdict.extra.push({ ...ref, why: 'not-anchored' });
      return;
    }
    // Commitments are public (on the ledger): a plain comparison of their canonical base64url is enough.
    const salt = Buffer.from(row.salt, 'base64url');
    if (salt.byteLength !== COMMITMENT_SALT_BYTES || commitmentOf(salt, crfPlaintext(entryOfRow(dataset.trialId, row))) !== anchor.anchor.commitment) {
      verdict.tampered.push(ref);
      return;
    }
    const newest = form?.latest.version ?? row.version;
    if (newest > row.version) {
      verdict.stale.push({ ...ref, latest: newest });
      return;
    }
    verdict.matched++;
  });
  for (const [place, { latest: a }] of byPlace) {
    if (!seen.has(place)) verdict.missing.push({ participant: a.participant, visit: a.visit, form: a.form, version: a.version });
  }
  verdict.ok = verdict.tampered.length === 0 && verdict.stale.length === 0 && verdict.extra.length === 0 && verdict.missing.length === 0;
  return verdict;
}
