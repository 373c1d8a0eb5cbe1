// A Prometheus histogram (text exposition 0.0.4): cumulative buckets, sum and
// count. One small class instead of a metrics library for a handful of series.

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  /** `bounds`: upper bounds in seconds, ascending (the +Inf bucket is implied). */
  constructor(private readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    const i = this.bounds.findIndex((b) => seconds <= b);
    if (i >= 0) this.counts[i]!++;
  }

  /** The `# HELP`, `# TYPE` and sample lines of the histogram `name`. */
  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    let cumulative = 0;
    this.bounds.forEach((b, i) => {
      cumulative += this.counts[i]!;
      lines.push(`${name}_bucket{le="${b}"} ${cumulative}`);
    });
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${Number(this.sum.toFixed(6))}`, `${name}_count ${this.count}`);
    return lines;
  }
}
