// Test fixture: the etcd launcher of src/ordering/etcd-process.ts (a real
// 1- or 3-member cluster on loopback), re-exported under its test path.
export { ETCD_BIN, etcdVersion, freePort, requireEtcd, startEtcdCluster, type EtcdCluster } from '../../src/ordering/etcd-process.js';
