import { describe, expect, it } from 'vitest';
import { filterExports, parseOutputFile } from '../../../shared/vars/outputFile.js';

describe('parseOutputFile', () => {
  it('reads name=value lines, keeping everything after the first =', () => {
    // Act
    const { outputs, problems } = parseOutputFile(
      'version=1.4.2\nurl=https://x/?a=b&c=d\nempty=\nspaced= a b \n',
    );

    // Assess
    expect(problems).toEqual([]);
    expect(outputs).toEqual({ version: '1.4.2', url: 'https://x/?a=b&c=d', empty: '', spaced: ' a b ' });
  });

  it('reads a multi-line value between name<<DELIM and DELIM', () => {
    // Act
    const { outputs, problems } = parseOutputFile('notes<<EOF\nline 1\n\nline=3\nEOF\nafter=yes');

    // Assess
    expect(problems).toEqual([]);
    expect(outputs).toEqual({ notes: 'line 1\n\nline=3', after: 'yes' });
  });

  it('reads an empty multi-line value', () => {
    // Act
    const { outputs } = parseOutputFile('blank<<END\nEND\n');

    // Assess
    expect(outputs).toEqual({ blank: '' });
  });

  it('lets a later line override an earlier one', () => {
    // Act
    const { outputs } = parseOutputFile('a=1\nb=2\na<<X\nthree\nX\n');

    // Assess
    expect(outputs).toEqual({ a: 'three', b: '2' });
  });

  it('tolerates CRLF line ends and a byte-order mark', () => {
    // Act
    const { outputs, problems } = parseOutputFile('\uFEFFa=1\r\nm<<EOF\r\nx\r\ny\r\nEOF\r\n');

    // Assess
    expect(problems).toEqual([]);
    expect(outputs).toEqual({ a: '1', m: 'x\ny' });
  });

  it('decides between = and << by whichever comes first', () => {
    // Act
    const { outputs } = parseOutputFile('eq=a<<b\nhd<<E=F\nv\nE=F\n');

    // Assess
    expect(outputs).toEqual({ eq: 'a<<b', hd: 'v' });
  });

  it('reads bytes as UTF-8', () => {
    // Act
    const { outputs } = parseOutputFile(Buffer.from('name=clé 😀\n'));

    // Assess
    expect(outputs).toEqual({ name: 'clé 😀' });
  });

  it('reports invalid lines with their line numbers and keeps the valid ones', () => {
    // Act
    const { outputs, problems } = parseOutputFile('ok=1\njust text\n1bad=x\n=x\nmy-name=x\nh<<\nfine=2\n');

    // Assess
    expect(outputs).toEqual({ ok: '1', fine: '2' });
    expect(problems.map((problem) => problem.line)).toEqual([2, 3, 4, 5, 6]);
    expect(problems[0]?.message).toBe('Line 2 is neither name=value nor name<<DELIMITER.');
    expect(problems[1]?.message).toMatch(/"1bad" is not a valid output name/);
    expect(problems[4]?.message).toMatch(/needs a delimiter/);
  });

  it('reports a multi-line value without its closing delimiter and ignores the rest', () => {
    // Act
    const { outputs, problems } = parseOutputFile('a=1\nlog<<EOF\nx\nb=2\n');

    // Assess
    expect(outputs).toEqual({ a: '1' });
    expect(problems).toEqual([
      { line: 2, message: expect.stringMatching(/no closing "EOF" line for "log"/) },
    ]);
  });

  it('skips the block of an invalid name so its lines are not read as outputs', () => {
    // Act
    const { outputs, problems } = parseOutputFile('bad-name<<EOF\nx=1\nEOF\n');

    // Assess
    expect(outputs).toEqual({});
    expect(problems).toHaveLength(1);
  });

  it('keeps __proto__ as an ordinary output name', () => {
    // Act
    const { outputs } = parseOutputFile('__proto__=x\n');

    // Assess
    expect(Object.keys(outputs)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(outputs)).toBe(Object.prototype);
  });

  it('reads an empty file as no outputs', () => {
    // Act
    const parsed = parseOutputFile('');

    // Assess
    expect(parsed).toEqual({ outputs: {}, problems: [] });
  });
});

describe('filterExports', () => {
  it('keeps only the declared exports', () => {
    // Act
    const kept = filterExports({ version: '1', tmp: 'x', token: 't' }, [
      { name: 'version' },
      { name: 'token' },
    ]);

    // Assess
    expect(kept).toEqual({ version: '1', token: 't' });
  });

  it('accepts names and skips declared exports that were not written', () => {
    // Act
    const kept = filterExports({ a: '1' }, ['a', 'missing', 'toString']);

    // Assess
    expect(kept).toEqual({ a: '1' });
  });
});
