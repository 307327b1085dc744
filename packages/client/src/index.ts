export { type AgentFrame, agentKeyStatement, type LoggedEvent } from '@aura/protocol';
export { readAgentFrame } from './agent-channel.ts';
export type { AuditPin, IntegrityIssue, IntegrityReport, VerifiedEntry } from './audit.ts';
export { AuraClient, type ClientOptions } from './client.ts';
export {
  type DeviceInfo,
  type DeviceReport,
  type EnrollmentTicket,
  enrollmentCode,
  refuseTampered,
} from './devices.ts';
export type { KeyringState } from './keyring.ts';
export { checkEmbedding, type Embedding, type EmbeddingProvider } from './memory/embedding.ts';
export type { IndexCache } from './memory/index-cache.ts';
export {
  Memory,
  type MemoryHit,
  type MemoryOptions,
  type MemorySearchOptions,
  type MemoryStatus,
  MIN_CONFIDENCE,
  meaningOf,
} from './memory/memory.ts';
export { Reembedder, type ReembedderOptions, type ReembedProgress } from './memory/reembedder.ts';
export { reciprocalRankFusion, type VectorHit, VectorIndex } from './memory/vector-index.ts';
export {
  DEFAULT_SETTINGS,
  type FollowOptions,
  inQuietHours,
  type NotificationSettings,
  Notifications,
  type OpenSocket,
  readNotificationFrame,
  type SocketLike,
} from './notifications.ts';
export type { CollectionName, ContextData, LearningEventData, PersonData, RecordData, VaultRecord } from './records.ts';
export { type ClientState, MemoryStateStore, type StateStore } from './state.ts';
export { checkAgent, type SupportAgentInfo, signAgentKeys } from './support.ts';
export {
  type Approval,
  type Dispatch,
  type PlannedStep,
  type StepOutcome,
  type StepStatus,
  type TaskDetail,
  type TaskListed,
  type TaskStatus,
  type TaskSummary,
  Tasks,
} from './tasks.ts';
export type { PutOptions, Vault } from './vault.ts';
