import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KnownHostsIndex, parseKnownHosts } from '../../../shared/exec/ssh/knownHosts.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBOgoJcve1lcQnQCNKCGYJUw0kDtqHfMdXCcrq9ZNRe8';

function hashed(name: string): string {
  const salt = Buffer.alloc(20, 7);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('KnownHostsIndex', () => {
  it('finds the same entries, in file order, as testing every line', () => {
    // Prepare: plain names (one in capitals, one listed twice), patterns, a negation, a hashed
    // name, a port, and a revoked key.
    const lines = [
      `web-1,10.0.0.1 ${KEY}`,
      `web-* ${KEY}`,
      `WEB-2 ${KEY}`,
      `*,!web-3 ${KEY}`,
      `${hashed('db-1')} ${KEY}`,
      `[web-1]:2222 ${KEY}`,
      `@revoked web-1,web-1 ${KEY}`,
      `db-?  ${KEY}`,
    ];
    const entries = parseKnownHosts(lines.join('\n'), 'known_hosts');
    const index = new KnownHostsIndex(entries.slice(0, 4));
    index.add(entries.slice(4));
    const names = ['web-1', 'Web-2', 'web-3', 'db-1', '[web-1]:2222', '10.0.0.1', 'mail-1', 'db-12'];

    // Act
    const found = names.map((name) => index.lookup(name).map((e) => e.source));

    // Assess
    expect(found).toEqual(names.map((name) => entries.filter((e) => e.matches(name)).map((e) => e.source)));
    expect(found[0]).toEqual(['known_hosts:1', 'known_hosts:2', 'known_hosts:4', 'known_hosts:7']);
    expect(found[3]).toEqual(['known_hosts:4', 'known_hosts:5', 'known_hosts:8']);
    expect(index.lookup('web-3').map((e) => e.source)).toEqual(['known_hosts:2']);
  });
});
