// Public face of the ordering layer.
export { SoloOrderer } from './solo.js';
export type { SoloOrdererOptions } from './solo.js';
export { encodeBatch, decodeBatch, MAX_BATCH_ENVELOPES } from './codec.js';
export type { Orderer, OrderedBatch, BatchHandler, OrdererHealth } from './types.js';
export { EtcdOrderer } from './etcd.js';
export type { EtcdOrdererOptions } from './etcd.js';
export { applyNodeRbac, etcdCredentials, etcdNodeUser, etcdRoleCommands, etcdUserCommands } from './etcd-tls.js';
export type { EtcdClientTls } from './etcd-tls.js';
export { CompactedError, DeliveryHandlerError } from './errors.js';
export { ETCD_BIN, etcdVersion, freePort, requireEtcd, startEtcdCluster } from './etcd-process.js';
export type { EtcdCluster, EtcdMemberTls } from './etcd-process.js';
