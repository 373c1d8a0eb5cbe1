// The per-patient access chain (docs/privacy.md): the custodian keeps each
// access event off the ledger and hash-chains a patient's events in order;
// the ledger gets only the chain's blinded id, sequence number and head.
//   eventHash_i = SHA-256("careledger.access-event/1\n" || JCS(event_i))
//   head_i      = SHA-256("careledger.access-chain/1\n" || head_{i-1} || eventHash_i), head_0 = 32 zero bytes
// where event_i is the stored event including custodian, chain and seq, so an
// event can be neither moved to another chain nor reordered. Pure functions:
// the patient (or anyone holding the events) recomputes the chain and compares
// it with the head anchored on the ledger.
import { canonicalBytes, concatBytes, constantTimeEqual, fromHex, hmacSha256, sha256, toHex, utf8 } from '../../crypto/index.js';
import type { AccessEvent } from './schema.js';

export const ACCESS_EVENT_HASH_DOMAIN = 'careledger.access-event/1\n';
export const ACCESS_CHAIN_HEAD_DOMAIN = 'careledger.access-chain/1\n';
export const ACCESS_CHAIN_ID_DOMAIN = 'careledger.access-chain-id/1\n';
export const ACCESS_EVENT_ID_DOMAIN = 'careledger.access-event-id/1\n';
export const BREAK_GLASS_REF_DOMAIN = 'careledger.btg-ref/1\n';
export const INCIDENT_SUBJECT_DOMAIN = 'careledger.incident-subject/1\n';
/** Domain of the custodian node's signature that lets a privacy officer review a break-glass event. */
export const REVIEW_ATTESTATION_DOMAIN = 'careledger.btg-review/1\n';
/** The head before the first event. */
export const GENESIS_HEAD = '0'.repeat(64);

/** An access event as its custodian stores and chains it. */
export type ChainedAccessEvent = AccessEvent & { custodian: string; chain: string; seq: number };

/** The blinded chain id of a patient at a custodian: 'ch-' + hex(HMAC-SHA-256(chainKey, domain || pseudonym)). */
export function chainIdOf(chainKey: Uint8Array, pseudonym: string): string {
  return 'ch-' + toHex(hmacSha256(chainKey, utf8(ACCESS_CHAIN_ID_DOMAIN + pseudonym)));
}

/** hex SHA-256(domain || JCS(event)). */
export function accessEventHash(event: ChainedAccessEvent): string {
  return toHex(sha256(utf8(ACCESS_EVENT_HASH_DOMAIN), canonicalBytes(event)));
}

/** hex SHA-256(domain || prevHead || eventHash), both 32 raw bytes. */
export function nextChainHead(prevHead: string, eventHash: string): string {
  return toHex(sha256(utf8(ACCESS_CHAIN_HEAD_DOMAIN), hexBytes(prevHead), hexBytes(eventHash)));
}

/** The event's id: 'ae-' + hex(first 16 bytes of SHA-256(domain || custodian \n chain \n seq)). */
export function accessEventId(custodian: string, chain: string, seq: number): string {
  return 'ae-' + toHex(sha256(utf8(`${ACCESS_EVENT_ID_DOMAIN}${custodian}\n${chain}\n${seq}`)).subarray(0, 16));
}

/** The opaque on-ledger reference of a break-glass event: hex SHA-256(domain || eventHash). */
export function breakGlassRef(eventHash: string): string {
  return toHex(sha256(utf8(BREAK_GLASS_REF_DOMAIN), hexBytes(eventHash)));
}

/**
 * The subject of an incident: hex SHA-256(domain || requestId || "\n" || pseudonym).
 * The exchange request id is 128 random bits known only to the two nodes, so
 * the commitment hides the patient from everyone else, and the custodian links
 * it to its own disclosure event.
 */
export function incidentSubject(requestId: string, pseudonym: string): string {
  return toHex(sha256(utf8(`${INCIDENT_SUBJECT_DOMAIN}${requestId}\n${pseudonym}`)));
}

/** What the custodian node signs to let `reviewer` review the break-glass event `ref`. */
export function reviewAttestationPayload(network: string, org: string, ref: string, reviewer: string): Record<string, string> {
  return { network, org, ref, reviewer };
}

export interface AnchoredHead {
  seq: number;
  head: string;
}

export type ChainVerdict =
  | { ok: true; head: string; seq: number }
  | { ok: false; reason: 'wrong-chain' | 'not-contiguous' | 'head-mismatch' | 'anchor-beyond-events'; seq: number };

/**
 * Recomputes a chain from its events (sorted by seq, starting at 1, no gap)
 * and checks every given anchored head against it. Any dropped, altered,
 * reordered or inserted event makes a later anchored head differ.
 */
export function verifyAccessChain(chain: string, events: readonly ChainedAccessEvent[], anchors: readonly AnchoredHead[]): ChainVerdict {
  const heads: string[] = [GENESIS_HEAD];
  for (const [i, e] of events.entries()) {
    if (e.chain !== chain) return { ok: false, reason: 'wrong-chain', seq: i + 1 };
    if (e.seq !== i + 1) return { ok: false, reason: 'not-contiguous', seq: i + 1 };
    heads.push(nextChainHead(heads[i]!, accessEventHash(e)));
  }
  for (const a of anchors) {
    const mine = heads[a.seq];
    if (mine === undefined) return { ok: false, reason: 'anchor-beyond-events', seq: a.seq };
    if (!constantTimeEqual(hexBytes(mine), hexBytes(a.head))) return { ok: false, reason: 'head-mismatch', seq: a.seq };
  }
  return { ok: true, head: heads.at(-1)!, seq: events.length };
}

/** One link of a chain as the custodian reports it. */
export interface ChainLink {
  seq: number;
  eventHash: string;
  head: string;
}

/** What a patient receives with their disclosures: events (all or a period's), every link, the anchored head. */
export interface AccessReport {
  chain: string;
  /** Events as stored; an `eventId` field, if present, is ignored (it is derived from custodian, chain and seq). */
  events: ReadonlyArray<ChainedAccessEvent & { eventId?: string }>;
  links: readonly ChainLink[];
  anchor: AnchoredHead | null;
}

export type ReportVerdict =
  | { ok: true; seq: number; anchoredSeq: number }
  | { ok: false; reason: 'wrong-chain' | 'not-contiguous' | 'head-mismatch' | 'event-mismatch' | 'anchor-beyond-events'; seq: number };

/**
 * The patient's check of a disclosure report: the links form a chain from
 * seq 1 (each head recomputed from the previous head and the event hash),
 * every event given hashes to its link, and the head anchored on the ledger
 * (fetch the anchoring transaction and its inclusion proof to trust it) is
 * the chain's head at that seq. Events after the anchor are not yet covered.
 */
export function verifyAccessReport(report: AccessReport): ReportVerdict {
  let head = GENESIS_HEAD;
  for (const [i, link] of report.links.entries()) {
    if (link.seq !== i + 1) return { ok: false, reason: 'not-contiguous', seq: i + 1 };
    head = nextChainHead(head, link.eventHash);
    if (head !== link.head) return { ok: false, reason: 'head-mismatch', seq: link.seq };
  }
  for (const e of report.events) {
    if (e.chain !== report.chain) return { ok: false, reason: 'wrong-chain', seq: e.seq };
    const link = report.links[e.seq - 1];
    if (link === undefined || link.seq !== e.seq || accessEventHash(hashedPart(e)) !== link.eventHash) return { ok: false, reason: 'event-mismatch', seq: e.seq };
  }
  const a = report.anchor;
  if (a !== null) {
    const link = report.links[a.seq - 1];
    if (link === undefined) return { ok: false, reason: 'anchor-beyond-events', seq: a.seq };
    if (link.head !== a.head) return { ok: false, reason: 'head-mismatch', seq: a.seq };
  }
  return { ok: true, seq: report.links.length, anchoredSeq: a?.seq ?? 0 };
}

/** The event as hashed: a served event may carry its derived eventId, which is not part of the hash. */
function hashedPart(e: ChainedAccessEvent & { eventId?: string }): ChainedAccessEvent {
  if (e.eventId === undefined) return e;
  const copy: ChainedAccessEvent & { eventId?: string } = { ...e };
  delete copy.eventId;
  return copy;
}

function hexBytes(hex: string): Uint8Array {
  const b = fromHex(hex);
  if (b?.byteLength !== 32) return concatBytes(new Uint8Array(32), utf8('!')); // never equal to a real 32-byte value
  return b;
}
