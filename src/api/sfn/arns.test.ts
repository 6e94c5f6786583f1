import { describe, expect, it } from 'vitest';
import { Arns } from './arns.js';
import { SfnError } from './errors.js';

const arns = new Arns('eu-west-1', '111122223333');
const base = 'arn:aws:states:eu-west-1:111122223333';

function failure(arn: string, kinds: Parameters<Arns['parse']>[1]): string {
  try {
    arns.parse(arn, kinds);
  } catch (error: unknown) {
    if (error instanceof SfnError) return `${error.type}: ${error.message}`;
    throw error;
  }
  return 'accepted';
}

describe('ARNs', () => {
  it('builds the four forms with the configured region and account', () => {
    expect(arns.stateMachine('deploy')).toBe(`${base}:stateMachine:deploy`);
    expect(arns.version('deploy', 3)).toBe(`${base}:stateMachine:deploy:3`);
    expect(arns.alias('deploy', 'prod')).toBe(`${base}:stateMachine:deploy:prod`);
    expect(arns.execution('deploy', 'run-1')).toBe(`${base}:execution:deploy:run-1`);
  });

  it('parses each form back', () => {
    const kinds = ['stateMachine', 'version', 'alias', 'execution'] as const;
    expect(arns.parse(`${base}:stateMachine:deploy`, kinds)).toEqual({
      kind: 'stateMachine',
      stateMachine: 'deploy',
    });
    expect(arns.parse(`${base}:stateMachine:deploy:12`, kinds)).toEqual({
      kind: 'version',
      stateMachine: 'deploy',
      version: 12,
    });
    expect(arns.parse(`${base}:stateMachine:deploy:v2-prod`, kinds)).toEqual({
      kind: 'alias',
      stateMachine: 'deploy',
      alias: 'v2-prod',
    });
    expect(arns.parse(`${base}:execution:deploy:run-1`, kinds)).toEqual({
      kind: 'execution',
      stateMachine: 'deploy',
      execution: 'run-1',
    });
  });

  it('refuses a kind the field does not take, saying which it wanted', () => {
    expect(failure(`${base}:stateMachine:deploy:1`, ['stateMachine'])).toMatch(
      /^InvalidArn: .*a state machine version \(expected a state machine\)/,
    );
  });

  it('refuses other regions, accounts, partitions, services and shapes', () => {
    for (const arn of [
      'arn:aws:states:us-east-1:111122223333:stateMachine:x',
      'arn:aws:states:eu-west-1:999999999999:stateMachine:x',
      'arn:aws-cn:states:eu-west-1:111122223333:stateMachine:x',
      'arn:aws:lambda:eu-west-1:111122223333:stateMachine:x',
      `${base}:activity:x`,
      `${base}:stateMachine:x:0`,
      `${base}:stateMachine:x:01`,
      `${base}:stateMachine:x:a b`,
      `${base}:stateMachine:x:1:2`,
      `${base}:execution:x`,
      `${base}:execution::y`,
      'arn:aws:states',
      '',
    ]) {
      expect(failure(arn, ['stateMachine', 'version', 'alias', 'execution']), arn).toMatch(
        /^InvalidArn: Invalid Arn: '/,
      );
    }
  });
});
