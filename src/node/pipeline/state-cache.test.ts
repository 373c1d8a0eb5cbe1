// The state cache in front of the store: values are parsed once and frozen,
// committed writes replace them, absent keys are cached as absent, and when
// full it evicts the least recently used entry, keeping the hot ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LedgerStore } from '../../storage/index.js';
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

test('committed writes refresh cached keys, deletions read as absent; uncached written keys stay out', () => {
  const { store, reads } = fakeStore({ 'identity/p': '{"status":"active"}' });
  const cache = new StateCache(store, 10);
  assert.deepEqual(cache.reader.get('identity', 'p'), { status: 'active' });
  assert.equal(cache.reader.get('identity', 'q'), undefined);
  assert.equal(cache.getState('identity', 'q'), undefined);
  cache.applyCommitted([
    { namespace: 'identity', key: 'p', value: { status: 'erased' }, text: '{"status":"erased"}' },
    { namespace: 'identity', key: 'q', value: { status: 'active' }, text: '{"status":"active"}' },
    { namespace: 'access', key: 'e1', value: { n: 1 }, text: '{"n":1}' },
  ]);
  assert.deepEqual(cache.reader.get('identity', 'p'), { status: 'erased' });
  assert.deepEqual(cache.reader.get('identity', 'q'), { status: 'active' });
  assert.equal(cache.getState('identity', 'q'), '{"status":"active"}');
  cache.applyCommitted([{ namespace: 'identity', key: 'q', value: null, text: null }]);
  assert.equal(cache.reader.get('identity', 'q'), undefined);
  assert.equal(cache.getState('identity', 'q'), undefined);
  assert.deepEqual(reads, ['identity/p', 'identity/q', 'identity/q'], 'cached keys never went back to the store');
  assert.equal(cache.reader.get('access', 'e1'), undefined, 'the fake store lacks it: the write was not cached');
});

test('when full, the entry not used since it was last looked at goes; a hot entry survives', () => {
  const rows: Record<string, string> = { 'network/config': '{"timeWindowMs":300000}', 'keys/k': '{"status":"active"}' };
  for (let i = 0; i < 20; i++) rows[`consent/c${i}`] = `{"n":${i}}`;
  const { store, reads } = fakeStore(rows);
  const cache = new StateCache(store, 3);
  cache.reader.get('network', 'config');
  cache.reader.get('keys', 'k');
  for (let i = 0; i < 20; i++) {
    cache.reader.get('network', 'config'); // hot: read between the others
    cache.reader.get('consent', `c${i}`);
  }
  assert.deepEqual(cache.reader.get('network', 'config'), { timeWindowMs: 300000 });
  assert.equal(reads.filter((r) => r === 'network/config').length, 1, 'the hot entry never went back to the store');
  assert.deepEqual(cache.reader.get('keys', 'k'), { status: 'active' });
  assert.equal(reads.filter((r) => r === 'keys/k').length, 2, 'the cold entry was evicted and read again');
});

test('stamps: each committed block moves the stamp of every namespace it wrote, once, and no other', () => {
  const { store } = fakeStore({});
  const cache = new StateCache(store, 10);
  const stamp = (ns: string) => cache.reader.stamp?.(ns);
  assert.deepEqual([stamp('consent'), stamp('identity'), stamp('access')], [0, 0, 0]);
  cache.applyCommitted([
    { namespace: 'consent', key: 'index/p', value: ['c1'], text: '["c1"]' },
    { namespace: 'consent', key: 'grant/p/c1', value: { status: 'active' }, text: '{"status":"active"}' },
    { namespace: 'access', key: 'e1', value: { n: 1 }, text: '{"n":1}' },
  ]);
  assert.deepEqual([stamp('consent'), stamp('identity'), stamp('access')], [1, 0, 1]);
  cache.applyCommitted([{ namespace: 'access', key: 'e2', value: null, text: null }]);
  assert.deepEqual([stamp('consent'), stamp('identity'), stamp('access')], [1, 0, 2]);
  cache.applyCommitted([]);
  assert.deepEqual([stamp('consent'), stamp('identity'), stamp('access')], [1, 0, 2]);
});
