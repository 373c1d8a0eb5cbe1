// The benchmark workload: a realistic mix of pre-signed transactions in
// dependent phases: the org admin registers practitioners, practitioners
// enrol patients, then patients add delegates and rotate their keys.
import { generateSigningKey, type SigningKey } from '../src/crypto/index.js';
import { parseEnvelope, signTx, txIdOf, type ParsedEnvelope } from '../src/ledger/index.js';
import { pseudonymForTx } from '../src/contracts/identity/index.js';

export interface Phase {
  name: string;
  txs: ParsedEnvelope[];
}

/** `memberPrefix` names the practitioners (`<prefix>-<i>`): a second workload on the same ledger needs another one. */
export function buildWorkload(network: string, admin: SigningKey, total: number, members = 100, memberPrefix = 'dr'): Phase[] {
  const sign = (contract: string, action: string, args: Record<string, unknown>, key: SigningKey) =>
    parseEnvelope(signTx({ network, contract, action, args }, key));
  const practitioners = Array.from({ length: members }, () => generateSigningKey());
  const phaseA = practitioners.map((k, i) =>
    sign('identity', 'register-member', { memberId: `${memberPrefix}-${i}`, roles: ['practitioner'], keys: [k.keyId] }, admin),
  );
  const rest = Math.max(total - members, 2);
  const patientCount = Math.ceil(rest / 2);
  const patients: Array<{ key: SigningKey; pseudonym: string }> = [];
  const phaseB = Array.from({ length: patientCount }, (_, i) => {
    const key = generateSigningKey();
    const env = sign('identity', 'register-patient', { keys: [key.keyId] }, practitioners[i % members]!);
    patients.push({ key, pseudonym: pseudonymForTx(txIdOf(env.envelope.tx)) });
    return env;
  });
  const phaseC: ParsedEnvelope[] = [];
  const delegates = Math.floor((rest - patientCount) * 0.6);
  for (let i = 0; i < rest - patientCount; i++) {
    const p = patients[i % patientCount]!;
    if (i < delegates) {
      phaseC.push(sign('identity', 'add-delegate', { pseudonym: p.pseudonym, relationship: 'proxy', keys: [generateSigningKey().keyId] }, p.key));
    } else {
      phaseC.push(sign('identity', 'rotate-key', { oldKeyId: p.key.keyId, newKeyId: generateSigningKey().keyId }, p.key));
    }
  }
  return [
    { name: 'register-member', txs: phaseA },
    { name: 'register-patient', txs: phaseB },
    { name: 'delegates-and-rotations', txs: phaseC },
  ];
}
