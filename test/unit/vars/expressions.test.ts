import { describe, expect, it } from 'vitest';
import { formatReference, listReferences, parseTemplate } from '../../../shared/vars/expressions.js';

describe('parseTemplate', () => {
  it('splits text and an input reference, with offsets', () => {
    // Prepare
    const text = 'app-${{ inputs.version }}.tgz';

    // Act
    const { parts, problems } = parseTemplate(text);

    // Assess
    expect(problems).toEqual([]);
    expect(parts).toEqual([
      { kind: 'text', text: 'app-', start: 0, end: 4 },
      {
        kind: 'reference',
        reference: { kind: 'input', name: 'version' },
        source: '${{ inputs.version }}',
        start: 4,
        end: 25,
      },
      { kind: 'text', text: '.tgz', start: 25, end: 29 },
    ]);
  });

  it('reads a task output reference with a dashed task name and no inner spaces', () => {
    // Prepare
    const text = '${{tasks.fetch-token.outputs.api_token}}';

    // Act
    const { parts, problems } = parseTemplate(text);

    // Assess
    expect(problems).toEqual([]);
    expect(parts.map((part) => (part.kind === 'reference' ? part.reference : part.text))).toEqual([
      { kind: 'output', task: 'fetch-token', name: 'api_token' },
    ]);
  });

  it('allows tabs and line breaks around the expression', () => {
    // Act
    const { parts, problems } = parseTemplate('${{\t inputs.x\n}}');

    // Assess
    expect(problems).toEqual([]);
    expect(parts[0]).toMatchObject({ kind: 'reference', reference: { kind: 'input', name: 'x' } });
  });

  it('keeps text without expressions as one literal part and lone braces as text', () => {
    // Prepare
    const text = 'echo "${HOME}" {{ x }} }}';

    // Act
    const { parts, problems } = parseTemplate(text);

    // Assess
    expect(problems).toEqual([]);
    expect(parts).toEqual([{ kind: 'text', text, start: 0, end: text.length }]);
  });

  it.each([
    ['${{ }}', /Empty expression/],
    ['${{ foo }}', /Unknown expression "foo"/],
    ['${{ env.HOME }}', /Unknown expression "env.HOME".*\$NAME/],
    ['${{ inputs }}', /Invalid input reference "inputs"/],
    ['${{ inputs.1x }}', /Invalid input reference "inputs.1x"/],
    ['${{ inputs.a.b }}', /Invalid input reference/],
    ['${{ tasks.build.artifact }}', /expected tasks.TASK.outputs.NAME/],
    ['${{ tasks.-b.outputs.v }}', /Invalid task name "-b"/],
    ['${{ tasks.b.outputs.v-1 }}', /Invalid output name "v-1"/],
    ['${{ inputs . x }}', /Invalid input reference/],
  ])('reports %s as a bad expression covering it', (text, message) => {
    // Act
    const { parts, problems } = parseTemplate(`echo ${text};`);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'BAD_EXPRESSION', start: 5, end: 5 + text.length });
    expect(problems[0]?.message).toMatch(message);
    expect(parts.every((part) => part.kind === 'text')).toBe(true);
  });

  it('reports an unclosed ${{ up to the end of the text', () => {
    // Act
    const { problems } = parseTemplate('echo ${{ inputs.x');

    // Assess
    expect(problems).toEqual([
      {
        code: 'BAD_EXPRESSION',
        message: expect.stringMatching(/Unclosed \$\{\{ at offset 5/),
        start: 5,
        end: 17,
      },
    ]);
  });

  it('reports an unclosed ${{ followed by a good reference and still reads the good one', () => {
    // Act
    const { parts, problems } = parseTemplate('a ${{ inputs.x b ${{ inputs.y }}');

    // Assess
    expect(problems).toEqual([expect.objectContaining({ start: 2, end: 17 })]);
    expect(parts.filter((part) => part.kind === 'reference')).toEqual([
      expect.objectContaining({ reference: { kind: 'input', name: 'y' }, start: 17 }),
    ]);
  });

  it('reports every problem of a template at once', () => {
    // Act
    const { problems } = parseTemplate('${{ a }} ${{ inputs.ok }} ${{ b }} ${{');

    // Assess
    expect(problems.map((problem) => problem.start)).toEqual([0, 26, 35]);
  });
});

describe('listReferences', () => {
  it('lists each well-formed reference in order, duplicates included', () => {
    // Act
    const references = listReferences('${{ inputs.a }} ${{ bad }} ${{ tasks.t.outputs.v }} ${{ inputs.a }}');

    // Assess
    expect(references.map((part) => formatReference(part.reference))).toEqual([
      'inputs.a',
      'tasks.t.outputs.v',
      'inputs.a',
    ]);
  });
});
