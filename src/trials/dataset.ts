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
import { crfBytes, crfValuesSchema, type CrfEntry } from './crf.js';
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

/** The anchored versions of one form, and whether a row has claimed it. */
interface FormAnchors {
  latest: CrfAnchor;
  versions: CrfAnchor[];
  seen: boolean;
}

type Place = { participant: string; visit: string; form: string };

const samePlace = (a: Place, b: Place): boolean => a.form === b.form && a.visit === b.visit && a.participant === b.participant;
/** Tuple order of places (participant, visit, form). */
const placeOrder = (a: Place, b: Place): number =>
  a.participant !== b.participant ? (a.participant < b.participant ? -1 : 1) : a.visit !== b.visit ? (a.visit < b.visit ? -1 : 1) : a.form < b.form ? -1 : a.form > b.form ? 1 : 0;

/** The anchors grouped by form, in place order: one pass when they come sorted (crfAnchorsOf does), a sort otherwise. */
function formsOf(anchors: readonly CrfAnchor[]): FormAnchors[] {
  let sorted = true;
  for (let i = 1; i < anchors.length && sorted; i++) sorted = placeOrder(anchors[i - 1]!, anchors[i]!) <= 0;
  const list = sorted ? anchors : [...anchors].sort(placeOrder);
  const forms: FormAnchors[] = [];
  let current: FormAnchors | undefined;
  for (const a of list) {
    if (current !== undefined && samePlace(current.latest, a)) {
      current.versions.push(a);
      if (current.latest.version < a.version) current.latest = a;
    } else {
      current = { latest: a, versions: [a], seen: false };
      forms.push(current);
    }
  }
  return forms;
}

/** The anchored version a row claims to be, or undefined. */
function anchorOf(form: FormAnchors, version: number): CrfAnchor | undefined {
  if (form.latest.version === version) return form.latest;
  return form.versions.find((a) => a.version === version);
}

/** How far ahead of the cursor a row's form is looked for before the map (a few missing rows stay cheap). */
const LOOKAHEAD = 4;

/**
 * Finds each row's form: a dataset exported in anchor order (every export
 * is) matches form after form at a cursor, with no per-row key built or
 * hashed; a row out of that order is found through a map built on first need.
 */
class FormFinder {
  readonly #forms: FormAnchors[];
  #cursor = 0;
  #byPlace: Map<string, number> | undefined;

  constructor(forms: FormAnchors[]) {
    this.#forms = forms;
  }

  find(row: Place): FormAnchors | undefined {
    const end = Math.min(this.#forms.length, this.#cursor + LOOKAHEAD);
    for (let i = this.#cursor; i < end; i++) {
      if (samePlace(this.#forms[i]!.latest, row)) return this.#at(i);
    }
    this.#byPlace ??= new Map(this.#forms.map((f, i) => [placeOf(f.latest), i]));
    const i = this.#byPlace.get(placeOf(row));
    return i === undefined ? undefined : this.#at(i);
  }

  #at(i: number): FormAnchors {
    this.#cursor = i + 1;
    return this.#forms[i]!;
  }

  unseen(): FormAnchors[] {
    return this.#forms.filter((f) => !f.seen);
  }
}

/**
 * Checks every row against `anchors` (every anchored version of the forms in
 * scope, e.g. crfAnchorsOf for the dataset's site's participants), in one
 * pass over the rows: per row its form found at a cursor, the committed
 * bytes written straight from the row (crfBytes) and one HMAC under the
 * row's salt. Pure.
 */
export function verifyDatasetRows(dataset: Dataset, anchors: readonly CrfAnchor[]): DatasetVerdict {
  const finder = new FormFinder(formsOf(anchors));
  const verdict: DatasetVerdict = { ok: true, rows: dataset.rows.length, matched: 0, tampered: [], stale: [], extra: [], missing: [] };
  const unanchoredSeen = new Set<string>();
  const { rows, trialId } = dataset;
  const refOf = (row: DatasetRow, index: number): RowRef => ({ row: index, participant: row.participant, visit: row.visit, form: row.form, version: row.version });
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    const form = finder.find(row);
    const duplicate = form === undefined ? unanchoredSeen.has(placeOf(row)) : form.seen;
    if (duplicate) {
      verdict.extra.push({ ...refOf(row, index), why: 'duplicate' });
      continue;
    }
    if (form === undefined) unanchoredSeen.add(placeOf(row));
    else form.seen = true;
    const anchor = form === undefined ? undefined : anchorOf(form, row.version);
    if (form === undefined || anchor === undefined) {
      verdict.extra.push({ ...refOf(row, index), why: 'not-anchored' });
      continue;
    }
    // Commitments are public (on the ledger): a plain comparison of their canonical base64url is enough.
    const salt = Buffer.from(row.salt, 'base64url');
    if (salt.byteLength !== COMMITMENT_SALT_BYTES || commitmentOf(salt, crfBytes(trialId, row)) !== anchor.anchor.commitment) {
      verdict.tampered.push(refOf(row, index));
      continue;
    }
    if (form.latest.version > row.version) {
      verdict.stale.push({ ...refOf(row, index), latest: form.latest.version });
      continue;
    }
    verdict.matched++;
  }
  for (const { latest: a } of finder.unseen()) verdict.missing.push({ participant: a.participant, visit: a.visit, form: a.form, version: a.version });
  verdict.ok = verdict.tampered.length === 0 && verdict.stale.length === 0 && verdict.extra.length === 0 && verdict.missing.length === 0;
  return verdict;
}
