import { useCallback, useEffect, useId, useMemo, useRef, useState, type DragEvent, type ReactNode, type RefObject } from 'react';
import { DEAL_STAGES, type DealListRow, type OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { invalidate, queryCache, useQueries, useQuery } from '../../data/query';
import { toApiError } from '../../api/errors';
import { hashWith } from '../../api/nav';
import { Card, ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { StagesEditor } from '../config/StagesEditor';
import { DealPanel } from './DealPanel';
import { MoveMenu } from './MoveMenu';
import { NewDealButton } from './NewDeal';
import './pipeline.css';
import { TaskList } from '../crm/Tasks';
import { useHashParams } from '../crm/useHashParams';
import { formatMoney, plural } from '../crm/format';
import '../crm/crm.css';

type Stage = OpOutput<'pipeline.get'>['stages'][number];
interface Column {
  stage: Stage;
  total: number;
  values: { currency: string; value: number }[];
  rows: DealListRow[];
}
interface Board {
  columns: Column[];
}

/** Cards per column (newest first); the column header still counts them all. */
const PER_COLUMN = 100;
const DEAL_MIME = 'application/x-baton-deal';

const isClosed = (d: DealListRow) => Boolean(d.wonAt || d.lostAt);

function addValue(values: Column['values'], currency: string, delta: number): Column['values'] {
  const out = values.map((v) => (v.currency === currency ? { ...v, value: v.value + delta } : v));
  if (!out.some((v) => v.currency === currency)) out.push({ currency, value: delta });
  return out.filter((v) => Math.abs(v.value) > 1e-9).sort((a, b) => a.currency.localeCompare(b.currency));
}

/** Move a card between columns (pure): out of `from`, to the top of `to` as `row` (a missing column just drops or skips it). */
function moveCard(board: Board, id: number, from: string, to: string, row: DealListRow): Board {
  return {
    columns: board.columns.map((c) => {
      if (c.stage.id === from) {
        const had = c.rows.find((r) => r.id === id);
        if (!had) return c;
        return { ...c, total: c.total - 1, values: addValue(c.values, had.currency, -had.value), rows: c.rows.filter((r) => r.id !== id) };
      }
      if (c.stage.id === to) return { ...c, total: c.total + 1, values: addValue(c.values, row.currency, row.value), rows: [row, ...c.rows.filter((r) => r.id !== id)] };
      return c;
    }),
  };
}

function totals(values: Column['values']): string {
  return values.length ? values.map((v) => formatMoney(v.value, v.currency)).join(' + ') : formatMoney(0, 'USD');
}

/**
 * The board from the query cache: the stages (`pipeline.get`) and one `deals.list` per stage, refetched
 * when deal events invalidate them (data/invalidation.ts) or the event stream reconnects; `setBoard`
 * writes an optimistic change back into those cache entries.
 */
function useBoard() {
  const cfg = useQuery('pipeline.get', {});
  const stages = cfg.data?.stages;
  const inputs = useMemo(() => (stages ?? []).map((s) => ({ stage: s.id, limit: PER_COLUMN })), [stages]);
  const lists = useQueries('deals.list', inputs);
  const board: Board | null =
    stages && lists.length === stages.length && lists.every((l) => l.data)
      ? { columns: stages.map((stage, i) => ({ stage, total: lists[i]!.data!.total, values: lists[i]!.data!.values, rows: lists[i]!.data!.rows })) }
      : null;
  const error = cfg.error ?? lists.find((l) => l.error)?.error ?? null;
  const boardRef = useRef(board);
  boardRef.current = board;
  const setBoard = useCallback(
    (fn: (b: Board) => Board) => {
      const b = boardRef.current;
      if (!b) return;
      for (const c of fn(b).columns) queryCache.setData<OpOutput<'deals.list'>>('deals.list', { stage: c.stage.id, limit: PER_COLUMN }, (old) => (old ? { ...old, total: c.total, values: c.values, rows: c.rows } : old));
    },
    [],
  );
  const load = useCallback(() => {
    queryCache.reload('pipeline.get', {});
    for (const i of inputs) queryCache.reload('deals.list', i);
  }, [inputs]);
  return { board, error, setBoard, load };
}

export function Pipeline() {
  const { board, error, setBoard, load } = useBoard();
  const [moveError, setMoveError] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');
  const [moving, setMoving] = useState<Set<number>>(new Set());
  const [dragging, setDragging] = useState<{ id: number; from: string } | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const [configuring, setConfiguring] = useState(false);
  const focusAfterMove = useRef<number | null>(null);
  const [query, setQuery] = useHashParams('pipeline');
  const taskFilter = query.get('tasks') === 'done' ? 'done' : 'open';
  const openDeal = Number(query.get('deal')) || null;
  const openPanel = (id: number) => {
    setQuery({ deal: id, tasks: query.get('tasks') });
  };
  const closePanel = () => {
    setQuery({ deal: null, tasks: query.get('tasks') });
    const id = openDeal;
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-deal="${id}"] .crm-deal-open`)?.focus());
  };

  const stageName = (id: string) => board?.columns.find((c) => c.stage.id === id)?.stage.name ?? id.charAt(0).toUpperCase() + id.slice(1);

  const move = async (deal: DealListRow, to: string) => {
    const from = deal.stage;
    // A move under way: the card's button stays focusable (not disabled), a second pick waits for it.
    if (from === to || !board || moving.has(deal.id)) return;
    const title = deal.title ?? `Deal ${deal.id}`;
    // Won and lost close the deal for good: ask first.
    if ((to === 'won' || to === 'lost') && !window.confirm(`Mark “${title}” as ${to}? A closed deal cannot be moved again.`)) {
      setAnnounce(`“${title}” stays in ${stageName(from)}.`);
      return;
    }
    const optimistic: DealListRow = { ...deal, stage: to, daysInStage: 0, stageEnteredAt: new Date().toISOString() };
    setMoveError(null);
    setBoard((b) => moveCard(b, deal.id, from, to, optimistic));
    setMoving((m) => new Set(m).add(deal.id));
    focusAfterMove.current = deal.id;
    try {
      const saved = await call('deals.update', { id: deal.id, stage: to });
      invalidate('deals.get');
      setBoard((b) => ({ columns: b.columns.map((c) => ({ ...c, rows: c.rows.map((r) => (r.id === deal.id ? { ...r, ...saved } : r)) })) }));
      setAnnounce(`Moved “${title}” to ${stageName(to)}.`);
    } catch (e) {
      // Roll back: the card goes home as it was (and keeps the keyboard focus).
      focusAfterMove.current = deal.id;
      setBoard((b) => moveCard(b, deal.id, to, from, deal));
      const err = toApiError(e);
      setMoveError(`Could not move “${title}” to ${stageName(to)}: ${err.message} It is back in ${stageName(from)}.`);
      setAnnounce('');
    } finally {
      setMoving((m) => {
        const n = new Set(m);
        n.delete(deal.id);
        return n;
      });
    }
  };

  const onDrop = (e: DragEvent, to: string) => {
    e.preventDefault();
    setOver(null);
    const id = Number(e.dataTransfer.getData(DEAL_MIME) || dragging?.id);
    setDragging(null);
    const deal = board?.columns.flatMap((c) => c.rows).find((r) => r.id === id);
    if (deal) void move(deal, to);
  };

  const moveTargets = board ? [...board.columns.map((c) => ({ id: c.stage.id, name: c.stage.name })), ...DEAL_STAGES.filter((s) => !board.columns.some((c) => c.stage.id === s)).map((s) => ({ id: s, name: s === 'lost' ? 'Lost' : s }))] : [];
  const totalDeals = board?.columns.reduce((n, c) => n + c.total, 0) ?? 0;

  return (
    <>
      <PageHeader
        title="Pipeline"
        intro="Deals by stage: open a card for its details and notes, drag it to another column or use its “Move to” menu. Stale deals sit past their stage's time limit. Your tasks are below the board."
        actions={
          <div className="cfg-header-actions pl-header-actions">
            <NewDealButton
              onCreated={(d) => {
                invalidate('deals.list');
                setAnnounce(`Created “${d.title ?? `Deal ${d.id}`}”.`);
                openPanel(d.id);
              }}
            />
            <button type="button" className="btn" aria-expanded={configuring} aria-controls="pipeline-config" onClick={() => setConfiguring((c) => !c)}>
              {configuring ? 'Hide stage settings' : 'Configure stages'}
            </button>
            <button type="button" className="btn" onClick={() => load()}>
              Refresh
            </button>
          </div>
        }
      />
      {configuring ? (
        <div className="cfg-board-config">
          <Card title="Stages and automation" id="pipeline-config">
            <p className="muted">Deals move through these stages in order. A time limit raises a stale-deal alert (the Stale deal escalation rule in Settings); entry events move a deal forward; a stage's task is created when a deal enters it.</p>
            <StagesEditor onSaved={() => load()} onClose={() => setConfiguring(false)} dealsKey={board ? board.columns.map((c) => `${c.stage.id}:${c.rows.map((r) => r.id).join('.')}`).join(',') : ''} />
          </Card>
        </div>
      ) : null}
      {error && !board ? (
        <ErrorPanel what="Could not load the pipeline" error={error} onRetry={() => load()} />
      ) : !board ? (
        <Loading label="Loading the pipeline…" />
      ) : (
        <>
          <div className="crm-board-bar">
            <p className="muted">{totalDeals === 0 ? 'No deals yet. A deal opens when a contact reaches SQL or asks for a demo.' : `${plural(totalDeals, 'deal')} across ${plural(board.columns.length, 'stage')}.`}</p>
            <p className="visually-hidden" role="status" aria-live="polite">
              {announce}
            </p>
          </div>
          {moveError ? (
            <div className="error-panel crm-board-error" role="alert">
              <div>
                <strong>Move undone</strong>
                <p>{moveError}</p>
              </div>
              <button type="button" className="btn" onClick={() => setMoveError(null)}>
                Dismiss
              </button>
            </div>
          ) : null}
          <div className="crm-board">
            {board.columns.map((col) => (
              <StageColumn
                key={col.stage.id}
                col={col}
                over={over === col.stage.id}
                canDrop={dragging !== null && dragging.from !== col.stage.id}
                onDragOver={(e) => {
                  if (!dragging || dragging.from === col.stage.id) return;
                  e.preventDefault();
                  e.dataTransfer.dropEffect = 'move';
                  if (over !== col.stage.id) setOver(col.stage.id);
                }}
                onDragLeave={(e) => {
                  if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) setOver((o) => (o === col.stage.id ? null : o));
                }}
                onDrop={(e) => onDrop(e, col.stage.id)}
              >
                {col.rows.map((d) => (
                  <DealCard
                    key={d.id}
                    deal={d}
                    stage={col.stage}
                    targets={moveTargets}
                    moving={moving.has(d.id)}
                    dragging={dragging?.id === d.id}
                    focusOnMount={focusAfterMove}
                    onDragStart={(e) => {
                      e.dataTransfer.setData(DEAL_MIME, String(d.id));
                      e.dataTransfer.setData('text/plain', d.title ?? `Deal ${d.id}`);
                      e.dataTransfer.effectAllowed = 'move';
                      setDragging({ id: d.id, from: col.stage.id });
                    }}
                    onDragEnd={() => {
                      setDragging(null);
                      setOver(null);
                    }}
                    onMove={(to) => void move(d, to)}
                    onOpen={() => openPanel(d.id)}
                  />
                ))}
              </StageColumn>
            ))}
          </div>
        </>
      )}
      {openDeal ? (
        <DealPanel
          id={openDeal}
          targets={moveTargets}
          onClose={closePanel}
          onMove={(d, to) => void move(d, to)}
          onSaved={() => invalidate('deals.list')}
        />
      ) : null}
      <div className="crm-tasks-section">
        <Card title="Tasks" id="pipeline-tasks">
          <TaskList status={taskFilter} onFilter={(f) => setQuery({ tasks: f === 'open' ? null : f })} />
        </Card>
      </div>
    </>
  );
}

function StageColumn({
  col,
  over,
  canDrop,
  children,
  onDragOver,
  onDragLeave,
  onDrop,
}: {
  col: Column;
  over: boolean;
  canDrop: boolean;
  children: ReactNode;
  onDragOver: (e: DragEvent) => void;
  onDragLeave: (e: DragEvent) => void;
  onDrop: (e: DragEvent) => void;
}) {
  const id = useId();
  return (
    <section
      className={over && canDrop ? 'crm-col crm-col-drop' : 'crm-col'}
      aria-labelledby={id}
      data-stage={col.stage.id}
      data-testid={`column-${col.stage.id}`}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <div className="crm-col-head">
        <h2 id={id}>{col.stage.name}</h2>
        <p data-testid="column-total">
          <span data-count={col.total}>{plural(col.total, 'deal')}</span> · {totals(col.values)}
        </p>
        <p>{col.stage.limitDays === null ? 'No time limit' : `Limit ${plural(col.stage.limitDays, 'day')}`}</p>
      </div>
      {col.rows.length === 0 ? (
        <p className="crm-col-empty">{canDrop ? 'Drop here' : 'No deals in this stage'}</p>
      ) : (
        <ul className="crm-col-cards" aria-label={`${col.stage.name} deals`}>
          {children}
        </ul>
      )}
      {col.total > col.rows.length ? <p className="crm-col-more">Newest {col.rows.length} of {col.total.toLocaleString()} shown</p> : null}
    </section>
  );
}

function DealCard({
  deal: d,
  stage,
  targets,
  moving,
  dragging,
  focusOnMount,
  onDragStart,
  onDragEnd,
  onMove,
  onOpen,
}: {
  deal: DealListRow;
  stage: Stage;
  targets: { id: string; name: string }[];
  moving: boolean;
  dragging: boolean;
  focusOnMount: RefObject<number | null>;
  onDragStart: (e: DragEvent) => void;
  onDragEnd: () => void;
  onMove: (to: string) => void;
  onOpen: () => void;
}) {
  const id = useId();
  const menu = useRef<HTMLButtonElement>(null);
  const open = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (focusOnMount.current === d.id) {
      focusOnMount.current = null;
      (menu.current ?? open.current)?.focus();
    }
  }, [d.id, focusOnMount]);
  const closed = isClosed(d);
  const stale = !closed && stage.limitDays !== null && d.daysInStage > stage.limitDays;
  const title = d.title ?? `Deal ${d.id}`;
  const who = d.contactName ?? d.contactEmail;
  return (
    <li
      className={['crm-deal', dragging ? 'crm-deal-dragging' : '', moving ? 'crm-deal-moving' : ''].filter(Boolean).join(' ')}
      draggable={!closed}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      // A click anywhere on the card (not on its link or menu) opens it; the title button is the keyboard's way.
      onClick={(e) => {
        if (!(e.target as HTMLElement).closest('a, button, [role=menu]')) onOpen();
      }}
      data-deal={d.id}
      aria-busy={moving}
    >
      <div className="crm-deal-top">
        <h3 id={id}>
          <button ref={open} type="button" className="crm-deal-open" onClick={onOpen}>
            {title}
          </button>
        </h3>
        {closed ? null : <MoveMenu ref={menu} title={title} current={d.stage} targets={targets} onMove={onMove} />}
      </div>
      {who ? (
        <span className="crm-deal-who">
          {d.contactId ? <a href={hashWith('contacts', { id: d.contactId })}>{who}</a> : who}
          {d.companyName ? ` · ${d.companyName}` : ''}
        </span>
      ) : d.companyName ? (
        <span className="crm-deal-who">{d.companyName}</span>
      ) : null}
      <div className="crm-deal-meta">
        <span className="crm-deal-value">{formatMoney(d.value, d.currency)}</span>
        {closed ? (
          <span className="muted">{d.wonAt ? 'Won' : 'Lost'}</span>
        ) : (
          <span className={stale ? 'crm-deal-stale' : 'muted'} data-testid="days-in-stage">
            {stale ? `Stale: ${plural(d.daysInStage, 'day')} (limit ${stage.limitDays})` : `${plural(d.daysInStage, 'day')} in stage`}
          </span>
        )}
      </div>
    </li>
  );
}
