// A second, independent implementation of ARCHITECTURE.md section 4 (the
// normative wire format), written from the text of that section and the RFCs
// it cites, for the test suite. It imports nothing from src/: only node:crypto.
// If it and the node agree, the wire format is what the document says it is.
//   RFC 8785 (JCS) for the JSON subset the ledger uses
//   Ed25519 transaction signatures, key ids, txIds, envelopes
//   RFC 9162 section 2.1: Merkle Tree Hash, inclusion (2.1.3) and consistency (2.1.4)
//   C2SP tlog-checkpoint in a C2SP signed note with Ed25519 signatures
import { createHash, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// ---- RFC 8785 --------------------------------------------------------------

/** RFC 8785 section 3.2.2.2: the JSON string escaping ECMAScript's JSON.stringify uses. */
function jcsString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      // RFC 8785 section 3.2.2.2: lone surrogates are not valid I-JSON strings.
      const pair = c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (!pair) throw new TypeError('lone surrogate in string');
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i]!;
  }
  return out + '"';
}

/**
 * RFC 8785 canonical JSON of the subset used on the ledger: objects (keys
 * sorted by UTF-16 code units), arrays, strings, safe integers, booleans, null.
 * Throws TypeError on anything else (fractions are outside the subset).
 */
export function jcs(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return jcsString(value);
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError('only safe integers are in the subset');
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map(jcs).join(',') + ']';
      const obj = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, as RFC 8785 section 3.2.3 requires.
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return '{' + keys.map((k) => jcsString(k) + ':' + jcs(obj[k])).join(',') + '}';
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`${typeof value} is not JSON`);
}

// ---- bytes -----------------------------------------------------------------

export const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
export const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** Strict base64url without padding (section 4); undefined if not canonical. */
export function fromB64url(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? b : undefined;
}

/** Strict standard base64 with padding (the checkpoint root and signatures). */
function fromB64std(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

// ---- keys, transactions, envelopes ----------------------------------------

export const TX_TYPE = 'careledger.tx/1';

export interface Tx {
  [key: string]: Json;
  type: string;
  network: string;
  contract: string;
  action: string;
  args: { [key: string]: Json };
  signer: string;
  nonce: string;
  time: string;
}
export interface Envelope {
  [key: string]: Json;
  tx: Tx;
  sig: string;
}

/** Section 4: "ed25519:" + base64url(raw 32-byte public key). */
export function keyIdOf(key: KeyObject): string {
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new TypeError('not an Ed25519 key');
  return 'ed25519:' + x;
}

function publicKeyOf(keyId: string): KeyObject | undefined {
  const raw = keyId.startsWith('ed25519:') ? fromB64url(keyId.slice(8)) : undefined;
  if (raw?.length !== 32) return undefined;
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' });
}

/** Section 4: txId = lowercase hex SHA-256(JCS(tx)). */
export const txIdOf = (tx: Tx): string => sha256(utf8(jcs(tx))).toString('hex');

/** Section 4: Ed25519 over "careledger.tx/1\n" || JCS(tx). */
export const signingInput = (tx: Tx): Buffer => utf8('careledger.tx/1\n' + jcs(tx));

export interface TxDraft {
  network: string;
  contract: string;
  action: string;
  args: { [key: string]: Json };
  time?: Date;
}

/** Builds, signs and identifies a transaction. */
export function signTx(draft: TxDraft, privateKey: KeyObject): { envelope: Envelope; txId: string } {
  const tx: Tx = {
    type: TX_TYPE,
    network: draft.network,
    contract: draft.contract,
    action: draft.action,
    args: draft.args,
    signer: keyIdOf(privateKey),
    nonce: b64url(randomBytes(16)),
    time: (draft.time ?? new Date()).toISOString(), // RFC 3339 UTC with milliseconds
  };
  return { envelope: { tx, sig: b64url(sign(null, signingInput(tx), privateKey)) }, txId: txIdOf(tx) };
}

export function verifyEnvelope(envelope: Envelope): boolean {
  const key = publicKeyOf(envelope.tx.signer);
  const sig = fromB64url(envelope.sig);
  return key !== undefined && sig?.length === 64 && verify(null, signingInput(envelope.tx), key, sig);
}

// ---- RFC 9162 --------------------------------------------------------------

/** RFC 9162 2.1.1 with section 4's leaf: SHA-256(0x00 || JCS(envelope)). */
/**
 * The Authorization header of a signed ledger read (README, ledger API):
 * Ed25519 over "careledger.ledger-read/1\n" || JCS({method, network, path, time, type}).
 */
export function signedReadHeader(privateKey: KeyObject, network: string, method: string, path: string, time = new Date().toISOString()): string {
  const value = { type: 'careledger.ledger-read/1', network, method, path, time };
  const sig = sign(null, utf8('careledger.ledger-read/1\n' + jcs(value)), privateKey);
  return `CareLedger-Sig key=${keyIdOf(privateKey)}, time=${time}, sig=${b64url(sig)}`;
}

export const leafHashOf = (envelope: Envelope): Buffer => sha256(Buffer.of(0x00), utf8(jcs(envelope)));
export const nodeHash = (l: Uint8Array, r: Uint8Array): Buffer => sha256(Buffer.of(0x01), l, r);
const largestPowerOfTwoBelow = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** RFC 9162 2.1.1: MTH over already-hashed leaves (the recursive definition). */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return sha256();
  if (leafHashes.length === 1) return Buffer.from(leafHashes[0]!);
  const k = largestPowerOfTwoBelow(leafHashes.length);
  return nodeHash(merkleRoot(leafHashes.slice(0, k)), merkleRoot(leafHashes.slice(k)));
}

/** RFC 9162 2.1.3.1 PATH(m, D[n]), straight from the definition (for self-tests). */
export function referencePath(m: number, leaves: readonly Uint8Array[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = largestPowerOfTwoBelow(leaves.length);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), merkleRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), merkleRoot(leaves.slice(0, k))];
}

/** RFC 9162 2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (for self-tests). */
export function referenceProof(m: number, leaves: readonly Uint8Array[], b = true): Buffer[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [merkleRoot(leaves)];
  const k = largestPowerOfTwoBelow(n);
  return m <= k
    ? [...referenceProof(m, leaves.slice(0, k), b), merkleRoot(leaves.slice(k))]
    : [...referenceProof(m - k, leaves.slice(k), false), merkleRoot(leaves.slice(0, k))];
}

const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;
const isPowerOfTwo = (n: number): boolean => {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
};
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/** RFC 9162 2.1.3.2: verifies an inclusion proof. Never throws. */
export function verifyInclusion(leafIndex: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (p.length !== 32 || sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      r = nodeHash(r, p);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && same(r, root);
}

/** RFC 9162 2.1.4.2: verifies a consistency proof between two tree heads. Never throws. */
export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== 32)) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) [fn, sn] = [half(fn), half(sn)];
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && same(fr, firstRoot) && same(sr, secondRoot);
}

// ---- C2SP signed note + tlog-checkpoint ------------------------------------

export interface Checkpoint {
  origin: string;
  treeSize: number;
  root: Buffer;
  /** The signed text: the body lines, each ending in a newline. */
  body: string;
  /** The optional `careledger-block <height> <hash>` extension line (docs/wire-formats.md). */
  block?: { height: number; hash: string };
  signatures: Array<{ keyName: string; keyHash: Buffer; signature: Buffer }>;
}

/** Parses a checkpoint note: "origin\nsize\nbase64 root\n" "\n" then "— name base64(hash||sig)\n" lines. */
export function parseCheckpoint(note: string): Checkpoint | undefined {
  const split = note.indexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return undefined;
  const body = note.slice(0, split + 1);
  const lines = body.slice(0, -1).split('\n');
  // At most one extension line, and only CareLedger's block line.
  if (lines.length !== 3 && lines.length !== 4) return undefined;
  const [origin, size, rootText, extension] = lines as [string, string, string, string | undefined];
  const root = fromB64std(rootText);
  if (origin === '' || !/^(0|[1-9][0-9]{0,15})$/.test(size) || root?.length !== 32) return undefined;
  let block: { height: number; hash: string } | undefined;
  if (extension !== undefined) {
    const b = /^careledger-block (0|[1-9][0-9]{0,15}) ([0-9a-f]{64})$/.exec(extension);
    if (!b) return undefined;
    block = { height: Number(b[1]), hash: b[2]! };
  }
  const signatures: Checkpoint['signatures'] = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 ([^\s+]+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    const bytes = m ? fromB64std(m[2]!) : undefined;
    if (!m || !bytes || bytes.length < 5) return undefined;
    signatures.push({ keyName: m[1]!, keyHash: bytes.subarray(0, 4), signature: bytes.subarray(4) });
  }
  return { origin, treeSize: Number(size), root, body, signatures, ...(block ? { block } : {}) };
}

/** C2SP signed-note Ed25519 key hash: SHA-256(name || "\n" || 0x01 || raw public key)[:4]. */
export function noteKeyHash(keyName: string, keyId: string): Buffer | undefined {
  const raw = keyId.startsWith('ed25519:') ? fromB64url(keyId.slice(8)) : undefined;
  return raw?.length === 32 ? sha256(utf8(keyName + '\n'), Buffer.of(0x01), raw).subarray(0, 4) : undefined;
}

/**
 * Parses a note and checks that the key `keyId` (named by its key id, as
 * CareLedger nodes do) signed its body. Undefined if not.
 */
export function verifyCheckpoint(note: string, keyId: string): Checkpoint | undefined {
  const cp = parseCheckpoint(note);
  const key = publicKeyOf(keyId);
  const hash = noteKeyHash(keyId, keyId);
  if (!cp || !key || !hash) return undefined;
  const ok = cp.signatures.some(
    (s) => s.keyName === keyId && same(s.keyHash, hash) && s.signature.length === 64 && verify(null, utf8(cp.body), key, s.signature),
  );
  return ok ? cp : undefined;
}

// ---- blocks ----------------------------------------------------------------

/** Section 4: blockHash = hex SHA-256(JCS(header)). */
export const blockHashOf = (header: { [key: string]: Json }): string => sha256(utf8(jcs(header))).toString('hex');
