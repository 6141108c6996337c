import { z } from 'zod';
import { suggest } from '../shared/diagnostics/suggest.js';

/** Prefix of every context key the stack reads (`cdk.json` → `context`, or `cdk synth -c`). */
export const CONTEXT_PREFIX = 'stepfleet:';

const nonEmpty = z.string().min(1);
const inputValue = z.union([z.string(), z.number(), z.boolean()]);

/**
 * The stack's configuration, one context key each (`stepfleet:<key>`). Object values may be
 * given as JSON text, which is what `-c key=value` passes on the command line.
 */
export const StackConfigSchema = z.strictObject({
  /** CloudFormation stack name (one deployment per name, account and region). */
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
    .default('stepfleet'),
  /** Folder whose `*.yaml`, `*.yml` and `*.json` files are the TaskGroups to deploy. */
  taskGroupsDir: nonEmpty,
  /** Inventory file the Lambdas resolve targets against; absent: only `local` and `ec2:` targets. */
  inventory: nonEmpty.optional(),
  /** Where exec-host runs to reach hosts over SSH; absent: outside any VPC. */
  network: z
    .strictObject({
      subnetIds: z.array(z.string().regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/)).min(1),
      securityGroupIds: z.array(z.string().regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/)).min(1),
    })
    .optional(),
  /** Days CloudWatch keeps function, state machine and API logs. */
  logRetentionDays: z.number().int().positive().default(30),
  /** Days a run's items stay in the table before DynamoDB TTL deletes them. */
  runRetentionDays: z.number().int().positive().default(90),
  /** A customer-managed KMS key for the table and the data-key secret; absent: AWS-owned keys. */
  kmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/)
    .optional(),
  /** Bound on one run (each state machine's TimeoutSeconds). */
  runTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .default(24 * 3600),
  /** Inputs a scheduled run of each TaskGroup is started with (required inputs without default). */
  scheduleInputs: z.record(z.string(), z.record(z.string(), inputValue)).default({}),
  /** Time zone of the schedules' cron expressions (IANA name). */
  scheduleTimeZone: nonEmpty.default('UTC'),
  /** Tag an EC2 instance must carry before exec-host may send it the stepfleet SSM document. */
  ssmInstanceTag: z
    .strictObject({ key: nonEmpty, value: nonEmpty })
    .default({ key: 'stepfleet', value: 'enabled' }),
  /** Name of the SSM document (one per account and region). */
  ssmDocumentName: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{3,128}$/)
    .default('stepfleet-run-command'),
  /** API Gateway stage throttling, requests per second and burst. */
  apiThrottle: z
    .strictObject({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() })
    .default({ rateLimit: 10, burstLimit: 20 }),
});

export type StackConfig = z.infer<typeof StackConfigSchema>;

/** A configuration that cannot build a stack; the message lists every problem. */
export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`stepfleet: invalid cdk.json context:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

const KNOWN_KEYS = Object.keys(StackConfigSchema.shape);

/**
 * Reads the `stepfleet:*` context keys into a checked configuration. Unknown `stepfleet:` keys are
 * errors with a did-you-mean, so a typo never silently falls back to a default.
 *
 * @example readStackConfig((key) => app.node.tryGetContext(key), Object.keys(contextOf(app)))
 */
export function readStackConfig(context: Readonly<Record<string, unknown>>): StackConfig {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(context)) {
    if (!fullKey.startsWith(CONTEXT_PREFIX) || value === undefined) continue;
    const key = fullKey.slice(CONTEXT_PREFIX.length);
    if (!KNOWN_KEYS.includes(key)) {
      const match = suggest(key, KNOWN_KEYS);
      problems.push(
        `unknown context key "${fullKey}"${match ? `. Did you mean "${CONTEXT_PREFIX}${match}"?` : ''}`,
      );
      continue;
    }
    raw[key] = parseJsonText(value);
  }
  const parsed = StackConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = `${CONTEXT_PREFIX}${issue.path.map(String).join('.')}`;
      problems.push(`${key}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new StackConfigError(problems);
  return parsed.data;
}

/** Context given on the command line arrives as text: `-c stepfleet:logRetentionDays=14`. */
function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (/^[[{]/.test(text) || /^-?\d+(\.\d+)?$/.test(text) || text === 'true' || text === 'false') {
    try {
      return JSON.parse(text);
    } catch {
      return value;
    }
  }
  return value;
}
