// GDPR Art. 17 erasure end to end: patient P, with several records, signs
// identity/erase-patient and posts it to /ledger/v1/patients/P/erasure.
// Afterwards reads answer 410, no ciphertext, wrapped data key, sealed label
// or commitment salt of P (captured from vault.sqlite before, with
// better-sqlite3) is left in the raw bytes of any database or WAL file, the
// ledger still verifies offline (`careledger verify`), and another patient's
// records are still readable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Vault } from '../../src/vault/index.js';
import { runCli } from '../helpers/proc.js';
import {
  condition,
  filesUnder,
  findLeaks,
  observation,
  patientResource,
  poll,
  startRecordsNode,
  type Member,
  type Patient,
  type RecordsNode,
} from './fixture.js';

let fx: RecordsNode;
let drX: Member;
let P: Patient;
let Q: Patient;
let tX = '';
let tP = '';
const pIds: Array<[string, string]> = [];
const qIds: Array<[string, string]> = [];
const marker = `ERASEME-${randomBytes(12).toString('hex')}`;

/** Bytes of P's data captured from vault.sqlite before erasure. */
interface Captured {
  versions: number;
  secrets: Array<{ what: string; bytes: Buffer }>;
}
let captured: Captured;

before(async () => {
  fx = await startRecordsNode();
  const c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  P = await c.registerPatient(drX.key);
  Q = await c.registerPatient(drX.key);
  for (const p of [P, Q]) {
    await c.tx(p.key, 'consent', 'grant', {
      patient: p.pseudonym,
      grantee: { kind: 'organization', orgId: fx.orgId },
      provision: { type: 'permit', purposes: ['TREAT'] },
    });
  }
  tX = await c.memberToken(drX.key);
  tP = await c.patientToken(P);
});

after(async () => {
  await fx?.close();
});

async function write(p: Patient, ids: Array<[string, string]>, secret: string): Promise<void> {
  const c = fx.client;
  const put = await c.fhir(tX, 'PUT', `Patient/${p.pseudonym}`, patientResource(p.pseudonym, { gender: 'other' }));
  assert.equal(put.status, 201, put.text);
  ids.push(['Patient', p.pseudonym]);
  for (const [type, body] of [
    ['Observation', { ...observation(p.pseudonym, '8480-6', 120), note: [{ text: secret }] }],
    ['Observation', observation(p.pseudonym, '8462-4', 80)],
    ['Condition', condition(p.pseudonym, '38341003', { note: [{ text: secret }] })],
  ] as const) {
    const res = await c.fhir(tX, 'POST', type, body);
    assert.equal(res.status, 201, res.text);
    ids.push([type, res.body.id as string]);
  }
}

describe('erasure by the patient', { timeout: 90_000 }, () => {
  it('P and Q have records; P updates one and everything is readable', async () => {
    await write(P, pIds, marker);
    await write(Q, qIds, `kept ${marker}`);
    const [type, id] = pIds[1] as [string, string];
    const read = await fx.client.fhir(tX, 'GET', `${type}/${id}`);
    const upd = await fx.client.fhir(tX, 'PUT', `${type}/${id}`, { ...read.body, status: 'amended' });
    assert.equal(upd.status, 200, upd.text);
    for (const [t, i] of [...pIds, ...qIds]) assert.equal((await fx.client.fhir(tX, 'GET', `${t}/${i}`)).status, 200);
    const own = await fx.client.fhir(tP, 'GET', `Observation?patient=${P.pseudonym}`);
    assert.equal(own.body.total, 2);
  });

  it("captures P's ciphertexts, wrapped keys, sealed labels and salts", () => {
    const file = join(fx.dataDir, 'vault.sqlite');
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const rows = db
        .prepare<[string], { record_id: string; version: number; iv: Buffer; ciphertext: Buffer }>(
          'SELECT record_id, version, iv, ciphertext FROM vault_records WHERE pseudonym = ? ORDER BY record_id, version',
        )
        .all(P.pseudonym);
      const keys = db.prepare<[string], { wrapped: Buffer }>('SELECT wrapped FROM vault_keys WHERE pseudonym = ?').all(P.pseudonym);
      const labels = db
        .prepare<[string], { labels: Buffer }>(
          'SELECT v.labels FROM fhir_versions v JOIN fhir_resources r ON r.record_id = v.record_id WHERE r.owner = ?',
        )
        .all(P.pseudonym);
      // P: Patient, two Observations (one updated) and a Condition: 5 versions.
      assert.equal(rows.length, 5);
      assert.equal(keys.length, 1);
      assert.equal(labels.length, 5);
      const vault = new Vault(db, fx.opened.keys.kek);
      const secrets: Captured['secrets'] = [];
      for (const r of rows) {
        assert.ok(r.ciphertext.length > 48);
        secrets.push({ what: `ciphertext ${r.record_id}/${r.version}`, bytes: r.ciphertext });
        // Any 32-byte window of the ciphertext, in case a page keeps only part of a cell.
        secrets.push({ what: `ciphertext head ${r.record_id}/${r.version}`, bytes: r.ciphertext.subarray(0, 32) });
        secrets.push({ what: `ciphertext tail ${r.record_id}/${r.version}`, bytes: r.ciphertext.subarray(r.ciphertext.length - 32) });
        const rec = vault.get(r.record_id, r.version);
        assert.equal(rec.salt.byteLength, 32);
        secrets.push({ what: `salt ${r.record_id}/${r.version}`, bytes: Buffer.from(rec.salt) });
        rec.plaintext.fill(0);
      }
      for (const k of keys) secrets.push({ what: 'wrapped data key', bytes: k.wrapped });
      for (const l of labels) if (l.labels.length >= 16) secrets.push({ what: 'sealed labels', bytes: l.labels });
      captured = { versions: rows.length, secrets };
      // Self-check of the byte search: before erasure the ciphertexts and the wrapped key are on disk.
      const onDisk = findLeaks(filesUnder(fx.dataDir), [secrets[0]!.bytes, keys[0]!.wrapped]);
      assert.ok(onDisk.length >= 2, onDisk.join('; '));
    } finally {
      db.close();
    }
  });

  it('P signs identity/erase-patient; the node shreds her data', async () => {
    const c = fx.client;
    // Only P (or a guardian) may erase; Dr X's signature is refused and nothing is shredded.
    const byX = await c.request('POST', `/ledger/v1/patients/${P.pseudonym}/erasure`, {
      body: c.sign(drX.key, 'identity', 'erase-patient', { pseudonym: P.pseudonym }),
      contentType: 'application/json',
    });
    assert.equal(byX.status, 403, byX.text);
    assert.equal(byX.body.error.code, 'UNAUTHORIZED');
    // A transaction for another patient is malformed here.
    const wrong = await c.request('POST', `/ledger/v1/patients/${P.pseudonym}/erasure`, {
      body: c.sign(Q.key, 'identity', 'erase-patient', { pseudonym: Q.pseudonym }),
      contentType: 'application/json',
    });
    assert.equal(wrong.status, 400, wrong.text);
    assert.equal(wrong.body.error.code, 'MALFORMED');

    const res = await c.request('POST', `/ledger/v1/patients/${P.pseudonym}/erasure`, {
      body: c.sign(P.key, 'identity', 'erase-patient', { pseudonym: P.pseudonym }),
      contentType: 'application/json',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.erased, true);
    assert.equal(res.body.recordsShredded, captured.versions);
    assert.match(res.body.txId, /^[0-9a-f]{64}$/);
    const again = await c.request('POST', `/ledger/v1/patients/${P.pseudonym}/erasure`, {
      body: c.sign(P.key, 'identity', 'erase-patient', { pseudonym: P.pseudonym }),
      contentType: 'application/json',
    });
    assert.equal(again.status, 403, again.text); // P's keys are revoked by the erasure
  });

  it("afterwards: P's reads answer 410, P's token is dead, Q's records are readable", async () => {
    const c = fx.client;
    for (const [type, id] of pIds) {
      const res = await c.fhir(tX, 'GET', `${type}/${id}`);
      assert.equal(res.status, 410, `${type}/${id}: ${res.text}`);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.equal(res.body.issue[0].code, 'deleted');
    }
    const history = await c.fhir(tX, 'GET', `Observation/${pIds[1]?.[1]}/_history`);
    assert.equal(history.status, 410, history.text);
    const search = await c.fhir(tX, 'GET', `Observation?patient=${P.pseudonym}`);
    assert.equal(search.status, 200, search.text);
    assert.equal(search.body.total, 0);
    const write = await c.fhir(tX, 'POST', 'Observation', observation(P.pseudonym, '8480-6', 1));
    assert.equal(write.status, 410, write.text);
    assert.equal((await c.fhir(tP, 'GET', `Patient/${P.pseudonym}`)).status, 401);
    for (const [type, id] of qIds) {
      const res = await c.fhir(tX, 'GET', `${type}/${id}`);
      assert.equal(res.status, 200, `${type}/${id}: ${res.text}`);
    }
    const q = await c.fhir(tX, 'GET', `Condition?patient=${Q.pseudonym}`);
    assert.equal(q.body.total, 1);
    assert.equal(q.body.entry[0].resource.note[0].text, `kept ${marker}`);
    // Accesses before the erasure are still accounted for on the ledger (Q's report is unaffected).
    await poll(() => (fx.records.repository.pendingAccessEvents() === 0 ? true : undefined), 'the access outbox to flush');
  });

  it("no byte of P's ciphertexts, keys, labels or salts remains; the ledger verifies", async () => {
    await fx.stop();
    const files = filesUnder(fx.dataDir);
    const names = files.map((f) => f.slice(fx.dataDir.length + 1));
    for (const n of ['ledger.sqlite', 'vault.sqlite', 'auth.sqlite']) assert.ok(names.includes(n), names.join(', '));
    const leaks = findLeaks(files, captured.secrets.map((s) => s.bytes));
    assert.deepEqual(leaks, [], `P's bytes left behind: ${leaks.join('; ')}`);
    // The note text of P's records, in clear or encoded, is nowhere either; Q's copy is encrypted.
    assert.deepEqual(findLeaks(files, [marker]), []);
    const verify = await runCli(['verify', '--data-dir', fx.dataDir], 60_000);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^ok: \d+ blocks, \d+ transactions verified/m);
  });
});
