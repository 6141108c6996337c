import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../cdk/app.js';
import type { StepfleetStack } from '../../cdk/StepfleetStack.js';

export const ROOT = join(import.meta.dirname, '../..');

/** The context of the project's cdk.json, as `cdk synth` passes it. */
export const CDK_JSON_CONTEXT = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context as Record<
  string,
  unknown
>;

/** One violation of a validation plugin (cdk-nag) from the cloud assembly's report. */
export interface Violation {
  ruleName: string;
  constructPath: string;
}

export interface Synthesized {
  stack: StepfleetStack;
  template: Template;
  violations: Violation[];
  outdir: string;
}

/**
 * Synthesizes the app offline as `cdk synth` would, with the project's cdk.json context plus
 * `context`. Bundling is skipped unless asked for (esbuild takes seconds per function); the
 * cdk-nag report is read back and returned rather than thrown.
 */
export async function synthStack(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean } = {},
): Promise<Synthesized> {
  const outdir = mkdtempSync(join(tmpdir(), 'stepfleet-cdk-'));
  const app = new App({
    outdir,
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
  const stack = await buildApp(app, ROOT);
  try {
    app.synth();
  } catch (error) {
    if (!/Validation failed/.test((error as Error).message)) throw error;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
  };
  const violations = report.pluginReports.flatMap((p) =>
    p.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => ({ ruleName: v.ruleName, constructPath: c.constructPath })),
    ),
  );
  return { stack, template: Template.fromStack(stack), violations, outdir };
}

/** Resources of a type in a template, by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}
