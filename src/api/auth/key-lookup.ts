/**
 * The bridge between the store's access keys and SigV4 verification in identity/: finds a key,
 * opens its sealed secret with the master key, and remembers the answer briefly so a burst of
 * requests does not read and decrypt once per request.
 *
 * How soon a change takes effect: on the node that makes it, at once (call `forget`); on other
 * nodes sharing the database, within `ttlMs` (5 seconds by default).
 */
import type { LookupKey, MasterKey, Principal, SigningKeyEntry } from '../../identity/index.js';
import { ACCESS_KEY_ID_PATTERN, generateAccessKey } from '../../identity/index.js';
import type { AccessKeyRecord, AccessKeyStore } from '../../store/index.js';

export const DEFAULT_KEY_CACHE_TTL_MS = 5_000;
const DEFAULT_MAX_ENTRIES = 1_000;

export interface KeyLookupOptions {
  readonly keys: Pick<AccessKeyStore, 'get'>;
  readonly masterKey: MasterKey;
  readonly nowMs: () => number;
  /** How long an answer (including "no such key" and "disabled") is reused. */
  readonly ttlMs?: number;
  /** Most keys remembered at once; the longest-remembered goes first. */
  readonly maxEntries?: number;
}

export interface KeyLookup {
  readonly lookupKey: LookupKey;
  /** Forgets one key (after this node disabled, enabled or deleted it), or every key. */
  forget(accessKeyId?: string): void;
}

interface Remembered {
  readonly until: number;
  readonly entry: Promise<SigningKeyEntry | undefined>;
}

/**
 * A `lookupKey` for `createSigV4Authenticator` backed by the store. Concurrent lookups of one
 * key share one read. A failed read (store down, secret that does not decrypt) is not
 * remembered: the next request tries again, and the failure reaches the caller unchanged.
 */
export function createKeyLookup(options: KeyLookupOptions): KeyLookup {
  const ttlMs = options.ttlMs ?? DEFAULT_KEY_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const remembered = new Map<string, Remembered>();

  const load = async (id: string): Promise<SigningKeyEntry | undefined> => {
    const record = await options.keys.get(id);
    if (record === undefined) return undefined;
    if (record.status !== 'ACTIVE') return { state: 'disabled' };
    return {
      state: 'active',
      name: record.name,
      secret: options.masterKey.open(id, record.secretSealed),
    };
  };

  const lookupKey: LookupKey = (id) => {
    // Ids Baton never issues are not worth a query, nor a place in the cache.
    if (!ACCESS_KEY_ID_PATTERN.test(id)) return Promise.resolve(undefined);
    const now = options.nowMs();
    const known = remembered.get(id);
    if (known !== undefined && known.until > now) return known.entry;
    const entry = load(id);
    remembered.delete(id);
    remembered.set(id, { until: now + ttlMs, entry });
    entry.catch(() => {
      // Not remembered: the caller sees this failure through `entry` itself.
      if (remembered.get(id)?.entry === entry) remembered.delete(id);
    });
    while (remembered.size > maxEntries) {
      const oldest = remembered.keys().next();
      if (oldest.done === true) break;
      remembered.delete(oldest.value);
    }
    return entry;
  };

  return {
    lookupKey,
    forget: (id) => {
      if (id === undefined) remembered.clear();
      else remembered.delete(id);
    },
  };
}

export interface LastUseOptions {
  readonly keys: Pick<AccessKeyStore, 'recordUse'>;
  readonly nowMs: () => number;
  /** Least time between two writes for one key (default one minute). */
  readonly minIntervalMs?: number;
  /** Told about a failed write; last use is bookkeeping, so it never fails a request. */
  readonly onError?: (error: unknown) => void;
}

/**
 * An `onAuthenticated` for `createSigV4Authenticator` that records a key's last use, at most
 * once per `minIntervalMs` per key, so verified requests do not each cost a write.
 */
export function createLastUseRecorder(options: LastUseOptions): (principal: Principal) => void {
  const minIntervalMs = options.minIntervalMs ?? 60_000;
  const lastWritten = new Map<string, number>();
  return ({ accessKeyId }) => {
    const now = options.nowMs();
    const last = lastWritten.get(accessKeyId);
    if (last !== undefined && now - last < minIntervalMs) return;
    lastWritten.delete(accessKeyId);
    lastWritten.set(accessKeyId, now);
    if (lastWritten.size > DEFAULT_MAX_ENTRIES) {
      const oldest = lastWritten.keys().next();
      if (oldest.done !== true) lastWritten.delete(oldest.value);
    }
    options.keys
      .recordUse(accessKeyId, new Date(now).toISOString())
      .catch((error: unknown) => options.onError?.(error));
  };
}

export interface IssuedKey {
  readonly record: AccessKeyRecord;
  /** The plain secret: show it to its owner now; it is never available again. */
  readonly secretAccessKey: string;
}

/**
 * Creates an access key for `name`: a new id and secret from the CSPRNG, the secret sealed
 * under the master key before it reaches the store.
 * @throws StoreError from the store (ALREADY_EXISTS only if the random id collides).
 */
export async function issueAccessKey(
  keys: Pick<AccessKeyStore, 'create'>,
  masterKey: MasterKey,
  name: string,
  now: string,
): Promise<IssuedKey> {
  const { accessKeyId, secretAccessKey } = generateAccessKey();
  const record = await keys.create({
    id: accessKeyId,
    name,
    secretSealed: masterKey.seal(accessKeyId, secretAccessKey),
    now,
  });
  return { record, secretAccessKey };
}

/**
 * The first start's admin key, made only when the database never had one made (see
 * AccessKeyStore.createFirst); undefined when another start made it, or keys already exist.
 */
export async function issueFirstAdminKey(
  keys: Pick<AccessKeyStore, 'createFirst'>,
  masterKey: MasterKey,
  now: string,
): Promise<IssuedKey | undefined> {
  const { accessKeyId, secretAccessKey } = generateAccessKey();
  const record = await keys.createFirst({
    id: accessKeyId,
    name: 'admin',
    secretSealed: masterKey.seal(accessKeyId, secretAccessKey),
    now,
  });
  return record === undefined ? undefined : { record, secretAccessKey };
}
