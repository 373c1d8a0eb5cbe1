// The secure FHIR repository's view of the ledger (a port, after hexagonal
// architecture): committed state, prefix scans, the wall clock and
// submit-and-wait. The node wires a real one with `ledgerPortOf`; tests pass a
// real LedgerNode on a temp dir through the same function. Only structural
// types of the node are used here, so fhir/ does not import node/.
import type { SigningKey } from '../../crypto/index.js';
import type { JsonValue, ParsedEnvelope, StateReader } from '../../ledger/index.js';
import type { ResultCode } from '../../errors/index.js';
import type { LedgerStore } from '../../storage/index.js';

export interface StateRow {
  key: string;
  value: JsonValue;
}

export interface SubmitResult {
  txId: string;
  code: ResultCode;
  height: number;
  index: number;
}

export interface LedgerPort {
  readonly networkId: string;
  /** This node's organisation: the custodian of everything in this vault. */
  readonly orgId: string;
  /** Signs records.anchor and access.anchor transactions. */
  readonly nodeKey: SigningKey;
  /** Committed state. */
  readonly state: StateReader;
  /** Committed state rows whose key starts with prefix, in key order. */
  scan(namespace: string, prefix: string, limit: number, afterKey?: string): StateRow[];
  /** Wall clock, RFC 3339 UTC millis: off-ledger decisions use it so an expired grant denies promptly. */
  now(): string;
  /** Orders the envelopes and resolves once each is committed (or TIMEOUT/UNAVAILABLE). */
  submit(envelopes: ParsedEnvelope[]): Promise<SubmitResult[]>;
  /**
   * Result code of a committed transaction, undefined if not (yet) committed.
   * Optional addition beyond the brief: used to reconcile anchors left
   * pending by a crash.
   */
  txCode?(txId: string): ResultCode | undefined;
}

/** The parts of a LedgerNode the port needs (structural, so fhir/ does not import node/). */
export interface NodeLike {
  readonly networkId: string;
  readonly nodeKey: SigningKey;
  readonly store: LedgerStore;
  /** Cached committed state (LedgerNode.state); read from the store when absent. */
  readonly state?: StateReader;
  submit(
    items: ReadonlyArray<{ txId: string; bytes: Uint8Array }>,
    options: { wait?: boolean; timeoutMs?: number },
  ): Promise<SubmitResult[] | undefined>;
}

/** A StateReader over a store's committed state. */
export function committedState(store: LedgerStore): StateReader {
  return {
    get: (namespace, key) => {
      const text = store.getState(namespace, key);
      return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
    },
  };
}

/** Wires a LedgerPort to a running node of organisation `orgId`. */
export function ledgerPortOf(
  node: NodeLike,
  orgId: string,
  options: { now?: () => string; timeoutMs?: number } = {},
): LedgerPort {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    networkId: node.networkId,
    orgId,
    nodeKey: node.nodeKey,
    state: node.state ?? committedState(node.store),
    scan: (namespace, prefix, limit, afterKey) =>
      node.store
        .scanState(namespace, prefix, limit, afterKey)
        .map((r) => ({ key: r.key, value: JSON.parse(r.value) as JsonValue })),
    now: options.now ?? (() => new Date().toISOString()),
    submit: async (envelopes) => (await node.submit(envelopes, { wait: true, timeoutMs })) ?? [],
    txCode: (txId) => {
      const row = node.store.getTx(txId);
      return row === undefined ? undefined : (row.code as ResultCode);
    },
  };
}
