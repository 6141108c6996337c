import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MissingValueError, TemplateError, UnsafeValueError } from '../../../shared/vars/errors.js';
import { formatReference, type Reference } from '../../../shared/vars/expressions.js';
import { interpolate, substitute } from '../../../shared/vars/interpolate.js';

const R = '${{ inputs.v }}';
/** Each record a script prints ends with NUL, which no value contains. */
const END_RECORD = "printf '\\000'";
/** One argument of execve may not exceed 128 KiB (MAX_ARG_STRLEN); stay well below. */
const MAX_SCRIPT_BYTES = 96 * 1024;

/**
 * Runs `lines` (one record each) with `shell -c`, as few processes as the argument size allows,
 * and returns the printed records.
 */
function runRecords(shell: string, lines: readonly string[]): string[] {
  const records: string[] = [];
  let batch: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    // stdin not a socket and no HOME: bash then reads no rc file of the machine it runs on.
    const result = spawnSync(shell, ['-c', batch.join('\n')], {
      encoding: 'buffer',
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
    const out = result.stdout.toString('utf8').split('\0');
    expect(out.pop()).toBe(''); // the last record's terminator
    records.push(...out);
    batch = [];
    size = 0;
  };
  for (const line of lines) {
    const script = `${line}\n${END_RECORD}`;
    const bytes = Buffer.byteLength(script) + 1;
    if (size + bytes > MAX_SCRIPT_BYTES) flush();
    batch.push(script);
    size += bytes;
  }
  flush();
  return records;
}

/** Templates with the reference in every supported position, and what each must print. */
const POSITIONS: readonly { name: string; template: string; expected: (value: string) => string }[] = [
  // The word count proves the value stayed one word and added no command.
  { name: 'bare', template: `set -- x ${R} y; printf '<%s|%s>' "$#" "$2"`, expected: (v) => `<3|${v}>` },
  { name: 'glued', template: `printf '<%s>' a-${R}-b`, expected: (v) => `<a-${v}-b>` },
  { name: 'double-quoted', template: `printf '<%s>' "a-${R}-b"`, expected: (v) => `<a-${v}-b>` },
  { name: 'single-quoted', template: `printf '<%s>' 'a-${R}-b'`, expected: (v) => `<a-${v}-b>` },
  {
    name: 'inside $( ) inside double quotes',
    template: `printf '<%s>' "$(: "(" ')' # )\n printf '%s.' "x${R}" 'y${R}' ${R})"`,
    expected: (v) => `<x${v}.y${v}.${v}.>`,
  },
  { name: 'in a comment', template: `printf '<c>' # ${R}`, expected: () => '<c>' },
  {
    // Quotes in a here-document body and in a comment must not shift the context.
    name: 'after a here-document and a comment',
    template: `: <<'EOF'\n'"\nEOF\n: # it's\nprintf '<%s>' "${R}"`,
    expected: (v) => `<${v}>`,
  },
];

const SHELL_META = [...'\'"`$(){};|&<>\n\\*?~#!'];
const noNul = (value: string): string => value.replaceAll('\0', '');
/** Full Unicode (no NUL), shell metacharacters, and a mix of both. */
const valueArb = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.string({ unit: fc.constantFrom(...SHELL_META, ' ', '\t', 'a', '-'), maxLength: 24 }),
    fc.string({
      unit: fc.oneof(
        fc.constantFrom(...SHELL_META),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 24,
    }),
  )
  .map(noNul);

/** Interpolates every position for every value; returns the lines and the records they must print. */
function scriptFor(values: readonly string[]): { lines: string[]; expected: string[] } {
  const lines: string[] = [];
  const expected: string[] = [];
  for (const value of values) {
    for (const position of POSITIONS) {
      lines.push(interpolate(position.template, () => value));
      expected.push(position.expected(value));
    }
  }
  return { lines, expected };
}

describe('interpolate', () => {
  it('substitutes input and output references, shell-quoted', () => {
    // Prepare
    const values: Record<string, string> = {
      'inputs.version': '1.4.2',
      'tasks.build.outputs.artifact': 'a b.tgz',
    };
    const resolve = (reference: Reference) => values[formatReference(reference)];

    // Act
    const command = interpolate(
      'deploy ${{ inputs.version }} "./${{ tasks.build.outputs.artifact }}"',
      resolve,
    );

    // Assess
    expect(command).toBe(`deploy '1.4.2' "./"'a b.tgz'""`);
  });

  it('leaves a command without references unchanged', () => {
    // Prepare
    const command = 'echo "$HOME" \'${x}\' `date`';

    // Act
    const result = interpolate(command, () => 'unused');

    // Assess
    expect(result).toBe(command);
  });

  it('throws MissingValueError naming the reference when the resolver has no value', () => {
    // Act
    const act = () => interpolate('echo ${{ tasks.build.outputs.artifact }}', () => undefined);

    // Assess
    expect(act).toThrow(MissingValueError);
    expect(act).toThrow('No value for ${{ tasks.build.outputs.artifact }}.');
  });

  it("lets the resolver's own MissingValueError through", () => {
    // Prepare
    const error = new MissingValueError('inputs.env', 'the input is required and was not given');

    // Act
    const act = () =>
      interpolate(R, () => {
        throw error;
      });

    // Assess
    expect(act).toThrow(error);
  });

  it('throws UnsafeValueError for a value with NUL', () => {
    // Act
    const act = () => interpolate(`echo ${R}`, () => 'a\0b');

    // Assess
    expect(act).toThrow(UnsafeValueError);
  });

  it('throws TemplateError listing every problem before resolving any value', () => {
    // Prepare
    let resolved = 0;

    // Act
    let error: unknown;
    try {
      interpolate(`echo \${{ bad }} \`${R}\` ${R}`, () => {
        resolved += 1;
        return 'x';
      });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).code).toBe('BAD_EXPRESSION');
    expect((error as TemplateError).problems).toHaveLength(2);
    expect((error as TemplateError).message).toMatch(/Unknown expression "bad".*\(and 1 more\)/);
    expect(resolved).toBe(0);
  });

  it.each(POSITIONS)(
    'passes a hostile value literally when the reference is $name',
    ({ template, expected }) => {
      // Prepare
      const values = [
        `'; touch /tmp/pwned; '`,
        '"$(id)"',
        '`id`',
        '$HOME',
        '\\',
        "'\\''",
        '\n;exit 3\n',
        '',
        ' ',
        '*',
        '~',
      ];
      const { lines } = scriptFor([]);
      for (const value of values) lines.push(interpolate(template, () => value));

      // Act
      const records = runRecords('/bin/sh', lines);

      // Assess
      expect(records).toEqual(values.map(expected));
    },
  );

  const shells = [
    { shell: '/bin/sh', values: 10_000 },
    { shell: '/bin/bash', values: 2_500 },
  ].filter(({ shell }) => existsSync(shell));

  it.each(shells)(
    'keeps any value literal and the command shape intact in $shell ($values random values)',
    ({ shell, values }) => {
      // Prepare
      const perRun = 250;

      // Act / Assess
      fc.assert(
        // Shrinking re-runs the shell: a bounded number of steps still narrows a failure down.
        fc.property(
          fc.limitShrink(fc.array(valueArb, { minLength: perRun, maxLength: perRun }), 40),
          (batch) => {
            const { lines, expected } = scriptFor(batch);
            expect(runRecords(shell, lines)).toEqual(expected);
          },
        ),
        { numRuns: values / perRun },
      );
    },
  );
});

describe('substitute', () => {
  it('substitutes values verbatim, without quoting', () => {
    // Act
    const text = substitute('Bearer ${{ tasks.login.outputs.token }}', () => "a'b c");

    // Assess
    expect(text).toBe("Bearer a'b c");
  });

  it('throws TemplateError for a malformed reference', () => {
    // Act
    const act = () => substitute('${{ inputs }}', () => 'x');

    // Assess
    expect(act).toThrow(TemplateError);
  });
});
