// The wire format of node-to-node exchange (ARCHITECTURE section 6, docs/exchange.md):
// a request signed by the requesting organisation's node key and carrying
// its member's own signed authorisation, and a response
// carrying ONE HPKE-sealed bundle, signed by the custodian's node key so that
// a record failing its on-ledger commitment is attributable to the custodian.
// Everything here is parsed with zod: both sides treat the other as hostile.
import { z } from 'zod';
import { canonicalBytes, fromBase64Url, KEY_ID_PATTERN, signCanonical, toBase64Url, verifyCanonical, type SigningKey } from '../crypto/index.js';
import { RFC3339_MILLIS } from '../ledger/index.js';
import { CareLedgerError, issuePath } from '../errors/index.js';
import { PURPOSES_OF_USE, type PurposeOfUse } from '../contracts/consent/index.js';
import { ORG_ID_PATTERN } from '../contracts/governance/index.js';
import { MEMBER_ID_PATTERN, PSEUDONYM_PATTERN } from '../contracts/identity/index.js';
import { RECORD_ID_PATTERN, RESOURCE_TYPE_PATTERN } from '../contracts/records/index.js';

export const EXCHANGE_REQUEST_TYPE = 'careledger.exchange-request/1';
export const EXCHANGE_RESPONSE_TYPE = 'careledger.exchange-response/1';
export const EXCHANGE_BUNDLE_TYPE = 'careledger.exchange-bundle/1';
/** Signature domain of requests: Ed25519 over this || JCS(request). */
export const EXCHANGE_REQUEST_DOMAIN = 'careledger.exchange/1\n';
/** Signature domain of responses (distinct, so neither can stand for the other). */
export const EXCHANGE_RESPONSE_DOMAIN = 'careledger.exchange-response/1\n';
/** Requests older or newer than this (against the custodian's clock) are STALE_TIME. */
export const EXCHANGE_WINDOW_MS = 5 * 60_000;
/** One disclosure is one access event, and an access event names at most 1000 records. */
export const MAX_RECORDS_PER_EXCHANGE = 1000;
export const EXCHANGE_PATH = '/exchange/v1/requests';
/** Purposes a cross-organisation request may name (no break-glass across organisations). */
export type ExchangePurpose = Exclude<PurposeOfUse, 'BTG'>;
export const EXCHANGE_PURPOSES: readonly [ExchangePurpose, ...ExchangePurpose[]] = PURPOSES_OF_USE.filter(
  (p): p is ExchangePurpose => p !== 'BTG',
) as [ExchangePurpose, ...ExchangePurpose[]];

const REQUEST_ID = /^xr-[0-9a-f]{32}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

const b64 = (max: number) => z.string().max(max).regex(B64URL);

/**
 * A member's authorisation of exchange requests (issue 9, finding 11): the
 * requesting node names a member, and the custodian must not take its word
 * for it. The member signs this with its active ledger key, Ed25519 over
 * EXCHANGE_AUTHORIZATION_DOMAIN || JCS(authorization); each request the node
 * sends carries it (inside the node-signed request) and must stay within it.
 */
export const EXCHANGE_AUTHORIZATION_TYPE = 'careledger.exchange-authorization/1';
export const EXCHANGE_AUTHORIZATION_DOMAIN = 'careledger.exchange-authorization/1\n';

const resourceTypesSchema = z
  .array(z.string().regex(RESOURCE_TYPE_PATTERN))
  .min(1)
  .max(64)
  .refine((l) => new Set(l).size === l.length, 'a resource type is listed twice');

export const memberAuthorizationSchema = z.strictObject({
  type: z.literal(EXCHANGE_AUTHORIZATION_TYPE),
  network: z.string().min(1).max(63),
  requester: z.strictObject({ orgId: z.string().regex(ORG_ID_PATTERN), memberId: z.string().regex(MEMBER_ID_PATTERN) }),
  patient: z.string().regex(PSEUDONYM_PATTERN),
  purpose: z.enum(EXCHANGE_PURPOSES),
  /** The resource types requests may ask for; absent: any. */
  resourceTypes: resourceTypesSchema.optional(),
  /** The custodians requests may go to; absent: any. */
  custodians: z
    .array(z.string().regex(ORG_ID_PATTERN))
    .min(1)
    .max(64)
    .refine((l) => new Set(l).size === l.length, 'a custodian is listed twice')
    .optional(),
  /** 16 random bytes: each custodian accepts an authorisation once. */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  time: z.string().regex(RFC3339_MILLIS),
});
export type MemberAuthorization = z.infer<typeof memberAuthorizationSchema>;

export const signedMemberAuthorizationSchema = z.strictObject({
  authorization: memberAuthorizationSchema,
  keyId: z.string().regex(KEY_ID_PATTERN),
  signature: b64(128),
});
export type SignedMemberAuthorization = z.infer<typeof signedMemberAuthorizationSchema>;

/** Signs an authorisation with the member's ledger key. */
export function signMemberAuthorization(authorization: MemberAuthorization, key: SigningKey): SignedMemberAuthorization {
  return { authorization, keyId: key.keyId, signature: toBase64Url(signCanonical(key, EXCHANGE_AUTHORIZATION_DOMAIN, authorization)) };
}

/** Whether the signature of an authorisation verifies under its keyId (not whose key it is). */
export function verifyMemberAuthorizationSignature(signed: SignedMemberAuthorization): boolean {
  const sig = fromBase64Url(signed.signature);
  return sig !== undefined && verifyCanonical(signed.keyId, EXCHANGE_AUTHORIZATION_DOMAIN, signed.authorization, sig);
}

export const exchangeRequestSchema = z.strictObject({
  type: z.literal(EXCHANGE_REQUEST_TYPE),
  network: z.string().min(1).max(63),
  from: z.string().regex(ORG_ID_PATTERN),
  to: z.string().regex(ORG_ID_PATTERN),
  requester: z.strictObject({ orgId: z.string().regex(ORG_ID_PATTERN), memberId: z.string().regex(MEMBER_ID_PATTERN) }),
  patient: z.string().regex(PSEUDONYM_PATTERN),
  resourceTypes: resourceTypesSchema.optional(),
  purpose: z.enum(EXCHANGE_PURPOSES),
  requestId: z.string().regex(REQUEST_ID),
  time: z.string().regex(RFC3339_MILLIS),
  /** The requester's own signed authorisation; the custodian checks the request stays within it. */
  authorization: signedMemberAuthorizationSchema,
});
export type ExchangeRequest = z.infer<typeof exchangeRequestSchema>;

export const signedRequestSchema = z.strictObject({
  request: exchangeRequestSchema,
  keyId: z.string().regex(KEY_ID_PATTERN),
  signature: b64(128),
});
export type SignedExchangeRequest = z.infer<typeof signedRequestSchema>;

export const exchangeResponseSchema = z.strictObject({
  type: z.literal(EXCHANGE_RESPONSE_TYPE),
  requestId: z.string().regex(REQUEST_ID),
  custodian: z.string().regex(ORG_ID_PATTERN),
  recipient: z.string().regex(ORG_ID_PATTERN),
  /** Custodian's ledger height with the disclosure event committed: the requester waits for it before checking anchors. */
  height: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  enc: b64(128),
  ciphertext: b64(64 * 1024 * 1024),
  keyId: z.string().regex(KEY_ID_PATTERN),
  signature: b64(128),
});
export type ExchangeResponse = z.infer<typeof exchangeResponseSchema>;

/** One disclosed record version: its exact vault bytes and commitment salt. */
export const bundleRecordSchema = z.strictObject({
  recordId: z.string().regex(RECORD_ID_PATTERN),
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  resourceType: z.string().regex(RESOURCE_TYPE_PATTERN),
  plaintext: b64(4 * 1024 * 1024),
  salt: b64(64),
});

/** The HPKE plaintext: what the custodian disclosed for one request. */
export const exchangeBundleSchema = z.strictObject({
  type: z.literal(EXCHANGE_BUNDLE_TYPE),
  requestId: z.string().regex(REQUEST_ID),
  patient: z.string().regex(PSEUDONYM_PATTERN),
  records: z.array(bundleRecordSchema).max(MAX_RECORDS_PER_EXCHANGE),
});
export type ExchangeBundle = z.infer<typeof exchangeBundleSchema>;

/** Parses hostile input with a schema; MALFORMED with the failing field. */
export function parseWire<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const at = issuePath(parsed.error);
  const field = at === '' ? what : `${what}.${at}`;
  throw new CareLedgerError('MALFORMED', `invalid ${what} at ${field}: ${parsed.error.issues[0]?.message ?? 'schema'}`, { field });
}

/** Signs a request with the requesting node's key (Ed25519 over the request domain || JCS(request)). */
export function signRequest(request: ExchangeRequest, key: SigningKey): SignedExchangeRequest {
  return { request, keyId: key.keyId, signature: toBase64Url(signCanonical(key, EXCHANGE_REQUEST_DOMAIN, request)) };
}

export function verifyRequestSignature(signed: SignedExchangeRequest): boolean {
  const sig = fromBase64Url(signed.signature);
  return sig !== undefined && verifyCanonical(signed.keyId, EXCHANGE_REQUEST_DOMAIN, signed.request, sig);
}

type UnsignedResponse = Omit<ExchangeResponse, 'keyId' | 'signature'>;

export function signResponse(response: UnsignedResponse, key: SigningKey): ExchangeResponse {
  const body = { ...response, keyId: key.keyId };
  return { ...body, signature: toBase64Url(signCanonical(key, EXCHANGE_RESPONSE_DOMAIN, body)) };
}

export function verifyResponseSignature(response: ExchangeResponse): boolean {
  const { signature, ...body } = response;
  const sig = fromBase64Url(signature);
  return sig !== undefined && verifyCanonical(response.keyId, EXCHANGE_RESPONSE_DOMAIN, body, sig);
}

/** HPKE aad of a response: JCS of the request it answers (binds the bundle to the request). */
export function requestAad(request: ExchangeRequest): Uint8Array {
  return canonicalBytes(request);
}
