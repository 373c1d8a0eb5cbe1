// The skip decision of a suite that needs etcd: skipped with a reason when
// etcd is missing on a developer's machine; in CI (CI=true) a missing etcd is
// a broken setup, so a failing test says so instead of a silent skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireEtcd } from './etcd.js';

export function etcdSuiteSkip(): string | undefined {
  try {
    return requireEtcd();
  } catch (error) {
    void test('etcd is installed (required in CI)', () => assert.fail((error as Error).message));
    return undefined;
  }
}
