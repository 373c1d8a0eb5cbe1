// Public face of the identity contract.
export { identityContract, IDENTITY_CONTRACT } from './contract.js';
export { ROLES, roleSchema, rolesSchema } from './roles.js';
export type { Role } from './roles.js';
export {
  MEMBER_ID_PATTERN,
  PSEUDONYM_PATTERN,
  DELEGATE_ID_PATTERN,
  pseudonymForTx,
  delegateIdForTx,
  memberIdSchema,
  pseudonymSchema,
  delegateIdSchema,
} from './ids.js';
export {
  IDENTITY_NAMESPACE,
  memberKey,
  patientKey,
  delegateKey,
  orgMembersKey,
  patientDelegatesKey,
  getMember,
  getPatient,
  getDelegate,
  getKey,
  getOrgMemberIds,
  getPatientDelegateIds,
  isDelegateActive,
} from './records.js';
export { isOrgAdmin, isAdminOrPractitioner } from './authority.js';
export type { MemberRecord, PatientRecord, DelegateRecord } from './records.js';
