// What the exchange logic needs from its host, as ports (no HTTP, no node/
// import): the ledger (committed state, clock, height, submit-and-wait), the
// custodian's record source, and a transport that carries a signed request to
// another organisation's endpoint. The node wires real ones; tests wrap them.
import type { SigningKey } from '../crypto/index.js';
import type { JsonValue, ParsedEnvelope, StateReader } from '../ledger/index.js';
import type { ResultCode } from '../errors/index.js';
import type { ExchangeResponse, SignedExchangeRequest } from './protocol.js';

export interface ExchangeSubmitResult {
  txId: string;
  code: ResultCode;
  height: number;
}

export interface ExchangeLedger {
  readonly networkId: string;
  /** This node's organisation. */
  readonly orgId: string;
  /** Signs requests, responses and access.report-incident. */
  readonly nodeKey: SigningKey;
  /** Committed state. */
  readonly state: StateReader;
  /** Wall clock, RFC 3339 UTC millis. */
  now(): string;
  /** Height of the last committed block (-1 before genesis). */
  height(): number;
  /** Orders the envelopes and resolves once each is committed (or TIMEOUT/UNAVAILABLE). */
  submit(envelopes: ParsedEnvelope[]): Promise<ExchangeSubmitResult[]>;
}

/** One current record version the custodian holds for a patient. */
export interface DisclosableRecord {
  recordId: string;
  version: number;
  resourceType: string;
  /** Security label codes of the version (meta.security), for the consent decision. */
  securityLabels: string[];
  /** Decrypts the exact stored bytes and the commitment salt (only for what is disclosed). */
  open(): { plaintext: Uint8Array; salt: Uint8Array };
}

/** The custodian's records (SecureFhirRepository's vault, via fhir/secure/disclosure.ts). */
export interface DisclosureSource {
  /** Committed, not deleted, current versions of the patient's resources here; all types when `resourceTypes` is undefined. */
  listForDisclosure(patient: string, resourceTypes?: readonly string[]): DisclosableRecord[];
}

/** The custodian's access log (fhir/secure's audit outbox): records events off the ledger and anchors their chain heads. */
export interface AccessAudit {
  /** Appends the events durably and anchors them; resolves with the anchor's block height, rejects if not anchored. */
  recordNow(events: ReadonlyArray<{ [k: string]: unknown }>): Promise<number>;
}

/** Carries a signed request to a custodian's endpoint and returns its (unparsed) response. */
export interface ExchangeTransport {
  send(endpoint: string, request: SignedExchangeRequest): Promise<ExchangeResponse | unknown>;
}

/** The parts of a LedgerNode this port needs (structural, so exchange/ does not import node/). */
export interface ExchangeNodeLike {
  readonly networkId: string;
  readonly nodeKey: SigningKey;
  readonly store: { getState(namespace: string, key: string): string | undefined };
  readonly head: { height: number };
  submit(
    items: ReadonlyArray<{ txId: string; bytes: Uint8Array }>,
    options: { wait?: boolean; timeoutMs?: number },
  ): Promise<Array<{ txId: string; code: ResultCode; height: number }> | undefined>;
}

/** Wires an ExchangeLedger to a running node of organisation `orgId`. */
export function exchangeLedgerOf(node: ExchangeNodeLike, orgId: string, options: { now?: () => string; timeoutMs?: number } = {}): ExchangeLedger {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    networkId: node.networkId,
    orgId,
    nodeKey: node.nodeKey,
    state: {
      get: (namespace, key) => {
        const text = node.store.getState(namespace, key);
        return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
      },
    },
    now: options.now ?? (() => new Date().toISOString()),
    height: () => node.head.height,
    submit: async (envelopes) => (await node.submit(envelopes, { wait: true, timeoutMs })) ?? [],
  };
}
