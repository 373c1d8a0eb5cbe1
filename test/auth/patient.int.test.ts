// Patient sign-in with the patient's own key against a real node: challenge,
// signed challenge -> token -> patient actor; a used, expired or foreign
// challenge, a wrong key and a bad signature are refused; a delegate's key
// gives a delegate actor, which ends when the delegation is removed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { CHALLENGE_BYTES, PATIENT_AUTH_DOMAIN, authenticate, patientSignInPayload, requestPatientToken, type OAuthError } from '../../src/auth/index.js';
import { generateSigningKey, signCanonical, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { CareLedgerError } from '../../src/errors/index.js';
import { call } from '../helpers/api.js';
import { assertOAuthError, startAuthFixture, type AuthFixture } from './fixture.js';

let f: AuthFixture;
before(async () => {
  f = await startAuthFixture();
});
after(() => f.close());

async function challenge(): Promise<string> {
  const res = await call(f.fx.app, { method: 'POST', url: '/auth/challenge' });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<{ challenge: string; expiresAt: string }>();
  assert.deepEqual(Object.keys(body).sort(), ['challenge', 'expiresAt']);
  assert.match(body.challenge, /^[A-Za-z0-9_-]{75}$/);
  const ttl = Date.parse(body.expiresAt) - Date.now();
  assert.ok(ttl > 110_000 && ttl <= 120_000, `ttl ${ttl}`);
  return body.challenge;
}

function signIn(pseudonym: string, keyId: string, ch: string, signer: SigningKey, extra: Record<string, unknown> = {}) {
  const signature = toBase64Url(signCanonical(signer, PATIENT_AUTH_DOMAIN, patientSignInPayload(f.deps, { challenge: ch, keyId, pseudonym })));
  return { pseudonym, keyId, challenge: ch, signature, ...extra };
}

const postSignIn = (body: unknown): Promise<LightMyRequestResponse> =>
  call(f.fx.app, { method: 'POST', url: '/auth/patient-token', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

test('patient signs a challenge and gets a patient/ token', async () => {
  const { pseudonym, key } = await f.patient();
  const res = await postSignIn(signIn(pseudonym, key.keyId, await challenge(), key));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['cache-control'], 'no-store');
  const body = res.json<{ access_token: string; token_type: string; expires_in: number; scope: string }>();
  assert.equal(body.token_type, 'bearer');
  assert.equal(body.scope, 'patient/*.rs');
  assert.ok(body.expires_in <= 300);
  const actor = await authenticate(`Bearer ${body.access_token}`, f.deps);
  assert.deepEqual(actor, {
    kind: 'patient', pseudonym, keyId: key.keyId,
    scopes: [{ context: 'patient', resourceType: '*', permissions: { c: false, r: true, u: false, d: false, s: true } }],
  });
});

test('requested patient scopes are capped by the patient ceiling', async () => {
  const { pseudonym, key } = await f.patient();
  const res = await postSignIn(signIn(pseudonym, key.keyId, await challenge(), key, { scope: 'patient/Consent.cruds patient/Observation.cruds user/*.rs' }));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json<{ scope: string }>().scope, 'patient/Consent.cruds patient/Observation.rs');
  assertOAuthError(await postSignIn(signIn(pseudonym, key.keyId, await challenge(), key, { scope: 'system/*.rs' })), 400, 'invalid_scope');
});

test('a challenge works once', async () => {
  const { pseudonym, key } = await f.patient();
  const body = signIn(pseudonym, key.keyId, await challenge(), key);
  assert.equal((await postSignIn(body)).statusCode, 200);
  assertOAuthError(await postSignIn(body), 400, 'invalid_grant');
});

test('refused: unknown or expired challenge, wrong key, bad signature, malformed body', async () => {
  const { pseudonym, key } = await f.patient();
  const other = await f.patient();
  // A challenge of the right shape that this node never issued (its MAC does not verify).
  assertOAuthError(await postSignIn(signIn(pseudonym, key.keyId, toBase64Url(new Uint8Array(CHALLENGE_BYTES).fill(1)), key)), 400, 'invalid_grant');
  // Another patient's key, correctly signed, for this pseudonym.
  assertOAuthError(await postSignIn(signIn(pseudonym, other.key.keyId, await challenge(), other.key)), 400, 'invalid_grant');
  // An unregistered key.
  const stranger = generateSigningKey();
  assertOAuthError(await postSignIn(signIn(pseudonym, stranger.keyId, await challenge(), stranger)), 400, 'invalid_grant');
  // The patient's key id, signed by someone else.
  assertOAuthError(await postSignIn(signIn(pseudonym, key.keyId, await challenge(), stranger)), 400, 'invalid_grant');
  // Signed for another audience.
  const ch = await challenge();
  const foreign = toBase64Url(signCanonical(key, PATIENT_AUTH_DOMAIN, { aud: 'https://beta.example/auth/token', challenge: ch, keyId: key.keyId, pseudonym }));
  assertOAuthError(await postSignIn({ pseudonym, keyId: key.keyId, challenge: ch, signature: foreign }), 400, 'invalid_grant');
  // Expired: the same sign-in presented after two minutes.
  const late = signIn(pseudonym, key.keyId, await challenge(), key);
  await assert.rejects(requestPatientToken(late, { ...f.deps, now: () => Date.now() + 121_000 }), (e: OAuthError) => e.oauthError === 'invalid_grant');
  assertOAuthError(await postSignIn({ pseudonym, keyId: key.keyId }), 400, 'invalid_request');
  assertOAuthError(await postSignIn({ ...signIn(pseudonym, key.keyId, await challenge(), key), extra: 1 }), 400, 'invalid_request');
});

test('a delegate signs in as a delegate actor until the delegation is removed', async () => {
  const { pseudonym, key } = await f.patient();
  const { delegateId, key: dKey } = await f.delegate(pseudonym, key);
  const res = await postSignIn(signIn(pseudonym, dKey.keyId, await challenge(), dKey));
  assert.equal(res.statusCode, 200, res.body);
  const token = res.json<{ access_token: string }>().access_token;
  const actor = await authenticate(`Bearer ${token}`, f.deps);
  assert.equal(actor.kind, 'delegate');
  assert.ok(actor.kind === 'delegate');
  assert.equal(actor.pseudonym, pseudonym);
  assert.equal(actor.delegateId, delegateId);
  assert.equal(actor.keyId, dKey.keyId);
  // The delegate's key cannot sign in for another patient.
  const other = await f.patient();
  assertOAuthError(await postSignIn(signIn(other.pseudonym, dKey.keyId, await challenge(), dKey)), 400, 'invalid_grant');
  await f.identity(key, 'remove-delegate', { pseudonym, delegateId });
  await assert.rejects(authenticate(`Bearer ${token}`, f.deps), (e: unknown) => e instanceof CareLedgerError && e.code === 'UNAUTHENTICATED');
  assertOAuthError(await postSignIn(signIn(pseudonym, dKey.keyId, await challenge(), dKey)), 400, 'invalid_grant');
});

test('a revoked patient key: no sign-in, existing token refused', async () => {
  const { pseudonym, key } = await f.patient();
  const res = await postSignIn(signIn(pseudonym, key.keyId, await challenge(), key));
  const token = res.json<{ access_token: string }>().access_token;
  const next = generateSigningKey();
  await f.identity(key, 'rotate-key', { oldKeyId: key.keyId, newKeyId: next.keyId });
  await assert.rejects(authenticate(`Bearer ${token}`, f.deps), (e: unknown) => e instanceof CareLedgerError && e.code === 'UNAUTHENTICATED');
  assertOAuthError(await postSignIn(signIn(pseudonym, key.keyId, await challenge(), key)), 400, 'invalid_grant');
  assert.equal((await postSignIn(signIn(pseudonym, next.keyId, await challenge(), next))).statusCode, 200);
});

test("a delegate's token carries only what its powers allow", async () => {
  const { pseudonym, key } = await f.patient();
  const consentOnly = generateSigningKey();
  await f.identity(key, 'add-delegate', { pseudonym, relationship: 'proxy', keys: [consentOnly.keyId], powers: ['manage-consent'] });
  // No 'read': of the default patient/*.rs only the Consents remain; Consent management can be granted.
  const plain = await postSignIn(signIn(pseudonym, consentOnly.keyId, await challenge(), consentOnly));
  assert.equal(plain.statusCode, 200, plain.body);
  assert.equal(plain.json<{ scope: string }>().scope, 'patient/Consent.rs');
  const res = await postSignIn(signIn(pseudonym, consentOnly.keyId, await challenge(), consentOnly, { scope: 'patient/*.rs patient/Consent.cruds' }));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json<{ scope: string }>().scope, 'patient/Consent.cruds');
  // Powers exercised only by signing transactions (erase) give no sign-in at all.
  const eraseOnly = generateSigningKey();
  await f.identity(key, 'add-delegate', { pseudonym, relationship: 'guardian', keys: [eraseOnly.keyId], powers: ['erase'] });
  assertOAuthError(await postSignIn(signIn(pseudonym, eraseOnly.keyId, await challenge(), eraseOnly)), 400, 'invalid_grant');
});
