// The error door: a dependency fault (full disk) is 503 STORAGE_UNAVAILABLE
// with Retry-After, never 500; a real 500 is logged at error level with its
// cause (error classes and codes down the chain, stack frames) and never
// with a message, which might carry data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { errorHandler } from './errors.js';
import { LOG_SERIALIZERS } from './request-log.js';

const MARKER = 'patient-9f3c marker';

async function serverThrowing(error: unknown) {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString('utf8')), done()) });
  const app = Fastify({ logger: { level: 'info', stream, serializers: LOG_SERIALIZERS as never } });
  app.setErrorHandler(errorHandler);
  app.get('/boom', async () => {
    throw error;
  });
  const res = await app.inject({ method: 'GET', url: '/boom' });
  await app.close();
  return { res, logs: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('a full disk answers 503 STORAGE_UNAVAILABLE with Retry-After', async () => {
  const full = Object.assign(new Error(`database or disk is full ${MARKER}`), { code: 'SQLITE_FULL' });
  const { res } = await serverThrowing(full);
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.equal(res.json<{ error: { code: string } }>().error.code, 'STORAGE_UNAVAILABLE');
  assert.doesNotMatch(res.body, /marker/);
});

test('an unexpected error is a 500 logged with its cause chain and frames, never its message', async () => {
  const cause = Object.assign(new RangeError(`inner ${MARKER}`), { code: 'ERR_X' });
  const { res, logs } = await serverThrowing(new TypeError(`outer ${MARKER}`, { cause }));
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { error: { code: 'INTERNAL', message: 'internal error' } });
  const line = logs.find((l) => l['msg'] === 'internal error');
  assert.ok(line, 'the 500 is logged');
  assert.equal(line['level'], 50);
  const logged = line['cause'] as { chain: unknown[]; frames: string[] };
  assert.deepEqual(logged.chain, [{ type: 'TypeError' }, { type: 'RangeError', code: 'ERR_X' }]);
  assert.ok(logged.frames.length > 0 && logged.frames.every((f) => f.startsWith('at ')));
  assert.ok(!logs.some((l) => JSON.stringify(l).includes('marker')), 'no message in any log line');
});
