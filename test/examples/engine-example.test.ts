/** examples/engine/embedded.mjs runs as documented in docs/engine.md. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = join(root, 'examples', 'engine', 'embedded.mjs');
const cwd = mkdtempSync(join(tmpdir(), 'baton-example-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function run(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script], { cwd, timeout: 30_000 }, (error, stdout) =>
      error ? reject(new Error(`the example failed: ${error.message}`)) : resolve(stdout),
    );
  });
}

describe('examples/engine/embedded.mjs', () => {
  it('runs the workflow to the end, then reports it already ran', async () => {
    const first = await run();
    expect(first).toContain('SUCCEEDED {"version":"1.4.2","deploy":{"deployed":"1.4.2"}}');
    expect(first).toMatch(/4 TaskStarted\n5 TaskSucceeded[\s\S]*11 ExecutionSucceeded/);
    const second = await run();
    expect(second).toContain('already ran (SUCCEEDED');
  }, 60_000);
});
