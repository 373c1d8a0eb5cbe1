// Public face of the supplychain contract: the contract, its hashed ids, its
// state vocabulary and its HTTP-free queries.
export { supplychainContract, SUPPLYCHAIN_CONTRACT } from './contract.js';
export {
  ID_PATTERN,
  SHIPMENT_ID_PATTERN,
  packIdOf,
  productIdOf,
  productDataCommitmentOf,
  lotIdOf,
  lotExpiryCommitmentOf,
  containerIdOf,
  shipmentIdForTx,
  alertIdForTx,
} from './ids.js';
export {
  SUPPLYCHAIN_NAMESPACE,
  DECOMMISSION_REASONS,
  ALERT_ANSWERS,
  getProduct,
  getPack,
  getContainer,
  getLot,
  getShipment,
  getAlert,
  getPartnerOrg,
} from './keys.js';
export type {
  AlertAnswer,
  AlertRecord,
  ContainerRecord,
  DecommissionReason,
  LotRecord,
  LotStatus,
  PackRecord,
  PackStatus,
  ProductRecord,
  ShipmentRecord,
} from './keys.js';
export { MAX_COMMISSION, MAX_OBJECTS, MAX_CHILDREN, MAX_ALERTS } from './schemas.js';
export { SUPPLY_MEMBER_ROLES } from './authority.js';
export { verdictOf, alertsFor, inboundShipments, shipmentFor } from './queries.js';
export type { PackProbe, Verdict, VerifyAnswer, Page, StateScan } from './queries.js';
export { TRADING_ROLES } from '../trading-roles.js';
export type { TradingRole } from '../trading-roles.js';
