// Request-id replay protection for the custodian: an id is remembered until
// its request's time window has passed (after that the time check refuses it
// anyway), so memory is bounded by the request rate times the window.
import { CareLedgerError } from '../errors/index.js';

export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#max = options.maxEntries ?? 100_000;
  }

  /**
   * Records `id` as used until `expiresAt` (ms since the epoch). DUPLICATE_TX if
   * it was already used; RATE_LIMITED if too many live ids are remembered.
   */
  claim(id: string, expiresAt: number, now: number): void {
    this.#purge(now);
    if (this.#seen.has(id)) throw new CareLedgerError('DUPLICATE_TX', 'request id already used (replay)', { field: 'requestId' });
    if (this.#seen.size >= this.#max) throw new CareLedgerError('RATE_LIMITED', 'too many exchange requests in the time window');
    this.#seen.set(id, expiresAt);
  }

  get size(): number {
    return this.#seen.size;
  }

  #purge(now: number): void {
    // Insertion order roughly follows expiry; stopping at the first live entry may keep a few
    // expired ones a little longer, which only refuses an already-stale id as a replay.
    for (const [id, exp] of this.#seen) {
      if (exp > now) break;
      this.#seen.delete(id);
    }
  }
}
