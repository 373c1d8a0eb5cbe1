// Transactions and envelopes (ARCHITECTURE section 4, normative):
//   tx  = {"type":"careledger.tx/1","network","contract","action","args","signer","nonce","time"}
//   sig = Ed25519 over "careledger.tx/1\n" || JCS(tx)
//   txId = lowercase hex SHA-256(JCS(tx))
// Everything here parses hostile input: the schema is the edge.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  KEY_ID_PATTERN,
  publicKeyFromKeyId,
  canonicalBytes,
  concatBytes,
  fromBase64Url,
  sha256Hex,
  signBytes,
  toBase64Url,
  utf8,
  verifyBytes,
  type SigningKey,
} from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';

export const TX_TYPE = 'careledger.tx/1';
export const TX_SIGNING_DOMAIN = 'careledger.tx/1\n';
/** Size limit of one envelope, measured on its canonical JSON bytes. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;

const NAME = /^[a-z][a-zA-Z0-9_.-]{0,63}$/;
/** RFC 3339 UTC with exactly millisecond precision, e.g. 2026-01-02T03:04:05.678Z. */
export const RFC3339_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True for an RFC 3339 millis UTC string naming a real instant (no 30 February, no hour 24). */
export function isRealInstant(text: string): boolean {
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === text;
}

const b64url = (bytes: number) =>
  z.string().refine((s) => fromBase64Url(s)?.byteLength === bytes, { message: `expected base64url of ${bytes} bytes` });

export const txSchema = z.strictObject({
  type: z.literal(TX_TYPE),
  network: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/),
  contract: z.string().regex(NAME),
  action: z.string().regex(NAME),
  args: z.record(z.string(), z.unknown()),
  signer: z.string().regex(KEY_ID_PATTERN).refine((s) => publicKeyFromKeyId(s) !== undefined, 'non-canonical key id'),
  nonce: b64url(16),
  time: z.string().regex(RFC3339_MILLIS).refine(isRealInstant, 'not a real date and time'),
});

export const envelopeSchema = z.strictObject({ tx: txSchema, sig: b64url(64) });

export type Tx = z.infer<typeof txSchema>;
export type Envelope = z.infer<typeof envelopeSchema>;

/** A parsed envelope with the values every later stage needs, computed once. */
export interface ParsedEnvelope {
  readonly envelope: Envelope;
  readonly txId: string;
  /** JCS(envelope): the exact bytes hashed into the transparency log. */
  readonly bytes: Uint8Array;
}

export function txIdOf(tx: Tx): string {
  return sha256Hex(canonicalBytes(tx));
}

export function txSigningInput(tx: Tx): Uint8Array {
  return concatBytes(utf8(TX_SIGNING_DOMAIN), canonicalBytes(tx));
}

/**
 * Parses and schema-checks an envelope from untrusted JSON. Throws
 * CareLedgerError MALFORMED (with the offending field) or TOO_LARGE.
 * The signature is *not* checked here: an ordered transaction with a bad
 * signature gets the BAD_SIGNATURE result in its block.
 */
export function parseEnvelope(input: unknown): ParsedEnvelope {
  const parsed = envelopeSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.map(String).join('.') : '';
    throw new CareLedgerError('MALFORMED', `invalid envelope${field ? ` at ${field}` : ''}: ${issue?.message ?? 'schema'}`, {
      field,
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(parsed.data);
  } catch (cause) {
    throw new CareLedgerError('MALFORMED', 'envelope is not canonicalisable JSON', { field: 'tx.args', cause });
  }
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) {
    throw new CareLedgerError('TOO_LARGE', `envelope is ${bytes.byteLength} bytes; the limit is ${MAX_ENVELOPE_BYTES}`);
  }
  return { envelope: parsed.data, txId: txIdOf(parsed.data.tx), bytes };
}

export function verifyEnvelopeSignature(envelope: Envelope): boolean {
  const sig = fromBase64Url(envelope.sig);
  return sig !== undefined && verifyBytes(envelope.tx.signer, txSigningInput(envelope.tx), sig);
}

export interface TxDraft {
  network: string;
  contract: string;
  action: string;
  args: Record<string, unknown>;
  time?: Date | string;
  nonce?: string;
}

export function formatTime(date: Date): string {
  return date.toISOString();
}

/** Builds and signs an envelope. */
export function signTx(draft: TxDraft, key: SigningKey): Envelope {
  const tx: Tx = {
    type: TX_TYPE,
    network: draft.network,
    contract: draft.contract,
    action: draft.action,
    args: draft.args,
    signer: key.keyId,
    nonce: draft.nonce ?? toBase64Url(randomBytes(16)),
    time: typeof draft.time === 'string' ? draft.time : formatTime(draft.time ?? new Date()),
  };
  return { tx, sig: toBase64Url(signBytes(key, txSigningInput(tx))) };
}
