import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeShellTemplate, type ShellReferencePart } from '../../../shared/vars/shellContext.js';

const R = '${{ inputs.v }}';

function contextsOf(template: string): (string | null)[] {
  return analyzeShellTemplate(template)
    .parts.filter((part): part is ShellReferencePart => part.kind === 'reference')
    .map((part) => part.context);
}

describe('analyzeShellTemplate', () => {
  it.each([
    [`echo ${R}`, ['unquoted']],
    [`echo app-${R}.tgz`, ['unquoted']],
    [`echo "app-${R}.tgz"`, ['double']],
    [`echo 'app-${R}.tgz'`, ['single']],
    [`echo "it's ${R}" '"${R}"'`, ['double', 'single']],
    [`echo "$(echo ${R})"`, ['unquoted']],
    [`echo "$(echo "${R}" '${R}' \`x\`)" ${R}`, ['double', 'single', 'unquoted']],
    [`echo $(cd /; (ls)) "${R}"`, ['double']],
    [`echo "\\"" ${R}`, ['unquoted']],
    [`echo \\" ${R}`, ['unquoted']],
    [`echo \\\\${R}`, ['unquoted']],
    [`echo $$${R} $?${R}`, ['unquoted', 'unquoted']],
    [`echo $"x ${R}"`, ['double']],
    [`echo hi # ${R} "`, ['comment']],
    [`echo a#${R} $#${R}`, ['unquoted', 'unquoted']],
    [`echo $(x)#${R}`, ['unquoted']],
    [`echo $(# ) ${R}\n) ${R}`, ['comment', 'unquoted']],
    [`cat <<EOF\nbody $x\nEOF\necho "${R}"`, ['double']],
    [`cat <<-'E' | tr a b\n\tbody '\n\tE\necho '${R}'`, ['single']],
    [`cat <<A <<B\na\nA\nb\nB\necho ${R}`, ['unquoted']],
    [`cat <<<${R}`, ['unquoted']],
    [`[ "$x" = ${R} ] && echo "${R}"`, ['unquoted', 'double']],
  ])('finds the quoting context in %j', (template, expected) => {
    // Act
    const { problems } = analyzeShellTemplate(template);
    const contexts = contextsOf(template);

    // Assess
    expect(problems).toEqual([]);
    expect(contexts).toEqual(expected);
  });

  it.each([
    [`echo \${X:-${R}}`, /inside \$\{ … \}/],
    [`echo "\${X:-${R}}"`, /inside \$\{ … \}/],
    [`echo $((1 + ${R}))`, /arithmetic/],
    [`(( x = ${R} ))`, /arithmetic/],
    [`echo \`echo ${R}\``, /backticks.*\$\( … \)/],
    [`echo "\`${R}\`"`, /backticks/],
    [`echo $'a ${R}'`, /inside \$'…'/],
    [`echo \\${R}`, /right after a backslash/],
    [`echo "\\${R}"`, /right after a backslash/],
    [`echo $${R}`, /right after a \$/],
    [`echo "$${R}"`, /right after a \$/],
    [`cat <<EOF\n${R}\nEOF`, /inside a here-document/],
    [`cat <<'EOF'\nx ${R}\nEOF`, /inside a here-document/],
    [`cat <<${R}\nx\n`, /here-document delimiter/],
    [`echo $(case $x in a) echo;; esac) ${R}`, /after a case statement inside \$\( … \)/],
    [`echo "\${x:-"a"}" ${R}`, /after a quote inside \$\{ … \}/],
    [`cat <<\necho ${R}`, /after a here-document without a delimiter/],
  ])('rejects the reference in %j', (template, message) => {
    // Act
    const { problems } = analyzeShellTemplate(template);

    // Assess
    const start = template.indexOf(R);
    expect(problems).toEqual([
      { code: 'BAD_EXPRESSION', message: expect.stringMatching(message), start, end: start + R.length },
    ]);
    expect(contextsOf(template)).toEqual([null]);
  });

  it('accepts a reference before the construct that makes later positions uncertain', () => {
    // Prepare
    const template = `echo ${R}; echo $(case a in a) :;; esac); echo ${R}`;

    // Act
    const { problems } = analyzeShellTemplate(template);

    // Assess
    expect(problems.map((problem) => problem.start)).toEqual([template.lastIndexOf(R)]);
  });

  it('keeps the problems of the expressions themselves, in order of position', () => {
    // Act
    const { problems } = analyzeShellTemplate(`echo \`${R}\` \${{ nope }}`);

    // Assess
    expect(problems.map((problem) => problem.start)).toEqual([6, 23]);
  });

  it('never throws, whatever the text', () => {
    // Prepare
    const fragments = [
      '${{ inputs.v }}',
      '$',
      '(',
      ')',
      '((',
      '{',
      '}',
      "'",
      '"',
      '`',
      '\\',
      '#',
      '\n',
      ' ',
      '<<',
      '-',
      'EOF',
      'case ',
      'a',
    ];
    const template = fc
      .array(fc.constantFrom(...fragments), { maxLength: 30 })
      .map((items) => items.join(''));

    // Act / Assess
    fc.assert(
      fc.property(template, (text) => {
        const { parts } = analyzeShellTemplate(text);
        return parts.map((part) => (part.kind === 'text' ? part.text : part.source)).join('') === text;
      }),
      { numRuns: 2000 },
    );
  });
});
