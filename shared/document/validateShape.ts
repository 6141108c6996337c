import { z } from 'zod';
import type { Diagnostic, DocPath } from '../diagnostics/Diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { splitCodedMessage } from '../taskgroup/codedMessage.js';
import type { SourceDocument } from './readDocument.js';

/**
 * Checks a document against a zod schema and turns every issue into a located diagnostic,
 * one per unknown key, with a did-you-mean where a known key is close.
 */
export function validateShape<T extends z.ZodType>(
  document: SourceDocument,
  schema: T,
): { ok: true; value: z.infer<T> } | { ok: false; diagnostics: Diagnostic[] } {
  const parsed = schema.safeParse(document.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const diagnostics = parsed.error.issues.flatMap((issue) => issueToDiagnostics(document, schema, issue));
  return { ok: false, diagnostics };
}

function issueToDiagnostics(
  document: SourceDocument,
  root: z.ZodType,
  issue: z.core.$ZodIssue,
): Diagnostic[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const { code, message } = splitCodedMessage(issue.message);
  const found = valueAt(document.value, path);

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(root, path, document.value);
      return issue.keys.map((key) =>
        document.at([...path, key], 'UNKNOWN_KEY', `unknown key "${key}"`, {
          atKey: true,
          hint:
            didYouMean(key, known) ??
            (known.length > 0 ? `Known keys here: ${known.join(', ')}.` : undefined),
        }),
      );
    }
    case 'invalid_type': {
      if (found === undefined) {
        const field = path[path.length - 1];
        return [document.at(path, 'MISSING_FIELD', `missing required field "${String(field)}"`)];
      }
      const text = code || !message.startsWith('Invalid') ? message : `must be ${article(issue.expected)}`;
      return [document.at(path, code ?? 'INVALID_TYPE', `${text}, found ${describe(found)}`)];
    }
    case 'invalid_union': {
      if (issue.discriminator !== undefined && issue.errors.length === 0) {
        const field = issue.discriminator;
        if (found === undefined)
          return [document.at(path, 'MISSING_FIELD', `missing required field "${field}"; ${message}`)];
        const options = (('options' in issue ? issue.options : undefined) ?? []).map(String);
        return [
          document.at(path, code ?? 'INVALID_VALUE', `${message}, found ${describe(found)}`, {
            hint: typeof found === 'string' ? didYouMean(found, options) : undefined,
          }),
        ];
      }
      return [document.at(path, code ?? 'INVALID_VALUE', `${message}, found ${describe(found)}`)];
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v));
      const text = code ? message : `must be one of ${allowed.join(', ')}`;
      return [
        document.at(path, code ?? 'INVALID_VALUE', `${text}, found ${describe(found)}`, {
          hint: typeof found === 'string' ? didYouMean(found, issue.values.map(String)) : undefined,
        }),
      ];
    }
    case 'invalid_format':
      return [document.at(path, code ?? 'INVALID_VALUE', `${message}, found ${describe(found)}`)];
    case 'too_small':
    case 'too_big': {
      const text = code || !/^(Too|Invalid)/.test(message) ? message : sizeMessage(issue);
      return [document.at(path, code ?? 'INVALID_VALUE', text)];
    }
    case 'invalid_key': {
      const key = path[path.length - 1];
      const inner = issue.issues[0];
      const text = inner
        ? splitCodedMessage(inner.message)
        : { code: undefined, message: 'is not a valid key' };
      return [
        document.at(path, text.code ?? 'INVALID_VALUE', `key "${String(key)}" ${text.message}`, {
          atKey: true,
        }),
      ];
    }
    default:
      return [document.at(path, code ?? 'INVALID_VALUE', message)];
  }
}

function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
  const word = issue.code === 'too_small' ? 'at least' : 'at most';
  if (issue.origin === 'array') return `must have ${word} ${bound} item${Number(bound) === 1 ? '' : 's'}`;
  if (issue.origin === 'string')
    return `must be ${word} ${bound} character${Number(bound) === 1 ? '' : 's'} long`;
  return `must be ${word} ${bound}`;
}

function article(expected: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    record: 'a mapping',
  };
  return names[expected] ?? expected;
}

/** How a value reads in a message: `a list`, `the number 3`, `"web"`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return `${typeof value} ${String(value)}`;
}

/** The value at `path` in a plain JavaScript value, or undefined. */
export function valueAt(root: unknown, path: DocPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

type AnySchema = z.ZodType;

/** The schema that validates the value at `path`, choosing union branches by the data. */
function schemaAt(root: AnySchema, path: DocPath, data: unknown): AnySchema | undefined {
  let schema: AnySchema | undefined = unwrap(root, data);
  let value = data;
  for (const segment of path) {
    if (!schema) return undefined;
    value = valueAt(value, [segment]);
    if (schema instanceof z.ZodObject) schema = schema.shape[segment as string] as AnySchema | undefined;
    else if (schema instanceof z.ZodArray) schema = schema.element as AnySchema;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as AnySchema;
    else return undefined;
    schema = schema ? unwrap(schema, value) : undefined;
  }
  return schema;
}

function unwrap(schema: AnySchema, value: unknown): AnySchema | undefined {
  let current: AnySchema = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault
    ) {
      current = current.unwrap() as AnySchema;
    } else if (current instanceof z.ZodDiscriminatedUnion) {
      const discriminator = current.def.discriminator;
      const wanted = valueAt(value, [discriminator]);
      const match = (current.options as AnySchema[]).find(
        (option) => option instanceof z.ZodObject && literalValue(option.shape[discriminator]) === wanted,
      );
      if (!match) return current.options[0] as AnySchema;
      current = match;
    } else {
      return current;
    }
  }
}

function literalValue(schema: unknown): unknown {
  return schema instanceof z.ZodLiteral ? schema.value : undefined;
}

function knownKeys(root: AnySchema, path: DocPath, data: unknown): string[] {
  const schema = schemaAt(root, path, data);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
