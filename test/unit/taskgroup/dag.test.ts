import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ancestors,
  type DependencyGraph,
  findCycles,
  topologicalOrder,
} from '../../../shared/taskgroup/dag.js';

/** Random DAGs: node i may only depend on nodes with a smaller index, then names are shuffled. */
const acyclicGraph = fc
  .integer({ min: 1, max: 30 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.array(fc.nat({ max: n - 1 }), { maxLength: 5 }), { minLength: n, maxLength: n }),
      fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    ),
  )
  .map(([deps, order]) => {
    const name = (i: number) => `t${i}`;
    const graph = new Map<string, string[]>();
    for (const i of order) {
      graph.set(name(i), [...new Set((deps[i] ?? []).filter((d) => d < i).map(name))]);
    }
    return graph as DependencyGraph;
  });

/** A DAG plus one back edge along a real path, which closes at least one cycle. */
const cyclicGraph = acyclicGraph
  .filter((g) => [...g.values()].some((deps) => deps.length > 0))
  .chain((g) => {
    const withDeps = [...g].filter(([, deps]) => deps.length > 0);
    return fc.constantFrom(...withDeps).map(([node, deps]) => {
      const copy = new Map([...g].map(([k, v]) => [k, [...v]]));
      const target = deps[0] as string;
      copy.get(target)?.push(node);
      return copy as DependencyGraph;
    });
  });

function isRealCycle(graph: DependencyGraph, cycle: string[]): boolean {
  if (cycle.length < 2 || cycle[0] !== cycle[cycle.length - 1]) return false;
  for (let i = 0; i + 1 < cycle.length; i++) {
    const from = cycle[i] as string;
    if (!graph.get(from)?.includes(cycle[i + 1] as string)) return false;
  }
  return new Set(cycle.slice(0, -1)).size === cycle.length - 1;
}

describe('dependency graph', () => {
  it('finds no cycle in random acyclic graphs, and their topological order respects every edge', () => {
    fc.assert(
      fc.property(acyclicGraph, (graph) => {
        expect(findCycles(graph)).toEqual([]);
        const order = topologicalOrder(graph);
        expect([...order].sort()).toEqual([...graph.keys()].sort());
        const position = new Map(order.map((n, i) => [n, i]));
        for (const [node, deps] of graph) {
          for (const dep of deps) expect(position.get(dep)).toBeLessThan(position.get(node) as number);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports, for random cyclic graphs, at least one path that really is a cycle', () => {
    fc.assert(
      fc.property(cyclicGraph, (graph) => {
        const cycles = findCycles(graph);
        expect(cycles.length).toBeGreaterThan(0);
        for (const cycle of cycles) expect(isRealCycle(graph, cycle)).toBe(true);
        expect(() => topologicalOrder(graph)).toThrow(/cycle/);
      }),
      { numRuns: 300 },
    );
  });

  it('reports the cycle path a -> b -> c -> a starting at the earliest task', () => {
    // Prepare
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    // Act
    const cycles = findCycles(graph);
    // Assess
    expect(cycles).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('lists transitive dependencies as ancestors', () => {
    const graph = new Map([
      ['a', []],
      ['b', ['a']],
      ['c', ['b']],
      ['d', []],
    ]);
    expect([...ancestors(graph, 'c')].sort()).toEqual(['a', 'b']);
    expect([...ancestors(graph, 'd')]).toEqual([]);
  });
});
