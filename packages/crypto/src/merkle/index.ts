/**
 * The verifiable log's public half, for the server (which builds trees and proofs) and the
 * client (which verifies them). Nothing here touches a user's secret key.
 */
export {
  type Checkpoint,
  checkpointBody,
  checkpointKeyId,
  formatSignedNote,
  keyRotationBody,
  type LogKey,
  verifyCheckpoint,
  verifyKeyRotation,
} from './checkpoint.ts';
export { Frontier } from './frontier.ts';
export {
  consistencyProof,
  emptyRoot,
  HASH_BYTES,
  inclusionProof,
  leafHash,
  memoryTree,
  nodeHash,
  type PerfectNode,
  perfectNodesNeeded,
  rangeHash,
  splitPoint,
} from './tree.ts';
export { verifyConsistency, verifyInclusion } from './verify.ts';
