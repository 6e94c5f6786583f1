/** GitLab webhook intake (`POST /hooks/gitlab/:connection`). */
export type { GitLabHookOptions } from './gitlab-hook-routes.js';
export {
  DEFAULT_HOOK_BODY_LIMIT_BYTES,
  HOOKS_PREFIX,
  KEPT_HEADERS,
  gitlabHookPlugin,
  registerGitLabHooks,
} from './gitlab-hook-routes.js';
