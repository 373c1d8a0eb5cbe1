// The node-local registry of ES384/RS384 clients (client_id -> org, member,
// public JWK Set). A registration is an org admin's signed statement:
//   { client: { clientId, orgId, memberId, jwks, issuedAt }, keyId, sig }
// sig = base64url Ed25519 by `keyId` over 'careledger.auth-client/1\n' +
// JCS(client); keyId must be an org admin of client.orgId in committed state
// (an org-admin key, or a member key holding the org-admin role, as the
// identity contract defines it). issuedAt must be within five minutes of now
// and newer than the registration it replaces, so an old signed registration
// (say, with a since-retired key) cannot be replayed over a newer one.
import { z } from 'zod';
import { importJWK, type JWK } from 'jose';
import { fromBase64Url, verifyCanonical } from '../crypto/index.js';
import { keyIdSchema, orgIdSchema } from '../contracts/governance/index.js';
import { getKey, isOrgAdmin, memberIdSchema } from '../contracts/identity/index.js';
import { RFC3339_MILLIS } from '../ledger/index.js';
import { CareLedgerError, issuePath } from '../errors/index.js';
import { nowOf, type AuthDeps } from './deps.js';
import { clientPrincipal } from './principal.js';
import type { ClientRecord } from './store.js';

export const AUTH_CLIENT_DOMAIN = 'careledger.auth-client/1\n';
/** How far issuedAt of a signed registration may be from now. */
export const REGISTRATION_WINDOW_MS = 5 * 60_000;
export const MAX_CLIENT_KEYS = 8;
const MIN_RSA_BYTES = 256; // 2048-bit modulus
const MAX_RSA_BYTES = 1024; // 8192-bit modulus

const b64url = z.string().min(1).max(1400).regex(/^[A-Za-z0-9_-]+$/);
const kid = z.string().min(1).max(128);
const use = z.literal('sig').optional();
const keyOps = z.array(z.literal('verify')).max(1).optional();
// strictObject: private members (d, p, q, dp, dq, qi, oth, k) are refused.
const ecJwk = z.strictObject({ kty: z.literal('EC'), crv: z.literal('P-384'), x: b64url, y: b64url, kid, alg: z.literal('ES384').optional(), use, key_ops: keyOps });
const rsaJwk = z
  .strictObject({ kty: z.literal('RSA'), n: b64url, e: b64url, kid, alg: z.literal('RS384').optional(), use, key_ops: keyOps })
  .refine((k) => {
    const n = fromBase64Url(k.n);
    return n !== undefined && n.byteLength >= MIN_RSA_BYTES && n.byteLength <= MAX_RSA_BYTES;
  }, 'RSA modulus must be 2048 to 8192 bits');

export const jwksSchema = z.strictObject({
  keys: z
    .array(z.union([ecJwk, rsaJwk]))
    .min(1)
    .max(MAX_CLIENT_KEYS)
    .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, 'a kid is listed twice'),
});

/** client_id of a JWKS client: never an Ed25519 key id (those are ledger-key clients). */
export const CLIENT_ID_PATTERN = /^(?!ed25519:)[A-Za-z0-9][A-Za-z0-9._~:-]{2,127}$/;

export const clientInputSchema = z.strictObject({
  clientId: z.string().regex(CLIENT_ID_PATTERN),
  orgId: orgIdSchema,
  memberId: memberIdSchema,
  jwks: jwksSchema,
  issuedAt: z.string().regex(RFC3339_MILLIS).optional(),
});
export type ClientInput = z.input<typeof clientInputSchema>;

export const signedRegistrationSchema = z.strictObject({
  client: clientInputSchema.required({ issuedAt: true }),
  keyId: keyIdSchema,
  sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});

function parseOr400<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const at = issuePath(r.error);
  const field = at === '' ? where : `${where}.${at}`;
  throw new CareLedgerError('MALFORMED', `invalid ${field}: ${r.error.issues[0]?.message ?? 'schema'}`, { field });
}

/**
 * Registers (or replaces) a JWKS client for an active member of an active
 * org. The caller has already decided the registration is authorised (see
 * registerSignedClient). Errors: MALFORMED, NOT_FOUND (no such active
 * member), CONFLICT (an as-new or newer registration exists).
 */
export async function registerClient(input: ClientInput, deps: AuthDeps, registeredBy = 'local'): Promise<ClientRecord> {
  const parsed = parseOr400(clientInputSchema, input, 'client');
  for (const [i, jwk] of parsed.jwks.keys.entries()) {
    try {
      await importJWK(jwk as JWK, jwk.kty === 'EC' ? 'ES384' : 'RS384');
    } catch (e) {
      throw new CareLedgerError('MALFORMED', 'key does not import', { field: `client.jwks.keys.${i}`, cause: e });
    }
  }
  const record: ClientRecord = {
    clientId: parsed.clientId,
    orgId: parsed.orgId,
    memberId: parsed.memberId,
    jwks: parsed.jwks as ClientRecord['jwks'],
    issuedAt: parsed.issuedAt ?? new Date(nowOf(deps)).toISOString(),
    registeredBy,
  };
  if (clientPrincipal(deps.state, record) === undefined) {
    throw new CareLedgerError('NOT_FOUND', `no active member ${parsed.memberId} in ${parsed.orgId}`, { field: 'client.memberId' });
  }
  if (!deps.store.putClient(record)) throw new CareLedgerError('CONFLICT', 'a newer registration exists', { field: 'client.issuedAt' });
  return record;
}

/**
 * POST /auth/clients: verifies an org admin's signed registration, then
 * registers it. Errors: MALFORMED, UNAUTHENTICATED (signature or stale
 * issuedAt), FORBIDDEN (signer is not an active org admin of that org), and
 * those of registerClient.
 */
export async function registerSignedClient(body: unknown, deps: AuthDeps): Promise<ClientRecord> {
  const { client, keyId, sig } = parseOr400(signedRegistrationSchema, body, 'body');
  const signature = fromBase64Url(sig);
  if (signature === undefined || !verifyCanonical(keyId, AUTH_CLIENT_DOMAIN, client, signature)) {
    throw new CareLedgerError('UNAUTHENTICATED', 'registration signature does not verify', { field: 'body.sig' });
  }
  if (Math.abs(Date.parse(client.issuedAt) - nowOf(deps)) > REGISTRATION_WINDOW_MS) {
    throw new CareLedgerError('UNAUTHENTICATED', 'issuedAt is outside the accepted window', { field: 'body.client.issuedAt' });
  }
  if (!isOrgAdmin(deps.state, getKey(deps.state, keyId), client.orgId)) {
    throw new CareLedgerError('FORBIDDEN', 'signer is not an active org admin of this org', { field: 'body.keyId' });
  }
  return registerClient(client, deps, keyId);
}
