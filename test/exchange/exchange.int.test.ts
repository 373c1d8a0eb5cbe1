// Cross-organisation exchange between TWO organisations of ONE network
// (docs/exchange.md): two LedgerNodes (org-a, org-b), each with its own data
// dir, node key, HPKE key, vault, secure repository and HTTP server on
// 127.0.0.1, ordered by one real etcd member on loopback. Genesis lists both
// organisations with their node keys, HPKE keys and endpoints (the servers
// listen before genesis so their ports are known). Dr X (org-a) writes
// patient P's records; P grants Dr Y (org-b) access for TREAT; Dr Y gathers
// through org-b's node. Without etcd: fails in CI, skips locally.
import { sealConsentGrantFrom, type Grantee, type Provision } from '../../src/contracts/consent/index.js';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { requestClientCredentialsToken } from '../../src/auth/index.js';
import { getChainHead, incidentSubject } from '../../src/contracts/access/index.js';
import { consentIdForTx } from '../../src/contracts/consent/index.js';
import { pseudonymForTx } from '../../src/contracts/identity/index.js';
import { generateSigningKey, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { authorizeExchange, type DisclosureSource, type SignedExchangeRequest } from '../../src/exchange/index.js';
import type { FhirResource } from '../../src/fhir/types.js';
import { parseEnvelope, signTx, type JsonValue } from '../../src/ledger/index.js';
import { writeNodeConfig } from '../../src/node/wiring/datadir.js';
import { createNodeKeyring } from '../../src/node/wiring/keystore.js';
import { EtcdOrderer } from '../../src/ordering/index.js';
import { startEtcdCluster, type EtcdCluster } from '../cluster/etcd.js';
import { etcdSuiteSkip } from '../cluster/etcd-suite.js';
import { startOrg, type OrgNode } from './org-node.js';

const skip = etcdSuiteSkip();

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Row = { [k: string]: JsonValue };

describe('exchange between two organisations on one etcd-ordered network', { skip: skip ?? false, timeout: 90_000 }, () => {
  let cluster: EtcdCluster;
  let root: string;
  const networkId = `xnet-${randomBytes(4).toString('hex')}`;
  const orgs: OrgNode[] = [];
  const admins = { a: generateSigningKey(), b: generateSigningKey() };
  const drX = generateSigningKey();
  const drY = generateSigningKey();
  const patientKey = generateSigningKey();
  let A: OrgNode;
  let B: OrgNode;
  let patient = '';
  let consentId = '';
  const written: FhirResource[] = [];

  const tx = async (org: OrgNode, key: SigningKey, contract: string, action: string, args: Record<string, unknown>): Promise<string> => {
    if (contract === 'consent' && action === 'grant') {
      // Sealed to the patient's custodian as a client does; the grantee and provision never reach the ledger in clear.
      const clear = args as { patient: string; grantee: Grantee; provision: Provision };
      args = { ...sealConsentGrantFrom(org.opened.node.state, networkId, clear.patient, { grantee: clear.grantee, provision: clear.provision }) };
    }
    const env = parseEnvelope(signTx({ network: networkId, contract, action, args: args as { [k: string]: JsonValue } }, key));
    const [r] = (await org.opened.node.submit([env], { wait: true, timeoutMs: 15_000 })) ?? [];
    assert.equal(r?.code, 'OK', `${contract}/${action}: ${r?.code}`);
    return env.txId;
  };
  const bothAt = (height: number) => waitUntil(() => orgs.every((o) => o.opened.node.head.height >= height), 15_000, `height ${height} on both`);
  const syncBoth = () => bothAt(Math.max(...orgs.map((o) => o.opened.node.head.height)));

  const tokenOfY = async (): Promise<string> => {
    const aud = `${B.auth.baseUrl}/auth/token`;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: drY.keyId, sub: drY.keyId, aud, exp: now + 60, iat: now, jti: randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', kid: drY.keyId })
      .sign(drY.privateKey);
    const res = await requestClientCredentialsToken(
      { grant_type: 'client_credentials', scope: 'user/*.rs', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion },
      B.auth,
    );
    return res.access_token;
  };
  const gather = async (query: string) => {
    // Dr Y's own signed authorisation of the gather (issue 9, finding 11): the custodians check it, not org-b's word.
    const purpose = (new URLSearchParams(query).get('purpose') ?? 'TREAT') as 'TREAT';
    const signed = authorizeExchange({ network: networkId, requester: { orgId: 'org-b', memberId: 'dr-y' }, patient, purpose }, drY);
    const res = await fetch(`${B.url}/exchange/v1/patients/${patient}/everything${query}`, {
      headers: { authorization: `Bearer ${await tokenOfY()}`, 'careledger-exchange-authorization': toBase64Url(Buffer.from(JSON.stringify(signed))) },
      signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, body: (await res.json()) as Row };
  };
  // org-a's access log (off the ledger): the custodian keeps the disclosure's detail.
  const disclosures = (): Row[] => A.repository.accessLog.events(patient).filter((e) => e.interaction === 'disclose') as unknown as Row[];

  before(async () => {
    cluster = await startEtcdCluster(1);
    root = mkdtempSync(join(tmpdir(), 'careledger-exchange-'));
    for (const orgId of ['org-a', 'org-b']) {
      const dir = join(root, orgId);
      createNodeKeyring(dir, { kind: 'file' });
      writeNodeConfig(dir, { networkId, orgId, endpoint: 'http://127.0.0.1:1', createdAt: new Date().toISOString() });
      orgs.push(
        await startOrg(dir, (store) =>
          new EtcdOrderer({ hosts: cluster.hosts, networkId, nodeId: orgId, appliedSeq: () => store.head()?.ordererSeq ?? 0, reportIntervalMs: 50, leaseTtlSeconds: 5 }),
        ),
      );
    }
    [A, B] = orgs as [OrgNode, OrgNode];
    const orgInput = (o: OrgNode, admin: SigningKey) => ({
      orgId: o.orgId, name: o.orgId, adminKeys: [admin.keyId], nodeKeys: [o.opened.node.nodeKey.keyId],
      hpkePublicKey: toBase64Url(o.hpkePublicKey), endpoint: o.url,
    });
    await tx(A, admins.a, 'governance', 'genesis', { networkId, orgs: [orgInput(A, admins.a), orgInput(B, admins.b)] });
    // B's submit gate checks signers against B's committed state: wait until B has the genesis.
    await syncBoth();
    await tx(A, admins.a, 'identity', 'register-member', { memberId: 'dr-x', roles: ['practitioner'], keys: [drX.keyId] });
    await tx(B, admins.b, 'identity', 'register-member', { memberId: 'dr-y', roles: ['practitioner'], keys: [drY.keyId] });
    patient = pseudonymForTx(await tx(A, drX, 'identity', 'register-patient', { keys: [patientKey.keyId] }));
    const ctx = { actor: A.memberActor('dr-x', drX.keyId), purpose: 'TREAT' as const, interaction: 'create' as const, requestId: 'x-1' };
    // Writes need the patient's consent (issue 9, finding 4).
    await tx(A, patientKey, 'consent', 'grant', { patient, grantee: { kind: 'practitioner', orgId: 'org-a', memberId: 'dr-x' }, provision: { type: 'permit', actions: ['collect', 'correct'] } });
    await syncBoth();
    written.push((await A.repository.update(ctx, { resourceType: 'Patient', id: patient, gender: 'female' })).resource);
    for (const code of ['8867-4', '8480-6']) {
      written.push(
        await A.repository.create(ctx, {
          resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] },
          subject: { reference: `Patient/${patient}` }, effectiveDateTime: '2026-01-10T10:00:00Z',
        }),
      );
    }
  });

  after(async () => {
    await Promise.allSettled(orgs.map((o) => o.close()));
    await cluster?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('without consent, org-a refuses (403) and discloses nothing', async () => {
    const res = await gather('?custodian=org-a');
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal((res.body['error'] as Row)['code'], 'FORBIDDEN');
    assert.equal(disclosures().length, 0);
  });

  test('with consent, Dr Y gets org-a\'s verified records through org-b; the disclosure is on the ledger first', async () => {
    consentId = consentIdForTx(
      await tx(A, patientKey, 'consent', 'grant', {
        patient, grantee: { kind: 'practitioner', orgId: 'org-b', memberId: 'dr-y' }, provision: { type: 'permit', actions: ['access'], purposes: ['TREAT'] },
      }),
    );
    const res = await gather('?purpose=TREAT');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body['resourceType'], 'Bundle');
    const entries = res.body['entry'] as Row[];
    const matches = entries.filter((e) => (e['search'] as Row)['mode'] === 'match').map((e) => e['resource'] as Row);
    assert.deepEqual(matches.map((r) => `${String(r['resourceType'])}/${String(r['id'])}`).sort(), written.map((r) => `${r.resourceType}/${String(r['id'])}`).sort());
    assert.deepEqual(matches.find((r) => r['resourceType'] === 'Patient'), written[0]);
    const outcome = entries.find((e) => (e['search'] as Row)['mode'] === 'outcome')?.['resource'] as Row;
    assert.ok(JSON.stringify(outcome).includes('org-a: 3 verified records'), JSON.stringify(outcome));
    // The disclosure is in org-a's access log, with recipientOrg org-b, and its chain head is anchored on the ledger.
    const [event, ...more] = disclosures();
    assert.equal(more.length, 0);
    assert.equal(event?.['recipientOrg'], 'org-b');
    assert.equal(event?.['custodian'], 'org-a');
    assert.deepEqual(event?.['accessor'], { kind: 'member', orgId: 'org-b', memberId: 'dr-y' });
    assert.deepEqual(event?.['consentIds'], [consentId]);
    assert.equal((event?.['records'] as Row[]).length, 3);
    const chain = A.repository.accessLog.chainIdOf(patient);
    const anchored = getChainHead(B.opened.node.state, 'org-a', chain);
    assert.equal(anchored?.seq, (event?.['seq'] as number));
    assert.equal(anchored?.head, A.repository.accessLog.links(patient).at(-1)?.head);
    // org-b's copy of the ledger holds the anchor, not the event: no patient, accessor or recipient in the access namespace.
    const rows = B.opened.store.scanState('access', '', 1000).map((r) => r.value).join('\n');
    for (const secret of [patient, 'dr-y', '"recipientOrg"']) assert.equal(rows.includes(secret), false, secret);
  });

  test('a replayed signed request is refused by org-a (409 DUPLICATE_TX)', async () => {
    const last = B.lastRequest() as SignedExchangeRequest;
    const res = await fetch(`${A.url}/exchange/v1/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(last) });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { error: Row }).error['code'], 'DUPLICATE_TX');
    assert.equal(disclosures().length, 1);
  });

  test('after P revokes, a new request is refused (403) and nothing more is disclosed', async () => {
    await tx(A, patientKey, 'consent', 'revoke', { patient, consentId });
    const res = await gather('?custodian=org-a');
    assert.equal(res.status, 403);
    assert.equal((res.body['error'] as Row)['code'], 'FORBIDDEN');
    assert.equal((res.body['error'] as Row)['field'], 'consent');
    const all = await gather('');
    assert.equal(all.status, 200);
    assert.ok(JSON.stringify(all.body).includes('FORBIDDEN'));
    assert.equal(disclosures().length, 1);
  });

  test('a custodian returning an altered record is rejected by org-b, and the incident is on the ledger', async () => {
    await tx(A, patientKey, 'consent', 'grant', {
      patient, grantee: { kind: 'practitioner', orgId: 'org-b', memberId: 'dr-y' }, provision: { type: 'permit', actions: ['access'], purposes: ['TREAT'] },
    });
    A.setSource(flipOneByte(A.realSource));
    try {
      const res = await gather('?custodian=org-a&_type=Observation');
      assert.equal(res.status, 409, JSON.stringify(res.body));
      const error = res.body['error'] as Row;
      assert.equal(error['code'], 'CONFLICT');
      assert.equal(error['field'], 'integrity');
      assert.match(String(error['message']), /does not match its on-ledger commitment/);
    } finally {
      A.setSource(A.realSource);
    }
    const incidents = B.opened.store.scanState('access', 'incident/org-b/', 100).map((r) => JSON.parse(r.value) as Row);
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]?.['kind'], 'integrity-mismatch');
    assert.equal(incidents[0]?.['custodianOrg'], 'org-a');
    // The patient only as a commitment over the (random, private) request id.
    assert.equal(incidents[0]?.['subject'], incidentSubject((B.lastRequest() as SignedExchangeRequest).request.requestId, patient));
    assert.equal(JSON.stringify(incidents[0]).includes(patient), false);
    // The honest custodian again: verified records, no new incident.
    const ok = await gather('?custodian=org-a&_type=Observation');
    assert.equal(ok.status, 200);
    assert.equal(B.opened.store.scanState('access', 'incident/org-b/', 100).length, 1);
  });
});

/** Test-only custodian fault: the first disclosed record's plaintext gets one byte flipped before sealing. */
function flipOneByte(source: DisclosureSource): DisclosureSource {
  return {
    listForDisclosure: (patient, types) =>
      source.listForDisclosure(patient, types).map((rec, i) =>
        i !== 0
          ? rec
          : {
              ...rec,
              open: () => {
                const o = rec.open();
                const at = o.plaintext.byteLength - 3;
                o.plaintext[at] = (o.plaintext[at] as number) ^ 0x01;
                return o;
              },
            },
      ),
  };
}
