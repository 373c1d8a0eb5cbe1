// Writes under consent against a real node (issue 9, finding 4): create needs
// a permit for 'collect', update and delete one for 'correct' (labels named),
// deletes need a reason and the custodian's authority, and a refused caller
// gets the answer of a missing resource or version, for every interaction.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isCareLedgerError } from '../../errors/index.js';
import type { Actor, FhirResource, RequestContext } from '../types.js';
import { observation, patientResource, World } from './world-fixture.test.js';

const PSY = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' };

/** What a refusal tells the caller: code, field and text with the id masked. */
async function answer(p: Promise<unknown>, id: string): Promise<[string, string | undefined, string]> {
  try {
    await p;
  } catch (e) {
    if (!isCareLedgerError(e)) throw e;
    return [e.code, e.field, e.message.split(id).join('<id>')];
  }
  return ['OK', undefined, ''];
}

describe('secure repository: writes need consent (finding 4)', () => {
  let w: World;
  let p: string;
  let obs: FhirResource;
  const reason = { deleteReason: 'entered for the wrong patient' };
  const drB = (extra: { purpose?: 'TREAT' | 'ETREAT'; breakGlassReason?: string; deleteReason?: string } = reason): RequestContext => w.ctx(w.member('dr-b'), extra);
  before(async () => {
    w = await World.create();
    await w.addMember('admin-1', ['org-admin']);
    p = await w.addPatient();
    const dr = w.ctx(w.member('dr-a'));
    obs = await w.repo.create(dr, observation(p));
    obs = (await w.repo.update(dr, { ...obs, status: 'amended' })).resource;
  });
  after(async () => w.close());

  test('without consent: create FORBIDDEN; update, If-Match update and delete answer as for a missing id', async () => {
    const id = String(obs.id);
    assert.equal((await answer(w.repo.create(drB(), observation(p)), 'x'))[0], 'FORBIDDEN');
    const missing = 'no-such-observation';
    const pairs: Array<[Promise<unknown>, Promise<unknown>, string?]> = [
      [w.repo.update(drB(), { ...obs, status: 'cancelled' }), w.repo.update(drB(), { ...obs, id: missing, status: 'cancelled' }, '2')],
      [w.repo.update(drB(), { ...obs, status: 'cancelled' }, '2'), w.repo.update(drB(), { ...obs, id: missing }, '2')],
      [w.repo.update(drB(), { ...obs, status: 'cancelled' }, '1'), w.repo.update(drB(), { ...obs, id: missing }, '1')],
      [w.repo.delete(drB(), 'Observation', id), w.repo.delete(drB(), 'Observation', missing)],
      [w.repo.read(drB(), 'Observation', id), w.repo.read(drB(), 'Observation', missing)],
      [w.repo.vread(drB(), 'Observation', id, '1'), w.repo.vread(drB(), 'Observation', id, '7'), id],
      [w.repo.vread(drB(), 'Observation', id, '2'), w.repo.vread(drB(), 'Observation', missing, '2')],
      [w.repo.history(drB(), 'Observation', id), w.repo.history(drB(), 'Observation', missing)],
    ];
    for (const [existing, absent, absentId] of pairs) {
      const a = await answer(existing, id);
      const b = await answer(absent, absentId ?? missing);
      assert.deepEqual(a, ['NOT_FOUND', 'id', 'Observation/<id> not found']);
      assert.deepEqual(b, a);
    }
    // Nothing changed.
    assert.equal((await w.repo.read(w.ctx(w.patient(p)), 'Observation', id)).meta?.versionId, '2');
  });

  test('a read permit does not permit writes; collect permits create only; correct permits update', async () => {
    await w.grant(p, 'dr-b', { type: 'permit', actions: ['access'] });
    assert.equal((await answer(w.repo.create(drB(), observation(p)), 'x'))[0], 'FORBIDDEN');
    assert.deepEqual(await answer(w.repo.update(drB(), { ...obs, status: 'cancelled' }, '2'), String(obs.id)), ['NOT_FOUND', 'id', 'Observation/<id> not found']);
    const collect = await w.grant(p, 'dr-b', { type: 'permit', actions: ['collect'] });
    const mine = await w.repo.create(drB(), observation(p));
    assert.deepEqual(await answer(w.repo.update(drB(), { ...mine, status: 'cancelled' }), String(mine.id)), ['NOT_FOUND', 'id', 'Observation/<id> not found']);
    const correct = await w.grant(p, 'dr-b', { type: 'permit', actions: ['correct'], purposes: ['TREAT'] });
    const updated = await w.repo.update(drB(), { ...mine, status: 'cancelled' }, '1');
    assert.equal(updated.resource.meta?.versionId, '2');
    // With the permit, a stale If-Match is a 412 (the caller may see the resource).
    assert.equal((await answer(w.repo.update(drB(), { ...mine, status: 'final' }, '1'), String(mine.id)))[0], 'PRECONDITION_FAILED');
    // The write events name the consents relied on.
    await w.repo.flush();
    const events = w.accessLog(p).filter((e) => (e['accessor'] as { memberId?: string }).memberId === 'dr-b');
    const byInteraction = Object.fromEntries(events.map((e) => [String(e['interaction']), e['consentIds']]));
    assert.deepEqual(byInteraction['create'], [collect]);
    assert.deepEqual(byInteraction['update'], [correct]);
  });

  test('labelled records: writing or correcting them needs a permit naming the label', async () => {
    const q = await w.addPatient();
    await w.grant(q, 'dr-b', { type: 'permit', actions: ['collect', 'correct'] });
    assert.equal((await answer(w.repo.create(drB(), observation(q, { meta: { security: [PSY] } })), 'x'))[0], 'FORBIDDEN');
    const labelled = await w.repo.create(w.ctx(w.member('dr-a')), observation(q, { meta: { security: [PSY] } }));
    // Dropping the label is a correction of a PSY record: refused like the rest.
    const id = String(labelled.id);
    assert.deepEqual(await answer(w.repo.update(drB(), { ...labelled, meta: {} }), id), ['NOT_FOUND', 'id', 'Observation/<id> not found']);
    await w.grant(q, 'dr-b', { type: 'permit', actions: ['collect', 'correct'], securityLabels: ['PSY'] });
    assert.equal((await w.repo.update(drB(), { ...labelled, status: 'amended' })).resource.meta?.versionId, '2');
  });

  test('deletes: a reason, and the custodian practitioner with correct or an org admin; sealed and audited', async () => {
    const admin = (extra: { deleteReason?: string } = reason): RequestContext => w.ctx(w.member('admin-1', { roles: ['org-admin'] }), extra);
    const o = await w.repo.create(w.ctx(w.member('dr-a')), observation(p));
    const id = String(o.id);
    for (const bad of [undefined, '', ' x ', 'line\nbreak', 'x'.repeat(501), 'lone \ud800 surrogate']) {
      const ctx = bad === undefined ? admin({}) : admin({ deleteReason: bad });
      assert.deepEqual((await answer(w.repo.delete(ctx, 'Observation', id), id)).slice(0, 2), ['UNPROCESSABLE', 'reason']);
    }
    const auditor = w.ctx(w.member('clerk', { roles: ['auditor'] }), reason);
    assert.equal((await answer(w.repo.delete(auditor, 'Observation', id), id))[0], 'FORBIDDEN');
    const patientCtx = w.ctx(w.patient(p), reason);
    assert.equal((await answer(w.repo.delete(patientCtx, 'Observation', id), id))[0], 'FORBIDDEN');
    const why = 'doublon saisi par erreur — même examen';
    const ctx = admin({ deleteReason: why });
    await w.repo.delete(ctx, 'Observation', id);
    assert.equal((await answer(w.repo.read(w.ctx(w.patient(p)), 'Observation', id), id))[0], 'GONE');
    const history = await w.repo.history(w.ctx(w.patient(p)), 'Observation', id);
    assert.equal(history[0]?.method, 'DELETE');
    // The reason is sealed into the tombstone version (anchored by its commitment), never on the ledger in clear.
    const rec = w.db.prepare('SELECT record_id FROM fhir_resources WHERE owner = ? ORDER BY last_updated DESC').all(p) as Array<{ record_id: string }>;
    const tombstones = rec.flatMap((r) => {
      try {
        return [JSON.parse(Buffer.from(w.vault.get(r.record_id, 2).plaintext).toString('utf8')) as { deleted?: boolean; reason?: string; id?: string }];
      } catch {
        return [];
      }
    });
    assert.deepEqual(tombstones.find((t) => t.id === id), { resourceType: 'Observation', id, versionId: '2', deleted: true, reason: why });
    await w.repo.flush();
    const [event] = w.accessLog(p).filter((e) => e['requestId'] === ctx.requestId);
    assert.equal(event?.['interaction'], 'delete');
    assert.deepEqual(event?.['accessor'], { kind: 'member', orgId: 'org1', memberId: 'admin-1' });
    assert.ok(!JSON.stringify(w.accessLog(p)).includes('doublon'));
  });

  test('the patient writes its own Patient resource only; delegates write nothing; break-glass writes are flagged', async () => {
    const own = await w.repo.update(w.ctx(w.patient(p)), patientResource(p, { gender: 'other' }));
    assert.equal(own.resource.id, p);
    const q = await w.addPatient();
    assert.equal((await answer(w.repo.update(w.ctx(w.patient(p)), patientResource(q)), q))[0], 'NOT_FOUND');
    assert.equal((await answer(w.repo.update(w.ctx(w.patient(p)), { ...obs, status: 'final' }), 'x'))[0], 'FORBIDDEN');
    const delegate: Actor = { kind: 'delegate', pseudonym: p, delegateId: 'dg-1', keyId: 'none', scopes: w.patient(p).scopes };
    assert.equal((await answer(w.repo.update(w.ctx(delegate), patientResource(p)), p))[0], 'FORBIDDEN');
    const r = await w.addPatient({ writer: null });
    const ctx = w.ctx(w.member('dr-b'), { purpose: 'ETREAT', breakGlassReason: 'unconscious, documenting resuscitation' });
    await w.repo.create(ctx, observation(r));
    await w.repo.flush();
    const [event] = w.accessLog(r).filter((e) => e['requestId'] === ctx.requestId);
    assert.equal(event?.['interaction'], 'create');
    assert.deepEqual(event?.['breakGlass'], { reason: 'unconscious, documenting resuscitation' });
  });
});
