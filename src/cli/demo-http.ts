// The demo's HTTP helpers, as any client of a node would call it: submit a
// signed transaction and wait for its commit, and get a member's access
// token (SMART backend services). Used by `careledger demo`, its
// supply-chain section and `careledger supply`.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { JWT_BEARER_ASSERTION_TYPE } from '../auth/index.js';
import type { SigningKey } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { txIdOf, type Envelope } from '../ledger/index.js';

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Submits one envelope with ?wait=commit; throws unless it committed OK. */
export async function submitTx(baseUrl: string, envelope: Envelope): Promise<string> {
  const { status, json } = await postJson(`${baseUrl}/ledger/v1/transactions?wait=commit`, envelope);
  const code = (json['results'] as Array<{ code: string }> | undefined)?.[0]?.code;
  if (status !== 200 || code !== 'OK') {
    throw new CareLedgerError('INTERNAL', `${envelope.tx.contract}/${envelope.tx.action} not committed: ${code ?? status}`);
  }
  return txIdOf(envelope.tx);
}

/** SMART backend services token for a member's ledger key (client_id = kid = key id, EdDSA assertion). */
export async function memberAccessToken(baseUrl: string, key: SigningKey, scope: string): Promise<string> {
  const tokenUrl = `${baseUrl}/auth/token`;
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.keyId })
    .setIssuer(key.keyId)
    .setSubject(key.keyId)
    .setAudience(tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key.privateKey);
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion }).toString(),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  if (res.status !== 200 || body.access_token === undefined) throw new CareLedgerError('UNAUTHENTICATED', `token refused: ${body.error ?? res.status}`);
  return body.access_token;
}

/** Patient sign-in: a fresh challenge signed with the patient's key. */
