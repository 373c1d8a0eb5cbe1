// What the ledger API shows of transactions, blocks and SSE block events, in
// two views (finding 3 of issue 9). The full view (ledger readers) carries
// envelopes and events. The public view carries only what verification
// needs: headers and block hashes, and per transaction its log position,
// RFC 9162 leaf hash and result code (resultsHash commits to the codes). It
// names no txId in listings: a patient's pseudonym is derived from the txId
// of its registration, so a list of txIds would be a list of pseudonyms. A
// transaction looked up by its txId (which its submitter knows) answers with
// its leaf hash and inclusion proof, never its envelope.
import { toBase64Url } from '../crypto/index.js';
import { hashLeaf, type BlockView, type LedgerPort, type TxView } from '../ledger/index.js';
import type { CommittedBlock } from '../node/index.js';

type LedgerReads = Pick<LedgerPort, 'leafHash' | 'blockTxs'>;

function leafHashOf(port: LedgerReads, tx: TxView): string {
  return toBase64Url(port.leafHash(tx.leafIndex) ?? hashLeaf(tx.envelope));
}

/** A transaction with its envelope and events (ledger readers). */
export function fullTxView(port: LedgerReads, tx: TxView) {
  return {
    txId: tx.txId,
    height: tx.height,
    index: tx.index,
    leafIndex: tx.leafIndex,
    leafHash: leafHashOf(port, tx),
    code: tx.code,
    envelope: JSON.parse(Buffer.from(tx.envelope).toString('utf8')) as unknown,
    events: tx.events,
  };
}

/** A transaction looked up by txId, for anyone: position, leaf hash and code. */
export function publicTxView(port: LedgerReads, tx: TxView) {
  return { txId: tx.txId, height: tx.height, index: tx.index, leafIndex: tx.leafIndex, leafHash: leafHashOf(port, tx), code: tx.code };
}

/** A block for anyone: header, hash and per transaction its leaf (no txId, no envelope). */
export function publicBlockView(port: LedgerReads, block: BlockView) {
  return {
    height: block.height,
    hash: block.hash,
    header: block.header,
    txs: port.blockTxs(block.height).map((t) => ({ index: t.index, leafIndex: t.leafIndex, leafHash: leafHashOf(port, t), code: t.code })),
  };
}

/** A block with every transaction in full (ledger readers; what peers re-execute when catching up). */
export function fullBlockView(port: LedgerReads, block: BlockView) {
  return { height: block.height, hash: block.hash, header: block.header, txs: port.blockTxs(block.height).map((t) => fullTxView(port, t)) };
}

/** An SSE block event: the header only for anyone, with each transaction's id, code and events for readers. */
export function blockEventView(block: CommittedBlock, full: boolean) {
  const base = { height: block.header.height, hash: block.hash, time: block.header.time, header: block.header };
  if (!full) return { ...base, txCount: block.txs.length, codes: block.txs.map((t) => t.code) };
  return { ...base, txs: block.txs.map((t) => ({ txId: t.txId, code: t.code, events: t.events })) };
}
