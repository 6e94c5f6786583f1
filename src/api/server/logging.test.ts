import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, requestLoggerFactory } from './logging.js';

function capture(level: string) {
  const lines: unknown[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('requestLoggerFactory', () => {
  it('makes no pino child for a request that writes nothing at an enabled level', () => {
    const { logger } = capture('warn');
    const child = vi.spyOn(logger, 'child');
    const log = requestLoggerFactory(logger, { requestId: 'r-1' }, {});
    log.info({ req: 'x' }, 'incoming request');
    log.debug('detail');
    expect(child).not.toHaveBeenCalled();
    expect(log.level).toBe('warn');
  });

  it('writes enabled lines with the request id, as a pino child would', async () => {
    const { logger, lines } = capture('info');
    const log = requestLoggerFactory(logger, { requestId: 'r-2' }, {});
    log.info({ headers: { authorization: 'AWS4-HMAC-SHA256 secret' } }, 'incoming');
    log.error(new Error('boom'));
    log.debug('not written');
    await flush();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ requestId: 'r-2', msg: 'incoming', level: 30 });
    expect(JSON.stringify(lines[0])).not.toContain('secret');
    expect(lines[1]).toMatchObject({ requestId: 'r-2', level: 50, err: { message: 'boom' } });
  });

  it("keeps a route's own level (the probes log at warn only)", async () => {
    const { logger, lines } = capture('info');
    const log = requestLoggerFactory(logger, { requestId: 'r-3' }, { level: 'warn' });
    log.info('probe answered');
    log.warn('probe slow');
    await flush();
    expect(lines).toEqual([expect.objectContaining({ msg: 'probe slow' })]);
    expect(log.level).toBe('warn');
  });

  it('gives children the request id and their own bindings', async () => {
    const { logger, lines } = capture('info');
    const log = requestLoggerFactory(logger, { requestId: 'r-4' }, {});
    log.child({ step: 'auth' }).info('checked');
    await flush();
    expect(lines[0]).toMatchObject({ requestId: 'r-4', step: 'auth', msg: 'checked' });
  });
});
