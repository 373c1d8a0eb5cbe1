// Prometheus text exposition (version 0.0.4) of the node's counters. A few
// counters and gauges do not justify a metrics library.
import { ledgerPortOf, type CommittedBlock, type LedgerNode } from '../node/index.js';

export class NodeMetrics {
  private blocks = 0;
  private readonly txsByCode = new Map<string, number>();
  private readonly gauges = new Map<string, () => number>();
  private readonly extra: Array<() => string> = [];

  constructor(private readonly node: LedgerNode) {
    const port = ledgerPortOf(node, node.orgId);
    port.onBlock((b) => this.record(b));
    this.gauges.set('careledger_height', () => port.head().height);
    this.gauges.set('careledger_log_size', () => port.head().logSize);
    this.gauges.set('careledger_db_bytes', () => port.sizeBytes());
  }

  private record(block: CommittedBlock): void {
    this.blocks++;
    for (const t of block.txs) this.txsByCode.set(t.code, (this.txsByCode.get(t.code) ?? 0) + 1);
  }

  /** Lets other components add their own lines. */
  addSection(render: () => string): void {
    this.extra.push(render);
  }

  render(): string {
    const lines = [
      '# HELP careledger_blocks_committed_total Blocks committed since start.',
      '# TYPE careledger_blocks_committed_total counter',
      `careledger_blocks_committed_total ${this.blocks}`,
      '# HELP careledger_txs_committed_total Transactions committed since start, by result code.',
      '# TYPE careledger_txs_committed_total counter',
      ...[...this.txsByCode].sort().map(([code, n]) => `careledger_txs_committed_total{code="${code}"} ${n}`),
    ];
    for (const [name, read] of this.gauges) lines.push(`# TYPE ${name} gauge`, `${name} ${read()}`);
    for (const render of this.extra) lines.push(render());
    return lines.join('\n') + '\n';
  }
}
