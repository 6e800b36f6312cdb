/**
 * Stored workflows: import (validate, new version only when the definition
 * changed; a rejected import changes nothing), export, summaries for
 * workflows.list, enable/disable, and the JSON Schema of the format.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ApiError, type WorkflowSummary } from '../../../shared/api';
import { WorkflowDefinition } from '../../../shared/contract/workflow';
import type { Sqlite } from '../db/open';
import type { ThreadEnv } from '../env';
import { compileGraph } from './compile';
import type { NodeRegistry } from './registry';
import { nextFire } from './triggers/schedule';
import { validateWorkflow } from './validate';
import { parseStored } from '../db/integrity';

/** Canonical JSON (sorted keys) so an unchanged definition hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The fixed sub-workflow targets of a definition (forEach bodies included), each with the path of its param. */
export function subworkflowTargets(def: { nodes?: unknown }): { target: string; path: string }[] {
  const out: { target: string; path: string }[] = [];
  const todo: { nodes: unknown; prefix: string }[] = [{ nodes: def.nodes, prefix: 'nodes' }];
  while (todo.length) {
    const { nodes, prefix } = todo.pop() as (typeof todo)[number];
    if (!Array.isArray(nodes)) continue;
    nodes.forEach((n: unknown, i) => {
      const node = n as { type?: unknown; params?: { workflow?: unknown; body?: { nodes?: unknown } } } | null;
      const wf = node?.params?.workflow;
      // An expression ("=…") is decided at run time (held to engine.subworkflowDepth there).
      if (node?.type === 'subworkflow' && typeof wf === 'string' && !wf.startsWith('=')) out.push({ target: wf, path: `${prefix}.${i}.params.workflow` });
      if (node?.type === 'forEach') todo.push({ nodes: node.params?.body?.nodes, prefix: `${prefix}.${i}.params.body.nodes` });
    });
  }
  return out;
}

/**
 * A chain of fixed sub-workflow targets from `def` back to itself through the stored workflows (their current
 * versions), e.g. ["a", "b", "a"] or ["a", "a"], with the path of the node that starts it; or null. Breadth
 * first, so the shortest chain is named; only the workflows reachable from `def` are read.
 */
export function subworkflowCycle(db: Sqlite, def: { id: string; nodes?: unknown }): { chain: string[]; path: string } | null {
  const own = subworkflowTargets(def);
  if (!own.length) return null;
  const current = db.prepare('SELECT v.definition FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version WHERE w.id = ?');
  const START = '';
  const prev = new Map<string, string>();
  const queue: string[] = [];
  for (const t of own) {
    if (prev.has(t.target)) continue;
    prev.set(t.target, START);
    queue.push(t.target);
  }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    if (id === def.id) {
      const chain = [id];
      for (let cur = prev.get(id) as string; cur !== START; cur = prev.get(cur) as string) chain.unshift(cur);
      chain.unshift(def.id);
      const first = own.find((t) => t.target === chain[1]);
      return { chain, path: first?.path ?? 'nodes' };
    }
    const row = current.get(id) as { definition: string } | undefined;
    if (!row) continue;
    for (const t of subworkflowTargets(JSON.parse(row.definition) as { nodes?: unknown })) {
      if (prev.has(t.target)) continue;
      prev.set(t.target, id);
      queue.push(t.target);
    }
  }
  return null;
}

export function subworkflowCycleMessage(chain: string[]): string {
  return `subworkflow cycle: ${chain.join(' -> ')} (a sub-workflow may not lead back to the workflow that calls it: its runs would never end; repeat steps with a forEach node)`;
}

export interface ImportResult {
  id: string;
  version: number;
  created: boolean;
  changed: boolean;
}

/** Validate and store; throws ApiError('invalid_input') with every issue (path, node, rule) and writes nothing. */
export function importWorkflow(db: Sqlite, input: unknown, opts: { nodes: NodeRegistry; env?: ThreadEnv; enable?: boolean; now?: string }): ImportResult {
  const v = validateWorkflow(input, { nodes: opts.nodes, ...(opts.env ? { env: opts.env } : {}) });
  if (!v.ok || !v.definition) {
    const issues = v.issues.map((i) => ({ path: i.path, message: i.nodeId ? `node "${i.nodeId}": ${i.message}` : i.message }));
    throw new ApiError('invalid_input', `The workflow definition is not valid (nothing was imported): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  const def = v.definition;
  // The definition must also compile (it does when valid; this keeps the two in step).
  compileGraph(opts.nodes, def, def, 0, '');
  const { version: _ignored, ...stored } = def;
  const text = JSON.stringify(stored);
  const hash = createHash('sha256').update(canonical(stored)).digest('hex');
  const now = opts.now ?? new Date().toISOString();
  const trigger = def.trigger;
  const triggerKey = trigger.type === 'event' ? trigger.event : trigger.type === 'webhook' ? trigger.slug : null;
  return db
    .transaction((): ImportResult => {
      // Read in the import's transaction: several workflows imported together see each other.
      const cycle = subworkflowCycle(db, def);
      if (cycle) {
        const message = subworkflowCycleMessage(cycle.chain);
        throw new ApiError('invalid_input', `The workflow definition is not valid (nothing was imported): ${cycle.path}: ${message}`, [{ path: cycle.path, message }]);
      }
      const cur = db.prepare('SELECT current_version AS version, enabled FROM workflows WHERE id = ?').get(def.id) as { version: number; enabled: number } | undefined;
      if (trigger.type === 'webhook') {
        const other = db.prepare(`SELECT id FROM workflows WHERE trigger_type = 'webhook' AND trigger_key = ? AND id <> ?`).get(triggerKey, def.id) as { id: string } | undefined;
        if (other) throw new ApiError('conflict', `The webhook slug "${triggerKey}" is already used by workflow "${other.id}"; pick another trigger.slug.`, [{ path: 'trigger.slug', message: `already used by ${other.id}` }]);
      }
      if (cur) {
        const last = db.prepare('SELECT hash, definition FROM workflow_versions WHERE workflow_id = ? AND version = ?').get(def.id, cur.version) as { hash: string; definition: string };
        const turnsOn = opts.enable === true && !cur.enabled;
        if (last.hash === hash) {
          if (opts.enable !== undefined && Boolean(cur.enabled) !== opts.enable) db.prepare('UPDATE workflows SET enabled = ?, updated_at = ? WHERE id = ?').run(opts.enable ? 1 : 0, now, def.id);
          if (turnsOn) markEventsFrom(db, def.id, now);
          return { id: def.id, version: cur.version, created: false, changed: false };
        }
        const version = cur.version + 1;
        db.prepare('INSERT INTO workflow_versions (workflow_id, version, definition, hash, created_at) VALUES (?, ?, ?, ?, ?)').run(def.id, version, text, hash, now);
        db.prepare('UPDATE workflows SET name = ?, description = ?, current_version = ?, trigger_type = ?, trigger_key = ?, updated_at = ?, enabled = COALESCE(?, enabled) WHERE id = ?').run(
          def.name,
          def.description ?? null,
          version,
          trigger.type,
          triggerKey,
          now,
          opts.enable === undefined ? null : opts.enable ? 1 : 0,
          def.id,
        );
        // A new version with the same trigger goes on where the last one was (no gap, no replay);
        // a changed trigger (event type or filter) starts listening now, like enabling does.
        const triggerChanged = canonical((JSON.parse(last.definition) as { trigger?: unknown }).trigger) !== canonical(def.trigger);
        if (turnsOn || triggerChanged) markEventsFrom(db, def.id, now);
        return { id: def.id, version, created: false, changed: true };
      }
      db.prepare(
        `INSERT INTO workflows (id, name, description, enabled, current_version, trigger_type, trigger_key, created_at, updated_at, events_from, events_from_at)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM events), ?)`,
      ).run(def.id, def.name, def.description ?? null, opts.enable === false ? 0 : 1, trigger.type, triggerKey, now, now, now);
      db.prepare('INSERT INTO workflow_versions (workflow_id, version, definition, hash, created_at) VALUES (?, 1, ?, ?, ?)').run(def.id, text, hash, now);
      return { id: def.id, version: 1, created: true, changed: true };
    })
    .immediate();
}

/**
 * The event trigger of a workflow starts listening now: events recorded up to this moment (the
 * high-water mark of the events table, read in the caller's write transaction, so an event
 * committed concurrently is either before the mark or dispatched after it) are never dispatched
 * to it; workflows.backfill runs them on request.
 */
function markEventsFrom(db: Sqlite, id: string, now: string): void {
  db.prepare('UPDATE workflows SET events_from = (SELECT COALESCE(MAX(id), 0) FROM events), events_from_at = ? WHERE id = ?').run(now, id);
}

export function exportWorkflow(db: Sqlite, id: string, version?: number): WorkflowDefinition {
  const wf = db.prepare('SELECT current_version AS version FROM workflows WHERE id = ?').get(id) as { version: number } | undefined;
  if (!wf) throw new ApiError('not_found', `No workflow "${id}".`);
  const v = version ?? wf.version;
  const row = db.prepare('SELECT definition FROM workflow_versions WHERE workflow_id = ? AND version = ?').get(id, v) as { definition: string } | undefined;
  if (!row) throw new ApiError('not_found', `Workflow "${id}" has no version ${v} (latest: ${wf.version}).`);
  return { ...parseStored<WorkflowDefinition>(row.definition, 'workflow_versions.definition', `${id}@${v}`), version: v };
}

/** Enable or disable. Enabling a disabled workflow starts its event trigger from now (events recorded while it was off are not dispatched to it). */
export function setEnabled(db: Sqlite, id: string, enabled: boolean): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    const cur = db.prepare('SELECT enabled FROM workflows WHERE id = ?').get(id) as { enabled: number } | undefined;
    if (!cur) throw new ApiError('not_found', `No workflow "${id}".`);
    if (Boolean(cur.enabled) === enabled) return;
    db.prepare('UPDATE workflows SET enabled = ?, updated_at = ? WHERE id = ?').run(enabled ? 1 : 0, now, id);
    if (enabled) markEventsFrom(db, id, now);
  }).immediate();
}

export function summaries(db: Sqlite, now: number, only?: string): WorkflowSummary[] {
  const rows = db
    .prepare(`SELECT w.id, w.name, w.description, w.enabled, w.current_version AS version, w.events_from, w.events_from_at, v.definition FROM workflows w
      JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version ${only ? 'WHERE w.id = ?' : ''} ORDER BY w.name`)
    .all(...(only ? [only] : [])) as { id: string; name: string; description: string | null; enabled: number; version: number; events_from: number; events_from_at: string | null; definition: string }[];
  const weekAgo = new Date(now - 7 * 86_400_000).toISOString();
  const last = db.prepare(`SELECT id, status, created_at, finished_at FROM runs WHERE workflow_id = ? AND scope = '' ORDER BY seq DESC LIMIT 1`);
  const stats = db.prepare(
    `SELECT COUNT(*) AS n, COALESCE(SUM(status = 'succeeded'), 0) AS ok FROM runs WHERE workflow_id = ? AND scope = '' AND status IN ('succeeded','failed','cancelled') AND finished_at >= ?`,
  );
  const active = db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = ? AND scope = '' AND status IN ('queued','running','waiting')`);
  return rows.map((r) => {
    const def = parseStored<WorkflowDefinition>(r.definition, 'workflow_versions.definition', `${r.id}@${r.version}`);
    const l = last.get(r.id) as { id: string; status: string; created_at: string; finished_at: string | null } | undefined;
    const s = stats.get(r.id, weekAgo) as { n: number; ok: number };
    const next = nextFire({ enabled: Boolean(r.enabled), trigger: def.trigger }, new Date(now));
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      enabled: Boolean(r.enabled),
      version: r.version,
      trigger: def.trigger,
      lastRun: l ? { id: l.id, status: l.status as WorkflowSummary['lastRun'] extends infer T ? (T extends { status: infer S } ? S : never) : never, createdAt: l.created_at, finishedAt: l.finished_at } : null,
      nextRun: next ? next.toISOString() : null,
      runs7d: s.n,
      successRate7d: s.n ? s.ok / s.n : null,
      activeRuns: (active.get(r.id) as { n: number }).n,
      eventsFrom: def.trigger.type === 'event' ? { eventId: r.events_from, at: r.events_from_at } : null,
    };
  });
}

/** The JSON Schema of the definition format (written to resources/workflow.schema.json). */
export function workflowJsonSchema(): unknown {
  return z.toJSONSchema(WorkflowDefinition, { io: 'input', unrepresentable: 'any' });
}
