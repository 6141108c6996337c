import { spawnSync } from 'node:child_process';
import type { GetCommandInvocationCommandOutput } from '@aws-sdk/client-ssm';
import { STEPFLEET_SSM_SCRIPT } from '../../../shared/exec/ssm/stepfleetDocument.js';
import { AWS_LIMITS } from '../../../shared/limits.js';

/** What the real SSM Agent would run: the document's script, its parameters as SSM_* variables. */
export function runDocumentScript(
  parameters: Record<string, string[] | undefined>,
  options: { shell?: string; cwd?: string } = {},
): { stdout: string; stderr: string; status: number | null } {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  // Only ENV_VAR parameters become variables; executionTimeout is interpolated into timeoutSeconds.
  for (const name of ['command', 'workdir', 'env', 'stdin', 'shell']) {
    const value = parameters[name]?.[0];
    if (value !== undefined) env[`SSM_${name}`] = value;
  }
  const result = spawnSync(options.shell ?? 'sh', ['-c', STEPFLEET_SSM_SCRIPT.join('\n')], {
    env,
    cwd: options.cwd ?? '/',
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/**
 * A GetCommandInvocation answer for a finished run of the document script, shaped as SSM shapes it:
 * the head of each stream kept (24,000 / 8,000 characters) and the agent's note on a non-zero exit.
 */
export function invocationFromScript(
  run: { stdout: string; stderr: string; status: number | null },
  ids: { commandId: string; instanceId: string },
): GetCommandInvocationCommandOutput {
  const ok = run.status === 0;
  const stderr = ok ? run.stderr : `${run.stderr}failed to run commands: exit status ${run.status}`;
  return {
    $metadata: {},
    CommandId: ids.commandId,
    InstanceId: ids.instanceId,
    Status: ok ? 'Success' : 'Failed',
    StatusDetails: ok ? 'Success' : 'Failed',
    ResponseCode: run.status ?? -1,
    StandardOutputContent: run.stdout.slice(0, AWS_LIMITS.ssmStdoutChars),
    StandardErrorContent: stderr.slice(0, AWS_LIMITS.ssmStderrChars),
  };
}
