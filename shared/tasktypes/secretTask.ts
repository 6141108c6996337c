import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ExecutionResult, ExecutionStatus } from '../exec/HostExecutor.js';
import type { Task } from '../taskgroup/schema.js';
import { maskText, substitute } from '../vars/index.js';
import type { TaskRunContext, TaskTypeRunner } from './TaskTypeRunner.js';

/** A task of `type: secret`. */
export type SecretTask = Extract<Task, { type: 'secret' }>;

/**
 * Makes the AWS clients the secret task reads with, for `spec.region` (undefined: the runner's own
 * region). The runner calls each at most once per region and keeps the client; the caller creates
 * nothing at import time and may share clients with the rest of the Lambda.
 */
export interface SecretClientFactory {
  ssm(region: string | undefined): SSMClient;
  secretsManager(region: string | undefined): SecretsManagerClient;
}

/** Where a secret comes from, with its references substituted. */
type Source =
  | { kind: 'parameter'; name: string }
  | { kind: 'secret'; id: string; jsonKey: string | undefined };

/** A problem that ends the task, with the status it gets. */
class SecretTaskProblem extends Error {
  override readonly name = 'SecretTaskProblem';
  constructor(
    readonly status: ExecutionStatus,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The `secret` task type (DESIGN §2): reads one SSM Parameter Store parameter (`GetParameter` with
 * `WithDecryption: true`, so SecureString works) or one Secrets Manager secret (`GetSecretValue`,
 * optionally one `json_key` of a JSON secret) inside the runner, and puts the value into `outputs`
 * under the task's single export.
 *
 * The value appears nowhere else: stdout holds a one-line note (`read parameter /x (SecureString)`),
 * stderr stays empty, and error messages name the parameter or secret, never its value (a JSON
 * parse error, whose message quotes the text, is never passed on). Everything the result carries
 * besides `outputs` is also masked with the value and the run's confidential values.
 *
 * Problems are results, never throws: not found, access denied, a bad `json_key` → `failed`;
 * `timeoutMs` → `timed_out`; `signal` → `cancelled`.
 */
export function createSecretTaskRunner(clients: SecretClientFactory): TaskTypeRunner<SecretTask> {
  const ssmClients = new Map<string, SSMClient>();
  const secretsClients = new Map<string, SecretsManagerClient>();
  const ssmFor = (region: string | undefined): SSMClient => cached(ssmClients, region, clients.ssm);
  const secretsFor = (region: string | undefined): SecretsManagerClient =>
    cached(secretsClients, region, clients.secretsManager);

  return {
    async run(task, context) {
      const startedAt = new Date();
      let value: string | undefined;
      const finish = (fields: {
        status: ExecutionStatus;
        stdout?: string;
        error?: string;
      }): ExecutionResult => {
        const secrets = value === undefined ? context.confidential : [...context.confidential, value];
        const exportName = task.exports?.[0]?.name;
        return {
          status: fields.status,
          exitCode: null,
          signal: null,
          stdout: { text: maskText(fields.stdout ?? '', secrets), droppedBytes: 0 },
          stderr: { text: '', droppedBytes: 0 },
          outputs:
            fields.status === 'success' && exportName !== undefined && value !== undefined
              ? { [exportName]: value }
              : {},
          error:
            fields.error === undefined ? null : maskText(`task "${task.name}": ${fields.error}`, secrets),
          startedAt: startedAt.toISOString(),
          durationMs: Date.now() - startedAt.getTime(),
        };
      };

      if (task.exports?.length !== 1) {
        return finish({
          status: 'failed',
          error: 'a secret task must declare exactly one export to receive the value',
        });
      }
      if (context.signal?.aborted)
        return finish({ status: 'cancelled', error: 'cancelled before it started' });

      const timeout = AbortSignal.timeout(Math.max(1, context.timeoutMs));
      const abortSignal = context.signal === undefined ? timeout : AbortSignal.any([context.signal, timeout]);
      try {
        const source = resolveSource(task, context);
        const region = task.spec.region;
        if (source.kind === 'parameter') {
          const answer = await ssmFor(region)
            .send(new GetParameterCommand({ Name: source.name, WithDecryption: true }), { abortSignal })
            .catch((error: unknown) => {
              throw awsProblem(error, `parameter ${source.name}`, timeout, context.signal);
            });
          const parameter = answer.Parameter;
          if (parameter?.Value === undefined) {
            throw new SecretTaskProblem('failed', `parameter ${source.name} came back without a value`);
          }
          value = parameter.Value;
          const version = parameter.Version === undefined ? '' : `, version ${parameter.Version}`;
          return finish({
            status: 'success',
            stdout: `read parameter ${source.name} (${parameter.Type ?? 'unknown type'}${version})\n`,
          });
        }
        const answer = await secretsFor(region)
          .send(new GetSecretValueCommand({ SecretId: source.id }), { abortSignal })
          .catch((error: unknown) => {
            throw awsProblem(error, `secret ${source.id}`, timeout, context.signal);
          });
        const versionNote = answer.VersionId === undefined ? '' : ` (version ${answer.VersionId})`;
        if (answer.SecretString === undefined) {
          if (answer.SecretBinary === undefined) {
            throw new SecretTaskProblem('failed', `secret ${source.id} came back without a value`);
          }
          if (source.jsonKey !== undefined) {
            throw new SecretTaskProblem(
              'failed',
              `secret ${source.id} is binary, so json_key cannot select from it`,
            );
          }
          // An export is text; base64 carries any bytes and says so in the note.
          value = Buffer.from(answer.SecretBinary).toString('base64');
          return finish({
            status: 'success',
            stdout: `read secret ${source.id}${versionNote}, binary, as base64\n`,
          });
        }
        if (source.jsonKey === undefined) {
          value = answer.SecretString;
          return finish({ status: 'success', stdout: `read secret ${source.id}${versionNote}\n` });
        }
        const selected = selectJsonKey(answer.SecretString, source.id, source.jsonKey);
        value = selected;
        return finish({
          status: 'success',
          stdout: `read secret ${source.id}${versionNote}, key ${JSON.stringify(source.jsonKey)}\n`,
        });
      } catch (error) {
        if (error instanceof SecretTaskProblem) return finish({ status: error.status, error: error.message });
        // Only substitution errors (VarsError) reach here; their messages name references, not values.
        return finish({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
      }
    },
  };
}

function cached<T>(
  cache: Map<string, T>,
  region: string | undefined,
  make: (region: string | undefined) => T,
): T {
  const key = region ?? '';
  let client = cache.get(key);
  if (client === undefined) {
    client = make(region);
    cache.set(key, client);
  }
  return client;
}

function resolveSource(task: SecretTask, context: TaskRunContext): Source {
  const { parameter, secret_id: secretId, json_key: jsonKey } = task.spec;
  if ((parameter === undefined) === (secretId === undefined)) {
    throw new SecretTaskProblem(
      'failed',
      'a secret task needs exactly one of spec.parameter and spec.secret_id',
    );
  }
  if (parameter !== undefined) {
    if (jsonKey !== undefined)
      throw new SecretTaskProblem('failed', 'json_key applies to spec.secret_id only');
    return { kind: 'parameter', name: substitute(parameter, context.resolve) };
  }
  return { kind: 'secret', id: substitute(secretId ?? '', context.resolve), jsonKey };
}

/**
 * The value of `key` in a JSON object secret: a string as it is, any other JSON value as JSON text.
 * Messages name the secret and key (and the keys that exist), never the secret's text.
 */
function selectJsonKey(text: string, secretId: string, key: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text it choked on: it must not reach the result.
    throw new SecretTaskProblem(
      'failed',
      `secret ${secretId} is not JSON, so json_key "${key}" cannot select from it`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretTaskProblem(
      'failed',
      `secret ${secretId} is not a JSON object, so json_key "${key}" cannot select from it`,
    );
  }
  if (!Object.hasOwn(parsed, key)) {
    const keys = Object.keys(parsed);
    throw new SecretTaskProblem(
      'failed',
      `secret ${secretId} has no key "${key}"` +
        (keys.length === 0
          ? ' (it is an empty object)'
          : `; its keys are ${keys.map((k) => `"${k}"`).join(', ')}`),
    );
  }
  const selected = (parsed as Record<string, unknown>)[key];
  return typeof selected === 'string' ? selected : JSON.stringify(selected);
}

/** Turns an SDK failure into a task problem; AWS error messages name resources, never values. */
function awsProblem(
  error: unknown,
  what: string,
  timeout: AbortSignal,
  run: AbortSignal | undefined,
): SecretTaskProblem {
  if (run?.aborted) return new SecretTaskProblem('cancelled', `cancelled while reading ${what}`);
  if (timeout.aborted) return new SecretTaskProblem('timed_out', `timed out reading ${what}`);
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'ParameterNotFound':
    case 'ResourceNotFoundException':
      return new SecretTaskProblem('failed', `${what} not found (${name})`);
    case 'ParameterVersionNotFound':
      return new SecretTaskProblem('failed', `${what}: the version asked for does not exist (${name})`);
    case 'AccessDeniedException':
    case 'AccessDenied':
      return new SecretTaskProblem('failed', `access denied reading ${what}: ${message}`);
    default:
      return new SecretTaskProblem('failed', `cannot read ${what}: ${name}: ${message}`);
  }
}
