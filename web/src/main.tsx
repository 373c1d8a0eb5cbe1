// The portal's shell: a hash router (#/, #/patient, #/clinician, #/officer,
// #/explorer) whose pages load as separate chunks, a header with the signed-in
// identity and sign-out, and a skip link. Sign-out drops the in-memory
// session and every page's state (pages are unmounted); keys stay in
// IndexedDB, nothing else was ever stored.
import { render, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onSession, session, signOut } from './lib/session.js';
import './style.css';

type Loader = () => Promise<{ default: ComponentType }>;
const PAGES: Record<string, { title: string; load: Loader }> = {
  '': { title: 'Sign in', load: () => import('./pages/signin.js') },
  patient: { title: 'My health record', load: () => import('./pages/patient.js') },
  clinician: { title: 'Clinician', load: () => import('./pages/clinician.js') },
  officer: { title: 'Privacy officer', load: () => import('./pages/officer.js') },
  explorer: { title: 'Ledger explorer', load: () => import('./pages/explorer.js') },
};

const routeOf = () => location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';

function useRoute(): string {
  const [route, setRoute] = useState(routeOf());
  useEffect(() => {
    const f = () => setRoute(routeOf());
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return route;
}

function useSessionVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => onSession(() => setV((n) => n + 1)), []);
  return v;
}

/** Pages that need a signed-in person; without a session (a reload) they send you to sign in. */
const SIGNED_IN = new Set(['patient', 'clinician', 'officer']);

function Page({ route }: { route: string }) {
  const [Comp, setComp] = useState<ComponentType | undefined>(undefined);
  const page = PAGES[route] ?? PAGES['']!;
  useEffect(() => {
    if (SIGNED_IN.has(route) && session() === undefined) {
      location.hash = '#/';
      return;
    }
    let live = true;
    setComp(undefined);
    document.title = `${page.title} · CareLedger`;
    void page.load().then((m) => live && setComp(() => m.default));
    return () => {
      live = false;
    };
  }, [route]);
  return Comp === undefined ? <p role="status">Loading…</p> : <Comp />;
}

function whoText(): string {
  const s = session();
  if (s === undefined) return '';
  return s.identity.kind === 'patient' ? `Patient ${s.identity.pseudonym}` : `${s.identity.memberId} at ${s.identity.orgId}`;
}

function App() {
  const route = useRoute();
  const version = useSessionVersion();
  const s = session();
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header>
        <nav aria-label="Main">
          <a href="#/" class="brand">CareLedger</a>
          {s?.identity.kind === 'patient' && <a href="#/patient">My record</a>}
          {s?.identity.kind === 'member' && <a href="#/clinician">Clinician</a>}
          {s?.identity.kind === 'member' && <a href="#/officer">Privacy officer</a>}
          <a href="#/explorer">Ledger explorer</a>
        </nav>
        {s !== undefined && (
          <div class="who">
            <span>{whoText()}</span>
            <button type="button" onClick={() => { signOut(); location.hash = '#/'; }}>Sign out</button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Page key={`${route}:${version}`} route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
