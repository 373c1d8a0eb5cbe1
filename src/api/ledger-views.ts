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
import { hashLeaf, type BlockHeader } from '../ledger/index.js';
import type { CommittedBlock, LedgerNode } from '../node/index.js';
import type { BlockRow, TxRow } from '../storage/index.js';

function leafHashOf(node: LedgerNode, row: TxRow): string {
  return toBase64Url(node.store.getLogNode(0, row.leafIndex) ?? hashLeaf(row.envelope));
}

/** A transaction with its envelope and events (ledger readers). */
export function fullTxView(node: LedgerNode, row: TxRow) {
  return {
    txId: row.txId,
    height: row.height,
    index: row.index,
    leafIndex: row.leafIndex,
    leafHash: leafHashOf(node, row),
    code: row.code,
    envelope: JSON.parse(Buffer.from(row.envelope).toString('utf8')) as unknown,
    events: JSON.parse(row.events) as unknown,
  };
}

/** A transaction looked up by txId, for anyone: position, leaf hash and code. */
export function publicTxView(node: LedgerNode, row: TxRow) {
  return { txId: row.txId, height: row.height, index: row.index, leafIndex: row.leafIndex, leafHash: leafHashOf(node, row), code: row.code };
}

/** A block for anyone: header, hash and per transaction its leaf (no txId, no envelope). */
export function publicBlockView(node: LedgerNode, row: BlockRow) {
  return {
    height: row.height,
    hash: row.hash,
    header: JSON.parse(row.header) as BlockHeader,
    txs: node.store.blockTxs(row.height).map((t) => ({ index: t.index, leafIndex: t.leafIndex, leafHash: leafHashOf(node, t), code: t.code })),
  };
}

/** A block with every transaction in full (ledger readers; what peers re-execute when catching up). */
export function fullBlockView(node: LedgerNode, row: BlockRow) {
  return { height: row.height, hash: row.hash, header: JSON.parse(row.header) as BlockHeader, txs: node.store.blockTxs(row.height).map((t) => fullTxView(node, t)) };
}

/** An SSE block event: the header only for anyone, with each transaction's id, code and events for readers. */
export function blockEventView(block: CommittedBlock, full: boolean) {
  const base = { height: block.header.height, hash: block.hash, time: block.header.time, header: block.header };
  if (!full) return { ...base, txCount: block.txs.length, codes: block.txs.map((t) => t.code) };
  return { ...base, txs: block.txs.map((t) => ({ txId: t.txId, code: t.code, events: t.events })) };
}
