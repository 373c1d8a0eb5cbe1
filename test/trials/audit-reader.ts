// An independent re-verification of a trial's audit trail export against the
// ledger, written from the wire formats (docs and ARCHITECTURE section 4) and
// the trials contract's documented transactions only: no import from src/.
// It uses the independent verifier's JCS, Ed25519 and RFC 9162 code
// (test/independent/verifier.ts, also free of src/). For every transaction
// the export lists it fetches the envelope, checks its signature, its leaf
// hash and its inclusion proof against a checkpoint signed by the node, its
// result code and action; then it checks that every protocol version, consent
// (including the participant's own signature on the consent statement), CRF
// version, Part 11 signature and the results are exactly what a committed
// transaction says, and that the refused attempts are the non-OK transactions.
import { createPublicKey, verify } from 'node:crypto';
import { fromB64url, jcs, leafHashOf, verifyCheckpoint, verifyEnvelope, verifyInclusion, type Envelope } from '../independent/verifier.js';

/** Assertions walk arbitrary JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface FetchedTx {
  txId: string;
  code: string;
  leafIndex: number;
  envelope: Envelope;
  proof: { treeSize: number; leafIndex: number; hashes: string[] };
  checkpoint: string;
}

const CONSENT_DOMAIN = 'careledger.trial-consent/1\n';

function verifyStatement(statement: Json, keyId: string, sig: string): boolean {
  const raw = keyId.startsWith('ed25519:') ? fromB64url(keyId.slice(8)) : undefined;
  const signature = fromB64url(sig);
  if (raw?.length !== 32 || signature?.length !== 64) return false;
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
  return verify(null, Buffer.from(CONSENT_DOMAIN + jcs(statement), 'utf8'), key, signature);
}

/**
 * Every discrepancy between the export and the ledger, as sentences; [] when
 * the export matches. `fetchTx` reads GET /ledger/v1/transactions/{txId}.
 */
export async function reverifyAudit(audit: Json, fetchTx: (txId: string) => Promise<FetchedTx | undefined>, nodeKeyId: string): Promise<string[]> {
  const problems: string[] = [];
  const txs = new Map<string, FetchedTx>();
  for (const listed of audit.transactions as Json[]) {
    const t = await fetchTx(listed.txId);
    if (t === undefined) {
      problems.push(`transaction ${listed.txId} is not on the ledger`);
      continue;
    }
    txs.set(listed.txId, t);
    const tx = t.envelope.tx;
    if (!verifyEnvelope(t.envelope)) problems.push(`transaction ${listed.txId}: bad signature`);
    if (tx.contract !== 'trials' || tx.action !== listed.action || tx.args['trialId'] !== audit.trialId) problems.push(`transaction ${listed.txId}: not the listed trials action`);
    if (t.code !== listed.code) problems.push(`transaction ${listed.txId}: code ${t.code}, export says ${listed.code}`);
    const cp = verifyCheckpoint(t.checkpoint, nodeKeyId);
    const proof = t.proof.hashes.map((h) => fromB64url(h) ?? Buffer.alloc(0));
    if (cp === undefined || cp.treeSize !== t.proof.treeSize || !verifyInclusion(t.leafIndex, t.proof.treeSize, leafHashOf(t.envelope), proof, cp.root)) {
      problems.push(`transaction ${listed.txId}: not proven included in the signed log`);
    }
  }
  const committed = (txId: string, action: string): Json | undefined => {
    const t = txs.get(txId);
    if (t === undefined || t.code !== 'OK' || t.envelope.tx.action !== action) {
      problems.push(`${action} ${txId}: no committed transaction listed`);
      return undefined;
    }
    return t.envelope.tx.args;
  };
  for (const v of audit.protocol as Json[]) {
    const args = committed(v.txId, v.version === 1 ? 'register' : 'amend');
    if (args && (args.protocolHash !== v.protocolHash || args.sapHash !== v.sapHash || jcs(args.endpoints) !== jcs(v.endpoints))) {
      problems.push(`protocol v${v.version}: differs from its transaction`);
    }
  }
  for (const p of audit.participants as Json[]) {
    for (const c of p.consents as Json[]) {
      const args = committed(c.txId, 'consent');
      if (!args) continue;
      if (args.participant !== p.participant || args.version !== c.version || args.attestation.keyId !== c.keyId || args.attestation.sig !== c.sig) {
        problems.push(`consent of ${p.participant} v${c.version}: differs from its transaction`);
      }
      const statement = { act: 'consent', network: audit.network, trialId: audit.trialId, participant: p.participant, version: c.version };
      if (!verifyStatement(statement, c.keyId, c.sig)) problems.push(`consent of ${p.participant} v${c.version}: the participant's signature does not verify`);
      if (!(p.consentKeys as Json[]).some((k) => k.keyId === c.keyId)) problems.push(`consent of ${p.participant}: not one of its consent keys`);
    }
  }
  for (const e of audit.entries as Json[]) {
    const args = committed(e.anchor.txId, 'anchor-crf');
    if (args && (args.participant !== e.participant || args.visit !== e.visit || args.form !== e.form || args.version !== e.version || args.commitment !== e.anchor.commitment || args.reason !== e.anchor.reason)) {
      problems.push(`entry ${e.participant}/${e.visit}/${e.form} v${e.version}: differs from its anchor`);
    }
  }
  for (const s of audit.signatures as Json[]) {
    const args = committed(s.signature.txId, 'sign-entry');
    const signer = txs.get(s.signature.txId)?.envelope.tx.signer;
    if (args && (args.meaning !== s.signature.meaning || args.commitment !== s.signature.commitment || signer !== s.signature.keyId || args.version !== s.version)) {
      problems.push(`signature on ${s.participant}/${s.visit}/${s.form}: differs from its transaction`);
    }
  }
  if (audit.results !== null) {
    const args = committed(audit.results.txId, 'declare-results');
    if (args && (args.resultsHash !== audit.results.resultsHash || jcs(args.endpoints) !== jcs(audit.results.endpoints))) problems.push('results: differ from their transaction');
  }
  const refused = (audit.transactions as Json[]).filter((t) => t.code !== 'OK').map((t) => t.txId);
  if (jcs(refused) !== jcs((audit.violations as Json[]).map((t) => t.txId))) problems.push('violations: not exactly the refused transactions');
  return problems;
}
