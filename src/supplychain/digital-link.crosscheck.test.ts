// Cross-check of GS1 Digital Link handling against digital-link.js (GS1's
// reference SDK, a test-only dependency, pinned): for arbitrary packs, the
// URI we format is valid for it with the same primary key, key qualifiers and
// attributes, and URIs it builds parse here to the same elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { formatDigitalLink, gs1CheckDigit, parseDigitalLink } from './gs1.js';

interface DigitalLinkObject {
  isValid(): boolean;
  getIdentifier(): Record<string, string>;
  getKeyQualifiers(): Record<string, string>;
  getAttributes(): Record<string, string>;
  toWebUriString(): string;
}
const require = createRequire(import.meta.url);
const { DigitalLink } = require('digital-link.js') as { DigitalLink: (input: unknown) => DigitalLinkObject };

// GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1) without the double
// quote: digital-link.js 1.4.3's grammar refuses it even percent-encoded (%22), where we accept it.
const CSET82 = "!%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const text = (max: number) => fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: max });
const gtin = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 13 }).map((d) => {
  const body = d.join('');
  return body + String(gs1CheckDigit(body));
});
const date = fc.record({ y: fc.integer({ min: 0, max: 99 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) }).map(({ y, m, d }) => [y, m, d].map((n) => String(n).padStart(2, '0')).join(''));
const pack = fc.record({ gtin, serial: text(20), lot: text(20), expiry: date });

test('Digital Links we format read the same in digital-link.js', () => {
  fc.assert(
    fc.property(pack, (p) => {
      const dl = DigitalLink(formatDigitalLink(p));
      assert.equal(dl.isValid(), true);
      assert.deepEqual(dl.getIdentifier(), { '01': p.gtin });
      // digital-link.js hands values back as they stand in the URI, percent-encoded.
      const qualifiers = Object.fromEntries(Object.entries(dl.getKeyQualifiers()).map(([k, v]) => [k, decodeURIComponent(v)]));
      assert.deepEqual(qualifiers, { '10': p.lot, '21': p.serial });
      assert.deepEqual(dl.getAttributes(), { '17': p.expiry });
    }),
    { numRuns: 300 },
  );
});

test('Digital Links digital-link.js builds parse here to the same elements', () => {
  fc.assert(
    fc.property(pack, fc.constantFrom('https://id.gs1.org', 'https://example.com', 'https://example.com/my/path'), (p, domain) => {
      const enc = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      const dl = DigitalLink({ domain, identifier: { '01': p.gtin }, keyQualifiers: { '10': enc(p.lot), '21': enc(p.serial) }, attributes: { '17': p.expiry } });
      assert.equal(dl.isValid(), true);
      const uri = dl.toWebUriString();
      assert.deepEqual(parseDigitalLink(uri), { gtin: p.gtin, lot: p.lot, serial: p.serial, expiry: p.expiry });
    }),
    { numRuns: 300 },
  );
});

test('SSCC Digital Links agree too', () => {
  const sscc = '106141412345678908';
  const dl = DigitalLink(formatDigitalLink({ sscc }));
  assert.equal(dl.isValid(), true);
  assert.deepEqual(dl.getIdentifier(), { '00': sscc });
  assert.deepEqual(parseDigitalLink(DigitalLink({ domain: 'https://id.gs1.org', identifier: { '00': sscc } }).toWebUriString()), { sscc });
});
