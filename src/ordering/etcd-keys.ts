// The etcd key layout of one network (ARCHITECTURE section 3):
//   /careledger/<networkId>/batches/<uuid>   one ordered batch (mod revision = seq)
//   /careledger/<networkId>/nodes/<nodeId>   last applied seq, under the node's lease
//   /careledger/<networkId>/pruned           batches with seq <= this value may be deleted
const NETWORK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface NetworkKeys {
  batches: string;
  nodes: string;
  pruned: string;
}

export function networkKeys(networkId: string): NetworkKeys {
  if (!NETWORK_ID.test(networkId)) throw new RangeError(`invalid network id for etcd keys: ${networkId}`);
  const root = `/careledger/${networkId}/`;
  return { batches: `${root}batches/`, nodes: `${root}nodes/`, pruned: `${root}pruned` };
}

export function assertNodeId(nodeId: string): string {
  if (!NODE_ID.test(nodeId)) throw new RangeError(`invalid node id for etcd keys: ${nodeId}`);
  return nodeId;
}

/** Parses a decimal seq written by a node; undefined if it is not one. */
export function parseSeq(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
