import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Diagnostic, DocPath } from '../diagnostics/Diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { SourceDocument } from '../document/readDocument.js';
import { parseTemplate } from '../vars/expressions.js';
import { ancestors, dependencyGraph, findCycles } from './dag.js';
import { HOST_TASK_TYPES, type Task, type TaskGroup } from './schema.js';
import { templatedStrings } from './templatedStrings.js';

/**
 * The semantic checks of a TaskGroup whose shape is already valid (DESIGN §2): names, the
 * dependency graph, imports and `${{ }}` references, and which task types take targets.
 * (Durations, counts, selectors and the schedule are checked by the schema itself.)
 * Every problem is reported; nothing stops at the first.
 */
export function checkTaskGroup(document: SourceDocument, group: TaskGroup): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tasks = group.tasks;
  const indexOf = new Map<string, number>();
  for (const [i, task] of tasks.entries()) {
    const first = indexOf.get(task.name);
    if (first === undefined) indexOf.set(task.name, i);
    else {
      out.push(
        document.at(
          ['tasks', i, 'name'],
          'DUPLICATE_TASK_NAME',
          `task name "${task.name}" is already used by tasks[${first}]`,
        ),
      );
    }
  }
  const names = [...indexOf.keys()];
  const graph = dependencyGraph(tasks);

  for (const [i, task] of tasks.entries()) {
    for (const [d, dep] of (task.depends_on ?? []).entries()) {
      if (!indexOf.has(dep)) {
        out.push(
          document.at(
            ['tasks', i, 'depends_on', d],
            'UNKNOWN_DEPENDENCY',
            `task "${task.name}" depends on unknown task "${dep}"`,
            {
              hint: didYouMean(dep, names),
            },
          ),
        );
      }
    }
  }
  for (const cycle of findCycles(graph)) {
    const [from = '', to = ''] = cycle;
    const i = indexOf.get(from) ?? 0;
    const d = tasks[i]?.depends_on?.indexOf(to) ?? 0;
    out.push(
      document.at(
        ['tasks', i, 'depends_on', d],
        'TASK_CYCLE',
        `tasks depend on each other in a cycle: ${cycle.join(' -> ')}`,
        {
          hint: 'Remove one of these dependencies.',
        },
      ),
    );
  }

  for (const [i, task] of tasks.entries()) {
    if (indexOf.get(task.name) !== i) continue;
    const upstream = ancestors(graph, task.name);
    checkTargets(document, task, i, out);
    checkImports(document, task, i, tasks, indexOf, upstream, out);
    checkExports(document, task, i, out);
    checkSpec(document, task, i, out);
    checkReferences(document, group, task, i, indexOf, upstream, out);
  }
  checkGroupLevel(document, group, out);
  return out;
}

function checkTargets(document: SourceDocument, task: Task, i: number, out: Diagnostic[]): void {
  const onHosts = HOST_TASK_TYPES.has(task.type);
  if (onHosts && task.targets === undefined) {
    out.push(
      document.at(
        ['tasks', i],
        'TARGETS_REQUIRED',
        `task "${task.name}" of type ${task.type} needs targets`,
        {
          hint: 'Add `targets: [local]` to run on this machine, or host names, globs or tag:NAME selectors.',
        },
      ),
    );
  }
  if (!onHosts && task.targets !== undefined) {
    out.push(
      document.at(
        ['tasks', i, 'targets'],
        'TARGETS_NOT_ALLOWED',
        `task "${task.name}" of type ${task.type} runs inside the runner and takes no targets`,
        {
          atKey: true,
        },
      ),
    );
  }
  if (!onHosts && task.strategy !== undefined) {
    out.push(
      document.at(
        ['tasks', i, 'strategy'],
        'STRATEGY_NOT_ALLOWED',
        `task "${task.name}" of type ${task.type} has no hosts to spread, so no strategy`,
        {
          atKey: true,
        },
      ),
    );
  }
}

function checkImports(
  document: SourceDocument,
  task: Task,
  i: number,
  tasks: readonly Task[],
  indexOf: ReadonlyMap<string, number>,
  upstream: ReadonlySet<string>,
  out: Diagnostic[],
): void {
  const envNames = new Map<string, number>();
  for (const [k, imp] of (task.imports ?? []).entries()) {
    const path: DocPath = ['tasks', i, 'imports', k];
    const envName = imp.as ?? imp.variable.toUpperCase();
    const clash = envNames.get(envName);
    if (clash !== undefined) {
      out.push(
        document.at(
          path,
          'DUPLICATE_IMPORT',
          `imports[${clash}] and imports[${k}] both set the environment variable ${envName}`,
          {
            hint: 'Give one of them a different `as:` name.',
          },
        ),
      );
    } else envNames.set(envName, k);
    const sourceIndex = indexOf.get(imp.from);
    if (sourceIndex === undefined) {
      out.push(
        document.at(
          [...path, 'from'],
          'UNKNOWN_IMPORT_SOURCE',
          `task "${task.name}" imports from unknown task "${imp.from}"`,
          {
            hint: didYouMean(imp.from, indexOf.keys()),
          },
        ),
      );
      continue;
    }
    if (!upstream.has(imp.from)) {
      out.push(
        document.at(
          [...path, 'from'],
          'IMPORT_NOT_UPSTREAM',
          `task "${task.name}" imports from "${imp.from}", which it does not depend on`,
          {
            hint: `Add "${imp.from}" to depends_on so that its outputs exist before "${task.name}" starts.`,
          },
        ),
      );
    }
    const exported = (tasks[sourceIndex]?.exports ?? []).map((e) => e.name);
    if (!exported.includes(imp.variable)) {
      out.push(
        document.at(
          [...path, 'variable'],
          'UNKNOWN_EXPORT',
          `task "${imp.from}" does not export "${imp.variable}"`,
          {
            hint:
              didYouMean(imp.variable, exported) ??
              (exported.length ? `It exports: ${exported.join(', ')}.` : `It exports nothing.`),
          },
        ),
      );
    }
  }
}

function checkExports(document: SourceDocument, task: Task, i: number, out: Diagnostic[]): void {
  const seen = new Map<string, number>();
  const exports = task.exports ?? [];
  for (const [k, exp] of exports.entries()) {
    const first = seen.get(exp.name);
    if (first === undefined) seen.set(exp.name, k);
    else
      out.push(
        document.at(
          ['tasks', i, 'exports', k, 'name'],
          'DUPLICATE_EXPORT',
          `export "${exp.name}" is already declared at exports[${first}]`,
        ),
      );
  }
  if (task.type === 'secret' && exports.length !== 1) {
    out.push(
      document.at(
        ['tasks', i, exports.length === 0 ? 'spec' : 'exports'],
        'EXPORT_NOT_PRODUCED',
        `secret task "${task.name}" must declare exactly one export to receive the value, found ${exports.length}`,
        {
          atKey: true,
        },
      ),
    );
  }
  if (task.type === 'http') {
    const produced = new Set(['status', 'body', ...Object.keys(task.spec.extract ?? {})]);
    for (const [k, exp] of exports.entries()) {
      if (!produced.has(exp.name)) {
        out.push(
          document.at(
            ['tasks', i, 'exports', k, 'name'],
            'EXPORT_NOT_PRODUCED',
            `http task "${task.name}" cannot produce "${exp.name}": exports are status, body or a key of spec.extract`,
            {
              hint: didYouMean(exp.name, produced),
            },
          ),
        );
      }
    }
  }
}

function checkSpec(document: SourceDocument, task: Task, i: number, out: Diagnostic[]): void {
  const spec: DocPath = ['tasks', i, 'spec'];
  if (task.type === 'script') {
    const { inline, file } = task.spec;
    if ((inline === undefined) === (file === undefined)) {
      out.push(
        document.at(
          spec,
          inline === undefined ? 'MISSING_FIELD' : 'INVALID_VALUE',
          'a script task needs exactly one of spec.inline and spec.file',
        ),
      );
    } else if (file !== undefined && !existsSync(resolve(dirname(document.file), file))) {
      out.push(
        document.at(
          [...spec, 'file'],
          'SCRIPT_NOT_FOUND',
          `script file "${file}" does not exist (paths are relative to the TaskGroup file)`,
        ),
      );
    }
  }
  if (task.type === 'secret') {
    const { parameter, secret_id } = task.spec;
    if ((parameter === undefined) === (secret_id === undefined)) {
      out.push(
        document.at(
          spec,
          parameter === undefined ? 'MISSING_FIELD' : 'INVALID_VALUE',
          'a secret task needs exactly one of spec.parameter and spec.secret_id',
        ),
      );
    }
    if (task.spec.json_key !== undefined && secret_id === undefined) {
      out.push(
        document.at([...spec, 'json_key'], 'INVALID_VALUE', 'json_key applies to spec.secret_id only'),
      );
    }
  }
}

function checkReferences(
  document: SourceDocument,
  group: TaskGroup,
  task: Task,
  i: number,
  indexOf: ReadonlyMap<string, number>,
  upstream: ReadonlySet<string>,
  out: Diagnostic[],
): void {
  const inputs = Object.keys(group.inputs ?? {});
  for (const [path, text] of templatedStrings(task, i)) {
    const template = parseTemplate(text);
    for (const problem of template.problems) out.push(document.at(path, 'BAD_EXPRESSION', problem.message));
    for (const part of template.parts) {
      if (part.kind !== 'reference') continue;
      const ref = part.reference;
      if (ref.kind === 'input') {
        if (!inputs.includes(ref.name)) {
          out.push(
            document.at(
              path,
              'UNKNOWN_INPUT',
              `\${{ inputs.${ref.name} }} refers to an input the TaskGroup does not declare`,
              {
                hint: didYouMean(ref.name, inputs) ?? 'Declare it under `inputs:`.',
              },
            ),
          );
        }
        continue;
      }
      const sourceIndex = indexOf.get(ref.task);
      if (sourceIndex === undefined) {
        out.push(
          document.at(
            path,
            'UNKNOWN_TASK_REFERENCE',
            `\${{ tasks.${ref.task}.outputs.${ref.name} }} refers to unknown task "${ref.task}"`,
            {
              hint: didYouMean(ref.task, indexOf.keys()),
            },
          ),
        );
        continue;
      }
      if (!upstream.has(ref.task)) {
        out.push(
          document.at(
            path,
            'REFERENCE_NOT_UPSTREAM',
            `task "${task.name}" uses outputs of "${ref.task}", which it does not depend on`,
            {
              hint: `Add "${ref.task}" to depends_on.`,
            },
          ),
        );
      }
      const exported = (group.tasks[sourceIndex]?.exports ?? []).map((e) => e.name);
      if (!exported.includes(ref.name)) {
        out.push(
          document.at(path, 'UNKNOWN_OUTPUT', `task "${ref.task}" does not export "${ref.name}"`, {
            hint: didYouMean(ref.name, exported),
          }),
        );
      }
    }
  }
}

function checkGroupLevel(document: SourceDocument, group: TaskGroup, out: Diagnostic[]): void {
  for (const [name, input] of Object.entries(group.inputs ?? {})) {
    if (
      input.default !== undefined &&
      input.allowed !== undefined &&
      !input.allowed.includes(input.default)
    ) {
      out.push(
        document.at(
          ['inputs', name, 'default'],
          'DEFAULT_NOT_ALLOWED',
          `default ${JSON.stringify(input.default)} is not one of the allowed values ${input.allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        ),
      );
    }
  }
}
