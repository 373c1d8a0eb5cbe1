// Transaction generators for the integration tests: identity self-enrolments,
// member registrations and key revocations, signed in the normative wire
// format (ARCHITECTURE section 4); a seeded PRNG so random schedules can be
// replayed from the seed a failing run prints; and the offline verifier run
// in-process on a data dir.
import { generateSigningKey, type SigningKey } from '../../src/crypto/index.js';
import { parseEnvelope, signTx, type Envelope, type TxDraft } from '../../src/ledger/index.js';
import { VerifyPool, defaultRegistry, paths, readNodeConfig } from '../../src/node/index.js';
import { verifyLedger, type VerifyResult } from '../../src/node/verifier/verify-ledger.js';
import { SqliteLedgerStore, openDatabase } from '../../src/storage/index.js';

/** A signed envelope with its txId and its JSON text as sent on the wire. */
export interface SignedTx {
  envelope: Envelope;
  txId: string;
  text: string;
}

/** Seals an envelope: its txId (per parseEnvelope) and wire text. */
export function sealTx(envelope: Envelope): SignedTx {
  return { envelope, txId: parseEnvelope(envelope).txId, text: JSON.stringify(envelope) };
}

/** Signs a draft and seals it. */
export function signed(draft: TxDraft, key: SigningKey): SignedTx {
  return sealTx(signTx(draft, key));
}

/** identity/register-patient by an unregistered key enrolling itself (signer 'any'). */
export function selfEnrolment(network: string, key: SigningKey = generateSigningKey(), time?: string): SignedTx {
  const draft: TxDraft = { network, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId] } };
  return signed(time === undefined ? draft : { ...draft, time }, key);
}

/** identity/register-member signed by `admin` (an org-admin key for it to succeed). */
export function memberRegistration(
  network: string,
  admin: SigningKey,
  memberId: string,
  roles: readonly string[],
  keys: readonly string[],
  time?: string,
): SignedTx {
  const draft: TxDraft = { network, contract: 'identity', action: 'register-member', args: { memberId, roles: [...roles], keys: [...keys] } };
  return signed(time === undefined ? draft : { ...draft, time }, admin);
}

/** identity/revoke-key signed by `signer`. */
export function keyRevocation(network: string, signer: SigningKey, keyId: string, reason = 'integration test'): SignedTx {
  return signed({ network, contract: 'identity', action: 'revoke-key', args: { keyId, reason } }, signer);
}

/** A JSON array body of envelopes, as POST /ledger/v1/transactions takes it. */
export function arrayBody(txs: readonly SignedTx[]): string {
  return `[${txs.map((t) => t.text).join(',')}]`;
}

/** mulberry32: a small seeded PRNG in [0, 1) for reproducible schedules. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs the offline verifier's logic (src/node/verify.ts) in-process on a
 * closed data dir, with signature checks inline (no worker threads).
 */
export async function verifyDataDir(dataDir: string): Promise<{ ok: true; blocks: number; txs: number } | Extract<VerifyResult, { ok: false }>> {
  const store = new SqliteLedgerStore(openDatabase(paths(dataDir).ledger, { readonly: true }));
  const pool = new VerifyPool(0);
  try {
    const r = await verifyLedger(store, readNodeConfig(dataDir).networkId, defaultRegistry(), pool);
    return r.ok ? { ok: true, blocks: r.blocks, txs: r.txs } : r;
  } finally {
    await pool.close();
    store.close();
  }
}
