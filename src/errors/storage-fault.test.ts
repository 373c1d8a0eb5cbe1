// Which errors are storage faults the node waits out (a full or failing disk),
// found on the error or down its cause chain; anything else is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStorageFault, storageFaultCode, storageFaultOf } from './storage-fault.js';

const coded = (code: string, cause?: unknown) => Object.assign(new Error('x'), { code, ...(cause === undefined ? {} : { cause }) });

test('full and failing disks are storage faults, on the error or its cause', () => {
  for (const code of ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'ENOSPC', 'EDQUOT', 'EIO']) assert.equal(storageFaultCode(coded(code)), code);
  assert.equal(storageFaultCode(coded('ORDERING_UNAVAILABLE', coded('SQLITE_FULL'))), 'SQLITE_FULL');
  assert.deepEqual(storageFaultOf(coded('X', coded('ENOSPC')), 7), { code: 'ENOSPC', since: 7 });
});

test('other errors are not', () => {
  for (const e of [coded('SQLITE_CONSTRAINT'), coded('SQLITE_BUSY'), new Error('SQLITE_FULL'), undefined, null, 'SQLITE_FULL', coded('sqlite_full')]) {
    assert.equal(isStorageFault(e), false, String(e));
  }
});
