import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Expression } from './Expression.js';
import type { Key } from './items.js';
import { RUN_STORE_SCHEMA } from './tableSchema.js';

const BATCH_WRITE_SIZE = 25;
const BATCH_WRITE_ROUNDS = 8;

/**
 * The few DynamoDB operations the store uses, over a DocumentClient, with a failed condition
 * turned into a value (null / false) rather than an exception. Internal to the store.
 */
export class Table {
  readonly #doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Conditional UpdateItem; the new item (empty with `returnItem: false`), or null when the condition failed. */
  async updateIf<T extends object = Record<string, unknown>>(
    key: Key,
    e: Expression,
    spec: { update: string; condition: string; returnItem?: boolean },
  ): Promise<T | null> {
    try {
      const output = await this.#doc.send(
        new UpdateCommand({
          TableName: this.name,
          Key: key,
          UpdateExpression: spec.update,
          ConditionExpression: spec.condition,
          ReturnValues: spec.returnItem === false ? 'NONE' : 'ALL_NEW',
          ...e.params(),
        }),
      );
      return (output.Attributes ?? {}) as T;
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  /** PutItem unless an item with that key exists; false when it did. */
  async putIfAbsent(item: Key & Record<string, unknown>): Promise<boolean> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': RUN_STORE_SCHEMA.partitionKey },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Strongly consistent GetItem. */
  async get<T>(key: Key): Promise<T | null> {
    const output = await this.#doc.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
    );
    return (output.Item as T | undefined) ?? null;
  }

  /** Every page of a strongly consistent Query on the table. */
  async queryAll<T>(spec: {
    keyCondition: string;
    projection?: string;
    expression: Expression;
  }): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#doc.send(
        new QueryCommand({
          TableName: this.name,
          KeyConditionExpression: spec.keyCondition,
          ProjectionExpression: spec.projection,
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...spec.expression.params(),
        }),
      );
      items.push(...((page.Items ?? []) as T[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** One page of a Query on an index, newest (highest sort key) first. */
  async queryIndexPage<T>(spec: {
    index: string;
    keyCondition: string;
    expression: Expression;
    limit: number;
    start?: Record<string, unknown>;
  }): Promise<{ items: T[]; next: Record<string, unknown> | null }> {
    const page = await this.#doc.send(
      new QueryCommand({
        TableName: this.name,
        IndexName: spec.index,
        KeyConditionExpression: spec.keyCondition,
        ScanIndexForward: false,
        Limit: spec.limit,
        ExclusiveStartKey: spec.start,
        ...spec.expression.params(),
      }),
    );
    return { items: (page.Items ?? []) as T[], next: page.LastEvaluatedKey ?? null };
  }

  /** BatchWriteItem in chunks of 25, re-sending unprocessed items with backoff. */
  async batchPut(items: readonly object[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE_SIZE) {
      let pending = items.slice(i, i + BATCH_WRITE_SIZE).map((item) => ({ PutRequest: { Item: item } }));
      for (let round = 0; pending.length > 0; round += 1) {
        if (round === BATCH_WRITE_ROUNDS) {
          throw new Error(
            `DynamoDB left ${pending.length} items unwritten after ${round} batch writes (throttling).`,
          );
        }
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
        const output = await this.#doc.send(
          new BatchWriteCommand({ RequestItems: { [this.name]: pending } }),
        );
        pending = (output.UnprocessedItems?.[this.name] ?? []).flatMap((request) =>
          request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
        );
      }
    }
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
