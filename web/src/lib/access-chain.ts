// The patient's own check of their accounting of disclosures, in the browser
// (src/contracts/access/chain.ts specifies the chain): every link in order
// from seq 1, each head = SHA-256("careledger.access-chain/1\n" || previous
// head || eventHash) from 32 zero bytes, each event hashing to its link's
// eventHash = SHA-256("careledger.access-event/1\n" || JCS(event without
// eventId)), the head the ledger holds equal to the link at its seq, and the
// anchoring transaction in the log the node signed (verify.ts). A dropped,
// altered or reordered event fails a step.
import { concat, sha256, toHex, utf8 } from './bytes.js';
import { canonicalize } from './jcs.js';
import type { Step } from './verify.js';

type Json = Record<string, unknown>;

export interface AccessChainReport {
  chain: string;
  events: Json[];
  links: Array<{ seq: number; eventHash: string; head: string }>;
  anchor: { seq: number; head: string; txId: string; height: number } | null;
}

const GENESIS = new Uint8Array(32);
const fromHex = (h: string): Uint8Array => new Uint8Array((h.match(/../g) ?? []).map((b) => parseInt(b, 16)));

export async function verifyAccessChain(report: AccessChainReport): Promise<Step[]> {
  const steps: Step[] = [];
  let head: Uint8Array = GENESIS;
  for (const [i, link] of report.links.entries()) {
    if (link.seq !== i + 1) return [...steps, { name: 'chain complete', ok: false, detail: `link ${i + 1} is missing (found ${link.seq})` }];
    head = await sha256(concat(utf8('careledger.access-chain/1\n'), head, fromHex(link.eventHash)));
    if (toHex(head) !== link.head) return [...steps, { name: 'chain complete', ok: false, detail: `the head at ${link.seq} does not follow from the links before it` }];
  }
  steps.push({ name: 'chain complete', ok: true, detail: `${report.links.length} links, each head recomputed from the one before` });
  for (const e of report.events) {
    const hashed: Json = { ...e };
    delete hashed['eventId'];
    const seq = Number(e['seq']);
    const link = report.links[seq - 1];
    const hash = toHex(await sha256(utf8('careledger.access-event/1\n' + canonicalize(hashed))));
    if (e['chain'] !== report.chain || link === undefined || link.eventHash !== hash) {
      return [...steps, { name: 'events match the chain', ok: false, detail: `event ${seq} does not hash to its link` }];
    }
  }
  steps.push({ name: 'events match the chain', ok: true, detail: `${report.events.length} events hash to their links` });
  const a = report.anchor;
  if (a === null) return [...steps, { name: 'anchored on the ledger', ok: false, detail: 'no head of this chain is on the ledger yet' }];
  const same = report.links[a.seq - 1]?.head === a.head;
  steps.push({ name: 'anchored on the ledger', ok: same, detail: same ? `the ledger holds the head of event ${a.seq} (block ${a.height})` : `the ledger's head at ${a.seq} differs from the chain` });
  return steps;
}
