/**
 * The import boundaries of STYLE.md §1 are ESLint rules; this proves they fire. (They once
 * passed every import silently because the resolver could not map `.js` specifiers to `.ts`.)
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const written: string[] = [];

/** Lints a probe file written at `path` (inside src/, so every rule applies). */
async function lintProbe(path: string, code: string): Promise<string[]> {
  const file = join(root, path);
  writeFileSync(file, code);
  written.push(file);
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintFiles([file]);
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

afterEach(() => {
  for (const file of written.splice(0)) rmSync(file, { force: true });
});

describe('module boundaries', () => {
  it('keeps language/ from importing the local runner', async () => {
    const messages = await lintProbe(
      'src/language/zz-boundary-probe.ts',
      "import { runLocal } from '../local/index.js';\nexport const probe = runLocal;\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-paths.*language\/ is pure/);
  });

  it('keeps language/ away from node built-ins and npm packages other than jsonata', async () => {
    const messages = await lintProbe(
      'src/language/zz-boundary-probe.ts',
      "import { readFileSync } from 'node:fs';\nexport const probe = readFileSync;\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-imports/);
  });

  it('keeps language/ off the wall clock and Math.random', async () => {
    const messages = await lintProbe(
      'src/language/zz-boundary-probe.ts',
      'export const probe = (): number => Date.now() + Math.random();\n',
    );
    expect(messages.join('\n')).toMatch(/no-restricted-globals/);
    expect(messages.join('\n')).toMatch(/no-restricted-properties/);
  });

  it('keeps common/ from importing anything else in src', async () => {
    const messages = await lintProbe(
      'src/common/zz-boundary-probe.ts',
      "import { step } from '../language/index.js';\nexport const probe = step;\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-paths.*common\/ imports nothing else/);
  });

  it('keeps the local runner from importing the CLI', async () => {
    const messages = await lintProbe(
      'src/local/zz-boundary-probe.ts',
      "import { formatDiagnostic } from '../cli/definition-file.js';\nexport const probe = formatDiagnostic;\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-paths.*local\//);
  });

  it('accepts what the layering allows (cli/ importing language/)', async () => {
    const messages = await lintProbe(
      'src/cli/zz-boundary-probe.ts',
      "import { step } from '../language/index.js';\nexport const probe = step;\n",
    );
    expect(messages.filter((m) => m.startsWith('import-x/'))).toEqual([]);
  });
});
