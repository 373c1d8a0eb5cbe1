// The trial's transactions as the ledger holds them, committed or refused:
// every trials transaction naming the trial, from the block of its
// registration to the head. Refused ones are the evidence of rule violation
// attempts (an organisation's key that breaks a contract rule still lands in
// its block with its result code, ARCHITECTURE section 3).
import type { LedgerPort } from '../ledger/index.js';
import type { ResultCode } from '../errors/index.js';
import { TRIALS_CONTRACT, getTrial } from '../contracts/trials/index.js';

export type TrialsLogPort = Pick<LedgerPort, 'state' | 'head' | 'blockTxs'>;

export interface TrialTx {
  txId: string;
  height: number;
  index: number;
  action: string;
  code: ResultCode;
  /** The transaction's own signed time. */
  time: string;
  signer: string;
}

interface ParsedTx {
  tx?: { contract?: unknown; action?: unknown; args?: { trialId?: unknown }; time?: unknown; signer?: unknown };
}

/** Every trials transaction naming `trialId`, in ledger order; [] for an unknown trial. */
export function trialTransactions(port: TrialsLogPort, trialId: string): TrialTx[] {
  const trial = getTrial(port.state, trialId);
  if (trial === undefined) return [];
  const out: TrialTx[] = [];
  const top = port.head().height;
  for (let height = trial.registeredHeight; height <= top; height++) {
    for (const t of port.blockTxs(height)) {
      let parsed: ParsedTx;
      try {
        parsed = JSON.parse(Buffer.from(t.envelope).toString('utf8')) as ParsedTx;
      } catch {
        continue;
      }
      const tx = parsed.tx;
      if (tx?.contract !== TRIALS_CONTRACT || tx.args?.trialId !== trialId) continue;
      out.push({
        txId: t.txId,
        height: t.height,
        index: t.index,
        action: String(tx.action),
        code: t.code,
        time: String(tx.time),
        signer: String(tx.signer),
      });
    }
  }
  return out;
}

/** The refused attempts among a trial's transactions. */
export function violationAttempts(txs: readonly TrialTx[]): TrialTx[] {
  return txs.filter((t) => t.code !== 'OK');
}
