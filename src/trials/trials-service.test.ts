// Unit tests of the trials service's pure parts: per-trial pseudonyms
// (deterministic per site secret, unlinkable across trials and sites) and
// dataset verification naming tampered, stale, extra and missing rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { canonicalBytes, toBase64Url } from '../crypto/index.js';
import { commitmentOf } from '../vault/index.js';
import type { CrfAnchor } from '../contracts/trials/index.js';
import { CRF_FORMAT, DATASET_FORMAT, crfBytes, crfPlaintext, entryOfRow, trialPseudonym, verifyDatasetRows, type Dataset, type DatasetRow, type DatasetVerdict } from './index.js';

test('trial pseudonyms: fixed shape, deterministic per secret, different across trials and sites', () => {
  const secret = new Uint8Array(32).fill(1);
  const patient = 'pt-' + 'a'.repeat(32);
  const p1 = trialPseudonym(secret, 'TRIAL-1', patient);
  assert.match(p1, /^tp-[0-9a-f]{32}$/);
  assert.equal(trialPseudonym(secret, 'TRIAL-1', patient), p1);
  // Recomputed independently: HMAC-SHA-256 over the domain and the JCS bytes written out by hand.
  const mac = createHmac('sha256', secret).update(`careledger.trial-pseudonym/1\n{"patient":"${patient}","trialId":"TRIAL-1"}`).digest('hex');
  assert.equal(p1, 'tp-' + mac.slice(0, 32));
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
      const x = trialPseudonym(a, 'TRIAL-1', patient);
      assert.notEqual(x, trialPseudonym(a, 'TRIAL-2', patient));
      assert.notEqual(x, trialPseudonym(a, 'TRIAL-1', 'pt-' + 'b'.repeat(32)));
      if (Buffer.compare(a, b) !== 0) assert.notEqual(x, trialPseudonym(b, 'TRIAL-1', patient));
      assert.ok(!x.includes(patient.slice(3, 11)));
    }),
    { numRuns: 200 },
  );
  assert.throws(() => trialPseudonym(new Uint8Array(16), 'TRIAL-1', patient), { code: 'INTERNAL' });
});

function datasetOf(n: number): { dataset: Dataset; anchors: CrfAnchor[] } {
  const rows: DatasetRow[] = [];
  const anchors: CrfAnchor[] = [];
  for (let i = 0; i < n; i++) {
    const salt = new Uint8Array(randomBytes(32));
    const row: DatasetRow = { participant: 'tp-' + String(i).padStart(32, '0'), visit: 'week-4', form: 'vitals', version: 1, values: { sbp: 120 + i, note: 'ok' }, reason: 'initial', salt: toBase64Url(salt) };
    rows.push(row);
    const anchor = { version: 1, commitment: commitmentOf(salt, crfPlaintext(entryOfRow('T', row))), reason: 'initial' as const, author: { orgId: 'alpha', memberId: 'inv' }, at: 't', txId: 'x' };
    anchors.push({ participant: row.participant, visit: row.visit, form: row.form, version: 1, anchor });
  }
  return { dataset: { format: DATASET_FORMAT, trialId: 'T', site: 'alpha', exportedAt: 't', height: 1, rows }, anchors };
}

test('verifyDatasetRows: a faithful dataset passes; each kind of fault is named with its row', () => {
  const { dataset, anchors } = datasetOf(5);
  assert.deepEqual(verifyDatasetRows(dataset, anchors), { ok: true, rows: 5, matched: 5, tampered: [], stale: [], extra: [], missing: [] });
  const rows = dataset.rows.map((r) => ({ ...r }));
  rows[2] = { ...rows[2]!, values: { ...rows[2]!.values, sbp: 999 } }; // altered value
  const dropped = rows.splice(4, 1)[0]!; // missing
  rows.push({ ...rows[0]!, participant: 'tp-' + 'f'.repeat(32) }); // extra
  rows.push({ ...rows[1]! }); // duplicate
  const v = verifyDatasetRows({ ...dataset, rows }, anchors);
  assert.equal(v.ok, false);
  assert.deepEqual(v.tampered, [{ row: 2, participant: rows[2]!.participant, visit: 'week-4', form: 'vitals', version: 1 }]);
  assert.deepEqual(v.missing, [{ participant: dropped.participant, visit: 'week-4', form: 'vitals', version: 1 }]);
  assert.deepEqual(v.extra.map((e) => [e.row, e.why]), [[4, 'not-anchored'], [5, 'duplicate']]);
  assert.equal(v.matched, 3);
  // A row of a superseded version is stale, even when it matches its own anchor.
  const { dataset: d2, anchors: a2 } = datasetOf(1);
  const newer = { ...a2[0]!, version: 2, anchor: { ...a2[0]!.anchor, version: 2, commitment: toBase64Url(new Uint8Array(32)) } };
  assert.deepEqual(verifyDatasetRows(d2, [...a2, newer]).stale, [{ row: 0, participant: d2.rows[0]!.participant, visit: 'week-4', form: 'vitals', version: 1, latest: 2 }]);
});

test('crfBytes writes exactly the JCS bytes of the entry (RFC 8785), and refuses what the canonicaliser refuses', () => {
  // Entry ids with prefixes and sort traps; values with every scalar kind, escapes, surrogate pairs, -0, exponents.
  const id = fc.constantFrom('v1', 'v1-a', 'v10', 'V1', 'a.b', '0', '10', '9', 'week_4', 'z');
  const scalar = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('', '\u0000\b\t\n\f\r"\\/\u007f\u2028', '\ud83d\ude00', 'é'),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(-0, 1e21, 1e-7, 123456789012345680000, 5e-324, 0.1),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  fc.assert(
    fc.property(id, id, id, fc.integer({ min: 1, max: 1_000_000 }), fc.dictionary(id, scalar, { minKeys: 1 }), fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), (trialId, visit, form, version, values, note) => {
      const content = { participant: 'tp-' + '0'.repeat(32), visit, form, version, values, reason: 'correction' as const, ...(note === undefined ? {} : { note }) };
      const object = { ...content, trialId, format: CRF_FORMAT };
      let expected: Uint8Array | undefined;
      try {
        expected = canonicalBytes(object);
      } catch {
        assert.throws(() => crfBytes(trialId, content)); // a lone surrogate: refused alike
        return;
      }
      assert.deepEqual(Buffer.from(crfBytes(trialId, content)), Buffer.from(expected));
    }),
    { numRuns: 2000 },
  );
  assert.equal(Buffer.from(crfBytes('T', { participant: 'tp-x', visit: 'v', form: 'f', version: 2, values: { b: 1, a: 'x' }, reason: 'correction', note: 'n' })).toString(),
    '{"form":"f","format":"careledger.crf/1","note":"n","participant":"tp-x","reason":"correction","trialId":"T","values":{"a":"x","b":1},"version":2,"visit":"v"}');
});

/** The verdict with its row lists as sets of places (row positions depend on the order). */
function verdictShape(v: DatasetVerdict) {
  const places = (list: ReadonlyArray<{ participant: string; visit: string; form: string; version: number }>) =>
    list.map((r) => `${r.participant}/${r.visit}/${r.form}/${r.version}`).sort();
  return { ok: v.ok, rows: v.rows, matched: v.matched, tampered: places(v.tampered), stale: places(v.stale), extra: places(v.extra), missing: places(v.missing) };
}

test('verifyDatasetRows: the verdict does not depend on the order of the rows or of the anchors', () => {
  const { dataset, anchors } = datasetOf(12);
  const rows = dataset.rows.map((r) => ({ ...r }));
  rows[3] = { ...rows[3]!, values: { sbp: 1 } }; // tampered
  rows.splice(7, 1); // missing
  rows.push({ ...rows[0]!, participant: 'tp-' + 'e'.repeat(32) }); // extra, not anchored
  const reference = verdictShape(verifyDatasetRows({ ...dataset, rows }, anchors));
  assert.deepEqual([reference.matched, reference.tampered.length, reference.missing.length, reference.extra.length], [10, 1, 1, 1]);
  fc.assert(
    fc.property(fc.shuffledSubarray(rows, { minLength: rows.length }), fc.shuffledSubarray(anchors, { minLength: anchors.length }), (r, a) => {
      const v = verifyDatasetRows({ ...dataset, rows: r }, a);
      assert.deepEqual(verdictShape(v), reference);
    }),
    { numRuns: 300 },
  );
});
