// Checks of one ordered envelope that need no state: parse, canonical form,
// size, txId and signature. Pure and CPU-bound, so the node runs it on a
// worker pool; the executor then applies the stateful checks in order.
import { fromBase64Url, toHex, utf8, verifyBytes, canonicalJson, sha256, sha256Hex } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { hashLeaf } from './merkle/index.js';
import { MAX_ENVELOPE_BYTES, TX_SIGNING_DOMAIN, envelopeSchema } from './tx.js';
import type { Envelope } from './tx.js';

export interface OrderedCheck {
  /** 'OK' or the code that makes the transaction invalid regardless of state. */
  code: 'OK' | 'MALFORMED' | 'TOO_LARGE' | 'BAD_SIGNATURE';
  /** txId; for unparseable bytes, hex SHA-256 of the raw bytes. */
  txId: string;
  /** RFC 9162 leaf hash of the bytes, computed here off the main thread. */
  leafHash: Uint8Array;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Validates the bytes of an ordered envelope (JCS(envelope) as submitted). */
export function checkOrderedEnvelope(bytes: Uint8Array): OrderedCheck {
  const leafHash = hashLeaf(bytes);
  const result = checkEnvelope(bytes);
  return { ...result, leafHash };
}

function checkEnvelope(bytes: Uint8Array): Omit<OrderedCheck, 'leafHash'> {
  const rawId = () => toHex(sha256(bytes));
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) return { code: 'TOO_LARGE', txId: rawId() };
  let parsed: Envelope;
  let txText: string;
  try {
    const text = decoder.decode(bytes);
    const result = envelopeSchema.safeParse(JSON.parse(text));
    if (!result.success) return { code: 'MALFORMED', txId: rawId() };
    parsed = result.data;
    txText = canonicalJson(parsed.tx);
    // The log commits to JCS(envelope): anything else is not a valid leaf.
    if (envelopeJcs(parsed.sig, txText) !== text) return { code: 'MALFORMED', txId: rawId() };
  } catch {
    return { code: 'MALFORMED', txId: rawId() };
  }
  const txId = sha256Hex(utf8(txText));
  const sig = fromBase64Url(parsed.sig);
  const message = utf8(TX_SIGNING_DOMAIN + txText);
  const ok = sig !== undefined && verifyBytes(parsed.tx.signer, message, sig);
  return { code: ok ? 'OK' : 'BAD_SIGNATURE', txId };
}

/**
 * Whether an ordered entry with this result claims its txId. Entries that
 * failed the stateless checks do not: otherwise anyone could copy a pending
 * transaction with a broken signature and have the genuine one refused as a
 * duplicate. The executor, the store's lookups and the verifier share this rule.
 */
export function claimsTxId(code: string): boolean {
  return code !== 'MALFORMED' && code !== 'TOO_LARGE' && code !== 'BAD_SIGNATURE';
}

/** JCS of {"sig","tx"} given JCS(tx): keys sort as "sig" < "tx". */
export function envelopeJcs(sig: string, txJcs: string): string {
  return `{"sig":${JSON.stringify(sig)},"tx":${txJcs}}`;
}

/** Decodes bytes already accepted by checkOrderedEnvelope. */
export function decodeCheckedEnvelope(bytes: Uint8Array): Envelope {
  try {
    return JSON.parse(decoder.decode(bytes)) as Envelope;
  } catch (cause) {
    throw new CareLedgerError('INTERNAL', 'checked envelope failed to decode', { cause });
  }
}
