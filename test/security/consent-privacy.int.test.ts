// Finding 3 (issue 9), consents: the ledger is replicated to every member, so
// a consent must not tell another organisation who may see a pseudonym's
// records, for what and which kinds. Against a real node over HTTP: the
// patient grants Dr X two consents (one through the custodian's checked route
// POST /ledger/v1/patients/{p}/consents, one through the generic transactions
// route); then the ledger's SQLite files are searched, as a member holding the
// replicated ledger would, for Dr X's member id, the purposes, the label and
// the resource types the consents name. The patient reads the consents back
// in clear; reads are still decided by them; the custodian refuses invalid
// grants before ordering (nothing stored); a grant sealed to another key is
// stored (it came through the generic route) but fails closed: every read of
// the patient is denied until it is revoked, and the patient's view marks it
// unreadable. Fails on the old design (grantee and provision in clear args).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { consentIdForTx, sealConsentBody } from '../../src/contracts/consent/index.js';
import { generateX25519PrivateKey, toBase64Url, x25519PublicBytes } from '../../src/crypto/index.js';
import { signTx } from '../../src/ledger/index.js';
import { filesUnder, findLeaks, observation, patientResource, startRecordsNode, type Member, type Patient, type RecordsNode } from '../records/fixture.js';

let fx: RecordsNode;
let drX: Member;
let P: Patient;
const NAMED = ['HRESCH', 'SICKLE', 'ImagingStudy', 'MolecularSequence'];

before(async () => {
  fx = await startRecordsNode();
  drX = await fx.client.registerMember(fx.adminKey, ['practitioner'], `drx-${randomBytes(6).toString('hex')}`);
  P = await fx.client.registerPatient(drX.key);
});

after(async () => {
  await fx?.close();
});

/** Everything the consent contract put on the ledger: its envelopes, events, and state keys and values. */
function consentContextOfLedger(): string[] {
  const db = new Database(join(fx.dataDir, 'ledger.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const texts: string[] = [];
    for (const row of db.prepare<[], { envelope: Buffer; events: string }>('SELECT envelope, events FROM txs').iterate()) {
      const text = Buffer.from(row.envelope).toString('utf8');
      if ((JSON.parse(text) as { tx: { contract: string } }).tx.contract === 'consent') texts.push(text, row.events);
    }
    for (const row of db.prepare<[], { key: string; value: string }>(`SELECT key, value FROM state WHERE ns = 'consent'`).iterate()) {
      texts.push(row.key, row.value);
    }
    return texts;
  } finally {
    db.close();
  }
}

const postGrant = (args: Record<string, unknown>) =>
  fx.client.request('POST', `/ledger/v1/patients/${P.pseudonym}/consents`, {
    body: signTx({ network: fx.networkId, contract: 'consent', action: 'grant', args: args as never }, P.key),
    contentType: 'application/json',
  });

/** Consent transactions on the ledger (other transactions, e.g. access anchors, come and go meanwhile). */
const consentTxCount = (): number => {
  const db = new Database(join(fx.dataDir, 'ledger.sqlite'), { readonly: true, fileMustExist: true });
  try {
    let n = 0;
    for (const row of db.prepare<[], { envelope: Buffer }>('SELECT envelope FROM txs').iterate()) {
      if ((JSON.parse(Buffer.from(row.envelope).toString('utf8')) as { tx: { contract: string } }).tx.contract === 'consent') n += 1;
    }
    return n;
  } finally {
    db.close();
  }
};

describe('finding 3: consents do not link a pseudonym to providers', { timeout: 120_000 }, () => {
  it('grants leave no grantee, purpose, label or resource type on the ledger; the patient reads them; reads follow them; bad grants fail closed', async () => {
    const c = fx.client;
    const grantee = { kind: 'practitioner', orgId: fx.orgId, memberId: drX.memberId };
    // 1. Through the custodian's checked route.
    const writeAndRead = await c.sealGrant({
      patient: P.pseudonym,
      grantee,
      provision: { type: 'permit', actions: ['access', 'collect', 'correct'], purposes: ['TREAT'], resourceTypes: ['Observation', 'Patient'] },
    });
    const posted = await postGrant(writeAndRead);
    assert.equal(posted.status, 200, posted.text);
    const first = (posted.body as { consentId: string }).consentId;
    // 2. Through the generic route, naming the research purpose, a label and resource types.
    const research = await c.tx(P.key, 'consent', 'grant', {
      patient: P.pseudonym,
      grantee,
      provision: { type: 'permit', purposes: ['HRESCH'], securityLabels: ['SICKLE'], resourceTypes: ['ImagingStudy', 'MolecularSequence'] },
    });
    const second = consentIdForTx(research.txId);

    // What a member holding the replicated ledger sees.
    const onLedger = consentContextOfLedger();
    assert.ok(onLedger.some((t) => t.includes(P.pseudonym)), 'the consents are on the ledger');
    for (const secret of [drX.memberId, ...NAMED]) {
      assert.deepEqual(onLedger.filter((t) => t.includes(secret)).length, 0, secret);
    }
    const ledgerFiles = filesUnder(fx.dataDir).filter((f) => basename(f).startsWith('ledger'));
    assert.ok(ledgerFiles.length > 0);
    // Raw and UTF-16 forms only: the base64 forms of words this short are a few characters, found by chance in any ciphertext.
    assert.deepEqual(findLeaks(ledgerFiles, NAMED.flatMap((w) => [Buffer.from(w, 'utf8'), Buffer.from(w, 'utf16le')])), []);

    // The patient reads both back in clear.
    const tP = await c.patientToken(P);
    const view = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/consents`, { token: tP });
    assert.equal(view.status, 200, view.text);
    const consents = (view.body as { consents: Array<{ consentId: string; readable: boolean; grantee: unknown; provision: { purposes: string[] } }> }).consents;
    const byId = new Map(consents.map((x) => [x.consentId, x]));
    assert.deepEqual(byId.get(first)?.grantee, grantee);
    assert.deepEqual(byId.get(second)?.provision.purposes, ['HRESCH']);
    assert.deepEqual(consents.map((x) => x.readable), [true, true]);

    // Reads and writes are still decided by them.
    const tX = await c.memberToken(drX.key);
    assert.equal((await c.fhir(tX, 'PUT', `Patient/${P.pseudonym}`, patientResource(P.pseudonym))).status, 201);
    const created = await c.fhir(tX, 'POST', 'Observation', observation(P.pseudonym, '8480-6', 120));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    assert.equal((await c.fhir(tX, 'GET', `Observation/${id}`)).status, 200);
    assert.equal((await c.fhir(tX, 'GET', `Observation/${id}`, undefined, { 'x-purpose-of-use': 'HPAYMT' })).status, 404);

    // The custodian refuses invalid grants before ordering: nothing stored.
    const before = consentTxCount();
    const nobody = await postGrant(await c.sealGrant({ patient: P.pseudonym, grantee: { ...grantee, memberId: 'nobody-here' }, provision: { type: 'permit' } }));
    assert.equal(nobody.status, 404, nobody.text);
    assert.deepEqual((nobody.body as { error: { code: string; field: string } }).error.code, 'NOT_FOUND');
    const stranger = toBase64Url(x25519PublicBytes(generateX25519PrivateKey()));
    const body = { grantee, provision: { type: 'deny' }, salt: toBase64Url(randomBytes(16)) };
    const elsewhere = sealConsentBody(fx.networkId, P.pseudonym, stranger, body);
    const refused = await postGrant({ ...elsewhere });
    assert.equal(refused.status, 409, refused.text);
    assert.deepEqual([(refused.body as { error: { code: string; field: string } }).error.code, (refused.body as { error: { field: string } }).error.field], ['CONFLICT', 'sealed']);
    assert.equal(consentTxCount(), before);

    // Sealed to another key and sent through the generic route, it is stored, and fails closed.
    const unreadable = consentIdForTx((await c.tx(P.key, 'consent', 'grant', { ...elsewhere })).txId);
    assert.equal((await c.fhir(tX, 'GET', `Observation/${id}`)).status, 404);
    const marked = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/consents`, { token: tP });
    const entry = (marked.body as { consents: Array<Record<string, unknown>> }).consents.find((x) => x['consentId'] === unreadable);
    assert.deepEqual(entry && [entry['readable'], 'grantee' in entry, 'provision' in entry], [false, false, false]);
    await c.tx(P.key, 'consent', 'revoke', { patient: P.pseudonym, consentId: unreadable });
    assert.equal((await c.fhir(tX, 'GET', `Observation/${id}`)).status, 200);
  });
});
