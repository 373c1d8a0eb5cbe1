// X-Break-Glass-Reason: printable ASCII or RFC 8187 UTF-8, at least three
// words and fifteen characters, one line; everything else MALFORMED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCareLedgerError } from '../../errors/index.js';
import { parseBreakGlassReason } from './break-glass-reason.js';

const malformed = (raw: string) =>
  assert.throws(() => parseBreakGlassReason(raw), (e: unknown) => isCareLedgerError(e) && e.code === 'MALFORMED', JSON.stringify(raw));
/** How node hands over a header whose bytes are the UTF-8 of `text`. */
const rawUtf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

test('plain ASCII and RFC 8187 UTF-8 reasons are accepted and decoded', () => {
  assert.equal(parseBreakGlassReason(undefined), undefined);
  assert.equal(parseBreakGlassReason('  unconscious in the emergency department '), 'unconscious in the emergency department');
  assert.equal(parseBreakGlassReason("UTF-8''patient%20bewusstlos%2C%20Notaufnahme%20%C3%BCbernommen"), 'patient bewusstlos, Notaufnahme übernommen');
  assert.equal(parseBreakGlassReason("utf-8'de'Patient%20ist%20bewusstlos%20%E2%80%94%20Notfall"), 'Patient ist bewusstlos — Notfall');
  // NFC: a decomposed é becomes one code point.
  assert.equal(parseBreakGlassReason("UTF-8''caf%65%CC%81%20patient%20collapsed%20here"), 'caf\u00e9 patient collapsed here');
});

test('too short, too few words, too long, control and bidi characters are refused', () => {
  for (const raw of ['x', 'emergency', 'two words only', 'a b c', 'unconscious  !!!  ???', '-'.repeat(40), 'ab c d e']) malformed(raw);
  malformed('word '.repeat(101).trim() + ' more'); // 510 characters
  malformed("UTF-8''unconscious%20in%20the%0Aemergency%20room");
  malformed("UTF-8''unconscious%20in%20the%E2%80%AEemergency%20room");
  malformed('unconscious\tin the emergency room');
});

test('Latin-1 or raw UTF-8 bytes, other charsets and invalid UTF-8 are refused', () => {
  malformed('caf\u00e9 patient unconscious now'); // one Latin-1 byte
  malformed(rawUtf8('Patient bewusstlos, Notaufnahme übernommen')); // raw UTF-8 bytes outside RFC 8187
  malformed("ISO-8859-1''caf%E9%20patient%20unconscious%20now");
  malformed("UTF-8''caf%C3%28%20patient%20unconscious%20now"); // invalid sequence
  malformed("UTF-8''unconscious%20in%20the%20emergency%ED%A0%80room"); // encoded surrogate
  malformed("UTF-8''unconscious in the emergency room"); // spaces are not attr-chars
  malformed("UTF-8''unconscious%2in%20the%20emergency%20room"); // broken escape
});
