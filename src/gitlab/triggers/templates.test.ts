/** Execution name templates and JSONata mappings over an event. */
import { describe, expect, it } from 'vitest';
import { checkName } from '../../engine/index.js';
import type { TemplateScope } from './templates.js';
import {
  TemplateError,
  evaluateExpression,
  parseTemplate,
  renderTemplate,
  toExecutionName,
} from './templates.js';

const scope: TemplateScope = {
  event: {
    ref: 'refs/heads/feature/x',
    checkout_sha: 'abc123',
    project: { path_with_namespace: 'g/p' },
  },
  headers: { event: 'Push Hook', instance: 'https://gitlab.example.com' },
  connection: 'default',
};

describe('renderTemplate', () => {
  it('fills {{ }} parts with JSONata results over event, headers and connection', async () => {
    expect(await renderTemplate('build-{{ event.checkout_sha }}', scope)).toBe('build-abc123');
    expect(await renderTemplate('{{ connection }}/{{ headers.event }}', scope)).toBe(
      'default/Push Hook',
    );
    expect(await renderTemplate('{{ $substringAfter(event.ref, "refs/heads/") }}', scope)).toBe(
      'feature/x',
    );
    expect(await renderTemplate('n-{{ 1 + 2 }}', scope)).toBe('n-3');
  });

  it('refuses a part with no value (different events would share one name)', async () => {
    for (const template of ['n-{{ event.missing }}', 'n-{{ checkout_sha }}', 'n-{{ null }}']) {
      await expect(renderTemplate(template, scope)).rejects.toThrow(
        /has no value for this event.*event\.checkout_sha/,
      );
    }
  });

  it('reports an expression that fails, naming it', async () => {
    await expect(renderTemplate('{{ $error("boom") }}', scope)).rejects.toThrow(TemplateError);
    await expect(evaluateExpression('$error("boom")', scope)).rejects.toThrow(
      /"\$error\(\\"boom\\"\)" failed: .*boom/,
    );
  });

  it('finds unclosed parts and bad JSONata before anything runs', () => {
    expect(parseTemplate('a-{{ event').problems).toEqual(['has a "{{" without its closing "}}"']);
    expect(parseTemplate('a-{{ ) }}').problems[0]).toMatch(/^\{\{ \) \}\}: /);
    expect(parseTemplate('plain').problems).toEqual([]);
  });
});

describe('toExecutionName', () => {
  it('replaces characters execution names may not hold, and the result passes checkName', () => {
    for (const text of [
      'feature/x: fix #1',
      'a b\tc',
      '<x>{y}[z]?*"\\\\^|~`$&,;',
      'dé-ploy\u0007',
      '---',
    ]) {
      const name = toExecutionName(text, 'fallback');
      expect(() => checkName('execution', name), `${text} -> ${name}`).not.toThrow();
    }
    expect(toExecutionName('feature/x: fix #1', 'f')).toBe('feature-x-fix-1');
    expect(toExecutionName('', 'build-0123')).toBe('build-0123');
    expect(toExecutionName('///', 'build-0123')).toBe('build-0123');
  });

  it('shortens long names to 80 characters with a hash, keeping different names different', () => {
    const a = toExecutionName(`${'x'.repeat(100)}-a`, 'f');
    const b = toExecutionName(`${'x'.repeat(100)}-b`, 'f');
    expect([...a]).toHaveLength(80);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^x{69}-[0-9a-f]{10}$/);
    expect(toExecutionName('x'.repeat(80), 'f')).toBe('x'.repeat(80));
    expect(() => checkName('execution', toExecutionName('é'.repeat(200), 'f'))).not.toThrow();
  });

  it('is deterministic: the same text always gives the same name', () => {
    expect(toExecutionName('y'.repeat(300), 'f')).toBe(toExecutionName('y'.repeat(300), 'f'));
  });
});
