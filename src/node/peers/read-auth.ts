// Signed ledger reads (finding 3 of issue 9): how a consortium member's node
// (catch-up from a peer) or a member's own key proves who reads the full
// ledger API, without a token endpoint in between. The request carries
//   Authorization: CareLedger-Sig key=<keyId>, time=<RFC 3339 millis>, sig=<b64url>
// where sig is Ed25519 by that key over
//   "careledger.ledger-read/1\n" || JCS({"method","network","path","time","type"})
// with path the request target exactly as sent (path and query). The time
// must be within LEDGER_READ_WINDOW_MS of the server's clock: a captured
// header reads the same resource for at most that long (serve over TLS).
// Who may read is decided from committed state at every request: an active
// node key of an active organisation, or an active org-admin key or member
// key whose member holds a reader role (auditor, org-admin).
import { getOrg } from '../../contracts/governance/index.js';
import { memberKeyPrincipal } from '../../auth/principal.js';
import { KEY_ID_PATTERN, fromBase64Url, signCanonical, toBase64Url, verifyCanonical, type SigningKey } from '../../crypto/index.js';
import { KEYS_NAMESPACE, RFC3339_MILLIS, type JsonValue, type StateReader } from '../../ledger/index.js';
import { CareLedgerError } from '../../errors/index.js';

export const LEDGER_READ_TYPE = 'careledger.ledger-read/1';
export const LEDGER_READ_DOMAIN = 'careledger.ledger-read/1\n';
export const LEDGER_READ_SCHEME = 'CareLedger-Sig';
export const LEDGER_READ_WINDOW_MS = 120_000;
/** Member roles that may read full transactions, blocks and events. */
export const LEDGER_READER_ROLES: readonly string[] = ['auditor', 'org-admin'];

/** Who reads the full ledger: a member organisation's node, or an auditor or admin of a member organisation. */
export type LedgerReader =
  | { kind: 'node'; orgId: string; keyId: string }
  | { kind: 'member'; orgId: string; memberId: string; keyId: string; roles: string[] };

const HEADER = new RegExp(
  `^${LEDGER_READ_SCHEME} key=(ed25519:[A-Za-z0-9_-]{43}), time=(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z), sig=([A-Za-z0-9_-]{86})$`,
);

function signedValue(network: string, method: string, path: string, time: string) {
  return { type: LEDGER_READ_TYPE, network, method: method.toUpperCase(), path, time };
}

/** The Authorization header value for reading `path` (path and query, as sent) with `key`. */
export function signLedgerRead(key: SigningKey, network: string, method: string, path: string, now: Date = new Date()): string {
  const time = now.toISOString();
  const sig = toBase64Url(signCanonical(key, LEDGER_READ_DOMAIN, signedValue(network, method, path, time)));
  return `${LEDGER_READ_SCHEME} key=${key.keyId}, time=${time}, sig=${sig}`;
}

/** True when the header uses the signed-read scheme (whether or not it verifies). */
export function isLedgerReadHeader(authorization: string | undefined): boolean {
  return authorization !== undefined && authorization.startsWith(`${LEDGER_READ_SCHEME} `);
}

function objectOf(value: JsonValue | undefined): { [k: string]: JsonValue } | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** The reader an active key stands for in committed state, or undefined if it may not read. */
export function ledgerReaderOfKey(state: StateReader, keyId: string): LedgerReader | undefined {
  const key = objectOf(state.get(KEYS_NAMESPACE, keyId));
  if (key?.['status'] !== 'active') return undefined;
  if (key['kind'] === 'node') {
    const orgId = key['org'];
    if (typeof orgId !== 'string') return undefined;
    const org = getOrg(state, orgId);
    return org?.status === 'active' && org.nodeKeys.includes(keyId) ? { kind: 'node', orgId, keyId } : undefined;
  }
  const member = memberKeyPrincipal(state, keyId);
  if (member?.kind !== 'member' || !member.roles.some((r) => LEDGER_READER_ROLES.includes(r))) return undefined;
  return { kind: 'member', orgId: member.orgId, memberId: member.memberId, keyId, roles: member.roles };
}

/**
 * Verifies a signed-read header for this request and returns the reader.
 * UNAUTHENTICATED (401) for a malformed or forged header, a time outside the
 * window, or a key that may not read the full ledger.
 */
export function verifyLedgerRead(
  authorization: string,
  request: { method: string; path: string },
  network: string,
  state: StateReader,
  nowMs: number = Date.now(),
): LedgerReader {
  const m = authorization.length <= 512 ? HEADER.exec(authorization) : null;
  const [, keyId, time, sig] = m ?? [];
  if (keyId === undefined || time === undefined || sig === undefined || !KEY_ID_PATTERN.test(keyId) || !RFC3339_MILLIS.test(time)) {
    throw new CareLedgerError('UNAUTHENTICATED', `malformed ${LEDGER_READ_SCHEME} header`);
  }
  const at = Date.parse(time);
  if (Number.isNaN(at) || Math.abs(at - nowMs) > LEDGER_READ_WINDOW_MS) {
    throw new CareLedgerError('UNAUTHENTICATED', 'signed read is outside the time window');
  }
  const bytes = fromBase64Url(sig);
  if (bytes?.byteLength !== 64 || !verifyCanonical(keyId, LEDGER_READ_DOMAIN, signedValue(network, request.method, request.path, time), bytes)) {
    throw new CareLedgerError('UNAUTHENTICATED', 'signed read does not verify');
  }
  const reader = ledgerReaderOfKey(state, keyId);
  if (!reader) throw new CareLedgerError('UNAUTHENTICATED', 'key may not read the full ledger');
  return reader;
}
