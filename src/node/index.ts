// Public face of the node layer: exactly what the doors (src/api) and the CLI
// may use. Inside, src/node is split by job:
//   pipeline/  the commit path: order -> verify -> execute -> commit (LedgerNode,
//              its caches, the submit gate and the signature-check workers);
//   wiring/    opening and configuring a node: data directory, keyring,
//              genesis, consortium init, the records side, and ledgerPortOf,
//              the node's implementation of the one ledger port;
//   peers/     talking to other nodes through a PeerTransport: catch-up,
//              witnessing, the consortium orderer, signed ledger reads;
//   verifier/  the offline verifier and its entry, verifyDataDir.
// Services and doors read the ledger through the port (src/ledger/port.ts),
// never the store.

// The running node and its port.
export { LedgerNode } from './pipeline/ledger-node.js';
export type { CommittedBlock, LedgerNodeOptions, TxResult } from './pipeline/ledger-node.js';
export { ledgerPortOf } from './wiring/ledger-port.js';
export type { LedgerPortOptions } from './wiring/ledger-port.js';
export { DEFAULT_SUBMIT_LIMITS, SubmitRefusal, parseQuotaFlag } from './pipeline/submit-gate.js';
export type { SubmitItem, SubmitLimits } from './pipeline/submit-gate.js';
export type { Quota } from './pipeline/token-buckets.js';
export { VerifyPool } from './pipeline/verify-pool.js';
export { OrderingUnavailable, ORDERING_DEADLINE_MS } from './pipeline/ordering-gate.js';
export type { OrderingStatus } from './pipeline/ordering-gate.js';
export { readinessOf, READY_MAX_LAG_REVISIONS } from './wiring/readiness.js';
export type { Readiness, ReadinessCheck } from './wiring/readiness.js';

// Opening, creating and configuring a node.
export { openNode, closeNode, initDevNetwork } from './wiring/bootstrap.js';
export type { InitOptions, InitResult, OpenedNode, OpenOptions } from './wiring/bootstrap.js';
export { defaultRegistry } from './wiring/contracts.js';
export { paths, isInitialised, readNodeConfig, loadSigningKey, keyHome, writePrivateFile } from './wiring/datadir.js';
export type { NodeConfig } from './wiring/datadir.js';
export { createNodeKeyring, developmentKeyWarning, unlockKeyring, writeAdminKey } from './wiring/keystore.js';
export type { KeyProviderChoice, NodeKeys, UnlockSecrets } from './wiring/keystore.js';
export { openRecords, openRecordsDatabase } from './wiring/records-service.js';
export type { RecordsService } from './wiring/records-service.js';
export { openEpcisStore } from './wiring/supply-events.js';
export { parseHostList, readNetworkConfig, writeNetworkConfig } from './wiring/network-config.js';
export type { NetworkSettings } from './wiring/network-config.js';
export { initConsortium, initJoin } from './wiring/network-init.js';
export type { ConsortiumOptions, ConsortiumOrg, JoinOptions, OrgDataDir, OrgPayload } from './wiring/network-init.js';
export { openNetworkNode } from './wiring/network-node.js';
export type { NetworkNode, OpenNetworkNodeOptions } from './wiring/network-node.js';

// Peers: signed ledger reads (the ledger API checks them) and the witness (its routes).
export { LEDGER_READER_ROLES, isLedgerReadHeader, signLedgerRead, verifyLedgerRead } from './peers/read-auth.js';
export type { LedgerReader } from './peers/read-auth.js';
export type { Witness, DivergenceProof, WitnessPeer } from './peers/witness.js';
export type { PeerTransport, PeerReadAuth } from './peers/transport.js';

// The offline verifier.
export { verifyDataDir } from './verifier/verify-datadir.js';
export { migrateLedger } from './verifier/migrate.js';
export type { VerifyDataDirOptions } from './verifier/verify-datadir.js';
export type { VerifyProgress, VerifyResult } from './verifier/verify-ledger.js';
export { createConsortiumPki, ensureDevCa, issueLeaf, issueOrgPki, joinOrgPki, startDevEtcd } from './wiring/dev-pki.js';
export type { ConsortiumPki, OrgPki, PemPair } from './wiring/dev-pki.js';
