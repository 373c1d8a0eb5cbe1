// What the exchange logic needs from its host, as ports (no HTTP, no node/
// import): its part of the ledger port (committed state, clock, height, submit-and-wait), the
// custodian's record source, and a transport that carries a signed request to
// another organisation's endpoint. The node wires real ones; tests wrap them.
import type { LedgerPort } from '../ledger/index.js';
import type { ExchangeResponse, SignedExchangeRequest } from './protocol.js';

/**
 * The part of the one ledger port (src/ledger/port.ts) the exchange uses:
 * committed state, the clock, the head height and submit-and-wait. The node
 * passes its port (ledgerPortOf in src/node); tests pass a small fake.
 */
export type ExchangeLedger = Pick<LedgerPort, 'networkId' | 'orgId' | 'nodeKey' | 'state' | 'now' | 'head' | 'submit'>;

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
