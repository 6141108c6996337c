import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Annotations,
  ArnFormat,
  CfnOutput,
  Duration,
  Stack,
  type StackProps,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/runtime/env.js';
import { FUNCTION_MEMORY_MB } from '../shared/compile/estimateRun.js';
import { FUNCTION_TIMEOUTS, type RunnerFunction } from '../shared/compile/resources.js';
import { STEPFLEET_SSM_DOCUMENT } from '../shared/exec/ssm/stepfleetDocument.js';
import type { StackConfig } from './config.js';
import { RunApi } from './constructs/RunApi.js';
import { RunTable } from './constructs/RunTable.js';
import { type FunctionBuild, StepfleetFunction, seconds } from './constructs/StepfleetFunction.js';
import { TaskGroupStateMachine } from './constructs/TaskGroupStateMachine.js';
import type { Deployment, SecretTaskSource } from './loadDeployment.js';

export interface StepfleetStackProps extends StackProps {
  config: StackConfig;
  deployment: Deployment;
  /** The project root (handlers, lockfile). */
  projectRoot: string;
}

/** Event source of the run status events on the default event bus. */
export const RUN_EVENT_SOURCE = 'stepfleet';

/** Handler timeout of the API functions: below API Gateway's 29-second integration limit. */
const API_TIMEOUT = Duration.seconds(20);

/**
 * The whole deployment (DESIGN §6): the run table, the runner functions, one state machine per
 * TaskGroup, the SSM document, the run API, one schedule per TaskGroup `schedule`, and run status
 * events on the default EventBridge bus. Every function gets only the actions and resources it uses.
 */
export class StepfleetStack extends Stack {
  readonly api: RunApi;
  readonly stateMachines: Record<string, TaskGroupStateMachine> = {};

  constructor(scope: Construct, id: string, props: StepfleetStackProps) {
    super(scope, id, props);
    const { config, deployment } = props;
    const key = config.kmsKeyArn ? kms.Key.fromKeyArn(this, 'Key', config.kmsKeyArn) : undefined;
    const build: FunctionBuild = {
      projectRoot: props.projectRoot,
      deploymentFile: writeDeploymentFile(this, deployment),
      logRetention: retention(config.logRetentionDays),
    };

    const runTable = new RunTable(this, 'Runs', { key });
    const dataKey = new secretsmanager.Secret(this, 'DataKey', {
      description: 'stepfleet: data key of the confidential inputs and outputs in the run table',
      ...(key ? { encryptionKey: key } : {}),
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(dataKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is the key of values already stored in the run table; rotating it would make the confidential values of earlier runs unreadable. It never leaves the functions that use it.',
    });
    const ssmDocument = new ssm.CfnDocument(this, 'RunCommandDocument', {
      name: config.ssmDocumentName,
      documentType: 'Command',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: STEPFLEET_SSM_DOCUMENT,
    });

    const common = {
      [ENV.table]: runTable.table.tableName,
      [ENV.dataKeySecret]: dataKey.secretArn,
      [ENV.retentionDays]: String(config.runRetentionDays),
      [ENV.eventBus]: 'default',
    };
    const fn = (
      name: string,
      entry: string,
      extra: Partial<ConstructorParameters<typeof StepfleetFunction>[2]>,
    ) =>
      new StepfleetFunction(this, name, {
        build,
        entry,
        description: name,
        memorySize: FUNCTION_MEMORY_MB.other,
        timeout: API_TIMEOUT,
        environment: common,
        withDeployment: false,
        ...extra,
      });
    const runner = (name: RunnerFunction, id: string, description: string) =>
      fn(id, `lambdas/${name}.ts`, {
        description,
        memorySize: name === 'exec-host' ? FUNCTION_MEMORY_MB['exec-host'] : FUNCTION_MEMORY_MB.other,
        timeout: seconds(FUNCTION_TIMEOUTS[name].lambda),
        withDeployment: true,
        environment: name === 'exec-host' ? { ...common, [ENV.ssmDocument]: config.ssmDocumentName } : common,
        network: name === 'exec-host' ? config.network : undefined,
      });
    const runners = {
      'prepare-run': runner('prepare-run', 'PrepareRun', "resolves a run's hosts and stores its plan"),
      'task-gate': runner('task-gate', 'TaskGate', 'starts waves and decides task statuses'),
      'exec-host': runner('exec-host', 'ExecHost', "runs one shard's hosts over SSH, SSM or locally"),
      'finalize-run': runner('finalize-run', 'FinalizeRun', 'closes a run and records its status'),
    } satisfies Record<RunnerFunction, StepfleetFunction>;

    // --- permissions of the runner functions
    for (const r of Object.values(runners)) runTable.grant(r.role, 'runner');
    dataKey.grantRead(runners['exec-host'].role);
    const putEvents = new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    });
    for (const r of [runners['task-gate'], runners['finalize-run']]) r.role.addToPolicy(putEvents);
    runners['prepare-run'].role.addToPolicy(
      new iam.PolicyStatement({ actions: ['ssm:DescribeInstanceInformation'], resources: ['*'] }),
    );
    Validations.of(runners['prepare-run'].role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ssm:DescribeInstanceInformation (resolving ec2:KEY=VALUE selectors to managed instances) supports no resource-level scoping.',
    });
    this.#grantHostAccess(runners['exec-host'], config, deployment, ssmDocument);

    // --- one state machine per TaskGroup
    const runnerFns = Object.fromEntries(
      Object.entries(runners).map(([name, f]) => [name, f.function as IFunction]),
    ) as Record<RunnerFunction, IFunction>;
    for (const deployed of deployment.taskGroups) {
      const machine = new TaskGroupStateMachine(this, `TaskGroup-${deployed.group.name}`, {
        deployed,
        runners: runnerFns,
        logRetention: build.logRetention,
      });
      this.stateMachines[deployed.group.name] = machine;
      new CfnOutput(this, `StateMachine-${deployed.group.name}`, {
        description: `State machine of TaskGroup ${deployed.group.name}`,
        value: machine.stateMachine.stateMachineArn,
      });
    }
    const stateMachineArns = this.toJsonString(
      Object.fromEntries(
        Object.entries(this.stateMachines).map(([n, m]) => [n, m.stateMachine.stateMachineArn]),
      ),
    );
    const grantStart = (f: StepfleetFunction) => {
      runTable.grant(f.role, 'create-run');
      dataKey.grantRead(f.role);
      f.role.addToPolicy(putEvents);
      f.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: Object.values(this.stateMachines).map((m) => m.stateMachine.stateMachineArn),
        }),
      );
    };

    // --- the API
    const start = fn('ApiStartRun', 'lambdas/api/start-run.ts', {
      description: 'POST /runs',
      withDeployment: true,
      environment: { ...common, [ENV.stateMachines]: stateMachineArns },
    });
    grantStart(start);
    const get = fn('ApiGetRun', 'lambdas/api/get-run.ts', { description: 'GET /runs/{id}' });
    runTable.grant(get.role, 'read-run');
    const list = fn('ApiListRuns', 'lambdas/api/list-runs.ts', { description: 'GET /runs' });
    runTable.grant(list.role, 'list-runs');
    const cancel = fn('ApiCancelRun', 'lambdas/api/cancel-run.ts', { description: 'POST /runs/{id}/cancel' });
    runTable.grant(cancel.role, 'cancel-run');
    this.api = new RunApi(this, 'RunApi', {
      handlers: { start: start.function, get: get.function, list: list.function, cancel: cancel.function },
      throttle: config.apiThrottle,
      logRetention: build.logRetention,
    });

    // --- schedules
    const scheduled = deployment.taskGroups.filter((t) => t.group.schedule !== undefined);
    if (scheduled.length > 0) {
      const scheduleRun = fn('ScheduleRun', 'lambdas/schedule-run.ts', {
        description: 'starts scheduled runs',
        timeout: seconds(60),
        withDeployment: true,
        environment: { ...common, [ENV.stateMachines]: stateMachineArns },
      });
      grantStart(scheduleRun);
      const schedulerRole = new iam.Role(this, 'SchedulerRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
        description: 'stepfleet: lets EventBridge Scheduler start scheduled runs',
      });
      schedulerRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [scheduleRun.function.functionArn],
        }),
      );
      if (key) {
        schedulerRole.addToPolicy(
          new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }),
        );
      }
      for (const deployed of scheduled) {
        new scheduler.CfnSchedule(this, `Schedule-${deployed.group.name}`, {
          description: `stepfleet: scheduled runs of ${deployed.group.name}`,
          scheduleExpression: deployed.group.schedule as string,
          scheduleExpressionTimezone: config.scheduleTimeZone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          ...(key ? { kmsKeyArn: key.keyArn } : {}),
          target: {
            arn: scheduleRun.function.functionArn,
            roleArn: schedulerRole.roleArn,
            input: JSON.stringify({
              taskGroup: deployed.group.name,
              scheduledTime: '<aws.scheduler.scheduled-time>',
              ...(Object.keys(deployed.scheduleInputs).length > 0 ? { inputs: deployed.scheduleInputs } : {}),
            }),
            retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          },
        });
      }
    }

    if (deployment.hostsWithoutSecret.length > 0) {
      Annotations.of(this).addWarningV2(
        'stepfleet:hostsWithoutIdentitySecret',
        `SSH hosts without identity_secret cannot be reached from the deployed runners (a Lambda cannot read identity_file): ${deployment.hostsWithoutSecret.join(', ')}`,
      );
    }
    for (const [i, warning] of deployment.warnings.entries()) {
      Annotations.of(this).addWarningV2(`stepfleet:deployment-${i}`, warning);
    }
    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the run API', value: this.api.url });
    new CfnOutput(this, 'RunTableName', { value: runTable.table.tableName });
    new CfnOutput(this, 'RunEventSource', {
      description: 'source of the run status events on the default event bus',
      value: RUN_EVENT_SOURCE,
    });
  }

  /** exec-host: host keys' secrets, secret tasks' sources, and the SSM document on tagged instances only. */
  #grantHostAccess(
    execHost: StepfleetFunction,
    config: StackConfig,
    deployment: Deployment,
    document: ssm.CfnDocument,
  ): void {
    const role = execHost.role;
    // Secret tasks read with GetParameter (WithDecryption) and GetSecretValue, in their own region
    // or the stack's. AWS-managed keys (aws/ssm, aws/secretsmanager) need no kms:Decrypt grant; a
    // source under the configured customer-managed key is covered by the table grant on that key.
    const secretArn = (source: SecretTaskSource) =>
      source.pattern.startsWith('arn:')
        ? source.pattern
        : this.formatArn({
            service: 'secretsmanager',
            region: source.region,
            resource: 'secret',
            // Secrets Manager appends six random characters to the name of every secret's ARN.
            resourceName: `${source.pattern}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          });
    const parameterArn = (source: SecretTaskSource) =>
      source.pattern.startsWith('arn:')
        ? source.pattern
        : this.formatArn({
            service: 'ssm',
            region: source.region,
            resource: 'parameter',
            resourceName: source.pattern.replace(/^\//, ''),
          });
    const secrets = [
      ...new Set([
        ...deployment.identitySecrets.map((id) => secretArn({ pattern: id, region: undefined })),
        ...deployment.secretTaskSources.secrets.map(secretArn),
      ]),
    ];
    if (secrets.length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }),
      );
    }
    const parameters = [...new Set(deployment.secretTaskSources.parameters.map(parameterArn))];
    if (parameters.length > 0) {
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: parameters }));
    }
    const templated = [
      ...deployment.secretTaskSources.parameters.filter(isTemplated).map(parameterArn),
      ...deployment.secretTaskSources.secrets.filter(isTemplated).map(secretArn),
    ];
    if (templated.length > 0) {
      // cdk-nag names a wildcard finding by the resource as rendered, so each is acknowledged by name.
      Validations.of(role).acknowledge(
        ...templated.map((arn) => ({
          id: `AwsSolutions-IAM5[Resource::${renderForNag(this, arn)}]`,
          reason:
            'A secret task names this parameter or secret with ${{ }} references, resolved when the run starts; the wildcard stands for exactly the part a run substitutes.',
        })),
      );
    }
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [this.formatArn({ service: 'ssm', resource: 'document', resourceName: document.ref })],
      }),
    );
    const instances = [
      this.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
      this.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' }),
    ];
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: instances,
        conditions: {
          StringEquals: { [`ssm:resourceTag/${config.ssmInstanceTag.key}`]: config.ssmInstanceTag.value },
        },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetCommandInvocation', 'ssm:CancelCommand'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: `ssm:SendCommand reaches only instances tagged ${config.ssmInstanceTag.key}=${config.ssmInstanceTag.value} (condition ssm:resourceTag), and only with the stepfleet document.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:managed-instance/*]',
        reason: `ssm:SendCommand reaches only hybrid managed nodes tagged ${config.ssmInstanceTag.key}=${config.ssmInstanceTag.value} (condition ssm:resourceTag), and only with the stepfleet document.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ssm:GetCommandInvocation and ssm:CancelCommand support no resource-level scoping; they act on commands this role sent (SendCommand is scoped above).',
      },
    );
  }
}

const isTemplated = (source: SecretTaskSource): boolean => source.pattern.includes('*');

/** A resource as cdk-nag prints it: `Ref`s and `GetAtt`s of an `Fn::Join` as `<AWS::Region>`, `<Id.Arn>`. */
function renderForNag(stack: Stack, value: string): string {
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const object = node as Record<string, unknown>;
    if (typeof object.Ref === 'string') return `<${object.Ref}>`;
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = object['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(String(join[0]));
    return JSON.stringify(node);
  };
  return render(stack.resolve(value));
}

/** The nearest CloudWatch retention at or above the configured days. */
function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  return (allowed.find((d) => d >= days) ?? RetentionDays.INFINITE) as RetentionDays;
}

/** Writes the deployment bundle into the cloud assembly, named by its content. */
function writeDeploymentFile(stack: Stack, deployment: Deployment): string {
  const text = JSON.stringify(deployment.bundle);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(Stage.of(stack)?.outdir ?? '.', 'stepfleet');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `deployment-${hash}.json`);
  writeFileSync(file, text);
  return file;
}
