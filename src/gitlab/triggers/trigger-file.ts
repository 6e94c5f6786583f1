/**
 * The triggers file (setting `triggersFile`, BATON_TRIGGERS, --triggers): YAML or JSON with one
 * member, `triggers`, a list of rules (fields in trigger-rule.ts). Loaded at start-up, all or
 * nothing: any problem stops the load and is reported as `file:line:column: message`, so a typo
 * never silently drops a trigger. Loading replaces the file's triggers in the store (those no
 * longer in the file are removed); triggers made through the API under other names stay.
 *
 * ```yaml
 * triggers:
 *   - name: build-main
 *     workflow: build:prod
 *     events: [push]
 *     projects: [group/app]
 *     refs: { include: [main, release/*] }
 *     paths: { include: ['src/**'], exclude: ['**\/*.md'] }
 *     executionName: 'build-{{ event.checkout_sha }}'
 *     concurrency: { mode: SUPERSEDED }
 *     report: { commitStatus: true }
 * ```
 */
import { readFile } from 'node:fs/promises';
import type { JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import { readDefinitionText } from '../../definition-source/index.js';
import type { SourceMap } from '../../language/index.js';
import type { TriggerStore } from '../../store/index.js';
import type { RuleProblem } from './trigger-rule.js';
import { parseTriggerRule } from './trigger-rule.js';

export class TriggerFileError extends Error {
  override readonly name = 'TriggerFileError';
  constructor(
    readonly file: string,
    /** `file:line:column: message`, in file order. */
    readonly problems: readonly string[],
  ) {
    super(
      `The triggers file ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; no trigger was loaded from it:\n${problems.join('\n')}`,
    );
  }
}

export interface FileTrigger {
  readonly name: string;
  /** The rule as stored: compact JSON text. */
  readonly definition: string;
}

/**
 * Reads and checks the rules of a triggers file's text.
 * @throws TriggerFileError listing every problem.
 */
export function readTriggersText(text: string, file: string): readonly FileTrigger[] {
  const parsed = readDefinitionText(text, file);
  if (!parsed.ok || parsed.diagnostics.length > 0) {
    throw new TriggerFileError(
      file,
      parsed.diagnostics.map((d) => `${file}:${d.line}:${d.column}: ${d.message}`),
    );
  }
  const problems: RuleProblem[] = [];
  const triggers: FileTrigger[] = [];
  const root = parsed.value;
  const list = isJsonObject(root) ? getOwn(root, 'triggers') : undefined;
  if (!isJsonObject(root) || !isJsonArray(list)) {
    problems.push({
      pointer: isJsonObject(root) ? '/triggers' : '',
      message: 'the file must have a "triggers" list',
    });
  } else {
    for (const key of Object.keys(root)) {
      if (key !== 'triggers')
        problems.push({
          pointer: `/${key}`,
          message: 'is not known here (the file has one member, "triggers")',
        });
    }
    const checked = checkTriggerList(list);
    problems.push(...checked.problems);
    triggers.push(...checked.triggers);
  }
  if (problems.length > 0) {
    throw new TriggerFileError(
      file,
      problems
        .map((p) => ({ ...p, ...position(parsed.sourceMap, p.pointer) }))
        .sort((a, b) => a.line - b.line || a.column - b.column)
        .filter(
          (p, i, all) =>
            i === 0 || all[i - 1]?.pointer !== p.pointer || all[i - 1]?.message !== p.message,
        )
        .map(
          (p) =>
            `${file}:${p.line}:${p.column}: ${p.pointer === '' ? '' : `${p.pointer} `}${p.message}`,
        ),
    );
  }
  return triggers;
}

/**
 * Checks a list of rules, as the `triggers` member of a triggers file or of the body of
 * `PUT /api/v1/triggers`: each rule, and that no name is given twice. Problems are at
 * `/triggers/<index>/...`; `triggers` holds the rules without problems, in order.
 */
export function checkTriggerList(list: readonly JsonValue[]): {
  readonly triggers: readonly FileTrigger[];
  readonly problems: readonly RuleProblem[];
} {
  const problems: RuleProblem[] = [];
  const triggers: FileTrigger[] = [];
  const seen = new Map<string, number>();
  list.forEach((value: JsonValue, index) => {
    const name = isJsonObject(value) ? getOwn(value, 'name') : undefined;
    const earlier = typeof name === 'string' ? seen.get(name) : undefined;
    if (typeof name === 'string' && earlier !== undefined) {
      problems.push({
        pointer: `/triggers/${index}/name`,
        message: `trigger ${name} is already defined at /triggers/${earlier}`,
      });
    } else if (typeof name === 'string') seen.set(name, index);
    const result = parseTriggerRule(value, `/triggers/${index}`);
    if (!result.ok) problems.push(...result.problems);
    else if (earlier === undefined) {
      triggers.push({ name: result.rule.name, definition: JSON.stringify(value) });
    }
  });
  return { triggers, problems };
}

/**
 * Loads the triggers file into the store.
 * @throws TriggerFileError for an unreadable file or any problem in it (the store is untouched).
 */
export async function loadTriggersFile(options: {
  readonly file: string;
  readonly store: TriggerStore;
  readonly now: string;
}): Promise<{
  readonly loaded: number;
  readonly created: number;
  readonly updated: number;
  readonly removed: number;
}> {
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error: unknown) {
    throw new TriggerFileError(options.file, [
      `${options.file}:0:0: cannot read the file: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
  const triggers = readTriggersText(text, options.file);
  const counts = await options.store.replaceFileTriggers(triggers, options.now);
  return { loaded: triggers.length, ...counts };
}

/** The position of the pointer, or of its nearest ancestor that has one (a missing member). */
function position(map: SourceMap, pointer: string): { line: number; column: number } {
  let current = pointer;
  for (;;) {
    const found = map.positionOf(current);
    if (found !== undefined) return found;
    if (current === '') return { line: 1, column: 1 };
    current = current.slice(0, current.lastIndexOf('/'));
  }
}
