// The state cache in front of the store: values are parsed once and frozen,
// committed writes replace them, absent keys are cached as absent, and when
// full it evicts the least recently used entry, keeping the hot ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LedgerStore } from '../storage/index.js';
import { StateCache } from './state-cache.js';

function fakeStore(initial: Record<string, string>) {
  const rows = new Map(Object.entries(initial));
  const reads: string[] = [];
  const store = {
    getState: (ns: string, key: string) => {
      reads.push(`${ns}/${key}`);
      return rows.get(`${ns}/${key}`);
    },
  } as unknown as LedgerStore;
  return { store, reads };
}

test('parsed once, frozen, and shared; absent keys are remembered as absent', () => {
  const { store, reads } = fakeStore({ 'consent/a': '{"status":"active","provision":{"type":"permit"}}' });
  const cache = new StateCache(store, 10);
  const first = cache.reader.get('consent', 'a') as { status: string; provision: { type: string } };
  assert.deepEqual(first, { status: 'active', provision: { type: 'permit' } });
  assert.equal(cache.getValue('consent', 'a'), first, 'the same frozen object');
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.provision));
  assert.throws(() => {
    (first as { status: string }).status = 'revoked';
  }, TypeError);
  assert.equal(cache.reader.get('consent', 'missing'), undefined);
  assert.equal(cache.reader.get('consent', 'missing'), undefined);
  assert.deepEqual(reads, ['consent/a', 'consent/missing']);
});

test('committed writes replace cached values and deletions read as absent, without the store', () => {
  const { store, reads } = fakeStore({ 'identity/p': '{"status":"active"}' });
  const cache = new StateCache(store, 10);
  assert.deepEqual(cache.reader.get('identity', 'p'), { status: 'active' });
  cache.applyCommitted([
    { namespace: 'identity', key: 'p', value: { status: 'erased' }, text: '{"status":"erased"}' },
    { namespace: 'identity', key: 'q', value: { status: 'active' }, text: '{"status":"active"}' },
  ]);
  assert.deepEqual(cache.reader.get('identity', 'p'), { status: 'erased' });
  assert.equal(cache.getState('identity', 'q'), '{"status":"active"}');
  cache.applyCommitted([{ namespace: 'identity', key: 'q', value: null, text: null }]);
  assert.equal(cache.reader.get('identity', 'q'), undefined);
  assert.equal(cache.getState('identity', 'q'), undefined);
  assert.deepEqual(reads, ['identity/p']);
});

test('when full, the least recently used entry goes; a hot entry survives a flood of writes', () => {
  const { store, reads } = fakeStore({ 'network/config': '{"timeWindowMs":300000}', 'keys/k': '{"status":"active"}' });
  const cache = new StateCache(store, 3);
  cache.reader.get('network', 'config');
  cache.reader.get('keys', 'k');
  for (let i = 0; i < 20; i++) {
    cache.reader.get('network', 'config'); // hot: read between writes
    cache.applyCommitted([{ namespace: 'access', key: `e${i}`, value: { n: i }, text: `{"n":${i}}` }]);
  }
  assert.deepEqual(cache.reader.get('network', 'config'), { timeWindowMs: 300000 });
  assert.deepEqual(reads, ['network/config', 'keys/k'], 'the hot entry never went back to the store');
  assert.deepEqual(cache.reader.get('keys', 'k'), { status: 'active' });
  assert.deepEqual(reads, ['network/config', 'keys/k', 'keys/k'], 'the cold entry was evicted and read again');
});
