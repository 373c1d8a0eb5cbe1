// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) in a C2SP signed
// note (https://c2sp.org/signed-note) with Ed25519 signatures: the signed tree
// head every node publishes after each block and that peers cosign (witness).
// Body: "<origin>\n<tree size>\n<base64 root>\n"; then a blank line; then
// signature lines "— <key name> <base64(key hash || signature)>\n".
// CareLedger defines one optional extension line after the root (C2SP allows
// extension lines): "careledger-block <height> <hex block hash>", so that two
// nodes whose state diverged (same log, different block hash) disagree on the
// signed body too. Any other extension line is rejected.
import {
  concatBytes,
  publicKeyFromKeyId,
  sha256,
  signBytes,
  utf8,
  verifyBytes,
  type SigningKey,
} from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';

/** Largest note accepted by parseCheckpoint (bytes of UTF-8). */
export const MAX_NOTE_BYTES = 1024 * 1024;
/** Most signature lines accepted on one note (Go's sumdb/note limit). */
export const MAX_NOTE_SIGNATURES = 100;
/** C2SP signed-note signature type of Ed25519 keys. */
export const SIGNED_NOTE_ED25519 = 0x01;

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
const SIZE_PATTERN = /^(?:0|[1-9][0-9]*)$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BLOCK_EXTENSION = /^careledger-block (0|[1-9][0-9]*) ([0-9a-f]{64})$/;
const KEY_NAME_FORBIDDEN = /[\s\u0085+]/u; // Unicode spaces and '+'

/** The head block a checkpoint names (the `careledger-block` extension line). */
export interface CheckpointBlock {
  height: number;
  /** Lowercase hex block hash. */
  hash: string;
}

/** The lines of a checkpoint body: origin, size, root, and the optional block extension. */
export interface CheckpointFields {
  origin: string;
  treeSize: number;
  root: Uint8Array;
  block?: CheckpointBlock;
}

/** One signature line of a signed note. */
export interface NoteSignature {
  keyName: string;
  keyHash: Uint8Array;
  signature: Uint8Array;
}

/** A syntactically valid checkpoint note; signatures are not yet verified. */
export interface ParsedCheckpoint extends CheckpointFields {
  signatures: NoteSignature[];
  body: string;
}

function malformed(message: string, field: string): CareLedgerError {
  return new CareLedgerError('MALFORMED', `checkpoint: ${message}`, { field });
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict RFC 4648 section 4 base64 with padding; undefined if not canonical. */
function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64_PATTERN.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}

/** C2SP signed-note: ASCII controls other than newline, and text that is not valid UTF-8 (lone surrogates). */
function hasForbiddenChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return /[\uD800-\uDFFF]/u.test(text);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}

function isKeyName(name: string): boolean {
  return name.length > 0 && !KEY_NAME_FORBIDDEN.test(name) && !hasForbiddenChars(name);
}

/** C2SP signed-note Ed25519 key hash: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export function noteKeyHash(keyName: string, publicKey: Uint8Array): Uint8Array {
  return sha256(utf8(keyName), Uint8Array.of(0x0a, SIGNED_NOTE_ED25519), publicKey).slice(0, 4);
}

/** C2SP tlog-checkpoint: the note text (body) for a tree head. Throws MALFORMED on bad fields. */
export function formatCheckpointBody(fields: CheckpointFields): string {
  const { origin, treeSize, root } = fields;
  if (typeof origin !== 'string' || origin.length === 0 || origin.includes('\n') || hasForbiddenChars(origin)) {
    throw malformed('origin must be a non-empty single line', 'origin');
  }
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) throw malformed('tree size must be a non-negative integer', 'treeSize');
  if (!(root instanceof Uint8Array) || root.byteLength !== 32) throw malformed('root must be 32 bytes', 'root');
  const base = `${origin}\n${treeSize}\n${toBase64(root)}\n`;
  const block = fields.block;
  if (block === undefined) return base;
  const line = `careledger-block ${block.height} ${block.hash}`;
  if (!Number.isSafeInteger(block.height) || block.height < 0 || !BLOCK_EXTENSION.test(line)) {
    throw malformed('block must be a non-negative height and a 64-digit lowercase hex hash', 'block');
  }
  return `${base}${line}\n`;
}

/**
 * Strictly parses a checkpoint body: origin, size, root lines, then at most
 * the one `careledger-block` extension line. Throws MALFORMED.
 */
export function parseCheckpointBody(body: string): CheckpointFields {
  if (!body.endsWith('\n')) throw malformed('body must end with a newline', 'body');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length !== 3 && lines.length !== 4) throw malformed(`body must have 3 or 4 lines, not ${lines.length}`, 'body');
  const [origin, sizeText, rootText, extension] = lines as [string, string, string, string | undefined];
  if (origin.length === 0 || hasForbiddenChars(origin)) throw malformed('empty or invalid origin', 'origin');
  const treeSize = Number(sizeText);
  if (!SIZE_PATTERN.test(sizeText) || !Number.isSafeInteger(treeSize)) throw malformed('tree size is not canonical decimal', 'treeSize');
  const root = fromBase64(rootText);
  if (!root || root.byteLength !== 32) throw malformed('root is not base64 of 32 bytes', 'root');
  if (extension === undefined) return { origin, treeSize, root };
  const m = BLOCK_EXTENSION.exec(extension);
  const height = Number(m?.[1]);
  if (!m || !Number.isSafeInteger(height)) throw malformed('unknown extension line', 'block');
  return { origin, treeSize, root, block: { height, hash: m[2]! } };
}

function parseSignatureLine(line: string, i: number): NoteSignature {
  const field = `signatures[${i}]`;
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line must start with an em dash and a space', field);
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const keyName = rest.slice(0, space);
  if (space < 0 || !isKeyName(keyName)) throw malformed('invalid key name', field);
  const bytes = fromBase64(rest.slice(space + 1));
  if (!bytes || bytes.byteLength < 5) throw malformed('signature is not base64 of key hash and signature', field);
  return { keyName, keyHash: bytes.slice(0, 4), signature: bytes.slice(4) };
}

/**
 * Parses a checkpoint note strictly (C2SP signed-note and tlog-checkpoint):
 * at most 1 MiB, UTF-8 text without control characters other than newline,
 * a 3-line body (4 with the block extension), a blank line, then 1 to 100 signature lines. Signatures are
 * not verified here. Throws CareLedgerError MALFORMED with the field.
 */
export function parseCheckpoint(noteText: string): ParsedCheckpoint {
  if (typeof noteText !== 'string') throw malformed('note must be text', 'note');
  if (noteText.length > MAX_NOTE_BYTES || Buffer.byteLength(noteText, 'utf8') > MAX_NOTE_BYTES) {
    throw malformed('note exceeds 1 MiB', 'note');
  }
  if (hasForbiddenChars(noteText)) throw malformed('control character or invalid UTF-16', 'note');
  const split = noteText.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures', 'note');
  const body = noteText.slice(0, split + 1);
  const fields = parseCheckpointBody(body);
  const signatureText = noteText.slice(split + 2);
  if (!signatureText.endsWith('\n')) throw malformed('signature lines must end with a newline', 'signatures');
  const lines = signatureText.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`, 'signatures');
  return { ...fields, signatures: lines.map(parseSignatureLine), body };
}

function signatureLine(body: string, key: SigningKey): string {
  const signature = signBytes(key, utf8(body));
  return `${SIGNATURE_PREFIX}${key.keyId} ${toBase64(concatBytes(noteKeyHash(key.keyId, key.publicKey), signature))}\n`;
}

/**
 * Signs a checkpoint body with an Ed25519 key named by its CareLedger key id
 * and returns the full note (body, blank line, one signature line).
 */
export function signCheckpoint(body: string, key: SigningKey): string {
  parseCheckpointBody(body);
  return `${body}\n${signatureLine(body, key)}`;
}

/**
 * Appends `key`'s signature to a checkpoint note (witness cosigning). The
 * note is returned unchanged if that key already signed it. Throws MALFORMED
 * for a malformed note or one already carrying 100 signatures.
 */
export function addCosignature(note: string, key: SigningKey): string {
  const parsed = parseCheckpoint(note);
  const keyHash = noteKeyHash(key.keyId, key.publicKey);
  if (parsed.signatures.some((s) => s.keyName === key.keyId && bytesEqual(s.keyHash, keyHash))) return note;
  if (parsed.signatures.length >= MAX_NOTE_SIGNATURES) throw malformed('note already has 100 signatures', 'signatures');
  return note + signatureLine(parsed.body, key);
}

/**
 * The trusted key ids whose Ed25519 signatures on the checkpoint verify.
 * Signature lines under unknown names, or whose key hash does not match the
 * named key, are ignored (C2SP signed-note); repeated lines by one key count
 * once. A failing signature by a trusted key rejects the whole note, as C2SP
 * requires: the result is then empty. Never throws.
 */
export function verifyCheckpointSignatures(parsed: ParsedCheckpoint, trustedKeyIds: readonly string[]): string[] {
  try {
    // Verify over the fields the caller will read, not a body that might disagree with them.
    const body = formatCheckpointBody(parsed);
    if (body !== parsed.body) return [];
    const message = utf8(body);
    const trusted = new Set(trustedKeyIds);
    const verified: string[] = [];
    for (const sig of parsed.signatures) {
      if (!trusted.has(sig.keyName) || verified.includes(sig.keyName)) continue;
      const publicKey = publicKeyFromKeyId(sig.keyName);
      if (!publicKey || !bytesEqual(sig.keyHash, noteKeyHash(sig.keyName, publicKey))) continue;
      if (!verifyBytes(sig.keyName, message, sig.signature)) return [];
      verified.push(sig.keyName);
    }
    return verified;
  } catch {
    return [];
  }
}
