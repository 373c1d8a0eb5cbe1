// Erasure: after identity/erase-patient commits, erasePatient shreds the
// vault and this repository's rows; reads answer GONE; nothing of the patient
// is left in the fhir_ tables; reconcileErasures catches up at start. And no
// plaintext health data reaches the SQLite files outside the ciphertexts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { isCareLedgerError } from '../../errors/index.js';
import { RECORD_PREFIX, RECORDS_NAMESPACE } from '../../contracts/records/index.js';
import { SecureFhirRepository } from './repository.js';
import { observation, PERMIT_ALL, World } from './world-fixture.test.js';

const code = (e: unknown): string => (isCareLedgerError(e) ? e.code : String(e));
const MARKER = 'ZZMARKER-7f3a9c-plaintext';

function fhirTablesMention(w: World, needles: string[]): string[] {
  const tables = (w.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'fhir_%'").all() as Array<{ name: string }>).map((t) => t.name);
  const hits: string[] = [];
  for (const t of tables) {
    for (const row of w.db.prepare(`SELECT * FROM ${t}`).all() as Array<Record<string, unknown>>) {
      const text = Object.values(row).map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : String(v))).join('|');
      for (const n of needles) if (text.includes(n)) hits.push(`${t}: ${n}`);
    }
  }
  return hits;
}

describe('secure repository: erasure and data hygiene', () => {
  let w: World;
  before(async () => {
    w = await World.create();
  });
  after(async () => w.close());

  test('no plaintext marker in the SQLite files', async () => {
    const p = await w.addPatient();
    const dr = w.ctx(w.member('dr-a'));
    await w.repo.update(dr, { resourceType: 'Patient', id: p, name: [{ family: MARKER }] });
    await w.repo.create(dr, observation(p, { code: { coding: [{ system: 'urn:x', code: MARKER }] }, identifier: [{ value: MARKER }] }));
    await w.repo.read(w.ctx(w.patient(p)), 'Patient', p);
    await w.repo.flush();
    w.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = Buffer.concat([w.vaultPath, `${w.vaultPath}-wal`].map((f) => { try { return readFileSync(f); } catch { return Buffer.alloc(0); } }));
    assert.equal(bytes.indexOf(MARKER), -1);
  });

  test('erasePatient: GONE afterwards, nothing left in the fhir_ tables', async () => {
    const p = await w.addPatient();
    await w.grant(p, 'dr-b', PERMIT_ALL);
    const dr = w.ctx(w.member('dr-a'));
    await w.repo.update(dr, { resourceType: 'Patient', id: p, gender: 'male' });
    const o = await w.repo.create(dr, observation(p));
    await w.repo.read(w.ctx(w.member('dr-b')), 'Observation', String(o.id));
    const recordIds = w.port.scan(RECORDS_NAMESPACE, RECORD_PREFIX, 1000).map((r) => String((r.value as { recordId: string; patient: string }).patient === p ? (r.value as { recordId: string }).recordId : '')).filter((x) => x !== '');
    assert.equal(recordIds.length, 2);

    await assert.rejects(w.repo.erasePatient(p), (e) => code(e) === 'CONFLICT');
    await w.erase(p);
    const report = await w.repo.erasePatient(p);
    assert.equal(report.resources, 2);
    assert.ok(report.records >= 2);

    await assert.rejects(w.repo.read(w.ctx(w.member('dr-b')), 'Observation', String(o.id)), (e) => code(e) === 'GONE');
    await assert.rejects(w.repo.read(w.ctx(w.member('dr-a')), 'Patient', p), (e) => code(e) === 'GONE');
    assert.deepEqual(await w.repo.search(w.ctx(w.member('dr-b')), { resourceType: 'Observation', patient: p, count: 10, offset: 0 }), { resources: [], total: 0 });
    assert.deepEqual(fhirTablesMention(w, [p, ...recordIds]), []);
    // The access events from before the erasure stay in the custodian's log (retention: docs/privacy.md).
    assert.ok(w.accessLog(p).some((e) => e['interaction'] === 'read'));
  });

  test('reconcileErasures at start shreds patients erased while the repository was down', async () => {
    const p = await w.addPatient();
    const o = await w.repo.create(w.ctx(w.member('dr-a')), observation(p));
    await w.repo.flush();
    await w.erase(p);
    await w.repo.close();
    w.repo = await SecureFhirRepository.open({ db: w.db, vault: w.vault, kek: w.kek, consents: w.consents, ledger: w.port });
    assert.equal(w.vault.isErased(p), true);
    await assert.rejects(w.repo.read(w.ctx(w.member('dr-a')), 'Observation', String(o.id)), (e) => code(e) === 'GONE');
    assert.deepEqual(fhirTablesMention(w, [p]), []);
  });
});
