/**
 * Step Functions ARNs for this server's region and account (API_DescribeStateMachine,
 * concepts-state-machine-version, concepts-state-machine-alias):
 *
 *   state machine  arn:aws:states:REGION:ACCOUNT:stateMachine:NAME
 *   version        arn:aws:states:REGION:ACCOUNT:stateMachine:NAME:3
 *   alias          arn:aws:states:REGION:ACCOUNT:stateMachine:NAME:prod
 *   execution      arn:aws:states:REGION:ACCOUNT:execution:NAME:EXECUTION
 *   activity       arn:aws:states:REGION:ACCOUNT:activity:NAME
 *   Map Run        arn:aws:states:REGION:ACCOUNT:mapRun:NAME/LABEL:UUID (concepts-examine-map-run)
 *
 * A version qualifier is a positive integer; an alias name has at least one letter, `_`, `-`
 * or `.` (the model's pattern for CharacterRestrictedName), so the two never collide.
 * Parsing is strict: another partition, service, region or account, or a resource type the
 * field does not take, is InvalidArn.
 */
import { invalidArn } from './errors.js';

export type ParsedArn =
  | { readonly kind: 'stateMachine'; readonly stateMachine: string }
  | { readonly kind: 'version'; readonly stateMachine: string; readonly version: number }
  | { readonly kind: 'alias'; readonly stateMachine: string; readonly alias: string }
  | { readonly kind: 'execution'; readonly stateMachine: string; readonly execution: string }
  | { readonly kind: 'activity'; readonly activity: string }
  | { readonly kind: 'mapRun'; readonly stateMachine: string; readonly mapRun: string };

export type ArnKind = ParsedArn['kind'];

/** CharacterRestrictedName in the Step Functions model (alias names). */
export const ALIAS_NAME = /^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]+$/;
const VERSION = /^[1-9][0-9]{0,9}$/;

export class Arns {
  private readonly prefix: string;

  constructor(
    readonly region: string,
    readonly account: string,
  ) {
    this.prefix = `arn:aws:states:${region}:${account}:`;
  }

  stateMachine(name: string): string {
    return `${this.prefix}stateMachine:${name}`;
  }

  version(name: string, version: number): string {
    return `${this.prefix}stateMachine:${name}:${version}`;
  }

  alias(name: string, alias: string): string {
    return `${this.prefix}stateMachine:${name}:${alias}`;
  }

  activity(name: string): string {
    return `${this.prefix}activity:${name}`;
  }

  execution(stateMachine: string, name: string): string {
    return `${this.prefix}execution:${stateMachine}:${name}`;
  }

  /**
   * Parses `arn` as one of the `allowed` kinds.
   * @throws SfnError InvalidArn saying what is wrong with it.
   */
  parse<K extends ArnKind>(arn: string, allowed: readonly K[]): Extract<ParsedArn, { kind: K }> {
    const parsed = this.parseAny(arn);
    const kind = allowed.find((k) => k === parsed.kind);
    if (kind === undefined || !isKind(parsed, kind)) {
      throw invalidArn(
        `Resource type not valid in this context: ${describeKind(parsed.kind)} (expected ${allowed.map(describeKind).join(' or ')}): ${arn}`,
      );
    }
    return parsed;
  }

  private parseAny(arn: string): ParsedArn {
    const parts = arn.split(':');
    if (parts.length < 7 || parts[0] !== 'arn') throw invalidArn(`Invalid ARN prefix: ${arn}`);
    const [, partition, service, region, account, type, ...rest] = parts;
    if (partition !== 'aws' || service !== 'states') {
      throw invalidArn(`Not a Step Functions ARN (arn:aws:states:...): ${arn}`);
    }
    if (region !== this.region || account !== this.account) {
      throw invalidArn(
        `The ARN names region ${region ?? ''} and account ${account ?? ''}, but this server is region ${this.region}, account ${this.account}: ${arn}`,
      );
    }
    const [first, second, ...extra] = rest;
    if (first === undefined || first === '' || extra.length > 0 || second === '') {
      throw invalidArn(`Invalid ARN resource: ${arn}`);
    }
    if (type === 'stateMachine') {
      if (second === undefined) return { kind: 'stateMachine', stateMachine: first };
      if (VERSION.test(second)) {
        return { kind: 'version', stateMachine: first, version: Number(second) };
      }
      if (ALIAS_NAME.test(second)) return { kind: 'alias', stateMachine: first, alias: second };
      throw invalidArn(`Invalid version number or alias name "${second}": ${arn}`);
    }
    if (type === 'activity' && second === undefined) return { kind: 'activity', activity: first };
    if (type === 'mapRun' && second !== undefined) {
      return { kind: 'mapRun', stateMachine: first, mapRun: second };
    }
    if (type === 'execution' && second !== undefined) {
      return { kind: 'execution', stateMachine: first, execution: second };
    }
    throw invalidArn(`Resource type not valid in this context: ${type ?? ''}: ${arn}`);
  }
}

function isKind<K extends ArnKind>(
  parsed: ParsedArn,
  kind: K,
): parsed is Extract<ParsedArn, { kind: K }> {
  return parsed.kind === kind;
}

const KIND_NAMES: Readonly<Record<ArnKind, string>> = {
  stateMachine: 'a state machine',
  version: 'a state machine version',
  alias: 'a state machine alias',
  execution: 'an execution',
  activity: 'an activity',
  mapRun: 'a Map Run',
};

function describeKind(kind: ArnKind): string {
  return KIND_NAMES[kind];
}
