/**
 * The Lambda functions a compiled state machine invokes, by the placeholder it carries in each
 * Task state's `Resource`. CDK substitutes the placeholders with function ARNs
 * (`DefinitionSubstitutions`); the local engine overrides each Task state with the same handler
 * code in-process.
 */
export const LAMBDA_PLACEHOLDERS = {
  'prepare-run': '${PrepareRunFunctionArn}',
  'task-gate': '${TaskGateFunctionArn}',
  'exec-host': '${ExecHostFunctionArn}',
  'finalize-run': '${FinalizeRunFunctionArn}',
} as const;

/** The runtime handlers a state machine needs. */
export type RunnerFunction = keyof typeof LAMBDA_PLACEHOLDERS;

/** The substitution key CDK uses for a placeholder (`${ExecHostFunctionArn}` → `ExecHostFunctionArn`). */
export function substitutionKey(fn: RunnerFunction): string {
  return LAMBDA_PLACEHOLDERS[fn].slice(2, -1);
}

/** Lambda and Task-state timeouts, seconds. The Task timeout leaves room for a cold start. */
export const FUNCTION_TIMEOUTS: Record<RunnerFunction, { lambda: number; task: number }> = {
  'prepare-run': { lambda: 60, task: 120 },
  'task-gate': { lambda: 60, task: 120 },
  'exec-host': { lambda: 900, task: 960 },
  'finalize-run': { lambda: 120, task: 180 },
};

/** A well-formed Lambda ARN standing for a runner function where no real one exists (local runs). */
export function localFunctionArn(fn: RunnerFunction): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:stepfleet-${fn}`;
}

/**
 * Replaces every runner placeholder in a definition, as CDK's `DefinitionSubstitutions` does in
 * the cloud. Placeholders are whole JSON string values, so a plain string swap cannot touch
 * anything else.
 */
export function substitutePlaceholders<T>(definition: T, arnOf: (fn: RunnerFunction) => string): T {
  let text = JSON.stringify(definition);
  for (const [fn, placeholder] of Object.entries(LAMBDA_PLACEHOLDERS) as [RunnerFunction, string][]) {
    text = text.split(JSON.stringify(placeholder)).join(JSON.stringify(arnOf(fn)));
  }
  return JSON.parse(text) as T;
}
