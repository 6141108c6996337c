export { execShard, type ShardInput } from './execShard.js';
export { type FinalRunStatus, finalizeRun } from './finalizeRun.js';
export type { Cursor, HostStatus, TaskStatus } from './gateDecisions.js';
export { prepareRun } from './prepareRun.js';
export type { CatalogEntry, RunEvent, RunnerDeps, TaskGroupCatalog } from './RunnerDeps.js';
export { IdempotencyConflictError, type RunRequest, startRun } from './startRun.js';
export { type TaskGateInput, taskGate } from './taskGate.js';
