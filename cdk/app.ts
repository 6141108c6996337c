import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStackConfig } from './config.js';
import { loadDeployment } from './loadDeployment.js';
import { StepfleetStack } from './StepfleetStack.js';

/**
 * `cdk synth` / `cdk deploy` entry point (cdk.json `app`). Reads the `stepfleet:*` context,
 * loads and compiles every TaskGroup of the configured folder (synth fails with located
 * diagnostics if one is invalid), builds the stack, and checks it with cdk-nag's AwsSolutions pack.
 */
export async function buildApp(app: App, projectRoot: string): Promise<StepfleetStack> {
  const config = readStackConfig(app.node.getAllContext());
  const deployment = await loadDeployment(config, projectRoot);
  const stack = new StepfleetStack(app, 'Stepfleet', {
    stackName: config.stackName,
    description: 'stepfleet: TaskGroups run over SSH/SSM by Step Functions and Lambda',
    config,
    deployment,
    projectRoot,
    // Environment-agnostic: deployed to the account and region of the credentials `cdk deploy` uses.
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const app = new App();
  try {
    await buildApp(app, resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  app.synth();
}
