import fc from 'fast-check';

/** Characters that break naive shell quoting, plus line ends and a look-alike of our own framing. */
const HOSTILE = [
  "'",
  '"',
  '\\',
  '$',
  '`',
  '$(',
  '${',
  '!',
  '*',
  '?',
  '~',
  ';',
  '&',
  '|',
  '<',
  '>',
  '#',
  ' ',
  '\t',
  '\n',
  '\r',
  '\n.\n',
  '\n+',
  "'\\''",
  '%s',
  '\u00e9',
  '\u{1F600}',
  '\u202E',
];

/** A code point that UTF-8 can carry: anything but NUL and lone surrogates. */
const codePoint = fc
  .integer({ min: 1, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));

/** Strings made to break a command's shape if they ever reached a command line unquoted. */
export function hostileString(): fc.Arbitrary<string> {
  return fc.string({ unit: fc.oneof(fc.constantFrom(...HOSTILE), codePoint), maxLength: 40 });
}
