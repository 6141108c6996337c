import { AWS_LIMITS } from '../../limits.js';
import { PATTERNS } from '../../taskgroup/patterns.js';
import type { ExecutionRequest } from '../HostExecutor.js';
import { DOCUMENT_PARAMETER_PATTERNS, type StepfleetDocumentParameter } from './stepfleetDocument.js';

/** SendCommand `Parameters` for the stepfleet document: one value per parameter. */
export type DocumentParameters = Record<StepfleetDocumentParameter, [string]>;

/** Parameters to send, or why the request cannot go over SSM (nothing was sent). */
export type DocumentParametersResult =
  | { ok: true; parameters: DocumentParameters; executionTimeoutSeconds: number }
  | { ok: false; problem: string };

/** Prefix of the document script's own variables: a request variable must not overwrite them. */
const RESERVED_ENV_PREFIX = '_sf_';
const INSTANCE_ID = /^m?i-[0-9a-f]{8,32}$/;

/**
 * Turns a request into the stepfleet document's parameters, or says why it cannot be sent.
 *
 * **Confidential values never go over SSM.** SendCommand parameters are kept in the command's
 * history (`ListCommands` returns them to anyone with read access, and CloudTrail records them),
 * so they are no place for a secret. A request whose environment, command, stdin, workdir or shell
 * contains any value of `request.confidential` is refused with a message naming the variables (never
 * the values), before anything is sent: the host ends `failed` and nothing ran. Run such a task over
 * SSH, or let the command fetch the secret on the host itself (`aws ssm get-parameter
 * --with-decryption`, with the instance role's permission), where it never travels in a parameter.
 * Values are matched as substrings, so a very short confidential value may refuse a harmless
 * request; that errs on the safe side.
 */
export function buildDocumentParameters(request: ExecutionRequest): DocumentParametersResult {
  const refuse = (problem: string): DocumentParametersResult => ({ ok: false, problem });
  const instanceId = request.host.instanceId;
  if (instanceId === undefined || !INSTANCE_ID.test(instanceId)) {
    return refuse(
      instanceId === undefined
        ? 'the host has no instance_id, which transport ssm needs'
        : `instance_id "${instanceId}" is not an EC2 or managed instance id (i-… or mi-…)`,
    );
  }
  if (!(request.timeoutMs > 0)) return refuse(`timeout must be positive, got ${request.timeoutMs} ms`);
  const executionTimeoutSeconds = Math.ceil(request.timeoutMs / 1000);
  if (executionTimeoutSeconds > AWS_LIMITS.ssmExecutionTimeoutMaxSeconds) {
    return refuse(
      `timeout ${executionTimeoutSeconds}s exceeds the ${AWS_LIMITS.ssmExecutionTimeoutMaxSeconds}s an SSM shell step may run`,
    );
  }

  const secrets = request.confidential.filter((value) => value !== '');
  const carriesSecret = (text: string): boolean => secrets.some((secret) => text.includes(secret));
  const secretCarriers: string[] = [];
  const words: string[] = [];
  for (const [name, value] of Object.entries(request.env)) {
    if (!PATTERNS.envName.test(name))
      return refuse(`environment variable name "${name}" is not a valid name`);
    if (name.startsWith(RESERVED_ENV_PREFIX)) {
      return refuse(`environment variable names starting with ${RESERVED_ENV_PREFIX} are reserved over SSM`);
    }
    // The OS cannot carry NUL in an environment value; truncating it silently would change it.
    if (value.includes('\0')) return refuse(`environment variable ${name} contains a NUL character`);
    if (carriesSecret(value)) secretCarriers.push(`environment variable ${name}`);
    words.push(`${name}=${Buffer.from(value).toString('base64')}`);
  }
  const command = request.command;
  if (command.includes('\0')) return refuse('the command contains a NUL character');
  if (carriesSecret(command)) secretCarriers.push('the command');
  const stdin = request.stdin ?? '';
  if (carriesSecret(stdin)) secretCarriers.push('stdin');
  const workdir = request.workdir ?? '';
  if (workdir.includes('\0')) return refuse('the workdir contains a NUL character');
  if (carriesSecret(workdir)) secretCarriers.push('the workdir');
  const shell = (request.shell ?? '/bin/sh').trim().split(/\s+/).filter(Boolean).join(' ') || '/bin/sh';
  if (carriesSecret(shell)) secretCarriers.push('the shell');
  if (secretCarriers.length > 0) {
    return refuse(
      `${secretCarriers.join(', ')} would carry a confidential value in SSM SendCommand parameters, ` +
        "which stay readable in the command's history; run this task over SSH, or fetch the secret " +
        'on the host itself (aws ssm get-parameter --with-decryption)',
    );
  }

  // After the secret check, so that the message never quotes a confidential shell.
  if (!new RegExp(DOCUMENT_PARAMETER_PATTERNS.shell).test(shell)) {
    return refuse(`shell "${shell}" must be a path or name with options made of letters, digits and ._/+-=`);
  }

  return {
    ok: true,
    executionTimeoutSeconds,
    parameters: {
      command: [command],
      workdir: [workdir],
      env: [words.join(' ')],
      stdin: [Buffer.from(stdin).toString('base64')],
      shell: [shell],
      executionTimeout: [String(executionTimeoutSeconds)],
    },
  };
}
