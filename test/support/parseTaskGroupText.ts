import { hasErrors } from '../../shared/diagnostics/Diagnostic.js';
import { parseSource } from '../../shared/document/readDocument.js';
import { validateShape } from '../../shared/document/validateShape.js';
import { checkTaskGroup } from '../../shared/taskgroup/checkTaskGroup.js';
import { type TaskGroup, TaskGroupSchema } from '../../shared/taskgroup/schema.js';

/** A TaskGroup from YAML text, through the same checks as a file; throws with the diagnostics. */
export function parseTaskGroupText(text: string): TaskGroup {
  const read = parseSource('test.yaml', new TextEncoder().encode(text));
  if (!read.ok) throw new Error(JSON.stringify(read.diagnostics));
  const shape = validateShape(read.document, TaskGroupSchema);
  if (!shape.ok) throw new Error(JSON.stringify(shape.diagnostics));
  const problems = checkTaskGroup(read.document, shape.value);
  if (hasErrors(problems)) throw new Error(JSON.stringify(problems));
  return shape.value;
}
