/** Keeping secrets in settings (a database URL's password) out of logs and error messages. */
import type { BatonConfig } from './settings.js';

const SECRET_PARAMETER = /pass|secret|token|key|credential/i;
const MASK = '****';

/**
 * The URL with its password, and any query parameter that looks like a secret, replaced by
 * `****`. Text that is not a URL is hidden entirely: it might be a bare password.
 */
export function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '(hidden: not a URL)';
  }
  if (url.password !== '') url.password = MASK;
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAMETER.test(name)) url.searchParams.set(name, MASK);
  }
  return url.toString();
}

/** The settings as they may be logged: secrets masked. */
export function describeConfig(config: BatonConfig): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: config.databaseUrl === undefined ? undefined : maskUrl(config.databaseUrl),
  };
}

/**
 * Replaces every occurrence of the secret settings' values (and their passwords alone) in
 * `text`: for error messages from libraries that may echo a connection string.
 */
export function redactSecrets(text: string, config: Pick<BatonConfig, 'databaseUrl'>): string {
  const url = config.databaseUrl;
  if (url === undefined) return text;
  let result = text.split(url).join(maskUrl(url));
  try {
    const password = new URL(url).password;
    if (password.length >= 3) {
      for (const form of new Set([password, decodeURIComponent(password)]))
        result = result.split(form).join(MASK);
    }
  } catch {
    // not a URL: nothing more to find
  }
  return result;
}
