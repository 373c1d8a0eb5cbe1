// Public face of the RFC 9162 transparency log (section 2.1): hashing, append,
// roots, inclusion and consistency proofs and their verification.
export { RFC9162_LEAF_PREFIX, RFC9162_NODE_PREFIX, HASH_SIZE, emptyRoot, hashLeaf, hashChildren } from './hash.js';
export { MemoryTreeStore, CountingTreeReader } from './store.js';
export type { TreeNodeReader, TreeNode } from './store.js';
export { appendLeaves, rootAt, subtreeHash } from './tree.js';
export type { AppendResult } from './tree.js';
export { inclusionProof, consistencyProof } from './proofs.js';
export { verifyInclusion, verifyConsistency } from './verify.js';
