/**
 * One GitLab client per connection, shared by everything that talks to GitLab (tasks, status
 * reports, triggers), so a project path is resolved once per connection. A connection whose URL
 * or token changed (rotation) gets a fresh client.
 */
import type { GitLabClient, GitLabClientOptions } from './client.js';
import { createGitLabClient } from './client.js';
import type { GitLabConnection } from './connection.js';

export class GitLabClients {
  private readonly clients = new Map<string, GitLabClient>();

  constructor(private readonly options: GitLabClientOptions = {}) {}

  /** The client for `connection`, made on first use. */
  for(connection: GitLabConnection): GitLabClient {
    const cached = this.clients.get(connection.name);
    if (
      cached !== undefined &&
      cached.connection.baseUrl === connection.baseUrl &&
      cached.connection.token === connection.token
    ) {
      return cached;
    }
    const client = createGitLabClient(connection, this.options);
    this.clients.set(connection.name, client);
    return client;
  }
}
