// The patient's page: my records (a readable timeline), my consents as
// sentences with revoke signed here, who saw my data (table and chart, break-
// glass highlighted with reason and review status), my delegates, export (a
// FHIR Bundle download) and erasure behind an explicit confirmation. Data
// lives in component state only: gone on sign-out or reload.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { TimeChart } from '../chart.js';
import { consentSentence } from '../consent-text.js';
import { verifyAccessChain, type AccessChainReport } from '../lib/access-chain.js';
import { api } from '../lib/http.js';
import { session, signOut, token } from '../lib/session.js';
import { network, signTx, submit } from '../lib/tx.js';
import { verifyTransaction, type Step, type TxProofView } from '../lib/verify.js';
import { GrantForm } from '../grant-form.js';
import { Timeline } from '../timeline.js';
import { ErrorBox, formatDate, PURPOSE_TEXT, useAction } from '../ui.js';

type Json = Record<string, unknown>;

function download(name: string, body: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: 'application/fhir+json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export default function PatientPage() {
  const s = session();
  const pseudonym = s?.identity.kind === 'patient' ? s.identity.pseudonym : undefined;
  const [records, setRecords] = useState<Json[] | undefined>(undefined);
  const [consents, setConsents] = useState<Json[] | undefined>(undefined);
  const [disclosures, setDisclosures] = useState<Json[] | undefined>(undefined);
  const [delegates, setDelegates] = useState<Json[] | undefined>(undefined);
  const [chain, setChain] = useState<AccessChainReport | undefined>(undefined);
  const [chainSteps, setChainSteps] = useState<Step[] | undefined>(undefined);
  const [confirm, setConfirm] = useState('');
  const [notice, setNotice] = useState('');

  const base = `/ledger/v1/patients/${pseudonym ?? ''}`;
  // Each part shows as soon as it arrives: the timeline does not wait for the disclosures.
  const load = useAction(async () => {
    if (pseudonym === undefined) return;
    const t = await token();
    await Promise.all([
      api<Json>(`/fhir/R4/Patient/${pseudonym}/$everything?_count=1000`, { token: t }).then((everything) =>
        setRecords(((everything['entry'] as Json[] | undefined) ?? []).map((e) => e['resource'] as Json).filter((r) => r['resourceType'] !== 'Patient')),
      ),
      api<{ consents: Json[] }>(`${base}/consents`, { token: t }).then((c) => setConsents(c.consents)),
      api<{ disclosures: Json[]; accessChain: AccessChainReport }>(`${base}/disclosures`, { token: t }).then((d) => {
        setDisclosures(d.disclosures);
        setChain(d.accessChain);
      }),
      api<{ delegations?: Json[] }>(`${base}/delegations`, { token: t }).then(
        (g) => setDelegates(g.delegations ?? []),
        () => setDelegates([]),
      ),
    ]);
  });
  useEffect(() => void load.run(), []);

  const revoke = useAction(async (consentId: string) => {
    const s2 = session();
    if (s2 === undefined || pseudonym === undefined) return;
    await submit(await signTx(s2.key, await network(), 'consent', 'revoke', { patient: pseudonym, consentId }));
    setNotice(`Consent ${consentId} is revoked.`);
    await load.run();
  });

  // The access log's chain, then the anchoring transaction's inclusion in the signed log.
  const checkLog = useAction(async () => {
    if (chain === undefined) return;
    setChainSteps(undefined);
    const steps = await verifyAccessChain(chain);
    if (steps.every((st) => st.ok) && chain.anchor !== null) {
      const view = await api<TxProofView>(`/ledger/v1/transactions/${chain.anchor.txId}`);
      const orgs = await api<{ items: Json[] }>('/ledger/v1/orgs');
      const proof = await verifyTransaction(view, orgs.items.flatMap((o) => (o['nodeKeys'] as string[] | undefined) ?? []));
      steps.push(...proof.map((st) => ({ ...st, name: `anchor ${st.name}` })));
    }
    setChainSteps(steps);
  });

  const exportAll = useAction(async () => {
    const bundle = await api<Json>(`/fhir/R4/Patient/${pseudonym ?? ''}/$everything?_count=1000`, { token: await token() });
    download(`careledger-${pseudonym ?? 'export'}.json`, bundle);
  });

  const erase = useAction(async () => {
    const s2 = session();
    if (s2 === undefined || pseudonym === undefined || confirm !== 'ERASE') throw new Error('Type ERASE to confirm.');
    const envelope = await signTx(s2.key, await network(), 'identity', 'erase-patient', { pseudonym });
    await api(`${base}/erasure`, { body: envelope, token: await token() });
    signOut();
    location.hash = '#/';
  });

  const chart = useMemo(() => {
    const rows = disclosures ?? [];
    const days = new Map<number, { normal: number; glass: number }>();
    for (const r of rows) {
      const t = Date.parse(String(r['date']));
      if (Number.isNaN(t)) continue;
      const day = Math.floor(t / 86_400_000) * 86_400;
      const d = days.get(day) ?? { normal: 0, glass: 0 };
      if (r['breakGlass'] !== null && r['breakGlass'] !== undefined) d.glass++;
      else d.normal++;
      days.set(day, d);
    }
    const times = [...days.keys()].sort((a, b) => a - b);
    return {
      times,
      series: [
        { label: 'reads', values: times.map((t) => days.get(t)!.normal), stroke: '#1d4ed8' },
        { label: 'break-glass', values: times.map((t) => days.get(t)!.glass), stroke: '#b91c1c' },
      ],
    };
  }, [disclosures]);

  if (pseudonym === undefined) return <p>Sign in as a patient to see your record. <a href="#/">Sign in</a></p>;
  return (
    <div class="stack">
      <h1>My health record</h1>
      <ErrorBox error={load.error} />
      {notice !== '' && <p role="status">{notice}</p>}

      <section aria-labelledby="h-records">
        <h2 id="h-records">My records</h2>
        {records === undefined ? <p role="status">Loading records…</p> : <Timeline resources={records} />}
      </section>

      <section aria-labelledby="h-consents">
        <h2 id="h-consents">My consents</h2>
        {consents === undefined ? <p role="status">Loading consents…</p> : consents.length === 0 ? <p>You have given no consent.</p> : (
          <ul class="plain">
            {consents.map((c) => (
              <li key={String(c['consentId'])} class={`row consent ${String(c['status'])}`}>
                <span>
                  {c['readable'] === false ? 'A consent this organisation cannot read (every decision denies until you revoke it).' : consentSentence(c)}
                  <small> {String(c['status'])}{c['status'] === 'revoked' && c['revokedAt'] ? ` ${formatDate(c['revokedAt'])}` : ''} · {String(c['consentId'])}</small>
                </span>
                {c['status'] === 'active' && (
                  <button type="button" disabled={revoke.busy} onClick={() => void revoke.run(String(c['consentId']))}>
                    Revoke<span class="sr"> consent {String(c['consentId'])}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        <ErrorBox error={revoke.error} />
        <GrantForm pseudonym={pseudonym} onGranted={async (id) => { setNotice(`Consent ${id} is given.`); await load.run(); }} />
      </section>

      <section aria-labelledby="h-disclosures">
        <h2 id="h-disclosures">Who saw my data</h2>
        {disclosures === undefined ? <p role="status">Loading…</p> : disclosures.length === 0 ? <p>Nobody has read your records yet.</p> : (
          <>
            <TimeChart label={`Reads of your records per day: ${disclosures.length} in all, ${disclosures.filter((d) => d['breakGlass']).length} break-glass`} times={chart.times} series={chart.series} />
            <div class="scroll">
              <table>
                <caption class="sr">Accounting of disclosures</caption>
                <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Why</th></tr></thead>
                <tbody>
                  {disclosures.map((d) => (
                    <tr key={String(d['eventId'])} class={d['breakGlass'] ? 'glass' : ''}>
                      <td>{formatDate(d['date'])}</td>
                      <td>{String(d['recipient'] ?? '')}{d['recipientOrg'] ? ` (${String(d['recipientOrg'])})` : ''}</td>
                      <td>{String(d['description'] ?? '')}</td>
                      <td>
                        {PURPOSE_TEXT[String(d['purpose'])] ?? String(d['purpose'])}
                        {d['breakGlass'] ? <><br /><strong>Break-glass:</strong> “{String(d['breakGlass'])}”{d['anchored'] === false ? ' (not yet anchored)' : ''}</> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <button type="button" class="secondary" disabled={checkLog.busy || chain === undefined} onClick={() => void checkLog.run()}>Check my access log in this browser</button>
            <ErrorBox error={checkLog.error} />
            {chainSteps !== undefined && (
              <div class={`verdict ${chainSteps.every((st) => st.ok) ? 'pass' : 'fail'}`} role="status">
                <p><strong>{chainSteps.every((st) => st.ok) ? 'Your access log is complete and anchored in the ledger.' : `The check failed at “${chainSteps.find((st) => !st.ok)?.name ?? ''}”.`}</strong></p>
                <ol class="steps">{chainSteps.map((st, i) => <li key={i} class={st.ok ? 'ok' : 'bad'}><span>{st.ok ? '✓' : '✗'} {st.name}</span>: {st.detail}</li>)}</ol>
              </div>
            )}
          </>
        )}
      </section>

      <section aria-labelledby="h-delegates">
        <h2 id="h-delegates">My delegates</h2>
        {delegates === undefined ? <p role="status">Loading…</p> : delegates.length === 0 ? <p>Nobody acts for you.</p> : (
          <ul>
            {delegates.map((d, i) => (
              <li key={i}>{String(d['display'] ?? d['delegateId'] ?? 'a delegate')}: {((d['powers'] as string[] | undefined) ?? []).join(', ')} ({String(d['status'] ?? '')})</li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="h-export">
        <h2 id="h-export">Export my data</h2>
        <button type="button" disabled={exportAll.busy} onClick={() => void exportAll.run()}>Download my records (FHIR Bundle)</button>
        <ErrorBox error={exportAll.error} />
      </section>

      <section aria-labelledby="h-erase" class="danger">
        <h2 id="h-erase">Erase my data</h2>
        <p>Erasure destroys the keys of your records at this organisation for good; the ledger keeps only commitments nobody can link to you. It cannot be undone.</p>
        <form onSubmit={(e) => { e.preventDefault(); void erase.run(); }}>
          <label for="erase-confirm">Type ERASE to confirm</label>
          <input id="erase-confirm" autoComplete="off" value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
          <button type="submit" class="danger" disabled={erase.busy || confirm !== 'ERASE'}>Erase all my data</button>
        </form>
        <ErrorBox error={erase.error} />
      </section>
    </div>
  );
}
