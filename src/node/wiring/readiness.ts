// Readiness (GET /readyz, docs/operations.md): may a load balancer send this
// node traffic? Ready when the orderer answers a quorum read, the node is in
// sync (no start-up sync, no catch-up from a peer, at most
// READY_MAX_LAG_REVISIONS etcd revisions behind), no peer signed a
// different checkpoint (witness), and the storage takes writes. Each check
// that fails gives a reason naming the component; no reason carries a host,
// an identifier or an error message.
import type { LedgerNode } from '../pipeline/ledger-node.js';
import type { Witness } from '../peers/witness.js';

/** etcd revisions a ready node may be behind (a few hundred batches with their height reports: seconds of full load). */
export const READY_MAX_LAG_REVISIONS = 1000;

export type ReadinessComponent = 'orderer' | 'sync' | 'witness' | 'storage';

export interface ReadinessCheck {
  component: ReadinessComponent;
  ok: boolean;
  reason?: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

export interface ReadinessNetwork {
  witness: Witness;
  syncing(): boolean;
}

const pass = (component: ReadinessComponent): ReadinessCheck => ({ component, ok: true });
const fail = (component: ReadinessComponent, reason: string): ReadinessCheck => ({ component, ok: false, reason });

export function readinessOf(node: LedgerNode, network?: ReadinessNetwork, maxLag = READY_MAX_LAG_REVISIONS): Readiness {
  const checks: ReadinessCheck[] = [];
  const orderer = node.ordererHealth();
  if (orderer && !orderer.reachable) {
    const seen = orderer.lastOkAgoMs === undefined ? 'never answered' : `no answer for ${(orderer.lastOkAgoMs / 1000).toFixed(1)} s`;
    checks.push(fail('orderer', `ordering service unreachable or without quorum (${seen}${orderer.detail ? `; ${orderer.detail}` : ''})`));
  } else checks.push(pass('orderer'));
  if (network?.syncing()) checks.push(fail('sync', 'syncing the ledger history after start'));
  else if (orderer?.recovering) checks.push(fail('sync', 'catching up from a peer (batches were pruned)'));
  else if (orderer?.lagRevisions !== undefined && orderer.lagRevisions > maxLag) checks.push(fail('sync', `${orderer.lagRevisions} etcd revisions behind (bound ${maxLag})`));
  else checks.push(pass('sync'));
  const proof = network?.witness.divergence;
  checks.push(proof ? fail('witness', `diverged at height ${proof.height} from ${proof.orgId}`) : pass('witness'));
  const storage = node.storageFault;
  checks.push(storage ? fail('storage', `writes fail with ${storage.code} since ${new Date(storage.since).toISOString()}`) : pass('storage'));
  return { ready: checks.every((c) => c.ok), checks };
}
