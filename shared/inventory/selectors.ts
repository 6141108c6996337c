import picomatch from 'picomatch';
import { type Host, LOCAL_HOST } from './Host.js';

/** One entry of a task's `targets`, parsed. */
export type Selector =
  | { kind: 'local' }
  | { kind: 'all' }
  | { kind: 'name'; name: string }
  | { kind: 'glob'; pattern: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'ec2'; key: string; value: string };

const GLOB_CHARS = /[*?[\]{}!]/;

/**
 * Parses a target selector.
 * @returns the selector, or a message saying what is wrong with it.
 */
export function parseSelector(text: string): Selector | { error: string } {
  if (text === 'local') return { kind: 'local' };
  if (text === 'all') return { kind: 'all' };
  if (text.startsWith('tag:')) {
    const tag = text.slice(4);
    return tag === '' ? { error: 'tag: needs a tag name, e.g. tag:web' } : { kind: 'tag', tag };
  }
  if (text.startsWith('ec2:')) {
    const m = /^ec2:([^=\s]+)=(.+)$/.exec(text);
    return m
      ? { kind: 'ec2', key: m[1] ?? '', value: m[2] ?? '' }
      : { error: 'ec2: needs KEY=VALUE, e.g. ec2:Role=web' };
  }
  if (/\s/.test(text)) return { error: 'selectors contain no spaces' };
  if (GLOB_CHARS.test(text)) {
    try {
      picomatch.makeRe(text, { strictBrackets: true });
    } catch {
      return { error: `"${text}" is not a valid glob` };
    }
    return { kind: 'glob', pattern: text };
  }
  return { kind: 'name', name: text };
}

/** Hosts a set of selectors resolves to, and what could not be resolved offline. */
export interface ResolvedTargets {
  /** Union of every selector's hosts, de-duplicated, in selector order then inventory order. */
  hosts: Host[];
  /** `ec2:` selectors, resolved from EC2 tags only at run time. */
  deferred: Extract<Selector, { kind: 'ec2' }>[];
  /** Index (in the input list) of each selector that matched no host. */
  unmatched: number[];
}

/** Resolves selectors against inventory hosts (DESIGN §3). Selectors must already be valid. */
export function resolveSelectors(
  selectors: readonly Selector[],
  inventory: readonly Host[],
): ResolvedTargets {
  const chosen = new Map<string, Host>();
  const deferred: ResolvedTargets['deferred'] = [];
  const unmatched: number[] = [];
  for (const [index, selector] of selectors.entries()) {
    if (selector.kind === 'ec2') {
      deferred.push(selector);
      continue;
    }
    const matches = selector.kind === 'local' ? [LOCAL_HOST] : inventory.filter(matcher(selector));
    if (matches.length === 0) unmatched.push(index);
    for (const host of matches) if (!chosen.has(host.name)) chosen.set(host.name, host);
  }
  return { hosts: [...chosen.values()], deferred, unmatched };
}

function matcher(selector: Exclude<Selector, { kind: 'ec2' } | { kind: 'local' }>): (host: Host) => boolean {
  switch (selector.kind) {
    case 'all':
      return () => true;
    case 'name':
      return (host) => host.name === selector.name;
    case 'tag':
      return (host) => host.tags.includes(selector.tag);
    case 'glob': {
      const isMatch = picomatch(selector.pattern, { dot: true });
      return (host) => isMatch(host.name);
    }
  }
}
