/**
 * Loading workflow definitions from a directory into the store, as `npm start` does with
 * examples/: each `NAME.asl.json`, `NAME.asl.yaml` or `NAME.asl.yml` becomes the workflow NAME,
 * created when missing and updated when its definition changed, so loading again (a restart)
 * changes nothing. A file that cannot be read, parsed or validated is skipped and reported with
 * `file:line:col` locations; it never stops the others.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readDefinitionText } from '../definition-source/index.js';
import { checkName } from '../engine/index.js';
import type { Diagnostic } from '../language/index.js';
import { validateDefinition } from '../language/index.js';
import type { Store } from '../store/index.js';
import { StoreError } from '../store/index.js';

const WORKFLOW_FILE = /^(.+)\.asl\.(json|ya?ml)$/i;

export type WorkflowFileResult =
  | {
      /** The file as `directory/name`. */
      readonly file: string;
      readonly workflow: string;
      readonly outcome: 'created' | 'updated' | 'unchanged';
    }
  | {
      readonly file: string;
      readonly outcome: 'skipped';
      /** `file:line:col: message [code]`, in file order. */
      readonly problems: readonly string[];
    };

export interface LoadWorkflowFilesOptions {
  readonly store: Pick<Store, 'workflows'>;
  readonly directory: string;
  /** The store's timestamps (the caller's clock). */
  readonly now: () => string;
  /** A fresh revision id per created or updated workflow. */
  readonly newRevisionId: () => string;
}

/**
 * Loads every workflow file in `directory` (not recursive), in name order.
 * @throws only when the directory itself cannot be listed.
 */
export async function loadWorkflowFiles(
  options: LoadWorkflowFilesOptions,
): Promise<WorkflowFileResult[]> {
  const names = (await readdir(options.directory, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && WORKFLOW_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const results: WorkflowFileResult[] = [];
  for (const name of names) results.push(await loadOne(options, name));
  return results;
}

async function loadOne(
  options: LoadWorkflowFilesOptions,
  fileName: string,
): Promise<WorkflowFileResult> {
  const file = join(options.directory, fileName);
  const skipped = (problems: string[]): WorkflowFileResult => ({
    file,
    outcome: 'skipped',
    problems,
  });
  const workflow = WORKFLOW_FILE.exec(fileName)?.[1] ?? fileName;
  try {
    checkName('workflow', workflow);
  } catch (error: unknown) {
    return skipped([`${file}:1:1: ${error instanceof Error ? error.message : String(error)}`]);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    return skipped([
      `${file}:0:0: cannot read the file: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
  const parsed = readDefinitionText(text, fileName);
  if (!parsed.ok) return skipped(format(file, parsed.diagnostics));
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  const problems = [...parsed.diagnostics, ...(validated.ok ? [] : validated.diagnostics)];
  if (!validated.ok || problems.length > 0) return skipped(format(file, problems));

  // The engine and the Step Functions API read definitions as JSON: YAML is stored converted.
  const definition = /\.json$/i.test(fileName) ? text : JSON.stringify(parsed.value, null, 2);
  const { workflows } = options.store;
  const existing = await workflows.get(workflow);
  if (existing?.definition === definition) return { file, workflow, outcome: 'unchanged' };
  if (existing === undefined) {
    try {
      await workflows.create({
        name: workflow,
        definition,
        roleArn: null,
        type: 'STANDARD',
        description: `Loaded from ${fileName}`,
        revisionId: options.newRevisionId(),
        now: options.now(),
      });
      return { file, workflow, outcome: 'created' };
    } catch (error: unknown) {
      // Another node created it at the same moment, with other text: update it below.
      if (!(error instanceof StoreError && error.code === 'ALREADY_EXISTS')) throw error;
    }
  }
  await workflows.update(workflow, {
    definition,
    revisionId: options.newRevisionId(),
    now: options.now(),
  });
  return { file, workflow, outcome: 'updated' };
}

function format(file: string, diagnostics: readonly Diagnostic[]): string[] {
  return [...diagnostics]
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .map((d) => `${file}:${d.line}:${d.column}: ${d.message} [${d.code}]`);
}
