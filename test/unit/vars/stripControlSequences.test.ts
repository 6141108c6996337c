import { describe, expect, it } from 'vitest';
import { stripControlSequences } from '../../../shared/vars/stripControlSequences.js';

const ESC = '\u001b';

describe('stripControlSequences', () => {
  it.each([
    ['colours (CSI SGR)', `${ESC}[1;31merror${ESC}[0m`, 'error'],
    ['cursor moves and erases', `a${ESC}[2K${ESC}[1A${ESC}[?25lb`, 'ab'],
    ['a CSI with intermediate bytes', `a${ESC}[1 qb`, 'ab'],
    ['an 8-bit CSI', 'a\u009b31mb', 'ab'],
    ['a window title (OSC ended by BEL)', `${ESC}]0;pwned\u0007text`, 'text'],
    ['a hyperlink (OSC ended by ST)', `${ESC}]8;;https://x${ESC}\\link${ESC}]8;;${ESC}\\`, 'link'],
    ['a DCS string', `a${ESC}Pq#0;2;0;0;0${ESC}\\b`, 'ab'],
    ['an unterminated OSC, up to the end', `a${ESC}]52;c;c2VjcmV0`, 'a'],
    ['an unfinished CSI at the end', `a${ESC}[12`, 'a'],
    ['other escapes (reset, charset)', `a${ESC}cb${ESC}(Bc`, 'abc'],
    ['C0 controls other than tab and line feed', 'a\u0000b\u0007c\u0008d\u007fe', 'abcde'],
    ['C1 controls', 'a\u0085b\u0090c\u009c', 'ab'],
    ['a lone ESC', `a${ESC}`, 'a'],
  ])('removes %s', (_name, input, expected) => {
    // Act
    const text = stripControlSequences(input);

    // Assess
    expect(text).toBe(expected);
  });

  it('keeps tabs, line feeds and ordinary Unicode text', () => {
    // Prepare
    const input = 'col1\tcol2\nligne 2 — café 😀\n';

    // Act
    const text = stripControlSequences(input);

    // Assess
    expect(text).toBe(input);
  });

  it('turns CRLF into LF and a lone CR into a line break', () => {
    // Act
    const text = stripControlSequences('a\r\nb\r 10%\r100%\n');

    // Assess
    expect(text).toBe('a\nb\n 10%\n100%\n');
  });
});
