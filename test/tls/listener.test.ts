// The plain-HTTP rule and the listener options (src/api/tls.ts), without a process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPlainListener, isLoopbackHost, listenerOptions } from '../../src/api/tls.js';

void test('loopback hosts', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'node.example', 'localhost.example', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
});

void test('plain HTTP: loopback silently, elsewhere refused or warned, TLS always fine', () => {
  assert.equal(checkPlainListener('127.0.0.1', false, false), undefined);
  assert.equal(checkPlainListener('0.0.0.0', true, false), undefined);
  assert.throws(() => checkPlainListener('0.0.0.0', false, false), (e: Error & { code?: string }) => e.code === 'MALFORMED' && /refusing to serve plain HTTP on 0\.0\.0\.0/.test(e.message));
  assert.match(checkPlainListener('10.0.0.1', false, true) ?? '', /^WARNING: serving plain HTTP on 10\.0\.0\.1 \(--insecure-http\)/);
});

void test('listener options: HTTP/2 with HTTP/1.1 fallback over TLS, trusted proxies only when named', () => {
  assert.deepEqual(listenerOptions(undefined, undefined), {});
  assert.deepEqual(listenerOptions(undefined, []), {});
  const key = Buffer.from('k');
  const cert = Buffer.from('c');
  assert.deepEqual(listenerOptions({ key, cert }, ['10.0.0.5', '10.1.0.0/16']), {
    http2: true,
    https: { allowHTTP1: true, key, cert, minVersion: 'TLSv1.2' },
    trustProxy: ['10.0.0.5', '10.1.0.0/16'],
  });
});
