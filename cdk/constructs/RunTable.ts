import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { RUN_STORE_SCHEMA } from '../../shared/store/tableSchema.js';

/** Table access a function needs, by what it does with the run store. */
export type TableAccess = 'runner' | 'create-run' | 'read-run' | 'list-runs' | 'cancel-run';

const ACTIONS: Record<TableAccess, { actions: string[]; indexes: boolean }> = {
  runner: {
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
      'dynamodb:BatchWriteItem',
    ],
    indexes: false,
  },
  'create-run': {
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    indexes: false,
  },
  'read-run': { actions: ['dynamodb:GetItem', 'dynamodb:Query'], indexes: false },
  'list-runs': { actions: ['dynamodb:Query'], indexes: true },
  'cancel-run': { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], indexes: false },
};

/**
 * The run store's table, built from the same description as the local one (`RUN_STORE_SCHEMA`):
 * on-demand, point-in-time recovery, encrypted (the configured KMS key, else AWS-managed), TTL.
 */
export class RunTable extends Construct {
  readonly table: dynamodb.Table;
  readonly #key: IKey | undefined;

  constructor(scope: Construct, id: string, props: { key?: IKey | undefined }) {
    super(scope, id);
    this.#key = props.key;
    const S = RUN_STORE_SCHEMA;
    const string = dynamodb.AttributeType.STRING;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: S.partitionKey, type: string },
      sortKey: { name: S.sortKey, type: string },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: props.key
        ? dynamodb.TableEncryption.CUSTOMER_MANAGED
        : dynamodb.TableEncryption.AWS_MANAGED,
      ...(props.key ? { encryptionKey: props.key } : {}),
      timeToLiveAttribute: S.ttlAttribute,
      deletionProtection: false,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of [S.byTaskGroupIndex, S.recentIndex]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: string },
        sortKey: { name: index.sortKey, type: string },
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...S.indexedAttributes],
      });
    }
  }

  /** Grants exactly the item actions one kind of caller uses, on the table (or its two indexes). */
  grant(role: iam.IRole, access: TableAccess): void {
    const { actions, indexes } = ACTIONS[access];
    const S = RUN_STORE_SCHEMA;
    const resources = indexes
      ? [S.byTaskGroupIndex.name, S.recentIndex.name].map((name) => `${this.table.tableArn}/index/${name}`)
      : [this.table.tableArn];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    if (this.#key) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resources: [this.#key.keyArn],
        }),
      );
    }
  }
}
