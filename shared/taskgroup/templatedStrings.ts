import type { DocPath } from '../diagnostics/Diagnostic.js';
import type { Task } from './schema.js';

/** Strings of a task in which `${{ }}` expressions are substituted, with their document paths. */
export function templatedStrings(task: Task, i: number): [DocPath, string][] {
  const spec: DocPath = ['tasks', i, 'spec'];
  const found: [DocPath, string][] = [];
  const add = (path: DocPath, value: string | undefined) => {
    if (value !== undefined) found.push([path, value]);
  };
  const addMap = (path: DocPath, map: Record<string, string> | undefined) => {
    for (const [key, value] of Object.entries(map ?? {})) add([...path, key], value);
  };
  switch (task.type) {
    case 'exec':
      add([...spec, 'command'], task.spec.command);
      add([...spec, 'workdir'], task.spec.workdir);
      addMap([...spec, 'env'], task.spec.env);
      break;
    case 'script':
      add([...spec, 'inline'], task.spec.inline);
      add([...spec, 'workdir'], task.spec.workdir);
      addMap([...spec, 'env'], task.spec.env);
      for (const [a, arg] of (task.spec.args ?? []).entries()) add([...spec, 'args', a], arg);
      break;
    case 'http':
      add([...spec, 'url'], task.spec.url);
      add([...spec, 'body'], task.spec.body);
      addMap([...spec, 'headers'], task.spec.headers);
      break;
    case 'secret':
      add([...spec, 'parameter'], task.spec.parameter);
      add([...spec, 'secret_id'], task.spec.secret_id);
      break;
  }
  return found;
}
