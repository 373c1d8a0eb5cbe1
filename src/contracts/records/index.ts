// Public face of the records contract: the contract, its schemas and its
// state layout with point lookups.
export { recordsContract, RECORDS_CONTRACT, checkAnchor } from './contract.js';
export {
  RECORD_ID_PATTERN,
  RESOURCE_TYPE_PATTERN,
  ANCHOR_OPS,
  MAX_ANCHORS_PER_TX,
  COMMITMENT_BYTES,
  recordIdSchema,
  resourceTypeSchema,
  commitmentSchema,
  anchorSchema,
  anchorArgsSchema,
} from './schema.js';
export type { Anchor, AnchorArgs } from './schema.js';
export { RECORDS_NAMESPACE, VERSION_KEY_WIDTH, RECORD_PREFIX, recordKey, versionKey, versionPrefix, getRecord, getVersion } from './state.js';
export type { RecordAnchor, AnchoredVersion, AnchorOp } from './state.js';
export { recordAnchor, anchoredVersion, versionsOf } from './queries.js';
