import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileTaskGroup } from '../../shared/compile/compileTaskGroup.js';
import {
  FUNCTION_TIMEOUTS,
  LAMBDA_PLACEHOLDERS,
  type RunnerFunction,
  substitutionKey,
} from '../../shared/compile/resources.js';
import { STEPFLEET_SSM_DOCUMENT } from '../../shared/exec/ssm/stepfleetDocument.js';
import { loadTaskGroup } from '../../shared/taskgroup/loadTaskGroup.js';
import { resolveIntrinsics } from './support/cloudFormation.js';
import { ROOT, resourcesOf, type Synthesized, synthStack } from './synthStack.js';

const EXAMPLE_GROUPS = ['deploy-web', 'fleet-facts', 'health-check', 'hello', 'restart-web'];
const SCHEDULED = ['deploy-web', 'health-check'];
const RUNNER_IDS: Record<RunnerFunction, string> = {
  'prepare-run': 'PrepareRun',
  'task-gate': 'TaskGate',
  'exec-host': 'ExecHost',
  'finalize-run': 'FinalizeRun',
};
const ALL_FUNCTIONS = [
  ...Object.values(RUNNER_IDS),
  'ApiStartRun',
  'ApiGetRun',
  'ApiListRuns',
  'ApiCancelRun',
  'ScheduleRun',
];

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0] as string;
}

/** Every policy statement attached to a function's role. */
function statementsOf(template: Template, fn: string): Statement[] {
  const role = logicalId(template, 'AWS::IAM::Role', `${fn}Role`);
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe('StepfleetStack (cdk.json context, offline synth)', () => {
  let synth: Synthesized;
  let template: Template;
  beforeAll(async () => {
    synth = await synthStack();
    template = synth.template;
  }, 120_000);

  it('passes cdk-nag AwsSolutions with zero unacknowledged findings', () => {
    expect(synth.violations).toEqual([]);
  });

  describe('run table', () => {
    it('is on-demand, point-in-time recoverable, encrypted, with TTL on expiresAt and both indexes', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'byTaskGroup',
            Projection: Match.objectLike({ ProjectionType: 'INCLUDE' }),
          }),
          Match.objectLike({
            IndexName: 'recent',
            Projection: Match.objectLike({ ProjectionType: 'INCLUDE' }),
          }),
        ],
      });
    });

    it('needs no S3 bucket', () => {
      template.resourceCountIs('AWS::S3::Bucket', 0);
    });
  });

  describe('functions', () => {
    it('are nine Node.js 22 functions on arm64, each with its own role and log group', () => {
      const fns = resourcesOf(template, 'AWS::Lambda::Function');
      expect(Object.keys(fns)).toHaveLength(ALL_FUNCTIONS.length);
      for (const name of ALL_FUNCTIONS) logicalId(template, 'AWS::Lambda::Function', `${name}Function`);
      for (const fn of Object.values(fns)) {
        expect(fn.Properties.Runtime).toBe('nodejs22.x');
        expect(fn.Properties.Architectures).toEqual(['arm64']);
        expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: expect.anything() });
      }
      expect(
        Object.keys(resourcesOf(template, 'AWS::IAM::Role')).filter((id) => /Function|Role/.test(id)).length,
      ).toBeGreaterThanOrEqual(9);
      template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
      for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('time out before the Task states that invoke them', () => {
      for (const [fn, id] of Object.entries(RUNNER_IDS) as [RunnerFunction, string][]) {
        const resource = resourcesOf(template, 'AWS::Lambda::Function')[
          logicalId(template, 'AWS::Lambda::Function', `${id}Function`)
        ];
        const timeout = resource?.Properties.Timeout as number;
        expect(timeout).toBe(FUNCTION_TIMEOUTS[fn].lambda);
        expect(timeout).toBeLessThan(FUNCTION_TIMEOUTS[fn].task);
      }
      for (const definition of definitions(template)) {
        for (const state of taskStates(definition)) {
          const fn = (Object.entries(LAMBDA_PLACEHOLDERS).find(([, p]) => p === state.Resource)?.[0] ??
            '') as RunnerFunction;
          expect(state.TimeoutSeconds).toBe(FUNCTION_TIMEOUTS[fn].task);
        }
      }
    });

    it('run exec-host with 1024 MB and outside any VPC when no network is configured', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: "runs one shard's hosts over SSH, SSM or locally",
        MemorySize: 1024,
        Timeout: 900,
        VpcConfig: Match.absent(),
      });
    });

    it('handlers stay thin (at most 45 lines each)', () => {
      const files = [
        'prepare-run',
        'task-gate',
        'exec-host',
        'finalize-run',
        'schedule-run',
        'api/start-run',
        'api/get-run',
        'api/list-runs',
        'api/cancel-run',
      ];
      for (const file of files) {
        const lines = readFileSync(join(ROOT, `lambdas/${file}.ts`), 'utf8')
          .trimEnd()
          .split('\n').length;
        expect(lines, file).toBeLessThanOrEqual(45);
      }
    });
  });

  describe('state machines', () => {
    it('are one per TaskGroup file, each the compiler output with the four runner ARNs substituted', async () => {
      const machines = resourcesOf(template, 'AWS::StepFunctions::StateMachine');
      expect(Object.keys(machines)).toHaveLength(EXAMPLE_GROUPS.length);
      for (const name of EXAMPLE_GROUPS) {
        const id = logicalId(
          template,
          'AWS::StepFunctions::StateMachine',
          `TaskGroup${name.replace(/-/g, '')}StateMachine`,
        );
        const props = machines[id]?.Properties ?? {};
        const file = name === 'restart-web' ? 'restart-script' : name;
        const loaded = await loadTaskGroup(join(ROOT, `examples/${file}.yaml`));
        if (!loaded.ok) throw new Error(`examples/${file}.yaml is invalid`);
        expect(JSON.parse(props.DefinitionString as string)).toEqual(
          compileTaskGroup(loaded.group).definition,
        );
        const substitutions = props.DefinitionSubstitutions as Record<string, unknown>;
        expect(Object.keys(substitutions).sort()).toEqual(
          (Object.keys(LAMBDA_PLACEHOLDERS) as RunnerFunction[]).map(substitutionKey).sort(),
        );
        for (const [fn, runnerId] of Object.entries(RUNNER_IDS) as [RunnerFunction, string][]) {
          expect(substitutions[substitutionKey(fn)]).toEqual({
            'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', `${runnerId}Function`), 'Arn'],
          });
        }
      }
    });

    it('log without execution data, trace with X-Ray, and bound a run (TimeoutSeconds)', () => {
      for (const machine of Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))) {
        expect(machine.Properties.StateMachineType).toBe('STANDARD');
        expect(machine.Properties.LoggingConfiguration).toMatchObject({
          IncludeExecutionData: false,
          Level: 'ALL',
        });
        expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
        expect(JSON.parse(machine.Properties.DefinitionString as string).TimeoutSeconds).toBe(24 * 3600);
      }
    });

    it('pass asl-validator once substituted', () => {
      for (const definition of definitions(template, true)) {
        const result = aslValidator(definition as never);
        expect(result.errors).toEqual([]);
        expect(result.isValid).toBe(true);
      }
    });

    it('may invoke only the four runner functions', () => {
      const runnerIds = Object.values(RUNNER_IDS).map((id) =>
        logicalId(template, 'AWS::Lambda::Function', `${id}Function`),
      );
      for (const [id, policy] of Object.entries(resourcesOf(template, 'AWS::IAM::Policy'))) {
        if (!id.startsWith('TaskGroup')) continue;
        const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
        const invoke = statements.filter((s) => actionsOf([s]).includes('lambda:InvokeFunction'));
        expect(invoke).toHaveLength(1);
        const arns = ((invoke[0]?.Resource ?? []) as { 'Fn::GetAtt': [string, string] }[]).map(
          (r) => r['Fn::GetAtt'][0],
        );
        expect(arns.sort()).toEqual(runnerIds.sort());
      }
    });
  });

  it('deploys the SSM document the SSM executor sends', () => {
    template.hasResourceProperties('AWS::SSM::Document', {
      Name: 'stepfleet-run-command',
      DocumentType: 'Command',
      UpdateMethod: 'NewVersion',
      Content: JSON.parse(JSON.stringify(STEPFLEET_SSM_DOCUMENT)),
    });
  });

  describe('API', () => {
    it('authorizes every method with IAM (SigV4) and validates every request', () => {
      const methods = Object.values(resourcesOf(template, 'AWS::ApiGateway::Method'));
      expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['GET', 'GET', 'POST', 'POST']);
      for (const method of methods) {
        expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
        expect(method.Properties.RequestValidatorId).toBeDefined();
      }
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        RequestModels: { 'application/json': Match.anyValue() },
      });
      template.hasResourceProperties('AWS::ApiGateway::Model', {
        Schema: Match.objectLike({ required: ['taskGroup'], additionalProperties: false }),
      });
    });

    it('throttles, traces and writes access logs', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'v1',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
        MethodSettings: [
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: 10,
            ThrottlingBurstLimit: 20,
          }),
        ],
      });
    });

    it('answers validation failures with {error, details}', () => {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'BAD_REQUEST_BODY',
        StatusCode: '400',
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"details"') },
      });
    });
  });

  describe('schedules', () => {
    it('one per TaskGroup schedule, the run id derived from the scheduled time', () => {
      const schedules = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule'));
      expect(schedules).toHaveLength(SCHEDULED.length);
      const inputs = schedules.map((s) => JSON.parse((s.Properties.Target as { Input: string }).Input));
      expect(inputs.map((i) => i.taskGroup).sort()).toEqual(SCHEDULED);
      for (const input of inputs) expect(input.scheduledTime).toBe('<aws.scheduler.scheduled-time>');
      expect(inputs.find((i) => i.taskGroup === 'deploy-web')?.inputs).toEqual({ env: 'staging' });
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 3 * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        }),
      });
    });
  });

  describe('least privilege', () => {
    it('no statement grants a service wildcard action', () => {
      for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
        for (const action of actionsOf(
          (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
        )) {
          expect(action).not.toMatch(/:\*$|^\*$/);
          expect(action).not.toMatch(/dynamodb:(Scan|DeleteItem|DeleteTable)/);
        }
      }
    });

    it('read-only API functions cannot write', () => {
      expect(actionsOf(statementsOf(template, 'ApiGetRun')).filter((a) => a.startsWith('dynamodb:'))).toEqual(
        ['dynamodb:GetItem', 'dynamodb:Query'],
      );
      const list = statementsOf(template, 'ApiListRuns').filter((s) =>
        actionsOf([s]).includes('dynamodb:Query'),
      );
      expect(JSON.stringify(list[0]?.Resource)).toMatch(/index\/byTaskGroup/);
      expect(JSON.stringify(list[0]?.Resource)).toMatch(/index\/recent/);
      expect(
        actionsOf(statementsOf(template, 'ApiCancelRun')).filter((a) => a.startsWith('dynamodb:')),
      ).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    });

    it('only the start paths may start executions, and only of the deployed state machines', () => {
      for (const fn of ALL_FUNCTIONS) {
        const start = statementsOf(template, fn).filter((s) =>
          actionsOf([s]).includes('states:StartExecution'),
        );
        if (fn === 'ApiStartRun' || fn === 'ScheduleRun') {
          expect(start).toHaveLength(1);
          expect(JSON.stringify(start[0]?.Resource)).not.toContain('*');
          expect(((start[0]?.Resource ?? []) as unknown[]).length).toBe(EXAMPLE_GROUPS.length);
        } else expect(start, fn).toEqual([]);
      }
    });

    it('limits ssm:SendCommand to the stepfleet document and to tagged instances', () => {
      const send = statementsOf(template, 'ExecHost').filter((s) =>
        actionsOf([s]).includes('ssm:SendCommand'),
      );
      expect(send).toHaveLength(2);
      const onDocument = send.find((s) => JSON.stringify(s.Resource).includes('document/'));
      expect(JSON.stringify(onDocument?.Resource)).toContain('RunCommandDocument');
      expect(onDocument?.Condition).toBeUndefined();
      const onInstances = send.find((s) => JSON.stringify(s.Resource).includes('instance/'));
      expect(onInstances?.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/stepfleet': 'enabled' } });
      for (const fn of ALL_FUNCTIONS.filter((f) => f !== 'ExecHost')) {
        expect(actionsOf(statementsOf(template, fn))).not.toContain('ssm:SendCommand');
      }
    });

    it('lets exec-host read the secret tasks’ parameters and nothing else of Parameter Store', () => {
      const resources = template.toJSON().Resources;
      const get = statementsOf(template, 'ExecHost').filter((s) =>
        actionsOf([s]).includes('ssm:GetParameter'),
      );
      expect(get.map((s) => resolveIntrinsics(s.Resource, resources))).toEqual([
        'arn:aws:ssm:us-east-1:123456789012:parameter/deploy/token',
      ]);
      for (const fn of ALL_FUNCTIONS) {
        const ssmReads = actionsOf(statementsOf(template, fn)).filter((a) => /^ssm:GetParameters?/.test(a));
        expect(ssmReads, fn).toEqual(fn === 'ExecHost' ? ['ssm:GetParameter'] : []);
      }
    });

    it('gives exec-host no KMS permission when no key is configured (AWS-managed keys need none)', () => {
      for (const fn of ALL_FUNCTIONS) {
        expect(
          actionsOf(statementsOf(template, fn)).filter((a) => a.startsWith('kms:')),
          fn,
        ).toEqual([]);
      }
    });

    it('publishes run events from the functions that change run and task status only', () => {
      const publishers = ALL_FUNCTIONS.filter((fn) =>
        actionsOf(statementsOf(template, fn)).includes('events:PutEvents'),
      );
      expect(publishers.sort()).toEqual(['ApiStartRun', 'FinalizeRun', 'ScheduleRun', 'TaskGate']);
    });

    it('gives the data key only to the functions that encrypt or decrypt', () => {
      const readers = ALL_FUNCTIONS.filter((fn) =>
        actionsOf(statementsOf(template, fn)).includes('secretsmanager:GetSecretValue'),
      );
      expect(readers.sort()).toEqual(['ApiStartRun', 'ExecHost', 'ScheduleRun']);
    });
  });
});

describe('StepfleetStack with a network and a customer-managed key', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
  let synth: Synthesized;
  beforeAll(async () => {
    synth = await synthStack({
      'stepfleet:network': JSON.stringify({
        subnetIds: ['subnet-0123456789abcdef0'],
        securityGroupIds: ['sg-0123456789abcdef0'],
      }),
      'stepfleet:kmsKeyArn': keyArn,
      'stepfleet:logRetentionDays': '14',
    });
  }, 120_000);

  it('still has zero unacknowledged cdk-nag findings', () => {
    expect(synth.violations).toEqual([]);
  });

  it('places exec-host (only) in the configured subnets and security groups', () => {
    const fns = Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function'));
    const inVpc = fns.filter((f) => f.Properties.VpcConfig !== undefined);
    expect(inVpc).toHaveLength(1);
    expect(inVpc[0]?.Properties.VpcConfig).toEqual({
      SubnetIds: ['subnet-0123456789abcdef0'],
      SecurityGroupIds: ['sg-0123456789abcdef0'],
    });
    expect(inVpc[0]?.Properties.MemorySize).toBe(1024);
  });

  it('encrypts the table, the data key and the schedules with the key', () => {
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { KMSMasterKeyId: keyArn, SSEEnabled: true, SSEType: 'KMS' },
    });
    synth.template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: keyArn });
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', { KmsKeyArn: keyArn });
  });

  it('lets exec-host decrypt with the configured key only (secret sources under it included)', () => {
    const kms = statementsOf(synth.template, 'ExecHost').filter((s) =>
      actionsOf([s]).some((a) => a.startsWith('kms:')),
    );
    expect(actionsOf(kms)).toContain('kms:Decrypt');
    for (const statement of kms) expect([statement.Resource].flat()).toEqual([keyArn]);
  });

  it('keeps logs for the configured days', () => {
    for (const group of Object.values(resourcesOf(synth.template, 'AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(14);
    }
  });
});

/** The state machine definitions of a template, optionally with placeholders replaced by ARNs. */
function definitions(template: Template, substituted = false): Record<string, unknown>[] {
  return Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine')).map((m) => {
    let text = m.Properties.DefinitionString as string;
    if (substituted) {
      for (const key of Object.keys(m.Properties.DefinitionSubstitutions as object)) {
        text = text.split(`\${${key}}`).join(`arn:aws:lambda:eu-west-1:123456789012:function:${key}`);
      }
    }
    return JSON.parse(text);
  });
}

/** Every Task state of a definition, nested ones included. */
function taskStates(node: unknown): { Resource: string; TimeoutSeconds: number }[] {
  if (Array.isArray(node)) return node.flatMap(taskStates);
  if (node === null || typeof node !== 'object') return [];
  const self =
    (node as { Type?: string }).Type === 'Task' ? [node as { Resource: string; TimeoutSeconds: number }] : [];
  return [...self, ...Object.values(node).flatMap(taskStates)];
}
