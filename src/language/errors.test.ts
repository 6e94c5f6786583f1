import { describe, expect, it } from 'vitest';
import { matchesErrorEquals } from './errors.js';

describe('matchesErrorEquals', () => {
  it('matches names exactly and case-sensitively', () => {
    expect(matchesErrorEquals('MyError', ['MyError'])).toBe(true);
    expect(matchesErrorEquals('MyError', ['myerror'])).toBe(false);
    expect(matchesErrorEquals('MyError', ['Other', 'MyError'])).toBe(true);
    expect(matchesErrorEquals('MyError', [])).toBe(false);
  });

  it('lets States.ALL match everything but the terminal errors', () => {
    for (const e of [
      'X',
      'States.Timeout',
      'States.TaskFailed',
      'States.QueryEvaluationError',
      'States.HeartbeatTimeout',
    ]) {
      expect(matchesErrorEquals(e, ['States.ALL'])).toBe(true);
    }
    expect(matchesErrorEquals('States.Runtime', ['States.ALL'])).toBe(false);
    expect(matchesErrorEquals('States.DataLimitExceeded', ['States.ALL'])).toBe(false);
  });

  it('still matches a terminal error that is named explicitly', () => {
    expect(matchesErrorEquals('States.Runtime', ['States.Runtime'])).toBe(true);
  });

  it('lets States.TaskFailed match any error except timeouts, as AWS documents', () => {
    for (const e of [
      'Lambda.Unknown',
      'java.lang.Exception',
      'States.Permissions',
      'States.QueryEvaluationError',
    ]) {
      expect(matchesErrorEquals(e, ['States.TaskFailed'])).toBe(true);
    }
    expect(matchesErrorEquals('States.Timeout', ['States.TaskFailed'])).toBe(false);
    expect(matchesErrorEquals('States.HeartbeatTimeout', ['States.TaskFailed'])).toBe(false);
  });

  it('never makes States.TaskFailed wider than States.ALL', () => {
    expect(matchesErrorEquals('States.Runtime', ['States.TaskFailed'])).toBe(false);
    expect(matchesErrorEquals('States.DataLimitExceeded', ['States.TaskFailed'])).toBe(false);
  });
});
