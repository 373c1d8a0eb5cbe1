// Verification in the browser, with the portal's own code (independent of
// the node's): RFC 9162 section 2.1.3.2 inclusion proofs, C2SP signed-note
// checkpoints with Ed25519 signatures, and the checkpoint's signer against
// the organisations' registered node keys. Each check is a named step with
// its outcome, so the page shows where a proof fails.
import { concat, equalBytes, fromBase64, fromBase64Url, sha256, toBase64, utf8 } from './bytes.js';
import { canonicalize } from './jcs.js';

export interface Step {
  name: string;
  ok: boolean;
  detail: string;
}

export interface InclusionProof {
  treeSize: number;
  leafIndex: number;
  hashes: string[];
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array<ArrayBuffer>;
  body: string;
  signatures: Array<{ name: string; keyHash: Uint8Array<ArrayBuffer>; sig: Uint8Array<ArrayBuffer> }>;
}

const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(concat(new Uint8Array([1]), l, r));
export const leafHash = (entry: Uint8Array) => sha256(concat(new Uint8Array([0]), entry));

/** The root an inclusion proof leads to from a leaf hash (RFC 9162 2.1.3.2), or an error text. */
export async function rootFromInclusion(leaf: Uint8Array<ArrayBuffer>, proof: InclusionProof): Promise<Uint8Array | string> {
  const { leafIndex, treeSize } = proof;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return 'leaf index outside the tree';
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Uint8Array = leaf;
  for (const h of proof.hashes) {
    const p = fromBase64Url(h);
    if (p === undefined || p.length !== 32) return 'a proof hash is not 32 bytes of base64url';
    if (sn === 0) return 'the proof is longer than the path to the root';
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : 'the proof is shorter than the path to the root';
}

/** Parses a C2SP signed note holding a tlog-checkpoint; an error text when malformed. */
export function parseCheckpoint(note: string): Checkpoint | string {
  const split = note.indexOf('\n\n');
  if (split < 0) return 'no blank line between body and signatures';
  const body = note.slice(0, split + 1);
  const lines = body.split('\n').slice(0, -1);
  if (lines.length < 3 || lines.length > 4) return 'the body is not origin, size, root and at most one extension line';
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) return 'the tree size is not a canonical decimal';
  const root = fromBase64(rootText);
  if (root === undefined || root.length !== 32) return 'the root is not 32 bytes of base64';
  const signatures: Checkpoint['signatures'] = [];
  for (const line of note.slice(split + 2).split('\n')) {
    if (line === '') continue;
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    const raw = m === null ? undefined : fromBase64(m[2]!);
    if (m === null || raw === undefined || raw.length !== 68) return 'a signature line is malformed';
    signatures.push({ name: m[1]!, keyHash: raw.slice(0, 4), sig: raw.slice(4) });
  }
  return { origin, size: Number(sizeText), root, body, signatures };
}

/** Verifies one signature line by an Ed25519 key named by its key id (C2SP signed-note key hash and signature). */
export async function verifyNoteSignature(cp: Checkpoint, keyId: string): Promise<Step> {
  const name = `signature by ${keyId.slice(0, 20)}…`;
  const pub = keyId.startsWith('ed25519:') ? fromBase64Url(keyId.slice(8)) : undefined;
  if (pub === undefined || pub.length !== 32) return { name, ok: false, detail: 'not an Ed25519 key id' };
  const line = cp.signatures.find((s) => s.name === keyId);
  if (line === undefined) return { name, ok: false, detail: 'the checkpoint carries no signature line for this key' };
  const expectedHash = (await sha256(concat(utf8(keyId), new Uint8Array([0x0a, 0x01]), pub))).slice(0, 4);
  if (!equalBytes(expectedHash, line.keyHash)) return { name, ok: false, detail: 'the key hash does not match the key' };
  const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, line.sig, utf8(cp.body));
  return { name, ok, detail: ok ? 'Ed25519 signature over the checkpoint body verifies' : 'the Ed25519 signature does not verify' };
}

export interface TxProofView {
  leafHash: string;
  leafIndex: number;
  envelope?: unknown;
  proof: InclusionProof;
  checkpoint: string;
}

/**
 * Every step of "is this transaction in the log the node signed": the leaf
 * (recomputed from the envelope when the viewer sees it), the root from the
 * inclusion proof, the checkpoint's form, size and root, and a signature by
 * a registered node key. Stops at the first failed step.
 */
export async function verifyTransaction(view: TxProofView, nodeKeys: readonly string[]): Promise<Step[]> {
  const steps: Step[] = [];
  const push = (s: Step) => (steps.push(s), s.ok);
  const given = fromBase64Url(view.leafHash);
  if (!push({ name: 'leaf hash', ok: given?.length === 32, detail: given?.length === 32 ? 'the leaf hash is 32 bytes' : 'the leaf hash is not 32 bytes of base64url' })) return steps;
  let leaf = given!;
  if (view.envelope !== undefined) {
    leaf = await leafHash(utf8(canonicalize(view.envelope)));
    if (!push({ name: 'leaf from envelope', ok: equalBytes(leaf, given!), detail: equalBytes(leaf, given!) ? 'SHA-256(0x00 || JCS(envelope)) equals the leaf hash' : 'the envelope does not hash to the leaf hash' })) return steps;
  }
  if (!push({ name: 'proof position', ok: view.proof.leafIndex === view.leafIndex, detail: `leaf ${view.leafIndex} of a tree of ${view.proof.treeSize}` })) return steps;
  const root = await rootFromInclusion(leaf, view.proof);
  if (typeof root === 'string') {
    push({ name: 'inclusion proof', ok: false, detail: root });
    return steps;
  }
  push({ name: 'inclusion proof', ok: true, detail: `${view.proof.hashes.length} hashes lead to root ${toBase64(root).slice(0, 16)}…` });
  const cp = parseCheckpoint(view.checkpoint);
  if (!push({ name: 'checkpoint form', ok: typeof cp !== 'string', detail: typeof cp === 'string' ? cp : `origin ${cp.origin}, tree size ${cp.size}` })) return steps;
  const c = cp as Checkpoint;
  if (!push({ name: 'tree size', ok: c.size === view.proof.treeSize, detail: c.size === view.proof.treeSize ? 'the proof is for the checkpoint\'s tree size' : `proof for size ${view.proof.treeSize}, checkpoint of size ${c.size}` })) return steps;
  const same = equalBytes(root, c.root);
  if (!push({ name: 'root matches checkpoint', ok: same, detail: same ? 'the proof\'s root is the checkpoint\'s root' : 'the proof\'s root differs from the checkpoint\'s root' })) return steps;
  const signers = c.signatures.map((s) => s.name).filter((n) => nodeKeys.includes(n));
  if (!push({ name: 'signer registered', ok: signers.length > 0, detail: signers.length > 0 ? `${signers.length} registered node key(s) signed` : 'no registered node key signed this checkpoint' })) return steps;
  for (const k of signers) {
    const s = await verifyNoteSignature(c, k);
    steps.push({ ...s, name: 'checkpoint signature' });
    if (!s.ok) return steps;
  }
  return steps;
}
