// GS1 identifiers as scanners deliver them (GS1 General Specifications
// sections 3 and 7.8-7.9; GS1 Digital Link URI Syntax 1.x): element strings
// with FNC1 as the GS character (0x1D), optionally behind a symbology
// identifier (]d2 DataMatrix, ]C1 GS1-128, ]Q3 QR, ]e0 DataBar), the
// bracketed human-readable form, and GS1 Digital Link URIs. Only the AIs a
// pharmaceutical pack or logistic unit carries are known: (00) SSCC, (01)
// GTIN, (10) lot, (17) expiry, (21) serial; anything else is an error that
// names the element. Errors never echo the scanned values.
import { CareLedgerError } from '../errors/index.js';

export const GS = '\u001d';

/** What a scan identified, values as in the barcode (expiry YYMMDD). */
export interface Gs1Elements {
  sscc?: string;
  gtin?: string;
  lot?: string;
  expiry?: string;
  serial?: string;
}

type Ai = '00' | '01' | '10' | '17' | '21';
type Field = keyof Gs1Elements;

interface AiSpec {
  field: Field;
  title: string;
  /** Fixed length, or the maximum for variable-length AIs. */
  length: number;
  fixed: boolean;
}

/** GS1 General Specifications figure 3.2-1, for the AIs known here. */
const AIS: Record<Ai, AiSpec> = {
  '00': { field: 'sscc', title: 'SSCC', length: 18, fixed: true },
  '01': { field: 'gtin', title: 'GTIN', length: 14, fixed: true },
  '10': { field: 'lot', title: 'batch/lot', length: 20, fixed: false },
  '17': { field: 'expiry', title: 'expiration date', length: 6, fixed: true },
  '21': { field: 'serial', title: 'serial number', length: 20, fixed: false },
};
const AI_OF: Record<Field, Ai> = { sscc: '00', gtin: '01', lot: '10', expiry: '17', serial: '21' };
/** GS1 Digital Link 1.0 alphabetic short names. */
const SHORT_NAMES: Record<string, Ai> = { sscc: '00', gtin: '01', lot: '10', exp: '17', ser: '21' };

/** GS1 AI encodable character set 82 (General Specifications figure 7.11-1). */
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;

function bad(where: string, message: string): CareLedgerError {
  return new CareLedgerError('MALFORMED', `${where}: ${message}`, { field: where });
}

const label = (ai: Ai): string => `AI (${ai}) ${AIS[ai].title}`;

/**
 * The GS1 check digit of `digits` (the key without its check digit): weights
 * 3 and 1 alternating from the rightmost digit, then 10 minus the sum mod 10
 * (General Specifications 7.9.1).
 */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += d * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** Whether a numeric GS1 key's last digit is its check digit. */
export function hasValidCheckDigit(key: string): boolean {
  return /^\d{2,}$/.test(key) && gs1CheckDigit(key.slice(0, -1)) === Number(key.at(-1));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The century of a two-digit year (General Specifications 7.12): within 49
 * years behind and 50 ahead of `nowYear`.
 */
export function fullYear(yy: number, nowYear: number): number {
  const century = Math.floor(nowYear / 100) * 100;
  const diff = yy - (nowYear % 100);
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}

/**
 * An expiry YYMMDD as YYYY-MM-DD; day 00 means the last day of the month
 * (General Specifications 3.4.6).
 */
export function expiryDate(yymmdd: string, nowYear: number = new Date().getUTCFullYear()): string {
  const year = fullYear(Number(yymmdd.slice(0, 2)), nowYear);
  const month = Number(yymmdd.slice(2, 4));
  const day = Number(yymmdd.slice(4, 6)) || daysInMonth(year, month);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Checks one element's value; throws MALFORMED naming the AI. */
function checkValue(ai: Ai, value: string): void {
  const spec = AIS[ai];
  const where = label(ai);
  if (value === '') throw bad(where, 'is empty');
  if (spec.fixed && value.length !== spec.length) throw bad(where, `must be ${spec.length} characters, got ${value.length}`);
  if (!spec.fixed && value.length > spec.length) throw bad(where, `must be at most ${spec.length} characters, got ${value.length}`);
  if (ai === '00' || ai === '01' || ai === '17') {
    if (!/^\d+$/.test(value)) throw bad(where, 'must be digits only');
  } else if (!CSET82.test(value)) {
    throw bad(where, 'has a character outside GS1 character set 82');
  }
  if ((ai === '00' || ai === '01') && !hasValidCheckDigit(value)) {
    throw bad(where, `wrong check digit: expected ${gs1CheckDigit(value.slice(0, -1))}`);
  }
  if (ai === '17') {
    const month = Number(value.slice(2, 4));
    const day = Number(value.slice(4, 6));
    if (month < 1 || month > 12) throw bad(where, 'month must be 01-12');
    const year = fullYear(Number(value.slice(0, 2)), new Date().getUTCFullYear());
    if (day > daysInMonth(year, month)) throw bad(where, 'no such day in that month');
  }
}

/** Adds an element, refusing a repeated AI. */
function put(out: Gs1Elements, ai: Ai, value: string): void {
  const field = AIS[ai].field;
  if (out[field] !== undefined) throw bad(label(ai), 'appears twice');
  checkValue(ai, value);
  out[field] = value;
}

/** Checks elements given field by field (not scanned), with the same errors as a scan. */
export function checkElements(e: Gs1Elements): Gs1Elements {
  for (const field of Object.keys(AI_OF) as Field[]) {
    const value = e[field];
    if (value !== undefined) checkValue(AI_OF[field], value);
  }
  return e;
}

/** GS1 General Specifications 4.14 (invalid pairs) and mandatory associations, for the AIs here. */
function checkAssociations(out: Gs1Elements): Gs1Elements {
  if (out.gtin === undefined) {
    for (const f of ['lot', 'expiry', 'serial'] as const) if (out[f] !== undefined) throw bad(label(AI_OF[f]), 'needs a GTIN (01)');
  }
  if (out.gtin === undefined && out.sscc === undefined) throw bad('scan', 'carries neither a GTIN (01) nor an SSCC (00)');
  return out;
}

function knownAi(text: string, at: number, where: string): Ai {
  const ai = text.slice(at, at + 2);
  if (Object.hasOwn(AIS, ai)) return ai as Ai;
  throw bad(where, `unknown or unsupported application identifier (${ai.replace(/[^0-9]/g, '?')}) at position ${at}`);
}

/**
 * Parses an element string with GS separators (FNC1), as a scanner sends a
 * DataMatrix or GS1-128: fixed-length AIs run on, variable-length ones end
 * at GS or at the end.
 */
export function parseElementString(input: string): Gs1Elements {
  let text = input.replace(/^\](d2|C1|Q3|e0|J1)/, '');
  if (text.startsWith(GS)) text = text.slice(1);
  if (text === '') throw bad('scan', 'is empty');
  const out: Gs1Elements = {};
  let at = 0;
  while (at < text.length) {
    const ai = knownAi(text, at, 'scan');
    const spec = AIS[ai];
    at += 2;
    let end: number;
    if (spec.fixed) {
      end = at + spec.length;
      if (end > text.length) throw bad(label(ai), `must be ${spec.length} characters, got ${text.length - at}`);
    } else {
      const gs = text.indexOf(GS, at);
      end = gs < 0 ? text.length : gs;
    }
    put(out, ai, text.slice(at, end));
    at = end;
    if (text[at] === GS) at += 1;
  }
  return checkAssociations(out);
}

/** Parses the bracketed human-readable form, `(01)09506000134352(17)281231(10)A1(21)S1`. */
export function parseBracketed(input: string): Gs1Elements {
  const text = input.replace(/\s+$/, '');
  const out: Gs1Elements = {};
  const element = /\((\d{2,4})\)([^]*?)(?=\(\d{2,4}\)|$)/y;
  let at = 0;
  while (at < text.length) {
    element.lastIndex = at;
    const m = element.exec(text);
    if (m === null) throw bad('scan', `expected (AI) at position ${at}`);
    const ai = m[1] as string;
    if (!Object.hasOwn(AIS, ai)) throw bad('scan', `unknown or unsupported application identifier (${ai})`);
    put(out, ai as Ai, m[2] as string);
    at = element.lastIndex;
  }
  if (at === 0) throw bad('scan', 'is empty');
  return checkAssociations(out);
}

function decode(segment: string, where: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw bad(where, 'is not validly percent-encoded');
  }
}

/** The AI a Digital Link path segment or query key stands for, or undefined if it is none. */
function dlAi(key: string): Ai | undefined {
  if (Object.hasOwn(AIS, key)) return key as Ai;
  return Object.hasOwn(SHORT_NAMES, key) ? SHORT_NAMES[key] : undefined;
}

/**
 * Parses a GS1 Digital Link URI: after any path of the domain's own, a
 * primary key (01 GTIN or 00 SSCC) and, for a GTIN, the key qualifiers 10
 * then 21 in that order; data attributes (17) in the query. GTIN-8, -12
 * and -13 are padded to 14 digits. Non-numeric query keys are ignored (the
 * standard allows them); an unknown numeric key is an error.
 */
export function parseDigitalLink(input: string): Gs1Elements {
  // Split by hand: a URL parser would resolve '.' and '%2E' path segments, which are valid GS1 values.
  const m = /^(https?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i.exec(input);
  if (m === null) throw bad('digitalLink', 'is not an http or https URI');
  const path = m[3] ?? '';
  const query = new URLSearchParams(m[4] ?? '');
  const segments = path.split('/').filter((s) => s !== '');
  // The key path runs to the end in AI/value pairs; anything before it is the domain's own path.
  const start = segments.findIndex((s, i) => (dlAi(s) === '01' || dlAi(s) === '00') && (segments.length - i) % 2 === 0);
  if (start < 0) throw bad('digitalLink', 'has no primary key: /01/{gtin} or /00/{sscc}');
  const out: Gs1Elements = {};
  const order: Ai[] = [];
  for (let i = start; i < segments.length; i += 2) {
    const ai = dlAi(segments[i] as string);
    if (ai === undefined) throw bad('digitalLink', `unknown or unsupported path element /${(segments[i] as string).slice(0, 8).replace(/[^A-Za-z0-9]/g, '?')}/`);
    if (i + 1 >= segments.length) throw bad(label(ai), 'has no value');
    let value = decode(segments[i + 1] as string, label(ai));
    if (ai === '01' && /^\d{8}$|^\d{12,13}$/.test(value)) value = value.padStart(14, '0');
    order.push(ai);
    put(out, ai, value);
  }
  const expected = order[0] === '01' ? ['01', '10', '21'] : ['00'];
  const positions = order.map((ai) => expected.indexOf(ai));
  const misplaced = order.find((ai, k) => positions[k] === -1 || (k > 0 && (positions[k] as number) <= (positions[k - 1] as number)));
  if (misplaced !== undefined) throw bad(label(misplaced), order[0] === '01' ? 'is not a key qualifier in order 10, 21 after /01/' : 'cannot qualify an SSCC');
  for (const [key, value] of query) {
    if (!/^\d+$/.test(key) && dlAi(key) === undefined) continue;
    const ai = dlAi(key);
    if (ai === undefined) throw bad('digitalLink', `unknown or unsupported application identifier (${key.slice(0, 4)}) in the query`);
    if (ai !== '17') throw bad(label(ai), 'belongs in the path, not the query');
    put(out, ai, value);
  }
  return checkAssociations(out);
}

/** Parses whatever a scanner or a caller sent: a Digital Link, the bracketed form, or an element string. */
export function parseScan(input: string): Gs1Elements {
  if (input.length > 512) throw bad('scan', 'is longer than 512 characters');
  if (/^https?:\/\//i.test(input)) return parseDigitalLink(input);
  if (input.startsWith('(')) return parseBracketed(input);
  return parseElementString(input);
}

/** Formats elements in the bracketed form, in the order 01, 00, 17, 10, 21. */
export function formatBracketed(e: Gs1Elements): string {
  return (['01', '00', '17', '10', '21'] as const)
    .filter((ai) => e[AIS[ai].field] !== undefined)
    .map((ai) => `(${ai})${e[AIS[ai].field] as string}`)
    .join('');
}

/** Formats elements as a GS-separated element string (fixed-length AIs first, so only 10 needs a GS). */
export function formatElementString(e: Gs1Elements): string {
  const fixed = (['01', '00', '17'] as const).filter((ai) => e[AIS[ai].field] !== undefined).map((ai) => ai + (e[AIS[ai].field] as string));
  const variable = (['10', '21'] as const).filter((ai) => e[AIS[ai].field] !== undefined).map((ai) => ai + (e[AIS[ai].field] as string));
  return fixed.join('') + variable.join(GS);
}

/** Formats a GTIN's elements as a GS1 Digital Link URI on `base` (default https://id.gs1.org). */
export function formatDigitalLink(e: Gs1Elements, base = 'https://id.gs1.org'): string {
  // Everything but RFC 3986 unreserved characters percent-encoded, as the Digital Link grammar wants
  // (encodeURIComponent alone leaves ! ' ( ) * bare, which it refuses).
  const enc = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  if (e.gtin === undefined) return `${base}/00/${e.sscc ?? ''}`;
  let uri = `${base}/01/${e.gtin}`;
  if (e.lot !== undefined) uri += `/10/${enc(e.lot)}`;
  if (e.serial !== undefined) uri += `/21/${enc(e.serial)}`;
  return e.expiry === undefined ? uri : `${uri}?17=${e.expiry}`;
}
