import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { boot, retryConnection } from './api/client';
import type { WebSocketCtor } from './api/httpTransport';
import type { BatonBridge } from './api/ipcTransport';
import { aliasOf, hashOf, hashShowsPage, pageFromHash, useNav } from './api/nav';
import { hashForTarget } from './api/navigate';
import { leaveGuard, mayLeave } from './api/leaveGuard';
import { App, preloadPage } from './App';
import './styles.css';

declare global {
  interface Window {
    /** Exposed by electron/preload in the desktop app; absent in a browser. */
    baton?: BatonBridge;
  }
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

boot({
  origin: window.location.origin,
  hash: window.location.hash,
  replaceHash: (hash) => window.history.replaceState(null, '', window.location.pathname + window.location.search + hash),
  storage: safeStorage(),
  WebSocket: window.WebSocket as unknown as WebSocketCtor,
  bridge: window.baton,
});
// The query cache comes with the first page that uses it (its own chunk, like the pages).
void import('./data/query').then((m) => m.startQueries());
// Back online, or back to the tab: try the event stream now instead of waiting for the backoff.
window.addEventListener('online', retryConnection);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') retryConnection();
});

// The desktop shell opens an item when a notification or the tray is clicked.
window.baton?.on('navigate', (target) => {
  const hash = hashForTarget(target);
  if (hash) window.location.hash = hash;
});

// The page lives in the address (#/settings): follow back/forward and typed URLs, and write it on navigation.
const fromAddress = () => {
  // An alias (#/workflows/templates) becomes the address it stands for before any page reads it.
  const alias = aliasOf(window.location.hash);
  if (alias) window.history.replaceState(null, '', window.location.pathname + window.location.search + alias);
  useNav.setState({ page: pageFromHash(window.location.hash) });
};
fromAddress();
preloadPage(useNav.getState().page);
// Back/forward or a typed address away from a view with unsaved changes asks first; "stay" puts the address back
// (registered before any page's listener, so the pages never see the refused address).
const refused = (e: Event): boolean => {
  const guard = leaveGuard();
  if (!guard || window.location.hash === guard.hash || mayLeave(window.location.hash, (m) => window.confirm(m))) return false;
  e.stopImmediatePropagation();
  window.history.pushState(null, '', window.location.pathname + window.location.search + guard.hash);
  return true;
};
window.addEventListener('popstate', refused);
window.addEventListener('hashchange', (e) => {
  if (!refused(e)) fromAddress();
});
useNav.subscribe(({ page }) => {
  // A query after the page (#/runs?run=…) is the page's own state: keep it.
  if (!hashShowsPage(window.location.hash, page)) window.history.pushState(null, '', hashOf(page));
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
