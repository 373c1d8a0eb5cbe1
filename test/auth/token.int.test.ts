// SMART Backend Services against a real node: smart-configuration, the
// client_credentials token flow with EdDSA ledger keys and ES384/RS384 JWKS
// clients, every assertion check (replay, aud, exp, iss/sub, kid, signer),
// scope grants, revocation at token time and at use (authenticate).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import {
  AUTH_CLIENT_DOMAIN,
  AuthStore,
  authenticate,
  requestClientCredentialsToken,
  type AuthDeps,
  type OAuthError,
} from '../../src/auth/index.js';
import { generateSigningKey, signCanonical, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { CareLedgerError, httpStatusOf } from '../../src/errors/index.js';
import { call } from '../helpers/api.js';
import { BASE_URL, assertOAuthError, assertion, startAuthFixture, tokenForm, type AuthFixture } from './fixture.js';

let f: AuthFixture;
before(async () => {
  f = await startAuthFixture();
});
after(() => f.close());

const ed = (key: SigningKey, overrides: Record<string, unknown> = {}, kid = key.keyId) =>
  assertion(key.privateKey, { alg: 'EdDSA', kid }, key.keyId, f.tokenUrl, overrides);

async function tokenFor(key: SigningKey, scope = 'system/*.rs'): Promise<{ access_token: string; scope: string; expires_in: number }> {
  const res = await f.token(tokenForm(await ed(key), scope));
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

/** The member id a registered key belongs to, from committed state. */
const ownerOf = (key: SigningKey): string => (f.fx.node.state.get('keys', key.keyId) as { owner: string }).owner;

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof CareLedgerError && e.code === code);
}

test('smart-configuration is JSON with the Backend Services fields', async () => {
  const res = await call(f.fx.app, { method: 'GET', url: '/.well-known/smart-configuration', headers: { accept: 'text/html' } });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json<Record<string, unknown>>();
  assert.equal(body['token_endpoint'], `${BASE_URL}/auth/token`);
  assert.deepEqual(body['capabilities'], ['client-confidential-asymmetric', 'permission-v2']);
  assert.deepEqual(body['token_endpoint_auth_methods_supported'], ['private_key_jwt']);
  assert.deepEqual(body['token_endpoint_auth_signing_alg_values_supported'], ['EdDSA', 'ES384', 'RS384']);
  assert.deepEqual(body['grant_types_supported'], ['client_credentials']);
  assert.ok(Array.isArray(body['scopes_supported']) && body['scopes_supported'].includes('system/*.rs'));
});

test('EdDSA member key: token, then authenticate gives the member actor', async () => {
  const key = await f.member(['practitioner']);
  const res = await f.token(tokenForm(await ed(key), 'system/Observation.rs'));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['cache-control'], 'no-store');
  const body = res.json<Record<string, unknown>>();
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
  assert.equal(body['token_type'], 'bearer');
  assert.equal(body['scope'], 'system/Observation.rs');
  assert.ok(typeof body['expires_in'] === 'number' && body['expires_in'] > 0 && body['expires_in'] <= 300);
  const token = body['access_token'] as string;
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'EdDSA', kid: f.fx.node.nodeKey.keyId, typ: 'at+jwt' });
  const claims = decodeJwt(token);
  assert.equal(claims.iss, BASE_URL);
  assert.equal(claims.sub, key.keyId);
  assert.equal(claims.aud, `${BASE_URL}/fhir/R4`);
  assert.ok(claims.exp !== undefined && claims.iat !== undefined && claims.exp - claims.iat <= 300);
  assert.equal(claims['careledger'] && (claims['careledger'] as { actor: string }).actor, 'member');

  const actor = await authenticate(`Bearer ${token}`, f.deps);
  assert.equal(actor.kind, 'member');
  assert.ok(actor.kind === 'member');
  assert.equal(actor.orgId, f.fx.init.config.orgId);
  assert.equal(actor.keyId, key.keyId);
  assert.deepEqual(actor.roles, ['practitioner']);
  assert.deepEqual(actor.scopes, [{ context: 'system', resourceType: 'Observation', permissions: { c: false, r: true, u: false, d: false, s: true } }]);
});

test('the org admin key is a client too (roles org-admin)', async () => {
  const { access_token, scope } = await tokenFor(f.fx.adminKey, 'system/Organization.cruds system/Observation.rs');
  assert.equal(scope, 'system/Organization.cruds');
  const actor = await authenticate(`Bearer ${access_token}`, f.deps);
  assert.ok(actor.kind === 'member');
  assert.deepEqual(actor.roles, ['org-admin']);
});

test('granted scopes are the intersection of request and roles', async () => {
  const key = await f.member(['pharmacist']);
  const { scope } = await tokenFor(key, 'system/*.rs system/Observation.cruds user/Medication.write');
  assert.equal(
    scope,
    'system/AllergyIntolerance.rs system/Medication.rs system/MedicationDispense.rs system/MedicationRequest.rs system/MedicationStatement.rs system/Patient.rs user/Medication.cud',
  );
  assertOAuthError(await f.token(tokenForm(await ed(key), 'system/Observation.rs')), 400, 'invalid_scope');
  assertOAuthError(await f.token(tokenForm(await ed(key), 'patient/*.rs')), 400, 'invalid_scope');
  assertOAuthError(await f.token(tokenForm(await ed(key), 'system/Observation.rx')), 400, 'invalid_scope');
  assertOAuthError(await f.token(tokenForm(await ed(key), '')), 400, 'invalid_scope');
});

test('request checks: grant type, parameters, media type', async () => {
  const key = await f.member(['practitioner']);
  assertOAuthError(await f.token({ ...tokenForm(await ed(key)), grant_type: 'authorization_code' }), 400, 'unsupported_grant_type');
  const noAssertion: Record<string, string> = tokenForm(await ed(key));
  delete noAssertion['client_assertion'];
  assertOAuthError(await f.token(noAssertion), 400, 'invalid_request');
  assertOAuthError(await f.token({ ...tokenForm(await ed(key)), client_assertion_type: 'urn:other' }), 401, 'invalid_client');
  assertOAuthError(await f.token({ ...tokenForm(await ed(key)), client_id: 'someone-else' }), 401, 'invalid_client');
  const json = await call(f.fx.app, { method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(tokenForm(await ed(key))) });
  assertOAuthError(json, 400, 'invalid_request');
  const dup = new URLSearchParams(tokenForm(await ed(key)));
  dup.append('scope', 'system/*.cruds');
  const dupRes = await call(f.fx.app, { method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: dup.toString() });
  assertOAuthError(dupRes, 400, 'invalid_request');
  const text = await call(f.fx.app, { method: 'POST', url: '/auth/token', headers: { 'content-type': 'text/plain' }, payload: 'x' });
  assertOAuthError(text, 400, 'invalid_request');
});

test('assertion checks: replay, aud, exp, iss/sub, kid, signer, claims', async () => {
  const key = await f.member(['practitioner']);
  const once = await ed(key);
  assert.equal((await f.token(tokenForm(once))).statusCode, 200);
  assertOAuthError(await f.token(tokenForm(once)), 401, 'invalid_client');
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, Promise<string>]> = [
    ['aud wrong', ed(key, { aud: 'https://other.example/auth/token' })],
    ['aud is the FHIR base', ed(key, { aud: `${BASE_URL}/fhir/R4` })],
    ['exp > 5 min', ed(key, { exp: now + 600 })],
    ['exp missing', ed(key, { exp: undefined })],
    ['exp past', ed(key, { exp: now - 60 })],
    ['jti missing', ed(key, { jti: undefined })],
    ['iss != sub', ed(key, { sub: f.fx.adminKey.keyId })],
    ['iss other key', ed(key, { iss: f.fx.adminKey.keyId, sub: f.fx.adminKey.keyId })],
    ['unknown kid', ed(key, {}, generateSigningKey().keyId)],
    ['no kid', assertion(key.privateKey, { alg: 'EdDSA' }, key.keyId, f.tokenUrl)],
    ['signed by another key', assertion(generateSigningKey().privateKey, { alg: 'EdDSA', kid: key.keyId }, key.keyId, f.tokenUrl)],
    ['unregistered key', ed(generateSigningKey())],
    ['not a JWT', Promise.resolve('not.a.jwt')],
  ];
  for (const [label, pending] of cases) {
    const res = await f.token(tokenForm(await pending));
    assert.equal(res.statusCode, 401, `${label}: ${res.body}`);
    assertOAuthError(res, 401, 'invalid_client');
  }
});

test('replay protection survives a restart (jtis are in SQLite)', async () => {
  const key = await f.member(['practitioner']);
  const form = tokenForm(await ed(key));
  assert.equal((await f.token(form)).statusCode, 200);
  const db = new Database(f.dbFile);
  try {
    const restarted: AuthDeps = { ...f.deps, store: new AuthStore(db) };
    await assert.rejects(requestClientCredentialsToken(form, restarted), (e: OAuthError) => e.oauthError === 'invalid_client');
  } finally {
    db.close();
  }
});

test('a revoked key gets no token and its existing token stops working at once', async () => {
  const key = await f.member(['practitioner']);
  const { access_token } = await tokenFor(key);
  assert.equal((await authenticate(`Bearer ${access_token}`, f.deps)).keyId, key.keyId);
  await f.identity(f.fx.adminKey, 'revoke-key', { keyId: key.keyId, reason: 'lost' });
  assertOAuthError(await f.token(tokenForm(await ed(key))), 401, 'invalid_client');
  await rejectsWith(authenticate(`Bearer ${access_token}`, f.deps), 'UNAUTHENTICATED');
  assert.equal(httpStatusOf('UNAUTHENTICATED'), 401);
});

test('authenticate: missing, malformed, foreign, expired tokens; roles that no longer allow the scopes', async () => {
  await rejectsWith(authenticate(undefined, f.deps), 'UNAUTHENTICATED');
  await rejectsWith(authenticate('Basic abc', f.deps), 'UNAUTHENTICATED');
  await rejectsWith(authenticate('Bearer a.b.c', f.deps), 'UNAUTHENTICATED');
  const key = await f.member(['pharmacist']);
  const { access_token } = await tokenFor(key, 'system/Medication.rs');
  await rejectsWith(authenticate(`Bearer ${access_token}`, { ...f.deps, nodeKey: generateSigningKey() }), 'UNAUTHENTICATED');
  await rejectsWith(authenticate(`Bearer ${access_token}`, { ...f.deps, baseUrl: 'https://beta.example' }), 'UNAUTHENTICATED');
  await rejectsWith(authenticate(`Bearer ${access_token}`, { ...f.deps, now: () => Date.now() + 301_000 }), 'UNAUTHENTICATED');
  const memberId = ownerOf(key);
  await f.identity(f.fx.adminKey, 'set-member-roles', { memberId, roles: ['auditor'] });
  await rejectsWith(authenticate(`Bearer ${access_token}`, f.deps), 'FORBIDDEN');
});

async function registration(client: Record<string, unknown>, signer: SigningKey) {
  return { client, keyId: signer.keyId, sig: toBase64Url(signCanonical(signer, AUTH_CLIENT_DOMAIN, client)) };
}

const postClient = (body: unknown) =>
  call(f.fx.app, { method: 'POST', url: '/auth/clients', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

for (const alg of ['ES384', 'RS384'] as const) {
  test(`${alg} client from a registered JWKS`, async () => {
    const memberKey = await f.member(['practitioner']);
    const memberId = ownerOf(memberKey);
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
    const clientId = `svc-${alg.toLowerCase()}`;
    const client = { clientId, orgId: f.fx.init.config.orgId, memberId, jwks: { keys: [jwk] }, issuedAt: new Date().toISOString() };
    const signed = await registration(client, f.fx.adminKey);
    const reg = await postClient(signed);
    assert.equal(reg.statusCode, 201, reg.body);
    assert.deepEqual(reg.json(), { clientId, orgId: client.orgId, memberId, issuedAt: client.issuedAt });
    // The same signed registration again is stale: 409.
    assert.equal((await postClient(signed)).statusCode, 409);

    const res = await f.token(tokenForm(await assertion(privateKey, { alg, kid: 'k1' }, clientId, f.tokenUrl), 'system/Patient.rs'));
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ access_token: string; scope: string; expires_in: number }>();
    assert.equal(body.scope, 'system/Patient.rs');
    assert.ok(body.expires_in <= 300);
    const actor = await authenticate(`Bearer ${body.access_token}`, f.deps);
    assert.deepEqual(actor, {
      kind: 'member', orgId: client.orgId, memberId, keyId: clientId, roles: ['practitioner'],
      scopes: [{ context: 'system', resourceType: 'Patient', permissions: { c: false, r: true, u: false, d: false, s: true } }],
    });

    const other = alg === 'ES384' ? 'RS384' : 'ES384';
    const otherKey = (await generateKeyPair(other)).privateKey;
    for (const bad of [
      assertion(privateKey, { alg, kid: 'nope' }, clientId, f.tokenUrl), // unknown kid
      assertion(otherKey, { alg: other, kid: 'k1' }, clientId, f.tokenUrl), // alg does not match the key
      assertion((await generateKeyPair(alg)).privateKey, { alg, kid: 'k1' }, clientId, f.tokenUrl), // wrong key
      assertion(privateKey, { alg, kid: 'k1' }, clientId, f.tokenUrl, { exp: Math.floor(Date.now() / 1000) + 301 + 60 }),
      assertion(privateKey, { alg, kid: 'k1' }, clientId, f.tokenUrl, { sub: 'svc-other' }),
      assertion(privateKey, { alg, kid: 'k1' }, 'svc-unknown', f.tokenUrl),
    ]) {
      assertOAuthError(await f.token(tokenForm(await bad)), 401, 'invalid_client');
    }
    // Deactivating the member ends both new tokens and the existing one.
    await f.identity(f.fx.adminKey, 'deactivate-member', { memberId });
    assertOAuthError(await f.token(tokenForm(await assertion(privateKey, { alg, kid: 'k1' }, clientId, f.tokenUrl))), 401, 'invalid_client');
    await rejectsWith(authenticate(`Bearer ${body.access_token}`, f.deps), 'UNAUTHENTICATED');
  });
}

test('client registration requires an org admin signature over the exact client', async () => {
  const memberKey = await f.member(['practitioner']);
  const memberId = ownerOf(memberKey);
  const jwk = { ...(await exportJWK((await generateKeyPair('ES384', { extractable: true })).publicKey)), kid: 'k1' };
  const client = { clientId: 'svc-reg', orgId: f.fx.init.config.orgId, memberId, jwks: { keys: [jwk] }, issuedAt: new Date().toISOString() };
  const expectError = async (body: unknown, status: number, code: string) => {
    const res = await postClient(body);
    assert.equal(res.statusCode, status, res.body);
    assert.equal(res.json<{ error: { code: string } }>().error.code, code);
  };
  const signed = await registration(client, f.fx.adminKey);
  await expectError({ ...signed, client: { ...client, clientId: 'svc-other' } }, 401, 'UNAUTHENTICATED');
  await expectError(await registration(client, memberKey), 403, 'FORBIDDEN');
  await expectError(await registration({ ...client, issuedAt: new Date(Date.now() - 600_000).toISOString() }, f.fx.adminKey), 401, 'UNAUTHENTICATED');
  const priv = await exportJWK((await generateKeyPair('ES384', { extractable: true })).privateKey);
  await expectError(await registration({ ...client, jwks: { keys: [{ ...priv, kid: 'k1' }] } }, f.fx.adminKey), 400, 'MALFORMED');
  await expectError(await registration({ ...client, clientId: memberKey.keyId }, f.fx.adminKey), 400, 'MALFORMED');
  await expectError(await registration({ ...client, memberId: 'nobody' }, f.fx.adminKey), 404, 'NOT_FOUND');
  assert.equal((await postClient(signed)).statusCode, 201);
});
