import { ancestors, type DependencyGraph, descendants } from '../taskgroup/dag.js';

/** How the compiled state machine orders tasks: a tree of sequences and parallel branches. */
export type Schedule =
  | { kind: 'task'; task: string }
  | { kind: 'sequence'; steps: Schedule[] }
  | { kind: 'parallel'; branches: Schedule[] };

/** A schedule, and whether it ever had to make a task wait for a task it does not depend on. */
export interface ScheduleResult {
  schedule: Schedule;
  /** Tasks that may wait for unrelated tasks (the layered fallback); empty when exact. */
  inexact: string[];
}

/**
 * Turns a dependency DAG into nested sequences and Parallel branches, which is all ASL can express.
 *
 * 1. Tasks in unrelated groups (weakly connected components) run as parallel branches.
 * 2. A task that every other task of its group comes before or after (a pivot) splits the group
 *    into "before ; pivot ; after" with no extra waiting.
 * 3. Otherwise the group's sources run in parallel first, then the rest: a task of the rest may
 *    then also wait for a source it does not depend on. Those tasks are reported as `inexact`.
 *
 * Steps 1–2 are exact for DAGs built from chains, fan-outs and fan-ins meeting at single tasks;
 * step 3 bounds the makespan by the layered schedule (the sum, over dependency depths, of the
 * longest task at that depth). See docs/compiler.md.
 */
export function scheduleTasks(graph: DependencyGraph): ScheduleResult {
  const inexact = new Set<string>();
  const schedule = build([...graph.keys()], graph, inexact);
  return { schedule, inexact: [...graph.keys()].filter((t) => inexact.has(t)) };
}

function build(nodes: string[], graph: DependencyGraph, inexact: Set<string>): Schedule {
  if (nodes.length === 1) return { kind: 'task', task: nodes[0] as string };
  const within = new Set(nodes);
  const components = weakComponents(nodes, graph);
  if (components.length > 1) {
    return { kind: 'parallel', branches: components.map((c) => build(c, graph, inexact)) };
  }
  for (const pivot of nodes) {
    const before = [...ancestors(graph, pivot)].filter((n) => within.has(n));
    const after = [...descendants(graph, pivot)].filter((n) => within.has(n));
    if (before.length + after.length + 1 !== nodes.length) continue;
    const inOrder = (set: string[]) => nodes.filter((n) => set.includes(n));
    const steps: Schedule[] = [];
    if (before.length > 0) steps.push(build(inOrder(before), graph, inexact));
    steps.push({ kind: 'task', task: pivot });
    if (after.length > 0) steps.push(build(inOrder(after), graph, inexact));
    return sequence(steps);
  }
  const sources = nodes.filter((n) => !(graph.get(n) ?? []).some((d) => within.has(d)));
  const rest = nodes.filter((n) => !sources.includes(n));
  for (const task of rest) {
    const needed = ancestors(graph, task);
    if (sources.some((s) => !needed.has(s))) inexact.add(task);
  }
  const first: Schedule =
    sources.length === 1
      ? { kind: 'task', task: sources[0] as string }
      : { kind: 'parallel', branches: sources.map((task) => ({ kind: 'task', task })) };
  return sequence([first, build(rest, graph, inexact)]);
}

function sequence(steps: Schedule[]): Schedule {
  const flat = steps.flatMap((s) => (s.kind === 'sequence' ? s.steps : [s]));
  return flat.length === 1 ? (flat[0] as Schedule) : { kind: 'sequence', steps: flat };
}

/** Weakly connected components of `nodes`, counting only edges inside `nodes`, in file order. */
function weakComponents(nodes: string[], graph: DependencyGraph): string[][] {
  const within = new Set(nodes);
  const neighbours = new Map<string, Set<string>>(nodes.map((n) => [n, new Set()]));
  for (const node of nodes) {
    for (const dep of graph.get(node) ?? []) {
      if (!within.has(dep)) continue;
      neighbours.get(node)?.add(dep);
      neighbours.get(dep)?.add(node);
    }
  }
  const seen = new Set<string>();
  const components: string[][] = [];
  for (const start of nodes) {
    if (seen.has(start)) continue;
    const members = new Set<string>([start]);
    const pending = [start];
    seen.add(start);
    while (pending.length > 0) {
      const next = pending.pop() as string;
      for (const n of neighbours.get(next) ?? []) {
        if (!seen.has(n)) {
          seen.add(n);
          members.add(n);
          pending.push(n);
        }
      }
    }
    components.push(nodes.filter((n) => members.has(n)));
  }
  return components;
}
