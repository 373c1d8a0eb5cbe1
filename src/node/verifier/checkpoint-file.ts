// A verified checkpoint of the offline verifier (`careledger verify
// --save-checkpoint`, `--from-checkpoint`): the chain head it verified and
// the state it re-derived there, so a later audit re-executes only the blocks
// after it. NDJSON: one header line, then one line per state row
// [namespace, key, value text, height]. The header carries the SHA-256 of the
// row lines and their count: a truncated or edited file is refused. The
// file is the auditor's own record (owner-only, 0600); it is trusted the way
// a signed tree head one verified yesterday is trusted.
import { closeSync, createReadStream, openSync, renameSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { CareLedgerError } from '../../errors/index.js';
import type { ChainHead } from '../../ledger/index.js';
import type { MemoryState } from './memory-state.js';

export const CHECKPOINT_FORMAT = 'careledger-verify-checkpoint/1';

export interface CheckpointHeader {
  format: string;
  networkId: string;
  head: ChainHead & { time: string };
  /** Hex root of the log at head.logSize. */
  logRoot: string;
  /** Transactions verified through head.height. */
  txs: number;
  rows: number;
  rowsSha256: string;
}

/** Writes the checkpoint atomically (temporary file, then rename). */
export function saveCheckpoint(file: string, header: Omit<CheckpointHeader, 'format' | 'rows' | 'rowsSha256'>, state: MemoryState): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const digest = createHash('sha256');
  let rows = 0;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const lines: string[] = [];
    const flush = () => {
      if (lines.length === 0) return;
      const text = lines.join('');
      digest.update(text);
      writeSync(fd, text);
      lines.length = 0;
    };
    // Row lines first into a body we can hash; the header goes on top when it is known.
    writeSync(fd, ' '.repeat(1024) + '\n');
    for (const [namespace, key, v] of state.entries()) {
      lines.push(JSON.stringify([namespace, key, v.value, v.height]) + '\n');
      rows++;
      if (lines.length >= 1000) flush();
    }
    flush();
    const head = JSON.stringify({ format: CHECKPOINT_FORMAT, ...header, rows, rowsSha256: digest.digest('hex') } satisfies CheckpointHeader);
    if (head.length > 1024) throw new Error('checkpoint header too long');
    writeSync(fd, head.padEnd(1024, ' '), 0);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Reads a checkpoint into `state`; MALFORMED if the file is not one or its rows do not match the header. */
export async function loadCheckpoint(file: string, state: MemoryState): Promise<CheckpointHeader> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let header: CheckpointHeader | undefined;
  const digest = createHash('sha256');
  let rows = 0;
  for await (const line of lines) {
    if (header === undefined) {
      try {
        header = JSON.parse(line) as CheckpointHeader;
      } catch {
        throw new CareLedgerError('MALFORMED', 'not a verify checkpoint');
      }
      if (header.format !== CHECKPOINT_FORMAT) throw new CareLedgerError('MALFORMED', 'not a verify checkpoint');
      continue;
    }
    digest.update(line + '\n');
    const row = JSON.parse(line) as [string, string, string, number];
    state.set(row[0], row[1], { value: row[2], height: row[3] });
    rows++;
  }
  if (header === undefined) throw new CareLedgerError('MALFORMED', 'empty checkpoint');
  if (rows !== header.rows || digest.digest('hex') !== header.rowsSha256) throw new CareLedgerError('MALFORMED', 'checkpoint rows do not match their digest');
  return header;
}
