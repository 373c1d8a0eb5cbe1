// Builds a block from an ordered batch: stateless checks already done,
// execute, append the log leaves, assemble the header. The node uses it to
// commit and the offline verifier uses it to re-execute, so both produce the
// same bytes by construction.
import { toHex } from '../crypto/index.js';
import { blockHashOf, ZERO_HASH, type BlockHeader } from './block.js';
import type { ContractRegistry } from './contract.js';
import { executeBlock, type BlockInput, type BlockOutcome, type StateSource } from './executor.js';
import { appendLeaves, type TreeNode, type TreeNodeReader } from './merkle/index.js';
import type { OrderedCheck } from './ordered.js';

/** What a node knows about the last committed block. */
export interface ChainHead {
  /** -1 before genesis. */
  height: number;
  hash: string;
  stateHash: string;
  time: string | undefined;
  logSize: number;
}

export const EMPTY_HEAD: ChainHead = { height: -1, hash: ZERO_HASH, stateHash: ZERO_HASH, time: undefined, logSize: 0 };

export interface BuiltBlock {
  header: BlockHeader;
  hash: string;
  outcome: BlockOutcome;
  logNodes: TreeNode[];
  /** Leaf index of the block's first transaction. */
  firstLeaf: number;
}

export function buildBlock(
  head: ChainHead,
  network: string,
  proposedTime: string,
  entries: ReadonlyArray<{ bytes: Uint8Array; check: OrderedCheck }>,
  state: StateSource,
  tree: TreeNodeReader,
  registry: ContractRegistry,
): BuiltBlock {
  const outcome = executeBlock(
    { network, height: head.height + 1, prevStateHash: head.stateHash, prevTime: head.time, proposedTime, entries },
    state,
    registry,
  );
  return assembleBlock(head, outcome, entries.map((e) => e.check.leafHash), tree);
}

/** The execution input of the block after `head` (entries are added to the execution one by one). */
export function nextBlockInput(head: ChainHead, network: string, proposedTime: string): Omit<BlockInput, 'entries'> {
  return { network, height: head.height + 1, prevStateHash: head.stateHash, prevTime: head.time, proposedTime };
}

/** Appends an executed block's leaves to the log and assembles its header. */
export function assembleBlock(head: ChainHead, outcome: BlockOutcome, leafHashes: readonly Uint8Array[], tree: TreeNodeReader): BuiltBlock {
  const height = head.height + 1;
  const appended = appendLeaves(tree, head.logSize, leafHashes);
  const header: BlockHeader = {
    height,
    prevHash: head.hash,
    time: outcome.blockTime,
    txCount: outcome.txs.length,
    logSize: appended.treeSize,
    logRoot: toHex(appended.root),
    resultsHash: outcome.resultsHash,
    stateHash: outcome.stateHash,
  };
  return { header, hash: blockHashOf(header), outcome, logNodes: appended.nodes, firstLeaf: head.logSize };
}

/** The chain head after a block. */
export function headAfter(block: BuiltBlock): ChainHead {
  const h = block.header;
  return { height: h.height, hash: block.hash, stateHash: h.stateHash, time: h.time, logSize: h.logSize };
}
