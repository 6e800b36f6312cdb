/**
 * The site snippet, served at /t/s.js (docs/tracking.md, "The site snippet").
 * Pasted into the operator's pages as
 *   <script async src="https://baton.example.com/t/s.js" data-key="pk_…"></script>
 * it records a page visit, and each form that comes into view, for a visitor
 * Baton knows: one who came through a tracked e-mail link, which carries the
 * visitor id `bt`. Without an id it sends nothing (anonymous visits are not
 * recorded at all). It sets no cookie; it keeps the id for the tab in
 * sessionStorage, and in localStorage only when the setting
 * tracking.siteStorage allows (on, or after the page calls baton.consent(true)).
 * It posts text/plain JSON without credentials, so browsers send no preflight
 * and no cookies.
 */
import type { SiteStorage } from '../../../shared/contract/tracking';

const SOURCE = `(function () {
  'use strict';
  var STORAGE = __STORAGE__;
  var script = document.currentScript;
  if (!script || !script.src || !window.fetch || !window.URL) return;
  var key = script.getAttribute('data-key');
  var endpoint = script.src.replace(/\\/t\\/s\\.js(?:[?#].*)?$/, '/t/e');
  if (!key) return;
  var NAME = 'baton.bt';
  var consent = STORAGE === 'on' || window.batonConsent === true;
  function get(store) { try { return window[store].getItem(NAME); } catch (e) { return null; } }
  function put(store, v) { try { window[store].setItem(NAME, v); } catch (e) { /* storage blocked */ } }
  function drop(store) { try { window[store].removeItem(NAME); } catch (e) { /* storage blocked */ } }
  var here = new URL(location.href);
  var fromLink = here.searchParams.get('bt');
  if (fromLink) {
    put('sessionStorage', fromLink);
    here.searchParams.delete('bt');
    try { history.replaceState(history.state, '', here.pathname + here.search + here.hash); } catch (e) { /* not allowed */ }
  }
  function remember() { var id = get('sessionStorage'); if (id && STORAGE !== 'off' && consent) put('localStorage', id); }
  remember();
  function visitor() { return get('sessionStorage') || (STORAGE !== 'off' && consent ? get('localStorage') : null); }
  var pageSent = false;
  function send(type, extra) {
    var id = visitor();
    if (!id) return false;
    var body = { k: key, bt: id, type: type, url: here.origin + here.pathname + here.search, title: document.title.slice(0, 300), ref: document.referrer.slice(0, 2000) };
    for (var k in extra) body[k] = extra[k];
    fetch(endpoint, { method: 'POST', mode: 'cors', credentials: 'omit', keepalive: true, headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) }).catch(function () { /* offline */ });
    return true;
  }
  var seen = {};
  function watchForms() {
    if (!('IntersectionObserver' in window)) return;
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (!e.isIntersecting) return;
        var f = e.target;
        io.unobserve(f);
        var name = (f.getAttribute('data-baton-form') || f.id || f.getAttribute('name') || f.getAttribute('action') || 'form').slice(0, 200);
        if (seen[name]) return;
        seen[name] = true;
        send('form', { form: name });
      });
    }, { threshold: 0.5 });
    Array.prototype.forEach.call(document.querySelectorAll('form'), function (f) { io.observe(f); });
  }
  window.baton = window.baton || {};
  window.baton.consent = function (yes) {
    consent = STORAGE === 'on' || yes === true;
    if (consent) { remember(); if (!pageSent) pageSent = send('page', {}); } else if (STORAGE !== 'on') drop('localStorage');
  };
  function start() { pageSent = send('page', {}); watchForms(); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
`;

/** The script as served, with the storage setting in it. */
export function snippetSource(storage: SiteStorage): string {
  return SOURCE.replace('__STORAGE__', JSON.stringify(storage));
}

/** The tag to paste into the site's pages. */
export function snippetTag(base: string, siteKey: string): string {
  return `<script async src="${base}/t/s.js" data-key="${siteKey}"></script>`;
}
