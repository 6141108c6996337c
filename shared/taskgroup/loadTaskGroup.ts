import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { hasErrors } from '../diagnostics/Diagnostic.js';
import { readDocument, type SourceDocument } from '../document/readDocument.js';
import { validateShape } from '../document/validateShape.js';
import { checkTaskGroup } from './checkTaskGroup.js';
import { type TaskGroup, TaskGroupSchema } from './schema.js';

/** A TaskGroup read from a file, with the document kept for locating later diagnostics. */
export type TaskGroupResult =
  | { ok: true; group: TaskGroup; document: SourceDocument; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Reads a TaskGroup file and runs every check that needs no inventory. On success the group is
 * trusted from then on; on failure every problem found is returned, each located.
 */
export async function loadTaskGroup(file: string): Promise<TaskGroupResult> {
  const read = await readDocument(file);
  if (!read.ok) return read;
  const shape = validateShape(read.document, TaskGroupSchema);
  if (!shape.ok) return shape;
  const diagnostics = checkTaskGroup(read.document, shape.value);
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  return { ok: true, group: shape.value, document: read.document, diagnostics };
}
