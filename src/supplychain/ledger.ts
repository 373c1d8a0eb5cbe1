// The supply-chain service's view of the ledger: a slice of the one ledger
// port (src/ledger/port.ts), and who the service acts for. The door passes
// the node's own organisation and node key; the CLI could pass a member's
// key (a member with a supply role may sign for its organisation).
import type { SigningKey } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { parseEnvelope, signTx, type JsonValue, type LedgerPort, type SubmitResult } from '../ledger/index.js';
import { SUPPLYCHAIN_CONTRACT } from '../contracts/supplychain/index.js';
import type { EpcisOffLedger } from './epcis-store.js';

export type SupplyLedger = Pick<LedgerPort, 'networkId' | 'state' | 'scan' | 'now' | 'submit'>;

export interface SupplyContext {
  ledger: SupplyLedger;
  /** The trading partner acting. */
  orgId: string;
  /** A key of that organisation: its node key, or a supply-role member's key. */
  signer: SigningKey;
  /** The node's off-ledger EPCIS data (event store, HPKE key); without it no event is kept or sealed. */
  epcis?: EpcisOffLedger | undefined;
}

/** The context of a node acting for its own organisation with its node key. */
export function nodeContext(ledger: SupplyLedger & Pick<LedgerPort, 'orgId' | 'nodeKey'>): SupplyContext {
  return { ledger, orgId: ledger.orgId, signer: ledger.nodeKey };
}

export interface Action {
  action: string;
  args: { [k: string]: JsonValue };
}

/**
 * Signs the supplychain actions, submits them in one request (one ordered
 * batch) and waits for commit. Throws a CareLedgerError with the first
 * result code other than OK, naming the action; earlier ones stay committed.
 */
export async function submitActions(ctx: SupplyContext, actions: readonly Action[]): Promise<SubmitResult[]> {
  const time = ctx.ledger.now();
  const envelopes = actions.map((a) =>
    parseEnvelope(signTx({ network: ctx.ledger.networkId, contract: SUPPLYCHAIN_CONTRACT, action: a.action, args: a.args, time }, ctx.signer)),
  );
  const results = await ctx.ledger.submit(envelopes);
  const failed = results.findIndex((r) => r.code !== 'OK');
  if (failed >= 0) {
    const r = results[failed] as SubmitResult;
    throw new CareLedgerError(r.code, `supplychain/${actions[failed]?.action ?? '?'} was refused: ${r.code}`);
  }
  if (results.length !== envelopes.length) throw new CareLedgerError('UNAVAILABLE', 'the node did not report every result');
  return results;
}
