/**
 * The playbooks repository: every SQL statement of the playbook tables
 * (electron/core/db/schema/playbooks.ts), prepared once per connection.
 */
import type { Statement } from 'better-sqlite3';
import { parseStored } from '../db/integrity';
import type { Sqlite } from '../db/open';
import { threadService } from '../env';
import type { PlaybookDefinition } from '../../../shared/api';

export interface PlaybookRow {
  id: string;
  name: string;
  version: number;
  built_in: number;
  format: string;
  source: string;
  definition: string;
  created_at: string;
  updated_at: string;
}
export interface RunRow {
  id: string;
  playbook_id: string;
  definition: string;
  mode: string;
  scenario: string | null;
  role: string | null;
  task: string | null;
  config: string;
  plan: string;
  status: string;
  waiting_for: string | null;
  workflow_run_id: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}
export interface PhaseRow {
  run_id: string;
  phase_id: string;
  status: string;
  branch: string | null;
  base_commit: string | null;
  merge_commit: string | null;
  gate: string | null;
  started_at: string | null;
  finished_at: string | null;
}
export interface StepRow {
  run_id: string;
  step_id: string;
  phase_id: string;
  status: string;
  attempts: number;
  cost_usd: number;
  files: string | null;
  role_status: string | null;
  request: string | null;
  commit_oid: string | null;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
}
export interface ConflictRow {
  id: string;
  run_id: string;
  phase_id: string;
  step_id: string | null;
  kind: string;
  raised_by: string;
  topic: string;
  positions: string;
  files: string;
  status: string;
  decision: string | null;
  rerun: string;
  raised_at: string;
}

export class PlaybooksStore {
  private cache = new Map<string, Statement>();
  constructor(readonly db: Sqlite) {}

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  // playbooks
  list(): PlaybookRow[] {
    return this.stmt('SELECT * FROM playbooks ORDER BY built_in DESC, name').all() as PlaybookRow[];
  }
  get(id: string): PlaybookRow | undefined {
    return this.stmt('SELECT * FROM playbooks WHERE id = ?').get(id) as PlaybookRow | undefined;
  }
  put(p: { id: string; name: string; version: number; builtIn: boolean; format: string; source: string; definition: PlaybookDefinition; at: string }): void {
    this.stmt(
      `INSERT INTO playbooks (id, name, version, built_in, format, source, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, version = excluded.version, format = excluded.format, source = excluded.source, definition = excluded.definition, updated_at = excluded.updated_at`,
    ).run(p.id, p.name, p.version, p.builtIn ? 1 : 0, p.format, p.source, JSON.stringify(p.definition), p.at, p.at);
  }
  delete(id: string): boolean {
    return this.stmt('DELETE FROM playbooks WHERE id = ? AND built_in = 0').run(id).changes > 0;
  }
  /** A stored definition, parsed once per thread while its text is the same (every playbook node loads its run's). Read only. */
  definitionOf(row: { definition: string; id: string }, table = 'playbooks'): PlaybookDefinition {
    const key = `${table}:${row.id}`;
    const hit = this.defs.get(key);
    if (hit && hit.text === row.definition) return hit.def;
    const def = parseStored<PlaybookDefinition>(row.definition, `${table}.definition`, row.id);
    if (this.defs.size > 200) this.defs.clear();
    this.defs.set(key, { text: row.definition, def });
    return def;
  }
  private defs = new Map<string, { text: string; def: PlaybookDefinition }>();

  // runs
  insertRun(r: Omit<RunRow, 'waiting_for' | 'workflow_run_id' | 'error' | 'finished_at'>): void {
    this.stmt(
      'INSERT INTO playbook_runs (id, playbook_id, definition, mode, scenario, role, task, config, plan, status, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(r.id, r.playbook_id, r.definition, r.mode, r.scenario, r.role, r.task, r.config, r.plan, r.status, r.started_at);
  }
  run(id: string): RunRow | undefined {
    return this.stmt('SELECT * FROM playbook_runs WHERE id = ?').get(id) as RunRow | undefined;
  }
  runs(playbookId: string | null, status: string | null, limit: number): RunRow[] {
    return this.stmt(
      'SELECT * FROM playbook_runs WHERE (@p IS NULL OR playbook_id = @p) AND (@s IS NULL OR status = @s) ORDER BY started_at DESC, rowid DESC LIMIT @l',
    ).all({ p: playbookId, s: status, l: limit }) as RunRow[];
  }
  lastRun(playbookId: string): RunRow | undefined {
    return this.stmt('SELECT * FROM playbook_runs WHERE playbook_id = ? ORDER BY started_at DESC, rowid DESC LIMIT 1').get(playbookId) as RunRow | undefined;
  }
  setRun(id: string, f: Partial<Pick<RunRow, 'status' | 'waiting_for' | 'workflow_run_id' | 'error' | 'finished_at'>>): void {
    const keys = Object.keys(f);
    if (keys.length) this.stmt(`UPDATE playbook_runs SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`).run(...Object.values(f), id);
  }

  // phases
  insertPhase(runId: string, phaseId: string, status: string): void {
    this.stmt('INSERT OR IGNORE INTO playbook_phases (run_id, phase_id, status) VALUES (?, ?, ?)').run(runId, phaseId, status);
  }
  phase(runId: string, phaseId: string): PhaseRow | undefined {
    return this.stmt('SELECT * FROM playbook_phases WHERE run_id = ? AND phase_id = ?').get(runId, phaseId) as PhaseRow | undefined;
  }
  phases(runId: string): PhaseRow[] {
    return this.stmt('SELECT * FROM playbook_phases WHERE run_id = ?').all(runId) as PhaseRow[];
  }
  setPhase(runId: string, phaseId: string, f: Partial<Omit<PhaseRow, 'run_id' | 'phase_id'>>): void {
    const keys = Object.keys(f);
    if (keys.length) this.stmt(`UPDATE playbook_phases SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE run_id = ? AND phase_id = ?`).run(...Object.values(f), runId, phaseId);
  }

  // steps
  insertStep(runId: string, stepId: string, phaseId: string, status: string): void {
    this.stmt('INSERT OR IGNORE INTO playbook_steps (run_id, step_id, phase_id, status) VALUES (?, ?, ?, ?)').run(runId, stepId, phaseId, status);
  }
  step(runId: string, stepId: string): StepRow | undefined {
    return this.stmt('SELECT * FROM playbook_steps WHERE run_id = ? AND step_id = ?').get(runId, stepId) as StepRow | undefined;
  }
  steps(runId: string): StepRow[] {
    return this.stmt('SELECT * FROM playbook_steps WHERE run_id = ?').all(runId) as StepRow[];
  }
  /** What each step of a run has cost (without its files and request). */
  stepCosts(runId: string): { step_id: string; cost_usd: number }[] {
    return this.stmt('SELECT step_id, cost_usd FROM playbook_steps WHERE run_id = ?').all(runId) as { step_id: string; cost_usd: number }[];
  }
  setStep(runId: string, stepId: string, f: Partial<Omit<StepRow, 'run_id' | 'step_id' | 'phase_id'>>): void {
    // One statement (one write) for all the fields.
    const keys = Object.keys(f);
    if (keys.length) this.stmt(`UPDATE playbook_steps SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE run_id = ? AND step_id = ?`).run(...Object.values(f), runId, stepId);
  }
  addCost(runId: string, stepId: string, usd: number): void {
    this.stmt('UPDATE playbook_steps SET cost_usd = round(cost_usd + ?, 8) WHERE run_id = ? AND step_id = ?').run(usd, runId, stepId);
  }

  // conflicts
  insertConflict(c: Omit<ConflictRow, 'decision' | 'rerun' | 'status'>): void {
    this.stmt('INSERT OR IGNORE INTO playbook_conflicts (id, run_id, phase_id, step_id, kind, raised_by, topic, positions, files, status, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      c.id,
      c.run_id,
      c.phase_id,
      c.step_id,
      c.kind,
      c.raised_by,
      c.topic,
      c.positions,
      c.files,
      'open',
      c.raised_at,
    );
  }
  conflicts(runId: string): ConflictRow[] {
    return this.stmt('SELECT * FROM playbook_conflicts WHERE run_id = ? ORDER BY raised_at, id').all(runId) as ConflictRow[];
  }
  decide(id: string, decision: unknown, rerun: string[]): void {
    this.stmt("UPDATE playbook_conflicts SET status = 'decided', decision = ?, rerun = ? WHERE id = ?").run(JSON.stringify(decision), JSON.stringify(rerun), id);
  }

  // engine tables (read only)
  workflowDescription(id: string): string | null {
    return (this.stmt('SELECT description FROM workflows WHERE id = ?').get(id) as { description: string | null } | undefined)?.description ?? null;
  }
  engineRun(id: string): { status: string; error: string | null } | undefined {
    return this.stmt('SELECT status, error FROM runs WHERE id = ?').get(id) as { status: string; error: string | null } | undefined;
  }
  /** A step of the run or its child runs waiting with a reason (budget, key …). */
  waitingStep(runId: string): { waiting_for: string; node_id: string } | undefined {
    return this.stmt(
      "SELECT s.waiting_for, s.node_id FROM steps s JOIN runs r ON r.id = s.run_id WHERE (r.id = @id OR r.parent_run_id = @id) AND s.status = 'waiting' AND s.waiting_for IS NOT NULL AND s.node_id NOT LIKE 'p%' ORDER BY s.id DESC LIMIT 1",
    ).get({ id: runId }) as { waiting_for: string; node_id: string } | undefined;
  }
  approvalOf(runId: string, nodeId: string): string | null {
    const r = this.stmt('SELECT id FROM approvals WHERE run_id = ? AND node_id = ? ORDER BY created_at DESC LIMIT 1').get(runId, nodeId) as { id: string } | undefined;
    return r?.id ?? null;
  }
}

export const PLAYBOOKS_STORE = threadService('playbooks.store', (env) => new PlaybooksStore(env.db));
