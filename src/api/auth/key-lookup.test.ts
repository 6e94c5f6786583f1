import { describe, expect, it, vi } from 'vitest';
import { MasterKey } from '../../identity/index.js';
import type { AccessKeyRecord, AccessKeyStore, NewAccessKey } from '../../store/index.js';
import { createKeyLookup, createLastUseRecorder, issueAccessKey } from './key-lookup.js';

const master = MasterKey.fromBytes(Buffer.alloc(32, 3));
const ID = 'BKIAAAAAAAAAAAAAAAAA';
const T = '2026-11-22T06:00:00.000Z';

function record(
  id: string,
  secret: string,
  status: AccessKeyRecord['status'] = 'ACTIVE',
): AccessKeyRecord {
  return {
    id,
    name: 'alice',
    secretSealed: master.seal(id, secret),
    status,
    createdAt: T,
    updatedAt: T,
    lastUsedAt: null,
  };
}

function fakeKeys(records: AccessKeyRecord[]) {
  const rows = new Map(records.map((r) => [r.id, r]));
  const get = vi.fn((id: string) => Promise.resolve(rows.get(id)));
  return { rows, get };
}

describe('createKeyLookup', () => {
  it('opens the sealed secret of an active key', async () => {
    const keys = fakeKeys([record(ID, 'the-secret')]);
    const { lookupKey } = createKeyLookup({ keys, masterKey: master, nowMs: () => 0 });
    await expect(lookupKey(ID)).resolves.toEqual({
      state: 'active',
      name: 'alice',
      secret: 'the-secret',
    });
  });

  it('answers undefined for an unknown key and "disabled" for a disabled one', async () => {
    const keys = fakeKeys([record(ID, 's', 'DISABLED')]);
    const { lookupKey } = createKeyLookup({ keys, masterKey: master, nowMs: () => 0 });
    await expect(lookupKey(ID)).resolves.toEqual({ state: 'disabled' });
    await expect(lookupKey('BKIABBBBBBBBBBBBBBBB')).resolves.toBeUndefined();
  });

  it('reads a key once for a burst of concurrent requests', async () => {
    const keys = fakeKeys([record(ID, 's')]);
    const { lookupKey } = createKeyLookup({ keys, masterKey: master, nowMs: () => 0 });
    await Promise.all(Array.from({ length: 100 }, () => lookupKey(ID)));
    expect(keys.get).toHaveBeenCalledTimes(1);
  });

  it('sees a key disabled on another node within the TTL, and at once after forget', async () => {
    let now = 0;
    const keys = fakeKeys([record(ID, 's')]);
    const lookup = createKeyLookup({ keys, masterKey: master, nowMs: () => now, ttlMs: 5000 });
    expect((await lookup.lookupKey(ID))?.state).toBe('active');
    keys.rows.set(ID, record(ID, 's', 'DISABLED'));
    now = 4999;
    expect((await lookup.lookupKey(ID))?.state).toBe('active');
    now = 5000;
    expect((await lookup.lookupKey(ID))?.state).toBe('disabled');
    keys.rows.set(ID, record(ID, 's'));
    lookup.forget(ID);
    expect((await lookup.lookupKey(ID))?.state).toBe('active');
    keys.rows.delete(ID);
    lookup.forget();
    expect(await lookup.lookupKey(ID)).toBeUndefined();
  });

  it('does not remember failures: the next request reads again', async () => {
    const failure = new Error('database unavailable');
    const get = vi
      .fn<AccessKeyStore['get']>()
      .mockRejectedValueOnce(failure)
      .mockResolvedValue(record(ID, 's'));
    const { lookupKey } = createKeyLookup({ keys: { get }, masterKey: master, nowMs: () => 0 });
    await expect(lookupKey(ID)).rejects.toBe(failure);
    await expect(lookupKey(ID)).resolves.toMatchObject({ state: 'active' });
  });

  it('fails, without the secret in the message, when the secret was sealed under another master key', async () => {
    const other = MasterKey.fromBytes(Buffer.alloc(32, 9));
    const keys = fakeKeys([
      { ...record(ID, 'the-secret'), secretSealed: other.seal(ID, 'the-secret') },
    ]);
    const { lookupKey } = createKeyLookup({ keys, masterKey: master, nowMs: () => 0 });
    const error: unknown = await lookupKey(ID).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SECRET_UNREADABLE' });
    expect(String(error)).not.toContain('the-secret');
  });

  it('never queries the store for ids Baton does not issue', async () => {
    const keys = fakeKeys([]);
    const { lookupKey } = createKeyLookup({ keys, masterKey: master, nowMs: () => 0 });
    for (const id of ['AKIDEXAMPLE', "BKIA' OR 1=1 --", 'bkiaaaaaaaaaaaaaaaaa', '']) {
      await expect(lookupKey(id)).resolves.toBeUndefined();
    }
    expect(keys.get).not.toHaveBeenCalled();
  });

  it('remembers at most maxEntries keys', async () => {
    const ids = ['BKIAAAAAAAAAAAAAAAAA', 'BKIABBBBBBBBBBBBBBBB', 'BKIACCCCCCCCCCCCCCCC'];
    const keys = fakeKeys(ids.map((id) => record(id, 's')));
    const { lookupKey } = createKeyLookup({
      keys,
      masterKey: master,
      nowMs: () => 0,
      maxEntries: 2,
    });
    for (const id of ids) await lookupKey(id);
    await lookupKey(ids[2] ?? '');
    expect(keys.get).toHaveBeenCalledTimes(3);
    await lookupKey(ids[0] ?? '');
    expect(keys.get).toHaveBeenCalledTimes(4);
  });
});

describe('createLastUseRecorder', () => {
  it('writes at most once per interval per key', () => {
    let now = Date.UTC(2026, 10, 22, 6, 0, 0);
    const recordUse = vi.fn<AccessKeyStore['recordUse']>(() => Promise.resolve());
    const record = createLastUseRecorder({
      keys: { recordUse },
      nowMs: () => now,
      minIntervalMs: 60_000,
    });
    record({ accessKeyId: ID, name: 'alice' });
    record({ accessKeyId: ID, name: 'alice' });
    record({ accessKeyId: 'BKIABBBBBBBBBBBBBBBB', name: 'bob' });
    now += 60_000;
    record({ accessKeyId: ID, name: 'alice' });
    expect(recordUse.mock.calls).toEqual([
      [ID, '2026-11-22T06:00:00.000Z'],
      ['BKIABBBBBBBBBBBBBBBB', '2026-11-22T06:00:00.000Z'],
      [ID, '2026-11-22T06:01:00.000Z'],
    ]);
  });

  it('reports a failed write instead of failing the request', async () => {
    const failure = new Error('disk full');
    const onError = vi.fn();
    const record = createLastUseRecorder({
      keys: { recordUse: () => Promise.reject(failure) },
      nowMs: () => 0,
      onError,
    });
    expect(() => record({ accessKeyId: ID, name: 'alice' })).not.toThrow();
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(failure));
  });
});

describe('issueAccessKey', () => {
  it('stores only the sealed secret and returns the plain one once', async () => {
    const created: NewAccessKey[] = [];
    const keys = {
      create: (key: NewAccessKey) => {
        created.push(key);
        return Promise.resolve(record(key.id, 'unused'));
      },
    };
    const issued = await issueAccessKey(keys, master, 'alice', T);
    const [stored] = created;
    expect(stored?.name).toBe('alice');
    expect(stored?.id).toMatch(/^BKIA[A-Z2-7]{16}$/);
    expect(JSON.stringify(stored)).not.toContain(issued.secretAccessKey);
    expect(master.open(stored?.id ?? '', stored?.secretSealed ?? '')).toBe(issued.secretAccessKey);
    expect(JSON.stringify(issued.record)).not.toContain(issued.secretAccessKey);
  });
});
