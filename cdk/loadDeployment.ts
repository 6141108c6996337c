import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { DeploymentBundle } from '../lambdas/runtime/DeploymentBundle.js';
import type { StateMachine } from '../shared/compile/asl.js';
import { type CompiledTaskGroup, compileTaskGroup } from '../shared/compile/compileTaskGroup.js';
import type { Diagnostic } from '../shared/diagnostics/Diagnostic.js';
import { hasErrors, sortDiagnostics } from '../shared/diagnostics/Diagnostic.js';
import { validateInputs } from '../shared/engine/validateInputs.js';
import type { Host } from '../shared/inventory/Host.js';
import { loadInventory } from '../shared/inventory/loadInventory.js';
import { loadTaskGroup } from '../shared/taskgroup/loadTaskGroup.js';
import type { TaskGroup } from '../shared/taskgroup/schema.js';
import { parseTemplate } from '../shared/vars/index.js';
import type { StackConfig } from './config.js';

/** One TaskGroup as the stack deploys it. */
export interface DeployedTaskGroup {
  group: TaskGroup;
  /** The file, relative to the project root. */
  source: string;
  compiled: CompiledTaskGroup;
  /** Inputs of its scheduled runs (checked against the group's `inputs`). */
  scheduleInputs: Record<string, string | number | boolean>;
}

/** Everything the stack needs from the project's files, read and checked at synth time. */
export interface Deployment {
  taskGroups: DeployedTaskGroup[];
  bundle: DeploymentBundle;
  /** Secrets Manager names or ARNs of the inventory's `identity_secret`s. */
  identitySecrets: string[];
  /** Hosts that exec-host cannot authenticate to (no `identity_secret`); the stack warns. */
  hostsWithoutSecret: string[];
  /** Problems that do not stop a deployment but will fail some hosts; the stack shows them at synth. */
  warnings: string[];
  /** SSM parameters and Secrets Manager secrets that `secret` tasks read. */
  secretTaskSources: { parameters: SecretTaskSource[]; secrets: SecretTaskSource[] };
}

/**
 * A parameter or secret a `secret` task reads, as far as synth can know it: the name (or ARN) with
 * each `${{ }}` reference, resolved only at run time, replaced by `*`, and the task's `spec.region`
 * (undefined: the stack's region).
 */
export interface SecretTaskSource {
  pattern: string;
  region: string | undefined;
}

/** Files that were not valid; synth stops with every located problem. */
export class DeploymentLoadError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    const lines = diagnostics.map((d) => {
      const where = d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`;
      return `  ${where}  ${d.code}  ${d.message}${d.path ? ` (at ${d.path})` : ''}${d.hint ? `\n      hint: ${d.hint}` : ''}`;
    });
    super(`stepfleet: cannot deploy; fix these first:\n${lines.join('\n')}`);
    this.name = 'DeploymentLoadError';
  }
}

const TASK_GROUP_FILE = /\.(ya?ml|json)$/i;

/**
 * Reads the configured TaskGroup folder and inventory the way `stepfleet validate` does, compiles
 * each group and builds the bundle the Lambdas ship with. Any error (in any file) fails synth
 * with every problem listed, located by file, line and column.
 */
export async function loadDeployment(config: StackConfig, projectDir: string): Promise<Deployment> {
  const diagnostics: Diagnostic[] = [];
  const dir = resolve(projectDir, config.taskGroupsDir);
  const display = (file: string) => relative(projectDir, file) || file;
  let files: string[] = [];
  try {
    files = (await readdir(dir)).filter((f) => TASK_GROUP_FILE.test(f)).sort();
  } catch (error) {
    throw new DeploymentLoadError([
      problem(display(dir), `cannot read the TaskGroup folder: ${(error as Error).message}`),
    ]);
  }

  const taskGroups: DeployedTaskGroup[] = [];
  const bundle: DeploymentBundle = { version: 1, taskGroups: {}, hosts: [], knownHosts: {} };
  const bySource = new Map<string, string>();
  for (const name of files) {
    const file = join(dir, name);
    if (await isInventoryFile(file, config.inventory, projectDir)) continue;
    const loaded = await loadTaskGroup(file);
    diagnostics.push(...loaded.diagnostics.map((d) => ({ ...d, file: display(d.file) })));
    if (!loaded.ok) continue;
    const source = display(file);
    const first = bySource.get(loaded.group.name);
    if (first !== undefined) {
      diagnostics.push({
        ...problem(source, `TaskGroup name "${loaded.group.name}" is also used by ${first}`),
        path: 'name',
      });
      continue;
    }
    bySource.set(loaded.group.name, source);
    const group = await inlineScripts(loaded.group, dirname(file), source, diagnostics);
    bundle.taskGroups[group.name] = { group, source };
    taskGroups.push({
      group,
      source,
      compiled: compileTaskGroup(group, { runTimeoutSeconds: config.runTimeoutSeconds }),
      scheduleInputs: {},
    });
  }
  if (taskGroups.length === 0 && diagnostics.length === 0) {
    diagnostics.push(
      problem(display(dir), 'the TaskGroup folder holds no .yaml, .yml or .json TaskGroup file'),
    );
  }
  checkScheduleInputs(config, taskGroups, diagnostics);

  let hosts: Host[] = [];
  if (config.inventory !== undefined) {
    const inventoryFile = resolve(projectDir, config.inventory);
    const inventory = await loadInventory(inventoryFile);
    diagnostics.push(...inventory.diagnostics.map((d) => ({ ...d, file: display(d.file) })));
    if (inventory.ok) hosts = inventory.hosts;
  }
  const hostsWithoutSecret: string[] = [];
  const warnings: string[] = [];
  const knownHostsKeys = new Map<string, string | null>();
  for (const host of hosts) {
    const shipped: Host = { ...host };
    // A path on the machine that runs synth means nothing to a Lambda: keys come from Secrets Manager.
    delete shipped.identityFile;
    delete shipped.knownHosts;
    if (host.transport === 'ssh' && host.identitySecret === undefined) hostsWithoutSecret.push(host.name);
    if (host.transport === 'ssh' && host.knownHosts !== undefined) {
      let key = knownHostsKeys.get(host.knownHosts);
      if (key === undefined) {
        try {
          key = `known_hosts-${knownHostsKeys.size}`;
          bundle.knownHosts[key] = await readFile(host.knownHosts, 'utf8');
        } catch (error) {
          key = null;
          warnings.push(
            `known_hosts file ${display(host.knownHosts)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); hosts that rely on it will fail host key verification until it exists at synth time or they pin host_key`,
          );
        }
        knownHostsKeys.set(host.knownHosts, key);
      }
      if (key !== null) shipped.knownHosts = key;
    }
    bundle.hosts.push(shipped);
  }

  if (hasErrors(diagnostics)) throw new DeploymentLoadError(sortDiagnostics(diagnostics));
  return {
    taskGroups,
    bundle,
    identitySecrets: [...new Set(hosts.flatMap((h) => (h.identitySecret ? [h.identitySecret] : [])))].sort(),
    hostsWithoutSecret,
    warnings,
    secretTaskSources: secretSources(taskGroups.map((t) => t.group)),
  };
}

/** The definition with its placeholders, as text for `DefinitionBody.fromString`. */
export function definitionText(definition: StateMachine): string {
  return JSON.stringify(definition);
}

function problem(file: string, message: string, hint?: string): Diagnostic {
  return { code: 'INVALID_VALUE', severity: 'error', file, path: '', message, ...(hint ? { hint } : {}) };
}

async function isInventoryFile(
  file: string,
  inventory: string | undefined,
  projectDir: string,
): Promise<boolean> {
  return inventory !== undefined && resolve(projectDir, inventory) === file;
}

/** `script` tasks' `spec.file` become `spec.inline`: the file does not exist inside a Lambda. */
async function inlineScripts(
  group: TaskGroup,
  baseDir: string,
  source: string,
  diagnostics: Diagnostic[],
): Promise<TaskGroup> {
  const tasks = await Promise.all(
    group.tasks.map(async (task, i) => {
      if (task.type !== 'script' || task.spec.file === undefined) return task;
      const { file, ...spec } = task.spec;
      try {
        const inline = await readFile(resolve(baseDir, file), 'utf8');
        return { ...task, spec: { ...spec, inline } };
      } catch (error) {
        diagnostics.push({
          code: 'SCRIPT_NOT_FOUND',
          severity: 'error',
          file: source,
          path: `tasks[${i}].spec.file`,
          message: `cannot read script ${file}: ${(error as Error).message}`,
        });
        return task;
      }
    }),
  );
  return { ...group, tasks };
}

function checkScheduleInputs(
  config: StackConfig,
  groups: DeployedTaskGroup[],
  diagnostics: Diagnostic[],
): void {
  const names = new Map(groups.map((g) => [g.group.name, g]));
  for (const name of Object.keys(config.scheduleInputs)) {
    const deployed = names.get(name);
    if (!deployed?.group.schedule) {
      diagnostics.push(
        problem(
          'cdk.json',
          `stepfleet:scheduleInputs names "${name}", which is ${deployed ? 'a TaskGroup without a schedule' : 'not a deployed TaskGroup'}`,
        ),
      );
    }
  }
  for (const deployed of groups) {
    if (!deployed.group.schedule) continue;
    const given = config.scheduleInputs[deployed.group.name] ?? {};
    const checked = validateInputs(deployed.group, given, deployed.source);
    if (!checked.ok) {
      diagnostics.push(
        ...checked.diagnostics.map((d) => ({
          ...d,
          hint: `A scheduled run starts with the inputs in cdk.json "stepfleet:scheduleInputs": { "${deployed.group.name}": { … } }.`,
        })),
      );
      continue;
    }
    const confidential = checked.inputs.confidential.filter((n) => n in given);
    if (confidential.length > 0) {
      diagnostics.push(
        problem(
          'cdk.json',
          `stepfleet:scheduleInputs.${deployed.group.name} sets confidential input(s) ${confidential.join(', ')}, which would be stored in clear in the schedule`,
          'Read the value inside the run with a `secret` task instead.',
        ),
      );
    }
    deployed.scheduleInputs = given;
  }
}

function secretSources(groups: TaskGroup[]): Deployment['secretTaskSources'] {
  const parameters = new Map<string, SecretTaskSource>();
  const secrets = new Map<string, SecretTaskSource>();
  const add = (into: Map<string, SecretTaskSource>, name: string, region: string | undefined) => {
    const source = { pattern: wildcardReferences(name), region };
    into.set(`${region ?? ''} ${source.pattern}`, source);
  };
  for (const group of groups) {
    for (const task of group.tasks) {
      if (task.type !== 'secret') continue;
      if (task.spec.parameter !== undefined) add(parameters, task.spec.parameter, task.spec.region);
      if (task.spec.secret_id !== undefined) add(secrets, task.spec.secret_id, task.spec.region);
    }
  }
  const sorted = (m: Map<string, SecretTaskSource>) =>
    [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, source]) => source);
  return { parameters: sorted(parameters), secrets: sorted(secrets) };
}

/** Replaces each `${{ }}` reference with `*`: that part of the name is decided by the run. */
function wildcardReferences(template: string): string {
  return parseTemplate(template)
    .parts.map((part) => (part.kind === 'text' ? part.text : '*'))
    .join('')
    .replace(/\*+/g, '*');
}
