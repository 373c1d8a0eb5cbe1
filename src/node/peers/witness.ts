// Witnessing and divergence detection (ARCHITECTURE section 3: Byzantine
// detection). After every block this node signs a checkpoint naming its head
// block (the `careledger-block` extension, docs/wire-formats.md). Every
// interval it fetches each peer's GET /ledger/v1/checkpoint (through the
// PeerTransport, transport.ts), verifies the
// signature against that org's registered node keys, and compares the body
// with its own body at the same height (derived from the committed block, so any past
// height compares): equal bodies make the peer's signature a cosignature of
// ours; a different body at the same height is a divergence, kept as proof.
// A peer ahead of us is kept (one note per peer) and compared once we get there.
import { fromHex } from '../../crypto/index.js';
import {
  formatCheckpointBody,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpointSignatures,
  type BlockHeader,
  type ParsedCheckpoint,
} from '../../ledger/index.js';
import { getActiveOrgIds, getOrg } from '../../contracts/governance/index.js';
import type { LedgerNode } from '../pipeline/ledger-node.js';
import { httpPeerTransport, type PeerTransport } from './transport.js';

export interface WitnessPeer {
  orgId: string;
  url: string;
  /** Node key ids registered for the org: the only keys its checkpoint may be signed with. */
  nodeKeys: string[];
}

export interface DivergenceProof {
  height: number;
  treeSize: number;
  orgId: string;
  peer: string;
  /** [our note, their note]: same height, different bodies, each signed by a registered node key. */
  notes: [string, string];
  detectedAt: string;
}

export interface WitnessOptions {
  node: LedgerNode;
  /** This node's organisation: its own endpoint is not a peer. */
  orgId: string;
  intervalMs?: number;
  /** Peers; default: the other active organisations' endpoints and node keys in governance state. */
  peers?: () => WitnessPeer[];
  fetchTimeoutMs?: number;
  /** How peers are reached; default HTTP. */
  transport?: PeerTransport;
  /** Operational log lines (ids and hashes only, never health data). */
  log?: (message: string) => void;
  now?: () => Date;
}

/** Cosignatures are kept for this many recent heights. */
const KEPT_HEIGHTS = 8;

/** The active organisations other than `selfOrgId`, read from committed governance state. */
export function governancePeers(node: LedgerNode, selfOrgId: string): WitnessPeer[] {
  const reader = node.state;
  return getActiveOrgIds(reader)
    .filter((id) => id !== selfOrgId)
    .flatMap((id) => {
      const org = getOrg(reader, id);
      return org ? [{ orgId: id, url: org.endpoint, nodeKeys: org.nodeKeys }] : [];
    });
}

export class Witness {
  private readonly node: LedgerNode;
  private readonly intervalMs: number;
  private readonly peers: () => WitnessPeer[];
  private readonly fetchTimeoutMs: number;
  private readonly transport: PeerTransport;
  private readonly log: (message: string) => void;
  private readonly now: () => Date;
  private current: string;
  /** height -> (our body, signature lines of peers that signed the same body, by key id). */
  private readonly cosigned = new Map<number, { body: string; lines: Map<string, string> }>();
  /** A peer's note for a height we have not reached yet, one per org. */
  private readonly ahead = new Map<string, { peer: WitnessPeer; note: string; parsed: ParsedCheckpoint }>();
  private proof: DivergenceProof | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private readonly off: () => void;

  constructor(options: WitnessOptions) {
    this.node = options.node;
    this.intervalMs = options.intervalMs ?? 1_000;
    this.peers = options.peers ?? (() => governancePeers(options.node, options.orgId));
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? Math.max(500, Math.min(this.intervalMs, 5_000));
    this.transport = options.transport ?? httpPeerTransport();
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? (() => new Date());
    this.current = this.noteAt(this.node.head.height) ?? this.node.checkpoint;
    this.off = this.node.onBlock((b) => {
      this.current = this.node.checkpoint;
      for (const [orgId, pending] of this.ahead) {
        if (pending.parsed.block && pending.parsed.block.height <= b.header.height) {
          this.ahead.delete(orgId);
          this.compare(pending.peer, pending.note, pending.parsed);
        }
      }
    });
  }

  /** Our latest checkpoint, with the block extension: what GET /ledger/v1/checkpoint serves. */
  get note(): string {
    return this.current;
  }

  get divergence(): DivergenceProof | undefined {
    return this.proof;
  }

  /** Our note for the latest height some peer cosigned, with every cosignature we hold for it. */
  witnessed(): { height: number; note: string; cosigners: number } | undefined {
    const height = Math.max(...this.cosigned.keys());
    const entry = this.cosigned.get(height);
    if (!entry) return undefined;
    const note = signCheckpoint(entry.body, this.node.nodeKey) + [...entry.lines.values()].join('');
    return { height, note, cosigners: entry.lines.size };
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** One round: fetch every peer's checkpoint and compare (rounds never overlap). */
  tick(): Promise<void> {
    this.round ??= Promise.allSettled(this.peers().map((p) => this.visit(p)))
      .then(() => undefined)
      .finally(() => (this.round = undefined));
    return this.round;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.off();
    await this.round;
  }

  /** Prometheus lines for NodeMetrics.addSection. */
  metrics(): string {
    const w = this.witnessed();
    return [
      '# HELP careledger_divergence 1 once a peer signed a different checkpoint body for a height we hold.',
      '# TYPE careledger_divergence gauge',
      `careledger_divergence ${this.proof ? 1 : 0}`,
      '# HELP careledger_witnessed_height Latest height cosigned by at least one peer.',
      '# TYPE careledger_witnessed_height gauge',
      `careledger_witnessed_height ${w?.height ?? -1}`,
      '# TYPE careledger_witness_cosigners gauge',
      `careledger_witness_cosigners ${w?.cosigners ?? 0}`,
    ].join('\n');
  }

  private async visit(peer: WitnessPeer): Promise<void> {
    let text: string;
    try {
      text = await this.transport.getText(peer.url, '/ledger/v1/checkpoint', { timeoutMs: this.fetchTimeoutMs });
    } catch {
      return; // syncing, down or diverged: try next round
    }
    this.check(peer, text);
  }

  /** Checks one peer note; public so tests can feed notes without HTTP. */
  check(peer: WitnessPeer, note: string): 'agree' | 'ahead' | 'diverged' | 'ignored' {
    let parsed: ParsedCheckpoint;
    try {
      parsed = parseCheckpoint(note);
    } catch {
      return 'ignored';
    }
    if (parsed.origin !== this.node.networkId || !parsed.block) return 'ignored';
    if (verifyCheckpointSignatures(parsed, peer.nodeKeys).length === 0) return 'ignored';
    if (parsed.block.height > this.node.head.height) {
      this.ahead.set(peer.orgId, { peer, note, parsed });
      return 'ahead';
    }
    return this.compare(peer, note, parsed);
  }

  private compare(peer: WitnessPeer, note: string, parsed: ParsedCheckpoint): 'agree' | 'diverged' | 'ignored' {
    const height = parsed.block?.height ?? -1;
    const ours = this.noteAt(height);
    if (ours === undefined) return 'ignored';
    const body = ours.slice(0, ours.indexOf('\n\n') + 1);
    if (body === parsed.body) {
      this.addCosignatures(height, body, note, verifyCheckpointSignatures(parsed, peer.nodeKeys));
      return 'agree';
    }
    if (!this.proof) {
      this.proof = { height, treeSize: parsed.treeSize, orgId: peer.orgId, peer: peer.url, notes: [ours, note], detectedAt: this.now().toISOString() };
      this.log(`DIVERGENCE at height ${height}: our block ${this.node.block(height)?.hash ?? '?'}, ${peer.orgId} signed block ${parsed.block?.hash ?? '?'} (tree size ${parsed.treeSize})`);
    }
    return 'diverged';
  }

  private addCosignatures(height: number, body: string, note: string, keyIds: string[]): void {
    let entry = this.cosigned.get(height);
    if (!entry) {
      entry = { body, lines: new Map() };
      this.cosigned.set(height, entry);
      const heights = [...this.cosigned.keys()].sort((a, b) => a - b);
      for (const h of heights.slice(0, Math.max(0, heights.length - KEPT_HEIGHTS))) this.cosigned.delete(h);
    }
    const lines = note.slice(note.indexOf('\n\n') + 2).split('\n');
    for (const keyId of keyIds) {
      if (keyId === this.node.nodeKey.keyId) continue;
      const line = lines.find((l) => l.startsWith(`\u2014 ${keyId} `));
      if (line) entry.lines.set(keyId, `${line}\n`);
    }
  }

  private bodyOf(header: BlockHeader, hash: string): string {
    return formatCheckpointBody({
      origin: this.node.networkId,
      treeSize: header.logSize,
      root: fromHex(header.logRoot) ?? new Uint8Array(32),
      block: { height: header.height, hash },
    });
  }

  /** Our signed note at a committed height, rebuilt from the committed block. */
  private noteAt(height: number): string | undefined {
    if (height < 0) return undefined;
    const block = this.node.block(height);
    if (!block) return undefined;
    return signCheckpoint(this.bodyOf(block.header, block.hash), this.node.nodeKey);
  }
}
