import { describe, expect, it } from 'vitest';
import type { ValidateIo } from './validate-command.js';
import { runValidate } from './validate-command.js';

const FILES: Readonly<Record<string, string>> = {
  'good.json': '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}',
  'bad.yaml': 'StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: B\n',
  'broken.json': '{"StartAt": ',
};

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: ValidateIo = {
    readText: (file) => {
      const text = FILES[file];
      return text === undefined
        ? Promise.reject(new Error(`ENOENT: no such file '${file}'`))
        : Promise.resolve(text);
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { io, out, err };
}

describe('baton validate', () => {
  it('prints one OK line per valid file and exits 0', async () => {
    const { io, out, err } = fakeIo();
    expect(await runValidate(['good.json'], 'text', io)).toBe(0);
    expect(out).toEqual(['good.json: OK (1 top-level states)']);
    expect(err).toEqual([]);
  });

  it('prints file:line:col: message [code] for each problem and exits 2', async () => {
    const { io, err } = fakeIo();
    expect(await runValidate(['good.json', 'bad.yaml'], 'text', io)).toBe(2);
    expect(err[0]).toBe(
      'bad.yaml:5:5: State "A" has "Next": "B", which is not a state in this machine; add that state or fix the name. [UNKNOWN_TARGET]',
    );
    expect(err.at(-1)).toBe('1 of 2 file(s) invalid.');
  });

  it('reports syntax errors with their position', async () => {
    const { io, err } = fakeIo();
    expect(await runValidate(['broken.json'], 'text', io)).toBe(2);
    expect(err[0]).toMatch(/^broken\.json:1:13: Invalid JSON: .* \[JSON_SYNTAX\]$/);
  });

  it('reports an unreadable file clearly and exits 2', async () => {
    const { io, err } = fakeIo();
    expect(await runValidate(['missing.json'], 'text', io)).toBe(2);
    expect(err[0]).toContain('missing.json:0:0: Cannot read the file: ENOENT');
    expect(err[0]).toContain('[FILE_UNREADABLE]');
  });

  it('prints the diagnostics as JSON with --format json', async () => {
    const { io, out } = fakeIo();
    expect(await runValidate(['good.json', 'bad.yaml'], 'json', io)).toBe(2);
    const report: unknown = JSON.parse(out.join('\n'));
    expect(report).toEqual([
      { file: 'good.json', valid: true, diagnostics: [] },
      {
        file: 'bad.yaml',
        valid: false,
        diagnostics: [
          expect.objectContaining({
            code: 'UNKNOWN_TARGET',
            pointer: '/States/A/Next',
            line: 5,
            column: 5,
          }),
        ],
      },
    ]);
  });
});
