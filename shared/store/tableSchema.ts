/**
 * The shape of the run store's single DynamoDB table: key attributes, the two sparse global
 * secondary indexes and the TTL attribute. `createTable` (local runs, tests) and the CDK stack
 * both build the table from this one description, so they cannot drift apart.
 */
export const RUN_STORE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Runs of one TaskGroup, newest first: `gsi1pk = TG#<taskGroup>`, `gsi1sk = <startedAt>#<runId>`. */
  byTaskGroupIndex: { name: 'byTaskGroup', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** All runs, newest first: `gsi2pk = RUNS`, `gsi2sk = <startedAt>#<runId>`. */
  recentIndex: { name: 'recent', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  /** Attributes the indexes carry besides the keys (a run summary). */
  indexedAttributes: ['runId', 'taskGroup', 'status', 'startedAt', 'finishedAt', 'cancelRequested'],
  /** Epoch seconds after which DynamoDB may delete the item (enable TTL on this attribute). */
  ttlAttribute: 'expiresAt',
} as const;

/** Name of the attribute that DynamoDB Time To Live must be enabled on. */
export const TTL_ATTRIBUTE = RUN_STORE_SCHEMA.ttlAttribute;
