// The all-core Ed25519 baseline lives with the offline verifier, which reports its ratio to it too.
export { measureVerifyAllCores } from '../src/node/verifier/baseline.js';
