/**
 * One route of the REST API as data: its method, path, documentation (turned into the OpenAPI
 * document, so the two cannot drift apart) and handler.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, JsonObject, JsonValue } from '../../common/index.js';
import type { Engine } from '../../engine/index.js';
import type { GitLabClients } from '../../integrations/gitlab/index.js';
import type {
  GitLabCiIdentity,
  MasterKey,
  Principal,
  VerifyGitLabIdToken,
} from '../../identity/index.js';
import type { Store } from '../../store/index.js';
import type { Arns, PageTokens } from '../sfn/index.js';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it). */
export type Schema = JsonObject;

export interface ParameterDoc {
  readonly description: string;
  readonly schema: Schema;
  readonly required?: boolean;
}

export interface ResponseDoc {
  readonly description: string;
  /** The JSON body's schema; absent for 204. */
  readonly schema?: Schema;
  /** Another media type than JSON (the event stream). */
  readonly mediaType?: string;
}

export interface RestContext {
  readonly engine: Engine;
  readonly store: Store;
  readonly arns: Arns;
  readonly tokens: PageTokens;
  readonly clock: Clock;
  readonly newId: () => string;
  /** Forgets a cached key on this node, after it was disabled, enabled or deleted. */
  readonly forgetKey: (accessKeyId: string) => void;
  /** Seals a new key's secret: issues a key for `name`. */
  readonly issueKey: (
    name: string,
    now: string,
  ) => Promise<{ readonly accessKeyId: string; readonly secretAccessKey: string }>;
  /** Ends every open event stream (the server is closing). */
  readonly closing: AbortSignal;
  readonly streamTiming: { readonly pollMs: number; readonly heartbeatMs: number };
  /** GitLab connections and the CI API (part B). */
  readonly gitlab: GitLabRestContext;
}

/** What the connection and CI routes need beyond the rest. */
export interface GitLabRestContext {
  /** Seals and opens connection secrets. */
  readonly masterKey: MasterKey;
  /** Where GitLab reaches Baton (webhook URLs); undefined when not configured. */
  readonly publicUrl: string | undefined;
  /** One GitLab client per connection, shared with the tasks and status reports. */
  readonly clients: GitLabClients;
  /** Verifies CI ID tokens (issuer from the connections, audience from the settings). */
  readonly verifyIdToken: VerifyGitLabIdToken;
}

/** A GitLab CI job calling the CI API, from its verified ID token. */
export interface CiCaller {
  readonly identity: GitLabCiIdentity;
}

export interface RestCall {
  readonly context: RestContext;
  readonly principal: Principal;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, JsonValue>>;
  readonly body: Buffer;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** Set on `auth: 'gitlab-id-token'` routes only. */
  readonly ci?: CiCaller;
}

/** What a handler answers: a JSON body with a status, or nothing more (it wrote a stream). */
export type RestResult =
  { readonly status: number; readonly body?: JsonObject } | { readonly streamed: true };

export interface RestRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to /api/v1, fastify style: `/workflows/:name`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** Only a principal named `admin` may call it. */
  readonly adminOnly?: boolean;
  /**
   * How callers authenticate: SigV4 with an access key (the default), or only with a GitLab CI
   * ID token as a Bearer token (the /ci routes). Neither kind of route accepts the other.
   */
  readonly auth?: 'sigv4' | 'gitlab-id-token';
  readonly params?: Readonly<Record<string, ParameterDoc>>;
  readonly query?: Readonly<Record<string, ParameterDoc>>;
  readonly headers?: Readonly<Record<string, ParameterDoc>>;
  readonly body?: { readonly schema: Schema; readonly required: boolean };
  /** Success responses by status; the error responses are added for every route. */
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  handle(call: RestCall): Promise<RestResult>;
}

export function ok(body: JsonObject, status = 200): RestResult {
  return { status, body };
}

/** Parameters shared by list routes. */
export const PAGE_QUERY: Readonly<Record<string, ParameterDoc>> = {
  limit: {
    description: 'Most items on one page (1 to 1000, default 100).',
    schema: { type: 'integer', minimum: 1, maximum: 1000 },
  },
  nextToken: {
    description: 'The nextToken of the previous page, unchanged, with the same other parameters.',
    schema: { type: 'string' },
  },
};
export const PAGE_QUERY_NAMES = ['limit', 'nextToken'] as const;
export const DEFAULT_PAGE_SIZE = 100;
