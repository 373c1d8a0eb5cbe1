// Storage faults: the disk or a database's quota is full (SQLITE_FULL,
// ENOSPC, EDQUOT) or the file system fails a write (SQLITE_IOERR*, EIO). They
// are faults of a dependency, not bugs (docs/operations.md): the node waits
// them out instead of dying (a block's commit is one SQLite transaction,
// rolled back on such an error, and is retried), readiness names them, and
// the doors answer 503 STORAGE_UNAVAILABLE, never 500.

export interface StorageFault {
  /** The error code (SQLITE_FULL, SQLITE_IOERR_WRITE, ENOSPC, ...), never a message. */
  code: string;
  /** When the fault was first seen (ms since the epoch). */
  since: number;
}

const FAULT_CODES = /^(SQLITE_FULL|SQLITE_IOERR(_[A-Z_]+)?|ENOSPC|EDQUOT|EIO)$/;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The storage fault code of this error or its cause, if it is one. */
export function storageFaultCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = codeOf(e);
    if (code !== undefined && FAULT_CODES.test(code)) return code;
  }
  return undefined;
}

/** True for a full or failing disk (this error or its cause). */
export function isStorageFault(error: unknown): boolean {
  return storageFaultCode(error) !== undefined;
}

export function storageFaultOf(error: unknown, now = Date.now()): StorageFault {
  return { code: storageFaultCode(error) ?? 'SQLITE_FULL', since: now };
}
