// The trials contract (issue 13): pre-registration, protocol amendments,
// participants under per-trial pseudonyms with versioned consent, CRF anchors
// by commitment, Part 11 signatures, database lock and results. Every rule is
// enforced at execution with a result code, so a refused attempt stays in its
// block as evidence (the misconduct report reads it from there).
import type { Contract } from '../../ledger/contract.js';
import { TRIALS_CONTRACT } from './keys.js';
import { anchorCrf, signEntry } from './data.js';
import { addParticipant, consent, enrol, withdraw } from './participants.js';
import { amend, declareResults, lock, register } from './registration.js';

/** The trials contract, version 1. */
export const trialsContract: Contract = {
  name: TRIALS_CONTRACT,
  version: 1,
  actions: {
    register,
    amend,
    'add-participant': addParticipant,
    consent,
    enrol,
    withdraw,
    'anchor-crf': anchorCrf,
    'sign-entry': signEntry,
    lock,
    'declare-results': declareResults,
  },
};
