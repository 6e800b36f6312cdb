/**
 * Playbooks (`#/playbooks`): agent-team playbooks (the built-in go-to-market team and imported
 * ones), import of a YAML/JSON playbook file with its problems named by step and field, and the
 * recent runs. `#/playbooks?id=ID` is one playbook with its start form (mode, scenario, config
 * form generated from the playbook's config schema, the decision criteria next to the mode);
 * `#/playbooks?run=ID` is a run page (./Run.tsx). docs/ui.md, docs/playbooks.md.
 */
import { useId, useState } from 'react';
import type { ApiError, PlaybookRunSummary, PlaybookSummary } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { hashWith } from '../../api/nav';
import { DataTable, type Column } from '../../components/DataTable';
import { useHashQuery } from '../../components/hashQuery';
import { Card, PageHeader, QueryView, formatTime } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { RunBadge, minutes, usd } from './format';
import { RunView } from './Run';
import { StartForm } from './Start';
import './playbooks.css';

export function Playbooks() {
  const [query, setQuery] = useHashQuery('playbooks');
  if (query.run) return <RunView id={query.run} onBack={() => setQuery({})} />;
  if (query.id) return <PlaybookView id={query.id} onBack={() => setQuery({})} onStarted={(run) => setQuery({ run })} />;
  return <PlaybookList onOpen={(id) => setQuery({ id })} />;
}

function link(query: Record<string, string>, text: string, onClick: () => void, testId?: string) {
  return (
    <a
      href={hashWith('playbooks', query)}
      data-testid={testId}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        onClick();
      }}
    >
      {text}
    </a>
  );
}

function PlaybookList({ onOpen }: { onOpen: (id: string) => void }) {
  const [, setQuery] = useHashQuery('playbooks');
  const list = useQuery('playbooks.list', {});
  const runs = useQuery('playbooks.runs', { limit: 20 });
  const columns: Column<PlaybookSummary>[] = [
    {
      key: 'name',
      header: 'Playbook',
      primary: true,
      cell: (p) => (
        <>
          {link({ id: p.id }, p.name, () => onOpen(p.id), 'playbook-link')} {p.builtIn ? <span className="badge badge-neutral">built-in</span> : <span className="badge badge-ok">imported</span>}
          {p.description ? <div className="hint pb-desc">{p.description}</div> : null}
        </>
      ),
    },
    { key: 'team', header: 'Team', cell: (p) => `${p.roles} roles · ${p.phases} phases · ${p.steps} steps` },
    { key: 'time', header: 'Estimated time', cell: (p) => `${minutes(p.estimatedMinutes.parallel)} (one after another: ${minutes(p.estimatedMinutes.sequential)})` },
    {
      key: 'last',
      header: 'Last run',
      cell: (p) => (p.lastRun ? <>{link({ run: p.lastRun.id }, formatTime(p.lastRun.startedAt), () => setQuery({ run: p.lastRun!.id }))} <RunBadge status={p.lastRun.status} /></> : <span className="muted">never</span>),
    },
  ];
  return (
    <>
      <PageHeader
        title="Playbooks"
        intro="A team of Claude agents working in phases, with a quality gate before each phase is merged into your workspace. Start one with a mode and your business context; every output is a reviewable change in Documents."
      />
      <Card title="Playbooks" id="pb-list">
        <QueryView q={list} what="Could not load the playbooks" loading="Loading playbooks…">
          {(d) => <DataTable label="Playbooks" rows={d.playbooks} columns={columns} rowKey={(p) => p.id} rowProps={(p) => ({ 'data-testid': 'playbook-row', 'data-id': p.id })} />}
        </QueryView>
      </Card>
      <Card title="Recent runs" id="pb-runs">
        <QueryView q={runs} what="Could not load the runs" loading="Loading runs…" isEmpty={(d) => d.runs.length === 0} empty={<p className="muted">No run yet. Open a playbook to start one.</p>}>
          {(d) => <RunTable runs={d.runs} onOpen={(run) => setQuery({ run })} />}
        </QueryView>
      </Card>
      <ImportCard onImported={onOpen} />
    </>
  );
}

export function RunTable({ runs, onOpen }: { runs: PlaybookRunSummary[]; onOpen: (id: string) => void }) {
  const columns: Column<PlaybookRunSummary>[] = [
    { key: 'started', header: 'Started', primary: true, cell: (r) => link({ run: r.id }, `${r.playbookName}, ${formatTime(r.startedAt)}`, () => onOpen(r.id), 'run-link') },
    { key: 'mode', header: 'Mode', cell: (r) => `${r.modeName}${r.role ? ` (${r.role})` : ''}${r.scenario ? ` · ${r.scenario}` : ''}` },
    { key: 'status', header: 'Status', cell: (r) => <><RunBadge status={r.status} />{r.waitingFor ? <div className="hint">{r.waitingFor}</div> : null}</> },
    { key: 'time', header: 'Time (est. / actual)', cell: (r) => `${minutes(r.estimatedMinutes)} / ${minutes(r.actualMinutes)}` },
    { key: 'cost', header: 'Cost', cell: (r) => usd(r.costUsd) },
  ];
  return <DataTable label="Playbook runs" rows={runs} columns={columns} rowKey={(r) => r.id} rowProps={(r) => ({ 'data-testid': 'run-row', 'data-id': r.id })} />;
}

function ImportCard({ onImported }: { onImported: (id: string) => void }) {
  const id = useId();
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const format = fileName && /\.json$/i.test(fileName) ? 'json' : fileName && /\.ya?ml$/i.test(fileName) ? 'yaml' : undefined;
  const submit = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await call('playbooks.import', { text, ...(format ? { format } : {}) });
      invalidate('playbooks.list', 'playbooks.get');
      setDone(`${r.created ? 'Imported' : 'Updated'} ${r.playbook.name} (version ${r.playbook.version}).`);
      setText('');
      setFileName(null);
      onImported(r.playbook.id);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Import a playbook" id="pb-import">
      <p className="hint">
        A YAML or JSON file in the playbook format (docs/playbooks.md; its JSON Schema is <code>resources/playbook.schema.json</code>). A playbook with the id of one you imported before becomes its new version.
      </p>
      <form
        aria-label="Import a playbook"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-file`}>Playbook file</label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".yaml,.yml,.json,application/json,text/yaml"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              setFileName(f.name);
              setError(null);
              void f.text().then(setText);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-text`}>Or paste it</label>
          <textarea id={`${id}-text`} className="pb-source" rows={8} value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} placeholder={'id: my-playbook\nname: My playbook\n…'} />
        </div>
        {error ? (
          <div className="error-panel" role="alert" data-testid="import-error">
            <div>
              <strong>The playbook was not imported{fileName ? ` (${fileName})` : ''}: nothing was stored.</strong>
              <p>{error.issues?.length ? 'Fix these and import again:' : error.message}</p>
              {error.issues?.length ? (
                <ul>
                  {error.issues.map((i) => (
                    <li key={i.path + i.message} data-testid="import-issue">
                      <code>{i.path}</code>: {i.message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          </div>
        ) : null}
        {done ? (
          <p className="success" role="status">
            {done}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !text.trim()}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
      </form>
    </Card>
  );
}

function PlaybookView({ id, onBack, onStarted }: { id: string; onBack: () => void; onStarted: (run: string) => void }) {
  const pb = useQuery('playbooks.get', { id });
  const runs = useQuery('playbooks.runs', { playbookId: id, limit: 20 });
  const [, setQuery] = useHashQuery('playbooks');
  return (
    <>
      <PageHeader
        title={pb.data?.name ?? 'Playbook'}
        intro={pb.data?.description || undefined}
        actions={
          <button type="button" className="btn" onClick={onBack}>
            All playbooks
          </button>
        }
      />
      <QueryView q={pb} what={`Could not load the playbook ${id}`} loading="Loading the playbook…">
        {(d) => (
          <>
            <Card title="Phases" id="pb-phases">
              <ol className="pb-phase-map" aria-label="Phases">
                {d.definition.phases.map((p) => (
                  <li key={p.id} className="pb-phase-chip">
                    <strong>{p.name}</strong>
                    <span className="hint">
                      {p.execution === 'parallel' ? 'parallel' : 'sequential'} · {p.steps.length} steps{p.gate ? ` · gate of ${p.gate.items.length}` : ''}
                    </span>
                  </li>
                ))}
              </ol>
              <p className="hint">
                Roles: {d.definition.roles.map((r) => r.name).join(', ')}. Estimated {minutes(d.estimatedMinutes.parallel)} with parallel phases in parallel ({minutes(d.estimatedMinutes.sequential)} one step after another).
              </p>
            </Card>
            <StartForm detail={d} onStarted={onStarted} />
            <Card title="Runs of this playbook" id="pb-own-runs">
              <QueryView q={runs} what="Could not load the runs" loading="Loading runs…" isEmpty={(r) => r.runs.length === 0} empty={<p className="muted">Not run yet.</p>}>
                {(r) => <RunTable runs={r.runs} onOpen={(run) => setQuery({ run })} />}
              </QueryView>
            </Card>
          </>
        )}
      </QueryView>
    </>
  );
}
