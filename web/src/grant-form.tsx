// The patient's "give a consent" form: who (a practitioner or a whole
// organisation), what they may do, for which purposes and resource types,
// until when. Sealed and signed in the browser (lib/consent.ts) and posted
// to the custodian's checked route, which refuses a grant it cannot open or
// validate before anything is stored.
import { useState } from 'preact/hooks';
import { sealGrant, type Grantee } from './lib/consent.js';
import { api } from './lib/http.js';
import { session, token } from './lib/session.js';
import { network, signTx, submit } from './lib/tx.js';
import { ErrorBox, PURPOSE_TEXT, useAction } from './ui.js';

const ACTIONS: Array<[string, string]> = [['access', 'read'], ['collect', 'add'], ['correct', 'correct']];
const PURPOSES = ['TREAT', 'HPAYMT', 'HOPERAT', 'HRESCH'];

export function GrantForm({ pseudonym, onGranted }: { pseudonym: string; onGranted: (consentId: string) => Promise<void> }) {
  const [kind, setKind] = useState<'practitioner' | 'organization'>('practitioner');
  const [orgId, setOrgId] = useState('');
  const [memberId, setMemberId] = useState('');
  const [actions, setActions] = useState<string[]>(['access']);
  const [purposes, setPurposes] = useState<string[]>(['TREAT']);
  const [types, setTypes] = useState('');
  const [until, setUntil] = useState('');
  const toggle = (list: string[], v: string) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  const grant = useAction(async () => {
    const s = session();
    if (s === undefined) return;
    const t = await token();
    const patient = await api<{ custodian?: string | null }>(`/ledger/v1/patients/${pseudonym}`, { token: t });
    if (typeof patient.custodian !== 'string') throw new Error('You have no custodian organisation to keep the consent.');
    const org = await api<{ hpkePublicKey?: string }>(`/ledger/v1/orgs/${patient.custodian}`);
    const grantee: Grantee = kind === 'organization' ? { kind, orgId: orgId.trim() } : { kind, orgId: orgId.trim(), memberId: memberId.trim() };
    const resourceTypes = types.split(',').map((x) => x.trim()).filter(Boolean);
    const end = until === '' ? undefined : `${until}T00:00:00.000Z`;
    const net = await network();
    const args = await sealGrant(net, pseudonym, org.hpkePublicKey ?? '', grantee, { type: 'permit', actions, purposes, resourceTypes, end });
    const result = await submit(await signTx(s.key, net, 'consent', 'grant', args), `/ledger/v1/patients/${pseudonym}/consents`, t);
    await onGranted((result as unknown as { consentId: string }).consentId);
  });

  return (
    <form onSubmit={(e) => { e.preventDefault(); void grant.run(); }} aria-labelledby="h-grant">
      <h3 id="h-grant">Give a consent</h3>
      <fieldset>
        <legend>Who</legend>
        <label><input type="radio" name="grantee-kind" checked={kind === 'practitioner'} onChange={() => setKind('practitioner')} /> a practitioner</label>
        <label><input type="radio" name="grantee-kind" checked={kind === 'organization'} onChange={() => setKind('organization')} /> everyone at an organisation</label>
      </fieldset>
      <label for="grant-org">Organisation</label>
      <input id="grant-org" autoComplete="off" value={orgId} onInput={(e) => setOrgId(e.currentTarget.value)} required />
      {kind === 'practitioner' && (
        <>
          <label for="grant-member">Practitioner</label>
          <input id="grant-member" autoComplete="off" value={memberId} onInput={(e) => setMemberId(e.currentTarget.value)} required />
        </>
      )}
      <fieldset>
        <legend>May</legend>
        {ACTIONS.map(([code, text]) => (
          <label key={code}><input type="checkbox" checked={actions.includes(code)} onChange={() => setActions(toggle(actions, code))} /> {text}</label>
        ))}
      </fieldset>
      <fieldset>
        <legend>For</legend>
        {PURPOSES.map((p) => (
          <label key={p}><input type="checkbox" checked={purposes.includes(p)} onChange={() => setPurposes(toggle(purposes, p))} /> {PURPOSE_TEXT[p]}</label>
        ))}
      </fieldset>
      <label for="grant-types">Only these record types (comma-separated, empty for all)</label>
      <input id="grant-types" autoComplete="off" value={types} onInput={(e) => setTypes(e.currentTarget.value)} />
      <label for="grant-until">Until (optional)</label>
      <input id="grant-until" type="date" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
      <button type="submit" disabled={grant.busy || actions.length === 0}>Give consent</button>
      <ErrorBox error={grant.error} />
    </form>
  );
}
