/**
 * Trigger templates and JSONata mappings over one event. The scope every expression sees is
 * `{ event, headers: { event, instance }, connection }` (`event` is the webhook body). A
 * template is text with `{{ expression }}` parts (`deploy-{{ event.checkout_sha }}`); each part
 * is evaluated and its value inserted as text. Expressions run under the same limits as
 * JSONata in definitions (sequence length, depth, time; see language/jsonata/expression.ts).
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../../common/index.js';
import { checkJsonataSyntax, compileJsonata } from '../../language/index.js';

export interface TemplateScope {
  readonly event: JsonObject;
  readonly headers: { readonly event: string; readonly instance: string | null };
  readonly connection: string;
}

/** A part of a template: text, or an expression to evaluate. */
type Part = { readonly text: string } | { readonly expression: string };

const PART = /\{\{([\s\S]*?)\}\}/g;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Splits a template into its parts; problems (unclosed `{{`, bad JSONata) in order. */
export function parseTemplate(template: string): {
  readonly parts: readonly Part[];
  readonly problems: readonly string[];
} {
  const parts: Part[] = [];
  const problems: string[] = [];
  let last = 0;
  for (const match of template.matchAll(PART)) {
    const index = match.index;
    if (index > last) parts.push({ text: template.slice(last, index) });
    const expression = (match[1] ?? '').trim();
    const problem = checkJsonataSyntax(expression);
    if (problem !== undefined) problems.push(`{{ ${expression} }}: ${problem}`);
    parts.push({ expression });
    last = index + match[0].length;
  }
  const rest = template.slice(last);
  if (rest.includes('{{')) problems.push('has a "{{" without its closing "}}"');
  if (rest !== '') parts.push({ text: rest });
  return { parts, problems };
}

/** Why a JSONata mapping does not parse, or undefined. */
export function expressionProblem(expression: string): string | undefined {
  return checkJsonataSyntax(expression);
}

/**
 * Evaluates a JSONata expression over the scope.
 * @throws TemplateError naming the expression when it fails or yields nothing JSON can hold.
 */
export async function evaluateExpression(
  expression: string,
  scope: TemplateScope,
): Promise<JsonValue | undefined> {
  let raw: unknown;
  try {
    raw = await compileJsonata(expression).evaluate(scope);
  } catch (error: unknown) {
    throw new TemplateError(
      `The expression ${JSON.stringify(expression)} failed: ${describe(error)}`,
    );
  }
  if (raw === undefined) return undefined;
  // Sequences and frozen arrays come back as plain JSON through a round trip.
  const text = JSON.stringify(raw);
  if (text === undefined) {
    throw new TemplateError(`The expression ${JSON.stringify(expression)} returned a function.`);
  }
  return JSON.parse(text) as JsonValue;
}

/**
 * Renders a template to text.
 * @throws TemplateError when an expression fails.
 */
export async function renderTemplate(template: string, scope: TemplateScope): Promise<string> {
  const { parts } = parseTemplate(template);
  let out = '';
  for (const part of parts) {
    if ('text' in part) out += part.text;
    else {
      const value = await evaluateExpression(part.expression, scope);
      if (value === undefined || value === null || value === '') {
        // An empty part would give different events the same execution name, and the second
        // would silently start nothing: refuse instead.
        throw new TemplateError(
          `{{ ${part.expression} }} has no value for this event. Expressions see { event, headers, connection }, with the webhook body as event (e.g. {{ event.checkout_sha }}).`,
        );
      }
      out += typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return out;
}

/** AWS's execution name rules (engine/names.ts): 1 to 80 characters, none of these. */
const MAX_NAME = 80;
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/gu;
const HASH_LENGTH = 10;

/**
 * Makes any text a valid execution name: forbidden characters become `-` (runs collapsed),
 * and text longer than 80 characters is cut and ends in `-` + a hash of the whole text, so two
 * long names that differ only at the end stay different. Empty text gives `fallback`.
 */
export function toExecutionName(text: string, fallback: string): string {
  const cleaned = text
    .replace(FORBIDDEN, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (cleaned === '') return fallback === '' ? 'execution' : toExecutionName(fallback, '');
  const chars = [...cleaned];
  if (chars.length <= MAX_NAME) return cleaned;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
  return `${chars.slice(0, MAX_NAME - HASH_LENGTH - 1).join('')}-${hash}`;
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
    return `${code}${String(error.message)}`;
  }
  return String(error);
}
