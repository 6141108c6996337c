import { z } from 'zod';
import type { RunRequest } from '../../shared/engine/startRun.js';
import { type ErrorDetail, HttpError } from './http.js';

/** The body of `POST /runs` (DESIGN §6); unknown keys are refused. */
export const StartRunBody = z.strictObject({
  taskGroup: z.string().min(1).max(63),
  inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  targets: z.array(z.string().min(1).max(256)).max(100).optional(),
  idempotencyKey: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional(),
});

/** `GET /runs` query parameters. */
export const ListRunsQuery = z.strictObject({
  taskGroup: z.string().min(1).max(63).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().min(1).max(2048).optional(),
});

/** Parses a request part with a schema; a mismatch is a 400 listing every problem. */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const details: ErrorDetail[] = parsed.error.issues.map((issue) => ({
    code: issue.code === 'unrecognized_keys' ? 'UNKNOWN_KEY' : 'INVALID_VALUE',
    message: issue.message,
    path: [where, ...issue.path.map(String)].join('.'),
  }));
  throw new HttpError(400, `invalid request ${where}`, details);
}

/** A run id from the path, as the store accepts it. */
export function runIdParameter(value: string | undefined): string {
  if (value === undefined || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(value)) {
    throw new HttpError(400, 'invalid run id', [
      { code: 'INVALID_VALUE', message: 'not a run id', path: 'id' },
    ]);
  }
  return value;
}

export type StartRunRequest = RunRequest;
