/**
 * The hidden marker that names the execution a merge-request note reports on, so a note GitLab
 * created but whose id Baton never stored (a crash, or a POST whose answer was lost) is found
 * and updated instead of doubled. It is an HTML comment on a line of its own, which GitLab's
 * Markdown renders as nothing:
 *
 *     <!-- baton:execution 3f2a...(32 hex characters) -->
 *
 * The hex is the start of the SHA-256 of the execution ARN: stable across updates, and saying
 * nothing about the execution to someone reading the raw Markdown. Untrusted text cannot forge
 * it: every note body escapes `<`, `!` and `-` in what comes from outside (markdown.ts), so only
 * the line this module adds can be a marker line. Who may have written a note is checked by the
 * target (only the token's own user's notes are adopted).
 */
import { createHash } from 'node:crypto';

const PREFIX = '<!-- baton:execution ';
const SUFFIX = ' -->';

/** The marker line of an execution's note. */
export function noteMarker(executionArn: string): string {
  const digest = createHash('sha256').update(executionArn, 'utf8').digest('hex').slice(0, 32);
  return `${PREFIX}${digest}${SUFFIX}`;
}

/** Whether `text` is a marker as `noteMarker` makes them (used to check what a port is given). */
export function isNoteMarker(text: string): boolean {
  return /^<!-- baton:execution [0-9a-f]{32} -->$/.test(text);
}

/** A finished note body with the marker as its last line, after a blank line. */
export function withNoteMarker(body: string, marker: string): string {
  return `${body.replace(/\n+$/, '')}\n\n${marker}`;
}

/** Whether a note body holds `marker` on a line of its own (GitLab may store `\r\n`). */
export function carriesNoteMarker(body: string, marker: string): boolean {
  return body.split(/\r?\n/).some((line) => line.trim() === marker);
}
