// A consent as one sentence a patient reads: "dr-y at org1 may read and add
// Observations for treatment until 1 March 2027".
import { formatDay, PURPOSE_TEXT } from './ui.js';

type Json = Record<string, unknown>;
const ACTION_TEXT: Record<string, string> = { access: 'read', collect: 'add', correct: 'correct', disclose: 'share', use: 'use' };

function list(words: string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;
}

export function consentSentence(c: Json): string {
  const g = (c['grantee'] ?? {}) as Json;
  const p = (c['provision'] ?? {}) as Json;
  const who = g['kind'] === 'organization' ? `Everyone at ${String(g['orgId'])}` : `${String(g['memberId'])} at ${String(g['orgId'])}`;
  const actions = ((p['actions'] as string[] | undefined) ?? []).map((a) => ACTION_TEXT[a] ?? a);
  const types = (p['resourceTypes'] as string[] | undefined) ?? [];
  const purposes = ((p['purposes'] as string[] | undefined) ?? []).map((x) => PURPOSE_TEXT[x] ?? x);
  const verb = p['type'] === 'deny' ? 'may not' : 'may';
  const what = types.length === 0 ? 'all my records' : list(types.map((t) => `${t}s`));
  const why = purposes.length === 0 ? 'for any purpose' : `for ${list(purposes)}`;
  const period = (p['period'] ?? {}) as Json;
  const from = typeof period['start'] === 'string' ? ` from ${formatDay(period['start'])}` : '';
  const until = typeof period['end'] === 'string' ? ` until ${formatDay(period['end'])}` : '';
  return `${who} ${verb} ${actions.length === 0 ? 'use' : list(actions)} ${what} ${why}${from}${until}.`;
}
