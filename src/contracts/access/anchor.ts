// access/anchor: the custodian's node commits, per flushed batch, the heads of
// the per-patient access chains it advanced and the opaque references of new
// break-glass events (HIPAA 164.312(b) audit controls, 164.528 accounting,
// without publishing them: docs/privacy.md). The contract keeps the latest
// head per chain and checks sequence continuity, so a custodian can neither
// skip nor rewind a chain on the ledger.
import { allow, defineAction, refuse } from '../../ledger/contract.js';
import { anchorArgsSchema } from './schema.js';
import {
  ACCESS_NAMESPACE,
  btgKey,
  chainKey,
  getBreakGlass,
  getChainHead,
  nodeOrgOf,
  toJson,
  type BreakGlassMark,
  type ChainHeadRecord,
} from './state.js';

/**
 * Signer: an active node key of an active org (the custodian); chains are
 * namespaced by that org. Per entry, `from` must be the chain's anchored seq
 * + 1 (1 for a new chain): CONFLICT when it is at or below (a replay or a
 * rewind), RULE_VIOLATION when it leaves a gap. A break-glass reference
 * already anchored is ALREADY_EXISTS. The emitted event carries counts only.
 */
export const anchorAccess = defineAction({
  args: anchorArgsSchema,
  authorize(ctx) {
    const org = nodeOrgOf(ctx);
    return typeof org === 'string' ? allow(org) : org;
  },
  apply(ctx, args, custodian) {
    let events = 0;
    for (const [i, e] of args.entries.entries()) {
      const anchored = getChainHead(ctx.state, custodian, e.chain)?.seq ?? 0;
      if (e.from <= anchored) return refuse('CONFLICT', `entries[${i}]: chain already anchored at seq ${anchored}`);
      if (e.from !== anchored + 1) return refuse('RULE_VIOLATION', `entries[${i}]: from must be ${anchored + 1}`);
      events += e.seq - e.from + 1;
    }
    for (const [i, ref] of args.breakGlass.entries()) {
      if (getBreakGlass(ctx.state, custodian, ref) !== undefined) return refuse('ALREADY_EXISTS', `breakGlass[${i}]: already anchored`);
    }
    for (const e of args.entries) {
      const head: ChainHeadRecord = { chain: e.chain, custodian, seq: e.seq, head: e.head, txId: ctx.txId, height: ctx.height };
      ctx.state.put(ACCESS_NAMESPACE, chainKey(custodian, e.chain), toJson(head));
    }
    for (const ref of args.breakGlass) {
      const mark: BreakGlassMark = { ref, custodian, status: 'pending', anchoredAt: ctx.blockTime, height: ctx.height };
      ctx.state.put(ACCESS_NAMESPACE, btgKey(custodian, ref), toJson(mark));
    }
    ctx.emit('anchored', { custodian, chains: args.entries.length, events, breakGlass: args.breakGlass.length });
    return undefined;
  },
});
