import { describe, expect, it } from 'vitest';
import { shellArgv } from '../../../shared/exec/capture/superviseExecution.js';
import { knownHostsName, parseKnownHosts, parsePublicKey } from '../../../shared/exec/ssh/knownHosts.js';
import { jobHeader } from '../../../shared/exec/ssh/remoteCommands.js';

describe('known_hosts', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMPxhw065mo+QLGlkBb2R8p3OluA6/+c9heq/lZiC1Qt';

  it('names non-22 ports in the [address]:port form', () => {
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('matches patterns with wildcards and lets a negation veto the line', () => {
    const [entry] = parseKnownHosts(`10.0.0.*,!10.0.0.9,[db-?]:2222 ${key}\n`, 'kh');
    expect(entry?.matches('10.0.0.1')).toBe(true);
    expect(entry?.matches('10.0.0.9')).toBe(false);
    expect(entry?.matches('[db-1]:2222')).toBe(true);
    expect(entry?.matches('db-1')).toBe(false);
    expect(entry?.source).toBe('kh:1');
  });

  it('reads markers and skips comments and corrupted lines', () => {
    const entries = parseKnownHosts(
      `# comment\n@revoked * ${key}\n@cert-authority *.example ${key}\nhost ssh-rsa ${key.split(' ')[1]}\n`,
      'kh',
    );
    expect(entries.map((e) => e.marker)).toEqual(['revoked', 'cert-authority']);
  });

  it('parses a pin with or without a comment, and rejects text that is not a key', () => {
    expect(parsePublicKey(`${key} root@web-1`)?.type).toBe('ssh-ed25519');
    expect(parsePublicKey('ssh-ed25519 not-base64!')).toBeUndefined();
  });
});

describe('remote command framing', () => {
  it('prefixes every job line, so no value can end the header early', () => {
    // Prepare
    const header = jobHeader(
      {
        host: { name: 'h', transport: 'ssh', tags: [] },
        command: 'echo hi',
        env: { V: 'a\n.\nb' },
        timeoutMs: 1_000,
        confidential: [],
      },
      'a'.repeat(32),
      1024,
    );

    // Assess: the id comes first; the only other line that is not `+`-prefixed is the final `.`.
    const lines = header.split('\n');
    expect(lines[0]).toBe('a'.repeat(32));
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe('.');
    expect(lines.slice(1, -2).every((line) => line.startsWith('+'))).toBe(true);
  });

  it('splits a shell given with arguments', () => {
    expect(shellArgv(undefined, 'x')).toEqual(['/bin/sh', '-c', 'x']);
    expect(shellArgv('bash -eo pipefail', 'x')).toEqual(['bash', '-eo', 'pipefail', '-c', 'x']);
  });
});
