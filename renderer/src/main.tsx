import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { boot, retryConnection } from './api/client';
import type { WebSocketCtor } from './api/httpTransport';
import type { BatonBridge } from './api/ipcTransport';
import { hashOf, isHashOf, pageFromHash, useNav } from './api/nav';
import { App } from './App';
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
// Back online, or back to the tab: try the event stream now instead of waiting for the backoff.
window.addEventListener('online', retryConnection);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') retryConnection();
});

// The page lives in the address (#/settings): follow back/forward and typed URLs, and write it on navigation.
const fromAddress = () => useNav.setState({ page: pageFromHash(window.location.hash) });
fromAddress();
window.addEventListener('hashchange', fromAddress);
useNav.subscribe(({ page }) => {
  if (pageFromHash(window.location.hash) !== page || !isHashOf(window.location.hash, page)) window.history.pushState(null, '', hashOf(page));
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
