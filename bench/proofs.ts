// Proof timings from stored tree nodes in SQLite at 10^4, 10^5 and 10^6
// leaves: the log is built once to 10^6 synthetic leaves and proofs are taken
// against prefixes of it, so only the tree size varies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../src/crypto/index.js';
import { appendLeaves, consistencyProof, inclusionProof, type TreeNode } from '../src/ledger/index.js';
import { openDatabase } from '../src/storage/index.js';

export interface ProofTiming {
  leaves: number;
  inclusionUs: number;
  consistencyUs: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export function measureProofs(sizes: number[], progress: (msg: string) => void): ProofTiming[] {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-bench-proofs-'));
  const db = openDatabase(join(dir, 'log.sqlite'));
  try {
    db.exec('CREATE TABLE log_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID');
    const get = db.prepare<[number, number]>('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?').pluck();
    const put = db.prepare<[number, number, Uint8Array]>('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)');
    const reader = { getNode: (level: number, index: number) => get.get(level, index) as Uint8Array | undefined };
    const insert = db.transaction((nodes: TreeNode[]) => {
      for (const n of nodes) put.run(n.level, n.index, n.hash);
    });
    const max = Math.max(...sizes);
    const chunk = 10_000;
    const counter = Buffer.alloc(8);
    for (let size = 0; size < max; size += chunk) {
      const leaves: Uint8Array[] = [];
      for (let i = size; i < Math.min(size + chunk, max); i++) {
        counter.writeBigUInt64BE(BigInt(i));
        leaves.push(sha256(counter));
      }
      insert(appendLeaves(reader, size, leaves).nodes);
      if ((size + chunk) % 200_000 === 0) progress(`proof tree: ${size + chunk} leaves`);
    }
    return sizes.map((leaves) => {
      const samples = 300;
      const inc: number[] = [];
      const cons: number[] = [];
      for (let s = 0; s < samples; s++) {
        const index = Math.floor(Math.random() * leaves);
        let t = process.hrtime.bigint();
        inclusionProof(reader, index, leaves);
        inc.push(Number(process.hrtime.bigint() - t) / 1000);
        const first = 1 + Math.floor(Math.random() * (leaves - 1));
        t = process.hrtime.bigint();
        consistencyProof(reader, first, leaves);
        cons.push(Number(process.hrtime.bigint() - t) / 1000);
      }
      return { leaves, inclusionUs: Math.round(median(inc) * 10) / 10, consistencyUs: Math.round(median(cons) * 10) / 10 };
    });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
