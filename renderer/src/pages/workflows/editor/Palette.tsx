/**
 * Every node type of the registry (nodes.catalog, domain nodes included),
 * grouped by domain and searchable. Drag one onto the canvas, or press its Add
 * button: the node goes below the selected node and is connected from it (its
 * next free branch), so a flow can be built from the keyboard alone.
 */
import { useDeferredValue, useId, useMemo, useState } from 'react';
import type { NodeTypeInfo } from '../../../../../shared/api';
import { DRAG_TYPE } from './Canvas';
import { addNode, connect, placeBelow } from './model';
import { branchesOf, useEditor, useEditorStore } from './store';

const DOMAIN_LABEL: Record<string, string> = { engine: 'Flow and data', crm: 'CRM', sales: 'Sales and e-mail', ai: 'AI', wordpress: 'WordPress' };
const domainLabel = (d: string) => DOMAIN_LABEL[d] ?? d.charAt(0).toUpperCase() + d.slice(1);

export function Palette() {
  const store = useEditorStore();
  const catalog = useEditor((s) => s.catalog);
  const [query, setQuery] = useState('');
  const q = useDeferredValue(query.trim().toLowerCase());
  const searchId = useId();
  const groups = useMemo(() => {
    const hit = (n: NodeTypeInfo) => !q || n.type.toLowerCase().includes(q) || n.description.toLowerCase().includes(q) || domainLabel(n.domain).toLowerCase().includes(q);
    const by = new Map<string, NodeTypeInfo[]>();
    for (const n of catalog.values()) if (hit(n)) by.set(n.domain, [...(by.get(n.domain) ?? []), n]);
    return [...by.entries()].sort(([a], [b]) => (a === 'engine' ? -1 : b === 'engine' ? 1 : a.localeCompare(b)));
  }, [catalog, q]);
  const total = groups.reduce((n, [, l]) => n + l.length, 0);

  const add = (type: string) => {
    const s = store.getState();
    const d = s.history.present;
    const sel = s.selection;
    const from = sel.kind === 'nodes' && sel.ids.length === 1 ? d.nodes.find((n) => n.id === sel.ids[0]) : undefined;
    const r = addNode(d, type, s.catalog.get(type), placeBelow(d, from?.position ?? null));
    let next = r.draft;
    let how = '';
    if (from) {
      const branches = branchesOf(s, from.id);
      const used = new Set(d.edges.filter((e) => e.from === from.id).map((e) => e.branch ?? ''));
      const branch = branches === null ? null : branches.length === 0 ? (used.has('') ? null : '') : (branches.find((b) => !used.has(b)) ?? null);
      if (branch !== null) {
        const c = connect(next, { from: from.id, to: r.id, ...(branch ? { branch } : {}) }, (id) => (id === from.id ? branches : []));
        if (c.result.ok) {
          next = c.draft;
          how = `, connected from ${from.id}${branch ? ` (${branch})` : ''}`;
        }
      }
    }
    s.commit(next);
    s.select({ kind: 'nodes', ids: [r.id] });
    s.notify('ok', `Added ${r.id} (${type})${how}.`);
  };

  return (
    <nav className="ed-palette" aria-label="Node types">
      <h2 className="ed-side-title">Add a step</h2>
      <label htmlFor={searchId} className="sr-only">
        Find a node type
      </label>
      <input id={searchId} type="search" placeholder="Find a node type…" value={query} onChange={(e) => setQuery(e.target.value)} />
      <p className="sr-only" role="status">
        {q ? `${total} node type${total === 1 ? '' : 's'} found` : ''}
      </p>
      {total === 0 ? <p className="muted small">No node type matches “{query}”.</p> : null}
      <div className="ed-palette-groups">
        {groups.map(([domain, list]) => (
          <section key={domain} aria-label={domainLabel(domain)}>
            <h3>{domainLabel(domain)}</h3>
            <ul>
              {list.map((n) => (
                <li
                  key={n.type}
                  className="ed-palette-item"
                  draggable
                  data-testid={`palette-${n.type}`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_TYPE, n.type);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                  title={n.description}
                >
                  <div className="ed-palette-text">
                    <code>{n.type}</code>
                    <span className="muted small">{n.description}</span>
                  </div>
                  <button type="button" className="btn btn-quiet ed-palette-add" aria-label={`Add ${n.type}`} onClick={() => add(n.type)}>
                    Add
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </nav>
  );
}
