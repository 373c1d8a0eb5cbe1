// Ground floor: the result-code catalogue and the one error class, below every
// other layer (crypto, storage, ordering, vault and the FHIR router use them too).
export { CareLedgerError, isCareLedgerError } from './error.js';
export { RESULT_CODES, isResultCode, httpStatusOf } from './codes.js';
export type { ResultCode } from './codes.js';
export { parseOrThrow, issuePath, issueText } from './parse.js';
export { isStorageFault, storageFaultCode, storageFaultOf } from './storage-fault.js';
export type { StorageFault } from './storage-fault.js';
