// FHIR date search values (search.html#date) as inclusive instant ranges.
// A value names a period at its precision (YYYY, YYYY-MM, YYYY-MM-DD or an
// instant); the prefix picks which side of the period bounds the range.
import { fail } from './outcome.js';
import type { DateRange } from '../types.js';

export type DatePrefix = 'eq' | 'ge' | 'gt' | 'le' | 'lt';
const PREFIXES = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?$/;

/** The first and last millisecond of the period a date value names; undefined if malformed. */
export function periodOf(value: string): { start: number; end: number } | undefined {
  const d = DATE_RE.exec(value);
  if (d) {
    const y = Number(d[1]);
    if (y < 1) return undefined;
    if (d[2] === undefined) return { start: utc(y, 0, 1), end: utc(y + 1, 0, 1) - 1 };
    const m = Number(d[2]);
    if (m < 1 || m > 12) return undefined;
    if (d[3] === undefined) return { start: utc(y, m - 1, 1), end: utc(y, m, 1) - 1 };
    const day = Number(d[3]);
    const start = utc(y, m - 1, day);
    if (day < 1 || new Date(start).getUTCDate() !== day) return undefined;
    return { start, end: start + 86_400_000 - 1 };
  }
  if (!INSTANT_RE.test(value)) return undefined;
  const hasZone = /(?:Z|[+-]\d{2}:\d{2})$/.test(value);
  const t = Date.parse(hasZone ? value : `${value}Z`);
  if (Number.isNaN(t) || !sameCalendarDate(value, t)) return undefined;
  return { start: t, end: t };
}

/** Parse one search value such as `ge2024-01` into a DateRange (400 on bad input). */
export function parseDateValue(raw: string, param: string): DateRange {
  let prefix: string = 'eq';
  let value = raw;
  if (/^[a-z]{2}/.test(raw) && PREFIXES.has(raw.slice(0, 2))) {
    prefix = raw.slice(0, 2);
    value = raw.slice(2);
  }
  const period = periodOf(value);
  if (period === undefined) fail('MALFORMED', `invalid date value for search parameter ${param}`);
  switch (prefix) {
    case 'eq': return { from: iso(period.start), to: iso(period.end) };
    case 'ge': return { from: iso(period.start) };
    case 'gt': return { from: iso(period.end + 1) };
    case 'le': return { to: iso(period.end) };
    case 'lt': return { to: iso(period.start - 1) };
    default: return fail('MALFORMED', `date prefix ${prefix} is not supported for ${param}`, { issueCode: 'not-supported' });
  }
}

/** Intersection of two ranges, or undefined when empty. */
export function intersectRanges(a: DateRange, b: DateRange): DateRange | undefined {
  const from = max(a.from, b.from);
  const to = min(a.to, b.to);
  if (from !== undefined && to !== undefined && from > to) return undefined;
  const out: DateRange = {};
  if (from !== undefined) out.from = from;
  if (to !== undefined) out.to = to;
  return out;
}

/**
 * Search values that parse back to `ranges`: one entry per parameter occurrence
 * (repeats are ANDed; a comma list inside one occurrence is ORed).
 */
export function formatDateRanges(ranges: DateRange[]): string[] {
  if (ranges.length === 1) {
    const r = ranges[0] as DateRange;
    const single = formatSingle(r);
    if (single !== undefined) return [single];
    const out: string[] = [];
    if (r.from !== undefined) out.push(`ge${r.from}`);
    if (r.to !== undefined) out.push(`le${r.to}`);
    return out;
  }
  return [ranges.map((r) => formatSingle(r) ?? fail('INTERNAL', 'date range list is not expressible')).join(',')];
}

function formatSingle(r: DateRange): string | undefined {
  if (r.from !== undefined && r.to === undefined) return `ge${r.from}`;
  if (r.from === undefined && r.to !== undefined) return `le${r.to}`;
  if (r.from === undefined || r.to === undefined) return undefined;
  if (r.from === r.to) return `eq${r.from}`;
  for (const len of [4, 7, 10]) {
    const value = r.from.slice(0, len);
    const p = periodOf(value);
    if (p !== undefined && iso(p.start) === r.from && iso(p.end) === r.to) return `eq${value}`;
  }
  return undefined;
}

/** Canonical UTC instant with milliseconds: comparable as strings. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Normalise a resource's date/dateTime/instant to the instant its period starts (undefined if malformed). */
export function startInstant(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const p = periodOf(value);
  return p === undefined ? undefined : iso(p.start);
}

function utc(y: number, m: number, d: number): number {
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not (and rolls months over).
  const date = new Date(0);
  date.setUTCFullYear(y, m, d);
  return date.getTime();
}

function sameCalendarDate(value: string, t: number): boolean {
  // Date.parse accepts 2024-02-30; reject values whose fields roll over.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value);
  const shift = offset ? (offset[1] === '+' ? 1 : -1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000 : 0;
  const local = new Date(t + shift);
  return local.getUTCFullYear() === y && local.getUTCMonth() + 1 === m && local.getUTCDate() === d;
}

function max(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

function min(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
