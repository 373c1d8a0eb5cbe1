// Token buckets for submission quotas (finding 5 of issue 9): one bucket per
// key (a signer, or one shared key for every unregistered signer), refilled
// continuously at `perSecond` up to `burst`. A request that needs tokens from
// several buckets takes them all or none. Idle buckets are forgotten (a full
// bucket is the same as no bucket), so memory follows the active signers.

/** A quota: tokens per second and the bucket size. */
export interface Quota {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Refusal of `take`: which key ran short and in how many milliseconds it will have enough. */
export interface QuotaShortfall {
  key: string;
  retryAfterMs: number;
}

const SWEEP_ABOVE = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly quota: Quota,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(quota.perSecond >= 0) || !(quota.burst >= 0)) throw new RangeError('quota rates must be >= 0');
  }

  private level(key: string, at: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.quota.burst;
    return Math.min(this.quota.burst, b.tokens + ((at - b.at) / 1000) * this.quota.perSecond);
  }

  /**
   * Takes `n` tokens from each key's bucket if every one has enough, and
   * returns undefined; otherwise takes nothing and names the first key short.
   * A demand above the burst can never be met: retryAfterMs is Infinity.
   */
  take(demands: ReadonlyMap<string, number>): QuotaShortfall | undefined {
    const at = this.now();
    for (const [key, n] of demands) {
      const have = this.level(key, at);
      if (have >= n) continue;
      if (n > this.quota.burst || this.quota.perSecond === 0) return { key, retryAfterMs: Infinity };
      return { key, retryAfterMs: Math.ceil(((n - have) / this.quota.perSecond) * 1000) };
    }
    for (const [key, n] of demands) this.buckets.set(key, { tokens: this.level(key, at) - n, at });
    if (this.buckets.size > SWEEP_ABOVE) this.sweep(at);
    return undefined;
  }

  /** Gives back tokens taken for a request that was refused afterwards (never above the burst). */
  refund(demands: ReadonlyMap<string, number>): void {
    const at = this.now();
    for (const [key, n] of demands) {
      if (this.buckets.has(key)) this.buckets.set(key, { tokens: Math.min(this.quota.burst, this.level(key, at) + n), at });
    }
  }

  /** Forgets buckets that have refilled completely. */
  private sweep(at: number): void {
    for (const key of [...this.buckets.keys()]) if (this.level(key, at) >= this.quota.burst) this.buckets.delete(key);
  }

  /** Buckets currently remembered (for tests). */
  get size(): number {
    return this.buckets.size;
  }
}
