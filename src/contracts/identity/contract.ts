// The identity contract: members, patients, delegates, key rotation and
// revocation, patient erasure (ARCHITECTURE section 5).
import type { Contract } from '../../ledger/contract.js';
import { erasePatient } from './erase.js';
import { revokeKeyAction, rotateKey } from './key-actions.js';
import { deactivateMember, registerMember, setMemberRoles } from './members.js';
import { addDelegate, registerPatient, removeDelegate } from './patients.js';

export const IDENTITY_CONTRACT = 'identity';

export const identityContract: Contract = {
  name: IDENTITY_CONTRACT,
  version: 1,
  actions: {
    'register-member': registerMember,
    'set-member-roles': setMemberRoles,
    'deactivate-member': deactivateMember,
    'register-patient': registerPatient,
    'add-delegate': addDelegate,
    'remove-delegate': removeDelegate,
    'rotate-key': rotateKey,
    'revoke-key': revokeKeyAction,
    'erase-patient': erasePatient,
  },
};
