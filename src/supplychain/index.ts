// Public face of the supply-chain service (issue 12): GS1 parsing, the use
// cases of a trading partner over the ledger port, and their input schemas.
// HTTP-free: the door (api/supplychain-routes.ts) and the CLI call these.
export {
  GS,
  gs1CheckDigit,
  hasValidCheckDigit,
  expiryDate,
  checkElements,
  parseScan,
  parseElementString,
  parseBracketed,
  parseDigitalLink,
  formatBracketed,
  formatElementString,
  formatDigitalLink,
} from './gs1.js';
export type { Gs1Elements } from './gs1.js';
export { nodeContext, submitActions } from './ledger.js';
export type { SupplyContext, SupplyLedger } from './ledger.js';
export {
  registerProduct,
  commission,
  aggregate,
  disaggregate,
  ship,
  receive,
  decommission,
  setLotStatus,
  flagSuspect,
  resolveSuspect,
} from './commands.js';
export type { DecommissionOutcome, ShipResult } from './commands.js';
export { memoryEventStore } from './epcis-store.js';
export type { EpcisEvent, EpcisEventStore, EpcisOffLedger, StoredEpcisEvent } from './epcis-store.js';
export { EPCIS_CONTEXT, epcOfElements } from './epcis-events.js';
export { acceptShipmentEpcis, epcisCommitmentOf, sealedShipmentEpcisSchema, EPCIS_BUNDLE_TYPE, SEALED_EPCIS_TYPE, EPCIS_COMMITMENT_DOMAIN } from './epcis-bundle.js';
export type { SealedShipmentEpcis } from './epcis-bundle.js';
export { queryEvents } from './epcis-query.js';
export { verify, verifyScans } from './verify.js';
export type { VerifyOutcome } from './verify.js';
export { listAlerts, listInbound, getShipmentFor } from './reads.js';
export { captureEpcis, planCapture, epcisDocumentSchema, MAX_EPCIS_EVENTS } from './epcis.js';
export type { CaptureResult } from './epcis.js';
export { elementsOfEpc } from './epc.js';
export {
  MAX_SERIALS_PER_REQUEST,
  productInput,
  commissionInput,
  aggregateInput,
  disaggregateInput,
  shipInput,
  receiveInput,
  decommissionInput,
  lotStatusInput,
  suspectInput,
  resolveInput,
  verifyInput,
  pageInput,
} from './inputs.js';
export type { ProductInput, CommissionInput } from './inputs.js';
