// The stored rows of blocks and transactions as the ledger port's parsed
// views (src/ledger/port.ts): the header and events parsed once here, so no
// caller above the node sees a storage row or its JSON text.
import type { BlockHeader, BlockView, LedgerEvent, TxView } from '../../ledger/index.js';
import type { ResultCode } from '../../errors/index.js';
import type { BlockRow, TxRow } from '../../storage/index.js';

export function blockViewOf(row: BlockRow): BlockView {
  return { height: row.height, hash: row.hash, header: JSON.parse(row.header) as BlockHeader, ordererSeq: row.ordererSeq };
}

export function txViewOf(row: TxRow): TxView {
  return {
    txId: row.txId,
    height: row.height,
    index: row.index,
    leafIndex: row.leafIndex,
    envelope: row.envelope,
    code: row.code as ResultCode,
    events: JSON.parse(row.events) as LedgerEvent[],
  };
}
