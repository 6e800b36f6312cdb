/**
 * The Workflows page: the list, one workflow's detail, the template gallery
 * (`#/workflows/templates`, an alias of `#/workflows?view=templates`: api/nav.ts) and the visual editor
 * (`#/workflows?wf=ID&edit=1`, a new one at `#/workflows?new=1`, a copy of a template
 * at `#/workflows?new=1&from=TEMPLATE`). The parts live beside it.
 */
import { lazy, Suspense } from 'react';
import { useHashQuery } from '../../components/hashQuery';
import { Loading } from '../../components/ui';
import { WorkflowDetail } from './Detail';
import { TemplateGallery } from './Gallery';
import { WorkflowList } from './List';
import './workflows.css';

// The editor (React Flow's editing, the forms) is its own chunk: the list and the detail do not load it.
const WorkflowEditor = lazy(() => import('./editor/Editor').then((m) => ({ default: m.WorkflowEditor })));

export function Workflows() {
  const [query, setQuery] = useHashQuery('workflows');
  const open = (id: string | null) => setQuery({ wf: id });
  if (query.new === '1' || (query.wf && query.edit === '1')) {
    return (
      <Suspense fallback={<Loading label="Opening the editor…" />}>
        <WorkflowEditor id={query.new === '1' ? null : (query.wf ?? null)} from={query.new === '1' ? (query.from ?? null) : null} />
      </Suspense>
    );
  }
  if (query.view === 'templates') return <TemplateGallery />;
  return query.wf ? <WorkflowDetail id={query.wf} onBack={() => open(null)} /> : <WorkflowList onOpen={open} />;
}
