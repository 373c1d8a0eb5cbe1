// Enrolment codes (docs/portal.md): `<subject>:<secret>`, subject = a
// patient's pseudonym or `<org>/<member>`, secret = 26 Crockford base32
// characters (128 bits) in groups of four. The secret is the seed of a
// provisional Ed25519 key that the organisation registered for the person:
// seed = SHA-256("careledger.enrol/1\n" || secret without dashes, upper case).
// The browser derives it, creates the person's own non-extractable key and
// signs identity/rotate-key {old: provisional, new: own} with the provisional
// key: the rotation revokes the provisional key, so a code works once, and the
// node never learns the secret. src/cli/enrolment.ts is the issuing side.
import { sha256, utf8 } from './bytes.js';
import { importSeed, type Identity, type KeyPair } from './keys.js';

export const ENROL_DOMAIN = 'careledger.enrol/1\n';
const SECRET = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const PSEUDONYM = /^pt-[0-9a-f]{32}$/;
const MEMBER = /^([a-z0-9][a-z0-9-]{1,62})\/([A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;

export interface EnrolmentCode {
  identity: Identity;
  secret: string;
}

/** Parses a code as typed or pasted (spaces and dashes ignored, case-insensitive secret); undefined when malformed. */
export function parseEnrolmentCode(text: string): EnrolmentCode | undefined {
  const t = text.trim();
  const at = t.lastIndexOf(':');
  if (at <= 0) return undefined;
  const subject = t.slice(0, at);
  const secret = t.slice(at + 1).replace(/[\s-]/g, '').toUpperCase();
  if (!SECRET.test(secret)) return undefined;
  if (PSEUDONYM.test(subject)) return { identity: { kind: 'patient', pseudonym: subject }, secret };
  const m = MEMBER.exec(subject);
  return m === null ? undefined : { identity: { kind: 'member', orgId: m[1]!, memberId: m[2]! }, secret };
}

/** The provisional key of a code's secret. */
export async function provisionalKey(secret: string): Promise<KeyPair> {
  return importSeed(await sha256(utf8(ENROL_DOMAIN + secret)));
}
