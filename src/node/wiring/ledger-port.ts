// The node's implementation of the one ledger port (src/ledger/port.ts): what
// services (fhir, exchange, auth) and doors (api, cli) may ask of a running
// node. Committed state comes through the node's state cache, blocks,
// transactions and proofs through the node's own reads; nothing here or above
// touches the store.
import type { LedgerPort } from '../../ledger/index.js';
import type { LedgerNode } from '../pipeline/ledger-node.js';
import { OrderingUnavailable } from '../pipeline/ordering-gate.js';

export interface LedgerPortOptions {
  /** Wall clock (tests inject one); default the system clock, RFC 3339 UTC millis. */
  now?: () => string;
  /** How long submit waits for each commit before answering TIMEOUT; default 30 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The ledger port of a running node, on behalf of organisation `orgId` (the custodian of its vault). */
export function ledgerPortOf(node: LedgerNode, orgId: string, options: LedgerPortOptions = {}): LedgerPort {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    networkId: node.networkId,
    orgId,
    nodeKey: node.nodeKey,
    state: node.state,
    scan: (namespace, prefix, limit, afterKey) => node.scan(namespace, prefix, limit, afterKey),
    now: options.now ?? (() => new Date().toISOString()),
    head: () => node.head,
    checkpoint: () => node.checkpoint,
    block: (height) => node.block(height),
    blocks: (from, limit) => node.blocks(from, limit),
    blockTxs: (height) => node.blockTxs(height),
    tx: (txId) => node.tx(txId),
    leafHash: (leafIndex) => node.leafHash(leafIndex),
    inclusion: (leafIndex) => node.inclusion(leafIndex),
    consistency: (from, to) => node.consistency(from, to),
    sizeBytes: () => node.sizeBytes(),
    submit: async (envelopes, submitOptions) => {
      try {
        return (await node.submit(envelopes, { wait: true, timeoutMs: submitOptions?.timeoutMs ?? timeoutMs })) ?? [];
      } catch (error) {
        // Not acknowledged by the orderer: not known to be committed (services keep such writes pending and retry).
        if (!(error instanceof OrderingUnavailable)) throw error;
        return envelopes.map((e) => ({ txId: e.txId, code: 'UNAVAILABLE' as const, height: -1, index: -1 }));
      }
    },
    onBlock: (listener) => node.onBlock(listener),
  };
}
