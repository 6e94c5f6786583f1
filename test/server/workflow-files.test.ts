/**
 * Loading workflow files (what `npm start` does with examples/): each NAME.asl.json|yaml|yml is
 * created as workflow NAME, a second load changes nothing, an edited file updates its workflow,
 * and a broken file is skipped with its location while the others load.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/api/server/index.js';
import { defaultConfig } from '../../src/config/index.js';
import type { BatonServer } from '../../src/main.js';
import { startBaton } from '../../src/main.js';
import type { Store } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { WorkflowFileResult } from '../../src/workflow-files/index.js';
import { loadWorkflowFiles } from '../../src/workflow-files/index.js';

const dirs: string[] = [];
const stores: Store[] = [];
const servers: BatonServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-workflows-'));
  dirs.push(dir);
  return dir;
}

async function freshStore(): Promise<Store> {
  const store = openSqliteStore({
    path: join(tempDir(), 'db'),
    now: () => new Date().toISOString(),
  });
  await store.migrate();
  stores.push(store);
  return store;
}

let revisions = 0;
function load(store: Store, directory: string): Promise<WorkflowFileResult[]> {
  return loadWorkflowFiles({
    store,
    directory,
    now: () => new Date().toISOString(),
    newRevisionId: () => `r${++revisions}`,
  });
}

const PASS = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, null, 2);
const YAML = 'StartAt: A\nStates:\n  A:\n    Type: Succeed\n';

function files(entries: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loading a directory', () => {
  it('creates one workflow per file, named after it, and ignores other files', async () => {
    const store = await freshStore();
    const dir = files({
      'hello.asl.json': PASS,
      'release-train.asl.yaml': YAML,
      'short.asl.yml': YAML,
      'hello.input.json': '{}',
      'README.md': '# not a workflow',
    });
    const results = await load(store, dir);
    expect(results).toEqual([
      { file: join(dir, 'hello.asl.json'), workflow: 'hello', outcome: 'created' },
      { file: join(dir, 'release-train.asl.yaml'), workflow: 'release-train', outcome: 'created' },
      { file: join(dir, 'short.asl.yml'), workflow: 'short', outcome: 'created' },
    ]);
    expect((await store.workflows.get('hello'))?.definition).toBe(PASS);
    // YAML is stored as JSON: the engine and the Step Functions API read JSON.
    const yaml = await store.workflows.get('release-train');
    expect(JSON.parse(yaml?.definition ?? '')).toEqual({
      StartAt: 'A',
      States: { A: { Type: 'Succeed' } },
    });
    expect(yaml?.description).toBe('Loaded from release-train.asl.yaml');
  });

  it('changes nothing when loaded again (a restart)', async () => {
    const store = await freshStore();
    const dir = files({ 'hello.asl.json': PASS, 'y.asl.yaml': YAML });
    await load(store, dir);
    const before = await store.workflows.get('hello');
    const again = await load(store, dir);
    expect(again.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged']);
    expect((await store.workflows.get('hello'))?.revisionId).toBe(before?.revisionId);
  });

  it('updates a workflow whose file changed', async () => {
    const store = await freshStore();
    const dir = files({ 'hello.asl.json': PASS });
    await load(store, dir);
    const changed = PASS.replace('"Pass"', '"Succeed"').replace(',\n      "End": true', '');
    writeFileSync(join(dir, 'hello.asl.json'), changed);
    expect((await load(store, dir))[0]).toMatchObject({ outcome: 'updated' });
    expect((await store.workflows.get('hello'))?.definition).toBe(changed);
  });

  it('loads the repository examples', async () => {
    const store = await freshStore();
    const results = await load(store, 'examples');
    expect(results.map((r) => r.outcome)).toEqual(['created', 'created']);
    expect(results.map((r) => ('workflow' in r ? r.workflow : r.file))).toEqual([
      'hello',
      'release-train',
    ]);
  });

  it('fails only when the directory itself cannot be read', async () => {
    const store = await freshStore();
    await expect(load(store, join(tempDir(), 'missing'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('broken files are skipped with their location', () => {
  it('reports a JSON syntax error with line:col and loads the rest', async () => {
    const store = await freshStore();
    const dir = files({
      'a-good.asl.json': PASS,
      'broken.asl.json': '{\n  "StartAt": "A",\n  ]\n}',
    });
    const results = await load(store, dir);
    expect(results[0]).toMatchObject({ workflow: 'a-good', outcome: 'created' });
    const broken = results[1];
    expect(broken?.outcome).toBe('skipped');
    if (broken?.outcome !== 'skipped') return;
    expect(broken.problems[0]).toMatch(
      new RegExp(`^${escape(join(dir, 'broken.asl.json'))}:3:3: .+ \\[\\w+\\]$`),
    );
    expect(await store.workflows.get('broken')).toBeUndefined();
  });

  it('reports a YAML syntax error', async () => {
    const store = await freshStore();
    const dir = files({ 'bad.asl.yaml': 'StartAt: A\nStates:\n  A: [unclosed\n' });
    const [result] = await load(store, dir);
    expect(result?.outcome).toBe('skipped');
    if (result?.outcome === 'skipped')
      expect(result.problems[0]).toMatch(
        /bad\.asl\.yaml:\d+:\d+: Invalid YAML: .+\[YAML_SYNTAX\]$/,
      );
  });

  it('reports every validation problem of invalid ASL, in file order', async () => {
    const store = await freshStore();
    const text = JSON.stringify(
      {
        StartAt: 'Missing',
        States: { A: { Type: 'Pass', Next: 'Nowhere' }, B: { Type: 'Teleport', End: true } },
      },
      null,
      2,
    );
    const dir = files({ 'invalid.asl.json': text });
    const [result] = await load(store, dir);
    expect(result?.outcome).toBe('skipped');
    if (result?.outcome !== 'skipped') return;
    expect(result.problems.length).toBeGreaterThanOrEqual(3);
    for (const problem of result.problems)
      expect(problem).toMatch(/invalid\.asl\.json:\d+:\d+: .+ \[[A-Z_]+\]$/);
    const lines = result.problems.map((p) => Number(/\.json:(\d+):/.exec(p)?.[1]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(result.problems.join('\n')).toMatch(/Nowhere/);
  });

  it('reports duplicate keys, which would silently lose a state', async () => {
    const store = await freshStore();
    const dir = files({
      'dup.asl.json':
        '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "A": {"Type": "Succeed"}}}',
    });
    const [result] = await load(store, dir);
    expect(result?.outcome).toBe('skipped');
  });

  it('skips a file whose name is not a valid workflow name', async () => {
    const store = await freshStore();
    const dir = files({ 'two words.asl.json': PASS, 'a:b.asl.json': PASS });
    const results = await load(store, dir);
    expect(results.map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
    for (const result of results) {
      if (result.outcome === 'skipped')
        expect(result.problems[0]).toMatch(/\.asl\.json:1:1: The workflow name .+ contains/);
    }
  });

  it('skips an empty file and a file that is not an object', async () => {
    const store = await freshStore();
    const dir = files({ 'empty.asl.json': '', 'list.asl.json': '[1, 2]' });
    expect((await load(store, dir)).map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
  });

  it('ignores directories named like workflow files', async () => {
    const store = await freshStore();
    const dir = files({ 'ok.asl.json': PASS });
    mkdirSync(join(dir, 'folder.asl.json'));
    expect((await load(store, dir)).map((r) => r.outcome)).toEqual(['created']);
  });
});

describe('through startBaton', () => {
  it('loads the directory before listening, idempotently across restarts, skipping broken files', async () => {
    const dir = files({ 'hello.asl.json': PASS, 'broken.asl.json': '{"StartAt": ' });
    const config = {
      ...defaultConfig(tempDir()),
      port: 0,
      nodeId: 'n',
      shutdownTimeoutMs: 1000,
    };
    const logger = createLogger({ level: 'silent' });
    const first = await startBaton(config, { logger, workflowsDir: dir });
    servers.push(first);
    expect(first.workflowFiles.map((r) => r.outcome)).toEqual(['skipped', 'created']);
    await first.close();
    const second = await startBaton(config, { logger, workflowsDir: dir });
    servers.push(second);
    expect(second.workflowFiles.map((r) => r.outcome)).toEqual(['skipped', 'unchanged']);
    expect(readFileSync(join(dir, 'hello.asl.json'), 'utf8')).toBe(PASS);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
