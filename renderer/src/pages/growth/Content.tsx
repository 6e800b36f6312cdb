/**
 * The trend content engine's tab of the Growth page (docs/growth.md): its trend sources (add an
 * RSS/Atom feed, a failing one says why), the trends it found, and the content calendar: weeks ×
 * channels, one slot per channel and day. An entry is rescheduled by dragging it to another
 * slot (HTML5 drag and drop) or, from the keyboard, with its "Move" control (a day and a
 * channel); both call content.calendar.move, which refuses a taken slot, a past day or an
 * unknown channel with the reason shown here. Beside it, the Unscheduled list: ideas and briefs
 * without a day, each dragged onto a slot or scheduled with its "Schedule…" control (the same
 * operation; the entry becomes scheduled).
 */
import { useState, type FormEvent } from 'react';
import type { OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { DataTable, type Column } from '../../components/DataTable';
import { Card, QueryView, formatTime } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { firstFreeDay, slotsOf, unscheduledByChannel } from './model';

type Entry = OpOutput<'content.calendar'>['entries'][number];
type Trend = OpOutput<'content.trending'>['rows'][number];

const DAY_MS = 86_400_000;
const WEEKS = 2;
const CONTENT_OPS = ['content.calendar', 'content.ideas', 'content.sources.list', 'content.trending', 'growth.status', 'growth.health'] as const;

/** Days are UTC dates (YYYY-MM-DD), as the engine schedules them. */
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (day: string, n: number) => isoDay(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
/** The Monday of the week of `day`. */
export function mondayOf(day: string): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((dow + 6) % 7));
}
const dayLabel = (day: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });

const LIFECYCLE_BADGE: Record<string, string> = { EMERGING: 'badge badge-warn', PEAK: 'badge badge-ok', DECLINING: 'badge badge-neutral', STEADY: 'badge badge-neutral' };

export function ContentPanel() {
  return (
    <div className="stack">
      <CalendarCard />
      <SourcesCard />
      <TrendsCard />
    </div>
  );
}

function CalendarCard() {
  const today = isoDay(Date.now());
  const [start, setStart] = useState(() => mondayOf(today));
  const end = addDays(start, WEEKS * 7 - 1);
  const q = useQuery('content.calendar', { from: start, to: end });
  const [moving, setMoving] = useState<number | null>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [said, setSaid] = useState<string | null>(null);

  const move = async (e: Entry, day: string, channel: string) => {
    setProblem(null);
    setSaid(null);
    if (e.day === day && e.channel === channel) return true;
    try {
      const r = await call('content.calendar.move', { id: e.id, day, channel });
      setSaid(`${e.day === null ? 'Scheduled' : 'Moved'} "${r.title}" to ${r.channel} on ${dayLabel(r.day ?? day)}.`);
      invalidate(...CONTENT_OPS);
      return true;
    } catch (err) {
      setProblem(toApiError(err).message);
      return false;
    }
  };

  return (
    <Card
      title="Content calendar"
      id="growth-calendar"
      actions={
        <div className="row-actions growth-week-nav">
          <button type="button" className="btn btn-small" onClick={() => setStart(addDays(start, -7 * WEEKS))}>
            Earlier weeks
          </button>
          <button type="button" className="btn btn-small" disabled={start === mondayOf(today)} onClick={() => setStart(mondayOf(today))}>
            This week
          </button>
          <button type="button" className="btn btn-small" onClick={() => setStart(addDays(start, 7 * WEEKS))}>
            Later weeks
          </button>
        </div>
      }
    >
      <p className="muted growth-small">One slot per channel and day. Drag a scheduled piece to another slot, or use its Move button, to reschedule it.</p>
      {problem ? (
        <p className="field-error" role="alert" data-testid="calendar-problem">
          {problem}
        </p>
      ) : null}
      <p className="sr-only" role="status">
        {said ?? ''}
      </p>
      <QueryView q={q} what="Could not load the calendar" loading="Loading the calendar…">
        {(d) => {
          const bySlot = slotsOf(d.entries);
          const byId = new Map([...d.entries, ...d.unscheduled].map((e) => [e.id, e]));
          const channels = [...new Set([...d.channels, ...d.entries.map((e) => e.channel)])];
          const cardProps = (e: Entry) => ({
            e,
            today,
            channels: d.channels,
            moving: moving === e.id,
            onMoving: (on: boolean) => setMoving(on ? e.id : null),
            onDragStart: () => setDragging(e.id),
            onDragEnd: () => {
              setDragging(null);
              setOver(null);
            },
            onMove: move,
          });
          const lanes = unscheduledByChannel(d.unscheduled, d.channels);
          return (
            <div className="growth-calendar-layout">
              <div className="growth-calendar-grid">
                <div className="growth-calendar-weeks">
                  {Array.from({ length: WEEKS }, (_, w) => {
                    const monday = addDays(start, w * 7);
                    const days = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
                    return (
                      <div key={monday} className="growth-calendar-scroll" role="region" aria-label={`Week of ${dayLabel(monday)}`} tabIndex={0}>
                        <table className="growth-calendar" data-testid="calendar-week" data-week={monday}>
                          <caption>Week of {dayLabel(monday)}</caption>
                          <thead>
                            <tr>
                              <th scope="col">Channel</th>
                              {days.map((day) => (
                                <th key={day} scope="col" className={day === today ? 'growth-today' : undefined} aria-current={day === today ? 'date' : undefined}>
                                  {dayLabel(day)}
                                </th>
                              ))}
                            </tr>
                          </thead>
                          <tbody>
                            {channels.map((ch) => (
                              <tr key={ch}>
                                <th scope="row">{ch}</th>
                                {days.map((day) => {
                                  const key = `${ch}@${day}`;
                                  const past = day < today;
                                  const droppable = !past && dragging !== null;
                                  return (
                                    <td
                                      key={day}
                                      data-testid="calendar-slot"
                                      data-day={day}
                                      data-channel={ch}
                                      className={[past ? 'growth-slot-past' : '', over === key ? 'growth-slot-over' : ''].filter(Boolean).join(' ') || undefined}
                                      onDragOver={(ev) => {
                                        if (!droppable) return;
                                        ev.preventDefault();
                                        ev.dataTransfer.dropEffect = 'move';
                                        if (over !== key) setOver(key);
                                      }}
                                      onDragLeave={() => setOver((o) => (o === key ? null : o))}
                                      onDrop={(ev) => {
                                        ev.preventDefault();
                                        setOver(null);
                                        const id = Number(ev.dataTransfer.getData('text/plain')) || dragging;
                                        setDragging(null);
                                        const e = id ? byId.get(id) : undefined;
                                        if (e && !past) void move(e, day, ch);
                                      }}
                                    >
                                      {(bySlot.get(key) ?? []).map((e) => (
                                        <EntryCard key={e.id} {...cardProps(e)} />
                                      ))}
                                    </td>
                                  );
                                })}
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      </div>
                    );
                  })}
                  {d.entries.length === 0 ? <p className="muted">Nothing scheduled in these weeks: the content engine schedules its briefs here.</p> : null}
                </div>
                <section className="growth-unscheduled" aria-labelledby="growth-unscheduled-h" data-testid="calendar-unscheduled">
                  <h3 id="growth-unscheduled-h">Unscheduled ({d.unscheduled.length})</h3>
                  {lanes.length ? (
                    <>
                      <p className="muted growth-small">Ideas and briefs with no day yet. Drag one onto a slot, or use its Schedule button.</p>
                      {lanes.map((g) => (
                        <div key={g.channel} className="growth-unscheduled-lane">
                          <h4>{g.channel}</h4>
                          {g.entries.map((e) => (
                            <EntryCard key={e.id} {...cardProps(e)} defaultDay={firstFreeDay(d.entries, e.channel, today)} />
                          ))}
                        </div>
                      ))}
                    </>
                  ) : (
                    <p className="muted growth-small">Every idea and brief has a day.</p>
                  )}
                </section>
              </div>
            </div>
          );
        }}
      </QueryView>
    </Card>
  );
}

function EntryCard({ e, today, channels, moving, onMoving, onDragStart, onDragEnd, onMove, defaultDay }: { e: Entry; today: string; channels: string[]; moving: boolean; onMoving: (on: boolean) => void; onDragStart: () => void; onDragEnd: () => void; onMove: (e: Entry, day: string, channel: string) => Promise<boolean>; defaultDay?: string }) {
  const movable = e.status === 'scheduled' || e.status === 'briefed' || e.status === 'idea';
  const verb = e.day === null ? 'Schedule' : 'Move';
  const [day, setDay] = useState(e.day && e.day >= today ? e.day : (defaultDay ?? today));
  const [channel, setChannel] = useState(e.channel);
  const formId = `calendar-move-${e.id}`;
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (await onMove(e, day, channel)) onMoving(false);
  };
  return (
    <div
      className={`growth-entry growth-entry-${e.status}`}
      data-testid="calendar-entry"
      data-id={e.id}
      data-status={e.status}
      draggable={movable}
      onDragStart={(ev) => {
        ev.dataTransfer.setData('text/plain', String(e.id));
        ev.dataTransfer.effectAllowed = 'move';
        onDragStart();
      }}
      onDragEnd={onDragEnd}
    >
      <span className="growth-entry-title">{e.title}</span>
      <span className="muted growth-entry-meta">
        {e.status}
        {e.trend ? ` · ${e.trend}` : ''}
      </span>
      {e.link ? (
        <a href={e.link} target="_blank" rel="noreferrer">
          the piece
        </a>
      ) : null}
      {movable ? (
        moving ? (
          <form id={formId} className="growth-move" onSubmit={(ev) => void submit(ev)} aria-label={`${verb} "${e.title}"`}>
            <label>
              Day
              <input type="date" value={day} min={today} required onChange={(ev) => setDay(ev.target.value)} />
            </label>
            <label>
              Channel
              <select value={channel} onChange={(ev) => setChannel(ev.target.value)}>
                {channels.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
            <span className="row-actions">
              <button type="submit" className="btn btn-small btn-primary">
                {verb}
              </button>
              <button type="button" className="btn btn-small" onClick={() => onMoving(false)}>
                Cancel
              </button>
            </span>
          </form>
        ) : (
          <button type="button" className="btn btn-small btn-quiet" aria-label={e.day === null ? `Schedule "${e.title}" on a day and channel` : `Move "${e.title}" to another day or channel`} onClick={() => onMoving(true)}>
            {verb}…
          </button>
        )
      ) : null}
    </div>
  );
}

function SourcesCard() {
  const q = useQuery('content.sources.list', {});
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setProblem(null);
    setBusy(true);
    try {
      await fn();
      invalidate(...CONTENT_OPS);
      return true;
    } catch (err) {
      setProblem(toApiError(err).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (ev: FormEvent) => {
    ev.preventDefault();
    if (await run(() => call('content.sources.add', { url: url.trim(), ...(name.trim() ? { name: name.trim() } : {}) }))) {
      setUrl('');
      setName('');
    }
  };
  type Src = OpOutput<'content.sources.list'>['sources'][number];
  const columns: Column<Src>[] = [
    { key: 'name', header: 'Source', primary: true, cell: (s) => s.name },
    { key: 'url', header: 'Address', className: 'growth-wrap', cell: (s) => s.url ?? '–' },
    {
      key: 'status',
      header: 'Status',
      className: 'growth-wrap',
      cell: (s) => (
        <>
          <span className={s.status === 'failing' ? 'badge badge-warn' : s.status === 'ok' ? 'badge badge-ok' : 'badge badge-neutral'}>{s.status}</span>
          {s.lastError ? <span className="muted growth-reason"> {s.lastError}</span> : null}
        </>
      ),
    },
    { key: 'items', header: 'Items', className: 'num', cell: (s) => s.items },
    { key: 'fetched', header: 'Read', cell: (s) => (s.lastFetchAt ? formatTime(s.lastFetchAt) : 'not yet') },
  ];
  return (
    <Card
      title="Trend sources"
      id="growth-sources"
      actions={
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => call('content.refresh', {}))}>
          Read the feeds now
        </button>
      }
    >
      <form className="growth-source-form" onSubmit={(ev) => void add(ev)}>
        <label>
          Feed address (RSS or Atom)
          <input type="url" value={url} required placeholder="https://example.com/feed.xml" onChange={(ev) => setUrl(ev.target.value)} />
        </label>
        <label>
          <span>
            Name <span className="muted">(optional)</span>
          </span>
          <input value={name} onChange={(ev) => setName(ev.target.value)} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Add feed
        </button>
      </form>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <QueryView q={q} what="Could not load the sources" loading="Loading the sources…" isEmpty={(d) => d.sources.length === 0} empty={<p className="muted">No trend source yet: add a feed, or import a trend export on the Engines tab.</p>}>
        {(d) => <DataTable label="Trend sources" rows={d.sources} columns={columns} rowKey={(s) => s.id} rowProps={(s) => ({ 'data-testid': 'trend-source', 'data-status': s.status })} />}
      </QueryView>
    </Card>
  );
}

function TrendsCard() {
  const q = useQuery('content.trending', { limit: 20, offset: 0 });
  const columns: Column<Trend>[] = [
    { key: 'label', header: 'Trend', primary: true, cell: (t) => t.label },
    { key: 'lifecycle', header: 'Lifecycle', cell: (t) => <span className={LIFECYCLE_BADGE[t.lifecycle] ?? 'badge badge-neutral'}>{t.lifecycle.toLowerCase()}</span> },
    { key: 'velocity', header: 'Velocity', className: 'num', cell: (t) => `${t.velocity > 0 ? '+' : ''}${Math.round(t.velocity * 100)} %` },
    { key: 'relevance', header: 'Relevance', className: 'num', cell: (t) => `${Math.round(t.relevance * 100)} %` },
    { key: 'source', header: 'Source', cell: (t) => t.source ?? '–' },
  ];
  return (
    <Card title="Trends" id="growth-trends">
      <QueryView q={q} what="Could not load the trends" loading="Loading the trends…" isEmpty={(d) => d.total === 0} empty={<p className="muted">No trends yet: the content engine finds them in its sources when it analyzes.</p>}>
        {(d) => <DataTable label="Trends" rows={d.rows} columns={columns} rowKey={(t) => t.id} rowProps={(t) => ({ 'data-testid': 'trend-row', 'data-lifecycle': t.lifecycle })} />}
      </QueryView>
    </Card>
  );
}
