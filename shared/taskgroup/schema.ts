import { z } from 'zod';
import { codedMessage } from './codedMessage.js';
import {
  batchField,
  countOrPercentField,
  durationField,
  envNameField,
  scheduleField,
  selectorField,
  taskNameField,
} from './fields.js';
import { PATTERNS } from './patterns.js';
import { ExecSpecSchema } from './specs/execSpec.js';
import { HttpSpecSchema } from './specs/httpSpec.js';
import { ScriptSpecSchema } from './specs/scriptSpec.js';
import { SecretSpecSchema } from './specs/secretSpec.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const InputSchema = z.strictObject({
  description: z.string().optional(),
  default: scalar.optional(),
  required: z.boolean().optional(),
  allowed: z.array(scalar).min(1).optional().meta({ description: 'The only values this input accepts.' }),
  confidential: z.boolean().optional().meta({ description: 'Mask the value everywhere it would be shown.' }),
});

export const RetriesSchema = z.strictObject({
  attempts: z.int().min(0).max(10).meta({ description: 'Extra attempts after a failed host execution.' }),
  interval: durationField.optional(),
  backoff: z
    .number()
    .min(1)
    .max(10)
    .optional()
    .meta({ description: 'Multiplier applied to interval after each attempt.' }),
});

export const OnFailureSchema = z.enum(['stop', 'continue'], {
  error: 'must be "stop" or "continue"',
});

export const StrategySchema = z.strictObject({
  max_concurrency: z
    .int()
    .min(1)
    .optional()
    .meta({ description: 'Hosts at once within the task; 1 = sequential.' }),
  batch: batchField.optional().meta({ description: 'Rolling waves: each wave finishes before the next.' }),
  tolerated_failures: countOrPercentField
    .optional()
    .meta({ description: 'Failed hosts allowed before the task fails.' }),
});

export const ImportSchema = z.strictObject({
  from: z.string().meta({ description: 'The task that exports the variable.' }),
  variable: z.string(),
  as: envNameField
    .optional()
    .meta({ description: 'Environment variable name (default: variable upper-cased).' }),
});

export const ExportSchema = z.strictObject({
  name: envNameField,
  confidential: z.boolean().optional(),
  scope: z.enum(['host', 'global']).optional().meta({
    description: 'global also publishes the value as a run output; the task must run on one target.',
  }),
  description: z.string().optional(),
});

/** Fields every task type shares; `targets` and `strategy` only make sense for host tasks. */
const commonTaskFields = {
  name: taskNameField,
  description: z.string().optional(),
  depends_on: z.array(z.string()).optional(),
  targets: z.array(selectorField).min(1).optional(),
  strategy: StrategySchema.optional(),
  timeout: durationField.optional(),
  retries: RetriesSchema.optional(),
  on_failure: OnFailureSchema.optional(),
  idempotent: z.boolean().optional(),
  imports: z.array(ImportSchema).optional(),
  exports: z.array(ExportSchema).optional(),
};

export const ExecTaskSchema = z.strictObject({
  ...commonTaskFields,
  type: z.literal('exec'),
  spec: ExecSpecSchema,
});
export const ScriptTaskSchema = z.strictObject({
  ...commonTaskFields,
  type: z.literal('script'),
  spec: ScriptSpecSchema,
});
export const SecretTaskSchema = z.strictObject({
  ...commonTaskFields,
  type: z.literal('secret'),
  spec: SecretSpecSchema,
});
export const HttpTaskSchema = z.strictObject({
  ...commonTaskFields,
  type: z.literal('http'),
  spec: HttpSpecSchema,
});

/** The task types stepfleet knows; each has one spec schema. */
export const TASK_TYPES = ['exec', 'script', 'secret', 'http'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TaskSchema = z.discriminatedUnion(
  'type',
  [ExecTaskSchema, ScriptTaskSchema, SecretTaskSchema, HttpTaskSchema],
  {
    error: codedMessage('INVALID_TASK_TYPE', `type must be one of ${TASK_TYPES.join(', ')}`),
  },
);

export const DefaultsSchema = z.strictObject({
  timeout: durationField.optional(),
  retries: RetriesSchema.optional(),
  on_failure: OnFailureSchema.optional(),
});

/** A TaskGroup file (DESIGN §2). The schema is also the TypeScript type. */
export const TaskGroupSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'Editor hint; ignored by stepfleet.' }),
    name: z.string().regex(PATTERNS.groupName, {
      error: codedMessage(
        'INVALID_NAME',
        'must be lower-case letters, digits and -, starting with a letter, at most 63 characters',
      ),
    }),
    description: z.string().optional(),
    schedule: scheduleField.optional(),
    inputs: z.record(envNameField, InputSchema).optional(),
    defaults: DefaultsSchema.optional(),
    tasks: z.array(TaskSchema).min(1, { error: 'a TaskGroup needs at least one task' }),
  })
  .meta({
    title: 'stepfleet TaskGroup',
    description: 'A DAG of tasks that stepfleet compiles to a Step Functions state machine.',
  });

export type TaskGroup = z.infer<typeof TaskGroupSchema>;
export type Task = z.infer<typeof TaskSchema>;
export type TaskInput = z.infer<typeof InputSchema>;
export type TaskExport = z.infer<typeof ExportSchema>;
export type TaskImport = z.infer<typeof ImportSchema>;
export type Strategy = z.infer<typeof StrategySchema>;
export type Retries = z.infer<typeof RetriesSchema>;

/** Task types that run on target hosts (the others run inside the runner itself). */
export const HOST_TASK_TYPES: ReadonlySet<TaskType> = new Set(['exec', 'script']);
