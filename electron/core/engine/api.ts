/** Handlers of shared/contract/engine.ts: workflows, runs, approvals, escalations. */
import { ApiError, isTestWorkflowId, type Approval, type AutomationKpi, type AutomationPeriod, type EngineStatus, type Escalation, type NodeStats, type RunSummary, type StepDetail } from '../../../shared/api';
import type { Core } from '../core';
import type { Sqlite } from '../db/open';
import { compiled } from './compile';
import type { Engine } from './engine';
import { validateWorkflow } from './validate';
import { exportWorkflow, importWorkflow, setEnabled, subworkflowCycle, subworkflowCycleMessage, summaries } from './workflows';
import type { HandlerMap } from '../api/types';
import { engineRepo, type ApprovalView, type RunView } from './repo';
import { backfill } from './backfill';

const HOUR = 3_600_000;
/**
 * kpi.automation (also read by the kpi.read node in any thread): finished runs of [from, to] (UTC days,
 * inclusive, by finish time) and of the period of the same length before it, and failures in the 24 hours before `now`.
 */
export function automationKpi(db: Sqlite, from: string, to: string, now: number): AutomationKpi {
  const repo = engineRepo(db);
  const DAY = 86_400_000;
  const start = Date.parse(from + 'T00:00:00Z');
  const end = Date.parse(to + 'T00:00:00Z') + DAY;
  const len = end - start;
  const iso = (ms: number) => new Date(ms).toISOString();
  const period = (a: number, b: number): AutomationPeriod => {
    const c = repo.runs.finishedByStatus(iso(a), iso(b));
    const finished = c.succeeded + c.failed + c.cancelled;
    return {
      from: iso(a).slice(0, 10),
      to: iso(b - DAY).slice(0, 10),
      finished,
      succeeded: c.succeeded,
      failed: c.failed,
      cancelled: c.cancelled,
      successRate: finished ? Math.round((c.succeeded / finished) * 1000) / 10 : null,
    };
  };
  return { current: period(start, end), previous: period(start - len, start), failedLast24h: repo.runs.failedBetween(iso(now - DAY), iso(now)) };
}

/** Approvals waiting now: how many, and the oldest `limit` of them (the dashboard's "Pending approvals" tile counts the same rows). */
export function pendingApprovals(db: Sqlite, limit: number): { pending: number; items: { id: string; title: string; workflow: string; createdAt: string }[] } {
  const repo = engineRepo(db);
  return { pending: repo.approvals.pendingCount(), items: limit > 0 ? repo.approvals.pendingOldest(limit) : [] };
}

/** Escalations not acknowledged (the dashboard's "Open escalations" tile). */
export function openEscalations(db: Sqlite): number {
  return engineRepo(db).escalations.unacknowledgedCount();
}

/** Failed top-level runs finished in [from, to) (ISO times), newest first, and how many in all (not test runs). */
export function failedRuns(db: Sqlite, from: string, to: string, limit: number): { count: number; runs: { runId: string; workflowId: string; workflow: string; error: string; at: string }[] } {
  return engineRepo(db).runs.failedIn(from, to, limit);
}
/** docs/engine.md "Approvals": high when it expires within 24 h or confidence < 0.5; low when confidence >= 0.9 and no expiry within 72 h. */
export function approvalPriority(a: { confidence: number | null; expiresAt: string | null }, now: number): Approval['priority'] {
  const left = a.expiresAt === null ? Infinity : Date.parse(a.expiresAt) - now;
  if (left < 24 * HOUR || (a.confidence !== null && a.confidence < 0.5)) return 'high';
  if (a.confidence !== null && a.confidence >= 0.9 && left > 72 * HOUR) return 'low';
  return 'normal';
}

function approvalOut(a: ApprovalView, now: number): Approval {
  const { delivery, deliveryDetail, ...rest } = a;
  return { ...rest, priority: approvalPriority({ confidence: a.confidence, expiresAt: a.expiresAt }, now), delivery, deliveryDetail };
}

function runSummary(r: RunView): RunSummary {
  const { seq: _seq, ...summary } = r;
  return summary;
}

export function getRunSummary(core: Core, id: string): RunSummary {
  const r = engineRepo(core.db).runs.view(id);
  if (!r) throw new ApiError('not_found', `No run "${id}". List runs with: baton run list`);
  return runSummary(r);
}

export function engineStatus(core: Core, engine: Engine): EngineStatus {
  const repo = engine.store.repo;
  const next = engine.store.nextTimerAt();
  return {
    paused: engine.paused,
    mode: engine.mode,
    workers: engine.mode === 'pool' ? (engine.pool?.size ?? 0) : engine.mode === 'inline' ? 1 : 0,
    runs: repo.runs.activeByStatus(),
    readySteps: engine.store.readyCount(),
    timers: repo.timers.count(),
    nextTimerAt: next === null ? null : new Date(next).toISOString(),
  };
}

export function engineHandlers(core: Core, engine: Engine): HandlerMap<
  | 'workflows.list'
  | 'workflows.get'
  | 'workflows.import'
  | 'workflows.validate'
  | 'workflows.export'
  | 'workflows.enable'
  | 'workflows.disable'
  | 'workflows.nodeStats'
  | 'workflows.backfill'
  | 'engine.status'
  | 'engine.pauseAll'
  | 'engine.resumeAll'
  | 'runs.list'
  | 'runs.get'
  | 'runs.start'
  | 'runs.cancel'
  | 'runs.retry'
  | 'runs.prune'
  | 'approvals.list'
  | 'approvals.get'
  | 'approvals.decide'
  | 'kpi.automation'
  | 'approvals.decideMany'
  | 'escalations.list'
  | 'escalations.groups'
  | 'escalations.acknowledge'
  | 'escalations.ackMany'
  | 'events.publish'
> {
  const db = core.db;
  const repo = engine.store.repo;
  const wfExists = (id: string) => {
    if (!repo.workflows.exists(id)) throw new ApiError('not_found', `No workflow "${id}".`);
  };
  const approval = (id: string) => {
    const a = repo.approvals.view(id);
    if (!a) throw new ApiError('not_found', `No approval "${id}". List them with: baton approvals list`);
    return approvalOut(a, engine.now());
  };
  return {
    // Test twins (workflows.testRun) are not workflows of their own: never listed.
    'workflows.list': () => ({ workflows: summaries(db, engine.now()).filter((w) => !isTestWorkflowId(w.id)) }),
    'workflows.get': ({ id }) => {
      const [w] = summaries(db, engine.now(), id);
      if (!w) throw new ApiError('not_found', `No workflow "${id}".`);
      return { workflow: w, definition: exportWorkflow(db, id), versions: repo.workflows.versions(id) };
    },
    'workflows.import': ({ definition, enable }) => {
      const r = importWorkflow(db, definition, { nodes: core.nodes, env: core, ...(enable === undefined ? {} : { enable }) });
      if (r.changed) core.bus.emit('workflows.changed', { id: r.id });
      return r;
    },
    'workflows.validate': ({ definition }) => {
      const v = validateWorkflow(definition, { nodes: core.nodes, env: core });
      const cycle = v.definition ? subworkflowCycle(db, v.definition) : null;
      if (cycle) return { ok: false, issues: [{ path: cycle.path, message: subworkflowCycleMessage(cycle.chain) }] };
      return { ok: v.ok, issues: v.issues };
    },
    'workflows.export': ({ id, version }) => ({ definition: exportWorkflow(db, id, version) }),
    'workflows.enable': ({ id }) => {
      setEnabled(db, id, true);
      core.bus.emit('workflows.changed', { id });
      return { id, enabled: true };
    },
    'workflows.disable': ({ id }) => {
      setEnabled(db, id, false);
      core.bus.emit('workflows.changed', { id });
      return { id, enabled: false };
    },
    'workflows.backfill': async ({ id, since, limit, dryRun }) => {
      const r = await backfill(engine, id, { since, limit, dryRun });
      if (r.started) core.bus.emit('workflows.changed', { id });
      return r;
    },
    'workflows.nodeStats': ({ id, days }) => {
      wfExists(id);
      const since = engine.now() - days * 86_400_000;
      const nodes: Record<string, NodeStats> = {};
      for (const r of repo.runs.nodeStatusCounts(id, since)) {
        const c = (nodes[r.node] ??= { succeeded: 0, failed: 0, waiting: 0, skipped: 0, cancelled: 0, active: 0 });
        const k: keyof NodeStats = r.status === 'ready' || r.status === 'running' ? 'active' : (r.status as keyof NodeStats);
        if (k in c) c[k] += r.n;
      }
      return { id, days, since: new Date(since).toISOString(), runs: repo.runs.countSince(id, since), nodes };
    },
    'engine.status': () => engineStatus(core, engine),
    'engine.pauseAll': () => {
      engine.setPaused(true);
      return engineStatus(core, engine);
    },
    'engine.resumeAll': () => {
      engine.setPaused(false);
      return engineStatus(core, engine);
    },
    'runs.list': ({ workflow, status, from, to, limit, cursor }) => {
      let before: { seq: number; id: string } | undefined;
      if (cursor) {
        const [seq, id] = cursor.split('~');
        before = { seq: Number(seq), id: id as string };
      }
      const rows = repo.runs.list({ workflow, status, from: from ? Date.parse(from) : undefined, to: to ? Date.parse(to) : undefined, before, limit });
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const lastRow = page[page.length - 1];
      return { runs: page.map(runSummary), nextCursor: more && lastRow ? `${lastRow.seq}~${lastRow.id}` : null };
    },
    'runs.get': ({ id }) => {
      const r = repo.runs.detail(id);
      if (!r) throw new ApiError('not_found', `No run "${id}". List runs with: baton run list`);
      let types = new Map<string, string>();
      try {
        types = new Map([...compiled(core.nodes, db, r.workflowId, r.version, r.scope).nodes.values()].map((n) => [n.id, n.type]));
      } catch {
        /* definition gone: show ids only */
      }
      const steps = repo.steps.ofRun(id).map((s): StepDetail => ({ ...s, type: types.get(s.nodeId) ?? 'unknown' }));
      const resp = repo.responses.get(id);
      const response = resp
        ? { nodeId: resp.nodeId, fromRunId: resp.fromRunId, status: resp.status, headers: resp.headers, redirect: resp.redirect, bodyBytes: resp.body === null ? 0 : Buffer.byteLength(resp.body), at: resp.createdAt }
        : null;
      const { input, output, scope: _scope, ...view } = r;
      return { ...runSummary(view), input, output, steps, response };
    },
    'runs.start': ({ workflow, input, idempotencyKey, subject }) =>
      engine.startRun({
        workflow,
        input: input ?? {},
        trigger: { type: core.opts.host === 'cli' ? 'cli' : 'manual' },
        ...(idempotencyKey ? { idempotencyKey } : {}),
        ...(subject ? { subject } : {}),
      }),
    'runs.cancel': ({ id }) => {
      const before = getRunSummary(core, id);
      if (!['queued', 'running', 'waiting'].includes(before.status)) throw new ApiError('conflict', `Run ${id} is already ${before.status}; only a queued, running or waiting run can be cancelled.`);
      engine.cancelRun(id);
      return getRunSummary(core, id);
    },
    'runs.retry': ({ id }) => {
      engine.store.retryRun(id);
      engine.wake();
      return getRunSummary(core, id);
    },
    'runs.prune': ({ olderThanDays }) => ({ deleted: engine.prune(olderThanDays) }),
    'approvals.list': ({ status, workflow, limit, cursor }) => {
      let before: { createdAt: string; id: string } | undefined;
      if (cursor) {
        const i = cursor.lastIndexOf('~');
        before = { createdAt: cursor.slice(0, i), id: cursor.slice(i + 1) };
      }
      const rows = repo.approvals.list({ status: status === 'all' ? undefined : status, workflow, before, limit });
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const now = engine.now();
      return { approvals: page.map((a) => approvalOut(a, now)), pending: repo.approvals.pendingCount(), nextCursor: more && last ? `${last.createdAt}~${last.id}` : null };
    },
    'approvals.get': ({ id }) => approval(id),
    'approvals.decide': ({ id, decision, payload, reason, by }) => {
      const r = engine.decide(id, decision, { ...(payload !== undefined ? { payload } : {}), ...(reason ? { reason } : {}), ...(by ? { by } : {}) });
      return { approval: approval(id), ...r };
    },
    'kpi.automation': ({ from, to }) => automationKpi(core.db, from, to, engine.now()),
    'approvals.decideMany': ({ ids, decision, reason, by }) => {
      let decided = 0;
      const results = [...new Set(ids)].map((id) => {
        try {
          const r = engine.decide(id, decision, { ...(reason ? { reason } : {}), ...(by ? { by } : {}) });
          if (!r.alreadyDecided) decided++;
          return { id, approval: approval(id), ok: !r.alreadyDecided, ...r };
        } catch (e) {
          if (e instanceof ApiError && e.code === 'not_found') return { id, approval: null, ok: false, alreadyDecided: false, message: e.message };
          throw e;
        }
      });
      return { results, decided, pending: repo.approvals.pendingCount() };
    },
    'escalations.list': ({ acknowledged, severity, workflow, cause, offset, limit }) => {
      // Pinned open escalations first (few: one per day and cause), then the newest: never lost among hundreds of others.
      const f = { acknowledged, severity, workflow, cause };
      return { escalations: repo.escalations.page(f, offset, limit), unacknowledged: repo.escalations.unacknowledgedCount(), total: repo.escalations.count(f) };
    },
    'escalations.groups': ({ state, severity, workflow, limit }) => {
      const f = { acknowledged: state === 'all' ? undefined : state === 'acknowledged', severity, workflow };
      return { total: repo.escalations.count(f), unacknowledged: repo.escalations.unacknowledgedCount(), groups: repo.escalations.groups(f, limit) };
    },
    'escalations.acknowledge': ({ id, by }) => {
      const e = repo.escalations.get(id);
      if (!e) throw new ApiError('not_found', `No escalation "${id}". List them with: baton escalations list`);
      if (!e.acknowledgedAt) {
        repo.escalations.acknowledge(id, new Date(engine.now()).toISOString(), by ?? 'operator');
        core.bus.emit('escalations.acknowledged', { count: 1, unacknowledged: repo.escalations.unacknowledgedCount(), ids: [id] });
      }
      return repo.escalations.get(id) as Escalation;
    },
    'escalations.ackMany': ({ cause, ids, by }) => {
      const at = new Date(engine.now()).toISOString();
      const done = repo.transaction(() => repo.escalations.acknowledgeMatching(cause !== undefined ? { cause } : { ids: ids ?? [] }, at, by ?? 'operator'));
      const unack = repo.escalations.unacknowledgedCount();
      if (done.length) core.bus.emit('escalations.acknowledged', { count: done.length, unacknowledged: unack, ids: done.slice(0, 100) });
      return { acknowledged: done.length, unacknowledged: unack };
    },
    'events.publish': async ({ type, data, subject }) => {
      const eventId = engine.publish(type, data ?? null, subject);
      const d = await engine.dispatchEvents();
      return { eventId, startedRuns: d.startedRuns, resumedSteps: d.resumedSteps };
    },
  };
}
