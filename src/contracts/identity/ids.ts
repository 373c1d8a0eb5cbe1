// Identifier rules of the identity contract and its deterministic ids.
// Pseudonyms and delegate ids come from the txId only (no randomness), so all
// nodes agree and the submitting client can compute them before commit.
import { z } from 'zod';
import { publicKeyFromKeyId, sha256, toHex, utf8 } from '../../crypto/index.js';
import { RFC3339_MILLIS } from '../../ledger/tx.js';
import { ORG_ID_PATTERN } from '../governance/keys.js';
import { DELEGATE_ID_PATTERN, MEMBER_ID_PATTERN, PSEUDONYM_PATTERN } from './keys.js';


export { ORG_ID_PATTERN, MEMBER_ID_PATTERN, PSEUDONYM_PATTERN, DELEGATE_ID_PATTERN };
export const PSEUDONYM_DOMAIN = 'careledger.pseudonym/1\n';
export const DELEGATE_ID_DOMAIN = 'careledger.delegate/1\n';

const MAX_KEYS = 8;

// authorize and apply both derive the same id for a transaction: remember the last few.
const derived = new Map<string, string>();

function deriveId(prefix: string, domain: string, txId: string): string {
  const memo = domain + txId;
  const hit = derived.get(memo);
  if (hit !== undefined) return hit;
  const id = prefix + toHex(sha256(utf8(memo)).subarray(0, 16));
  if (derived.size >= 64) derived.clear();
  derived.set(memo, id);
  return id;
}

/** 'pt-' + hex(first 16 bytes of SHA-256(utf8('careledger.pseudonym/1\n' + txId))). */
export function pseudonymForTx(txId: string): string {
  return deriveId('pt-', PSEUDONYM_DOMAIN, txId);
}

/** 'dg-' + hex(first 16 bytes of SHA-256(utf8('careledger.delegate/1\n' + txId))). */
export function delegateIdForTx(txId: string): string {
  return deriveId('dg-', DELEGATE_ID_DOMAIN, txId);
}

export const orgIdSchema = z.string().regex(ORG_ID_PATTERN);
export const memberIdSchema = z.string().regex(MEMBER_ID_PATTERN);
export const pseudonymSchema = z.string().regex(PSEUDONYM_PATTERN);
export const delegateIdSchema = z.string().regex(DELEGATE_ID_PATTERN);
export const keyIdSchema = z.string().refine((s) => publicKeyFromKeyId(s) !== undefined, 'expected an ed25519 key id');
export const keyListSchema = z
  .array(keyIdSchema)
  .min(1)
  .max(MAX_KEYS)
  .refine((k) => new Set(k).size === k.length, 'a key is listed twice');
export const timestampSchema = z.string().regex(RFC3339_MILLIS).refine((s) => !Number.isNaN(Date.parse(s)), 'invalid date');
/** Free text that lands on the ledger: short, single line. It must never carry health data. */
export const shortTextSchema = z.string().min(1).max(128).regex(/^\P{Cc}*$/u);
