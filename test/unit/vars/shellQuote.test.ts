import { describe, expect, it } from 'vitest';
import { quoteForContext, shellQuote } from '../../../shared/vars/shellQuote.js';

describe('shellQuote', () => {
  it('wraps a value in single quotes', () => {
    // Act
    const quoted = shellQuote('a b $(c) `d` "e"');

    // Assess
    expect(quoted).toBe(`'a b $(c) \`d\` "e"'`);
  });

  it("writes each ' as '\\''", () => {
    // Act
    const quoted = shellQuote("it's 'x'");

    // Assess
    expect(quoted).toBe(`'it'\\''s '\\''x'\\'''`);
  });

  it('gives an empty value as an empty word', () => {
    // Act
    const quoted = shellQuote('');

    // Assess
    expect(quoted).toBe("''");
  });
});

describe('quoteForContext', () => {
  it.each([
    ['unquoted', `'a'\\''b'`],
    ['double', `"'a'\\''b'"`],
    ['single', `a'\\''b`],
  ] as const)('quotes for the %s context', (context, expected) => {
    // Act
    const quoted = quoteForContext("a'b", context);

    // Assess
    expect(quoted).toBe(expected);
  });

  it('keeps a value in a comment on one line', () => {
    // Act
    const quoted = quoteForContext('a\nrm -rf /\r\nb', 'comment');

    // Assess
    expect(quoted).toBe(`'a rm -rf /  b'`);
  });
});
