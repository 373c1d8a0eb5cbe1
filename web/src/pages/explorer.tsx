// The ledger explorer: what the viewer may see under the ledger API's rules
// (anonymous: headers, checkpoints, proofs; a signed-in reader: more). Live
// blocks over server-sent events, the current checkpoint, the organisations,
// and "verify in your browser": a transaction's inclusion proof and the
// checkpoint's Ed25519 signature checked by this page's own code, each step
// shown with its result.
import { useEffect, useState } from 'preact/hooks';
import { api, apiText } from '../lib/http.js';
import { session, token } from '../lib/session.js';
import { verifyTransaction, type Step, type TxProofView } from '../lib/verify.js';
import { ErrorBox, formatDate, useAction } from '../ui.js';

type Json = Record<string, unknown>;
interface BlockEvent {
  height: number;
  hash: string;
  time: string;
  txCount?: number;
  txs?: unknown[];
}

export default function ExplorerPage() {
  const [blocks, setBlocks] = useState<BlockEvent[]>([]);
  const [checkpoint, setCheckpoint] = useState('');
  const [orgs, setOrgs] = useState<Json[]>([]);
  const [txId, setTxId] = useState(new URLSearchParams(location.hash.split('?')[1] ?? '').get('tx') ?? '');
  const [steps, setSteps] = useState<Step[] | undefined>(undefined);
  const [live, setLive] = useState('connecting');

  const load = useAction(async () => {
    const [cp, o, recent] = await Promise.all([
      apiText('/ledger/v1/checkpoint'),
      api<{ items: Json[] }>('/ledger/v1/orgs'),
      api<{ blocks: Array<Json & { header: Json }>; height: number }>('/ledger/v1/blocks?from=0&limit=1').then(async (b) =>
        api<{ blocks: Array<Json & { header: Json }> }>(`/ledger/v1/blocks?from=${Math.max(0, b.height - 9)}&limit=10`),
      ),
    ]);
    setCheckpoint(cp);
    setOrgs(o.items);
    setBlocks(recent.blocks.map((b) => ({ height: Number(b['height']), hash: String(b['hash']), time: String(b.header['time']), txCount: Number(b.header['txCount']) })).reverse());
  });

  useEffect(() => {
    void load.run();
    const es = new EventSource('/ledger/v1/events');
    es.onopen = () => setLive('live');
    es.onerror = () => setLive('reconnecting');
    es.addEventListener('block', (e) => {
      const b = JSON.parse((e as MessageEvent<string>).data) as BlockEvent;
      setBlocks((prev) => [b, ...prev.filter((p) => p.height !== b.height)].slice(0, 20));
      void apiText('/ledger/v1/checkpoint').then(setCheckpoint);
    });
    return () => es.close();
  }, []);

  const verify = useAction(async () => {
    setSteps(undefined);
    const id = txId.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error('A transaction id is 64 hex digits.');
    const t = session() === undefined ? undefined : await token();
    const view = await api<TxProofView>(`/ledger/v1/transactions/${id}`, { token: t });
    const all = await api<{ items: Json[] }>('/ledger/v1/orgs');
    const nodeKeys = all.items.flatMap((o) => (o['nodeKeys'] as string[] | undefined) ?? []);
    setSteps(await verifyTransaction(view, nodeKeys));
  });

  const passed = steps !== undefined && steps.length > 0 && steps.every((s) => s.ok);
  return (
    <div class="stack">
      <h1>Ledger explorer</h1>
      <section aria-labelledby="h-verify">
        <h2 id="h-verify">Verify in your browser</h2>
        <p>This page checks the transaction's RFC 9162 inclusion proof and the checkpoint's Ed25519 signature with its own code, not the node's.</p>
        <form onSubmit={(e) => { e.preventDefault(); void verify.run(); }}>
          <label for="txid">Transaction id</label>
          <input id="txid" class="mono" autoComplete="off" spellcheck={false} value={txId} onInput={(e) => setTxId(e.currentTarget.value)} required />
          <button type="submit" disabled={verify.busy}>Verify</button>
        </form>
        <ErrorBox error={verify.error} />
        {steps !== undefined && (
          <div class={`verdict ${passed ? 'pass' : 'fail'}`} role="status">
            <p><strong>{passed ? 'Verified: the transaction is in the log the node signed.' : `Verification failed at step “${steps.find((s) => !s.ok)?.name ?? ''}”.`}</strong></p>
            <ol class="steps">
              {steps.map((s, i) => <li key={i} class={s.ok ? 'ok' : 'bad'}><span>{s.ok ? '✓' : '✗'} {s.name}</span>: {s.detail}</li>)}
            </ol>
          </div>
        )}
      </section>
      <section aria-labelledby="h-blocks">
        <h2 id="h-blocks">Blocks <small>({live})</small></h2>
        <div class="scroll">
          <table>
            <thead><tr><th scope="col">Height</th><th scope="col">Time</th><th scope="col">Transactions</th><th scope="col">Hash</th></tr></thead>
            <tbody>
              {blocks.map((b) => (
                <tr key={b.height}><td>{b.height}</td><td>{formatDate(b.time)}</td><td>{b.txCount ?? b.txs?.length ?? ''}</td><td class="mono">{b.hash.slice(0, 16)}…</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="h-checkpoint">
        <h2 id="h-checkpoint">Current checkpoint</h2>
        <pre class="mono" tabIndex={0}>{checkpoint}</pre>
      </section>
      <section aria-labelledby="h-orgs">
        <h2 id="h-orgs">Organisations</h2>
        <ul>{orgs.map((o) => <li key={String(o['orgId'] ?? o['id'])}>{String(o['orgId'] ?? o['id'])} ({String(o['status'] ?? '')}): {((o['nodeKeys'] as string[] | undefined) ?? []).length} node key(s)</li>)}</ul>
      </section>
      <ErrorBox error={load.error} />
    </div>
  );
}
