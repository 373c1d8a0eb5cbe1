// The router driven by a real FHIR client (fhir-kit-client) over loopback HTTP.
// A tiny fastify server forwards /fhir/R4/* to handleFhirRequest with a
// MemoryFhirRepository and a fixed member actor (the node's real routes live in api/).
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary FHIR JSON */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { Client } from 'fhir-kit-client';
import { ensureFhirDefinitions, handleFhirRequest, MemoryFhirRepository } from '../../src/fhir/router/index.js';
import type { RequestContext } from '../../src/fhir/types.js';

const CONTEXT: Omit<RequestContext, 'interaction'> = {
  actor: { kind: 'member', orgId: 'org-1', memberId: 'm-1', keyId: 'ed25519:test', roles: ['practitioner'], scopes: [] },
  purpose: 'TREAT',
  requestId: 'req-int',
};

/** A FHIR resource as the client returns it. */
type R = Record<string, any> & { resourceType: string };

let app: FastifyInstance;
let client: Client;
let base: string;

before(async () => {
  ensureFhirDefinitions();
  const repo = new MemoryFhirRepository();
  app = Fastify({ logger: false });
  app.addContentTypeParser(['application/fhir+json', 'application/json'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.all('/fhir/R4/*', async (request, reply) => {
    const url = new URL(request.url, 'http://local');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(request.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const res = await handleFhirRequest(
      { method: request.method, path: url.pathname.slice('/fhir/R4/'.length), query, headers, body: request.body },
      repo,
      CONTEXT,
      { baseUrl: base },
    );
    void reply.code(res.status).headers(res.headers);
    return res.body === undefined ? reply.send() : reply.send(JSON.stringify(res.body));
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  base = `${address}/fhir/R4`;
  client = new Client({ baseUrl: base });
});

after(async () => {
  await app.close();
});

describe('fhir-kit-client against the router', { timeout: 30_000 }, () => {
  it('reads the CapabilityStatement', async () => {
    const cs = (await client.capabilityStatement()) as R;
    assert.equal(cs['resourceType'], 'CapabilityStatement');
    assert.equal(cs['fhirVersion'], '4.0.1');
  });

  it('create, read, update, history, delete', async () => {
    const created = (await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', birthDate: '1975-05-05' } })) as R;
    const id = created['id'] as string;
    const { response } = Client.httpFor(created);
    assert.equal(response?.status, 201);
    assert.equal(response?.headers.get('location'), `${base}/Patient/${id}/_history/1`);
    const read = (await client.read({ resourceType: 'Patient', id })) as R;
    assert.equal(read['birthDate'], '1975-05-05');
    assert.equal(Client.httpFor(read).response?.headers.get('etag'), 'W/"1"');
    const updated = (await client.update({ resourceType: 'Patient', id, body: { ...read, gender: 'female' } })) as R;
    assert.equal(updated['meta'].versionId, '2');
    const history = (await client.history({ resourceType: 'Patient', id })) as R;
    assert.equal(history['type'], 'history');
    assert.equal(history['total'], 2);
    await client.delete({ resourceType: 'Patient', id });
    await assert.rejects(client.read({ resourceType: 'Patient', id }), (e: any) => e.response.status === 410 && e.response.data.resourceType === 'OperationOutcome');
  });

  it('searches with paging via nextPage, GET and POST _search', async () => {
    const patient = (await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient' } })) as R;
    const pid = patient['id'] as string;
    for (let i = 0; i < 12; i++) {
      await client.create({
        resourceType: 'Observation',
        body: { resourceType: 'Observation', status: 'final', code: { text: `obs ${i}` }, subject: { reference: `Patient/${pid}` } },
      });
    }
    let bundle: R | undefined = (await client.search({ resourceType: 'Observation', searchParams: { patient: pid, _count: 5 } })) as R;
    const ids = new Set<string>();
    let pages = 0;
    while (bundle !== undefined) {
      pages++;
      assert.equal(bundle['total'], 12);
      for (const e of bundle['entry'] ?? []) ids.add(e.resource.id);
      bundle = (await client.nextPage({ bundle: bundle as R & { link: Array<{ relation: string; url: string }> } })) as R | undefined;
    }
    assert.equal(pages, 3);
    assert.equal(ids.size, 12);
    const posted = (await client.search({ resourceType: 'Observation', searchParams: { subject: `Patient/${pid}`, _count: 2 }, options: { postSearch: true } })) as R;
    assert.equal(posted['total'], 12);
    assert.equal(posted['entry'].length, 2);
  });

  it('posts a transaction bundle with urn:uuid references', async () => {
    const urn = 'urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    const res = (await client.transaction({
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: urn, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
          {
            resource: { resourceType: 'Observation', status: 'final', code: { text: 'hr' }, subject: { reference: urn } },
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      },
    })) as R;
    assert.equal(res['type'], 'transaction-response');
    const pid = res['entry'][0].resource.id as string;
    const obs = (await client.read({ resourceType: 'Observation', id: res['entry'][1].resource.id })) as R;
    assert.equal(obs['subject'].reference, `Patient/${pid}`);
    await assert.rejects(
      client.create({ resourceType: 'Observation', body: { resourceType: 'Observation', code: { text: 'no status' } } }),
      (e: any) => e.response.status === 422 && e.response.data.issue.some((i: any) => i.expression?.includes('Observation.status')),
    );
  });
});
