/**
 * GitLab's offset pagination: the next page is named by the `Link` header (`rel="next"`) or,
 * failing that, by `x-next-page` (reference/gitlab.md §3.1).
 */

/** Largest page GitLab serves. */
export const MAX_PER_PAGE = 100;

/** The URL of the `rel="next"` entry of a Link header, if any. */
export function nextLink(link: string | null): string | undefined {
  if (link === null) return undefined;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match === null) continue;
    const rels = /\brel="?([^";]+)"?/.exec(match[2] ?? '')?.[1]?.split(/\s+/) ?? [];
    if (rels.includes('next')) return match[1];
  }
  return undefined;
}

/**
 * Where the page after `current` is: the Link header's next URL (when it stays on the same
 * origin and API root, so a hostile header cannot send the token elsewhere), or `current`
 * with `page` set from `x-next-page`. Undefined on the last page.
 */
export function nextPageUrl(current: URL, headers: Headers, apiRoot: URL): URL | undefined {
  const link = nextLink(headers.get('link'));
  if (link !== undefined) {
    let next: URL;
    try {
      next = new URL(link, current);
    } catch {
      next = current;
    }
    if (
      next !== current &&
      next.origin === apiRoot.origin &&
      next.pathname.startsWith(apiRoot.pathname)
    ) {
      return next;
    }
  }
  const page = headers.get('x-next-page')?.trim();
  if (page === undefined || !/^\d+$/.test(page)) return undefined;
  const next = new URL(current);
  next.searchParams.set('page', page);
  return next;
}
