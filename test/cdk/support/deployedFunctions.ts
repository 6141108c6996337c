import { mkdtempSync, readdirSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { Context } from 'aws-lambda';
import { StepfleetFunction } from '../../../cdk/constructs/StepfleetFunction.js';
import type { StepfleetStack } from '../../../cdk/StepfleetStack.js';
import { DEPLOYMENT_FILE_NAME } from '../../../lambdas/runtime/loadDeploymentBundle.js';
import { fakeArn, type PhysicalIds, resolveIntrinsics, type TemplateResource } from './cloudFormation.js';

/** A Lambda handler as the runtime calls it. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** One function of a synthesized stack, as a deployment would run it. */
export interface DeployedFunction {
  logicalId: string;
  /** The made-up ARN the state machines' Task states carry for it. */
  arn: string;
  /** Its handler file, relative to the project root (what esbuild would bundle). */
  entry: string;
  timeoutMs: number;
  /** The template's environment variables, intrinsics resolved. */
  environment: Record<string, string>;
  handler: LambdaHandler;
}

/**
 * Loads every function of a synthesized stack the way Lambda would start it: the handler module
 * its construct was built from, imported with the function's own environment from the template
 * (plus `base`, what the Lambda runtime and the test add) and `LAMBDA_TASK_ROOT` holding the
 * deployment bundle the stack wrote into the cloud assembly. The environment is put back after
 * each import: the handlers read their configuration at module scope, once per container.
 */
export async function loadDeployedFunctions(input: {
  stack: StepfleetStack;
  resources: Readonly<Record<string, TemplateResource>>;
  physical: PhysicalIds;
  /** The cloud assembly directory (`synthStack().outdir`). */
  outdir: string;
  base: Record<string, string>;
  projectRoot: string;
}): Promise<DeployedFunction[]> {
  const bundles = readdirSync(join(input.outdir, 'stepfleet')).filter((f) => f.endsWith('.json'));
  if (bundles.length !== 1) throw new Error(`expected one deployment bundle, found ${bundles.join(', ')}`);
  const taskRoot = mkdtempSync(join(tmpdir(), 'stepfleet-task-root-'));
  await copyFile(join(input.outdir, 'stepfleet', bundles[0] as string), join(taskRoot, DEPLOYMENT_FILE_NAME));

  const constructs = input.stack.node
    .findAll()
    .filter((c): c is StepfleetFunction => c instanceof StepfleetFunction);
  const loaded: DeployedFunction[] = [];
  for (const construct of constructs) {
    const logicalId = input.stack.getLogicalId(construct.function.node.defaultChild as CfnFunction);
    const resource = input.resources[logicalId];
    if (!resource) throw new Error(`no template resource ${logicalId}`);
    const props = resource.Properties ?? {};
    const environment = resolveIntrinsics(
      (props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
      input.resources,
      input.physical,
    ) as Record<string, string>;
    const saved = process.env;
    process.env = {
      ...input.base,
      ...environment,
      AWS_LAMBDA_FUNCTION_NAME: logicalId,
      LAMBDA_TASK_ROOT: taskRoot,
      // The most talkative level, so the tests can read everything the functions log; the level
      // is the only variable changed.
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    };
    try {
      const module = (await import(join(input.projectRoot, construct.entry))) as { handler: LambdaHandler };
      loaded.push({
        logicalId,
        arn: fakeArn(logicalId, resource.Type),
        entry: construct.entry,
        timeoutMs: Number(props.Timeout) * 1000,
        environment,
        handler: module.handler,
      });
    } finally {
      process.env = saved;
    }
  }
  return loaded;
}
