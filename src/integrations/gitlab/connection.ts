/**
 * A GitLab connection's runtime view: the name users give in task parameters and trigger
 * rules, the instance's base URL and the API access token, already opened from storage.
 * Shared by the REST client (part A) and the connection store (part B).
 */
export interface GitLabConnection {
  readonly name: string; // [A-Za-z0-9][A-Za-z0-9._-]{0,63}
  readonly baseUrl: string; // e.g. https://gitlab.com, no trailing slash
  readonly token: string; // API access token (PRIVATE-TOKEN), opened from storage
}

/** Finds a connection by name; undefined when no connection has that name. */
export type ConnectionLookup = (name: string) => Promise<GitLabConnection | undefined>;
