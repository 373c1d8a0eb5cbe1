// The offline verifier's re-derived state: a map of committed text per key,
// and for prefix scans an index of the keys under each '/'-terminated
// ancestor ("member/alpha/" holds "member/alpha/dr"), so a scan reads the
// keys of its directory only, never the whole state.
import type { StateSource } from '../../ledger/index.js';

const SEP = '\u0000';

export interface VerifiedValue {
  value: string;
  height: number;
}

/** Every '/'-terminated proper prefix of a key ("a/b/c" -> "a/", "a/b/"). */
function directoriesOf(key: string): string[] {
  const out: string[] = [];
  for (let at = key.indexOf('/'); at >= 0 && at < key.length - 1; at = key.indexOf('/', at + 1)) out.push(key.slice(0, at + 1));
  return out;
}

export class MemoryState implements StateSource {
  readonly values = new Map<string, VerifiedValue>();
  readonly txIds = new Set<string>();
  private readonly dirs = new Map<string, Set<string>>();

  getState(namespace: string, key: string): string | undefined {
    return this.values.get(namespace + SEP + key)?.value;
  }

  /** Claims before a resumed run's first block (a checkpoint does not carry every txId); set by verifyLedger. */
  claimedBefore: (txId: string) => boolean = () => false;

  hasTx(txId: string): boolean {
    return this.txIds.has(txId) || this.claimedBefore(txId);
  }

  set(namespace: string, key: string, entry: VerifiedValue): void {
    const k = namespace + SEP + key;
    if (!this.values.has(k)) {
      for (const d of directoriesOf(key)) {
        const dk = namespace + SEP + d;
        let set = this.dirs.get(dk);
        if (set === undefined) this.dirs.set(dk, (set = new Set()));
        set.add(key);
      }
    }
    this.values.set(k, entry);
  }

  delete(namespace: string, key: string): void {
    if (!this.values.delete(namespace + SEP + key)) return;
    for (const d of directoriesOf(key)) this.dirs.get(namespace + SEP + d)?.delete(key);
  }

  /** Every entry as [namespace, key, value]. */
  *entries(): Iterable<[string, string, VerifiedValue]> {
    for (const [k, v] of this.values) {
      const at = k.indexOf(SEP);
      yield [k.slice(0, at), k.slice(at + 1), v];
    }
  }

  scanState(namespace: string, prefix: string, limit: number, afterKey = ''): Array<{ key: string; value: string }> {
    const cut = prefix.lastIndexOf('/');
    let keys: Iterable<string>;
    if (cut >= 0) keys = this.dirs.get(namespace + SEP + prefix.slice(0, cut + 1)) ?? [];
    else keys = [...this.values.keys()].filter((k) => k.startsWith(namespace + SEP)).map((k) => k.slice(namespace.length + 1));
    const hits = [...keys].filter((k) => k.startsWith(prefix) && k > afterKey).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return hits.slice(0, limit).map((key) => ({ key, value: this.values.get(namespace + SEP + key)!.value }));
  }
}
