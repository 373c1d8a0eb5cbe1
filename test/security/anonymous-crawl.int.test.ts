// Issue 9, finding 3 (the API half): with `careledger demo` running as a real
// process, after consents, reads and a break-glass, an anonymous crawl of
// every /ledger/v1 route finds no patient pseudonym, consent provision,
// accessor member id, purpose code or break-glass reason; a member auditor's
// bearer token still gets full transactions.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { sealConsentGrant } from '../../src/contracts/consent/index.js';
import { signTx } from '../../src/ledger/index.js';
import { loadSigningKey } from '../../src/node/index.js';
import { CLI, freePort } from '../helpers/proc.js';
import { observation, poll, type Json } from '../records/fixture.js';

let child: ChildProcess | undefined;
after(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const MARKER = 'crawlmarker7q3z';
const REASON = `patient unconscious after a fall ${MARKER} no relative reachable`;

interface Crawled {
  url: string;
  status: number;
  body: string;
}

/** Reads an SSE stream for `ms` milliseconds and returns what arrived. */
function readStream(url: string, ms: number, authorization?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(url, authorization ? { headers: { authorization } } : {}, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
    });
    req.on('error', (e) => (text === '' ? reject(e) : resolve(text)));
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve(text);
    }, ms);
  });
}

describe('finding 3: anonymous crawl', { timeout: 180_000 }, () => {
  it('finds no pseudonym, provision, accessor, purpose or reason; an auditor still reads everything', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, [CLI, 'demo', '--json', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const line = await poll(() => {
      if (proc.exitCode !== null) throw new Error(`demo exited ${proc.exitCode}: ${stdout}${stderr}`);
      const nl = stdout.indexOf('\n');
      return nl < 0 ? undefined : stdout.slice(0, nl);
    }, 'the demo JSON line', 90_000);
    const demo = JSON.parse(line) as Json;
    const base = `http://127.0.0.1:${port}`;
    const ledger = demo.ledgerUrl as string;
    const fhir = demo.fhirBaseUrl as string;
    const pt = demo.actors.patient.pseudonym as string;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    // ---- the demo's steps: writes, reads, a refusal, a break-glass, another consent
    const created = await fetch(`${fhir}/Observation`, {
      method: 'POST',
      headers: { ...bearer(demo.actors.drX.accessToken), 'content-type': 'application/fhir+json' },
      body: JSON.stringify(observation(pt, '8867-4', 72)),
    });
    const obs = (await created.json()) as Json;
    assert.equal(created.status, 201, JSON.stringify(obs));
    assert.equal((await fetch(`${fhir}/Observation/${obs.id}`, { headers: bearer(demo.actors.patient.accessToken) })).status, 200);
    assert.equal((await fetch(`${fhir}/Observation/${obs.id}`, { headers: bearer(demo.actors.drX.accessToken) })).status, 200);
    // Dr Y without consent: the non-oracle 404 of a missing resource (finding 4).
    assert.equal((await fetch(`${fhir}/Patient/${pt}`, { headers: bearer(demo.actors.drY.accessToken) })).status, 404);
    const glass = await fetch(`${fhir}/Patient/${pt}`, {
      headers: { ...bearer(demo.actors.drY.accessToken), 'x-purpose-of-use': 'ETREAT', 'x-break-glass-reason': REASON },
    });
    assert.equal(glass.status, 200, await glass.text());
    const patientKey = loadSigningKey(demo.actors.patient.keyFile as string);
    // A consent grant as a patient's client builds it: sealed to the custodian's registered HPKE key.
    const org = (await (await fetch(`${ledger}/orgs/${demo.orgId as string}`)).json()) as Json;
    const grant = signTx(
      {
        network: demo.network as string,
        contract: 'consent',
        action: 'grant',
        args: {
          ...sealConsentGrant({
            network: demo.network as string,
            patient: pt,
            custodianHpkePublicKey: org.hpkePublicKey as string,
            grantee: { kind: 'practitioner', orgId: demo.orgId as string, memberId: 'dr-y' },
            provision: { type: 'permit', actions: ['access'], purposes: ['HRESCH'] },
          }),
        },
      },
      patientKey,
    );
    const granted = await fetch(`${ledger}/transactions?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(grant) });
    const grantBody = (await granted.json()) as Json;
    assert.equal(grantBody.results?.[0]?.code, 'OK', JSON.stringify(grantBody));

    // ---- what a member auditor sees: everything (and so the secrets are there to leak)
    type FullBlock = { height: number; txs: Array<{ txId: string; envelope: { tx: { signer: string; args: Json } } }> };
    const auditorBlocks: FullBlock[] = [];
    for (let from = 0; ; from += 100) {
      const res = await fetch(`${ledger}/blocks?from=${from}&limit=100`, { headers: bearer(demo.actors.auditor.accessToken) });
      assert.equal(res.status, 200);
      const page = (await res.json()) as { blocks: FullBlock[]; height: number };
      auditorBlocks.push(...page.blocks);
      if (page.blocks.length < 100) break;
    }
    const allTxs = auditorBlocks.flatMap((b) => b.txs);
    const fullText = JSON.stringify(auditorBlocks);
    // The auditor reads full transactions (the consent itself is sealed to the custodian: docs/privacy.md section 9).
    assert.ok(fullText.includes(pt) && fullText.includes('"dr-y"') && fullText.includes('"sealed"'), 'the auditor reads full transactions');
    assert.ok(!fullText.includes('"HRESCH"'), "not even an auditor reads a consent's provision on the ledger");
    const grantTx = allTxs.find((t) => t.txId === grantBody.results[0].txId);
    assert.ok(grantTx, 'the consent grant is in the auditor view');
    const single = await fetch(`${ledger}/transactions/${grantTx.txId}`, { headers: bearer(demo.actors.auditor.accessToken) });
    assert.deepEqual(((await single.json()) as Json).envelope, grant);

    // ---- the anonymous crawl
    const crawled: Crawled[] = [];
    const get = async (path: string, headers: Record<string, string> = {}): Promise<Crawled> => {
      const res = await fetch(`${base}${path}`, { headers });
      const c = { url: path, status: res.status, body: await res.text() };
      assert.ok(c.status < 500, `${path} -> ${c.status}`);
      crawled.push(c);
      return c;
    };
    const node = JSON.parse((await get('/ledger/v1/node')).body) as { height: number; logSize: number };
    await get('/ledger/v1/network');
    await get('/ledger/v1/checkpoint');
    await get('/ledger/v1/divergence');
    await get('/ledger/v1/proposals');
    const orgs = JSON.parse((await get('/ledger/v1/orgs')).body) as { items: Array<{ orgId: string; adminKeys: string[]; nodeKeys: string[] }> };
    const publicBlocks: Array<{ height: number; txs: Array<Record<string, unknown>> }> = [];
    for (let from = 0; from <= node.height; from += 100) {
      const page = JSON.parse((await get(`/ledger/v1/blocks?from=${from}&limit=100`)).body) as { blocks: typeof publicBlocks };
      publicBlocks.push(...page.blocks);
    }
    assert.equal(publicBlocks.length, auditorBlocks.length);
    for (const b of publicBlocks) {
      await get(`/ledger/v1/blocks/${b.height}`);
      for (const t of b.txs) assert.deepEqual(Object.keys(t).sort(), ['code', 'index', 'leafHash', 'leafIndex']);
    }
    for (const t of allTxs) {
      const view = JSON.parse((await get(`/ledger/v1/transactions/${t.txId}`)).body) as Record<string, unknown>;
      assert.equal(view['envelope'], undefined);
      assert.equal(view['events'], undefined);
    }
    for (let from = 1; from <= node.logSize; from++) await get(`/ledger/v1/proofs/consistency?from=${from}&to=${node.logSize}`);
    const keyIds = new Set<string>([
      ...orgs.items.flatMap((o) => [...o.adminKeys, ...o.nodeKeys]),
      ...(Object.values(demo.actors) as Json[]).map((a) => a.keyId as string),
      ...allTxs.flatMap((t) => [t.envelope.tx.signer, ...((t.envelope.tx.args['keys'] as string[] | undefined) ?? [])]),
    ]);
    for (const keyId of keyIds) await get(`/ledger/v1/keys/${keyId}`);
    for (const o of orgs.items) {
      await get(`/ledger/v1/orgs/${o.orgId}`);
      assert.equal((await get(`/ledger/v1/orgs/${o.orgId}/members`)).status, 401);
      await get(`/ledger/v1/orgs/${o.orgId}/break-glass`);
    }
    assert.equal((await get(`/ledger/v1/patients/${pt}`)).status, 404);
    await get(`/ledger/v1/patients/${pt}/consents`);
    await get(`/ledger/v1/patients/${pt}/disclosures`);
    // An authenticated member without a reader role (Dr Y) gets the public view too.
    for (const path of ['/ledger/v1/blocks?from=0&limit=100', `/ledger/v1/transactions/${grantTx.txId}`]) {
      await get(path, bearer(demo.actors.drY.accessToken));
    }
    // The patient's registry entry: the patient and the custodian's members; an unknown one is the same 404 to all.
    const entry = async (p: string, token: string) => (await fetch(`${ledger}/patients/${p}`, { headers: bearer(token) })).status;
    assert.equal(await entry(pt, demo.actors.patient.accessToken), 200);
    assert.equal(await entry(pt, demo.actors.drY.accessToken), 200);
    assert.equal(await entry(`pt-${'0'.repeat(32)}`, demo.actors.drY.accessToken), 404);
    // Events: anonymous stream while a read appends an access event.
    const stream = readStream(`${ledger}/events`, 1_500);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await fetch(`${fhir}/Observation/${obs.id}`, { headers: bearer(demo.actors.drX.accessToken) })).status, 200);
    const events = await stream;
    assert.match(events, /event: block/);
    crawled.push({ url: '/ledger/v1/events', status: 200, body: events });

    // ---- nothing that links a patient to care
    const forbidden = [pt, pt.slice(3), '"dr-x"', '"dr-y"', '"provision"', '"permit"', '"TREAT"', '"ETREAT"', '"HRESCH"', '"BTG"', MARKER];
    for (const c of crawled) {
      for (const secret of forbidden) assert.ok(!c.body.includes(secret), `${c.url} (${c.status}) reveals ${secret}: ${c.body.slice(0, 300)}`);
    }
    assert.ok(crawled.length > allTxs.length + publicBlocks.length, 'every route was crawled');

    proc.kill('SIGTERM');
  });
});
