// The access contract's deterministic ids and the signer checks it makes
// against the key registry and governance. The state layout and readers are
// access/keys.ts (re-exported here); org status comes from governance/keys.ts.
import { sha256, toHex, utf8 } from '../../crypto/index.js';
import { refuse, type ExecContext, type JsonValue, type Refusal, type StateReader } from '../../ledger/contract.js';
import { isActiveOrgKey } from '../keys/keys.js';
import { orgStatus } from '../governance/keys.js';

export {
  ACCESS_NAMESPACE,
  chainPrefix,
  chainKey,
  btgPrefix,
  btgKey,
  incidentPrefix,
  incidentKey,
  getChainHead,
  getBreakGlass,
  getIncident,
} from './keys.js';
export type { ChainHeadRecord, BreakGlassMark, IncidentRecord } from './keys.js';
export { orgStatus };

export const INCIDENT_ID_DOMAIN = 'careledger.incident/1\n';

/** 'inc-' + hex(first 16 bytes of SHA-256(utf8('careledger.incident/1\n' + txId))). */
export function incidentIdForTx(txId: string): string {
  return 'inc-' + toHex(sha256(utf8(INCIDENT_ID_DOMAIN + txId)).subarray(0, 16));
}


/** Converts a typed record (no undefined fields: optional ones are omitted) to stored JSON. */
export const toJson = (value: object): JsonValue => value as unknown as JsonValue;

/** The signer's org if it is an active node key of an active org, else UNAUTHORIZED. */
export function nodeOrgOf(ctx: ExecContext): string | Refusal {
  const key = ctx.signerKey;
  if (key?.kind !== 'node' || key.status !== 'active' || key.org === null) return refuse('UNAUTHORIZED', 'signer is not an active node key');
  return orgStatus(ctx.state, key.org) === 'active' ? key.org : refuse('UNAUTHORIZED', 'signer org is not active');
}

/** Whether keyId is an active node key of org (the key registry, as the executor writes it). */
export function isNodeKeyOf(reader: StateReader, org: string, keyId: string): boolean {
  return isActiveOrgKey(reader, 'node', org, keyId);
}

/** The signer's org and member id if it is an active privacy officer's key of an active org, else UNAUTHORIZED. */
export function privacyOfficerOf(ctx: ExecContext): { org: string; memberId: string } | Refusal {
  const key = ctx.signerKey;
  const officer = key?.kind === 'member' && key.status === 'active' && key.org !== null && key.roles.includes('privacy-officer');
  if (!officer || key.org === null) return refuse('UNAUTHORIZED', 'signer is not an active privacy officer');
  return orgStatus(ctx.state, key.org) === 'active' ? { org: key.org, memberId: key.owner } : refuse('UNAUTHORIZED', 'signer org is not active');
}
