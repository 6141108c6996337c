/**
 * A dependency graph: each node mapped to the nodes it depends on. Map order is the file's order,
 * and every function here keeps it, so results are deterministic.
 */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/** Builds the graph of a TaskGroup's tasks, ignoring dependencies on unknown tasks. */
export function dependencyGraph(
  tasks: readonly { name: string; depends_on?: readonly string[] | undefined }[],
): DependencyGraph {
  const names = new Set(tasks.map((t) => t.name));
  const graph = new Map<string, string[]>();
  for (const task of tasks) {
    if (graph.has(task.name)) continue;
    graph.set(
      task.name,
      [...new Set(task.depends_on ?? [])].filter((d) => names.has(d)),
    );
  }
  return graph;
}

/**
 * Every elementary cycle reachable by a depth-first walk, each as a path that starts and ends
 * on the same node (`['a', 'b', 'c', 'a']`, read "a depends on b, b on c, c on a").
 * Each cycle is reported once, rotated to start at its earliest node in file order.
 */
export function findCycles(graph: DependencyGraph): string[][] {
  const order = new Map([...graph.keys()].map((name, i) => [name, i]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const cycles: string[][] = [];

  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const nextState = state.get(next);
      if (nextState === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.reduce(
          (best, n, i) => ((order.get(n) ?? 0) < (order.get(cycle[best] ?? '') ?? 0) ? i : best),
          0,
        );
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        const key = rotated.join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...rotated, rotated[0] ?? next]);
        }
      } else if (nextState === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

/**
 * Nodes ordered so that each comes after everything it depends on; among nodes that are ready
 * together, file order wins. Throws when the graph has a cycle (check {@link findCycles} first).
 */
export function topologicalOrder(graph: DependencyGraph): string[] {
  const remaining = new Map([...graph].map(([name, deps]) => [name, new Set(deps)]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (ready.length === 0)
      throw new Error(`dependency graph has a cycle among: ${[...remaining.keys()].join(', ')}`);
    for (const name of ready) {
      remaining.delete(name);
      order.push(name);
    }
    for (const deps of remaining.values()) for (const name of ready) deps.delete(name);
  }
  return order;
}

/** Every node that `node` depends on, directly or transitively. */
export function ancestors(graph: DependencyGraph, node: string): Set<string> {
  const found = new Set<string>();
  const pending = [...(graph.get(node) ?? [])];
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (found.has(next)) continue;
    found.add(next);
    pending.push(...(graph.get(next) ?? []));
  }
  return found;
}

/** Every node that depends on `node`, directly or transitively. */
export function descendants(graph: DependencyGraph, node: string): Set<string> {
  const found = new Set<string>();
  let frontier = [node];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const [name, deps] of graph) {
      if (!found.has(name) && deps.some((d) => frontier.includes(d))) {
        found.add(name);
        next.push(name);
      }
    }
    frontier = next;
  }
  return found;
}
