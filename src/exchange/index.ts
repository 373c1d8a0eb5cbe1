// Public face of node-to-node exchange (ARCHITECTURE section 6, docs/exchange.md):
// signed requests, consent-checked disclosures recorded on the ledger, ONE
// HPKE-sealed bundle per response, and commitment checks on receipt.
export {
  EXCHANGE_REQUEST_TYPE,
  EXCHANGE_RESPONSE_TYPE,
  EXCHANGE_BUNDLE_TYPE,
  EXCHANGE_REQUEST_DOMAIN,
  EXCHANGE_RESPONSE_DOMAIN,
  EXCHANGE_AUTHORIZATION_TYPE,
  EXCHANGE_AUTHORIZATION_DOMAIN,
  signedMemberAuthorizationSchema,
  signMemberAuthorization,
  verifyMemberAuthorizationSignature,
  EXCHANGE_WINDOW_MS,
  EXCHANGE_PATH,
  EXCHANGE_PURPOSES,
  MAX_RECORDS_PER_EXCHANGE,
  signRequest,
  verifyRequestSignature,
  signResponse,
  verifyResponseSignature,
  requestAad,
} from './protocol.js';
export type { ExchangeRequest, SignedExchangeRequest, ExchangeResponse, ExchangeBundle, MemberAuthorization, SignedMemberAuthorization } from './protocol.js';
export { authorizeExchange, verifyMemberAuthorization, EXCHANGE_REQUESTER_ROLES } from './member-auth.js';
export type { AuthorizationScope } from './member-auth.js';
export { HPKE_SUITE, HPKE_INFO, sealBundle, openBundle, importHpkePrivateKey } from './hpke.js';
export type { SealedBundle, HpkeRecipientKey } from './hpke.js';
export type { AccessAudit, ExchangeLedger, DisclosureSource, DisclosableRecord, ExchangeTransport } from './ports.js';
export { ReplayGuard } from './replay.js';
export { answerExchangeRequest, verifyExchangeRequest } from './custodian.js';
export type { CustodianDeps } from './custodian.js';
export { requestRecords, buildRequest, reportIncident, ExchangeIntegrityError } from './requester.js';
export type { RequesterDeps, RecordsQuery, VerifiedRecord } from './requester.js';
export { gatherEverything } from './gather.js';
export type { GatherQuery, GatherResult, CustodianOutcome } from './gather.js';
export { httpTransport } from './transport.js';
export { trustedRequest, type PeerTrust, type TrustedRequest, type TrustedResponse } from './tls-client.js';
export type { HttpTransportOptions } from './transport.js';
