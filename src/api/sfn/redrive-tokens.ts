/**
 * RedriveExecution's client tokens (API_RedriveExecution): "The API will return idempotent
 * responses for the last 10 client tokens used to successfully redrive the execution. These
 * client tokens are valid for up to 15 minutes after they are first used." Kept in this
 * node's memory: a retry that reaches another node redrives again only if the execution is
 * redrivable again, and is otherwise refused with ExecutionNotRedrivable.
 */
import type { Clock } from '../../common/index.js';

const PER_EXECUTION = 10;
const VALID_MS = 15 * 60 * 1000;
/** Executions remembered at most, so a flood of redrives cannot grow memory without bound. */
const EXECUTIONS = 10_000;

interface Used {
  readonly token: string;
  readonly redriveDate: number;
  readonly firstUsedMs: number;
}

export class RedriveTokens {
  private readonly used = new Map<string, Used[]>();

  constructor(private readonly clock: Clock) {}

  /** The redrive date a token already produced for this execution, if it is still valid. */
  recall(executionArn: string, token: string): number | undefined {
    const found = this.used.get(executionArn)?.find((u) => u.token === token);
    if (found === undefined || this.clock.nowMs() - found.firstUsedMs > VALID_MS) return undefined;
    return found.redriveDate;
  }

  remember(executionArn: string, token: string, redriveDate: number): void {
    const list = (this.used.get(executionArn) ?? []).filter((u) => u.token !== token);
    list.push({ token, redriveDate, firstUsedMs: this.clock.nowMs() });
    this.used.delete(executionArn); // re-inserted last: the map's order is least recent first
    this.used.set(executionArn, list.slice(-PER_EXECUTION));
    if (this.used.size > EXECUTIONS) {
      const oldest = this.used.keys().next().value;
      if (oldest !== undefined) this.used.delete(oldest);
    }
  }
}
