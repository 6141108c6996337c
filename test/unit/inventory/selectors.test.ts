import { describe, expect, it } from 'vitest';
import { type Host, LOCAL_HOST } from '../../../shared/inventory/Host.js';
import { parseSelector, resolveSelectors, type Selector } from '../../../shared/inventory/selectors.js';

const host = (name: string, tags: string[] = []): Host => ({
  name,
  transport: 'ssh',
  tags,
  address: '127.0.0.1',
});
const inventory = [
  host('web-1', ['web', 'canary']),
  host('web-2', ['web']),
  host('db-1', ['db']),
  host('db-10', ['db']),
];

function selectors(...texts: string[]): Selector[] {
  return texts.map((t) => {
    const s = parseSelector(t);
    if ('error' in s) throw new Error(s.error);
    return s;
  });
}

describe('target selectors', () => {
  it('parses every selector kind', () => {
    expect(selectors('web-1', 'web-*', 'tag:web', 'all', 'local', 'ec2:Role=web')).toEqual([
      { kind: 'name', name: 'web-1' },
      { kind: 'glob', pattern: 'web-*' },
      { kind: 'tag', tag: 'web' },
      { kind: 'all' },
      { kind: 'local' },
      { kind: 'ec2', key: 'Role', value: 'web' },
    ]);
  });

  it('unions selectors de-duplicated, in selector order then inventory order', () => {
    const resolved = resolveSelectors(selectors('tag:canary', 'web-*', 'db-?'), inventory);
    expect(resolved.hosts.map((h) => h.name)).toEqual(['web-1', 'web-2', 'db-1']);
    expect(resolved.unmatched).toEqual([]);
  });

  it('reports the index of each selector that matches nothing and keeps ec2 selectors for run time', () => {
    const resolved = resolveSelectors(selectors('cache-*', 'ec2:Role=web', 'tag:none', 'all'), inventory);
    expect(resolved.unmatched).toEqual([0, 2]);
    expect(resolved.deferred).toEqual([{ kind: 'ec2', key: 'Role', value: 'web' }]);
    expect(resolved.hosts).toHaveLength(4);
  });

  it('resolves local to the runner even with an empty inventory', () => {
    expect(resolveSelectors(selectors('local'), []).hosts).toEqual([LOCAL_HOST]);
  });

  it('explains malformed selectors', () => {
    expect(parseSelector('tag:')).toEqual({ error: expect.stringContaining('tag name') });
    expect(parseSelector('ec2:Role')).toEqual({ error: expect.stringContaining('KEY=VALUE') });
    expect(parseSelector('web[')).toEqual({ error: expect.stringContaining('not a valid glob') });
  });
});
