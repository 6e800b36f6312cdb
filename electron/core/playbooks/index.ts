/**
 * The playbooks domain (docs/playbooks.md): agent-team playbooks compiled to
 * workflows of the durable engine, their runs, and the workspace as a git
 * repository (history and diffs per file).
 */
import { randomBytes } from 'node:crypto';
import { ApiError, playbooksEventTypes, playbooksOps, type OpOutput, type PlaybookDefinition, type PlaybookRunDetail, type PlaybookRunSummary, type PlaybookSummary } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core } from '../core';
import { defineDomain } from '../domain';
import { applyCampaigns, applyScoring, applySequence, previewCampaigns, previewScoring, previewSequence } from './apply';
import { GTM_PLAYBOOK } from './builtin';
import { compiledMark, compilePlaybook, modeWorkflowId, phaseWorkflowId } from './compile';
import { configSchema, estimate, modePlans, parsePlaybookText, planSteps, playbookJsonSchema, toYaml, validatePlaybookText } from './format';
import { fileDiff, fileHistory, log, MAIN, syncMain } from './git';
import { PLAYBOOK_NODES } from './nodes';
import { phaseDiff, PLAYBOOK_BUDGET_EVENT, type GateState } from './runtime';
import { publishEvent } from '../engine';
import { PLAYBOOKS_STORE, type PlaybookRow, type RunRow } from './store';
import { PlaybookDefinition as DefinitionSchema } from '../../../shared/api';

const round = (n: number) => Math.round(n * 1e6) / 1e6;
const minutesBetween = (a: string | null, b: string | null) => (a && b ? Math.round(((Date.parse(b) - Date.parse(a)) / 60_000) * 100) / 100 : null);

/** Store a playbook and its compiled workflows (all or nothing: a workflow refused leaves the playbook unchanged). */
async function storePlaybook(core: Core, def: PlaybookDefinition, source: string, format: 'yaml' | 'json', builtIn: boolean): Promise<boolean> {
  const st = core.get(PLAYBOOKS_STORE);
  const had = st.get(def.id);
  if (had?.built_in && !builtIn) throw new ApiError('conflict', `id: "${def.id}" is the built-in playbook; give your playbook another id`, [{ path: 'id', message: 'built-in id' }]);
  for (const wf of compilePlaybook(def)) await core.call('workflows.validate', { definition: wf as never }).then((v) => {
    if (!v.ok) throw new ApiError('invalid_input', `The compiled workflow ${wf.id} is not valid: ${v.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  });
  for (const wf of compilePlaybook(def)) await core.call('workflows.import', { definition: wf as never, enable: true });
  st.put({ id: def.id, name: def.name, version: def.version, builtIn, format, source, definition: def, at: new Date().toISOString() });
  core.bus.emit('playbooks.changed', { id: def.id });
  // Steps waiting for a role's budget check the new definition.
  if (had) await publishEvent(core, { type: PLAYBOOK_BUDGET_EVENT, data: { playbookId: def.id } });
  return !had;
}

function summaryOf(core: Core, row: PlaybookRow): PlaybookSummary {
  const st = core.get(PLAYBOOKS_STORE);
  const d = st.definitionOf(row);
  const all = d.phases.flatMap((p) => p.steps.map((s) => s.id));
  const last = st.lastRun(row.id);
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    version: d.version,
    builtIn: row.built_in === 1,
    roles: d.roles.length,
    phases: d.phases.length,
    steps: all.length,
    estimatedMinutes: estimate(d, all),
    modes: d.modes.map((m) => ({ id: m.id, name: m.name })),
    updatedAt: row.updated_at,
    lastRun: last ? { id: last.id, status: runStatus(core, last).status, mode: last.mode, startedAt: last.started_at } : null,
  };
}

function runStatus(core: Core, r: RunRow): { status: PlaybookRunSummary['status']; waitingFor: string | null; error: string | null } {
  const st = core.get(PLAYBOOKS_STORE);
  if (r.status === 'succeeded' || r.status === 'failed' || r.status === 'cancelled') return { status: r.status, waitingFor: null, error: r.error };
  const e = r.workflow_run_id ? st.engineRun(r.workflow_run_id) : undefined;
  if (e && (e.status === 'failed' || e.status === 'cancelled')) {
    let msg: string | null = null;
    try {
      msg = e.error ? ((JSON.parse(e.error) as { message?: string }).message ?? e.error) : null;
    } catch {
      msg = e.error;
    }
    return { status: e.status, waitingFor: null, error: msg };
  }
  if (r.waiting_for) return { status: 'waiting', waitingFor: r.waiting_for, error: null };
  const w = r.workflow_run_id ? st.waitingStep(r.workflow_run_id) : undefined;
  if (w && w.waiting_for !== 'approval') return { status: 'waiting', waitingFor: w.waiting_for, error: null };
  return { status: 'running', waitingFor: null, error: null };
}

function runSummary(core: Core, r: RunRow): PlaybookRunSummary {
  const st = core.get(PLAYBOOKS_STORE);
  const d = st.definitionOf(r, 'playbook_runs');
  const plan = JSON.parse(r.plan) as string[];
  const s = runStatus(core, r);
  const steps = st.steps(r.id);
  const phases = st.phases(r.id);
  const current = d.phases.find((p) => ['running', 'gate', 'waiting_approval'].includes(phases.find((x) => x.phase_id === p.id)?.status ?? ''));
  return {
    id: r.id,
    playbookId: r.playbook_id,
    playbookName: d.name,
    mode: r.mode,
    modeName: d.modes.find((m) => m.id === r.mode)?.name ?? r.mode,
    scenario: r.scenario,
    role: r.role,
    status: s.status,
    waitingFor: s.waitingFor,
    workflowRunId: r.workflow_run_id,
    currentPhase: current?.id ?? null,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    costUsd: round(steps.reduce((a, x) => a + x.cost_usd, 0)),
    estimatedMinutes: estimate(d, plan).parallel,
    actualMinutes: minutesBetween(r.started_at, r.finished_at),
    error: s.error,
  };
}

function runDetail(core: Core, r: RunRow): PlaybookRunDetail {
  const st = core.get(PLAYBOOKS_STORE);
  const d = st.definitionOf(r, 'playbook_runs');
  const steps = new Map(st.steps(r.id).map((s) => [s.step_id, s]));
  const phases = new Map(st.phases(r.id).map((p) => [p.phase_id, p]));
  const roleName = (id: string) => d.roles.find((x) => x.id === id)?.name ?? id;
  const conflicts = st.conflicts(r.id).map((c) => ({
    id: c.id,
    phaseId: c.phase_id,
    stepId: c.step_id,
    kind: c.kind as 'positions' | 'merge',
    raisedBy: c.raised_by,
    topic: c.topic,
    positions: JSON.parse(c.positions) as { role: string; position: string }[],
    files: JSON.parse(c.files) as string[],
    status: c.status as 'open' | 'decided',
    decision: c.decision ? { conflictId: c.id, ...(JSON.parse(c.decision) as { choice: string; rationale: string; path: string; decidedBy: string; decidedAt: string }) } : null,
    rerunSteps: JSON.parse(c.rerun) as string[],
    raisedAt: c.raised_at,
  }));
  const threshold = Number(core.setting('ai.confidenceThreshold', 0.7));
  const outPhases = d.phases.map((p) => {
    const pr = phases.get(p.id);
    const gs = pr?.gate ? (JSON.parse(pr.gate) as GateState) : null;
    const runSteps = p.steps.map((s) => {
      const row = steps.get(s.id);
      const files = row?.files ? (JSON.parse(row.files) as Record<string, string>) : null;
      return {
        id: s.id,
        title: s.title,
        role: s.role,
        roleName: roleName(s.role),
        status: (row?.status ?? 'skipped') as 'pending' | 'skipped' | 'running' | 'done' | 'failed',
        estimatedMinutes: s.estimatedMinutes,
        actualMinutes: minutesBetween(row?.started_at ?? null, row?.finished_at ?? null),
        costUsd: round(row?.cost_usd ?? 0),
        attempts: row?.attempts ?? 0,
        startedAt: row?.started_at ?? null,
        finishedAt: row?.finished_at ?? null,
        commit: row?.commit_oid ?? null,
        outputs: s.outputs.map((o) => ({ name: o.name, path: o.path, bytes: files?.[o.name] !== undefined ? Buffer.byteLength(files[o.name]!) : null })),
        error: row?.error ?? null,
      };
    });
    const approvalId = gs?.childRunId ? st.approvalOf(gs.childRunId, 'gate') : null;
    return {
      id: p.id,
      name: p.name,
      execution: p.execution,
      status: (pr?.status ?? 'skipped') as PlaybookRunDetail['phases'][number]['status'],
      branch: pr?.branch ?? null,
      mergeCommit: pr?.merge_commit ?? null,
      estimatedMinutes: estimate({ ...d, phases: [p] }, p.steps.filter((s) => steps.get(s.id) && steps.get(s.id)!.status !== 'skipped').map((s) => s.id)).parallel,
      actualMinutes: minutesBetween(pr?.started_at ?? null, pr?.finished_at ?? null),
      costUsd: round(runSteps.reduce((a, s) => a + s.costUsd, 0)),
      steps: runSteps,
      gate: p.gate
        ? {
            status: (gs?.status ?? 'pending') as PlaybookRunDetail['phases'][number]['gate'] extends infer G ? (G extends { status: infer S } ? S : never) : never,
            confidence: gs?.items?.length ? Math.min(...gs.items.map((i) => i.confidence ?? 1)) : null,
            threshold: gs?.threshold ?? p.gate.minConfidence ?? threshold,
            approvalId,
            items: gs?.items ?? p.gate.items.map((i) => ({ id: i.id, check: i.check, role: i.role, result: null, confidence: null, evidence: '', notes: '', attempts: 0, files: [] })),
          }
        : null,
    };
  });
  const roles = d.roles.map((role) => {
    const mine = d.phases.flatMap((p) => p.steps.filter((s) => s.role === role.id).map((s) => ({ p, s, row: steps.get(s.id) })));
    const done = mine.filter((x) => x.row?.role_status).sort((a, b) => (a.row!.finished_at ?? '').localeCompare(b.row!.finished_at ?? ''));
    const last = done[done.length - 1];
    const running = mine.find((x) => x.row?.status === 'running');
    const rs = last ? (JSON.parse(last.row!.role_status!) as { task: string; status: string; blockers: string[]; next: string }) : null;
    const status: 'idle' | 'working' | 'complete' | 'blocked' | 'waiting' = running ? 'working' : rs?.status === 'blocked' ? 'blocked' : rs ? 'complete' : 'idle';
    return {
      role: role.id,
      name: role.name,
      phase: (running ?? last)?.p.id ?? null,
      task: running ? running.s.title : (rs?.task ?? null),
      status,
      outputs: last ? last.s.outputs.map((o) => o.path) : [],
      blockers: rs?.blockers ?? [],
      next: rs?.next ?? null,
      path: `status/${role.id}.md`,
      updatedAt: last?.row?.finished_at ?? null,
    };
  });
  return {
    ...runSummary(core, r),
    config: JSON.parse(r.config) as Record<string, string>,
    task: r.task,
    phases: outPhases,
    roles,
    conflicts,
    decisions: conflicts.flatMap((c) => (c.decision ? [c.decision] : [])),
    decisionCriteria: d.decisionCriteria,
  };
}

function requirePlaybook(core: Core, id: string): { row: PlaybookRow; def: PlaybookDefinition } {
  const st = core.get(PLAYBOOKS_STORE);
  const row = st.get(id);
  if (!row) throw new ApiError('not_found', `playbookId: there is no playbook "${id}" (playbooks.list gives the ids)`, [{ path: 'playbookId', message: 'no such playbook' }]);
  return { row, def: st.definitionOf(row) };
}

function requireRun(core: Core, id: string): RunRow {
  const r = core.get(PLAYBOOKS_STORE).run(id);
  if (!r) throw new ApiError('not_found', `id: there is no playbook run "${id}" (playbooks.runs gives the ids)`, [{ path: 'id', message: 'no such run' }]);
  return r;
}

async function start(core: Core, i: { playbookId: string; mode: string; scenario?: string | undefined; config: Record<string, string | number>; role?: string | undefined; task?: string | undefined }): Promise<OpOutput<'playbooks.start'>> {
  const { def } = requirePlaybook(core, i.playbookId);
  const mode = def.modes.find((m) => m.id === i.mode);
  if (!mode) throw new ApiError('invalid_input', `mode: "${i.mode}" is not a mode of ${def.name} (the modes are ${def.modes.map((m) => m.id).join(', ')})`, [{ path: 'mode', message: 'unknown mode' }]);
  const scenario = i.scenario ? def.scenarios.find((s) => s.id === i.scenario) : undefined;
  if (i.scenario && !scenario) throw new ApiError('invalid_input', `scenario: "${i.scenario}" is not a scenario of ${def.name} (the scenarios are ${def.scenarios.map((s) => s.id).join(', ')})`, [{ path: 'scenario', message: 'unknown scenario' }]);
  const config: Record<string, string> = { ...(scenario?.config ?? {}) };
  for (const [k, v] of Object.entries(i.config)) {
    const f = def.config.find((c) => c.key === k);
    if (!f) throw new ApiError('invalid_input', `config.${k}: not a config field of ${def.name} (the fields are ${def.config.map((c) => c.key).join(', ')})`, [{ path: `config.${k}`, message: 'unknown field' }]);
    if (f.type === 'number' && !Number.isFinite(Number(v))) throw new ApiError('invalid_input', `config.${k}: give a number`, [{ path: `config.${k}`, message: 'not a number' }]);
    config[k] = String(v);
  }
  const missing = def.config.filter((c) => c.required && !config[c.key]?.trim());
  if (missing.length) {
    throw new ApiError('invalid_input', `config: fill ${missing.map((c) => `${c.key} (${c.label})`).join(', ')}`, missing.map((c) => ({ path: `config.${c.key}`, message: 'required' })));
  }
  if (mode.chooseRole && !i.role) throw new ApiError('invalid_input', `role: the mode "${mode.name}" runs one role; name it (${def.roles.map((r) => r.id).join(', ')})`, [{ path: 'role', message: 'required' }]);
  if (i.role && !def.roles.some((r) => r.id === i.role)) throw new ApiError('invalid_input', `role: "${i.role}" is not a role of ${def.name} (the roles are ${def.roles.map((r) => r.id).join(', ')})`, [{ path: 'role', message: 'unknown role' }]);
  const plan = planSteps(def, mode.id, mode.chooseRole ? i.role : null);
  if (!plan.length) throw new ApiError('invalid_input', `mode: "${mode.name}" runs no step${i.role ? ` of the role ${i.role}` : ''}`, [{ path: 'mode', message: 'no steps' }]);
  const st = core.get(PLAYBOOKS_STORE);
  const id = `pbr_${randomBytes(6).toString('hex')}`;
  const at = new Date(core.now()).toISOString();
  core.db.transaction(() => {
    st.insertRun({ id, playbook_id: def.id, definition: JSON.stringify(def), mode: mode.id, scenario: scenario?.id ?? null, role: mode.chooseRole ? (i.role ?? null) : null, task: i.task ?? null, config: JSON.stringify(config), plan: JSON.stringify(plan), status: 'running', started_at: at });
    for (const p of def.phases) {
      const inMode = mode.phases.includes(p.id);
      st.insertPhase(id, p.id, inMode ? 'pending' : 'skipped');
      for (const s of p.steps) st.insertStep(id, s.id, p.id, plan.includes(s.id) ? 'pending' : 'skipped');
    }
  })();
  // The workspace repository exists before the first phase (workers then only branch and commit).
  await syncMain(core.dataDir, core.now());
  try {
    const { runId } = await core.call('runs.start', { workflow: modeWorkflowId(def, mode.id), input: { playbookRun: id } });
    st.setRun(id, { workflow_run_id: runId });
  } catch (e) {
    st.setRun(id, { status: 'failed', error: (e as Error).message, finished_at: at });
    throw e;
  }
  core.bus.emit('playbooks.run.updated', { runId: id, playbookId: def.id, status: 'running' });
  return { run: runSummary(core, st.run(id)!) };
}

/**
 * The built-in playbook, installed (its workflows compiled) on the first playbook operation when missing or
 * changed: not at startup, so opening a core (every CLI command) pays nothing for it.
 */
const installing = new WeakMap<Core, Promise<void>>();
function ensureBuiltIn(core: Core): Promise<void> {
  const def = DefinitionSchema.parse(GTM_PLAYBOOK);
  const had = core.get(PLAYBOOKS_STORE).get(def.id);
  // Unchanged, and compiled by this version of the compiler: nothing to do.
  if (had && had.definition === JSON.stringify(def) && core.get(PLAYBOOKS_STORE).workflowDescription(phaseWorkflowId(def, def.phases[0]!.id))?.includes(compiledMark)) return Promise.resolve();
  let p = installing.get(core);
  if (!p) {
    p = storePlaybook(core, def, toYaml(GTM_PLAYBOOK), 'yaml', true)
      .then(() => undefined)
      .finally(() => installing.delete(core));
    installing.set(core, p);
  }
  return p;
}

export function playbooksHandlers(core: Core): HandlerMap<keyof typeof playbooksOps> {
  const st = () => core.get(PLAYBOOKS_STORE);
  const h: HandlerMap<keyof typeof playbooksOps> = {
    'playbooks.list': () => ({ playbooks: st().list().map((r) => summaryOf(core, r)) }),
    'playbooks.get': ({ id }) => {
      const { row, def } = requirePlaybook(core, id);
      return { ...summaryOf(core, row), definition: def, configSchema: configSchema(def), modePlans: modePlans(def), source: row.source, format: row.format as 'yaml' | 'json' };
    },
    'playbooks.import': async ({ text, format }) => {
      const { definition, format: f } = parsePlaybookText(text, format);
      const created = await storePlaybook(core, definition, text, f, false);
      return { playbook: summaryOf(core, st().get(definition.id)!), created };
    },
    'playbooks.validate': ({ text, format }) => {
      const r = validatePlaybookText(text, format);
      return { ok: r.issues.length === 0, issues: r.issues };
    },
    'playbooks.delete': ({ id }) => {
      const row = st().get(id);
      if (row?.built_in) throw new ApiError('conflict', `id: "${id}" is the built-in playbook and cannot be deleted`, [{ path: 'id', message: 'built-in' }]);
      const deleted = st().delete(id);
      if (deleted) core.bus.emit('playbooks.changed', { id });
      return { deleted };
    },
    'playbooks.schema': () => ({ schema: playbookJsonSchema() }),
    'playbooks.start': (i) => start(core, i),
    'playbooks.runs': ({ playbookId, status, limit }) => ({
      runs: st()
        .runs(playbookId ?? null, null, status ? 1000 : limit)
        .map((r) => runSummary(core, r))
        .filter((r) => !status || r.status === status)
        .slice(0, limit),
    }),
    'playbooks.run': ({ id }) => runDetail(core, requireRun(core, id)),
    'playbooks.cancel': async ({ id }) => {
      const r = requireRun(core, id);
      if (r.workflow_run_id && runStatus(core, r).status !== 'succeeded') await core.call('runs.cancel', { id: r.workflow_run_id });
      if (!['succeeded', 'failed'].includes(r.status)) st().setRun(id, { status: 'cancelled', finished_at: new Date(core.now()).toISOString(), waiting_for: null });
      core.bus.emit('playbooks.run.updated', { runId: id, playbookId: r.playbook_id, status: 'cancelled' });
      return { run: runSummary(core, st().run(id)!) };
    },
    'playbooks.phaseDiff': async ({ runId, phaseId }) => {
      requireRun(core, runId);
      const p = st().phase(runId, phaseId);
      if (!p?.branch) throw new ApiError('not_found', `phaseId: phase "${phaseId}" of run ${runId} has no branch (it did not start)`, [{ path: 'phaseId', message: 'not started' }]);
      return { branch: p.branch, files: await phaseDiff(core.dataDir, p.base_commit, p.branch) };
    },
    'playbooks.apply.preview': ({ kind, runId }) => (kind === 'sequence' ? previewSequence(core, runId) : kind === 'campaigns' ? previewCampaigns(core, runId) : previewScoring(core)),
    'playbooks.apply': (i) => (i.kind === 'sequence' ? applySequence(core, i) : i.kind === 'campaigns' ? applyCampaigns(core, i) : applyScoring(core, i.proposed)),
    'workspace.history': async ({ path, ref, limit }) => {
      await syncMain(core.dataDir, core.now());
      return { path, commits: await fileHistory(core.dataDir, path, ref ?? MAIN, limit) };
    },
    'workspace.diff': async ({ path, commit, against }) => {
      await syncMain(core.dataDir, core.now());
      try {
        return { path, ...(await fileDiff(core.dataDir, path, commit, against)) };
      } catch (e) {
        if ((e as { code?: string }).code === 'NotFoundError' || /not found|could not find/i.test((e as Error).message)) {
          throw new ApiError('not_found', `commit: there is no commit ${against && !/commit/.test((e as Error).message) ? against : commit} in the workspace (workspace.history gives the ids)`, [{ path: 'commit', message: 'no such commit' }]);
        }
        throw e;
      }
    },
    'workspace.log': async ({ ref, limit }) => {
      await syncMain(core.dataDir, core.now());
      return { branch: ref ?? MAIN, commits: await log(core.dataDir, ref ?? MAIN, limit) };
    },
  };
  for (const name of ['playbooks.list', 'playbooks.get', 'playbooks.import', 'playbooks.start', 'playbooks.runs'] as const) {
    const inner = h[name] as (i: never) => unknown;
    (h as Record<string, (i: never) => unknown>)[name] = async (i: never) => {
      await ensureBuiltIn(core);
      return inner(i);
    };
  }
  return h;
}

export const playbooksDomain = defineDomain({
  id: 'playbooks',
  description: 'Agent-team playbooks: roles in phases with quality gates, execution modes and a conflict protocol, run as workflows; the workspace as a git repository.',
  ops: playbooksOps,
  events: playbooksEventTypes,
  nodes: PLAYBOOK_NODES,
  requires: ['engine', 'ai'],
  create(core) {
    return { handlers: playbooksHandlers(core) };
  },
});
