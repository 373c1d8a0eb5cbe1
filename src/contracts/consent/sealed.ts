// Sealed consent bodies (docs/privacy.md, "Consents"). The ledger is
// replicated to every member, so a grant carries its grantee and provision
// only sealed to the patient's custodian: HPKE base mode (RFC 9180, X25519,
// HKDF-SHA256, AES-256-GCM) to the custodian organisation's registered
// `hpkePublicKey`, info = 'careledger.consent/1\n' + network + '\n' +
// pseudonym (a body sealed for one patient or network does not open for
// another). Beside it a salted commitment, hex SHA-256('careledger.consent-body/1\n'
// || JCS(body)), binds the body: the custodian checks it after opening, and
// the patient, who knows the salt, can show anyone what the consent said.
// A body is { grantee, provision, salt } or { consent: <FHIR R4 Consent>, salt }.
// The contract never opens anything (it is deterministic and holds no key).
import { randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { HpkeError, canonicalJson, fromBase64Url, hpkeOpen, hpkeSeal, sha256Hex, toBase64Url, utf8 } from '../../crypto/index.js';
import type { JsonValue, StateReader } from '../../ledger/contract.js';
import { CareLedgerError } from '../../errors/index.js';
import { consentFromFhir } from './fhir-in.js';
import { granteeSchema, idSchema, provisionSchema, type Grantee, type Provision } from './schema.js';
import { custodianOf, orgHpkePublicKey, type ConsentRecord, type SealedConsentRecord } from './state.js';

export const CONSENT_SEAL_INFO = 'careledger.consent/1';
export const CONSENT_COMMITMENT_DOMAIN = 'careledger.consent-body/1\n';
/** Largest sealed body (base64url characters of ct): a FHIR Consent with 64 provisions fits well within. */
export const MAX_SEALED_CT = 65_536;
/** JSON nesting a body may have once opened (a provision tree of depth 4 needs about 12). */
const MAX_BODY_DEPTH = 32;

/** A sealed body on the ledger: HPKE enc and ciphertext, base64url. */
export interface SealedBody {
  enc: string;
  ct: string;
}

/** Args of consent/grant. */
export interface SealedGrantArgs {
  patient: string;
  sealed: SealedBody;
  commitment: string;
}

export const sealedGrantArgsSchema: z.ZodType<SealedGrantArgs> = z.strictObject({
  patient: idSchema,
  sealed: z.strictObject({
    enc: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    ct: z.string().min(22).max(MAX_SEALED_CT).regex(/^[A-Za-z0-9_-]+$/),
  }),
  commitment: z.string().regex(/^[0-9a-f]{64}$/),
});

const salt = z.string().regex(/^[A-Za-z0-9_-]{22}$/);
const grantBodySchema = z.strictObject({ grantee: granteeSchema, provision: provisionSchema, salt });
const fhirBodySchema = z.strictObject({ consent: z.record(z.string(), z.unknown()), salt });
/** The variant a body claims to be (so an error names the field, not the union). */
const isFhirBody = (v: unknown): boolean => typeof v === 'object' && v !== null && 'consent' in v;

/** The HPKE info of a consent body: the protocol, the network and the patient. */
export function consentSealInfo(network: string, patient: string): Uint8Array {
  return utf8(`${CONSENT_SEAL_INFO}\n${network}\n${patient}`);
}

/** hex SHA-256('careledger.consent-body/1\n' || JCS(body)). */
export function consentCommitment(body: JsonValue): string {
  return sha256Hex(utf8(CONSENT_COMMITMENT_DOMAIN + canonicalJson(body)));
}

/**
 * Seals any JSON body as grant args, unchecked (tests use it to build bodies
 * a client would refuse). Clients use sealConsentGrant.
 */
export function sealConsentBody(network: string, patient: string, custodianHpkePublicKey: string, body: JsonValue): SealedGrantArgs {
  const pk = fromBase64Url(custodianHpkePublicKey);
  if (pk?.byteLength !== 32) {
    throw new CareLedgerError('UNPROCESSABLE', "the custodian has no valid registered HPKE key", { field: 'hpkePublicKey' });
  }
  const s = hpkeSeal(pk, consentSealInfo(network, patient), new Uint8Array(0), utf8(canonicalJson(body)));
  return { patient, sealed: { enc: toBase64Url(s.enc), ct: toBase64Url(s.ct) }, commitment: consentCommitment(body) };
}

/** What a client seals: a grantee and a provision, or a FHIR R4 Consent naming the patient. */
export type ConsentGrantInput =
  | { network: string; patient: string; custodianHpkePublicKey: string; grantee: Grantee; provision: Provision }
  | { network: string; patient: string; custodianHpkePublicKey: string; consent: { [k: string]: unknown } };

/**
 * Builds consent/grant args: validates the body as the custodian will
 * (INVALID_ARGS naming the field otherwise), adds 16 random bytes of salt,
 * seals it to the custodian and commits to it.
 */
export function sealConsentGrant(input: ConsentGrantInput): SealedGrantArgs {
  const saltText = toBase64Url(randomBytes(16));
  const body: { [k: string]: unknown } =
    'consent' in input ? { consent: input.consent, salt: saltText } : { grantee: input.grantee, provision: input.provision, salt: saltText };
  const parsed = parseBody(body, input.patient);
  const canonical = 'consent' in input ? body : { grantee: parsed.grantee, provision: parsed.provision, salt: saltText };
  return sealConsentBody(input.network, input.patient, input.custodianHpkePublicKey, canonical as JsonValue);
}

/** Validates an opened body for `patient`: the zod schemas, or the FHIR translation and its patient. */
function parseBody(value: unknown, patient: string): { grantee: Grantee; provision: Provision } {
  const r = isFhirBody(value) ? fhirBodySchema.safeParse(value) : grantBodySchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = ['body', ...(issue?.path ?? [])].join('.');
    throw new CareLedgerError('INVALID_ARGS', `consent body: ${issue?.message ?? 'invalid'}`, { field });
  }
  if (!('consent' in r.data)) return { grantee: r.data.grantee, provision: r.data.provision };
  const grant = consentFromFhir(r.data.consent);
  if (grant.patient !== patient) throw new CareLedgerError('INVALID_ARGS', 'the Consent names another patient', { field: 'Consent.patient' });
  return { grantee: grant.grantee, provision: grant.provision };
}

function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth -= 1;
  }
  return max;
}

/**
 * Opens a stored sealed grant with the custodian's HPKE private key and
 * returns the consent it says. Throws CareLedgerError: CONFLICT field
 * 'sealed' when it does not open (wrong recipient, network or patient,
 * altered enc or ct), CONFLICT field 'commitment' when the body is not the
 * committed one, INVALID_ARGS when the body fails validation.
 */
export function openSealedGrant(hpkePrivateKey: KeyObject, network: string, record: SealedConsentRecord): ConsentRecord {
  const enc = fromBase64Url(record.sealed.enc);
  const ct = fromBase64Url(record.sealed.ct);
  if (enc === undefined || ct === undefined) throw new CareLedgerError('CONFLICT', 'the sealed consent does not decode', { field: 'sealed' });
  let text: string;
  try {
    text = Buffer.from(hpkeOpen(hpkePrivateKey, { enc, ct }, consentSealInfo(network, record.patient), new Uint8Array(0))).toString('utf8');
  } catch (e) {
    if (e instanceof HpkeError) throw new CareLedgerError('CONFLICT', 'the sealed consent does not open with this node key', { field: 'sealed' });
    throw e;
  }
  if (jsonDepth(text) > MAX_BODY_DEPTH) throw new CareLedgerError('INVALID_ARGS', 'consent body nests too deeply', { field: 'body' });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CareLedgerError('INVALID_ARGS', 'consent body is not JSON', { field: 'body' });
  }
  if (consentCommitment(body as JsonValue) !== record.commitment) {
    throw new CareLedgerError('CONFLICT', 'the consent body does not match its commitment', { field: 'commitment' });
  }
  const { grantee, provision } = parseBody(body, record.patient);
  const out: ConsentRecord = {
    consentId: record.consentId,
    patient: record.patient,
    grantee,
    provision,
    status: record.status,
    grantedBy: record.grantedBy,
    grantedAt: record.grantedAt,
  };
  if (record.revokedAt !== undefined) out.revokedAt = record.revokedAt;
  if (record.revokedBy !== undefined) out.revokedBy = record.revokedBy;
  return out;
}

/**
 * sealConsentGrant with the custodian's key looked up in committed state
 * (in-process callers: the demo seeder, benchmarks, tests). Remote clients
 * fetch the key from GET /ledger/v1/orgs/{custodian}.
 */
export function sealConsentGrantFrom(
  state: StateReader,
  network: string,
  patient: string,
  body: { grantee: Grantee; provision: Provision } | { consent: { [k: string]: unknown } },
): SealedGrantArgs {
  const custodian = custodianOf(state, patient);
  const key = custodian === undefined ? undefined : orgHpkePublicKey(state, custodian);
  if (key === undefined) throw new CareLedgerError('NOT_FOUND', 'the patient or its custodian\'s HPKE key is not on the ledger', { field: 'patient' });
  return sealConsentGrant({ network, patient, custodianHpkePublicKey: key, ...body });
}
