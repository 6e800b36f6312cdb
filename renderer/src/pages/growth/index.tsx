/**
 * Growth (docs/growth.md): the master controller of the four engines. Each engine's phase
 * (live), start / stop / run, priorities; the budget and the health view; the current plan
 * with its items; the learnings with their evidence; imports of keyword, rank, trend,
 * backlink and campaign exports (with the mapping dialog when columns are unknown); the SEO
 * quick wins. Tabs (the address' `tab`): the content engine (sources, trends, the content
 * calendar with drag-and-drop rescheduling), link building, campaigns. Data from the query
 * cache, refetched on `growth.changed` (data/invalidation.ts).
 */
import { useState, type ReactNode } from 'react';
import { ENGINE_LABELS, ENGINES, type Engine, type OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { hashWith } from '../../api/nav';
import { DataTable, type Column } from '../../components/DataTable';
import { useHashQuery } from '../../components/hashQuery';
import { Tabs } from '../../components/Tabs';
import { Card, PageHeader, QueryView, formatTime } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { ContentPanel } from './Content';
import { CampaignsPanel, LinksPanel } from './Engines';
import { ImportCard } from './Import';
import './growth.css';

type EngineState = OpOutput<'growth.status'>['engines'][number];
type Plan = OpOutput<'plans.list'>['plans'][number];
type Item = NonNullable<Plan['items']>[number];
type Learning = OpOutput<'learnings.list'>['learnings'][number];
type KeywordRow = OpOutput<'seo.quickWins'>['rows'][number];

const PHASES = ['IDLE', 'ANALYZING', 'PLANNING', 'EXECUTING', 'LEARNING'] as const;
const STATUS_BADGE: Record<string, string> = { done: 'badge badge-ok', executing: 'badge badge-warn', approved: 'badge badge-neutral', planned: 'badge badge-neutral', dropped: 'badge badge-neutral' };
const GROWTH_OPS = ['growth.status', 'growth.health', 'plans.list', 'learnings.list', 'seo.quickWins'] as const;

const usd = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `$${n.toLocaleString(undefined, { maximumFractionDigits: 2 })}`);

/** `{ quickWins: 12, health: 61.2 }` -> "quick wins 12 · health 61.2" (objects and nulls left out). */
export function figuresText(f: Record<string, unknown> | null | undefined): string {
  if (!f) return '';
  const words = (k: string) => k.replace(/([a-z])([A-Z0-9])/g, '$1 $2').toLowerCase();
  return Object.entries(f)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    .map(([k, v]) => `${words(k)} ${typeof v === 'number' ? v.toLocaleString() : String(v)}`)
    .join(' · ');
}

/** The figures of a cycle, per phase: `{ analyze: {…}, plan: {…} }` -> one line per phase. */
function PhaseFigures({ figures }: { figures: Record<string, unknown> }) {
  const rows = Object.entries(figures).filter(([, v]) => v && typeof v === 'object') as [string, Record<string, unknown>][];
  if (!rows.length) return null;
  return (
    <dl className="growth-figures">
      {rows.map(([phase, f]) => (
        <div key={phase}>
          <dt>{phase}</dt>
          <dd>{figuresText(f) || '–'}</dd>
        </div>
      ))}
    </dl>
  );
}

const TABS = [
  { id: 'engines', label: 'Engines' },
  { id: 'content', label: 'Content calendar' },
  { id: 'links', label: 'Link building' },
  { id: 'campaigns', label: 'Campaigns' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function Growth() {
  const [query, setQuery] = useHashQuery('growth');
  const tab: Tab = TABS.some((t) => t.id === query.tab) ? (query.tab as Tab) : 'engines';
  const open = (t: Tab) => setQuery({ tab: t === 'engines' ? null : t });
  const panel = (t: Tab, body: ReactNode) =>
    tab === t ? (
      <div role="tabpanel" id={`growth-panel-${t}`} aria-labelledby={`growth-tab-${t}`}>
        {body}
      </div>
    ) : null;
  return (
    <>
      <PageHeader title="Growth" intro="Four engines that analyze, plan, execute and learn: SEO, trend content, link building and campaigns. Each cycle plans with what the earlier ones learned." />
      <Tabs tabs={TABS} value={tab} onChange={open} idPrefix="growth" label="Growth views" />
      {panel('engines', <EnginesPanel />)}
      {panel('content', <ContentPanel />)}
      {panel('links', <LinksPanel />)}
      {panel('campaigns', <CampaignsPanel />)}
    </>
  );
}

function EnginesPanel() {
  const status = useQuery('growth.status', {});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setProblem(null);
    setBusy(what);
    try {
      await fn();
      invalidate(...GROWTH_OPS);
    } catch (e) {
      setProblem(toApiError(e).message);
    } finally {
      setBusy(null);
    }
  };
  const engines = status.data?.engines ?? [];
  const anyOn = engines.some((e) => e.enabled);

  return (
    <>
      <div className="row-actions growth-all">
        <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => act('start-all', () => call('growth.start', { run: true }))}>
          Start all
        </button>
        <button type="button" className="btn" disabled={busy !== null || !anyOn} onClick={() => act('stop-all', () => call('growth.stop', {}))}>
          Stop all
        </button>
      </div>
      <div className="stack">
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <Card title="Engines" id="growth-engines">
          <QueryView q={status} what="Could not load the engines" loading="Loading the engines…">
            {(d) => (
              <ul className="growth-engines" aria-label="Engines">
                {[...d.engines]
                  .sort((a, b) => a.priority - b.priority)
                  .map((e, i, all) => (
                    <EngineCard
                      key={e.engine}
                      e={e}
                      busy={busy !== null}
                      first={i === 0}
                      last={i === all.length - 1}
                      headroom={d.budget.headroom[e.engine] ?? null}
                      onStart={() => act(`start-${e.engine}`, () => call('growth.start', { engine: e.engine, run: true }))}
                      onStop={() => act(`stop-${e.engine}`, () => call('growth.stop', { engine: e.engine }))}
                      onRun={() => act(`run-${e.engine}`, () => call('growth.run', { engine: e.engine }))}
                      onMove={(dir) => {
                        const order = all.map((x) => x.engine);
                        const j = i + dir;
                        [order[i], order[j]] = [order[j]!, order[i]!];
                        return act('priorities', () => call('growth.priorities.set', { order }));
                      }}
                    />
                  ))}
              </ul>
            )}
          </QueryView>
        </Card>
        <HealthCard budget={status.data?.budget} locks={status.data?.locks ?? []} />
        <PlanCard />
        <LearningsCard />
        <ImportCard onImported={() => invalidate(...GROWTH_OPS)} />
        <QuickWinsCard />
      </div>
    </>
  );
}

function EngineCard({ e, busy, first, last, headroom, onStart, onStop, onRun, onMove }: { e: EngineState; busy: boolean; first: boolean; last: boolean; headroom: number | null; onStart: () => void; onStop: () => void; onRun: () => void; onMove: (dir: -1 | 1) => void }) {
  const titleId = `growth-engine-${e.engine}`;
  return (
    <li className="growth-engine" data-testid="growth-engine" data-engine={e.engine} data-phase={e.phase} aria-labelledby={titleId}>
      <div className="growth-engine-head">
        <h3 id={titleId}>
          <span className="growth-rank" aria-label={`priority ${e.priority}`}>
            {e.priority}
          </span>
          {e.label}
        </h3>
        <span className={e.enabled ? 'badge badge-ok' : 'badge badge-neutral'}>{e.enabled ? 'on' : 'off'}</span>
      </div>
      <ol className="growth-phases" aria-label={`${e.label}: phase ${e.phase}`}>
        {PHASES.map((p) => (
          <li key={p} aria-current={p === e.phase ? 'step' : undefined} className={p === e.phase ? 'growth-phase-now' : undefined}>
            {p.toLowerCase()}
          </li>
        ))}
      </ol>
      <p className="muted growth-since" data-testid="engine-phase">
        {e.phase} since {formatTime(e.since)}
        {e.runId ? (
          <>
            {' · '}
            <a href={hashWith('runs', { run: e.runId })}>this cycle's run</a>
          </>
        ) : null}
      </p>
      {e.waiting ? (
        <p className="notice growth-waiting" data-testid="engine-waiting">
          Waiting: {e.waiting}
        </p>
      ) : null}
      {Object.keys(e.figures).length ? (
        <div data-testid="engine-figures">
          <h4>This cycle</h4>
          <PhaseFigures figures={e.figures} />
        </div>
      ) : null}
      {e.lastCycle ? (
        <div data-testid="engine-last-cycle">
          <h4>
            Last cycle: {e.lastCycle.status}, {formatTime(e.lastCycle.finishedAt)}
          </h4>
          <PhaseFigures figures={e.lastCycle.figures} />
        </div>
      ) : (
        <p className="muted">No cycle finished yet.</p>
      )}
      {e.transitions.length ? (
        <details className="growth-transitions">
          <summary>Recent phase changes</summary>
          <ol data-testid="engine-transitions">
            {e.transitions.slice(0, 10).map((t) => (
              <li key={t.id} data-step={`${t.from}>${t.to}`}>
                {formatTime(t.at)}: {t.from.toLowerCase()} → {t.to.toLowerCase()}
                {t.note ? <span className="muted"> ({t.note})</span> : null}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
      <p className="muted growth-small">
        {e.nextRunAt ? `Next scheduled cycle ${formatTime(e.nextRunAt)}. ` : ''}Budget headroom {headroom === null ? 'unlimited' : usd(headroom)}.
      </p>
      <div className="row-actions">
        {e.enabled ? (
          <button type="button" className="btn btn-small" disabled={busy} onClick={onStop} aria-label={`Stop ${e.label}`}>
            Stop
          </button>
        ) : (
          <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={onStart} aria-label={`Start ${e.label}`}>
            Start
          </button>
        )}
        <button type="button" className="btn btn-small" disabled={busy || e.phase !== 'IDLE'} onClick={onRun} aria-label={`Run now: one ${e.label} cycle`}>
          Run now
        </button>
        <button type="button" className="btn btn-small btn-quiet" disabled={busy || first} onClick={() => onMove(-1)} aria-label={`Raise ${e.label}'s priority`}>
          ↑
        </button>
        <button type="button" className="btn btn-small btn-quiet" disabled={busy || last} onClick={() => onMove(1)} aria-label={`Lower ${e.label}'s priority`}>
          ↓
        </button>
      </div>
    </li>
  );
}

function HealthCard({ budget, locks }: { budget: OpOutput<'growth.status'>['budget'] | undefined; locks: OpOutput<'growth.status'>['locks'] }) {
  const health = useQuery('growth.health', {});
  return (
    <Card title="Budget and health" id="growth-health">
      {budget ? (
        <dl className="facts facts-inline" data-testid="growth-budget">
          <div>
            <dt>Spent in {budget.month}</dt>
            <dd>
              {usd(budget.spentUsd)} of {budget.capUsd === null ? 'no cap' : usd(budget.capUsd)}
            </dd>
          </div>
          <div>
            <dt>Claude</dt>
            <dd>{usd(budget.aiUsd)}</dd>
          </div>
          <div>
            <dt>Ad budget</dt>
            <dd>{usd(budget.adUsd)}</dd>
          </div>
          <div>
            <dt>Locked assets</dt>
            <dd>{locks.length ? locks.map((l) => `${l.asset} (${ENGINE_LABELS[l.engine as Engine] ?? l.engine})`).join(', ') : 'none'}</dd>
          </div>
        </dl>
      ) : null}
      <QueryView q={health} what="Could not load the health view" loading="Loading the health view…">
        {(h) => (
          <div data-testid="growth-health" data-ok={h.ok ? 'true' : 'false'}>
            <p>
              <span className={h.ok ? 'badge badge-ok' : 'badge badge-warn'}>{h.ok ? 'healthy' : 'needs attention'}</span> {h.succeededRuns7d} cycles succeeded and {h.failedRuns7d} failed in the last 7 days.
            </p>
            {h.issues.length ? (
              <ul className="growth-issues">
                {h.issues.map((i, k) => (
                  <li key={k}>
                    <span className={i.severity === 'info' ? 'badge badge-neutral' : 'badge badge-warn'}>{i.severity}</span> {i.engine ? `${ENGINE_LABELS[i.engine as Engine] ?? i.engine}: ` : ''}
                    {i.message}
                    {i.runId ? (
                      <>
                        {' '}
                        <a href={hashWith('runs', { run: i.runId })}>run</a>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        )}
      </QueryView>
    </Card>
  );
}

function EngineSelect({ id, value, onChange, all }: { id: string; value: string; onChange: (v: string) => void; all?: boolean }) {
  return (
    <select id={id} className="control growth-select" value={value} onChange={(e) => onChange(e.target.value)}>
      {all ? <option value="">All engines</option> : null}
      {ENGINES.map((e) => (
        <option key={e} value={e}>
          {ENGINE_LABELS[e]}
        </option>
      ))}
    </select>
  );
}

const figure = (f: Record<string, unknown> | null) => figuresText(f) || '–';

function PlanCard() {
  const [engine, setEngine] = useState<string>('');
  const plans = useQuery('plans.list', { items: true, limit: 1, ...(engine ? { engine } : {}) });
  const columns: Column<Item>[] = [
    { key: 'priority', header: '#', label: 'Priority', className: 'num', cell: (i) => i.priority },
    { key: 'title', header: 'Item', primary: true, cell: (i) => i.title },
    { key: 'action', header: 'Action', cell: (i) => i.action },
    {
      key: 'status',
      header: 'Status',
      cell: (i) => (
        <>
          <span className={STATUS_BADGE[i.status] ?? 'badge badge-neutral'}>{i.status}</span>
          {i.reason ? <span className="muted growth-reason"> {i.reason}</span> : null}
        </>
      ),
    },
    { key: 'expected', header: 'Expected', className: 'growth-wrap', cell: (i) => figure(i.expected) },
    { key: 'actual', header: 'Result', className: 'growth-wrap', cell: (i) => figure(i.actual) },
    { key: 'cost', header: 'Cost', className: 'num', cell: (i) => usd(i.costUsd) },
  ];
  return (
    <Card
      title="Current plan"
      id="growth-plan"
      actions={
        <>
          <label htmlFor="growth-plan-engine" className="sr-only">
            Plan of
          </label>
          <EngineSelect id="growth-plan-engine" value={engine} onChange={setEngine} all />
        </>
      }
    >
      <QueryView q={plans} what="Could not load the plan" loading="Loading the plan…" isEmpty={(d) => d.plans.length === 0} empty={<p className="muted">No plan yet: an engine plans in its PLANNING phase.</p>}>
        {(d) => {
          const p = d.plans[0]!;
          return (
            <div data-testid="growth-plan" data-plan={p.id}>
              <p>
                <strong>{p.title}</strong> <span className="muted">({ENGINE_LABELS[p.engine as Engine] ?? p.engine}, plan #{p.id}, {formatTime(p.createdAt)})</span>
              </p>
              <p className="muted">
                {p.itemCount} items ({Object.entries(p.counts)
                  .map(([k, v]) => `${v} ${k}`)
                  .join(', ')}
                ) · {p.learningIds.length ? `planned with ${p.learningIds.length} learning${p.learningIds.length === 1 ? '' : 's'}` : 'nothing learned yet when planned'} · cost {usd(p.costUsd)}
              </p>
              <DataTable label={`Items of plan #${p.id}`} rows={(p.items ?? []).slice(0, 50)} columns={columns} rowKey={(i) => i.id} rowProps={(i) => ({ 'data-testid': 'plan-item', 'data-status': i.status })} />
              {p.items && p.items.length > 50 ? <p className="muted">The first 50 of {p.items.length} items.</p> : null}
            </div>
          );
        }}
      </QueryView>
    </Card>
  );
}

function Evidence({ l }: { l: Learning }) {
  const ev = l.evidence;
  const deltas = ev.deltas ?? [];
  return (
    <>
      {(ev.runIds ?? []).map((r) => (
        <a key={r} href={hashWith('runs', { run: r })} className="growth-run-link">
          run {r.slice(0, 8)}
        </a>
      ))}
      {deltas.length ? (
        <details>
          <summary>
            {deltas.length} measured {deltas.length === 1 ? 'change' : 'changes'}
          </summary>
          <ul className="growth-deltas">
            {deltas.slice(0, 20).map((d, k) => (
              <li key={k}>
                {d.ref ? `${d.ref}: ` : ''}
                {d.metric} {d.before ?? '–'} → {d.after ?? '–'} ({d.delta === null ? '–' : d.delta > 0 ? `+${d.delta}` : d.delta})
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function LearningsCard() {
  const [engine, setEngine] = useState<string>('');
  const q = useQuery('learnings.list', { limit: 50, ...(engine ? { engine } : {}) });
  const columns: Column<Learning>[] = [
    { key: 'subject', header: 'Subject', primary: true, cell: (l) => `${ENGINE_LABELS[l.engine as Engine] ?? l.engine}: ${l.subject}` },
    { key: 'worked', header: 'What worked', className: 'growth-wrap', cell: (l) => l.whatWorked || '–' },
    { key: 'not', header: 'What did not', className: 'growth-wrap', cell: (l) => l.whatDidNot || '–' },
    { key: 'confidence', header: 'Confidence', className: 'num', cell: (l) => `${Math.round(l.confidence * 100)}%` },
    { key: 'evidence', header: 'Evidence', cell: (l) => <Evidence l={l} /> },
    { key: 'at', header: 'Learned', cell: (l) => formatTime(l.createdAt) },
  ];
  return (
    <Card
      title="Learnings"
      id="growth-learnings"
      actions={
        <>
          <label htmlFor="growth-learning-engine" className="sr-only">
            Learnings of
          </label>
          <EngineSelect id="growth-learning-engine" value={engine} onChange={setEngine} all />
        </>
      }
    >
      <QueryView q={q} what="Could not load the learnings" loading="Loading the learnings…" isEmpty={(d) => d.learnings.length === 0} empty={<p className="muted">Nothing learned yet: each engine learns in its LEARNING phase from what its changes did.</p>}>
        {(d) => <DataTable label="Learnings" rows={d.learnings} columns={columns} rowKey={(l) => l.id} rowProps={(l) => ({ 'data-testid': 'learning-row', 'data-subject': l.subject })} />}
      </QueryView>
    </Card>
  );
}

function QuickWinsCard() {
  const q = useQuery('seo.quickWins', { limit: 20, offset: 0 });
  const columns: Column<KeywordRow>[] = [
    { key: 'keyword', header: 'Keyword', primary: true, cell: (k) => k.keyword },
    { key: 'position', header: 'Position', className: 'num', cell: (k) => k.position ?? '–' },
    { key: 'change', header: 'Change', className: 'num', cell: (k) => (k.change === null ? '–' : k.change > 0 ? `+${k.change}` : k.change) },
    { key: 'volume', header: 'Volume', className: 'num', cell: (k) => k.volume?.toLocaleString() ?? '–' },
    { key: 'difficulty', header: 'Difficulty', className: 'num', cell: (k) => k.difficulty ?? '–' },
    { key: 'opportunity', header: 'Opportunity', className: 'num', cell: (k) => Math.round(k.opportunity).toLocaleString() },
    { key: 'url', header: 'Page', className: 'growth-wrap', cell: (k) => k.url ?? <span className="muted">none yet</span> },
  ];
  return (
    <Card title="SEO quick wins" id="growth-quick-wins">
      <QueryView q={q} what="Could not load the quick wins" loading="Loading the quick wins…" isEmpty={(d) => d.total === 0} empty={<p className="muted">No quick wins: import a keyword export with positions (above), or lower the thresholds in the growth.seo settings.</p>}>
        {(d) => (
          <>
            <p className="muted" data-testid="quick-wins-total">
              {d.total.toLocaleString()} {d.total === 1 ? 'keyword' : 'keywords'} at positions {d.thresholds.minPosition}–{d.thresholds.maxPosition}, difficulty under {d.thresholds.maxDifficulty}, volume over {d.thresholds.minVolume}; the best 20 by opportunity:
            </p>
            <DataTable label="SEO quick wins" rows={d.rows} columns={columns} rowKey={(k) => k.id} rowProps={() => ({ 'data-testid': 'quick-win' })} />
          </>
        )}
      </QueryView>
    </Card>
  );
}
