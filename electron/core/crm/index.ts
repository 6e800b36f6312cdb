/**
 * The CRM domain: registers the contacts/companies/events/forms/scoring/
 * segments/deals/KPI operations, the public routes /forms/<slug> and /events,
 * and a maintenance service (decay re-scoring, purge after the undo window).
 */
import { Readable } from 'node:stream';
import { crmEventTypes, crmOps } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core, RouteLimits, Service } from '../core';
import { defineDomain } from '../domain';
import { CRM_NODES } from './nodes';
import { createContact, deleteContact, getContact, listContacts, mergeContacts, purgeDeleted, restoreContact, updateContact } from './contacts';
import { importCsv, previewCsv } from './csv';
import { addDealNote, checkDealStage, createDeal, getDeal, listDeals, updateDeal } from './deals';
import { eventsRoute, formsRoute, ingestEvents, listForms, rotateIngestKey, saveFormChecked } from './events';
import { dashboard, refreshRollup } from './kpi';
import { countFilter, deleteSegment, fillNewSegments, listSegments, reconcileSegments, saveSegment, segmentClock } from './segments';
import { getScoring, previewScoring, rescore, setScoring } from './scoring';
import { storeOf, syncSearchIndex } from './store';
import { likeEscape } from './util';

export { inSegment } from './segments';
export { CRM_STORE, storeOf } from './store';

const MAINTENANCE_EVERY_MS = 6 * 60 * 60 * 1000;
/** Time-based segment conditions ("no activity for 30 days") are checked this often: an entry or exit is at most this late. */
export const SEGMENT_CLOCK_EVERY_MS = 5 * 60 * 1000;

export function crmHandlers(core: Core): HandlerMap<keyof typeof crmOps> {
  return {
    'contacts.list': (i) => listContacts(core, i),
    'contacts.get': (i) => getContact(core, i.id, i.timelineLimit),
    'contacts.create': (i) => createContact(core, i),
    'contacts.update': (i) => updateContact(core, i),
    'contacts.delete': (i) => deleteContact(core, i.id),
    'contacts.restore': (i) => restoreContact(core, i.id),
    'contacts.merge': (i) => mergeContacts(core, i.targetId, i.sourceId),
    'contacts.import': (i) => importCsv(core, Readable.from([i.csv]), { map: i.map, file: i.file, source: i.source }),
    'contacts.import.preview': (i) => previewCsv(core, Readable.from([i.csv]), { map: i.map, file: i.file, source: i.source }),
    'companies.list': (i) => {
      const q = i.search?.trim();
      const conds: string[] = [];
      const params: unknown[] = [];
      if (q) {
        conds.push(`(co.name LIKE ? ESCAPE '\\' OR co.domain LIKE ? ESCAPE '\\')`);
        params.push(`%${likeEscape(q)}%`, `%${likeEscape(q)}%`);
      }
      if (i.id !== undefined) {
        conds.push('co.id = ?');
        params.push(i.id);
      }
      const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
      const total = (core.db.prepare(`SELECT COUNT(*) AS n FROM companies co ${where}`).get(...params) as { n: number }).n;
      const rows = core.db
        .prepare(
          `SELECT co.id, co.name, co.domain, (SELECT COUNT(*) FROM contacts c WHERE c.company_id = co.id AND c.deleted_at IS NULL) AS contacts
           FROM companies co ${where} ORDER BY co.name, co.id LIMIT ? OFFSET ?`,
        )
        .all(...params, i.limit, i.offset) as { id: number; name: string | null; domain: string | null; contacts: number }[];
      return { total, rows };
    },
    'events.ingest': (i) => ingestEvents(core, i.events, { reason: 'api' }),
    'events.ingestKey.rotate': () => rotateIngestKey(core),
    'forms.list': () => ({ forms: listForms(core) }),
    'forms.save': (i) => saveFormChecked(core, i),
    'forms.delete': (i) => ({ deleted: storeOf(core).stmt(`DELETE FROM forms WHERE slug = ?`).run(i.slug).changes > 0 }),
    'scoring.rules.get': () => getScoring(core),
    'scoring.rules.set': (i) => setScoring(core, i.config),
    'scoring.rescore': () => rescore(core),
    'scoring.preview': (i) => previewScoring(core, i.config, i.contactIds, new Date(core.now())),
    'segments.list': () => ({ segments: listSegments(core) }),
    'segments.save': (i) => saveSegment(core, i),
    'segments.delete': (i) => ({ deleted: deleteSegment(core, i.id) }),
    'segments.count': (i) => ({ count: countFilter(core, i.filter) }),
    'deals.create': (i) => (checkDealStage(core, i.stage), createDeal(core, i)),
    'deals.update': (i) => (i.stage !== undefined && checkDealStage(core, i.stage), updateDeal(core, i, { recordMove: true })),
    'deals.list': (i) => listDeals(core, i),
    'deals.get': (i) => getDeal(core, i.id),
    'deals.notes.add': (i) => addDealNote(core, i.dealId, i.text),
    'kpi.dashboard': (i) => dashboard(core, i.from, i.to),
    'kpi.refresh': () => {
      const events = refreshRollup(core);
      if (events > 0) core.bus.emit('crm.kpi.changed', { events });
      return { events };
    },
  };
}

/**
 * Decay depends on the date: re-score now and then; purge contacts whose undo window is over;
 * keep the rollup fresh; fill segments an upgrade left without members and compare every
 * segment with its members (a safety net: normally nothing moves).
 */
export function maintenance(core: Core): void {
  fillNewSegments(core);
  rescore(core);
  purgeDeleted(core);
  syncSearchIndex(core.db);
  segmentClock(core);
  reconcileSegments(core);
  const events = refreshRollup(core);
  if (events > 0) core.bus.emit('crm.kpi.changed', { events });
}

function maintenanceService(core: Core): Service {
  let timer: NodeJS.Timeout | null = null;
  let clock: NodeJS.Timeout | null = null;
  let first: NodeJS.Timeout | null = null;
  return {
    name: 'crm-maintenance',
    start() {
      const run = () => {
        try {
          maintenance(core);
        } catch (e) {
          core.log.error('CRM maintenance failed', { error: e as Error });
        }
      };
      const tick = () => {
        try {
          segmentClock(core);
        } catch (e) {
          core.log.error('CRM segment clock failed', { error: e as Error });
        }
      };
      timer = setInterval(run, MAINTENANCE_EVERY_MS);
      timer.unref();
      clock = setInterval(tick, SEGMENT_CLOCK_EVERY_MS);
      clock.unref();
      first = setTimeout(run, 5_000);
      first.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      if (clock) clearInterval(clock);
      if (first) clearTimeout(first);
      timer = clock = first = null;
    },
  };
}

/** Lead capture is posted by strangers' browsers: small bodies, a few posts a minute per address (docs/server.md). */
const FORM_LIMITS: RouteLimits = {
  bodyLimit: 64 * 1024,
  contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
  perIp: { perMinute: 10, burst: 5 },
  global: { perMinute: 300, burst: 60 },
};
/** The form routes' limits with the route-wide rate of the setting forms.perMinute (read at start). */
export function formLimits(perMinute: number): RouteLimits {
  return { ...FORM_LIMITS, global: { perMinute, burst: Math.max(60, Math.floor(perMinute / 5)) } };
}
/** Event ingest is authenticated (the ingest key) and batched (up to 1,000 events a post). */
const EVENTS_LIMITS: RouteLimits = {
  bodyLimit: 64 * 1024,
  contentTypes: ['application/json'],
  perIp: { perMinute: 120, burst: 60 },
  global: { perMinute: 1200, burst: 200 },
};

/**
 * The CRM domain: contacts, companies, activity events, forms, scoring,
 * segments, deals and funnel KPIs; lead capture at /hooks/forms/<form> and
 * event ingest at /hooks/events (also at the short /forms and /events that
 * earlier versions printed); a maintenance service (decay re-scoring, purge
 * after the undo window, search index, KPI rollup).
 */
export const crmDomain = defineDomain({
  id: 'crm',
  description: 'Contacts, companies, activity events, lead-capture forms, scoring, segments, deals and funnel KPIs.',
  ops: crmOps,
  events: crmEventTypes,
  nodes: CRM_NODES,
  settings: ['crm.undoWindowDays', 'forms.perMinute'],
  create(core) {
    const forms = { handler: formsRoute(core), limits: formLimits(core.setting<number>('forms.perMinute', 300)) };
    const events = { handler: eventsRoute(core), limits: EVENTS_LIMITS };
    return {
      handlers: crmHandlers(core),
      routes: { 'hooks/forms': forms, 'hooks/events': events, forms, events },
      services: [maintenanceService(core)],
    };
  },
});
