// Finding 6: 10,000 anonymous POST /auth/challenge locked patient sign-in for
// everyone (429 for two minutes). Challenges are now stateless (a MAC'd,
// expiring nonce): a flood stores nothing and denies no one, and single use
// is enforced at redemption. Tampered, expired, forged and reused challenges
// are all refused with invalid_grant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { CHALLENGE_BYTES, PATIENT_AUTH_DOMAIN, createChallenge, patientSignInPayload, requestPatientToken, type OAuthError } from '../../src/auth/index.js';
import { fromBase64Url, signCanonical, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { assertOAuthError, startAuthFixture, type AuthFixture } from '../auth/fixture.js';

let f: AuthFixture;
before(async () => {
  f = await startAuthFixture();
});
after(() => f.close());

const FLOOD = 10_000;

async function challenge(): Promise<string> {
  const res = await f.fx.app.inject({ method: 'POST', url: '/auth/challenge' });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ challenge: string }>().challenge;
}

function signIn(pseudonym: string, key: SigningKey, ch: string): Record<string, string> {
  const signature = toBase64Url(signCanonical(key, PATIENT_AUTH_DOMAIN, patientSignInPayload(f.deps, { challenge: ch, keyId: key.keyId, pseudonym })));
  return { pseudonym, keyId: key.keyId, challenge: ch, signature };
}

const postSignIn = (body: unknown): Promise<LightMyRequestResponse> =>
  f.fx.app.inject({ method: 'POST', url: '/auth/patient-token', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

/** The challenge with one bit flipped at byte `at`, re-encoded. */
function flipped(ch: string, at: number): string {
  const bytes = fromBase64Url(ch);
  assert.ok(bytes);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  return toBase64Url(bytes);
}

describe('finding 6: a challenge flood denies no one', () => {
  test(`${FLOOD} anonymous challenges, then a real patient signs in`, { timeout: 120_000 }, async () => {
    const { pseudonym, key } = await f.patient();
    const statuses = new Map<number, number>();
    for (let i = 0; i < FLOOD; i++) {
      const res = await f.fx.app.inject({ method: 'POST', url: '/auth/challenge' });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
    assert.deepEqual([...statuses], [[200, FLOOD]]);
    // Nothing was stored for them.
    const spent = f.deps.store.db.prepare('SELECT count(*) AS n FROM auth_spent_challenge').get() as { n: number };
    assert.equal(spent.n, 0);
    const res = await postSignIn(signIn(pseudonym, key, await challenge()));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<{ token_type: string }>().token_type, 'bearer');
  });

  test('a challenge is spent by its successful sign-in only, once', async () => {
    const { pseudonym, key } = await f.patient();
    const other = await f.patient();
    const ch = await challenge();
    // A failed attempt (another patient's key) does not burn it.
    assertOAuthError(await postSignIn(signIn(pseudonym, other.key, ch)), 400, 'invalid_grant');
    const body = signIn(pseudonym, key, ch);
    assert.equal((await postSignIn(body)).statusCode, 200);
    assertOAuthError(await postSignIn(body), 400, 'invalid_grant');
    // Nor can the same challenge be reused by another patient.
    assertOAuthError(await postSignIn(signIn(other.pseudonym, other.key, ch)), 400, 'invalid_grant');
    // Two concurrent redemptions of one challenge: exactly one succeeds.
    const twice = signIn(pseudonym, key, await challenge());
    const results = await Promise.all([postSignIn(twice), postSignIn(twice)]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 400]);
  });

  test('tampered, forged and expired challenges are refused with invalid_grant', async () => {
    const { pseudonym, key } = await f.patient();
    const ch = await challenge();
    // A bit flipped in the nonce, in the expiry (pushing it later), and in the MAC.
    for (const at of [0, 15, 16, 23, 24, CHALLENGE_BYTES - 1]) {
      assertOAuthError(await postSignIn(signIn(pseudonym, key, flipped(ch, at))), 400, 'invalid_grant');
    }
    // Never issued by this node.
    assertOAuthError(await postSignIn(signIn(pseudonym, key, toBase64Url(new Uint8Array(CHALLENGE_BYTES).fill(7)))), 400, 'invalid_grant');
    // The untouched challenge still works afterwards.
    assert.equal((await postSignIn(signIn(pseudonym, key, ch))).statusCode, 200);
    // Expired: presented after its two minutes.
    const late = signIn(pseudonym, key, await challenge());
    await assert.rejects(requestPatientToken(late, { ...f.deps, now: () => Date.now() + 120_001 }), (e: OAuthError) => e.oauthError === 'invalid_grant');
    // A challenge issued by a node with another challenge key.
    const foreignCh = createChallenge({ ...f.deps, challengeKey: new Uint8Array(32).fill(9) }).challenge;
    assertOAuthError(await postSignIn(signIn(pseudonym, key, foreignCh)), 400, 'invalid_grant');
    // The wrong length is not a challenge at all.
    assertOAuthError(await postSignIn(signIn(pseudonym, key, toBase64Url(new Uint8Array(32).fill(1)))), 400, 'invalid_request');
  });
});
