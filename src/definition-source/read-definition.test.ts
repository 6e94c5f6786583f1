import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../language/definition/index.js';
import { detectFormat, readDefinitionText } from './read-definition.js';

const YAML = `# deploy
StartAt: Deploy
States:
  Deploy:
    Type: Task
    Resource: arn:aws:states:::http:invoke
    Next: Deplyo
`;

describe('readDefinitionText', () => {
  it('picks the format from the extension first, then from the content', () => {
    expect(detectFormat('{}', 'a.yaml')).toBe('yaml');
    expect(detectFormat('StartAt: A', 'a.json')).toBe('json');
    expect(detectFormat('  {"a": 1}')).toBe('json');
    expect(detectFormat('StartAt: A', 'definition.asl')).toBe('yaml');
  });

  it('gives YAML diagnostics the line and column of the offending key', () => {
    const parsed = readDefinitionText(YAML, 'deploy.yaml');
    if (!parsed.ok) throw new Error('must parse');
    const result = validateDefinition(parsed.value, parsed.sourceMap);
    expect(result.ok ? [] : result.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'UNKNOWN_TARGET',
        pointer: '/States/Deploy/Next',
        line: 7,
        column: 5,
      }),
    );
  });

  it('maps YAML sequence items to their positions', () => {
    const parsed = readDefinitionText('Branches:\n  - StartAt: A\n  - StartAt: B\n', 'x.yml');
    if (!parsed.ok) throw new Error('must parse');
    expect(parsed.sourceMap.positionOf('/Branches/1')).toEqual({ line: 3, column: 5 });
  });

  it('reports YAML syntax errors with their position', () => {
    const parsed = readDefinitionText('StartAt: A\nStates: [unclosed\n', 'x.yaml');
    expect(parsed.ok).toBe(false);
    expect(parsed.diagnostics[0]).toMatchObject({ code: 'YAML_SYNTAX' });
    expect(parsed.diagnostics[0]?.line).toBeGreaterThan(1);
  });

  it('reports duplicate YAML keys', () => {
    const parsed = readDefinitionText('StartAt: A\nStartAt: B\n', 'x.yaml');
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_KEY', line: 2, column: 1 }),
    ]);
  });

  it('rejects YAML values with no JSON equivalent', () => {
    const parsed = readDefinitionText('TimeoutSeconds: .inf\n', 'x.yaml');
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({
        code: 'UNSUPPORTED_VALUE',
        pointer: '/TimeoutSeconds',
        line: 1,
        column: 1,
      }),
    ]);
  });

  it('reports an empty YAML document', () => {
    expect(readDefinitionText('# nothing\n', 'x.yaml').diagnostics[0]).toMatchObject({
      code: 'YAML_SYNTAX',
    });
  });

  it('resolves YAML aliases and keeps null for empty values', () => {
    const parsed = readDefinitionText('a: &x {k: 1}\nb: *x\nc:\n', 'x.yaml');
    expect(parsed.ok && parsed.value).toEqual({ a: { k: 1 }, b: { k: 1 }, c: null });
  });

  // Review finding: a 330-byte alias bomb took 39 s and 2.3 GB, one more level threw RangeError.
  it.each([6, 7])(
    'stops a %i-level YAML alias bomb quickly with a diagnostic instead of expanding it',
    (levels) => {
      let text = 'a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n';
      for (let i = 1; i <= levels; i++) {
        text += `a${i}: &a${i} [${Array<string>(10)
          .fill(`*a${i - 1}`)
          .join(',')}]\n`;
      }
      const started = performance.now();
      const parsed = readDefinitionText(text, 'bomb.yaml');
      expect(performance.now() - started).toBeLessThan(1000);
      expect(parsed.ok).toBe(false);
      expect(parsed.diagnostics).toEqual([
        expect.objectContaining({
          code: 'UNSUPPORTED_VALUE',
          message: expect.stringMatching(
            /more than 100,000 values through YAML aliases.*write the repeated parts out/,
          ),
        }),
      ]);
    },
  );

  it('still expands a few aliases to a shared block', () => {
    const retry = '[{ErrorEquals: [States.ALL], MaxAttempts: 3}]';
    const text = `x: &retry ${retry}\n${Array.from({ length: 50 }, (_, i) => `s${i}: *retry`).join('\n')}\n`;
    const parsed = readDefinitionText(text, 'x.yaml');
    expect(parsed.ok).toBe(true);
  });

  it('reads JSON with the position-tracking parser', () => {
    const parsed = readDefinitionText('{"a": }', 'x.json');
    expect(parsed.diagnostics[0]).toMatchObject({ code: 'JSON_SYNTAX', line: 1, column: 7 });
  });
});
