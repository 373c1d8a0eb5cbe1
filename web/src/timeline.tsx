// A patient's records as a readable timeline, newest first: what (code
// display), value, when, the resource type and its author when named. Text
// only (Preact text nodes): markup in a record shows as the characters it is.
import { useMemo } from 'preact/hooks';
import { authorText, conceptText, formatDate, resourceDate, valueText } from './ui.js';

type Json = Record<string, unknown>;

export function Timeline({ resources }: { resources: Json[] }) {
  const sorted = useMemo(() => [...resources].sort((a, b) => (resourceDate(a) < resourceDate(b) ? 1 : -1)), [resources]);
  if (sorted.length === 0) return <p>No records yet.</p>;
  return (
    <ol class="timeline">
      {sorted.map((r) => (
        <li key={`${String(r['resourceType'])}/${String(r['id'])}`}>
          <span class="when">{formatDate(resourceDate(r))}</span>
          <span class="what"><strong>{conceptText(r['code']) || String(r['resourceType'])}</strong> {valueText(r)}</span>
          <span class="meta">{String(r['resourceType'])}{authorText(r) ? ` · by ${authorText(r)}` : ''}</span>
        </li>
      ))}
    </ol>
  );
}

