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
  orgDelegationKey,
  getMember,
  getPatient,
  getDelegate,
  getKey,
  getOrgMemberIds,
  getPatientDelegateIds,
  getOrgDelegationRefs,
  membersOf,
  delegatesOf,
} from './records.js';
export { isOrgAdmin, isAdminOrPractitioner } from './authority.js';
export type { MemberRecord, PatientRecord, DelegateRecord, DelegateRef } from './records.js';
export { DELEGATE_POWERS, DEFAULT_POWERS, LEGAL_BASES, APPOINTING_ROLES, powersOf } from './delegation.js';
export type { DelegatePower, LegalBasis, AppointingRole, Appointer, Appointment } from './delegation.js';
export { delegationStatus, delegationGrants } from './status.js';
export type { DelegationStatus, EndReason } from './status.js';
export { delegationsOfPatient, appointmentsOfOrg, delegationView, delegateMay } from './delegation-queries.js';
export type { DelegationView } from './delegation-queries.js';
export { memberPrefix, delegateKeyMay, patientStatus, custodianOf, memberStatus, isActiveMember } from './keys.js';
export { listMembers, patientRecord, erasedAt, memberRecord } from './queries.js';
