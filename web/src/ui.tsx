// Small shared pieces of the pages: an async action with its busy state and
// error, an error box that renders the API's message as text, dates, and
// the FHIR display helpers. Everything renders through Preact text nodes:
// no resource text ever reaches an HTML parser.
import { useState } from 'preact/hooks';
import { ApiError } from './lib/http.js';

export function useAction<A extends unknown[]>(f: (...a: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (...a: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await f(...a);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message || e.code} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

export function ErrorBox({ error }: { error: unknown }) {
  if (error === undefined) return null;
  return <p class="error" role="alert">{errorText(error)}</p>;
}

// One formatter each: toLocaleString builds a new Intl formatter per call (slow over 1,000 rows).
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export function formatDate(iso: unknown): string {
  if (typeof iso !== 'string') return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE_TIME.format(d) + ' UTC';
}

export function formatDay(iso: unknown): string {
  if (typeof iso !== 'string') return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DAY.format(d);
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});

/** A CodeableConcept as a person reads it: display, text, or system|code. */
export function conceptText(c: unknown): string {
  const cc = obj(c);
  const coding = Array.isArray(cc['coding']) ? (cc['coding'] as unknown[]).map(obj) : [];
  const first = coding[0];
  if (first !== undefined && typeof first['display'] === 'string') return first['display'];
  if (typeof cc['text'] === 'string') return cc['text'];
  return first === undefined ? '' : `${String(first['code'] ?? '')}`;
}

/** A resource's value: quantity with unit, string, concept, boolean. */
export function valueText(r: Json): string {
  const q = obj(r['valueQuantity']);
  if (q['value'] !== undefined) return `${String(q['value'])}${q['unit'] === undefined ? '' : ' ' + String(q['unit'])}`;
  if (typeof r['valueString'] === 'string') return r['valueString'];
  if (r['valueCodeableConcept'] !== undefined) return conceptText(r['valueCodeableConcept']);
  if (typeof r['valueBoolean'] === 'boolean') return r['valueBoolean'] ? 'yes' : 'no';
  if (r['clinicalStatus'] !== undefined) return conceptText(r['clinicalStatus']);
  return '';
}

export function resourceDate(r: Json): string {
  for (const k of ['effectiveDateTime', 'recordedDate', 'onsetDateTime', 'issued', 'authoredOn', 'date']) if (typeof r[k] === 'string') return r[k] as string;
  return String(obj(r['meta'])['lastUpdated'] ?? '');
}

export function authorText(r: Json): string {
  for (const k of ['performer', 'recorder', 'asserter', 'author']) {
    const v = r[k];
    const first = obj(Array.isArray(v) ? v[0] : v);
    if (typeof first['display'] === 'string') return first['display'];
    if (typeof first['reference'] === 'string') return first['reference'];
  }
  return '';
}

export const PURPOSE_TEXT: Record<string, string> = {
  TREAT: 'treatment',
  ETREAT: 'emergency treatment',
  BTG: 'break-the-glass',
  HPAYMT: 'payment',
  HOPERAT: 'operations',
  HRESCH: 'research',
};
