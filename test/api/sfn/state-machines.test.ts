/**
 * State machines, versions, aliases, validation and tags through the real AWS SDK client,
 * asserting AWS's response shapes and exception names.
 */
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  PublishStateMachineVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropAll } from '../../support/databases.js';
import type { Harness } from './harness.js';
import { ROLE, SM_PREFIX, definition, rejection, startHarness } from './harness.js';

let h: Harness;
let n = 0;
const fresh = (base: string) => `${base}-${++n}`;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
  await dropAll();
});

async function create(name: string, extra: Record<string, unknown> = {}) {
  return h.client.send(
    new CreateStateMachineCommand({ name, definition: definition(), roleArn: ROLE, ...extra }),
  );
}

describe('CreateStateMachine and DescribeStateMachine', () => {
  it('creates a state machine and describes it in AWS shape', async () => {
    const name = fresh('deploy');
    const created = await create(name, { type: 'STANDARD' });
    expect(created.stateMachineArn).toBe(SM_PREFIX + name);
    expect(created.creationDate).toEqual(new Date(h.clock.ms));
    expect(created.stateMachineVersionArn).toBeUndefined();
    const described = await h.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }),
    );
    expect(described).toMatchObject({
      stateMachineArn: SM_PREFIX + name,
      name,
      status: 'ACTIVE',
      definition: definition(),
      roleArn: ROLE,
      type: 'STANDARD',
      creationDate: new Date(h.clock.ms),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    });
    expect(typeof described.revisionId).toBe('string');
  });

  it('publishes version 1 when asked, and is idempotent for the same request', async () => {
    const name = fresh('pub');
    const first = await create(name, { publish: true, versionDescription: 'first' });
    expect(first.stateMachineVersionArn).toBe(`${SM_PREFIX}${name}:1`);
    const again = await create(name, { publish: true, versionDescription: 'first' });
    expect(again).toMatchObject({
      stateMachineArn: first.stateMachineArn,
      stateMachineVersionArn: first.stateMachineVersionArn,
    });
    const version = await h.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: `${SM_PREFIX}${name}:1` }),
    );
    expect(version).toMatchObject({
      stateMachineArn: `${SM_PREFIX}${name}:1`,
      name,
      description: 'first',
    });
  });

  it('treats a repeat with another roleArn as the same request, as AWS does', async () => {
    const name = fresh('role');
    await create(name);
    const other = `arn:aws:iam::123456789012:role/other`;
    await create(name, { roleArn: other });
    const described = await h.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: SM_PREFIX + name }),
    );
    expect(described.roleArn).toBe(ROLE);
  });

  it('refuses the same name with another definition: StateMachineAlreadyExists', async () => {
    const name = fresh('dup');
    await create(name);
    const error = await rejection(
      create(name, { definition: definition({ Start: { Type: 'Succeed' } }) }),
    );
    expect(error.name).toBe('StateMachineAlreadyExists');
    expect(error.message).toContain(SM_PREFIX + name);
  });

  it('reports every problem of an invalid definition: InvalidDefinition', async () => {
    const error = await rejection(
      create(fresh('bad'), {
        definition: JSON.stringify({ StartAt: 'Nope', States: { A: { Type: 'Pass' } } }),
      }),
    );
    expect(error.name).toBe('InvalidDefinition');
    expect(error.message).toMatch(/^Invalid State Machine Definition: /);
    expect(error.message).toContain('/StartAt');
  });

  it('refuses a definition that is not JSON, or has duplicate keys', async () => {
    for (const text of [
      'StartAt: A',
      '{"StartAt":"A","StartAt":"A","States":{"A":{"Type":"Succeed"}}}',
    ]) {
      const error = await rejection(create(fresh('text'), { definition: text }));
      expect(error.name).toBe('InvalidDefinition');
    }
  });

  it('refuses .sync and .waitForTaskToken tasks in an EXPRESS state machine', async () => {
    const callback = definition({
      Start: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        End: true,
      },
    });
    const error = await rejection(
      create(fresh('express'), { definition: callback, type: 'EXPRESS' }),
    );
    expect(error.name).toBe('InvalidDefinition');
    expect(error.message).toContain('/States/Start/Resource');
    await create(fresh('standard'), { definition: callback, type: 'STANDARD' });
    const validated = await h.client.send(
      new ValidateStateMachineDefinitionCommand({ definition: callback, type: 'EXPRESS' }),
    );
    expect(validated.diagnostics?.map((d) => d.location)).toEqual(['/States/Start/Resource']);
    const name = fresh('express');
    await create(name, { type: 'EXPRESS' });
    const updated = await rejection(
      h.client.send(
        new UpdateStateMachineCommand({ stateMachineArn: SM_PREFIX + name, definition: callback }),
      ),
    );
    expect(updated.name).toBe('InvalidDefinition');
  });

  it('refuses names that break AWS naming rules: InvalidName', async () => {
    for (const name of ['has space', 'colon:name', 'star*', 'a'.repeat(80) + '\u0001']) {
      const error = await rejection(create(name));
      expect(['InvalidName', 'ValidationException']).toContain(error.name);
    }
    const error = await rejection(create('has space'));
    expect(error.name).toBe('InvalidName');
  });

  it('refuses a name longer than 80 characters with a ValidationException naming the field', async () => {
    const error = await rejection(create('a'.repeat(81)));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("at 'name' failed to satisfy constraint");
  });

  it('refuses a role that is not an IAM role ARN: InvalidArn', async () => {
    const error = await rejection(create(fresh('r'), { roleArn: 'not-an-arn' }));
    expect(error.name).toBe('InvalidArn');
  });

  it('refuses an unknown type with the enum named', async () => {
    const error = await rejection(create(fresh('t'), { type: 'FAST' }));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('[STANDARD, EXPRESS]');
  });

  it('refuses a versionDescription without publish', async () => {
    const error = await rejection(create(fresh('vd'), { versionDescription: 'x' }));
    expect(error.name).toBe('ValidationException');
  });

  it('describes a state machine that does not exist: StateMachineDoesNotExist', async () => {
    const error = await rejection(
      h.client.send(new DescribeStateMachineCommand({ stateMachineArn: SM_PREFIX + 'ghost' })),
    );
    expect(error.name).toBe('StateMachineDoesNotExist');
    expect(error.message).toBe(`State Machine Does Not Exist: '${SM_PREFIX}ghost'`);
  });

  it('refuses ARNs of another region, account, service, or the wrong resource type', async () => {
    for (const arn of [
      'not-an-arn',
      'arn:aws:states:eu-west-1:123456789012:stateMachine:x',
      'arn:aws:states:us-east-1:999999999999:stateMachine:x',
      'arn:aws:lambda:us-east-1:123456789012:function:x',
      'arn:aws:states:us-east-1:123456789012:execution:x:y',
      'arn:aws:states:us-east-1:123456789012:stateMachine:x:1:2',
      'arn:aws:states:us-east-1:123456789012:stateMachine:',
      'arn:aws:states:us-east-1:123456789012:stateMachine:x:bad!',
    ]) {
      const error = await rejection(
        h.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn })),
      );
      expect(error.name, arn).toBe('InvalidArn');
    }
  });
});

describe('UpdateStateMachine, DeleteStateMachine and ListStateMachines', () => {
  it('updates the definition, changes the revision, and publishes when asked', async () => {
    const name = fresh('upd');
    await create(name);
    const before = await h.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: SM_PREFIX + name }),
    );
    h.clock.advance(60);
    const next = definition({ Start: { Type: 'Succeed' } });
    const updated = await h.client.send(
      new UpdateStateMachineCommand({
        stateMachineArn: SM_PREFIX + name,
        definition: next,
        publish: true,
        versionDescription: 'v1',
      }),
    );
    expect(updated.updateDate).toEqual(new Date(h.clock.ms));
    expect(updated.revisionId).not.toBe(before.revisionId);
    expect(updated.stateMachineVersionArn).toBe(`${SM_PREFIX}${name}:1`);
    const after = await h.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: SM_PREFIX + name }),
    );
    expect(after.definition).toBe(next);
  });

  it('refuses an update that changes nothing: MissingRequiredParameter', async () => {
    const name = fresh('none');
    await create(name);
    const error = await rejection(
      h.client.send(new UpdateStateMachineCommand({ stateMachineArn: SM_PREFIX + name })),
    );
    expect(error.name).toBe('MissingRequiredParameter');
  });

  it('refuses to update a missing state machine or with an invalid definition', async () => {
    const missing = await rejection(
      h.client.send(
        new UpdateStateMachineCommand({ stateMachineArn: SM_PREFIX + 'ghost', roleArn: ROLE }),
      ),
    );
    expect(missing.name).toBe('StateMachineDoesNotExist');
    const name = fresh('inv');
    await create(name);
    const invalid = await rejection(
      h.client.send(
        new UpdateStateMachineCommand({ stateMachineArn: SM_PREFIX + name, definition: '{}' }),
      ),
    );
    expect(invalid.name).toBe('InvalidDefinition');
    const described = await h.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: SM_PREFIX + name }),
    );
    expect(described.definition).toBe(definition());
  });

  it('deletes a state machine (and succeeds again for one that is gone)', async () => {
    const name = fresh('del');
    await create(name);
    await h.client.send(new DeleteStateMachineCommand({ stateMachineArn: SM_PREFIX + name }));
    await h.client.send(new DeleteStateMachineCommand({ stateMachineArn: SM_PREFIX + name }));
    const error = await rejection(
      h.client.send(new DescribeStateMachineCommand({ stateMachineArn: SM_PREFIX + name })),
    );
    expect(error.name).toBe('StateMachineDoesNotExist');
  });

  it('lists state machines in pages with opaque tokens', async () => {
    const names = [fresh('list'), fresh('list'), fresh('list')];
    for (const name of names) await create(name);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await h.client.send(new ListStateMachinesCommand({ maxResults: 2, nextToken }));
      pages++;
      for (const item of page.stateMachines ?? []) {
        expect(item).toEqual({
          stateMachineArn: SM_PREFIX + (item.name ?? ''),
          name: item.name,
          type: expect.stringMatching(/^(STANDARD|EXPRESS)$/),
          creationDate: expect.any(Date),
        });
        seen.push(item.name ?? '');
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(pages).toBeGreaterThan(1);
    for (const name of names) expect(seen).toContain(name);
    expect(seen).toEqual([...seen].sort());
  });

  it('refuses a forged or altered page token: InvalidToken', async () => {
    await create(fresh('tok'));
    await create(fresh('tok'));
    const page = await h.client.send(new ListStateMachinesCommand({ maxResults: 1 }));
    const token = page.nextToken ?? '';
    const [payload = '', mac = ''] = token.split('.');
    const storeToken = Buffer.from(JSON.stringify(['zzz']), 'utf8').toString('base64url');
    for (const forged of [
      'garbage',
      storeToken,
      `${payload}.${mac.slice(0, -2)}AA`,
      `${Buffer.from(JSON.stringify([h.clock.ms, storeToken])).toString('base64url')}.${mac}`,
    ]) {
      const error = await rejection(
        h.client.send(new ListStateMachinesCommand({ maxResults: 1, nextToken: forged })),
      );
      expect(error.name, forged).toBe('InvalidToken');
    }
  });

  it('refuses a page token after 24 hours', async () => {
    await create(fresh('old'));
    await create(fresh('old'));
    const page = await h.client.send(new ListStateMachinesCommand({ maxResults: 1 }));
    h.clock.advance(24 * 3600 + 1);
    const error = await rejection(
      h.client.send(new ListStateMachinesCommand({ nextToken: page.nextToken })),
    );
    expect(error.name).toBe('InvalidToken');
    expect(error.message).toContain('expired');
  });

  it('refuses maxResults out of range', async () => {
    const error = await rejection(
      h.client.send(new ListStateMachinesCommand({ maxResults: 1001 })),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("'maxResults'");
  });
});

describe('ValidateStateMachineDefinition', () => {
  it('answers OK with no diagnostics for a valid definition', async () => {
    const result = await h.client.send(
      new ValidateStateMachineDefinitionCommand({ definition: definition() }),
    );
    expect(result).toMatchObject({ result: 'OK', diagnostics: [], truncated: false });
  });

  it('answers FAIL with severity, code, message and location for each problem', async () => {
    const result = await h.client.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' } } }),
      }),
    );
    expect(result.result).toBe('FAIL');
    expect(result.diagnostics?.[0]).toEqual({
      severity: 'ERROR',
      code: expect.any(String),
      message: expect.any(String),
      location: '/States/A/Next',
    });
  });

  it('truncates to maxResults', async () => {
    const result = await h.client.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({ States: { A: { Type: 'Nope' }, B: { Type: 'Nope' } } }),
        maxResults: 1,
      }),
    );
    expect(result.diagnostics).toHaveLength(1);
    expect(result.truncated).toBe(true);
  });

  it('reports text that is not JSON as a diagnostic, not an exception', async () => {
    const result = await h.client.send(
      new ValidateStateMachineDefinitionCommand({ definition: '{"StartAt": ' }),
    );
    expect(result.result).toBe('FAIL');
    expect(result.diagnostics?.[0]?.code).toBe('JSON_SYNTAX');
  });
});

describe('versions and aliases', () => {
  async function withVersions(count: number) {
    const name = fresh('ver');
    await create(name);
    for (let v = 1; v <= count; v++) {
      await h.client.send(
        new UpdateStateMachineCommand({
          stateMachineArn: SM_PREFIX + name,
          definition: definition({ Start: { Type: 'Pass', Result: v, End: true } }),
        }),
      );
      await h.client.send(
        new PublishStateMachineVersionCommand({
          stateMachineArn: SM_PREFIX + name,
          description: `v${v}`,
        }),
      );
    }
    return name;
  }

  it('publishes versions and lists them newest first, in pages', async () => {
    const name = await withVersions(3);
    const first = await h.client.send(
      new ListStateMachineVersionsCommand({ stateMachineArn: SM_PREFIX + name, maxResults: 2 }),
    );
    expect(first.stateMachineVersions?.map((v) => v.stateMachineVersionArn)).toEqual([
      `${SM_PREFIX}${name}:3`,
      `${SM_PREFIX}${name}:2`,
    ]);
    expect(first.stateMachineVersions?.[0]?.creationDate).toBeInstanceOf(Date);
    const second = await h.client.send(
      new ListStateMachineVersionsCommand({
        stateMachineArn: SM_PREFIX + name,
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    );
    expect(second.stateMachineVersions?.map((v) => v.stateMachineVersionArn)).toEqual([
      `${SM_PREFIX}${name}:1`,
    ]);
    expect(second.nextToken).toBeUndefined();
  });

  it('refuses a page token from another state machine: InvalidToken', async () => {
    const a = await withVersions(2);
    const b = await withVersions(2);
    const page = await h.client.send(
      new ListStateMachineVersionsCommand({ stateMachineArn: SM_PREFIX + a, maxResults: 1 }),
    );
    const error = await rejection(
      h.client.send(
        new ListStateMachineVersionsCommand({
          stateMachineArn: SM_PREFIX + b,
          nextToken: page.nextToken,
        }),
      ),
    );
    expect(error.name).toBe('InvalidToken');
  });

  it('refuses to publish on a stale revisionId: ConflictException', async () => {
    const name = await withVersions(1);
    const error = await rejection(
      h.client.send(
        new PublishStateMachineVersionCommand({
          stateMachineArn: SM_PREFIX + name,
          revisionId: 'not-the-current-one',
        }),
      ),
    );
    expect(error.name).toBe('ConflictException');
    expect(error.members['$metadata']).toMatchObject({ httpStatusCode: 409 });
  });

  it('creates, describes, updates, lists and deletes an alias', async () => {
    const name = await withVersions(2);
    const aliasArn = `${SM_PREFIX}${name}:prod`;
    const created = await h.client.send(
      new CreateStateMachineAliasCommand({
        name: 'prod',
        description: 'production',
        routingConfiguration: [{ stateMachineVersionArn: `${SM_PREFIX}${name}:1`, weight: 100 }],
      }),
    );
    expect(created).toMatchObject({
      stateMachineAliasArn: aliasArn,
      creationDate: expect.any(Date),
    });
    h.clock.advance(5);
    const updated = await h.client.send(
      new UpdateStateMachineAliasCommand({
        stateMachineAliasArn: aliasArn,
        routingConfiguration: [
          { stateMachineVersionArn: `${SM_PREFIX}${name}:1`, weight: 90 },
          { stateMachineVersionArn: `${SM_PREFIX}${name}:2`, weight: 10 },
        ],
      }),
    );
    expect(updated.updateDate).toEqual(new Date(h.clock.ms));
    const described = await h.client.send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }),
    );
    expect(described).toMatchObject({
      stateMachineAliasArn: aliasArn,
      name: 'prod',
      description: 'production',
      routingConfiguration: [
        { stateMachineVersionArn: `${SM_PREFIX}${name}:1`, weight: 90 },
        { stateMachineVersionArn: `${SM_PREFIX}${name}:2`, weight: 10 },
      ],
      creationDate: expect.any(Date),
      updateDate: new Date(h.clock.ms),
    });
    const listed = await h.client.send(
      new ListStateMachineAliasesCommand({ stateMachineArn: SM_PREFIX + name }),
    );
    expect(listed.stateMachineAliases).toEqual([
      { stateMachineAliasArn: aliasArn, creationDate: expect.any(Date) },
    ]);
    const inUse = await rejection(
      h.client.send(
        new DeleteStateMachineVersionCommand({ stateMachineVersionArn: `${SM_PREFIX}${name}:2` }),
      ),
    );
    expect(inUse.name).toBe('ConflictException');
    await h.client.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }));
    await h.client.send(
      new DeleteStateMachineVersionCommand({ stateMachineVersionArn: `${SM_PREFIX}${name}:2` }),
    );
    const gone = await rejection(
      h.client.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn })),
    );
    expect(gone.name).toBe('ResourceNotFound');
    const again = await rejection(
      h.client.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: aliasArn })),
    );
    expect(again.name).toBe('ResourceNotFound');
  });

  it('refuses bad routing: weights, duplicates, other machines, missing versions', async () => {
    const name = await withVersions(2);
    const other = await withVersions(1);
    const v = (sm: string, version: number, weight: number) => ({
      stateMachineVersionArn: `${SM_PREFIX}${sm}:${version}`,
      weight,
    });
    const cases: [unknown[], string][] = [
      [[v(name, 1, 50)], 'ValidationException'],
      [[v(name, 1, 50), v(name, 1, 50)], 'ValidationException'],
      [[v(name, 1, 50), v(other, 1, 50)], 'ValidationException'],
      [[v(name, 9, 100)], 'ResourceNotFound'],
      [[], 'ValidationException'],
      [[v(name, 1, 40), v(name, 2, 40), v(name, 2, 20)], 'ValidationException'],
      [[v(name, 1, 101)], 'ValidationException'],
      [[{ stateMachineVersionArn: `${SM_PREFIX}${name}`, weight: 100 }], 'InvalidArn'],
    ];
    for (const [routingConfiguration, expected] of cases) {
      const error = await rejection(
        h.client.send(
          new CreateStateMachineAliasCommand({
            name: 'live',
            // @ts-expect-error -- deliberately malformed routing for the server to refuse
            routingConfiguration,
          }),
        ),
      );
      expect(error.name, JSON.stringify(routingConfiguration)).toBe(expected);
    }
  });

  it('refuses alias names that are only digits or have other characters', async () => {
    const name = await withVersions(1);
    for (const alias of ['123', 'bad name', 'a:b']) {
      const error = await rejection(
        h.client.send(
          new CreateStateMachineAliasCommand({
            name: alias,
            routingConfiguration: [
              { stateMachineVersionArn: `${SM_PREFIX}${name}:1`, weight: 100 },
            ],
          }),
        ),
      );
      expect(error.name, alias).toBe('ValidationException');
    }
  });

  it('refuses a second alias of the same name with other settings: ConflictException', async () => {
    const name = await withVersions(2);
    const route = (version: number) => [
      { stateMachineVersionArn: `${SM_PREFIX}${name}:${version}`, weight: 100 },
    ];
    await h.client.send(
      new CreateStateMachineAliasCommand({ name: 'prod', routingConfiguration: route(1) }),
    );
    await h.client.send(
      new CreateStateMachineAliasCommand({ name: 'prod', routingConfiguration: route(1) }),
    );
    const error = await rejection(
      h.client.send(
        new CreateStateMachineAliasCommand({ name: 'prod', routingConfiguration: route(2) }),
      ),
    );
    expect(error.name).toBe('ConflictException');
  });

  it('refuses an alias update with nothing to change', async () => {
    const name = await withVersions(1);
    await h.client.send(
      new CreateStateMachineAliasCommand({
        name: 'prod',
        routingConfiguration: [{ stateMachineVersionArn: `${SM_PREFIX}${name}:1`, weight: 100 }],
      }),
    );
    const error = await rejection(
      h.client.send(
        new UpdateStateMachineAliasCommand({ stateMachineAliasArn: `${SM_PREFIX}${name}:prod` }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.members['reason']).toBe('MISSING_REQUIRED_PARAMETER');
  });

  it('lists aliases of a missing state machine: StateMachineDoesNotExist', async () => {
    const error = await rejection(
      h.client.send(new ListStateMachineAliasesCommand({ stateMachineArn: SM_PREFIX + 'ghost' })),
    );
    expect(error.name).toBe('StateMachineDoesNotExist');
  });
});

describe('tags', () => {
  it('tags, lists and untags a state machine, and drops tags with it', async () => {
    const name = fresh('tagged');
    await create(name, { tags: [{ key: 'team', value: 'platform' }] });
    const arn = SM_PREFIX + name;
    await h.client.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: 'env', value: 'dev' },
          { key: 'team', value: 'sre' },
        ],
      }),
    );
    const listed = await h.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(listed.tags).toEqual([
      { key: 'env', value: 'dev' },
      { key: 'team', value: 'sre' },
    ]);
    await h.client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['env', 'nope'] }));
    const after = await h.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(after.tags).toEqual([{ key: 'team', value: 'sre' }]);
    await h.client.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    await create(name);
    const recreated = await h.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(recreated.tags).toEqual([]);
  });

  it('refuses tags on a missing resource: ResourceNotFound with resourceName', async () => {
    const arn = SM_PREFIX + 'ghost';
    const error = await rejection(
      h.client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'a', value: 'b' }] })),
    );
    expect(error.name).toBe('ResourceNotFound');
    expect(error.members['resourceName']).toBe(arn);
    for (const command of [
      new ListTagsForResourceCommand({ resourceArn: arn }),
      new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }),
    ]) {
      // @ts-expect-error -- two command types through one send
      expect((await rejection(h.client.send(command))).name).toBe('ResourceNotFound');
    }
  });

  it('refuses more than 50 tags: TooManyTags, writing none', async () => {
    const name = fresh('many');
    await create(name);
    const arn = SM_PREFIX + name;
    const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' }));
    const error = await rejection(
      h.client.send(new TagResourceCommand({ resourceArn: arn, tags })),
    );
    expect(error.name).toBe('TooManyTags');
    expect(error.members['resourceName']).toBe(arn);
    const listed = await h.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(listed.tags).toEqual([]);
  });

  it('refuses empty or too-long tag keys and values, naming the member', async () => {
    const name = fresh('keys');
    await create(name);
    const error = await rejection(
      h.client.send(
        new TagResourceCommand({
          resourceArn: SM_PREFIX + name,
          tags: [
            { key: '', value: 'x' },
            { key: 'ok', value: 'v'.repeat(257) },
          ],
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/^2 validation errors detected: /);
    expect(error.message).toContain("'tags.1.member.key'");
    expect(error.message).toContain("'tags.2.member.value'");
  });

  it('refuses tags on an execution ARN: InvalidArn', async () => {
    const error = await rejection(
      h.client.send(
        new ListTagsForResourceCommand({
          resourceArn: 'arn:aws:states:us-east-1:123456789012:execution:a:b',
        }),
      ),
    );
    expect(error.name).toBe('InvalidArn');
  });
});
