// Finding 10: a 10,000-deep JSON body to a FHIR create overflowed the stack
// (an unlogged 500); a malformed percent-encoding got fastify's own 400 body
// (echoing the URL) instead of an OperationOutcome; lone surrogates and
// invalid UTF-8 were stored in FHIR resources. Now: deep bodies, bad URLs,
// lone surrogates and invalid UTF-8 are each a 400 in the addressed API's
// shape, and nothing is stored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH } from '../../src/fhir/router/index.js';
import { observation, startRecordsNode, type Patient, type RecordsNode } from '../records/fixture.js';

let fx: RecordsNode;
let P: Patient;
let token = '';

before(async () => {
  fx = await startRecordsNode();
  const c = fx.client;
  const drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  P = await c.registerPatient(drX.key);
  await c.tx(P.key, 'consent', 'grant', {
    patient: P.pseudonym,
    grantee: { kind: 'organization', orgId: fx.orgId },
    provision: { type: 'permit', purposes: ['TREAT'] },
  });
  token = await c.memberToken(drX.key);
});
after(() => fx?.close());

interface Answer {
  status: number;
  contentType: string;
  text: string;
  json: { resourceType?: string; issue?: Array<{ code: string }>; error?: { code: string } };
}

async function send(method: string, path: string, body?: string | Buffer, contentType = 'application/fhir+json'): Promise<Answer> {
  const res = await fetch(`${fx.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json', ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json: text === '' ? {} : JSON.parse(text) };
}

function assertOutcome(a: Answer, status: number, issueCode: string): void {
  assert.equal(a.status, status, a.text);
  assert.match(a.contentType, /^application\/fhir\+json/);
  assert.equal(a.json.resourceType, 'OperationOutcome', a.text);
  assert.equal(a.json.issue?.[0]?.code, issueCode, a.text);
}

/** How many Observations P has (search total). */
async function observationCount(): Promise<number> {
  const res = await send('GET', `/fhir/R4/Observation?subject=Patient/${P.pseudonym}&_count=1`);
  assert.equal(res.status, 200, res.text);
  return (res.json as { total: number }).total;
}

/** An Observation's JSON text with `extra` spliced in as the last member. */
const obsWith = (extra: string) => JSON.stringify(observation(P.pseudonym, '8480-6', 120)).slice(0, -1) + ',' + extra + '}';

describe('finding 10: hostile FHIR input is a 400 OperationOutcome, never a 500 or a stored resource', () => {
  test('10,000-deep bodies (arrays, objects; create, update, transaction) are refused with 400', async () => {
    const before = await observationCount();
    const arrays = '['.repeat(10_000) + ']'.repeat(10_000);
    const objects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    for (const [method, path, body] of [
      ['POST', '/fhir/R4/Observation', obsWith(`"valueString":${arrays}`)],
      ['POST', '/fhir/R4/Observation', obsWith(`"extension":${objects}`)],
      ['PUT', `/fhir/R4/Patient/${P.pseudonym}`, `{"resourceType":"Patient","id":"${P.pseudonym}","extension":${arrays}}`],
      ['POST', '/fhir/R4', `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":${obsWith(`"note":${arrays}`)}}]}`],
      ['POST', '/fhir/R4/Observation', arrays],
    ] as const) {
      assertOutcome(await send(method, path, body), 400, 'structure');
      assertOutcome(await send(method, path, body, 'application/json'), 400, 'structure');
    }
    // One level over the limit is refused at the edge; at the limit the body reaches validation.
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const over = await send('POST', '/fhir/R4/Observation', obsWith(`"extension":${nest(MAX_JSON_DEPTH)}`));
    assertOutcome(over, 400, 'structure');
    const at = await send('POST', '/fhir/R4/Observation', obsWith(`"extension":${nest(MAX_JSON_DEPTH - 1)}`));
    assert.notEqual(at.json.issue?.[0]?.code, 'structure', at.text);
    assert.equal(await observationCount(), before);
  });

  test('malformed percent-encoding: an OperationOutcome under /fhir/R4, the ledger error shape elsewhere, the URL never echoed', async () => {
    for (const path of ['/fhir/R4/Patient/%E0%A4%A', `/fhir/R4/Observation/%zz${P.pseudonym}`, '/fhir/R4/%ED%A0%80']) {
      const a = await send('GET', path);
      assertOutcome(a, 400, 'structure');
      assert.ok(!a.text.includes('%'), a.text);
    }
    for (const path of ['/ledger/v1/transactions/%zz', '/ledger/v1/patients/%E0%A4%A/consents']) {
      const res = await fetch(`${fx.url}${path}`);
      const text = await res.text();
      assert.equal(res.status, 400, text);
      assert.deepEqual(JSON.parse(text), { error: { code: 'MALFORMED', message: 'the URL is not validly percent-encoded' } });
    }
  });

  test('lone surrogates (escaped) and invalid UTF-8 bytes are refused; a surrogate pair is stored intact', async () => {
    const before = await observationCount();
    for (const escape of ['\\ud800', '\\udfff', '\\udc00\\ud800', 'x\\ud83d']) {
      assertOutcome(await send('POST', '/fhir/R4/Observation', obsWith(`"note":[{"text":"a${escape}b"}]`)), 400, 'structure');
      assertOutcome(await send('POST', '/fhir/R4/Observation', obsWith(`"note":[{"text":"a","x${escape}":1}]`)), 400, 'structure');
    }
    for (const bad of [[0xff], [0xe9], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
      const [head, tail] = obsWith('"note":[{"text":"a#b"}]').split('#') as [string, string];
      const body = Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]);
      assertOutcome(await send('POST', '/fhir/R4/Observation', body), 400, 'structure');
    }
    assert.equal(await observationCount(), before);
    const ok = await send('POST', '/fhir/R4/Observation', obsWith('"note":[{"text":"a\\ud83d\\ude00b é"}]'));
    assert.equal(ok.status, 201, ok.text);
    const id = (ok.json as { id: string }).id;
    const read = await send('GET', `/fhir/R4/Observation/${id}`);
    assert.equal((read.json as { note: Array<{ text: string }> }).note[0]?.text, 'a😀b é');
  });
});
