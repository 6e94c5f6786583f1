import { describe, expect, it } from 'vitest';
import { escapeInline, finalizeNoteBody, quoteBlock } from './markdown.js';
import { redactSecrets } from './redact.js';

/** A GitLab quick action: `/command` at the start of a line (GitLab allows no indent, we allow none either). */
const QUICK_ACTION_LINE = /^\s*\//m;
/** An @mention GitLab would turn into a notification. */
const MENTION = /@[A-Za-z0-9_]/;

describe('note Markdown from untrusted text', () => {
  it('never leaves a line starting with a quick action in a quoted cause', () => {
    const cause = 'deploy failed\n/merge\n  /approve\n/assign @alice\n\t/close';
    const quoted = quoteBlock(cause);
    expect(quoted).not.toMatch(QUICK_ACTION_LINE);
    for (const line of quoted.split('\n')) expect(line.startsWith('> ')).toBe(true);
  });

  it('neutralises quick actions anywhere in a finished body, whatever produced them', () => {
    const body = finalizeNoteBody('ok\n/merge\n   /label ~bug\nnot /a command');
    expect(body).not.toMatch(QUICK_ACTION_LINE);
    expect(body).toContain('not /a command');
  });

  it('breaks @mentions, @all included', () => {
    for (const text of ['@alice', 'ping @all now', 'mail bob@example.com']) {
      expect(escapeInline(text)).not.toMatch(MENTION);
      expect(quoteBlock(text)).not.toMatch(MENTION);
    }
  });

  it('escapes Markdown and HTML so text cannot format, link or break a table', () => {
    const escaped = escapeInline('a|b **bold** [x](https://evil) <img src=x> `code` ~label #12 !3');
    expect(escaped).not.toMatch(/(?<!\\)[|*[\]()<>`~#!]/);
  });

  it('keeps a cause on separate quoted lines and puts an inline text on one line', () => {
    expect(quoteBlock('one\r\ntwo')).toBe('> one\n> two');
    expect(escapeInline('one\ntwo')).toBe('one two');
  });
});

describe('secret redaction', () => {
  it('removes a known secret verbatim, wherever it is', () => {
    expect(redactSecrets('token=abcd1234xyz and abcd1234xyz', ['abcd1234xyz'])).not.toContain(
      'abcd1234xyz',
    );
  });

  it('removes GitLab tokens, JWTs, task tokens, header values and URL credentials by shape', () => {
    const text = [
      'glpat-AAAAAAAAAAAAAAAAAAAA',
      'glptt-0123456789abcdef',
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      `arn:aws:states:local:000000000000:execution:wf:x#2#${'a'.repeat(64)}`,
      'PRIVATE-TOKEN: secretvalue',
      'Authorization: Bearer opaque-token',
      'https://user:pa55@gitlab.example.com/x',
      'https://gitlab.example.com/api?private_token=abc&x=1',
    ].join('\n');
    const out = redactSecrets(text);
    for (const secret of [
      'AAAAAAAAAAAAAAAAAAAA',
      '0123456789abcdef',
      'c2lnbmF0dXJl',
      'a'.repeat(64),
      'secretvalue',
      'opaque-token',
      'pa55',
      'private_token=abc',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('PRIVATE-TOKEN: [REDACTED]');
    expect(out).toContain('https://[REDACTED]@gitlab.example.com/x');
  });

  it('leaves ordinary text alone and ignores secrets too short to be real', () => {
    const text = 'Pipeline #123 failed in stage deploy: exit code 1';
    expect(redactSecrets(text, ['', 'a'])).toBe(text);
  });
});
