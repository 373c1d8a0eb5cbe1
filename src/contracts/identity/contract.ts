// The identity contract: members, patients, delegates (appointed by the
// patient, or by an organisation with two people), key rotation and
// revocation, patient erasure (ARCHITECTURE sections 1.7 and 5).
import type { Contract } from '../../ledger/contract.js';
import { erasePatient } from './erase.js';
import { revokeKeyAction, rotateKey } from './key-actions.js';
import { deactivateMember, registerMember, setMemberRoles } from './members.js';
import { approveDelegate, proposeDelegate, rejectDelegate } from './appointments.js';
import { addDelegate, removeDelegate } from './delegates.js';
import { registerPatient } from './patients.js';
import { IDENTITY_CONTRACT } from './keys.js';

export { IDENTITY_CONTRACT };

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
    'propose-delegate': proposeDelegate,
    'approve-delegate': approveDelegate,
    'reject-delegate': rejectDelegate,
    'rotate-key': rotateKey,
    'revoke-key': revokeKeyAction,
    'erase-patient': erasePatient,
  },
};
