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
import { engineRepo } from './repo';

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
  const workflows = engineRepo(db).workflows;
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
    const stored = workflows.currentDefinition(id) as { nodes?: unknown } | undefined;
    if (!stored) continue;
    for (const t of subworkflowTargets(stored)) {
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
  const repo = engineRepo(db);
  const workflows = repo.workflows;
  return repo.transaction((): ImportResult => {
    // Read in the import's transaction: several workflows imported together see each other.
    const cycle = subworkflowCycle(db, def);
    if (cycle) {
      const message = subworkflowCycleMessage(cycle.chain);
      throw new ApiError('invalid_input', `The workflow definition is not valid (nothing was imported): ${cycle.path}: ${message}`, [{ path: cycle.path, message }]);
    }
    const cur = workflows.head(def.id);
    if (trigger.type === 'webhook' && triggerKey !== null) {
      const other = workflows.slugOwner(triggerKey, def.id);
      if (other) throw new ApiError('conflict', `The webhook slug "${triggerKey}" is already used by workflow "${other}"; pick another trigger.slug.`, [{ path: 'trigger.slug', message: `already used by ${other}` }]);
    }
    const w = { id: def.id, name: def.name, description: def.description ?? null, triggerType: trigger.type, triggerKey, at: now };
    if (cur) {
      const last = workflows.version(def.id, cur.version) as { hash: string; definition: unknown };
      const turnsOn = opts.enable === true && !cur.enabled;
      if (last.hash === hash) {
        if (opts.enable !== undefined && cur.enabled !== opts.enable) workflows.setEnabled(def.id, opts.enable, now);
        if (turnsOn) workflows.markEventsFrom(def.id, now);
        return { id: def.id, version: cur.version, created: false, changed: false };
      }
      const version = cur.version + 1;
      workflows.addVersion({ ...w, enabled: opts.enable ?? null }, version, text, hash);
      // A new version with the same trigger goes on where the last one was (no gap, no replay);
      // a changed trigger (event type or filter) starts listening now, like enabling does.
      const triggerChanged = canonical((last.definition as { trigger?: unknown }).trigger) !== canonical(def.trigger);
      if (turnsOn || triggerChanged) workflows.markEventsFrom(def.id, now);
      return { id: def.id, version, created: false, changed: true };
    }
    // A new workflow's event trigger listens from the events' high-water mark, read in this write transaction (an
    // event committed concurrently is either before the mark or dispatched after it); workflows.backfill runs the older ones.
    workflows.insert({ ...w, enabled: opts.enable !== false }, text, hash);
    return { id: def.id, version: 1, created: true, changed: true };
  });
}

export function exportWorkflow(db: Sqlite, id: string, version?: number): WorkflowDefinition {
  const workflows = engineRepo(db).workflows;
  const wf = workflows.head(id);
  if (!wf) throw new ApiError('not_found', `No workflow "${id}".`);
  const v = version ?? wf.version;
  const stored = workflows.definition(id, v) as WorkflowDefinition | undefined;
  if (stored === undefined) throw new ApiError('not_found', `Workflow "${id}" has no version ${v} (latest: ${wf.version}).`);
  return { ...stored, version: v };
}

/** Enable or disable. Enabling a disabled workflow starts its event trigger from now (events recorded while it was off are not dispatched to it). */
export function setEnabled(db: Sqlite, id: string, enabled: boolean): void {
  const now = new Date().toISOString();
  const repo = engineRepo(db);
  repo.transaction(() => {
    const cur = repo.workflows.head(id);
    if (!cur) throw new ApiError('not_found', `No workflow "${id}".`);
    if (cur.enabled === enabled) return;
    repo.workflows.setEnabled(id, enabled, now);
    if (enabled) repo.workflows.markEventsFrom(id, now);
  });
}

export function summaries(db: Sqlite, now: number, only?: string): WorkflowSummary[] {
  const repo = engineRepo(db);
  const weekAgo = new Date(now - 7 * 86_400_000).toISOString();
  return repo.workflows.summaries(only || undefined).map((r) => {
    const def = r.definition as WorkflowDefinition;
    const l = repo.runs.last(r.id);
    const s = repo.runs.finishedSince(r.id, weekAgo);
    const next = nextFire({ enabled: r.enabled, trigger: def.trigger }, new Date(now));
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      enabled: r.enabled,
      version: r.version,
      trigger: def.trigger,
      lastRun: l ? { id: l.id, status: l.status, createdAt: l.createdAt, finishedAt: l.finishedAt } : null,
      nextRun: next ? next.toISOString() : null,
      runs7d: s.n,
      successRate7d: s.n ? s.ok / s.n : null,
      activeRuns: repo.runs.openCount(r.id),
      eventsFrom: def.trigger.type === 'event' ? { eventId: r.eventsFrom, at: r.eventsFromAt } : null,
    };
  });
}

/** The JSON Schema of the definition format (written to resources/workflow.schema.json). */
export function workflowJsonSchema(): unknown {
  return z.toJSONSchema(WorkflowDefinition, { io: 'input', unrepresentable: 'any' });
}
