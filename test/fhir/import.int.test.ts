// Real patient data loads (issue 11, part 1): a seeded Synthea-like bundle of
// more than 2,000 entries over the types Synthea writes loads through a
// transaction POST and through `careledger import` (its code, and the CLI on
// the real Synthea NDJSON sample); every resource reads back equal apart from
// server-assigned fields; $everything returns all of the patient's resources
// to a consented practitioner and none to one without consent; the patient's
// identifiers never leave the vault in clear.
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary FHIR JSON */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey, signingKeyToPem, type SigningKey } from '../../src/crypto/index.js';
import { pseudonymForTx } from '../../src/contracts/identity/index.js';
import { REGISTRATION_EXTENSION } from '../../src/fhir/types.js';
import { txIdOf } from '../../src/ledger/index.js';
import { importUnits, readImportUnits } from '../../src/cli/import.js';
import { enrolmentKey } from '../../src/cli/enrolment.js';
import { filesUnder, findLeaks, startRecordsNode, type Json, type Member, type RecordsNode } from '../records/fixture.js';
import { runCli } from '../helpers/proc.js';
import { SHARED_TYPES, syntheaLikeBundle } from './synthea-like.js';

const ACCESS_ALL = { type: 'permit', actions: ['access'], provisions: [{ type: 'permit', securityLabels: [] }] };
const SYNTHEA_DIR = '/work/shared/data/synthea-bulk';

let node: RecordsNode;
let dr: Member;
let other: Member;

before(async () => {
  node = await startRecordsNode();
  dr = await node.client.registerMember(node.adminKey, ['practitioner']);
  other = await node.client.registerMember(node.adminKey, ['practitioner']);
});
after(async () => {
  await node?.close();
});

/** The stored resource without the fields the server assigns. */
function withoutServerFields(r: Json): Json {
  const copy = structuredClone(r);
  delete copy.id;
  if (copy.meta !== undefined) {
    delete copy.meta.versionId;
    delete copy.meta.lastUpdated;
    if (Object.keys(copy.meta).length === 0) delete copy.meta;
  }
  return copy;
}

/** The sent resource with its placeholders and conditional references replaced by what the node assigned. */
function expected(resource: Json, links: Map<string, string>): Json {
  const copy = structuredClone(resource);
  const walk = (n: any): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (typeof n === 'object' && n !== null) {
      for (const [k, v] of Object.entries(n)) {
        if (k === 'reference' && typeof v === 'string' && links.has(v)) n[k] = links.get(v);
        else walk(v);
      }
    }
  };
  walk(copy);
  delete copy.id;
  return copy;
}

/** Every entry of a patient's $everything, paged. */
async function everything(token: string, pseudonym: string): Promise<Json[]> {
  const out: Json[] = [];
  for (let offset = 0; ; offset += 1000) {
    const res = await node.client.fhir(token, 'GET', `Patient/${pseudonym}/$everything?_count=1000&_offset=${offset}`);
    assert.equal(res.status, 200, res.text);
    out.push(...(res.body.entry ?? []).map((e: Json) => e.resource));
    if (offset + 1000 >= res.body.total) return out;
  }
}

async function grantAccess(pseudonym: string, key: SigningKey, memberId: string): Promise<void> {
  await node.client.tx(key, 'consent', 'grant', { patient: pseudonym, grantee: { kind: 'practitioner', orgId: node.orgId, memberId }, provision: ACCESS_ALL });
}

/** Reads every entry back and checks $everything for the consented and the other practitioner. */
async function checkLoaded(bundle: Json, conditional: Map<string, string>, locations: Map<string, string>, pseudonym: string, patientKey: SigningKey): Promise<void> {
  const links = new Map(locations);
  for (const [ref, fullUrl] of conditional) links.set(ref, locations.get(fullUrl) as string);
  const drToken = await node.client.memberToken(dr.key);
  await grantAccess(pseudonym, patientKey, dr.memberId);
  const compartment = new Set<string>();
  for (const entry of bundle.entry) {
    const location = locations.get(entry.fullUrl) as string;
    assert.ok(location, entry.fullUrl);
    const res = await node.client.fhir(drToken, 'GET', location);
    assert.equal(res.status, 200, `${location}: ${res.text}`);
    assert.deepEqual(withoutServerFields(res.body), expected(entry.resource, links), location);
    if (!(SHARED_TYPES as readonly string[]).includes(entry.resource.resourceType)) compartment.add(location);
  }
  assert.equal(locations.get(bundle.entry.find((e: Json) => e.resource.resourceType === 'Patient').fullUrl), `Patient/${pseudonym}`);
  const all = await everything(drToken, pseudonym);
  assert.deepEqual(new Set(all.map((r) => `${r.resourceType}/${r.id}`)), compartment);
  const none = await everything(await node.client.memberToken(other.key), pseudonym);
  assert.deepEqual(none, []);
}

describe('loading a Synthea-like patient (2,000+ entries)', { timeout: 600_000 }, () => {
  it('through a transaction POST: registered, linked, every resource equal, $everything consent-filtered, identifiers only in the vault', async () => {
    const { bundle, conditional } = syntheaLikeBundle(11);
    assert.ok(bundle.entry.length >= 2000);
    assert.deepEqual(new Set(bundle.entry.map((e: Json) => e.resource.resourceType)).size, 24);
    const patientKey = generateSigningKey();
    const envelope = node.client.sign(dr.key, 'identity', 'register-patient', { keys: [patientKey.keyId] });
    const pseudonym = pseudonymForTx(txIdOf(envelope.tx));
    const sent = structuredClone(bundle);
    const patientEntry = sent.entry.find((e: Json) => e.resource.resourceType === 'Patient');
    patientEntry.request.extension = [{ url: REGISTRATION_EXTENSION, valueString: JSON.stringify(envelope) }];
    const token = await node.client.memberToken(dr.key);
    const res = await node.client.fhir(token, 'POST', '', sent, { prefer: 'return=minimal' });
    assert.equal(res.status, 200, res.text.slice(0, 2000));
    const locations = new Map<string, string>();
    res.body.entry.forEach((e: Json, i: number) => {
      assert.equal(e.response.status, '201 Created');
      locations.set(bundle.entry[i].fullUrl, e.response.location.replace(/^.*\/fhir\/R4\//, '').replace(/\/_history\/.*$/, ''));
    });
    await checkLoaded(bundle, conditional, locations, pseudonym, patientKey);
    // The patient's identifiers (SSN, Synthea id) are in its Patient resource, encrypted: in no file of the node in clear.
    const ids = patientEntry.resource.identifier.map((i: Json) => i.value as string);
    await node.records.repository.flush();
    assert.deepEqual(findLeaks(filesUnder(node.dataDir), ids), []);
  });

  it('a resubmitted bundle refers to the registered patient; the fresh-patient exception is spent once records exist', async () => {
    const { bundle } = syntheaLikeBundle(12, 40);
    const patientKey = generateSigningKey();
    const envelope = node.client.sign(dr.key, 'identity', 'register-patient', { keys: [patientKey.keyId] });
    const sent = structuredClone(bundle);
    sent.entry.find((e: Json) => e.resource.resourceType === 'Patient').request.extension = [{ url: REGISTRATION_EXTENSION, valueString: JSON.stringify(envelope) }];
    const token = await node.client.memberToken(dr.key);
    assert.equal((await node.client.fhir(token, 'POST', '', sent)).status, 200);
    // The same registration again: the patient now has records, so writing more needs its consent.
    const again = await node.client.fhir(token, 'POST', '', sent);
    assert.equal(again.status, 403, again.text.slice(0, 500));
    // Another member may not send a registration signed by dr.
    const stranger = await node.client.fhir(await node.client.memberToken(other.key), 'POST', '', sent);
    assert.equal(stranger.status, 403);
    assert.equal(stranger.body.issue[0].expression[0], 'registration');
  });

  it('through careledger import (its code): the same checks, the enrolment code seeds the patient key', async () => {
    const { bundle, conditional } = syntheaLikeBundle(13);
    const file = join(node.tmp, 'synthea-like.json');
    writeFileSync(file, JSON.stringify(bundle));
    const codes = join(node.tmp, 'codes.tsv');
    const report = await importUnits({ url: node.url, key: dr.key, paths: [file], codesFile: codes }, readImportUnits([file]));
    assert.equal(report.resources, bundle.entry.length);
    const [line] = readFileSync(codes, 'utf8').trim().split('\n');
    const [, pseudonym, code] = (line as string).split('\t') as [string, string, string];
    const secret = code.slice(code.indexOf(':') + 1).replaceAll('-', '');
    await checkLoaded(bundle, conditional, report.locations, pseudonym, enrolmentKey(secret));
  });

  it('careledger import loads the real Synthea NDJSON sample (697 resources, 11 patients)', async () => {
    const keyFile = join(node.tmp, 'dr.pem');
    writeFileSync(keyFile, signingKeyToPem(dr.key), { mode: 0o600 });
    const codes = join(node.tmp, 'synthea-codes.tsv');
    const run = await runCli(['import', SYNTHEA_DIR, '--key', keyFile, '--url', node.url, '--codes', codes], 300_000);
    assert.equal(run.code, 0, run.stderr.slice(-3000));
    assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').pop() as string), { bundles: 12, resources: 697, patients: 11 });
    assert.match(run.stderr, /697\/697 resources/);
    const lines = readFileSync(codes, 'utf8').trim().split('\n').map((l) => l.split('\t') as [string, string, string]);
    assert.equal(lines.length, 11);
    const drToken = await node.client.memberToken(dr.key);
    let total = 0;
    for (const [source, pseudonym, code] of lines) {
      await grantAccess(pseudonym, enrolmentKey(code.slice(code.indexOf(':') + 1).replaceAll('-', '')), dr.memberId);
      const all = await everything(drToken, pseudonym);
      total += all.length;
      const patient = all.find((r) => r.resourceType === 'Patient');
      const original = readFileSync(join(SYNTHEA_DIR, 'Patient.000.ndjson'), 'utf8').split('\n').map((l) => (l === '' ? undefined : JSON.parse(l))).find((p) => `urn:uuid:${p?.id}` === source);
      assert.deepEqual(withoutServerFields(patient), withoutServerFields(original));
      // Conditional Location references were resolved to the imported Locations.
      for (const imm of all.filter((r) => r.resourceType === 'Immunization')) assert.match(imm.location.reference, /^Location\/[0-9a-f-]{36}$/);
    }
    assert.equal(total, 11 + 143 + 413);
  });
});
