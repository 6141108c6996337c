import '../../shared/engine/polyfills.js';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import aslValidator from 'asl-validator';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTable } from '../../shared/store/createTable.js';
import type { RunResult } from '../../shared/store/types.js';
import { apiEvent, DATA_KEY_TEXT, lambdaContext } from '../integration/lambdas/lambdaEnvironment.js';
import { type LocalDynamo, startDynalite } from '../support/dynalite.js';
import { type Fleet, startFleet } from '../support/fleet.js';
import {
  ACCOUNT,
  deployedDefinition,
  iamResourceMatches,
  REGION,
  resolveIntrinsics,
  type TemplateResource,
  taskStatesOf,
} from './support/cloudFormation.js';
import { type DeployedFunction, loadDeployedFunctions } from './support/deployedFunctions.js';
import { ROOT, type Synthesized, synthStack } from './synthStack.js';

/**
 * The AWS deployment's must-show: every state machine the stack synthesizes passes asl-validator
 * and runs — in the local engine, with the real handlers behind each Lambda ARN — against a
 * loopback fleet of real sshd hosts. Only what has no local stand-in is mocked (Step Functions'
 * StartExecution, EventBridge, Secrets Manager, Parameter Store); the store is dynalite.
 */

const HOSTS = 6;
const WEB = ['web-1', 'web-2', 'web-3'];
const DB = ['db-1', 'db-2', 'db-3'];
const NAMES = [...WEB, ...DB];
const TOKEN = 'tok-9f1c2e-s3cr3t';
const DB_USER = 'svc_reporting';
const IDENTITY_SECRET = 'stepfleet-e2e/fleet-key';
const RELEASE = '3.1.4';

const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const events = mockClient(EventBridgeClient);

let fleet: Fleet;
let dynamo: LocalDynamo;
let http: Server;
const httpRequests: string[] = [];
let dir: string;
let synth: Synthesized;
let resources: Record<string, TemplateResource>;
let functions: DeployedFunction[];
let savedEnv: NodeJS.ProcessEnv;

/** Each state machine as Step Functions would receive it, by its (made-up) ARN. */
const machines = new Map<string, { logicalId: string; definition: Record<string, unknown> }>();
/** Logical ids of the state machines a test executed. */
const executed = new Set<string>();

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
const byEntry = (entry: string): DeployedFunction => {
  const found = functions.find((f) => f.entry === entry);
  if (!found) throw new Error(`no deployed function built from ${entry}`);
  return found;
};
const callApi = async (entry: string, event: APIGatewayProxyEvent) => {
  const fn = byEntry(entry);
  const response = (await fn.handler(event, lambdaContext(fn.timeoutMs))) as APIGatewayProxyResult;
  return { status: response.statusCode, body: JSON.parse(response.body) };
};

function writeTaskGroups(groups: string, httpUrl: string): void {
  mkdirSync(groups);
  writeFileSync(
    join(groups, 'rollout.yaml'),
    stringify({
      name: 'rollout',
      inputs: { env: { required: true, allowed: ['staging', 'prod'] } },
      tasks: [
        {
          name: 'release',
          type: 'http',
          spec: {
            url: `${httpUrl}/release?env=\${{inputs.env}}`,
            extract: { version: '/release/version' },
          },
          exports: [{ name: 'version' }],
        },
        {
          name: 'token',
          type: 'secret',
          spec: { parameter: '/stepfleet-e2e/${{ inputs.env }}/token' },
          exports: [{ name: 'token', confidential: true }],
        },
        {
          name: 'facts',
          type: 'exec',
          targets: ['all'],
          spec: { command: 'echo "hostname=$(hostname)" >> "$STEPFLEET_OUTPUT"' },
          exports: [{ name: 'hostname' }],
        },
        {
          name: 'package',
          type: 'exec',
          targets: ['local'],
          depends_on: ['release'],
          imports: [{ from: 'release', variable: 'version' }],
          spec: { command: 'echo "artifact=app-$VERSION.tgz" >> "$STEPFLEET_OUTPUT"' },
          exports: [{ name: 'artifact' }],
        },
        {
          name: 'deploy',
          type: 'exec',
          targets: ['tag:web'],
          depends_on: ['facts', 'package', 'token'],
          strategy: { batch: 1 },
          imports: [
            { from: 'facts', variable: 'hostname', as: 'FACT_HOSTNAME' },
            { from: 'package', variable: 'artifact' },
            { from: 'release', variable: 'version' },
            { from: 'token', variable: 'token', as: 'API_TOKEN' },
          ],
          spec: {
            command: [
              'test "$(hostname)" = "$FACT_HOSTNAME"',
              'echo "deployed=$ARTIFACT@$VERSION on $(hostname)" >> "$STEPFLEET_OUTPUT"',
              'echo "token_sha=$(printf %s "$API_TOKEN" | sha256sum | cut -c1-16)" >> "$STEPFLEET_OUTPUT"',
            ].join('\n'),
          },
          exports: [{ name: 'deployed' }, { name: 'token_sha' }],
        },
      ],
    }),
  );
  writeFileSync(
    join(groups, 'db-check.yaml'),
    stringify({
      name: 'db-check',
      tasks: [
        {
          name: 'creds',
          type: 'secret',
          spec: { secret_id: 'stepfleet-e2e/db', json_key: 'user', region: 'eu-west-1' },
          exports: [{ name: 'db_user', confidential: true }],
        },
        {
          name: 'probe',
          type: 'exec',
          targets: ['db-*', 'tag:db'],
          depends_on: ['creds'],
          strategy: { max_concurrency: 2 },
          imports: [{ from: 'creds', variable: 'db_user' }],
          spec: {
            command: 'echo "probe=${#DB_USER} chars on $(hostname)" >> "$STEPFLEET_OUTPUT"',
          },
          exports: [{ name: 'probe' }],
        },
        {
          name: 'summary',
          type: 'exec',
          targets: ['local'],
          depends_on: ['probe'],
          spec: { command: 'echo "checked=yes" >> "$STEPFLEET_OUTPUT"' },
          exports: [{ name: 'checked' }],
        },
      ],
    }),
  );
}

/** The fleet's inventory as a deployment has it: keys in Secrets Manager, host keys in known_hosts. */
function writeInventory(file: string): void {
  writeFileSync(
    file,
    stringify({
      defaults: {
        user: 'root',
        identity_secret: IDENTITY_SECRET,
        known_hosts: fleet.knownHostsFile,
        connect_timeout: '5s',
      },
      hosts: fleet.hosts.map((h, i) => ({
        name: NAMES[i],
        address: h.address,
        port: h.port,
        tags: i < WEB.length ? ['web'] : ['db'],
      })),
    }),
  );
}

/** A secret's ARN as Secrets Manager forms it from a name (six random characters appended). */
const secretArnOf = (id: string, region = REGION) =>
  id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${id}-AbCdEf`;
const parameterArnOf = (name: string, region = REGION) =>
  `arn:aws:ssm:${region}:${ACCOUNT}:parameter/${name.replace(/^\//, '')}`;

type Statement = { Action: string | string[]; Resource: unknown };

/** The resources of every exec-host policy statement allowing `action`, resolved. */
function execHostResources(action: string): string[] {
  const fn = resources[byEntry('lambdas/exec-host.ts').logicalId];
  const role = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0];
  if (role === undefined) throw new Error('exec-host has no role of the stack');
  const statements = Object.values(resources).flatMap((r) => {
    const props = r.Properties ?? {};
    const attached =
      r.Type === 'AWS::IAM::Policy' && JSON.stringify(props.Roles) === JSON.stringify([{ Ref: role }]);
    return attached ? (props.PolicyDocument as { Statement: Statement[] }).Statement : [];
  });
  return statements
    .filter((s) => [s.Action].flat().includes(action))
    .flatMap((s) => [resolveIntrinsics(s.Resource, resources)].flat() as string[]);
}

interface Execution {
  status: 'SUCCEEDED' | 'FAILED';
  error?: unknown;
  /** State names in the order they were entered (nested states included). */
  entered: string[];
}

/**
 * Runs a deployed definition in the local engine, each Task state overridden (by state name) with
 * the handler of the function whose ARN its `Resource` holds, called as Lambda would call it.
 */
async function execute(definition: Record<string, unknown>, input: unknown): Promise<Execution> {
  const handlers = Object.fromEntries(
    [...taskStatesOf(definition)].map(([state, arn]) => {
      const fn = functions.find((f) => f.arn === arn);
      if (!fn) throw new Error(`Task state ${state} invokes ${arn}, which is no function of the stack`);
      // Lambda passes the event and the result as JSON text.
      const invoke = async (event: unknown) => {
        const result = await fn.handler(JSON.parse(JSON.stringify(event)), lambdaContext(fn.timeoutMs));
        return JSON.parse(JSON.stringify(result ?? null)) as never;
      };
      return [state, invoke];
    }),
  );
  const machine = new StateMachine(definition as never);
  const run = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      // Retries only cover Lambda service errors, which an in-process call cannot raise.
      retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((s) => [s, 0])),
    },
  });
  const entered: string[] = [];
  const collecting = (async () => {
    for await (const event of run.eventLogs) {
      const e = event as { type: string; state?: { name: string } };
      if (e.type === 'StateEntered' && e.state) entered.push(e.state.name);
    }
  })();
  try {
    await run.result;
    await collecting;
    return { status: 'SUCCEEDED', entered };
  } catch (error) {
    await collecting;
    return { status: 'FAILED', error, entered };
  }
}

/** POST /runs through the API function, then the execution it started, then GET /runs/{id}. */
async function startAndRun(
  body: unknown,
): Promise<{ runId: string; execution: Execution; result: RunResult }> {
  sfn.resetHistory();
  const started = await callApi(
    'lambdas/api/start-run.ts',
    apiEvent({ method: 'POST', resource: '/runs', path: '/runs', body }),
  );
  expect(started.status).toBe(202);
  const runId = started.body.runId as string;
  const starts = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
  expect(starts).toHaveLength(1);
  const start = starts[0];
  expect(start?.name).toBe(runId);
  const machine = machines.get(start?.stateMachineArn ?? '');
  if (!machine)
    throw new Error(`StartExecution named ${start?.stateMachineArn}, not a state machine of the stack`);
  const execution = await execute(machine.definition, JSON.parse(start?.input ?? 'null'));
  executed.add(machine.logicalId);
  const shown = await callApi(
    'lambdas/api/get-run.ts',
    apiEvent({
      method: 'GET',
      resource: '/runs/{id}',
      path: `/runs/${runId}`,
      pathParameters: { id: runId },
    }),
  );
  expect(shown.status).toBe(200);
  return { runId, execution, result: shown.body as RunResult };
}

function publishedFor(runId: string): { detailType: string; detail: Record<string, string> }[] {
  return events
    .commandCalls(PutEventsCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .map((e: PutEventsRequestEntry) => ({
      detailType: e.DetailType ?? '',
      detail: JSON.parse(e.Detail ?? '{}') as Record<string, string>,
    }))
    .filter((e) => e.detail.runId === runId);
}

/** What the functions logged (Powertools writes one JSON line per entry to stdout). */
const logs: string[] = [];
const writeStdout = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  // Keep the functions' log lines for the assertions below, out of the test report.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    if (text.includes('"service":"stepfleet"')) {
      logs.push(text);
      return true;
    }
    return writeStdout(chunk, ...rest);
  }) as typeof process.stdout.write;
  savedEnv = process.env;
  fleet = await startFleet({ count: HOSTS });
  dynamo = await startDynalite();
  const tableName = dynamo.uniqueTableName();
  await createTable(dynamo.client, tableName);
  http = createServer((req, res) => {
    httpRequests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ release: { version: RELEASE, notes: 'e2e' } }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

  dir = join(tmpdir(), `stepfleet-synth-run-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeTaskGroups(join(dir, 'groups'), `http://127.0.0.1:${(http.address() as AddressInfo).port}`);
  writeInventory(join(dir, 'inventory.yaml'));
  synth = await synthStack({
    'stepfleet:taskGroupsDir': join(dir, 'groups'),
    'stepfleet:inventory': join(dir, 'inventory.yaml'),
    'stepfleet:scheduleInputs': {},
  });
  resources = synth.template.toJSON().Resources as Record<string, TemplateResource>;

  const tableId = Object.keys(resources).find((id) => resources[id]?.Type === 'AWS::DynamoDB::Table') ?? '';
  const physical = { [tableId]: tableName };
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    machines.set(resolveIntrinsics({ Ref: logicalId }, resources) as string, {
      logicalId,
      definition: deployedDefinition(resource, resources, physical),
    });
  }

  // What the Lambda runtime gives every function; the rest comes from the template.
  const base = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // The one service with a local stand-in: DynamoDB is dynalite.
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  };
  process.env = { ...base };
  const dataKeyArn = resolveIntrinsics(
    { Ref: Object.keys(resources).find((id) => resources[id]?.Type === 'AWS::SecretsManager::Secret') },
    resources,
  );
  const privateKey = readFileSync(fleet.clientIdentityFile, 'utf8');
  secrets
    .on(GetSecretValueCommand)
    .rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
  secrets
    .on(GetSecretValueCommand, { SecretId: dataKeyArn as string })
    .resolves({ SecretString: DATA_KEY_TEXT });
  secrets.on(GetSecretValueCommand, { SecretId: IDENTITY_SECRET }).resolves({ SecretString: privateKey });
  secrets.on(GetSecretValueCommand, { SecretId: 'stepfleet-e2e/db' }).resolves({
    SecretString: JSON.stringify({ user: DB_USER, password: 'pw-never-read' }),
    VersionId: 'v7',
  });
  ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
  ssm.on(GetParameterCommand, { Name: '/stepfleet-e2e/staging/token', WithDecryption: true }).resolves({
    Parameter: { Name: '/stepfleet-e2e/staging/token', Type: 'SecureString', Value: TOKEN, Version: 2 },
  });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));

  functions = await loadDeployedFunctions({
    stack: synth.stack,
    resources,
    physical,
    outdir: synth.outdir,
    base,
    projectRoot: ROOT,
  });
}, 180_000);

afterAll(async () => {
  process.stdout.write = writeStdout;
  process.env = savedEnv;
  for (const mock of [sfn, secrets, ssm, events]) mock.restore();
  await fleet?.stop();
  await dynamo?.stop();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
  rmSync(synth?.outdir ?? join(dir, 'none'), { recursive: true, force: true });
});

describe('a stack synthesized for a loopback fleet of 6 sshd hosts', () => {
  it('has zero unacknowledged cdk-nag findings, one state machine per TaskGroup, each valid ASL', () => {
    expect(synth.violations).toEqual([]);
    expect(machines.size).toBe(2);
    for (const { definition } of machines.values()) {
      const validation = aslValidator(definition as never);
      expect(validation.errors).toEqual([]);
      expect(validation.isValid).toBe(true);
      // Every Task state invokes one of the stack's runner functions.
      for (const arn of taskStatesOf(definition).values()) {
        expect(functions.map((f) => f.arn)).toContain(arn);
      }
    }
    expect(functions.map((f) => f.entry).sort()).toEqual([
      'lambdas/api/cancel-run.ts',
      'lambdas/api/get-run.ts',
      'lambdas/api/list-runs.ts',
      'lambdas/api/start-run.ts',
      'lambdas/exec-host.ts',
      'lambdas/finalize-run.ts',
      'lambdas/prepare-run.ts',
      'lambdas/task-gate.ts',
    ]);
  });

  it('lets exec-host read exactly the identity secret and the secret tasks’ sources', () => {
    expect(execHostResources('ssm:GetParameter')).toEqual([
      `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/stepfleet-e2e/*/token`,
    ]);
    const dataKeyArn = functions.find((f) => f.entry === 'lambdas/exec-host.ts')?.environment
      .STEPFLEET_DATA_KEY_SECRET;
    expect(execHostResources('secretsmanager:GetSecretValue').sort()).toEqual(
      [
        dataKeyArn,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${IDENTITY_SECRET}-??????`,
        `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:stepfleet-e2e/db-??????`,
      ].sort(),
    );
    expect(execHostResources('kms:Decrypt')).toEqual([]);
  });

  it('runs rollout: http, secret, all, local and a rolling tag:web deploy, imports reaching every host', async () => {
    // Act
    const { runId, execution, result } = await startAndRun({
      taskGroup: 'rollout',
      inputs: { env: 'staging' },
    });

    // Assess
    expect(execution.status, String(execution.error)).toBe('SUCCEEDED');
    expect(result.status).toBe('succeeded');
    expect(Object.fromEntries(Object.entries(result.results).map(([t, r]) => [t, r.status]))).toEqual({
      release: 'success',
      token: 'success',
      facts: 'success',
      package: 'success',
      deploy: 'success',
    });
    const facts = result.results.facts;
    for (const [i, name] of NAMES.entries()) {
      // Each host answers from its own UTS namespace: the SSH session reached the right daemon.
      expect(facts?.hosts[name]?.status).toBe('success');
      expect(facts?.outputs.hostname?.[name]).toBe(fleet.hosts[i]?.hostname);
    }
    expect(httpRequests).toEqual(['/release?env=staging']);
    expect(result.results.release?.outputs.version).toEqual({ local: RELEASE });
    expect(result.results.package?.outputs.artifact).toEqual({ local: `app-${RELEASE}.tgz` });
    const deploy = result.results.deploy;
    expect(Object.keys(deploy?.hosts ?? {}).sort()).toEqual(WEB);
    for (const [i, name] of WEB.entries()) {
      expect(deploy?.outputs.deployed?.[name]).toBe(
        `app-${RELEASE}.tgz@${RELEASE} on ${fleet.hosts[i]?.hostname}`,
      );
      // The confidential token reached the host (its hash matches) but never the result.
      expect(deploy?.outputs.token_sha?.[name]).toBe(sha(TOKEN));
    }
    expect(JSON.stringify(result)).not.toContain(TOKEN);

    // batch: 1 over three hosts is three waves, each a Map and a gate, one after another.
    expect(execution.entered.filter((s) => s === 'deploy.hosts')).toHaveLength(3);
    expect(execution.entered.filter((s) => s === 'deploy.gate')).toHaveLength(3);
    const waves = WEB.map((name) => deploy?.hosts[name])
      .map((h) => ({
        start: Date.parse(h?.startedAt ?? ''),
        end: Date.parse(h?.startedAt ?? '') + (h?.durationMs ?? 0),
      }))
      .sort((a, b) => a.start - b.start);
    for (let i = 1; i < waves.length; i++) {
      expect(waves[i]?.start).toBeGreaterThanOrEqual(waves[i - 1]?.end ?? Number.POSITIVE_INFINITY);
    }

    // The token came from Parameter Store, decrypted, with a read the exec-host role allows.
    const reads = ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input);
    expect(reads).toEqual([{ Name: '/stepfleet-e2e/staging/token', WithDecryption: true }]);
    const allowed = execHostResources('ssm:GetParameter');
    expect(allowed.some((p) => iamResourceMatches(p, parameterArnOf('/stepfleet-e2e/staging/token')))).toBe(
      true,
    );

    const published = publishedFor(runId);
    expect(
      published.filter((e) => e.detailType === 'Stepfleet Run Status Change').map((e) => e.detail.status),
    ).toEqual(['running', 'succeeded']);
    const taskEvents = published.filter((e) => e.detailType === 'Stepfleet Task Status Change');
    for (const task of ['release', 'token', 'facts', 'package', 'deploy']) {
      expect(taskEvents.filter((e) => e.detail.task === task).map((e) => e.detail.status)).toContain(
        'success',
      );
    }
  }, 120_000);

  it('runs db-check: a Secrets Manager secret of another region, glob and tag targets, local', async () => {
    const { runId, execution, result } = await startAndRun({ taskGroup: 'db-check' });

    expect(execution.status, String(execution.error)).toBe('SUCCEEDED');
    expect(result.status).toBe('succeeded');
    expect(Object.keys(result.results.probe?.hosts ?? {}).sort()).toEqual(DB);
    for (const [i, name] of DB.entries()) {
      expect(result.results.probe?.outputs.probe?.[name]).toBe(
        `${DB_USER.length} chars on ${fleet.hosts[WEB.length + i]?.hostname}`,
      );
    }
    expect(result.results.summary?.outputs.checked).toEqual({ local: 'yes' });
    expect(JSON.stringify(result)).not.toContain(DB_USER);

    // The secret was read with a client of its own region, and the role allows that read.
    const dbReads = secrets
      .commandCalls(GetSecretValueCommand)
      .filter((c) => c.args[0].input.SecretId === 'stepfleet-e2e/db');
    expect(dbReads).toHaveLength(1);
    const client = dbReads[0]?.thisValue as SecretsManagerClient;
    expect(await client.config.region()).toBe('eu-west-1');
    // Every secret any function read — data key, host key, task secret — is one exec-host may read.
    const allowed = execHostResources('secretsmanager:GetSecretValue');
    for (const call of secrets.commandCalls(GetSecretValueCommand)) {
      const id = call.args[0].input.SecretId ?? '';
      const region = await (call.thisValue as SecretsManagerClient).config.region();
      expect(
        allowed.some((p) => iamResourceMatches(p, secretArnOf(id, region))),
        id,
      ).toBe(true);
    }

    expect(
      publishedFor(runId)
        .filter((e) => e.detailType === 'Stepfleet Run Status Change')
        .map((e) => e.detail.status),
    ).toEqual(['running', 'succeeded']);
  }, 120_000);

  it('executed every synthesized state machine', () => {
    expect([...executed].sort()).toEqual([...machines.values()].map((m) => m.logicalId).sort());
  });

  it('logs structured lines at every level without the confidential token or the SSH key', () => {
    const all = logs.join('');
    expect(logs.length).toBeGreaterThan(10);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain('PRIVATE KEY');
    expect(all).not.toContain('s3cr3t');
  });
});
