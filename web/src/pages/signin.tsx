// Sign in: enrol with a one-time code (a new key made here, bound on the
// ledger by a rotation signed with the code's provisional key), use a key
// already in this browser, or import a PKCS#8 key file. Every signature is
// made here by WebCrypto; the private keys are non-extractable.
import { useEffect, useState } from 'preact/hooks';
import { parseEnrolmentCode, provisionalKey } from '../lib/enrol.js';
import { deleteKey, generateKey, importPkcs8, listKeys, pkcs8FromFile, saveKey, type Identity, type StoredKey } from '../lib/keys.js';
import { session, signIn } from '../lib/session.js';
import { network, signTx, submit } from '../lib/tx.js';
import { ErrorBox, useAction } from '../ui.js';

const identityText = (i: Identity) => (i.kind === 'patient' ? `patient ${i.pseudonym}` : `${i.memberId} at ${i.orgId}`);

function landingOf(): string {
  const s = session();
  if (s === undefined) return '#/';
  if (s.identity.kind === 'patient') return '#/patient';
  return s.roles.includes('privacy-officer') ? '#/officer' : '#/clinician';
}

async function signInWith(k: StoredKey): Promise<void> {
  await signIn(k.identity, { keyId: k.keyId, privateKey: k.privateKey });
  location.hash = landingOf();
}

export default function SignInPage() {
  const [keys, setKeys] = useState<StoredKey[] | undefined>(undefined);
  const [code, setCode] = useState('');
  const [kind, setKind] = useState<'patient' | 'member'>('patient');
  const [subject, setSubject] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [status, setStatus] = useState('');
  const reload = async () => setKeys(await listKeys());
  useEffect(() => void reload(), []);

  const enrol = useAction(async () => {
    const parsed = parseEnrolmentCode(code);
    if (parsed === undefined) throw new Error('That is not an enrolment code: it looks like org1/dr-x:XXXX-XXXX-… or pt-…:XXXX-XXXX-…');
    setStatus('Creating your key in this browser…');
    const provisional = await provisionalKey(parsed.secret);
    const own = await generateKey();
    const envelope = await signTx(provisional, await network(), 'identity', 'rotate-key', { oldKeyId: provisional.keyId, newKeyId: own.keyId });
    setStatus('Binding your key on the ledger…');
    await submit(envelope);
    const stored: StoredKey = { keyId: own.keyId, privateKey: own.privateKey, identity: parsed.identity, createdAt: new Date().toISOString() };
    await saveKey(stored);
    setStatus('Enrolled. Signing in…');
    await signInWith(stored);
  });

  const importKey = useAction(async () => {
    if (file === undefined) throw new Error('Choose a key file first.');
    const identity: Identity | undefined =
      kind === 'patient'
        ? /^pt-[0-9a-f]{32}$/.test(subject.trim()) ? { kind: 'patient', pseudonym: subject.trim() } : undefined
        : /^([a-z0-9][a-z0-9-]{1,62})\/([A-Za-z0-9][A-Za-z0-9._-]{0,127})$/.test(subject.trim())
          ? { kind: 'member', orgId: subject.trim().split('/')[0]!, memberId: subject.trim().split('/')[1]! }
          : undefined;
    if (identity === undefined) throw new Error(kind === 'patient' ? 'Enter your pseudonym (pt- and 32 hex digits).' : 'Enter organisation/member, e.g. org1/dr-x.');
    const pair = await importPkcs8(pkcs8FromFile(new Uint8Array(await file.arrayBuffer())));
    const stored: StoredKey = { ...pair, identity, createdAt: new Date().toISOString() };
    await saveKey(stored);
    await signInWith(stored);
  });

  const use = useAction(async (k: StoredKey) => signInWith(k));
  const forget = useAction(async (k: StoredKey) => {
    await deleteKey(k.keyId);
    await reload();
  });

  return (
    <div class="stack">
      <h1>Sign in to CareLedger</h1>
      <p>Your key is made and kept in this browser; it signs your sign-in and everything you do. It never leaves this device.</p>

      <section aria-labelledby="h-keys">
        <h2 id="h-keys">Keys in this browser</h2>
        {keys === undefined ? <p role="status">Reading keys…</p> : keys.length === 0 ? <p>No key yet: enrol with a code or import a key file.</p> : (
          <ul class="plain">
            {keys.map((k) => (
              <li key={k.keyId} class="row">
                <span>{identityText(k.identity)} <small class="mono">{k.keyId.slice(0, 20)}…</small></span>
                <button type="button" disabled={use.busy} onClick={() => void use.run(k)}>Sign in as {identityText(k.identity)}</button>
                <button type="button" class="secondary" onClick={() => void forget.run(k)} aria-label={`Forget the key of ${identityText(k.identity)}`}>Forget</button>
              </li>
            ))}
          </ul>
        )}
        <ErrorBox error={use.error ?? forget.error} />
      </section>

      <section aria-labelledby="h-enrol">
        <h2 id="h-enrol">Enrol with a code</h2>
        <form onSubmit={(e) => { e.preventDefault(); void enrol.run(); }}>
          <label for="code">Enrolment code from your organisation</label>
          <input id="code" name="code" autoComplete="off" spellcheck={false} value={code} onInput={(e) => setCode(e.currentTarget.value)} required />
          <button type="submit" disabled={enrol.busy}>Enrol and sign in</button>
        </form>
        {status !== '' && <p role="status">{status}</p>}
        <ErrorBox error={enrol.error} />
      </section>

      <section aria-labelledby="h-import">
        <h2 id="h-import">Import a key file</h2>
        <form onSubmit={(e) => { e.preventDefault(); void importKey.run(); }}>
          <fieldset>
            <legend>I am</legend>
            <label><input type="radio" name="kind" checked={kind === 'patient'} onChange={() => setKind('patient')} /> a patient</label>
            <label><input type="radio" name="kind" checked={kind === 'member'} onChange={() => setKind('member')} /> a member of an organisation</label>
          </fieldset>
          <label for="subject">{kind === 'patient' ? 'My pseudonym' : 'Organisation/member (e.g. org1/dr-x)'}</label>
          <input id="subject" autoComplete="off" spellcheck={false} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} required />
          <label for="keyfile">PKCS#8 key file (.pem)</label>
          <input id="keyfile" type="file" accept=".pem,.der,.key" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
          <button type="submit" disabled={importKey.busy}>Import and sign in</button>
        </form>
        <ErrorBox error={importKey.error} />
      </section>
      <p><a href="#/explorer">Explore the ledger without signing in</a></p>
    </div>
  );
}
