// The clinician's page: find a patient (those the consents let me see, or a
// pseudonym typed in), the record with each refusal explained (the node's
// access explanation: which consent denied it, or that no grant permits),
// a new Observation with the OperationOutcome's errors shown beside the
// field its FHIRPath names, and break-glass with a mandatory reason and the
// warning that it is reviewed.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, issueText } from '../lib/http.js';
import { session, token } from '../lib/session.js';
import { Timeline } from '../timeline.js';
import { ErrorBox, useAction } from '../ui.js';

type Json = Record<string, unknown>;
const PSEUDONYM = /^pt-[0-9a-f]{32}$/;

interface Explanation {
  decision: string;
  reason: string;
  text: string;
}

/** The form field an OperationOutcome expression points at. */
function fieldOf(expression: string): string {
  if (/valueQuantity\.unit/.test(expression)) return 'unit';
  if (/value/.test(expression)) return 'value';
  if (/code/.test(expression)) return 'code';
  if (/status/.test(expression)) return 'status';
  if (/effective/.test(expression)) return 'date';
  return 'form';
}

export default function ClinicianPage() {
  const s = session();
  const [patients, setPatients] = useState<string[]>([]);
  const [pseudonym, setPseudonym] = useState('');
  const [record, setRecord] = useState<Json[] | undefined>(undefined);
  const [explanation, setExplanation] = useState<Explanation | undefined>(undefined);
  const [reason, setReason] = useState('');
  const [glass, setGlass] = useState(false);
  const [form, setForm] = useState({ code: '', value: '', unit: '', status: 'final', date: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState('');

  const list = useAction(async () => {
    const b = await api<Json>('/fhir/R4/Patient?_count=50', { token: await token() });
    setPatients(((b['entry'] as Json[] | undefined) ?? []).map((e) => String((e['resource'] as Json)['id'])));
  });
  useEffect(() => void list.run(), []);

  const open = useAction(async (breakGlass: boolean) => {
    const p = pseudonym.trim();
    if (!PSEUDONYM.test(p)) throw new Error('A pseudonym is pt- followed by 32 hex digits.');
    setRecord(undefined);
    setExplanation(undefined);
    const headers: Record<string, string> = breakGlass ? { 'x-purpose-of-use': 'ETREAT', 'x-break-glass-reason': reason.trim() } : {};
    const t = await token();
    try {
      const b = await api<Json>(`/fhir/R4/Patient/${p}/$everything?_count=1000`, { token: t, headers });
      const resources = ((b['entry'] as Json[] | undefined) ?? []).map((e) => e['resource'] as Json).filter((r) => r['resourceType'] !== 'Patient');
      const visible = ((b['entry'] as Json[] | undefined) ?? []).length > 0;
      setRecord(resources);
      if (!visible && !breakGlass) setExplanation(await api<Explanation>(`/ledger/v1/patients/${p}/access-explanation?resourceType=Observation&purpose=TREAT`, { token: t }));
    } catch (e) {
      if (breakGlass || !(e instanceof ApiError) || (e.status !== 404 && e.status !== 403)) throw e;
      setExplanation(await api<Explanation>(`/ledger/v1/patients/${p}/access-explanation?resourceType=Observation&purpose=TREAT`, { token: t }));
    }
    if (breakGlass) setNotice('You broke the glass. This read is recorded with your reason and will be reviewed by the privacy officer.');
  });

  const create = useAction(async () => {
    setFieldErrors({});
    const p = pseudonym.trim();
    const value = Number(form.value);
    const resource: Json = {
      resourceType: 'Observation',
      status: form.status,
      code: { text: form.code },
      subject: { reference: `Patient/${p}` },
      ...(form.date === '' ? {} : { effectiveDateTime: form.date }),
      ...(form.value === '' ? {} : { valueQuantity: { value: Number.isFinite(value) ? value : form.value, ...(form.unit === '' ? {} : { unit: form.unit }) } }),
    };
    try {
      await api<Json>('/fhir/R4/Observation', { token: await token(), body: resource, contentType: 'application/fhir+json' });
    } catch (e) {
      if (e instanceof ApiError && e.issues.length > 0) {
        const errs: Record<string, string> = {};
        for (const i of e.issues) for (const x of i.expression ?? ['form']) errs[fieldOf(x)] = `${issueText(i)}${x === 'form' ? '' : ` (${x})`}`;
        setFieldErrors(errs);
        return;
      }
      throw e;
    }
    setNotice('Observation saved.');
    await open.run(false);
  });

  if (s?.identity.kind !== 'member') return <p>Sign in as a practitioner. <a href="#/">Sign in</a></p>;
  const err = (k: string) => (fieldErrors[k] === undefined ? null : <span class="field-error" id={`err-${k}`}>{fieldErrors[k]}</span>);
  const described = (k: string) => (fieldErrors[k] === undefined ? {} : { 'aria-describedby': `err-${k}`, 'aria-invalid': true });
  const reasonWords = reason.trim().split(/\s+/).filter(Boolean).length;
  return (
    <div class="stack">
      <h1>Clinician</h1>
      {notice !== '' && <p role="status">{notice}</p>}
      <section aria-labelledby="h-find">
        <h2 id="h-find">Find a patient</h2>
        {patients.length > 0 && (
          <ul class="plain">
            {patients.map((p) => <li key={p}><button type="button" class="link" onClick={() => setPseudonym(p)}>{p}</button></li>)}
          </ul>
        )}
        <form onSubmit={(e) => { e.preventDefault(); void open.run(false); }}>
          <label for="pseudonym">Patient pseudonym</label>
          <input id="pseudonym" autoComplete="off" spellcheck={false} value={pseudonym} onInput={(e) => setPseudonym(e.currentTarget.value)} required />
          <button type="submit" disabled={open.busy}>Open record</button>
        </form>
        <ErrorBox error={open.error ?? list.error} />
      </section>

      {explanation !== undefined && (
        <section aria-labelledby="h-refused" class="refused" role="alert">
          <h2 id="h-refused">Access refused</h2>
          <p class="explanation">{explanation.text}</p>
          <p><small>Reason code: {explanation.reason}</small></p>
        </section>
      )}

      {record !== undefined && (
        <section aria-labelledby="h-record">
          <h2 id="h-record">Record</h2>
          <Timeline resources={record} />
        </section>
      )}

      <section aria-labelledby="h-new">
        <h2 id="h-new">New Observation</h2>
        <form onSubmit={(e) => { e.preventDefault(); void create.run(); }} noValidate>
          {err('form')}
          <label for="obs-code">What was observed</label>
          <input id="obs-code" value={form.code} onInput={(e) => setForm({ ...form, code: e.currentTarget.value })} {...described('code')} />
          {err('code')}
          <label for="obs-value">Value</label>
          <input id="obs-value" inputMode="decimal" value={form.value} onInput={(e) => setForm({ ...form, value: e.currentTarget.value })} {...described('value')} />
          {err('value')}
          <label for="obs-unit">Unit</label>
          <input id="obs-unit" value={form.unit} onInput={(e) => setForm({ ...form, unit: e.currentTarget.value })} {...described('unit')} />
          {err('unit')}
          <label for="obs-status">Status</label>
          <select id="obs-status" value={form.status} onChange={(e) => setForm({ ...form, status: e.currentTarget.value })} {...described('status')}>
            <option value="final">final</option>
            <option value="preliminary">preliminary</option>
            <option value="amended">amended</option>
          </select>
          {err('status')}
          <label for="obs-date">When (ISO date-time, optional)</label>
          <input id="obs-date" value={form.date} onInput={(e) => setForm({ ...form, date: e.currentTarget.value })} {...described('date')} />
          {err('date')}
          <button type="submit" disabled={create.busy}>Save Observation</button>
        </form>
        <ErrorBox error={create.error} />
      </section>

      <section aria-labelledby="h-glass" class="danger">
        <h2 id="h-glass">Break the glass</h2>
        <p class="warning">Emergency access overrides the patient's consent. It is recorded with your reason, shown to the patient and reviewed by the privacy officer.</p>
        {!glass ? <button type="button" class="danger" onClick={() => setGlass(true)}>Break the glass…</button> : (
          <form onSubmit={(e) => { e.preventDefault(); void open.run(true); }}>
            <label for="glass-reason">Reason (at least three words)</label>
            <textarea id="glass-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} required />
            <button type="submit" class="danger" disabled={open.busy || reasonWords < 3 || !PSEUDONYM.test(pseudonym.trim())}>Read the record in an emergency</button>
          </form>
        )}
      </section>
    </div>
  );
}
