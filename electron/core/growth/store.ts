/**
 * The growth repository, shared machinery: engine state and phase transitions,
 * plans and their items, learnings, locks on assets, small state values. Every
 * statement of these tables is here, prepared once per connection. Callers own
 * the transaction (nodes write inside ctx.once).
 */
import type { Statement } from 'better-sqlite3';
import { ENGINE_LABELS, ENGINES, engineWorkflowId, type Engine, type EngineState, type Evidence, type GrowthLearning, type GrowthPlan, type Phase, type PhaseTransition, type PlanItem, type PlanStatus } from '../../../shared/contract/growth';
import { parseStored, parseStoredOrNull } from '../db/integrity';
import type { Sqlite } from '../db/open';
import { threadService, type ThreadEnv } from '../env';
import { rankLearnings } from './recall';

export const DEFAULT_ORDER: readonly Engine[] = ['seo', 'content', 'links', 'campaigns'];

interface EngineRow {
  engine: string;
  enabled: number;
  priority: number;
  phase: string;
  phase_since: string;
  run_id: string | null;
  figures: string;
  last_cycle: string | null;
}
interface PlanRow {
  id: number;
  engine: string;
  workflow_id: string | null;
  run_id: string | null;
  goal: string;
  status: string;
  content: string | null;
  learning_ids: string;
  cost_usd: number;
  created_at: string;
}
export interface ItemRow {
  id: number;
  plan_id: number;
  engine: string;
  ref: string;
  title: string;
  action: string;
  priority: number;
  status: string;
  asset: string | null;
  expected: string;
  actual: string | null;
  cost_usd: number;
  detail: string;
  sources: string;
  reason: string | null;
  run_id: string | null;
  executed_at: string | null;
  learned_at: string | null;
  created_at: string;
}
interface LearningRow {
  id: number;
  engine: string;
  workflow_id: string | null;
  run_id: string | null;
  subject: string;
  what_worked: string;
  what_did_not: string;
  confidence: number;
  evidence: string;
  tags: string;
  expires_at: string | null;
  created_at: string;
}

export interface NewItem {
  ref: string;
  title: string;
  action: string;
  priority: number;
  status?: PlanStatus;
  asset?: string | null;
  expected?: Record<string, unknown>;
  detail?: Record<string, unknown>;
  sources?: string[];
  reason?: string | null;
}

export interface NewLearning {
  engine: string;
  workflowId?: string | null;
  runId?: string | null;
  subject?: string;
  whatWorked?: string;
  whatDidNot?: string;
  confidence?: number;
  evidence?: Partial<Evidence>;
  tags?: string[];
  expiresAt?: string | null;
}

const J = (v: unknown) => JSON.stringify(v ?? null);

/** One line: what worked (as written when alone, e.g. an agent.learn text), then what did not. */
export function learningText(whatWorked: string, whatDidNot: string): string {
  if (!whatDidNot) return whatWorked;
  return [whatWorked && `Worked: ${whatWorked}`, `Did not work: ${whatDidNot}`].filter(Boolean).join(' ');
}

export class GrowthStore {
  private cache = new Map<string, Statement>();
  constructor(readonly db: Sqlite) {}

  stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  // ------------------------------------------------------------ engines

  /** The four engine rows exist (priorities from the setting order, else seo, content, links, campaigns). */
  ensureEngines(order: readonly Engine[] = DEFAULT_ORDER): void {
    const ins = this.stmt(`INSERT OR IGNORE INTO growth_engines (engine, priority) VALUES (?, ?)`);
    order.forEach((e, i) => ins.run(e, i + 1));
  }

  engineRow(engine: string): EngineRow | undefined {
    return this.stmt('SELECT * FROM growth_engines WHERE engine = ?').get(engine) as EngineRow | undefined;
  }

  engineRows(): EngineRow[] {
    return this.stmt('SELECT * FROM growth_engines ORDER BY priority, engine').all() as EngineRow[];
  }

  setEnabled(engine: Engine, enabled: boolean, iso: string): void {
    this.ensureEngines();
    this.stmt('UPDATE growth_engines SET enabled = ?, updated_at = ? WHERE engine = ?').run(enabled ? 1 : 0, iso, engine);
  }

  setPriorities(order: readonly Engine[], iso: string): void {
    this.ensureEngines();
    const up = this.stmt('UPDATE growth_engines SET priority = ?, updated_at = ? WHERE engine = ?');
    order.forEach((e, i) => up.run(i + 1, iso, e));
  }

  /** 1 = first. */
  priorityOf(engine: string): number {
    const r = this.engineRow(engine);
    return r?.priority ?? DEFAULT_ORDER.indexOf(engine as Engine) + 1;
  }

  /**
   * Move an engine to a phase, recording the transition. Entering ANALYZING
   * starts a cycle (its figures start empty); going back to IDLE closes it into
   * `last_cycle` with the figures gathered. Same phase: nothing recorded.
   */
  setPhase(engine: Engine, to: Phase, runId: string | null, iso: string, note: string | null = null, status = 'succeeded'): { from: Phase; to: Phase } | null {
    this.ensureEngines();
    const row = this.engineRow(engine)!;
    const from = row.phase as Phase;
    if (from === to && row.run_id === runId) return null;
    if (to === 'IDLE') {
      const started = this.stmt(`SELECT at FROM growth_phases WHERE engine = ? AND run_id IS ? AND from_phase = 'IDLE' ORDER BY id LIMIT 1`).get(engine, row.run_id) as { at: string } | undefined;
      const last = { runId: row.run_id, startedAt: started?.at ?? null, finishedAt: iso, status, figures: parseStored<Record<string, unknown>>(row.figures, 'growth_engines.figures', engine) };
      this.stmt(`UPDATE growth_engines SET phase = 'IDLE', phase_since = ?, run_id = NULL, figures = '{}', last_cycle = ?, updated_at = ? WHERE engine = ?`).run(iso, J(last), iso, engine);
    } else if (from === 'IDLE' || row.run_id !== runId) {
      this.stmt(`UPDATE growth_engines SET phase = ?, phase_since = ?, run_id = ?, figures = '{}', updated_at = ? WHERE engine = ?`).run(to, iso, runId, iso, engine);
    } else {
      this.stmt(`UPDATE growth_engines SET phase = ?, phase_since = ?, updated_at = ? WHERE engine = ?`).run(to, iso, iso, engine);
    }
    this.stmt('INSERT INTO growth_phases (engine, run_id, from_phase, to_phase, note, at) VALUES (?, ?, ?, ?, ?, ?)').run(engine, runId, from === to ? 'IDLE' : from, to, note, iso);
    return { from, to };
  }

  /** Merge figures of the cycle in progress under `key` (analyze, plan, execute, learn). */
  recordFigures(engine: Engine, key: string, figures: Record<string, unknown>, iso: string): void {
    this.ensureEngines();
    const row = this.engineRow(engine)!;
    const all = parseStored<Record<string, unknown>>(row.figures, 'growth_engines.figures', engine);
    all[key] = figures;
    this.stmt('UPDATE growth_engines SET figures = ?, updated_at = ? WHERE engine = ?').run(J(all), iso, engine);
  }

  transitions(engine: string | undefined, limit: number): PhaseTransition[] {
    const rows = (engine
      ? this.stmt('SELECT * FROM growth_phases WHERE engine = ? ORDER BY id DESC LIMIT ?').all(engine, limit)
      : this.stmt('SELECT * FROM growth_phases ORDER BY id DESC LIMIT ?').all(limit)) as { id: number; engine: string; run_id: string | null; from_phase: string; to_phase: string; note: string | null; at: string }[];
    return rows.map((r) => ({ id: r.id, engine: r.engine, runId: r.run_id, from: r.from_phase, to: r.to_phase, note: r.note, at: r.at }));
  }

  engineState(engine: Engine, extra: { enabled: boolean; waiting: string | null; nextRunAt: string | null }): EngineState {
    this.ensureEngines();
    const r = this.engineRow(engine)!;
    return {
      engine,
      label: ENGINE_LABELS[engine],
      workflowId: engineWorkflowId(engine),
      enabled: extra.enabled,
      priority: r.priority,
      phase: r.phase as Phase,
      since: r.phase_since,
      runId: r.run_id,
      waiting: extra.waiting,
      figures: parseStored<Record<string, unknown>>(r.figures, 'growth_engines.figures', engine),
      lastCycle: parseStoredOrNull(r.last_cycle, 'growth_engines.last_cycle') as EngineState['lastCycle'],
      transitions: this.transitions(engine, 10),
      nextRunAt: extra.nextRunAt,
    };
  }

  // ------------------------------------------------------------ plans

  createPlan(p: { engine: string; workflowId: string | null; runId: string | null; goal: string; content?: unknown; learningIds?: number[]; costUsd?: number; status?: PlanStatus; items?: NewItem[] }, iso: string): number {
    const r = this.stmt(
      'INSERT INTO growth_plans (engine, workflow_id, run_id, goal, status, content, learning_ids, cost_usd, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(p.engine, p.workflowId, p.runId, p.goal, p.status ?? 'planned', p.content === undefined ? null : J(p.content), J(p.learningIds ?? []), p.costUsd ?? 0, iso, iso);
    const planId = Number(r.lastInsertRowid);
    const ins = this.stmt(
      `INSERT INTO growth_plan_items (plan_id, engine, ref, title, action, priority, status, asset, expected, detail, sources, reason, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const it of p.items ?? []) {
      ins.run(planId, p.engine, it.ref, it.title, it.action, it.priority, it.status ?? 'planned', it.asset ?? null, J(it.expected ?? {}), J(it.detail ?? {}), J(it.sources ?? []), it.reason ?? null, iso, iso);
    }
    return planId;
  }

  plan(id: number, withItems = false): GrowthPlan | undefined {
    const r = this.stmt('SELECT * FROM growth_plans WHERE id = ?').get(id) as PlanRow | undefined;
    return r ? this.planOut(r, withItems) : undefined;
  }

  listPlans(f: { engine?: string | undefined; workflow?: string | undefined; runId?: string | undefined; status?: string | undefined; items?: boolean; limit: number }): GrowthPlan[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.engine) {
      where.push('engine = ?');
      args.push(f.engine);
    }
    if (f.workflow) {
      where.push('workflow_id = ?');
      args.push(f.workflow);
    }
    if (f.runId) {
      where.push('run_id = ?');
      args.push(f.runId);
    }
    if (f.status) {
      where.push('status = ?');
      args.push(f.status);
    }
    const rows = this.stmt(`SELECT * FROM growth_plans ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args, f.limit) as PlanRow[];
    return rows.map((r) => this.planOut(r, f.items ?? false));
  }

  private planOut(r: PlanRow, withItems: boolean): GrowthPlan {
    const counts: Record<string, number> = {};
    let n = 0;
    for (const c of this.stmt('SELECT status, COUNT(*) AS n FROM growth_plan_items WHERE plan_id = ? GROUP BY status').all(r.id) as { status: string; n: number }[]) {
      counts[c.status] = c.n;
      n += c.n;
    }
    return {
      id: r.id,
      engine: r.engine,
      workflowId: r.workflow_id,
      runId: r.run_id,
      title: r.goal,
      status: r.status as PlanStatus,
      content: parseStoredOrNull(r.content, 'growth_plans.content'),
      learningIds: parseStored<number[]>(r.learning_ids, 'growth_plans.learning_ids', r.id),
      costUsd: r.cost_usd,
      itemCount: n,
      counts,
      ...(withItems ? { items: this.items({ planId: r.id, limit: 1000, offset: 0 }).items } : {}),
      createdAt: r.created_at,
    };
  }

  setPlanStatus(id: number, status: PlanStatus, iso: string): void {
    this.stmt('UPDATE growth_plans SET status = ?, updated_at = ? WHERE id = ?').run(status, iso, id);
  }

  addPlanCost(id: number, usd: number, iso: string): void {
    this.stmt('UPDATE growth_plans SET cost_usd = cost_usd + ?, updated_at = ? WHERE id = ?').run(usd, iso, id);
  }

  /** The plan's status follows its items: executing while one executes, done when none is left to do. */
  settlePlan(planId: number, iso: string): void {
    const c = this.stmt(
      `SELECT SUM(status IN ('planned','approved')) AS todo, SUM(status = 'executing') AS doing, SUM(status = 'done') AS done, COUNT(*) AS n FROM growth_plan_items WHERE plan_id = ?`,
    ).get(planId) as { todo: number | null; doing: number | null; done: number | null; n: number };
    const status: PlanStatus = (c.doing ?? 0) > 0 ? 'executing' : c.n > 0 && (c.todo ?? 0) === 0 ? ((c.done ?? 0) > 0 ? 'done' : 'dropped') : (c.done ?? 0) > 0 ? 'executing' : 'planned';
    const cur = this.stmt('SELECT status FROM growth_plans WHERE id = ?').get(planId) as { status: string } | undefined;
    if (cur && cur.status !== 'approved' && cur.status !== status) this.setPlanStatus(planId, status, iso);
    else if (cur?.status === 'approved' && status !== 'planned') this.setPlanStatus(planId, status, iso);
  }

  itemRow(id: number): ItemRow | undefined {
    return this.stmt('SELECT * FROM growth_plan_items WHERE id = ?').get(id) as ItemRow | undefined;
  }

  item(id: number): PlanItem | undefined {
    const r = this.itemRow(id);
    return r ? itemOut(r) : undefined;
  }

  items(f: { planId?: number | undefined; engine?: string | undefined; status?: string | undefined; limit: number; offset: number }): { total: number; items: PlanItem[] } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.planId !== undefined) {
      where.push('plan_id = ?');
      args.push(f.planId);
    }
    if (f.engine) {
      where.push('engine = ?');
      args.push(f.engine);
    }
    if (f.status) {
      where.push('status = ?');
      args.push(f.status);
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM growth_plan_items ${w}`).get(...args) as { n: number }).n;
    const rows = this.stmt(`SELECT * FROM growth_plan_items ${w} ORDER BY plan_id DESC, priority, id LIMIT ? OFFSET ?`).all(...args, f.limit, f.offset) as ItemRow[];
    return { total, items: rows.map(itemOut) };
  }

  /** Update an item (status, result, cost, reason); the plan's status follows. */
  updateItem(id: number, patch: { status?: PlanStatus; actual?: Record<string, unknown> | null; addCostUsd?: number; reason?: string | null; runId?: string | null; detail?: Record<string, unknown>; learned?: boolean }, iso: string): PlanItem {
    const row = this.itemRow(id);
    if (!row) throw new Error(`no plan item ${id}`);
    const sets: string[] = ['updated_at = ?'];
    const args: unknown[] = [iso];
    if (patch.status) {
      sets.push('status = ?');
      args.push(patch.status);
      if (patch.status === 'done' && !row.executed_at) {
        sets.push('executed_at = ?');
        args.push(iso);
      }
    }
    if (patch.actual !== undefined) {
      sets.push('actual = ?');
      args.push(patch.actual === null ? null : J(patch.actual));
    }
    if (patch.addCostUsd) {
      sets.push('cost_usd = cost_usd + ?');
      args.push(patch.addCostUsd);
    }
    if (patch.reason !== undefined) {
      sets.push('reason = ?');
      args.push(patch.reason);
    }
    if (patch.runId !== undefined) {
      sets.push('run_id = ?');
      args.push(patch.runId);
    }
    if (patch.detail) {
      sets.push('detail = ?');
      args.push(J({ ...parseStored<Record<string, unknown>>(row.detail, 'growth_plan_items.detail', id), ...patch.detail }));
    }
    if (patch.learned) {
      sets.push('learned_at = ?');
      args.push(iso);
    }
    this.stmt(`UPDATE growth_plan_items SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
    this.settlePlan(row.plan_id, iso);
    return this.item(id)!;
  }

  /** Items executed (done) at least `days` ago and not learned from yet. */
  itemsToLearn(engine: string, beforeIso: string, limit = 5000): ItemRow[] {
    return this.stmt(`SELECT * FROM growth_plan_items WHERE engine = ? AND status = 'done' AND learned_at IS NULL AND executed_at <= ? ORDER BY executed_at LIMIT ?`).all(engine, beforeIso, limit) as ItemRow[];
  }

  /** Open items (planned, approved) of older plans of the engine: a new plan replaces them. */
  dropOpenItems(engine: string, exceptPlan: number, reason: string, iso: string): number {
    const plans = this.stmt(`SELECT DISTINCT plan_id FROM growth_plan_items WHERE engine = ? AND plan_id <> ? AND status IN ('planned','approved')`).all(engine, exceptPlan) as { plan_id: number }[];
    const n = this.stmt(`UPDATE growth_plan_items SET status = 'dropped', reason = ?, updated_at = ? WHERE engine = ? AND plan_id <> ? AND status IN ('planned','approved')`).run(reason, iso, engine, exceptPlan).changes;
    for (const p of plans) this.settlePlan(p.plan_id, iso);
    return n;
  }

  // ------------------------------------------------------------ learnings

  addLearning(l: NewLearning, iso: string): GrowthLearning {
    const evidence = { runIds: l.evidence?.runIds ?? (l.runId ? [l.runId] : []), deltas: l.evidence?.deltas ?? [], ...l.evidence };
    const r = this.stmt(
      `INSERT INTO growth_learnings (engine, workflow_id, run_id, subject, what_worked, what_did_not, confidence, evidence, tags, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(l.engine, l.workflowId ?? null, l.runId ?? null, l.subject ?? '', l.whatWorked ?? '', l.whatDidNot ?? '', Math.max(0, Math.min(1, l.confidence ?? 0.5)), J(evidence), J(l.tags ?? []), l.expiresAt ?? null, iso);
    return this.learning(Number(r.lastInsertRowid))!;
  }

  learning(id: number): GrowthLearning | undefined {
    const r = this.stmt('SELECT * FROM growth_learnings WHERE id = ?').get(id) as LearningRow | undefined;
    return r ? learningOut(r) : undefined;
  }

  listLearnings(f: { engine?: string | undefined; workflow?: string | undefined; subject?: string | undefined; includeExpired?: boolean; limit: number }, nowIso: string): GrowthLearning[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.engine) {
      where.push('engine = ?');
      args.push(f.engine);
    }
    if (f.workflow) {
      where.push('workflow_id = ?');
      args.push(f.workflow);
    }
    if (f.subject) {
      where.push('subject = ?');
      args.push(f.subject);
    }
    if (!f.includeExpired) {
      where.push('(expires_at IS NULL OR expires_at > ?)');
      args.push(nowIso);
    }
    const rows = this.stmt(`SELECT * FROM growth_learnings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args, f.limit) as LearningRow[];
    return rows.map(learningOut);
  }

  /** The learnings relevant to a subject, ranked (recall.ts). */
  recall(engine: string, subject: string | undefined, limit: number, now: number): GrowthLearning[] {
    const rows = (this.stmt('SELECT * FROM growth_learnings WHERE engine = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC LIMIT 2000').all(engine, new Date(now).toISOString()) as LearningRow[]).map(learningOut);
    return rankLearnings(rows, subject, now, limit);
  }

  // ------------------------------------------------------------ locks

  /**
   * Take the lock on an asset for an engine's run (expired locks are taken over);
   * the holder (another engine or run) is returned when it is taken.
   */
  lock(asset: string, engine: string, runId: string | null, itemId: number | null, now: number, ttlMs: number): { ok: true } | { ok: false; heldBy: { engine: string; runId: string | null; itemId: number | null; expiresAt: string } } {
    const iso = new Date(now).toISOString();
    const cur = this.stmt('SELECT * FROM growth_locks WHERE asset = ?').get(asset) as { engine: string; run_id: string | null; item_id: number | null; expires_at: string } | undefined;
    if (cur && cur.expires_at > iso && !(cur.engine === engine && cur.run_id === runId)) return { ok: false, heldBy: { engine: cur.engine, runId: cur.run_id, itemId: cur.item_id, expiresAt: cur.expires_at } };
    this.stmt(
      `INSERT INTO growth_locks (asset, engine, run_id, item_id, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(asset) DO UPDATE SET engine = excluded.engine, run_id = excluded.run_id, item_id = excluded.item_id, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
    ).run(asset, engine, runId, itemId, iso, new Date(now + ttlMs).toISOString());
    return { ok: true };
  }

  unlock(asset: string, engine: string): void {
    this.stmt('DELETE FROM growth_locks WHERE asset = ? AND engine = ?').run(asset, engine);
  }

  unlockRun(runId: string): number {
    return this.stmt('DELETE FROM growth_locks WHERE run_id = ?').run(runId).changes;
  }

  locks(nowIso: string): { asset: string; engine: string; runId: string | null; itemId: number | null; acquiredAt: string; expiresAt: string }[] {
    return (this.stmt('SELECT * FROM growth_locks WHERE expires_at > ? ORDER BY acquired_at').all(nowIso) as { asset: string; engine: string; run_id: string | null; item_id: number | null; acquired_at: string; expires_at: string }[]).map((r) => ({
      asset: r.asset,
      engine: r.engine,
      runId: r.run_id,
      itemId: r.item_id,
      acquiredAt: r.acquired_at,
      expiresAt: r.expires_at,
    }));
  }

  // ------------------------------------------------------------ state

  state<T>(key: string, fallback: T): T {
    const r = this.stmt('SELECT value FROM growth_state WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? parseStored<T>(r.value, 'growth_state.value', key) : fallback;
  }

  setState(key: string, value: unknown): void {
    this.stmt(
      `INSERT INTO growth_state (key, value, updated_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(key, J(value));
  }
}

export function itemOut(r: ItemRow): PlanItem {
  return {
    id: r.id,
    planId: r.plan_id,
    engine: r.engine,
    ref: r.ref,
    title: r.title,
    action: r.action,
    priority: r.priority,
    status: r.status as PlanStatus,
    asset: r.asset,
    expected: parseStored<Record<string, unknown>>(r.expected, 'growth_plan_items.expected', r.id),
    actual: parseStoredOrNull(r.actual, 'growth_plan_items.actual') as Record<string, unknown> | null,
    costUsd: r.cost_usd,
    detail: parseStored<Record<string, unknown>>(r.detail, 'growth_plan_items.detail', r.id),
    sources: parseStored<string[]>(r.sources, 'growth_plan_items.sources', r.id),
    reason: r.reason,
    runId: r.run_id,
    executedAt: r.executed_at,
    learnedAt: r.learned_at,
    createdAt: r.created_at,
  };
}

function learningOut(r: LearningRow): GrowthLearning {
  return {
    id: r.id,
    engine: r.engine,
    workflowId: r.workflow_id,
    runId: r.run_id,
    subject: r.subject,
    text: learningText(r.what_worked, r.what_did_not),
    whatWorked: r.what_worked,
    whatDidNot: r.what_did_not,
    confidence: r.confidence,
    evidence: parseStored<Evidence>(r.evidence, 'growth_learnings.evidence', r.id),
    tags: parseStored<string[]>(r.tags, 'growth_learnings.tags', r.id),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
}

/** The growth repository of a thread. */
export const GROWTH_STORE = threadService('growth.store', (env) => new GrowthStore(env.db));

export function growthStoreOf(env: Pick<ThreadEnv, 'get'>): GrowthStore {
  return env.get(GROWTH_STORE);
}

export const isEngine = (s: string | null | undefined): s is Engine => !!s && (ENGINES as readonly string[]).includes(s);
