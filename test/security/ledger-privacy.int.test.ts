// Finding 3 (issue 9), the ledger's content: the ledger is replicated to every
// member, so it must not say who saw whose records, why. Against a real node
// over HTTP: a practitioner reads under consent, another breaks the glass with
// a unique reason; then the ledger's SQLite files are opened directly, as a
// member holding the replicated ledger would, and every access transaction,
// its events and every access state value are searched for the patient's
// pseudonym, the accessors, the purposes and the reason (and the reason in any
// encoding anywhere in the files). The patient's disclosures still list both
// accesses and verify against the chain head anchored on the ledger (whose
// anchoring transaction is fetched), and the privacy officer's queue still
// shows the reason. Fails on the old design (events on the ledger in clear).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { verifyAccessReport } from '../../src/contracts/access/index.js';
import { filesUnder, findLeaks, observation, patientResource, startRecordsNode, type Json, type Member, type Patient, type RecordsNode } from '../records/fixture.js';

let fx: RecordsNode;
let dr: Member;
let drZ: Member;
let officer: Member;
let P: Patient;
const REASON = `unconscious in ED ${randomBytes(8).toString('hex')} marker`;

before(async () => {
  fx = await startRecordsNode();
  const c = fx.client;
  dr = await c.registerMember(fx.adminKey, ['practitioner'], `dr-${randomBytes(4).toString('hex')}`);
  drZ = await c.registerMember(fx.adminKey, ['practitioner'], `drz-${randomBytes(4).toString('hex')}`);
  officer = await c.registerMember(fx.adminKey, ['privacy-officer'], `po-${randomBytes(4).toString('hex')}`);
  P = await c.registerPatient(dr.key);
  await c.tx(P.key, 'consent', 'grant', {
    patient: P.pseudonym,
    grantee: { kind: 'practitioner', orgId: fx.orgId, memberId: dr.memberId },
    provision: { type: 'permit', actions: ['access'], purposes: ['TREAT'] },
  });
  await c.allowWrites(P, fx.orgId, dr.memberId); // writes need collect/correct (finding 4)
});

after(async () => {
  await fx?.close();
});

/** What a member holding the replicated ledger sees of the access contract: its transactions, their events, its state. */
function accessContextOfLedger(): string[] {
  const db = new Database(join(fx.dataDir, 'ledger.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const texts: string[] = [];
    for (const row of db.prepare<[], { envelope: Buffer; events: string }>('SELECT envelope, events FROM txs').iterate()) {
      const envelope = JSON.parse(Buffer.from(row.envelope).toString('utf8')) as { tx: { contract: string } };
      if (envelope.tx.contract === 'access') texts.push(JSON.stringify(envelope), row.events);
      else if (row.events.includes('"contract":"access"')) texts.push(row.events);
    }
    for (const row of db.prepare<[], { key: string; value: string }>(`SELECT key, value FROM state WHERE ns = 'access'`).iterate()) {
      texts.push(row.key, row.value);
    }
    return texts;
  } finally {
    db.close();
  }
}

describe('finding 3: the ledger does not publish who saw what', { timeout: 120_000 }, () => {
  it('reads and a break-glass leave no pseudonym, accessor, purpose or reason on the ledger; the patient and the officer still see them', async () => {
    const c = fx.client;
    const tDr = await c.memberToken(dr.key);
    const tZ = await c.memberToken(drZ.key, 'system/*.rs');
    await c.allowWrites(P, fx.orgId, dr.memberId);
    assert.equal((await c.fhir(tDr, 'PUT', `Patient/${P.pseudonym}`, patientResource(P.pseudonym))).status, 201);
    const created = await c.fhir(tDr, 'POST', 'Observation', observation(P.pseudonym, '8480-6', 120));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    assert.equal((await c.fhir(tDr, 'GET', `Observation/${id}`)).status, 200);
    assert.equal((await c.fhir(tDr, 'GET', `Observation?patient=${P.pseudonym}`)).status, 200);
    const btg = await c.fhir(tZ, 'GET', `Observation/${id}`, undefined, { 'x-purpose-of-use': 'ETREAT', 'x-break-glass-reason': REASON });
    assert.equal(btg.status, 200, btg.text);
    await fx.records.repository.flush();
    assert.equal(fx.records.repository.pendingAccessEvents(), 0);

    // The patient's accounting lists every access, with the reason, and verifies against the anchored head.
    const tP = await c.patientToken(P);
    const r = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/disclosures`, { token: tP });
    assert.equal(r.status, 200, r.text);
    const rows = r.body.disclosures as Json[];
    assert.deepEqual(rows.map((row) => `${row.recipient} ${row.interaction} ${row.purpose}`).sort(), [
      `${fx.orgId}/${dr.memberId} create TREAT`,
      `${fx.orgId}/${dr.memberId} create TREAT`,
      `${fx.orgId}/${dr.memberId} read TREAT`,
      `${fx.orgId}/${dr.memberId} search TREAT`,
      `${fx.orgId}/${drZ.memberId} read ETREAT`,
    ]);
    assert.deepEqual(rows.filter((row) => row.breakGlass !== null).map((row) => row.breakGlass), [REASON]);
    assert.ok(rows.every((row) => row.anchored === true));
    const report = r.body.accessChain;
    assert.deepEqual(verifyAccessReport(report), { ok: true, seq: 5, anchoredSeq: 5 });
    // The anchor is a committed transaction naming the chain's head (the patient fetches its inclusion proof).
    const tx = fx.node.tx(report.anchor.txId);
    assert.equal(tx?.code, 'OK');
    const entries = JSON.parse(Buffer.from(tx!.envelope).toString('utf8')).tx.args.entries as Json[];
    const entry = entries.find((e) => e.chain === report.chain);
    assert.deepEqual({ seq: entry.seq, head: entry.head }, { seq: report.anchor.seq, head: report.anchor.head });
    // A report with an event dropped, or altered, does not verify.
    assert.equal(verifyAccessReport({ ...report, events: report.events.slice(1), links: report.links.slice(1) }).ok, false);
    const altered = report.events.map((e: Json) => (e.seq === 5 ? { ...e, breakGlass: { reason: 'routine' } } : e));
    assert.deepEqual(verifyAccessReport({ ...report, events: altered }), { ok: false, reason: 'event-mismatch', seq: 5 });

    // The privacy officer's queue shows the reason.
    const tPo = await c.memberToken(officer.key, 'system/AuditEvent.rs');
    const queue = await c.request('GET', `/ledger/v1/orgs/${fx.orgId}/break-glass`, { token: tPo });
    assert.equal(queue.status, 200, queue.text);
    assert.deepEqual(
      queue.body.items.map((i: Json) => ({ patient: i.patient, memberId: i.accessor.memberId, reason: i.reason, status: i.status, anchored: i.anchored })),
      [{ patient: P.pseudonym, memberId: drZ.memberId, reason: REASON, status: 'pending', anchored: true }],
    );

    // A member's view of the replicated ledger: the access contract's part of it.
    const texts = accessContextOfLedger();
    assert.ok(texts.some((t) => t.includes('"action":"anchor"')), 'the anchors are on the ledger');
    for (const secret of [P.pseudonym, dr.memberId, drZ.memberId, 'TREAT', 'ETREAT', 'purpose', 'accessor', REASON, 'unconscious', id]) {
      assert.deepEqual(texts.filter((t) => t.includes(secret)), [], `"${secret}" in the ledger's access context`);
    }
    // At rest, the reason is in no file of the data directory (ledger, vault, journal), in any encoding.
    await fx.stop();
    assert.deepEqual(findLeaks(filesUnder(fx.dataDir), [REASON]), []);
  });
});
