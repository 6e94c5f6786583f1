/**
 * Loading the settings from their four sources, lowest to highest precedence: defaults, a
 * config file (YAML or JSON, `--config PATH` or `BATON_CONFIG`), `BATON_*` environment
 * variables, command-line flags. Every problem in every source is reported at once, each
 * prefixed with where it is (`baton.yaml:4:9`, `BATON_PORT`, `--port`), and secrets are masked.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Node } from 'yaml';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import type { BatonConfig, Setting, ValueOrigin } from './settings.js';
import { SETTINGS, defaultConfig, fileKey } from './settings.js';
import { maskUrl } from './secrets.js';

export const CONFIG_ENV = 'BATON_CONFIG';
export const CONFIG_FLAG = '--config';

export interface ConfigSources {
  /** The working directory: relative paths from env and flags, and the default data dir. */
  readonly cwd: string;
  /**
   * Flags as commander gives them, keyed by the setting's file key (`dataDir`), plus `config`.
   * Undefined means "not given".
   */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly readFile?: (path: string) => string;
}

/** Where each setting's value came from: `default`, `baton.yaml:4:9`, `BATON_PORT`, `--port`. */
export type ConfigOrigins = Readonly<Record<keyof BatonConfig, string>>;

export type ConfigResult =
  | {
      readonly ok: true;
      readonly config: BatonConfig;
      readonly origins: ConfigOrigins;
      /** The config file read, if any (absolute). */
      readonly file: string | undefined;
      /** Not fatal: e.g. a `BATON_*` variable that looks like a misspelt setting. */
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Loads and validates the settings. Never throws. */
export function loadConfig(sources: ConfigSources): ConfigResult {
  const env = sources.env ?? {};
  const flags = sources.flags ?? {};
  const problems: string[] = [];
  const warnings: string[] = [];
  const values: Record<string, unknown> = { ...defaultConfig(sources.cwd) };
  const origins: Record<string, string> = {};
  for (const setting of SETTINGS) origins[setting.key] = 'default';

  const apply = (setting: Setting, raw: unknown, origin: ValueOrigin, name: string): void => {
    const read = setting.read(raw, origin);
    if (read.ok) {
      values[setting.key] = read.value;
      origins[setting.key] = origin.label;
    } else {
      problems.push(
        `${origin.label}: ${name} must be ${read.expected}, got ${show(raw, setting.secret === true)}`,
      );
    }
  };

  // 1. The config file.
  const fileFlag = nonEmpty(flags['config']);
  const fileEnv = nonEmpty(env[CONFIG_ENV]);
  const filePath = fileFlag ?? fileEnv;
  let file: string | undefined;
  if (filePath !== undefined) {
    file = isAbsolute(filePath) ? filePath : resolve(sources.cwd, filePath);
    const named = fileFlag !== undefined ? CONFIG_FLAG : CONFIG_ENV;
    readConfigFile(file, displayPath(file, sources.cwd), named, sources.readFile, problems, apply);
  }

  // 2. The environment.
  const known = new Set(SETTINGS.map((s) => s.env));
  for (const setting of SETTINGS) {
    const raw = nonEmpty(env[setting.env]);
    if (raw !== undefined)
      apply(setting, raw, { label: setting.env, baseDir: sources.cwd }, fileKey(setting));
  }
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('BATON_') || known.has(name) || name === CONFIG_ENV) continue;
    // Compared without the shared prefix, which would make every name look close.
    const close = closest(
      name.slice(6),
      [...known].map((known) => known.slice(6)),
    );
    if (close !== undefined)
      warnings.push(`${name} is not a Baton setting; did you mean BATON_${close}? (it is ignored)`);
  }

  // 3. The flags.
  for (const setting of SETTINGS) {
    const raw = flags[fileKey(setting)];
    if (raw !== undefined)
      apply(setting, raw, { label: setting.flag, baseDir: sources.cwd }, fileKey(setting));
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: values as unknown as BatonConfig,
    origins: origins as ConfigOrigins,
    file,
    warnings,
  };
}

function readConfigFile(
  path: string,
  label: string,
  named: string,
  readFile: ((path: string) => string) | undefined,
  problems: string[],
  apply: (setting: Setting, raw: unknown, origin: ValueOrigin, name: string) => void,
): void {
  let text: string;
  try {
    text = (readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path);
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : error instanceof Error
              ? error.message
              : String(error);
    problems.push(`${named}: cannot read the config file ${label} (${reason})`);
    return;
  }
  // YAML 1.2 is a superset of JSON, so one parser serves both, with positions for either.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): string => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `${label}:${line}:${col}`;
  };
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const message = error.message.split('\n')[0] ?? error.message;
      problems.push(
        `${at(error.pos[0])}: ${error.code === 'DUPLICATE_KEY' ? 'a setting is given twice' : 'not valid YAML or JSON'}: ${message}`,
      );
    }
    return;
  }
  const root = document.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return; // empty file
  if (!isMap(root)) {
    problems.push(
      `${at(root.range?.[0])}: the config file must be a mapping of settings, such as "port: 8420"`,
    );
    return;
  }
  const byKey = new Map(SETTINGS.map((s) => [fileKey(s), s]));
  const baseDir = dirname(path);
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined) {
      problems.push(`${at(keyNode?.range?.[0])}: setting names must be plain words`);
      continue;
    }
    const setting = byKey.get(key);
    if (setting === undefined) {
      const close = closest(key, [...byKey.keys()]);
      problems.push(
        `${at(keyNode?.range?.[0])}: unknown setting "${key}"${
          close === undefined
            ? `; the settings are ${[...byKey.keys()].join(', ')}`
            : `; did you mean "${close}"?`
        }`,
      );
      continue;
    }
    const valueNode = pair.value as Node | null;
    const raw = valueNode === null ? null : (valueNode.toJSON() as unknown);
    // An empty value (`region:`) is pointed at by its key.
    const position = raw === null ? keyNode?.range?.[0] : valueNode?.range?.[0];
    apply(setting, raw, { label: at(position), baseDir }, key);
  }
}

/** The path as the user would recognise it: relative to cwd when inside it. */
function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** How a bad value is quoted back: secrets masked, structures named rather than dumped. */
function show(raw: unknown, secret: boolean): string {
  if (raw === null || raw === undefined) return 'nothing';
  if (typeof raw === 'string') {
    if (secret) return JSON.stringify(maskUrl(raw));
    return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);
  }
  if (secret) return `a ${typeof raw}`;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (Array.isArray(raw)) return 'a list';
  if (typeof raw === 'object') return 'a mapping';
  return typeof raw;
}

/** The candidate within a third of the word's length in edits, if any ("did you mean"). */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance =
      candidate.toLowerCase() === word.toLowerCase()
        ? 0
        : editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const previous = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(value);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
