import { lazy, Suspense, type ComponentType } from 'react';
import { signOut, usesToken, useSession } from './api/client';
import { ConnectionStatus } from './components/ConnectionStatus';
import { ErrorBoundary } from './components/ErrorBoundary';
import { PAGES, hashOf, useNav, type PageId } from './api/nav';
import { mayLeave } from './api/leaveGuard';
import { Loading } from './components/ui';

// The first bundle holds React and the shell (sidebar, session, connection): every page, the dashboard
// too, is its own chunk, and so are the parts of the shell that can paint a moment later (the toasts,
// the small-screen tab bar, the welcome banner, the sign-in form). A smaller first bundle: a faster
// first paint when served over the network (docs/bench.md, "Memory and start"). main.tsx starts
// fetching the page of the address before the first render, so a page does not wait for the shell.
const lazyNamed = <K extends string, P extends object = object>(load: () => Promise<Record<K, ComponentType<P>>>, name: K) => lazy(() => load().then((m) => ({ default: m[name] })));
const SignIn = lazyNamed(() => import('./components/SignIn'), 'SignIn');
const Toasts = lazyNamed(() => import('./components/Toasts'), 'Toasts');
const WelcomeBanner = lazyNamed(() => import('./pages/setup/WelcomeBanner'), 'WelcomeBanner');
const SmallScreenTabBar = lazyNamed(() => import('./components/TabBar'), 'SmallScreenTabBar');

/** Each page's chunk, resolving to its component. */
const PAGE_CHUNKS: Record<PageId, () => Promise<ComponentType>> = {
  dashboard: () => import('./pages/dashboard').then((m) => m.Dashboard),
  approvals: () => import('./pages/approvals').then((m) => m.Approvals),
  workflows: () => import('./pages/workflows').then((m) => m.Workflows),
  runs: () => import('./pages/runs').then((m) => m.Runs),
  contacts: () => import('./pages/crm').then((m) => m.Contacts),
  pipeline: () => import('./pages/pipeline').then((m) => m.Pipeline),
  tasks: () => import('./pages/tasks').then((m) => m.Tasks),
  escalations: () => import('./pages/escalations').then((m) => m.Escalations),
  sequences: () => import('./pages/sequences').then((m) => m.Sequences),
  growth: () => import('./pages/growth').then((m) => m.Growth),
  billing: () => import('./pages/billing').then((m) => m.Billing),
  products: () => import('./pages/products').then((m) => m.Products),
  finance: () => import('./pages/finance').then((m) => m.Finance),
  playbooks: () => import('./pages/playbooks').then((m) => m.Playbooks),
  documents: () => import('./pages/documents').then((m) => m.Documents),
  settings: () => import('./pages/settings').then((m) => m.Settings),
  setup: () => import('./pages/setup').then((m) => m.Setup),
};

const VIEWS = {} as Record<PageId, ComponentType>;
for (const id of Object.keys(PAGE_CHUNKS) as PageId[]) VIEWS[id] = lazy(() => PAGE_CHUNKS[id]().then((c) => ({ default: c })));

/** Start fetching a page's chunk (main.tsx, for the page of the address, before the first render). */
export function preloadPage(id: PageId): void {
  PAGE_CHUNKS[id]().catch(() => {
    // the render that needs it shows the error (ErrorBoundary)
  });
}

const ICONS: Record<PageId, string> = {
  dashboard: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z',
  approvals: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z',
  workflows: 'M4 5h6v4H4zm10 0h6v4h-6zM9 15h6v4H9zM7 9v3h10V9h-2v1H9V9zm4 3h2v3h-2z',
  runs: 'M8 5v14l11-7z',
  contacts: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-4 0-8 2-8 5v1h16v-1c0-3-4-5-8-5z',
  pipeline: 'M3 4h5v16H3zm6.5 0h5v11h-5zM16 4h5v7h-5z',
  sequences: 'M2 5h16v12H2zm2 2v.6l6 4 6-4V7l-6 4zM20 8h2v11H5v-1.5h15z',
  documents: 'M6 2h8l6 6v14H6zm7 1.5V9h5.5zM8.5 12v1.5h9V12zm0 3.5V17h9v-1.5zm0 3.5v1.5h6V19z',
  growth: 'M3 17.6 9 11.6l4 4 6.6-6.6H17V7h6v6h-2V10.4l-8 8-4-4-4.6 4.6z',
  playbooks: 'M4 3h12l4 4v14H4zm3 5v2h2V8zm4 0v2h6V8zm-4 4v2h2v-2zm4 0v2h6v-2zm-4 4v2h2v-2zm4 0v2h6v-2z',
  billing: 'M2 5h20v14H2zm2 2v2h16V7zm0 5v5h16v-5zm2 2h5v1.5H6z',
  products: 'M12 2 3 7v10l9 5 9-5V7zm0 2.3L18.6 8 12 11.7 5.4 8zM5 9.7l6 3.4v6.6l-6-3.3zm8 10v-6.6l6-3.4v6.7z',
  finance: 'M3 3h2v16h16v2H3zm4 12 4-5 3 3 5-7 1.6 1.2-6.4 8.9-3-3-3.6 4.5z',
  setup: '',
  escalations: '',
  tasks: 'M9 16.2 5.5 12.7l-1.4 1.4L9 19l10-10-1.4-1.4zM4 4h16v2H4z',
  settings: 'M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7 7 0 0 0-1.7-1L15 3h-4l-.4 2.9a7 7 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7 7 0 0 0 1.7 1L11 21h4l.4-2.9a7 7 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z',
};

export function App() {
  const status = useSession((s) => s.status);
  const page = useNav((s) => s.page);
  const go = useNav((s) => s.go);
  if (status === 'signin')
    return (
      <Suspense fallback={null}>
        <SignIn />
      </Suspense>
    );
  const View = VIEWS[page];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span>Baton</span>
        </div>
        <nav aria-label="Main">
          <ul>
            {PAGES.filter((p) => !('hidden' in p)).map((p) => (
              <li key={p.id}>
                <a
                  href={hashOf(p.id)}
                  aria-current={p.id === page ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    // A page with unsaved changes (the workflow editor) asks first.
                    if (!mayLeave(hashOf(p.id), (m) => window.confirm(m))) return;
                    // On the page already (maybe deep in it, #/runs?run=…): back to its start.
                    if (p.id === page) window.location.hash = hashOf(p.id);
                    else go(p.id);
                  }}
                >
                  <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
                    <path d={ICONS[p.id]} fill="currentColor" />
                  </svg>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <ConnectionStatus />
          {usesToken() ? (
            <button type="button" className="btn-link" onClick={() => signOut()}>
              Sign out
            </button>
          ) : null}
        </div>
      </aside>
      <main id="main" className="content" tabIndex={-1}>
        <ErrorBoundary key={page} what={`The ${PAGES.find((p) => p.id === page)?.label ?? ''} page`}>
          {page === 'dashboard' ? (
            <Suspense fallback={null}>
              <WelcomeBanner />
            </Suspense>
          ) : null}
          <Suspense fallback={<Loading label="Opening the page…" />}>
            <View />
          </Suspense>
        </ErrorBoundary>
      </main>
      <Suspense fallback={null}>
        <SmallScreenTabBar page={page} icons={ICONS} />
        <Toasts />
      </Suspense>
    </div>
  );
}
