// No health data at rest in the clear, nor in the logs: a unique marker is
// planted in an Observation (note text and valueString) through the FHIR API
// of a node running as a child process at log level debug, read back (read,
// search, history, by the practitioner and by the patient) so reads are
// logged too, then the node is stopped and every file of its data directory
// (ledger, vault and auth databases with their -wal/-shm files, keys) and
// everything it printed are searched for the marker in UTF-8, UTF-16, hex,
// base64 and base64url.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyHome, loadSigningKey } from '../../src/node/index.js';
import { filesUnder, findLeaks, leakPatterns, observation, patientResource, spawnRecordsNode, type ChildNode } from './fixture.js';

let tmp: string;
let dataDir: string;
let node: ChildNode | undefined;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'careledger-marker-'));
  dataDir = join(tmp, 'node');
});

after(async () => {
  await node?.stop(2000);
  rmSync(tmp, { recursive: true, force: true });
});

describe('a planted marker is found nowhere at rest or in the logs', { timeout: 90_000 }, () => {
  it('writes, reads back, stops, and searches every byte', async () => {
    const marker = `CLMARK-${randomBytes(12).toString('hex')}-\u00e9t\u00e9`;
    node = await spawnRecordsNode(dataDir, 'debug');
    const c = node.client;
    const admin = loadSigningKey(keyHome(dataDir).adminKey);
    const drX = await c.registerMember(admin, ['practitioner'], 'dr-x');
    const P = await c.registerPatient(drX.key);
    await c.tx(P.key, 'consent', 'grant', {
      patient: P.pseudonym,
      grantee: { kind: 'practitioner', orgId: 'org1', memberId: drX.memberId },
      provision: { type: 'permit', purposes: ['TREAT'] },
    });
    const tX = await c.memberToken(drX.key);
    const tP = await c.patientToken(P);

    const put = await c.fhir(tX, 'PUT', `Patient/${P.pseudonym}`, patientResource(P.pseudonym));
    assert.equal(put.status, 201, put.text);
    const body = observation(P.pseudonym, '72133-2', 0, { note: [{ text: `clinician note ${marker}` }] });
    delete body.valueQuantity;
    body.valueString = marker;
    const created = await c.fhir(tX, 'POST', 'Observation', body);
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const updated = await c.fhir(tX, 'PUT', `Observation/${id}`, { ...created.body, note: [{ text: `amended ${marker}` }] });
    assert.equal(updated.status, 200, updated.text);

    for (const token of [tX, tP]) {
      const read = await c.fhir(token, 'GET', `Observation/${id}`);
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.valueString, marker);
      assert.equal(read.body.note[0].text, `amended ${marker}`);
      const search = await c.fhir(token, 'GET', `Observation?patient=${P.pseudonym}`);
      assert.equal(search.body.total, 1);
      assert.equal(search.body.entry[0].resource.valueString, marker);
      const history = await c.fhir(token, 'GET', `Observation/${id}/_history`);
      assert.equal(history.body.total, 2);
    }
    // The access events reach the ledger before we stop (the node also flushes on close).
    const n = node;
    const exit = await n.stop();
    node = undefined;
    assert.deepEqual(exit, { code: 0, signal: null }, n.output());

    const files = filesUnder(dataDir);
    for (const name of ['ledger.sqlite', 'vault.sqlite', 'auth.sqlite']) assert.ok(existsSync(join(dataDir, name)), `${name} exists`);
    assert.ok(files.length >= 6, files.join('\n'));
    const log = Buffer.from(n.output(), 'utf8');
    // The log did record the requests (debug level), just not their content.
    assert.match(n.output(), /Observation/);
    // Self-check of the search: the patterns are found where the marker is.
    const probe = Buffer.from(`xx${marker}yy ${Buffer.from(`a${marker}`).toString('base64')} ${Buffer.from(`ab${marker}`).toString('base64url')}`);
    const probed = findLeaks([], [marker], [{ name: 'probe', bytes: probe }]).map((s) => s.split(': ')[1]);
    for (const form of ['utf8', 'base64@1', 'base64url@2']) assert.ok(probed.includes(form), `${form} in ${probed.join(', ')}`);
    assert.ok(leakPatterns(marker).every((p) => p.bytes.length >= 24));
    assert.deepEqual(findLeaks(files, [marker], [{ name: 'node output', bytes: log }]), []);
  });
});
