// GS1 parsing: known answers from the GS1 General Specifications and the GS1
// Digital Link URI Syntax examples, clear errors naming the bad element, and
// property tests of the check digit and of the three notations' round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCareLedgerError } from '../errors/index.js';
import {
  GS,
  expiryDate,
  formatBracketed,
  formatDigitalLink,
  formatElementString,
  fullYear,
  gs1CheckDigit,
  hasValidCheckDigit,
  parseScan,
  type Gs1Elements,
} from './gs1.js';

/** The error's code, field and message of a refused scan. */
function refusal(scan: string): { code: string; field: string | undefined; message: string } {
  try {
    parseScan(scan);
  } catch (e) {
    if (isCareLedgerError(e)) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  assert.fail(`accepted ${JSON.stringify(scan)}`);
}

test('check digits: General Specifications 7.9.1 and Digital Link standard examples', () => {
  // GS1 General Specifications 7.9.1: GTIN-13 629104150021 has check digit 3.
  assert.equal(gs1CheckDigit('629104150021'), 3);
  // GS1 Digital Link URI Syntax examples: GTIN 09521234543213, SSCC 106141411234567897.
  assert.equal(gs1CheckDigit('0952123454321'), 3);
  assert.equal(gs1CheckDigit('10614141123456789'), 7);
  assert.equal(hasValidCheckDigit('09506000134352'), true);
  assert.equal(hasValidCheckDigit('09506000134353'), false);
});

test('element strings as a DataMatrix scanner sends them (symbology id, FNC1 as GS)', () => {
  const expected = { gtin: '09521234543213', expiry: '261231', lot: 'ABC123', serial: '12345' };
  assert.deepEqual(parseScan(`]d2010952123454321317261231` + `10ABC123${GS}2112345`), expected);
  assert.deepEqual(parseScan(`${GS}01095212345432132112345${GS}10ABC123${GS}17261231`), expected);
  assert.deepEqual(parseScan('00106141411234567897'), { sscc: '106141411234567897' });
  // A GS after a fixed-length element is tolerated.
  assert.deepEqual(parseScan(`0109521234543213${GS}17261200`), { gtin: '09521234543213', expiry: '261200' });
});

test('the bracketed human-readable form', () => {
  assert.deepEqual(parseScan('(01)09521234543213(10)ABC123(21)12345'), { gtin: '09521234543213', lot: 'ABC123', serial: '12345' });
  assert.deepEqual(parseScan('(00)106141411234567897'), { sscc: '106141411234567897' });
});

test('GS1 Digital Link URIs (URI Syntax examples)', () => {
  assert.deepEqual(parseScan('https://id.gs1.org/01/09521234543213/10/ABC123/21/12345'), { gtin: '09521234543213', lot: 'ABC123', serial: '12345' });
  assert.deepEqual(parseScan('https://id.gs1.org/01/09521234543213/10/ABC123?17=261231'), { gtin: '09521234543213', lot: 'ABC123', expiry: '261231' });
  assert.deepEqual(parseScan('https://id.gs1.org/00/106141411234567897'), { sscc: '106141411234567897' });
  assert.deepEqual(parseScan('https://example.com/products/01/09521234543213'), { gtin: '09521234543213' });
  assert.deepEqual(parseScan('https://example.com/gtin/9521234543213/lot/A%2FB/ser/7?linkType=all'), { gtin: '09521234543213', lot: 'A/B', serial: '7' });
});

test('bad scans get MALFORMED errors naming the element, never echoing values', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['(01)09521234543214(21)SECRETSERIAL', 'AI (01) GTIN', /wrong check digit: expected 3/],
    ['(99)123', 'scan', /unknown or unsupported application identifier \(99\)/],
    [`0109521234543213991234`, 'scan', /unknown or unsupported application identifier \(99\) at position 16/],
    ['(01)09521234543213(17)261331', 'AI (17) expiration date', /month must be 01-12/],
    ['(01)09521234543213(17)270230', 'AI (17) expiration date', /no such day/],
    ['(01)09521234543213(21)123456789012345678901', 'AI (21) serial number', /at most 20 characters, got 21/],
    ['(01)09521234543213(10)AB CD', 'AI (10) batch/lot', /character set 82/],
    ['(01)0952123454321', 'AI (01) GTIN', /must be 14 characters, got 13/],
    ['(10)ABC', 'AI (10) batch/lot', /needs a GTIN/],
    ['(01)09521234543213(01)09521234543213', 'AI (01) GTIN', /appears twice/],
    ['(01)09521234543213(21)', 'AI (21) serial number', /is empty/],
    ['', 'scan', /is empty/],
    ['https://id.gs1.org/01/09521234543213/21/1/10/ABC', 'AI (10) batch/lot', /order 10, 21/],
    ['https://id.gs1.org/01/09521234543213?15=261231', 'digitalLink', /application identifier \(15\) in the query/],
    ['https://id.gs1.org/01/09521234543213?21=1', 'AI (21) serial number', /in the path/],
    ['https://id.gs1.org/products/95212345', 'digitalLink', /no primary key/],
    ['ftp://id.gs1.org/01/09521234543213', 'scan', /unknown or unsupported/],
  ];
  for (const [scan, field, message] of cases) {
    const r = refusal(scan);
    assert.equal(r.code, 'MALFORMED', scan);
    assert.equal(r.field, field, scan);
    assert.match(r.message, message, scan);
    assert.equal(r.message.includes('SECRETSERIAL'), false);
  }
});

test('expiry: the GS1 century window and day 00', () => {
  assert.equal(fullYear(26, 2026), 2026);
  assert.equal(fullYear(76, 2026), 2076);
  assert.equal(fullYear(77, 2026), 1977);
  assert.equal(fullYear(5, 2080), 2105);
  assert.equal(expiryDate('281231', 2026), '2028-12-31');
  assert.equal(expiryDate('280200', 2026), '2028-02-29');
  assert.equal(expiryDate('270200', 2026), '2027-02-28');
});

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const withCheck = (body: string) => body + String(gs1CheckDigit(body));

test('property: the check digit catches every single-digit error and adjacent swaps unless the digits differ by 5', () => {
  fc.assert(
    fc.property(digits(13), fc.nat(13), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
      const key = withCheck(body);
      assert.equal(hasValidCheckDigit(key), true);
      const changed = key.slice(0, at) + String((Number(key[at]) + delta) % 10) + key.slice(at + 1);
      assert.equal(hasValidCheckDigit(changed), false);
      if (at < 13) {
        const swapped = key.slice(0, at) + key[at + 1] + key[at] + key.slice(at + 2);
        const a = Number(key[at]);
        const b = Number(key[at + 1]);
        assert.equal(hasValidCheckDigit(swapped), a === b || Math.abs(a - b) === 5);
      }
    }),
  );
});

const text = fc.stringMatching(/^[A-Za-z0-9\-./_]{1,20}$/);
const elements: fc.Arbitrary<Gs1Elements> = fc
  .record({
    gtin: digits(13).map(withCheck),
    lot: fc.option(text, { nil: undefined }),
    serial: fc.option(text, { nil: undefined }),
    expiry: fc.option(fc.tuple(fc.integer({ min: 26, max: 60 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 28 })).map(([y, m, d]) => [y, m, d].map((n) => String(n).padStart(2, '0')).join('')), { nil: undefined }),
  })
  .map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Gs1Elements);

test('property: element string, bracketed form and Digital Link parse back to the same elements', () => {
  fc.assert(
    fc.property(elements, (e) => {
      assert.deepEqual(parseScan(formatElementString(e)), e);
      assert.deepEqual(parseScan(formatBracketed(e)), e);
      assert.deepEqual(parseScan(formatDigitalLink(e)), e);
    }),
  );
});
