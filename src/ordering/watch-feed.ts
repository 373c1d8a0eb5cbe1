// A bounded hand-off between a push source (etcd watch events) and an async
// consumer. When the consumer falls more than `limit` items behind, the feed
// ends instead of growing: items already queued are still consumed in order
// and the orderer falls back to paging from the last delivered position.
export class WatchFeed<T> {
  private readonly limit: number;
  private readonly items: T[] = [];
  private ended = false;
  private waiting: (() => void) | undefined;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  push(item: T): void {
    if (this.ended) return;
    if (this.items.length >= this.limit) {
      this.end(); // overflow: drop this and later items; they are re-read by paging
      return;
    }
    this.items.push(item);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The next item in order, or undefined once ended and drained. */
  async next(): Promise<T | undefined> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) return item;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}
