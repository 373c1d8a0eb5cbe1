// Sign-in, signed in the browser, and the session held in memory only (a
// module variable: gone on reload or sign-out; never in browser storage).
// Patients: POST /auth/challenge, then Ed25519 over "careledger.auth/1\n" ||
// JCS({aud, challenge, keyId, pseudonym}) to POST /auth/patient-token.
// Members: SMART Backend Services client_credentials with a private_key_jwt
// assertion (EdDSA, iss = sub = kid = key id, aud = token URL, jti, exp).
import { randomBytes, toBase64Url, utf8 } from './bytes.js';
import { api } from './http.js';
import { canonicalize } from './jcs.js';
import { sign, type Identity, type KeyPair } from './keys.js';

export const PATIENT_AUTH_DOMAIN = 'careledger.auth/1\n';
export const MEMBER_SCOPE = 'system/*.cruds';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface Session {
  identity: Identity;
  key: KeyPair;
  token: string;
  expiresAt: number;
  /** Member roles from the ledger registry (members only; the node decides anyway). */
  roles: string[];
}

const tokenUrl = () => `${location.origin}/auth/token`;

interface TokenBody {
  access_token: string;
  expires_in: number;
}

async function patientToken(key: KeyPair, pseudonym: string): Promise<TokenBody> {
  const { challenge } = await api<{ challenge: string }>('/auth/challenge', { body: {} });
  const payload = { aud: tokenUrl(), challenge, keyId: key.keyId, pseudonym };
  const signature = toBase64Url(await sign(key.privateKey, utf8(PATIENT_AUTH_DOMAIN + canonicalize(payload))));
  return api<TokenBody>('/auth/patient-token', { body: { pseudonym, keyId: key.keyId, challenge, signature } });
}

/** A compact JWS (EdDSA) signed in the browser. */
export async function signJwt(key: KeyPair, claims: Record<string, unknown>): Promise<string> {
  const part = (v: unknown) => toBase64Url(utf8(JSON.stringify(v)));
  const input = `${part({ alg: 'EdDSA', kid: key.keyId, typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${toBase64Url(await sign(key.privateKey, utf8(input)))}`;
}

async function memberToken(key: KeyPair): Promise<TokenBody> {
  const now = Math.floor(Date.now() / 1000);
  const assertion = await signJwt(key, { iss: key.keyId, sub: key.keyId, aud: tokenUrl(), iat: now, exp: now + 60, jti: toBase64Url(randomBytes(16)) });
  return api<TokenBody>('/auth/token', {
    form: { grant_type: 'client_credentials', scope: MEMBER_SCOPE, client_assertion_type: JWT_BEARER, client_assertion: assertion },
  });
}

let current: Session | undefined;
const listeners = new Set<() => void>();

export const session = (): Session | undefined => current;
export function onSession(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
const changed = () => listeners.forEach((f) => f());

/** Signs in with a key for an identity; the token stays in this module. */
export async function signIn(identity: Identity, key: KeyPair): Promise<Session> {
  const body = identity.kind === 'patient' ? await patientToken(key, identity.pseudonym) : await memberToken(key);
  let roles: string[] = [];
  if (identity.kind === 'member') {
    const k = await api<{ roles?: string[] }>(`/ledger/v1/keys/${encodeURIComponent(key.keyId)}`, { token: body.access_token }).catch(() => ({ roles: [] as string[] }));
    roles = k.roles ?? [];
  }
  current = { identity, key, token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000, roles };
  changed();
  return current;
}

/** The current token, renewed (a new signature, no refresh token) when under a minute is left. */
export async function token(): Promise<string> {
  const s = current;
  if (s === undefined) throw new Error('not signed in');
  if (s.expiresAt - Date.now() < 60_000) {
    const body = s.identity.kind === 'patient' ? await patientToken(s.key, s.identity.pseudonym) : await memberToken(s.key);
    s.token = body.access_token;
    s.expiresAt = Date.now() + body.expires_in * 1000;
  }
  return s.token;
}

/** Forgets the token and everything shown (pages drop their state when the session changes). */
export function signOut(): void {
  current = undefined;
  changed();
}
