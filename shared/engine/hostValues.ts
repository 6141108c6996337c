import type { Host } from '../inventory/Host.js';
import type { RunStore } from '../store/RunStore.js';
import type { Task, TaskGroup } from '../taskgroup/schema.js';
import { templatedStrings } from '../taskgroup/templatedStrings.js';
import { parseTemplate, type Reference } from '../vars/index.js';
import { isConfidentialExport } from './runContext.js';

/** What one host's execution sees of the run's variables. */
export interface HostValues {
  /** Imports as environment variables (DESIGN §4). */
  env: Record<string, string>;
  /** Every value `${{ }}` may name for this host. */
  resolve(reference: Reference): string | undefined;
  /** Confidential values this host's execution could print: masked in its output. */
  confidential: string[];
  /** Why a value this task needs is missing on this host, if one is. */
  missing: string | undefined;
}

/**
 * Resolves the variables of runs: inputs, and exports of upstream tasks per DESIGN §4 (the value
 * from the same host when the source task ran there, else the single value of a task that ran on
 * one target). Source plans and single-host outputs are cached for the invocation.
 */
export class RunValues {
  readonly #store: RunStore;
  readonly #runId: string;
  readonly #group: TaskGroup;
  readonly #inputs: Readonly<Record<string, string>>;
  readonly #previousRunId: string | undefined;
  readonly #confidentialInputs: string[];
  readonly #singleHost = new Map<string, Promise<string | undefined>>();

  constructor(options: {
    store: RunStore;
    runId: string;
    group: TaskGroup;
    inputs: Readonly<Record<string, string>>;
    /** The run a re-run repeats: its outputs stand for hosts and tasks not run again. */
    previousRunId?: string | undefined;
  }) {
    this.#previousRunId = options.previousRunId;
    this.#store = options.store;
    this.#runId = options.runId;
    this.#group = options.group;
    this.#inputs = options.inputs;
    const confidential = Object.entries(options.group.inputs ?? {}).filter(([, spec]) => spec.confidential);
    this.#confidentialInputs = confidential
      .map(([name]) => options.inputs[name])
      .filter((v): v is string => v !== undefined && v !== '');
  }

  /** The values `task` sees on `host`. */
  async forHost(task: Task, host: Host): Promise<HostValues> {
    const wanted = new Map<string, Set<string>>();
    const want = (from: string, name: string) => wanted.set(from, (wanted.get(from) ?? new Set()).add(name));
    for (const imp of task.imports ?? []) want(imp.from, imp.variable);
    for (const [, text] of templatedStrings(task, 0)) {
      for (const part of parseTemplate(text).parts) {
        if (part.kind === 'reference' && part.reference.kind === 'output')
          want(part.reference.task, part.reference.name);
      }
    }
    const outputs = new Map<string, Record<string, string> | undefined>();
    for (const from of wanted.keys()) outputs.set(from, await this.#outputsFor(from, host));

    const confidential = [...this.#confidentialInputs];
    const problems: string[] = [];
    const exportedValue = (from: string, name: string): string | undefined => {
      const value = outputs.get(from)?.[name];
      const source = this.#group.tasks.find((t) => t.name === from);
      if (value !== undefined && value !== '' && source && isConfidentialExport(source, name))
        confidential.push(value);
      return value;
    };
    const env: Record<string, string> = {};
    for (const imp of task.imports ?? []) {
      const value = exportedValue(imp.from, imp.variable);
      if (value === undefined)
        problems.push(`import "${imp.variable}" from task "${imp.from}" has no value for host ${host.name}`);
      else env[imp.as ?? imp.variable.toUpperCase()] = value;
    }
    for (const [from, names] of wanted) for (const name of names) exportedValue(from, name);
    return {
      env,
      resolve: (ref) => (ref.kind === 'input' ? this.#inputs[ref.name] : exportedValue(ref.task, ref.name)),
      confidential: [...new Set(confidential)],
      missing: problems[0],
    };
  }

  /** The outputs of task `from` that `host` sees: its own, or the one value of a single-target task. */
  async #outputsFor(from: string, host: Host): Promise<Record<string, string> | undefined> {
    for (const runId of this.#runs()) {
      const own = await this.#store.getHostOutputs({ runId, task: from, host: host.name });
      if (own) return own;
    }
    for (const runId of this.#runs()) {
      const key = `${runId}\u0000${from}`;
      let single = this.#singleHost.get(key);
      if (!single) {
        single = (async () => {
          const plan = await this.#store.getTaskPlan(runId, from);
          if (plan?.hostCount !== 1) return undefined;
          const [only] = await this.#store.getShardHosts(runId, from, 0);
          return only?.name;
        })();
        this.#singleHost.set(key, single);
      }
      const name = await single;
      if (name !== undefined)
        return (await this.#store.getHostOutputs({ runId, task: from, host: name })) ?? undefined;
    }
    return undefined;
  }

  /** This run, then the run it repeats. */
  #runs(): string[] {
    return this.#previousRunId === undefined ? [this.#runId] : [this.#runId, this.#previousRunId];
  }
}
