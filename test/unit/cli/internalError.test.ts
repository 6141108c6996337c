import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../../shared/taskgroup/loadTaskGroup.js', () => ({
  loadTaskGroup: () => {
    throw new Error('simulated bug');
  },
}));

const { main } = await import('../../../cli/main.js');

describe('an unexpected internal error', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('prints one line without a stack and exits 70', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await main(['node', 'stepfleet', 'validate', 'examples/hello.yaml']);
    const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(printed).toBe('stepfleet: internal error: simulated bug (run with --debug for details)\n');
    expect(process.exitCode).toBe(70);
  });

  it('shows the stack with --debug', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await main(['node', 'stepfleet', '--debug', 'validate', 'examples/hello.yaml']);
    const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(printed).toContain('stepfleet: internal error: simulated bug\n');
    expect(printed).toMatch(/Error: simulated bug\n\s+at /);
  });
});
