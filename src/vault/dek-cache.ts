// Bounded LRU of unwrapped per-patient data keys, so a read does not pay an
// unwrap each time. Keys live as KeyObjects (outside the JS heap); erasure
// drops every entry of the patient.
import type { KeyObject } from 'node:crypto';

export class DekCache {
  readonly #max: number;
  readonly #entries = new Map<string, KeyObject>();

  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('DEK cache size must be a positive integer');
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(pseudonym: string, keyVersion: number): KeyObject | undefined {
    const id = slot(pseudonym, keyVersion);
    const key = this.#entries.get(id);
    if (key !== undefined) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.#entries.delete(id);
      this.#entries.set(id, key);
    }
    return key;
  }

  set(pseudonym: string, keyVersion: number, key: KeyObject): void {
    const id = slot(pseudonym, keyVersion);
    this.#entries.delete(id);
    this.#entries.set(id, key);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Drops every key version of one patient. */
  dropPatient(pseudonym: string): void {
    const prefix = `${pseudonym}\n`;
    for (const id of [...this.#entries.keys()]) if (id.startsWith(prefix)) this.#entries.delete(id);
  }

  clear(): void {
    this.#entries.clear();
  }
}

function slot(pseudonym: string, keyVersion: number): string {
  return `${pseudonym}\n${keyVersion}`;
}
