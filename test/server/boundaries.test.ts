/**
 * The server's module boundaries fire: config/ (imported by the CLI) never pulls in the server,
 * and workflow-files/ sees only the store interface.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const written: string[] = [];

async function lintProbe(path: string, code: string): Promise<string[]> {
  const file = join(root, path);
  writeFileSync(file, code);
  written.push(file);
  const [result] = await new ESLint({ cwd: root }).lintFiles([file]);
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

afterEach(() => {
  for (const file of written.splice(0)) rmSync(file, { force: true });
});

describe('server module boundaries', () => {
  it('keeps config/ from importing the store', async () => {
    const messages = await lintProbe(
      'src/config/zz-boundary-probe.ts',
      "import type { Store } from '../store/index.js';\nexport type Probe = Store;\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-paths.*config\/ reads settings/);
  });

  it('keeps config/ from importing main.ts', async () => {
    const messages = await lintProbe(
      'src/config/zz-boundary-probe.ts',
      "import { startBaton } from '../main.js';\nexport const probe = startBaton;\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-paths.*config\//);
  });

  it('keeps workflow-files/ from importing a concrete store', async () => {
    const messages = await lintProbe(
      'src/workflow-files/zz-boundary-probe.ts',
      "import { openSqliteStore } from '../store/sqlite/index.js';\nexport const probe = openSqliteStore;\n",
    );
    expect(messages.join('\n')).toMatch(
      /no-restricted-paths.*workflow-files\/ sees the store interface/,
    );
  });

  it('lets the CLI import config/ and api/ import the store interface', async () => {
    expect(
      await lintProbe(
        'src/cli/zz-boundary-probe.ts',
        "import { loadConfig } from '../config/index.js';\nexport const probe = loadConfig;\n",
      ),
    ).toEqual([]);
    expect(
      await lintProbe(
        'src/api/server/zz-boundary-probe.ts',
        "import type { Store } from '../../store/index.js';\nexport type Probe = Store;\n",
      ),
    ).toEqual([]);
  });

  it('keeps api/ from importing a concrete store', async () => {
    const messages = await lintProbe(
      'src/api/server/zz-boundary-probe.ts',
      "import { openPostgresStore } from '../../store/postgres/index.js';\nexport const probe = openPostgresStore;\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-paths.*api\/ reaches concrete stores/);
  });
});
