/** Handlers of shared/contract/engine.ts: workflows, runs, approvals, escalations, plans, learnings. */
import { ApiError, TEST_WORKFLOW_PREFIX, isTestWorkflowId, type Approval, type AutomationPeriod, type EngineStatus, type Escalation, type NodeStats, type RunSummary, type StepDetail } from '../../../shared/api';
import type { Core } from '../core';
import { compiled } from './compile';
import type { Engine } from './engine';
import { validateWorkflow } from './validate';
import { exportWorkflow, importWorkflow, setEnabled, subworkflowCycle, subworkflowCycleMessage, summaries } from './workflows';
import type { HandlerMap } from '../api/types';
import { parseStored, parseStoredOrNull } from '../db/integrity';
import { backfill } from './backfill';

/** A JSON column of the engine's tables: damage throws StoredDataError. */
const P = (s: string | null | undefined): unknown => parseStoredOrNull(s, 'an engine record (runs, steps, approvals or plans)');

type RunRow = {
  id: string;
  workflow_id: string;
  version: number;
  scope: string;
  status: string;
  phase: string | null;
  input: string | null;
  output: string | null;
  error: string | null;
  trigger: string;
  subject: string | null;
  parent_run_id: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  seq: number;
  workflow_name: string | null;
};

function runSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    workflowId: r.workflow_id,
    workflowName: r.workflow_name ?? r.workflow_id,
    version: r.version,
    status: r.status as RunSummary['status'],
    phase: r.phase as RunSummary['phase'],
    trigger: P(r.trigger) as RunSummary['trigger'],
    subject: r.subject,
    parentRunId: r.parent_run_id,
    error: P(r.error) as RunSummary['error'],
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

type ApprovalRow = {
  id: string;
  run_id: string;
  workflow_id: string;
  node_id: string;
  title: string;
  payload: string | null;
  confidence: number | null;
  reason: string | null;
  status: string;
  decided_payload: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  expires_at: string | null;
  created_at: string;
  workflow_name: string | null;
  delivery: string | null;
  delivery_detail: string | null;
};

/** Approvals with the workflow name and what became of the run after the decision (see ApprovalDelivery). */
const APPROVAL_SELECT = `SELECT a.*, w.name AS workflow_name,
  CASE WHEN a.status IN ('pending', 'cancelled') THEN NULL
    WHEN r.status IS NULL THEN NULL
    WHEN r.status = 'succeeded' THEN 'delivered'
    WHEN r.status IN ('failed', 'cancelled') THEN 'failed'
    WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.run_id = a.run_id AND o.status = 'pending')
      OR EXISTS (SELECT 1 FROM steps s WHERE s.run_id = a.run_id AND s.status = 'waiting' AND s.waiting_for LIKE 'retry %') THEN 'queued'
    ELSE 'running' END AS delivery,
  CASE WHEN a.status IN ('pending', 'cancelled') THEN NULL
    WHEN r.status IN ('failed', 'cancelled') THEN COALESCE(json_extract(r.error, '$.message'), 'the run was ' || r.status)
    WHEN r.status IN ('queued', 'running', 'waiting') THEN
      (SELECT COALESCE(json_extract(s.error, '$.message') || '; ', '') || s.waiting_for FROM steps s
        WHERE s.run_id = a.run_id AND s.status = 'waiting' AND s.waiting_for LIKE 'retry %' ORDER BY s.id LIMIT 1)
    ELSE NULL END AS delivery_detail
  FROM approvals a LEFT JOIN workflows w ON w.id = a.workflow_id LEFT JOIN runs r ON r.id = a.run_id`;

const HOUR = 3_600_000;
/** Test runs (workflows.testRun) run under the test twin `test~<id>` and never count in the KPIs. */
const NOT_TEST = `substr(workflow_id, 1, ${TEST_WORKFLOW_PREFIX.length}) <> '${TEST_WORKFLOW_PREFIX}'`;
/** docs/engine.md "Approvals": high when it expires within 24 h or confidence < 0.5; low when confidence >= 0.9 and no expiry within 72 h. */
export function approvalPriority(a: { confidence: number | null; expiresAt: string | null }, now: number): Approval['priority'] {
  const left = a.expiresAt === null ? Infinity : Date.parse(a.expiresAt) - now;
  if (left < 24 * HOUR || (a.confidence !== null && a.confidence < 0.5)) return 'high';
  if (a.confidence !== null && a.confidence >= 0.9 && left > 72 * HOUR) return 'low';
  return 'normal';
}

function approvalOut(a: ApprovalRow, now: number): Approval {
  return {
    id: a.id,
    runId: a.run_id,
    workflowId: a.workflow_id,
    workflowName: a.workflow_name ?? a.workflow_id,
    nodeId: a.node_id,
    title: a.title,
    payload: P(a.payload),
    confidence: a.confidence,
    reason: a.reason,
    status: a.status as Approval['status'],
    decidedPayload: P(a.decided_payload),
    decidedBy: a.decided_by,
    decidedAt: a.decided_at,
    decisionReason: a.decision_reason,
    expiresAt: a.expires_at,
    createdAt: a.created_at,
    priority: approvalPriority({ confidence: a.confidence, expiresAt: a.expires_at }, now),
    delivery: a.delivery as Approval['delivery'],
    deliveryDetail: a.delivery_detail,
  };
}
type EscRow = {
  id: string;
  severity: string;
  title: string;
  detail: string;
  run_id: string | null;
  workflow_id: string | null;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  pinned: number;
};
function escalationOut(e: EscRow): Escalation {
  return {
    id: e.id,
    severity: e.severity as Escalation['severity'],
    title: e.title,
    detail: e.detail,
    runId: e.run_id,
    workflowId: e.workflow_id,
    createdAt: e.created_at,
    acknowledgedAt: e.acknowledged_at,
    acknowledgedBy: e.acknowledged_by,
    pinned: Boolean(e.pinned),
  };
}

/** The common part of an escalation's title: before its first ": " (`Hot lead: Ada` -> `Hot lead`). */
const CAUSE_TITLE = `(CASE WHEN instr(title, ': ') > 0 THEN substr(title, 1, instr(title, ': ') - 1) ELSE title END)`;
const SEVERITIES = ['info', 'warning', 'critical'] as const;
const SEVERITY_RANK = `(CASE e.severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END)`;

/** WHERE for escalations by state, severity, workflow and cause (escalations.list / groups / ackMany). */
function escalationFilter(f: { acknowledged?: boolean | undefined; severity?: string | undefined; workflow?: string | undefined; cause?: string | undefined }): { where: string; args: unknown[] } {
  const w: string[] = [];
  const args: unknown[] = [];
  if (f.acknowledged !== undefined) w.push(`acknowledged_at IS ${f.acknowledged ? 'NOT NULL' : 'NULL'}`);
  if (f.severity) {
    w.push('severity = ?');
    args.push(f.severity);
  }
  if (f.workflow !== undefined) {
    w.push(`COALESCE(workflow_id, '') = ?`);
    args.push(f.workflow);
  }
  if (f.cause !== undefined) {
    w.push(`COALESCE(workflow_id, '') || '|' || ${CAUSE_TITLE} = ?`);
    args.push(f.cause);
  }
  return { where: w.length ? `WHERE ${w.join(' AND ')}` : '', args };
}
const and = (where: string, cond: string) => (!cond ? where : where ? `${where} AND ${cond}` : `WHERE ${cond}`);

const RUN_SELECT = `SELECT r.*, w.name AS workflow_name FROM runs r LEFT JOIN workflows w ON w.id = r.workflow_id`;

export function getRunSummary(core: Core, id: string): RunSummary {
  const r = core.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunRow | undefined;
  if (!r) throw new ApiError('not_found', `No run "${id}". List runs with: baton run list`);
  return runSummary(r);
}

export function engineStatus(core: Core, engine: Engine): EngineStatus {
  const db = core.db;
  const counts = db.prepare(`SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('queued','running','waiting') GROUP BY status`).all() as { status: string; n: number }[];
  const c = (s: string) => counts.find((x) => x.status === s)?.n ?? 0;
  const next = engine.store.nextTimerAt();
  return {
    paused: engine.paused,
    mode: engine.mode,
    workers: engine.mode === 'pool' ? (engine.pool?.size ?? 0) : engine.mode === 'inline' ? 1 : 0,
    runs: { queued: c('queued'), running: c('running'), waiting: c('waiting') },
    readySteps: engine.store.readyCount(),
    timers: (db.prepare('SELECT COUNT(*) AS n FROM timers').get() as { n: number }).n,
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
  | 'plans.list'
  | 'plans.add'
  | 'learnings.list'
  | 'learnings.add'
> {
  const db = core.db;
  const wfExists = (id: string) => {
    if (!db.prepare('SELECT 1 FROM workflows WHERE id = ?').get(id)) throw new ApiError('not_found', `No workflow "${id}".`);
  };
  const pending = () => (db.prepare(`SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending'`).get() as { n: number }).n;
  const approval = (id: string) => {
    const a = db.prepare(`${APPROVAL_SELECT} WHERE a.id = ?`).get(id) as ApprovalRow | undefined;
    if (!a) throw new ApiError('not_found', `No approval "${id}". List them with: baton approvals list`);
    return approvalOut(a, engine.now());
  };
  return {
    // Test twins (workflows.testRun) are not workflows of their own: never listed.
    'workflows.list': () => ({ workflows: summaries(db, engine.now()).filter((w) => !isTestWorkflowId(w.id)) }),
    'workflows.get': ({ id }) => {
      const [w] = summaries(db, engine.now(), id);
      if (!w) throw new ApiError('not_found', `No workflow "${id}".`);
      const versions = (db.prepare('SELECT version, created_at FROM workflow_versions WHERE workflow_id = ? ORDER BY version DESC').all(id) as { version: number; created_at: string }[]).map((v) => ({
        version: v.version,
        createdAt: v.created_at,
      }));
      return { workflow: w, definition: exportWorkflow(db, id), versions };
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
      // runs_workflow_status (workflow_id, status, seq) finds the runs, steps_run_node their steps.
      const rows = db
        .prepare(
          `SELECT s.node_id AS node, s.status AS status, COUNT(*) AS n FROM runs r JOIN steps s ON s.run_id = r.id
           WHERE r.workflow_id = ? AND r.scope = '' AND r.seq >= ? GROUP BY s.node_id, s.status`,
        )
        .all(id, since) as { node: string; status: string; n: number }[];
      const nodes: Record<string, NodeStats> = {};
      for (const r of rows) {
        const c = (nodes[r.node] ??= { succeeded: 0, failed: 0, waiting: 0, skipped: 0, cancelled: 0, active: 0 });
        const k: keyof NodeStats = r.status === 'ready' || r.status === 'running' ? 'active' : (r.status as keyof NodeStats);
        if (k in c) c[k] += r.n;
      }
      const runs = (db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = ? AND scope = '' AND seq >= ?`).get(id, since) as { n: number }).n;
      return { id, days, since: new Date(since).toISOString(), runs, nodes };
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
      const where = [`r.scope = ''`];
      const args: unknown[] = [];
      if (workflow) {
        where.push('r.workflow_id = ?');
        args.push(workflow);
      }
      if (status) {
        where.push('r.status = ?');
        args.push(status);
      }
      if (from) {
        where.push('r.seq >= ?');
        args.push(Date.parse(from));
      }
      if (to) {
        where.push('r.seq <= ?');
        args.push(Date.parse(to));
      }
      if (cursor) {
        const [seq, id] = cursor.split('~');
        where.push('(r.seq < ? OR (r.seq = ? AND r.id < ?))');
        args.push(Number(seq), Number(seq), id);
      }
      const rows = db.prepare(`${RUN_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.seq DESC, r.id DESC LIMIT ?`).all(...args, limit + 1) as RunRow[];
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const lastRow = page[page.length - 1];
      return { runs: page.map(runSummary), nextCursor: more && lastRow ? `${lastRow.seq}~${lastRow.id}` : null };
    },
    'runs.get': ({ id }) => {
      const r = db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunRow | undefined;
      if (!r) throw new ApiError('not_found', `No run "${id}". List runs with: baton run list`);
      let types = new Map<string, string>();
      try {
        types = new Map([...compiled(core.nodes, db, r.workflow_id, r.version, r.scope).nodes.values()].map((n) => [n.id, n.type]));
      } catch {
        /* definition gone: show ids only */
      }
      const steps = (
        db.prepare('SELECT * FROM steps WHERE run_id = ? ORDER BY id').all(id) as {
          id: number;
          node_id: string;
          status: string;
          branch: string | null;
          input: string | null;
          output: string | null;
          error: string | null;
          attempts: number;
          history: string | null;
          created_at: string;
          started_at: string | null;
          finished_at: string | null;
          waiting_for: string | null;
        }[]
      ).map(
        (s): StepDetail => ({
          id: s.id,
          nodeId: s.node_id,
          type: types.get(s.node_id) ?? 'unknown',
          status: s.status as StepDetail['status'],
          branch: s.branch,
          input: P(s.input),
          output: P(s.output),
          error: P(s.error) as StepDetail['error'],
          attempts: s.attempts,
          history: (P(s.history) as StepDetail['history'] | null) ?? [],
          createdAt: s.created_at,
          startedAt: s.started_at,
          finishedAt: s.finished_at,
          waitingFor: s.status === 'waiting' ? s.waiting_for : null,
        }),
      );
      const resp = db.prepare('SELECT from_run_id, node_id, status, headers, body, redirect, created_at FROM run_responses WHERE run_id = ?').get(id) as
        | { from_run_id: string; node_id: string; status: number; headers: string; body: string | null; redirect: string | null; created_at: string }
        | undefined;
      const response = resp
        ? { nodeId: resp.node_id, fromRunId: resp.from_run_id, status: resp.status, headers: P(resp.headers) as Record<string, string>, redirect: resp.redirect, bodyBytes: resp.body === null ? 0 : Buffer.byteLength(resp.body), at: resp.created_at }
        : null;
      return { ...runSummary(r), input: P(r.input), output: P(r.output), steps, response };
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
      const where: string[] = [];
      const args: unknown[] = [];
      if (status !== 'all') {
        where.push('a.status = ?');
        args.push(status);
      }
      if (workflow) {
        where.push('a.workflow_id = ?');
        args.push(workflow);
      }
      if (cursor) {
        const i = cursor.lastIndexOf('~');
        const at = cursor.slice(0, i);
        const id = cursor.slice(i + 1);
        where.push('(a.created_at < ? OR (a.created_at = ? AND a.id < ?))');
        args.push(at, at, id);
      }
      const rows = db.prepare(`${APPROVAL_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created_at DESC, a.id DESC LIMIT ?`).all(...args, limit + 1) as ApprovalRow[];
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const now = engine.now();
      return { approvals: page.map((a) => approvalOut(a, now)), pending: pending(), nextCursor: more && last ? `${last.created_at}~${last.id}` : null };
    },
    'approvals.get': ({ id }) => approval(id),
    'approvals.decide': ({ id, decision, payload, reason, by }) => {
      const r = engine.decide(id, decision, { ...(payload !== undefined ? { payload } : {}), ...(reason ? { reason } : {}), ...(by ? { by } : {}) });
      return { approval: approval(id), ...r };
    },
    'kpi.automation': ({ from, to }) => {
      const DAY = 86_400_000;
      const start = Date.parse(from + 'T00:00:00Z');
      const end = Date.parse(to + 'T00:00:00Z') + DAY;
      const len = end - start;
      const iso = (ms: number) => new Date(ms).toISOString();
      // runs_status_finished (status, finished_at) serves the range; finished_at is an ISO string, so the bounds compare as text.
      const q = db.prepare(
        `SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('succeeded','failed','cancelled') AND finished_at >= ? AND finished_at < ? AND scope = '' AND ${NOT_TEST} GROUP BY status`,
      );
      const period = (a: number, b: number): AutomationPeriod => {
        const rows = q.all(iso(a), iso(b)) as { status: string; n: number }[];
        const c = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
        const finished = c('succeeded') + c('failed') + c('cancelled');
        return {
          from: iso(a).slice(0, 10),
          to: iso(b - DAY).slice(0, 10),
          finished,
          succeeded: c('succeeded'),
          failed: c('failed'),
          cancelled: c('cancelled'),
          successRate: finished ? Math.round((c('succeeded') / finished) * 1000) / 10 : null,
        };
      };
      const now = engine.now();
      const failedLast24h = (db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE status = 'failed' AND finished_at >= ? AND finished_at <= ? AND scope = '' AND ${NOT_TEST}`).get(iso(now - DAY), iso(now)) as { n: number }).n;
      return { current: period(start, end), previous: period(start - len, start), failedLast24h };
    },
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
      return { results, decided, pending: pending() };
    },
    'escalations.list': ({ acknowledged, severity, workflow, cause, offset, limit }) => {
      // Pinned open escalations first (few: one per day and cause), then the newest: never lost among hundreds of others.
      const f = escalationFilter({ acknowledged, severity, workflow, cause });
      const total = (db.prepare(`SELECT COUNT(*) AS n FROM escalations ${f.where}`).get(...f.args) as { n: number }).n;
      const pinned = acknowledged === true ? [] : (db.prepare(`SELECT * FROM escalations ${and(f.where, 'pinned = 1 AND acknowledged_at IS NULL')} ORDER BY created_at DESC, id DESC`).all(...f.args) as EscRow[]);
      const seen = new Set(pinned.map((e) => e.id));
      // The pinned ones open the first page; the others follow in pages of `limit`.
      const head = pinned.slice(offset, offset + limit);
      const skip = Math.max(0, offset - pinned.length);
      const rest = db.prepare(`SELECT * FROM escalations ${and(f.where, pinned.length ? `id NOT IN (${pinned.map(() => '?').join(',')})` : '')} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`).all(...f.args, ...seen, limit - head.length, skip) as EscRow[];
      // (limit - head.length may be 0: a page of pinned ones only.)
      const unack = (db.prepare('SELECT COUNT(*) AS n FROM escalations WHERE acknowledged_at IS NULL').get() as { n: number }).n;
      return { escalations: [...head, ...rest].map(escalationOut), unacknowledged: unack, total };
    },
    'escalations.groups': ({ state, severity, workflow, limit }) => {
      const f = escalationFilter({ acknowledged: state === 'all' ? undefined : state === 'acknowledged', severity, workflow });
      const rows = db
        .prepare(
          `SELECT COALESCE(e.workflow_id, '') || '|' || ${CAUSE_TITLE} AS cause, e.workflow_id, w.name AS workflow_name, ${CAUSE_TITLE} AS title,
             COUNT(*) AS n, SUM(e.acknowledged_at IS NULL) AS open, MAX(${SEVERITY_RANK}) AS sev, MAX(e.pinned AND e.acknowledged_at IS NULL) AS pinned, MAX(e.created_at) AS newest_at
           FROM escalations e LEFT JOIN workflows w ON w.id = e.workflow_id ${f.where.replace(/\b(acknowledged_at|severity|workflow_id)\b/g, 'e.$1')}
           GROUP BY cause ORDER BY pinned DESC, sev DESC, n DESC, newest_at DESC LIMIT ?`,
        )
        .all(...f.args, limit) as { cause: string; workflow_id: string | null; workflow_name: string | null; title: string; n: number; open: number; sev: number; pinned: number; newest_at: string }[];
      const newest = db.prepare(`SELECT * FROM escalations ${and(f.where, `COALESCE(workflow_id, '') || '|' || ${CAUSE_TITLE} = ?`)} ORDER BY created_at DESC, id DESC LIMIT 1`);
      const total = (db.prepare(`SELECT COUNT(*) AS n FROM escalations ${f.where}`).get(...f.args) as { n: number }).n;
      const unack = (db.prepare('SELECT COUNT(*) AS n FROM escalations WHERE acknowledged_at IS NULL').get() as { n: number }).n;
      return {
        total,
        unacknowledged: unack,
        groups: rows.map((g) => ({
          cause: g.cause,
          workflowId: g.workflow_id,
          workflowName: g.workflow_id ? (g.workflow_name ?? g.workflow_id) : null,
          title: g.title,
          count: g.n,
          open: g.open,
          severity: SEVERITIES[g.sev] ?? 'info',
          pinned: Boolean(g.pinned),
          newest: escalationOut(newest.get(...f.args, g.cause) as EscRow),
        })),
      };
    },
    'escalations.acknowledge': ({ id, by }) => {
      const e = db.prepare('SELECT * FROM escalations WHERE id = ?').get(id) as EscRow | undefined;
      if (!e) throw new ApiError('not_found', `No escalation "${id}". List them with: baton escalations list`);
      if (!e.acknowledged_at) {
        db.prepare('UPDATE escalations SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?').run(new Date(engine.now()).toISOString(), by ?? 'operator', id);
        const unack = (db.prepare('SELECT COUNT(*) AS n FROM escalations WHERE acknowledged_at IS NULL').get() as { n: number }).n;
        core.bus.emit('escalations.acknowledged', { count: 1, unacknowledged: unack, ids: [id] });
      }
      return escalationOut(db.prepare('SELECT * FROM escalations WHERE id = ?').get(id) as EscRow);
    },
    'escalations.ackMany': ({ cause, ids, by }) => {
      const at = new Date(engine.now()).toISOString();
      const f = cause !== undefined ? escalationFilter({ acknowledged: false, cause }) : { where: `WHERE acknowledged_at IS NULL AND id IN (SELECT value FROM json_each(?))`, args: [JSON.stringify(ids ?? [])] };
      const done = db.transaction(() => {
        const hit = (db.prepare(`SELECT id FROM escalations ${f.where}`).all(...f.args) as { id: string }[]).map((r) => r.id);
        db.prepare(`UPDATE escalations SET acknowledged_at = ?, acknowledged_by = ? ${f.where}`).run(at, by ?? 'operator', ...f.args);
        return hit;
      })();
      const unack = (db.prepare('SELECT COUNT(*) AS n FROM escalations WHERE acknowledged_at IS NULL').get() as { n: number }).n;
      if (done.length) core.bus.emit('escalations.acknowledged', { count: done.length, unacknowledged: unack, ids: done.slice(0, 100) });
      return { acknowledged: done.length, unacknowledged: unack };
    },
    'events.publish': async ({ type, data, subject }) => {
      const eventId = engine.publish(type, data ?? null, subject);
      const d = await engine.dispatchEvents();
      return { eventId, startedRuns: d.startedRuns, resumedSteps: d.resumedSteps };
    },
    'plans.list': ({ workflow, runId, limit }) => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (workflow) {
        where.push('workflow_id = ?');
        args.push(workflow);
      }
      if (runId) {
        where.push('run_id = ?');
        args.push(runId);
      }
      const rows = db.prepare(`SELECT * FROM plans ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args, limit) as {
        id: number;
        workflow_id: string;
        run_id: string | null;
        title: string;
        content: string | null;
        created_at: string;
      }[];
      return { plans: rows.map((p) => ({ id: p.id, workflowId: p.workflow_id, runId: p.run_id, title: p.title, content: P(p.content), createdAt: p.created_at })) };
    },
    'plans.add': ({ workflow, runId, title, content }) => {
      wfExists(workflow);
      const at = new Date(engine.now()).toISOString();
      const r = db.prepare('INSERT INTO plans (workflow_id, run_id, title, content, created_at) VALUES (?, ?, ?, ?, ?)').run(workflow, runId ?? null, title, JSON.stringify(content ?? null), at);
      return { id: Number(r.lastInsertRowid), workflowId: workflow, runId: runId ?? null, title, content: content ?? null, createdAt: at };
    },
    'learnings.list': ({ workflow, limit }) => {
      const rows = (workflow
        ? db.prepare('SELECT * FROM learnings WHERE workflow_id = ? ORDER BY id DESC LIMIT ?').all(workflow, limit)
        : db.prepare('SELECT * FROM learnings ORDER BY id DESC LIMIT ?').all(limit)) as { id: number; workflow_id: string; run_id: string | null; text: string; tags: string; created_at: string }[];
      return { learnings: rows.map((l) => ({ id: l.id, workflowId: l.workflow_id, runId: l.run_id, text: l.text, tags: parseStored<string[]>(l.tags, 'learnings.tags', l.id), createdAt: l.created_at })) };
    },
    'learnings.add': ({ workflow, runId, text, tags }) => {
      wfExists(workflow);
      const at = new Date(engine.now()).toISOString();
      const r = db.prepare('INSERT INTO learnings (workflow_id, run_id, text, tags, created_at) VALUES (?, ?, ?, ?, ?)').run(workflow, runId ?? null, text, JSON.stringify(tags), at);
      return { id: Number(r.lastInsertRowid), workflowId: workflow, runId: runId ?? null, text, tags, createdAt: at };
    },
  };
}
