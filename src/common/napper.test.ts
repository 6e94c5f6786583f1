import { describe, expect, it } from 'vitest';
import { Napper } from './napper.js';

/** A sleep that ends only when aborted, recording what it was asked. */
function endlessSleep(asked: number[]) {
  return (ms: number, signal: AbortSignal) =>
    new Promise<void>((_resolve, reject) => {
      asked.push(ms);
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
}

describe('Napper', () => {
  it('returns at once when woken since the last nap, and only once', async () => {
    const napper = new Napper();
    const asked: number[] = [];
    napper.wake();
    await napper.nap(1000, new AbortController().signal, endlessSleep(asked));
    expect(asked).toEqual([]); // never slept
    const second = napper.nap(1000, new AbortController().signal, endlessSleep(asked));
    await Promise.resolve();
    expect(asked).toEqual([1000]); // this one sleeps
    napper.wake();
    await second;
  });

  it('ends on the signal, and on any of the extra promises (even a rejected one)', async () => {
    const napper = new Napper();
    const stop = new AbortController();
    const napping = napper.nap(1000, stop.signal, endlessSleep([]));
    stop.abort();
    await napping;
    let fail: (error: Error) => void = () => undefined;
    const task = new Promise((_resolve, reject) => {
      fail = reject;
    });
    const waiting = napper.nap(1000, new AbortController().signal, endlessSleep([]), [task]);
    fail(new Error('task failed'));
    await expect(waiting).resolves.toBeUndefined();
  });

  it('ends the sleep it started when woken (no timer left behind)', async () => {
    const napper = new Napper();
    let aborted = false;
    const napping = napper.nap(1000, new AbortController().signal, (_ms, signal) => {
      signal.addEventListener('abort', () => (aborted = true), { once: true });
      return new Promise<void>(() => undefined);
    });
    napper.wake();
    await napping;
    expect(aborted).toBe(true);
  });
});
