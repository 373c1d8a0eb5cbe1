// The demo's HTTP helpers, as any client of a node would call it: submit a
// signed transaction and wait for its commit, and get a member's access
// token (SMART backend services). Used by `careledger demo`, its
// supply-chain section and `careledger supply`.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { JWT_BEARER_ASSERTION_TYPE } from '../auth/index.js';
import type { SigningKey } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { trustedRequest } from '../exchange/index.js';
import { txIdOf, type Envelope } from '../ledger/index.js';

export interface JsonRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The CA bundle an https: node's certificate must chain to (the demo's development CA); else the system roots. */
  ca?: Buffer | undefined;
}

/** One HTTP exchange with a node, JSON back; over https with a given CA it goes through the exchange's checked client. */
export async function requestJson(url: string, init: JsonRequest): Promise<{ status: number; json: Record<string, unknown> }> {
  if (init.ca !== undefined && url.startsWith('https:')) {
    const res = await trustedRequest(new URL(url), { method: init.method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }), timeoutMs: 30_000, maxBytes: 16 << 20 }, { anchors: init.ca });
    return { status: res.status, json: JSON.parse(res.text) as Record<string, unknown> };
  }
  const res = await fetch(url, { method: init.method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export function postJson(url: string, body: unknown, ca?: Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  return requestJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ca });
}

/** Submits one envelope with ?wait=commit; throws unless it committed OK. */
export async function submitTx(baseUrl: string, envelope: Envelope, ca?: Buffer): Promise<string> {
  const { status, json } = await postJson(`${baseUrl}/ledger/v1/transactions?wait=commit`, envelope, ca);
  const code = (json['results'] as Array<{ code: string }> | undefined)?.[0]?.code;
  if (status !== 200 || code !== 'OK') {
    throw new CareLedgerError('INTERNAL', `${envelope.tx.contract}/${envelope.tx.action} not committed: ${code ?? status}`);
  }
  return txIdOf(envelope.tx);
}

/** SMART backend services token for a member's ledger key (client_id = kid = key id, EdDSA assertion). */
export async function memberAccessToken(baseUrl: string, key: SigningKey, scope: string, ca?: Buffer): Promise<string> {
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
  const res = await requestJson(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion }).toString(),
    ca,
  });
  const body = res.json as { access_token?: string; error?: string };
  if (res.status !== 200 || typeof body.access_token !== 'string') throw new CareLedgerError('UNAUTHENTICATED', `token refused: ${body.error ?? res.status}`);
  return body.access_token;
}

/** Patient sign-in: a fresh challenge signed with the patient's key. */
