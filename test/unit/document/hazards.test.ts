import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_BYTES, parseSource, readDocument } from '../../../shared/document/readDocument.js';
import { loadTaskGroup } from '../../../shared/taskgroup/loadTaskGroup.js';

const dir = mkdtempSync(join(tmpdir(), 'stepfleet-hazards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// These bounds guard against a hang, they are not speed goals: `npm run bench` measures the time.
describe('hostile documents', () => {
  it('rejects a 10 MB file by its size without parsing it', { timeout: 2000 }, async () => {
    // Prepare
    const file = join(dir, 'huge.yaml');
    writeFileSync(
      file,
      `name: demo\ntasks:\n${'  - { name: a, type: exec, targets: [local], spec: { command: "true" } }\n'.repeat(150_000)}`,
    );
    // Act
    const result = await loadTaskGroup(file);
    // Assess
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]?.code).toBe('FILE_TOO_LARGE');
    expect(result.diagnostics[0]?.message).toContain(`limit is ${MAX_DOCUMENT_BYTES} bytes`);
  });

  it('rejects an alias bomb that would expand to a billion nodes', { timeout: 2000 }, () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const result = parseSource('bomb.yaml', new TextEncoder().encode(`${levels.join('\n')}\n`));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.diagnostics.map((d) => d.code)).toEqual(['ALIAS_LIMIT']);
  });

  it('accepts a few honest aliases', () => {
    const text = 'base: &base { timeout: 5s }\nname: demo\nother: *base\n';
    const result = parseSource('ok.yaml', new TextEncoder().encode(text));
    expect(result.ok).toBe(true);
  });

  it('rejects binary garbage and invalid UTF-8', () => {
    const nul = parseSource('nul.yaml', new Uint8Array([0x6e, 0x3a, 0x00, 0x01]));
    const latin1 = parseSource('latin1.yaml', new Uint8Array([0x6e, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(nul.ok || latin1.ok).toBe(false);
    if (!nul.ok) expect(nul.diagnostics[0]?.code).toBe('BINARY_FILE');
    if (!latin1.ok) expect(latin1.diagnostics[0]?.code).toBe('BINARY_FILE');
  });

  it('names a missing file and a directory', async () => {
    const missing = await readDocument(join(dir, 'nope.yaml'));
    const directory = await readDocument(dir);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.diagnostics[0]?.message).toContain('nope.yaml');
    if (!directory.ok) expect(directory.diagnostics[0]?.code).toBe('FILE_NOT_FOUND');
  });
});
