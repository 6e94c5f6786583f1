/** Reading trigger rules and the triggers file: every problem named where it is. */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import { TriggerFileError, readTriggersText } from './trigger-file.js';
import { parseTriggerRule } from './trigger-rule.js';

const problems = (value: unknown) => {
  const result = parseTriggerRule(value as JsonValue, '');
  return result.ok ? [] : result.problems;
};

describe('parseTriggerRule', () => {
  it('reads a full rule, with defaults for what it leaves out', () => {
    const result = parseTriggerRule({
      name: 'build',
      workflow: 'build:prod',
      events: ['push', 'merge_request'],
      projects: ['g/*'],
      refs: { include: ['main'], exclude: ['tmp/*'] },
      paths: { include: ['src/**'] },
      mergeRequest: { actions: ['open'], labels: ['ci'], targetBranches: ['main'], draft: false },
      input: '{ "sha": event.checkout_sha }',
      executionName: 'build-{{ event.checkout_sha }}',
      concurrency: { mode: 'QUEUED', key: '{{ event.ref }}' },
      report: { commitStatus: true, mergeRequestNote: true, name: 'baton/build' },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rule).toMatchObject({
      name: 'build',
      connection: 'default',
      workflow: { name: 'build', alias: 'prod' },
      concurrency: { mode: 'QUEUED', key: '{{ event.ref }}' },
      report: { commitStatus: true, mergeRequestNote: true, name: 'baton/build' },
    });
    const minimal = parseTriggerRule({ name: 'm', workflow: 'w:3', events: ['tag_push'] });
    expect(minimal.ok && minimal.rule).toMatchObject({
      workflow: { name: 'w', version: 3 },
      concurrency: { mode: 'PARALLEL' },
      report: { commitStatus: false, mergeRequestNote: false },
    });
  });

  it('requires name, workflow and events', () => {
    expect(problems({})).toEqual([
      { pointer: '/name', message: 'is required' },
      expect.objectContaining({
        pointer: '/workflow',
        message: expect.stringMatching(/is required/),
      }),
      { pointer: '/events', message: 'is required' },
    ]);
    expect(problems('build')).toEqual([
      { pointer: '', message: expect.stringMatching(/must be an object/) },
    ]);
  });

  it('names unknown fields, events, modes and bad workflow references', () => {
    const found = problems({
      name: 'bad name',
      workflow: 'w:0',
      events: ['push', 'issue'],
      ref: ['main'],
      concurrency: { mode: 'SERIAL', limit: 1 },
    });
    expect(found.map((p) => p.pointer)).toEqual([
      '/ref',
      '/name',
      '/workflow',
      '/events/1',
      '/concurrency/limit',
      '/concurrency/mode',
    ]);
    expect(found.find((p) => p.pointer === '/ref')?.message).toMatch(/not a trigger field .*refs/);
    expect(problems({ name: 'a', workflow: 'a:b:c', events: ['push'] })[0]?.pointer).toBe(
      '/workflow',
    );
    expect(problems({ name: 'a', workflow: 'a:bad alias', events: ['push'] })[0]?.message).toMatch(
      /neither a version/,
    );
  });

  it('refuses bad globs, templates and JSONata, at their pointers', () => {
    const found = problems({
      name: 'a',
      workflow: 'w',
      events: ['push'],
      refs: { include: ['', 'x/***'] },
      input: '{ "a": ',
      executionName: 'x{{ event',
      concurrency: { key: 'k-{{ ) }}' },
    });
    expect(found.map((p) => p.pointer)).toEqual([
      '/refs/include/0',
      '/refs/include/1',
      '/input',
      '/executionName',
      '/concurrency/key',
    ]);
    expect(problems({ name: 'a', workflow: 'w', events: ['push'], executionName: 1 })).toEqual([
      { pointer: '/executionName', message: 'must be a string' },
    ]);
  });

  it("refuses filters that none of the rule's events can meet", () => {
    expect(
      problems({ name: 'a', workflow: 'w', events: ['push'], pipeline: { statuses: ['failed'] } }),
    ).toEqual([
      {
        pointer: '/pipeline',
        message: 'applies only to pipeline events, and events lists none of them',
      },
    ]);
    expect(
      problems({ name: 'a', workflow: 'w', events: ['merge_request'], command: true })[0]?.pointer,
    ).toBe('/command');
    expect(
      problems({ name: 'a', workflow: 'w', events: ['tag_push'], paths: { include: ['x'] } }),
    ).toHaveLength(1);
  });

  it('reads command: true as the workflow name, and a string as its own word', () => {
    const own = parseTriggerRule({
      name: 'a',
      workflow: 'deploy:prod',
      events: ['note'],
      command: true,
    });
    expect(own.ok && own.rule.command).toBe('deploy');
    const word = parseTriggerRule({
      name: 'a',
      workflow: 'deploy',
      events: ['note'],
      command: 'ship',
    });
    expect(word.ok && word.rule.command).toBe('ship');
    expect(
      problems({ name: 'a', workflow: 'w', events: ['note'], command: 'two words' })[0]?.pointer,
    ).toBe('/command');
  });
});

describe('readTriggersText', () => {
  it('reads the triggers of a YAML file', () => {
    const triggers = readTriggersText(
      'triggers:\n  - name: a\n    workflow: w\n    events: [push]\n  - name: b\n    workflow: w\n    events: [tag_push]\n',
      'triggers.yaml',
    );
    expect(triggers.map((t) => t.name)).toEqual(['a', 'b']);
    expect(JSON.parse(triggers[0]?.definition ?? '')).toEqual({
      name: 'a',
      workflow: 'w',
      events: ['push'],
    });
  });

  it('reports every problem as file:line:column, and loads nothing', () => {
    const text = [
      'triggers:',
      '  - name: a',
      '    workflow: w',
      '    events: [push, issues]',
      '  - name: a',
      '    workflow: w',
      '    events: [push]',
      '  - workflow: w',
      '    events: [push]',
      '    refs: {include: [main], exclud: [x]}',
      '',
    ].join('\n');
    const error = (() => {
      try {
        readTriggersText(text, 'ci/triggers.yaml');
        return undefined;
      } catch (e: unknown) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TriggerFileError);
    expect((error as TriggerFileError).problems).toEqual([
      expect.stringMatching(
        /^ci\/triggers\.yaml:4:\d+: \/triggers\/0\/events\/1 must be one of push/,
      ),
      expect.stringMatching(
        /^ci\/triggers\.yaml:5:\d+: \/triggers\/1\/name trigger a is already defined at \/triggers\/0/,
      ),
      expect.stringMatching(/^ci\/triggers\.yaml:8:\d+: \/triggers\/2\/name is required/),
      expect.stringMatching(
        /^ci\/triggers\.yaml:10:\d+: \/triggers\/2\/refs\/exclud is not a member of refs/,
      ),
    ]);
    expect((error as Error).message).toMatch(/has 4 problems; no trigger was loaded/);
  });

  it('reports YAML syntax errors and a file without a triggers list', () => {
    expect(() => readTriggersText('triggers: [\n', 't.yaml')).toThrow(/t\.yaml:\d+:\d+/);
    expect(() => readTriggersText('rules: []\n', 't.yaml')).toThrow(
      /t\.yaml:1:1: .*"triggers" list/,
    );
    expect(() => readTriggersText('{"triggers": {}}', 't.json')).toThrow(/"triggers" list/);
  });
});
