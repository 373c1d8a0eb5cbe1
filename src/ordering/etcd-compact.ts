// Pruning the batch log in etcd once every live node has applied it.
// Compacting etcd alone frees nothing here: batch keys are never overwritten,
// so their only version survives compaction. The compactor therefore
// (1) takes the minimum applied seq m over the live nodes' height keys,
// (2) raises the `pruned` marker to m BEFORE deleting anything, so a reader
//     never mistakes a pruned range for an empty one,
// (3) deletes the batch keys with mod revision <= m in small transactions,
// (4) compacts etcd's history to m (drops old height versions and tombstones).
// Several nodes may run it concurrently: each step is idempotent and the
// marker only moves forward (compare-and-swap on its mod revision).
import type { Etcd3 } from 'etcd3';
import { parseSeq, type NetworkKeys } from './etcd-keys.js';

/** etcd's default --max-txn-ops is 128. */
const DELETE_CHUNK = 100;
const MAX_DELETE_ROUNDS = 10_000;
const deadline = (ms = 10_000) => ({ deadline: Date.now() + ms });

/** Returns the new pruned position, or undefined if there was nothing to do. */
export async function compactBatches(client: Etcd3, keys: NetworkKeys): Promise<number | undefined> {
  const heights = await client.getAll().prefix(keys.nodes).options(deadline()).strings();
  const seqs = Object.values(heights).map((v) => parseSeq(v));
  if (seqs.length === 0 || seqs.some((s) => s === undefined)) return undefined; // no live node, or one we cannot read
  const target = Math.min(...(seqs as number[]));
  const marker = await client.get(keys.pruned).options(deadline()).exec();
  const current = marker.kvs[0];
  const pruned = parseSeq(current?.value.toString('utf8')) ?? 0;
  if (target <= pruned) return undefined;
  const swap = await client
    .if(keys.pruned, 'Mod', '==', current?.mod_revision ?? '0')
    .then(client.put(keys.pruned).value(String(target)))
    .options(deadline())
    .commit();
  if (!swap.succeeded) return undefined; // another node moved it; it prunes
  for (let round = 0; round < MAX_DELETE_ROUNDS; round++) {
    const batchKeys = await client
      .getAll()
      .prefix(keys.batches)
      .maxModRevision(target)
      .limit(DELETE_CHUNK)
      .options(deadline())
      .keyBuffers();
    if (batchKeys.length === 0) break;
    await client.kv.txn(
      { compare: [], success: batchKeys.map((key) => ({ request_delete_range: { key } })), failure: [] },
      deadline(),
    );
  }
  try {
    await client.kv.compact({ revision: String(target), physical: false }, deadline());
  } catch (error) {
    // Already compacted to or past target (another compactor or an operator).
    if (!/compacted/i.test(String((error as Error).message))) throw error;
  }
  return target;
}
