/** One contact: fields, tags, stage, the score and why, the activity timeline, the deals and the tasks. */
import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { OpOutput } from '../../../../shared/api';
import { useApi, useEvent } from '../../api/hooks';
import { ErrorPanel, Loading, formatTime } from '../../components/ui';
import { hashWith } from '../../api/nav';
import { NewDealButton } from '../pipeline/NewDeal';
import { ContactActions } from './ContactActions';
import { STAGE_LABEL, formatDay, formatMoney, personName, signed } from './format';
import { TaskList, type TaskFilter } from './Tasks';

type Detail = OpOutput<'contacts.get'>;

const KIND_LABEL = { fit: 'Fit', behavior: 'Behaviour', adjustment: 'Adjustment', decay: 'Decay' } as const;

export function ContactDetail({ id, onBack }: { id: number; onBack: () => void }) {
  const q = useApi('contacts.get', { id, timelineLimit: 200 });
  const heading = useRef<HTMLHeadingElement>(null);
  const reload = q.reload;
  useEvent('crm.contact.changed', (p) => p.contactId === id && reload());
  useEvent('crm.event.recorded', (p) => p.contactId === id && reload());
  useEvent('crm.scoring.changed', () => reload());
  const loaded = Boolean(q.data);
  useEffect(() => {
    if (loaded) heading.current?.focus({ preventScroll: false });
  }, [loaded, id]);

  return (
    <div className="cd">
      <p className="cd-back">
        <button type="button" className="btn-link" onClick={onBack}>
          ← All contacts
        </button>
      </p>
      {q.error ? (
        <ErrorPanel what={`Could not load contact ${id}`} error={q.error} onRetry={q.reload} />
      ) : !q.data ? (
        <Loading label="Loading the contact…" />
      ) : (
        <DetailView d={q.data} heading={heading} onChanged={reload} />
      )}
    </div>
  );
}

function DetailView({ d, heading, onChanged }: { d: Detail; heading: RefObject<HTMLHeadingElement | null>; onChanged: () => void }) {
  const c = d.contact;
  const facts: [string, ReactNode][] = [
    ['E-mail', c.email],
    ['Phone', c.phone],
    ['Title', c.title],
    ['Company', c.companyName ? `${c.companyName}${c.companyDomain ? ` (${c.companyDomain})` : ''}` : c.companyDomain],
    ['Source', [...new Set([c.source, c.utmSource, c.utmMedium, c.utmCampaign].filter(Boolean))].join(' · ') || null],
    ['Time zone', c.timeZone],
    ['Consent', c.consent === 'unknown' ? 'Unknown' : `${c.consent === 'granted' ? 'Granted' : 'Denied'}${c.consentAt ? ` on ${formatDay(c.consentAt)}` : ''}`],
    ['Created', formatTime(c.createdAt)],
    ['Last activity', c.lastActivityAt ? formatTime(c.lastActivityAt) : 'None yet'],
  ];
  const custom = Object.entries(c.custom);
  return (
    <>
      <header className="cd-head">
        <div>
          <h2 ref={heading} tabIndex={-1} data-testid="contact-name">
            {personName(c)}
          </h2>
          <p className="muted">
            {c.title ? `${c.title}${c.companyName ? ' at ' : ''}` : ''}
            {c.companyName ?? ''}
          </p>
        </div>
        <div className="cd-badges">
          <span className={`crm-stage crm-stage-${c.stage}`}>{STAGE_LABEL[c.stage]}</span>
          <span className="cd-score" data-testid="contact-score">
            <span className="muted">Score</span> <strong>{d.score.total}</strong>
          </span>
          {c.score !== d.score.total ? <span className="muted cd-stored">(the list still shows {c.score} until the next re-score)</span> : null}
        </div>
      </header>
      {c.deletedAt && c.mergedInto ? (
        <p className="notice">
          {c.mergedInto ? `This contact was merged into contact ${c.mergedInto} on ${formatTime(c.deletedAt)}.` : `This contact was deleted on ${formatTime(c.deletedAt)}.`}
        </p>
      ) : null}
      <ContactActions key={c.id} contact={c} onChanged={onChanged} />
      <div className="cd-grid">
        <section className="card" aria-labelledby="cd-fields">
          <h3 id="cd-fields">Details</h3>
          <dl className="cd-facts">
            {facts.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v ?? <span className="muted">—</span>}</dd>
              </div>
            ))}
            <div>
              <dt>Tags</dt>
              <dd>
                {c.tags.length ? (
                  <ul className="crm-chips" aria-label="Tags">
                    {c.tags.map((t) => (
                      <li key={t} className="crm-chip">
                        {t}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="muted">No tags</span>
                )}
              </dd>
            </div>
            {custom.map(([k, v]) => (
              <div key={`custom-${k}`}>
                <dt>{k}</dt>
                <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
              </div>
            ))}
          </dl>
        </section>
        <ScoreCard d={d} />
      </div>
      <div className="cd-grid">
        <Timeline d={d} />
        <div>
          <Deals d={d} onChanged={onChanged} />
          <ContactTasks contactId={c.id} />
        </div>
      </div>
    </>
  );
}

function ScoreCard({ d }: { d: Detail }) {
  const s = d.score;
  return (
    <section className="card" aria-labelledby="cd-score">
      <h3 id="cd-score">Score: why {s.total}</h3>
      <p className="muted">Scored {formatTime(s.scoredAt)}. Each line is a rule that applied, with its points and when.</p>
      {s.lines.length === 0 ? (
        <p>No rule applies yet: the score is 0.</p>
      ) : (
        <table className="table" data-testid="score-explanation">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Kind</th>
              <th scope="col" className="num">
                Points
              </th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {s.lines.map((l, i) => (
              <tr key={`${l.rule}-${i}`} data-rule={l.rule}>
                <td>
                  <span className="cd-rule">{l.label ?? l.rule}</span>
                  <span className="muted cd-detail">{l.detail}</span>
                </td>
                <td>{KIND_LABEL[l.kind]}</td>
                <td className={l.points < 0 ? 'num pts-neg' : 'num pts-pos'}>{signed(l.points)}</td>
                <td>{l.at ? formatTime(l.at) : '—'}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Total
              </th>
              <td className="num" data-testid="score-total">
                <strong>{s.total}</strong>
              </td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}

function summary(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (v === null || v === undefined || typeof v === 'object') continue;
    parts.push(`${k}: ${String(v)}`);
    if (parts.length >= 4) break;
  }
  return parts.join(' · ');
}

function Timeline({ d }: { d: Detail }) {
  return (
    <section className="card" aria-labelledby="cd-timeline">
      <h3 id="cd-timeline">Activity</h3>
      {d.timeline.length === 0 ? (
        <p className="muted">No activity recorded yet.</p>
      ) : (
        <ol className="crm-timeline" aria-label="Activity, newest first">
          {d.timeline.map((e) => (
            <li key={e.id}>
              <span className="tl-type">{e.type}</span>
              <time dateTime={e.at} className="muted">
                {formatTime(e.at)}
              </time>
              {summary(e.data) ? <span className="tl-data muted">{summary(e.data)}</span> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function ContactTasks({ contactId }: { contactId: number }) {
  const [status, setStatus] = useState<TaskFilter>('open');
  return (
    <section className="card crm-tasks-section" aria-labelledby="cd-tasks">
      <h3 id="cd-tasks">Tasks</h3>
      <TaskList status={status} contactId={contactId} onFilter={setStatus} />
    </section>
  );
}

function Deals({ d, onChanged }: { d: Detail; onChanged: () => void }) {
  const c = d.contact;
  return (
    <section className="card" aria-labelledby="cd-deals">
      <div className="cd-deals-head">
        <h3 id="cd-deals">Deals</h3>
        <NewDealButton className="btn btn-small" contact={{ id: c.id, label: personName(c) }} onCreated={onChanged} />
      </div>
      {d.deals.length === 0 ? (
        <p className="muted">No deals with this contact.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Deal</th>
              <th scope="col">Stage</th>
              <th scope="col" className="num">
                Value
              </th>
              <th scope="col">Opened</th>
            </tr>
          </thead>
          <tbody>
            {d.deals.map((x) => (
              <tr key={x.id}>
                <td>
                  <a href={hashWith('pipeline', { deal: x.id })}>{x.title ?? `Deal ${x.id}`}</a>
                </td>
                <td>{x.wonAt ? `Won ${formatDay(x.wonAt)}` : x.lostAt ? `Lost ${formatDay(x.lostAt)}` : x.stage}</td>
                <td className="num">{formatMoney(x.value, x.currency)}</td>
                <td>{formatDay(x.openedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
