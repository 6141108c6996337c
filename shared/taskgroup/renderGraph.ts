import type { TaskGroup } from './schema.js';

/** What to print under a task's name: its selectors, or resolved hosts when an inventory was given. */
export type TargetLabels = ReadonlyMap<string, string>;

/**
 * Renders a TaskGroup's DAG as a Mermaid flowchart; edges point from a task to what depends on it.
 * Node ids are generated (`t0`, `t1`) so any task name renders safely.
 */
export function renderMermaid(group: TaskGroup, labels: TargetLabels): string {
  const ids = new Map(group.tasks.map((t, i) => [t.name, `t${i}`]));
  const lines = ['flowchart TD'];
  for (const task of group.tasks) {
    const label = [`${task.name} (${task.type})`, labels.get(task.name)].filter(Boolean).join('<br/>');
    lines.push(`  ${ids.get(task.name)}["${escapeMermaid(label)}"]`);
  }
  for (const task of group.tasks) {
    for (const dep of task.depends_on ?? []) lines.push(`  ${ids.get(dep)} --> ${ids.get(task.name)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Renders a TaskGroup's DAG in Graphviz dot. */
export function renderDot(group: TaskGroup, labels: TargetLabels): string {
  const lines = [`digraph ${JSON.stringify(group.name)} {`, '  rankdir=TB;', '  node [shape=box];'];
  for (const task of group.tasks) {
    const label = [`${task.name} (${task.type})`, labels.get(task.name)].filter(Boolean).join('\n');
    lines.push(`  ${JSON.stringify(task.name)} [label=${JSON.stringify(label)}];`);
  }
  for (const task of group.tasks) {
    for (const dep of task.depends_on ?? [])
      lines.push(`  ${JSON.stringify(dep)} -> ${JSON.stringify(task.name)};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function escapeMermaid(text: string): string {
  return text.replace(/"/g, '#quot;');
}
