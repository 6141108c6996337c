export { AesGcmCipher } from './AesGcmCipher.js';
export type { Cipher } from './Cipher.js';
export { createTable } from './createTable.js';
export { RunStore, type RunStoreOptions } from './RunStore.js';
export { RunStoreError, type RunStoreErrorCode } from './RunStoreError.js';
export { RUN_STORE_SCHEMA, TTL_ATTRIBUTE } from './tableSchema.js';
export type {
  ClaimInput,
  ClaimOutcome,
  CompleteInput,
  CompleteOutcome,
  CreateRunInput,
  CreateRunOutcome,
  ExportDeclaration,
  HostClaim,
  HostProgress,
  HostRecord,
  HostRef,
  HostResult,
  HostStatus,
  MarkInput,
  MarkSummary,
  RunPage,
  RunRecord,
  RunResult,
  RunStatus,
  RunSummary,
  TaskCounts,
  TaskPlan,
  TaskPlanInput,
  TaskProgress,
  TaskResult,
  TaskStatus,
  WaveLayout,
} from './types.js';
