// Test fixture for the SMART auth routes: a real dev node (startTestNode) with
// registerAuthRoutes mounted, an AuthStore in a SQLite file inside its own
// temporary directory, and helpers to register members, patients and
// delegates through the identity contract (?wait=commit), sign client
// assertions with jose and call the token endpoint through inject.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { SignJWT, type JWTPayload } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { registerAuthRoutes } from '../../src/api/auth-routes.js';
import { AuthStore, JWT_BEARER_ASSERTION_TYPE, tokenUrlOf, type AuthDeps } from '../../src/auth/index.js';
import { generateSigningKey, type SigningKey } from '../../src/crypto/index.js';
import { delegateIdForTx, pseudonymForTx } from '../../src/contracts/identity/index.js';
import { txIdOf } from '../../src/ledger/index.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { call, signerFor, submit } from '../helpers/api.js';

export const BASE_URL = 'https://alpha.example';

export interface AuthFixture {
  fx: TestNode;
  deps: AuthDeps;
  dbFile: string;
  tokenUrl: string;
  /** Registers a member with a fresh key; returns the key. */
  member(roles: string[]): Promise<SigningKey>;
  /** Identity transaction signed by `key`; asserts it committed OK and returns its txId. */
  identity(key: SigningKey, action: string, args: Record<string, unknown>): Promise<string>;
  /** Registers a patient (by the org admin) with a fresh key. */
  patient(): Promise<{ pseudonym: string; key: SigningKey }>;
  /** Adds a delegate of `pseudonym` (signed by the patient key) with a fresh key. */
  delegate(pseudonym: string, patientKey: SigningKey): Promise<{ delegateId: string; key: SigningKey }>;
  /** POST /auth/token with a form body. */
  token(params: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

let memberCount = 0;

export async function startAuthFixture(): Promise<AuthFixture> {
  const fx = await startTestNode();
  const dir = mkdtempSync(join(tmpdir(), 'careledger-auth-'));
  const dbFile = join(dir, 'auth.sqlite');
  const db = new Database(dbFile);
  const deps: AuthDeps = { state: fx.node.state, nodeKey: fx.node.nodeKey, store: new AuthStore(db), baseUrl: BASE_URL };
  registerAuthRoutes(fx.app, deps);
  const sign = signerFor(fx);

  const identity = async (key: SigningKey, action: string, args: Record<string, unknown>): Promise<string> => {
    const envelope = sign(key, 'identity', action, args);
    const [result] = await submit(fx.app, envelope);
    assert.equal(result?.code, 'OK', `${action}: ${result?.code}`);
    return txIdOf(envelope.tx);
  };

  return {
    fx,
    deps,
    dbFile,
    tokenUrl: tokenUrlOf(deps),
    identity,
    async member(roles) {
      const key = generateSigningKey();
      await identity(fx.adminKey, 'register-member', { memberId: `m${++memberCount}`, roles, keys: [key.keyId] });
      return key;
    },
    async patient() {
      const key = generateSigningKey();
      const txId = await identity(fx.adminKey, 'register-patient', { keys: [key.keyId] });
      return { pseudonym: pseudonymForTx(txId), key };
    },
    async delegate(pseudonym, patientKey) {
      const key = generateSigningKey();
      const txId = await identity(patientKey, 'add-delegate', { pseudonym, relationship: 'guardian', keys: [key.keyId] });
      return { delegateId: delegateIdForTx(txId), key };
    },
    token(params) {
      return call(fx.app, {
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(params).toString(),
      });
    },
    async close() {
      await fx.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type AssertionKey = Parameters<SignJWT['sign']>[0];

/** A client assertion: iss = sub = clientId, aud = token URL, exp now + 60 s, random jti, unless overridden (undefined drops a claim). */
export async function assertion(
  key: AssertionKey,
  header: { alg: string; kid?: string },
  clientId: string,
  aud: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iss: clientId, sub: clientId, aud, exp: now + 60, iat: now, jti: randomUUID(), ...overrides };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return new SignJWT(claims as JWTPayload).setProtectedHeader(header).sign(key);
}

/** Form parameters of a token request. */
export function tokenForm(clientAssertion: string, scope = 'system/*.rs'): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
    client_assertion: clientAssertion,
  };
}

/** Asserts an OAuth error reply: status, {"error": value} exactly, no-store. */
export function assertOAuthError(res: LightMyRequestResponse, status: number, error: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.deepEqual(res.json(), { error });
  assert.equal(res.headers['cache-control'], 'no-store');
}
