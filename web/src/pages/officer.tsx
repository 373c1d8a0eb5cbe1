// The privacy officer's page: the organisation's break-glass review queue
// (review as justified, or flag as unjustified, signed here with the node's
// attestation the queue carries; the note stays on this screen: free text is
// kept off the ledger) and access statistics per member and purpose from the
// queue, as a chart and a table.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { TimeChart } from '../chart.js';
import { api } from '../lib/http.js';
import { session, token } from '../lib/session.js';
import { network, signTx, submit } from '../lib/tx.js';
import { ErrorBox, formatDate, PURPOSE_TEXT, useAction } from '../ui.js';

type Json = Record<string, unknown>;

export default function OfficerPage() {
  const s = session();
  const org = s?.identity.kind === 'member' ? s.identity.orgId : '';
  const [items, setItems] = useState<Json[] | undefined>(undefined);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState('');

  const load = useAction(async () => {
    const q = await api<{ items: Json[] }>(`/ledger/v1/orgs/${org}/break-glass?status=all`, { token: await token() });
    setItems(q.items);
  });
  useEffect(() => void load.run(), []);

  const review = useAction(async (item: Json, outcome: 'justified' | 'unjustified') => {
    const s2 = session();
    if (s2 === undefined) return;
    await submit(await signTx(s2.key, await network(), 'access', 'review-break-glass', { ref: item['ref'], outcome, attestation: item['attestation'] }));
    setNotice(`Break-glass read of ${formatDate(item['at'])} marked ${outcome}.`);
    await load.run();
  });

  const stats = useMemo(() => {
    const per = new Map<string, number>();
    const days = new Map<number, number>();
    for (const i of items ?? []) {
      const a = (i['accessor'] ?? {}) as Json;
      const who = `${String(a['memberId'] ?? a['id'] ?? '?')}|${String(i['purpose'])}`;
      per.set(who, (per.get(who) ?? 0) + 1);
      const t = Math.floor(Date.parse(String(i['at'])) / 86_400_000) * 86_400;
      if (!Number.isNaN(t)) days.set(t, (days.get(t) ?? 0) + 1);
    }
    const times = [...days.keys()].sort((a, b) => a - b);
    return { rows: [...per.entries()].map(([k, n]) => ({ member: k.split('|')[0]!, purpose: k.split('|')[1]!, n })), times, values: times.map((t) => days.get(t)!) };
  }, [items]);

  if (s?.identity.kind !== 'member') return <p>Sign in as a privacy officer. <a href="#/">Sign in</a></p>;
  return (
    <div class="stack">
      <h1>Privacy officer</h1>
      {notice !== '' && <p role="status">{notice}</p>}
      <ErrorBox error={load.error} />
      <section aria-labelledby="h-queue">
        <h2 id="h-queue">Break-glass review queue</h2>
        {items === undefined ? <p role="status">Loading…</p> : items.length === 0 ? <p>No break-glass reads.</p> : (
          <ul class="plain queue">
            {items.map((i) => {
              const a = (i['accessor'] ?? {}) as Json;
              const ref = String(i['ref']);
              return (
                <li key={ref} class={`card ${String(i['status'])}`}>
                  <p><strong>{String(a['memberId'] ?? a['id'] ?? 'someone')}</strong>{a['orgId'] ? ` at ${String(a['orgId'])}` : ''} read the record of {String(i['patient'])} on {formatDate(i['at'])}</p>
                  <p>Reason: “{String(i['reason'])}” · {PURPOSE_TEXT[String(i['purpose'])] ?? String(i['purpose'])}</p>
                  <p>Status: <strong>{String(i['status'])}</strong>{i['outcome'] ? ` (${String(i['outcome'])} by ${String(i['reviewedBy'])})` : ''}{i['selfAccess'] ? ' · your own access: another officer reviews it' : ''}</p>
                  {i['attestation'] !== undefined && (
                    <div class="review">
                      <label for={`note-${ref}`}>Note (kept on this screen, never on the ledger)</label>
                      <input id={`note-${ref}`} value={notes[ref] ?? ''} onInput={(e) => setNotes({ ...notes, [ref]: e.currentTarget.value })} />
                      <button type="button" disabled={review.busy} onClick={() => void review.run(i, 'justified')}>Justified</button>
                      <button type="button" class="danger" disabled={review.busy} onClick={() => void review.run(i, 'unjustified')}>Flag as unjustified</button>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        <ErrorBox error={review.error} />
      </section>
      <section aria-labelledby="h-stats">
        <h2 id="h-stats">Break-glass reads per member and purpose</h2>
        {stats.times.length > 0 && <TimeChart label={`Break-glass reads per day, ${items?.length ?? 0} in all`} times={stats.times} series={[{ label: 'break-glass reads', values: stats.values, stroke: '#b91c1c' }]} />}
        <table>
          <thead><tr><th scope="col">Member</th><th scope="col">Purpose</th><th scope="col">Reads</th></tr></thead>
          <tbody>{stats.rows.map((r) => <tr key={`${r.member}|${r.purpose}`}><td>{r.member}</td><td>{PURPOSE_TEXT[r.purpose] ?? r.purpose}</td><td>{r.n}</td></tr>)}</tbody>
        </table>
      </section>
    </div>
  );
}
