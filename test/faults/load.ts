// A bounded load for the fault suite and the soak benchmark: a few clients,
// each sending small arrays of self-enrolments to one node with
// ?wait=commit, and keeping the book of what each answer promised. A client
// acts on the answer as docs/operations.md tells it to: on 503/504 it waits
// Retry-After and resubmits the same envelopes once (retries are safe).
// Every answer must carry a catalogue code, never a 500: anything else is a
// problem the suite reports.
import { RESULT_CODES } from '../../src/errors/index.js';
import { arrayBody, selfEnrolment, type SignedTx } from '../helpers/load.js';
import type { Consortium } from './consortium.js';
import { sleep } from './consortium.js';

export interface LoadOptions {
  clients?: number;
  perRequest?: number;
  /** Pause between a client's requests (ms). */
  pauseMs?: number;
  /** The wait of each request (timeoutMs). */
  waitMs?: number;
}

/** What the clients were told, per txId. */
export class LoadBook {
  /** Committed (a result code OK) or ordered and pending (202): must end up on every node exactly once. */
  readonly acked = new Set<string>();
  /** Told 'unknown' or 'not-ordered', or no answer at all: committed once or not at all. */
  readonly doubtful = new Set<string>();
  /** HTTP status -> count. */
  readonly statuses = new Map<number, number>();
  /** Error codes seen. */
  readonly errorCodes = new Set<string>();
  /** Answers that break the contract (500s, codes outside the catalogue, missing Retry-After, wrong results). */
  readonly problems: string[] = [];
  /** Latency of every answer (ms), committed or not. */
  readonly latencies: number[] = [];
  /** Wall-clock ms of each committed OK (throughput over time). */
  readonly commits: number[] = [];
  requests = 0;
  /** Slowest 503/504 answer (ms). */
  slowestRefusalMs = 0;

  ack(txId: string): void {
    this.acked.add(txId);
    this.doubtful.delete(txId);
  }

  doubt(txId: string): void {
    if (!this.acked.has(txId)) this.doubtful.add(txId);
  }
}

interface ResultView {
  txId?: string;
  code?: string;
  status?: string;
}

interface Answer {
  retryAfterS?: number;
}

/** Sends one request and books its answer; returns the Retry-After of a 503/504. */
async function send(url: string, txs: readonly SignedTx[], waitMs: number, book: LoadBook): Promise<Answer> {
  const t0 = Date.now();
  book.requests++;
  let res: Response;
  try {
    res = await fetch(`${url}/ledger/v1/transactions?wait=commit&timeoutMs=${waitMs}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: arrayBody(txs),
      signal: AbortSignal.timeout(waitMs + 3_000),
    });
  } catch {
    for (const t of txs) book.doubt(t.txId); // node paused, killed or restarting: no answer
    return { retryAfterS: 1 };
  }
  const ms = Date.now() - t0;
  book.latencies.push(ms);
  book.statuses.set(res.status, (book.statuses.get(res.status) ?? 0) + 1);
  const body = (await res.json().catch(() => ({}))) as { results?: ResultView[]; error?: { code?: string } };
  if (res.status === 200 || res.status === 202) {
    txs.forEach((t, i) => {
      const r = body.results?.[i];
      if (r?.txId !== t.txId) book.problems.push(`${res.status}: result ${i} is for ${r?.txId}`);
      else if (r.code === 'OK') {
        book.ack(t.txId);
        book.commits.push(Date.now());
      } else if (res.status === 202 && r.status === 'pending') book.ack(t.txId);
      else book.problems.push(`${res.status}: ${t.txId} answered ${r.code ?? r.status}`);
    });
    return {};
  }
  const code = body.error?.code;
  if (code === undefined || !Object.hasOwn(RESULT_CODES, code)) book.problems.push(`${res.status} with code ${String(code)} (not in the catalogue)`);
  else book.errorCodes.add(code);
  if (res.status >= 500 && res.status !== 503 && res.status !== 504) book.problems.push(`${res.status} ${String(code)}`);
  const retryAfter = Number(res.headers.get('retry-after'));
  if (res.status === 503 || res.status === 504) {
    book.slowestRefusalMs = Math.max(book.slowestRefusalMs, ms);
    if (!(retryAfter >= 1)) book.problems.push(`${res.status} ${String(code)} without Retry-After`);
  }
  for (const t of txs) book.doubt(t.txId);
  return { retryAfterS: retryAfter >= 1 ? retryAfter : 1 };
}

export interface Load {
  book: LoadBook;
  /** Stops the clients after their current request (and its one retry). */
  stop(): Promise<void>;
}

/** Starts the clients; client k talks to node k mod 3 (and waits while that node is not running). */
export function startLoad(c: Consortium, options: LoadOptions = {}): Load {
  const book = new LoadBook();
  let stopping = false;
  const clients = options.clients ?? 3;
  const perRequest = options.perRequest ?? 5;
  const waitMs = options.waitMs ?? 4_000;
  const client = async (k: number) => {
    const i = k % 3;
    while (!stopping) {
      if (c.node(i) === undefined) {
        await sleep(200);
        continue;
      }
      const txs = Array.from({ length: perRequest }, () => selfEnrolment(c.networkId));
      const answer = await send(c.url(i), txs, waitMs, book);
      if (answer.retryAfterS !== undefined && c.node(i) !== undefined) {
        await sleep(Math.min(answer.retryAfterS, 2) * 1_000);
        await send(c.url(i), txs, waitMs, book); // the same envelopes: a safe retry
      }
      await sleep(options.pauseMs ?? 100);
    }
  };
  const running = Array.from({ length: clients }, (_, k) => client(k));
  return {
    book,
    async stop() {
      stopping = true;
      await Promise.all(running);
    },
  };
}

/**
 * Checks the ledgers of the running nodes against the book: every acknowledged
 * transaction committed OK exactly once on every node (a resubmitted copy may
 * sit beside it as DUPLICATE_TX, changing nothing), every doubtful one
 * committed once or not at all, the same on every node. Returns the problems.
 */
export function checkLedgers(c: Consortium, book: LoadBook, nodes: readonly number[]): string[] {
  const problems: string[] = [];
  const ledgers = nodes.map((i) => c.ledgerTxs(i));
  const claimed = (codes: string[] | undefined) => (codes ?? []).filter((x) => x !== 'DUPLICATE_TX');
  for (const txId of book.acked) {
    ledgers.forEach((l, n) => {
      const codes = claimed(l.get(txId));
      if (codes.length !== 1 || codes[0] !== 'OK') problems.push(`node ${nodes[n]! + 1}: acknowledged ${txId} has ${JSON.stringify(l.get(txId) ?? [])}`);
    });
  }
  for (const txId of book.doubtful) {
    const seen = ledgers.map((l) => JSON.stringify(claimed(l.get(txId))));
    if (new Set(seen).size !== 1 || !['[]', '["OK"]'].includes(seen[0]!)) problems.push(`doubtful ${txId}: ${seen.join(' / ')}`);
  }
  return problems;
}
