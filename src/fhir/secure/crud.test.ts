// Create/read/update/delete/vread/history round trips through the secure
// repository against a real node: anchors on the ledger whose commitments
// verify against the vault's plaintext and salt.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type JsonValue, type LedgerPort } from '../../ledger/index.js';
import { isCareLedgerError } from '../../errors/index.js';
import { RECORD_PREFIX, RECORDS_NAMESPACE, versionPrefix } from '../../contracts/records/index.js';
import { verifyCommitment } from '../../vault/index.js';
import { SecureFhirRepository } from './repository.js';
import { observation, patientResource, World } from './world-fixture.test.js';

const code = (e: unknown): string => (isCareLedgerError(e) ? e.code : String(e));

describe('secure repository: writes and anchors', () => {
  let w: World;
  let p: string;
  before(async () => {
    w = await World.create();
    p = await w.addPatient();
  });
  after(async () => w.close());

  test('create, read, update, vread, delete, history round trip', async () => {
    const dr = w.ctx(w.member('dr-a'), { deleteReason: 'entered in error' });
    const created = await w.repo.create(dr, observation(p));
    assert.equal(created.meta?.versionId, '1');
    assert.match(String(created.id), /^[A-Za-z0-9.-]{1,64}$/);
    const id = String(created.id);

    const read = await w.repo.read(w.ctx(w.patient(p)), 'Observation', id);
    assert.deepEqual(read, created);

    const { resource: v2, created: wasCreated } = await w.repo.update(dr, { ...created, status: 'amended' }, '1');
    assert.equal(wasCreated, false);
    assert.equal(v2.meta?.versionId, '2');
    await assert.rejects(w.repo.update(dr, { ...created, status: 'final' }, '1'), (e) => code(e) === 'PRECONDITION_FAILED');

    const v1 = await w.repo.vread(w.ctx(w.patient(p)), 'Observation', id, '1');
    assert.equal(v1['status'], 'final');

    await w.repo.delete(dr, 'Observation', id);
    await w.repo.delete(dr, 'Observation', id); // idempotent
    await assert.rejects(w.repo.read(w.ctx(w.patient(p)), 'Observation', id), (e) => code(e) === 'GONE');
    await assert.rejects(w.repo.vread(w.ctx(w.patient(p)), 'Observation', id, '3'), (e) => code(e) === 'GONE');
    await assert.rejects(w.repo.read(w.ctx(w.patient(p)), 'Observation', 'nope'), (e) => code(e) === 'NOT_FOUND');

    const history = await w.repo.history(w.ctx(w.patient(p)), 'Observation', id);
    assert.deepEqual(history.map((h) => [h.versionId, h.method, h.resource === undefined]), [
      ['3', 'DELETE', true],
      ['2', 'PUT', false],
      ['1', 'POST', false],
    ]);
  });

  test('every anchored version verifies against the vault plaintext and salt', async () => {
    const dr = w.ctx(w.member('dr-a'));
    const o = await w.repo.create(dr, observation(p));
    await w.repo.update(dr, { ...o, status: 'amended' });
    const heads = w.port.scan(RECORDS_NAMESPACE, RECORD_PREFIX, 1000).map((r) => r.value as { [k: string]: JsonValue });
    const mine = heads.filter((h) => h['patient'] === p);
    assert.ok(mine.length >= 2);
    let checked = 0;
    for (const head of mine) {
      const recordId = String(head['recordId']);
      assert.match(recordId, /^r-[0-9a-f]{32}$/);
      assert.equal(head['custodian'], 'org1');
      for (const row of w.port.scan(RECORDS_NAMESPACE, versionPrefix(recordId), 100)) {
        const anchored = row.value as { commitment: string; op: string };
        const version = Number(row.key.slice(row.key.lastIndexOf('/') + 1));
        const rec = w.vault.get(recordId, version);
        assert.ok(verifyCommitment(rec.salt, rec.plaintext, anchored.commitment), `${recordId} v${version}`);
        checked += 1;
      }
    }
    assert.ok(checked >= 5);
  });

  test('Patient resources: PUT Patient/<pseudonym> only, for patients registered here', async () => {
    const dr = w.ctx(w.member('dr-a'));
    await assert.rejects(w.repo.create(dr, { resourceType: 'Patient', gender: 'male' }), (e) => code(e) === 'UNPROCESSABLE');
    const { resource, created } = await w.repo.update(dr, patientResource(p));
    assert.equal(created, true);
    assert.equal(resource.id, p);
    const unknown = 'pt-' + '0'.repeat(32);
    await assert.rejects(w.repo.update(dr, patientResource(unknown)), (e) => code(e) === 'UNPROCESSABLE');
    await assert.rejects(w.repo.create(dr, observation(unknown)), (e) => code(e) === 'UNPROCESSABLE');
    await assert.rejects(w.repo.create(dr, { resourceType: 'Observation', status: 'final' }), (e) => code(e) === 'UNPROCESSABLE');
  });

  test('writers: practitioner or org-admin member of this org with a write scope', async () => {
    const noScope = w.ctx(w.member('dr-a', { scopes: [{ context: 'user', resourceType: 'Observation', permissions: { c: false, r: true, u: false, d: false, s: true } }] }));
    await assert.rejects(w.repo.create(noScope, observation(p)), (e) => code(e) === 'FORBIDDEN');
    await assert.rejects(w.repo.create(w.ctx(w.member('clerk', { roles: ['auditor'] })), observation(p)), (e) => code(e) === 'FORBIDDEN');
    await assert.rejects(w.repo.create(w.ctx(w.patient(p)), observation(p)), (e) => code(e) === 'FORBIDDEN');
    const ghost = { ...w.member('dr-a'), memberId: 'ghost' };
    await assert.rejects(w.repo.create(w.ctx(ghost), observation(p)), (e) => code(e) === 'FORBIDDEN');
  });

  test('transaction: all versions in one anchor, all or nothing', async () => {
    const dr = w.ctx(w.member('dr-a'), { deleteReason: 'entered in error' });
    const before = w.port.scan(RECORDS_NAMESPACE, RECORD_PREFIX, 1000).length;
    const results = await w.repo.transaction(dr, [
      { op: 'create', resource: observation(p) },
      { op: 'create', resource: observation(p, { status: 'preliminary' }) },
      { op: 'create', resource: { resourceType: 'Practitioner', name: [{ family: 'Who' }] } },
    ]);
    assert.deepEqual(results.map((r) => r.status), [201, 201, 201]);
    const heads = w.port.scan(RECORDS_NAMESPACE, RECORD_PREFIX, 1000).map((r) => r.value as { [k: string]: JsonValue });
    assert.equal(heads.length, before + 2, 'non-patient resources are not anchored');
    const versions = heads.flatMap((h) => w.port.scan(RECORDS_NAMESPACE, versionPrefix(String(h['recordId'])), 10)).map((r) => (r.value as { txId: string }).txId);
    const last = versions.filter((t, i, a) => a.indexOf(t) === i);
    assert.ok(last.length < versions.length, 'two anchors share a transaction');

    // One op fails authorisation: nothing is written.
    const other = await w.addPatient();
    const count = w.port.scan(RECORDS_NAMESPACE, RECORD_PREFIX, 1000).length;
    await assert.rejects(
      w.repo.transaction(dr, [{ op: 'create', resource: observation(other) }, { op: 'delete', resourceType: 'Observation', id: 'missing' }]),
      (e) => code(e) === 'NOT_FOUND',
    );
    assert.equal(w.port.scan(RECORDS_NAMESPACE, RECORD_PREFIX, 1000).length, count);
    const practitioner = results[2]?.resource;
    assert.ok(practitioner);
    const read = await w.repo.read(w.ctx(w.member('dr-b')), 'Practitioner', String(practitioner.id));
    assert.deepEqual(read, practitioner);
  });

  test('an anchor the ledger refuses is retracted; an unconfirmed one is reconciled', async () => {
    const dr = w.ctx(w.member('dr-a'));
    const vaultRows = (): number => (w.db.prepare('SELECT count(*) AS n FROM vault_records').get() as { n: number }).n;
    const refusing: LedgerPort = {
      ...w.port,
      submit: async (envs) => envs.map((e) => ({ txId: e.txId, code: 'CONFLICT' as const, height: -1, index: -1 })),
    };
    const r1 = new SecureFhirRepository({ db: w.db, vault: w.vault, kek: w.kek, consents: w.consents, ledger: refusing });
    const n = vaultRows();
    await assert.rejects(r1.create(dr, observation(p)), (e) => code(e) === 'CONFLICT');
    assert.equal(vaultRows(), n, 'the staged vault version was retracted');
    await r1.close();

    // Committed on the ledger, but the answer was lost: pending until reconciled.
    const timingOut: LedgerPort = {
      ...w.port,
      submit: async (envs) => (await w.port.submit(envs)).map((r) => ({ ...r, code: 'TIMEOUT' as const })),
    };
    const r2 = new SecureFhirRepository({ db: w.db, vault: w.vault, kek: w.kek, consents: w.consents, ledger: timingOut });
    const o = await w.repo.create(dr, observation(p));
    await assert.rejects(r2.update(dr, { ...o, status: 'amended' }), (e) => code(e) === 'TIMEOUT');
    await r2.close();
    assert.equal((await w.repo.read(w.ctx(w.patient(p)), 'Observation', String(o.id))).meta?.versionId, '1');
    await assert.rejects(w.repo.update(dr, { ...o, status: 'cancelled' }), (e) => code(e) === 'CONFLICT');
    await w.repo.reconcilePending();
    const now = await w.repo.read(w.ctx(w.patient(p)), 'Observation', String(o.id));
    assert.equal(now.meta?.versionId, '2');
    assert.equal(now['status'], 'amended');
  });
});
