// The X-Break-Glass-Reason header, read as UTF-8 text. HTTP header bytes
// arrive as ISO-8859-1 (what node hands over), so a reason is either plain
// printable ASCII or an RFC 8187 ext-value, UTF-8 only:
//   X-Break-Glass-Reason: UTF-8''patient%20unconscious%2C%20no%20ID
// It must say something: at least MIN_REASON_WORDS words and
// MIN_REASON_CHARS characters, at most MAX_REASON_CHARS, one line, no
// control characters. Anything else is a MALFORMED OperationOutcome (400).
import { fail } from './outcome.js';

export const MIN_REASON_WORDS = 3;
export const MIN_REASON_CHARS = 15;
export const MAX_REASON_CHARS = 500;

const PLAIN_ASCII = /^[\x20-\x7e]*$/;
/** RFC 8187 section 3.2.1: charset "'" [ language ] "'" value-chars (attr-char / pct-encoded). */
const EXT_VALUE = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'([A-Za-z0-9-]*)'((?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+.^_`|~-])*)$/;
const LOOKS_EXTENDED = /^[A-Za-z0-9!#$%&+^_`{}~-]+'[A-Za-z0-9-]*'/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const FORBIDDEN = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/u;
const WORD = /[\p{L}\p{N}]/u;

function decodeExtValue(raw: string): string {
  const m = EXT_VALUE.exec(raw);
  if (m === null) return fail('MALFORMED', "X-Break-Glass-Reason is not an RFC 8187 value (UTF-8''percent-encoded)");
  if ((m[1] as string).toUpperCase() !== 'UTF-8') return fail('MALFORMED', 'X-Break-Glass-Reason must be UTF-8 (RFC 8187)');
  const bytes = Buffer.from((m[3] as string).replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  try {
    return UTF8.decode(bytes);
  } catch {
    return fail('MALFORMED', 'X-Break-Glass-Reason is not valid UTF-8');
  }
}

/**
 * The break-glass reason a request states (NFC, trimmed), or undefined when
 * the header is absent. MALFORMED for non-ASCII bytes outside RFC 8187,
 * invalid UTF-8, control or bidi-override characters, fewer than
 * MIN_REASON_WORDS words or MIN_REASON_CHARS characters, or more than
 * MAX_REASON_CHARS.
 */
export function parseBreakGlassReason(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let text: string;
  if (LOOKS_EXTENDED.test(raw)) text = decodeExtValue(raw);
  else if (PLAIN_ASCII.test(raw)) text = raw;
  else return fail('MALFORMED', "X-Break-Glass-Reason must be printable ASCII or RFC 8187 UTF-8 (UTF-8''...)");
  if (FORBIDDEN.test(text)) fail('MALFORMED', 'X-Break-Glass-Reason must be one line without control characters');
  const reason = text.normalize('NFC').trim();
  const chars = [...reason].length;
  const words = reason.split(/\s+/u).filter((w) => WORD.test(w)).length;
  if (chars > MAX_REASON_CHARS) fail('MALFORMED', `X-Break-Glass-Reason must be at most ${MAX_REASON_CHARS} characters`);
  if (chars < MIN_REASON_CHARS || words < MIN_REASON_WORDS) {
    fail('MALFORMED', `X-Break-Glass-Reason must state the reason in at least ${MIN_REASON_WORDS} words and ${MIN_REASON_CHARS} characters`);
  }
  return reason;
}
