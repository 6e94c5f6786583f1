/**
 * Markdown that text from outside (state names, error causes, job output quoted in a cause) can
 * neither format nor turn into actions when it lands in a merge-request note. GitLab executes
 * quick actions (`/merge`, `/approve`, `/assign @x`, ...) written at the start of a line of a
 * note body, and notifies everyone @mentioned, so untrusted text must do neither:
 *
 * - every ASCII punctuation character that Markdown or GitLab references give meaning to is
 *   backslash-escaped (CommonMark allows escaping any ASCII punctuation);
 * - `@` gets a zero-width space after it, so no mention or `@all` can match, on every GitLab
 *   version (newer ones also honour `\@`);
 * - `finalizeNoteBody` guarantees that no line of the whole note starts with `/`, whatever
 *   produced it.
 */

/** Zero-width space: invisible, and breaks GitLab's reference patterns. */
const ZWSP = '\u200B';
const PUNCTUATION = /[\\`*_{}[\]()#+\-.!|<>~$%&:^=]/g;

/**
 * Escapes one line of untrusted text for use inline (in a table cell, a list item).
 * Line breaks become spaces.
 */
export function escapeInline(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(PUNCTUATION, (c) => `\\${c}`)
    .replace(/@/g, `@${ZWSP}`);
}

/**
 * Quotes untrusted multi-line text as a block quote, each line escaped: the result never holds
 * a line that starts with `/`, nor a working mention.
 */
export function quoteBlock(text: string): string {
  return text
    .split(/\r\n?|\n/)
    .map((line) => `> ${escapeInline(line)}`)
    .join('\n');
}

/**
 * The last pass over a whole note body: any line that (after spaces) starts with `/` gets a
 * zero-width space before it, so GitLab can never read it as a quick action.
 */
export function finalizeNoteBody(body: string): string {
  return body
    .split('\n')
    .map((line) => (/^\s*\//.test(line) ? `${ZWSP}${line}` : line))
    .join('\n');
}
